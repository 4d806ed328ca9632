"""Blind rounds and review projects (studio adjudicate) against a real Label Studio 1.23.2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import intercoder
from intercoder.studio.blind import pull_blind, push_blind, round_projects
from intercoder.studio.client import Client
from intercoder.studio.state import State
from intercoder.tasks import Task

from support import RunCli

pytestmark = pytest.mark.studio

A, B = "ana@example.org", "bo@example.org"


def _user(client: Client, email: str) -> int:
    have = {e: uid for uid, e in client.users().items()}
    if email in have:
        return have[email]
    return int(client.request("POST", "/api/users/", {"email": email, "username": email})["id"])


def _choose(client: Client, task: int, user: int, name: str, *choices: str) -> dict[str, Any]:
    result = [
        {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": list(c)}}
        for c in ([choices] if choices else [])
    ]
    return dict(
        client.request(
            "POST", f"/api/tasks/{task}/annotations/", {"completed_by": user, "result": result}
        )
    )


def test_blind_round_gives_each_coder_a_project_and_merges_them(
    client: Client, tmp_path: Path
) -> None:
    cb = intercoder.load_codebook("hate-speech")
    state = State(tmp_path / "state.sqlite")
    tasks = [Task(unit_id=f"b{i}", text=f"Blind text {i}.") for i in range(4)]
    made = push_blind(client, state, cb, tasks, title="blind api", coders=[A, B])
    assert set(made) == {A, B}
    assert len({r.project_id for r in made.values()}) == 2
    for result in made.values():
        assert (result.imported, result.coders) == (4, 1)  # every text, coded once per project
    titles = round_projects(client, state, "blind api")
    assert titles == [f"blind api · {A}", f"blind api · {B}"]
    # the round is found from the server alone (another machine, no state)
    fresh = State(tmp_path / "other.sqlite")
    assert round_projects(client, fresh, "blind api") == titles

    users = {A: _user(client, A), B: _user(client, B)}
    for coder, answer in ((A, "no"), (B, "no")):
        units = state.units(client.url, made[coder].project_id)
        for unit in sorted(units):
            _choose(client, units[unit], users[coder], "hate_speech", answer)
    # nothing of A's is in B's project: what B's coding page can show
    for coder, _other in ((A, B), (B, A)):
        listed = [t for page in client.tasks(made[coder].project_id) for t in page]
        assert {a["completed_by"] for t in listed for a in t["annotations"]} == {users[coder]}

    merged = pull_blind(client, fresh, cb, title="blind api", projects=titles)
    assert merged.warnings == []
    assert merged.invalid == []
    assert sorted(merged.annotations.coders) == [A, B]
    assert len(merged.annotations) == 8

    # B coding in A's project is the one breach the server shows: it is named
    units = state.units(client.url, made[A].project_id)
    _choose(client, units["b0"], users[B], "hate_speech", "yes")
    again = pull_blind(client, fresh, cb, title="blind api", projects=titles)
    assert len(again.warnings) == 1
    assert f"'blind api · {A}' holds codings by {B}" in again.warnings[0]
    fresh.close()
    state.close()


def _cli_env(client: Client, token: str, tmp_path: Path) -> dict[str, str | None]:
    return {
        "LABEL_STUDIO_URL": client.url,
        "LABEL_STUDIO_API_KEY": token,
        "INTERCODER_STUDIO_STATE": str(tmp_path / "state.sqlite"),
        "INTERCODER_STUDIO_CONFIG": str(tmp_path / "none.json"),
    }


def _round_files(tmp_path: Path) -> list[str]:
    """Two coders of hate_speech on five units: u1 and u2 disputed, u3 to u5 unanimous; and
    of the multiple choice form on u5 (shown by its yes), disputed."""
    coded = {A: {"u1": "yes", "u2": "no", "u3": "no", "u4": "no", "u5": "yes"}}
    coded[B] = {"u1": "no", "u2": "yes", "u3": "no", "u4": "no", "u5": "yes"}
    form = {A: '"[""threat""]"', B: '"[""dehumanisation"",""threat""]"'}
    files = []
    for coder, values in coded.items():
        path = tmp_path / f"{coder.split('@')[0]}.csv"
        lines = ["unit_id,coder_id,variable,value,text"]
        lines += [f"{u},{coder},hate_speech,{v},Text {u}" for u, v in values.items()]
        lines.append(f"u5,{coder},form,{form[coder]},Text u5")  # a multiple choice
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(str(path))
    return files


def test_studio_adjudicate_pushes_the_queue_and_pull_writes_gold(
    client: Client, token: str, tmp_path: Path, run_cli: RunCli
) -> None:
    env = _cli_env(client, token, tmp_path)
    files = _round_files(tmp_path)

    def cli(*args: str, code: int = 0) -> Any:
        done = run_cli(*args, cwd=tmp_path, env=env)
        assert done.returncode == code, done.stderr
        assert "Traceback" not in done.stderr
        return done

    cli("adjudicate", *files, "--codebook", "hate-speech", "-o", "gold.csv", "--queue", "q.csv")
    pushed = cli(
        "studio",
        "adjudicate",
        "q.csv",
        "--codebook",
        "hate-speech",
        "--project",
        "review api",
        *(x for f in files for x in ("--round-files", f)),
        "--lang",
        "ru",
    ).stdout
    assert "3 disputes imported" in pushed
    project = client.project_by_title("review api")
    assert project is not None
    listed = [t for page in client.tasks(int(project["id"])) for t in page]
    by_unit = {t["data"]["unit_id"]: t for t in listed}
    assert set(by_unit) == {"u1|hate_speech", "u2|hate_speech", "u5|form"}
    # a multiple choice gets the control that takes several categories
    assert by_unit["u5|form"]["data"]["options"] == []
    assert {o["alias"] for o in by_unit["u5|form"]["data"]["options_multi"]} >= {"threat"}
    cb = intercoder.load_codebook("hate-speech")
    yes_ru = cb.variable("hate_speech").category("yes").label.pick("ru", cb.languages)
    no_ru = cb.variable("hate_speech").category("no").label.pick("ru", cb.languages)
    # every coder's answer by name, in the codebook's language
    assert by_unit["u1|hate_speech"]["data"]["answers"] == {A: yes_ru, B: no_ru}
    adjudicator = _user(client, "judge@example.org")
    task_u1 = int(by_unit["u1|hate_speech"]["id"])
    ann = client.request(
        "POST",
        f"/api/tasks/{task_u1}/annotations/",
        {
            "completed_by": adjudicator,
            "result": [
                {
                    "from_name": "decision",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["yes"]},
                },
                {
                    "from_name": "reason",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["coder-error"]},
                },
            ],
        },
    )
    client.request(
        "POST",
        f"/api/tasks/{by_unit['u5|form']['id']}/annotations/",
        {
            "completed_by": adjudicator,
            "result": [
                {
                    "from_name": "decisions",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["threat", "dehumanisation"]},
                },
                {
                    "from_name": "reason",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["guideline-gap"]},
                },
            ],
        },
    )
    pulled = cli("studio", "pull", "--project", "review api", "-o", "gold.csv").stdout
    assert "2 decisions from 'review api'" in pulled
    assert "3 unanimous, 0 majority, 2 adjudicated, 1 unresolved" in pulled
    gold = (tmp_path / "gold.csv").read_text(encoding="utf-8")
    assert "u1,gold,hate_speech,yes,adjudicated,coder-error,judge@example.org" in gold
    assert "u2,gold,hate_speech,,unresolved" in gold
    assert "u3,gold,hate_speech,no,unanimous" in gold
    assert 'u5,gold,form,"[""dehumanisation"", ""threat""]",adjudicated,guideline-gap' in gold

    # a decision that is not a code of its variable: located, exit 1, the gold untouched
    client.request(
        "PATCH",
        f"/api/annotations/{ann['id']}/",
        {
            "result": [
                {
                    "from_name": "decision",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": ["maybe"]},
                }
            ]
        },
    )
    before = (tmp_path / "gold.csv").read_bytes()
    bad = cli("studio", "pull", "--project", "review api", "-o", "gold.csv", code=1)
    assert f"review api task {task_u1} annotation {ann['id']}" in bad.stderr
    assert "'maybe'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    assert (tmp_path / "gold.csv").read_bytes() == before

    # a queue row for a unit outside the round: refused at push (file:line) and at pull
    queue = (tmp_path / "q.csv").read_text(encoding="utf-8")
    (tmp_path / "q2.csv").write_text(
        queue + "u9,hate_speech,1.000,Text u9,yes,no,,,\r\n", encoding="utf-8"
    )
    refused = cli(
        "studio",
        "adjudicate",
        "q2.csv",
        "--codebook",
        "hate-speech",
        *(x for f in files for x in ("--round-files", f)),
        code=1,
    )
    assert "q2.csv:5" in refused.stderr
    assert "'u9' is not in the round" in refused.stderr
    cli("studio", "adjudicate", "q2.csv", "--codebook", "hate-speech", "--project", "review 2")
    other = client.project_by_title("review 2")
    assert other is not None
    task_u9 = next(
        t
        for p in client.tasks(int(other["id"]))
        for t in p
        if t["data"]["unit_id"] == "u9|hate_speech"
    )
    _choose(client, int(task_u9["id"]), adjudicator, "decision", "no")
    outside = cli("studio", "pull", "--project", "review 2", "-o", "gold.csv", code=1)
    assert "'u9' is not in the round" in outside.stderr
    assert f"review 2 task {task_u9['id']}" in outside.stderr
    assert (tmp_path / "gold.csv").read_bytes() == before


def test_ten_concurrent_pulls_share_one_state_file(
    client: Client, token: str, tmp_path: Path, run_cli: RunCli
) -> None:
    cb = intercoder.load_codebook("hate-speech")
    state = State(tmp_path / "state.sqlite")
    tasks = [Task(unit_id=f"c{i}", text=f"Concurrent text {i}.") for i in range(20)]
    made = push_blind(client, state, cb, tasks, title="concurrent", coders=[A])[A]
    units = state.units(client.url, made.project_id)
    state.close()
    user = _user(client, A)
    for unit in sorted(units):
        _choose(client, units[unit], user, "hate_speech", "no")
    env = _cli_env(client, token, tmp_path)
    command = [sys.executable, "-m", "intercoder", "studio", "pull", "--project", "concurrent"]
    running = [
        subprocess.Popen(
            [*command, "-o", f"out{i}.csv"],
            cwd=tmp_path,
            env={**os.environ, **{k: v for k, v in env.items() if v is not None}},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(10)
    ]
    outcomes = [(p.wait(300), p.stderr.read() if p.stderr else "") for p in running]
    for code, stderr in outcomes:
        assert code == 0, stderr
        assert "locked" not in stderr
        assert "Traceback" not in stderr
    for i in range(10):
        assert (tmp_path / f"out{i}.csv").read_text(encoding="utf-8").count("\n") == 21
