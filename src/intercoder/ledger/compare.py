"""Comparing rounds: the change of each variable's alpha with a bootstrap interval, drift checks
and the codebook feedback loop.

The interval of a difference ``alpha_b - alpha_a`` comes from a unit (cluster) bootstrap of
both rounds at once. Units that both rounds coded (the same unit id) are drawn together, the
same draw in both rounds (a paired bootstrap: what the two rounds share varies together, so the
interval is as narrow as the pairing allows); units only one round coded are drawn within that
round. With no shared unit this is the independent bootstrap of two samples. Each resample
recomputes alpha at the variable's level, expected disagreement included, from the recorded
codings (:func:`intercoder.agreement.alpha_unit_weights`: per-unit statistics times the draw,
no data rebuilt per resample); the interval is the percentile interval of the differences. A
given seed gives the same interval every time.

A variable "changed" between two rounds when its definition in the two rounds' codebook
versions differs (the fingerprints recorded with each round): after ``codebook diff OLD NEW``,
this is how the ledger tells whether the variables that changed became more reliable.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .. import agreement
from .model import Round, VariableCodings

#: Resamples of the difference bootstrap unless asked otherwise.
DEFAULT_RESAMPLES = 1000


def _number(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), 6)


@attrs.frozen
class VariableChange:
    variable: str
    alpha_a: float
    alpha_b: float
    ci_low: float | None
    ci_high: float | None
    #: the pairs of units drawn together (units both rounds coded)
    shared_units: int
    #: whether the variable's definition differs between the two codebook versions
    changed: bool

    @property
    def difference(self) -> float:
        return self.alpha_b - self.alpha_a

    @property
    def more_reliable(self) -> bool | None:
        """True/False when the interval excludes 0, None when it does not (or is unknown)."""
        if self.ci_low is None or self.ci_high is None:
            return None
        if self.ci_low > 0:
            return True
        if self.ci_high < 0:
            return False
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "alpha_a": _number(self.alpha_a),
            "alpha_b": _number(self.alpha_b),
            "difference": _number(self.difference),
            "ci": {"low": _number(self.ci_low), "high": _number(self.ci_high)},
        }


@attrs.frozen
class Comparison:
    a: Round
    b: Round
    variables: tuple[VariableChange, ...]
    n_resamples: int
    seed: int

    def as_dict(self) -> dict[str, Any]:
        """The public JSON shape of ``rounds compare``: ``variables`` as the contract gives
        them; the rounds, the bootstrap settings and the codebook changes beside them."""
        return {
            "a": self.a.name,
            "b": self.b.name,
            "codebook_a": self.a.codebook,
            "codebook_b": self.b.codebook,
            "bootstrap": self.n_resamples,
            "seed": self.seed,
            "variables": [v.as_dict() for v in self.variables],
            "changed_variables": [
                {
                    "variable": v.variable,
                    "more_reliable": v.more_reliable,
                    "difference": _number(v.difference),
                }
                for v in self.variables
                if v.changed
            ],
        }


def changed_variables(a: Round, b: Round) -> set[str]:
    """Variables whose definitions differ between the codebook versions of ``a`` and ``b``
    (none when both rounds used the same version)."""
    if a.codebook == b.codebook:
        return set()
    names = set(a.definitions) | set(b.definitions)
    return {v for v in names if a.definitions.get(v) != b.definitions.get(v)}


class _Units:
    """One round's codings of a variable, with the positions of its pairable units."""

    def __init__(self, codings: VariableCodings) -> None:
        records = list(codings.records)
        categories = None if codings.categories is None else list(codings.categories)
        coders = sorted({c for _, c, _ in records})
        self.data = agreement.ReliabilityData.from_records(
            records, categories=categories, coders=coders
        )
        self.level: Any = codings.level
        units = self.data.units
        self.pairable = [str(units[i]) for i in self.data.pairable().unit_index.tolist()]

    def positions(self, shared: set[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Positions (among the pairable units) of the shared units, sorted by unit id, and of
        the others."""
        where = {u: i for i, u in enumerate(self.pairable)}
        both = np.array([where[u] for u in sorted(shared)], dtype=np.int64)
        own = np.array([i for i, u in enumerate(self.pairable) if u not in shared], dtype=np.int64)
        return both, own


def _draws(rng: np.random.Generator, n: int, rows: int) -> npt.NDArray[np.float64]:
    """``rows`` bootstrap draws of ``n`` items: how often each item was drawn (rows x n)."""
    if n == 0:
        return np.zeros((rows, 0))
    picks = rng.integers(0, n, size=(rows, n)) + (np.arange(rows) * n)[:, None]
    counts = np.bincount(picks.ravel(), minlength=rows * n).reshape(rows, n)
    return counts.astype(np.float64)


#: Weights held at once (resamples x units of both rounds) while resampling.
_BLOCK_ELEMENTS = 1 << 22


def difference_interval(
    a: VariableCodings,
    b: VariableCodings,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float | None, float | None, int]:
    """The percentile interval of ``alpha(b) - alpha(a)`` (see the module documentation) and
    the number of shared units drawn in pairs; (None, None, n) when alpha is undefined."""
    ua, ub = _Units(a), _Units(b)
    shared = set(ua.pairable) & set(ub.pairable)
    both_a, own_a = ua.positions(shared)
    both_b, own_b = ub.positions(shared)
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_resamples)
    block = max(1, _BLOCK_ELEMENTS // max(len(ua.pairable) + len(ub.pairable), 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
        for r0 in range(0, n_resamples, block):
            rows = min(block, n_resamples - r0)
            paired = _draws(rng, len(shared), rows)
            wa = np.zeros((rows, len(ua.pairable)))
            wb = np.zeros((rows, len(ub.pairable)))
            wa[:, both_a], wb[:, both_b] = paired, paired
            wa[:, own_a] = _draws(rng, own_a.size, rows)
            wb[:, own_b] = _draws(rng, own_b.size, rows)
            alpha_a = agreement.alpha_unit_weights(ua.data, ua.level, wa)
            alpha_b = agreement.alpha_unit_weights(ub.data, ub.level, wb)
            diffs[r0 : r0 + rows] = alpha_b - alpha_a
    diffs = diffs[~np.isnan(diffs)]
    if diffs.size < max(2, n_resamples // 2):
        return None, None, len(shared)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(diffs, [tail, 1.0 - tail])
    return float(low), float(high), len(shared)


def compare_rounds(
    a: Round, b: Round, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> Comparison:
    """Each variable both rounds assessed: alpha in each, the difference and its interval
    (``a`` and ``b`` read with their codings)."""
    changed = changed_variables(a, b)
    out = []
    for ra in a.results:
        rb = b.result(ra.variable)
        if rb is None:
            continue
        low = high = None
        shared = 0
        ca, cb_ = a.codings.get(ra.variable), b.codings.get(ra.variable)
        defined = not (math.isnan(ra.alpha) or math.isnan(rb.alpha))
        if defined and ca is not None and cb_ is not None and n_resamples > 0:
            low, high, shared = difference_interval(ca, cb_, n_resamples=n_resamples, seed=seed)
        out.append(
            VariableChange(
                ra.variable, ra.alpha, rb.alpha, low, high, shared, ra.variable in changed
            )
        )
    return Comparison(a, b, tuple(out), n_resamples, seed)


@attrs.frozen
class Drop:
    variable: str
    alpha_before: float
    alpha_now: float

    @property
    def drop(self) -> float:
        return self.alpha_before - self.alpha_now


def drops(baseline: Round, results: Sequence[tuple[str, float]], max_drop: float) -> list[Drop]:
    """The variables whose alpha fell by more than ``max_drop`` since ``baseline``
    (variables without an alpha in either are not judged here: the gate judges them)."""
    out = []
    for variable, alpha in results:
        before = baseline.result(variable)
        if before is None or math.isnan(before.alpha) or math.isnan(alpha):
            continue
        drop = Drop(variable, before.alpha, alpha)
        # A margin of rounding: the ledger keeps alpha as a double, as computed.
        if drop.drop > max_drop + 1e-12:
            out.append(drop)
    return out


def codebook_changes(
    round_: Round,
    earlier: Sequence[Round],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Comparison | None:
    """The feedback loop for ``round_``: its variables whose definition changed since the most
    recent earlier round of the same codebook with another version, compared with that round
    (None when there is no such round or no variable changed)."""
    before = next(
        (
            r
            for r in reversed(earlier)
            if r.codebook_id == round_.codebook_id and r.codebook != round_.codebook
        ),
        None,
    )
    if before is None or not changed_variables(before, round_):
        return None
    full = compare_rounds(before, round_, n_resamples=n_resamples, seed=seed)
    return attrs.evolve(full, variables=tuple(v for v in full.variables if v.changed))
