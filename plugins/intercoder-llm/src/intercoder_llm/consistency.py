"""Self-consistency: the model's agreement with itself over ``runs`` codings of the same texts.

Each run is treated as a coder (``run1``, ``run2``, ...) and Krippendorff's alpha is computed per
variable by intercoder's reliability engine, exactly as for human coders (Reiss 2023 measures
run-to-run inconsistency the same way). The annotation written for a text is the value most runs
gave (ties: the earliest run's), so more runs make the written coding steadier.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intercoder.annotations import Annotation
    from intercoder.codebook.model import Codebook


def majority(values: Sequence[Any]) -> Any:
    """The most frequent of ``values`` (hashable), the earliest on a tie."""
    counts = Counter(values)
    best = max(counts.values())
    return next(value for value in values if counts[value] == best)


def run_alphas(records: list[Annotation], codebook: Codebook) -> dict[str, float]:
    """Alpha per variable among the runs (``records`` carry the run as their coder id)."""
    from intercoder.annotations import AnnotationSet
    from intercoder.reliability import assess

    if not records:
        return {}
    report = assess(AnnotationSet.from_records(records), codebook)
    return {result.variable: result.alpha for result in report.variables if result.n_units}
