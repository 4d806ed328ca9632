"""Sync state in one local SQLite file: projects, the unit map and pulled annotations.

Every change happens inside a transaction, so a crash leaves the file as it was before the
change or after it, never between. Rows are keyed by server URL and project id; annotations by
their Label Studio id, so pulling twice never duplicates one. ``projects.since`` is the
server's clock when the last complete pull began: the next pull lists tasks changed after it.

The file holds the coded texts and the coders' e-mail addresses, so it is readable by its owner
only (0600). Several commands may use it at once: a writer waits for another's lock (up to
``BUSY_TIMEOUT``) instead of failing with "database is locked". A file that is not a usable
database is named in one line, never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import IntercoderError

SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    url TEXT NOT NULL, project_id INTEGER NOT NULL, title TEXT NOT NULL,
    codebook TEXT NOT NULL, lang TEXT NOT NULL,
    cursor TEXT, generation INTEGER NOT NULL DEFAULT 0, pulled_at TEXT, since TEXT,
    kind TEXT, round TEXT,
    PRIMARY KEY (url, project_id));
CREATE TABLE IF NOT EXISTS units (
    url TEXT NOT NULL, project_id INTEGER NOT NULL, unit_id TEXT NOT NULL,
    task_id INTEGER NOT NULL, text TEXT,
    PRIMARY KEY (url, project_id, unit_id));
CREATE TABLE IF NOT EXISTS annotations (
    url TEXT NOT NULL, project_id INTEGER NOT NULL, annotation_id INTEGER NOT NULL,
    task_id INTEGER NOT NULL, unit_id TEXT NOT NULL, coder TEXT NOT NULL,
    updated_at TEXT, cancelled INTEGER NOT NULL, result TEXT NOT NULL,
    generation INTEGER NOT NULL,
    PRIMARY KEY (url, project_id, annotation_id));
"""


#: The columns :meth:`State.project` answers with.
PROJECT_KEYS = (
    "project_id",
    "codebook",
    "lang",
    "cursor",
    "generation",
    "pulled_at",
    "since",
    "kind",
    "round",
)


def default_path() -> Path:
    return Path(os.environ.get("INTERCODER_STUDIO_STATE", ".intercoder-studio.sqlite"))


#: How long a command waits for another process that holds the state file's write lock.
BUSY_TIMEOUT = 60.0


class StateError(IntercoderError):
    """The sync state file cannot be opened or used (corrupt, not a database, not writable)."""


def _owner_only(path: Path) -> None:
    """Create ``path`` readable by its owner only, or take group and world access away.

    The state holds the coded texts and the coders' e-mail addresses.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with contextlib.suppress(OSError):  # someone else's file: leave it as it is
            if path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        return
    os.close(fd)


class State:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            _owner_only(self.path)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            with self.transaction():
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                columns = {row[1] for row in self.db.execute("PRAGMA table_info(projects)")}
                # columns added since the first state files: incremental listing, then the
                # kinds of project (a blind coder's, a review) and the blind round's title
                for column in ("since", "kind", "round"):
                    if column not in columns:
                        self.db.execute(f"ALTER TABLE projects ADD COLUMN {column} TEXT")
        except (sqlite3.Error, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise StateError(
                f"{self.path}: cannot use this sync state file ({reason}); move it away to "
                "start afresh (the next pull then reads every annotation again), or name "
                "another with --state"
            ) from None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- projects ---------------------------------------------------------------------------

    def project(self, url: str, title: str) -> dict[str, Any] | None:
        row = self.db.execute(
            f"SELECT {', '.join(PROJECT_KEYS)} FROM projects WHERE url = ? AND title = ?",
            (url, title),
        ).fetchone()
        if row is None:
            return None
        return dict(zip(PROJECT_KEYS, row, strict=True))

    def save_project(
        self,
        url: str,
        project_id: int,
        title: str,
        codebook: str,
        lang: str,
        *,
        kind: str | None = None,
        round_title: str | None = None,
    ) -> None:
        """Record a project; ``kind``: None (coding), ``"blind"`` (one coder's project of the
        blind round ``round_title``) or ``"review"`` (an adjudication review project)."""
        with self.transaction() as db:
            db.execute("DELETE FROM projects WHERE url = ? AND title = ?", (url, title))
            db.execute(
                "INSERT INTO projects (url, project_id, title, codebook, lang, kind, round) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT (url, project_id) DO UPDATE SET "
                "title = excluded.title, codebook = excluded.codebook, lang = excluded.lang, "
                "kind = excluded.kind, round = excluded.round",
                (url, project_id, title, codebook, lang, kind, round_title),
            )

    def round_projects(self, url: str, round_title: str) -> list[str]:
        """The titles of the blind round ``round_title``'s projects, in title order."""
        rows = self.db.execute(
            "SELECT title FROM projects WHERE url = ? AND kind = 'blind' AND round = ? "
            "ORDER BY title",
            (url, round_title),
        )
        return [title for (title,) in rows]

    # --- units ------------------------------------------------------------------------------

    def units(self, url: str, project_id: int) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT unit_id, task_id FROM units WHERE url = ? AND project_id = ?",
            (url, project_id),
        )
        return dict(rows.fetchall())

    def save_units(
        self, url: str, project_id: int, units: Iterable[tuple[str, int, str | None]]
    ) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO units (url, project_id, unit_id, task_id, text) VALUES (?,?,?,?,?) "
                "ON CONFLICT DO UPDATE SET task_id = excluded.task_id, text = excluded.text",
                [(url, project_id, u, t, x) for u, t, x in units],
            )

    # --- annotations ------------------------------------------------------------------------

    def annotation_stamps(self, url: str, project_id: int) -> dict[int, str | None]:
        rows = self.db.execute(
            "SELECT annotation_id, updated_at FROM annotations WHERE url = ? AND project_id = ?",
            (url, project_id),
        )
        return dict(rows.fetchall())

    def annotations(self, url: str, project_id: int) -> list[tuple[Any, ...]]:
        """``(annotation_id, task_id, unit_id, coder, updated_at, cancelled, result)`` rows."""
        return self.db.execute(
            "SELECT annotation_id, task_id, unit_id, coder, updated_at, cancelled, result "
            "FROM annotations WHERE url = ? AND project_id = ? ORDER BY annotation_id",
            (url, project_id),
        ).fetchall()
