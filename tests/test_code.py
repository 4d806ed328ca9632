"""`intercoder code`: task files, the built-in lexicon coder, machine vs human agreement."""

from __future__ import annotations

import concurrent.futures
import json
from pathlib import Path

import attrs
import numpy as np
import pytest

from intercoder import load_codebook
from intercoder.annotations import check_annotations, read_annotations
from intercoder.coders import LexiconCoder
from intercoder.errors import IntercoderError
from intercoder.tasks import read_tasks

from support import MarkingCoder, RunCli

# The same statements in Uzbek Latin (three apostrophe spellings) and Cyrillic, and in Kyrgyz
# with suffixes (once typed without ң/ө/ү, as people often do).
TASKS = [
    ("uz-latn", "Oʻzbeklar bozorda savdo qilishadi.", "uz-Latn"),
    ("uz-latn-ascii", "O'zbeklar bozorda savdo qilishadi.", "uz-Latn"),
    ("uz-latn-quote", "O‘zbeklar bozorda savdo qilishadi.", "uz-Latn"),
    ("uz-cyrl", "Ўзбеклар бозорда савдо қилишади.", "uz-Cyrl"),
    ("ky", "Өзбектерге жана орустарга каршы чакырыктар болду.", "ky"),
    ("ky-plain", "Озбектерге жана орустарга каршы чакырыктар болду.", "ky"),
    ("en", "The weather in Osh was sunny.", "en"),
]


@pytest.fixture
def task_file(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {"unit_id": u, "text": t, "lang": lang, "source": "constructed"}, ensure_ascii=False
            )
            + "\n"
            for u, t, lang in TASKS
        ),
        encoding="utf-8",
    )
    return path


def test_lexicon_codes_both_scripts_and_suffixes(
    run_cli: RunCli, task_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "machine.csv"
    evidence = tmp_path / "evidence.jsonl"
    proc = run_cli(
        "code",
        str(task_file),
        "--coder",
        "lexicon",
        "--codebook",
        "hate-speech",
        "-o",
        str(out),
        "--evidence",
        str(evidence),
    )
    assert proc.returncode == 0, proc.stderr
    cb = load_codebook("hate-speech")
    checked = check_annotations(read_annotations(out), cb)
    assert checked.problems == ()
    values = {r.unit_id: r.value for r in checked.annotations if r.variable == "target_group"}
    assert {r.coder_id for r in checked.annotations} == {LexiconCoder().coder_id}
    for unit in ("uz-latn", "uz-latn-ascii", "uz-latn-quote", "uz-cyrl"):
        assert values[unit] == ("uzbeks",), unit
    assert values["ky"] == values["ky-plain"] == ("russians", "uzbeks")
    assert values["en"] == ()

    texts = {u: t for u, t, _ in TASKS}
    matches = [json.loads(line) for line in evidence.read_text(encoding="utf-8").splitlines()]
    for match in matches:
        assert texts[match["unit_id"]][match["start"] : match["end"]] == match["text"]
    ky_words = {m["text"] for m in matches if m["unit_id"] == "ky"}
    assert ky_words == {"Өзбектерге", "орустарга"}


def test_machine_and_humans_are_compared_alike(
    run_cli: RunCli, task_file: Path, tmp_path: Path
) -> None:
    machine = tmp_path / "machine.jsonl"
    assert (
        run_cli(
            "code",
            str(task_file),
            "--coder",
            "lexicon",
            "--codebook",
            "hate-speech",
            "-o",
            str(machine),
        ).returncode
        == 0
    )
    human = tmp_path / "human.jsonl"
    human_values = {
        "uz-latn": ["uzbeks"],
        "uz-latn-ascii": ["uzbeks"],
        "uz-latn-quote": ["uzbeks"],
        "uz-cyrl": ["uzbeks", "russians"],
        "ky": ["uzbeks", "russians"],
        "ky-plain": ["uzbeks"],
        "en": [],
    }
    human.write_text(
        "".join(
            json.dumps(
                {
                    "unit_id": u,
                    "coder_id": "aigul@example.org",
                    "variable": "target_group",
                    "value": v,
                }
            )
            + "\n"
            for u, v in human_values.items()
        ),
        encoding="utf-8",
    )
    proc = run_cli(
        "agree", str(human), str(machine), "--codebook", "hate-speech", "--format", "json"
    )
    assert proc.returncode == 0, proc.stderr
    (target,) = [v for v in json.loads(proc.stdout)["variables"] if v["variable"] == "target_group"]
    assert target["n_coders"] == 2
    assert target["n_units"] == len(TASKS)
    assert target["coefficient"] == "krippendorff_alpha_masi"


def test_unknown_coder_and_format_are_usage_errors(
    run_cli: RunCli, task_file: Path, tmp_path: Path
) -> None:
    proc = run_cli(
        "code",
        str(task_file),
        "--coder",
        "lexicn",
        "--codebook",
        "hate-speech",
        "-o",
        str(tmp_path / "x.csv"),
    )
    assert proc.returncode == 2
    assert "'lexicn' is not a registered coder (lexicon" in proc.stderr
    proc = run_cli(
        "code",
        str(task_file),
        "--coder",
        "lexicon",
        "--codebook",
        "hate-speech",
        "-o",
        str(tmp_path / "x.xlsx"),
    )
    assert proc.returncode == 2


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ("unit_id,txt\nu1,hello\n", ".csv", "missing column(s) 'text' (found 'txt')"),
        (
            '{"unit_id": "u1", "text": "a"}\n{"unit_id": "u1", "text": "b"}\n',
            ".jsonl",
            ":2: unit_id 'u1' appears twice",
        ),
        ('{"unit_id": "u1", "text": "a"\n', ".jsonl", ":1:"),
        ("unit_id,text\nu1,\n", ".csv", ":2: text: missing"),
    ],
)
def test_bad_task_files(tmp_path: Path, content: str, suffix: str, message: str) -> None:
    path = tmp_path / f"tasks{suffix}"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IntercoderError) as info:
        read_tasks(path)
    assert message in str(info.value)


def test_task_metadata_is_kept(task_file: Path) -> None:
    tasks = read_tasks(task_file)
    assert [t.unit_id for t in tasks] == [u for u, _, _ in TASKS]
    assert tasks[0].meta == {}
    assert tasks[0].source == "constructed"
    assert tasks[3].lang == "uz-Cyrl"


def test_empty_sets_agree() -> None:
    """Two coders who both find nothing agree; the MASI distance of two empty sets is 0."""
    from intercoder import agreement

    data = [
        [frozenset(), frozenset({"a"}), frozenset({"a", "b"})],
        [frozenset(), frozenset({"a"}), frozenset({"b"})],
    ]
    value = agreement.alpha(data, level="masi")
    assert np.isfinite(value)
    # The unit where both found nothing is an agreement, so it raises alpha.
    without = agreement.alpha([row[1:] for row in data], level="masi")
    assert value > without


def test_parallel_coding_gives_the_output_of_one_process_in_input_order(task_file: Path) -> None:
    """Real worker processes (batches of 3 tasks, so the 7 tasks x 6 make 14 batches)."""
    from intercoder.coders.parallel import code_tasks

    cb = load_codebook("hate-speech")
    tasks = read_tasks(task_file) * 6
    done: list[int] = []
    serial = code_tasks(LexiconCoder(), tasks, cb, jobs=1)
    parallel = code_tasks(LexiconCoder(), tasks, cb, jobs=2, batch=3, progress=done.append)
    assert parallel == serial
    assert [a.unit_id for a in parallel] == [a.unit_id for a in serial]
    assert sum(done) == len(tasks)
    assert serial, "the lexicon should code these texts"


def test_jobs_option_writes_the_same_file_and_no_progress_bar_when_piped(
    run_cli: RunCli, task_file: Path, tmp_path: Path
) -> None:
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"machine-{jobs}.csv"
        proc = run_cli(
            "code", str(task_file), "--coder", "lexicon", "--codebook", "hate-speech",
            "-o", str(out), "--jobs", jobs,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "\r" not in proc.stderr  # stderr is a pipe here: no bar
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


class _IdleWorkers:
    """A stand-in for a process pool whose workers never start (a machine busy elsewhere, or
    a slow start): every call stays pending, and waiting for one is a test failure."""

    def __init__(self, **_options: object) -> None:
        self.calls = 0

    def __enter__(self) -> _IdleWorkers:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def submit(self, *_call: object) -> concurrent.futures.Future[object]:
        self.calls += 1
        return _NeverStarted()


class _NeverStarted(concurrent.futures.Future[object]):
    def result(self, timeout: float | None = None) -> object:
        if not self.done():
            raise AssertionError("waited for a worker that never started")
        return super().result(timeout)


def test_this_process_codes_every_batch_no_worker_has_started(
    task_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intercoder.coders import parallel

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", _IdleWorkers)
    cb = load_codebook("hate-speech")
    tasks = read_tasks(task_file) * 4
    done: list[int] = []
    expected = list(LexiconCoder().code(tasks, cb))
    assert parallel.code_tasks(LexiconCoder(), tasks, cb, jobs=3, batch=3, progress=done.append)
    assert parallel.code_tasks(LexiconCoder(), tasks, cb, jobs=3, batch=3) == expected
    assert sum(done) == len(tasks)


def test_a_coder_error_in_a_worker_drops_the_batches_not_started(
    task_file: Path, tmp_path: Path
) -> None:
    """Real worker processes. The worker fails on the first batch; this process codes from the
    back (a pause each) until it sees the error. Without cancelling, the pool would code every
    batch left before letting the error through: a mark for each of them."""
    from intercoder.coders.parallel import code_tasks

    cb = load_codebook("hate-speech")
    tasks = [
        attrs.evolve(task, unit_id=f"t{i:03}") for i, task in enumerate(read_tasks(task_file) * 30)
    ]
    marks = tmp_path / "marks"
    marks.mkdir()
    coder = MarkingCoder(marks, fail_on=tasks[0].unit_id, pause=0.05)
    with pytest.raises(RuntimeError, match="coder failed on t000"):
        code_tasks(coder, tasks, cb, jobs=2, batch=1)
    marked = {path.name for path in marks.iterdir()}
    assert tasks[0].unit_id in marked  # the worker's failure
    assert len(marked) < len(tasks) - 10, f"{len(marked)} of {len(tasks)} batches coded"


class _Unpicklable(LexiconCoder):
    """A coder holding something no worker can receive (as a live connection would be)."""

    def __init__(self) -> None:
        super().__init__()
        self.connection = lambda: None


def test_a_coder_that_cannot_be_pickled_is_coded_in_this_process(task_file: Path) -> None:
    import pickle

    from intercoder.coders.parallel import code_tasks

    coder = _Unpicklable()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(coder)
    cb = load_codebook("hate-speech")
    tasks = read_tasks(task_file) * 3
    expected = list(LexiconCoder().code(tasks, cb))
    assert code_tasks(coder, tasks, cb, jobs=2, batch=2) == expected
