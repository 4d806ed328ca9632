"""docs/coder/label-studio.md followed step by step, as a newcomer would, in a real browser.

``intercoder studio serve`` → ``studio push`` → the lead invites two coders with the
organisation's link (*Add Members*); they sign up and code every text in Chromium (Debian's,
driven by Playwright; nothing outside 127.0.0.1 is let through) → ``studio pull`` →
``intercoder agree``. The alphas are checked against the krippendorff package on what the
browser clicked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import krippendorff
import numpy as np
import pytest

import intercoder
from intercoder.studio import server
from intercoder.studio.client import Client, StudioError

from .browser import code_yes, lead_invites, local_page, optional_groups, sign_up_and_label
from .conftest import ADMIN, PASSWORD
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
        lead = local_page(browser, url, outside)
        invite = lead_invites(lead, url)

        for email, plan in PLAN.items():
            page = local_page(browser, url, outside)
            submit = sign_up_and_label(page, invite, email, url, project_id)
            for _ in plan:
                submit.wait_for()
                shown = page.locator(".lsf-richtext").first.inner_text()
                unit = next(u for u, text in TEXTS.items() if text in shown)
                answer, severity = plan[unit]
                page.locator(".lsf-choices").first.locator(
                    "label.lsf-choice__checkbox", has_text=label("hate_speech", answer)
                ).click()
                if severity is not None:
                    code_yes(
                        page,
                        label("severity", severity),
                        label("evidence", "target_mention"),
                        optional_groups(cb, "ru"),
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
