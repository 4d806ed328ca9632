"""What each statistics file format allows: name and label limits, reserved words, formats.

:data:`SPSS` and :data:`STATA` describe the two formats; :class:`Limit` cuts a label to fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ELLIPSIS = "…"


@dataclass(frozen=True)
class Limit:
    """A maximum length, counted in UTF-8 bytes or in characters."""

    size: int
    unit: Literal["bytes", "chars"]

    def fit(self, text: str) -> str:
        """``text`` if it fits, else cut on a character boundary and ending in ``…``."""
        if self.unit == "chars":
            if len(text) <= self.size:
                return text
            return text[: self.size - len(ELLIPSIS)].rstrip() + ELLIPSIS
        data = text.encode("utf-8")
        if len(data) <= self.size:
            return text
        room = self.size - len(ELLIPSIS.encode("utf-8"))
        return data[:room].decode("utf-8", errors="ignore").rstrip() + ELLIPSIS


@dataclass(frozen=True)
class FileFormat:
    """What one statistics file format allows: name and label limits, reserved words."""

    title: str
    max_name: int
    max_labelled_name: int
    variable_label: Limit
    value_label: Limit
    file_label: Limit
    reserved: frozenset[str]
    reserved_pattern: str
    choice_format: str


SPSS = FileFormat(
    title="SPSS",
    max_name=64,
    max_labelled_name=64,
    variable_label=Limit(255, "bytes"),
    value_label=Limit(120, "bytes"),
    file_label=Limit(64, "bytes"),
    reserved=frozenset(
        ["all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"],
    ),
    reserved_pattern=r"(?!)",
    choice_format="F8.0",
)

STATA = FileFormat(
    title="Stata",
    max_name=32,
    max_labelled_name=28,
    variable_label=Limit(80, "chars"),
    value_label=Limit(32000, "bytes"),
    file_label=Limit(80, "chars"),
    reserved=frozenset(
        [
            "_all",
            "_b",
            "byte",
            "_coef",
            "_cons",
            "double",
            "float",
            "if",
            "in",
            "int",
            "long",
            "_n",
            "_pi",
            "_pred",
            "_rc",
            "_skip",
            "strl",
            "using",
            "with",
        ]
    ),
    reserved_pattern=r"str[0-9]+",
    choice_format="%8.0g",
)
