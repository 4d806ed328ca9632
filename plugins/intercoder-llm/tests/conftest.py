"""Fixtures: the real llama.cpp server with the tiny model, a stand-in for faults, task files."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs
import pytest
from tinymodel import QUOTING, write_tiny_model

HERE = Path(__file__).parent
CODEBOOK = HERE / "data" / "screening.yaml"
#: The key the real server is started with (a test value, nothing real).
SERVER_KEY = "sk-test-0123456789abcdefghijklmnop"
INSTALL_HINT = (
    "the real-server tests need llama-cpp-python's server: "
    "pip install 'llama-cpp-python[server]' (builds llama.cpp from source; tox -e llm caches "
    "the wheel)"
)

TASKS = [
    ("ky-1", "Айылдын дуңган дыйкандары базарда жашылча сатышты.", "ky"),
    ("uz-1", "Oʻzbek savdogarlari bozorda gʻalla sotishdi.", "uz-Latn"),
    ("uz-2", "Ўзбек савдогарлари бозорда ғалла сотишди.", "uz-Cyrl"),
    ("ru-1", "Вчера в Бишкеке прошёл фестиваль дунганской кухни.", "ru"),
    ("en-1", "The weather in Osh was sunny on Tuesday.", "en"),
    ("en-2", "Uzbek and Kyrgyz traders met at the Kara-Suu market.", "en"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_tasks(path: Path, tasks: list[tuple[str, str, str]] = TASKS) -> Path:
    path.write_text(
        "".join(
            json.dumps({"unit_id": u, "text": t, "lang": lang}, ensure_ascii=False) + "\n"
            for u, t, lang in tasks
        ),
        encoding="utf-8",
    )
    return path


@attrs.frozen
class Server:
    url: str
    key: str
    log: Path


@contextlib.contextmanager
def _llama_server(model: Path, log: Path) -> Iterator[Server]:
    """A real llama-cpp-python server on 127.0.0.1 serving ``model``, with an API key."""
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError as exc:
        pytest.fail(f"{INSTALL_HINT} ({exc})")
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--model_alias", "tiny", "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", "8192", "--n_threads", "1", "--api_key", SERVER_KEY,
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"llama server exited: {log.read_text(errors='replace')[-2000:]}")
            request = urllib.request.Request(
                f"{url}/models", headers={"Authorization": f"Bearer {SERVER_KEY}"}
            )
            try:
                with urllib.request.urlopen(request, timeout=2):
                    break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail("llama server did not start within 120 s")
                time.sleep(0.3)
        yield Server(url, SERVER_KEY, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The tiny model that answers every text with the same valid coding at temperature 0."""
    where = tmp_path_factory.mktemp("coding")
    with _llama_server(write_tiny_model(where / "tiny.gguf"), where / "server.log") as server:
        yield server


@pytest.fixture(scope="session")
def quoting_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The tiny model that quotes "]", a passage no test text holds."""
    where = tmp_path_factory.mktemp("quoting")
    model = write_tiny_model(where / "quoting.gguf", preferences=QUOTING)
    with _llama_server(model, where / "server.log") as server:
        yield server


# --- a stand-in for faults a real server cannot be made to produce ---------------------------

Behaviour = Callable[[dict[str, Any]], tuple[int, dict[str, Any] | str, float]]


@attrs.define
class StandIn:
    """An OpenAI-compatible stand-in answering from a script; counts requests and in-flight."""

    url: str
    requests: list[dict[str, Any]]
    script: list[Behaviour]
    in_flight: int = 0
    most_in_flight: int = 0


def completion(content: str, prompt_tokens: int = 10, completion_tokens: int = 5) -> dict[str, Any]:
    return {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": 0,
        "model": "standin",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    lock = threading.Lock()
    state = StandIn("", [], [])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                state.requests.append(body)
                behaviour = state.script.pop(0) if len(state.script) > 1 else state.script[0]
                state.in_flight += 1
                state.most_in_flight = max(state.most_in_flight, state.in_flight)
            try:
                status, payload, delay = behaviour(body)
                time.sleep(delay)
                data = payload if isinstance(payload, str) else json.dumps(payload)
                raw = data.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with lock:
                    state.in_flight -= 1

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def run_intercoder(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m intercoder ARGS`` as a real process, in ``cwd``."""
    full = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "intercoder", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
