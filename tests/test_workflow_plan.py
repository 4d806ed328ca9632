"""`intercoder plan`: the units a reliability round needs (Bloch & Kraemer 1989, eq. 3.7), and
the stratified sample drawn from a task file.

Reference values: the ATLAS.ti inter-coder agreement manual, which tabulates the equation from
Krippendorff (2019) for two coders: four equally likely codes (pc = .25), p = .05 one-tailed,
139 units for alpha_min .800 and 81 for .667; more than two coders multiply z^2 by their number.
The other cells are checked against the equation evaluated independently with scipy's normal
quantile.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from intercoder.tasks import read_tasks
from intercoder.workflow.plan import PlanError, required_units

from support import RunCli


def _bloch_kraemer(alpha: float, p: float, pc: float, coders: int = 2) -> int:
    """Eq. 3.7 written out again, with scipy's quantile: the independent side of the check."""
    z = norm.ppf(1 - p)
    value = coders * z**2 * ((1 + alpha) * (3 - alpha) / (4 * (1 - alpha) * pc * (1 - pc)) - alpha)
    return math.ceil(value - 1e-9)


@pytest.mark.parametrize(("alpha", "units"), [(0.800, 139), (0.667, 81)])
def test_published_values_for_two_coders_and_four_codes(
    run_cli: RunCli, alpha: float, units: int
) -> None:
    result = run_cli(
        "plan", "--min-alpha", str(alpha), "--significance", ".05", "--categories", "4",
        "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["units"] == units
    assert body["smallest_p"] == 0.25
    assert body["coders"] == 2


def test_smallest_p_is_the_same_as_equal_categories(run_cli: RunCli) -> None:
    result = run_cli("plan", "--min-alpha", ".8", "--smallest-p", ".25", "--format", "json")
    assert json.loads(result.stdout)["units"] == 139


@pytest.mark.parametrize("alpha", [0.667, 0.800, 0.900])
@pytest.mark.parametrize("p", [0.100, 0.050, 0.010, 0.005])
@pytest.mark.parametrize("categories", [2, 3, 4, 5, 10])
def test_the_table_of_the_manual(alpha: float, p: float, categories: int) -> None:
    # The table's grid: three alpha_min, four significance levels, up to ten codes.
    assert required_units(alpha, p, 1 / categories).units == _bloch_kraemer(
        alpha, p, 1 / categories
    )


def test_more_coders_multiply_z_squared() -> None:
    two = required_units(0.8, 0.05, 0.25, coders=2)
    three = required_units(0.8, 0.05, 0.25, coders=3)
    assert three.units == _bloch_kraemer(0.8, 0.05, 0.25, coders=3)
    assert three.units > two.units


@given(
    alpha=st.floats(0.5, 0.95),
    p=st.floats(0.001, 0.2),
    pc=st.floats(0.01, 0.49),
)
def test_stricter_plans_need_more_units(alpha: float, p: float, pc: float) -> None:
    base = required_units(alpha, p, pc).units
    assert required_units(min(alpha + 0.02, 0.99), p, pc).units >= base
    assert required_units(alpha, p / 2, pc).units >= base
    assert required_units(alpha, p, pc / 2).units >= base


@pytest.mark.parametrize(
    "args",
    [
        ("--min-alpha", "1.2", "--categories", "4"),
        ("--min-alpha", ".8", "--smallest-p", "0"),
        ("--min-alpha", ".8", "--significance", "0.7", "--categories", "4"),
    ],
)
def test_arguments_out_of_range_are_one_line_errors(run_cli: RunCli, args: tuple[str, ...]) -> None:
    result = run_cli("plan", *args)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_choice_is_a_usage_error(run_cli: RunCli) -> None:
    result = run_cli("plan", "--min-alpha", ".8")
    assert result.returncode == 2
    both = run_cli("plan", "--min-alpha", ".8", "--categories", "3", "--smallest-p", ".2")
    assert both.returncode == 2


def test_library_refuses_one_coder() -> None:
    with pytest.raises(PlanError, match="at least 2 coders"):
        required_units(0.8, 0.05, 0.25, coders=1)


# --- per variable, and the sample ----------------------------------------------------------------


def _tasks(path: Path, n_per: dict[tuple[str, str], int]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "text", "lang", "source", "batch"])
        i = 0
        for (lang, source), n in n_per.items():
            for _ in range(n):
                writer.writerow([f"u{i}", f"текст ңөү oʻzbek {i}", lang, source, "b1"])
                i += 1
    return path


def test_codebook_plan_per_variable_with_equal_codes(run_cli: RunCli, minimal_path: Path) -> None:
    result = run_cli("plan", "--codebook", str(minimal_path), "--format", "json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    by_var = {v["variable"]: v for v in body["variables"]}
    # relevant: two codes, pc = .5; severity shows for one of relevant's two codes.
    assert by_var["relevant"]["units"] == _bloch_kraemer(0.8, 0.05, 0.5)
    assert by_var["severity"]["shown_share"] == 0.5
    assert by_var["severity"]["units"] == 2 * _bloch_kraemer(0.8, 0.05, 0.5)
    assert body["units"] == by_var["severity"]["units"]


def test_codebook_plan_takes_the_smallest_share_of_an_earlier_round(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path
) -> None:
    earlier = tmp_path / "earlier.csv"
    rows = ["unit_id,coder_id,variable,value"]
    for u in range(20):
        for coder in ("a", "b"):
            rows.append(f"u{u},{coder},relevant,{'yes' if u < 5 else 'no'}")
            if u < 5:
                rows.append(f"u{u},{coder},severity,{'1' if u == 0 else '0'}")
    earlier.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli(
        "plan", "--codebook", str(minimal_path), "--from", str(earlier), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    by_var = {v["variable"]: v for v in json.loads(result.stdout)["variables"]}
    assert by_var["relevant"]["smallest_p"] == 0.25
    assert by_var["relevant"]["smallest_code"] == "yes"
    assert by_var["relevant"]["units"] == _bloch_kraemer(0.8, 0.05, 0.25)
    # severity: "1" is 1 of 5 values among the shown units; shown on a quarter of the units.
    assert by_var["severity"]["smallest_p"] == 0.2
    assert by_var["severity"]["units"] == math.ceil(_bloch_kraemer(0.8, 0.05, 0.2) / 0.25)
    assert by_var["severity"]["unseen"] == []


def test_codes_an_earlier_round_never_used_are_named(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path
) -> None:
    earlier = tmp_path / "earlier.csv"
    rows = ["unit_id,coder_id,variable,value"]
    rows += [f"u{u},{c},relevant,{'yes' if u < 3 else 'no'}" for u in range(10) for c in "ab"]
    rows += [f"u{u},{c},severity,0" for u in range(3) for c in "ab"]
    earlier.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli(
        "plan", "--codebook", str(minimal_path), "--from", str(earlier), "--format", "json"
    )
    by_var = {v["variable"]: v for v in json.loads(result.stdout)["variables"]}
    assert by_var["severity"]["unseen"] == ["1"]
    assert "severity: 1 never used in the earlier round" in result.stderr


def test_sample_is_seeded_and_stratified(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path
) -> None:
    strata = {("ru", "news"): 300, ("ky", "news"): 150, ("ru", "forum"): 75, ("uz-Latn", ""): 75}
    tasks = _tasks(tmp_path / "tasks.csv", strata)
    out1, out2, out3 = (tmp_path / f"s{i}.csv" for i in (1, 2, 3))
    base = ("plan", "--codebook", str(minimal_path), "--tasks", str(tasks), "--format", "json")
    first = run_cli(*base, "-o", str(out1), "--seed", "3")
    assert first.returncode == 0, first.stderr
    run_cli(*base, "-o", str(out2), "--seed", "3")
    run_cli(*base, "-o", str(out3), "--seed", "4")
    needed = json.loads(first.stdout)["units"]
    sample = read_tasks(out1)
    assert len(sample) == needed == 2 * _bloch_kraemer(0.8, 0.05, 0.5)
    assert out1.read_bytes() == out2.read_bytes()
    assert out1.read_bytes() != out3.read_bytes()
    counts = Counter((t.lang or "", t.source or "") for t in sample)
    for key, size in strata.items():
        assert abs(counts[key] - needed * size / 600) < 1
    assert all(t.meta.get("batch") == "b1" for t in sample)
    assert "ңөү oʻzbek" in sample[0].text


def test_too_few_tasks_is_an_error_and_writes_nothing(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path
) -> None:
    tasks = _tasks(tmp_path / "tasks.csv", {("ru", "news"): 50})
    out = tmp_path / "sample.csv"
    result = run_cli("plan", "--codebook", str(minimal_path), "--tasks", str(tasks), "-o", str(out))
    assert result.returncode == 1
    assert "the task file has 50" in result.stderr
    assert not out.exists()
