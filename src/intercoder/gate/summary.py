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
from .judge import GateResult

# --- renderings ----------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def verdict_line(result: GateResult) -> str:
    """One line: ``check failed: 2 of 9 variables below threshold (severity: alpha ...)``."""
    total = len(result.verdicts)
    failures, warnings = result.failures, result.warnings
    items = "; ".join(f"{v.variable}: {v.message}" for v in failures)
    warned = "; ".join(f"{v.variable}: {v.message}" for v in warnings)
    if failures:
        below = all(v.status in (FAIL, TENTATIVE) for v in failures)
        what = "below threshold" if below else "failed"
        line = f"check failed: {len(failures)} of {_plural(total, 'variable')} {what} ({items})"
        if warnings:
            line += f"; {_plural(len(warnings), 'warning')} ({warned})"
        return line
    if warnings:
        return (
            f"check passed with {_plural(len(warnings), 'warning')}: "
            f"{total - len(warnings)} of {_plural(total, 'variable')} pass ({warned})"
        )
    if not total:
        return "check passed: the codebook has no variable with a reliability coefficient"
    return f"check passed: all {_plural(total, 'variable')} reach their threshold"


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
    ]
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
