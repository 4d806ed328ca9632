"""The llm coder's parts without a server: settings, schema, prompt, answer checking, cache."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from intercoder_llm import (
    LLMCoder,
    Reply,
    ResponseCache,
    answer_schema,
    build_messages,
    cache_key,
    check_answer,
    locate,
    majority,
    parse_settings,
    prompt_language,
    redact,
)

import intercoder
from conftest import CODEBOOK
from intercoder.codebook.model import Codebook
from intercoder.extensions import CoderSettingsError
from intercoder.tasks import Task


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return intercoder.load_codebook(CODEBOOK)


KY = "Айылдын дуңган дыйкандары базарда жашылча сатышты."


def _answer(**variables: Any) -> str:
    base: dict[str, Any] = {
        "relevant": {"value": "yes", "quotes": ["дуңган дыйкандары"]},
        "tone": {"value": "0", "quotes": []},
        "topics": {"value": ["economy"], "quotes": ["базарда жашылча сатышты"]},
    }
    base.update(variables)
    return json.dumps(base, ensure_ascii=False)


# --- settings --------------------------------------------------------------------------------


def test_the_key_is_refused_as_a_setting_without_repeating_it() -> None:
    with pytest.raises(CoderSettingsError) as caught:
        parse_settings({"api_key": "sk-secret-value"})
    assert "api_key_env" in str(caught.value)
    assert "sk-secret-value" not in str(caught.value)


def test_an_unknown_setting_gets_a_did_you_mean() -> None:
    with pytest.raises(CoderSettingsError, match="did you mean 'temperature'"):
        parse_settings({"temperatur": "0.2"})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("temperature", "hot", "is not a number"),
        ("temperature", "3", "must be from 0 to 2"),
        ("concurrency", "0", "must be at least 1"),
        ("runs", "two", "is not a whole number"),
        ("response_format", "xml", "is not one of auto, json_schema, json_object"),
    ],
)
def test_bad_values_are_named(key: str, value: str, message: str) -> None:
    with pytest.raises(CoderSettingsError, match=message):
        parse_settings({key: value})


def test_options_arrive_as_text_and_are_converted() -> None:
    settings = parse_settings({"model": "m", "temperature": "0.7", "runs": "3", "examples": "0"})
    assert (settings.model, settings.temperature, settings.runs, settings.examples) == (
        "m", 0.7, 3, 0,
    )  # fmt: skip


def test_the_coder_id_names_the_model_and_the_plugin_version() -> None:
    coder = LLMCoder()
    assert coder.coder_id == f"llm@{intercoder_llm_version()}"
    coder.configure({"model": "qwen2.5:7b"})
    assert coder.coder_id == f"llm:qwen2.5:7b@{intercoder_llm_version()}"


def intercoder_llm_version() -> str:
    import intercoder_llm

    return intercoder_llm.__version__


def test_every_public_name_is_there_and_loading_the_plugin_does_not_import_the_coder() -> None:
    # The public names are imported on first use (a table beside __all__): each one must be
    # found, and loading the plugin for its hooks, as every command does, must stay light.
    import subprocess
    import sys

    import intercoder_llm

    for name in intercoder_llm.__all__:
        assert getattr(intercoder_llm, name) is not None, name
    probe = (
        "import sys\n"
        "from intercoder.plugins import load\n"
        "host = load()\n"
        "assert 'intercoder_llm' in host.infos, sorted(host.infos)\n"
        "print(sorted(m for m in sys.modules if m.startswith('intercoder_llm.')))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert "intercoder_llm.coder" not in loaded
    assert "intercoder_llm._version" in loaded


# --- schema and prompt -----------------------------------------------------------------------


def test_the_schema_lists_every_code_and_allows_abstaining(codebook: Codebook) -> None:
    schema = answer_schema(codebook)
    assert schema["required"] == ["relevant", "tone", "topics"]
    relevant = schema["properties"]["relevant"]["properties"]["value"]["anyOf"]
    assert relevant == [{"type": "string", "enum": ["yes", "no"]}, {"type": "null"}]
    tone = schema["properties"]["tone"]["properties"]["value"]["anyOf"]
    assert tone[0]["enum"] == ["0", "1"]
    topics = schema["properties"]["topics"]["properties"]["value"]["anyOf"][0]
    assert topics["items"]["enum"] == ["economy", "culture"]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ky", "ky"), ("uz-Latn", "uz-Latn"), ("uz", "uz-Latn"), ("de", "en"), (None, "en")],
)
def test_the_prompt_language_follows_the_task(
    codebook: Codebook, lang: str | None, expected: str
) -> None:
    assert prompt_language(codebook, lang) == expected


def test_the_prompt_is_in_the_tasks_language_with_rules_and_examples(codebook: Codebook) -> None:
    system, user = build_messages(codebook, Task("u", KY, "ky"), examples=1)
    assert user == {"role": "user", "content": KY}
    text = system["content"]
    assert "Текст этникалык топ жөнүндөбү?" in text  # the Kyrgyz question
    assert "Include: Этнонимдер." in text
    assert "Exclude: Жарандык гана." in text
    assert "Example: Айылдын дуңган дыйкандары бүгүн чогулушту." in text
    assert 'Answer only when `relevant` is "yes"' in text  # show_if
    assert "Is the text about an ethnic group?" not in text
    uz = build_messages(codebook, Task("u", "matn", "uz-Latn"), examples=0)[0]["content"]
    assert "Qishloqning dungan dehqonlari bugun yigʻilishdi." not in uz  # examples=0
    assert "Matn etnik guruh haqidami?" in uz


# --- answers ---------------------------------------------------------------------------------


def test_a_valid_answer_keeps_codes_and_locates_quotes(codebook: Codebook) -> None:
    checked = check_answer(_answer(), codebook, KY)
    assert checked.ok, checked.problems
    assert checked.values == {"relevant": "yes", "tone": "0", "topics": ("economy",)}
    quote = checked.evidence[0]
    assert KY[quote.start : quote.end] == "дуңган дыйкандары"
    assert (quote.variable, quote.code) == ("relevant", "yes")


def test_a_quote_not_in_the_text_is_rejected(codebook: Codebook) -> None:
    # "дунган" without ң: close, but not what the text says.
    answer = _answer(relevant={"value": "yes", "quotes": ["дунган дыйкандары"]})
    checked = check_answer(answer, codebook, KY)
    assert "relevant" not in checked.values
    assert "is not in the text" in checked.problems["relevant"]


def test_a_value_that_is_not_a_code_is_a_problem_not_a_coding(codebook: Codebook) -> None:
    checked = check_answer(_answer(relevant={"value": "maybe", "quotes": []}), codebook, KY)
    assert "'maybe' is not a code of relevant" in checked.problems["relevant"]
    assert "relevant" not in checked.values


def test_show_if_drops_the_detail_when_the_screening_answer_hides_it(codebook: Codebook) -> None:
    answer = _answer(
        relevant={"value": "no", "quotes": []}, tone={"value": "nonsense", "quotes": []}
    )
    checked = check_answer(answer, codebook, KY)
    assert checked.ok, checked.problems
    assert checked.hidden == ["tone"]
    assert "tone" not in checked.values


def test_null_is_an_abstention(codebook: Codebook) -> None:
    checked = check_answer(_answer(topics={"value": None, "quotes": []}), codebook, KY)
    assert checked.ok
    assert checked.abstained == ["topics"]


def test_an_answer_that_is_not_json_is_a_problem_as_a_whole(codebook: Codebook) -> None:
    checked = check_answer('{"relevant": {"value": "yes"', codebook, KY)
    assert "not JSON" in checked.problems["*"]


def test_quotes_are_compared_in_nfc_without_other_folding() -> None:
    text = "Oʻzbek savdogarlari"  # U+02BB
    decomposed = "Ўзбек".replace("Ў", "У\u0306")
    assert locate("Oʻzbek", text) == (0, 6)
    assert locate("O'zbek", text) is None  # an ASCII apostrophe is another text
    assert locate(decomposed, "Ўзбек савдогарлари") == (0, 5)


# --- redaction, cache, majority --------------------------------------------------------------


def test_the_key_and_its_pieces_are_redacted() -> None:
    key = "sk-proj-abcdefgh12345678ijklmnop"
    message = f"401: Incorrect API key provided: {key[:8]}*****{key[-8:]}; full {key}"
    cleaned = redact(message, key)
    assert key not in cleaned
    assert key[:8] not in cleaned
    assert key[-8:] not in cleaned
    assert cleaned.count("[redacted]") == 3


def test_the_cache_key_changes_with_each_part() -> None:
    base: dict[str, Any] = {
        "settings": {"model": "m", "temperature": 0.0},
        "messages": [{"role": "user", "content": "t"}],
        "schema": {},
        "codebook": "screening@1.2.0",
        "run": 0,
    }
    first = cache_key(**base)
    assert cache_key(**dict(base)) == first
    for change in (
        {"settings": {"model": "n", "temperature": 0.0}},
        {"messages": [{"role": "user", "content": "u"}]},
        {"codebook": "screening@1.3.0"},
        {"run": 1},
    ):
        assert cache_key(**{**base, **change}) != first


def test_the_cache_keeps_replies_in_sqlite_across_connections(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = ResponseCache(path)
    cache.put("k", Reply('{"a": 1}', 12, 3, "json_object"))
    cache.close()
    again = ResponseCache(path)
    assert again.get("k") == Reply('{"a": 1}', 12, 3, "json_object")
    assert again.get("other") is None
    again.close()


def test_majority_takes_the_most_frequent_and_the_earliest_on_a_tie() -> None:
    assert majority(["no", "yes", "yes"]) == "yes"
    assert majority(["no", "yes"]) == "no"
    assert majority([("a",), ("a", "b"), ("a", "b")]) == ("a", "b")


def test_concurrency_is_bounded(codebook: Codebook, monkeypatch: pytest.MonkeyPatch) -> None:
    """No more than ``concurrency`` requests are in flight (the coder's own thread pool)."""
    from intercoder_llm import client as client_module

    lock = threading.Lock()
    seen = {"now": 0, "most": 0}

    def complete(self: Any, messages: list[dict[str, str]], schema: Any, run: int) -> Reply:
        with lock:
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        time.sleep(0.05)
        with lock:
            seen["now"] -= 1
        return Reply(_answer(), 1, 1, "json_schema")

    monkeypatch.setattr(client_module.ChatClient, "complete", complete)
    coder = LLMCoder(model="m", base_url="http://127.0.0.1:9/v1", concurrency="3", cache="off")
    tasks = [Task(f"u{i}", KY, "ky") for i in range(12)]
    records = list(coder.code(tasks, codebook))
    assert seen["most"] == 3
    assert len({r.unit_id for r in records}) == 12


def test_quotes_become_evidence_with_offsets(
    codebook: Codebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intercoder_llm import client as client_module

    monkeypatch.setattr(
        client_module.ChatClient, "complete", lambda self, m, s, r: Reply(_answer(), 1, 1, "x")
    )
    coder = LLMCoder(model="m", base_url="http://127.0.0.1:9/v1", cache="off")
    task = Task("u", KY, "ky")
    list(coder.code([task], codebook))
    found = {(e.variable, KY[e.start : e.end]) for e in coder.matches(task, codebook)}
    assert found == {("relevant", "дуңган дыйкандары"), ("topics", "базарда жашылча сатышты")}
