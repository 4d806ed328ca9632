"""Stability (test-retest): how well a coder agrees with themselves when recoding units later.

Krippendorff (2004, sec. 11.1) calls this stability: the same coder codes the same units twice,
and alpha is computed with the two occasions as two "coders". Here the occasions are two
recorded rounds: for each coder of a round and each variable, the earlier occasion is the most
recent earlier round (of the same codebook) in which the coder coded any of the same units of
that variable. Alpha is at the variable's level, over the units the coder coded both times.
Stability is the floor of reliability: a coder who disagrees with themselves cannot agree with
others, so it tells drift in one person from disagreement between people.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import attrs

from .. import agreement
from .model import Round

_BEFORE, _AFTER = "test", "retest"


@attrs.frozen
class Stability:
    coder: str
    variable: str
    #: the earlier round the coder's codings are compared with
    baseline: str
    alpha: float
    n_units: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "coder": self.coder,
            "variable": self.variable,
            "baseline": self.baseline,
            "alpha": None if math.isnan(self.alpha) else round(self.alpha, 6),
            "n_units": self.n_units,
        }


def _mine(round_: Round, variable: str, coder: str) -> dict[str, Any]:
    codings = round_.codings.get(variable)
    if codings is None:
        return {}
    return {u: v for u, c, v in codings.records if c == coder}


def stability(round_: Round, earlier: Sequence[Round]) -> list[Stability]:
    """Intra-coder alpha of each coder of ``round_`` per variable against their own earlier
    codings in ``earlier`` (rounds recorded before it, any order; codings loaded)."""
    candidates = [r for r in earlier if r.codebook_id == round_.codebook_id]
    candidates.sort(key=lambda r: r.recorded_at)
    out = []
    for variable, codings in round_.codings.items():
        categories = None if codings.categories is None else list(codings.categories)
        for coder in codings.coders:
            now = _mine(round_, variable, coder)
            for before_round in reversed(candidates):
                before = _mine(before_round, variable, coder)
                shared = [u for u in now if u in before]
                if not shared:
                    continue
                records = [(u, _BEFORE, before[u]) for u in shared]
                records += [(u, _AFTER, now[u]) for u in shared]
                # An earlier round's value may lie outside this round's codes (a new version).
                cats = None
                if categories is not None:
                    extra = {v for _, _, v in records if v is not None} - set(categories)
                    cats = categories + sorted(extra, key=str)
                data = agreement.ReliabilityData.from_records(records, categories=cats)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
                    alpha = agreement.alpha_result(data, codings.level).alpha
                out.append(Stability(coder, variable, before_round.name, alpha, len(shared)))
                break
    out.sort(key=lambda s: (s.coder, s.variable))
    return out
