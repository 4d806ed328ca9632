"""Text renderings of a :class:`~intercoder.reliability.ReliabilityReport`: the terminal table of
``intercoder agree``, ``check`` and ``studio pull``, and the Markdown table for pull requests,
wikis and ``$GITHUB_STEP_SUMMARY``. They print what :func:`intercoder.reliability.assess`
computed and compute nothing themselves."""

from __future__ import annotations

import math

from ..reliability import (
    FAIL,
    INSUFFICIENT,
    PASS,
    TENTATIVE,
    ReliabilityReport,
    VariableReliability,
)

__all__ = ["render_markdown", "render_table"]


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.{digits}f}"


def _ci(var: VariableReliability) -> str:
    if var.ci_low is None or var.ci_high is None:
        return ""
    return f"[{_fmt(var.ci_low)}, {_fmt(var.ci_high)}]"


_COEFFICIENT_NAMES = {
    "krippendorff_alpha": "alpha",
    "krippendorff_alpha_masi": "alpha (MASI)",
    "krippendorff_alpha_u": "alpha_U",
}


def _uncoded(report: ReliabilityReport) -> list[str]:
    return [v.variable for v in report.variables if v.n_units == 0 and v.n_coders == 0]


def render_table(report: ReliabilityReport, *, details: bool = False) -> str:
    """A plain-text table for the terminal; ``details`` adds tree levels and categories.

    Variables nobody coded are listed in one line at the end instead of as rows.
    """
    header = (
        "variable",
        "level",
        "coefficient",
        "alpha",
        "95% CI",
        "units",
        "coders",
        "threshold",
        "status",
    )
    rows: list[tuple[str, ...]] = []
    uncoded = _uncoded(report)
    for var in report.variables:
        if var.variable in uncoded:
            continue
        rows.append(
            (
                var.variable,
                var.level,
                _COEFFICIENT_NAMES[var.coefficient],
                _fmt(var.alpha),
                _ci(var),
                str(var.n_units),
                str(var.n_coders),
                f"{var.threshold:.3f}",
                var.status,
            )
        )
        for detail in var.details if details else ():
            label = f"  {detail.label}"
            rows.append((label, "", "", _fmt(detail.alpha), "", str(detail.n_units), *[""] * 3))
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        f"{report.codebook}: {len(report.coders)} coders, {report.n_units} units",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for var in report.variables:
        if var.variable not in uncoded:
            lines += [f"note: {var.variable}: {note}" for note in var.notes]
    if uncoded:
        lines.append(f"not coded in these files: {', '.join(uncoded)}")
    return "\n".join(lines) + "\n"


_STATUS_MARK = {
    PASS: "✅ pass",
    TENTATIVE: "⚠️ tentative",
    FAIL: "❌ fail",
    INSUFFICIENT: "➖ insufficient data",
}


def render_markdown(report: ReliabilityReport) -> str:
    """A Markdown table (for a pull request, a wiki or ``$GITHUB_STEP_SUMMARY``)."""
    lines = [
        f"### Reliability: `{report.codebook}`",
        "",
        f"{len(report.coders)} coders, {report.n_units} units.",
        "",
        "| variable | level | coefficient | α | 95% CI | units | coders | threshold | status |",
        "|---|---|---|---:|---|---:|---:|---:|---|",
    ]
    for var in report.variables:
        lines.append(
            f"| `{var.variable}` | {var.level} | {_COEFFICIENT_NAMES[var.coefficient]} | "
            f"{_fmt(var.alpha)} | {_ci(var)} | {var.n_units} | {var.n_coders} | "
            f"{var.threshold:.3f} | {_STATUS_MARK[var.status]} |"
        )
        for detail in var.details:
            lines.append(
                f"| ↳ {detail.label} | | | {_fmt(detail.alpha)} | | {detail.n_units} | | | |"
            )
    notes = [f"- `{v.variable}`: {note}" for v in report.variables for note in v.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
