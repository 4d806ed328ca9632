"""The shared work of the SPSS and Stata formats: checking, pivoting, labelling, reading back."""

from __future__ import annotations

import re
from abc import abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from intercoder.errors import Diagnostic, IntercoderError, Location
from intercoder.extensions import Exporter, Importer

from .formats import FileFormat
from .layout import Column, wide_layout
from .pivot import cell_value, checked, identifier, wide_frame
from .readstat import pyreadstat_module, readstat_errors

if TYPE_CHECKING:
    from intercoder.annotations import AnnotationSet
    from intercoder.codebook.model import Codebook

#: The codebook reference at the start of a file label.
_FILE_LABEL = re.compile(r"^\s*([a-z][a-z0-9]*(?:-[a-z0-9]+)*@[0-9]+\.[0-9]+\.[0-9]+)(?:\s|$)")


class WideFormat(Importer, Exporter):
    """A wide statistics file: the shared work of the SPSS and Stata formats.

    ``lang`` picks the label language (default ``$INTERCODER_LABEL_LANG``, else the codebook's
    first); ``codebook`` is the one to read files with (default: the one the file label names).
    """

    file_format: ClassVar[FileFormat]

    def __init__(self, lang: str | None = None, codebook: Codebook | None = None) -> None:
        self.lang = lang
        self.codebook = codebook

    # --- writing ------------------------------------------------------------------------------

    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        """Write the wide file; the codebook is required (labels, codes to numbers)."""
        fmt = self.file_format
        if codebook is None:
            raise IntercoderError(
                f"the {self.name} exporter needs a codebook for its variable and value labels: "
                "add --codebook REF"
            )
        columns = wide_layout(codebook, fmt, self.lang)
        frame = wide_frame(checked(annotations, codebook), columns)
        if not len(frame):
            raise IntercoderError(f"{path}: no annotation records to export")
        options: dict[str, Any] = {
            "file_label": fmt.file_label.fit(codebook.ref),
            "column_labels": {
                c.name: fmt.variable_label.fit(c.label) if c.label else None for c in columns
            },
            "variable_value_labels": {
                c.name: {
                    i: fmt.value_label.fit(label) for i, label in enumerate(c.value_labels, start=1)
                }
                for c in columns
                if c.kind == "choice" and c.value_labels
            },
            "variable_format": {
                c.name: fmt.choice_format for c in columns if c.kind in ("choice", "dummy")
            },
        }
        self._write_frame(frame, columns, options, path)

    @abstractmethod
    def _write_frame(
        self, frame: Any, columns: list[Column], options: dict[str, Any], path: Path
    ) -> None:
        """Write ``frame`` with pyreadstat's writer for the format."""

    # --- reading ------------------------------------------------------------------------------

    @abstractmethod
    def _read_frame(self, path: Path) -> tuple[Any, Any]:
        """pyreadstat's (data frame, metadata) for ``path``."""

    def read(self, path: Path) -> AnnotationSet:
        """Records from a file this plugin wrote; spans are not in it, empty texts are none."""
        from intercoder.annotations import Annotation, AnnotationError, AnnotationSet
        from intercoder.codebook.registry import load_codebook

        name = str(path)
        pyreadstat = pyreadstat_module()
        try:
            frame, meta = self._read_frame(path)
        except FileNotFoundError:
            raise
        except readstat_errors(pyreadstat) as exc:
            raise IntercoderError(
                f"{name}: not a readable {self.file_format.title} file ({exc})"
            ) from None
        label = meta.file_label or ""
        found = _FILE_LABEL.match(label)
        codebook = self.codebook
        if codebook is None:
            if found is None:
                raise IntercoderError(
                    f"{name}: the file label {label!r} names no codebook (id@version); "
                    f"the {self.name} importer reads files written by intercoder's "
                    f"{self.name} exporter"
                )
            codebook = load_codebook(found.group(1))
        columns = wide_layout(codebook, self.file_format)
        missing = [c.name for c in columns if c.name not in frame.columns]
        if missing:
            shown = ", ".join(missing[:5])
            if len(missing) > 5:
                shown += f" (and {len(missing) - 5} more)"
            raise AnnotationError(
                [
                    Diagnostic(
                        Location(name),
                        f"missing column(s) {shown} of the {codebook.ref} layout; was the file "
                        f"written by the {self.name} exporter with this codebook?",
                    )
                ]
            )
        cells = {c.name: frame[c.name].tolist() for c in columns}
        unit_column, coder_column = columns[0].name, columns[1].name
        groups: dict[str, list[Column]] = {}
        for column in columns[2:]:
            groups.setdefault(column.variable or "", []).append(column)
        records: list[Annotation] = []
        problems: list[Diagnostic] = []
        for row in range(len(frame)):
            where = Location(name, row + 1)
            unit = identifier(cells[unit_column][row])
            coder = identifier(cells[coder_column][row])
            if not unit or not coder:
                problems.append(
                    Diagnostic(where, f"{unit_column if not unit else coder_column}: missing")
                )
                continue
            for variable, group in groups.items():
                try:
                    value = cell_value(group, cells, row)
                except ValueError as exc:
                    problems.append(Diagnostic(where, str(exc)))
                    continue
                if value is not None:
                    records.append(
                        Annotation(
                            unit, coder, variable, value, codebook=codebook.ref, location=where
                        )
                    )
        if problems:
            raise AnnotationError(problems)
        return AnnotationSet.from_records(records)
