"""`intercoder rounds` and `--record`: the commands that write the ledger and read it, as real
processes (the `run_cli` fixture): output unchanged by recording, the JSON shapes of the public
contract, drift checks, the methods paragraph, the report's rounds section, the codebook
feedback loop, and bad input as one line naming the file.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest

from intercoder.ledger import SCHEMA_VERSION, read_rounds
from test_ledger import MINIMAL, write_coding

from support import RunCli, write_version


def _gold(path: Path, units: range) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder_id", "variable", "value", "provenance"])
        for u in units:
            truth = __import__("random").Random(u).choice(["yes", "no"])
            writer.writerow([f"u{u}", "gold", "relevant", truth, "adjudicated"])
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with an intercoder.toml; commands run from its data/ subdirectory."""
    (tmp_path / "intercoder.toml").write_text("", encoding="utf-8")
    (tmp_path / "data").mkdir()
    return tmp_path


def _agree(run_cli: RunCli, cwd: Path, coding: Path, *extra: str) -> str:
    proc = run_cli("agree", str(coding), "--codebook", str(MINIMAL), *extra, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_recording_leaves_the_output_alone_and_writes_next_to_the_project_config(
    run_cli: RunCli, project: Path
) -> None:
    coding = write_coding(project / "data" / "a.csv", 1)
    plain = run_cli("agree", str(coding), "--codebook", str(MINIMAL), cwd=project / "data")
    recorded = run_cli(
        "agree", str(coding), "--codebook", str(MINIMAL), "--record", cwd=project / "data"
    )
    assert recorded.returncode == plain.returncode == 0
    assert recorded.stdout == plain.stdout
    assert plain.stderr == ""
    ledger = project / "intercoder-ledger.sqlite"
    assert recorded.stderr == f"recorded round round-1 in {ledger}\n"
    assert not (project / "data" / "intercoder-ledger.sqlite").exists()
    (round_,) = read_rounds(ledger)
    assert round_.command == "agree"


def test_list_and_compare_print_the_json_shapes_of_the_contract(
    run_cli: RunCli, tmp_path: Path
) -> None:
    _agree(run_cli, tmp_path, write_coding(tmp_path / "a.csv", 1, p=0.95), "--record")
    _agree(run_cli, tmp_path, write_coding(tmp_path / "b.csv", 2, p=0.7), "--record")
    listed = run_cli("rounds", "list", "--format", "json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert list(data) == ["rounds"]
    assert [r["round"] for r in data["rounds"]] == ["round-1", "round-2"]
    for r in data["rounds"]:
        assert {"round", "codebook", "recorded_at", "variables"} <= r.keys()
        assert r["codebook"] == "minimal@1.0.0"
        assert [v["variable"] for v in r["variables"]] == ["relevant", "severity"]
        assert "alpha" in r["variables"][0]

    compare = ("rounds", "compare", "round-1", "round-2", "--format", "json", "--bootstrap", "300")
    first = run_cli(*compare, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = run_cli(*compare, cwd=tmp_path)
    assert again.stdout == first.stdout  # seeded: the same interval every time
    variables = json.loads(first.stdout)["variables"]
    for v in variables:
        assert list(v) == ["variable", "alpha_a", "alpha_b", "difference", "ci"]
        assert list(v["ci"]) == ["low", "high"]
    relevant = variables[0]
    alphas = {r["round"]: r["variables"][0]["alpha"] for r in data["rounds"]}
    assert (relevant["alpha_a"], relevant["alpha_b"]) == (alphas["round-1"], alphas["round-2"])
    assert relevant["ci"]["low"] < relevant["difference"] < relevant["ci"]["high"] < 0

    table = run_cli("rounds", "compare", "round-1", "round-2", "--bootstrap", "300", cwd=tmp_path)
    assert "relevant" in table.stdout
    assert "paired units" in table.stdout


def test_check_fails_when_alpha_fell_more_than_max_drop_since_the_baseline(
    run_cli: RunCli, tmp_path: Path
) -> None:
    check = ("check", "--codebook", str(MINIMAL), "--insufficient-data", "warn", "--min-alpha", "0")
    good = write_coding(tmp_path / "good.csv", 1, p=0.97)
    worse = write_coding(tmp_path / "worse.csv", 2, p=0.8)
    first = run_cli(*check, str(good), "--record", "--round", "pilot", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    fell = run_cli(*check, str(worse), "--baseline", "last", "--max-drop", "0.05", cwd=tmp_path)
    assert fell.returncode == 1
    assert "drift: relevant: alpha" in fell.stdout
    assert "since round pilot" in fell.stdout
    lenient = run_cli(*check, str(worse), "--baseline", "pilot", "--max-drop", "0.9", cwd=tmp_path)
    assert lenient.returncode == 0, lenient.stdout
    assert "drift: ok" in lenient.stdout
    # Without --baseline, the output is what it always was.
    plain = run_cli(*check, str(worse), cwd=tmp_path)
    assert "drift" not in plain.stdout
    assert plain.stdout == lenient.stdout.replace(lenient.stdout.splitlines()[-1] + "\n", "")

    unknown = run_cli(*check, str(worse), "--baseline", "nope", "--max-drop", "0.1", cwd=tmp_path)
    assert unknown.returncode == 2
    assert "intercoder-ledger.sqlite: no round named 'nope'" in unknown.stderr
    alone = run_cli(*check, str(worse), "--baseline", "pilot", cwd=tmp_path)
    assert alone.returncode == 2
    assert "--baseline and --max-drop go together" in alone.stderr


def test_show_gives_certification_stability_and_the_methods_paragraph(
    run_cli: RunCli, tmp_path: Path
) -> None:
    gold = _gold(tmp_path / "gold.csv", range(20))
    training = write_coding(tmp_path / "training.csv", 3, p=0.95, units=range(20))
    proc = run_cli(
        "certify", str(gold), str(training), "--codebook", str(MINIMAL), "--record",
        "--round", "training", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    assert "recorded round training" in proc.stderr
    _agree(run_cli, tmp_path, write_coding(tmp_path / "main.csv", 4, units=range(10, 50)),
           "--record", "--round", "main", "--bootstrap", "200", "--seed", "2")  # fmt: skip

    shown = run_cli("rounds", "show", "main", "--format", "json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["round"] == "main"
    assert data["files"][0]["path"].endswith("main.csv")
    # Each coder recoded units 10-19 of the training round: stability against it.
    assert [(s["coder"], s["baseline"], s["n_units"]) for s in data["stability"]] == [
        ("ann", "training", 10), ("bob", "training", 10), ("cy", "training", 10)
    ]  # fmt: skip
    training_data = json.loads(
        run_cli("rounds", "show", "training", "--format", "json", cwd=tmp_path).stdout
    )
    assert [c["coder"] for c in training_data["certification"]] == ["ann", "bob", "cy"]

    english = run_cli("rounds", "show", "main", "--format", "markdown", cwd=tmp_path)
    assert english.returncode == 0, english.stderr
    text = english.stdout
    assert text.startswith("## Intercoder reliability\n")
    facts = ("40 units", "3 coders", "minimal, version 1.0.0", "200 bootstrap resamples")
    facts += ("tested against a gold standard", "Lombard, Snyder-Duch & Bracken (2002)")
    for fact in facts:
        assert fact in text
    alpha = next(v["alpha"] for v in data["variables"] if v["variable"] == "relevant")
    assert f"relevant, α = {alpha:.2f}" in text

    russian = run_cli(
        "rounds", "show", "main", "--format", "markdown", "--lang", "ru", cwd=tmp_path
    )
    assert russian.stdout.startswith("## Надёжность кодирования\n")
    assert f"relevant: α = {alpha:.2f}".replace(".", ",") in russian.stdout
    assert "эталонной разметке" in russian.stdout
    assert "### Стабильность (повторное кодирование)\n" in russian.stdout


def test_the_report_shows_the_trend_with_version_changes_stability_and_methods(
    run_cli: RunCli, tmp_path: Path, codebook_dir: Path, minimal_text: str
) -> None:
    write_version(codebook_dir, minimal_text, "minimal", "1.0.0")
    changed = minimal_text.replace(
        "definition: {en: Whether the text mentions an ethnic group.",
        "definition: {en: Whether the text names or clearly means an ethnic group.",
    )
    write_version(codebook_dir, changed, "minimal", "1.1.0")
    env = {"INTERCODER_CODEBOOK_PATH": str(codebook_dir)}
    for i, (version, p) in enumerate([("1.0.0", 0.75), ("1.0.0", 0.8), ("1.1.0", 0.97)]):
        coding = write_coding(tmp_path / f"r{i}.csv", i, p=p)
        proc = run_cli(
            "report", str(coding), "--codebook", f"minimal@{version}",
            "-o", str(tmp_path / f"r{i}.html"), "--record", "--bootstrap", "100", "--seed", "1",
            cwd=tmp_path, env=env,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "r2.html").read_text(encoding="utf-8")
    assert 'id="rounds"' in page
    assert 'id="trend-relevant"' in page
    trend = page.split('id="trend-relevant"', 1)[1].split("</svg>", 1)[0]
    assert trend.count('class="point"') == 3
    assert trend.count('class="version-change"') == 1
    assert 'data-codebook="minimal@1.1.0"' in page
    assert 'id="stability-table"' in page
    assert 'id="methods"' in page
    assert "Krippendorff&#x27;s alpha" in page

    plain = tmp_path / "plain.html"
    proc = run_cli("report", str(tmp_path / "r0.csv"), "--codebook", "minimal@1.0.0",
                   "-o", str(plain), cwd=tmp_path, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == f"wrote {plain}\n"
    text = plain.read_text(encoding="utf-8")
    assert 'id="methods"' in text
    assert 'id="rounds"' not in text

    # The codebook feedback loop: relevant changed between 1.0.0 and 1.1.0, and became more
    # reliable (agreement 0.8 -> 0.97).
    compare = run_cli("rounds", "compare", "round-2", "round-3", "--format", "json", cwd=tmp_path)
    data = json.loads(compare.stdout)
    assert data["changed_variables"] == [
        {"variable": "relevant", "more_reliable": True,
         "difference": data["variables"][0]["difference"]}
    ]  # fmt: skip
    table = run_cli("rounds", "compare", "round-1", "round-3", cwd=tmp_path).stdout
    assert "relevant *" in table
    assert "relevant: more reliable" in table
    # rounds show marks them too, against the latest round of the old version.
    shown = json.loads(
        run_cli("rounds", "show", "round-3", "--format", "json", cwd=tmp_path).stdout
    )
    changes = shown["codebook_changes"]
    assert (changes["a"], changes["codebook_a"]) == ("round-2", "minimal@1.0.0")
    assert changes["changed_variables"] == data["changed_variables"]
    table = run_cli("rounds", "show", "round-3", cwd=tmp_path).stdout
    assert "changed since minimal@1.0.0 (round round-2):" in table
    assert table.rstrip().endswith(": more reliable")
    unchanged = json.loads(
        run_cli("rounds", "show", "round-2", "--format", "json", cwd=tmp_path).stdout
    )
    assert unchanged["codebook_changes"] is None


def test_reading_never_changes_the_ledger_and_export_writes_every_label(
    run_cli: RunCli, tmp_path: Path
) -> None:
    empty = run_cli("rounds", "list", "--format", "json", cwd=tmp_path)
    assert (empty.returncode, json.loads(empty.stdout)) == (0, {"rounds": []})
    assert not (tmp_path / "intercoder-ledger.sqlite").exists()
    coding = write_coding(tmp_path / "a.csv", 1)
    _agree(run_cli, tmp_path, coding, "--record")
    ledger = tmp_path / "intercoder-ledger.sqlite"
    before = ledger.read_bytes()
    out = tmp_path / "round.jsonl"
    for args in (
        ("rounds", "list"),
        ("rounds", "show", "last", "--format", "markdown"),
        ("rounds", "compare", "round-1", "last", "--bootstrap", "50"),
        ("rounds", "export", "last", "-o", str(out)),
    ):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 0, (args, proc.stderr)
    assert ledger.read_bytes() == before
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 40
    assert rows[0]["annotators"] == ["ann", "bob", "cy"]


@pytest.mark.parametrize("damage", ["newer", "garbage"])
def test_a_bad_ledger_is_one_line_naming_the_file_and_stays_untouched(
    run_cli: RunCli, tmp_path: Path, damage: str
) -> None:
    coding = write_coding(tmp_path / "a.csv", 1)
    ledger = tmp_path / "intercoder-ledger.sqlite"
    _agree(run_cli, tmp_path, coding, "--record")
    if damage == "newer":
        with sqlite3.connect(ledger) as con:
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    else:
        ledger.write_bytes(b"\x00garbage" * 64)
    before = ledger.read_bytes()
    for args in (
        ("agree", str(coding), "--codebook", str(MINIMAL), "--record"),
        ("rounds", "list"),
        ("rounds", "show", "last"),
        ("rounds", "compare", "round-1", "round-1"),
    ):
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 1, (args, proc.stderr)
        assert proc.stdout == ""
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert proc.stderr.startswith("intercoder: error: intercoder-ledger.sqlite: ")
        assert "Traceback" not in proc.stderr
    assert ledger.read_bytes() == before


def test_unknown_rounds_and_misused_options_are_usage_errors(
    run_cli: RunCli, tmp_path: Path
) -> None:
    coding = write_coding(tmp_path / "a.csv", 1)
    _agree(run_cli, tmp_path, coding, "--record", "--round", "pilot")
    before = (tmp_path / "intercoder-ledger.sqlite").read_bytes()
    for args, message in (
        (("rounds", "show", "nope"), "no round named 'nope' (latest: pilot)"),
        (("rounds", "compare", "pilot", "nope"), "no round named 'nope' (latest: pilot)"),
        (("agree", str(coding), "--codebook", str(MINIMAL), "--round", "x"),
         "--round needs --record"),
        (("agree", str(coding), "--codebook", str(MINIMAL), "--record", "--round", "pilot"),
         "a round named 'pilot' is already recorded"),
    ):  # fmt: skip
        proc = run_cli(*args, cwd=tmp_path)
        assert proc.returncode == 2, (args, proc.stderr)
        assert message in proc.stderr
        assert "Traceback" not in proc.stderr
        if args[0] == "rounds":  # a round name, not an option: one line naming the ledger
            assert proc.stderr == f"Error: intercoder-ledger.sqlite: {message}\n"
    assert (tmp_path / "intercoder-ledger.sqlite").read_bytes() == before
