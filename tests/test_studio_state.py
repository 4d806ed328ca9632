"""The Label Studio sync's local parts that need no server: the state file and the clock."""

from __future__ import annotations

import fcntl
import http.server
import json
import os
import pty
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import termios
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import pytest

from intercoder.studio.client import _server_time
from intercoder.studio.state import State

from support import RunCli


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


def _offline_env(tmp_path: Path, url: str = "http://127.0.0.1:9") -> dict[str, str | None]:
    """A configured server that is never reached: the state or config fails first."""
    return {
        "LABEL_STUDIO_URL": url,
        "LABEL_STUDIO_API_KEY": "not-a-real-token",
        "INTERCODER_STUDIO_CONFIG": str(tmp_path / "none.json"),
        "INTERCODER_STUDIO_STATE": str(tmp_path / "state.sqlite"),
    }


def _one_line_error(done: subprocess.CompletedProcess[str], *names: str) -> None:
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for name in names:
        assert name in done.stderr


@pytest.mark.parametrize("command", ["pull", "status"])
def test_a_corrupt_state_file_is_one_line_naming_it(
    tmp_path: Path, run_cli: RunCli, command: str
) -> None:
    state = tmp_path / "state.sqlite"
    state.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # a header, then garbage
    args = ["studio", command, "--project", "p"] + (["-o", "out.csv"] if command == "pull" else [])
    done = run_cli(*args, cwd=tmp_path, env=_offline_env(tmp_path))
    _one_line_error(done, str(state), "cannot use this sync state file")
    assert state.read_bytes()[:16] == b"SQLite format 3\x00"  # left as it was


def test_a_read_only_state_file_is_one_line_naming_it(tmp_path: Path) -> None:
    # Root ignores file modes: as root, the CLI runs in a mount namespace of its own where the
    # state's directory is mounted read-only (unshare and mount, util-linux), which is how a
    # user meets a state file they may read but not write. (Dropping to `nobody` instead cannot
    # reach a Python installed under /root.)
    home = Path(tempfile.mkdtemp(prefix="ro-state-"))
    try:
        state = home / "state.sqlite"
        made = State(state)
        made.save_project("http://127.0.0.1:9", 1, "p", "hate-speech@1.0.1", "en")
        made.close()
        prefix: list[str] = []
        if os.geteuid() == 0:
            unshare = shutil.which("unshare")
            assert unshare, "unshare (util-linux) is needed to mount the state read-only as root"
            mount = 'mount --bind -o ro "$0" "$0" && exec "$@"'
            prefix = [unshare, "--mount", "sh", "-c", mount, str(home)]
        state.chmod(0o400)
        home.chmod(0o555)
        env = {**os.environ, **_offline_env(home), "HOME": str(home)}
        done = subprocess.run(
            [
                *prefix,
                sys.executable,
                "-m",
                "intercoder",
                "studio",
                "pull",
                "--project",
                "p",
                "-o",
                str(home / "out.csv"),
            ],
            capture_output=True,
            text=True,
            env={k: v for k, v in env.items() if v is not None},
            cwd=home,
            timeout=120,
        )
        _one_line_error(done, str(state), "cannot use this sync state file")
        # SQLite's reason: a file it may not write, or a directory where it cannot add its journal
        assert "readonly database" in done.stderr or "unable to open database file" in done.stderr
    finally:
        home.chmod(0o755)
        shutil.rmtree(home)


@pytest.mark.parametrize("content", ["[1,2]", '{"url": 5}', "{not json"])
@pytest.mark.parametrize("command", [["config"], ["pull", "--project", "p", "-o", "o.csv"]])
def test_a_studio_config_that_is_not_an_object_is_one_line_naming_it(
    tmp_path: Path, run_cli: RunCli, content: str, command: list[str]
) -> None:
    config = tmp_path / "studio.json"
    config.write_text(content, encoding="utf-8")
    env = {
        "INTERCODER_STUDIO_CONFIG": str(config),
        "LABEL_STUDIO_URL": None,
        "LABEL_STUDIO_API_KEY": None,
    }
    done = run_cli("studio", *command, cwd=tmp_path, env=env)
    _one_line_error(done, str(config), "studio config")


def test_serve_stops_at_a_broken_config_before_starting_a_server(
    tmp_path: Path, run_cli: RunCli
) -> None:
    config = tmp_path / "studio.json"
    config.write_text("[1,2]", encoding="utf-8")
    env = {
        "INTERCODER_STUDIO_CONFIG": str(config),
        "LABEL_STUDIO_ADMIN_EMAIL": "a@example.org",
        "LABEL_STUDIO_ADMIN_PASSWORD": "a long password",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),  # no server venv: it is never looked for
    }
    done = run_cli("studio", "serve", "--data-dir", str(tmp_path / "ls"), cwd=tmp_path, env=env)
    _one_line_error(done, str(config))
    assert not (tmp_path / "cache").exists()


class _NoIdServer(http.server.BaseHTTPRequestHandler):
    """Answers as Label Studio would, except that its one task has no ``id``: a fault a real
    Label Studio server cannot produce (a proxy or another program on the port can)."""

    project: ClassVar[dict[str, object]] = {
        "id": 1,
        "title": "p",
        "label_config": "<!-- intercoder codebook: hate-speech@1.0.1 --><View/>",
        "task_number": 1,
    }

    def _send(self, body: object, status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        answers: dict[str, object] = {
            "/api/projects/": {"results": [self.project], "next": None},
            "/api/projects/1/": self.project,
            "/api/users/": [],
            "/api/projects/1/exports/": [],
            "/api/projects/1/exports/1": {"id": 1, "status": "completed"},
            "/api/projects/1/exports/1/download": [{"data": {"text": "x"}, "annotations": []}],
            "/api/tasks/": {"tasks": [{"data": {"text": "x"}}], "total": 1},
        }
        self._send(answers.get(path, {}), 200 if path in answers else 404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send({"id": 1, "status": "completed"}, 201)

    def do_DELETE(self) -> None:
        self._send({}, 200)

    def log_message(self, *args: object) -> None:
        pass


def test_a_server_task_without_an_id_is_one_line_naming_the_server(
    tmp_path: Path, run_cli: RunCli
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoIdServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        env = _offline_env(tmp_path, url)
        done = run_cli("studio", "pull", "--project", "p", "-o", "out.csv", cwd=tmp_path, env=env)
        _one_line_error(done, f"{url} project 1", "without an integer 'id'")
        assert not (tmp_path / "out.csv").exists()
    finally:
        server.shutdown()


class _ManyTasks(_NoIdServer):
    """The same stand-in with 250 well-formed tasks and nothing coded: a pull long enough for
    a progress bar, with no server to start."""

    tasks: ClassVar[list[dict[str, object]]] = [
        {"id": i, "data": {"unit_id": f"u{i}", "text": "x"}, "annotations": []}
        for i in range(1, 251)
    ]

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/api/projects/1/exports/1/download":
            self._send(self.tasks)
        elif path == "/api/projects/1/":
            self._send({**self.project, "task_number": len(self.tasks)})
        else:
            super().do_GET()


@pytest.fixture
def many_tasks_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ManyTasks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_pull_shows_a_progress_bar_on_a_terminal_only(
    tmp_path: Path, run_cli: RunCli, many_tasks_server: str
) -> None:
    env = _offline_env(tmp_path, many_tasks_server)
    piped = run_cli("studio", "pull", "--project", "p", "-o", "a.csv", cwd=tmp_path, env=env)
    assert piped.returncode == 0, piped.stderr
    assert "pulling" not in piped.stderr
    assert "\r" not in piped.stderr + piped.stdout
    # run_cli pipes stderr; a terminal needs a pseudo-terminal of our own
    main, secondary = pty.openpty()
    # a terminal has a size (a fresh pseudo-terminal has 0 columns, and tqdm draws nothing)
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env["INTERCODER_STUDIO_STATE"] = str(tmp_path / "fresh.sqlite")  # a first, full pull
    full = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
    full.pop("CI", None)  # a person at a terminal: bars are never drawn in CI runs
    process = subprocess.Popen(
        [sys.executable, "-m", "intercoder", "studio", "pull", "--project", "p", "-o", "b.csv"],
        cwd=tmp_path,
        env=full,
        stdout=subprocess.PIPE,
        stderr=secondary,
        text=True,
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    out, _ = process.communicate(timeout=120)
    os.close(main)
    assert process.returncode == 0, shown
    assert b"pulling" in shown
    assert b"/250 " in shown  # the tasks of the project
    assert "pulling" not in out  # stdout stays clean
    assert "250 records" not in out
    assert "0 records -> b.csv" in out


def _push(tmp_path: Path, run_cli: RunCli, *extra: str) -> subprocess.CompletedProcess[str]:
    """``studio push`` of a one-text task file, against a server that is never reached."""
    tasks = tmp_path / "t.csv"
    tasks.write_text("unit_id,text\nu1,x\n", encoding="utf-8")
    push = ["studio", "push", "--codebook", "hate-speech", "--tasks", str(tasks), *extra]
    return run_cli(*push, cwd=tmp_path, env=_offline_env(tmp_path))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--blind"], "--blind needs the coders' e-mails"),
        (["--blind", "--coders", "3"], "--blind needs the coders' e-mails"),
        (["--coders", "a@example.org,b@example.org"], "add --blind"),
        (["--coders", "ana,bo"], "neither a number of coders"),
        (["--blind", "--coders", "a@example.org", "--overlap", "20"], "no overlap"),
    ],
)
def test_blind_push_options_are_usage_errors_when_they_do_not_fit(
    tmp_path: Path, run_cli: RunCli, extra: list[str], message: str
) -> None:
    done = _push(tmp_path, run_cli, *extra)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_a_blind_project_title_over_label_studios_limit_is_refused_before_any_request(
    tmp_path: Path, run_cli: RunCli
) -> None:
    long_title = ["--project", "the second reliability round"]
    done = _push(
        tmp_path, run_cli, "--blind", "--coders", "a.very.long.name@example.org", *long_title
    )
    _one_line_error(done, "longer than Label Studio's 50 characters")
