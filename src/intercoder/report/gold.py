"""The report's gold standard sections: coders against the gold, and why disputes were decided.

Shown only when a gold standard is given (``intercoder report --gold``); the page without one is
unchanged. The numbers come from :func:`intercoder.workflow.certify.certify`; the reasons are
the adjudicated rows of the gold file, counted per variable and gold category, so a
methodologist sees where the codebook needs work (many ``guideline-gap`` tags) and where the
coders need training (``coder-error``).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import attrs

from ..annotations import AnnotationSet
from ..codebook.model import Codebook
from ..workflow.certify import Certification, certify
from ..workflow.gold import ADJUDICATED, REASONS, GoldStandard

if TYPE_CHECKING:
    from .page import Labels

#: Confusions listed per coder and variable, most frequent first.
TOP_CONFUSIONS = 5


@attrs.frozen
class CoderRow:
    variable: str
    label: str
    alpha: float
    accuracy: float
    n_units: int
    status: str
    confusions: tuple[tuple[str, str, int], ...]


@attrs.frozen
class ReasonRow:
    variable: str
    label: str
    category: str
    counts: tuple[int, ...]  # in the order of REASONS
    total: int


@attrs.frozen
class GoldView:
    """What the gold sections of the page show."""

    certification: Certification
    coders: tuple[tuple[str, str, tuple[CoderRow, ...]], ...]  # coder, status, rows
    reasons: tuple[ReasonRow, ...]
    #: (heading, numeric) of each reason's column, in the reader's language.
    reason_heads: tuple[tuple[str, bool], ...]
    reason_names: tuple[str, ...] = REASONS


def gold_view(
    gold: GoldStandard, annotations: AnnotationSet, cb: Codebook, labels: Labels
) -> GoldView:
    result = certify(gold, annotations, cb)
    coders = []
    for coder in result.coders:
        rows = []
        for v in coder.variables:
            var = cb.variable(v.variable)
            wrong = sorted(
                ((g, c, n) for (g, c), n in v.confusion.items() if g != c),
                key=lambda t: (-t[2], labels.value_code(t[0]), labels.value_code(t[1])),
            )[:TOP_CONFUSIONS]
            rows.append(
                CoderRow(
                    v.variable,
                    labels.variable(var),
                    v.alpha,
                    v.accuracy,
                    v.n_units,
                    v.status,
                    tuple((labels.value(var, g), labels.value(var, c), n) for g, c, n in wrong),
                )
            )
        coders.append((coder.coder, coder.status, tuple(rows)))
    heads = tuple((labels._(reason), True) for reason in REASONS)
    return GoldView(result, tuple(coders), _reasons(gold, cb, labels), heads)


def _reasons(gold: GoldStandard, cb: Codebook, labels: Labels) -> tuple[ReasonRow, ...]:
    counts: dict[tuple[str, Any], Counter[str]] = {}
    for record in gold:
        if record.provenance != ADJUDICATED or record.reason is None:
            continue
        value = tuple(record.value) if isinstance(record.value, list) else record.value
        counts.setdefault((record.variable, value), Counter())[record.reason] += 1
    order = {var.id: i for i, var in enumerate(cb.variables)}
    rows = []
    for (variable, value), counter in sorted(
        counts.items(), key=lambda item: (order.get(item[0][0], len(order)), str(item[0][1]))
    ):
        try:
            var = cb.variable(variable)
        except KeyError:
            continue
        rows.append(
            ReasonRow(
                variable,
                labels.variable(var),
                labels.value(var, value),
                tuple(counter[r] for r in REASONS),
                sum(counter.values()),
            )
        )
    return tuple(rows)
