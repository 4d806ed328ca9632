"""Text renderings of the ledger for ``intercoder rounds``: terminal tables and Markdown.

They print what the ledger holds and what :mod:`.compare` and :mod:`.stability` computed; the
JSON shapes are the models' ``as_dict``/``summary``/``details``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..i18n import translator
from .compare import Comparison
from .model import Round
from .stability import Stability


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "—"
    text = f"{value:.{digits}f}"
    return text if value >= 0 else text.replace("-", "−")


def _signed(value: float) -> str:
    if math.isnan(value):
        return "—"
    return ("+" if value >= 0 else "−") + f"{abs(value):.3f}"


def _ci(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"[{_fmt(low)}, {_fmt(high)}]"


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in (header, *rows)
    ]


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    rule = ["---:" if i in right else "---" for i in range(len(header))]
    return [f"| {' | '.join(r)} |" for r in (header, rule, *rows)]


def _variables(round_: Round) -> str:
    return ", ".join(f"{r.variable}={_fmt(r.alpha)}" for r in round_.results if r.n_units)


def render_list(rounds: Sequence[Round], *, markdown: bool = False) -> str:
    """One line per round: name, time, codebook, command, units, coders, alpha per variable."""
    header = ("round", "recorded", "codebook", "command", "units", "coders", "alpha")
    rows = [
        (
            f"`{r.name}`" if markdown else r.name,
            r.recorded_at,
            f"`{r.codebook}`" if markdown else r.codebook,
            r.command,
            str(r.n_units),
            str(len(r.coders)),
            _variables(r),
        )
        for r in rounds
    ]
    if not rows:
        return "no rounds recorded\n"
    lines = _markdown(header, rows, {4, 5}) if markdown else _grid(header, rows)
    return "\n".join(lines) + "\n"


def _stability_rows(items: Sequence[Stability]) -> list[tuple[str, ...]]:
    return [(s.coder, s.variable, s.baseline, _fmt(s.alpha), str(s.n_units)) for s in items]


_STABILITY_HEADER = ("coder", "variable", "earlier round", "intra-coder alpha", "units")


def render_show(round_: Round, items: Sequence[Stability]) -> str:
    """A round for the terminal: what it was computed from, its variables, certification and
    each coder's stability."""
    lines = [
        f"round {round_.name}: {round_.codebook}, recorded {round_.recorded_at} by "
        f"{round_.command} (intercoder {round_.intercoder_version})",
        f"{len(round_.coders)} coders ({', '.join(round_.coders)}), {round_.n_units} units",
    ]
    lines += [f"file {f.path}  sha256:{f.sha256}  {f.records} records" for f in round_.files]
    header = ("variable", "level", "alpha", "95% CI", "units", "coders", "threshold", "status")
    rows = [
        (
            r.variable,
            r.level,
            _fmt(r.alpha),
            _ci(r.ci_low, r.ci_high),
            str(r.n_units),
            str(r.n_coders),
            f"{r.threshold:.3f}",
            r.status,
        )
        for r in round_.results
    ]
    lines += _grid(header, rows)
    if round_.certifications:
        lines.append("certification against the gold standard:")
        lines += _grid(
            ("coder", "variable", "alpha", "accuracy", "units", "status"),
            [
                (c.coder, c.variable, _fmt(c.alpha), _fmt(c.accuracy), str(c.n_units), c.status)
                for c in round_.certifications
            ],
        )
    if items:
        lines.append("stability (each coder against their own earlier codings):")
        lines += _grid(_STABILITY_HEADER, _stability_rows(items))
    return "\n".join(lines) + "\n"


def render_stability_markdown(items: Sequence[Stability], *, lang: str = "en") -> str:
    """Each coder's stability as a Markdown table under a heading in ``lang``."""
    if not items:
        return ""
    heading = "### " + translator(lang)("stability_section")
    lines = [heading, "", *_markdown(_STABILITY_HEADER, _stability_rows(items), {3, 4})]
    return "\n".join(lines) + "\n"


def _verdict(more: bool | None) -> str:
    return {True: "more reliable", False: "less reliable", None: "no clear change"}[more]


def _compare_rows(comparison: Comparison, markdown: bool) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for v in comparison.variables:
        name = f"`{v.variable}`" if markdown else v.variable
        rows.append(
            (
                name + (" *" if v.changed else ""),
                _fmt(v.alpha_a),
                _fmt(v.alpha_b),
                _signed(v.difference),
                _ci(v.ci_low, v.ci_high),
                str(v.shared_units) if v.shared_units else "independent",
            )
        )
    return rows


def render_compare(comparison: Comparison, *, markdown: bool = False) -> str:
    """Each variable's alpha in both rounds, the difference and its bootstrap interval; the
    variables the codebook changed between the two rounds' versions are starred."""
    a, b = comparison.a, comparison.b
    header = (
        "variable",
        f"alpha {a.name}",
        f"alpha {b.name}",
        "difference",
        "95% CI",
        "paired units",
    )
    rows = _compare_rows(comparison, markdown)
    title = (
        f"{a.name} ({a.codebook}) -> {b.name} ({b.codebook}); bootstrap {comparison.n_resamples} "
        f"resamples, seed {comparison.seed}"
    )
    if markdown:
        lines = [f"### {title}", "", *_markdown(header, rows, {1, 2, 3, 5})]
    else:
        lines = [title, *_grid(header, rows)]
    changed = [v for v in comparison.variables if v.changed]
    if changed:
        lines.append("")
        lines.append(f"* changed between {a.codebook} and {b.codebook}:")
        lines += [f"  {v.variable}: {_verdict(v.more_reliable)}" for v in changed]
    return "\n".join(lines) + "\n"


def render_changes(changes: Comparison | None) -> str:
    """The feedback loop in ``rounds show``: the variables the new codebook version changed."""
    if changes is None:
        return ""
    a = changes.a
    lines = [f"changed since {a.codebook} (round {a.name}):"]
    lines += [
        f"  {v.variable}: alpha {_fmt(v.alpha_a)} -> {_fmt(v.alpha_b)} "
        f"({_signed(v.difference)} {_ci(v.ci_low, v.ci_high)}): {_verdict(v.more_reliable)}"
        for v in changes.variables
    ]
    return "\n".join(lines) + "\n"
