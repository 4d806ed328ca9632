"""The ledger file: an embedded SQLite database of recorded rounds (standard library ``sqlite3``).

Where it lives: next to the project's ``intercoder.toml`` or ``pyproject.toml`` with
``[tool.intercoder]`` (found as :func:`intercoder.configfile.find_config` finds the settings),
else in the working directory, as ``intercoder-ledger.sqlite`` (:func:`default_path`).

How it stays whole:

* the schema is versioned with ``PRAGMA user_version``; a ledger from a newer intercoder is
  refused before anything is written to it (:class:`LedgerError` naming the file);
* the file is in WAL mode with a busy timeout, so several processes recording at once wait for
  each other instead of failing with "database is locked";
* each round is written in one ``BEGIN IMMEDIATE`` transaction: the name is chosen, the round,
  its files, results and certifications inserted, then committed; a crash or an error before the
  commit leaves the ledger as it was.

Reading opens the file read-only (``mode=ro``): listing, showing and comparing never change it.
"""

from __future__ import annotations

import json
import math
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..configfile import ConfigError, display, find_config
from ..errors import IntercoderError
from .model import CertificationRow, FileRow, ResultRow, Round, VariableCodings

#: The file name of a ledger found by :func:`default_path`.
LEDGER_FILE = "intercoder-ledger.sqlite"
#: The schema this intercoder writes (``PRAGMA user_version``); 0 is an empty, new file.
SCHEMA_VERSION = 1
#: Milliseconds a writer waits for another one before giving up.
BUSY_TIMEOUT_MS = 60_000

_SCHEMA = """
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL,
    command TEXT NOT NULL,
    codebook TEXT NOT NULL,
    codebook_id TEXT NOT NULL,
    codebook_version TEXT NOT NULL,
    n_units INTEGER NOT NULL,
    coders TEXT NOT NULL,
    bootstrap INTEGER NOT NULL,
    seed INTEGER,
    intercoder_version TEXT NOT NULL,
    definitions TEXT NOT NULL,
    codings BLOB NOT NULL
);
CREATE TABLE files (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    position INTEGER NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    records INTEGER
);
CREATE TABLE results (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    position INTEGER NOT NULL,
    variable TEXT NOT NULL,
    level TEXT NOT NULL,
    coefficient TEXT NOT NULL,
    alpha REAL,
    ci_low REAL,
    ci_high REAL,
    n_units INTEGER NOT NULL,
    n_coders INTEGER NOT NULL,
    threshold REAL NOT NULL,
    tentative REAL NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE certifications (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    coder TEXT NOT NULL,
    variable TEXT NOT NULL,
    alpha REAL,
    accuracy REAL,
    n_units INTEGER NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX files_round ON files(round_id);
CREATE INDEX results_round ON results(round_id);
CREATE INDEX certifications_round ON certifications(round_id);
"""
_TABLES = {"rounds", "files", "results", "certifications"}


class LedgerError(IntercoderError):
    """A ledger that cannot be used (newer, corrupt, not a ledger): one line naming the file."""


class RoundNotFoundError(LedgerError):
    """A round name the ledger does not hold."""


class RoundExistsError(LedgerError):
    """``--round NAME`` names a round the ledger already holds."""


def default_path(start: Path | None = None) -> Path:
    """The ledger next to the project's configuration file, else in ``start`` (the working
    directory). A configuration file that cannot be parsed does not matter here: the ledger
    sits next to it all the same."""
    start = Path.cwd() if start is None else start
    try:
        config = find_config(start)
    except ConfigError:
        config = None
    return (config.parent if config is not None else start.resolve()) / LEDGER_FILE


def _fail(path: Path, message: str) -> LedgerError:
    return LedgerError(f"{display(path)}: {message}")


def _check_schema(con: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; a LedgerError when it is not a ledger this intercoder reads.

    The version and the tables are read in one read transaction: read one after the other
    outside a transaction, another process creating the ledger could commit in between, and a
    half-seen ledger (its tables, not yet its version) would be taken for a foreign database.
    """
    own = not con.in_transaction
    try:
        if own:
            con.execute("BEGIN")
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        tables = {
            row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
    except sqlite3.DatabaseError as exc:
        raise _fail(
            path, f"not an intercoder ledger (corrupt or another kind of file: {exc})"
        ) from None
    finally:
        if own and con.in_transaction:
            con.execute("ROLLBACK")  # a read transaction: nothing to keep
    if version > SCHEMA_VERSION:
        raise _fail(
            path,
            f"ledger schema {version} was written by a newer intercoder (this one reads up to "
            f"{SCHEMA_VERSION}); upgrade intercoder",
        )
    if version == 0 and tables:
        raise _fail(path, "not an intercoder ledger (an SQLite database with other tables)")
    if version and not tables >= _TABLES:
        raise _fail(path, "not an intercoder ledger (tables missing: the file is damaged)")
    return version


@contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection, or None when there is no ledger file yet."""
    if not path.exists():
        yield None
        return
    if path.is_dir():
        raise _fail(path, "is a directory, not a ledger file")
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise _fail(path, f"cannot open the ledger: {exc}") from None
    with closing(con):
        version = _check_schema(con, path)
        try:
            yield con if version else None
        except sqlite3.DatabaseError as exc:
            raise _fail(path, f"cannot read the ledger (damaged?): {exc}") from None


@contextmanager
def _writing(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection inside ``BEGIN IMMEDIATE`` with the schema in place; commits at the end,
    rolls back on any error (the ledger stays as it was)."""
    if path.is_dir():
        raise _fail(path, "is a directory, not a ledger file")
    try:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise _fail(path, f"cannot open the ledger: {exc}") from None
    with closing(con):
        try:
            # Checked before anything is written: WAL mode alone changes the file's header.
            _check_schema(con, path)
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _fail(path, f"cannot write the ledger: {exc}") from None
        try:
            # Another process may have created the schema while this one waited.
            if _check_schema(con, path) == 0:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise


def _real(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _next_name(con: sqlite3.Connection) -> str:
    (count,) = con.execute("SELECT COUNT(*) FROM rounds").fetchone()
    n = int(count) + 1
    while con.execute("SELECT 1 FROM rounds WHERE name = ?", (f"round-{n}",)).fetchone():
        n += 1
    return f"round-{n}"


#: Called between the inserts of a round, before the commit (tests put a failure here).
_between_inserts: Any = None


def write_round(path: Path, round_: Round) -> Round:
    """Add ``round_`` to the ledger at ``path`` (created when missing) in one transaction; its
    name is chosen there when it has none. Returns the round as recorded."""
    # Serialised before the transaction, so the write lock is held only for the inserts.
    # zlib level 6: level 9 takes ten times as long for a file 3% smaller.
    codings = zlib.compress(
        json.dumps({v: c.as_json() for v, c in round_.codings.items()}, ensure_ascii=False).encode(
            "utf-8"
        ),
        6,
    )
    with _writing(path) as con:
        name = round_.name or _next_name(con)
        if con.execute("SELECT 1 FROM rounds WHERE name = ?", (name,)).fetchone():
            raise RoundExistsError(f"{display(path)}: a round named {name!r} is already recorded")
        cursor = con.execute(
            "INSERT INTO rounds (name, recorded_at, command, codebook, codebook_id, "
            "codebook_version, n_units, coders, bootstrap, seed, intercoder_version, definitions, "
            "codings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                name,
                round_.recorded_at,
                round_.command,
                round_.codebook,
                round_.codebook_id,
                round_.codebook_version,
                round_.n_units,
                json.dumps(list(round_.coders), ensure_ascii=False),
                round_.bootstrap,
                round_.seed,
                round_.intercoder_version,
                json.dumps(round_.definitions, ensure_ascii=False, sort_keys=True),
                codings,
            ),
        )
        rid = cursor.lastrowid
        con.executemany(
            "INSERT INTO files VALUES (?, ?, ?, ?, ?, ?)",
            [(rid, i, f.path, f.sha256, f.size, f.records) for i, f in enumerate(round_.files)],
        )
        if _between_inserts is not None:
            _between_inserts()
        con.executemany(
            "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    rid,
                    i,
                    r.variable,
                    r.level,
                    r.coefficient,
                    _real(r.alpha),
                    _real(r.ci_low),
                    _real(r.ci_high),
                    r.n_units,
                    r.n_coders,
                    r.threshold,
                    r.tentative,
                    r.status,
                )
                for i, r in enumerate(round_.results)
            ],
        )
        con.executemany(
            "INSERT INTO certifications VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (rid, c.coder, c.variable, _real(c.alpha), _real(c.accuracy), c.n_units, c.status)
                for c in round_.certifications
            ],
        )
    return round_.named(name)


_ROUND_COLUMNS = (
    "id, name, recorded_at, command, codebook, codebook_id, codebook_version, n_units, coders, "
    "bootstrap, seed, intercoder_version, definitions"
)


def _round(con: sqlite3.Connection, row: Sequence[Any], *, codings: bool) -> Round:
    rid = row[0]
    files = tuple(
        FileRow(path, sha, size, records)
        for path, sha, size, records in con.execute(
            "SELECT path, sha256, size, records FROM files WHERE round_id = ? ORDER BY position",
            (rid,),
        )
    )
    # The columns in the order of ResultRow's fields; alpha NULL is nan (undefined).
    results = tuple(
        ResultRow(r[0], r[1], r[2], _nan(r[3]), *r[4:])
        for r in con.execute(
            "SELECT variable, level, coefficient, alpha, ci_low, ci_high, n_units, n_coders, "
            "threshold, tentative, status FROM results WHERE round_id = ? ORDER BY position",
            (rid,),
        )
    )
    certifications = tuple(
        CertificationRow(coder, variable, _nan(alpha), _nan(accuracy), n, status)
        for coder, variable, alpha, accuracy, n, status in con.execute(
            "SELECT coder, variable, alpha, accuracy, n_units, status FROM certifications "
            "WHERE round_id = ? ORDER BY rowid",
            (rid,),
        )
    )
    data: dict[str, VariableCodings] = {}
    if codings:
        (blob,) = con.execute("SELECT codings FROM rounds WHERE id = ?", (rid,)).fetchone()
        raw = json.loads(zlib.decompress(blob).decode("utf-8"))
        data = {v: VariableCodings.from_json(c) for v, c in raw.items()}
    return Round(
        name=row[1],
        recorded_at=row[2],
        command=row[3],
        codebook=row[4],
        codebook_id=row[5],
        codebook_version=row[6],
        n_units=row[7],
        coders=tuple(json.loads(row[8])),
        bootstrap=row[9],
        seed=row[10],
        intercoder_version=row[11],
        definitions=json.loads(row[12]),
        files=files,
        results=results,
        certifications=certifications,
        codings=data,
    )


def read_rounds(path: Path, *, codings: bool = False) -> list[Round]:
    """Every round of the ledger in the order recorded (none when there is no ledger yet);
    ``codings``: also the unit-level codings (decompressed; needed for comparisons)."""
    with _reading(path) as con:
        if con is None:
            return []
        try:
            rows = con.execute(f"SELECT {_ROUND_COLUMNS} FROM rounds ORDER BY id").fetchall()
            return [_round(con, row, codings=codings) for row in rows]
        except (zlib.error, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise _fail(path, f"cannot read the ledger (damaged round data: {exc})") from None


def find_round(rounds: Sequence[Round], name: str, path: Path) -> Round:
    """The round called ``name`` (``last``: the latest one); RoundNotFoundError naming the file."""
    if name == "last" and rounds and not any(r.name == "last" for r in rounds):
        return rounds[-1]
    for r in rounds:
        if r.name == name:
            return r
    known = ", ".join(r.name for r in rounds[-5:]) or "none recorded yet"
    raise RoundNotFoundError(f"{display(path)}: no round named {name!r} (latest: {known})")


def round_names(path: Path) -> set[str]:
    """The names already used in the ledger (to refuse ``--round NAME`` before any work)."""
    with _reading(path) as con:
        if con is None:
            return set()
        return {row[0] for row in con.execute("SELECT name FROM rounds")}
