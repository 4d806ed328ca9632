"""A real Label Studio server for the ``studio`` tests.

The server (label-studio==1.23.2) lives in its own venv under
``~/.cache/intercoder-tests/ls-1.23.2`` (``$INTERCODER_LS_VENV``), made on first use with
``python3.11 -m venv`` + pip. A migrated data dir is cached beside it as a template, so each
test session copies it and starts in seconds instead of ~35 s. If the venv cannot be made the
tests fail with the reason: they never skip.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from intercoder.studio import server
from intercoder.studio.client import Client

ADMIN = "admin@example.org"
PASSWORD = "intercoder-test-pass"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
CACHE = Path(os.environ.get("INTERCODER_TEST_CACHE", Path.home() / ".cache" / "intercoder-tests"))


def _template(exe: Path) -> Path:
    template = CACHE / f"ls-{server.VERSION}-template"
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
            token=TOKEN,
            timeout=300,
        )
        running.stop()
        marker.touch()
    return template


@pytest.fixture(scope="session")
def studio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        exe = server.ensure_venv(Path(os.environ.get("INTERCODER_LS_VENV", CACHE / "ls-1.23.2")))
        template = _template(exe)
    except Exception as exc:
        pytest.fail(f"cannot prepare the Label Studio {server.VERSION} server: {exc}")
    data = tmp_path_factory.mktemp("ls") / "data"
    shutil.copytree(template, data, ignore=shutil.ignore_patterns("server.log", ".complete"))
    running = server.start(
        exe, data, port=server.free_port(), username=ADMIN, password=PASSWORD, token=TOKEN
    )
    try:
        yield running.url
    finally:
        running.stop()


@pytest.fixture
def client(studio_server: str) -> Client:
    return Client(studio_server, TOKEN, retries=2, backoff=0.1)
