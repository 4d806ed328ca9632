"""The kappa family: Cohen, Conger, Fleiss, Scott, Brennan-Prediger, Gwet's AC1/AC2, and
percent agreement, with Gwet's analytic standard errors.

All count-based coefficients follow Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.,
which generalises them to missing ratings: with r_ik the raters who put unit i in category k,
r_i = sum_k r_ik, n the units with at least one rating and n2 those with two or more,

    p_a   = 1/n2 * sum_{i: r_i >= 2} sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1)),
            r*_ik = sum_l w_kl r_il   (w = agreement weights, identity when unweighted)
    pi_k  = 1/n  * sum_i r_ik / r_i
    coefficient = (p_a - p_e) / (1 - p_e)

and p_e is sum_kl w_kl pi_k pi_l (Fleiss), T_w / (q (q-1)) * sum_k pi_k (1 - pi_k) (Gwet's
AC1/AC2, T_w = sum of the weights), T_w / q^2 (Brennan-Prediger) or Conger's mean of the
pairwise Cohen chance agreements. q is the number of categories in the value domain - declare
``categories=`` to count categories nobody used. Cohen's kappa and two-coder tables use the
contingency-table formulas (Gwet 2014, ch. 2-3), on units coded by both coders.

Standard errors are Gwet's linearisation variances (as in his R and Python packages, which the
tests reproduce), with an optional finite-population correction f = n / population_size.

Every sum runs over the sparse per-unit triples; the within-unit quadratic form
sum_kl r_ik w_kl r_il uses the same "neighbouring triples" pairs as alpha.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ._data import FloatArray, IntArray, ReliabilityData, as_reliability_data
from ._engine import within_pairs
from ._results import KappaResult
from ._stats import t_ppf
from ._warnings import warn_degenerate

__all__ = [
    "brennan_prediger",
    "cohen_kappa",
    "conger_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "kappa_inference",
    "percent_agreement",
    "scott_pi",
]

Weights = str | npt.ArrayLike | None
Coefficient = Literal[
    "cohen_kappa",
    "conger_kappa",
    "fleiss_kappa",
    "scott_pi",
    "brennan_prediger",
    "gwet_ac1",
    "gwet_ac2",
    "percent_agreement",
]


# ---------------------------------------------------------------------- weights
def _scores(rd: ReliabilityData) -> FloatArray:
    # Weights follow the category values when they are numbers (as Gwet's software does),
    # else their ranks in the (declared) order.
    if rd.is_numeric:
        return np.asarray(rd.categories, dtype=np.float64)
    return np.arange(rd.n_categories, dtype=np.float64)


def agreement_weights(rd: ReliabilityData, weights: Weights) -> tuple[FloatArray, str]:
    """The q x q agreement-weight matrix (1 on the diagonal) and its name.

    ``None``/``"identity"``; ``"linear"`` 1 - |x_k - x_l| / (x_max - x_min); ``"quadratic"``
    1 - (x_k - x_l)^2 / (x_max - x_min)^2, with x the category values when numeric, else
    their ranks; ``"ordinal"`` Gwet's ordinal weights on ranks; or a q x q array of
    agreement weights (custom).
    """
    q = rd.n_categories
    if weights is None or (isinstance(weights, str) and weights == "identity"):
        return np.eye(q), "identity"
    if isinstance(weights, str):
        if q < 2:
            return np.eye(q), weights
        if weights in ("linear", "quadratic"):
            x = _scores(rd)
            span = float(x.max() - x.min())
            diff = np.abs(x[:, None] - x[None, :]) / span
            return (1.0 - (diff if weights == "linear" else diff**2)), weights
        if weights == "ordinal":
            r = np.arange(q, dtype=np.float64)
            nkl = np.abs(r[:, None] - r[None, :]) + 1.0
            raw = nkl * (nkl - 1.0) / 2.0
            return 1.0 - raw / raw.max(), weights
        raise ValueError(
            f"unknown weights {weights!r}: identity, linear, quadratic, ordinal or a matrix"
        )
    mat = np.asarray(weights, dtype=np.float64)
    if mat.shape != (q, q):
        raise ValueError(f"a weight matrix for {q} categories must be {q} x {q}, got {mat.shape}")
    return mat, "custom"


# ---------------------------------------------------------------------- rated units
@dataclass(frozen=True, eq=False)
class _Rated:
    """Triples of the units with at least one rating, units renumbered 0..n-1."""

    unit: IntArray
    value: IntArray
    count: FloatArray
    r: FloatArray
    q: int

    @property
    def n(self) -> int:
        return int(self.r.shape[0])


def _rated(rd: ReliabilityData, min_ratings: int = 1) -> _Rated:
    m = rd._m
    keep = m >= min_ratings
    renumber = np.cumsum(keep) - 1
    sel = keep[rd._unit]
    return _Rated(
        unit=renumber[rd._unit[sel]],
        value=rd._value[sel],
        count=rd._count[sel].astype(np.float64),
        r=m[keep].astype(np.float64),
        q=rd.n_categories,
    )


def _unit_agreement(rt: _Rated, w: FloatArray) -> tuple[FloatArray, npt.NDArray[np.bool_], int]:
    """Weighted agreement p_a,i of every unit with two or more ratings (0 for the others),
    the mask of those units and how many there are (Gwet 2014, ch. 2 and 5)."""
    two = rt.r >= 2
    n2 = int(two.sum())
    pa_i = np.zeros(rt.n)
    if n2:
        quad = _unit_quadratic(rt, w)
        pa_i[two] = (quad[two] - rt.r[two]) / (rt.r[two] * (rt.r[two] - 1.0))
    return pa_i, two, n2


def _unit_quadratic(rt: _Rated, w: FloatArray) -> FloatArray:
    """sum_kl r_ik w_kl r_il for every unit, from the sparse triples."""
    sym = (w + w.T) / 2.0
    out = np.bincount(
        rt.unit, weights=rt.count * rt.count * np.diag(sym)[rt.value], minlength=rt.n
    ).astype(np.float64)
    for i, j in within_pairs(rt.unit):
        pair = 2.0 * rt.count[i] * rt.count[j] * sym[rt.value[i], rt.value[j]]
        out += np.bincount(rt.unit[i], weights=pair, minlength=rt.n)
    return out


def _finish(
    name: str,
    value: float,
    se: float,
    pa: float,
    pe: float,
    n: int,
    confidence: float,
    weights_name: str,
    rd: ReliabilityData,
) -> KappaResult:
    if n >= 2 and math.isfinite(value) and math.isfinite(se):
        t = t_ppf(0.5 + confidence / 2.0, n - 1)
        lo, hi = value - t * se, min(1.0, value + t * se)
    else:
        lo = hi = float("nan")
    return KappaResult(
        coefficient=name,
        value=value,
        se=se,
        ci_low=lo,
        ci_high=hi,
        confidence=confidence,
        pa=pa,
        pe=pe,
        weights=weights_name,
        n_units=n,
        n_coders=rd.n_coders,
        n_categories=rd.n_categories,
    )


def _nan_result(
    name: str, reason: str, rd: ReliabilityData, n: int, confidence: float, wname: str
) -> KappaResult:
    warn_degenerate(f"{name} is undefined and returned as nan: {reason}", stacklevel=4)
    nan = float("nan")
    return _finish(name, nan, nan, nan, nan, n, confidence, wname, rd)


# ---------------------------------------------------------------------- raw-ratings family
def _count_based(
    name: str,
    rd: ReliabilityData,
    weights: Weights,
    confidence: float,
    population_size: float | None,
    min_ratings: int = 1,
) -> KappaResult:
    w, wname = agreement_weights(rd, weights)
    rt = _rated(rd, min_ratings)
    q = rt.q
    n = rt.n
    pa_i, two, n2 = _unit_agreement(rt, w)
    if n2 == 0:
        return _nan_result(name, "no unit has two or more ratings", rd, n, confidence, wname)
    pa = float(pa_i[two].sum() / n2)
    pi = np.bincount(rt.value, weights=rt.count / rt.r[rt.unit], minlength=q) / n
    t_w = float(w.sum())
    kind = name
    if kind in ("fleiss_kappa", "scott_pi"):
        pe = float(pi @ w @ pi)
    elif kind in ("gwet_ac1", "gwet_ac2"):
        if q < 2:
            return _nan_result(name, "fewer than two categories", rd, n, confidence, wname)
        pe = t_w * float(np.sum(pi * (1.0 - pi))) / (q * (q - 1))
    elif kind == "brennan_prediger":
        pe = t_w / (q * q) if q >= 1 else 1.0
    else:  # percent_agreement
        pe = 0.0
    if not 1.0 - pe > 1e-15:
        return _nan_result(
            name, "chance agreement p_e is 1 (no variation)", rd, n, confidence, wname
        )
    value = (pa - pe) / (1.0 - pe)
    # Gwet's linearised variance.
    kappa_i = (n / n2) * (pa_i - pe * two) / (1.0 - pe)
    if kind in ("fleiss_kappa", "scott_pi"):
        pi_w = (w @ pi + w.T @ pi) / 2.0
        pe_i = np.bincount(rt.unit, weights=rt.count * pi_w[rt.value], minlength=n) / rt.r
        kappa_i = kappa_i - 2.0 * (1.0 - value) * (pe_i - pe) / (1.0 - pe)
    elif kind in ("gwet_ac1", "gwet_ac2"):
        pe_i = (
            (t_w / (q * (q - 1)))
            * np.bincount(rt.unit, weights=rt.count * (1.0 - pi[rt.value]), minlength=n)
            / rt.r
        )
        kappa_i = kappa_i - 2.0 * (1.0 - value) * (pe_i - pe) / (1.0 - pe)
    se = _gwet_se(kappa_i, value, n, population_size)
    return _finish(name, value, se, pa, pe, n, confidence, wname, rd)


def _gwet_se(terms: FloatArray, value: float, n: int, population_size: float | None) -> float:
    if n < 2:
        return float("nan")
    f = 0.0 if population_size is None else n / population_size
    var = (1.0 - f) / (n * (n - 1)) * float(np.sum((terms - value) ** 2))
    return math.sqrt(max(var, 0.0))


def _conger(
    rd: ReliabilityData, weights: Weights, confidence: float, population_size: float | None
) -> KappaResult:
    name = "conger_kappa"
    codes_all = rd._require_codes("Conger's kappa")
    w, wname = agreement_weights(rd, weights)
    q = rd.n_categories
    rated = (codes_all >= 0).any(axis=1)
    codes = codes_all[rated].astype(np.int64)
    n, r = codes.shape
    if r < 2:
        return _nan_result(name, f"only {r} coder", rd, n, confidence, wname)
    rt = _rated(rd, 1)
    pa_i, two, n2 = _unit_agreement(rt, w)
    if n2 == 0:
        return _nan_result(name, "no unit has two or more ratings", rd, n, confidence, wname)
    pa = float(pa_i[two].sum() / n2)
    eps = codes >= 0
    # Classification of units by coder: p_gk = share of coder g's units in category k.
    classif = np.zeros((r, q))
    g_idx = np.broadcast_to(np.arange(r), codes.shape)
    np.add.at(classif, (g_idx[eps], codes[eps]), 1.0)
    ng = classif.sum(axis=1)
    if np.any(ng == 0):
        return _nan_result(name, "a coder has no ratings", rd, n, confidence, wname)
    p_gk = classif / ng[:, None]
    p_mean = p_gk.mean(axis=0)
    s2 = (p_gk.T @ p_gk - r * np.outer(p_mean, p_mean)) / (r - 1)
    pe = float(np.sum(w * (np.outer(p_mean, p_mean) - s2 / r)))
    if not 1.0 - pe > 1e-15:
        return _nan_result(
            name, "chance agreement p_e is 1 (no variation)", rd, n, confidence, wname
        )
    value = (pa - pe) / (1.0 - pe)
    # Gwet's variance for Conger's kappa (Gwet 2014; irrCAC's conger()).
    lam = np.zeros((n, r))
    safe_codes = np.where(eps, codes, 0)
    eps_f = eps.astype(np.float64)
    for k in range(q):
        wk = w[k]
        lam_k = wk[safe_codes] * eps_f - (eps_f - ng[None, :] / n) * (p_gk @ wk)[None, :]
        lam_k *= n / ng[None, :]
        lam += lam_k * (r * p_gk[:, k].mean() - p_gk[:, k])[None, :]
    pe_i = lam.sum(axis=1) / (r * (r - 1))
    kappa_i = (n / n2) * (pa_i - pe * two) / (1.0 - pe)
    kappa_i = kappa_i - 2.0 * (1.0 - value) * (pe_i - pe) / (1.0 - pe)
    se = _gwet_se(kappa_i, value, n, population_size)
    return _finish(name, value, se, pa, pe, n, confidence, wname, rd)


# ---------------------------------------------------------------------- two-coder tables
def _pair_codes(rd: ReliabilityData, coders: tuple[Any, Any] | None) -> npt.NDArray[np.int64]:
    codes = rd._require_codes("Cohen's kappa")
    labels = rd.coders
    if coders is None:
        if codes.shape[1] != 2:
            raise ValueError(
                f"Cohen's kappa is for two coders; the data have {codes.shape[1]}: pass "
                "coders=(a, b), or use conger_kappa / fleiss_kappa for more"
            )
        cols = [0, 1]
    else:
        try:
            cols = [labels.index(c) for c in coders]
        except ValueError:
            raise ValueError(f"unknown coders {coders!r}; the data have {labels!r}") from None
    pair = codes[:, cols].astype(np.int64)
    return np.asarray(pair[(pair >= 0).all(axis=1)], dtype=np.int64)


def _cohen(
    rd: ReliabilityData,
    weights: Weights,
    confidence: float,
    population_size: float | None,
    coders: tuple[Any, Any] | None,
) -> KappaResult:
    name = "cohen_kappa"
    w, wname = agreement_weights(rd, weights)
    pair = _pair_codes(rd, coders)
    q = rd.n_categories
    n = pair.shape[0]
    if n == 0:
        return _nan_result(name, "no unit was coded by both coders", rd, 0, confidence, wname)
    p = np.bincount(pair[:, 0] * q + pair[:, 1], minlength=q * q).reshape(q, q) / n
    pa = float(np.sum(w * p))
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pe = float(rows @ w @ cols)
    if not 1.0 - pe > 1e-15:
        return _nan_result(
            name, "chance agreement p_e is 1 (no variation)", rd, n, confidence, wname
        )
    value = (pa - pe) / (1.0 - pe)
    # Gwet (2014) / Fleiss, Cohen & Everitt (1969) large-sample variance.
    w_row = w.T @ cols
    w_col = w.T @ rows
    term = w - (1.0 - value) * (w_row[:, None] + w_col[None, :])
    f = 0.0 if population_size is None else n / population_size
    var = (
        (1.0 - f)
        / (n * (1.0 - pe) ** 2)
        * (float(np.sum(p * term**2)) - (pa - 2.0 * (1.0 - value) * pe) ** 2)
    )
    se = math.sqrt(max(var, 0.0)) if n >= 2 else float("nan")
    return _finish(name, value, se, pa, pe, n, confidence, wname, rd)


# ---------------------------------------------------------------------- public API
def kappa_inference(
    data: Any,
    coefficient: Coefficient,
    *,
    weights: Weights = None,
    confidence: float = 0.95,
    population_size: float | None = None,
    coders: tuple[Any, Any] | None = None,
) -> KappaResult:
    """A kappa-family coefficient with Gwet's analytic standard error and t interval.

    ``coefficient`` is one of ``cohen_kappa``, ``conger_kappa``, ``fleiss_kappa``,
    ``scott_pi``, ``brennan_prediger``, ``gwet_ac1``, ``gwet_ac2``, ``percent_agreement``.
    ``population_size`` applies Gwet's finite-population correction (default: infinite).
    ``coders`` picks two coders for Cohen's kappa.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be between 0 and 1")
    rd = as_reliability_data(data)
    if coefficient == "cohen_kappa":
        return _cohen(rd, weights, confidence, population_size, coders)
    if coefficient == "conger_kappa":
        return _conger(rd, weights, confidence, population_size)
    if coefficient == "gwet_ac1":
        if weights is not None and weights != "identity":
            raise ValueError("AC1 is unweighted; use gwet_ac2 for weights")
        return _count_based("gwet_ac1", rd, None, confidence, population_size)
    if coefficient == "scott_pi":
        # Scott's pi compares pairs of ratings: units with fewer than two do not enter p_e.
        return _count_based("scott_pi", rd, weights, confidence, population_size, 2)
    if coefficient in ("fleiss_kappa", "brennan_prediger", "gwet_ac2", "percent_agreement"):
        return _count_based(coefficient, rd, weights, confidence, population_size)
    raise ValueError(f"unknown coefficient {coefficient!r}")


def cohen_kappa(
    data: Any, weights: Weights = None, *, coders: tuple[Any, Any] | None = None
) -> float:
    """Cohen's (1960) kappa, weighted (Cohen 1968) with ``weights``, for two coders.

    Uses the units both coders coded. ``data`` is a two-coder matrix, a
    ``ReliabilityData.from_contingency`` table, or any data with ``coders=(a, b)``.
    ``nan`` with a :class:`DegenerateDataWarning` when p_e = 1 or no unit is shared.
    """
    return kappa_inference(data, "cohen_kappa", weights=weights, coders=coders).value


def conger_kappa(data: Any, weights: Weights = None) -> float:
    """Conger's (1980) kappa: Fleiss' p_a with the mean of the pairwise Cohen chance
    agreements (Gwet 2014 with missing ratings). Equals Cohen's kappa for two coders and
    complete data."""
    return kappa_inference(data, "conger_kappa", weights=weights).value


def fleiss_kappa(data: Any, weights: Weights = None) -> float:
    """Fleiss' (1971) kappa, generalised by Gwet (2014) to missing ratings and weights."""
    return kappa_inference(data, "fleiss_kappa", weights=weights).value


def scott_pi(data: Any, weights: Weights = None) -> float:
    """Scott's (1955) pi on the units with two or more ratings (Fleiss' kappa restricted to
    pairable units; for two coders the classic pi on the units both coded)."""
    return kappa_inference(data, "scott_pi", weights=weights).value


def brennan_prediger(data: Any, weights: Weights = None) -> float:
    """Brennan & Prediger's (1981) coefficient: chance agreement T_w / q^2 (1/q unweighted)."""
    return kappa_inference(data, "brennan_prediger", weights=weights).value


def gwet_ac1(data: Any) -> float:
    """Gwet's (2008) AC1 (unweighted; Gwet 2014 with missing ratings)."""
    return kappa_inference(data, "gwet_ac1").value


def gwet_ac2(data: Any, weights: Weights = "quadratic") -> float:
    """Gwet's AC2, the weighted AC1 (Gwet 2014); identity weights give AC1."""
    return kappa_inference(data, "gwet_ac2", weights=weights).value


def percent_agreement(data: Any, weights: Weights = None) -> float:
    """Mean proportion of agreeing pairs of ratings per unit (units with two or more
    ratings), optionally weighted."""
    return kappa_inference(data, "percent_agreement", weights=weights).value
