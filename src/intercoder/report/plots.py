"""The plots of the reliability report, as inline SVG (see :mod:`intercoder.report.svg`).

A forest plot of alpha against the thresholds, the coincidence matrix as a heatmap, the pairwise
agreement of the coders and the leave-one-coder-out bars. Each plot carries its accessible name
and a description listing its numbers; every number is also kept, at full precision, in a
``data-*`` attribute. The number formats the page shares with the plots are here as well.
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Sequence

import attrs

from .. import agreement
from ..i18n import Translate
from ..reliability import FAIL, INSUFFICIENT, PASS, TENTATIVE, VariableReliability, status_of
from .svg import Drawing, blend, fmt_number, ink_on, shorten, text_width

# Status colours: strong (marks, text) and light (zones, cells). Contrast-checked on white.
STRONG = {PASS: "#1a7f37", TENTATIVE: "#9a6700", FAIL: "#cf222e", INSUFFICIENT: "#6e7781"}
LIGHT = {PASS: "#dcf1e0", TENTATIVE: "#fff1c2", FAIL: "#fde2e1", INSUFFICIENT: "#eef0f2"}


def isnan(value: float | None) -> bool:
    return value is None or math.isnan(value)


def num(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace("-", "−") if value < 0 else text


def count(value: float) -> str:
    """A coincidence count: whole numbers plain, fractions with one decimal."""
    if abs(value - round(value)) < 1e-9:
        return str(round(value))
    return f"{value:.1f}"


def data_number(value: float | None) -> str:
    """A number for a ``data-*`` attribute: full precision, ``nan`` for undefined."""
    if value is None or math.isnan(value):
        return "nan"
    return repr(float(value))


def signed(value: float) -> str:
    if math.isnan(value):
        return "—"
    return ("+" if value > 0 else "−" if value < 0 else "±") + f"{abs(value):.3f}"


def anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", text)


FONT = 12.0


@attrs.frozen
class DotRow:
    key: str
    label: str
    alpha: float
    passing: float
    tentative: float
    status: str
    ci_low: float | None = None
    ci_high: float | None = None
    note: str = ""


def dot_plot(rows: Sequence[DotRow], *, ident: str, title: str, _: Translate) -> str:
    """A forest plot: one row per item, alpha as a dot, its interval as a line, against
    shaded zones at the pass and tentative thresholds of each row."""
    values = [r.alpha for r in rows] + [r.ci_low for r in rows if r.ci_low is not None]
    finite = [v for v in values if not isnan(v)]
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
        f"{r.label}: α {num(r.alpha)}"
        + (f" [{num(r.ci_low)}, {num(r.ci_high)}]" if r.ci_low is not None else "")
        + f", {_(r.status)}"
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
    with d.group(class_="legend", font_size=FONT):
        for status, rule in legend:
            text = f"{_(status)} {rule}".strip()
            d.rect(lx, 12, 14, 14, fill=LIGHT[status], stroke=STRONG[status], rx=2)
            d.text(lx + 20, 23.5, text, fill="#3b4250")
            lx += 20 + text_width(text, FONT) + 18
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
            d.rect(x(lo), y + 2, x(row.tentative) - x(lo), row_h - 4, fill=LIGHT[FAIL])
            d.rect(
                x(row.tentative),
                y + 2,
                x(row.passing) - x(row.tentative),
                row_h - 4,
                fill=LIGHT[TENTATIVE],
            )
            d.rect(x(row.passing), y + 2, x(hi) - x(row.passing), row_h - 4, fill=LIGHT[PASS])
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
            data_alpha=data_number(row.alpha),
            data_ci_low=data_number(row.ci_low),
            data_ci_high=data_number(row.ci_high),
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
                    data_threshold=data_number(level),
                )
            colour = STRONG[row.status]
            if row.ci_low is not None and row.ci_high is not None:
                with d.group(class_="ci", stroke=colour, stroke_width=2):
                    d.line(x(row.ci_low), cy, x(row.ci_high), cy)
                    d.line(x(row.ci_low), cy - 5, x(row.ci_low), cy + 5)
                    d.line(x(row.ci_high), cy - 5, x(row.ci_high), cy + 5)
            if isnan(row.alpha):
                d.text(x(lo) + 8, cy + 4, _(INSUFFICIENT), font_size=11, fill=colour)
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
            summary = num(row.alpha)
            if row.ci_low is not None:
                summary += f"  [{num(row.ci_low)}, {num(row.ci_high)}]"
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
    longest = max([text_width(s, FONT) for s in labels] + [40.0])
    label_w = min(270.0, longest + 14)
    head_h = min(200.0, longest * 0.72 + 18)
    return cell, label_w, head_h


def _matrix_labels(
    d: Drawing,
    shown: Sequence[str],
    x0: float,
    y0: float,
    cell: float,
    *,
    margin: tuple[str, float, float] | None = None,
) -> None:
    """The rotated column labels and the row labels of a matrix plot whose first cell is at
    (``x0``, ``y0``); ``margin`` = (word, x of the margin column, y of the margin row) labels
    the totals on the margins too."""
    with d.group(class_="col-labels", font_size=FONT, fill="#3b4250"):
        for j, label in enumerate(shown):
            cx = x0 + (j + 0.5) * cell + 4
            d.text(cx, y0 - 8, label, transform=f"rotate(-45 {fmt_number(cx)} {y0 - 8})")
        if margin is not None:
            word, mx, _my = margin
            d.text(
                mx,
                y0 - 8,
                word,
                transform=f"rotate(-45 {fmt_number(mx)} {y0 - 8})",
                font_style="italic",
            )
    with d.group(class_="row-labels", font_size=FONT, fill="#3b4250", text_anchor="end"):
        for i, label in enumerate(shown):
            d.text(x0 - 8, y0 + (i + 0.5) * cell + 4, label)
        if margin is not None:
            word, _mx, my = margin
            d.text(x0 - 8, my, word, font_style="italic")


def coincidence_plot(
    cm: agreement.CoincidenceMatrix,
    labels: Sequence[str],
    shown: Sequence[str],
    codes: Sequence[str],
    *,
    ident: str,
    title: str,
    _: Translate,
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
    total, observed, expected = _("total"), _("observed"), _("expected")
    description = f"{total}: {count(float(mat.sum()))}. " + "; ".join(
        f"{labels[i]} × {labels[j]}: {count(float(mat[i, j]))}"
        for i in range(n)
        for j in range(n)
        if mat[i, j] > 0
    )
    d = Drawing(width, height, ident=ident, title=title, description=description)
    d.rect(0, 0, width, height, fill="#ffffff")
    x0, y0 = label_w, head_h
    margin = (total, x0 + n * cell + margin_w / 2 + 4, y0 + n * cell + 22)
    _matrix_labels(d, shown, x0, y0, cell, margin=margin)
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
                data_value=data_number(value),
                data_expected=data_number(float(cm.expected[i, j])),
            ):
                d.tooltip(
                    f"{labels[i]} × {labels[j]}: {observed} {count(value)}, "
                    f"{expected} {num(float(cm.expected[i, j]), 2)}"
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
                        count(value),
                        font_size=FONT if cell >= 40 else 10.5,
                        text_anchor="middle",
                        fill=ink_on(fill),
                        font_weight="600" if i == j else None,
                    )
    with d.group(class_="totals", font_size=11.5, fill="#57606a", text_anchor="middle"):
        for i in range(n):
            d.text(x0 + n * cell + margin_w / 2, y0 + (i + 0.5) * cell + 4, count(totals[i]))
            d.text(x0 + (i + 0.5) * cell - 1, y0 + n * cell + 22, count(totals[i]))
        d.text(
            x0 + n * cell + margin_w / 2,
            y0 + n * cell + 22,
            count(float(mat.sum())),
            font_weight="600",
        )
    return d.render(class_="plot")


def pairwise_plot(
    pa: agreement.PairwiseAgreement,
    reliability: VariableReliability,
    *,
    ident: str,
    title: str,
    _: Translate,
) -> str:
    """A coders x coders heatmap of pairwise alpha, coloured by the variable's thresholds."""
    coders = [str(c) for c in pa.coders]
    n = len(coders)
    shown = [shorten(c, 200, FONT) for c in coders]
    cell, label_w, head_h = _matrix_geometry(shown, n, 70.0)
    cell = max(cell, 52.0)
    width = label_w + cell * n + head_h * 0.75 + 10
    height = head_h + cell * n + 10
    pairs = [
        f"{coders[i]} – {coders[j]}: {num(float(pa.matrix[i, j]))} (n={int(pa.n_units[i, j])})"
        for i in range(n)
        for j in range(i + 1, n)
    ]
    d = Drawing(width, height, ident=ident, title=title, description="; ".join(pairs))
    d.rect(0, 0, width, height, fill="#ffffff")
    x0, y0 = label_w, head_h
    _matrix_labels(d, shown, x0, y0, cell)
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
                data_value=data_number(value),
                data_shared=str(shared),
                data_status=status,
            ):
                d.tooltip(f"{coders[i]} – {coders[j]}: α {num(value)}, n = {shared}")
                d.rect(
                    x0 + j * cell,
                    y0 + i * cell,
                    cell - 2,
                    cell - 2,
                    fill=LIGHT[status],
                    stroke=STRONG[status],
                    stroke_opacity=0.45,
                    rx=3,
                )
                cx = x0 + (j + 0.5) * cell - 1
                d.text(
                    cx,
                    y0 + (i + 0.5) * cell,
                    num(value, 2),
                    font_size=FONT + 0.5,
                    font_weight="600",
                    text_anchor="middle",
                    fill=STRONG[status] if status != INSUFFICIENT else "#3b4250",
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


def loo_plot(
    loo: dict[Hashable, float], full_alpha: float, *, ident: str, title: str, _: Translate
) -> str:
    """Diverging bars of delta alpha per coder; positive (red) = reliability rises without."""
    items = sorted(loo.items(), key=lambda kv: (-(kv[1] if not math.isnan(kv[1]) else -9), kv[0]))
    labels = [shorten(str(c), 200, FONT) for c, _ in items]
    label_w = min(220.0, max([text_width(s, FONT) for s in labels] + [60.0]) + 16)
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

    description = f"α = {num(full_alpha)}. " + "; ".join(f"{c}: Δα {signed(v)}" for c, v in items)
    d = Drawing(width, height, ident=ident, title=title, description=description)
    d.rect(0, 0, width, height, fill="#ffffff")
    bottom_y = top + row_h * len(items)
    ticks = [-span, -span / 2, 0.0, span / 2, span]
    with d.group(class_="axis", font_size=11, fill="#57606a", text_anchor="middle"):
        for tick in ticks:
            d.line(x(tick), top, x(tick), bottom_y, stroke="#eaeef2")
            d.text(x(tick), bottom_y + 16, signed(tick) if tick else "0")
        d.text(x_mid, bottom_y + 31, "Δα", font_style="italic")
    for i, (coder, value) in enumerate(items):
        y = top + i * row_h
        with d.group(class_="bar", data_coder=str(coder), data_value=data_number(value)):
            d.tooltip(f"{coder}: Δα {signed(value)}")
            d.text(
                label_w - 10,
                y + row_h / 2 + 4,
                labels[i],
                font_size=FONT,
                text_anchor="end",
                fill="#1d1d1f",
            )
            if math.isnan(value):
                d.text(x_mid + 6, y + row_h / 2 + 4, "—", font_size=FONT, fill="#6e7781")
                continue
            colour = "#cf222e" if value > 0 else "#4a6fa5"
            left, right = sorted((x(0), x(value)))
            d.rect(left, y + 5, max(right - left, 1.0), row_h - 10, fill=colour, rx=2)
            anchor_x = right + 6 if value >= 0 else left - 6
            d.text(
                anchor_x,
                y + row_h / 2 + 4,
                signed(value),
                font_size=11.5,
                text_anchor="start" if value >= 0 else "end",
                fill=colour,
                font_weight="600",
            )
    d.line(x_mid, top, x_mid, bottom_y, stroke="#57606a", stroke_width=1.2)
    return d.render(class_="plot")


# --- page --------------------------------------------------------------------------------------
