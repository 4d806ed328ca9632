"""Comparing rounds: the change of each variable's alpha with a bootstrap interval, drift checks
and the codebook feedback loop.

The interval of a difference ``alpha_b - alpha_a`` comes from a unit bootstrap of both rounds
at once. Units that both rounds coded (the same unit id) are drawn together, the same draw in
both rounds (a paired bootstrap: what the two rounds share varies together, so the interval is
as narrow as the pairing allows); units only one round coded are drawn within that round. With
no shared unit this is the independent bootstrap of two samples. Each resample recomputes alpha
at the variable's level from the recorded codings; the interval is the percentile interval of
the differences. A given seed gives the same interval every time.

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


class _Resampler:
    """One round's codings of a variable as a ``units x coders`` code matrix, for resampling."""

    def __init__(self, codings: VariableCodings) -> None:
        records = list(codings.records)
        categories = None if codings.categories is None else list(codings.categories)
        coders = sorted({c for _, c, _ in records})
        data = agreement.ReliabilityData.from_records(records, categories=categories, coders=coders)
        self.level: Any = codings.level
        self.categories = data.categories
        self.coders = data.coders
        self.matrix = data.codes_matrix()
        pairable = (self.matrix >= 0).sum(axis=1) >= 2
        self.units: list[str] = [str(u) for u in data.units]
        self.pairable = {u for u, ok in zip(self.units, pairable.tolist(), strict=True) if ok}
        self.position = {u: i for i, u in enumerate(self.units)}

    def alpha(self, rows: npt.NDArray[np.int64]) -> float:
        sub = self.matrix[rows]
        n, k = sub.shape
        keep = sub.ravel() >= 0
        unit = np.repeat(np.arange(n, dtype=np.int64), k)[keep]
        coder = np.tile(np.arange(k, dtype=np.int64), n)[keep]
        data = agreement.ReliabilityData.from_codes(
            unit,
            coder,
            sub.ravel()[keep],
            categories=self.categories,
            units=range(n),
            coders=self.coders,
        )
        return agreement.alpha_result(data, self.level).alpha


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
    ra, rb = _Resampler(a), _Resampler(b)
    shared = sorted(ra.pairable & rb.pairable)
    in_both = set(shared)
    only_a = np.array(
        [ra.position[u] for u in ra.units if u in ra.pairable and u not in in_both], dtype=np.int64
    )
    only_b = np.array(
        [rb.position[u] for u in rb.units if u in rb.pairable and u not in in_both], dtype=np.int64
    )
    shared_a = np.array([ra.position[u] for u in shared], dtype=np.int64)
    shared_b = np.array([rb.position[u] for u in shared], dtype=np.int64)
    rng = np.random.default_rng(seed)
    diffs = np.empty(n_resamples)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
        for i in range(n_resamples):
            pick = rng.integers(0, len(shared), len(shared)) if shared else np.empty(0, np.int64)
            rows_a = np.concatenate([shared_a[pick], _draw(only_a, rng)])
            rows_b = np.concatenate([shared_b[pick], _draw(only_b, rng)])
            diffs[i] = rb.alpha(rows_b) - ra.alpha(rows_a)
    diffs = diffs[~np.isnan(diffs)]
    if diffs.size < max(2, n_resamples // 2):
        return None, None, len(shared)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(diffs, [tail, 1.0 - tail])
    return float(low), float(high), len(shared)


def _draw(rows: npt.NDArray[np.int64], rng: np.random.Generator) -> npt.NDArray[np.int64]:
    if rows.size == 0:
        return rows
    picked: npt.NDArray[np.int64] = rows[rng.integers(0, rows.size, rows.size)]
    return picked


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
