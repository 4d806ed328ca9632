"""Built-in annotation formats: long CSV and JSONL (docs/reference/file-formats.md), both ways."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..extensions import Exporter, Importer
from ..fileio import write_atomic
from ..hookspecs import hookimpl

if TYPE_CHECKING:  # imported when used: registering must not load numpy at start-up
    from ..annotations import AnnotationSet
    from ..codebook.model import Codebook


def _column_cells(
    annotations: AnnotationSet, render: Callable[[str, Any], str]
) -> tuple[list[str], list[list[str]]]:
    """The columns to write and, per column, each record's cell, each distinct value rendered
    once by ``render(column, value)`` ("" for a column a record leaves out).

    An optional column is written when some record has a value in it. The records are never
    turned into objects one by one: a million records are written in about a second.
    """
    import numpy as np

    from ..annotations import _NO_POSITION, OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    names: list[str] = []
    cells: list[list[str]] = []
    for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS):
        if name in ("start", "end"):  # offsets: numbers, mostly absent
            positions = getattr(annotations, name)
            given = positions != _NO_POSITION
            if not given.any():
                continue  # optional: nobody gave one
            texts = np.full(positions.shape[0], render(name, None), dtype=object)
            texts[given] = [render(name, p) for p in positions[given].tolist()]
            names.append(name)
            cells.append(texts.tolist())
            continue
        if name in OPTIONAL_COLUMNS and all(v is None for v in annotations.distinct(name)):
            continue
        column = annotations.coded(name)
        codes = column.codes
        table = np.empty(len(column.labels) + 1, dtype=object)  # code -1 reads the last slot
        table[:-1] = [render(name, label) for label in column.labels]
        table[-1] = render(name, None)
        names.append(name)
        cells.append(table[codes].tolist())
    return names, cells


def _as_written(value: Any) -> Any:
    """A value as the long format writes it: a list of codes as a list (JSON's form)."""
    return list(value) if isinstance(value, tuple) else value


def _csv_cells() -> Callable[[str, Any], str]:
    """What renders a value as the csv module writes it in a row (quoted only when it must
    be). One buffer and writer serve every quoted cell of one export."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")

    def cell(name: str, value: Any) -> str:
        value = _as_written(value)
        if value is None:
            return ""
        if isinstance(value, list):
            value = json.dumps(value, ensure_ascii=False)
        text = value if isinstance(value, str) else str(value)
        if _NEEDS_QUOTES.search(text) is None:
            return text
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([value, ""])
        return buffer.getvalue()[: -len(",\r\n")]

    return cell


#: What makes the csv module quote a cell (the delimiter, the quote, a line break).
_NEEDS_QUOTES = re.compile('[,"\r\n]')


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
        # Line ends are RFC 4180's "\r\n": with "\n" a lone "\r" in a cell would be written
        # unquoted, and the file would not read back.
        names, cells = _column_cells(annotations, _csv_cells())
        lines = [",".join(names), *map(",".join, zip(*cells, strict=True))] if cells else []
        write_atomic(path, "".join(line + "\r\n" for line in lines))


class LongJsonl(Importer, Exporter):
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    extension = ".jsonl"
    description = "long format JSON Lines: one annotation record per line"

    def read(self, path: Path) -> AnnotationSet:
        from ..annotations import read_annotations

        return read_annotations(path)

    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        _, cells = _column_cells(annotations, _json_member)
        rows = zip(*cells, strict=True)
        if any("" in column for column in cells):  # some records leave a column out
            lines = ("{" + ", ".join(filter(None, row)) + "}\n" for row in rows)
        else:
            lines = ("{" + ", ".join(row) + "}\n" for row in rows)
        write_atomic(path, "".join(lines))


def _json_member(name: str, value: Any) -> str:
    """``"name": value`` as json.dumps writes it in an object; "" when the record leaves an
    optional column out."""
    from ..annotations import REQUIRED_COLUMNS

    if value is None and name not in REQUIRED_COLUMNS:
        return ""
    # Column names are plain ASCII words: '"name": ' is how json.dumps writes them.
    return f'"{name}": {_JSON.encode(_as_written(value))}'


#: json.dumps(value, ensure_ascii=False), without making an encoder for each value.
_JSON = json.JSONEncoder(ensure_ascii=False)


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(LongCsv())
    register(LongJsonl())


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(LongCsv())
    register(LongJsonl())
