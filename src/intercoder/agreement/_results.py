"""Small, immutable result types for the codebook-aware CLI and reports.

Plain frozen dataclasses (standard library only) with the numbers a reliability report needs.
Coefficients that are undefined for the data are ``nan`` (and a
:class:`~intercoder.agreement.DegenerateDataWarning` was emitted when they were computed).
``as_dict()`` gives JSON-ready built-in types.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "AlphaResult",
    "BootstrapResult",
    "CoincidenceMatrix",
    "JackknifeResult",
    "KappaResult",
    "PairwiseAgreement",
    "UnitDisagreement",
]


def _plain(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    return v


class _AsDict:
    def as_dict(self) -> dict[str, Any]:
        """Field values as built-in types (``nan`` becomes ``None``); arrays are skipped
        unless they are small labelled matrices."""
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            if f.metadata.get("skip_dict"):
                continue
            out[f.name] = _plain(getattr(self, f.name))
        return out


@dataclass(frozen=True)
class AlphaResult(_AsDict):
    """Krippendorff's alpha with the quantities behind it.

    ``n_units`` counts *pairable* units (two or more values), ``n_pairable`` the values in
    them (Krippendorff's n), ``n_coders`` the coders in the data (``None`` for count tables).
    """

    alpha: float
    level: str
    observed_disagreement: float
    expected_disagreement: float
    n_units: int
    n_coders: int | None
    n_pairable: int
    n_categories: int


@dataclass(frozen=True)
class BootstrapResult(_AsDict):
    """A bootstrapped alpha: point estimate, percentile interval and q = P(alpha < min_alpha).

    ``method`` is ``"krippendorff"`` (Hayes & Krippendorff 2007: resampling pairs of values
    from the coincidence matrix, D_e fixed) or ``"units"`` (resampling whole units and
    recomputing alpha). ``distribution`` holds the bootstrapped alphas (not in ``as_dict``).
    """

    alpha: float
    ci_low: float
    ci_high: float
    q: float
    min_alpha: float
    confidence: float
    level: str
    method: str
    n_resamples: int
    seed: int | None
    se: float
    n_units: int
    n_coders: int | None
    n_pairable: int
    n_draws: int
    distribution: npt.NDArray[np.float64] = field(repr=False, metadata={"skip_dict": True})


@dataclass(frozen=True)
class JackknifeResult(_AsDict):
    """Leave-one-unit-out jackknife of alpha: standard error, bias and a normal interval."""

    alpha: float
    se: float
    bias: float
    ci_low: float
    ci_high: float
    confidence: float
    level: str
    n_units: int
    replicates: npt.NDArray[np.float64] = field(repr=False, metadata={"skip_dict": True})


@dataclass(frozen=True)
class KappaResult(_AsDict):
    """A kappa-family coefficient with Gwet's analytic standard error.

    ``pa`` and ``pe`` are the observed and chance agreement, ``n_units`` the units used,
    ``ci_low``/``ci_high`` a Student-t interval with n_units - 1 degrees of freedom, the
    upper end capped at 1 (as in Gwet's software).
    """

    coefficient: str
    value: float
    se: float
    ci_low: float
    ci_high: float
    confidence: float
    pa: float
    pe: float
    weights: str
    n_units: int
    n_coders: int | None
    n_categories: int


@dataclass(frozen=True)
class CoincidenceMatrix(_AsDict):
    """Krippendorff's V x V matrix of observed coincidences, with the value labels.

    ``matrix[c, k]`` = o_ck; rows sum to n_c and everything to ``n_pairable``. ``expected``
    holds the coincidences expected by chance, e_ck = n_c (n_k - [c = k]) / (n - 1).
    """

    labels: tuple[Hashable, ...]
    matrix: npt.NDArray[np.float64]
    expected: npt.NDArray[np.float64]
    n_pairable: int


@dataclass(frozen=True)
class PairwiseAgreement(_AsDict):
    """A coders x coders matrix of a two-coder measure (``nan`` on the diagonal and where a
    pair shares fewer than two units); ``n_units[i, j]`` counts the units both coded."""

    coders: tuple[Hashable, ...]
    measure: str
    matrix: npt.NDArray[np.float64]
    n_units: npt.NDArray[np.int64]


@dataclass(frozen=True)
class UnitDisagreement(_AsDict):
    """One unit's disagreement, for adjudication lists.

    ``score`` is the mean distance between the unit's pairs of values divided by the expected
    disagreement D_e: 0 means all coders agree, about 1 means chance-level disagreement.
    ``values`` maps each value given to the unit to the number of coders who gave it.
    """

    unit: Hashable
    score: float
    observed: float
    n_values: int
    values: dict[Hashable, int]
