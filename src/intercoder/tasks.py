"""Task files: the texts to code, for ``intercoder code`` and ``intercoder studio push``.

CSV or JSONL with ``unit_id`` and ``text`` required; ``lang`` (a codebook language tag),
``source`` and ``published_at`` optional; any other column is kept as metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .errors import Diagnostic, Location, ProblemsError
from .rows import read_rows
from .text import lone_surrogate, lone_surrogate_message, nfc

REQUIRED = ("unit_id", "text")
KNOWN = ("unit_id", "text", "lang", "source", "published_at")


@attrs.frozen
class Task:
    """One text to code."""

    unit_id: str
    text: str
    lang: str | None = None
    source: str | None = None
    published_at: str | None = None
    meta: Mapping[str, Any] = attrs.field(factory=dict)
    location: Location | None = attrs.field(default=None, eq=False)


class TaskFileError(ProblemsError):
    """A task file that cannot be read."""


def _task(row: Mapping[str, Any], where: Location) -> Task:
    for column in REQUIRED:
        value = row.get(column)
        if value is None or not str(value).strip():
            raise TaskFileError([Diagnostic(where, f"{column}: missing")])
    for column, value in row.items():  # the texts end up in reports and Label Studio
        char = lone_surrogate(value) or lone_surrogate(column)
        if char is not None:
            raise TaskFileError([Diagnostic(where, f"{column}: {lone_surrogate_message(char)}")])

    def optional(name: str) -> str | None:
        value = row.get(name)
        return None if value is None or not str(value).strip() else str(value).strip()

    return Task(
        unit_id=str(row["unit_id"]).strip(),
        text=nfc(str(row["text"])),
        lang=optional("lang"),
        source=optional("source"),
        published_at=optional("published_at"),
        meta={k: v for k, v in row.items() if k not in KNOWN and k is not None},
        location=where,
    )


def read_tasks(path: str | Path) -> list[Task]:
    """Read a CSV or JSONL task file; duplicate unit ids are an error."""
    tasks = [_task(row, where) for row, where in read_rows(path, REQUIRED, what="task file")]
    seen: dict[str, Location | None] = {}
    for task in tasks:
        if task.unit_id in seen:
            first = seen[task.unit_id]
            raise TaskFileError(
                [
                    Diagnostic(
                        task.location or Location(str(path)),
                        f"unit_id {task.unit_id!r} appears twice (first at {first})",
                    )
                ]
            )
        seen[task.unit_id] = task.location
    return tasks
