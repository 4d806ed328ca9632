"""The Label Studio sync's local parts that need no server: the state file and the clock."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from intercoder.studio.client import _server_time
from intercoder.studio.state import State


def test_a_state_file_from_before_incremental_listing_gains_the_since_column(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE projects (url TEXT NOT NULL, project_id INTEGER NOT NULL, "
        "title TEXT NOT NULL, codebook TEXT NOT NULL, lang TEXT NOT NULL, cursor TEXT, "
        "generation INTEGER NOT NULL DEFAULT 0, pulled_at TEXT, PRIMARY KEY (url, project_id))"
    )
    old.execute(
        "INSERT INTO projects VALUES ('http://h', 7, 'pilot', 'hate-speech@1.0.0', 'ru', "
        "'2026-01-01T00:00:00Z', 3, '2026-01-01 00:00:00')"
    )
    old.commit()
    old.close()

    state = State(path)
    project = state.project("http://h", "pilot")
    assert project is not None
    assert (project["project_id"], project["generation"], project["since"]) == (7, 3, None)
    state.close()
    State(path).close()  # opening it again changes nothing


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Sat, 21 Nov 2026 22:19:03 GMT", datetime(2026, 11, 21, 22, 19, 3, tzinfo=UTC)),
        (None, None),
        ("", None),
        ("yesterday", None),
    ],
)
def test_the_server_clock_is_read_from_the_date_header(
    header: str | None, expected: datetime | None
) -> None:
    assert _server_time(header) == expected
