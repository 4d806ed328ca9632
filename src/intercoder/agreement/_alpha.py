"""Krippendorff's alpha for coded units: the public point-estimate functions.

Degenerate data (Krippendorff 2011, sect. "alpha's ... lack of variation"): when no unit has
two values there is nothing to compare, and when all pairable values are the same, D_e = 0
and alpha = 1 - 0/0 is undefined - Krippendorff (2004, p. 222; 2011) argues such data show no
reliability either way because they cannot distinguish anything. We therefore return ``nan``
with a :class:`DegenerateDataWarning` in both cases, never 1.0 and never a silent ``nan``.
"""

from __future__ import annotations

from typing import Any

from ._data import as_reliability_data
from ._engine import Level, alpha_sums, resolve_metric, warn_if_undefined
from ._results import AlphaResult

__all__ = ["alpha", "alpha_result"]


def alpha(data: Any, level: Level = "nominal") -> float:
    """Krippendorff's alpha.

    Parameters
    ----------
    data:
        A :class:`ReliabilityData`, or a ``coders x units`` matrix (list of lists or numpy
        array; ``None``/``NaN`` missing; strings, numbers or sets of codes).
    level:
        ``"nominal"``, ``"ordinal"`` (Krippendorff's rank metric on the pairable values;
        string values need ``categories=`` to give their order), ``"interval"``, ``"ratio"``,
        ``"masi"`` or ``"jaccard"`` (set-valued data), or a callable ``distance(a, b) ->
        float`` on two value labels (symmetric, ``distance(a, a) == 0``), used as delta.

    Returns
    -------
    float
        alpha, or ``nan`` with a :class:`DegenerateDataWarning` when it is undefined (no
        pairable values, a single coder, or no variation).
    """
    rd = as_reliability_data(data)
    sums = alpha_sums(rd, resolve_metric(rd, level))
    warn_if_undefined(sums, rd)
    return sums.alpha


def alpha_result(data: Any, level: Level = "nominal") -> AlphaResult:
    """Krippendorff's alpha with D_o, D_e and the counts behind it (see :func:`alpha`)."""
    rd = as_reliability_data(data)
    metric = resolve_metric(rd, level)
    sums = alpha_sums(rd, metric)
    warn_if_undefined(sums, rd)
    return AlphaResult(
        alpha=sums.alpha,
        level=metric.name,
        observed_disagreement=sums.observed_disagreement,
        expected_disagreement=sums.expected_disagreement,
        n_units=sums.n_units,
        n_coders=rd.n_coders,
        n_pairable=sums.n,
        n_categories=rd.n_categories,
    )
