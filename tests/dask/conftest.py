"""A real Dask LocalCluster (two worker processes) for the ``dask`` tests, and their data.

The cluster is started once per session through :func:`intercoder.cluster.connect`, the way
``--dask local:2`` starts it; the CLI tests reach it through its scheduler address, the way
``--dask ADDRESS`` reaches a cluster of any kind. Dask is imported, never skipped: without the
``dask`` extra these tests fail with the install line.

(No ``__init__.py`` here: a package named ``dask`` would hide the real one.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clusterdata import pilot, scatter, write_csv, write_parquet
from intercoder.cluster import Cluster, connect


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    with connect("local:2") as running:
        assert running.n_workers == 2
        yield running


@pytest.fixture(scope="session")
def scheduler(cluster: Cluster) -> str:
    address: str = cluster.client.scheduler.address
    return address


@pytest.fixture
def partitions(tmp_path: Path) -> Path:
    """A directory of partitions of the pilot: three CSV files and two Parquet files."""
    directory = tmp_path / "parts"
    directory.mkdir()
    for i, part in enumerate(scatter(pilot(), 5)):
        if i < 3:
            write_csv(directory / f"part-{i}.csv", part)
        else:
            write_parquet(directory / f"part-{i}.parquet", part)
    return directory
