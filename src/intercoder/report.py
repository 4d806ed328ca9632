"""The reliability report: one self-contained HTML page that shows where coders disagree and why.

For methodologists revising a codebook. The page holds, in the codebook's language:

* per variable, Krippendorff's alpha with its bootstrap interval against the codebook's pass and
  tentative thresholds (a forest plot), as computed by :func:`intercoder.reliability.assess`;
* per variable, the diagnostics of :mod:`intercoder.agreement` on the same data: the coincidence
  matrix (which categories get confused), alpha per tree level and category, the pairwise
  agreement of the coders, leave-one-coder-out delta alpha (who drags reliability down) and the
  most disputed units with their texts, for adjudication;
* provenance: codebook version, input files with their SHA-256, record counts, coders, bootstrap
  settings (the seed, drawn and recorded when none is given), generation time and intercoder
  version.

The page is one file that needs no network: no scripts, no external styles, fonts or images;
plots are inline SVG written here (:mod:`intercoder.svg`), each with a table of its numbers
for screen readers and for copying. A Content-Security-Policy forbids scripts and every fetch,
and every string that comes from a codebook or an annotation file is escaped.
"""

from __future__ import annotations

import hashlib
import html
import math
import platform
import re
import secrets
import warnings
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from . import agreement
from ._version import __version__
from .annotations import AnnotationSet
from .codebook.model import Codebook, Variable
from .codebook.render import ui as manual_ui
from .errors import IntercoderError
from .fileio import write_atomic
from .i18n import translator
from .reliability import (
    FAIL,
    INSUFFICIENT,
    PASS,
    TENTATIVE,
    Record,
    ReliabilityReport,
    VariableReliability,
    assess,
    status_of,
    variable_records,
)
from .svg import Drawing, blend, fmt_number, ink_on, shorten, text_width
from .tasks import Task

__all__ = [
    "Diagnostics",
    "SourceFile",
    "VariableData",
    "build_report",
    "diagnose",
    "prepare",
    "write_report",
]

#: Distinct values up to which a coincidence matrix is drawn (and a table given).
MAX_MATRIX_VALUES = 24


def ui(lang: str, key: str, **values: object) -> str:
    """An interface word of the report in ``lang`` (English when the language has none)."""
    return translator(lang)(key, **values)


_COEFFICIENT_NAMES = {
    "krippendorff_alpha": "α",
    "krippendorff_alpha_masi": "α (MASI)",
    "krippendorff_alpha_u": "αᵤ",
}

# Status colours: strong (marks, text) and light (zones, cells). Contrast-checked on white.
_STRONG = {PASS: "#1a7f37", TENTATIVE: "#9a6700", FAIL: "#cf222e", INSUFFICIENT: "#6e7781"}
_LIGHT = {PASS: "#dcf1e0", TENTATIVE: "#fff1c2", FAIL: "#fde2e1", INSUFFICIENT: "#eef0f2"}

# --- data --------------------------------------------------------------------------------------


@attrs.frozen
class SourceFile:
    """An input file of the report: where it is, its SHA-256 and size, and what it gave."""

    path: str
    sha256: str
    size: int
    records: int | None = None

    @classmethod
    def of(cls, path: str | Path, records: int | None = None) -> SourceFile:
        digest = hashlib.sha256()
        size = 0
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        return cls(str(path), digest.hexdigest(), size, records)


@attrs.frozen
class VariableData:
    """One variable's codings, prepared exactly as :func:`reliability.assess` prepares them
    (``show_if`` applied, sets for multiple choice, numbers for interval scales), with the
    level of measurement (``masi`` for multiple choice) and the declared value order."""

    variable: Variable
    records: list[Record]
    level: str
    categories: list[Any] | None

    def data(self) -> agreement.ReliabilityData:
        coders = sorted({coder for _, coder, _ in self.records}, key=str)
        return agreement.ReliabilityData.from_records(
            self.records, categories=self.categories, coders=coders
        )


def prepare(aset: AnnotationSet, var: Variable, cb: Codebook) -> VariableData | None:
    """The data of one variable for the diagnostics; None for spans and free text."""
    if var.level is None or var.type in ("spans", "text"):
        return None
    records, level, categories = variable_records(aset, var, cb)
    return VariableData(var, records, level, categories)


@attrs.frozen
class Diagnostics:
    """Where the disagreement of one variable comes from (see :mod:`intercoder.agreement`)."""

    n_values: int
    coincidence: agreement.CoincidenceMatrix | None
    category_alpha: dict[Hashable, float] | None
    pairwise: agreement.PairwiseAgreement | None
    percent: agreement.PairwiseAgreement | None
    loo: dict[Hashable, float] | None
    units: tuple[agreement.UnitDisagreement, ...]
    codings: dict[Hashable, dict[Hashable, Any]]


def diagnose(data: VariableData, *, top: int = 10) -> Diagnostics | None:
    """The diagnostics of one variable; None when no unit has two codings."""
    if not data.records:
        return None
    rd = data.data()
    if rd.pairable().n_units == 0:
        return None
    level: Any = data.level
    n_values = len({v for _, _, v in data.records})
    n_coders = len(rd.coders)
    with warnings.catch_warnings():
        # Undefined coefficients are nan and shown as such; assess() reports the warnings.
        warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
        coincidence = category = None
        if n_values <= MAX_MATRIX_VALUES:
            coincidence = agreement.coincidence_matrix(rd)
            if data.variable.type in ("single_choice", "ordinal_scale"):
                category = agreement.category_alpha(rd)
        pairwise = percent = loo = None
        if n_coders >= 2:
            pairwise = agreement.pairwise_agreement(rd, "alpha", level=level)
            percent = agreement.pairwise_agreement(rd, "percent")
        if n_coders >= 3:
            loo = agreement.leave_one_coder_out(rd, level)
        units = agreement.rank_units(rd, level, top=top)
    units = [u for u in units if u.observed > 0]
    codings: dict[Hashable, dict[Hashable, Any]] = {}
    wanted = {u.unit for u in units}
    for unit, coder, value in data.records:
        if unit in wanted:
            codings.setdefault(unit, {})[coder] = value
    return Diagnostics(
        n_values=n_values,
        coincidence=coincidence,
        category_alpha=category,
        pairwise=pairwise,
        percent=percent,
        loo=loo,
        units=tuple(units),
        codings=codings,
    )


# --- formatting --------------------------------------------------------------------------------

_e = html.escape


def _isnan(value: float | None) -> bool:
    return value is None or math.isnan(value)


def _num(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace("-", "−") if value < 0 else text


def _count(value: float) -> str:
    """A coincidence count: whole numbers plain, fractions with one decimal."""
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    return f"{value:.1f}"


def _data(value: float | None) -> str:
    """A number for a ``data-*`` attribute: full precision, ``nan`` for undefined."""
    if value is None or math.isnan(value):
        return "nan"
    return repr(float(value))


def _signed(value: float) -> str:
    if math.isnan(value):
        return "—"
    return ("+" if value > 0 else "−" if value < 0 else "±") + f"{abs(value):.3f}"


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


class _Labels:
    """Display labels of values, categories and variables in the report's language."""

    def __init__(self, cb: Codebook, lang: str) -> None:
        self.cb = cb
        self.lang = lang

    def pick(self, texts: Any) -> str:
        return str(texts.pick(self.lang, self.cb.languages) or "")

    def variable(self, var: Variable) -> str:
        return self.pick(var.label) or var.id

    def code(self, var: Variable, code: str) -> str:
        try:
            return self.pick(var.category(code).label) or code
        except KeyError:
            return code

    def value(self, var: Variable, value: Any) -> str:
        if isinstance(value, frozenset | tuple | list):
            if not value:
                return "∅ " + manual_ui(self.lang, "none")
            return " + ".join(self.code(var, str(v)) for v in sorted(value, key=str))
        if isinstance(value, float):
            for code in var.codes:
                try:
                    if float(code) == value:
                        return self.code(var, code)
                except ValueError:
                    continue
            return f"{value:g}"
        return self.code(var, str(value))

    def short(self, var: Variable, value: Any, width: float = 250.0) -> str:
        """A label that fits ``width`` pixels; each code of a set is shortened on its own."""
        if isinstance(value, frozenset | tuple | list) and len(value) > 1:
            share = width / len(value) - 14
            return " + ".join(
                shorten(self.code(var, str(v)), share, _FONT) for v in sorted(value, key=str)
            )
        return shorten(self.value(var, value), width, _FONT)

    def value_code(self, value: Any) -> str:
        if isinstance(value, frozenset | tuple | list):
            return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def detail(self, var: Variable, label: str) -> str:
        kind, _, rest = label.partition(" ")
        if kind == "category":
            return self.code(var, rest)
        if label.startswith("tree level "):
            return ui(self.lang, "tree_level", n=label.removeprefix("tree level "))
        return label


def _badge(status: str, lang: str) -> str:
    return f'<span class="badge {_e(status)}">{_e(ui(lang, status))}</span>'


# --- plots -------------------------------------------------------------------------------------

_FONT = 12.0


@attrs.frozen
class _DotRow:
    key: str
    label: str
    alpha: float
    passing: float
    tentative: float
    status: str
    ci_low: float | None = None
    ci_high: float | None = None
    note: str = ""


def _dot_plot(rows: Sequence[_DotRow], *, ident: str, title: str, lang: str) -> str:
    """A forest plot: one row per item, alpha as a dot, its interval as a line, against
    shaded zones at the pass and tentative thresholds of each row."""
    values = [r.alpha for r in rows] + [r.ci_low for r in rows if r.ci_low is not None]
    finite = [v for v in values if not _isnan(v)]
    lo = min([0.0, *[math.floor(v * 10) / 10 for v in finite]])
    lo = max(lo, -1.0)
    hi = 1.0
    label_w = min(340.0, max([text_width(r.label, 13) for r in rows] + [100.0]) + 28)
    value_w = 200.0
    plot_w = 520.0
    row_h = 30.0
    top, bottom = 40.0, 34.0
    x0 = label_w
    width = label_w + plot_w + value_w
    height = top + row_h * len(rows) + bottom

    def x(v: float) -> float:
        return x0 + (min(max(v, lo), hi) - lo) / (hi - lo) * plot_w

    description = "; ".join(
        f"{r.label}: α {_num(r.alpha)}"
        + (f" [{_num(r.ci_low)}, {_num(r.ci_high)}]" if r.ci_low is not None else "")
        + f", {ui(lang, r.status)}"
        for r in rows
    )
    d = Drawing(width, height, ident=ident, title=title, description=description)
    d.rect(0, 0, width, height, fill="#ffffff")
    # Legend: the three zones.
    thresholds = {(r.passing, r.tentative) for r in rows}
    uniform = next(iter(thresholds)) if len(thresholds) == 1 else None
    legend = [
        (PASS, f"α ≥ {uniform[0]:.3f}" if uniform else ""),
        (TENTATIVE, f"α ≥ {uniform[1]:.3f}" if uniform else ""),
        (FAIL, f"α < {uniform[1]:.3f}" if uniform else ""),
    ]
    lx = x0
    with d.group(class_="legend", font_size=_FONT):
        for status, rule in legend:
            text = f"{ui(lang, status)} {rule}".strip()
            d.rect(lx, 12, 14, 14, fill=_LIGHT[status], stroke=_STRONG[status], rx=2)
            d.text(lx + 20, 23.5, text, fill="#3b4250")
            lx += 20 + text_width(text, _FONT) + 18
    # Ticks and grid.
    step = 0.1 if hi - lo <= 1.25 else 0.2
    ticks = []
    t = math.ceil(lo / step - 1e-9) * step
    while t <= hi + 1e-9:
        ticks.append(round(t, 10))
        t += step
    plot_top, plot_bottom = top, top + row_h * len(rows)
    for i, row in enumerate(rows):
        y = top + i * row_h
        with d.group(class_="zones"):
            d.rect(x(lo), y + 2, x(row.tentative) - x(lo), row_h - 4, fill=_LIGHT[FAIL])
            d.rect(
                x(row.tentative),
                y + 2,
                x(row.passing) - x(row.tentative),
                row_h - 4,
                fill=_LIGHT[TENTATIVE],
            )
            d.rect(x(row.passing), y + 2, x(hi) - x(row.passing), row_h - 4, fill=_LIGHT[PASS])
    with d.group(class_="grid", stroke="#ffffff", stroke_width=1):
        for tick in ticks:
            d.line(x(tick), plot_top, x(tick), plot_bottom)
    with d.group(class_="axis", font_size=11, fill="#57606a", text_anchor="middle"):
        d.line(x(lo), plot_bottom + 0.5, x(hi), plot_bottom + 0.5, stroke="#8c959f")
        for tick in ticks:
            d.line(x(tick), plot_bottom, x(tick), plot_bottom + 5, stroke="#8c959f")
            label = f"{tick:.1f}".replace("-", "−")
            d.text(x(tick), plot_bottom + 18, "0.0" if label == "−0.0" else label)
        d.text(x0 + plot_w / 2, plot_bottom + 32, "Krippendorff α", font_style="italic")
    if lo < 0:
        d.line(x(0), plot_top, x(0), plot_bottom, stroke="#8c959f", stroke_width=1)
    for i, row in enumerate(rows):
        y = top + i * row_h
        cy = y + row_h / 2
        with d.group(
            class_="row",
            data_key=row.key,
            data_alpha=_data(row.alpha),
            data_ci_low=_data(row.ci_low),
            data_ci_high=_data(row.ci_high),
            data_status=row.status,
        ):
            d.tooltip(row.note or row.label)
            d.text(
                label_w - 12,
                cy + 4.5,
                shorten(row.label, label_w - 20, 13),
                font_size=13,
                text_anchor="end",
                fill="#1d1d1f",
            )
            for level, colour in ((row.tentative, "#9a6700"), (row.passing, "#1a7f37")):
                d.line(
                    x(level),
                    y + 2,
                    x(level),
                    y + row_h - 2,
                    stroke=colour,
                    stroke_width=1.5,
                    stroke_dasharray="3 2",
                    class_="threshold",
                    data_threshold=_data(level),
                )
            colour = _STRONG[row.status]
            if row.ci_low is not None and row.ci_high is not None:
                with d.group(class_="ci", stroke=colour, stroke_width=2):
                    d.line(x(row.ci_low), cy, x(row.ci_high), cy)
                    d.line(x(row.ci_low), cy - 5, x(row.ci_low), cy + 5)
                    d.line(x(row.ci_high), cy - 5, x(row.ci_high), cy + 5)
            if _isnan(row.alpha):
                d.text(x(lo) + 8, cy + 4, ui(lang, INSUFFICIENT), font_size=11, fill=colour)
            else:
                d.circle(
                    x(row.alpha),
                    cy,
                    6,
                    fill=colour,
                    stroke="#ffffff",
                    stroke_width=1.5,
                    class_="point",
                )
            summary = _num(row.alpha)
            if row.ci_low is not None:
                summary += f"  [{_num(row.ci_low)}, {_num(row.ci_high)}]"
            d.text(
                x0 + plot_w + 14,
                cy + 4.5,
                summary,
                font_size=12.5,
                fill=colour,
                font_weight="600",
                class_="value",
            )
    return d.render(class_="plot")


def _matrix_geometry(labels: Sequence[str], n: int, max_cell: float) -> tuple[float, float, float]:
    cell = max(34.0, min(max_cell, 560.0 / max(n, 1)))
    longest = max([text_width(s, _FONT) for s in labels] + [40.0])
    label_w = min(270.0, longest + 14)
    head_h = min(200.0, longest * 0.72 + 18)
    return cell, label_w, head_h


def _coincidence_plot(
    cm: agreement.CoincidenceMatrix,
    labels: Sequence[str],
    shown: Sequence[str],
    codes: Sequence[str],
    *,
    ident: str,
    title: str,
    lang: str,
) -> str:
    """A heatmap of the coincidence matrix: agreement on the diagonal (blue), confusions off
    it (orange), with the counts in the cells and the value totals n_c on the margin."""
    n = len(labels)
    cell, label_w, head_h = _matrix_geometry(shown, n, 58.0)
    mat = cm.matrix
    totals = mat.sum(axis=1)
    peak = float(mat.max()) if mat.size else 0.0
    margin_w = 62.0
    width = label_w + cell * n + margin_w + head_h * 0.75
    height = head_h + cell * n + 36
    description = f"{ui(lang, 'total')}: {_count(float(mat.sum()))}. " + "; ".join(
        f"{labels[i]} × {labels[j]}: {_count(float(mat[i, j]))}"
        for i in range(n)
        for j in range(n)
        if mat[i, j] > 0
    )
    d = Drawing(width, height, ident=ident, title=title, description=description)
    d.rect(0, 0, width, height, fill="#ffffff")
    x0, y0 = label_w, head_h
    with d.group(class_="col-labels", font_size=_FONT, fill="#3b4250"):
        for j, label in enumerate(shown):
            cx = x0 + (j + 0.5) * cell + 4
            d.text(cx, y0 - 8, label, transform=f"rotate(-45 {fmt_number(cx)} {y0 - 8})")
        tx = x0 + n * cell + margin_w / 2 + 4
        d.text(
            tx,
            y0 - 8,
            ui(lang, "total"),
            transform=f"rotate(-45 {fmt_number(tx)} {y0 - 8})",
            font_style="italic",
        )
    with d.group(class_="row-labels", font_size=_FONT, fill="#3b4250", text_anchor="end"):
        for i, label in enumerate(shown):
            d.text(x0 - 8, y0 + (i + 0.5) * cell + 4, label)
        d.text(x0 - 8, y0 + n * cell + 22, ui(lang, "total"), font_style="italic")
    for i in range(n):
        for j in range(n):
            value = float(mat[i, j])
            share = math.sqrt(value / peak) if peak > 0 else 0.0
            if i == j:
                fill = blend("#f4f7fb", "#1f5fa8", share) if value > 0 else "#f6f8fa"
            else:
                fill = blend("#fdf3ea", "#c4421a", share) if value > 0 else "#fbfbfc"
            with d.group(
                class_="cell",
                data_row=str(i),
                data_col=str(j),
                data_row_code=codes[i],
                data_col_code=codes[j],
                data_value=_data(value),
                data_expected=_data(float(cm.expected[i, j])),
            ):
                d.tooltip(
                    f"{labels[i]} × {labels[j]}: {ui(lang, 'observed')} {_count(value)}, "
                    f"{ui(lang, 'expected')} {_num(float(cm.expected[i, j]), 2)}"
                )
                d.rect(
                    x0 + j * cell,
                    y0 + i * cell,
                    cell - 2,
                    cell - 2,
                    fill=fill,
                    rx=3,
                    stroke="#1f5fa8" if i == j else None,
                    stroke_opacity=0.35 if i == j else None,
                )
                if value > 0:
                    d.text(
                        x0 + (j + 0.5) * cell - 1,
                        y0 + (i + 0.5) * cell + 4,
                        _count(value),
                        font_size=_FONT if cell >= 40 else 10.5,
                        text_anchor="middle",
                        fill=ink_on(fill),
                        font_weight="600" if i == j else None,
                    )
    with d.group(class_="totals", font_size=11.5, fill="#57606a", text_anchor="middle"):
        for i in range(n):
            d.text(x0 + n * cell + margin_w / 2, y0 + (i + 0.5) * cell + 4, _count(totals[i]))
            d.text(x0 + (i + 0.5) * cell - 1, y0 + n * cell + 22, _count(totals[i]))
        d.text(
            x0 + n * cell + margin_w / 2,
            y0 + n * cell + 22,
            _count(float(mat.sum())),
            font_weight="600",
        )
    return d.render(class_="plot")


def _pairwise_plot(
    pa: agreement.PairwiseAgreement,
    reliability: VariableReliability,
    *,
    ident: str,
    title: str,
    lang: str,
) -> str:
    """A coders x coders heatmap of pairwise alpha, coloured by the variable's thresholds."""
    coders = [str(c) for c in pa.coders]
    n = len(coders)
    shown = [shorten(c, 200, _FONT) for c in coders]
    cell, label_w, head_h = _matrix_geometry(shown, n, 70.0)
    cell = max(cell, 52.0)
    width = label_w + cell * n + head_h * 0.75 + 10
    height = head_h + cell * n + 10
    pairs = [
        f"{coders[i]} – {coders[j]}: {_num(float(pa.matrix[i, j]))} (n={int(pa.n_units[i, j])})"
        for i in range(n)
        for j in range(i + 1, n)
    ]
    d = Drawing(width, height, ident=ident, title=title, description="; ".join(pairs))
    d.rect(0, 0, width, height, fill="#ffffff")
    x0, y0 = label_w, head_h
    with d.group(class_="col-labels", font_size=_FONT, fill="#3b4250"):
        for j, label in enumerate(shown):
            cx = x0 + (j + 0.5) * cell + 4
            d.text(cx, y0 - 8, label, transform=f"rotate(-45 {fmt_number(cx)} {y0 - 8})")
    with d.group(class_="row-labels", font_size=_FONT, fill="#3b4250", text_anchor="end"):
        for i, label in enumerate(shown):
            d.text(x0 - 8, y0 + (i + 0.5) * cell + 4, label)
    for i in range(n):
        for j in range(n):
            value = float(pa.matrix[i, j])
            shared = int(pa.n_units[i, j])
            if i == j:
                d.rect(x0 + j * cell, y0 + i * cell, cell - 2, cell - 2, fill="#f6f8fa", rx=3)
                continue
            status = status_of(value, reliability.threshold, reliability.tentative)
            with d.group(
                class_="cell",
                data_row=coders[i],
                data_col=coders[j],
                data_value=_data(value),
                data_shared=str(shared),
                data_status=status,
            ):
                d.tooltip(f"{coders[i]} – {coders[j]}: α {_num(value)}, n = {shared}")
                d.rect(
                    x0 + j * cell,
                    y0 + i * cell,
                    cell - 2,
                    cell - 2,
                    fill=_LIGHT[status],
                    stroke=_STRONG[status],
                    stroke_opacity=0.45,
                    rx=3,
                )
                cx = x0 + (j + 0.5) * cell - 1
                d.text(
                    cx,
                    y0 + (i + 0.5) * cell,
                    _num(value, 2),
                    font_size=_FONT + 0.5,
                    font_weight="600",
                    text_anchor="middle",
                    fill=_STRONG[status] if status != INSUFFICIENT else "#3b4250",
                )
                d.text(
                    cx,
                    y0 + (i + 0.5) * cell + 14,
                    f"n={shared}",
                    font_size=10,
                    text_anchor="middle",
                    fill="#57606a",
                )
    return d.render(class_="plot")


def _loo_plot(
    loo: dict[Hashable, float], full_alpha: float, *, ident: str, title: str, lang: str
) -> str:
    """Diverging bars of delta alpha per coder; positive (red) = reliability rises without."""
    items = sorted(loo.items(), key=lambda kv: (-(kv[1] if not math.isnan(kv[1]) else -9), kv[0]))
    labels = [shorten(str(c), 200, _FONT) for c, _ in items]
    label_w = min(220.0, max([text_width(s, _FONT) for s in labels] + [60.0]) + 16)
    finite = [abs(v) for _, v in items if not math.isnan(v)]
    span = max([0.05, *finite])
    span = math.ceil(span / 0.05 - 1e-9) * 0.05
    plot_w = 440.0
    row_h = 26.0
    top, bottom = 10.0, 36.0
    width = label_w + plot_w + 90
    height = top + row_h * len(items) + bottom
    x_mid = label_w + plot_w / 2

    def x(v: float) -> float:
        return x_mid + v / span * (plot_w / 2)

    description = f"α = {_num(full_alpha)}. " + "; ".join(f"{c}: Δα {_signed(v)}" for c, v in items)
    d = Drawing(width, height, ident=ident, title=title, description=description)
    d.rect(0, 0, width, height, fill="#ffffff")
    bottom_y = top + row_h * len(items)
    ticks = [-span, -span / 2, 0.0, span / 2, span]
    with d.group(class_="axis", font_size=11, fill="#57606a", text_anchor="middle"):
        for tick in ticks:
            d.line(x(tick), top, x(tick), bottom_y, stroke="#eaeef2")
            d.text(x(tick), bottom_y + 16, _signed(tick) if tick else "0")
        d.text(x_mid, bottom_y + 31, "Δα", font_style="italic")
    for i, (coder, value) in enumerate(items):
        y = top + i * row_h
        with d.group(class_="bar", data_coder=str(coder), data_value=_data(value)):
            d.tooltip(f"{coder}: Δα {_signed(value)}")
            d.text(
                label_w - 10,
                y + row_h / 2 + 4,
                labels[i],
                font_size=_FONT,
                text_anchor="end",
                fill="#1d1d1f",
            )
            if math.isnan(value):
                d.text(x_mid + 6, y + row_h / 2 + 4, "—", font_size=_FONT, fill="#6e7781")
                continue
            colour = "#cf222e" if value > 0 else "#4a6fa5"
            left, right = sorted((x(0), x(value)))
            d.rect(left, y + 5, max(right - left, 1.0), row_h - 10, fill=colour, rx=2)
            anchor_x = right + 6 if value >= 0 else left - 6
            d.text(
                anchor_x,
                y + row_h / 2 + 4,
                _signed(value),
                font_size=11.5,
                text_anchor="start" if value >= 0 else "end",
                fill=colour,
                font_weight="600",
            )
    d.line(x_mid, top, x_mid, bottom_y, stroke="#57606a", stroke_width=1.2)
    return d.render(class_="plot")


# --- page --------------------------------------------------------------------------------------

_CSS = """
:root{--ink:#1d1d1f;--muted:#57606a;--line:#d8dee4;--soft:#f6f8fa;--accent:#1f5fa8}
*{box-sizing:border-box}
html{background:#eef1f5}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
color:var(--ink);margin:0 auto;max-width:72rem;padding:0 1.5rem 3rem;background:#fff;
min-height:100vh;overflow-wrap:break-word}
header.page{padding:1.6rem 0 1.1rem;border-bottom:3px solid var(--accent);margin-bottom:1.2rem}
header.page .kicker{text-transform:uppercase;letter-spacing:.08em;font-size:.78rem;
color:var(--accent);font-weight:700;margin:0}
h1{font-size:1.9rem;line-height:1.2;margin:.2rem 0 .4rem}
h2{font-size:1.35rem;margin:2.2rem 0 .6rem;padding-top:1rem;border-top:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.6rem 0 .3rem}
.meta{color:var(--muted);margin:.2rem 0}
code,.code{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.88em;
background:var(--soft);padding:.05em .35em;border-radius:4px}
.cards{display:flex;flex-wrap:wrap;gap:.7rem;margin:1rem 0;padding:0;list-style:none}
.cards li{flex:1 1 6.5rem;border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem;
background:#fff}
.cards .n{display:block;font-size:1.6rem;font-weight:700;line-height:1.1}
.cards .k{color:var(--muted);font-size:.85rem}
.cards .pass{border-top:4px solid #1a7f37}.cards .tentative{border-top:4px solid #bf8700}
.cards .fail{border-top:4px solid #cf222e}.cards .insufficient-data{border-top:4px solid #8c959f}
.badge{display:inline-block;padding:.05em .55em;border-radius:1em;font-size:.8rem;
font-weight:600;white-space:nowrap;vertical-align:middle;border:1px solid}
.badge.pass{background:#dcf1e0;color:#116329;border-color:#8fd19e}
.badge.tentative{background:#fff1c2;color:#7d4e00;border-color:#e9c46a}
.badge.fail{background:#fde2e1;color:#a40e26;border-color:#f5a8a8}
.badge.insufficient-data{background:#eef0f2;color:#424a53;border-color:#c5ccd3}
nav.toc{background:var(--soft);border:1px solid var(--line);border-radius:8px;
padding:.6rem 1rem;margin:1rem 0}
nav.toc h2{border:0;margin:0 0 .3rem;padding:0;font-size:1rem}
nav.toc ol{margin:0;padding-left:1.3rem;columns:2;column-gap:2rem}
nav.toc li{break-inside:avoid;margin:.1rem 0}
a{color:var(--accent)}
figure{margin:.6rem 0 1rem}
figcaption{color:var(--muted);font-size:.9rem;margin:.3rem 0;max-width:48rem}
svg.plot{max-width:100%;height:auto;display:block;font-family:inherit}
.figures{display:flex;flex-wrap:wrap;gap:0 2.5rem;align-items:flex-start}
.figures>section{flex:0 1 auto;max-width:100%}
.figures figcaption{max-width:30rem}
details{margin:.3rem 0 .8rem}
summary{cursor:pointer;color:var(--accent);font-size:.9rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}
caption{text-align:left;color:var(--muted);font-size:.85rem;padding:.2rem 0}
th,td{border-bottom:1px solid var(--line);padding:.3rem .6rem;text-align:left;vertical-align:top}
thead th{background:var(--soft);border-bottom:2px solid var(--line);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:nth-child(even){background:#fbfcfd}
.var-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:.6rem}
.var-head h2{flex:1 1 auto}
section.variable>h2 .alpha{font-weight:600;font-size:1rem;color:var(--muted);margin-left:.4rem}
.notes{border-left:4px solid #bf8700;background:#fff8e5;padding:.4rem .8rem;margin:.6rem 0;
font-size:.9rem}
.notes ul{margin:.2rem 0;padding-left:1.1rem}
.empty{color:var(--muted);font-style:italic}
table.units{width:100%}
table.units td.text{min-width:18rem}
.unit-text{max-height:9.5em;overflow:auto;white-space:pre-wrap;margin:0;padding:.35rem .6rem;
background:var(--soft);border-left:3px solid var(--line);border-radius:3px;font-size:.9rem}
ul.codings{list-style:none;margin:0;padding:0}
ul.codings li{margin:.1rem 0}ul.codings .val{font-weight:600;margin-right:.3rem}
.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.78rem;word-break:break-all}
td.hash{white-space:nowrap;word-break:normal}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1.2rem;margin:.6rem 0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
footer{margin-top:3rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);
padding-top:.8rem}
@media print{html{background:#fff}body{max-width:none;padding:0}
nav.toc{display:none}details{display:block}.unit-text{max-height:none}
section.variable{break-before:page}}
"""

# No scripts, no fetches: only the inline style and the empty data: favicon.
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


@attrs.frozen
class _Context:
    cb: Codebook
    lang: str
    labels: _Labels
    texts: dict[str, tuple[str, str | None]]
    coded: frozenset[str]


def _table(
    head: Sequence[tuple[str, bool]],
    rows: Iterable[str],
    *,
    caption: str = "",
    class_: str = "numbers",
    ident: str = "",
) -> str:
    """A table; ``head`` holds (escaped heading, numeric?); ``rows`` are ready ``<tr>`` rows."""
    ths = "".join(
        f'<th scope="col"{" class=num" if numeric else ""}>{text}</th>' for text, numeric in head
    )
    ident_attr = f' id="{_e(ident)}"' if ident else ""
    cap = f"<caption>{caption}</caption>" if caption else ""
    return (
        f'<table class="{_e(class_)}"{ident_attr}>{cap}<thead><tr>{ths}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _td(value: float | None, key: str, digits: int = 3) -> str:
    return (
        f'<td class="num" data-key="{key}" data-value="{_data(value)}">{_num(value, digits)}</td>'
    )


def _numbers(lang: str, table: str) -> str:
    return f"<details><summary>{_e(ui(lang, 'numbers'))}</summary>{table}</details>"


def _overview(report: ReliabilityReport, ctx: _Context) -> str:
    lang = ctx.lang
    rows = [
        _DotRow(
            key=v.variable,
            label=ctx.labels.variable(ctx.cb.variable(v.variable)),
            alpha=v.alpha,
            passing=v.threshold,
            tentative=v.tentative,
            status=v.status,
            ci_low=v.ci_low,
            ci_high=v.ci_high,
            note=f"{v.variable}: {ui(lang, v.status)}",
        )
        for v in report.variables
        if v.variable in ctx.coded
    ]
    uncoded = [v for v in report.variables if v.variable not in ctx.coded]
    parts = [
        '<section id="overview" aria-labelledby="overview-h">',
        f'<h2 id="overview-h">{_e(ui(lang, "overview"))}</h2>',
    ]
    if not rows:
        parts.append(f'<p class="empty">{_e(ui(lang, "not_coded"))}</p></section>')
        return "".join(parts)
    plot = _dot_plot(rows, ident="forest", title=ui(lang, "overview"), lang=lang)
    parts.append(f"<figure>{plot}<figcaption>{_e(ui(lang, 'overview_intro'))}</figcaption>")
    if uncoded:
        names = ", ".join(
            f'<span data-uncoded="{_e(v.variable)}">'
            f"{_e(ctx.labels.variable(ctx.cb.variable(v.variable)))}</span>"
            for v in uncoded
        )
        parts.append(f'<p class="meta uncoded">{_e(ui(lang, "not_coded_files"))}: {names}.</p>')
    head = [
        (_e(ui(lang, "variable")), False),
        (_e(manual_ui(lang, "level")), False),
        (_e(ui(lang, "coefficient")), False),
        ("α", True),
        (_e(ui(lang, "ci")), True),
        ("q", True),
        (_e(ui(lang, "units")), True),
        (_e(ui(lang, "coders")), True),
        (_e(ui(lang, "pass_threshold")), True),
        (_e(ui(lang, "tentative_threshold")), True),
        (_e(ui(lang, "status")), False),
    ]
    body = []
    for v in report.variables:
        var = ctx.cb.variable(v.variable)
        ci = "—" if v.ci_low is None else f"[{_num(v.ci_low)}, {_num(v.ci_high)}]"
        body.append(
            f'<tr data-variable="{_e(v.variable)}">'
            f'<th scope="row"><a href="#var-{_e(_anchor(v.variable))}">'
            f"{_e(ctx.labels.variable(var))}</a> <code>{_e(v.variable)}</code></th>"
            f"<td>{_e(manual_ui(lang, v.level))}</td>"
            f"<td>{_e(_COEFFICIENT_NAMES.get(v.coefficient, v.coefficient))}</td>"
            + _td(v.alpha, "alpha")
            + f'<td class="num" data-key="ci" data-low="{_data(v.ci_low)}" '
            f'data-high="{_data(v.ci_high)}">{ci}</td>'
            + _td(v.q, "q")
            + f'<td class="num" data-key="n_units">{v.n_units}</td>'
            f'<td class="num" data-key="n_coders">{v.n_coders}</td>'
            + _td(v.threshold, "threshold")
            + _td(v.tentative, "tentative")
            + f'<td data-key="status" data-value="{_e(v.status)}">{_badge(v.status, lang)}</td>'
            "</tr>"
        )
    table = _table(
        head,
        body,
        ident="overview-table",
        caption=_e(ui(lang, "overview")) + " — q = P(α < " + _e(ui(lang, "pass_threshold")) + ")",
    )
    parts.append(_numbers(lang, table))
    parts.append("</figure></section>")
    return "".join(parts)


def _variable_section(
    v: VariableReliability,
    data: VariableData | None,
    diag: Diagnostics | None,
    ctx: _Context,
) -> str:
    lang, cb, labels = ctx.lang, ctx.cb, ctx.labels
    var = cb.variable(v.variable)
    anchor = _anchor(v.variable)
    facts = [
        f"{manual_ui(lang, 'type')}: {manual_ui(lang, var.type)}",
        f"{manual_ui(lang, 'level')}: {manual_ui(lang, v.level)}",
        f"{ui(lang, 'coefficient')}: {_COEFFICIENT_NAMES.get(v.coefficient, v.coefficient)}",
        f"{ui(lang, 'units')}: {v.n_units}",
        f"{ui(lang, 'coders')}: {v.n_coders}",
        f"{ui(lang, 'pass_threshold')}: {v.threshold:.3f}",
        f"{ui(lang, 'tentative_threshold')}: {v.tentative:.3f}",
    ]
    ci = "" if v.ci_low is None else f" [{_num(v.ci_low)}, {_num(v.ci_high)}]"
    parts = [
        f'<section class="variable" id="var-{_e(anchor)}" data-variable="{_e(v.variable)}" '
        f'aria-labelledby="var-{_e(anchor)}-h">',
        f'<h2 id="var-{_e(anchor)}-h">{_e(labels.variable(var))} <code>{_e(v.variable)}</code> '
        f'{_badge(v.status, lang)}<span class="alpha">α = {_e(_num(v.alpha))}{_e(ci)}</span></h2>',
        f'<p class="meta">{_e(" · ".join(facts))}</p>',
    ]
    question = labels.pick(var.question)
    if question:
        parts.append(f'<p class="meta"><i>{_e(question)}</i></p>')
    if v.notes:
        items = "".join(f"<li>{_e(note)}</li>" for note in v.notes)
        parts.append(
            f'<div class="notes" role="note"><b>{_e(ui(lang, "notes"))}:</b><ul>{items}</ul></div>'
        )
    if v.details:
        parts.append(_details_block(v, var, ctx, anchor))
    if data is None:
        parts.append(f'<p class="empty">{_e(ui(lang, "no_diagnostics"))}</p></section>')
        return "".join(parts)
    if diag is None:
        parts.append(f'<p class="empty">{_e(ui(lang, "not_coded"))}</p></section>')
        return "".join(parts)
    parts.append('<div class="figures">')
    parts.append(_coincidence_block(v, var, diag, ctx, anchor))
    parts.append(_pairwise_block(v, diag, ctx, anchor))
    parts.append("</div>")
    parts.append(_loo_block(v, diag, ctx, anchor))
    parts.append(_units_block(v, var, diag, ctx, anchor))
    parts.append("</section>")
    return "".join(parts)


def _details_block(v: VariableReliability, var: Variable, ctx: _Context, anchor: str) -> str:
    lang = ctx.lang
    rows = [
        _DotRow(
            key=detail.label,
            label=ctx.labels.detail(var, detail.label),
            alpha=detail.alpha,
            passing=v.threshold,
            tentative=v.tentative,
            status=_status(detail.alpha, v),
            note=f"{detail.label}: n = {detail.n_units}",
        )
        for detail in v.details
        if not math.isnan(detail.alpha)
    ]
    hidden = len(v.details) - len(rows)
    title = f"{ui(lang, 'details')}: {ctx.labels.variable(var)}"
    plot = _dot_plot(rows, ident=f"details-{anchor}", title=title, lang=lang) if rows else ""
    caption = ui(lang, "details_intro")
    if hidden:
        caption += " " + ui(lang, "undefined_hidden", n=hidden)
    body = [
        f'<tr data-detail="{_e(detail.label)}"><th scope="row">'
        f"{_e(ctx.labels.detail(var, detail.label))} <code>{_e(detail.label)}</code></th>"
        + _td(detail.alpha, "alpha")
        + f'<td class="num">{detail.n_units}</td></tr>'
        for detail in v.details
    ]
    table = _table(
        [(_e(ui(lang, "variable")), False), ("α", True), (_e(ui(lang, "units")), True)],
        body,
        ident=f"details-table-{anchor}",
    )
    return (
        _subsection("details", anchor, ui(lang, "details"))
        + f"<figure>{plot}<figcaption>{_e(caption)}</figcaption>"
        f"{_numbers(lang, table)}</figure></section>"
    )


def _subsection(kind: str, anchor: str, title: str) -> str:
    """The opening of one of a variable's sub-sections: a <section> labelled by its <h3>."""
    ident = f"{kind}-{_e(anchor)}-h"
    return f'<section aria-labelledby="{ident}"><h3 id="{ident}">{_e(title)}</h3>'


def _status(alpha: float, v: VariableReliability) -> str:
    return status_of(alpha, v.threshold, v.tentative)


def _coincidence_block(
    v: VariableReliability, var: Variable, diag: Diagnostics, ctx: _Context, anchor: str
) -> str:
    lang = ctx.lang
    head = _subsection("coin", anchor, ui(lang, "coincidence"))
    cm = diag.coincidence
    if cm is None:
        return head + f'<p class="empty">{_e(ui(lang, "too_many", n=diag.n_values))}</p></section>'
    labels = [ctx.labels.value(var, value) for value in cm.labels]
    title = f"{ui(lang, 'coincidence')}: {ctx.labels.variable(var)}"
    shown = [ctx.labels.short(var, value) for value in cm.labels]
    codes = [ctx.labels.value_code(value) for value in cm.labels]
    plot = _coincidence_plot(
        cm, labels, shown, codes, ident=f"coincidence-{anchor}", title=title, lang=lang
    )
    cat_alpha = diag.category_alpha
    body = []
    for i, value in enumerate(cm.labels):
        cells = "".join(
            f'<td class="num" data-col="{j}" data-value="{_data(float(cm.matrix[i, j]))}">'
            f"{_count(float(cm.matrix[i, j]))}</td>"
            for j in range(len(cm.labels))
        )
        total = float(cm.matrix[i].sum())
        extra = ""
        if cat_alpha is not None:
            extra = _td(cat_alpha.get(value, float("nan")), "category_alpha")
        body.append(
            f'<tr data-row="{i}" data-code="{_e(ctx.labels.value_code(value))}">'
            f'<th scope="row">{_e(labels[i])} <code>{_e(ctx.labels.value_code(value))}</code></th>'
            f'{cells}<td class="num" data-key="total">{_count(total)}</td>{extra}</tr>'
        )
    heads = [("", False)] + [(_e(label), True) for label in labels]
    heads.append((_e(ui(lang, "total")), True))
    if cat_alpha is not None:
        heads.append((_e(ui(lang, "category_alpha")), True))
    observed = _table(
        heads,
        body,
        caption=_e(ui(lang, "observed")) + f" (n = {cm.n_pairable})",
        ident=f"coincidence-table-{anchor}",
    )
    expected_rows = [
        f'<tr><th scope="row">{_e(labels[i])}</th>'
        + "".join(
            f'<td class="num">{_num(float(cm.expected[i, j]), 2)}</td>'
            for j in range(len(cm.labels))
        )
        + "</tr>"
        for i in range(len(cm.labels))
    ]
    expected = _table(
        [("", False)] + [(_e(label), True) for label in labels],
        expected_rows,
        caption=_e(ui(lang, "expected")),
    )
    note = (
        f"<p class='meta'>{_e(ui(lang, 'category_alpha_note'))}</p>"
        if cat_alpha is not None
        else ""
    )
    return (
        head
        + f"<figure>{plot}<figcaption>{_e(ui(lang, 'coincidence_intro'))}</figcaption>"
        + _numbers(lang, observed + note + expected)
        + "</figure></section>"
    )


def _pairwise_block(v: VariableReliability, diag: Diagnostics, ctx: _Context, anchor: str) -> str:
    lang = ctx.lang
    pa, pct = diag.pairwise, diag.percent
    head = _subsection("pair", anchor, ui(lang, "pairwise"))
    if pa is None or pct is None:
        return head + f'<p class="empty">{_e(ui(lang, INSUFFICIENT))}</p></section>'
    title = f"{ui(lang, 'pairwise')}: {ctx.labels.variable(ctx.cb.variable(v.variable))}"
    plot = _pairwise_plot(pa, v, ident=f"pairwise-{anchor}", title=title, lang=lang)
    coders = [str(c) for c in pa.coders]
    body = []
    for i in range(len(coders)):
        for j in range(i + 1, len(coders)):
            body.append(
                f'<tr data-pair="{_e(coders[i])}|{_e(coders[j])}">'
                f"<td>{_e(coders[i])}</td><td>{_e(coders[j])}</td>"
                + _td(float(pa.matrix[i, j]), "alpha")
                + _td(float(pct.matrix[i, j]) * 100, "percent", 1)
                + f'<td class="num" data-key="shared">{int(pa.n_units[i, j])}</td></tr>'
            )
    table = _table(
        [
            (_e(ui(lang, "coder")), False),
            (_e(ui(lang, "coder")), False),
            ("α", True),
            (_e(ui(lang, "percent")), True),
            (_e(ui(lang, "shared")), True),
        ],
        body,
        ident=f"pairwise-table-{anchor}",
    )
    return (
        head
        + f"<figure>{plot}<figcaption>{_e(ui(lang, 'pairwise_intro'))}</figcaption>"
        + _numbers(lang, table)
        + "</figure></section>"
    )


def _loo_block(v: VariableReliability, diag: Diagnostics, ctx: _Context, anchor: str) -> str:
    lang = ctx.lang
    head = _subsection("loo", anchor, ui(lang, "loo"))
    if diag.loo is None:
        return head + f'<p class="empty">{_e(ui(lang, "loo_needs_three"))}</p></section>'
    title = f"{ui(lang, 'loo')}: {ctx.labels.variable(ctx.cb.variable(v.variable))}"
    plot = _loo_plot(diag.loo, v.alpha, ident=f"loo-{anchor}", title=title, lang=lang)
    body = [
        f'<tr data-coder="{_e(str(coder))}"><th scope="row">{_e(str(coder))}</th>'
        + _td(v.alpha + delta if not math.isnan(delta) else float("nan"), "alpha_without")
        + f'<td class="num" data-key="delta" data-value="{_data(delta)}">{_signed(delta)}</td>'
        "</tr>"
        for coder, delta in sorted(diag.loo.items(), key=lambda kv: str(kv[0]))
    ]
    table = _table(
        [(_e(ui(lang, "coder")), False), ("α", True), ("Δα", True)],
        body,
        ident=f"loo-table-{anchor}",
    )
    return (
        head
        + f"<figure>{plot}<figcaption>{_e(ui(lang, 'loo_intro'))}</figcaption>"
        + _numbers(lang, table)
        + "</figure></section>"
    )


def _units_block(
    v: VariableReliability, var: Variable, diag: Diagnostics, ctx: _Context, anchor: str
) -> str:
    lang = ctx.lang
    head = _subsection("units", anchor, ui(lang, "disputed"))
    if not diag.units:
        return head + f'<p class="empty">{_e(ui(lang, "no_disagreement"))}</p></section>'
    rows = []
    for rank, unit in enumerate(diag.units, start=1):
        groups: dict[Any, list[str]] = {}
        for coder, value in sorted(
            diag.codings.get(unit.unit, {}).items(), key=lambda kv: str(kv[0])
        ):
            groups.setdefault(value, []).append(str(coder))
        items = "".join(
            f'<li data-value="{_e(ctx.labels.value_code(value))}">'
            f'<span class="val">{_e(ctx.labels.value(var, value))}</span> '
            + " ".join(f'<code data-coder="{_e(c)}">{_e(c)}</code>' for c in coders)
            + "</li>"
            for value, coders in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[1]))
        )
        text, text_lang = ctx.texts.get(str(unit.unit), ("", None))
        if text:
            lang_attr = f' lang="{_e(text_lang)}"' if text_lang else ""
            text_html = f'<div class="unit-text"{lang_attr}>{_e(text)}</div>'
        else:
            text_html = f'<span class="empty">{_e(ui(lang, "no_text"))}</span>'
        rows.append(
            f'<tr data-unit="{_e(str(unit.unit))}" data-score="{_data(unit.score)}">'
            f'<td class="num">{rank}</td><th scope="row"><code>{_e(str(unit.unit))}</code></th>'
            f'<td class="num">{_num(unit.score)}</td>'
            f'<td><ul class="codings">{items}</ul></td><td class="text">{text_html}</td></tr>'
        )
    table = _table(
        [
            ("#", True),
            (_e(ui(lang, "unit")), False),
            (_e(ui(lang, "score")), True),
            (_e(ui(lang, "codings")), False),
            (_e(ui(lang, "unit_text")), False),
        ],
        rows,
        class_="units",
        ident=f"units-table-{anchor}",
    )
    return head + f'<p class="meta">{_e(ui(lang, "disputed_intro"))}</p>{table}</section>'


def _provenance(
    report: ReliabilityReport,
    aset: AnnotationSet,
    ctx: _Context,
    *,
    files: Sequence[SourceFile],
    tasks_file: SourceFile | None,
    n_tasks: int,
    bootstrap: int,
    seed: int | None,
    generated: datetime,
) -> str:
    lang, cb = ctx.lang, ctx.cb
    origin = cb.origin
    origin_hash = ""
    if origin and Path(origin).is_file():
        origin_hash = SourceFile.of(origin).sha256
    facts = [
        (ui(lang, "codebook"), f"<code>{_e(cb.ref)}</code> — {_e(ctx.labels.pick(cb.title))}"),
    ]
    if origin:
        facts.append(
            (
                ui(lang, "origin"),
                f"<code>{_e(origin)}</code>"
                + (
                    f'<br><span class="hash">sha256:{_e(origin_hash)}</span>' if origin_hash else ""
                ),
            )
        )
    facts += [
        (ui(lang, "language"), f"<code>{_e(lang)}</code>"),
        (
            ui(lang, "generated"),
            f'<time datetime="{_e(generated.isoformat())}">'
            f"{_e(generated.strftime('%Y-%m-%d %H:%M:%S %Z'))}</time>",
        ),
        (ui(lang, "generated_by"), f"<code>{_e(__version__)}</code>"),
        (
            "Python · NumPy",
            f"{_e(platform.python_version())} · {_e(np.__version__)}",
        ),
        (ui(lang, "bootstrap"), str(bootstrap)),
        (ui(lang, "seed"), _e(str(seed)) if seed is not None and bootstrap else "—"),
        (ui(lang, "records"), str(len(aset))),
        (ui(lang, "units"), str(report.n_units)),
    ]
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in facts)
    file_rows = [
        f'<tr data-file="{_e(f.path)}"><td><code>{_e(f.path)}</code></td>'
        f'<td class="num" data-key="records">{"" if f.records is None else f.records}</td>'
        f'<td class="num">{f.size}</td>'
        f'<td class="hash" data-key="sha256">{_e(f.sha256)}</td></tr>'
        for f in files
    ]
    if tasks_file is not None:
        file_rows.append(
            f'<tr data-file="{_e(tasks_file.path)}" data-kind="tasks"><td>'
            f"<code>{_e(tasks_file.path)}</code> ({_e(ui(lang, 'task_file'))})</td>"
            f'<td class="num">{n_tasks}</td><td class="num">{tasks_file.size}</td>'
            f'<td class="hash" data-key="sha256">{_e(tasks_file.sha256)}</td></tr>'
        )
    files_table = _table(
        [
            (_e(ui(lang, "file")), False),
            (_e(ui(lang, "records")), True),
            (_e(ui(lang, "size")), True),
            ("SHA-256", False),
        ],
        file_rows,
        caption=_e(ui(lang, "input_files")),
        ident="input-files",
    )
    per_coder = Counter(aset.coder_id.tolist())
    units_of: dict[str, set[str]] = {}
    for unit, coder in zip(aset.unit_id.tolist(), aset.coder_id.tolist(), strict=True):
        units_of.setdefault(coder, set()).add(unit)
    coder_rows = [
        f'<tr data-coder="{_e(str(c))}"><th scope="row"><code>{_e(str(c))}</code></th>'
        f'<td class="num" data-key="records">{per_coder[c]}</td>'
        f'<td class="num" data-key="units">{len(units_of.get(c, ()))}</td></tr>'
        for c in report.coders
    ]
    coders_table = _table(
        [
            (_e(ui(lang, "coder")), False),
            (_e(ui(lang, "records")), True),
            (_e(ui(lang, "units")), True),
        ],
        coder_rows,
        caption=_e(ui(lang, "coders")),
        ident="coders-table",
    )
    return (
        '<section id="provenance" aria-labelledby="provenance-h">'
        f'<h2 id="provenance-h">{_e(ui(lang, "provenance"))}</h2>'
        f'<p class="meta">{_e(ui(lang, "provenance_intro"))}</p>'
        f'<dl class="facts">{dl}</dl>{files_table}{coders_table}</section>'
    )


def _unit_texts(aset: AnnotationSet, tasks: Sequence[Task]) -> dict[str, tuple[str, str | None]]:
    """Unit id -> (text, language tag): the task file first, else the annotations' text."""
    texts: dict[str, tuple[str, str | None]] = {}
    for unit, text in zip(aset.unit_id.tolist(), aset.text.tolist(), strict=True):
        if text and str(unit) not in texts:
            texts[str(unit)] = (str(text), None)
    for task in tasks:
        texts[task.unit_id] = (task.text, task.lang)
    return texts


def _file_records(aset: AnnotationSet, paths: Sequence[str | Path]) -> list[SourceFile]:
    counts = Counter(aset.file_index.tolist())
    by_name: dict[str, int] = {}
    for index, name in enumerate(aset.files):
        by_name[name] = by_name.get(name, 0) + counts.get(index, 0)
        resolved = str(Path(name).resolve())
        if resolved != name:
            by_name[resolved] = by_name.get(resolved, 0) + counts.get(index, 0)
    out = []
    for path in paths:
        records = by_name.get(str(path), by_name.get(str(Path(path).resolve()), 0))
        out.append(SourceFile.of(path, records))
    return out


def build_report(
    annotations: AnnotationSet,
    codebook: Codebook,
    *,
    files: Sequence[str | Path] = (),
    lang: str | None = None,
    bootstrap: int = 1000,
    seed: int | None = None,
    tasks: Sequence[Task] = (),
    tasks_file: str | Path | None = None,
    top: int = 10,
    generated_at: datetime | None = None,
) -> str:
    """The report page for checked ``annotations`` (see :func:`check_annotations`).

    ``files`` are the annotation files read (for the provenance, with their SHA-256); texts of
    the disputed units come from ``tasks`` (a task file read with ``read_tasks``) or else from
    the annotations' ``text`` column. Without a ``seed``, one is drawn and shown on the page
    so that the bootstrap intervals can be reproduced.
    """
    cb = codebook
    lang = lang or cb.languages[0]
    if lang not in cb.languages:
        raise IntercoderError(f"{lang!r} is not a language of {cb.ref} ({', '.join(cb.languages)})")
    if bootstrap and seed is None:
        seed = secrets.randbelow(2**31)
    generated = (generated_at or datetime.now(UTC)).astimezone(UTC)
    report = assess(annotations, cb, bootstrap=bootstrap, seed=seed)
    labels = _Labels(cb, lang)
    coded = frozenset(annotations.variable.tolist())
    ctx = _Context(cb, lang, labels, _unit_texts(annotations, tasks), coded)
    sections = []
    for v in report.variables:
        if v.variable not in coded:
            continue
        var = cb.variable(v.variable)
        data = prepare(annotations, var, cb)
        diag = diagnose(data, top=top) if data is not None else None
        sections.append(_variable_section(v, data, diag, ctx))

    title = labels.pick(cb.title) or cb.id
    assessed = [v for v in report.variables if v.variable in coded]
    counts = Counter(v.status for v in assessed)
    cards = [
        ("", str(len(assessed)), ui(lang, "variables")),
        *[(s, str(counts.get(s, 0)), ui(lang, s)) for s in (PASS, TENTATIVE, FAIL, INSUFFICIENT)],
        ("", str(len(report.coders)), ui(lang, "coders")),
        ("", str(report.n_units), ui(lang, "units")),
        ("", str(len(annotations)), ui(lang, "records")),
    ]
    cards_html = "".join(
        f'<li class="{_e(cls)}" data-card="{_e(cls or key)}"><span class="n">{_e(n)}</span>'
        f'<span class="k">{_e(key)}</span></li>'
        for cls, n, key in cards
    )
    toc = "".join(
        f'<li><a href="#var-{_e(_anchor(v.variable))}">'
        f"{_e(labels.variable(cb.variable(v.variable)))}</a> {_badge(v.status, lang)}</li>"
        for v in assessed
    )
    source_files = _file_records(annotations, files)
    task_source = SourceFile.of(tasks_file, len(tasks)) if tasks_file is not None else None
    stamp = generated.strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="intercoder {_e(__version__)}">',
        '<link rel="icon" href="data:,">',
        f"<title>{_e(ui(lang, 'title'))} — {_e(title)} ({_e(cb.ref)})</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<header class="page">',
        f'<p class="kicker">{_e(ui(lang, "title"))}</p>',
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{_e(ui(lang, "codebook"))} <code>{_e(cb.ref)}</code> · '
        f'{_e(ui(lang, "generated"))} <time datetime="{_e(generated.isoformat())}">'
        f"{_e(stamp)}</time> · intercoder {_e(__version__)}</p>",
        "</header>",
        "<main>",
        f'<section id="summary" aria-label="{_e(ui(lang, "summary"))}">'
        f'<ul class="cards">{cards_html}</ul></section>',
        f'<nav class="toc" aria-labelledby="toc-h"><h2 id="toc-h">'
        f"{_e(manual_ui(lang, 'contents'))}</h2><ol>"
        f'<li><a href="#overview">{_e(ui(lang, "overview"))}</a></li>{toc}'
        f'<li><a href="#provenance">{_e(ui(lang, "provenance"))}</a></li></ol></nav>',
        _overview(report, ctx),
        *sections,
        _provenance(
            report,
            annotations,
            ctx,
            files=source_files,
            tasks_file=task_source,
            n_tasks=len(tasks),
            bootstrap=bootstrap,
            seed=seed,
            generated=generated,
        ),
        "</main>",
        f"<footer>intercoder {_e(__version__)} · {_e(cb.ref)} · {_e(stamp)}</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_report(
    path: str | Path, annotations: AnnotationSet, codebook: Codebook, **kw: Any
) -> None:
    """Build the report (see :func:`build_report`) and write it atomically to ``path``."""
    write_atomic(path, build_report(annotations, codebook, **kw))
