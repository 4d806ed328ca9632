"""Agreement in batches (``--memory``): files read a batch at a time, spilled by unit to a
temporary directory, counted bucket by bucket; the same report and the same located messages
as in memory, compared side by side with the in-memory engine and the krippendorff package."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from clusterdata import (
    CODEBOOK,
    COLUMNS,
    assert_same_report,
    krippendorff_alphas,
    pilot,
    with_lone_codings,
    write_csv,
    write_parquet,
)
from intercoder.cluster import read_batched
from intercoder.cluster._batches import (
    BYTES_PER_RECORD,
    _scan_text,
    _text_batches,
    plan_batches,
)
from intercoder.codebook.registry import load_codebook
from intercoder.errors import IntercoderError, ProblemsError
from intercoder.formats import read_checked
from intercoder.reliability import assess
from intercoder.rows import reading

from support import sigint_as_a_terminal_sends_it

#: Records a batch holds with this limit: the pilot's ~5,500 records make many batches and buckets.
BATCH = 300
LIMIT = BATCH * BYTES_PER_RECORD * 2


def _shuffled(seed: int = 1, units: int = 300) -> list[dict[str, Any]]:
    """The pilot with its records in random order: every unit's codings are spread over the
    file, so over several batches, and only the buckets bring them together."""
    rows = pilot(seed=seed, units=units)
    random.Random(seed).shuffle(rows)
    return rows


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _write(kind: str, directory: Path, rows: list[dict[str, Any]]) -> Path:
    if kind == "csv":
        return write_csv(directory / "round.csv", rows)
    if kind == "jsonl":
        return _write_jsonl(directory / "round.jsonl", rows)
    return write_parquet(directory / "round.parquet", rows)


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet"])
def test_every_level_in_batches_equals_the_in_memory_engine(tmp_path: Path, kind: str) -> None:
    path = _write(kind, tmp_path, _shuffled())
    cb = load_codebook(CODEBOOK)
    memory = assess(read_checked([path], cb).annotations, cb)
    plan = plan_batches([path], LIMIT)
    assert plan.needed
    assert plan.n_buckets >= 10  # units spread over many buckets
    checked = read_batched([path], cb, limit=LIMIT)
    assert checked.problems == ()
    assert len(checked.annotations.counts) == plan.n_buckets
    ours = assess(checked.annotations, cb)
    assert_same_report(ours, memory)
    levels = {v.variable: v.level for v in ours.variables}
    assert set(levels.values()) == {"nominal", "ordinal", "interval", "ratio"}


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_variables_without_pairable_values_in_a_bucket_or_anywhere(
    tmp_path: Path, kind: str
) -> None:
    """Buckets where a variable has no pairable value (see ``with_lone_codings``): the report
    of the batches is the one of one read, "insufficient data" included."""
    path = _write(kind, tmp_path, with_lone_codings(_shuffled()))
    cb = load_codebook(CODEBOOK)
    memory = assess(read_checked([path], cb).annotations, cb)
    assert plan_batches([path], LIMIT).n_buckets >= 10
    ours = assess(read_batched([path], cb, limit=LIMIT).annotations, cb)
    assert_same_report(ours, memory)
    statuses = {v.variable: v.status for v in ours.variables}
    assert statuses["sources"] == "insufficient-data"
    assert statuses["share"] != "insufficient-data"


@pytest.mark.parametrize(
    ("files", "room"),
    [
        ({"memory.max": "1073741824\n", "memory.current": "536870912\n"}, 512 << 20),
        ({"memory.max": "max\n", "memory.current": "536870912\n"}, None),
        ({"memory.max": "1000\n", "memory.current": "4000\n"}, 0),
        (
            {
                "memory/memory.limit_in_bytes": "2147483648\n",
                "memory/memory.usage_in_bytes": "1073741824\n",
            },
            1 << 30,
        ),
        (
            {
                "memory/memory.limit_in_bytes": "9223372036854771712\n",
                "memory/memory.usage_in_bytes": "1073741824\n",
            },
            None,
        ),
        ({}, None),
    ],
)
def test_a_containers_memory_limit_bounds_the_default(
    tmp_path: Path, files: dict[str, str], room: int | None
) -> None:
    """A container on a big machine sees the machine's memory in /proc/meminfo: its cgroup's
    limit (v2, or v1 with "no limit" written as a huge number) is what is left to use."""
    from intercoder.cluster._batches import cgroup_room

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cgroup_room(tmp_path) == room


def test_the_default_limit_is_half_the_lesser_room(monkeypatch: pytest.MonkeyPatch) -> None:
    from intercoder.cluster import _batches

    monkeypatch.setattr(_batches, "_system_room", lambda: 8 << 30)
    monkeypatch.setattr(_batches, "cgroup_room", lambda root: 1 << 30)
    assert _batches.default_limit() == 512 << 20
    monkeypatch.setattr(_batches, "cgroup_room", lambda root: None)
    assert _batches.default_limit() == 4 << 30


def test_a_csv_file_is_cut_into_batches_of_whole_records(tmp_path: Path) -> None:
    # Quoted cells with line ends inside: a cut may only fall between records.
    rows = [r | {"text": 'line one\nline two, "quoted"'} for r in _shuffled()]
    path = write_csv(tmp_path / "round.csv", rows, [*COLUMNS, "text"])
    (tmp_path / "cut").mkdir()
    found = _text_batches(path, BATCH, tmp_path / "cut")
    assert found is not None
    _, batches = found
    total = 0
    for batch in batches:
        text = Path(batch.path).read_text(encoding="utf-8")
        body = list(csv.DictReader(io.StringIO(text, newline="")))
        assert all(r["text"] == 'line one\nline two, "quoted"' for r in body)
        assert len(body) == BATCH or total + len(body) == len(rows)
        assert batch.place is not None
        total += len(body)
    assert total == len(rows)
    cb = load_codebook(CODEBOOK)
    ours = assess(read_batched([path], cb, limit=LIMIT).annotations, cb)
    assert_same_report(ours, assess(read_checked([path], cb).annotations, cb))


def test_a_quoted_header_alone_needs_no_csv_pass(tmp_path: Path) -> None:
    # What Arrow's CSV writer makes: every header name quoted, the cells not.
    rows = [r for r in _shuffled() if r["variable"] in ("topic", "severity", "sources", "share")]
    path = write_csv(tmp_path / "round.csv", rows)
    head, body = path.read_text(encoding="utf-8").split("\n", 1)
    assert '"' not in body
    quoted = ",".join(f'"{name}"' for name in head.strip().split(","))
    path.write_text(quoted + "\r\n" + body, encoding="utf-8", newline="")
    scan = _scan_text(path, 4096, has_header=True)
    assert scan is not None
    assert not scan.quotes
    assert len(scan.cuts) > 10
    cb = load_codebook(CODEBOOK)
    ours = assess(read_batched([path], cb, limit=LIMIT).annotations, cb)
    assert_same_report(ours, assess(read_checked([path], cb).annotations, cb))


def test_alpha_in_batches_matches_the_krippendorff_package(tmp_path: Path) -> None:
    # No severity where the form would hide it: krippendorff sees the same records then.
    rows = _shuffled(seed=5)
    topic = {(r["unit_id"], r["coder_id"]): r["value"] for r in rows if r["variable"] == "topic"}
    shown = ("elections", "parliament", "economy")
    rows = [
        r
        for r in rows
        if r["variable"] != "severity" or topic.get((r["unit_id"], r["coder_id"])) in shown
    ]
    path = write_csv(tmp_path / "round.csv", rows)
    cb = load_codebook(CODEBOOK)
    report = assess(read_batched([path], cb, limit=LIMIT).annotations, cb)
    by_id = {v.variable: v for v in report.variables}
    expected = krippendorff_alphas(rows)
    for variable, alpha in expected.items():
        assert by_id[variable].alpha == pytest.approx(alpha, abs=1e-12), variable


def _problems(call: Any) -> list[str]:
    with pytest.raises(IntercoderError) as raised:
        call()
    exc = raised.value
    return [str(d) for d in exc.diagnostics] if isinstance(exc, ProblemsError) else [str(exc)]


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet"])
def test_a_bad_value_deep_in_the_file_is_named_by_its_line(tmp_path: Path, kind: str) -> None:
    rows = _shuffled()
    deep = len(rows) - 40  # in one of the last batches
    rows[deep] = rows[deep] | {"variable": "topic", "value": "sport"}
    rows[deep - 2000] = rows[deep - 2000] | {"variable": "mood"}
    path = _write(kind, tmp_path, rows) if kind != "parquet" else None
    if path is None:  # Parquet is written by the exporter, which checks: write it unchecked
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.table({c: [str(r.get(c, "")) for r in rows] for c in COLUMNS[:5]})
        path = tmp_path / "round.parquet"
        pq.write_table(table, path)
    cb = load_codebook(CODEBOOK)
    memory = _problems(lambda: read_checked([path], cb))
    ours = _problems(lambda: read_batched([path], cb, limit=LIMIT))
    assert ours == memory
    line = deep + (2 if kind == "csv" else 1)
    assert any(p.startswith(f"{path}:{line}: topic: 'sport' is not a code") for p in ours)


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_a_malformed_record_deep_in_the_file_gets_the_readers_message(
    tmp_path: Path, kind: str
) -> None:
    path = _write(kind, tmp_path, _shuffled())
    lines = path.read_bytes().split(b"\n")
    deep = len(lines) - 30
    end = b"\r" if lines[deep].endswith(b"\r") else b""  # the csv module ends lines with \r\n
    extra = b",extra,cells" if kind == "csv" else b" trailing"
    lines[deep] = lines[deep].removesuffix(end) + extra + end
    path.write_bytes(b"\n".join(lines))
    cb = load_codebook(CODEBOOK)
    memory = _problems(lambda: read_checked([path], cb))
    ours = _problems(lambda: read_batched([path], cb, limit=LIMIT))
    assert ours == memory
    assert ours[0].startswith(f"{path}:{deep + 1}:")


def test_skipped_records_and_a_unit_coded_twice_far_apart(tmp_path: Path) -> None:
    rows = _shuffled()
    twice = next(r for r in rows if r["variable"] == "topic")
    rows.append(twice | {"value": "economy"})  # the same coder codes the unit again, 5,000 lines on
    rows[10] = rows[10] | {"variable": "mood"}
    path = write_csv(tmp_path / "round.csv", rows)
    cb = load_codebook(CODEBOOK)
    memory = read_checked([path], cb, skip_invalid=True)
    ours = read_batched([path], cb, limit=LIMIT, skip_invalid=True)
    assert [str(d) for d in ours.problems] == [str(d) for d in memory.problems]
    assert any("twice" in str(d) for d in ours.problems)
    assert_same_report(assess(ours.annotations, cb), assess(memory.annotations, cb))


def test_a_cp1251_file_with_semicolons_in_batches(tmp_path: Path) -> None:
    rows = [
        r
        | {
            "coder_id": f"кодер-{r['coder_id']}",
            "unit_id": r["unit_id"].replace("oʻ", "текст-").replace("ұ-", "пост-"),
        }
        for r in _shuffled()
    ]
    path = tmp_path / "round.csv"
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=";", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    found = _text_batches(path, BATCH, tmp_path)
    assert found is not None
    assert found[0] == "cp1251"  # detected over the whole file, then every batch read in it
    cb = load_codebook(CODEBOOK)
    memory = assess(read_checked([path], cb).annotations, cb)  # cp1251 and ';' detected
    assert_same_report(assess(read_batched([path], cb, limit=LIMIT).annotations, cb), memory)
    with reading(encoding="cp1251", delimiter=";"):
        ours = read_batched([path], cb, limit=LIMIT)
    assert_same_report(assess(ours.annotations, cb), memory)


def test_several_files_and_units_across_them(tmp_path: Path) -> None:
    rows = _shuffled()
    half = len(rows) // 2
    first = write_csv(tmp_path / "a.csv", rows[:half])
    second = _write_jsonl(tmp_path / "b.jsonl", rows[half:])
    cb = load_codebook(CODEBOOK)
    memory = assess(read_checked([first, second], cb).annotations, cb)
    ours = assess(read_batched([first, second], cb, limit=LIMIT).annotations, cb)
    assert_same_report(ours, memory)


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def big_round(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "round.csv", _shuffled())


def _spill(tmp_path: Path) -> Path:
    spill = tmp_path / "spill"
    spill.mkdir(exist_ok=True)
    return spill


def test_agree_with_memory_gives_the_json_of_one_read(run_cli, big_round: Path, tmp_path) -> None:
    memory = run_cli("agree", str(big_round), "--codebook", str(CODEBOOK), "--format", "json")
    assert memory.returncode == 0, memory.stderr
    spill = _spill(tmp_path)
    ours = run_cli(
        "agree", str(big_round), "--codebook", str(CODEBOOK), "--format", "json",
        "--memory", f"{LIMIT // 1024}K", env={"TMPDIR": str(spill)},
    )  # fmt: skip
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == memory.stdout
    assert list(spill.iterdir()) == []  # the temporary directory is gone


def test_check_with_memory_fails_on_a_bad_record_and_cleans_up(
    run_cli, big_round: Path, tmp_path: Path
) -> None:
    lines = big_round.read_text(encoding="utf-8").splitlines(keepends=True)
    at = len(lines) - 5
    lines.insert(at, "oʻ1,coder-0,topic,sport,every-level@1.0.0,,\r\n")
    big_round.write_text("".join(lines), encoding="utf-8")
    bad_line = at + 1
    spill = _spill(tmp_path)
    memory = run_cli("check", str(big_round), "--codebook", str(CODEBOOK), "--no-config")
    ours = run_cli(
        "check", str(big_round), "--codebook", str(CODEBOOK), "--no-config",
        "--memory", f"{LIMIT // 1024}K", env={"TMPDIR": str(spill)},
    )  # fmt: skip
    assert ours.returncode == memory.returncode == 1
    assert ours.stdout == memory.stdout
    assert ours.stderr == memory.stderr
    assert f"{big_round}:{bad_line}: topic: 'sport' is not a code" in ours.stderr
    assert list(spill.iterdir()) == []


@pytest.mark.parametrize(
    ("extra", "named"),
    [(["--bootstrap", "100"], "--bootstrap"), (["--record"], "--record")],
)
def test_options_that_need_every_record_are_refused_in_one_line(
    run_cli, big_round: Path, tmp_path: Path, extra: list[str], named: str
) -> None:
    proc = run_cli(
        "agree", str(big_round), "--codebook", str(CODEBOOK), "--memory", "200K", *extra,
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert named in proc.stderr
    assert "more than --memory 200 KiB" in proc.stderr  # a small limit is not "0 MiB"
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "intercoder-ledger.sqlite").exists()


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--judge", "ci-low"], "--judge ci-low needs every record in memory"),
        (["--judge", "q"], "--judge q needs every record in memory"),
        (["--judge", "q", "--bootstrap", "50"], "--bootstrap needs every record in memory"),
    ],
)
def test_check_names_the_judge_that_needs_every_record(
    run_cli, big_round: Path, extra: list[str], named: str
) -> None:
    proc = run_cli(
        "check", str(big_round), "--codebook", str(CODEBOOK), "--no-config",
        "--memory", "200K", *extra,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert named in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("command", "extra", "named"),
    [
        ("agree", ["--bootstrap", "100"], "--bootstrap resamples units in one place"),
        ("check", ["--judge", "ci-low"], "--judge ci-low takes the bootstrap, which resamples"),
        ("agree", ["--record"], "--record keeps the round's codings in the ledger"),
        ("check", ["--record"], "--record keeps the round's codings in the ledger"),
    ],
)
def test_options_that_need_every_record_are_usage_errors_with_dask(
    run_cli, big_round: Path, tmp_path: Path, command: str, extra: list[str], named: str
) -> None:
    """Refused before any work: no cluster is started (the address is never reached)."""
    config = ["--no-config"] if command == "check" else []
    proc = run_cli(
        command, str(big_round), "--codebook", str(CODEBOOK), *config,
        "--dask", "tcp://127.0.0.1:9", *extra, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert named in proc.stderr
    assert "not available with --dask" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bootstrap_with_enough_memory_reads_in_memory(run_cli, big_round: Path) -> None:
    proc = run_cli(
        "agree", str(big_round), "--codebook", str(CODEBOOK), "--memory", "4G",
        "--bootstrap", "50", "--seed", "1", "--format", "json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "ci_low" in proc.stdout or "ci" in proc.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--memory", "lots"], "is not a size"),
        (["--memory", "1K"], "'1K' is too small to read in batches: give at least 64K"),
        (["--memory", "1G", "--dask", "local"], "--memory and --dask exclude each other"),
    ],
)
def test_bad_memory_options_are_usage_errors(
    run_cli, big_round: Path, extra: list[str], message: str
) -> None:
    proc = run_cli("agree", str(big_round), "--codebook", str(CODEBOOK), *extra)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_wide_sheet_in_batches_keeps_its_variable_and_lines(tmp_path: Path) -> None:
    # topic.wide.csv: a row per unit, a column per coder; the variable comes from the name,
    # which every batch keeps.
    topics = {}
    for r in pilot(units=400):
        if r["variable"] == "topic":
            topics.setdefault(r["unit_id"], {})[r["coder_id"]] = r["value"]
    coders = sorted({c for row in topics.values() for c in row})
    path = tmp_path / "topic.wide.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", *coders])
        for unit, row in topics.items():
            writer.writerow([unit, *(row.get(c, "") for c in coders)])
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[350] = lines[350].replace("economy", "sport", 1).replace("other", "sport", 1)
    path.write_text("".join(lines), encoding="utf-8", newline="")
    cb = load_codebook(CODEBOOK)
    limit = 100 * BYTES_PER_RECORD * 2  # 100 records a batch: a few dozen rows
    memory = _problems(lambda: read_checked([path], cb))
    assert _problems(lambda: read_batched([path], cb, limit=limit)) == memory
    assert memory[0].startswith(f"{path}:351: ")
    memory_skipped = read_checked([path], cb, skip_invalid=True)
    ours = read_batched([path], cb, limit=limit, skip_invalid=True)
    assert [str(d) for d in ours.problems] == [str(d) for d in memory_skipped.problems]
    assert_same_report(assess(ours.annotations, cb), assess(memory_skipped.annotations, cb))


def test_a_full_temporary_disk_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full disk cannot be made on demand here: the spill write fails as a full disk fails.
    import errno
    import tempfile

    from intercoder.cluster._batches import LocalExecutor

    def full(self: LocalExecutor, pieces: list[bytes | None]) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    monkeypatch.setattr(LocalExecutor, "_spill", full)
    path = write_csv(tmp_path / "round.csv", _shuffled())
    cb = load_codebook(CODEBOOK)
    with pytest.raises(IntercoderError, match=r"no space left for the batches.*TMPDIR"):
        read_batched([path], cb, limit=LIMIT)
    assert list(spill.iterdir()) == []


@pytest.mark.parametrize(
    ("signal_name", "said", "code"),
    [("SIGINT", "intercoder: aborted", 1), ("SIGTERM", "intercoder: terminated", 143)],
)
def test_ctrl_c_or_sigterm_removes_the_temporary_directory(
    tmp_path: Path, signal_name: str, said: str, code: int
) -> None:
    """Ctrl-C, and SIGTERM as `kill`, `timeout` and a batch scheduler send it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    path = write_csv(tmp_path / "round.csv", _shuffled(units=2000))
    spill = _spill(tmp_path)
    command = [sys.executable, "-m", "intercoder", "agree", str(path), "--codebook"]
    command += [str(CODEBOOK), "--memory", f"{LIMIT // 1024}K"]
    proc = subprocess.Popen(
        command,
        env=dict(os.environ, TMPDIR=str(spill)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_as_a_terminal_sends_it,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        made = list(spill.iterdir())
        if made and any(made[0].glob("bucket-*")):  # batches are being spilled
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the command ended before it could be interrupted"
    proc.send_signal(getattr(signal, signal_name))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1] == said, err
    assert "Traceback" not in err
    assert list(spill.iterdir()) == []
