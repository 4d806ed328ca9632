"""The llm coder against a real llama.cpp server (llama-cpp-python) serving the tiny model.

The model knows nothing, but the server's grammar-constrained output makes every answer JSON
of the codebook's schema, so the prompt, schema dialect, parsing, checking, caching and
concurrency all run against the real thing, offline, on 127.0.0.1. The model's fixed token
preferences (see ``tinymodel.py``) make its answer at temperature 0 known in advance:
``relevant`` "yes", ``tone`` "0", ``topics`` [], no quotes.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import intercoder
from conftest import CODEBOOK, TASKS, Server, free_port, run_intercoder, write_tasks
from intercoder.annotations import check_annotations, read_annotations

CODER_ID = "llm:tiny@0.1.0"
KEY_VAR = "INTERCODER_TEST_LLM_KEY"
#: Per text: relevant, topics, and tone when relevant is "yes".
VARIABLES = 3


def _project(tmp_path: Path, server: Server, **extra: str) -> Path:
    """A project directory whose pyproject.toml holds the coder's settings."""
    settings = {
        "model": "tiny", "base_url": server.url, "api_key_env": KEY_VAR, "temperature": "0",
        "seed": "7", "max_tokens": "1500", **extra,
    }  # fmt: skip
    table = "".join(f'{key} = "{value}"\n' for key, value in settings.items() if value)
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.intercoder.coders.llm]\n{table}", encoding="utf-8"
    )
    write_tasks(tmp_path / "tasks.jsonl")
    return tmp_path


def _code(
    project: Path, key: str, *args: str, out: str = "out.csv"
) -> subprocess.CompletedProcess[str]:
    return run_intercoder(
        "code", "tasks.jsonl", "--coder", "llm", "--codebook", str(CODEBOOK), "-o", out,
        *args, cwd=project, env={KEY_VAR: key},
    )  # fmt: skip


def _counts(stderr: str) -> tuple[int, int, int, int]:
    line = next(line for line in stderr.splitlines() if " valid, " in line)
    words = line.split(": ", 1)[1].replace(",", "").replace("(", "").split()
    return int(words[0]), int(words[2]), int(words[4]), int(words[7])


def test_codes_checks_and_caches_against_the_real_server(
    llama_server: Server, tmp_path: Path
) -> None:
    project = _project(tmp_path, llama_server)
    first = _code(project, llama_server.key, "--coder-option", "concurrency=3")
    assert first.returncode == 0, first.stderr
    stderr = first.stderr
    # llama-cpp-python refuses OpenAI's json_schema and takes its own json_object dialect.
    assert "structured output: json_object (the server refused json_schema" in stderr
    assert _counts(stderr) == (len(TASKS) * VARIABLES, 0, 0, 0)
    codebook = intercoder.load_codebook(CODEBOOK)
    written = read_annotations(project / "out.csv")
    assert check_annotations(written, codebook).problems == ()  # only codes of the codebook
    assert set(written.coder_id.tolist()) == {CODER_ID}
    assert set(written.codebook.tolist()) == {codebook.ref}
    values = {(r.unit_id, r.variable): r.value for r in written}
    assert values == {
        (unit, variable): value
        for unit, _, _ in TASKS
        for variable, value in (("relevant", "yes"), ("tone", "0"), ("topics", []))
    }
    assert f"{CODER_ID}: {len(written)} annotations for {len(TASKS)} texts" in stderr
    assert "answers from the cache" in stderr
    assert "tokens: " in stderr
    assert (project / ".intercoder-llm-cache.sqlite").is_file()

    # The same command again: every answer from the cache, nothing sent, the same file.
    before = (project / "out.csv").read_bytes()
    second = _code(project, llama_server.key, "--coder-option", "concurrency=3")
    assert second.returncode == 0, second.stderr
    assert "0 requests sent (0 retries)" in second.stderr
    assert (project / "out.csv").read_bytes() == before


def test_a_quote_not_in_the_text_is_asked_again_then_missing(
    quoting_server: Server, tmp_path: Path
) -> None:
    project = _project(tmp_path, quoting_server, cache="off")
    proc = _code(project, quoting_server.key)
    assert proc.returncode == 0, proc.stderr
    # Every variable of every text quotes "]": each answer is asked again once, then missing.
    assert f"; {len(TASKS)} asked again)" in proc.stderr
    # One more: the first request, refused in the json_schema dialect.
    assert f"{2 * len(TASKS) + 1} requests sent" in proc.stderr
    valid, invalid, abstained, hidden = _counts(proc.stderr)
    assert (valid, abstained) == (0, 0)
    assert invalid + hidden == len(TASKS) * VARIABLES
    assert "quote ']' is not in the text" in proc.stderr
    assert len(read_annotations(project / "out.csv")) == 0


def test_self_consistency_over_runs(llama_server: Server, tmp_path: Path) -> None:
    # No seed: the tiny model ignores its input, so one seed per run would give every text the
    # same draw. Unseeded, 12 texts x 3 runs at p(yes) = 0.69 all agreeing has odds ~5e-6.
    project = _project(tmp_path, llama_server, temperature="1.0", runs="3", cache="off", seed="")
    twelve = [(f"{unit}-{copy}", text, lang) for unit, text, lang in TASKS for copy in (1, 2)]
    write_tasks(project / "tasks.jsonl", twelve)
    proc = _code(project, llama_server.key)
    assert proc.returncode == 0, proc.stderr
    assert f"{3 * len(twelve) + 1} requests sent" in proc.stderr  # + the refused json_schema
    line = next(line for line in proc.stderr.splitlines() if "self-consistency" in line)
    assert "self-consistency over 3 runs (alpha): relevant " in line
    # At temperature 1 the tiny model's yes/no choice varies between runs: alpha is below 1.
    alpha = float(line.split("relevant ")[1].split(",")[0])
    assert alpha < 1.0


def test_dry_run_prints_the_kyrgyz_prompt_and_sends_nothing(tmp_path: Path) -> None:
    # No server at all: a dry run must not need one.
    url = f"http://127.0.0.1:{free_port()}/v1"
    project = _project(tmp_path, Server(url, "", tmp_path / "none.log"))
    proc = _code(project, "", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Текст этникалык топ жөнүндөбү?" in out  # the first task is in Kyrgyz
    assert "Айылдын дуңган дыйкандары базарда жашылча сатышты." in out
    assert '"enum"' in out
    assert "nothing sent" in out
    assert not (project / "out.csv").exists()
    assert not (project / ".intercoder-llm-cache.sqlite").exists()


def test_a_wrong_key_is_one_line_redacted_and_writes_nothing(
    llama_server: Server, tmp_path: Path
) -> None:
    wrong = "sk-wrong-key-0123456789abcdefghij"
    project = _project(tmp_path, llama_server, cache="off")
    proc = _code(project, wrong)
    assert proc.returncode == 1
    stderr = proc.stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert f"refused the key in {KEY_VAR}" in stderr
    assert wrong not in stderr
    assert wrong[:8] not in stderr
    assert not (project / "out.csv").exists()


def test_an_unreachable_server_is_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    project = _project(tmp_path, Server(url, "", tmp_path / "none.log"), retries="0")
    proc = _code(project, "")
    assert proc.returncode == 1
    stderr = proc.stderr
    assert f"cannot reach the server at {url}" in stderr
    assert len(stderr.strip().splitlines()) == 1
    assert "Traceback" not in stderr
    assert not (project / "out.csv").exists()


@pytest.mark.parametrize("option", ["api_key=sk-on-the-command-line"])
def test_the_key_is_never_taken_from_the_command_line(
    llama_server: Server, tmp_path: Path, option: str
) -> None:
    project = _project(tmp_path, llama_server)
    proc = _code(project, llama_server.key, "--coder-option", option)
    assert proc.returncode == 2
    assert "the API key is never a setting" in proc.stderr
    assert "sk-on-the-command-line" not in proc.stderr
