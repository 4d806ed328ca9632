"""Machine coding on a real Dask LocalCluster: the output of one process, in input order.

The reference is the same coder run in this process (``code_tasks`` with ``jobs=1``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intercoder.cluster import Cluster, code_on_cluster
from intercoder.codebook.registry import load_codebook
from intercoder.coders import LexiconCoder
from intercoder.coders.parallel import code_tasks
from intercoder.tasks import read_tasks

pytestmark = pytest.mark.dask

# Uzbek in both scripts (with U+02BB), Kyrgyz with ң/ө/ү and typed without them, Russian, English.
TEXTS = [
    ("Oʻzbeklar bozorda savdo qilishadi.", "uz-Latn"),
    ("Ўзбеклар бозорда савдо қилишади.", "uz-Cyrl"),
    ("Өзбектерге жана орустарга каршы чакырыктар болду.", "ky"),
    ("Озбектерге жана орустарга каршы чакырыктар болду.", "ky"),
    ("Узбеки торгуют на базаре.", "ru"),
    ("The weather in Osh was sunny.", "en"),
]


@pytest.fixture
def task_file(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.jsonl"
    lines = [
        json.dumps({"unit_id": f"t{i:04d}", "text": text, "lang": lang}, ensure_ascii=False)
        for i, (text, lang) in enumerate(TEXTS * 50)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _loaded_on_workers(cluster: Cluster) -> dict[str, int]:
    def loaded() -> int:
        from intercoder.cluster import _code

        return len(_code._loaded)

    result: dict[str, int] = cluster.client.run(loaded)
    return result


def test_lexicon_on_the_workers_gives_the_output_of_one_process(
    cluster: Cluster, task_file: Path
) -> None:
    cb = load_codebook("hate-speech")
    tasks = read_tasks(task_file)
    done: list[int] = []
    expected = code_tasks(LexiconCoder(), tasks, cb, jobs=1)
    ours = code_on_cluster(LexiconCoder(), tasks, cb, cluster, batch=7, progress=done.append)
    assert ours == expected
    assert [a.unit_id for a in ours] == [a.unit_id for a in expected]  # input order
    assert expected, "the lexicon should code these texts"
    assert sum(done) == len(tasks)
    # The batches were coded on the workers, not here.
    assert any(_loaded_on_workers(cluster).values())


class _Stateful(LexiconCoder):
    """A coder that reports on its run: its state must stay in this process."""

    def summary(self) -> list[str]:
        return ["stateful"]


def test_a_stateful_coder_stays_in_this_process(cluster: Cluster, task_file: Path) -> None:
    cluster.client.run(_clear)
    cb = load_codebook("hate-speech")
    tasks = read_tasks(task_file)[:30]
    ours = code_on_cluster(_Stateful(), tasks, cb, cluster, batch=7)
    assert ours == list(LexiconCoder().code(tasks, cb))
    assert not any(_loaded_on_workers(cluster).values())


def _clear() -> None:
    from intercoder.cluster import _code

    _code._loaded.clear()


def test_code_with_dask_writes_the_same_file(run_cli, scheduler: str, task_file: Path) -> None:
    outputs = []
    for extra in (("--jobs", "1"), ("--dask", scheduler)):
        out = task_file.with_name(f"machine{extra[0]}.csv")
        proc = run_cli(
            "code", str(task_file), "--coder", "lexicon", "--codebook", "hate-speech",
            "-o", str(out), *extra,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
