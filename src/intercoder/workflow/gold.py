"""Gold standard files: one settled value per (unit, variable), with where it came from.

A gold file is a long-format annotation file (CSV or JSONL, by extension) whose coder is the gold
standard itself. Columns: ``unit_id``, ``variable``, ``value`` (empty when unresolved; a multiple
choice as a JSON list), ``provenance`` (``unanimous``, ``majority``, ``adjudicated`` or
``unresolved``), optional ``reason`` (``guideline-gap``, ``ambiguous-text``, ``coder-error``,
``other``), ``adjudicator`` and ``codebook`` (``id@version`` it was made under), and
``coder_id`` (always ``gold``), so every command that reads annotations reads a gold file too.

Reading checks the file whole: two values for one (unit, variable), an unknown provenance or
reason, a resolved row without a value or an unresolved one with a value are located errors
(``FILE:LINE``). Checked against a codebook, every value must be a code of its variable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from ..annotations import (
    Annotation,
    AnnotationError,
    AnnotationSet,
    check_annotations,
    parse_value,
)
from ..codebook.model import Codebook
from ..errors import Diagnostic, Location, ProblemsError
from ..rows import read_rows
from .files import write_rows

UNANIMOUS, MAJORITY, ADJUDICATED, UNRESOLVED = "unanimous", "majority", "adjudicated", "unresolved"
PROVENANCES = (UNANIMOUS, MAJORITY, ADJUDICATED, UNRESOLVED)
REASONS = ("guideline-gap", "ambiguous-text", "coder-error", "other")
#: The coder id a gold file's records carry.
GOLD_CODER = "gold"
COLUMNS = (
    "unit_id",
    "coder_id",
    "variable",
    "value",
    "provenance",
    "reason",
    "adjudicator",
    "codebook",
)
REQUIRED = ("unit_id", "variable", "value", "provenance")


class GoldError(ProblemsError):
    """A gold file (or a decision for one) that cannot be used."""


@attrs.frozen
class GoldRecord:
    """One settled (or unsettled) value of the gold standard."""

    unit_id: str
    variable: str
    value: Any
    provenance: str
    reason: str | None = None
    adjudicator: str | None = None
    codebook: str | None = None
    location: Location = attrs.field(default=Location("<memory>"), eq=False)

    @property
    def resolved(self) -> bool:
        return self.provenance != UNRESOLVED


@attrs.frozen
class GoldStandard:
    """The gold records in order; ``value(unit, variable)`` finds a resolved one."""

    records: tuple[GoldRecord, ...]
    _index: dict[tuple[str, str], GoldRecord] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        index: dict[tuple[str, str], GoldRecord] = {}
        for record in self.records:
            key = (record.unit_id, record.variable)
            if key in index:
                raise GoldError(
                    [
                        Diagnostic(
                            record.location,
                            f"unit {key[0]!r} has two values for {key[1]} "
                            f"(first at {index[key].location})",
                        )
                    ]
                )
            index[key] = record
        object.__setattr__(self, "_index", index)

    def __iter__(self) -> Iterator[GoldRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def get(self, unit_id: str, variable: str) -> GoldRecord | None:
        return self._index.get((unit_id, variable))

    @property
    def resolved(self) -> list[GoldRecord]:
        return [r for r in self.records if r.resolved]

    def as_annotations(self, coder_id: str = GOLD_CODER) -> AnnotationSet:
        """The resolved values as annotation records of one coder (``gold``)."""
        return AnnotationSet.from_records(
            Annotation(r.unit_id, coder_id, r.variable, r.value, r.codebook, location=r.location)
            for r in self.resolved
        )


def _optional(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    if value is None or not str(value).strip():
        return None
    return str(value).strip()


def _record(row: dict[str, Any], where: Location) -> GoldRecord:
    def bad(message: str) -> GoldError:
        return GoldError([Diagnostic(where, message)])

    for column in ("unit_id", "variable"):
        if _optional(row, column) is None:
            raise bad(f"{column}: missing")
    provenance = _optional(row, "provenance")
    if provenance not in PROVENANCES:
        raise bad(f"provenance: {provenance!r} is not one of {', '.join(PROVENANCES)}")
    reason = _optional(row, "reason")
    if reason is not None and reason not in REASONS:
        raise bad(f"reason: {reason!r} is not one of {', '.join(REASONS)}")
    coder = _optional(row, "coder_id")
    if coder is not None and coder != GOLD_CODER:
        raise bad(f"coder_id: a gold file's coder is {GOLD_CODER!r}, not {coder!r}")
    try:
        value = parse_value(row.get("value"), where)
    except AnnotationError as exc:
        raise GoldError(exc.diagnostics) from None
    if provenance == UNRESOLVED and value is not None:
        raise bad("value: an unresolved row has no value (or give it a provenance)")
    if provenance != UNRESOLVED and value is None:
        raise bad(f"value: missing for a {provenance} row")
    return GoldRecord(
        unit_id=str(row["unit_id"]).strip(),
        variable=str(row["variable"]).strip(),
        value=value,
        provenance=provenance,
        reason=reason,
        adjudicator=_optional(row, "adjudicator"),
        codebook=_optional(row, "codebook"),
        location=where,
    )


def read_gold(path: str | Path, codebook: Codebook | None = None) -> GoldStandard:
    """Read a gold file; with ``codebook``, values are checked and normalised against it."""
    records = [_record(row, where) for row, where in read_rows(path, REQUIRED, what="gold")]
    gold = GoldStandard(tuple(records))
    return check_gold(gold, codebook) if codebook is not None else gold


def check_gold(gold: GoldStandard, codebook: Codebook) -> GoldStandard:
    """``gold``, its values normalised for ``codebook``; a value that does not fit is an error."""
    checked = check_annotations(gold.as_annotations(), codebook)
    if checked.problems:
        raise GoldError(list(checked.problems))
    values = {
        (r.unit_id, r.variable): r.value
        for r in checked.annotations  # same order and locations as the resolved records
    }
    return GoldStandard(
        tuple(
            attrs.evolve(r, value=values[(r.unit_id, r.variable)]) if r.resolved else r
            for r in gold.records
        )
    )


def gold_rows(records: Iterable[GoldRecord]) -> list[dict[str, Any]]:
    return [
        {
            "unit_id": r.unit_id,
            "coder_id": GOLD_CODER,
            "variable": r.variable,
            "value": r.value,
            "provenance": r.provenance,
            "reason": r.reason,
            "adjudicator": r.adjudicator,
            "codebook": r.codebook,
        }
        for r in records
    ]


def write_gold(path: str | Path, gold: GoldStandard) -> None:
    """Write ``gold`` to ``path`` (CSV or JSONL by extension) atomically."""
    write_rows(path, COLUMNS, gold_rows(gold.records), REQUIRED)
