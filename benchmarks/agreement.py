"""Benchmark: intercoder.agreement.alpha against the ``krippendorff`` package, and bootstraps.

Usage::

    python benchmarks/agreement.py            # 5 coders x 10^6 units, V = 10, 1% missing
    python benchmarks/agreement.py --quick    # 5 coders x 10^5 units
    python benchmarks/agreement.py --big      # adds a 10^7-unit run of ours (< 2 GB target)

Every measurement runs in a fresh subprocess, so one implementation's allocations cannot
inflate the other's numbers. Time is the median of ``--repeats`` calls on the same data (the
machine is shared and noisy: read medians and ratios, not single runs). Peak *extra* memory is
tracemalloc's peak during one call, above what was allocated before it (numpy allocations are
visible to tracemalloc); the big run reports the subprocess's peak RSS (ru_maxrss), input
included. The ``krippendorff`` package (GPL) is used here and in tests only, never in src.

Targets (issue): ours at least 5x faster and 10x less extra memory on every level; the
10^7-unit run under 2 GB; 20,000 bootstrap resamples of a 1,000-unit study under a second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LEVELS = ("nominal", "ordinal", "interval")


def make_data(n_units: int, n_coders: int = 5, n_values: int = 10, seed: int = 0) -> Any:
    """coders x units floats in 0..V-1: a true value per unit, each coder right 70% of the
    time, 1% missing (NaN)."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_values, size=n_units)
    data = np.where(
        rng.random((n_coders, n_units)) < 0.7,
        truth[None, :],
        rng.integers(0, n_values, size=(n_coders, n_units)),
    ).astype(np.float64)
    data[rng.random(data.shape) < 0.01] = np.nan
    return data


def _call(impl: str, data: Any, level: str) -> float:
    if impl == "ours":
        from intercoder.agreement import alpha

        return alpha(data, level)
    import krippendorff

    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def worker(args: argparse.Namespace) -> None:
    """Runs inside the subprocess; prints one JSON line."""
    sys.path.insert(0, str(ROOT / "src"))
    if args.worker == "bootstrap":
        from intercoder.agreement import alpha_bootstrap

        data = make_data(args.units, n_coders=3, n_values=5, seed=1)
        alpha_bootstrap(data, "ordinal", n_resamples=100, seed=0, method=args.method)  # warm-up
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            res = alpha_bootstrap(
                data, "ordinal", n_resamples=args.resamples, seed=0, method=args.method
            )
            times.append(time.perf_counter() - t0)
        print(json.dumps({"times": times, "ci": [res.ci_low, res.ci_high], "alpha": res.alpha}))
        return
    data = make_data(args.units)
    _call(args.impl, data[:, :1000], args.level)  # import and warm up outside the measurement
    if args.worker == "time":
        times, value = [], float("nan")
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            value = _call(args.impl, data, args.level)
            times.append(time.perf_counter() - t0)
        print(json.dumps({"times": times, "alpha": value}))
    elif args.worker == "mem":
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        value = _call(args.impl, data, args.level)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        print(json.dumps({"peak": peak, "alpha": value}))
    else:  # rss: whole-process peak, for the big run
        import resource

        t0 = time.perf_counter()
        value = _call(args.impl, data, args.level)
        elapsed = time.perf_counter() - t0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
        print(json.dumps({"rss": rss, "time": elapsed, "alpha": value}))


def run(*extra: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, *extra]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 units instead of 10^6")
    parser.add_argument("--big", action="store_true", help="also a 10^7-unit run of ours")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per measurement")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--impl", help=argparse.SUPPRESS)
    parser.add_argument("--level", help=argparse.SUPPRESS)
    parser.add_argument("--units", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--method", help=argparse.SUPPRESS)
    parser.add_argument("--resamples", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    n_units = 10**5 if args.quick else 10**6
    reps = str(args.repeats)
    print(f"alpha: 5 coders x {n_units:,} units, V = 10, 1% missing; median of {reps} calls")
    header = (
        f"{'level':9} {'ours s':>8} {'kripp s':>8} {'speed-up':>9} "
        f"{'ours MiB':>9} {'kripp MiB':>10} {'mem ratio':>10} {'|diff|':>9}"
    )
    print(header)
    ok = True
    for level in LEVELS:
        common = ["--level", level, "--units", str(n_units), "--repeats", reps]
        t_ours = run("--worker", "time", "--impl", "ours", *common)
        t_kr = run("--worker", "time", "--impl", "krippendorff", *common)
        m_ours = run("--worker", "mem", "--impl", "ours", *common)
        m_kr = run("--worker", "mem", "--impl", "krippendorff", *common)
        s_ours = statistics.median(t_ours["times"])
        s_kr = statistics.median(t_kr["times"])
        speed = s_kr / s_ours
        mem = m_kr["peak"] / m_ours["peak"]
        diff = abs(t_ours["alpha"] - t_kr["alpha"])
        ok &= speed >= 5 and mem >= 10 and diff < 1e-9
        print(
            f"{level:9} {s_ours:8.3f} {s_kr:8.3f} {speed:8.1f}x "
            f"{m_ours['peak'] / 2**20:9.1f} {m_kr['peak'] / 2**20:10.1f} {mem:9.1f}x "
            f"{diff:9.1e}"
        )
    print(f"targets (>= 5x faster, >= 10x less memory, same alpha): {'met' if ok else 'NOT met'}")

    print("\nbootstrap: ordinal, 3 coders x 1,000 units, 20,000 resamples")
    for method in ("krippendorff", "units"):
        b = run(
            "--worker", "bootstrap", "--method", method, "--units", "1000",
            "--resamples", "20000", "--repeats", "5",
        )  # fmt: skip
        med = statistics.median(b["times"])
        verdict = "under 1 s" if med < 1.0 else "OVER 1 s"
        print(f"  method={method:13} median {med:.3f} s ({verdict}); 95% CI {b['ci']}")

    if args.big:
        big = 10**7
        for level in LEVELS:
            r = run("--worker", "rss", "--impl", "ours", "--level", level, "--units", str(big))
            gib = r["rss"] / 2**30
            print(
                f"\nbig: ours, 5 coders x {big:,} units, {level}: {r['time']:.2f} s, "
                f"peak RSS {gib:.2f} GiB incl. the 0.37 GiB input "
                f"({'under' if gib < 2 else 'OVER'} 2 GB)"
            )


if __name__ == "__main__":
    main()
