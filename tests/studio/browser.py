"""What both browser walkthroughs do in Chromium: local-only pages, the lead's invitation link,
a coder's sign-up and the label stream of a project."""

from __future__ import annotations

import re
from typing import Any

from .conftest import ADMIN, PASSWORD


def local_page(browser: Any, url: str, outside: list[str]) -> Any:
    """A page in a fresh context that lets only ``url`` through (the rest lands in ``outside``)."""
    made = browser.new_context(viewport={"width": 1400, "height": 1000})

    def only_local(route: Any) -> None:
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    made.route("**/*", only_local)
    return made.new_page()


def lead_invites(lead: Any, url: str) -> str:
    """The lead logs in and opens *Add Members*: the organisation's invitation link."""
    lead.goto(url + "/user/login/")
    lead.fill("input[name=email]", ADMIN)
    lead.fill("input[name=password]", PASSWORD)
    lead.click("button:has-text('Log in')")
    lead.wait_for_url(re.compile(r"^(?!.*/user/login).*$"))
    lead.goto(url + "/organization/")
    lead.get_by_text("Add Members").click()
    return str(lead.locator("input[value*='/user/signup/?token=']").input_value())


def sign_up_and_label(page: Any, invite: str, email: str, url: str, project_id: str) -> Any:
    """A coder signs up with the link and starts the project's label stream; the Submit button."""
    page.goto(invite)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", f"{email} pass phrase")
    page.click("button:has-text('Create Account')")
    page.wait_for_url(re.compile(r"^(?!.*/user/signup).*$"))
    page.goto(f"{url}/projects/{project_id}/data")
    page.get_by_text("Label All Tasks").first.click()
    page.get_by_text("Labeling Instructions").first.wait_for()  # the coder manual
    page.keyboard.press("Escape")
    return page.get_by_test_id("bottombar-submit-button")


def optional_groups(cb: Any, lang: str) -> int:
    """How many choice groups at the end of the labeling page are questions no one must answer
    and nothing depends on: the shared source metadata, after the codebook's own questions."""
    import xml.etree.ElementTree as ET

    from intercoder.studio.labelconfig import label_config

    names = [el.get("name", "") for el in ET.fromstring(label_config(cb, lang)).iter("Choices")]
    shown = [cb.variable(name) for name in names]
    trailing = 0
    for var in reversed(shown):
        if var.required or var.show_if is not None:
            break
        trailing += 1
    return trailing


def code_yes(page: Any, severity_label: str, span_label: str, optional: int = 0) -> None:
    """Answer every follow-up question the codebook requires after "yes" (the last
    ``optional`` choice groups, see :func:`optional_groups`, are left open)."""
    page.locator(".htx-taxonomy").first.click()  # target group: the first category
    page.locator(".ant-select-tree-treenode .ant-select-tree-checkbox").first.click()
    page.keyboard.press("Escape")
    groups = page.locator(".lsf-choices")
    for i in range(1, groups.count() - optional):  # group 0 is the screening question
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
