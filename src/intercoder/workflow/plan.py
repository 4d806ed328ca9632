"""How many units a reliability round needs, and drawing them from a task file.

The minimum number of units follows Bloch & Kraemer (1989, eq. 3.7) as Krippendorff (2004,
sec. 11.4.4; 2019, sec. 12.5) uses it for alpha: for two coders, a smallest acceptable alpha
``a``, a one-tailed significance level ``p`` (``z`` its standard normal quantile) and the
probability ``pc`` of the least frequent category,

    N = 2 z^2 [ (1 + a)(3 - a) / (4 (1 - a) pc (1 - pc)) - a ]

rounded up. With more coders, ``2 z^2`` becomes ``m z^2`` (the ATLAS.ti inter-coder agreement
manual, from Krippendorff 2019). Two coders, four equally likely codes (pc = .25), p = .05:
139 units for alpha .800 and 81 for .667, the published values.

For a codebook, every categorical variable gets its own N: from the smallest category share in an
earlier round's codings when there are any (codes never used there are listed as unseen: a share
of zero would ask for infinitely many units), else from equally likely codes. A variable shown only
under ``show_if`` is coded only on the units whose screening answer shows it, so its N is divided
by the share of such units. The sample is the largest N over the variables, drawn at random
(seeded) from the task file, stratified by ``lang`` and ``source`` in proportion to each stratum's
size.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import attrs

from ..annotations import AnnotationSet
from ..codebook.model import Codebook, Variable
from ..errors import IntercoderError
from ..tasks import Task

#: Variable types that have categories, and so a smallest category probability.
CATEGORICAL = ("single_choice", "ordinal_scale", "multiple_choice")


class PlanError(IntercoderError):
    """A plan that cannot be made (arguments out of range, too few tasks)."""


@attrs.frozen
class Plan:
    """The minimum number of units for one variable (or for the numbers given)."""

    units: int
    min_alpha: float
    significance: float
    smallest_p: float
    coders: int
    z: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "min_alpha": self.min_alpha,
            "significance": self.significance,
            "smallest_p": round(self.smallest_p, 6),
            "coders": self.coders,
            "z": round(self.z, 6),
        }


def required_units(
    min_alpha: float, significance: float, smallest_p: float, coders: int = 2
) -> Plan:
    """The units needed to tell alpha above ``min_alpha`` at ``significance`` (one-tailed)."""
    if not 0 < min_alpha < 1:
        raise PlanError(f"min_alpha must be between 0 and 1 (exclusive), not {min_alpha}")
    if not 0 < significance < 0.5:
        raise PlanError(f"significance must be between 0 and .5 (exclusive), not {significance}")
    if not 0 < smallest_p <= 0.5:
        raise PlanError(
            f"the smallest category probability must be above 0 and at most .5, not {smallest_p}"
        )
    if coders < 2:
        raise PlanError(f"reliability needs at least 2 coders, not {coders}")
    z = NormalDist().inv_cdf(1 - significance)
    a, pc = min_alpha, smallest_p
    bracket = (1 + a) * (3 - a) / (4 * (1 - a) * pc * (1 - pc)) - a
    # A hair below an integer is that integer: floating point must not add a unit.
    units = math.ceil(round(coders * z * z * bracket, 9))
    return Plan(units, min_alpha, significance, smallest_p, coders, z)


def equal_p(categories: int) -> float:
    """The smallest probability of ``categories`` equally likely codes (``1/K``, at most .5)."""
    if categories < 2:
        raise PlanError(f"a variable needs at least 2 categories, not {categories}")
    return 1 / categories


@attrs.frozen
class VariablePlan:
    """One variable's share of the plan: its own N and the units to sample for it."""

    variable: str
    smallest_p: float
    smallest_code: str | None
    shown_share: float
    plan: Plan
    units: int
    source: str  # "equal" or "earlier round"
    #: Codes the earlier round never used: their share is unknown (taken as not the smallest).
    unseen: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "smallest_p": round(self.smallest_p, 6),
            "smallest_code": self.smallest_code,
            "shown_share": round(self.shown_share, 6),
            "units_coded": self.plan.units,
            "units": self.units,
            "probabilities": self.source,
            "unseen": list(self.unseen),
        }


def _shares(var: Variable, earlier: AnnotationSet) -> dict[str, float]:
    """Each code's share of the earlier round's values of ``var`` (pooled over coders)."""
    values = earlier.value[earlier.variable == var.id]
    counts: Counter[str] = Counter()
    total = 0
    for value in values:
        if value is None:
            continue
        total += 1
        if var.type == "multiple_choice":
            counts.update(str(code) for code in value)
        else:
            counts[str(value)] += 1
    if not total:
        return {}
    shares = {code: counts[code] / total for code in var.codes}
    if var.type == "multiple_choice":
        # A code of a multiple choice is a yes/no question: its rarer answer is what counts.
        shares = {code: min(share, 1 - share) for code, share in shares.items()}
    return shares


def _smallest(
    var: Variable, earlier: AnnotationSet | None
) -> tuple[float, str | None, str, tuple[str, ...]]:
    """The smallest share, its code, where it came from, and the codes never used before."""
    shares = _shares(var, earlier) if earlier is not None else {}
    seen = {code: share for code, share in shares.items() if share > 0}
    if not seen:
        return min(equal_p(len(var.codes)), 0.5), None, "equal", ()
    code = min(seen, key=lambda c: (seen[c], var.codes.index(c)))
    unseen = tuple(c for c in var.codes if c not in seen)
    return min(seen[code], 0.5), code, "earlier round", unseen


def _shown_share(var: Variable, cb: Codebook, earlier: AnnotationSet | None) -> float:
    if var.show_if is None:
        return 1.0
    screen = cb.variable(var.show_if.variable)
    trigger = set(var.show_if.codes)
    if earlier is not None:
        shares = _shares(screen, earlier)
        if shares and screen.type != "multiple_choice":
            share = sum(shares.get(code, 0.0) for code in trigger)
            if share > 0:
                return share
    return len(trigger & set(screen.codes)) / len(screen.codes)


def plan_codebook(
    cb: Codebook,
    *,
    significance: float,
    coders: int = 2,
    min_alpha: float | None = None,
    earlier: AnnotationSet | None = None,
) -> list[VariablePlan]:
    """Each categorical variable's plan; ``min_alpha`` None: each variable's pass threshold."""
    plans = []
    for var in cb.variables:
        if var.type not in CATEGORICAL or var.level is None:
            continue
        smallest_p, code, source, unseen = _smallest(var, earlier)
        alpha_min = min_alpha if min_alpha is not None else var.reliability.passing
        plan = required_units(alpha_min, significance, smallest_p, coders)
        shown = _shown_share(var, cb, earlier)
        units = math.ceil(round(plan.units / shown, 9))
        plans.append(VariablePlan(var.id, smallest_p, code, shown, plan, units, source, unseen))
    return plans


def stratified_sample(tasks: Sequence[Task], size: int, seed: int) -> list[Task]:
    """``size`` tasks drawn at random, each (lang, source) stratum in proportion to its size.

    Proportional allocation by largest remainder (ties broken at random by the same seed), so the
    strata add up to ``size`` exactly; the sample keeps the task file's order.
    """
    if size > len(tasks):
        raise PlanError(f"the plan needs {size} units, but the task file has {len(tasks)}")
    rng = random.Random(seed)
    strata: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, task in enumerate(tasks):
        strata[(task.lang or "", task.source or "")].append(index)
    keys = sorted(strata)
    quotas = {key: size * len(strata[key]) / len(tasks) for key in keys}
    counts = {key: math.floor(quotas[key]) for key in keys}
    order = sorted(keys, key=lambda k: (-(quotas[k] - counts[k]), rng.random()))
    for key in order[: size - sum(counts.values())]:
        counts[key] += 1
    chosen: list[int] = []
    for key in keys:
        chosen += rng.sample(strata[key], counts[key])
    return [tasks[i] for i in sorted(chosen)]
