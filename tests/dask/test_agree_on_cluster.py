"""Agreement over partitioned data on a real Dask LocalCluster: the same report as in memory.

References, run side by side: the in-memory engine (:func:`intercoder.reliability.assess` on the
same files read into one process) and the `krippendorff` package (alpha at the nominal,
ordinal, interval and ratio levels from the coders x units matrices of the same records).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from clusterdata import (
    CODEBOOK,
    assert_same_report,
    krippendorff_alphas,
    pilot,
    scatter,
    with_lone_codings,
    write_csv,
    write_parquet,
)
from intercoder.cluster import Cluster, ClusterError, partition_files, read_partitioned
from intercoder.codebook.registry import load_codebook
from intercoder.errors import ProblemsError
from intercoder.formats import read_checked
from intercoder.reliability import assess

pytestmark = pytest.mark.dask


def test_every_level_equals_the_in_memory_engine(cluster: Cluster, partitions: Path) -> None:
    cb = load_codebook(CODEBOOK)
    files = partition_files([str(partitions)])
    memory = assess(read_checked(files, cb).annotations, cb)
    checked = read_partitioned([str(partitions)], cb, cluster)
    assert checked.problems == ()
    ours = assess(checked.annotations, cb)
    assert_same_report(ours, memory)
    # The data exercise what they are meant to: show_if hides codings, spans and a tree.
    levels = {v.variable: v.level for v in ours.variables}
    assert levels == {
        "topic": "nominal",
        "severity": "ordinal",
        "sources": "interval",
        "share": "ratio",
        "targets": "nominal",
        "quotes": "nominal",
    }
    by_id = {v.variable: v for v in ours.variables}
    assert "not shown under show_if" in by_id["severity"].notes[0]
    assert by_id["topic"].details
    assert by_id["targets"].details
    assert not math.isnan(by_id["quotes"].alpha)


def test_partitions_where_a_variable_has_no_pairable_value(
    cluster: Cluster, tmp_path: Path
) -> None:
    cb = load_codebook(CODEBOOK)
    for number, part in enumerate(scatter(with_lone_codings(pilot()), 4)):
        write_parquet(tmp_path / f"part-{number}.parquet", part)
    files = partition_files([str(tmp_path)])
    memory = assess(read_checked(files, cb).annotations, cb)
    ours = assess(read_partitioned([str(tmp_path)], cb, cluster).annotations, cb)
    assert_same_report(ours, memory)
    assert {v.variable: v.status for v in ours.variables}["sources"] == "insufficient-data"


def test_alpha_matches_the_krippendorff_package(cluster: Cluster, tmp_path: Path) -> None:
    # No severity where the form would hide it: krippendorff sees the same records then.
    rows = [
        r
        for r in pilot(seed=5, units=300)
        if r["variable"] != "severity" or _topic_of(r) in ("elections", "parliament", "economy")
    ]
    for i, part in enumerate(scatter(rows, 4)):
        write_parquet(tmp_path / f"p{i}.parquet", part)
    cb = load_codebook(CODEBOOK)
    report = assess(read_partitioned([str(tmp_path / "*.parquet")], cb, cluster).annotations, cb)
    by_id = {v.variable: v for v in report.variables}
    expected = krippendorff_alphas(rows)
    for variable, alpha in expected.items():
        assert by_id[variable].alpha == pytest.approx(alpha, abs=1e-12), variable


_TOPIC: dict[tuple[str, str], str] = {}


def _topic_of(row: dict[str, Any]) -> str:
    if not _TOPIC:
        for r in pilot(seed=5, units=300):
            if r["variable"] == "topic":
                _TOPIC[(r["unit_id"], r["coder_id"])] = r["value"]
    return _TOPIC.get((row["unit_id"], row["coder_id"]), "")


def test_a_bad_value_is_named_with_its_partition_and_line(cluster: Cluster, tmp_path: Path) -> None:
    rows = pilot(units=30)
    parts = scatter(rows, 3)
    parts[2][4] = parts[2][4] | {"variable": "topic", "value": "sport"}
    files = [write_csv(tmp_path / f"part-{i}.csv", part) for i, part in enumerate(parts)]
    cb = load_codebook(CODEBOOK)
    with pytest.raises(ProblemsError) as memory:
        read_checked(files, cb)
    with pytest.raises(ProblemsError) as ours:
        read_partitioned([str(f) for f in files], cb, cluster)
    assert [str(d) for d in ours.value.diagnostics] == [str(d) for d in memory.value.diagnostics]
    assert str(ours.value.diagnostics[0]).startswith(f"{files[2]}:6: topic: 'sport' is not a code")


def test_skipped_records_and_a_unit_coded_twice_across_partitions(
    cluster: Cluster, tmp_path: Path
) -> None:
    rows = pilot(units=40)
    parts = scatter(rows, 3)
    twice = next(r for r in parts[0] if r["variable"] == "topic")
    parts[2].append(twice | {"value": "economy"})  # the same coder codes the unit again
    parts[1][0] = parts[1][0] | {"variable": "mood"}
    files = [write_csv(tmp_path / f"part-{i}.csv", part) for i, part in enumerate(parts)]
    cb = load_codebook(CODEBOOK)
    memory = read_checked(files, cb, skip_invalid=True)
    ours = read_partitioned([str(f) for f in files], cb, cluster, skip_invalid=True)
    assert [str(d) for d in ours.problems] == [str(d) for d in memory.problems]
    assert len(ours.problems) == 2
    assert "twice" in str(ours.problems[1]) + str(ours.problems[0])
    assert_same_report(assess(ours.annotations, cb), assess(memory.annotations, cb))


def test_a_partition_with_other_columns_is_named(cluster: Cluster, tmp_path: Path) -> None:
    parts = scatter(pilot(units=20), 3)
    files = [write_csv(tmp_path / f"part-{i}.csv", part) for i, part in enumerate(parts)]
    write_csv(files[1], parts[1], ["unit_id", "coder_id", "variable", "value", "codebook", "note"])
    with pytest.raises(ClusterError) as error:
        read_partitioned([str(tmp_path)], load_codebook(CODEBOOK), cluster)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{files[1]}: its columns differ from the other partitions'")
    assert "has note" in message
    assert "lacks end, start" in message


def test_a_partition_under_another_codebook_version_is_named(
    cluster: Cluster, tmp_path: Path
) -> None:
    parts = scatter(pilot(units=20), 3)
    parts[2] = [r | {"codebook": "every-level@1.1.0"} for r in parts[2]]
    files = [write_csv(tmp_path / f"part-{i}.csv", part) for i, part in enumerate(parts)]
    with pytest.raises(ClusterError) as error:
        read_partitioned([str(tmp_path)], load_codebook(CODEBOOK), cluster)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"{files[2]}: coded under every-level@1.1.0, while {files[0]}")


def test_bootstrap_is_refused_on_the_cluster(cluster: Cluster, partitions: Path) -> None:
    cb = load_codebook(CODEBOOK)
    checked = read_partitioned([str(partitions)], cb, cluster)
    with pytest.raises(ClusterError, match="--bootstrap"):
        assess(checked.annotations, cb, bootstrap=100, seed=1)


def test_json_of_agree_is_the_same_on_the_cluster(
    run_cli, scheduler: str, partitions: Path
) -> None:
    files = partition_files([str(partitions)])
    memory = run_cli("agree", *files, "--codebook", str(CODEBOOK), "--format", "json")
    assert memory.returncode == 0, memory.stderr
    ours = run_cli(
        "agree",
        str(partitions),
        "--codebook",
        str(CODEBOOK),
        "--format",
        "json",
        "--dask",
        scheduler,
    )
    assert ours.returncode == 0, ours.stderr
    assert json.loads(ours.stdout) == json.loads(memory.stdout)
    assert ours.stdout == memory.stdout
