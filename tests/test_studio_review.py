"""The review project's parts that need no server: queue rows to tasks, decisions into gold."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

import intercoder
from intercoder.errors import Location
from intercoder.studio.review import review_config, review_tasks
from intercoder.workflow.adjudicate import (
    Adjudication,
    Decision,
    Dispute,
    merge_decisions,
    read_queue,
    render_queue,
)
from intercoder.workflow.gold import ADJUDICATED, UNRESOLVED, GoldError, GoldRecord, GoldStandard

A, B = "ana@example.org", "reason"  # the second coder id is also a queue column name


def _gold() -> GoldStandard:
    return GoldStandard(
        (
            GoldRecord("u1", "hate_speech", None, UNRESOLVED, codebook="hate-speech@1.0.1"),
            GoldRecord("u2", "hate_speech", "no", "unanimous", codebook="hate-speech@1.0.1"),
        )
    )


def test_a_written_queue_reads_back_with_each_coders_value(tmp_path: Path) -> None:
    dispute = Dispute("u1", "form", 0.5, {A: ["threat"], B: None}, "Текст ң ө ү")
    adjudication = Adjudication(_gold(), (dispute,), (A, B), 0)
    path = tmp_path / "queue.csv"
    path.write_text(render_queue(path, adjudication), encoding="utf-8")
    [(back, where)] = read_queue(path)
    assert back == dispute
    assert str(where) == f"{path}:2"


def test_review_tasks_show_labels_in_the_language_and_every_coder_by_name() -> None:
    cb = intercoder.load_codebook("hate-speech")
    rows = [(Dispute("u1", "hate_speech", 1.0, {A: "yes", B: None}, "t"), Location("q.csv:2"))]
    [task] = review_tasks(rows, cb, "ky")
    yes = cb.variable("hate_speech").category("yes").label.pick("ky", cb.languages)
    assert task.unit_id == "u1|hate_speech"
    assert task.meta["answers"] == {A: yes, B: "—"}
    assert {o["alias"] for o in task.meta["options"]} == {"yes", "no"}
    assert task.meta["options_multi"] == []
    assert f"<!-- intercoder review: {cb.ref} -->" in review_config(cb)


def test_a_queue_row_for_a_variable_that_cannot_be_adjudicated_is_located() -> None:
    cb = intercoder.load_codebook("hate-speech")
    rows = [(Dispute("u1", "notes", 1.0, {A: "x"}), Location("q.csv:7"))]
    with pytest.raises(GoldError, match=r"q\.csv:7: variable: 'notes' is not a variable"):
        review_tasks(rows, cb, "en")


def test_decisions_settle_their_pairs_and_keep_the_rest() -> None:
    decided = merge_decisions(
        _gold(), [Decision("u1", "hate_speech", "yes", "coder-error", "judge@example.org")]
    )
    first = decided.get("u1", "hate_speech")
    assert first is not None
    assert (first.value, first.provenance, first.reason, first.adjudicator) == (
        "yes",
        ADJUDICATED,
        "coder-error",
        "judge@example.org",
    )
    assert first.codebook == "hate-speech@1.0.1"
    assert decided.get("u2", "hate_speech") == _gold().get("u2", "hate_speech")


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (Decision("u9", "hate_speech", "no"), "unit 'u9' is not in the round"),
        (Decision("u2", "severity", "1"), "the gold has no row for severity of unit 'u2'"),
    ],
)
def test_a_decision_outside_the_gold_is_an_error_at_its_location(
    decision: Decision, message: str
) -> None:
    placed = attrs.evolve(decision, location=Location("review task 4 annotation 9"))
    with pytest.raises(GoldError, match=f"review task 4 annotation 9: {message}"):
        merge_decisions(_gold(), [placed])
