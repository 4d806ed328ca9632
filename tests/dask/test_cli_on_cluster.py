"""The ``--dask`` option of ``check`` and ``agree`` end to end, as real processes.

``--dask local:2`` starts its own LocalCluster (two worker processes) in the command; the other
tests reach the session's cluster through its scheduler address. The reference is the same
command without ``--dask``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from clusterdata import CODEBOOK, pilot, scatter, write_csv
from intercoder.cluster import partition_files

pytestmark = pytest.mark.dask


def test_check_with_a_local_cluster_gives_the_verdict_of_one_process(
    run_cli, partitions: Path
) -> None:
    files = partition_files([str(partitions)])
    memory = run_cli("check", *files, "--codebook", str(CODEBOOK), "--no-config")
    ours = run_cli(
        "check", str(partitions), "--codebook", str(CODEBOOK), "--no-config", "--dask", "local:2"
    )
    assert ours.returncode == memory.returncode == 1, ours.stderr  # the pilot fails some
    assert ours.stdout == memory.stdout


def test_a_bad_value_fails_check_naming_the_partition_and_line(
    run_cli, scheduler: str, tmp_path: Path
) -> None:
    parts = scatter(pilot(units=30), 3)
    parts[1][2] = parts[1][2] | {"variable": "severity", "value": "7"}
    for i, part in enumerate(parts):
        write_csv(tmp_path / f"part-{i}.csv", part)
    proc = run_cli(
        "check", str(tmp_path), "--codebook", str(CODEBOOK), "--no-config", "--dask", scheduler
    )
    assert proc.returncode == 1
    assert f"{tmp_path / 'part-1.csv'}:4: severity: '7' is not a code of severity" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_without_dask_the_error_names_the_extra(run_cli, partitions: Path, tmp_path: Path) -> None:
    # A stand-in for an install without the extra: a `distributed` that cannot be imported.
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "distributed.py").write_text("raise ImportError('not installed')\n")
    proc = run_cli(
        "agree", str(partitions), "--codebook", str(CODEBOOK), "--dask", "local",
        env={"PYTHONPATH": str(blocker)},
    )  # fmt: skip
    assert proc.returncode == 2
    assert "pip install 'intercoder[dask]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_bad_target_is_a_usage_error(run_cli, partitions: Path) -> None:
    proc = run_cli("agree", str(partitions), "--codebook", str(CODEBOOK), "--dask", "local:0")
    assert proc.returncode == 2
    assert "local:N needs a number of workers N >= 1" in proc.stderr


def test_a_scheduler_that_does_not_answer_is_one_line(run_cli, partitions: Path) -> None:
    proc = run_cli(
        "agree", str(partitions), "--codebook", str(CODEBOOK), "--dask", "tcp://127.0.0.1:9",
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "no Dask scheduler answers there" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bootstrap_with_dask_is_refused_in_one_line(
    run_cli, scheduler: str, partitions: Path
) -> None:
    """A usage error before any work, as --record is (it used to read every partition on the
    cluster first, then fail with exit 1)."""
    proc = run_cli(
        "agree", str(partitions), "--codebook", str(CODEBOOK), "--dask", scheduler,
        "--bootstrap", "100",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--bootstrap resamples units in one place" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_reader_settings_reach_the_workers(run_cli, scheduler: str, tmp_path: Path) -> None:
    # Partitions as Excel saves them in a Russian locale: cp1251, ';' between cells. The coder
    # ids are capitals (which detection does not take for cp1251: only --encoding reads them),
    # and some topics are typed as their Russian labels (only --accept-labels reads them).
    labels = {"economy": "Экономика", "other": "Другое"}
    rows = []
    for row in pilot(units=60):
        row = row | {"coder_id": f"КОДЕР-{row['coder_id'][-1]}"}
        row["unit_id"] = row["unit_id"].replace("oʻ", "ТЕКСТ-").replace("ұ-", "ПОСТ-")
        if row["variable"] == "topic" and row["value"] in labels:
            row["value"] = labels[row["value"]]
        rows.append(row)
    directory = tmp_path / "parts"
    directory.mkdir()
    for i, part in enumerate(scatter(rows, 3)):
        staged = write_csv(tmp_path / f"staged-{i}.csv", part)
        text = staged.read_text(encoding="utf-8")
        cells = list(csv.reader(io.StringIO(text, newline="")))
        with (directory / f"part-{i}.csv").open("w", encoding="cp1251", newline="") as handle:
            csv.writer(handle, delimiter=";").writerows(cells)
    settings = ("--encoding", "cp1251", "--delimiter", ";", "--accept-labels")
    files = partition_files([str(directory)])
    memory = run_cli("agree", *files, "--codebook", str(CODEBOOK), "--format", "json", *settings)
    assert memory.returncode == 0, memory.stderr
    ours = run_cli(
        "agree", str(directory), "--codebook", str(CODEBOOK), "--format", "json", *settings,
        "--dask", scheduler,
    )  # fmt: skip
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == memory.stdout
    # Without them the same partitions cannot be read: the settings are what made it work.
    plain = run_cli("agree", str(directory), "--codebook", str(CODEBOOK), "--dask", scheduler)
    assert plain.returncode == 1
