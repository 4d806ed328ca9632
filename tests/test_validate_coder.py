"""`intercoder validate-coder`: a machine coder against humans, per variable and language."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest

from intercoder import load_codebook
from intercoder.annotations import Annotation, AnnotationSet, check_annotations
from intercoder.workflow.validate_coder import (
    MAY_ASSIST,
    MAY_REPLACE,
    NOT_RELIABLE,
    ValidationError,
    validate_coder,
    verdict,
)

from support import RunCli

MINIMAL = Path(__file__).parent / "data" / "minimal.yaml"
N_UNITS = 40


def _codings(seed: int, flip: float) -> dict[str, list[str]]:
    """Three humans who mostly agree; a machine that copies the truth with ``flip`` errors."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(["yes", "no"], size=N_UNITS)
    other = {"yes": "no", "no": "yes"}

    def noisy(p: float) -> list[str]:
        return [other[t] if rng.random() < p else t for t in truth]

    return {"ann": noisy(0.05), "bo": noisy(0.05), "cy": noisy(0.05), "llm:m@0.1.0": noisy(flip)}


def _files(tmp_path: Path, codings: dict[str, list[str]]) -> tuple[list[Path], Path, Path]:
    fields = ["unit_id", "coder_id", "variable", "value"]
    humans, machine = [], tmp_path / "machine.csv"
    for coder, values in codings.items():
        path = machine if coder.startswith("llm") else tmp_path / f"{coder}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(fields)
            for i, value in enumerate(values):
                writer.writerow([f"u{i}", coder, "relevant", value])
        if path != machine:
            humans.append(path)
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(
        "".join(
            json.dumps({"unit_id": f"u{i}", "text": "t", "lang": "ru" if i % 2 else "ky"}) + "\n"
            for i in range(N_UNITS)
        ),
        encoding="utf-8",
    )
    return humans, machine, tasks


def _set(
    codings: Mapping[str, Sequence[Any]],
    machine: bool,
    variable: str = "relevant",
    codebook: str | Path = MINIMAL,
) -> AnnotationSet:
    """The humans' codings (or the machine's) of ``variable``, checked against ``codebook``."""
    cb = load_codebook(codebook)
    records = [
        Annotation(f"u{i}", coder, variable, value)
        for coder, values in codings.items()
        if coder.startswith("llm") == machine
        for i, value in enumerate(values)
    ]
    return check_annotations(AnnotationSet.from_records(records), cb).annotations


def _reference_alpha(rows: list[list[str]]) -> float:
    """Alpha by the independent `krippendorff` package (nominal)."""
    coded = [[1.0 if v == "yes" else 0.0 for v in row] for row in rows]
    return float(krippendorff.alpha(reliability_data=coded, level_of_measurement="nominal"))


def test_alphas_match_an_independent_implementation() -> None:
    codings = _codings(1, 0.1)
    result = validate_coder(
        _set(codings, False), _set(codings, True), load_codebook(MINIMAL), resamples=0
    )
    (row,) = [c for c in result.comparisons if c.variable == "relevant"]
    humans = [codings[c] for c in ("ann", "bo", "cy")]
    assert row.alpha_humans == pytest.approx(_reference_alpha(humans))
    pairwise = [_reference_alpha([codings["llm:m@0.1.0"], h]) for h in humans]
    assert row.alpha_machine == pytest.approx(sum(pairwise) / 3)
    assert row.difference == pytest.approx(row.alpha_machine - row.alpha_humans)
    # Three humans on two codes always have a majority.
    majority = [max(set(column), key=column.count) for column in zip(*humans, strict=True)]
    assert row.with_majority == pytest.approx(_reference_alpha([codings["llm:m@0.1.0"], majority]))
    assert row.language == "all"
    assert row.n_units == N_UNITS


def test_a_multiple_choice_is_compared_by_masi_as_alpha_gives_it() -> None:
    """Sets of codes (``topic`` of hate-speech): the comparison measures them through a table
    of MASI distances made once; it must give the library's own MASI alpha of the sets."""
    from intercoder import agreement

    cb = load_codebook("hate-speech")
    codes = ["elections", "migration", "religion", "crime"]
    rng = np.random.default_rng(5)
    truth = [sorted(rng.choice(codes, size=rng.integers(1, 3), replace=False)) for _ in range(30)]

    def noisy(p: float) -> list[list[str]]:
        return [[rng.choice(codes)] if rng.random() < p else t for t in truth]

    coders = {"ann": noisy(0.1), "bo": noisy(0.2), "cy": noisy(0.1), "llm:m@0.1.0": noisy(0.3)}
    humans_set = _set(coders, False, "topic", "hate-speech")
    machine_set = _set(coders, True, "topic", "hate-speech")
    result = validate_coder(humans_set, machine_set, cb, resamples=0)
    (row,) = [c for c in result.comparisons if c.variable == "topic"]
    sets = {coder: [frozenset(v) for v in values] for coder, values in coders.items()}
    humans = [sets[c] for c in ("ann", "bo", "cy")]
    assert row.alpha_humans == pytest.approx(agreement.alpha(humans, "masi"), abs=1e-12)
    each = [agreement.alpha([sets["llm:m@0.1.0"], h], "masi") for h in humans]
    assert row.alpha_machine == pytest.approx(sum(each) / 3, abs=1e-12)


def test_a_machine_as_good_as_the_humans_may_replace_and_a_poor_one_not() -> None:
    cb = load_codebook(MINIMAL)
    good = _codings(2, 0.05)
    poor = _codings(2, 0.45)
    best = validate_coder(_set(good, False), _set(good, True), cb, resamples=300).comparisons[0]
    worst = validate_coder(_set(poor, False), _set(poor, True), cb, resamples=300).comparisons[0]
    assert best.verdict == MAY_REPLACE, best
    assert best.ci[0] < best.difference < best.ci[1]
    assert worst.verdict == NOT_RELIABLE, worst
    assert worst.ci[1] < 0


def test_the_verdict_rule() -> None:
    assert verdict(0.85, (-0.05, 0.02), 0.667) == MAY_REPLACE
    assert verdict(0.72, (-0.2, -0.08), 0.667) == MAY_ASSIST
    assert verdict(0.6, (-0.1, 0.1), 0.667) == NOT_RELIABLE
    assert verdict(math.nan, (math.nan, math.nan), 0.667) == NOT_RELIABLE


def test_one_human_is_not_enough() -> None:
    codings = _codings(3, 0.1)
    del codings["bo"], codings["cy"]
    with pytest.raises(ValidationError, match="at least two human coders, found 1"):
        validate_coder(_set(codings, False), _set(codings, True), load_codebook(MINIMAL))


def test_cli_json_shape_per_language(run_cli: RunCli, tmp_path: Path) -> None:
    humans, machine, tasks = _files(tmp_path, _codings(4, 0.1))
    proc = run_cli(
        "validate-coder", *map(str, humans), "--machine", str(machine), "--codebook",
        str(MINIMAL), "--tasks", str(tasks), "--format", "json", "--bootstrap", "200",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert list(data) == ["variables"]
    rows = data["variables"]
    assert [r["language"] for r in rows] == ["ky", "ru", "all"]
    for row in rows:
        assert list(row) == [
            "variable", "language", "alpha_humans", "alpha_machine", "difference", "ci", "verdict",
        ]  # fmt: skip
        assert row["verdict"] in (MAY_REPLACE, MAY_ASSIST, NOT_RELIABLE)
        assert len(row["ci"]) == 2


def test_cli_table_and_markdown_name_the_machine(run_cli: RunCli, tmp_path: Path) -> None:
    humans, machine, _ = _files(tmp_path, _codings(5, 0.1))
    base = ["validate-coder", *map(str, humans), "--machine", str(machine)]
    base += ["--codebook", str(MINIMAL), "--bootstrap", "50"]
    table = run_cli(*base)
    assert table.returncode == 0, table.stderr
    assert "machine coder llm:m@0.1.0 against ann, bo, cy" in table.stdout
    assert "with majority" in table.stdout
    markdown = run_cli(*base, "--format", "markdown")
    assert "| variable | language |" in markdown.stdout


def test_cli_two_machines_in_the_machine_file_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    humans, machine, _ = _files(tmp_path, _codings(6, 0.1))
    with machine.open("a", encoding="utf-8") as handle:
        handle.write("u0,nearest@0.1.0,relevant,yes\n")
    proc = run_cli(
        "validate-coder", *map(str, humans), "--machine", str(machine), "--codebook", str(MINIMAL)
    )
    assert proc.returncode == 1
    assert "the machine file must hold one coder, found 2" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_an_ordinal_variable_is_compared_at_its_level() -> None:
    """``severity`` (ordinal, shown after ``relevant`` = yes) against krippendorff's ordinal."""
    cb = load_codebook(MINIMAL)
    rng = np.random.default_rng(7)
    truth = rng.choice(["0", "1"], size=N_UNITS)
    coders = {"ann": 0.05, "bo": 0.1, "llm:m@0.1.0": 0.2}
    values = {
        c: [("1" if t == "0" else "0") if rng.random() < p else t for t in truth]
        for c, p in coders.items()
    }
    records = [
        Annotation(f"u{i}", c, variable, value)
        for c, row in values.items()
        for i, code in enumerate(row)
        for variable, value in (("relevant", "yes"), ("severity", code))
    ]
    checked = check_annotations(AnnotationSet.from_records(records), cb).annotations
    machine = checked.take(checked.coder_id == "llm:m@0.1.0")
    humans = checked.take(checked.coder_id != "llm:m@0.1.0")
    result = validate_coder(humans, machine, cb, resamples=0)
    (row,) = [c for c in result.comparisons if c.variable == "severity"]

    def ordinal(rows: list[list[str]]) -> float:
        data = [[float(v) for v in r] for r in rows]
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal"))

    assert row.alpha_humans == pytest.approx(ordinal([values["ann"], values["bo"]]))
    expected = (
        ordinal([values["llm:m@0.1.0"], values["ann"]])
        + ordinal([values["llm:m@0.1.0"], values["bo"]])
    ) / 2
    assert row.alpha_machine == pytest.approx(expected)


def test_a_gold_file_replaces_the_majority(run_cli: RunCli, tmp_path: Path) -> None:
    codings = _codings(8, 0.1)
    humans, machine, _ = _files(tmp_path, codings)
    gold = tmp_path / "gold.csv"
    truth = codings["ann"]  # any fixed reference will do; its alpha is checked independently
    gold.write_text(
        "unit_id,coder_id,variable,value\n"
        + "".join(f"u{i},gold,relevant,{v}\n" for i, v in enumerate(truth)),
        encoding="utf-8",
    )
    base = ["validate-coder", *map(str, humans), "--machine", str(machine)]
    proc = run_cli(*base, "--codebook", str(MINIMAL), "--gold", str(gold), "--bootstrap", "0")
    assert proc.returncode == 0, proc.stderr
    assert "with gold" in proc.stdout
    expected = _reference_alpha([codings["llm:m@0.1.0"], truth])
    assert f"{expected:.3f}" in proc.stdout.splitlines()[-1]
