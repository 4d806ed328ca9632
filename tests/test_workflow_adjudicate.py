"""Gold standard files and `intercoder adjudicate`: rules, the dispute queue, show_if order,
merging decisions, and located errors that leave the earlier gold file whole."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from intercoder.annotations import Annotation, AnnotationSet
from intercoder.codebook.registry import load_codebook
from intercoder.workflow.adjudicate import adjudicate, unit_disagreement
from intercoder.workflow.gold import (
    ADJUDICATED,
    GoldError,
    GoldRecord,
    GoldStandard,
    read_gold,
    write_gold,
)

from support import RunCli

HEADER = "unit_id,coder_id,variable,value,text\n"


def _round(path: Path, rows: list[tuple[str, str, str, str]], texts: dict[str, str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder_id", "variable", "value", "text"])
        for unit, coder, variable, value in rows:
            writer.writerow([unit, coder, variable, value, texts.get(unit, "")])
    return path


# Three coders on five units of the minimal codebook:
#   u1 all "yes", severity all "1"         -> unanimous both
#   u2 yes, yes, no                        -> relevant 2:1 (majority rule settles it)
#   u3 yes, no, (c missing)                -> a tie: never settled by the tool
#   u4 all "no"                            -> severity not shown
#   u5 yes, yes, yes; severity 0, 1, 1     -> severity 2:1
ROUND = [
    ("u1", "a", "relevant", "yes"), ("u1", "b", "relevant", "yes"), ("u1", "c", "relevant", "yes"),
    ("u1", "a", "severity", "1"), ("u1", "b", "severity", "1"), ("u1", "c", "severity", "1"),
    ("u2", "a", "relevant", "yes"), ("u2", "b", "relevant", "yes"), ("u2", "c", "relevant", "no"),
    ("u2", "a", "severity", "0"), ("u2", "b", "severity", "1"),
    ("u3", "a", "relevant", "yes"), ("u3", "b", "relevant", "no"),
    ("u3", "a", "severity", "1"),
    ("u4", "a", "relevant", "no"), ("u4", "b", "relevant", "no"), ("u4", "c", "relevant", "no"),
    ("u5", "a", "relevant", "yes"), ("u5", "b", "relevant", "yes"), ("u5", "c", "relevant", "yes"),
    ("u5", "a", "severity", "0"), ("u5", "b", "severity", "1"), ("u5", "c", "severity", "1"),
]  # fmt: skip
TEXTS = {"u3": "Дунган ңөү, oʻzbek gʻalaba", "u2": "Бутага алынган топ"}


@pytest.fixture
def round_file(tmp_path: Path) -> Path:
    return _round(tmp_path / "round.csv", ROUND, TEXTS)


def _gold(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {(r["unit_id"], r["variable"]): r for r in csv.DictReader(handle)}


def _queue(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _adjudicate(run_cli: RunCli, round_file: Path, minimal: Path, *args: str) -> tuple[int, str]:
    result = run_cli("adjudicate", str(round_file), "--codebook", str(minimal), *args)
    assert "Traceback" not in result.stderr
    return result.returncode, result.stdout + result.stderr


def test_unanimous_rule_settles_only_agreement(
    run_cli: RunCli, round_file: Path, minimal_path: Path, tmp_path: Path
) -> None:
    gold, queue = tmp_path / "gold.csv", tmp_path / "queue.csv"
    code, out = _adjudicate(
        run_cli, round_file, minimal_path, "-o", str(gold), "--queue", str(queue)
    )
    assert code == 0, out
    rows = _gold(gold)
    assert rows[("u1", "relevant")]["provenance"] == "unanimous"
    assert rows[("u1", "severity")]["value"] == "1"
    assert rows[("u4", "relevant")]["value"] == "no"
    assert rows[("u2", "relevant")]["provenance"] == "unresolved"
    assert rows[("u2", "relevant")]["value"] == ""
    # u4's gold says no: severity does not apply; u2's and u3's screening is open: they wait.
    assert ("u4", "severity") not in rows
    assert ("u2", "severity") not in rows
    assert ("u3", "severity") not in rows
    assert {r["codebook"] for r in rows.values()} == {"minimal@1.0.0"}
    assert "2 waiting for their screening question" in out


def test_majority_rule_never_breaks_a_tie(
    run_cli: RunCli, round_file: Path, minimal_path: Path, tmp_path: Path
) -> None:
    gold, queue = tmp_path / "gold.csv", tmp_path / "queue.csv"
    code, out = _adjudicate(
        run_cli, round_file, minimal_path, "-o", str(gold), "--queue", str(queue),
        "--rule", "majority",
    )  # fmt: skip
    assert code == 0, out
    rows = _gold(gold)
    assert (rows[("u2", "relevant")]["provenance"], rows[("u2", "relevant")]["value"]) == (
        "majority",
        "yes",
    )
    assert rows[("u5", "severity")]["provenance"] == "majority"
    assert rows[("u3", "relevant")]["provenance"] == "unresolved"  # 1:1
    # u2's severity is shown now (majority yes), and its 0:1 tie is queued.
    assert rows[("u2", "severity")]["provenance"] == "unresolved"
    keys = [(r["unit_id"], r["variable"]) for r in _queue(queue)]
    assert set(keys) == {("u3", "relevant"), ("u2", "severity")}


def test_queue_is_ordered_by_disagreement_with_each_coder_in_a_column(
    run_cli: RunCli, round_file: Path, minimal_path: Path, tmp_path: Path
) -> None:
    gold, queue = tmp_path / "gold.csv", tmp_path / "queue.csv"
    _adjudicate(run_cli, round_file, minimal_path, "-o", str(gold), "--queue", str(queue))
    rows = _queue(queue)
    assert list(rows[0]) == [
        "unit_id", "variable", "disagreement", "text", "a", "b", "c",
        "decision", "reason", "adjudicator",
    ]  # fmt: skip
    # u3: one pair, it differs (1.0); u5 severity: 2 of 6 ordered pairs agree... (0.667);
    # u2 relevant: 0.667 too, so the codebook's variable order decides.
    assert [(r["unit_id"], r["variable"], r["disagreement"]) for r in rows] == [
        ("u3", "relevant", "1.000"),
        ("u2", "relevant", "0.667"),
        ("u5", "severity", "0.667"),
    ]
    u3 = rows[0]
    assert (u3["a"], u3["b"], u3["c"]) == ("yes", "no", "")
    assert u3["text"] == TEXTS["u3"]
    assert (u3["decision"], u3["reason"]) == ("", "")


def test_unit_disagreement_is_the_share_of_differing_pairs() -> None:
    assert unit_disagreement(["x", "x", "x"]) == 0
    assert unit_disagreement(["x", "y"]) == 1
    assert unit_disagreement(["x", "x", "y"]) == pytest.approx(2 / 3)
    assert unit_disagreement(["x", "x", "y", "y"]) == pytest.approx(4 / 6)
    assert unit_disagreement(["x"]) == 0


def _decide(queue: Path, decisions: dict[tuple[str, str], tuple[str, str]]) -> Path:
    rows = _queue(queue)
    for row in rows:
        value, reason = decisions.get((row["unit_id"], row["variable"]), ("", ""))
        row["decision"], row["reason"], row["adjudicator"] = value, reason, "lead" if value else ""
    with queue.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return queue


def test_merging_decisions_adjudicates_and_queues_newly_shown_variables(
    run_cli: RunCli, round_file: Path, minimal_path: Path, tmp_path: Path
) -> None:
    gold, queue = tmp_path / "gold.csv", tmp_path / "queue.csv"
    _adjudicate(run_cli, round_file, minimal_path, "-o", str(gold), "--queue", str(queue))
    _decide(
        queue,
        {
            ("u3", "relevant"): ("yes", "ambiguous-text"),
            ("u2", "relevant"): ("no", "coder-error"),
        },
    )
    queue2 = tmp_path / "queue2.csv"
    code, out = _adjudicate(
        run_cli, round_file, minimal_path, "-o", str(gold), "--decisions", str(queue),
        "--queue", str(queue2),
    )  # fmt: skip
    assert code == 0, out
    rows = _gold(gold)
    u3 = rows[("u3", "relevant")]
    assert (u3["value"], u3["provenance"], u3["reason"], u3["adjudicator"]) == (
        "yes",
        "adjudicated",
        "ambiguous-text",
        "lead",
    )
    assert ("u2", "severity") not in rows  # the gold says u2 is not relevant
    # u3 is relevant now: its severity (one coder's value) goes to the queue.
    assert rows[("u3", "severity")]["provenance"] == "unresolved"
    keys = {(r["unit_id"], r["variable"]) for r in _queue(queue2)}
    assert keys == {("u3", "severity"), ("u5", "severity")}
    # A run without --decisions keeps what the earlier gold file had adjudicated.
    code, out = _adjudicate(run_cli, round_file, minimal_path, "-o", str(gold))
    assert code == 0, out
    assert _gold(gold)[("u3", "relevant")]["provenance"] == "adjudicated"


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (("u3", "relevant", "maybe", ""), "decision: relevant: 'maybe' is not a code of relevant"),
        (("u9", "relevant", "yes", ""), "unit 'u9' is not in the round"),
        (("u3", "relevant", "yes", "tired"), "reason: 'tired' is not one of"),
        (("u3", "mood", "yes", ""), "variable: 'mood' is not a variable of minimal@1.0.0"),
    ],
)
def test_a_bad_decision_is_located_and_leaves_the_gold_whole(
    run_cli: RunCli,
    round_file: Path,
    minimal_path: Path,
    tmp_path: Path,
    decision: tuple[str, str, str, str],
    message: str,
) -> None:
    gold, queue = tmp_path / "gold.csv", tmp_path / "queue.csv"
    _adjudicate(run_cli, round_file, minimal_path, "-o", str(gold), "--queue", str(queue))
    before = gold.read_bytes()
    filled = tmp_path / "filled.csv"
    unit, variable, value, reason = decision
    filled.write_text(
        f"unit_id,variable,decision,reason\nu2,relevant,yes,\n{unit},{variable},{value},{reason}\n",
        encoding="utf-8",
    )
    code, out = _adjudicate(
        run_cli, round_file, minimal_path, "-o", str(gold), "--decisions", str(filled)
    )
    assert code == 1
    assert f"{filled}:3: " in out
    assert message in out
    assert gold.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_pair_decided_twice_is_an_error(
    run_cli: RunCli, round_file: Path, minimal_path: Path, tmp_path: Path
) -> None:
    filled = tmp_path / "filled.csv"
    filled.write_text(
        "unit_id,variable,decision\nu2,relevant,yes\nu2,relevant,no\n", encoding="utf-8"
    )
    code, out = _adjudicate(
        run_cli, round_file, minimal_path, "-o", str(tmp_path / "g.csv"), "--decisions",
        str(filled),
    )  # fmt: skip
    assert code == 1
    assert f"{filled}:3: unit 'u2' is decided twice for relevant (first at {filled}:2)" in out
    assert not (tmp_path / "g.csv").exists()


# --- gold files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_gold_files_round_trip(tmp_path: Path, minimal_path: Path, suffix: str) -> None:
    gold = GoldStandard(
        (
            GoldRecord("ұ-1 ңөү", "relevant", "yes", "unanimous", codebook="minimal@1.0.0"),
            GoldRecord("oʻzbek-2", "relevant", "no", ADJUDICATED, "guideline-gap", "Гүлнара"),
            GoldRecord("u3", "relevant", None, "unresolved"),
        )
    )
    path = tmp_path / f"gold{suffix}"
    write_gold(path, gold)
    back = read_gold(path, load_codebook(str(minimal_path)))
    assert back.records == gold.records
    assert back.get("oʻzbek-2", "relevant") == gold.records[1]


def test_gold_multiple_choice_values_are_json_lists(tmp_path: Path) -> None:
    gold = GoldStandard((GoldRecord("u1", "target_group", ("muslims", "uzbeks"), "majority"),))
    path = tmp_path / "gold.csv"
    write_gold(path, gold)
    assert '"[""muslims"", ""uzbeks""]"' in path.read_text(encoding="utf-8")
    back = read_gold(path, load_codebook("hate-speech"))
    assert back.records[0].value == ("muslims", "uzbeks")


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ("u1,gold,relevant,no,majority,,,", "unit 'u1' has two values for relevant (first at"),
        ("u2,gold,relevant,no,consensus,,,", "provenance: 'consensus' is not one of"),
        ("u2,gold,relevant,no,adjudicated,tired,,", "reason: 'tired' is not one of"),
        ("u2,gold,relevant,,majority,,,", "value: missing for a majority row"),
        ("u2,gold,relevant,no,unresolved,,,", "value: an unresolved row has no value"),
        ("u2,alice,relevant,no,majority,,,", "coder_id: a gold file's coder is 'gold'"),
        ("u2,gold,relevant,maybe,majority,,,", "relevant: 'maybe' is not a code of relevant"),
    ],
)
def test_bad_gold_rows_are_located(
    run_cli: RunCli,
    round_file: Path,
    minimal_path: Path,
    tmp_path: Path,
    second: str,
    message: str,
) -> None:
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "unit_id,coder_id,variable,value,provenance,reason,adjudicator,codebook\n"
        "u1,gold,relevant,yes,unanimous,,,\n" + second + "\n",
        encoding="utf-8",
    )
    result = run_cli("certify", str(gold), str(round_file), "--codebook", str(minimal_path))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{gold}:3: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_duplicate_in_memory_gold_is_refused() -> None:
    with pytest.raises(GoldError, match="two values"):
        GoldStandard((GoldRecord("u", "v", "x", "majority"), GoldRecord("u", "v", "y", "majority")))


def test_library_adjudication_of_multiple_choice_compares_sets() -> None:
    cb = load_codebook("hate-speech")
    records = [Annotation("u1", c, "hate_speech", "yes") for c in ("a", "b")] + [
        Annotation("u1", "a", "target_group", ("muslims", "uzbeks")),
        Annotation("u1", "b", "target_group", ("muslims", "uzbeks")),
    ]
    result = adjudicate(AnnotationSet.from_records(records), cb)
    settled = {(r.variable): (r.provenance, r.value) for r in result.gold}
    assert settled["target_group"] == ("unanimous", ("muslims", "uzbeks"))
    assert json.dumps(list(settled["target_group"][1])) == '["muslims", "uzbeks"]'


def test_a_show_if_variable_the_round_did_not_code_is_neither_settled_nor_queued(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path
) -> None:
    only_screening = [row for row in ROUND if row[2] == "relevant"]
    coded = _round(tmp_path / "screening.csv", only_screening, TEXTS)
    gold, queue = tmp_path / "gold.csv", tmp_path / "queue.csv"
    code, out = _adjudicate(run_cli, coded, minimal_path, "-o", str(gold), "--queue", str(queue))
    assert code == 0, out
    assert {variable for _, variable in _gold(gold)} == {"relevant"}
    assert {r["variable"] for r in _queue(queue)} == {"relevant"}


def test_a_jsonl_queue_with_a_multiple_choice_decision_merges(
    run_cli: RunCli, tmp_path: Path
) -> None:
    rows = []
    for unit, groups in (("u1", (["uzbeks"], ["uzbeks", "muslims"])), ("u2", (["jews"], ["jews"]))):
        for coder, value in zip(("a", "b"), groups, strict=True):
            rows.append(
                {"unit_id": unit, "coder_id": coder, "variable": "hate_speech", "value": "yes"}
            )
            rows.append(
                {"unit_id": unit, "coder_id": coder, "variable": "target_group", "value": value}
            )
    coded = tmp_path / "round.jsonl"
    coded.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    gold, queue = tmp_path / "gold.jsonl", tmp_path / "queue.jsonl"
    base = ("adjudicate", str(coded), "--codebook", "hate-speech", "-o", str(gold))
    assert run_cli(*base, "--queue", str(queue)).returncode == 0
    queued = [json.loads(line) for line in queue.read_text(encoding="utf-8").splitlines()]
    assert [(q["unit_id"], q["variable"], q["a"], q["b"]) for q in queued] == [
        ("u1", "target_group", ["uzbeks"], ["muslims", "uzbeks"])
    ]
    queued[0].update(decision=["uzbeks", "muslims"], reason="guideline-gap")
    queue.write_text(json.dumps(queued[0], ensure_ascii=False) + "\n", encoding="utf-8")
    merged = run_cli(*base, "--decisions", str(queue))
    assert merged.returncode == 0, merged.stderr
    settled = {
        (r["unit_id"], r["variable"]): r
        for r in map(json.loads, gold.read_text(encoding="utf-8").splitlines())
    }
    assert settled[("u1", "target_group")]["value"] == ["muslims", "uzbeks"]
    assert settled[("u1", "target_group")]["provenance"] == "adjudicated"
    assert settled[("u2", "target_group")]["provenance"] == "unanimous"
