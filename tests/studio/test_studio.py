"""The Label Studio sync against a real Label Studio 1.23.2 server (see conftest.py)."""

from __future__ import annotations

import contextlib
import datetime
import random
import socket
import threading
import time
from pathlib import Path

import attrs
import krippendorff
import numpy as np
import pytest

import intercoder
from intercoder.errors import IntercoderError
from intercoder.reliability import assess
from intercoder.studio import server
from intercoder.studio.client import Client, StudioError
from intercoder.studio.labelconfig import codebook_of, label_config
from intercoder.studio.state import State
from intercoder.studio.sync import pull, push
from intercoder.tasks import Task

pytestmark = pytest.mark.studio
CODERS = ("ana@example.org", "bo@example.org", "cy@example.org")


def _tasks(n: int = 50) -> list[Task]:
    return [Task(unit_id=f"u{i:03d}", text=f"Text number {i} about a group.") for i in range(n)]


@pytest.mark.parametrize(
    ("ref", "lang"),
    [
        ("hate-speech", "en"),
        ("stereotypes", "ru"),
        ("enemy-images", "uz-Cyrl"),
        ("conflict-sensitive-reporting", "ky"),
    ],
)
def test_label_config_is_accepted_by_the_server(client: Client, ref: str, lang: str) -> None:
    cb = intercoder.load_codebook(ref)
    config = label_config(cb, lang)
    assert codebook_of(config) == (cb.id, cb.version)
    project = client.request(
        "POST", "/api/projects/", {"title": f"config {ref} {lang}", "label_config": config}
    )
    assert project["label_config"].count("<Choices") >= 1


def test_server_rejects_a_broken_config(client: Client) -> None:
    with pytest.raises(StudioError, match="HTTP 400"):
        client.request("POST", "/api/projects/", {"title": "broken", "label_config": "<View>"})


def test_a_wrong_admin_password_is_named_not_shown_as_an_http_error(studio_server: str) -> None:
    with pytest.raises(IntercoderError, match=r"refused the login of admin@example\.org") as caught:
        server.personal_access_token(studio_server, "admin@example.org", "not the password")
    assert "not the password" not in str(caught.value)


def _users(client: Client) -> dict[str, int]:
    have = {email: uid for uid, email in client.users().items()}
    for email in CODERS:
        if email not in have:
            made = client.request("POST", "/api/users/", {"email": email, "username": email})
            have[email] = int(made["id"])
    return have


def _annotate(client: Client, units: dict[str, int], seed: int = 7) -> dict[str, dict[str, str]]:
    """Three coders code hate_speech and (when yes) severity; returns what was posted."""
    rng = random.Random(seed)
    users = _users(client)
    truth: dict[str, dict[str, str]] = {}
    for unit, task_id in sorted(units.items()):
        base = rng.choice(["yes", "no"])
        for coder in CODERS:
            if rng.random() < 0.1:
                continue  # this coder left the unit out
            hs = base if rng.random() < 0.8 else ("no" if base == "yes" else "yes")
            result = [
                {
                    "from_name": "hate_speech",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": [hs]},
                }
            ]
            value = {"hate_speech": hs}
            if hs == "yes":
                sev = str(rng.randint(1, 3))  # 2.0.0 retired code 0 of severity
                value["severity"] = sev
                result.append(
                    {
                        "from_name": "severity",
                        "to_name": "text",
                        "type": "choices",
                        "value": {"choices": [sev]},
                    }
                )
            client.request(
                "POST",
                f"/api/tasks/{task_id}/annotations/",
                {"completed_by": users[coder], "result": result},
            )
            truth[f"{unit}|{coder}"] = value
    return truth


def _expected_alpha(
    truth: dict[str, dict[str, str]], units: list[str], variable: str, level: str
) -> float:
    codes = sorted({v[variable] for v in truth.values() if variable in v}, key=str)
    matrix = np.full((len(CODERS), len(units)), np.nan)
    for c, coder in enumerate(CODERS):
        for u, unit in enumerate(units):
            value = truth.get(f"{unit}|{coder}", {}).get(variable)
            if value is not None:
                matrix[c, u] = codes.index(value) if level == "nominal" else float(value)
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


def test_push_annotate_pull_agreement(client: Client, tmp_path: Path) -> None:
    cb = intercoder.load_codebook("hate-speech")
    state = State(tmp_path / "state.sqlite")
    tasks = _tasks()
    first = push(client, state, cb, tasks, title="pilot round", batch=20)
    assert (first.created, first.imported, first.already) == (True, 50, 0)
    # every text goes to several coders (Label Studio's own default, one, gives no agreement)
    assert (first.coders, first.overlap) == (3, 100)
    made = client.request("GET", f"/api/projects/{first.project_id}/")
    assert (made["maximum_annotations"], made["overlap_cohort_percentage"]) == (3, 100)
    again = push(client, state, cb, tasks, title="pilot round", batch=20)
    assert (again.created, again.imported, again.already) == (False, 0, 50)
    assert not again.config_updated
    subsample = push(client, state, cb, tasks, title="pilot round", coders=2, overlap=20)
    assert subsample.config_updated
    assert (subsample.coders, subsample.overlap, subsample.imported) == (2, 20, 0)
    push(client, state, cb, tasks, title="pilot round", coders=3, overlap=100)
    units = state.units(client.url, first.project_id)
    assert len(units) == 50
    total = sum(len(p) for p in client.tasks(first.project_id, fields="task_only"))
    assert total == 50

    truth = _annotate(client, units)
    # a skipped (cancelled) annotation and a result that breaks the codebook
    users = _users(client)
    client.request(
        "POST",
        f"/api/tasks/{units['u000']}/annotations/",
        {"completed_by": users[CODERS[0]], "was_cancelled": True, "result": []},
    )
    bad = client.request(
        "POST",
        f"/api/tasks/{units['u001']}/annotations/",
        {
            "completed_by": users[CODERS[1]],
            "result": [
                {
                    "from_name": "hate_speech",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["yes", "no"]},
                },
                {
                    "from_name": "stance",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["nonsense"]},
                },
                {
                    "from_name": "evidence",
                    "to_name": "text",
                    "type": "labels",
                    "value": {"start": 5, "end": 500, "labels": ["target_mention"]},
                },
            ],
        },
    )
    result = pull(client, state, cb, title="pilot round")
    assert result.new == len(truth) + 2
    assert result.cancelled == 1
    messages = "\n".join(str(p) for p in result.invalid)
    assert "2 choices on a single-choice question" in messages
    assert "'nonsense' is not a code of stance" in messages
    assert "out of range" in messages
    assert result.annotations is not None
    assert set(result.annotations.coders) == set(CODERS)
    report = assess(result.annotations, cb)
    alphas = {v.variable: v.alpha for v in report.variables}
    unit_ids = sorted(units)
    assert alphas["hate_speech"] == pytest.approx(
        _expected_alpha(truth, unit_ids, "hate_speech", "nominal"), abs=1e-12
    )
    assert alphas["severity"] == pytest.approx(
        _expected_alpha(truth, unit_ids, "severity", "ordinal"), abs=1e-12
    )

    # incremental: nothing changed, then one update and one deletion
    same = pull(client, state, cb, title="pilot round")
    assert (same.new, same.updated, same.deleted) == (0, 0, 0)
    client.request("PATCH", f"/api/annotations/{bad['id']}/", {"result": []})
    some = next(a for a in state.annotations(client.url, first.project_id) if a[0] != bad["id"])
    client.request("DELETE", f"/api/annotations/{some[0]}/")
    later = pull(client, state, cb, title="pilot round")
    assert (later.new, later.updated, later.deleted) == (0, 1, 1)
    assert later.invalid == []

    # a new major version is refused on a coded project without --migrate
    major = attrs.evolve(cb, version=f"{int(cb.version.split('.')[0]) + 1}.0.0")
    with pytest.raises(IntercoderError, match="--migrate"):
        push(client, state, major, tasks, title="pilot round")
    migrated = push(client, state, major, tasks, title="pilot round", migrate=True)
    assert migrated.config_updated
    assert migrated.imported == 0
    state.close()


def test_incremental_pull_reads_only_changed_tasks(
    client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from intercoder.studio import sync

    # the server's Date header has whole seconds: wait them out instead of a safety margin
    monkeypatch.setattr(sync, "SINCE_MARGIN", datetime.timedelta(0))
    cb = intercoder.load_codebook("hate-speech")
    state = State(tmp_path / "state.sqlite")
    title = "incremental round"
    first = push(client, state, cb, _tasks(), title=title)
    units = state.units(client.url, first.project_id)
    truth = _annotate(client, units, seed=5)
    time.sleep(1.1)  # past the second the annotations were made in
    full = pull(client, state, cb, title=title)
    assert (full.incremental, full.new, full.tasks) == (False, len(truth), 50)

    sent = client.requests
    quiet = pull(client, state, cb, title=title)
    assert quiet.incremental
    assert (quiet.new, quiet.updated, quiet.deleted, quiet.unchanged) == (0, 0, 0, len(truth))
    # users, project counts, changed-task count; no task page, no snapshot
    assert client.requests - sent == 3
    assert _snapshots(client, first.project_id) == 0

    rows = state.annotations(client.url, first.project_id)
    edited, dropped = rows[0], next(r for r in rows if r[1] != rows[0][1])
    client.request("PATCH", f"/api/annotations/{edited[0]}/", {"result": []})
    client.request("DELETE", f"/api/annotations/{dropped[0]}/")
    users = _users(client)
    fresh = next(u for u in sorted(units) if f"{u}|{CODERS[2]}" not in truth)
    client.request(
        "POST",
        f"/api/tasks/{units[fresh]}/annotations/",
        {
            "completed_by": users[CODERS[2]],
            "result": [
                {
                    "from_name": "hate_speech",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["no"]},
                }
            ],
        },
    )
    sent = client.requests
    some = pull(client, state, cb, title=title)
    assert some.incremental
    assert (some.new, some.updated, some.deleted) == (1, 1, 1)
    assert client.requests - sent == 4  # ... and one page of the changed tasks
    assert some.unchanged == len(truth) - 2
    assert some.annotations is not None
    coded = set(zip(some.annotations.unit_id, some.annotations.coder_id, strict=True))
    assert (fresh, CODERS[2]) in coded
    assert (edited[2], edited[3]) not in coded  # its result is empty now
    assert (dropped[2], dropped[3]) not in coded

    # a task deleted with its annotations is not listed: the counts differ, all is read
    gone_task = units[dropped[2]]
    lost = sum(1 for r in state.annotations(client.url, first.project_id) if r[1] == gone_task)
    assert lost > 0
    client.request("DELETE", f"/api/tasks/{gone_task}/")
    after = pull(client, state, cb, title=title)
    assert not after.incremental
    assert (after.new, after.updated, after.deleted) == (0, 0, lost)
    assert after.tasks == 49
    rows = state.annotations(client.url, first.project_id)
    assert all(r[1] != gone_task for r in rows)
    assert len(rows) == len(truth) - lost  # -1 dropped +1 fresh
    state.close()


class _Proxy:
    """A TCP proxy that lets ``allow`` connections through, then cuts every one."""

    def __init__(self, target_port: int, allow: int) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.target, self.allow = target_port, allow
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            if self.allow <= 0:
                conn.close()
                continue
            self.allow -= 1
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((conn, upstream), (upstream, conn)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.mark.parametrize(
    ("page_size", "allow"),
    [
        # token refresh, users, project counts and 2 pages, then the cut
        pytest.param(10, 5, id="paged-listing"),
        # token refresh, users, project counts, old snapshots, the snapshot made; then the cut
        pytest.param(None, 5, id="export-snapshot"),
    ],
)
def test_connection_cut_mid_pull_loses_and_duplicates_nothing(
    client: Client, token: str, tmp_path: Path, page_size: int | None, allow: int
) -> None:
    cb = intercoder.load_codebook("hate-speech")
    state = State(tmp_path / "state.sqlite")
    title = f"fault round {page_size}"
    first = push(client, state, cb, _tasks(), title=title)
    units = state.units(client.url, first.project_id)
    truth = _annotate(client, units, seed=11)
    port = int(client.url.rsplit(":", 1)[1])
    proxy = _Proxy(port, allow=allow)
    cut = Client(f"http://127.0.0.1:{proxy.port}", token, retries=1, backoff=0.01)
    cut.url = client.url  # same server: the same rows in the state file
    cut_base = f"http://127.0.0.1:{proxy.port}"

    def via_proxy(method: str, path: str, body: object = None, auth: bool = True) -> object:
        saved, cut.url = cut.url, cut_base
        try:
            return Client._send(cut, method, path, body, auth)
        finally:
            cut.url = saved

    cut._send = via_proxy  # type: ignore[method-assign]
    with pytest.raises(StudioError, match="failed after 2 tries"):
        pull(client=cut, state=state, cb=cb, title=title, page_size=page_size)
    partial = len(state.annotations(client.url, first.project_id))
    if page_size:
        assert 0 < partial < len(truth)  # the pages before the cut are kept
    else:
        assert partial == 0  # a snapshot is stored only once it is complete
    if not page_size:  # the cut left the snapshot on the server
        assert _snapshots(client, first.project_id) == 1
    done = pull(client, state, cb, title=title, page_size=page_size)
    assert not done.incremental
    assert done.new == len(truth) - partial
    assert done.unchanged == partial
    assert _snapshots(client, first.project_id) == 0
    rows = state.annotations(client.url, first.project_id)
    assert len(rows) == len({r[0] for r in rows}) == len(truth)
    assert done.annotations is not None
    pairs = {
        (u, c) for u, c in zip(done.annotations.unit_id, done.annotations.coder_id, strict=True)
    }
    assert pairs == {tuple(k.split("|")) for k in truth}
    state.close()


def _snapshots(client: Client, project_id: int) -> int:
    return len(client.request("GET", f"/api/projects/{project_id}/exports/"))
