"""Running a machine coder over many tasks on several cores, with the output in input order.

:func:`code_tasks` cuts the tasks into batches and codes them in ``jobs - 1`` worker processes
and in this one (the coder and the codebook are sent to each worker once): the workers take
batches from the front, this process from the back, until they meet. The annotations are
put together batch by batch in input order, so the output is the same whatever the number of
workers. Small inputs, ``jobs=1`` and
coders that cannot be pickled (a third-party coder holding a connection, say) are coded in this
process, in one call, as before: the output is the same either way.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..annotations import Annotation
    from ..codebook.model import Codebook
    from ..extensions import Coder
    from ..tasks import Task

__all__ = ["BATCH_TASKS", "code_tasks", "default_jobs"]

#: Tasks per batch: large enough that sending a batch costs little against coding it.
BATCH_TASKS = 2000

_worker_state: tuple[Any, Any] | None = None


def default_jobs() -> int:
    """All the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_worker(payload: bytes) -> None:
    global _worker_state
    _worker_state = pickle.loads(payload)


def _code_batch(tasks: list[Task]) -> list[Annotation]:
    assert _worker_state is not None
    coder, codebook = _worker_state
    return list(coder.code(tasks, codebook))


def _values_batch(texts: list[str]) -> Any:
    assert _worker_state is not None
    coder, codebook = _worker_state
    return coder.text_values(texts, codebook)


def code_tasks(
    coder: Coder,
    tasks: Sequence[Task],
    codebook: Codebook,
    *,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    batch: int = BATCH_TASKS,
) -> list[Annotation]:
    """The annotations ``coder`` makes for ``tasks``, in input order, on ``jobs`` processes.

    ``progress(n)`` is called as each batch of ``n`` tasks is done.
    """
    if jobs < 1:
        raise ValueError("jobs must be at least 1")
    batches = [list(tasks[i : i + batch]) for i in range(0, len(tasks), batch)]
    payload = None
    # A coder that reports on its run (``summary``: an LLM coder's valid/invalid counts, its
    # response cache, its own request concurrency) keeps its state in this process.
    from ..extensions import Coder

    stateful = type(coder).summary is not Coder.summary
    if jobs > 1 and len(batches) > 1 and not stateful:
        try:
            payload = pickle.dumps((coder, codebook))
        except Exception:  # a coder that cannot travel is coded here, exactly as before
            payload = None
    if payload is None:
        # One call over all the tasks, as a coder expects; progress as they are consumed.
        def consumed() -> Iterator[Task]:
            for task in tasks:
                yield task
                if progress is not None:
                    progress(1)

        return list(coder.code(consumed(), codebook))
    # spawn, not fork: the parent may hold threads (Arrow's pools), which fork would copy
    # half-way through whatever they were doing.
    context = multiprocessing.get_context("spawn")
    # A coder that codes plain texts into plain values (the lexicon: ``text_values`` and
    # ``annotations_from_values``) is sent texts and sends values back: pickling tasks and
    # annotations would cost more than its coding.
    light = callable(getattr(coder, "text_values", None)) and callable(
        getattr(coder, "annotations_from_values", None)
    )

    def remote(index: int) -> Any:
        if light:
            return pool.submit(_values_batch, [task.text for task in batches[index]])
        return pool.submit(_code_batch, batches[index])

    def annotations_of(index: int, result: Any) -> list[Annotation]:
        if light:
            return list(coder.annotations_from_values(batches[index], result, codebook))  # type: ignore[attr-defined]
        return list(result)

    # This process is one of the ``jobs``. Every batch is offered to the workers (jobs - 1 of
    # them), which take them from the front; this process codes from the back every batch no
    # worker has started yet (a pending call can still be cancelled). Neither waits for the
    # other: the workers' start-up (an interpreter and the imports, about half a second) is
    # spent coding here, and a slow batch on either side is made up by the other.
    done: list[list[Annotation] | None] = [None] * len(batches)
    # Batches the workers have finished, appended by the pool's thread; taken in from here.
    finished: collections.deque[int] = collections.deque()

    def report(index: int) -> None:
        if progress is not None:
            progress(len(batches[index]))

    def take_finished() -> None:
        # Turned into annotations here as they come in, so that by the time this process has
        # no batch left to code, little is left to do after the workers' last one.
        while finished:
            index = finished.popleft()
            done[index] = annotations_of(index, futures[index].result())
            report(index)

    with ProcessPoolExecutor(
        max_workers=min(jobs - 1, len(batches) - 1),
        mp_context=context,
        initializer=_start_worker,
        initargs=(payload,),
    ) as pool:
        futures = [remote(index) for index in range(len(batches))]
        for index, future in enumerate(futures):
            future.add_done_callback(
                lambda future, index=index: None if future.cancelled() else finished.append(index)
            )
        try:
            for index in reversed(range(len(batches))):
                if futures[index].cancel():
                    done[index] = list(coder.code(batches[index], codebook))
                    report(index)
                take_finished()
            for index, future in enumerate(futures):
                if done[index] is None:
                    future.result()  # waits; its callback may come just after
                    take_finished()
        except BaseException:
            # A coder's error (here or in a worker) or Ctrl-C: the batches not started are
            # dropped, instead of being coded before the pool lets the error through.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    # A result can be there before its callback has run; the pool's thread ends with both.
    take_finished()
    return [annotation for part in done if part is not None for annotation in part]
