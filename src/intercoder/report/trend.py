"""The report's rounds section: alpha per variable across recorded rounds (drift), codebook
version changes marked, each coder's stability, and the methods paragraph.

Every number comes from the ledger (:mod:`intercoder.ledger`); this module draws the trend plot
(inline SVG, as :mod:`.plots` draws the others) and prepares what ``rounds.html.j2`` shows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from markupsafe import Markup

from ..i18n import Translate
from ..ledger import Round, Stability, stability
from ..reliability import status_of
from .plots import LIGHT, STRONG, data_number, num
from .svg import Drawing, shorten, text_width

_FAIL_ZONE, _TENTATIVE_ZONE, _PASS_ZONE = "fail", "tentative", "pass"


@attrs.frozen
class TrendPoint:
    round: str
    codebook: str
    alpha: float
    #: the codebook version differs from the previous round's
    version_change: bool


def trend_points(rounds: Sequence[Round], variable: str) -> list[TrendPoint]:
    """The variable's alpha in each round that assessed it, oldest first."""
    points = []
    previous: str | None = None
    for r in rounds:
        result = r.result(variable)
        if result is None or result.n_units == 0:
            continue
        points.append(
            TrendPoint(r.name, r.codebook, result.alpha, previous not in (None, r.codebook))
        )
        previous = r.codebook
    return points


def trend_plot(
    points: Sequence[TrendPoint],
    passing: float,
    tentative: float,
    *,
    ident: str,
    title: str,
    _: Translate,
) -> str:
    """A line of alpha across rounds over the threshold zones; a dashed line marks each round
    whose codebook version differs from the one before, labelled with the new version."""
    labels = [shorten(p.round, 90, 11) for p in points]
    step = max(64.0, max(text_width(s, 11) for s in labels) + 14)
    left, top, bottom, plot_h = 46.0, 26.0, 40.0, 160.0
    width = left + step * len(points) + 20
    height = top + plot_h + bottom
    finite = [p.alpha for p in points if not math.isnan(p.alpha)]
    low = min([0.0, *finite])
    low = math.floor(low * 10) / 10

    def y(value: float) -> float:
        return top + (1.0 - value) / (1.0 - low) * plot_h

    def x(i: int) -> float:
        return left + step * (i + 0.5)

    description = "; ".join(f"{p.round} ({p.codebook}): α {num(p.alpha)}" for p in points)
    d = Drawing(width, height, ident=ident, title=title, description=description)
    d.rect(0, 0, width, height, fill="#ffffff")
    right = left + step * len(points)
    for zone, high_value, low_value in (
        (_PASS_ZONE, 1.0, passing),
        (_TENTATIVE_ZONE, passing, tentative),
        (_FAIL_ZONE, tentative, low),
    ):
        if high_value > low_value:
            d.rect(
                left, y(high_value), right - left, y(low_value) - y(high_value), fill=LIGHT[zone]
            )
    with d.group(class_="axis", font_size=11, fill="#57606a", text_anchor="end"):
        tick = low
        while tick <= 1.0 + 1e-9:
            d.line(left, y(tick), right, y(tick), stroke="#eaeef2")
            d.text(left - 6, y(tick) + 4, f"{tick:.1f}")
            tick = round(tick + 0.2, 10)
    for i, p in enumerate(points):
        if p.version_change:
            edge = x(i) - step / 2
            with d.group(class_="version-change", data_codebook=p.codebook):
                d.tooltip(_("codebook_version_change") + f": {p.codebook}")
                d.line(edge, top - 14, edge, top + plot_h, stroke="#6639ba", stroke_dasharray="4 3")
                d.text(
                    edge + 3, top - 4, p.codebook.rpartition("@")[2], font_size=10.5, fill="#6639ba"
                )
    drawn = [(x(i), y(p.alpha)) for i, p in enumerate(points) if not math.isnan(p.alpha)]
    for (x1, y1), (x2, y2) in itertools.pairwise(drawn):
        d.line(x1, y1, x2, y2, stroke="#57606a", stroke_width=1.5)
    for i, p in enumerate(points):
        status = status_of(p.alpha, passing, tentative)
        with d.group(class_="point", data_round=p.round, data_alpha=data_number(p.alpha)):
            d.tooltip(f"{p.round} ({p.codebook}): α {num(p.alpha)}")
            if not math.isnan(p.alpha):
                d.circle(x(i), y(p.alpha), 4.5, fill=STRONG[status])
            d.text(
                x(i),
                top + plot_h + 16,
                labels[i],
                font_size=11,
                text_anchor="middle",
                fill="#1d1d1f",
            )
    return d.render(class_="plot")


def rounds_view(
    rounds: Sequence[Round],
    current: Round,
    *,
    lang: str,
    labels: Mapping[str, str],
    thresholds: Mapping[str, tuple[float, float]],
    _: Translate,
) -> dict[str, Any]:
    """What the rounds section shows: ``rounds`` are the ledger's (with codings), ``current``
    this report's round (recorded or not: then it is appended to them)."""
    history = list(rounds) if any(r.name == current.name for r in rounds) else [*rounds, current]
    at = next(i for i, r in enumerate(history) if r.name == current.name)
    plots = []
    for variable, (passing, tentative) in thresholds.items():
        points = trend_points(history[: at + 1], variable)
        if len(points) < 2:
            continue
        title = _("trend") + f": {labels.get(variable, variable)}"
        plot = trend_plot(points, passing, tentative, ident=f"trend-{variable}", title=title, _=_)
        plots.append(
            {
                "variable": variable,
                "label": labels.get(variable, variable),
                "plot": Markup(plot),
                "points": points,
            }
        )
    items: list[Stability] = stability(history[at], history[:at])
    return {"current": current.name, "plots": plots, "stability": items, "n_rounds": at + 1}
