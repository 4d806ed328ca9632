"""Migrating annotation files coded under one codebook version to a newer one.

The codebooks' own maps (:mod:`intercoder.codebook.migrate`) say where each retired code's
codings go. This module applies them to whole files: every record is checked against the old
codebook, its codes translated (a multiple choice code by code, duplicates from merges
collapsed), its ``codebook`` reference moved to the new version, and what cannot move by itself
is returned apart: records to **recode** (a code split into several, a person must choose) and
records **dropped** (a code retired without a successor). The migrated records are checked
against the new codebook before they are returned, so a faulty map fails here, not in ``agree``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from ..annotations import AnnotationError, AnnotationSet, check_annotations, object_column
from ..codebook.migrate import DROPPED, MERGED, RECODE, REPLACED, SAME, Migration, migration
from ..codebook.model import Codebook
from ..errors import Location
from ..formats import read_checked
from .files import render_rows

#: A record's status is the most demanding among its codes' outcomes, in this order.
_RANK = {SAME: 0, MERGED: 1, REPLACED: 2, DROPPED: 3, RECODE: 4}
#: The columns of the recode queue; a person fills ``decision`` with the new code(s).
QUEUE_COLUMNS = (
    "unit_id",
    "coder_id",
    "variable",
    "old_code",
    "candidates",
    "reason",
    "decision",
)


@attrs.frozen
class Unmigrated:
    """A record that did not move by itself: its old value, the candidate codes, why."""

    unit_id: str
    coder_id: str
    variable: str
    old: Any
    candidates: tuple[str, ...]
    reason: str
    location: Location


@attrs.frozen
class MigratedAnnotations:
    """The records under the new codebook, counts per status, and what a person must see.

    ``counts`` counts records by status (``same``, ``merged``, ``replaced``, ``recode``,
    ``dropped``). A ``recode`` record is left out of ``annotations``; a ``dropped`` one too,
    unless it is a multiple choice that keeps other codes (it is then written without the
    dropped code, and still listed in ``dropped``).
    """

    annotations: AnnotationSet
    old: Codebook
    new: Codebook
    counts: dict[str, int]
    recode: tuple[Unmigrated, ...]
    dropped: tuple[Unmigrated, ...]


def _translate(move: Migration, variable: str, value: Any) -> tuple[str, Any, tuple[str, ...], str]:
    """(status, new value or None, candidate codes, reason) for one record's value."""
    new_var = {var.id: var for var in move.new.variables}.get(variable)
    if new_var is None:
        return DROPPED, None, (), f"variable {variable!r} was removed in {move.new.version}"
    if not new_var.categories:  # numbers and free text carry over as they are
        return SAME, value, (), ""
    codes = value if isinstance(value, tuple) else None
    translated, outcomes = move.translate_value(
        variable, list(codes) if codes is not None else str(value)
    )
    worst = max(outcomes, key=lambda outcome: _RANK[outcome.status], default=None)
    if worst is None:  # an empty multiple choice stays empty
        return SAME, value, (), ""
    candidates = tuple(
        code for outcome in outcomes if outcome.status == RECODE for code in outcome.codes
    )
    reasons = "; ".join(
        dict.fromkeys(
            f"{old!r} {outcome.reason}"
            for old, outcome in zip(codes or (value,), outcomes, strict=True)
            if outcome.status in (RECODE, DROPPED)
        )
    )
    if worst.status == RECODE:
        return RECODE, None, candidates, reasons
    if codes is not None:
        kept = tuple(sorted(translated or ()))
        return worst.status, (kept or None), (), reasons
    return worst.status, translated, (), reasons


def migrate_annotations(
    annotations: AnnotationSet, old: Codebook, new: Codebook
) -> MigratedAnnotations:
    """Translate ``annotations`` (checked against ``old``) to ``new`` with the codebooks' maps.

    Raises :class:`~intercoder.errors.IntercoderError` when ``old`` and ``new`` are different
    codebooks or ``new`` is older, and :class:`~intercoder.annotations.AnnotationError` when a
    migrated record does not fit ``new`` (a fault of the codebooks' maps).
    """
    move = migration(old, new)
    counts = dict.fromkeys(_RANK, 0)
    recode: list[Unmigrated] = []
    dropped: list[Unmigrated] = []
    values = annotations.value
    variables = annotations.variable
    keep = np.ones(len(annotations), dtype=bool)
    new_values: list[Any] = []
    # Each distinct (variable, value) is translated once: files repeat a few codes many times.
    known: dict[tuple[str, Any], tuple[str, Any, tuple[str, ...], str]] = {}
    for index in range(len(annotations)):
        key = (variables[index], values[index])
        if key not in known:
            known[key] = _translate(move, *key)
        status, value, candidates, reason = known[key]
        counts[status] += 1
        new_values.append(value)
        if status in (RECODE, DROPPED):
            left = Unmigrated(
                annotations.unit_id[index],
                annotations.coder_id[index],
                key[0],
                key[1],
                candidates,
                reason,
                annotations.location(index),
            )
            (recode if status == RECODE else dropped).append(left)
        if value is None:
            keep[index] = False
    coded_under = annotations.codebook
    references = object_column([None if ref is None else new.ref for ref in coded_under.tolist()])
    moved = annotations.replace(value=object_column(new_values), codebook=references).take(keep)
    checked = check_annotations(moved, new, accept_labels=False)
    if checked.problems:
        raise AnnotationError(
            list(checked.problems),
            hint=f"the migration maps of {old.ref} -> {new.ref} give codes {new.ref} refuses",
        )
    return MigratedAnnotations(checked.annotations, old, new, counts, tuple(recode), tuple(dropped))


def migrate_files(files: Sequence[str | Path], old: Codebook, new: Codebook) -> MigratedAnnotations:
    """Read ``files`` checked against ``old`` (every problem located) and migrate them."""
    return migrate_annotations(read_checked(files, old).annotations, old, new)


def render_recode_queue(path: str | Path, result: MigratedAnnotations) -> str:
    """The recode queue as a CSV or JSONL file's text (by ``path``'s extension)."""
    rows = [
        {
            "unit_id": left.unit_id,
            "coder_id": left.coder_id,
            "variable": left.variable,
            "old_code": left.old,
            "candidates": ", ".join(left.candidates),
            "reason": left.reason,
            "decision": None,
        }
        for left in result.recode
    ]
    return render_rows(path, QUEUE_COLUMNS, rows, required=QUEUE_COLUMNS)


def summary(result: MigratedAnnotations, output: str | Path) -> str:
    """The one-line account of a migration, as the command prints it."""
    counts = result.counts
    return (
        f"migrated {sum(counts.values())} records from {result.old.ref} to {result.new.ref}: "
        f"{counts[SAME]} unchanged, {counts[MERGED]} merged, {counts[REPLACED]} replaced, "
        f"{counts[RECODE]} to recode, {counts[DROPPED]} dropped -> {output}"
    )
