"""A pilot that codes only some variables: the gate names the uncoded ones once, and
``--variables`` selects variables on ``agree``, ``check`` and ``report``.

The codebook is the minimal one plus three more single-choice variables and a free-text one;
the files code ``relevant`` and ``severity`` only, as a pilot of the first questions would.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from intercoder.annotations import check_annotations, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.reliability import UnknownVariableError, assess, select_variables

from support import RunCli

EXTRA = ("form", "tone", "region")


def _choice(var_id: str) -> str:
    return (
        f"  - id: {var_id}\n"
        "    type: single_choice\n"
        f"    label: {{en: {var_id}, ru: {var_id}}}\n"
        f"    definition: {{en: The {var_id}., ru: The {var_id}.}}\n"
        "    categories:\n"
        + "".join(
            f'      - code: "{code}"\n'
            f"        label: {{en: {code}, ru: {code}}}\n"
            f"        definition: {{en: {code}., ru: {code}.}}\n"
            for code in ("a", "b")
        )
    )


@pytest.fixture
def book(tmp_path: Path, minimal_text: str) -> Path:
    extra = "".join(_choice(v) for v in EXTRA)
    extra += (
        "  - id: note\n    type: text\n    label: {en: Note, ru: Note}\n"
        "    definition: {en: A note., ru: A note.}\n"
    )
    text = minimal_text.replace("markers:", extra + "markers:", 1)
    path = tmp_path / "pilot-book.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def pilot(tmp_path: Path) -> Path:
    """Two coders, 40 units, perfect agreement on relevant and severity (shown on every unit)."""
    rows = []
    for u in range(40):
        relevant = "yes" if u % 4 else "no"
        for coder in ("ana", "ben"):
            rows.append((f"u{u}", coder, "relevant", relevant))
            if relevant == "yes":
                rows.append((f"u{u}", coder, "severity", str(u % 2)))
    path = tmp_path / "pilot.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder_id", "variable", "value"])
        writer.writerows(rows)
    return path


def _verdict(proc: object) -> str:
    return proc.stdout.splitlines()[-1]  # type: ignore[attr-defined]


def test_uncoded_variables_are_named_once_not_as_failures(
    run_cli: RunCli, book: Path, pilot: Path
) -> None:
    proc = run_cli("check", str(pilot), "--codebook", str(book), "--no-config")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert _verdict(proc) == (
        "check failed: not coded in these files: form, tone, region (3 of 5 variables) — "
        "select the variables these files code with --variables ID,... or allow it with "
        "--insufficient-data warn"
    )
    assert "insufficient data" not in _verdict(proc)


def test_insufficient_data_warn_allows_uncoded_variables(
    run_cli: RunCli, book: Path, pilot: Path
) -> None:
    proc = run_cli(
        "check", str(pilot), "--codebook", str(book), "--no-config", "--insufficient-data", "warn"
    )
    assert proc.returncode == 0, proc.stdout
    assert _verdict(proc) == (
        "check passed with 3 warnings: 2 of 5 variables pass; "
        "not coded in these files: form, tone, region (3 of 5 variables)"
    )


def test_a_configuration_may_require_a_variable(
    run_cli: RunCli, book: Path, pilot: Path, tmp_path: Path
) -> None:
    """Uncoded variables allowed in general, but `form` required by its own table."""
    (tmp_path / "intercoder.toml").write_text(
        'insufficient-data = "warn"\n[variables.form]\ninsufficient-data = "fail"\n',
        encoding="utf-8",
    )
    proc = run_cli("check", str(pilot), "--codebook", str(book), cwd=tmp_path)
    assert proc.returncode == 1
    assert _verdict(proc).startswith(
        "check failed: not coded in these files: form (1 of 5 variables) — select"
    )
    assert _verdict(proc).endswith(
        "not coded in these files: tone, region (2 of 5 variables) (allowed)"
    )


def test_check_variables_selects_what_the_pilot_codes(
    run_cli: RunCli, book: Path, pilot: Path, tmp_path: Path
) -> None:
    args = ("check", str(pilot), "--codebook", str(book), "--no-config")
    proc = run_cli(*args, "--variables", "severity,relevant", "--junit", "j.xml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert _verdict(proc) == "check passed: all 2 variables reach their threshold"
    assert "form" not in proc.stdout
    junit = (tmp_path / "j.xml").read_text(encoding="utf-8")
    assert 'name="relevant"' in junit
    assert 'name="form"' not in junit
    # A selected variable the files do not code still fails, with its own hint.
    proc = run_cli(*args, "--variables", "relevant,form")
    assert proc.returncode == 1
    assert _verdict(proc) == (
        "check failed: not coded in these files: form (1 of 2 variables) — selected with "
        "--variables; allow it with --insufficient-data warn"
    )


@pytest.mark.parametrize("command", ["agree", "check", "report"])
def test_unknown_variable_is_one_line_with_a_suggestion(
    run_cli: RunCli, book: Path, pilot: Path, tmp_path: Path, command: str
) -> None:
    extra = ("-o", str(tmp_path / "r.html")) if command == "report" else ()
    proc = run_cli(
        command, str(pilot), "--codebook", str(book), "--variables", "relevant,sevrity", *extra
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "Error: --variables: 'sevrity' is not a variable of minimal@1.0.0 "
        "(did you mean 'severity'?)"
    ]
    assert not (tmp_path / "r.html").exists()


def test_a_free_text_variable_cannot_be_selected(run_cli: RunCli, book: Path, pilot: Path) -> None:
    proc = run_cli("agree", str(pilot), "--codebook", str(book), "--variables", "note")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "Error: --variables: 'note' (text) has no reliability coefficient"


def test_agree_variables_json_lists_the_selection_with_the_same_numbers(
    run_cli: RunCli, book: Path, pilot: Path
) -> None:
    base = ("agree", str(pilot), "--codebook", str(book), "--format", "json")
    everything = json.loads(run_cli(*base).stdout)["variables"]
    proc = run_cli(*base, "--variables", "severity")
    assert proc.returncode == 0, proc.stderr
    selected = json.loads(proc.stdout)["variables"]
    assert selected == [v for v in everything if v["variable"] == "severity"]
    assert selected[0]["n_units"] == 30  # show_if still applied: the units where it was shown


def test_report_variables_shows_only_the_selection(
    run_cli: RunCli, book: Path, pilot: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    args = ("report", str(pilot), "--codebook", str(book), "--seed", "1", "--bootstrap", "0")
    proc = run_cli(*args, "-o", str(out), "--variables", "relevant")
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    full = tmp_path / "full.html"
    assert run_cli(*args, "-o", str(full)).returncode == 0
    everything = full.read_text(encoding="utf-8")
    # The full report has a section for severity and names the uncoded variables; the
    # selection has relevant alone.
    assert 'href="#var-relevant"' in page
    assert 'href="#var-relevant"' in everything
    assert 'href="#var-severity"' in everything
    assert 'href="#var-severity"' not in page
    assert "tone" in everything
    assert "tone" not in page


def test_library_selection_is_in_codebook_order(book: Path, pilot: Path) -> None:
    cb = load_codebook(book)
    assert select_variables(cb, ["tone", " relevant ", "tone"]) == ("relevant", "tone")
    with pytest.raises(UnknownVariableError, match="did you mean 'region'"):
        select_variables(cb, ["regoin"])
    aset = check_annotations(read_annotations(pilot), cb).annotations
    full = {v.variable: v for v in assess(aset, cb).variables}
    only = assess(aset, cb, variables=["severity"]).variables
    assert [v.variable for v in only] == ["severity"]
    assert only[0] == full["severity"]
    assert not full["form"].coded
    assert full["relevant"].coded


def test_summary_and_junit_name_uncoded_variables_once(
    run_cli: RunCli, book: Path, pilot: Path, tmp_path: Path
) -> None:
    args = ("check", str(pilot), "--codebook", str(book), "--no-config")
    proc = run_cli(*args, "--summary", "s.md", "--junit", "j.xml", cwd=tmp_path)
    assert proc.returncode == 1
    summary = (tmp_path / "s.md").read_text(encoding="utf-8")
    verdict = summary.split("### Reliability")[0]  # above the table of `agree --format markdown`
    items = [line for line in verdict.splitlines() if line.startswith("- ")]
    assert items == ["- ❌ not coded in these files: `form`, `tone`, `region`"]
    junit = (tmp_path / "j.xml").read_text(encoding="utf-8")
    assert junit.count('<failure message="not coded in these files" type="insufficient-data"') == 3
