"""pyreadstat, loaded on use: its import, its exceptions, and writing a file atomically with it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from intercoder.errors import IntercoderError


def _replace_atomically(path: Path, write: Callable[[str], None]) -> None:
    """Call ``write(temporary path)`` beside ``path``; the file replaces ``path`` on success."""
    from intercoder.fileio import replacing

    with replacing(path) as tmp:
        write(str(tmp))


def pyreadstat_module() -> Any:
    """pyreadstat, or a one-line error saying how to install it."""
    import importlib

    try:
        return importlib.import_module("pyreadstat")
    except ImportError as exc:
        raise IntercoderError(
            f"pyreadstat cannot be imported ({exc}): pip install 'intercoder-spss'"
        ) from None


def readstat_errors(pyreadstat: Any) -> tuple[type[Exception], ...]:
    """pyreadstat's exceptions (older releases export only ReadstatError at the top)."""
    sources = (pyreadstat, getattr(pyreadstat, "_readstat_parser", None))
    found = {
        getattr(source, name, None)
        for source in sources
        for name in ("ReadstatError", "PyreadstatError")
    }
    return tuple(e for e in found if isinstance(e, type) and issubclass(e, Exception))


def write_with(writer: str, frame: Any, options: dict[str, Any], path: Path, title: str) -> None:
    """Write ``frame`` to ``path`` with pyreadstat's ``writer`` function, atomically."""
    pyreadstat = pyreadstat_module()

    def write(tmp: str) -> None:
        try:
            getattr(pyreadstat, writer)(frame, tmp, **options)
        except readstat_errors(pyreadstat) as exc:
            raise IntercoderError(f"{path}: cannot write the {title} file: {exc}") from None

    _replace_atomically(path, write)
