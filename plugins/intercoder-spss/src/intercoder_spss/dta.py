"""Stata ``.dta`` (format 118, Stata 14 and later): the ``stata`` exporter and importer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .formats import STATA
from .layout import Column
from .readstat import pyreadstat_module, write_with
from .wide import WideFormat


class StataFormat(WideFormat):
    """Stata ``.dta`` format 118 (Stata 14+): wide, UTF-8, variable and value labels."""

    name = "stata"
    extension = ".dta"
    extensions = (".dta",)
    description = "Stata .dta (format 118), one row per unit and coder, labels from --codebook"
    file_format = STATA

    def _write_frame(
        self, frame: Any, columns: list[Column], options: dict[str, Any], path: Path
    ) -> None:
        options["version"] = 14  # pyreadstat's name for file format 118
        write_with("write_dta", frame, options, path, self.file_format.title)

    def _read_frame(self, path: Path) -> tuple[Any, Any]:
        return pyreadstat_module().read_dta(path)  # type: ignore[no-any-return]
