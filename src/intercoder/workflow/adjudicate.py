"""Adjudication: settle what the coders agree on, queue the disputes, merge the decisions back.

:func:`adjudicate` turns a round's checked codings into a gold standard (:mod:`.gold`) and a
dispute queue. Per (unit, variable) with a value from at least two coders:

* every coder gave the same value: ``unanimous``;
* with ``rule="majority"``, more than half of the values agree: ``majority`` (a tie never has
  a majority, so the tool never breaks one);
* otherwise the pair goes to the queue and into the gold as ``unresolved``.

A decision (a filled queue row, :func:`read_decisions`) settles its pair as ``adjudicated``
whatever the coders said. Variables shown under ``show_if`` are settled after their screening
question: a dependent pair is judged only where the gold's screening answer shows the variable,
and waits while that answer is itself unresolved (so merging decisions can queue new pairs).

The queue is ordered by disagreement: the share of coder pairs on that unit whose values differ
(Krippendorff's observed disagreement of the unit at the nominal level), largest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..annotations import Annotation, AnnotationSet, check_annotations, parse_value
from ..codebook.model import Codebook, Variable
from ..errors import Diagnostic, Location
from ..rows import read_rows
from .files import render_rows
from .gold import (
    ADJUDICATED,
    MAJORITY,
    REASONS,
    UNANIMOUS,
    UNRESOLVED,
    GoldError,
    GoldRecord,
    GoldStandard,
)

RULES = ("unanimous", "majority")
#: Variable types a gold standard holds one value per unit for.
ADJUDICABLE = ("single_choice", "ordinal_scale", "multiple_choice", "number")
#: The queue's fixed columns; each coder's column sits between ``text`` and ``decision``.
QUEUE_HEAD = ("unit_id", "variable", "disagreement", "text")
QUEUE_TAIL = ("decision", "reason", "adjudicator")


@attrs.frozen
class Decision:
    """An adjudicator's value for one (unit, variable), from a filled queue or an earlier gold."""

    unit_id: str
    variable: str
    value: Any
    reason: str | None = None
    adjudicator: str | None = None
    location: Location = attrs.field(default=Location("<memory>"), eq=False)


@attrs.frozen
class Dispute:
    """One queued (unit, variable): each coder's value (None: no value) and the unit's text."""

    unit_id: str
    variable: str
    disagreement: float
    values: Mapping[str, Any]
    text: str | None = None


@attrs.frozen
class Adjudication:
    """The gold standard, the dispute queue and the pairs waiting for their screening answer."""

    gold: GoldStandard
    queue: tuple[Dispute, ...]
    coders: tuple[str, ...]
    waiting: int

    def counts(self) -> dict[str, int]:
        counts = Counter(r.provenance for r in self.gold)
        return {p: counts.get(p, 0) for p in (UNANIMOUS, MAJORITY, ADJUDICATED, UNRESOLVED)}


def _ordered(cb: Codebook) -> list[Variable]:
    """The adjudicable variables, each screening question before the variables it shows."""
    variables = {v.id: v for v in cb.variables if v.type in ADJUDICABLE}
    done: dict[str, Variable] = {}

    def visit(var: Variable, trail: tuple[str, ...]) -> None:
        if var.id in done or var.id in trail:
            return
        if var.show_if is not None and var.show_if.variable in variables:
            visit(variables[var.show_if.variable], (*trail, var.id))
        done[var.id] = var

    for var in variables.values():
        visit(var, ())
    return list(done.values())


def unit_disagreement(values: Sequence[Any]) -> float:
    """The share of pairs of ``values`` that differ (0 with fewer than two values)."""
    n = len(values)
    if n < 2:
        return 0.0
    same = sum(c * (c - 1) for c in Counter(values).values())
    return 1 - same / (n * (n - 1))


def _settle(values: Sequence[Any], rule: str) -> tuple[str, Any]:
    """(provenance, value) the rule allows for the coders' ``values``; unresolved otherwise."""
    if len(values) >= 2:
        (top, count), *rest = Counter(values).most_common()
        if not rest:
            return UNANIMOUS, top
        if rule == "majority" and 2 * count > len(values):
            return MAJORITY, top
    return UNRESOLVED, None


def _shows(var: Variable, screening: Any) -> bool:
    assert var.show_if is not None
    chosen = set(screening) if isinstance(screening, tuple) else {screening}
    return bool(chosen & set(var.show_if.codes))


def _by_pair(decisions: Sequence[Decision], in_round: set[str]) -> dict[tuple[str, str], Decision]:
    """Decisions by (unit, variable), later ones winning; a unit outside the round is an error."""
    decided: dict[tuple[str, str], Decision] = {}
    for entry in decisions:
        if entry.unit_id not in in_round:
            raise GoldError(
                [Diagnostic(entry.location, f"unit {entry.unit_id!r} is not in the round")]
            )
        decided[(entry.unit_id, entry.variable)] = entry
    return decided


def adjudicate(
    annotations: AnnotationSet,
    cb: Codebook,
    *,
    rule: str = "unanimous",
    decisions: Sequence[Decision] = (),
    texts: Mapping[str, str] | None = None,
) -> Adjudication:
    """The gold standard and dispute queue of a round's checked ``annotations``.

    ``decisions`` settle their pairs (later ones win over earlier ones for the same pair); a
    decision for a unit that is not in the round is an error at the decision's location.
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, not {rule!r}")
    coded: dict[str, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    unit_text: dict[str, str] = dict(texts or {})
    for unit, coder, variable, value, text in zip(
        annotations.unit_id.tolist(),
        annotations.coder_id.tolist(),
        annotations.variable.tolist(),
        annotations.value.tolist(),
        annotations.text.tolist(),
        strict=True,
    ):
        if value is not None:
            coded[variable][unit][coder] = value
        if text is not None:
            unit_text.setdefault(unit, text)
    units = sorted(set(annotations.unit_id.tolist()))
    decided = _by_pair(decisions, set(units))
    coders = tuple(annotations.coders)

    records: list[GoldRecord] = []
    settled: dict[tuple[str, str], Any] = {}
    queue: list[tuple[float, int, str, Dispute]] = []
    waiting = 0
    for position, var in enumerate(_ordered(cb)):
        by_unit = coded.get(var.id, {})
        if var.id not in coded and not any(v == var.id for _, v in decided):
            continue  # not part of this round: nothing to settle or to queue
        if var.show_if is None:
            candidates = sorted(set(by_unit) | {u for u, v in decided if v == var.id})
        else:
            candidates = []
            for unit in units:
                screening = (unit, var.show_if.variable)
                if screening not in settled:
                    # Unresolved screening answer: nobody can say yet whether var applies.
                    waiting += bool(by_unit.get(unit))
                elif _shows(var, settled[screening]):
                    candidates.append(unit)
        for unit in candidates:
            values = by_unit.get(unit, {})
            decision = decided.get((unit, var.id))
            if decision is not None:
                record = GoldRecord(
                    unit,
                    var.id,
                    decision.value,
                    ADJUDICATED,
                    decision.reason,
                    decision.adjudicator,
                    cb.ref,
                )
            else:
                given = [values[c] for c in coders if c in values]
                provenance, value = _settle(given, rule)
                record = GoldRecord(unit, var.id, value, provenance, codebook=cb.ref)
                if provenance == UNRESOLVED:
                    score = unit_disagreement(given)
                    dispute = Dispute(
                        unit,
                        var.id,
                        score,
                        {c: values.get(c) for c in coders},
                        unit_text.get(unit),
                    )
                    queue.append((-score, position, unit, dispute))
            if record.resolved:
                settled[(unit, var.id)] = record.value
            records.append(record)
    queue.sort(key=lambda item: item[:3])
    return Adjudication(
        GoldStandard(tuple(records)), tuple(item[3] for item in queue), coders, waiting
    )


def _coder_columns(coders: Sequence[str]) -> dict[str, str]:
    """Each coder's column name: the coder id, prefixed only where it is a fixed column's name."""
    fixed = set(QUEUE_HEAD) | set(QUEUE_TAIL)
    return {c: f"coder:{c}" if c in fixed else c for c in coders}


def render_queue(path: str | Path, adjudication: Adjudication) -> str:
    """The queue as a CSV or JSONL file's text (by ``path``'s extension); decision left empty."""
    names = _coder_columns(adjudication.coders)
    columns = [*QUEUE_HEAD, *names.values(), *QUEUE_TAIL]
    rows = [
        {
            "unit_id": d.unit_id,
            "variable": d.variable,
            "disagreement": f"{d.disagreement:.3f}",
            "text": d.text,
            **{names[c]: d.values.get(c) for c in adjudication.coders},
            "decision": "",
            "reason": "",
            "adjudicator": "",
        }
        for d in adjudication.queue
    ]
    return render_rows(path, columns, rows, ("unit_id", "variable", "decision"))


def read_decisions(path: str | Path, cb: Codebook) -> list[Decision]:
    """The decided rows of a filled queue, each checked against ``cb`` (located errors).

    Rows with an empty ``decision`` are skipped; a decision that is not a code of its variable,
    an unknown reason, or two rows for one (unit, variable) are errors at ``FILE:LINE``.
    """
    adjudicable = {v.id for v in cb.variables if v.type in ADJUDICABLE}
    found: list[Decision] = []
    first: dict[tuple[str, str], Location] = {}
    for row, where in read_rows(path, ("unit_id", "variable", "decision"), what="queue"):

        def bad(message: str, where: Location = where) -> GoldError:
            return GoldError([Diagnostic(where, message)])

        value = parse_value(row.get("decision"), where)
        if value is None:
            continue
        unit = str(row.get("unit_id") or "").strip()
        variable = str(row.get("variable") or "").strip()
        if not unit:
            raise bad("unit_id: missing")
        if variable not in adjudicable:
            raise bad(f"variable: {variable!r} is not a variable of {cb.ref} to adjudicate")
        reason = str(row.get("reason") or "").strip() or None
        if reason is not None and reason not in REASONS:
            raise bad(f"reason: {reason!r} is not one of {', '.join(REASONS)}")
        if (unit, variable) in first:
            raise bad(
                f"unit {unit!r} is decided twice for {variable} (first at {first[unit, variable]})"
            )
        first[(unit, variable)] = where
        adjudicator = str(row.get("adjudicator") or "").strip() or None
        found.append(Decision(unit, variable, value, reason, adjudicator, where))
    return check_decisions(found, cb)


def check_decisions(found: Sequence[Decision], cb: Codebook) -> list[Decision]:
    """``found`` with values normalised for ``cb``; a value that is not a code is an error."""
    checked = check_annotations(
        AnnotationSet.from_records(
            Annotation(d.unit_id, "adjudicator", d.variable, d.value, location=d.location)
            for d in found
        ),
        cb,
    )
    if checked.problems:
        problem = checked.problems[0]
        raise GoldError([Diagnostic(problem.location, f"decision: {problem.message}")])
    return [
        attrs.evolve(d, value=value)
        for d, value in zip(found, checked.annotations.value.tolist(), strict=True)
    ]


def read_queue(path: str | Path) -> list[tuple[Dispute, Location]]:
    """The rows of a dispute queue (as :func:`render_queue` writes it), with their locations.

    Every column that is not one of the queue's fixed columns is a coder's (``coder:`` taken
    off a prefixed name); an empty cell is that coder's missing value.
    """
    fixed = set(QUEUE_HEAD) | set(QUEUE_TAIL)
    rows = []
    for row, where in read_rows(path, ("unit_id", "variable"), what="queue"):
        unit = str(row.get("unit_id") or "").strip()
        variable = str(row.get("variable") or "").strip()
        if not unit or not variable:
            raise GoldError([Diagnostic(where, f"{'variable' if unit else 'unit_id'}: missing")])
        values = {
            column.removeprefix("coder:"): parse_value(cell, where)
            for column, cell in row.items()
            if column not in fixed
        }
        try:
            score = float(row.get("disagreement") or 0.0)
        except ValueError:
            raise GoldError([Diagnostic(where, "disagreement: not a number")]) from None
        text = row.get("text")
        dispute = Dispute(unit, variable, score, values, str(text) if text else None)
        rows.append((dispute, where))
    return rows


def merge_decisions(gold: GoldStandard, decisions: Sequence[Decision]) -> GoldStandard:
    """``gold`` with each decision's pair ``adjudicated``; checked values expected.

    A decision for a unit the gold does not hold is not part of the round, and one for a pair
    the gold lacks was never queued (a variable its screening answer does not show, or one
    queued after this gold was written): each an error at the decision's location.
    """
    decided = _by_pair(decisions, {r.unit_id for r in gold})
    codebook = next((r.codebook for r in gold if r.codebook), None)

    def settled(d: Decision) -> GoldRecord:
        return GoldRecord(
            d.unit_id, d.variable, d.value, ADJUDICATED, d.reason, d.adjudicator, codebook
        )

    for (unit, variable), entry in decided.items():
        if gold.get(unit, variable) is None:
            raise GoldError(
                [
                    Diagnostic(
                        entry.location,
                        f"the gold has no row for {variable} of unit {unit!r}: it was never "
                        "queued (run intercoder adjudicate again to queue what is open)",
                    )
                ]
            )
    return GoldStandard(
        tuple(
            settled(decided[(r.unit_id, r.variable)]) if (r.unit_id, r.variable) in decided else r
            for r in gold
        )
    )


def earlier_decisions(gold: GoldStandard, in_round: set[str]) -> list[Decision]:
    """The adjudicated values of an earlier gold file, as decisions (units of this round only)."""
    return [
        Decision(r.unit_id, r.variable, r.value, r.reason, r.adjudicator, r.location)
        for r in gold
        if r.provenance == ADJUDICATED and r.unit_id in in_round
    ]
