"""The response cache: a SQLite file of answers, keyed by everything that decides them.

The key is a SHA-256 over the model and the settings that change an answer, the messages (the
prompt built from the codebook version, and the text), the answer schema, the codebook's
``id@version`` and the run number (self-consistency runs are distinct requests). Running the same
command again therefore sends nothing and writes the same file; changing any of these asks anew.
The server's answer mode (``json_schema`` or ``json_object``) is not part of the key: the schema
asked for is the same either way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any


@dataclasses.dataclass(frozen=True)
class Reply:
    """A server's answer: its text, the tokens it cost, and how structured output was asked."""

    content: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    mode: str = ""


def cache_key(**parts: Any) -> str:
    """A stable key for ``parts`` (JSON with sorted keys, hashed)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ResponseCache:
    """Answers by key in one SQLite file; safe to share between the coder's worker threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS replies (key TEXT PRIMARY KEY, content TEXT NOT NULL, "
            "prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, "
            "mode TEXT NOT NULL)"
        )

    def get(self, key: str) -> Reply | None:
        with self._lock:
            row = self._db.execute(
                "SELECT content, prompt_tokens, completion_tokens, mode FROM replies WHERE key=?",
                (key,),
            ).fetchone()
        return None if row is None else Reply(*row)

    def put(self, key: str, reply: Reply) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO replies VALUES (?, ?, ?, ?, ?)",
                (key, reply.content, reply.prompt_tokens, reply.completion_tokens, reply.mode),
            )

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM replies").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
