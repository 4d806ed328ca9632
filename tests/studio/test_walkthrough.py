"""docs/coder/label-studio.md followed step by step, as a newcomer would, in a real browser.

``intercoder studio serve`` → ``studio push`` → the lead invites two coders with the
organisation's link (*Add Members*); they sign up and code every text in Chromium (Debian's,
driven by Playwright; nothing outside 127.0.0.1 is let through) → ``studio pull`` →
``intercoder agree``. The alphas are checked against the krippendorff package on what the
browser clicked.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest

import intercoder
from intercoder.studio import server
from intercoder.studio.client import Client, StudioError

from .conftest import ADMIN, PASSWORD, prepared
from support import RunCli, require_chromium

pytestmark = pytest.mark.studio

TEXTS = {
    "n01": "Депутат призвал выселить всех мигрантов из города, назвав их паразитами.",
    "n02": "В Бишкеке открылся новый парк для семей с детьми.",
    "n03": "Бул элдин баары уурулар, аларды өлкөдөн кууп чыгуу керек.",
    "n04": "Министр рассказал о росте экспорта сельхозпродукции.",
    "n05": "Комментатор написал, что соседи «всегда были предателями».",
    "n06": "Фестиваль собрал музыкантов из пяти стран региона.",
}
#: coder -> unit -> (hate_speech, severity when yes)
PLAN: dict[str, dict[str, tuple[str, str | None]]] = {
    "ana@example.org": {
        "n01": ("yes", "3"),
        "n02": ("no", None),
        "n03": ("yes", "3"),
        "n04": ("no", None),
        "n05": ("yes", "2"),
        "n06": ("no", None),
    },
    "bo@example.org": {
        "n01": ("yes", "2"),
        "n02": ("no", None),
        "n03": ("yes", "3"),
        "n04": ("no", None),
        "n05": ("no", None),
        "n06": ("no", None),
    },
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """``intercoder studio serve`` as the docs start it; its URL and the shell environment."""
    exe, template = prepared()
    data = tmp_path / "ls-data"  # the suite's migrated template: seconds instead of ~35 s
    shutil.copytree(template, data, ignore=shutil.ignore_patterns("server.log", ".complete"))
    xdg = tmp_path / "xdg-cache" / "intercoder"
    xdg.mkdir(parents=True)
    (xdg / f"ls-{server.VERSION}").symlink_to(exe.parent.parent)  # serve's venv: the suite's
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(xdg.parent),
        "INTERCODER_STUDIO_CONFIG": str(tmp_path / "config" / "studio.json"),
        "INTERCODER_STUDIO_STATE": str(tmp_path / "state.sqlite"),
        "LABEL_STUDIO_ADMIN_EMAIL": ADMIN,
        "LABEL_STUDIO_ADMIN_PASSWORD": PASSWORD,
    }
    command = [sys.executable, "-m", "intercoder", "studio", "serve"]
    command += ["--port", str(server.free_port()), "--data-dir", str(data)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=lambda: [lines.put(x) for x in process.stdout], daemon=True).start()
    try:
        url = ""
        while True:
            line = lines.get(timeout=300)
            if found := re.search(r"runs at (http://127\.0\.0\.1:\d+)", line):
                url = found.group(1)
            if line.startswith("API token stored in"):
                break
        config = Path(env["INTERCODER_STUDIO_CONFIG"])
        assert config.stat().st_mode & 0o077 == 0  # the token file is the owner's alone
        assert json.loads(config.read_text())["token"].count(".") == 2  # a personal token
        yield url, env
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C, as the docs say
        assert process.wait(60) == 0


def _code_yes(page: Any, severity_label: str, span_label: str) -> None:
    """Answer every follow-up question the codebook requires after "yes"."""
    page.locator(".htx-taxonomy").first.click()  # target group: the first category
    page.locator(".ant-select-tree-treenode .ant-select-tree-checkbox").first.click()
    page.keyboard.press("Escape")
    groups = page.locator(".lsf-choices")
    for i in range(1, groups.count()):  # group 0 is the screening question
        options = groups.nth(i).locator("label.lsf-choice__checkbox")
        chosen = options.filter(has_text=severity_label) if i == 2 else options.first
        chosen.click()
    page.locator(".lsf-labels").get_by_text(span_label).click()  # evidence: a span
    box = page.locator(".lsf-richtext").first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 8, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, y, steps=5)
    page.mouse.up()


def test_newcomer_goes_from_serve_to_agreement(
    served: tuple[str, dict[str, str]], tmp_path: Path, run_cli: RunCli
) -> None:
    from playwright.sync_api import sync_playwright

    url, env = served

    def cli(*args: str) -> str:
        done = run_cli(*args, cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cb = intercoder.load_codebook("hate-speech")

    def label(variable: str, code: str) -> str:
        return cb.variable(variable).category(code).label.pick("ru", cb.languages) or code

    # 2. push the codebook and the texts
    tasks = tmp_path / "pilot.csv"
    rows = [f'{unit},"{text}"' for unit, text in TEXTS.items()]
    tasks.write_text("unit_id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    push = ["studio", "push", "--codebook", "hate-speech", "--tasks", str(tasks)]
    push += ["--project", "pilot round", "--lang", "ru", "--coders", "2"]
    pushed = cli(*push)
    assert "6 tasks imported" in pushed
    assert "100% of texts go to 2 coders each" in pushed
    project_id = re.search(r"\(id (\d+),", pushed).group(1)  # type: ignore[union-attr]

    # 3. code: the lead invites, each coder signs up with the link and codes every text
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(require_chromium()), args=["--no-sandbox"]
        )
        outside: list[str] = []

        def context() -> Any:
            made = browser.new_context(viewport={"width": 1400, "height": 1000})

            def only_local(route: Any) -> None:
                if route.request.url.startswith(url):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            made.route("**/*", only_local)
            return made

        lead = context().new_page()
        lead.goto(url + "/user/login/")
        lead.fill("input[name=email]", ADMIN)
        lead.fill("input[name=password]", PASSWORD)
        lead.click("button:has-text('Log in')")
        lead.wait_for_url(re.compile(r"^(?!.*/user/login).*$"))
        lead.goto(url + "/organization/")
        lead.get_by_text("Add Members").click()
        invite = lead.locator("input[value*='/user/signup/?token=']").input_value()

        for email, plan in PLAN.items():
            page = context().new_page()
            page.goto(invite)
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", f"{email} pass phrase")
            page.click("button:has-text('Create Account')")
            page.wait_for_url(re.compile(r"^(?!.*/user/signup).*$"))
            page.goto(f"{url}/projects/{project_id}/data")
            page.get_by_text("Label All Tasks").first.click()
            page.get_by_text("Labeling Instructions").first.wait_for()  # the coder manual
            page.keyboard.press("Escape")
            submit = page.get_by_test_id("bottombar-submit-button")
            for _ in plan:
                submit.wait_for()
                shown = page.locator(".lsf-richtext").first.inner_text()
                unit = next(u for u, text in TEXTS.items() if text in shown)
                answer, severity = plan[unit]
                page.locator(".lsf-choices").first.locator(
                    "label.lsf-choice__checkbox", has_text=label("hate_speech", answer)
                ).click()
                if severity is not None:
                    _code_yes(
                        page, label("severity", severity), label("evidence", "target_mention")
                    )
                submit.click()
                page.wait_for_function(
                    "t => !document.body.innerText.includes(t)", arg=TEXTS[unit], timeout=20_000
                )
            page.get_by_text("No More Tasks Left in Queue").wait_for()
        browser.close()
    assert outside == []

    # 4. pull and check agreement
    pulled = cli("studio", "pull", "--project", "pilot round", "-o", "pilot.jsonl")
    assert "12 new" in pulled
    assert "0 invalid results" in pulled
    report = json.loads(
        cli("agree", "pilot.jsonl", "--codebook", "hate-speech", "--format", "json")
    )
    alphas = {v["variable"]: v["alpha"] for v in report["variables"]}
    coders, units = list(PLAN), sorted(TEXTS)
    screening = np.array([[PLAN[c][u][0] == "yes" for u in units] for c in coders], float)
    severity = np.array(
        [[float(PLAN[c][u][1] or "nan") for u in units] for c in coders], float
    )  # not asked after "no": missing
    assert alphas["hate_speech"] == pytest.approx(
        krippendorff.alpha(reliability_data=screening, level_of_measurement="nominal"), abs=1e-6
    )
    assert alphas["severity"] == pytest.approx(
        krippendorff.alpha(reliability_data=severity, level_of_measurement="ordinal"), abs=1e-6
    )
    status = cli("studio", "status")
    assert f"pilot round ({intercoder.load_codebook('hate-speech').ref}): 6 tasks" in status
    for email in PLAN:
        assert f"{email}: 6 units coded" in status

    # a new token for the admin (serve after the config file was lost) revokes the stored one
    stored = json.loads(Path(env["INTERCODER_STUDIO_CONFIG"]).read_text())["token"]
    fresh = server.personal_access_token(url, ADMIN, PASSWORD)
    assert ADMIN in Client(url, fresh).users().values()
    with pytest.raises(StudioError, match="refused"):
        Client(url, stored, retries=0).users()
