"""Certifying coders against a gold standard: per coder and variable, alpha, accuracy, confusion.

Each coder is compared with the gold as if they were two coders of the same units:
Krippendorff's alpha at the variable's level (computed by :mod:`intercoder.agreement` from the
data :func:`intercoder.reliability.prepare` builds, ``show_if`` applied as there), the share of
units where the coder's value is the gold's (accuracy), and the confusion of gold and coder
categories. A variable's status is judged against the codebook's thresholds like any alpha
(:func:`intercoder.reliability.status_of`); a coder fails when any variable fails.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from typing import Any

import attrs

from .. import agreement
from ..annotations import AnnotationSet
from ..codebook.model import Codebook, Variable
from ..reliability import FAIL, INSUFFICIENT, PASS, TENTATIVE, prepare, status_of
from .gold import GoldStandard

#: The gold's coder id while it is compared: no coder of a round can be called this.
_GOLD = "\x00gold"


@attrs.frozen
class VariableCertification:
    variable: str
    alpha: float
    accuracy: float
    n_units: int
    status: str
    #: (gold value, coder value) -> units; choice variables only (a multiple choice's values
    #: as frozensets).
    confusion: dict[tuple[Any, Any], int] = attrs.field(factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "alpha": _number(self.alpha),
            "accuracy": _number(self.accuracy),
            "n_units": self.n_units,
            "status": self.status,
        }


@attrs.frozen
class CoderCertification:
    coder: str
    status: str
    variables: tuple[VariableCertification, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "coder": self.coder,
            "status": self.status,
            "variables": [v.as_dict() for v in self.variables],
        }


@attrs.frozen
class Certification:
    codebook: str
    coders: tuple[CoderCertification, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"codebook": self.codebook, "coders": [c.as_dict() for c in self.coders]}

    @property
    def passed(self) -> bool:
        return all(c.status != FAIL for c in self.coders)


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def coder_status(statuses: list[str]) -> str:
    """A coder's status: fail if a variable fails, else tentative, else pass, else no data."""
    for status in (FAIL, TENTATIVE, PASS):
        if status in statuses:
            return status
    return INSUFFICIENT


def value_label(value: Any) -> str:
    """A value as plain text: a code, a number, or a set of codes joined with ``+``."""
    if isinstance(value, tuple | frozenset):
        return "+".join(sorted(str(v) for v in value)) or "(none)"
    return f"{value:g}" if isinstance(value, float) else str(value)


def certify_variable(
    gold: AnnotationSet, coder: AnnotationSet, var: Variable, cb: Codebook
) -> VariableCertification | None:
    """One coder against the gold on ``var``; None when the variable has no coefficient here."""
    data = prepare(AnnotationSet.concatenate([gold, coder]), var, cb)
    if data is None:
        return None
    values: dict[Any, dict[Any, Any]] = {}
    for unit, who, value in data.records:
        values.setdefault(unit, {})[who] = value
    pairs = [(v[_GOLD], v[c]) for v in values.values() for c in v if c != _GOLD and _GOLD in v]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
        result = agreement.alpha_result(data.data(), data.level)
    accuracy = sum(g == c for g, c in pairs) / len(pairs) if pairs else float("nan")
    confusion: dict[tuple[Any, Any], int] = {}
    if var.type in ("single_choice", "ordinal_scale", "multiple_choice"):
        confusion = dict(Counter(pairs))
    status = status_of(result.alpha, var.reliability.passing, var.reliability.tentative)
    return VariableCertification(var.id, result.alpha, accuracy, len(pairs), status, confusion)


def certify(gold: GoldStandard, annotations: AnnotationSet, cb: Codebook) -> Certification:
    """Every coder of ``annotations`` against ``gold``, on the variables the gold settles."""
    settled = gold.as_annotations(_GOLD)
    in_gold = set(settled.variable.tolist())
    coders = []
    for coder in annotations.coders:
        mine = annotations.take(annotations.coder_id == coder)
        results = []
        for var in cb.variables:
            if var.id not in in_gold or var.level is None:
                continue
            result = certify_variable(settled, mine, var, cb)
            if result is not None:
                results.append(result)
        status = coder_status([r.status for r in results])
        coders.append(CoderCertification(coder, status, tuple(results)))
    return Certification(cb.ref, tuple(coders))
