"""Diagnostics for finding where unreliability comes from.

* :func:`coincidence_matrix` - Krippendorff's observed and expected coincidences with labels.
* :func:`category_alpha` - per category, the binary alpha of "this category vs the rest"
  (Krippendorff 2013, "alpha for ... individual values"): computed from the coincidence
  matrix alone, o_cc, n_c and n.
* :func:`pairwise_agreement` - a coders x coders matrix of percent agreement, alpha or Cohen's
  kappa on the units each pair shares.
* :func:`leave_one_coder_out` - Delta alpha when each coder is left out.
* :func:`rank_units` - units ordered by their disagreement, for adjudication.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any, Literal

import numpy as np

from ._data import as_reliability_data
from ._engine import (
    Level,
    alpha_sums,
    coincidence_pairs,
    resolve_metric,
    unit_observed,
    warn_if_undefined,
)
from ._kappa import kappa_inference
from ._results import CoincidenceMatrix, PairwiseAgreement, UnitDisagreement
from ._warnings import DegenerateDataWarning, warn_degenerate

__all__ = [
    "category_alpha",
    "coincidence_matrix",
    "leave_one_coder_out",
    "pairwise_agreement",
    "rank_units",
]

# A dense V x V coincidence matrix is only made for a moderate number of values.
_MAX_DENSE_VALUES = 4096


def coincidence_matrix(data: Any) -> CoincidenceMatrix:
    """The observed coincidence matrix o_ck (and expected e_ck) over the value domain."""
    rd = as_reliability_data(data)
    v = rd.n_categories
    if v > _MAX_DENSE_VALUES:
        raise ValueError(f"{v} distinct values are too many for a dense coincidence matrix")
    pc = rd.pairable()
    mat = np.zeros((v, v), dtype=np.float64)
    if pc.n:
        c, k, o = coincidence_pairs(pc, v)
        mat[c, k] = o
    n = pc.n
    n_c = pc.n_c
    expected = (np.outer(n_c, n_c) - np.diag(n_c)) / (n - 1) if n >= 2 else np.full((v, v), np.nan)
    return CoincidenceMatrix(labels=rd.categories, matrix=mat, expected=expected, n_pairable=n)


def category_alpha(data: Any) -> dict[Hashable, float]:
    """Binary alpha of each category against all others (nominal).

    alpha_c = 1 - (n - 1) (n_c - o_cc) / (n_c (n - n_c)). A category that no pairable value
    takes, or that every pairable value takes, has no variation: its alpha is ``nan`` (one
    :class:`DegenerateDataWarning` names them).
    """
    rd = as_reliability_data(data)
    pc = rd.pairable()
    n = float(pc.n)
    cnt = pc.count.astype(np.float64)
    diag = np.bincount(
        pc.value,
        weights=cnt * (cnt - 1.0) / (pc.m[pc.unit] - 1.0),
        minlength=rd.n_categories,
    )
    out: dict[Hashable, float] = {}
    undefined = []
    for idx, label in enumerate(rd.categories):
        nc = float(pc.n_c[idx])
        if nc == 0 or nc == n:
            out[label] = float("nan")
            undefined.append(label)
        else:
            out[label] = 1.0 - (n - 1.0) * (nc - diag[idx]) / (nc * (n - nc))
    if undefined:
        warn_degenerate(
            f"category alpha is undefined (nan) for categories without variation: {undefined!r}",
            stacklevel=2,
        )
    return out


def pairwise_agreement(
    data: Any,
    measure: Literal["percent", "alpha", "cohen_kappa"] = "percent",
    *,
    level: Level = "nominal",
) -> PairwiseAgreement:
    """A coders x coders matrix of agreement between every two coders.

    ``measure``: ``"percent"`` (share of shared units with equal values), ``"alpha"``
    (Krippendorff's alpha at ``level`` on the two coders' data) or ``"cohen_kappa"``.
    Pairs sharing no unit, or whose coefficient is undefined, get ``nan``; the per-pair
    degenerate warnings are collected into one.
    """
    rd = as_reliability_data(data)
    codes = rd._require_codes("pairwise agreement")
    r = codes.shape[1]
    mat = np.full((r, r), np.nan)
    shared = np.zeros((r, r), dtype=np.int64)
    undefined = 0
    for i in range(r):
        for j in range(i + 1, r):
            both = (codes[:, i] >= 0) & (codes[:, j] >= 0)
            shared[i, j] = shared[j, i] = int(both.sum())
            if measure == "percent":
                value = float(np.mean(codes[both, i] == codes[both, j])) if both.any() else np.nan
            else:
                sub = rd.with_coders([i, j])
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DegenerateDataWarning)
                    if measure == "alpha":
                        value = alpha_sums(sub, resolve_metric(sub, level)).alpha
                    elif measure == "cohen_kappa":
                        value = kappa_inference(sub, "cohen_kappa").value
                    else:
                        raise ValueError(f"unknown measure {measure!r}")
            if np.isnan(value):
                undefined += 1
            mat[i, j] = mat[j, i] = value
    if undefined:
        warn_degenerate(
            f"{undefined} coder pair(s) have an undefined {measure} (nan in the matrix)",
            stacklevel=2,
        )
    return PairwiseAgreement(coders=rd.coders, measure=measure, matrix=mat, n_units=shared)


def leave_one_coder_out(data: Any, level: Level = "nominal") -> dict[Hashable, float]:
    """Delta alpha per coder: alpha without that coder minus alpha with everyone.

    A positive value means the data are more reliable without the coder. Coders whose
    removal leaves alpha undefined get ``nan`` (one warning).
    """
    rd = as_reliability_data(data)
    codes = rd._require_codes("leave-one-coder-out")
    metric = resolve_metric(rd, level)
    full = alpha_sums(rd, metric)
    warn_if_undefined(full, rd)
    out: dict[Hashable, float] = {}
    undefined = []
    r = codes.shape[1]
    for i, label in enumerate(rd.coders):
        sub = rd.with_coders([j for j in range(r) if j != i])
        a = alpha_sums(sub, resolve_metric(sub, level)).alpha
        out[label] = a - full.alpha
        if np.isnan(a):
            undefined.append(label)
    if undefined and full.defined:
        warn_degenerate(
            f"alpha without coder(s) {undefined!r} is undefined; their delta is nan",
            stacklevel=2,
        )
    return out


def rank_units(
    data: Any, level: Level = "nominal", *, top: int | None = None
) -> list[UnitDisagreement]:
    """Pairable units ordered from most to least disagreement, for adjudication.

    A unit's ``observed`` is the mean delta over its pairs of values; ``score`` divides it by
    D_e, so 0 is full agreement and ~1 chance-level disagreement (``nan`` when D_e = 0, with
    a warning). Ties keep the data's unit order.
    """
    rd = as_reliability_data(data)
    metric = resolve_metric(rd, level)
    pc = rd.pairable()
    sums = alpha_sums(rd, metric)
    if pc.n_units == 0:
        warn_if_undefined(sums, rd, what="the unit ranking")
        return []
    per_unit = unit_observed(pc, metric)  # sum over ordered pairs / (m - 1)
    mean_pair = per_unit / pc.m.astype(np.float64)  # mean over the m (m - 1) ordered pairs
    d_e = sums.expected_disagreement
    if not sums.defined:
        warn_if_undefined(sums, rd, what="the disagreement score (D_e = 0)")
        score = np.full(pc.n_units, np.nan)
    else:
        score = mean_pair / d_e
    order = np.argsort(-mean_pair, kind="stable")
    if top is not None:
        order = order[:top]
    labels = rd.units
    cats = rd.categories
    starts = np.searchsorted(pc.unit, np.arange(pc.n_units + 1))
    out = []
    for u in order.tolist():
        a, b = int(starts[u]), int(starts[u + 1])
        values = {
            cats[int(v)]: int(c)
            for v, c in zip(pc.value[a:b].tolist(), pc.count[a:b].tolist(), strict=True)
        }
        out.append(
            UnitDisagreement(
                unit=labels[int(pc.unit_index[u])],
                score=float(score[u]),
                observed=float(mean_pair[u]),
                n_values=int(pc.m[u]),
                values=values,
            )
        )
    return out
