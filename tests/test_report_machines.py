"""The report keeps machine coders out of the humans' reliability and judges them on their own.

Reference values come from the ``krippendorff`` package (an independent implementation, GPL,
tests only): the headline alpha is the humans' alpha, and the machine's alpha is its mean alpha
with each human, as ``intercoder validate-coder`` defines it.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from intercoder.annotations import Annotation, AnnotationSet, check_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.report import build_report
from intercoder.workflow.validate_coder import machine_coder_ids

HUMANS = ("anna@example.org", "bek@example.org", "gulnara@example.org")
MACHINE = "lexicon@0.1.0"  # the built-in coder's id form
UNITS = [f"u{i}" for i in range(60)]


@pytest.fixture
def round_with_a_machine(minimal_path: Path) -> tuple[AnnotationSet, dict[str, list[str]]]:
    """60 units of ``relevant``: three humans who mostly agree, a machine that agrees less."""
    rng = random.Random(7)
    truth = {unit: rng.choice(["yes", "no"]) for unit in UNITS}
    flip = {"yes": "no", "no": "yes"}
    values: dict[str, list[str]] = {}
    for coder, error in ((*HUMANS[:1], 0.05), (HUMANS[1], 0.1), (HUMANS[2], 0.1), (MACHINE, 0.3)):
        values[coder] = [flip[truth[u]] if rng.random() < error else truth[u] for u in UNITS]
    records = [
        Annotation(unit, coder, "relevant", value)
        for coder, column in values.items()
        for unit, value in zip(UNITS, column, strict=True)
    ]
    cb = load_codebook(minimal_path)
    checked = check_annotations(AnnotationSet.from_records(records), cb)
    assert not checked.problems
    return checked.annotations, values


def _alpha(*columns: list[str]) -> float:
    codes = {"yes": 1.0, "no": 0.0}
    data = np.array([[codes[v] for v in column] for column in columns])
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def _cell(page: str, row_start: str, key: str) -> float:
    row = page[page.index(row_start) :]
    row = row[: row.index("</tr>")]
    match = re.search(rf'data-key="{key}" data-value="([^"]*)"', row)
    assert match is not None, key
    return float(match.group(1))


def test_machine_codings_are_judged_apart_from_the_humans(
    round_with_a_machine: tuple[AnnotationSet, dict[str, list[str]]], minimal_path: Path
) -> None:
    annotations, values = round_with_a_machine
    page = build_report(annotations, load_codebook(minimal_path), bootstrap=0)
    humans_alpha = _alpha(*(values[h] for h in HUMANS))
    everyone_alpha = _alpha(*values.values())
    assert abs(humans_alpha - everyone_alpha) > 0.02  # the test data can tell them apart

    overview = page[page.index('id="overview-table"') :]
    assert _cell(overview, '<tr data-variable="relevant">', "alpha") == pytest.approx(
        humans_alpha, abs=1e-6
    )
    machines = page[page.index('id="machines"') :]
    assert f'data-machine-coder="{MACHINE}"' in machines
    row = '<tr data-variable="relevant">'
    assert _cell(machines, row, "alpha_humans") == pytest.approx(humans_alpha, abs=1e-6)
    with_each = np.mean([_alpha(values[MACHINE], values[h]) for h in HUMANS])
    assert _cell(machines, row, "alpha_machine") == pytest.approx(with_each, abs=1e-6)
    assert "severity" not in machines[: machines.index("</section>")]  # the machine codes none


def test_without_a_machine_coder_there_is_no_machine_section(
    round_with_a_machine: tuple[AnnotationSet, dict[str, list[str]]], minimal_path: Path
) -> None:
    annotations, _ = round_with_a_machine
    humans = annotations.take(np.asarray(annotations.coder_id != MACHINE, dtype=bool))
    page = build_report(humans, load_codebook(minimal_path), bootstrap=0)
    assert 'id="machines"' not in page


def test_only_registered_coders_count_as_machines(monkeypatch: pytest.MonkeyPatch) -> None:
    from intercoder import plugins

    ids = ["lexicon@0.1.0", "llm:qwen2.5-7b@0.1.0", "anna@1.0.0", "anna@example.org", "lexicon"]
    assert machine_coder_ids(ids, names=["lexicon", "llm"]) == ids[:2]
    monkeypatch.setenv("INTERCODER_LOAD_PLUGINS", "")  # the built-in coders only
    plugins.reset()
    try:
        assert machine_coder_ids(ids) == ["lexicon@0.1.0"]
    finally:
        plugins.reset()
