"""Text renderings of the workflow's results: certification tables (terminal and Markdown), the
plan table, and the adjudication summary line. They print what was computed elsewhere."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .adjudicate import Adjudication
from .certify import Certification, VariableCertification, value_label
from .plan import Plan, VariablePlan


def _fmt(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.3f}"


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines) + "\n"


def _confusion(var: VariableCertification) -> str:
    """``gold→coder n`` for each disagreeing pair, most frequent first."""
    wrong = [(n, value_label(g), value_label(c)) for (g, c), n in var.confusion.items() if g != c]
    return ", ".join(f"{g}→{c} {n}" for n, g, c in sorted(wrong, key=lambda t: (-t[0], t[1:])))


def render_certification(result: Certification) -> str:
    header = (
        "coder",
        "variable",
        "alpha",
        "accuracy",
        "units",
        "status",
        "confusions (gold→coder)",
    )
    rows = [
        (
            coder.coder,
            var.variable,
            _fmt(var.alpha),
            _fmt(var.accuracy),
            str(var.n_units),
            var.status,
            _confusion(var),
        )
        for coder in result.coders
        for var in coder.variables
    ]
    verdicts = "\n".join(f"{c.coder}: {c.status}" for c in result.coders)
    return f"{result.codebook}\n" + _grid(header, rows) + "\n" + verdicts + "\n"


def render_certification_markdown(result: Certification) -> str:
    lines = [
        f"### Coders against the gold ({result.codebook})",
        "",
        "| coder | variable | alpha | accuracy | units | status | confusions (gold→coder) |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for coder in result.coders:
        for var in coder.variables:
            lines.append(
                f"| {coder.coder} | {var.variable} | {_fmt(var.alpha)} | {_fmt(var.accuracy)} "
                f"| {var.n_units} | {var.status} | {_confusion(var)} |"
            )
    lines += ["", *(f"- **{c.coder}**: {c.status}" for c in result.coders)]
    return "\n".join(lines) + "\n"


def render_plan(plan: Plan) -> str:
    return (
        f"units needed: {plan.units}\n"
        f"(alpha_min {plan.min_alpha:g}, p = {plan.significance:g} one-tailed, "
        f"smallest category probability {plan.smallest_p:.3g}, {plan.coders} coders; "
        "Bloch & Kraemer 1989, eq. 3.7)\n"
    )


def render_variable_plans(plans: Sequence[VariablePlan], units: int) -> str:
    header = ("variable", "smallest p", "from", "shown share", "units coded", "units to sample")
    rows = [
        (
            p.variable,
            f"{p.smallest_p:.3f}" + (f" ({p.smallest_code})" if p.smallest_code else ""),
            p.source,
            f"{p.shown_share:.3f}",
            str(p.plan.units),
            str(p.units),
        )
        for p in plans
    ]
    return _grid(header, rows) + f"\nunits needed: {units}\n"


def adjudication_summary(result: Adjudication) -> str:
    counts = result.counts()
    resolved = counts["unanimous"] + counts["majority"] + counts["adjudicated"]
    line = (
        f"gold: {resolved} settled ({counts['unanimous']} unanimous, {counts['majority']} "
        f"majority, {counts['adjudicated']} adjudicated), {len(result.queue)} queued"
    )
    if result.waiting:
        line += f", {result.waiting} waiting for their screening question"
    return line + "\n"
