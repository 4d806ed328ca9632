"""Benchmark: ``studio push``/``pull`` against a naive one-request-per-task loop.

Usage::

    python benchmarks/studio.py                 # 10,000 tasks, 30,000 annotations
    python benchmarks/studio.py --tasks 1000    # quicker

Starts a real Label Studio 1.23.2 (the test suite's cached venv and template, see
tests/studio/conftest.py). Push: ``push`` (batched import) against one ``POST /api/tasks/``
per task. Pull: a first ``pull`` (one export snapshot of the tasks with their annotations,
stored and converted to validated records) against one ``GET /api/tasks/{id}/annotations/``
per task (requests only: the naive loop neither stores nor converts anything), ``--repeat``
times, each with a fresh state file; the median ratio is printed. Then the incremental
re-pulls: nothing changed, and 100 annotations changed (a naive loop reads every task again).
The naive loops run on ``--naive-sample`` tasks and are scaled to the full count (they are
linear: one request each).
Target (issue): at least 10x on both.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import intercoder
from intercoder.studio import server, sync
from intercoder.studio.client import Client
from intercoder.studio.state import State
from intercoder.studio.sync import pull, push
from intercoder.tasks import Task


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3, help="full pulls to take the median of")
    args = parser.parse_args()

    from studio import conftest  # the test suite's server set-up

    exe, template = conftest.prepared()
    work = Path(tempfile.mkdtemp())
    shutil.copytree(template, work / "data", ignore=shutil.ignore_patterns("server.log"))
    running = server.start(
        exe,
        work / "data",
        port=server.free_port(),
        username=conftest.ADMIN,
        password=conftest.PASSWORD,
    )
    try:
        token = server.personal_access_token(running.url, conftest.ADMIN, conftest.PASSWORD)
        client = Client(running.url, token)
        cb = intercoder.load_codebook("hate-speech")
        tasks = [Task(f"u{i}", f"Text {i} about a group.") for i in range(args.tasks)]
        state = State(work / "state.sqlite")

        t0 = time.perf_counter()
        push(client, state, cb, tasks, title="bench push")
        ours_push = time.perf_counter() - t0
        naive = client.request(
            "POST", "/api/projects/", {"title": "bench naive", "label_config": pushed_config(cb)}
        )
        sample = tasks[: args.naive_sample]
        t0 = time.perf_counter()
        for task in sample:
            client.request(
                "POST",
                "/api/tasks/",
                {"project": naive["id"], "data": {"unit_id": task.unit_id, "text": task.text}},
            )
        naive_push = (time.perf_counter() - t0) * len(tasks) / len(sample)
        print(
            f"push {len(tasks)} tasks: ours {ours_push:.1f} s, naive ~{naive_push:.1f} s, "
            f"ratio {naive_push / ours_push:.1f}x"
        )

        # annotations: imported in bulk (set-up, not measured)
        users = []
        for c in range(args.coders):
            email = f"bench{c}@example.org"
            users.append(
                client.request("POST", "/api/users/", {"email": email, "username": email})["id"]
            )
        # annotations for the pull: imported in bulk with their tasks (set-up, not measured)
        bench = client.request(
            "POST", "/api/projects/", {"title": "bench pull", "label_config": pushed_config(cb)}
        )
        for start in range(0, len(tasks), 1000):
            payload = [
                {
                    "data": {"unit_id": t.unit_id, "text": t.text},
                    "annotations": [
                        {
                            "completed_by": uid,
                            "result": [
                                {
                                    "from_name": "hate_speech",
                                    "to_name": "text",
                                    "type": "choices",
                                    "value": {"choices": ["yes" if (i + uid) % 2 else "no"]},
                                }
                            ],
                        }
                        for uid in users
                    ],
                }
                for i, t in enumerate(tasks[start : start + 1000], start=start)
            ]
            client.request("POST", f"/api/projects/{bench['id']}/import", payload)
        # a pull lists what changed since it began, less a safety margin: let the set-up
        # import fall outside that window, as it would between two real pulls
        time.sleep(sync.SINCE_MARGIN.total_seconds() + 1)
        units: dict[str, int] | None = None
        fulls, naives = [], []
        for run in range(args.repeat):
            fresh = State(work / f"pull-{run}.sqlite")
            t0 = time.perf_counter()
            sent = client.requests
            pulled = pull(client, fresh, cb, title="bench pull")
            fulls.append(time.perf_counter() - t0)
            sent = client.requests - sent
            if units is None:
                units = fresh.units(client.url, bench["id"])
            fresh.close()
            t0 = time.perf_counter()
            for task in tasks[: args.naive_sample]:
                client.request("GET", f"/api/tasks/{units[task.unit_id]}/annotations/")
            naives.append((time.perf_counter() - t0) * len(tasks) / args.naive_sample)
            print(
                f"  run {run + 1}: ours {fulls[-1]:.1f} s, naive ~{naives[-1]:.1f} s, "
                f"ratio {naives[-1] / fulls[-1]:.1f}x",
                flush=True,
            )
        ratios = sorted(n / f for n, f in zip(naives, fulls, strict=True))
        ours_pull, naive_pull = statistics.median(fulls), statistics.median(naives)
        print(
            f"pull {pulled.new} annotations: ours {ours_pull:.1f} s, naive ~{naive_pull:.1f} s "
            f"(requests only, no conversion), ratio {statistics.median(ratios):.1f}x "
            f"(median of {args.repeat}; range {ratios[0]:.1f}-{ratios[-1]:.1f})"
        )
        print(f"  ours: {sent} requests, {pulled.records} validated records")
        t0 = time.perf_counter()
        client.export_tasks(bench["id"])
        floor = time.perf_counter() - t0
        print(
            f"  the server's export snapshot alone takes {floor:.1f} s ({floor / ours_pull:.0%} "
            "of our pull); it is Label Studio's fastest bulk read (its task listing and its "
            f"synchronous export cost 2-3x more), so the ratio is bounded by "
            f"~{naive_pull / floor:.1f}x"
        )

        assert units is not None
        pull(client, state, cb, title="bench pull")  # the state the next pulls start from
        t0 = time.perf_counter()
        quiet = pull(client, state, cb, title="bench pull")
        repull = time.perf_counter() - t0
        edits = tasks[:: max(1, len(tasks) // 100)][:100]
        for task in edits:
            annotation = client.request("GET", f"/api/tasks/{units[task.unit_id]}/annotations/")[0]
            client.request("PATCH", f"/api/annotations/{annotation['id']}/", {"result": []})
        t0 = time.perf_counter()
        some = pull(client, state, cb, title="bench pull")
        repull_some = time.perf_counter() - t0
        print(
            f"re-pull, nothing changed: {repull:.2f} s (incremental: {quiet.incremental}, "
            f"{quiet.unchanged} unchanged), ratio {naive_pull / repull:.0f}x"
        )
        print(
            f"re-pull, {len(edits)} annotations changed: {repull_some:.2f} s "
            f"(incremental: {some.incremental}, {some.updated} updated), "
            f"ratio {naive_pull / repull_some:.0f}x"
        )
        state.close()
    finally:
        running.stop()
        shutil.rmtree(work, ignore_errors=True)


def pushed_config(cb: intercoder.Codebook) -> str:
    from intercoder.studio.labelconfig import label_config

    return label_config(cb)


if __name__ == "__main__":
    main()
