"""Connecting to a Dask cluster: ``local`` / ``local:N`` starts one, anything else is an address.

Dask is imported here, lazily, so that ``import intercoder`` never needs it; without the extra the
message says which install line brings it.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from ..errors import IntercoderError

__all__ = ["Cluster", "ClusterError", "DaskMissingError", "connect", "parse_target"]

INSTALL_HINT = "pip install 'intercoder[dask]'"


class ClusterError(IntercoderError):
    """A cluster run cannot go on: a partition that disagrees, a scheduler out of reach."""


class DaskMissingError(ClusterError):
    """``--dask`` was asked for but Dask (distributed) is not installed."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise DaskMissingError(
            f"--dask needs Dask's distributed scheduler, which is not installed: {INSTALL_HINT}"
        ) from None
    return distributed


def parse_target(target: str) -> tuple[str, int | None]:
    """``("local", n_workers or None)`` for ``local`` / ``local:N``, else ``("address", None)``."""
    text = target.strip()
    if text == "local":
        return "local", None
    if text.startswith("local:"):
        count = text.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"{target!r}: local:N needs a number of workers N >= 1")
        return "local", int(count)
    if not text:
        raise ValueError("an empty --dask target: use local, local:N or a scheduler address")
    return "address", None


def default_workers() -> int:
    """Worker processes of ``--dask local``: one per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Cluster:
    """A connected Dask client, and the LocalCluster it started (if any): closed together."""

    def __init__(self, client: Any, local: Any = None) -> None:
        self.client = client
        self.local = local

    @property
    def n_workers(self) -> int:
        """Workers connected now."""
        return len(self.client.scheduler_info()["workers"])

    def close(self) -> None:
        self.client.close()
        if self.local is not None:
            self.local.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(target: str, *, timeout: float = 30) -> Cluster:
    """A client for ``target``: ``local`` (one worker process per core), ``local:N`` (N worker
    processes, one thread each) or the address of a running scheduler (``tcp://HOST:8786``)."""
    try:
        kind, n_workers = parse_target(target)
    except ValueError as exc:
        raise ClusterError(str(exc)) from None
    distributed = _distributed()
    if kind == "local":
        # Worker processes, one thread each: the work is numpy and Python, which a process
        # runs on its own core; no dashboard (it would need bokeh and a free port).
        local = distributed.LocalCluster(
            n_workers=n_workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Cluster(distributed.Client(local), local)
    try:
        client = distributed.Client(target, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"--dask {target}: no Dask scheduler answers there ({exc})") from None
    return Cluster(client)
