"""SPSS ``.sav``: the ``spss`` exporter and importer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .formats import SPSS
from .layout import Column
from .readstat import pyreadstat_module, write_with
from .wide import WideFormat


class SpssFormat(WideFormat):
    """SPSS ``.sav``: wide, UTF-8, variable and value labels and measurement levels."""

    name = "spss"
    extension = ".sav"
    extensions = (".sav",)
    description = "SPSS .sav, one row per unit and coder, labels from --codebook (required)"
    file_format = SPSS

    def _write_frame(
        self, frame: Any, columns: list[Column], options: dict[str, Any], path: Path
    ) -> None:
        options["variable_measure"] = {c.name: c.measure for c in columns}
        write_with("write_sav", frame, options, path, self.file_format.title)

    def _read_frame(self, path: Path) -> tuple[Any, Any]:
        return pyreadstat_module().read_sav(path)  # type: ignore[no-any-return]
