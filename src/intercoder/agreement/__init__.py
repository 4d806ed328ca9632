"""Inter-coder agreement: Krippendorff's alpha, the kappa family, inference and diagnostics.

Data come in as a ``coders x units`` matrix (``None``/``NaN`` missing) or through an explicit
:class:`ReliabilityData` constructor (records, DataFrames, count and contingency tables).
Every coefficient is computed from one sparse counting pass over the data (see
``docs/reference/coefficients.md`` for formulas, sources and degenerate-data conventions).

Undefined coefficients are returned as ``nan`` together with a :class:`DegenerateDataWarning`.
"""

from __future__ import annotations

from ._alpha import alpha, alpha_result
from ._data import ReliabilityData
from ._diagnostics import (
    category_alpha,
    coincidence_matrix,
    leave_one_coder_out,
    pairwise_agreement,
    rank_units,
)
from ._engine import jaccard_distance, masi_distance
from ._inference import alpha_bootstrap, alpha_jackknife, alpha_unit_weights
from ._kappa import (
    brennan_prediger,
    cohen_kappa,
    conger_kappa,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac2,
    kappa_inference,
    percent_agreement,
    scott_pi,
)
from ._results import (
    AlphaResult,
    BootstrapResult,
    CoincidenceMatrix,
    JackknifeResult,
    KappaResult,
    PairwiseAgreement,
    UnitDisagreement,
)
from ._unitizing import CategoryUnitizing, unitizing_alpha, unitizing_alpha_by_category
from ._warnings import DegenerateDataWarning

__all__ = [
    "AlphaResult",
    "BootstrapResult",
    "CategoryUnitizing",
    "CoincidenceMatrix",
    "DegenerateDataWarning",
    "JackknifeResult",
    "KappaResult",
    "PairwiseAgreement",
    "ReliabilityData",
    "UnitDisagreement",
    "alpha",
    "alpha_bootstrap",
    "alpha_jackknife",
    "alpha_result",
    "alpha_unit_weights",
    "brennan_prediger",
    "category_alpha",
    "cohen_kappa",
    "coincidence_matrix",
    "conger_kappa",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac2",
    "jaccard_distance",
    "kappa_inference",
    "leave_one_coder_out",
    "masi_distance",
    "pairwise_agreement",
    "percent_agreement",
    "rank_units",
    "scott_pi",
    "unitizing_alpha",
    "unitizing_alpha_by_category",
]
