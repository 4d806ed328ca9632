"""Machine coding on the workers of a Dask cluster, the output in input order.

The tasks are cut into batches; the coder and the codebook are sent to the cluster once
(scattered to every worker), each batch is coded on a worker, and the annotations are gathered
batch by batch in input order: the output is the one :func:`intercoder.coders.parallel.code_tasks`
gives, whatever the number of workers. A coder that keeps state over a run (``summary``: an LLM
coder's counts and cache) or cannot be pickled is coded in this process, as there.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..annotations import Annotation
    from ..codebook.model import Codebook
    from ..extensions import Coder
    from ..tasks import Task
    from ._connect import Cluster

__all__ = ["code_on_cluster"]

#: Coders unpickled on this worker, by the key of their payload (one per run).
_loaded: dict[str, tuple[Any, Any]] = {}


def _code_batch(payload: bytes, key: str, tasks: list[Task]) -> list[Annotation]:
    """A worker: code one batch (the coder is unpickled once per worker and run)."""
    if key not in _loaded:
        _loaded.clear()  # one run at a time: drop the coder of an earlier run
        _loaded[key] = pickle.loads(payload)
    coder, codebook = _loaded[key]
    return list(coder.code(tasks, codebook))


def _travels(coder: Coder, codebook: Codebook) -> bytes | None:
    """The pickled coder and codebook, or None for a coder that must stay in this process."""
    from ..extensions import Coder

    if type(coder).summary is not Coder.summary:
        return None  # it reports on its run: its state must stay here
    try:
        return pickle.dumps((coder, codebook))
    except Exception:  # a coder that cannot travel is coded here, exactly as before
        return None


def code_on_cluster(
    coder: Coder,
    tasks: Sequence[Task],
    codebook: Codebook,
    cluster: Cluster,
    *,
    progress: Callable[[int], None] | None = None,
    batch: int | None = None,
) -> list[Annotation]:
    """The annotations ``coder`` makes for ``tasks``, in input order, coded on ``cluster``."""
    from ..coders.parallel import BATCH_TASKS, code_tasks

    payload = _travels(coder, codebook)
    if payload is None:
        return code_tasks(coder, tasks, codebook, jobs=1, progress=progress)
    from dask.base import tokenize

    client = cluster.client
    size = batch or BATCH_TASKS
    key = tokenize(payload)
    shared = client.scatter(payload, broadcast=True)
    batches = [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]
    futures = [client.submit(_code_batch, shared, key, part, pure=False) for part in batches]
    out: list[Annotation] = []
    for part, future in zip(batches, futures, strict=True):
        out.extend(future.result())
        future.release()
        if progress is not None:
            progress(len(part))
    return out
