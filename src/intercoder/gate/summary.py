"""The gate's verdict in words: the verdict line and the Markdown summary (for
``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..reliability import (
    FAIL,
    TENTATIVE,
)
from ..report.tables import render_markdown
from .config import FAILURE, MAX_SHOWN, OK, WARNING
from .judge import NOT_CODED, GateResult

# --- renderings ----------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def verdict_line(result: GateResult) -> str:
    """One line: ``check failed: 2 of 9 variables below threshold (severity: alpha ...)``.

    Variables the files hold no record of are named once, at the end, with the options that
    select or allow them, instead of one "insufficient data" item each.
    """
    total = len(result.verdicts)
    uncoded_failed = [v.variable for v in result.failures if not v.result.coded]
    uncoded_warned = [v.variable for v in result.warnings if not v.result.coded]
    failures = [v for v in result.failures if v.result.coded]
    warnings = [v for v in result.warnings if v.result.coded]
    items = "; ".join(f"{v.variable}: {v.message}" for v in failures)
    warned = "; ".join(f"{v.variable}: {v.message}" for v in warnings)
    if result.failures:
        parts = []
        if failures:
            below = all(v.status in (FAIL, TENTATIVE) for v in failures)
            what = "below threshold" if below else "failed"
            uncoded = len(uncoded_failed) + len(uncoded_warned)
            of = _plural(total - uncoded, "coded variable" if uncoded else "variable")
            parts.append(f"{len(failures)} of {of} {what} ({items})")
        if uncoded_failed:
            parts.append(_not_coded(uncoded_failed, total) + _not_coded_hint(result))
        if warnings:
            parts.append(f"{_plural(len(warnings), 'warning')} ({warned})")
        if uncoded_warned:
            parts.append(_not_coded(uncoded_warned, total) + " (allowed)")
        return "check failed: " + "; ".join(parts)
    if warnings or uncoded_warned:
        count = len(warnings) + len(uncoded_warned)
        line = (
            f"check passed with {_plural(count, 'warning')}: "
            f"{total - count} of {_plural(total, 'variable')} pass"
        )
        if warnings:
            line += f" ({warned})"
        if uncoded_warned:
            line += "; " + _not_coded(uncoded_warned, total)
        return line
    if not total:
        return "check passed: the codebook has no variable with a reliability coefficient"
    return f"check passed: all {_plural(total, 'variable')} reach their threshold"


def _not_coded(names: list[str], total: int) -> str:
    """``not coded in these files: a, b (2 of 9 variables)``, at most MAX_SHOWN names."""
    shown = ", ".join(names[:MAX_SHOWN])
    if len(names) > MAX_SHOWN:
        shown += f", … and {len(names) - MAX_SHOWN} more"
    return f"{NOT_CODED}: {shown} ({len(names)} of {_plural(total, 'variable')})"


def _not_coded_hint(result: GateResult) -> str:
    if result.selected is None:
        return (
            " — select the variables these files code with --variables ID,... "
            "or allow it with --insufficient-data warn"
        )
    return " — selected with --variables; allow it with --insufficient-data warn"


def _judging(result: GateResult) -> str:
    parts = []
    for judge in result.judges:
        names = [v.variable for v in result.verdicts if v.policy.judge == judge]
        scope = "" if len(names) == len(result.verdicts) else f" ({', '.join(names)})"
        if judge == "point":
            parts.append(f"the point estimate of alpha{scope}")
        elif judge == "ci-low":
            parts.append(f"the lower bound of the 95% bootstrap interval{scope}")
        else:
            parts.append(f"q = P(alpha < threshold) against max-q{scope}")
    text = "judged on " + "; ".join(parts)
    if result.bootstrap:
        text += f"; bootstrap: {result.bootstrap} resamples, seed {result.seed}"
    if result.config is not None:
        text += f"; settings from {result.config}"
    return text


_OUTCOME_MARK = {FAILURE: "❌", WARNING: "⚠️", OK: "✅"}


def render_summary(result: GateResult) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the verdict, the problems, the reliability table."""
    if result.failures:
        head = "❌ intercoder check failed"
    elif result.warnings:
        head = "⚠️ intercoder check passed with warnings"
    else:
        head = "✅ intercoder check passed"
    items = [
        f"- {_OUTCOME_MARK[verdict.outcome]} `{verdict.variable}` ({verdict.status}): "
        f"{_md(verdict.message)}"
        for verdict in (*result.failures, *result.warnings)
        if verdict.result.coded
    ]
    for outcome in (FAILURE, WARNING):  # the variables without any record: one line
        uncoded = [v for v in result.verdicts if v.outcome == outcome and not v.result.coded]
        if uncoded:
            names = ", ".join(f"`{v.variable}`" for v in uncoded)
            items.append(f"- {_OUTCOME_MARK[outcome]} {NOT_CODED}: {names}")
    blocks = [f"## {head}", _md(verdict_line(result)), f"_{_md(_judging(result))}_"]
    if items:
        blocks.append("\n".join(items))
    return "\n\n".join([*blocks, render_markdown(result.report)])


def render_problems_summary(problems: Sequence[str], hint: str = "") -> str:
    """Markdown for a check that could not run: the input problems."""
    lines = ["## ❌ intercoder check failed: invalid input", ""]
    lines += [f"- {_md(problem)}" for problem in problems[:MAX_SHOWN]]
    if len(problems) > MAX_SHOWN:
        lines.append(f"- … and {len(problems) - MAX_SHOWN} more")
    if hint:
        lines += ["", _md(hint)]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Plain text safe inside a Markdown paragraph or list item (no tables, no HTML)."""
    return re.sub(r"([\\|*_<>\[\]])", r"\\\1", text)
