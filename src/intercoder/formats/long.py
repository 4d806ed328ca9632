"""Built-in annotation formats: long CSV and JSONL (docs/reference/file-formats.md), both ways."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..extensions import Exporter, Importer
from ..fileio import write_atomic
from ..hookspecs import hookimpl

if TYPE_CHECKING:  # imported when used: registering must not load numpy at start-up
    from ..annotations import Annotation, AnnotationSet
    from ..codebook.model import Codebook


def _plain(record: Annotation) -> dict[str, Any]:
    """The record's long-format columns; a multiple-choice value as a list (JSON's form)."""
    from ..annotations import RECORD_COLUMNS

    row = {column: getattr(record, column) for column in RECORD_COLUMNS}
    if isinstance(row["value"], tuple):
        row["value"] = list(row["value"])
    return row


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    from ..annotations import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    optional = [c for c in OPTIONAL_COLUMNS if any(row[c] is not None for row in rows)]
    return [*REQUIRED_COLUMNS, *optional]


class LongCsv(Importer, Exporter):
    """Long CSV (``,``, ``;`` or tab; ``.tsv`` and Excel's Unicode ``.txt`` too): a sheet whose
    header is unit_id and one column per coder is read as wide (:func:`.tabular.read_sheet`)."""

    name = "csv"
    extensions = (".csv", ".tsv", ".txt")
    extension = ".csv"
    description = "long format CSV: unit_id, coder_id, variable, value, ... (lists as JSON)"

    def read(self, path: Path) -> AnnotationSet:
        from .tabular import read_sheet

        return read_sheet(path)

    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        rows = [_plain(record) for record in annotations]
        columns = _columns(rows)
        buffer = io.StringIO(newline="")
        # RFC 4180 line ends: with "\n" the csv module would leave a lone "\r" in a cell
        # unquoted, and the file would not read back.
        writer = csv.DictWriter(
            buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n"
        )
        writer.writeheader()
        for row in rows:
            if isinstance(row["value"], list):
                row["value"] = json.dumps(row["value"], ensure_ascii=False)
            writer.writerow({k: ("" if row[k] is None else row[k]) for k in columns})
        write_atomic(path, buffer.getvalue())


class LongJsonl(Importer, Exporter):
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    extension = ".jsonl"
    description = "long format JSON Lines: one annotation record per line"

    def read(self, path: Path) -> AnnotationSet:
        from ..annotations import read_annotations

        return read_annotations(path)

    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        from ..annotations import REQUIRED_COLUMNS

        lines = []
        for record in annotations:
            row = {
                k: v for k, v in _plain(record).items() if v is not None or k in REQUIRED_COLUMNS
            }
            lines.append(json.dumps(row, ensure_ascii=False) + "\n")
        write_atomic(path, "".join(lines))


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(LongCsv())
    register(LongJsonl())


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(LongCsv())
    register(LongJsonl())
