"""Writing the workflow's row files (samples, gold standards, dispute queues) as CSV or JSONL.

The extension chooses the format, as for every file intercoder reads. CSV uses RFC 4180 line
ends (a lone carriage return inside a cell stays quoted and reads back); a list value is written
as a JSON list in its cell. Every file is written atomically: readers see the old file or the new
one, never a mixture.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import IntercoderError
from ..fileio import write_atomic
from ..rows import SUFFIXES
from ..tasks import KNOWN, Task


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return json.dumps(list(value), ensure_ascii=False)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render_rows(
    path: str | Path,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    required: Sequence[str] = (),
) -> str:
    """The text of ``rows`` as the file ``path`` names (``.csv`` or ``.jsonl``).

    In JSONL an empty cell is left out of its object, except in the ``required`` columns, which
    every line keeps (``null``) so the file reads back.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise IntercoderError(
            f"{path}: unknown file format {suffix or '(none)'!r}; use .csv or .jsonl"
        )
    if suffix == ".csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(column)) for column in columns])
        return buffer.getvalue()
    lines = []
    for row in rows:
        plain = {
            column: list(value) if isinstance(value, tuple) else value
            for column in columns
            if (value := row.get(column)) is not None or column in required
        }
        lines.append(json.dumps(plain, ensure_ascii=False) + "\n")
    return "".join(lines)


def write_rows(
    path: str | Path,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    required: Sequence[str] = (),
) -> None:
    """Write ``rows`` (their ``columns``, in order) to ``path`` atomically."""
    write_atomic(path, render_rows(path, columns, rows, required))


def write_tasks(path: str | Path, tasks: Sequence[Task]) -> None:
    """A task file of ``tasks`` (the columns the tasks have, metadata last), ready for pushing."""
    meta: dict[str, None] = {}
    for task in tasks:
        meta.update(dict.fromkeys(str(k) for k in task.meta))
    columns = [
        c for c in KNOWN if c in ("unit_id", "text") or any(getattr(t, c) for t in tasks)
    ] + list(meta)
    rows = [
        {**{str(k): v for k, v in task.meta.items()}, **{c: getattr(task, c) for c in KNOWN}}
        for task in tasks
    ]
    write_rows(path, columns, rows)
