"""Run a local Label Studio server from its own virtual environment.

Label Studio's pins clash with ours, so it lives in a separate venv (``ensure_venv``). The
child gets a cleaned environment: no ``USERNAME``/``PASSWORD``/``PORT``/``HOST`` (Label Studio
reads them as fallbacks), no error reports or analytics, the admin through
``LABEL_STUDIO_USERNAME``/``PASSWORD`` (never on the command line). It binds to 127.0.0.1
(``--internal-host``); since Label Studio silently moves to the next port when its port is
busy, the port it really took is read from its log.

API access is by a personal access token (``personal_access_token``): legacy tokens stay off,
as Label Studio 1.23 ships them.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from ..errors import IntercoderError

VERSION = "1.23.2"
_STARTED = re.compile(r"Starting development server at http://[^:/]+:(\d+)/")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "intercoder"


def ensure_venv(where: Path | None = None, python: str | None = None) -> Path:
    """The ``label-studio`` executable of a venv with label-studio==VERSION (made if missing)."""
    venv = where or cache_dir() / f"ls-{VERSION}"
    exe = venv / "bin" / "label-studio"
    done_marker = venv / ".intercoder-complete"
    if done_marker.exists():
        return exe
    python = python or os.environ.get("INTERCODER_LS_PYTHON") or shutil.which("python3.11")
    python = python or sys.executable
    import fcntl

    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done_marker.exists():
            return exe
        shutil.rmtree(venv, ignore_errors=True)
        steps = [
            [python, "-m", "venv", str(venv)],
            [str(venv / "bin" / "pip"), "install", "-q", f"label-studio=={VERSION}"],
        ]
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise IntercoderError(
                    f"cannot make the Label Studio venv ({' '.join(step[:3])} …): "
                    + (done.stderr.strip().splitlines() or ["no output"])[-1]
                )
        done_marker.touch()
    return exe


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(data_dir: Path, username: str, password: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("USERNAME", "PASSWORD", "PORT", "HOST") and not k.startswith("LABEL_STUDIO")
    }
    env.update(
        SENTRY_DSN="",
        FRONTEND_SENTRY_DSN="",
        COLLECT_ANALYTICS="false",
        # No phoning home at start-up either (it asks PyPI for the newest version).
        LATEST_VERSION_CHECK="false",
        # start() reads the port the server really took from its log: the log must not sit in
        # a pipe buffer (without this, a clean environment waits forever).
        PYTHONUNBUFFERED="1",
        LABEL_STUDIO_BASE_DATA_DIR=str(data_dir),
        LABEL_STUDIO_USERNAME=username,
        LABEL_STUDIO_PASSWORD=password,
        LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true",
    )
    return env


class Server:
    """A running Label Studio child process."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(
    exe: Path,
    data_dir: Path,
    *,
    port: int,
    username: str,
    password: str,
    timeout: float = 300.0,  # a cold start on a loaded 2-core machine can take minutes
) -> Server:
    """Start Label Studio on 127.0.0.1:``port`` and wait until it answers ``/health``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                str(exe),
                "start",
                "--no-browser",
                "--internal-host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            env=child_env(data_dir, username, password),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=data_dir,
        )
    deadline = time.monotonic() + timeout
    real_port: int | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text("utf-8", "replace").strip().splitlines()[-3:]
            raise IntercoderError("Label Studio stopped: " + " | ".join(tail))
        if real_port is None:
            found = _STARTED.search(log.read_text("utf-8", "replace"))
            real_port = int(found.group(1)) if found else None
        if real_port is not None:
            try:
                url = f"http://127.0.0.1:{real_port}"
                with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        return Server(process, url, log)
            except OSError:
                pass
        time.sleep(0.3)
    Server(process, "", log).stop()
    raise IntercoderError(f"Label Studio did not answer within {timeout:.0f} s (log: {log})")


def personal_access_token(url: str, email: str, password: str) -> str:
    """A new personal access token for ``email``, obtained by logging in as a browser does.

    Label Studio hands a user's token out once, when it is made; a user has at most one, so
    any earlier token of this user is revoked first (its full text is not stored anywhere we
    could read it back).
    """
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def csrf() -> str:
        return next((c.value or "" for c in jar if c.name == "csrftoken"), "")

    def send(path: str, body: bytes | None = None, form: bool = False) -> bytes:
        headers = {"Referer": url + "/user/login/", "X-CSRFToken": csrf()}
        if body is not None:
            headers["Content-Type"] = (
                "application/x-www-form-urlencoded" if form else "application/json"
            )
        request = urllib.request.Request(url + path, data=body, headers=headers)
        with opener.open(request, timeout=60) as answer:
            return bytes(answer.read())

    try:
        send("/user/login/")
        form = {"email": email, "password": password, "csrfmiddlewaretoken": csrf()}
        send("/user/login/", urllib.parse.urlencode(form).encode(), form=True)
        try:  # a refused login shows the form again; only the API says who we are
            send("/api/current-user/whoami")
        except urllib.error.HTTPError as exc:
            if exc.code not in (401, 403):
                raise
            raise IntercoderError(
                f"Label Studio at {url} refused the login of {email}: is this the password "
                "its admin was made with (LABEL_STUDIO_ADMIN_PASSWORD)?"
            ) from None
        for old in json.loads(send("/api/token/")):
            send("/api/token/blacklist/", json.dumps({"refresh": old["token"]}).encode())
        return str(json.loads(send("/api/token/", b"{}"))["token"])
    except (urllib.error.URLError, OSError, ValueError, KeyError) as exc:
        raise IntercoderError(
            f"could not obtain an API token from Label Studio at {url}: {exc}"
        ) from None
