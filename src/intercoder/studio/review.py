"""Adjudication in Label Studio: a review project over a dispute queue, and its decisions to gold.

:func:`push_review` turns the queue ``intercoder adjudicate`` writes (one row per disputed
unit and variable) into a *review project*: one task per row, showing the question, the text
and every coder's answer by coder (their labels in the codebook's language), a control to pick
or correct the value (the variable's categories, loaded from the task so one project serves
every variable; several for a multiple choice), a required reason tag and an optional comment.
The project is marked as a review in its label config and description
(``<!-- intercoder review: ID@VERSION -->``), so ``studio pull`` recognises it from any
machine.

:func:`pull_review` reads the decisions (the adjudicator is the Label Studio user's e-mail),
checks them all — a value that is not a code of its variable, a unit the gold does not hold —
and only then returns the earlier gold with the decided pairs ``adjudicated``
(:func:`intercoder.workflow.adjudicate.merge_decisions`); the caller writes it atomically.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from ..codebook.model import Codebook
from ..errors import Diagnostic, IntercoderError, Location
from ..i18n import translator
from ..tasks import Task
from ..workflow.adjudicate import (
    ADJUDICABLE,
    Decision,
    Dispute,
    check_decisions,
    merge_decisions,
)
from ..workflow.gold import REASONS, GoldError, GoldStandard
from .client import Client
from .labelconfig import TEXT_TAG, pick_text
from .state import State
from .sync import PushResult, Synced, no_progress, push, sync

#: The control names of the review interface.
DECISION, DECISIONS, REASON, COMMENT = "decision", "decisions", "reason", "comment"
#: What a coder who gave no value shows as.
NO_VALUE = "—"


def review_config(cb: Codebook) -> str:
    """The review project's labeling interface (the same for every variable of ``cb``)."""
    reasons = "\n".join(f"    <Choice value={quoteattr(r)}/>" for r in REASONS)
    return f"""<!-- intercoder review: {cb.ref} -->
<View>
  <Header value="$question"/>
  <Text name="{TEXT_TAG}" value="$text"/>
  <Header value="$answers_title" size="5"/>
  <Table name="answers" value="$answers"/>
  <Header value="$decision_title" size="5"/>
  <Choices name="{DECISION}" toName="{TEXT_TAG}" choice="single" value="$options"/>
  <Choices name="{DECISIONS}" toName="{TEXT_TAG}" choice="multiple" value="$options_multi"/>
  <Header value="$reason_title" size="5"/>
  <Choices name="{REASON}" toName="{TEXT_TAG}" choice="single" showInline="true" required="true">
{reasons}
  </Choices>
  <TextArea name="{COMMENT}" toName="{TEXT_TAG}" rows="2" editable="true" maxSubmissions="1"/>
</View>
"""


def _shown(cb: Codebook, variable: str, value: Any, lang: str) -> str:
    """A coder's value as the adjudicator reads it: the category labels in ``lang``."""
    if value is None:
        return NO_VALUE
    var = cb.variable(variable)
    codes = value if isinstance(value, list | tuple) else [value]
    labels = []
    for code in codes:
        try:
            labels.append(pick_text(var.category(str(code)).label, lang, cb) or str(code))
        except KeyError:
            labels.append(str(code))
    return ", ".join(labels)


def review_tasks(
    disputes: Sequence[tuple[Dispute, Location]], cb: Codebook, lang: str
) -> list[Task]:
    """One task per queue row; a row whose variable ``cb`` cannot adjudicate is an error."""
    tasks = []
    _ = translator(lang)
    adjudicable = {v.id for v in cb.variables if v.type in ADJUDICABLE}
    for dispute, where in disputes:
        if dispute.variable not in adjudicable:
            raise GoldError(
                [
                    Diagnostic(
                        where,
                        f"variable: {dispute.variable!r} is not a variable of {cb.ref} "
                        "to adjudicate",
                    )
                ]
            )
        var = cb.variable(dispute.variable)
        options = [
            {"value": pick_text(cat.label, lang, cb) or cat.code, "alias": cat.code}
            for cat, _depth in var.walk()
            if not cat.retired
        ]
        multiple = var.type == "multiple_choice"
        question = pick_text(var.question, lang, cb) or pick_text(var.label, lang, cb)
        meta = {
            "variable": var.id,
            "question": f"{question or var.id} ({var.id})",
            "answers": {
                coder: _shown(cb, var.id, value, lang) for coder, value in dispute.values.items()
            },
            "answers_title": _("review_answers"),
            "decision_title": _("review_decision"),
            "reason_title": _("review_reason"),
            "options": [] if multiple else options,
            "options_multi": options if multiple else [],
            "disagreement": dispute.disagreement,
        }
        tasks.append(
            Task(
                unit_id=f"{dispute.unit_id}|{var.id}",
                text=dispute.text or "",
                meta=meta,
            )
        )
    return tasks


def push_review(
    client: Client,
    state: State,
    cb: Codebook,
    disputes: Sequence[tuple[Dispute, Location]],
    *,
    title: str,
    lang: str | None = None,
    echo: Callable[[str], None] = lambda _m: None,
    progress: Callable[[int], Callable[[int], None]] = no_progress,
) -> PushResult:
    """Create or update the review project ``title`` with a task per queue row it lacks."""
    lang = lang or cb.languages[0]
    return push(
        client,
        state,
        cb,
        review_tasks(disputes, cb, lang),
        title=title,
        lang=lang,
        coders=1,
        overlap=100,
        echo=echo,
        progress=progress,
        kind="review",
        config=review_config(cb),
        description=f"intercoder review: {cb.ref}",
    )


def _choice_codes(item: dict[str, Any], labels: dict[str, str]) -> list[str]:
    choices = (item.get("value") or {}).get("choices")
    if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
        raise ValueError(f"value.choices must be a list of strings, got {choices!r}")
    return [labels.get(str(c), str(c)) for c in choices]


def decisions_of(
    synced: Synced, state: State, url: str, cb: Codebook, title: str
) -> list[Decision]:
    """The decisions of the review project's stored annotations (latest per task), checked."""
    project_id = int(synced.project["project_id"])
    lang = str(synced.project["lang"])
    labels = {
        v.id: {pick_text(c.label, lang, cb) or c.code: c.code for c, _ in v.walk()}
        for v in cb.variables
    }
    latest: dict[str, tuple[Any, ...]] = {}
    for row in state.annotations(url, project_id):
        annotation_id, task_id, unit, coder, updated_at, cancelled, result = row
        if not cancelled and (unit not in latest or (updated_at or "") >= (latest[unit][4] or "")):
            latest[unit] = row
    found = []
    for key, (annotation_id, task_id, _unit, coder, _at, _c, result) in sorted(latest.items()):
        where = Location(f"{title} task {task_id} annotation {annotation_id}")
        unit, _, variable = key.rpartition("|")
        if not unit or variable not in labels:
            raise GoldError([Diagnostic(where, f"not a task of a review project: {key!r}")])
        items = synced.parsed.get(annotation_id)
        items = json.loads(result) if items is None else items
        value: Any = None
        reason = comment = None
        try:
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict):
                    continue
                name = item.get("from_name")
                if name in (DECISION, DECISIONS) and item.get("type") == "choices":
                    codes = _choice_codes(item, labels[variable])
                    multiple = cb.variable(variable).type == "multiple_choice"
                    value = codes if multiple else (codes[0] if len(codes) == 1 else codes)
                elif name == REASON and item.get("type") == "choices":
                    reasons = _choice_codes(item, {})
                    reason = reasons[0] if reasons else None
                elif name == COMMENT and item.get("type") == "textarea":
                    comment = "\n".join((item.get("value") or {}).get("text") or [])
        except ValueError as exc:
            raise GoldError([Diagnostic(where, f"{coder}: {exc}")]) from None
        if value is None or value == []:
            continue  # reviewed, not decided: the pair stays unresolved
        if reason is not None and reason not in REASONS:
            raise GoldError(
                [Diagnostic(where, f"reason: {reason!r} is not one of {', '.join(REASONS)}")]
            )
        del comment  # shown to colleagues in Label Studio; the gold file has no column for it
        found.append(Decision(unit, variable, value, reason, coder, where))
    single = [d for d in found if isinstance(d.value, list) and d.variable and _single(cb, d)]
    if single:
        d = single[0]
        raise GoldError(
            [Diagnostic(d.location, f"decision: {len(d.value)} choices for {d.variable}")]
        )
    return check_decisions(found, cb)


def _single(cb: Codebook, decision: Decision) -> bool:
    return cb.variable(decision.variable).type != "multiple_choice"


def pull_review(
    client: Client,
    state: State,
    cb: Codebook,
    gold: GoldStandard,
    *,
    title: str,
    echo: Callable[[str], None] = lambda _m: None,
    progress: Callable[[int], Callable[[int], None]] = no_progress,
) -> tuple[GoldStandard, int]:
    """The earlier ``gold`` with the review project's decisions merged; how many were decided."""
    synced = sync(client, state, cb, title=title, echo=echo, progress=progress)
    if synced.project.get("kind") != "review":
        raise IntercoderError(f"project {title!r} is not a review project (studio adjudicate)")
    decisions = decisions_of(synced, state, client.url, cb, title)
    return merge_decisions(gold, decisions), len(decisions)
