"""The data of the ``dask`` and batch tests: a round coded on every-level.yaml, dealt into
partitions, and the comparison of a report computed from counts with the one made in memory."""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intercoder.reliability import ReliabilityReport, VariableReliability

HERE = Path(__file__).parent
CODEBOOK = HERE / "dask" / "every-level.yaml"
COLUMNS = ["unit_id", "coder_id", "variable", "value", "codebook", "start", "end"]
TOPICS = ["elections", "parliament", "economy", "other", "politics"]
TARGETS = ["kyrgyz", "uzbek", "dungan"]


def pilot(seed: int = 11, units: int = 120, coders: int = 4) -> list[dict[str, Any]]:
    """A deliberately imperfect round on every-level.yaml: every variable, missing codings,
    severity codings that ``show_if`` hides, spans."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for u in range(units):
        unit = f"ұ-{u}" if u % 7 == 0 else f"oʻ{u}"  # Kyrgyz and Uzbek letters in unit ids
        topic = rng.choice(TOPICS)
        severity = rng.randrange(4)
        sources = rng.randrange(8)
        share = round(rng.uniform(0, 100), 1)
        targets = {t for t in TARGETS if rng.random() < 0.5}
        for c in range(coders):
            coder = f"coder-{c}"

            def add(
                variable: str, value: Any, unit: str = unit, coder: str = coder, **more: Any
            ) -> None:
                rows.append(
                    {"unit_id": unit, "coder_id": coder, "variable": variable, "value": value}
                    | {"codebook": "every-level@1.0.0"}
                    | more
                )

            if rng.random() < 0.07:
                continue  # this coder skipped the unit
            mine = topic if rng.random() < 0.75 else rng.choice(TOPICS)
            add("topic", mine)
            # A form would hide severity for "other"/"politics"; some coders coded it anyway.
            if mine in ("elections", "parliament", "economy") or rng.random() < 0.3:
                add("severity", str(min(3, max(0, severity + rng.choice([0, 0, 0, 1, -1])))))
            if rng.random() < 0.9:
                add("sources", sources if rng.random() < 0.7 else rng.randrange(8))
            if rng.random() < 0.9:
                add("share", share if rng.random() < 0.6 else round(rng.uniform(0, 100), 1))
            mine_targets = {t for t in TARGETS if (t in targets) == (rng.random() < 0.85)}
            add("targets", json.dumps(sorted(mine_targets)))
            if u % 3 == 0:
                start = rng.randrange(0, 40)
                add("quotes", "quote", start=start, end=start + rng.randrange(5, 30))
    return rows


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    """The rows as Parquet, written by intercoder's own exporter (typed columns, lists for
    a multiple choice), as `intercoder export --to parquet` writes them."""
    from intercoder.annotations import check_annotations, read_annotations
    from intercoder.codebook.registry import load_codebook
    from intercoder.formats import exporter_for

    cb = load_codebook(CODEBOOK)
    staged = write_csv(path.with_suffix(".staged.csv"), rows)
    checked = check_annotations(read_annotations(staged), cb)
    staged.unlink()
    assert checked.problems == ()
    exporter_for(path).write(checked.annotations, path, cb)
    return path


def with_lone_codings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pilot with ``sources`` left to one coder a unit everywhere (no pairable value at
    all) and ``share`` in every unit but the first ten (most buckets or partitions then hold
    none): variables a part of the units cannot pair."""
    kept, coded_by = [], {}
    for row in rows:
        variable, unit = row["variable"], row["unit_id"]
        first = coded_by.setdefault((variable, unit), row["coder_id"])
        number = int(unit.split("-")[-1].removeprefix("oʻ"))
        alone = variable == "sources" or (variable == "share" and number >= 10)
        if not alone or row["coder_id"] == first:
            kept.append(row)
    return kept


def scatter(rows: list[dict[str, Any]], parts: int, seed: int = 3) -> list[list[dict[str, Any]]]:
    """The rows dealt at random into ``parts`` partitions: a unit's records end up in several
    partitions, so only a shuffle by unit brings them together."""
    rng = random.Random(seed)
    out: list[list[dict[str, Any]]] = [[] for _ in range(parts)]
    for row in rows:
        out[rng.randrange(parts)].append(row)
    return out


def assert_same_report(counted: ReliabilityReport, memory: ReliabilityReport) -> None:
    """Every field of the two reports equal; alphas (and their details) to 1e-12."""
    assert counted.codebook == memory.codebook
    assert counted.n_units == memory.n_units
    assert counted.coders == memory.coders
    assert len(counted.variables) == len(memory.variables)
    for ours, theirs in zip(counted.variables, memory.variables, strict=True):
        _same_variable(ours, theirs)


def _close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-12


def _same_variable(ours: VariableReliability, theirs: VariableReliability) -> None:
    assert _close(ours.alpha, theirs.alpha), (ours.variable, ours.alpha, theirs.alpha)
    for field in ("variable", "level", "coefficient", "n_units", "n_coders", "status", "notes"):
        assert getattr(ours, field) == getattr(theirs, field), (ours.variable, field)
    assert [d.label for d in ours.details] == [d.label for d in theirs.details]
    for a, b in zip(ours.details, theirs.details, strict=True):
        assert _close(a.alpha, b.alpha), (ours.variable, a, b)
        assert a.n_units == b.n_units, (ours.variable, a, b)


#: The topics in the order of the codebook, for the krippendorff package's numeric matrices.
TOPIC_ORDER = ["politics", "elections", "parliament", "economy", "other"]


def krippendorff_alphas(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Alpha of the pilot's single-valued variables by the krippendorff package (GPL, tests
    only): the independent reference the counted alphas are compared with."""
    import krippendorff

    # The coders x units matrices the package takes, built as tests/test_agree.py does.
    from test_agree import _matrix

    order = {t: i for i, t in enumerate(TOPIC_ORDER)}
    levels = {"topic": "nominal", "severity": "ordinal", "sources": "interval", "share": "ratio"}
    return {
        variable: krippendorff.alpha(
            _matrix(rows, variable, order.get if variable == "topic" else float),
            level_of_measurement=level,
        )
        for variable, level in levels.items()
    }
