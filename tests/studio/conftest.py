"""A real Label Studio server for the ``studio`` tests.

The server (label-studio==1.23.2) lives in its own venv under
``~/.cache/intercoder-tests/ls-1.23.2`` (``$INTERCODER_LS_VENV``), made on first use with
``python3.11 -m venv`` + pip. A migrated data dir is cached beside it as a template, so each
test session copies it and starts in seconds instead of ~35 s. If the venv cannot be made the
tests fail with the reason: they never skip.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from intercoder.studio import server
from intercoder.studio.client import Client

from support import sigint_as_a_terminal_sends_it

ADMIN = "admin@example.org"
PASSWORD = "intercoder-test-pass"
CACHE = Path(os.environ.get("INTERCODER_TEST_CACHE", Path.home() / ".cache" / "intercoder-tests"))
#: Bumped when the way the template is made changes (2: no legacy API tokens).
TEMPLATE_FORMAT = 2


def _template(exe: Path) -> Path:
    template = CACHE / f"ls-{server.VERSION}-template-{TEMPLATE_FORMAT}"
    marker = template / ".complete"
    if marker.exists():
        return template
    with open(CACHE / ".template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return template
        shutil.rmtree(template, ignore_errors=True)
        running = server.start(
            exe,
            template,
            port=server.free_port(),
            username=ADMIN,
            password=PASSWORD,
            timeout=300,
        )
        running.stop()
        marker.touch()
    return template


def prepared() -> tuple[Path, Path]:
    """The ``label-studio`` executable and the migrated data-dir template (made if missing)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    venv = Path(os.environ.get("INTERCODER_LS_VENV", CACHE / f"ls-{server.VERSION}"))
    try:
        exe = server.ensure_venv(venv)
        return exe, _template(exe)
    except Exception as exc:
        pytest.fail(f"cannot prepare the Label Studio {server.VERSION} server: {exc}")


@pytest.fixture(scope="session")
def studio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a Label Studio server for this test session (a copy of the template)."""
    exe, template = prepared()
    data = tmp_path_factory.mktemp("ls") / "data"
    shutil.copytree(template, data, ignore=shutil.ignore_patterns("server.log", ".complete"))
    running = server.start(exe, data, port=server.free_port(), username=ADMIN, password=PASSWORD)
    try:
        yield running.url
    finally:
        running.stop()


@pytest.fixture(scope="session")
def token(studio_server: str) -> str:
    """The admin's personal access token, obtained as ``intercoder studio serve`` does."""
    return server.personal_access_token(studio_server, ADMIN, PASSWORD)


@pytest.fixture
def client(studio_server: str, token: str) -> Client:
    return Client(studio_server, token, retries=2, backoff=0.1)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``intercoder studio serve`` as the docs start it; its URL and the shell environment."""
    exe, template = prepared()
    data = tmp_path / "ls-data"  # the suite's migrated template: seconds instead of ~35 s
    shutil.copytree(template, data, ignore=shutil.ignore_patterns("server.log", ".complete"))
    xdg = tmp_path / "xdg-cache" / "intercoder"
    xdg.mkdir(parents=True)
    (xdg / f"ls-{server.VERSION}").symlink_to(exe.parent.parent)  # serve's venv: the suite's
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(xdg.parent),
        "INTERCODER_STUDIO_CONFIG": str(tmp_path / "config" / "studio.json"),
        "INTERCODER_STUDIO_STATE": str(tmp_path / "state.sqlite"),
        "LABEL_STUDIO_ADMIN_EMAIL": ADMIN,
        "LABEL_STUDIO_ADMIN_PASSWORD": PASSWORD,
    }
    command = [sys.executable, "-m", "intercoder", "studio", "serve"]
    command += ["--port", str(server.free_port()), "--data-dir", str(data)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
        preexec_fn=sigint_as_a_terminal_sends_it,  # it is stopped by Ctrl-C below
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()
    try:
        url = ""
        while True:
            line = lines.get(timeout=300)
            if found := re.search(r"runs at (http://127\.0\.0\.1:\d+)", line):
                url = found.group(1)
            if line.startswith("API token stored in"):
                break
        config = Path(env["INTERCODER_STUDIO_CONFIG"])
        assert config.stat().st_mode & 0o077 == 0  # the token file is the owner's alone
        assert json.loads(config.read_text())["token"].count(".") == 2  # a personal token
        yield url, env
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as the docs say
        assert process.wait(60) == 0
