"""Exceptions and warnings that carry a location, so the CLI can print one clear line.

Every error a user can cause by bad input derives from :class:`IntercoderError`; the CLI prints
``str(error)`` and exits 1 without a traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

# dataclasses rather than attrs here: this module is imported by every CLI start, and the
# stdlib module is already loaded by then, so `intercoder --help` pays nothing for it.
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """A place in an input file; ``line`` and ``column`` are 1-based, 0 when unknown."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in an input: where, what, and how bad."""

    location: Location
    message: str
    severity: str = "error"  # "error" or "warning"
    field: str = ""  # a path like ``variables[2].categories[0].code``, "" for the whole file

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {prefix}{where}{self.message}"


class IntercoderError(Exception):
    """Bad input from the user (a file, an argument, a server answer): reported in one line."""


class ProblemsError(IntercoderError):
    """Bad input with one or more located problems; the CLI lists ``diagnostics`` one per line.

    ``hint`` says what the user can do about them (shown after the list).
    """

    def __init__(self, diagnostics: list[Diagnostic], hint: str = "") -> None:
        self.diagnostics = diagnostics
        self.hint = hint
        errors = [d for d in diagnostics if d.severity == "error"] or diagnostics
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{errors[0]}{more}")


class CodebookError(ProblemsError):
    """A codebook failed to load or validate; ``diagnostics`` lists every problem found."""


class CodebookNotFoundError(IntercoderError):
    """A codebook reference names no bundled, registered or file codebook."""
