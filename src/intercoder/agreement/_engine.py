"""The computational core of Krippendorff's alpha: levels of measurement and disagreement sums.

Notation (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"): a pairable unit u
has m_u >= 2 values, n_uc of them equal to c; n_c = sum_u n_uc and n = sum_c n_c over pairable
units. With delta(c, k) the difference function of the level of measurement,

    D_o = 1/n       * sum_u  1/(m_u - 1) * sum_{c,k} n_uc n_uk delta(c,k)
    D_e = 1/(n(n-1)) *        sum_{c,k} n_c  n_k  delta(c,k)
    alpha = 1 - D_o / D_e = 1 - (n - 1) * DO / DE

where DO and DE are the double sums ("disagreement sums") computed here. Three strategies,
chosen by the level, all from the sparse per-unit triples:

* nominal: only same-value pairs matter, DO = sum_u (m_u^2 - sum_c n_uc^2) / (m_u - 1) and
  DE = n^2 - sum_c n_c^2. O(n), no V x V matrix.
* interval and ordinal: delta is a squared difference of scores s_c (the values themselves for
  interval; for ordinal Krippendorff's rank metric, which equals the squared difference of the
  mid-ranks M_c = sum_{g<=c} n_g - n_c/2). Then sum_{c,k} n_uc n_uk (s_c - s_k)^2 = 2 m_u SS_u with
  SS_u the within-unit sum of squares, so DO and DE are sums of squares, O(n) whatever V.
* everything else (ratio, MASI, Jaccard, callables): pairs of distinct values within a unit,
  found by comparing each triple with the next few of the same unit (at most min(m, V) - 1
  passes over the triples), and DE as a quadratic form in n_c.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._data import FloatArray, IntArray, PairableCounts, ReliabilityData
from ._warnings import warn_degenerate

__all__ = [
    "Level",
    "Metric",
    "alpha_sums",
    "coincidence_pairs",
    "jaccard_distance",
    "masi_distance",
    "resolve_metric",
    "unit_observed",
    "within_pairs",
]

Level = str | Callable[[Any, Any], float]

# The largest V for which a full V x V distance matrix is built (8 bytes per cell).
MAX_MATRIX_VALUES = 8192

MetricKind = Literal["nominal", "interval", "ordinal", "pairwise"]


@dataclass(frozen=True, eq=False)
class Metric:
    """A resolved level of measurement.

    ``scores`` are the interval scores (interval, ratio); ``matrix`` a V x V distance matrix
    (MASI, Jaccard, callables); ``pair_delta`` evaluates delta on arrays of value codes.
    """

    name: str
    kind: MetricKind
    scores: FloatArray | None = None
    matrix: FloatArray | None = None
    pair_delta: Callable[[IntArray, IntArray], FloatArray] | None = None

    def delta(self, c: IntArray, k: IntArray, n_c: FloatArray) -> FloatArray:
        """delta(c, k) element-wise for code arrays; ``n_c`` feeds the ordinal metric."""
        if self.kind == "nominal":
            return np.asarray(c != k, dtype=np.float64)
        if self.kind == "interval":
            assert self.scores is not None
            return np.asarray((self.scores[c] - self.scores[k]) ** 2, dtype=np.float64)
        if self.kind == "ordinal":
            mid = ordinal_midranks(n_c)
            return np.asarray((mid[c] - mid[k]) ** 2, dtype=np.float64)
        assert self.pair_delta is not None
        return self.pair_delta(c, k)

    def matrix_for(self, n_c: FloatArray) -> FloatArray:
        """The full V x V delta matrix (diagnostics and resampling; V must be moderate)."""
        v = n_c.shape[0]
        if v > MAX_MATRIX_VALUES:
            raise ValueError(
                f"{v} distinct values are too many for a V x V matrix (limit {MAX_MATRIX_VALUES})"
            )
        idx = np.arange(v)
        return self.delta(idx[:, None], idx[None, :], n_c)


def ordinal_midranks(n_c: FloatArray) -> FloatArray:
    """Mid-ranks M_c = sum_{g<=c} n_g - n_c / 2 of the ordered values.

    Krippendorff's ordinal difference delta(c,k) = (sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2 is
    exactly (M_k - M_c)^2, which turns ordinal alpha into interval alpha on mid-ranks.
    """
    return np.cumsum(n_c) - n_c / 2.0


def masi_distance(a: Any, b: Any) -> float:
    """MASI distance between two sets of codes (Passonneau 2006).

    1 - J * M, with J the Jaccard index |a & b| / |a | b| and M the monotonicity weight:
    1 if the sets are equal, 2/3 if one contains the other, 1/3 if they overlap otherwise,
    0 if disjoint. Two empty sets are equal (distance 0). Used as delta as it is (not
    squared), as in Passonneau (2006) and NLTK.
    """
    sa, sb = _as_set(a), _as_set(b)
    if sa == sb:
        return 0.0
    inter = len(sa & sb)
    union = len(sa | sb)
    if inter == min(len(sa), len(sb)):
        mono = 2.0 / 3.0
    elif inter > 0:
        mono = 1.0 / 3.0
    else:
        mono = 0.0
    return 1.0 - inter / union * mono


def jaccard_distance(a: Any, b: Any) -> float:
    """Jaccard distance 1 - |a & b| / |a | b| between two sets (0 for two empty sets)."""
    sa, sb = _as_set(a), _as_set(b)
    union = len(sa | sb)
    if union == 0:
        return 0.0
    return 1.0 - len(sa & sb) / union


def _as_set(v: Any) -> frozenset[Hashable]:
    # A scalar value in set-valued data is the one-element set {v}.
    if isinstance(v, (set, frozenset)):
        return frozenset(v)
    return frozenset((v,))


_SET_LEVELS: dict[str, Callable[[Any, Any], float]] = {
    "masi": masi_distance,
    "jaccard": jaccard_distance,
}


def resolve_metric(data: ReliabilityData, level: Level) -> Metric:
    """Map a level argument (name or distance callable) to a :class:`Metric` for ``data``."""
    if callable(level):
        name = getattr(level, "__name__", "custom")
        return _matrix_metric(name, data, level)
    if not isinstance(level, str):
        raise TypeError(f"level must be a string or a distance callable, got {level!r}")
    key = level.lower()
    if key == "nominal":
        return Metric("nominal", "nominal")
    if key == "interval":
        return Metric("interval", "interval", scores=data.numeric_values())
    if key == "ordinal":
        if not data.is_ordered:
            raise ValueError(
                "ordinal alpha needs ordered values: these are not numbers, so declare their "
                "order with categories=[...] in the ReliabilityData constructor"
            )
        return Metric("ordinal", "ordinal")
    if key == "ratio":
        scores = data.numeric_values()

        def ratio_delta(c: IntArray, k: IntArray) -> FloatArray:
            a, b = scores[c], scores[k]
            total = a + b
            safe = np.where(total == 0, 1.0, total)
            # Krippendorff's ratio metric ((c-k)/(c+k))^2, taken as 0 where c + k = 0.
            return np.where(total == 0, 0.0, ((a - b) / safe) ** 2)

        return Metric("ratio", "pairwise", scores=scores, pair_delta=ratio_delta)
    if key in _SET_LEVELS:
        return _matrix_metric(key, data, _SET_LEVELS[key])
    raise ValueError(
        f"unknown level {level!r}: use nominal, ordinal, interval, ratio, masi, jaccard "
        "or a distance callable"
    )


def _matrix_metric(name: str, data: ReliabilityData, fn: Callable[[Any, Any], float]) -> Metric:
    labels = data.categories
    v = len(labels)
    if v > MAX_MATRIX_VALUES:
        raise ValueError(
            f"a distance callable needs a V x V matrix; {v} distinct values exceed the limit "
            f"of {MAX_MATRIX_VALUES}"
        )
    # delta must be symmetric with delta(a, a) = 0 (Krippendorff 2011): we evaluate a < b
    # only, which also halves the Python calls. Finiteness is checked once on the whole
    # matrix (per pair, np.isfinite cost more than most distances).
    upper = [float(fn(labels[i], labels[j])) for i in range(v) for j in range(i + 1, v)]
    mat = np.zeros((v, v), dtype=np.float64)
    if upper:
        rows, cols = np.triu_indices(v, k=1)
        mat[rows, cols] = upper
        mat[cols, rows] = upper
        bad = np.flatnonzero(~np.isfinite(mat[rows, cols]))
        if len(bad):
            i, j = int(rows[bad[0]]), int(cols[bad[0]])
            raise ValueError(f"distance({labels[i]!r}, {labels[j]!r}) is not finite")

    def lookup(c: IntArray, k: IntArray) -> FloatArray:
        return mat[c, k]

    return Metric(name, "pairwise", matrix=mat, pair_delta=lookup)


# ---------------------------------------------------------------------- disagreement sums
def _scores_for(metric: Metric, n_c: FloatArray) -> FloatArray:
    if metric.kind == "interval":
        assert metric.scores is not None
        return metric.scores
    return ordinal_midranks(n_c)


def within_pairs(unit: IntArray) -> list[tuple[IntArray, IntArray]]:
    """Index pairs (i, j), i < j, of triples of the same unit: one entry per offset.

    Triples are sorted by unit, so triple i and i + s share a unit only if every triple
    between them does too; the loop stops at the first offset with no shared unit.
    """
    out: list[tuple[IntArray, IntArray]] = []
    t = unit.shape[0]
    s = 1
    while s < t:
        same = unit[:-s] == unit[s:]
        i = np.flatnonzero(same)
        if i.shape[0] == 0:
            break
        out.append((i, i + s))
        s += 1
    return out


def unit_observed(pc: PairableCounts, metric: Metric) -> FloatArray:
    """Per pairable unit: sum over ordered pairs of its values of delta, divided by m_u - 1.

    Their sum is DO; each entry is the unit's contribution to the observed disagreement.
    """
    m = pc.m.astype(np.float64)
    cnt = pc.count.astype(np.float64)
    if metric.kind == "nominal":
        same = np.bincount(pc.unit, weights=cnt * cnt, minlength=pc.n_units)
        return (m * m - same) / (m - 1.0)
    if metric.kind in ("interval", "ordinal"):
        s = _scores_for(metric, pc.n_c)
        # Centre on the pooled mean first: sums of squares of centred scores lose no digits
        # to cancellation when the scores are large and their spread small.
        centre = float(np.dot(pc.n_c, s) / pc.n) if pc.n else 0.0
        sv = s[pc.value] - centre
        mean_u = np.bincount(pc.unit, weights=cnt * sv, minlength=pc.n_units) / m
        dev = sv - mean_u[pc.unit]
        ss_u = np.bincount(pc.unit, weights=cnt * dev * dev, minlength=pc.n_units)
        return 2.0 * m * ss_u / (m - 1.0)
    total = np.zeros(pc.n_units, dtype=np.float64)
    for i, j in within_pairs(pc.unit):
        d = metric.delta(pc.value[i], pc.value[j], pc.n_c)
        # Each unordered pair of distinct triples stands for both orders: factor 2.
        w = 2.0 * cnt[i] * cnt[j] * d
        total += np.bincount(pc.unit[i], weights=w, minlength=pc.n_units)
    return total / (m - 1.0)


def expected_sum(n_c: FloatArray, metric: Metric) -> float:
    """DE = sum_{c,k} n_c n_k delta(c,k) for the pooled counts ``n_c``."""
    n = float(n_c.sum())
    if metric.kind == "nominal":
        return n * n - float(np.dot(n_c, n_c))
    if metric.kind in ("interval", "ordinal"):
        s = _scores_for(metric, n_c)
        centre = float(np.dot(n_c, s) / n) if n else 0.0
        dev = s - centre
        return 2.0 * n * float(np.dot(n_c, dev * dev))
    if metric.matrix is not None:
        return float(n_c @ metric.matrix @ n_c)
    # Large-V pairwise metric without a stored matrix (ratio): blocks of rows over the
    # values actually present, O(V'^2) time and O(V' * block) memory.
    present = np.flatnonzero(n_c)
    w = n_c[present]
    total = 0.0
    block = 1024
    for r0 in range(0, present.shape[0], block):
        rows = present[r0 : r0 + block]
        d = metric.delta(rows[:, None], present[None, :], n_c)
        total += float(w[r0 : r0 + block] @ d @ w)
    return total


@dataclass(frozen=True)
class AlphaSums:
    """DO, DE and the counts of an alpha computation (see the module docstring)."""

    observed: float
    expected: float
    n: int
    n_units: int
    n_present: int  # distinct values among the pairable values

    @property
    def defined(self) -> bool:
        """Whether alpha is defined (pairable values exist and they vary)."""
        return self.n >= 2 and self.n_present >= 2 and self.expected > 0

    @property
    def alpha(self) -> float:
        if not self.defined:
            return float("nan")
        return 1.0 - (self.n - 1) * self.observed / self.expected

    @property
    def observed_disagreement(self) -> float:
        """D_o."""
        return self.observed / self.n if self.n else float("nan")

    @property
    def expected_disagreement(self) -> float:
        """D_e."""
        return self.expected / (self.n * (self.n - 1)) if self.n >= 2 else float("nan")


def unit_blocks(pc: PairableCounts, block_units: int = 1 << 16) -> Iterator[PairableCounts]:
    """``pc`` cut into blocks of whole units (views; units renumbered from 0 per block).

    Per-unit work on a block needs temporaries of the block's size only, which keeps the peak
    memory of a 10^7-unit alpha to the data plus a few megabytes.
    """
    if pc.n_units <= block_units:
        yield pc
        return
    cuts = np.searchsorted(pc.unit, np.arange(0, pc.n_units, block_units))
    cuts = np.append(cuts, pc.unit.shape[0])
    for b, u0 in enumerate(range(0, pc.n_units, block_units)):
        t0, t1 = int(cuts[b]), int(cuts[b + 1])
        u1 = min(u0 + block_units, pc.n_units)
        yield PairableCounts(
            unit=pc.unit[t0:t1] - u0,
            value=pc.value[t0:t1],
            count=pc.count[t0:t1],
            m=pc.m[u0:u1],
            unit_index=pc.unit_index[u0:u1],
            n_c=pc.n_c,
            n=pc.n,
        )


def alpha_sums(data: ReliabilityData, metric: Metric) -> AlphaSums:
    """DO and DE for ``data``: the whole point-estimate computation."""
    pc = data.pairable()
    if pc.n == 0:
        return AlphaSums(0.0, 0.0, 0, 0, 0)
    observed = math.fsum(float(unit_observed(b, metric).sum()) for b in unit_blocks(pc))
    expected = expected_sum(pc.n_c, metric)
    return AlphaSums(observed, expected, pc.n, pc.n_units, int(np.count_nonzero(pc.n_c)))


def warn_if_undefined(sums: AlphaSums, data: ReliabilityData, what: str = "alpha") -> None:
    """Emit the DegenerateDataWarning explaining why alpha is nan."""
    if sums.defined:
        return
    if data.n_coders is not None and data.n_coders < 2:
        reason = f"only {data.n_coders} coder"
    elif sums.n == 0:
        reason = "no unit has two or more values (no pairable values)"
    elif sums.n_present < 2:
        reason = "all pairable values are the same (no variation, D_e = 0)"
    else:
        reason = "the expected disagreement is 0 under this distance"
    warn_degenerate(f"{what} is undefined and returned as nan: {reason}", stacklevel=4)


def coincidence_pairs(pc: PairableCounts, n_values: int) -> tuple[IntArray, IntArray, FloatArray]:
    """The non-zero cells (c, k, o_ck) of the coincidence matrix, both orders, sparse.

    o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1); the cells sum to n.
    """
    cnt = pc.count.astype(np.float64)
    inv = 1.0 / (pc.m.astype(np.float64) - 1.0)
    keys = [pc.value.astype(np.int64) * n_values + pc.value]
    weights = [cnt * (cnt - 1.0) * inv[pc.unit]]
    for i, j in within_pairs(pc.unit):
        w = cnt[i] * cnt[j] * inv[pc.unit[i]]
        vi = pc.value[i].astype(np.int64)
        vj = pc.value[j].astype(np.int64)
        keys += [vi * n_values + vj, vj * n_values + vi]
        weights += [w, w]
    key = np.concatenate(keys)
    weight = np.concatenate(weights)
    uniq, inverse = np.unique(key, return_inverse=True)
    total = np.bincount(inverse, weights=weight, minlength=uniq.shape[0]).astype(np.float64)
    keep = total > 0
    uniq, total = uniq[keep], total[keep]
    return (uniq // n_values).astype(np.int64), (uniq % n_values).astype(np.int64), total
