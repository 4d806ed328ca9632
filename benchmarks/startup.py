"""Start-up time of `intercoder --help`, against peers measured in the same run.

    python benchmarks/startup.py [--runs N]

Prints the median wall time of each command over N runs (default 21) and the ratios. The
target is `intercoder --help` under 0.3 s; the peers show what the interpreter alone costs
(`python -c pass`) and what importing the core dependencies eagerly would cost.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

TARGET_SECONDS = 0.3


def median_seconds(command: list[str], runs: int) -> float:
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()

    script = shutil.which("intercoder")
    ours = [script, "--help"] if script else [sys.executable, "-m", "intercoder", "--help"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "intercoder --help": ours,
        "intercoder codebook --help": [*ours[:-1], "codebook", "--help"],
        "import numpy, yaml, attrs, pluggy, click (eager peer)": [
            sys.executable,
            "-c",
            "import numpy, yaml, attrs, pluggy, click",
        ],
    }
    results = {name: median_seconds(cmd, args.runs) for name, cmd in commands.items()}
    baseline = results["python -c pass"]
    print(f"median of {args.runs} runs; python {sys.version.split()[0]}")
    for name, seconds in results.items():
        print(f"  {seconds * 1000:7.1f} ms  {seconds / baseline:5.2f}x python  {name}")
    help_time = results["intercoder --help"]
    eager = results["import numpy, yaml, attrs, pluggy, click (eager peer)"]
    print(
        f"intercoder --help: {help_time * 1000:.0f} ms (target < {TARGET_SECONDS * 1000:.0f} ms), "
        f"{eager / help_time:.2f}x faster than importing the core dependencies eagerly"
    )
    return 0 if help_time < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
