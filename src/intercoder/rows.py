"""Reading CSV and JSONL files as rows with their line numbers (annotations, tasks).

Both formats arrive as ``(row, location)`` pairs so every later problem is reported as
``FILE:LINE``. CSV lines are physical lines: a cell with a newline inside advances the count.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import Diagnostic, IntercoderError, Location, ProblemsError

SUFFIXES = (".csv", ".jsonl", ".ndjson")


class RowsError(ProblemsError):
    """A CSV or JSONL file that cannot be read as rows."""


def _fail(where: Location, message: str) -> RowsError:
    return RowsError([Diagnostic(where, message)])


def read_rows(
    path: str | Path, required: Sequence[str], *, what: str = "file"
) -> Iterator[tuple[dict[str, Any], Location]]:
    """Rows of a ``.csv`` or ``.jsonl`` file that has the ``required`` columns."""
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IntercoderError(
            f"{name}: unknown {what} format {suffix or '(none)'!r}; use .csv or .jsonl"
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IntercoderError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    if suffix == ".csv":
        yield from _csv_rows(text, name, required)
    else:
        yield from _jsonl_rows(text, name, required)


def _csv_rows(
    text: str, name: str, required: Sequence[str]
) -> Iterator[tuple[dict[str, Any], Location]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:  # a header cell over the csv module's field size limit
        raise _fail(Location(name, 1), f"malformed CSV header: {exc}") from None
    missing = [c for c in required if c not in header]
    if missing:
        hints = []
        for column in missing:
            close = difflib.get_close_matches(column, header, n=1)
            hints.append(f"{column!r}" + (f" (found {close[0]!r})" if close else ""))
        raise _fail(Location(name, 1), f"missing column(s) {', '.join(hints)}")
    line = 1
    try:
        for row in reader:
            where = Location(name, line + 1)
            line = reader.line_num
            if None in row:
                raise _fail(where, "more cells than header columns (an unquoted comma?)")
            yield row, where
    except csv.Error as exc:
        raise _fail(Location(name, reader.line_num), f"malformed CSV: {exc}") from None


def _jsonl_rows(
    text: str, name: str, required: Sequence[str]
) -> Iterator[tuple[dict[str, Any], Location]]:
    # Only "\n" ends a JSON line: str.splitlines() would also split at U+2028, U+0085 and
    # other characters that JSON writers leave raw inside strings.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        where = Location(name, number)
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(Location(name, number, exc.colno), f"not valid JSON: {exc.msg}") from None
        except RecursionError:
            raise _fail(where, "not valid JSON here: nested too deeply") from None
        except ValueError as exc:  # an integer of more digits than Python converts
            raise _fail(where, f"not valid JSON here: {str(exc).split(';')[0]}") from None
        if not isinstance(row, dict):
            raise _fail(where, "each line must be a JSON object")
        missing = [c for c in required if c not in row]
        if missing:
            raise _fail(where, f"missing field(s) {', '.join(missing)}")
        yield row, where
