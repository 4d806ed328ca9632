"""Faults a real server cannot be made to produce, through a small local stand-in server:
429, malformed JSON, a timeout, an error body echoing the key, no structured output at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import CODEBOOK, StandIn, completion, run_intercoder, write_tasks
from intercoder.annotations import read_annotations

GOOD = json.dumps(
    {
        "relevant": {"value": "no", "quotes": []},
        "tone": {"value": None, "quotes": []},
        "topics": {"value": ["economy"], "quotes": []},
    }
)
KEY = "sk-standin-abcdefghijklmnopqrstuvwx"
TASKS = [("t1", "Bread prices rose in Osh.", "en")]


def ok(content: str = GOOD) -> Any:
    return lambda body: (200, completion(content), 0.0)


def status(code: int, message: str = "busy") -> Any:
    return lambda body: (code, {"error": {"message": message, "type": "error"}}, 0.0)


def _code(stand_in: StandIn, tmp_path: Path, *options: str) -> Any:
    tasks = write_tasks(tmp_path / "tasks.jsonl", TASKS)
    args = ["code", str(tasks), "--coder", "llm", "--codebook", str(CODEBOOK), "-o"]
    args += [str(tmp_path / "out.csv"), "--coder-option", "model=standin"]
    args += ["--coder-option", f"base_url={stand_in.url}", "--coder-option", "backoff=0.01"]
    for option in options:
        args += ["--coder-option", option]
    return run_intercoder(*args, cwd=tmp_path, env={"OPENAI_API_KEY": KEY})


def test_429_is_retried_with_backoff_and_counted(stand_in: StandIn, tmp_path: Path) -> None:
    stand_in.script[:] = [status(429), status(503), ok()]
    proc = _code(stand_in, tmp_path, "response_format=json_schema")
    assert proc.returncode == 0, proc.stderr
    assert len(stand_in.requests) == 3
    assert "3 requests sent (2 retries)" in proc.stderr
    assert "2 valid, 0 invalid, 0 abstained answers (1 not shown" in proc.stderr


def test_malformed_json_is_asked_again_once_then_missing_with_reason(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.script[:] = [ok('{"relevant": {"value": "no"'), ok("not json at all")]
    proc = _code(stand_in, tmp_path, "response_format=json_object")
    assert proc.returncode == 0, proc.stderr
    assert len(stand_in.requests) == 2  # asked again once, not more
    again = stand_in.requests[1]["messages"]
    assert again[-1]["role"] == "user"
    assert "does not fit the codebook" in again[-1]["content"]
    assert "0 valid, 3 invalid, 0 abstained answers" in proc.stderr
    assert "t1 relevant: missing (the answer is not JSON" in proc.stderr
    assert len(read_annotations(tmp_path / "out.csv")) == 0  # nothing written as a code


def test_an_answer_fixed_when_asked_again_is_written(stand_in: StandIn, tmp_path: Path) -> None:
    wrong = GOOD.replace('"no"', '"perhaps"')
    stand_in.script[:] = [ok(wrong), ok(GOOD)]
    proc = _code(stand_in, tmp_path, "response_format=json_object")
    assert proc.returncode == 0, proc.stderr
    assert "'perhaps' is not a code of relevant" in stand_in.requests[1]["messages"][-1]["content"]
    values = {r.variable: r.value for r in read_annotations(tmp_path / "out.csv")}
    assert values == {"relevant": "no", "topics": ["economy"]}


def test_a_timeout_is_retried_then_reported_in_one_line(stand_in: StandIn, tmp_path: Path) -> None:
    stand_in.script[:] = [lambda body: (200, completion(GOOD), 3.0)]
    proc = _code(stand_in, tmp_path, "timeout=0.3", "retries=1", "response_format=json_schema")
    assert proc.returncode == 1
    assert len(stand_in.requests) == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "still failing after 1 retries" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.csv").exists()


def test_the_key_echoed_in_an_error_body_is_redacted(stand_in: StandIn, tmp_path: Path) -> None:
    echoed = f"Incorrect API key provided: {KEY}. Also {KEY[:8]}...{KEY[-8:]}"
    stand_in.script[:] = [status(401, echoed)]
    proc = _code(stand_in, tmp_path)
    assert proc.returncode == 1
    assert "refused the key in OPENAI_API_KEY" in proc.stderr
    for piece in (KEY, KEY[:8], KEY[-8:]):
        assert piece not in proc.stderr + proc.stdout
    assert "[redacted]" in proc.stderr


def test_json_schema_refused_falls_back_to_json_object_and_says_so(
    stand_in: StandIn, tmp_path: Path
) -> None:
    def only_json_object(body: dict[str, Any]) -> Any:
        if body["response_format"]["type"] == "json_schema":
            return 500, {"error": {"message": "validation error: json_schema"}}, 0.0
        assert body["response_format"]["schema"]["required"] == ["relevant", "tone", "topics"]
        return 200, completion(GOOD), 0.0

    stand_in.script[:] = [only_json_object]
    proc = _code(stand_in, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "structured output: json_object (the server refused json_schema" in proc.stderr
    assert [r["response_format"]["type"] for r in stand_in.requests] == [
        "json_schema",
        "json_object",
    ]


def test_a_server_without_structured_output_is_one_clear_line(
    stand_in: StandIn, tmp_path: Path
) -> None:
    stand_in.script[:] = [status(400, "response_format is not supported")]
    proc = _code(stand_in, tmp_path)
    assert proc.returncode == 1
    assert "takes no structured output" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("tokens", [(1234, 56)])
def test_tokens_are_counted(stand_in: StandIn, tmp_path: Path, tokens: tuple[int, int]) -> None:
    stand_in.script[:] = [lambda body: (200, completion(GOOD, *tokens), 0.0)]
    proc = _code(stand_in, tmp_path, "response_format=json_schema")
    assert "tokens: 1234 prompt, 56 completion sent now" in proc.stderr
    again = _code(stand_in, tmp_path, "response_format=json_schema")
    assert (
        "tokens: 0 prompt, 0 completion sent now; 1234 prompt, 56 completion saved" in again.stderr
    )


def test_a_model_the_server_lacks_is_one_line(stand_in: StandIn, tmp_path: Path) -> None:
    # llama-cpp-python serves its one model whatever the name asked for; hosted APIs answer 404.
    stand_in.script[:] = [status(404, "The model `standin` does not exist")]
    proc = _code(stand_in, tmp_path)
    assert proc.returncode == 1
    assert f"model 'standin' not found at {stand_in.url}" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_a_response_body_that_is_not_json_is_one_line(stand_in: StandIn, tmp_path: Path) -> None:
    stand_in.script[:] = [lambda body: (200, "<html>gateway</html>", 0.0)]
    proc = _code(stand_in, tmp_path, "response_format=json_schema")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert f"{stand_in.url} answered something that is not a chat completion" in proc.stderr
    assert not (tmp_path / "out.csv").exists()
