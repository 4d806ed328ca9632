"""Benchmark: `intercoder agree` end to end against pandas + krippendorff and the Arrow floor.

Usage::

    python benchmarks/datapath.py               # 10^6 records (200,000 units x 5 coders)
    python benchmarks/datapath.py --big         # also 10^7 records
    python benchmarks/datapath.py --repeats 5   # runs per measurement (median)
    python benchmarks/datapath.py --texts 100000  # texts for the `code` measurement
    python benchmarks/datapath.py --dask 1e8    # agree --dask on a 2-worker LocalCluster
    python benchmarks/datapath.py --batched 1e7 # agree --memory 1G (batches) beside in memory

Besides ``agree``, one run measures ``report`` on the 10^6-record CSV (bootstrap 1000, as the
command's default) and ``code --coder lexicon`` on a task file of synthetic multilingual texts
(``benchmarks/lexicon.py``'s generator) against reading and parsing the same JSONL in Python and
against the matcher alone (``LexiconMatcher.find`` over the texts), at ``--jobs 1`` and on all
cores. The last lines print every target's ratio side by side.

The data: one ordinal variable (codes 1..5), 5 coders, each right 70% of the time, 1% of the
values missing (an empty cell, as exported by a spreadsheet), written once as a long CSV and as
Parquet in a temporary directory with a one-variable codebook.

Every measurement is a fresh process, interpreter start included, because that is what a user
waits for:

* **intercoder** - ``intercoder agree FILE --codebook CB --format json``;
* **pandas + krippendorff** - ``pandas.read_csv`` (or ``read_parquet``), ``pivot`` to coders x
  units, ``krippendorff.alpha`` (ordinal): the naive pipeline a methodologist would write;
* **Arrow floor** - read with Arrow, dictionary-encode units, coders and values, one counting
  pass (``ReliabilityData.from_codes``): what reading and counting cost at the least.

Time is the median wall time of ``--repeats`` runs; peak memory is the child's peak resident set
(``resource.getrusage(RUSAGE_CHILDREN)`` read around each run, which is why every run is a new
process). Ratios are against the peers measured in the same run; the machine is shared, so read
ratios, not absolute times. The ``krippendorff`` package (GPL) is used here and in tests only.

Targets: ``agree`` on 10^6 records at least 2.5x faster than pandas + krippendorff,
with less peak memory; on 10^7 records at least 5x faster and under 2 GB; ``report`` on 10^6
records under 15 s; ``code`` end to end within 4x of reading and parsing its input.

Children run with bytecode caching on (a warm-up run writes the ``.pyc`` files an installed
package has), whatever ``PYTHONDONTWRITEBYTECODE`` says in the calling shell.

``--dask N`` measures instead ``intercoder agree DIR --dask ADDRESS`` on N records written as
Parquet partitions of 2 x 10^6 records (a unit's codings split over two partitions, so the
shuffle by unit has work to do), on a LocalCluster of 2 worker processes started here for each
run (so that each run's workers are fresh), beside ``intercoder agree DIR`` in one process on the
same files (left out with ``--no-memory-peer`` when the data do not fit). Peak memory per worker
is each worker's own peak resident set, read on the worker; the client's peak is measured as
above. Target: 10^8 ratings under 2 GB per worker.

``--batched N`` measures instead ``intercoder agree FILE --memory SIZE`` (default 1G) on one long
CSV of N records, written part by part: the file read in batches, its records spread by unit over
a temporary directory and counted bucket by bucket, in one process without Dask. Beside it, the
same command without ``--memory`` on the same file (left out with ``--no-memory-peer`` when the
data do not fit). Peak memory should stay near the limit whatever N, and the alpha be the same.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

CODEBOOK = """\
format: 1
codebook: bench
version: 1.0.0
title: {en: Benchmark}
languages: [en]
sources:
  - {id: k, citation: "Krippendorff, K. (2004). Content Analysis. Sage."}
authors:
  - {name: intercoder project, role: editor}
changelog:
  - {version: 1.0.0, date: "2026-12-06", changes: [First release.]}
variables:
  - id: tone
    type: ordinal_scale
    label: {en: Tone}
    definition: {en: How hostile the text is.}
    categories:
      - {code: "1", label: {en: Calm}, definition: {en: Calm.}}
      - {code: "2", label: {en: Mild}, definition: {en: Mild.}}
      - {code: "3", label: {en: Sharp}, definition: {en: Sharp.}}
      - {code: "4", label: {en: Hostile}, definition: {en: Hostile.}}
      - {code: "5", label: {en: Violent}, definition: {en: Violent.}}
"""

PANDAS = """\
import sys
import krippendorff
import pandas as pd
path = sys.argv[1]
df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path)
wide = df.pivot(index="coder_id", columns="unit_id", values="value")
data = wide.to_numpy(dtype=float)
print(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal",
                         value_domain=[1, 2, 3, 4, 5]))
"""

FLOOR = """\
import sys
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from intercoder.agreement import ReliabilityData, alpha
path = sys.argv[1]
if path.endswith(".parquet"):
    import pyarrow.parquet as pq
    table = pq.ParquetFile(path).read()  # read_table would import pandas
else:
    import pyarrow.csv as pcsv
    table = pcsv.read_csv(path)
def codes(name):
    # indices from the buffers: to_numpy() and pa.scalar() would import pandas
    column = pc.dictionary_encode(table.column(name).combine_chunks())
    indices = column.indices
    width = np.dtype(f"int{indices.type.bit_width}")
    validity, values = indices.buffers()[:2]
    out = np.frombuffer(values, dtype=width, count=len(indices),
                        offset=indices.offset * width.itemsize).astype(np.int64)
    if indices.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        out[~bits[indices.offset:indices.offset + len(indices)].astype(bool)] = -1
    return out, len(column.dictionary), column.dictionary
units, n_units, _ = codes("unit_id")
coders, n_coders, _ = codes("coder_id")
values, _, value_labels = codes("value")
categories = value_labels.to_pylist()
order = np.argsort(categories)
rank = np.empty(len(order) + 1, dtype=np.int64)
rank[order] = np.arange(len(order))
rank[-1] = -1
data = ReliabilityData.from_codes(
    units, coders, rank[values], categories=sorted(categories),
    units=range(n_units), coders=range(n_coders))
print(alpha(data, "ordinal"))
"""


READ_TASKS = """\
import json, sys
with open(sys.argv[1], encoding="utf-8") as handle:
    texts = [json.loads(line)["text"] for line in handle]
print(len(texts))
"""

# The matcher as the lexicon coder runs it: batches of texts, one fold and automaton pass each.
MATCHER = """\
import json, sys
from intercoder.codebook.registry import load_codebook
from intercoder.coders.lexicon import BATCH_TEXTS
from intercoder.lexicon import LexiconMatcher
matcher = LexiconMatcher.from_codebook(load_codebook(sys.argv[2]))
with open(sys.argv[1], encoding="utf-8") as handle:
    texts = [json.loads(line)["text"] for line in handle]
batches = [texts[i : i + BATCH_TEXTS] for i in range(0, len(texts), BATCH_TEXTS)]
print(sum(len(found) for batch in batches for found in matcher.find_many(batch)))
"""


def make_tasks(directory: Path, count: int, seed: int = 0) -> Path:
    """A JSONL task file of ``count`` synthetic multilingual texts (300-1000 characters, the
    noise people type), from benchmarks/lexicon.py's generator and the hate-speech markers."""
    import random

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import lexicon as generator

    import intercoder

    markers = list(intercoder.load_codebook("hate-speech").markers)
    texts = generator.make_texts(count, markers, random.Random(seed), noise=0.2)
    path = directory / f"tasks-{count}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for i, text in enumerate(texts):
            handle.write(json.dumps({"unit_id": f"t{i}", "text": text}, ensure_ascii=False))
            handle.write("\n")
    return path


def _codings(rng: Any, first: int, count: int, n_coders: int) -> tuple[Any, Any, Any]:
    """Units ``first`` to ``first + count`` coded by ``n_coders`` (see the module docstring):
    the long table (values as text, missing ones empty), the values and where they are missing."""
    import pyarrow as pa

    truth = rng.integers(1, 6, size=count)
    values = np.where(
        rng.random((count, n_coders)) < 0.7,
        truth[:, None],
        rng.integers(1, 6, size=(count, n_coders)),
    ).ravel()
    missing = rng.random(values.shape[0]) < 0.01
    unit_ids = np.char.add("u", np.arange(first, first + count).astype(str))
    coder_ids = np.array([f"coder{c}@example.org" for c in range(n_coders)])
    table = pa.table(
        {
            "unit_id": pa.array(np.repeat(unit_ids, n_coders)),
            "coder_id": pa.array(np.tile(coder_ids, count)),
            "variable": pa.array(np.full(values.shape[0], "tone")),
            "value": pa.array(np.where(missing, "", values.astype(str))),
        }
    )
    return table, values, missing


def make_files(directory: Path, n_units: int, n_coders: int = 5, seed: int = 0) -> list[Path]:
    """The long CSV and Parquet files and the codebook (see the module docstring)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    table, values, missing = _codings(rng, 0, n_units, n_coders)
    csv_path = directory / f"codings-{n_units * n_coders}.csv"
    pcsv.write_csv(table, csv_path, pcsv.WriteOptions(quoting_style="none"))
    numbers = pa.array(np.where(missing, 0, values), mask=missing, type=pa.int64())
    parquet_path = directory / f"codings-{n_units * n_coders}.parquet"
    pq.write_table(table.set_column(3, "value", numbers), parquet_path)
    (directory / "bench.yaml").write_text(CODEBOOK, encoding="utf-8")
    return [csv_path, parquet_path]


def measure(command: list[str]) -> tuple[float, int, str, float]:
    """Wall time, the child's peak RSS in bytes, its stdout and its CPU time (user + system,
    all threads: what a shared machine cannot take away)."""
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    # ru_maxrss of the children is the largest peak of any child so far: every command runs
    # in a fresh benchmark worker (see run_isolated), so it is this command's peak.
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, usage.ru_maxrss * 1024, done.stdout, usage.ru_utime + usage.ru_stime


#: The children's environment: bytecode cached, as in an installed package.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_isolated(command: list[str]) -> tuple[float, int, str, float]:
    """:func:`measure` in a new worker process, so that peaks of earlier runs do not count."""
    worker = [sys.executable, __file__, "--measure", json.dumps(command)]
    out = subprocess.run(worker, capture_output=True, text=True, check=True, env=CHILD_ENV).stdout
    elapsed, peak, stdout, cpu = json.loads(out)
    return elapsed, peak, stdout, cpu


def alpha_of(name: str, stdout: str) -> float:
    if name == "intercoder":
        return float(json.loads(stdout)["variables"][0]["alpha"])
    return float(stdout.strip().splitlines()[-1])


# --- agree --dask on a LocalCluster ---------------------------------------------------------

#: Records per partition of the --dask data.
PARTITION_RECORDS = 2_000_000


def make_partitions(directory: Path, records: int, n_coders: int = 5, seed: int = 0) -> Path:
    """The data of :func:`make_files` as Parquet partitions of ``PARTITION_RECORDS`` records,
    written part by part (10^8 records never sit in memory at once). The first two coders of a
    unit are in one partition and the other three in the next, so units span partitions."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = directory / "parts"
    parts.mkdir()
    rng = np.random.default_rng(seed)
    n_units = records // n_coders
    per_part = PARTITION_RECORDS // n_coders
    coder_ids = np.array([f"coder{c}@example.org" for c in range(n_coders)])
    carry: dict[str, np.ndarray] | None = None
    for index, u0 in enumerate(range(0, n_units, per_part)):
        units = np.arange(u0, min(u0 + per_part, n_units))
        truth = rng.integers(1, 6, size=units.shape[0])
        values = np.where(
            rng.random((units.shape[0], n_coders)) < 0.7,
            truth[:, None],
            rng.integers(1, 6, size=(units.shape[0], n_coders)),
        )
        missing = rng.random(values.shape) < 0.01
        unit_ids = np.char.add("u", units.astype(str))
        columns = {
            "unit_id": np.repeat(unit_ids, n_coders).reshape(-1, n_coders),
            "coder_id": np.tile(coder_ids, (units.shape[0], 1)),
            "value": values,
            "missing": missing,
        }
        here = {name: column[:, 2:].ravel() for name, column in columns.items()}
        later = {name: column[:, :2].ravel() for name, column in columns.items()}
        if carry is not None:  # the first two coders of the previous part's units
            here = {name: np.concatenate([carry[name], here[name]]) for name in here}
        carry = later
        _write_part(parts / f"part-{index:04d}.parquet", here, pa, pq)
    if carry is not None:
        _write_part(parts / "part-last.parquet", carry, pa, pq)
    (directory / "bench.yaml").write_text(CODEBOOK, encoding="utf-8")
    return parts


def _write_part(path: Path, columns: dict[str, np.ndarray], pa: Any, pq: Any) -> None:
    values = pa.array(
        np.where(columns["missing"], 0, columns["value"]), mask=columns["missing"], type=pa.int64()
    )
    table = pa.table(
        {
            "unit_id": pa.array(columns["unit_id"]),
            "coder_id": pa.array(columns["coder_id"]),
            "variable": pa.array(np.full(len(values), "tone")),
            "value": values,
        }
    )
    pq.write_table(table, path)


def worker_peaks(client: Any) -> list[int]:
    """Each worker's peak resident set in bytes, read on the worker: VmHWM, not ru_maxrss,
    which Linux carries over from the parent through fork and exec (a worker would report this
    process's peak, data generation included)."""

    def peak() -> int:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")

    return sorted(client.run(peak).values())


def _heading(what: str, repeats: int) -> str:
    """Print what is measured and on what machine; the command that runs intercoder."""
    print(f"{what}; median of {repeats} runs")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    return shutil.which("intercoder") or f"{sys.executable} -m intercoder"


def bench_dask(records: int, repeats: int, memory_peer: bool) -> None:
    """``agree --dask`` on a 2-worker LocalCluster beside ``agree`` in one process."""
    from distributed import Client, LocalCluster

    intercoder = _heading("agree --dask on a LocalCluster of 2 worker processes", repeats)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        parts = make_partitions(directory, records)
        files = sorted(parts.iterdir())
        size = sum(f.stat().st_size for f in files) / 2**20
        print(
            f"\n{records:,} records in {len(files)} Parquet partitions ({size:.0f} MiB), "
            f"written in {time.perf_counter() - started:.0f} s"
        )
        agree = [*intercoder.split(), "agree", str(parts), "--codebook"]
        agree += [str(directory / "bench.yaml"), "--format", "json"]
        runs = []
        for _ in range(repeats):
            with (
                LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
                ) as cluster,
                Client(cluster) as client,
            ):
                elapsed, client_peak, stdout, _ = run_isolated(
                    [*agree, "--dask", cluster.scheduler_address]
                )
                runs.append(
                    (elapsed, client_peak, worker_peaks(client), alpha_of("intercoder", stdout))
                )
        t = statistics.median(r[0] for r in runs)
        client_peak = statistics.median(r[1] for r in runs)
        worker_peak = max(statistics.median(r[2][i] for r in runs) for i in range(2))
        print(f"  {'':28} {'time s':>8} {'peak MiB':>9} {'alpha':>9}")
        print(
            f"  {'agree --dask (client)':28} {t:8.2f} {client_peak / 2**20:9.0f} {runs[0][3]:9.6f}"
        )
        print(f"  {'  largest worker':28} {'':8} {worker_peak / 2**20:9.0f}")
        if memory_peer:
            peer = [run_isolated(agree) for _ in range(repeats)]
            pt = statistics.median(r[0] for r in peer)
            pm = statistics.median(r[1] for r in peer)
            pa_ = alpha_of("intercoder", peer[0][2])
            print(f"  {'agree in one process':28} {pt:8.2f} {pm / 2**20:9.0f} {pa_:9.6f}")
            print(
                f"  ratios: {pt / t:.2f}x the in-memory speed, largest worker "
                f"{worker_peak / pm:.2f}x the in-memory peak; "
                f"|alpha diff| {abs(pa_ - runs[0][3]):.1e}"
            )
        met = worker_peak < 2 * 10**9
        print(f"  target (under 2 GB per worker): {'met' if met else 'NOT met'}")


def make_big_csv(directory: Path, records: int, n_coders: int = 5, seed: int = 0) -> Path:
    """The data of :func:`make_files` as one long CSV of ``records`` records, written a part of
    ``PARTITION_RECORDS`` at a time (10^8 records never sit in memory at once)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    path = directory / f"codings-{records}.csv"
    schema = pa.schema(
        [(name, pa.string()) for name in ("unit_id", "coder_id", "variable", "value")]
    )
    part_units = PARTITION_RECORDS // n_coders
    n_units = records // n_coders
    with pcsv.CSVWriter(path, schema, write_options=pcsv.WriteOptions(quoting_style="none")) as out:
        for first in range(0, n_units, part_units):
            part, _, _ = _codings(rng, first, min(part_units, n_units - first), n_coders)
            out.write_table(part.cast(schema))
    (directory / "bench.yaml").write_text(CODEBOOK, encoding="utf-8")
    return path


def bench_batched(records: int, repeats: int, memory: str, memory_peer: bool) -> None:
    """``agree --memory`` (batches in one process) beside ``agree`` reading the file whole."""
    intercoder = _heading(f"agree --memory {memory} (in batches, one process)", repeats)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        path = make_big_csv(directory, records)
        size = path.stat().st_size / 2**20
        print(
            f"\n{records:,} records in one CSV ({size:.0f} MiB), "
            f"written in {time.perf_counter() - started:.0f} s"
        )
        agree = [*intercoder.split(), "agree", str(path), "--codebook"]
        agree += [str(directory / "bench.yaml"), "--format", "json"]
        print(f"  {'':28} {'time s':>8} {'CPU s':>8} {'peak MiB':>9} {'alpha':>9}")
        measured = {}
        commands = {f"agree --memory {memory}": [*agree, "--memory", memory]}
        if memory_peer:
            commands["agree (whole file)"] = agree
        for name, command in commands.items():
            runs = [run_isolated(command) for _ in range(repeats)]
            t = statistics.median(r[0] for r in runs)
            m = statistics.median(r[1] for r in runs)
            c = statistics.median(r[3] for r in runs)
            a = alpha_of("intercoder", runs[0][2])
            measured[name] = (t, m, a)
            print(f"  {name:28} {t:8.2f} {c:8.2f} {m / 2**20:9.0f} {a:9.6f}")
        if memory_peer:
            (bt, bm, ba), (mt, mm, ma) = measured.values()
            print(
                f"  ratios: batches take {bt / mt:.2f}x the time and {bm / mm:.2f}x the peak "
                f"memory of reading the file whole; |alpha diff| {abs(ba - ma):.1e}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also 10^7 records")
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement")
    parser.add_argument("--texts", type=int, default=20_000, help="texts for `code`")
    parser.add_argument(
        "--dask", type=float, metavar="N", help="agree --dask on N records (e.g. 1e8) instead"
    )
    parser.add_argument(
        "--no-memory-peer",
        action="store_true",
        help="--dask, --batched: skip agree reading everything in one process",
    )
    parser.add_argument(
        "--batched", type=float, metavar="N", help="agree --memory on one N-record CSV instead"
    )
    parser.add_argument("--memory", default="1G", help="--batched: the --memory limit")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0
    if args.dask:
        bench_dask(int(args.dask), args.repeats, not args.no_memory_peer)
        return 0
    if args.batched:
        bench_batched(int(args.batched), args.repeats, args.memory, not args.no_memory_peer)
        return 0

    peers = ("pandas", "krippendorff")
    missing = [name for name in peers if importlib.util.find_spec(name) is None]
    if missing:
        print(
            f"datapath.py: the peer needs {' and '.join(missing)}: "
            "python -m pip install -e '.[test]' (or run --batched N alone)",
            file=sys.stderr,
        )
        return 2
    intercoder = shutil.which("intercoder") or f"{sys.executable} -m intercoder"
    sizes = [200_000] + ([2_000_000] if args.big else [])
    print(f"agree end to end, interpreter start included; median of {args.repeats} runs")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    ok = True
    summary: list[tuple[str, str, str, bool]] = []  # (what, measured, target, met)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        for n_units in sizes:
            files = make_files(directory, n_units)
            codebook = directory / "bench.yaml"
            for path in files:
                size = path.stat().st_size / 2**20
                print(f"\n{n_units * 5:,} records, {path.suffix[1:]} ({size:.0f} MiB)")
                commands = {
                    "intercoder": [
                        *intercoder.split(),
                        "agree",
                        str(path),
                        "--codebook",
                        str(codebook),
                        "--format",
                        "json",
                    ],
                    "pandas + krippendorff": [sys.executable, "-c", PANDAS, str(path)],
                    "Arrow floor": [sys.executable, "-c", FLOOR, str(path)],
                }
                results = {}
                for name, command in commands.items():
                    run_isolated(command)  # warm-up: bytecode written, file in the page cache
                    runs = [run_isolated(command) for _ in range(args.repeats)]
                    results[name] = (
                        statistics.median(r[0] for r in runs),
                        statistics.median(r[1] for r in runs),
                        alpha_of(name, runs[0][2]),
                        statistics.median(r[3] for r in runs),
                    )
                ours_t, ours_m, ours_a, ours_c = results["intercoder"]
                print(f"  {'':24} {'time s':>8} {'CPU s':>8} {'peak MiB':>9} {'alpha':>9}")
                for name, (t, m, a, c) in results.items():
                    print(f"  {name:24} {t:8.2f} {c:8.2f} {m / 2**20:9.0f} {a:9.6f}")
                pk_t, pk_m, pk_a, pk_c = results["pandas + krippendorff"]
                fl_t, fl_m, _, _ = results["Arrow floor"]
                speed, memory = pk_t / ours_t, pk_m / ours_m
                print(
                    f"  ratios: {speed:.2f}x faster than pandas + krippendorff, "
                    f"{memory:.2f}x less peak memory; {ours_t / fl_t:.2f}x the floor's time, "
                    f"{ours_m / fl_m:.2f}x its memory; |alpha diff| {abs(ours_a - pk_a):.1e}"
                )
                target = 2.5 if n_units * 5 < 10**7 else 5.0
                met = speed >= target and memory > 1 and abs(ours_a - pk_a) < 1e-6
                if n_units * 5 >= 10**7:
                    met &= ours_m < 2 * 10**9
                ok &= met
                print(f"  target (>= {target}x faster, less memory): {'met' if met else 'NOT met'}")
                label = f"agree {n_units * 5:.0e} {path.suffix[1:]}".replace("e+0", "e")
                summary.append(
                    (
                        label,
                        f"{speed:.2f}x pandas time ({pk_c / ours_c:.2f}x CPU), "
                        f"{memory:.2f}x less memory, "
                        f"{ours_t / fl_t:.2f}x floor time ({ours_m / 2**20:.0f} MiB)",
                        f">= {target}x, < pandas memory"
                        + (", < 2 GB" if n_units * 5 >= 10**7 else ""),
                        met,
                    )
                )
                if n_units == sizes[0] and path.suffix == ".csv":
                    summary.append(measure_report(intercoder, path, codebook, args.repeats))
        summary.extend(measure_code(intercoder, directory, args.texts, args.repeats))
    ok &= all(met for *_, met in summary)
    print("\ntargets side by side (medians of", args.repeats, "runs; ratios from this run)")
    for what, measured, target, met in summary:
        print(f"  {what:24} {measured:64} target {target:30} {'met' if met else 'NOT met'}")
    print(f"\nall targets {'met' if ok else 'NOT met'}")
    return 0


def median_run(command: list[str], repeats: int) -> tuple[float, int, str, float]:
    """Median wall time, peak memory and CPU time of ``repeats`` isolated runs after one
    warm-up (and the first run's stdout)."""
    run_isolated(command)
    runs = [run_isolated(command) for _ in range(repeats)]
    return (
        statistics.median(r[0] for r in runs),
        int(statistics.median(r[1] for r in runs)),
        runs[0][2],
        statistics.median(r[3] for r in runs),
    )


def measure_report(
    intercoder: str, path: Path, codebook: Path, repeats: int
) -> tuple[str, str, str, bool]:
    """``intercoder report`` on the 10^6-record CSV; target: under 15 s."""
    out = path.with_suffix(".html")
    command = [*intercoder.split(), "report", str(path), "--codebook", str(codebook)]
    seconds, peak, _, cpu = median_run([*command, "-o", str(out), "--seed", "1"], repeats)
    print(f"\nreport on {path.name}: {seconds:.2f} s ({cpu:.2f} s CPU), {peak / 2**20:.0f} MiB")
    return (
        "report 1e6 csv",
        f"{seconds:.2f} s ({15 / seconds:.2f}x under the limit; {cpu:.2f} s CPU), "
        f"{peak / 2**20:.0f} MiB",
        "< 15 s",
        seconds < 15,
    )


def measure_code(
    intercoder: str, directory: Path, count: int, repeats: int
) -> list[tuple[str, str, str, bool]]:
    """``code --coder lexicon`` against reading the input and against the matcher alone."""
    tasks = make_tasks(directory, count)
    size = tasks.stat().st_size / 2**20
    read_t, _, _, _ = median_run([sys.executable, "-c", READ_TASKS, str(tasks)], repeats)
    match_t, _, _, _ = median_run(
        [sys.executable, "-c", MATCHER, str(tasks), "hate-speech"], repeats
    )
    cores = os.cpu_count() or 1
    print(f"\ncode --coder lexicon on {count:,} texts ({size:.0f} MiB JSONL)")
    print(f"  read and parse the JSONL      {read_t:8.2f} s")
    print(f"  matcher alone (with reading)  {match_t:8.2f} s  {match_t / read_t:6.2f}x reading")
    rows = []
    by_jobs = {}
    for jobs in sorted({1, cores}):
        out = directory / f"machine-{jobs}.csv"
        command = [*intercoder.split(), "code", str(tasks), "--coder", "lexicon"]
        command += ["--codebook", "hate-speech", "-o", str(out), "--jobs", str(jobs)]
        seconds, _, _, _ = median_run(command, repeats)
        by_jobs[jobs] = seconds
        print(
            f"  intercoder code --jobs {jobs:<6} {seconds:8.2f} s  {seconds / read_t:6.2f}x "
            f"reading, {seconds / match_t:.2f}x the matcher, "
            f"{count / seconds:,.0f} texts/s"
        )
        rows.append(
            (
                f"code --jobs {jobs}",
                f"{seconds / read_t:.2f}x reading, {seconds / match_t:.2f}x matcher alone "
                f"({count / seconds:,.0f} texts/s)",
                "<= 4x reading",
                seconds / read_t <= 4,
            )
        )
    if cores > 1:
        print(f"  --jobs {cores} against --jobs 1: {by_jobs[1] / by_jobs[cores]:.2f}x faster")
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
