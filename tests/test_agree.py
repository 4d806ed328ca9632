"""`intercoder agree`: reading annotation files, checking them, and the per-variable coefficients.

Reference values come from independent implementations run side by side: the `krippendorff`
package (alpha at every level) and NLTK's AnnotationTask (alpha with the MASI distance).
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import masi_distance

from intercoder.annotations import check_annotations, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.reliability import assess

from support import RunCli

COLUMNS = ["unit_id", "coder_id", "variable", "value", "codebook", "start", "end"]


def _write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    return path


def _pilot(seed: int = 7, units: int = 40, coders: int = 3) -> list[dict[str, object]]:
    """A random but deliberately imperfect pilot round on the minimal codebook."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for u in range(units):
        truth = rng.choice(["yes", "no"])
        severity = rng.choice(["0", "1"])
        for c in range(coders):
            relevant = truth if rng.random() < 0.85 else ("no" if truth == "yes" else "yes")
            if rng.random() < 0.05:
                continue  # this coder skipped the unit
            rows.append(
                {
                    "unit_id": f"u{u}",
                    "coder_id": f"coder{c}",
                    "variable": "relevant",
                    "value": relevant,
                    "codebook": "minimal@1.0.0",
                }
            )
            if relevant == "yes":
                value = severity if rng.random() < 0.8 else rng.choice(["0", "1"])
                rows.append(
                    {
                        "unit_id": f"u{u}",
                        "coder_id": f"coder{c}",
                        "variable": "severity",
                        "value": value,
                    }
                )
    return rows


def _matrix(rows: list[dict[str, object]], variable: str, convert=str) -> np.ndarray:
    units = sorted({r["unit_id"] for r in rows})
    coders = sorted({r["coder_id"] for r in rows})
    matrix = np.full((len(coders), len(units)), np.nan)
    for row in rows:
        if row["variable"] == variable:
            matrix[coders.index(row["coder_id"]), units.index(row["unit_id"])] = convert(
                row["value"]
            )
    return matrix


@pytest.mark.parametrize("writer", [_write_csv, _write_jsonl], ids=["csv", "jsonl"])
def test_alpha_matches_the_krippendorff_package(tmp_path: Path, minimal_path: Path, writer) -> None:
    rows = _pilot()
    path = writer(tmp_path / f"pilot{'.csv' if writer is _write_csv else '.jsonl'}", rows)
    cb = load_codebook(minimal_path)
    checked = check_annotations(read_annotations(path), cb)
    assert checked.problems == ()
    report = {v.variable: v for v in assess(checked.annotations, cb).variables}

    relevant = _matrix(rows, "relevant", lambda v: {"no": 0, "yes": 1}[v])
    expected = krippendorff.alpha(relevant, level_of_measurement="nominal")
    assert report["relevant"].alpha == pytest.approx(expected, abs=1e-12)
    # Severity is only shown where the coder said "yes"; _pilot wrote rows only there.
    severity = _matrix(rows, "severity", float)
    expected = krippendorff.alpha(severity, level_of_measurement="ordinal")
    assert report["severity"].alpha == pytest.approx(expected, abs=1e-12)
    assert report["relevant"].n_coders == 3


def test_show_if_leaves_out_codings_the_coder_was_not_shown(
    tmp_path: Path, minimal_path: Path
) -> None:
    rows = _pilot(seed=3)
    # Stray severity codings where the same coder answered "no": a form would not show them.
    stray = [
        {"unit_id": r["unit_id"], "coder_id": r["coder_id"], "variable": "severity", "value": "1"}
        for r in rows
        if r["variable"] == "relevant" and r["value"] == "no"
    ]
    assert stray
    cb = load_codebook(minimal_path)
    path = _write_csv(tmp_path / "pilot.csv", rows + stray)
    checked = check_annotations(read_annotations(path), cb)
    (severity,) = [v for v in assess(checked.annotations, cb).variables if v.variable == "severity"]
    expected = krippendorff.alpha(_matrix(rows, "severity", float), level_of_measurement="ordinal")
    assert severity.alpha == pytest.approx(expected, abs=1e-12)
    assert f"{len(stray)} coding(s) left out" in severity.notes[0]


def test_multiple_choice_uses_masi_like_nltk(
    tmp_path: Path, codebook_dir: Path, minimal_text: str
) -> None:
    text = minimal_text.replace(
        "  - id: relevant\n    type: single_choice", "  - id: relevant\n    type: multiple_choice"
    )
    text = text.replace('show_if: {variable: relevant, in: ["yes"]}', "required: false")
    book = codebook_dir / "multi" / "1.0.0.yaml"
    book.parent.mkdir()
    book.write_text(text.replace("codebook: minimal", "codebook: multi"), encoding="utf-8")
    cb = load_codebook("multi")
    rng = random.Random(11)
    rows, triples = [], []
    for u in range(30):
        for c in range(3):
            chosen = sorted({code for code in ("yes", "no") if rng.random() < 0.5}) or ["yes"]
            rows.append(
                {
                    "unit_id": f"u{u}",
                    "coder_id": f"c{c}",
                    "variable": "relevant",
                    "value": json.dumps(chosen),
                }
            )
            triples.append((f"c{c}", f"u{u}", frozenset(chosen)))
    path = _write_csv(tmp_path / "multi.csv", rows)
    checked = check_annotations(read_annotations(path), cb)
    (relevant,) = [v for v in assess(checked.annotations, cb).variables if v.variable == "relevant"]
    assert relevant.coefficient == "krippendorff_alpha_masi"
    expected = AnnotationTask(data=triples, distance=masi_distance).alpha()
    assert relevant.alpha == pytest.approx(expected, abs=1e-9)
    labels = [d.label for d in relevant.details]
    assert labels == ["category yes", "category no"]
    yes = [(c, u, "yes" in v) for c, u, v in triples]
    assert relevant.details[0].alpha == pytest.approx(AnnotationTask(data=yes).alpha(), abs=1e-9)


def _ordinal_delta(values: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal difference from the marginal totals of the sorted values."""
    size = len(values)
    delta = np.zeros((size, size))
    for c in range(size):
        for k in range(size):
            low, high = min(c, k), max(c, k)
            delta[c, k] = (totals[low : high + 1].sum() - (totals[c] + totals[k]) / 2) ** 2
    return delta


def _hayes_krippendorff_interval(
    matrix: np.ndarray, level: str, resamples: int, seed: int
) -> tuple[float, float]:
    """95% percentile interval of alpha by Hayes & Krippendorff's (2007) bootstrap, written
    from the published algorithm: D_e and the differences stay those of the data; a resample
    draws M pairs of values from the coincidences, where M is the number of pairs of judgments
    (a resample whose pairs all agree in one category counts as 0, which with M > 100 pairs,
    as here, never happens)."""
    values = np.unique(matrix[~np.isnan(matrix)])
    index = {v: i for i, v in enumerate(values)}
    coincidences = np.zeros((len(values), len(values)))
    pairs = 0
    for unit in matrix.T:
        coded = [index[v] for v in unit[~np.isnan(unit)]]
        if len(coded) < 2:
            continue
        pairs += len(coded) * (len(coded) - 1) // 2
        for i, j in itertools.permutations(range(len(coded)), 2):
            coincidences[coded[i], coded[j]] += 1 / (len(coded) - 1)
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    nominal = level == "nominal"
    delta = 1.0 - np.eye(len(values)) if nominal else _ordinal_delta(values, totals)
    expected = (np.outer(totals, totals) * delta).sum() / (n * (n - 1))
    draws = np.random.default_rng(seed).multinomial(
        pairs, (coincidences / n).ravel(), size=resamples
    )
    alphas = 1 - (draws @ delta.ravel()) / (pairs * expected)
    low, high = np.quantile(alphas, [0.025, 0.975])
    return float(low), float(high)


def test_json_output_has_the_public_shape(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path
) -> None:
    rows = _pilot()
    path = _write_csv(tmp_path / "pilot.csv", rows)
    args = ("agree", str(path), "--codebook", str(minimal_path), "--format", "json")
    args += ("--bootstrap", "2000", "--seed", "5")
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["codebook"] == "minimal@1.0.0"
    assert [v["variable"] for v in report["variables"]] == ["relevant", "severity"]
    thresholds = {v.id: v.reliability for v in load_codebook(minimal_path).variables}
    matrices = {
        "relevant": _matrix(rows, "relevant", lambda v: {"no": 0, "yes": 1}[v]),
        "severity": _matrix(rows, "severity", float),
    }
    for var in report["variables"]:
        assert set(var) == {
            "variable",
            "level",
            "coefficient",
            "alpha",
            "n_units",
            "n_coders",
            "ci",
            "threshold",
            "status",
        }
        name, alpha, limits = var["variable"], var["alpha"], thresholds[var["variable"]]
        expected = krippendorff.alpha(matrices[name], level_of_measurement=var["level"])
        assert alpha == pytest.approx(expected, abs=1e-6)
        assert var["threshold"] == limits.passing
        if alpha >= limits.passing:
            assert var["status"] == "pass"
        elif alpha >= limits.tentative:
            assert var["status"] == "tentative"
        else:
            assert var["status"] == "fail"
        low, high = var["ci"]["low"], var["ci"]["high"]
        assert low < high <= 1.0  # a resampled alpha is at most 1; no bound below
        reference = _hayes_krippendorff_interval(matrices[name], var["level"], 20_000, seed=1)
        assert (low, high) == pytest.approx(reference, abs=0.03), name
    # This pilot round shows two different verdicts, so the status rule is exercised twice.
    assert [v["status"] for v in report["variables"]] == ["fail", "tentative"]

    again = run_cli(*args)
    assert again.stdout == proc.stdout  # seeded: reproducible
    other_seed = json.loads(run_cli(*args[:-1], "6").stdout)
    assert [v["ci"] for v in other_seed["variables"]] != [v["ci"] for v in report["variables"]]


def test_table_and_markdown(run_cli: RunCli, tmp_path: Path, minimal_path: Path) -> None:
    path = _write_csv(tmp_path / "pilot.csv", _pilot())
    table = run_cli("agree", str(path), "--codebook", str(minimal_path))
    assert table.returncode == 0, table.stderr
    assert table.stdout.splitlines()[0] == "minimal@1.0.0: 3 coders, 40 units"
    markdown = run_cli("agree", str(path), "--codebook", str(minimal_path), "--format", "markdown")
    assert "| `relevant` | nominal | alpha |" in markdown.stdout


def test_invalid_records_are_reported_with_file_and_line(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path
) -> None:
    rows = _pilot(units=5)
    rows.insert(2, {"unit_id": "u0", "coder_id": "coder0", "variable": "relevnt", "value": "yes"})
    rows.insert(
        4, {"unit_id": "u1", "coder_id": "coder1", "variable": "relevant", "value": "maybe"}
    )
    rows.append(dict(rows[0]))  # the first coder codes the first unit twice
    path = _write_csv(tmp_path / "bad.csv", rows)
    proc = run_cli("agree", str(path), "--codebook", str(minimal_path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert (
        f"{path}:4: variable 'relevnt' is not in minimal@1.0.0 (did you mean 'relevant'?)" in lines
    )
    assert f"{path}:6: relevant: 'maybe' is not a code of relevant" in lines
    duplicate = [line for line in lines if "twice" in line]
    first = rows[0]
    assert duplicate == [
        f"{path}:{len(rows) + 1}: coder '{first['coder_id']}' coded unit "
        f"'{first['unit_id']}' twice for relevant (first at {path}:2)"
    ]

    skipped = run_cli("agree", str(path), "--codebook", str(minimal_path), "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert "warning: skipped" in skipped.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "unit_id,coder,variable,value\nu1,a,relevant,yes\n",
            "missing column(s) 'coder_id' (found 'coder')",
        ),
        ('unit_id,coder_id,variable,value\nu1,a,relevant,"[""yes""\n', "is not a JSON list"),
    ],
)
def test_malformed_files_are_one_line_errors(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(content, encoding="utf-8")
    proc = run_cli("agree", str(path), "--codebook", str(minimal_path))
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_codings_under_another_major_version_are_refused(
    tmp_path: Path, minimal_path: Path
) -> None:
    rows = [
        {
            "unit_id": "u1",
            "coder_id": "a",
            "variable": "relevant",
            "value": "yes",
            "codebook": "minimal@0.9.0",
        }
    ]
    checked = check_annotations(
        read_annotations(_write_jsonl(tmp_path / "a.jsonl", rows)), load_codebook(minimal_path)
    )
    assert "another major version" in checked.problems[0].message


def test_unusual_line_breaks_survive_csv_and_jsonl(tmp_path: Path) -> None:
    """A lone CR in a CSV cell, and U+2028/U+0085 inside JSON strings, are data, not line ends."""
    from intercoder.annotations import Annotation, AnnotationSet
    from intercoder.formats.long import LongCsv, LongJsonl

    texts = ["a\rb", "c\u2028d", "e\x85f", "g\r\nh"]
    records = [Annotation(f"u{i}", "ana", "notes", text, text=text) for i, text in enumerate(texts)]
    original = AnnotationSet.from_records(records)
    for fmt, name in ((LongCsv(), "a.csv"), (LongJsonl(), "a.jsonl")):
        fmt.write(original, tmp_path / name, None)
        again = fmt.read(tmp_path / name)
        assert [r.text for r in again] == texts, name


def test_in_memory_multiple_choice_tuples_are_checked_like_lists(
    minimal_text: str, codebook_dir: Path
) -> None:
    from intercoder.annotations import Annotation, AnnotationSet

    text = minimal_text.replace(
        "  - id: relevant\n    type: single_choice", "  - id: relevant\n    type: multiple_choice"
    )
    text = text.replace('show_if: {variable: relevant, in: ["yes"]}', "required: false")
    book = codebook_dir / "multi" / "1.0.0.yaml"
    book.parent.mkdir()
    book.write_text(text.replace("codebook: minimal", "codebook: multi"), encoding="utf-8")
    records = [
        Annotation("u1", "ana", "relevant", ("yes", "no")),
        Annotation("u1", "bek", "relevant", ["no"]),
    ]
    checked = check_annotations(AnnotationSet.from_records(records), load_codebook("multi"))
    assert checked.problems == ()
    assert [r.value for r in checked.annotations] == [("no", "yes"), ("no",)]


def test_uncoded_variables_are_summarised_not_listed(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path
) -> None:
    rows = [r for r in _pilot() if r["variable"] == "relevant"]
    path = _write_csv(tmp_path / "relevant-only.csv", rows)
    table = run_cli("agree", str(path), "--codebook", str(minimal_path))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[-1] == "not coded in these files: severity"
    assert not any(line.startswith("severity ") for line in lines)
    report = json.loads(
        run_cli("agree", str(path), "--codebook", str(minimal_path), "--format", "json").stdout
    )
    severity = report["variables"][1]
    assert (severity["variable"], severity["status"], severity["n_units"]) == (
        "severity",
        "insufficient-data",
        0,
    )
