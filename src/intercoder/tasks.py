"""Task files: the texts to code, for ``intercoder code`` and ``intercoder studio push``.

CSV or JSONL with ``unit_id`` and ``text`` required; ``lang`` (a codebook language tag),
``source`` and ``published_at`` optional; any other column is kept as metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .errors import Diagnostic, Location, ProblemsError
from .rows import bom_encoding, read_rows, read_settings
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


def _task(row: Mapping[str, Any], where: Location, surrogates: bool = True) -> Task:
    for column in REQUIRED:
        value = row.get(column)
        if value is None or not str(value).strip():
            raise TaskFileError([Diagnostic(where, f"{column}: missing")])
    for column, value in row.items() if surrogates else ():  # texts go to reports and studio
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


#: A JSON escape of a surrogate (``\\ud800`` to ``\\udfff``), as ASCII bytes.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
#: Bytes searched at a time by :func:`_may_hold_surrogates`; an escape is 4 bytes.
_BLOCK = 1 << 20


def _may_hold_surrogates(path: Path) -> bool:
    """Whether a value read from ``path`` may hold a lone surrogate. Every decoder the readers
    use is strict, so one gets in only through a JSON escape: a JSONL file without one (in
    an encoding that writes ASCII as ASCII) needs no look at each value. One C-level search
    of the file a block at a time; any doubt is True."""
    if path.suffix.lower() not in (".jsonl", ".ndjson"):
        return True
    encoding = read_settings().encoding
    try:
        if encoding is not None and "\\ud8".encode(encoding) != b"\\ud8":
            return True
        with path.open("rb") as handle:
            tail = handle.read(4)
            if encoding is None and bom_encoding(tail) not in (None, "utf-8"):
                return True
            while block := handle.read(_BLOCK):
                if _SURROGATE_ESCAPE.search(tail + block):
                    return True
                tail = block[-3:]
            return bool(_SURROGATE_ESCAPE.search(tail))
    except (OSError, LookupError, UnicodeError):
        return True  # the reader says what is wrong


def read_tasks(path: str | Path) -> list[Task]:
    """Read a CSV or JSONL task file; duplicate unit ids are an error."""
    surrogates = _may_hold_surrogates(Path(path))
    rows = read_rows(path, REQUIRED, what="task file")
    tasks = [_task(row, where, surrogates) for row, where in rows]
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
