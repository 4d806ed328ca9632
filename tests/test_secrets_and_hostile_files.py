"""Secrets stay secret and files from others stay data.

Covered here:

* the studio token file is written through a fresh temporary file and left readable by its owner
  only, whatever was planted beside it;
* tokens and passwords are kept out of every message, including an error body that echoes the
  request's headers (served by a small local HTTP server: a real Label Studio does not echo
  headers, which is the fault to simulate);
* the sync state file is private, and a corrupt one is one line, not a traceback;
* a REFI-QDA ``.qdc`` file cannot smuggle a DTD in another encoding, cannot make
  ``codebook import`` read a local file through its ``origin``, and cannot nest without end;
* codebook text never becomes HTML or a script link in the Markdown manual.
"""

from __future__ import annotations

import http.server
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from intercoder.codebook.registry import load_codebook
from intercoder.codebook.render import manual_markdown
from intercoder.redact import display_url, redact
from intercoder.studio.client import Client, StudioError, save_config
from intercoder.studio.state import State, StateError

from support import RunCli

TOKEN = "f3c1d2e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- the token file ----------------------------------------------------------------------------


def test_the_token_file_is_never_written_through_a_planted_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched", encoding="utf-8")
    target = tmp_path / "studio.json"
    # the temporary name an earlier version used, and a guess at others
    for name in ("studio.json.tmp", ".studio.json.tmp"):
        (tmp_path / name).symlink_to(victim)
    save_config("http://127.0.0.1:8080", TOKEN, target)
    assert victim.read_text(encoding="utf-8") == "untouched"
    assert TOKEN in target.read_text(encoding="utf-8")
    assert _mode(target) == 0o600


def test_a_world_readable_token_file_becomes_private(tmp_path: Path) -> None:
    target = tmp_path / "studio.json"
    target.write_text("{}", encoding="utf-8")
    os.chmod(target, 0o644)
    save_config("http://127.0.0.1:8080", TOKEN, target)
    assert _mode(target) == 0o600


def test_studio_config_takes_the_token_from_the_environment_never_an_argument(
    run_cli: RunCli, tmp_path: Path
) -> None:
    config = tmp_path / "studio.json"
    env = {"INTERCODER_STUDIO_CONFIG": str(config), "LABEL_STUDIO_API_KEY": TOKEN}
    stored = run_cli("studio", "config", "--url", "http://lead:hunter2@127.0.0.1:9", env=env)
    assert stored.returncode == 0, stored.stderr
    assert _mode(config) == 0o600
    shown = run_cli("studio", "config", env={**env, "LABEL_STUDIO_API_KEY": None})
    for proc in (stored, shown):
        assert TOKEN not in proc.stdout + proc.stderr
        assert "hunter2" not in proc.stdout + proc.stderr
    assert "server: http://127.0.0.1:9" in shown.stdout
    as_argument = run_cli("studio", "config", "--url", "http://x", "--token", TOKEN, env=env)
    assert as_argument.returncode == 2
    assert TOKEN not in as_argument.stdout


# --- secrets in messages ----------------------------------------------------------------------


def test_redact_masks_given_secrets_and_credential_shapes() -> None:
    text = (
        f"GET /api failed: Authorization: Token {TOKEN}\r\nCookie: sessionid=abc123xyz\r\n"
        '{"refresh": "eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl", "password": "hunter2!"} '
        "at https://admin:s3cret@ls.example.org/api and Bearer abcdefghijkl"
    )
    clean = redact(text, [TOKEN])
    for secret in (TOKEN, "abc123xyz", "eyJhbGciOi", "hunter2", "s3cret", "abcdefghijkl"):
        assert secret not in clean
    assert "GET /api failed" in clean
    assert "ls.example.org/api" in clean
    assert display_url("https://admin:s3cret@ls.example.org/x") == "https://ls.example.org/x"


class _EchoHeaders(http.server.BaseHTTPRequestHandler):
    """Answers 400 with the request's headers in the body, as some proxies do."""

    def do_GET(self) -> None:
        body = ("bad request; you sent:\n" + str(self.headers) + "x" * 500).encode()
        self.send_response(400)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoHeaders)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_error_body_that_echoes_the_token_is_redacted(echo_server: str) -> None:
    client = Client(echo_server, TOKEN, retries=0)
    with pytest.raises(StudioError) as info:
        client.request("GET", "/api/projects/")
    message = str(info.value)
    assert "HTTP 400" in message
    assert "you sent" in message  # the body is still shown, for diagnosis
    assert TOKEN not in message
    assert TOKEN[:12] not in message  # not even the part a cut would leave


def test_an_unreachable_server_is_named_without_its_password() -> None:
    client = Client("http://lead:hunter2@127.0.0.1:9", TOKEN, retries=0)
    with pytest.raises(StudioError) as info:
        client.request("GET", "/api/projects/")
    assert "127.0.0.1:9" in str(info.value)
    assert "hunter2" not in str(info.value)
    assert "hunter2" not in repr(client)


# --- the sync state --------------------------------------------------------------------------


def test_the_sync_state_is_private(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.sqlite"
    State(fresh).close()
    assert _mode(fresh) == 0o600
    old = tmp_path / "old.sqlite"
    State(old).close()
    os.chmod(old, 0o644)  # made by an earlier version
    State(old).close()
    assert _mode(old) == 0o600


def test_a_corrupt_sync_state_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    corrupt = tmp_path / "state.sqlite"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match="cannot use this sync state file"):
        State(corrupt)
    env = {
        "LABEL_STUDIO_URL": "http://127.0.0.1:9",
        "LABEL_STUDIO_API_KEY": TOKEN,
        "INTERCODER_STUDIO_CONFIG": str(tmp_path / "none.json"),
    }
    proc = run_cli("studio", "status", "--state", str(corrupt), env=env)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    assert f"{corrupt}: cannot use this sync state file" in proc.stderr


# --- REFI-QDA codebooks from others ---------------------------------------------------------

QDC_NS = "urn:QDA-XML:codebook:1.0"


def _qdc(codes: str, origin: str = "") -> str:
    attribute = f' origin="{origin}"' if origin else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="{QDC_NS}"{attribute}>'
        f"<Codes>{codes}</Codes></CodeBook>\n"
    )


CODE = '<Code guid="{guid}" name="{name}" isCodable="true">{inner}</Code>'


def test_a_dtd_in_utf16_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    text = _qdc(CODE.format(guid="1", name="&boom;", inner="")).replace(
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<?xml version="1.0" encoding="utf-16"?>\n<!DOCTYPE CodeBook [<!ENTITY boom "kaboom">]>\n',
    )
    path = tmp_path / "bomb.qdc"
    path.write_bytes(text.encode("utf-16"))
    assert b"<!DOCTYPE" not in path.read_bytes()  # the old byte check could not see it
    proc = run_cli("codebook", "import", str(path), "-o", str(tmp_path / "out.yaml"))
    assert proc.returncode == 1
    assert "DTDs and entities are not allowed" in proc.stderr
    assert not (tmp_path / "out.yaml").exists()


def test_an_origin_naming_a_local_file_is_not_read(run_cli: RunCli, tmp_path: Path) -> None:
    private = tmp_path / "private.yaml"
    private.write_text("secret: the-contents-of-a-private-file\n", encoding="utf-8")
    path = tmp_path / "from-someone.qdc"
    path.write_text(
        _qdc(CODE.format(guid="1", name="Hate", inner=""), origin=f"intercoder {private} en"),
        encoding="utf-8",
    )
    proc = run_cli("codebook", "import", str(path), "-o", "-")
    assert "the-contents-of-a-private-file" not in proc.stdout + proc.stderr


def test_codes_nested_without_end_are_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    inner = ""
    for depth in range(1000):
        inner = CODE.format(guid=str(depth), name=f"c{depth}", inner=inner)
    path = tmp_path / "deep.qdc"
    path.write_text(_qdc(inner), encoding="utf-8")
    proc = run_cli("codebook", "import", str(path), "-o", str(tmp_path / "out.yaml"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "nested more than" in proc.stderr


# --- the Markdown manual ---------------------------------------------------------------------


def test_codebook_text_never_becomes_html_or_a_script_link(
    minimal_text: str, tmp_path: Path
) -> None:
    hostile = minimal_text.replace(
        "definition: {en: Whether the text mentions an ethnic group.,",
        'definition: {en: "Mentions <img src=x onerror=alert(1)> a group, '
        '[see](javascript:alert(2)) or [this]( data:text/html,x).",',
    )
    assert hostile != minimal_text
    path = tmp_path / "hostile.yaml"
    path.write_text(hostile, encoding="utf-8")
    manual = manual_markdown(load_codebook(path), "en")
    assert "<img" not in manual
    assert "](javascript:" not in manual
    assert "](data:" not in manual.replace(" ", "")
    assert "&lt;img src=x onerror=alert(1)>" in manual  # still there, as text
