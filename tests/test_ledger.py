"""The ledger file itself: schema version, refusal of newer and damaged files, one transaction per
round (an injected failure and a killed process both leave it as it was), and several real
processes recording at once.

Rounds are made from real annotation files and the real codebook, as the commands make them.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from intercoder.annotations import check_annotations, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.ledger import (
    SCHEMA_VERSION,
    LedgerError,
    RoundExistsError,
    RoundNotFoundError,
    compare_rounds,
    default_path,
    find_round,
    make_round,
    perspectivist_rows,
    read_rounds,
    stability,
    store,
    write_round,
)
from intercoder.reliability import assess

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal.yaml"


def write_coding(
    path: Path,
    seed: int,
    *,
    p: float = 0.85,
    units: range = range(40),
    coders: tuple[str, ...] = ("ann", "bob", "cy"),
) -> Path:
    """Coders who agree with each unit's true value with probability ``p`` (truth per unit id,
    so two files with the same unit ids code the same units)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder_id", "variable", "value"])
        for u in units:
            truth = random.Random(u).choice(["yes", "no"])
            for coder in coders:
                value = truth if rng.random() < p else ("no" if truth == "yes" else "yes")
                writer.writerow([f"u{u}", coder, "relevant", value])
    return path


def make(path: Path, name: str | None = None, *, bootstrap: int = 0) -> store.Round:
    cb = load_codebook(str(MINIMAL))
    annotations = check_annotations(read_annotations(path), cb).annotations
    report = assess(annotations, cb, bootstrap=bootstrap, seed=1)
    return make_round(
        "agree", annotations, cb, report, files=[path], name=name, bootstrap=bootstrap
    )


def table_rows(ledger: Path) -> dict[str, int]:
    with sqlite3.connect(ledger) as con:
        return {
            t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("rounds", "files", "results", "certifications")
        }


def test_a_recorded_round_reads_back_with_its_files_results_and_codings(tmp_path: Path) -> None:
    coding = write_coding(tmp_path / "a.csv", 1)
    ledger = tmp_path / "ledger.sqlite"
    recorded = write_round(ledger, make(coding, bootstrap=200))
    assert recorded.name == "round-1"
    (back,) = read_rounds(ledger, codings=True)
    # alpha may be nan (a variable nobody coded), so compare the JSON-ready forms
    assert back.details() == recorded.details()
    assert back.codings == recorded.codings
    assert back.codebook == "minimal@1.0.0"
    assert back.files[0].records == 120
    assert len(back.files[0].sha256) == 64
    relevant = back.result("relevant")
    assert relevant is not None
    assert relevant.ci_low is not None
    # The stored codings give the recorded alpha again (the krippendorff package, side by side).
    codings = back.codings["relevant"]
    units = sorted({u for u, _, _ in codings.records})
    matrix = np.full((3, len(units)), np.nan)
    for u, c, v in codings.records:
        matrix[["ann", "bob", "cy"].index(c), units.index(u)] = 1.0 if v == "yes" else 0.0
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert relevant.alpha == pytest.approx(expected, abs=1e-12)
    with sqlite3.connect(ledger) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_generated_names_are_unique_and_a_taken_name_is_refused(tmp_path: Path) -> None:
    coding = write_coding(tmp_path / "a.csv", 1)
    ledger = tmp_path / "ledger.sqlite"
    write_round(ledger, make(coding))
    write_round(ledger, make(coding, "pilot"))
    third = write_round(ledger, make(coding))
    assert [r.name for r in read_rounds(ledger)] == ["round-1", "pilot", "round-3"]
    assert third.name == "round-3"
    before = table_rows(ledger)
    with pytest.raises(RoundExistsError, match="pilot"):
        write_round(ledger, make(coding, "pilot"))
    assert table_rows(ledger) == before
    assert find_round(read_rounds(ledger), "last", ledger).name == "round-3"
    with pytest.raises(RoundNotFoundError, match=r"ledger\.sqlite: no round named 'nope'"):
        find_round(read_rounds(ledger), "nope", ledger)


def test_a_failure_inside_the_transaction_leaves_the_ledger_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    coding = write_coding(tmp_path / "a.csv", 1)
    ledger = tmp_path / "ledger.sqlite"
    write_round(ledger, make(coding))
    before = (table_rows(ledger), [r.summary() for r in read_rounds(ledger)])

    def crash() -> None:  # after the round and its files are inserted, before its results
        raise OSError("disk gone")

    monkeypatch.setattr(store, "_between_inserts", crash)
    with pytest.raises(OSError, match="disk gone"):
        write_round(ledger, make(coding))
    assert (table_rows(ledger), [r.summary() for r in read_rounds(ledger)]) == before


def test_a_process_killed_while_recording_leaves_only_whole_rounds(tmp_path: Path) -> None:
    """A writer records big rounds in a loop and is killed with SIGKILL at some point: the
    ledger is intact and every round in it has all its files and results."""
    coding = write_coding(tmp_path / "a.csv", 1, units=range(3000))
    ledger = tmp_path / "ledger.sqlite"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_ledger import make
        from intercoder.ledger import write_round
        from pathlib import Path
        round_ = make(Path({str(coding)!r}))
        print("ready", flush=True)
        while True:
            write_round(Path({str(ledger)!r}), round_)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 60
    while len(read_rounds(ledger)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(random.Random(0).uniform(0.05, 0.3))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with sqlite3.connect(ledger) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rounds = read_rounds(ledger, codings=True)
    assert len(rounds) >= 3
    counts = table_rows(ledger)
    assert counts["files"] == len(rounds)
    assert counts["results"] == 2 * len(rounds)
    assert all(len(r.codings["relevant"].records) == 9000 for r in rounds)


def test_processes_recording_at_once_all_land(tmp_path: Path) -> None:
    """Eight real processes run ``agree --record`` on one ledger at the same moment."""
    ledger = tmp_path / "ledger.sqlite"
    files = [write_coding(tmp_path / f"c{i}.csv", i) for i in range(8)]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "intercoder",
                "agree",
                str(f),
                "--codebook",
                str(MINIMAL),
                "--record",
                "--ledger",
                str(ledger),
                "--format",
                "json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, [err for _, err in outputs]
    assert not any("locked" in err or "Traceback" in err for _, err in outputs)
    rounds = read_rounds(ledger)
    assert len(rounds) == 8
    assert len({r.name for r in rounds}) == 8
    assert sorted(r.files[0].path for r in rounds) == sorted(str(f) for f in files)
    # Each round holds the alpha its own process printed.
    printed = {
        str(f): json.loads(out)["variables"][0]["alpha"]
        for f, (out, _) in zip(files, outputs, strict=True)
    }
    for r in rounds:
        assert round(r.results[0].alpha, 6) == printed[r.files[0].path]


def _newer(ledger: Path) -> None:
    with sqlite3.connect(ledger) as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")


@pytest.mark.parametrize("damage", ["newer", "garbage", "other-database", "truncated"])
def test_a_ledger_it_cannot_read_is_refused_and_left_untouched(tmp_path: Path, damage: str) -> None:
    coding = write_coding(tmp_path / "a.csv", 1)
    ledger = tmp_path / "ledger.sqlite"
    write_round(ledger, make(coding))
    if damage == "newer":
        _newer(ledger)
    elif damage == "garbage":
        ledger.write_bytes(b"this is not a database\n" * 100)
    elif damage == "other-database":
        ledger.unlink()
        with sqlite3.connect(ledger) as con:
            con.execute("CREATE TABLE notes (text TEXT)")
    else:
        ledger.write_bytes(ledger.read_bytes()[:1500])
    before = ledger.read_bytes()
    with pytest.raises(LedgerError, match=r"ledger\.sqlite: ") as raised:
        write_round(ledger, make(coding))
    assert "\n" not in str(raised.value)
    with pytest.raises(LedgerError, match=r"ledger\.sqlite: "):
        read_rounds(ledger)
    assert ledger.read_bytes() == before
    if damage == "newer":
        assert "newer intercoder" in str(raised.value)


def test_the_default_ledger_sits_next_to_the_project_configuration(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "data" / "deep").mkdir(parents=True)
    assert default_path(project / "data") == (project / "data" / "intercoder-ledger.sqlite")
    (project / "pyproject.toml").write_text("[tool.intercoder]\n", encoding="utf-8")
    assert default_path(project / "data" / "deep") == project / "intercoder-ledger.sqlite"
    (project / "data" / "intercoder.toml").write_text("", encoding="utf-8")
    assert default_path(project / "data" / "deep") == project / "data" / "intercoder-ledger.sqlite"


def test_the_same_round_twice_differs_by_exactly_zero_when_paired(tmp_path: Path) -> None:
    """Paired over the same units, every resample draws the same units in both rounds: the
    interval of the difference of identical data is [0, 0]. Independent (no shared unit ids),
    the same data give a wide interval around 0."""
    ledger = tmp_path / "ledger.sqlite"
    same = write_coding(tmp_path / "a.csv", 1)
    a = write_round(ledger, make(same))
    b = write_round(ledger, make(same))
    shifted = tmp_path / "b.csv"
    shifted.write_text(same.read_text().replace(",u", ",x").replace("\nu", "\nx"), "utf-8")
    c = write_round(ledger, make(shifted))
    a, b, c = read_rounds(ledger, codings=True)
    paired = compare_rounds(a, b, n_resamples=300, seed=3).variables[0]
    assert (paired.ci_low, paired.ci_high, paired.shared_units) == (0.0, 0.0, 40)
    independent = compare_rounds(a, c, n_resamples=300, seed=3).variables[0]
    assert independent.shared_units == 0
    assert independent.difference == pytest.approx(0.0)
    assert independent.ci_low is not None
    assert independent.ci_high is not None
    assert independent.ci_low < -0.05
    assert independent.ci_high > 0.05


def test_the_difference_interval_is_reproducible_with_a_seed(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    write_round(ledger, make(write_coding(tmp_path / "a.csv", 1, p=0.95)))
    write_round(ledger, make(write_coding(tmp_path / "b.csv", 2, p=0.7)))
    a, b = read_rounds(ledger, codings=True)
    first = compare_rounds(a, b, n_resamples=200, seed=5).as_dict()
    assert compare_rounds(a, b, n_resamples=200, seed=5).as_dict() == first
    assert compare_rounds(a, b, n_resamples=200, seed=6).as_dict() != first
    change = first["variables"][0]
    assert change["difference"] == pytest.approx(change["alpha_b"] - change["alpha_a"], abs=2e-6)
    # A clear drop from 0.95 to 0.7 agreement: the interval lies below 0.
    assert change["ci"]["high"] < 0 < change["alpha_a"]


def test_stability_is_each_coder_against_their_earlier_codings(tmp_path: Path) -> None:
    """Intra-coder alpha, against the krippendorff package on the coder's two occasions."""
    ledger = tmp_path / "ledger.sqlite"
    write_round(ledger, make(write_coding(tmp_path / "a.csv", 1, units=range(30))))
    write_round(ledger, make(write_coding(tmp_path / "b.csv", 2, units=range(10, 50))))
    first, second = read_rounds(ledger, codings=True)
    items = stability(second, [first])
    assert [(s.coder, s.baseline, s.n_units) for s in items] == [
        ("ann", first.name, 20), ("bob", first.name, 20), ("cy", first.name, 20)
    ]  # fmt: skip
    for item in items:
        before = {u: v for u, c, v in first.codings["relevant"].records if c == item.coder}
        after = {u: v for u, c, v in second.codings["relevant"].records if c == item.coder}
        shared = sorted(set(before) & set(after))
        matrix = [[1.0 if d[u] == "yes" else 0.0 for u in shared] for d in (before, after)]
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        assert item.alpha == pytest.approx(expected, abs=1e-12)
    assert stability(first, []) == []


def test_the_perspectivist_export_keeps_every_label_and_the_distribution(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    write_round(ledger, make(write_coding(tmp_path / "a.csv", 4, p=0.6)))
    (round_,) = read_rounds(ledger, codings=True)
    rows = list(perspectivist_rows(round_))
    assert len(rows) == 40
    with (tmp_path / "a.csv").open(encoding="utf-8") as handle:
        labels = {(r["unit_id"], r["coder_id"]): r["value"] for r in csv.DictReader(handle)}
    for row in rows:
        assert dict(zip(row["annotators"], row["annotations"], strict=True)) == {
            c: labels[(row["id"], c)] for c in ("ann", "bob", "cy")
        }
        assert sum(row["soft_label"].values()) == pytest.approx(1.0, abs=1e-5)
        yes = row["annotations"].count("yes")
        assert row["soft_label"].get("yes", 0.0) == pytest.approx(yes / 3, abs=1e-6)
        assert row["hard_label"] == ("yes" if yes >= 2 else "no")


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_of_unit_weights_is_alpha_of_the_units_drawn(level: str) -> None:
    """A row of weights is a bootstrap draw: alpha of the data with each unit repeated as often
    as drawn (the krippendorff package on the expanded matrix, side by side)."""
    from intercoder import agreement

    rng = np.random.default_rng(11)
    truth = rng.integers(0, 4, size=30)
    matrix = np.where(rng.random((3, 30)) < 0.75, truth, rng.integers(0, 4, size=(3, 30)))
    matrix = matrix.astype(float)
    matrix[0, 3] = np.nan  # a unit with two values
    rd = agreement.ReliabilityData.from_matrix(matrix)
    weights = rng.integers(0, 3, size=(4, rd.pairable().n_units)).astype(float)
    got = agreement.alpha_unit_weights(rd, level, weights)
    order = rd.pairable().unit_index
    for row, alpha in zip(weights, got, strict=True):
        expanded = np.repeat(matrix[:, order], row.astype(int), axis=1)
        expected = krippendorff.alpha(reliability_data=expanded, level_of_measurement=level)
        assert alpha == pytest.approx(expected, abs=1e-10)
    ones = agreement.alpha_unit_weights(rd, level, np.ones((1, rd.pairable().n_units)))
    assert ones[0] == pytest.approx(agreement.alpha(rd, level), abs=1e-12)


def test_a_ledger_created_between_two_reads_is_not_taken_for_a_foreign_file(
    tmp_path: Path,
) -> None:
    """Another process creates the ledger (tables, then its version, in one transaction) just
    after this one read the version: the tables must be read from the same snapshot, or a
    ledger seen half-made is refused as "an SQLite database with other tables" (this happened
    to one of eight processes recording at once)."""
    from intercoder.ledger import store

    path = tmp_path / "ledger.sqlite"
    with closing(sqlite3.connect(path, isolation_level=None)) as setup:
        setup.execute("PRAGMA journal_mode = WAL")  # a writer may commit beside a reader
    other = sqlite3.connect(path, isolation_level=None)

    class CreatedInBetween:
        """A connection on which the other process commits right after the version is read."""

        def __init__(self) -> None:
            self.con = sqlite3.connect(path, isolation_level=None)
            self.created = False

        @property
        def in_transaction(self) -> bool:
            return self.con.in_transaction

        def execute(self, sql: str) -> sqlite3.Cursor:
            cursor = self.con.execute(sql)
            if sql == "PRAGMA user_version" and not self.created:
                self.created = True
                other.execute("BEGIN IMMEDIATE")
                for statement in store._SCHEMA.split(";"):
                    if statement.strip():
                        other.execute(statement)
                other.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION}")
                other.execute("COMMIT")
            return cursor

    connection = CreatedInBetween()
    try:
        assert store._check_schema(connection, path) == 0  # type: ignore[arg-type]
        assert store._check_schema(connection, path) == store.SCHEMA_VERSION  # type: ignore[arg-type]
    finally:
        connection.con.close()
        other.close()
