"""`intercoder check`: the reliability gate for CI (exit codes, settings, JUnit, Markdown, GitHub).

Every scenario runs the real command in a subprocess, with the working directory in a fresh
temporary directory (configuration files are searched from there upwards). The pilot rounds are
built so that their agreement is known: two coders, and coder "ben" departs from "ana" on the
first ``flips`` units; each test first asserts the premise (alpha, its interval) it relies on.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from intercoder import gate
from intercoder.annotations import check_annotations, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.reliability import INSUFFICIENT, VariableReliability, assess

from support import RunCli

COLUMNS = ["unit_id", "coder_id", "variable", "value"]


def _round(
    units: int = 40,
    relevant_flips: int = 0,
    severity_flips: int = 0,
    severity: tuple[str, ...] = ("0", "1"),
    coders: tuple[str, ...] = ("ana", "ben"),
) -> list[dict[str, str]]:
    """A pilot round: ``ben`` departs from ``ana`` on the first ``*_flips`` units."""
    rows = []
    for u in range(units):
        for variable, values, flips in (
            ("relevant", ("yes", "no"), relevant_flips),
            ("severity", severity, severity_flips),
        ):
            truth = values[u % len(values)]
            for coder in coders:
                departs = coder == "ben" and u < flips
                value = values[(u + 1) % len(values)] if departs else truth
                row = {"unit_id": f"u{u}", "coder_id": coder, "variable": variable}
                rows.append({**row, "value": value})
    return rows


def _write(directory: Path, rows: list[dict[str, str]], name: str = "round.csv") -> Path:
    path = directory / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def book(tmp_path: Path, minimal_text: str) -> Path:
    """The minimal codebook without show_if, so that both variables are coded on every unit."""
    text = minimal_text.replace('    show_if: {variable: relevant, in: ["yes"]}\n', "")
    assert "show_if" not in text
    path = tmp_path / "book.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _premise(
    book: Path, csv_path: Path, bootstrap: int = 0, **thresholds: float
) -> dict[str, VariableReliability]:
    """Reliability of each variable computed in-process (the facts a test relies on)."""
    cb = load_codebook(book)
    checked = check_annotations(read_annotations(csv_path), cb)
    assert checked.problems == ()
    if thresholds:
        import attrs

        from intercoder.codebook.model import Thresholds

        limits = Thresholds(thresholds["passing"], thresholds["tentative"])
        variables = tuple(attrs.evolve(v, reliability=limits) for v in cb.variables)
        cb = attrs.evolve(cb, variables=variables)
    report = assess(checked.annotations, cb, bootstrap=bootstrap, seed=gate.DEFAULT_SEED)
    return {v.variable: v for v in report.variables}


@pytest.fixture
def check(run_cli: RunCli, tmp_path: Path, book: Path):
    """Run ``intercoder check FILE --codebook book.yaml ARGS`` in ``tmp_path`` (not on GitHub)."""

    def run(
        *args: str,
        files: tuple[str, ...] = ("round.csv",),
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        codebook = str(book) if cwd not in (None, tmp_path) else book.name
        return run_cli(
            "check",
            *files,
            "--codebook",
            codebook,
            *args,
            cwd=cwd or tmp_path,
            env={"GITHUB_ACTIONS": "false", **(env or {})},
        )

    return run


def _verdict(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout.splitlines()[-1]


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr
    assert "Traceback" not in proc.stdout


# --- exit codes and the verdict ----------------------------------------------------------------


def test_all_pass_exits_0_with_the_agree_table(
    check, run_cli: RunCli, tmp_path: Path, book: Path
) -> None:
    _write(tmp_path, _round(relevant_flips=0, severity_flips=0))
    proc = check()
    assert proc.returncode == 0, proc.stderr
    assert _verdict(proc) == "check passed: all 2 variables reach their threshold"
    agree = run_cli("agree", "round.csv", "--codebook", book.name, cwd=tmp_path)
    assert agree.returncode == 0, agree.stderr
    # Everything above the verdict line is exactly the table of `agree`.
    assert proc.stdout.splitlines()[:-1] == agree.stdout.splitlines()
    assert "::" not in proc.stdout


def test_one_failing_variable_exits_1_and_names_it(check, tmp_path: Path, book: Path) -> None:
    csv_path = _write(tmp_path, _round(relevant_flips=0, severity_flips=12))
    facts = _premise(book, csv_path)
    assert facts["relevant"].status == "pass"
    assert facts["severity"].alpha < facts["severity"].tentative
    proc = check()
    assert proc.returncode == 1, proc.stderr
    _no_traceback(proc)
    assert _verdict(proc) == (
        "check failed: 1 of 2 variables below threshold "
        f"(severity: alpha {facts['severity'].alpha:.3f} < threshold 0.800)"
    )
    table = proc.stdout.splitlines()
    assert re.match(r"^severity\s+ordinal\s+alpha\s+0\.\d{3}\s+40\s+2\s+0\.800\s+fail$", table[3])


@pytest.fixture
def tentative_round(tmp_path: Path, book: Path) -> VariableReliability:
    """relevant: alpha between the tentative threshold (0.667) and the pass threshold (0.8)."""
    csv_path = _write(tmp_path, _round(relevant_flips=5))
    relevant = _premise(book, csv_path)["relevant"]
    assert 0.667 <= relevant.alpha < 0.8
    return relevant


def test_tentative_warns_by_default(check, tentative_round: VariableReliability) -> None:
    proc = check()
    assert proc.returncode == 0, proc.stderr
    assert _verdict(proc) == (
        "check passed with 1 warning: 1 of 2 variables pass (relevant: alpha "
        f"{tentative_round.alpha:.3f} < threshold 0.800 (tentative: >= 0.667))"
    )


def test_tentative_fails_when_configured(
    check, tmp_path: Path, tentative_round: VariableReliability
) -> None:
    proc = check("--tentative", "fail")
    assert proc.returncode == 1
    assert _verdict(proc).startswith("check failed: 1 of 2 variables below threshold (relevant:")
    (tmp_path / "pyproject.toml").write_text('[tool.intercoder]\ntentative = "fail"\n')
    assert check().returncode == 1
    assert check("--tentative", "warn").returncode == 0  # the command line wins


@pytest.fixture
def no_variation(tmp_path: Path, book: Path) -> None:
    """severity: every coder always answers "0", so alpha is undefined."""
    csv_path = _write(tmp_path, _round(severity=("0",)))
    facts = _premise(book, csv_path)
    assert facts["severity"].status == "insufficient-data"
    assert facts["relevant"].status == "pass"


@pytest.mark.usefixtures("no_variation")
def test_insufficient_data_fails_by_default(check) -> None:
    proc = check()
    assert proc.returncode == 1
    assert _verdict(proc) == (
        "check failed: 1 of 2 variables failed (severity: insufficient data: alpha is "
        "undefined (40 units, 2 coders))"
    )
    assert "note: severity:" in proc.stdout  # assess says why


@pytest.mark.usefixtures("no_variation")
def test_insufficient_data_can_be_allowed(check, tmp_path: Path) -> None:
    proc = check("--insufficient-data", "warn")
    assert proc.returncode == 0, proc.stderr
    assert _verdict(proc).startswith("check passed with 1 warning: 1 of 2 variables pass")
    # Only for that variable, from the configuration file.
    (tmp_path / "intercoder.toml").write_text('[variables.severity]\ninsufficient-data = "warn"\n')
    assert check().returncode == 0
    (tmp_path / "intercoder.toml").write_text('[variables.relevant]\ninsufficient-data = "warn"\n')
    assert check().returncode == 1


def test_insufficient_data_with_a_single_coder(check, tmp_path: Path) -> None:
    _write(tmp_path, _round(coders=("ana",)))
    proc = check()
    assert proc.returncode == 1
    assert "2 of 2 variables failed" in _verdict(proc)
    assert "alpha is undefined (0 units, 1 coder)" in _verdict(proc)


@pytest.fixture
def failing_round(tmp_path: Path, book: Path) -> VariableReliability:
    """relevant: alpha between 0.5 and the tentative threshold (fails by default)."""
    relevant = _premise(book, _write(tmp_path, _round(relevant_flips=8)))["relevant"]
    assert 0.5 <= relevant.alpha < 0.667
    return relevant


def test_min_alpha_lowers_every_threshold(check, failing_round: VariableReliability) -> None:
    assert check().returncode == 1
    proc = check("--min-alpha", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert _verdict(proc) == "check passed: all 2 variables reach their threshold"
    assert re.search(r"^relevant\s.*\s0\.500\s+pass$", proc.stdout, re.MULTILINE)


def test_min_alpha_raises_a_threshold(check, tmp_path: Path, book: Path) -> None:
    facts = _premise(book, _write(tmp_path, _round(relevant_flips=2)))
    assert 0.8 <= facts["relevant"].alpha < 0.95
    assert check().returncode == 0
    # The tentative threshold of the codebook (0.667) still applies: a warning only ...
    assert check("--min-alpha", "0.95").returncode == 0
    # ... unless it is raised too.
    proc = check("--min-alpha", "0.95", "--tentative-alpha", "0.95")
    assert proc.returncode == 1
    assert f"relevant: alpha {facts['relevant'].alpha:.3f} < threshold 0.950" in _verdict(proc)


# --- configuration files ---------------------------------------------------------------------


@pytest.mark.usefixtures("failing_round")
def test_pyproject_is_found_from_a_subdirectory(check, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "coding-round"\n\n[tool.intercoder]\nmin-alpha = 0.5\n'
    )
    sub = tmp_path / "rounds" / "pilot"
    sub.mkdir(parents=True)
    # A pyproject.toml without [tool.intercoder] on the way up does not stop the search.
    (tmp_path / "rounds" / "pyproject.toml").write_text('[project]\nname = "other"\n')
    proc = check(files=(str(tmp_path / "round.csv"),), cwd=sub)
    assert proc.returncode == 0, proc.stderr
    assert "0.500" in proc.stdout
    # The command line wins over the file.
    assert check("--min-alpha", "0.8").returncode == 1
    assert check("--no-config").returncode == 1


@pytest.mark.usefixtures("failing_round")
def test_intercoder_toml_wins_over_pyproject(check, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.intercoder]\nmin-alpha = 0.9\n")
    assert check().returncode == 1
    (tmp_path / "intercoder.toml").write_text("min-alpha = 0.5\n")
    proc = check("--junit", "out/junit.xml")
    assert proc.returncode == 0, proc.stderr
    root = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["config"] == "intercoder.toml"


def test_explicit_config_file(check, tmp_path: Path, failing_round: VariableReliability) -> None:
    settings = tmp_path / "ci" / "gate.toml"
    settings.parent.mkdir()
    settings.write_text("min-alpha = 0.5\n")
    assert check().returncode == 1
    assert check("--config", str(settings)).returncode == 0


def test_per_variable_override(check, tmp_path: Path, book: Path) -> None:
    facts = _premise(book, _write(tmp_path, _round(relevant_flips=8, severity_flips=8)))
    assert facts["relevant"].alpha < 0.667
    assert facts["severity"].alpha < 0.667
    (tmp_path / "pyproject.toml").write_text(
        "[tool.intercoder]\nmin-alpha = 0.9\n\n[tool.intercoder.variables.severity]\n"
        "min-alpha = 0.5\n"
    )
    proc = check()
    assert proc.returncode == 1
    assert _verdict(proc).startswith("check failed: 1 of 2 variables below threshold (relevant: ")
    assert "< threshold 0.900" in _verdict(proc)
    assert re.search(r"^severity\s.*\s0\.500\s+pass$", proc.stdout, re.MULTILINE)


# --- judging on the bootstrap --------------------------------------------------------------


@pytest.fixture
def small_round(tmp_path: Path, book: Path) -> VariableReliability:
    """relevant on 12 units: alpha passes, but its 95% interval reaches below 0.667."""
    csv_path = _write(tmp_path, _round(units=12, relevant_flips=1))
    relevant = _premise(book, csv_path, bootstrap=gate.DEFAULT_BOOTSTRAP)["relevant"]
    assert relevant.alpha >= 0.8
    assert relevant.ci_low is not None
    assert relevant.ci_low < 0.667
    assert relevant.q is not None
    assert relevant.q > 0.1
    return relevant


def test_judging_on_the_lower_bound_flips_the_verdict(
    check, small_round: VariableReliability
) -> None:
    point = check()
    assert point.returncode == 0, point.stderr
    assert _verdict(point) == "check passed: all 2 variables reach their threshold"
    low = check("--judge", "ci-low")
    assert low.returncode == 1
    assert _verdict(low) == (
        "check failed: 1 of 2 variables below threshold (relevant: 95% CI lower bound "
        f"{small_round.ci_low:.3f} < threshold 0.800 (alpha {small_round.alpha:.3f}))"
    )
    assert f"note: relevant: judged on the 95% CI lower bound: {small_round.ci_low:.3f}" in (
        low.stdout
    )
    # The default is 10000 resamples with seed 0: the same interval as computed above.
    assert check("--judge", "ci-low", "--bootstrap", "10000", "--seed", "0").stdout == low.stdout


def test_judging_on_q_flips_the_verdict(
    check, book: Path, small_round: VariableReliability
) -> None:
    proc = check("--judge", "q")
    assert proc.returncode == 1
    assert small_round.q is not None
    assert _verdict(proc) == (
        "check failed: 1 of 2 variables below threshold (relevant: q = P(alpha < 0.800) = "
        f"{small_round.q:.3f} > max-q 0.050 (alpha {small_round.alpha:.3f}))"
    )
    # With a laxer max-q, q at the tentative threshold decides: tentative, a warning.
    at_tentative = _premise(
        book, book.parent / "round.csv", bootstrap=10_000, passing=0.667, tentative=0.667
    )["relevant"]
    assert at_tentative.q is not None
    assert small_round.q > 0.15 > at_tentative.q
    lax = check("--judge", "q", "--max-q", "0.15")
    assert lax.returncode == 0, lax.stderr
    assert "check passed with 1 warning" in _verdict(lax)
    assert f"(tentative: P(alpha < 0.667) = {at_tentative.q:.3f})" in _verdict(lax)
    assert check("--judge", "q", "--max-q", "0.15", "--tentative", "fail").returncode == 1
    assert check("--judge", "q", "--max-q", "0.5").returncode == 0  # q itself is below 0.5


def test_judge_per_variable_from_the_config(
    check, tmp_path: Path, small_round: VariableReliability
) -> None:
    (tmp_path / "intercoder.toml").write_text(
        'bootstrap = 2000\nseed = 3\n\n[variables.relevant]\njudge = "ci-low"\n'
    )
    proc = check("--junit", "junit.xml")
    assert proc.returncode == 1
    assert "relevant: 95% CI lower bound" in _verdict(proc)
    properties = {
        p.get("name"): p.get("value") for p in ET.parse(tmp_path / "junit.xml").iter("property")
    }
    assert properties["bootstrap"] == "2000"
    assert properties["seed"] == "3"
    assert properties["judge"] == "point,ci-low"
    (tmp_path / "intercoder.toml").write_text('[variables.severity]\njudge = "ci-low"\n')
    assert check().returncode == 0


def test_spans_without_a_bootstrap_are_judged_on_the_point_estimate(
    run_cli: RunCli, tmp_path: Path, book: Path
) -> None:
    text = book.read_text(encoding="utf-8").replace(
        "  - id: relevant\n    type: single_choice", "  - id: relevant\n    type: spans"
    )
    book.write_text(text, encoding="utf-8")
    rows = []
    for u in range(10):
        for coder in ("ana", "ben"):
            start = 3 if coder == "ben" and u < 3 else 2
            for value, begin, end in (("yes", start, 8), ("no", 10, 20)):
                rows.append(
                    {"unit_id": f"u{u}", "coder_id": coder, "variable": "relevant",
                     "value": value, "start": begin, "end": end}
                )  # fmt: skip
            rows.append(
                {"unit_id": f"u{u}", "coder_id": coder, "variable": "severity", "value": str(u % 2)}
            )
    (tmp_path / "spans.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli(
        "check", "spans.jsonl", "--codebook", book.name, "--judge", "ci-low", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^relevant\s+nominal\s+alpha_U\s+0\.9\d\d\s.*pass$", proc.stdout, re.M)
    assert (
        "note: relevant: no bootstrap for krippendorff_alpha_u: judged on the point estimate"
        in (proc.stdout)
    )


# --- bad input: content (1) and usage (2) --------------------------------------------------


def test_invalid_annotation_content_exits_1_with_file_and_line(
    check, tmp_path: Path, book: Path
) -> None:
    rows = _round(units=5)
    rows.insert(3, {"unit_id": "u1", "coder_id": "ben", "variable": "relevant", "value": "maybe"})
    _write(tmp_path, rows, "bad.csv")
    proc = check("--junit", "junit.xml", "--summary", "summary.md", files=("bad.csv",))
    assert proc.returncode == 1
    _no_traceback(proc)
    assert "bad.csv:5: relevant: 'maybe' is not a code of relevant" in proc.stderr.splitlines()
    # The reports say why, so CI shows it.
    error = ET.parse(tmp_path / "junit.xml").find("./testsuite/testcase/error")
    assert error is not None
    assert "bad.csv:5:" in (error.get("message") or "")
    assert "bad.csv:5:" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    github = check(files=("bad.csv",), env={"GITHUB_ACTIONS": "true"})
    assert github.returncode == 1
    assert any(
        line.startswith("::error file=bad.csv,line=5,title=intercoder check%3A invalid input::")
        for line in github.stdout.splitlines()
    )


def test_malformed_file_exits_1(check, tmp_path: Path) -> None:
    (tmp_path / "broken.csv").write_text("unit_id,coder,variable,value\nu1,a,relevant,yes\n")
    proc = check(files=("broken.csv",))
    assert proc.returncode == 1
    _no_traceback(proc)
    assert "missing column(s) 'coder_id'" in proc.stderr


CONFIG_ERRORS = [
    (
        "pyproject.toml",
        '[tool.intercoder]\nmin-alpha = "high"\n',
        "pyproject.toml: [tool.intercoder] min-alpha: expected a number from 0 to 1, got 'high'",
    ),
    (
        "pyproject.toml",
        "[tool.intercoder]\nmin_alpha = 0.7\n",
        "pyproject.toml: [tool.intercoder]: unknown key 'min_alpha' (did you mean 'min-alpha'?)",
    ),
    (
        "pyproject.toml",
        '[tool.intercoder.variables.severity]\njudge = "mean"\n',
        "pyproject.toml: [tool.intercoder.variables.severity] judge: expected one of 'point', "
        "'ci-low', 'q', got 'mean'",
    ),
    (
        "pyproject.toml",
        "[tool.intercoder.variables.sevrity]\nmin-alpha = 0.7\n",
        "pyproject.toml: [tool.intercoder.variables.sevrity]: minimal@1.0.0 has no variable "
        "(did you mean 'severity'?)",
    ),
    (
        "intercoder.toml",
        "max-q = 1.5\n",
        "intercoder.toml max-q: expected a number between 0 and 1 (exclusive), got 1.5",
    ),
    (
        "intercoder.toml",
        "[tool.intercoder]\nmin-alpha = 0.7\n",
        "intercoder.toml: unknown key 'tool': in intercoder.toml, write the settings at the top "
        "level (without [tool.intercoder])",
    ),
    (
        "intercoder.toml",
        "min-alpha = 0.6\ntentative-alpha = 0.7\n",
        "intercoder.toml: tentative-alpha (0.7) must not exceed min-alpha (0.6)",
    ),
    ("intercoder.toml", "seed = -1\n", "intercoder.toml seed: expected a whole number >= 0"),
    ("intercoder.toml", "min-alpha = \n", "intercoder.toml: invalid TOML: "),
    (
        "intercoder.toml",
        'judge = "q"\nbootstrap = 0\n',
        "judge 'q' needs the bootstrap, but bootstrap is 0",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    CONFIG_ERRORS,
    ids=[f"{i}-{c[0]}" for i, c in enumerate(CONFIG_ERRORS)],
)
def test_bad_config_is_a_one_line_usage_error(
    check, tmp_path: Path, name: str, content: str, message: str
) -> None:
    _write(tmp_path, _round())
    (tmp_path / name).write_text(content, encoding="utf-8")
    proc = check()
    assert proc.returncode == 2, proc.stderr
    _no_traceback(proc)
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith(f"Error: {message}")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--judge", "mean"), "Invalid value for '--judge'"),
        (("--min-alpha", "1.5"), "Invalid value for '--min-alpha'"),
        (("--max-q", "0"), "Invalid value for '--max-q'"),
        (("--bootstrap", "-1"), "Invalid value for '--bootstrap'"),
        (("--judge", "ci-low", "--bootstrap", "0"), "judge 'ci-low' needs the bootstrap"),
        (("--min-alpha", "0.6", "--tentative-alpha", "0.7"), "0.7 is above --min-alpha 0.6"),
        (("--codebook", "no-such-book"), "Invalid value for --codebook"),
        (("--config", "missing.toml"), "Invalid value for '--config'"),
        (("--config", "pyproject.toml", "--no-config"), "exclude each other"),
        (("--frobnicate",), "--frobnicate"),
    ],
)
def test_bad_options_exit_2(check, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    _write(tmp_path, _round())
    (tmp_path / "pyproject.toml").write_text("[tool.intercoder]\n")
    proc = check(*args)
    assert proc.returncode == 2, proc.stderr
    _no_traceback(proc)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert message in errors[0]


def test_a_missing_file_is_a_usage_error(check) -> None:
    proc = check(files=("nowhere.csv",))
    assert proc.returncode == 2
    _no_traceback(proc)
    assert "'nowhere.csv' does not exist" in proc.stderr


# --- JUnit XML ------------------------------------------------------------------------------

# After the structure of the JUnit schema used by Jenkins (xunit plugin, junit-4/junit-10) and
# Ant's JUnit report: testsuites > testsuite > (properties?, testcase*, system-out?,
# system-err?); testcase > (skipped?, error*, failure*, system-out*, system-err*). Stricter
# than both: counts are integers, times decimals, classname is required.
JUNIT_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:complexType name="result" mixed="true">
    <xs:attribute name="message" type="xs:string"/>
    <xs:attribute name="type" type="xs:string"/>
  </xs:complexType>
  <xs:element name="testsuites">
    <xs:complexType>
      <xs:sequence>
        <xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string"/>
      <xs:attribute name="tests" type="xs:nonNegativeInteger"/>
      <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
      <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="disabled" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="xs:decimal"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="testsuite">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="properties" minOccurs="0">
          <xs:complexType>
            <xs:sequence>
              <xs:element name="property" minOccurs="0" maxOccurs="unbounded">
                <xs:complexType>
                  <xs:attribute name="name" type="xs:string" use="required"/>
                  <xs:attribute name="value" type="xs:string" use="required"/>
                </xs:complexType>
              </xs:element>
            </xs:sequence>
          </xs:complexType>
        </xs:element>
        <xs:element ref="testcase" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="system-out" type="xs:string" minOccurs="0"/>
        <xs:element name="system-err" type="xs:string" minOccurs="0"/>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string" use="required"/>
      <xs:attribute name="tests" type="xs:nonNegativeInteger" use="required"/>
      <xs:attribute name="failures" type="xs:nonNegativeInteger"/>
      <xs:attribute name="errors" type="xs:nonNegativeInteger"/>
      <xs:attribute name="skipped" type="xs:nonNegativeInteger"/>
      <xs:attribute name="disabled" type="xs:nonNegativeInteger"/>
      <xs:attribute name="time" type="xs:decimal"/>
      <xs:attribute name="timestamp">
        <xs:simpleType>
          <xs:restriction base="xs:dateTime">
            <xs:pattern value="\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}"/>
          </xs:restriction>
        </xs:simpleType>
      </xs:attribute>
      <xs:attribute name="hostname" type="xs:string"/>
      <xs:attribute name="id" type="xs:string"/>
      <xs:attribute name="package" type="xs:string"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="testcase">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="skipped" type="result" minOccurs="0"/>
        <xs:element name="error" type="result" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="failure" type="result" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="system-out" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
        <xs:element name="system-err" type="xs:string" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="name" type="xs:string" use="required"/>
      <xs:attribute name="classname" type="xs:string" use="required"/>
      <xs:attribute name="time" type="xs:decimal"/>
      <xs:attribute name="assertions" type="xs:string"/>
      <xs:attribute name="status" type="xs:string"/>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""


def _valid_junit(path: Path) -> ET.Element:
    """Validate ``path`` against the schema; check that the counts add up; return the root."""
    xmlschema.XMLSchema(JUNIT_XSD).validate(str(path))
    root = ET.parse(path).getroot()
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        assert int(suite.get("failures", "-1")) == sum(len(c.findall("failure")) for c in cases)
        assert int(suite.get("errors", "-1")) == sum(len(c.findall("error")) for c in cases)
        assert int(suite.get("skipped", "-1")) == sum(len(c.findall("skipped")) for c in cases)
    return root


def test_junit_has_one_testcase_per_variable(check, tmp_path: Path, book: Path) -> None:
    facts = _premise(book, _write(tmp_path, _round(relevant_flips=5, severity_flips=12)))
    assert 0.667 <= facts["relevant"].alpha < 0.8  # tentative: a warning
    assert facts["severity"].alpha < 0.667  # fail
    proc = check("--junit", "reports/junit.xml")
    assert proc.returncode == 1
    assert "wrote reports/junit.xml" in proc.stderr
    root = _valid_junit(tmp_path / "reports" / "junit.xml")
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "minimal@1.0.0"
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == ["relevant", "severity"]

    failure = cases["severity"].find("failure")
    assert failure is not None
    alpha = f"{facts['severity'].alpha:.3f}"
    assert failure.get("message") == f"alpha {alpha} < threshold 0.800"
    assert failure.get("type") == "fail"
    assert f"alpha: {alpha}" in (failure.text or "")
    assert "threshold: 0.800 (tentative 0.667)" in (failure.text or "")

    relevant = cases["relevant"]
    assert relevant.find("failure") is None
    assert relevant.find("skipped") is None
    out = relevant.findtext("system-out") or ""
    assert out.startswith(f"warning: tentative: alpha {facts['relevant'].alpha:.3f} < threshold")

    # A tentative variable that must not pass is a failure, too.
    check("--junit", "reports/junit.xml", "--tentative", "fail")
    root = _valid_junit(tmp_path / "reports" / "junit.xml")
    assert root.get("failures") == "2"
    # Writing replaced the file atomically: no temporary file is left beside it.
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["junit.xml"]


@pytest.mark.usefixtures("no_variation")
def test_junit_skips_allowed_insufficient_data(check, tmp_path: Path) -> None:
    assert check("--junit", "junit.xml", "--insufficient-data", "warn").returncode == 0
    root = _valid_junit(tmp_path / "junit.xml")
    skipped = root.find("./testsuite/testcase[@name='severity']/skipped")
    assert skipped is not None
    assert (skipped.get("message") or "").startswith("insufficient data: alpha is undefined")
    assert check("--junit", "junit.xml").returncode == 1
    failure = _valid_junit(tmp_path / "junit.xml").find(
        "./testsuite/testcase[@name='severity']/failure"
    )
    assert failure is not None
    assert failure.get("type") == "insufficient-data"


def test_junit_for_invalid_input_is_valid(check, tmp_path: Path) -> None:
    rows = [*_round(units=3), {"unit_id": "u9", "coder_id": "x", "variable": "nope", "value": "1"}]
    _write(tmp_path, rows)
    assert check("--junit", "junit.xml").returncode == 1
    root = _valid_junit(tmp_path / "junit.xml")
    assert root.get("errors") == "1"


def test_junit_reads_with_junitparser(check, tmp_path: Path) -> None:
    import junitparser

    _write(tmp_path, _round(relevant_flips=12))
    assert check("--junit", "junit.xml").returncode == 1
    xml = junitparser.JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    suites = list(xml) if isinstance(xml, junitparser.JUnitXml) else [xml]
    (suite,) = suites
    assert suite.name == "minimal@1.0.0"
    assert (suite.tests, suite.failures, suite.errors) == (2, 1, 0)
    outcomes = {case.name: [type(r).__name__ for r in case.result] for case in suite}
    assert outcomes == {"relevant": ["Failure"], "severity": []}
    (failure,) = next(case for case in suite if case.name == "relevant").result
    assert "< threshold 0.800" in failure.message


# --- Markdown summary and GitHub annotations -----------------------------------------------


def test_summary_markdown(check, tmp_path: Path, book: Path) -> None:
    facts = _premise(book, _write(tmp_path, _round(severity_flips=12)))
    proc = check("--summary", "summary.md")
    assert proc.returncode == 1
    text = (tmp_path / "summary.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "## ❌ intercoder check failed"
    assert lines[2].startswith(r"check failed: 1 of 2 variables below threshold (severity: alpha")
    assert lines[4] == "_judged on the point estimate of alpha_"
    alpha = f"{facts['severity'].alpha:.3f}"
    assert f"- ❌ `severity` (fail): alpha {alpha} \\< threshold 0.800" in lines
    assert "### Reliability: `minimal@1.0.0`" in lines
    assert f"| `severity` | ordinal | alpha | {alpha} |  | 40 | 2 | 0.800 | ❌ fail |" in lines
    # Blocks are separated by blank lines, so every renderer sees the list and the table.
    assert lines[lines.index("### Reliability: `minimal@1.0.0`") - 1] == ""

    _write(tmp_path, _round())
    assert check("--summary", "summary.md").returncode == 0
    passed = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert passed.startswith("## ✅ intercoder check passed\n\ncheck passed: all 2 variables")


def test_github_annotations_only_on_github(check, tmp_path: Path, book: Path) -> None:
    _write(tmp_path, _round(relevant_flips=5, severity_flips=12))
    here = check()
    assert here.returncode == 1
    assert not [line for line in here.stdout.splitlines() if line.startswith("::")]

    github = check(env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)})
    assert github.returncode == 1
    commands = [line for line in github.stdout.splitlines() if line.startswith("::")]
    severity_line = book.read_text(encoding="utf-8").splitlines().index("  - id: severity") + 1
    relevant_line = book.read_text(encoding="utf-8").splitlines().index("  - id: relevant") + 1
    assert len(commands) == 2
    assert commands[0].startswith(
        f"::error file=book.yaml,line={severity_line},title=intercoder check%3A severity fail::"
        "severity (minimal@1.0.0): alpha 0."
    )
    assert commands[1].startswith(
        f"::warning file=book.yaml,line={relevant_line},title=intercoder check%3A relevant "
        "tentative::relevant (minimal@1.0.0): alpha 0."
    )
    # The verdict stays the last line.
    assert _verdict(github).startswith("check failed:")


def test_github_annotations_point_at_the_reliability_block(
    check, tmp_path: Path, book: Path
) -> None:
    text = book.read_text(encoding="utf-8").replace(
        "    label: {en: Severity, ru: Тяжесть}\n",
        "    label: {en: Severity, ru: Тяжесть}\n    reliability: {pass: 0.9, tentative: 0.8}\n",
    )
    book.write_text(text, encoding="utf-8")
    _write(tmp_path, _round(severity_flips=12))
    proc = check(env={"GITHUB_ACTIONS": "true"})
    line = text.splitlines().index("    reliability: {pass: 0.9, tentative: 0.8}") + 1
    (command,) = [c for c in proc.stdout.splitlines() if c.startswith("::")]
    assert command.startswith(f"::error file=book.yaml,line={line},")
    assert "< threshold 0.900" in command  # the codebook's own threshold


def test_github_annotations_without_a_file_outside_the_workspace(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path
) -> None:
    _write(tmp_path, _round(severity_flips=12))
    proc = run_cli(
        "check",
        "round.csv",
        "--codebook",
        str(minimal_path),  # outside the working directory
        cwd=tmp_path,
        env={"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)},
    )
    assert proc.returncode == 1
    (command,) = [c for c in proc.stdout.splitlines() if c.startswith("::")]
    assert command.startswith("::error title=intercoder check%3A severity fail::")


# --- units ----------------------------------------------------------------------------------


def test_workflow_command_escaping() -> None:
    line = gate.workflow_command(
        "error", "50% of\nunits", file="a,b:c.yaml", line=3, title="t: x, y"
    )
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,title=t%3A x%2C y::50%25 of%0Aunits"
    assert gate.workflow_command("warning", "m") == "::warning::m"


def _result(**changes: object) -> VariableReliability:
    fields: dict[str, object] = {
        "variable": "v",
        "level": "nominal",
        "coefficient": "krippendorff_alpha",
        "alpha": 0.85,
        "n_units": 30,
        "n_coders": 2,
        "threshold": 0.8,
        "tentative": 0.667,
        "status": "pass",
        "ci_low": 0.7,
        "ci_high": 0.95,
        "q": 0.2,
    }
    fields.update(changes)
    return VariableReliability(**fields)  # type: ignore[arg-type]


def _policy(**changes: object) -> gate.Policy:
    fields: dict[str, object] = {
        "passing": 0.8,
        "tentative_alpha": 0.667,
        "tentative": "warn",
        "insufficient_data": "fail",
        "judge": "point",
        "max_q": 0.05,
    }
    fields.update(changes)
    return gate.Policy(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("result", "policy", "q_tentative", "status", "outcome"),
    [
        ({}, {}, None, "pass", "ok"),
        ({"alpha": 0.7}, {}, None, "tentative", "warning"),
        ({"alpha": 0.7}, {"tentative": "fail"}, None, "tentative", "failure"),
        ({"alpha": 0.5}, {}, None, "fail", "failure"),
        ({"alpha": float("nan")}, {}, None, INSUFFICIENT, "failure"),
        ({"alpha": float("nan")}, {"insufficient_data": "warn"}, None, INSUFFICIENT, "warning"),
        ({}, {"judge": "ci-low"}, None, "tentative", "warning"),
        ({"ci_low": 0.6}, {"judge": "ci-low"}, None, "fail", "failure"),
        ({"ci_low": float("nan")}, {"judge": "ci-low"}, None, INSUFFICIENT, "failure"),
        # No bootstrap for this coefficient (alpha_U): the point estimate decides.
        ({"ci_low": None, "ci_high": None, "q": None}, {"judge": "q"}, None, "pass", "ok"),
        ({}, {"judge": "q"}, 0.01, "tentative", "warning"),
        ({}, {"judge": "q"}, 0.06, "fail", "failure"),
        ({"q": 0.05}, {"judge": "q"}, 0.0, "pass", "ok"),
        ({"q": float("nan")}, {"judge": "q"}, None, INSUFFICIENT, "failure"),
    ],
)
def test_judge_variable(
    result: dict[str, object],
    policy: dict[str, object],
    q_tentative: float | None,
    status: str,
    outcome: str,
) -> None:
    verdict = gate.judge_variable(_result(**result), _policy(**policy), q_tentative)
    assert (verdict.status, verdict.outcome) == (status, outcome)
    assert verdict.result.status == status
    assert "\n" not in verdict.message


def test_tentative_threshold_never_exceeds_the_pass_threshold(book: Path) -> None:
    cb = load_codebook(book)
    policies = gate.resolve(cb, gate.NO_CONFIG, gate.Settings(min_alpha=0.5))
    assert policies["relevant"].passing == 0.5
    assert policies["relevant"].tentative_alpha == 0.5


# --- start-up cost and registration ---------------------------------------------------------


def test_the_command_is_registered_and_light(run_cli: RunCli) -> None:
    help_text = run_cli("--help")
    assert help_text.returncode == 0
    assert re.search(r"^\s+check\s", help_text.stdout, re.MULTILINE)
    code = (
        "import sys\n"
        "import intercoder.commands.check\n"
        "heavy = ('numpy', 'attrs', 'intercoder.gate', 'intercoder.reliability')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""
