"""`intercoder certify`: each coder against the gold standard. Alpha is cross-checked against the
`krippendorff` package (an independent implementation) on the coder's and the gold's values as
two coders; accuracy and confusion are counted here again from the same files."""

from __future__ import annotations

import csv
import json
import random
from collections import Counter
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from intercoder.annotations import check_annotations, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.workflow.certify import certify
from intercoder.workflow.gold import GoldRecord, GoldStandard, read_gold, write_gold

from support import RunCli

CODERS = {"careful": 0.95, "fair": 0.8, "guessing": 0.0}


def _make_round(tmp_path: Path, seed: int = 11, units: int = 80) -> tuple[Path, Path]:
    """A gold standard on the minimal codebook and three coders who follow it to a degree."""
    rng = random.Random(seed)
    gold_records = []
    rows = []
    for u in range(units):
        unit = f"u{u}"
        relevant = rng.choice(["yes", "no"])
        gold_records.append(GoldRecord(unit, "relevant", relevant, "adjudicated"))
        severity = rng.choice(["0", "1"]) if relevant == "yes" else None
        if severity is not None:
            gold_records.append(GoldRecord(unit, "severity", severity, "majority"))
        for coder, skill in CODERS.items():
            mine = relevant if rng.random() < skill else rng.choice(["yes", "no"])
            rows.append((unit, coder, "relevant", mine))
            if mine == "yes":
                if severity is not None and rng.random() < skill:
                    value = severity
                else:
                    value = rng.choice(["0", "1"])
                rows.append((unit, coder, "severity", value))
    gold = tmp_path / "gold.csv"
    write_gold(gold, GoldStandard(tuple(gold_records)))
    coded = tmp_path / "round.csv"
    with coded.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder_id", "variable", "value"])
        writer.writerows(rows)
    return gold, coded


def _reference(
    gold: Path, coded: Path, coder: str, variable: str, level: str
) -> tuple[float, float, int]:
    truth = {(r.unit_id, r.variable): r.value for r in read_gold(gold) if r.resolved}
    mine = {
        (a.unit_id, a.variable): a.value
        for a in read_annotations(coded)
        if a.coder_id == coder and a.variable == variable
    }
    units = sorted({u for u, v in truth if v == variable} | {u for u, _ in mine})
    to_number = {"yes": 1.0, "no": 0.0, "0": 0.0, "1": 1.0}
    matrix = np.array(
        [
            [to_number[truth[(u, variable)]] if (u, variable) in truth else np.nan for u in units],
            [to_number[mine[(u, variable)]] if (u, variable) in mine else np.nan for u in units],
        ]
    )
    alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    paired = [u for u in units if (u, variable) in truth and (u, variable) in mine]
    accuracy = sum(truth[(u, variable)] == mine[(u, variable)] for u in paired) / len(paired)
    return alpha, accuracy, len(paired)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_alpha_and_accuracy_match_the_reference(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path, seed: int
) -> None:
    gold, coded = _make_round(tmp_path, seed)
    result = run_cli(
        "certify", str(gold), str(coded), "--codebook", str(minimal_path), "--format", "json"
    )
    body = json.loads(result.stdout)
    assert set(body) == {"codebook", "coders"}
    assert body["codebook"] == "minimal@1.0.0"
    by_coder = {c["coder"]: c for c in body["coders"]}
    assert set(by_coder) == set(CODERS)
    for coder, entry in by_coder.items():
        assert set(entry) == {"coder", "status", "variables"}
        for var in entry["variables"]:
            assert set(var) == {"variable", "alpha", "accuracy", "n_units", "status"}
            level = "nominal" if var["variable"] == "relevant" else "ordinal"
            alpha, accuracy, n = _reference(gold, coded, coder, var["variable"], level)
            assert var["alpha"] == pytest.approx(alpha, abs=1e-6), (coder, var)
            assert var["accuracy"] == pytest.approx(accuracy, abs=1e-6)
            assert var["n_units"] == n
    # The guessing coder fails (alpha far below .667), and so the command exits 1.
    assert by_coder["guessing"]["status"] == "fail"
    assert by_coder["careful"]["status"] == "pass"
    assert result.returncode == 1


def test_exit_0_when_every_coder_passes(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path
) -> None:
    gold, coded = _make_round(tmp_path)
    careful = tmp_path / "careful.csv"
    lines = coded.read_text(encoding="utf-8").splitlines()
    careful.write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if ",careful," in line)]) + "\n",
        encoding="utf-8",
    )
    result = run_cli("certify", str(gold), str(careful), "--codebook", str(minimal_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "careful: pass" in result.stdout


def test_confusion_counts_gold_against_coder(minimal_path: Path, tmp_path: Path) -> None:
    gold, coded = _make_round(tmp_path)
    cb = load_codebook(str(minimal_path))
    annotations = check_annotations(read_annotations(coded), cb).annotations
    result = certify(read_gold(gold, cb), annotations, cb)
    truth = {r.unit_id: r.value for r in read_gold(gold) if r.variable == "relevant"}
    for coder in result.coders:
        mine = {
            a.unit_id: a.value
            for a in read_annotations(coded)
            if a.coder_id == coder.coder and a.variable == "relevant"
        }
        expected = Counter((truth[u], mine[u]) for u in mine if u in truth)
        relevant = next(v for v in coder.variables if v.variable == "relevant")
        assert relevant.confusion == dict(expected)


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_formats_show_each_coder_and_confusion(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path, fmt: str
) -> None:
    gold, coded = _make_round(tmp_path)
    result = run_cli(
        "certify", str(gold), str(coded), "--codebook", str(minimal_path), "--format", fmt
    )
    assert result.returncode == 1
    for coder in CODERS:
        assert coder in result.stdout
    assert "yes→no" in result.stdout or "no→yes" in result.stdout
    if fmt == "markdown":
        assert "| coder | variable | alpha | accuracy |" in result.stdout


def test_gold_made_under_another_codebook_is_refused(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path
) -> None:
    gold, coded = _make_round(tmp_path)
    text = gold.read_text(encoding="utf-8").replace(
        ",adjudicated,,,", ",adjudicated,,,other@1.0.0", 1
    )
    gold.write_text(text, encoding="utf-8")
    result = run_cli("certify", str(gold), str(coded), "--codebook", str(minimal_path))
    assert result.returncode == 1
    assert f"{gold}:2: coded under other@1.0.0, not under minimal" in result.stderr


def test_training_set_certifies_a_perfect_coder(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "training"
    made = run_cli("codebook", "export", "hate-speech", "--format", "training", "-o", str(out))
    assert made.returncode == 0, made.stderr
    tasks = list(csv.DictReader((out / "tasks.csv").open(encoding="utf-8", newline="")))
    cb = load_codebook("hate-speech")
    examples = sum(
        len(cat.examples.get(lang, ()))
        for var in cb.variables
        if var.type in ("single_choice", "ordinal_scale", "multiple_choice")
        for cat, _ in var.walk()
        if not cat.retired
        for lang in cb.languages
    )
    assert len(tasks) == examples
    assert {t["lang"] for t in tasks} == set(cb.languages)
    assert {t["source"] for t in tasks} == {"codebook-example"}
    # A coder who answers every example as the codebook says passes; one who swaps
    # hate_speech's answers fails.
    gold_rows = list(csv.DictReader((out / "gold.csv").open(encoding="utf-8", newline="")))
    perfect = tmp_path / "perfect.csv"
    swapped = tmp_path / "swapped.csv"
    for path, coder, swap in ((perfect, "new-coder", False), (swapped, "swapper", True)):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["unit_id", "coder_id", "variable", "value"])
            for row in gold_rows:
                value = row["value"]
                if swap and row["variable"] == "hate_speech":
                    value = {"yes": "no", "no": "yes"}.get(value, value)
                writer.writerow([row["unit_id"], coder, row["variable"], value])
    good = run_cli(
        "certify", str(out / "gold.csv"), str(perfect), "--codebook", "hate-speech",
        "--format", "json",
    )  # fmt: skip
    assert good.returncode == 0, good.stdout + good.stderr
    coder = json.loads(good.stdout)["coders"][0]
    assert {v["accuracy"] for v in coder["variables"]} == {1.0}
    bad = run_cli("certify", str(out / "gold.csv"), str(swapped), "--codebook", "hate-speech")
    assert bad.returncode == 1
