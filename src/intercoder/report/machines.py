"""The report's machine-coder section: may each automatic coder replace a human, assist, or not.

When the inputs hold codings of a machine coder (the lexicon, an LLM, a plugin's coder; see
:func:`intercoder.workflow.validate_coder.machine_coder_ids`) beside at least two human coders,
the page's headline numbers are the humans' agreement, and each machine coder is compared with
the humans separately, by :func:`intercoder.workflow.validate_coder.validate_coder` — the same
numbers ``intercoder validate-coder`` prints. Reliability is a property of the human coding
process; a machine counted as one more coder would raise or lower it without saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from ..annotations import AnnotationSet
from ..codebook.model import Codebook
from ..workflow.validate_coder import ALL, CoderComparison, validate_coder

if TYPE_CHECKING:
    from .page import Labels


@attrs.frozen
class MachineRow:
    variable: str
    label: str
    comparison: CoderComparison


@attrs.frozen
class MachineView:
    """What the machine-coder section shows: per machine coder, a row per variable."""

    humans: tuple[str, ...]
    machines: tuple[tuple[str, tuple[MachineRow, ...]], ...]


def split_machines(
    annotations: AnnotationSet, machines: Sequence[str]
) -> tuple[AnnotationSet, list[AnnotationSet]]:
    """The human codings, and the codings of each machine coder in ``machines``."""
    import numpy as np

    coders = np.asarray(annotations.coder_id, dtype=object)
    human = annotations.take(~np.isin(coders, list(machines)))
    return human, [annotations.take(coders == machine) for machine in machines]


def machine_view(
    humans: AnnotationSet,
    machine_sets: Sequence[AnnotationSet],
    cb: Codebook,
    labels: Labels,
    *,
    seed: int | None,
) -> MachineView:
    """Each machine coder against the humans, over all units (the language split is the CLI's)."""
    machines = []
    for machine in machine_sets:
        result = validate_coder(humans, machine, cb, seed=seed or 0)
        coded = set(machine.variable.tolist())  # the variables this coder codes at all
        rows = tuple(
            MachineRow(c.variable, labels.pick(cb.variable(c.variable).label) or c.variable, c)
            for c in result.comparisons
            if c.language == ALL and c.variable in coded
        )
        machines.append((result.machine, rows))
    return MachineView(tuple(humans.coders), tuple(machines))
