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
