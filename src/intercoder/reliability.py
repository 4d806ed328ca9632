"""Codebook-aware reliability: for each variable, the coefficient its type and level call for.

* single choice and ordinal scales: Krippendorff's alpha at the variable's level; a category
  tree is also assessed at each depth of the tree (codes mapped to their ancestors);
* multiple choice: alpha with the MASI distance over the sets of codes, plus a binary alpha per
  category (chosen or not, among units the coder coded);
* numbers: alpha at the variable's level (interval by default);
* spans: unitizing alpha (alpha_U) over the units every span coder coded;
* free text: no coefficient.

Variables with ``show_if`` are assessed only on the units where each coder's own answer to the
screening question showed them. Thresholds come from the codebook. Status: ``pass`` (alpha at
or above the pass threshold), ``tentative`` (at or above the tentative one), ``fail``, or
``insufficient-data`` when alpha is undefined (fewer than two coders on any unit, or no
variation at all).

Everything the reliability report shows is computed here, once per variable (:func:`analyse`):
the prepared codings of each variable (:class:`VariableData`), its coefficients and intervals
(:class:`VariableReliability`) and the diagnostics of where its disagreement comes from
(:class:`Diagnostics`), along with the input files' hashes and record counts (:class:`SourceFile`).
"""

from __future__ import annotations

import difflib
import hashlib
import math
import warnings
from collections.abc import Collection, Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs
import numpy as np
import numpy.typing as npt

from . import agreement
from .annotations import AnnotationSet, match_statements
from .codebook.model import Codebook, Variable
from .columnar import count_used, used_codes
from .errors import IntercoderError

PASS, TENTATIVE, FAIL, INSUFFICIENT = "pass", "tentative", "fail", "insufficient-data"
Record = tuple[Hashable, Hashable, Any]


@attrs.frozen
class Detail:
    """A secondary coefficient of a variable (a tree depth, one category of a multiple choice)."""

    label: str
    alpha: float
    n_units: int


@attrs.frozen
class VariableReliability:
    variable: str
    level: str
    coefficient: str
    alpha: float
    n_units: int
    n_coders: int
    threshold: float
    tentative: float
    status: str
    ci_low: float | None = None
    ci_high: float | None = None
    q: float | None = None
    details: tuple[Detail, ...] = ()
    notes: tuple[str, ...] = ()
    #: False when the files hold no record of the variable at all (a pilot that codes only
    #: some variables, or an export that dropped one), as opposed to records without enough
    #: data for a coefficient.
    coded: bool = True

    def as_dict(self) -> dict[str, Any]:
        """The public JSON shape of one variable (as `intercoder agree --format json` prints it)."""
        return {
            "variable": self.variable,
            "level": self.level,
            "coefficient": self.coefficient,
            "alpha": _json_number(self.alpha),
            "n_units": self.n_units,
            "n_coders": self.n_coders,
            "ci": {"low": _json_number(self.ci_low), "high": _json_number(self.ci_high)},
            "threshold": self.threshold,
            "status": self.status,
        }


@attrs.frozen
class ReliabilityReport:
    codebook: str
    variables: tuple[VariableReliability, ...]
    n_units: int
    coders: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"codebook": self.codebook, "variables": [v.as_dict() for v in self.variables]}

    @property
    def failed(self) -> list[VariableReliability]:
        return [v for v in self.variables if v.status == FAIL]


def _json_number(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), 6)


def status_of(alpha: float, passing: float, tentative: float) -> str:
    if math.isnan(alpha):
        return INSUFFICIENT
    if alpha >= passing:
        return PASS
    if alpha >= tentative:
        return TENTATIVE
    return FAIL


def _variable_mask(aset: AnnotationSet, variable_id: str) -> npt.NDArray[np.bool_]:
    """Mask of the records of one variable (compared once per distinct variable, not per record)."""
    coded = aset.coded("variable")
    wanted = np.array([label == variable_id for label in coded.labels] + [False], dtype=bool)
    mask: npt.NDArray[np.bool_] = wanted[coded.codes]
    return mask


def _pair_keys(aset: AnnotationSet, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    """One integer per (unit, coder) of the records at ``rows``."""
    units, coders = aset.coded("unit_id"), aset.coded("coder_id")
    keys: npt.NDArray[np.int64] = units.codes[rows].astype(np.int64) * max(
        len(coders.labels), 1
    ) + coders.codes[rows].astype(np.int64)
    return keys


def _shown(aset: AnnotationSet, var: Variable, cb: Codebook) -> npt.NDArray[np.bool_]:
    """Mask of ``var``'s records whose coder saw the variable (their own show_if answer)."""
    records = _variable_mask(aset, var.id)
    if var.show_if is None:
        return records
    trigger = set(var.show_if.codes)
    screen = np.flatnonzero(_variable_mask(aset, var.show_if.variable))
    values = aset.coded("value")
    shows = np.zeros(len(values.labels) + 1, dtype=bool)
    for i in used_codes(values.codes[screen], len(values.labels)):  # the screening answers
        v = values.labels[i]
        shows[i] = bool((set(v) if isinstance(v, tuple) else {v}) & trigger)
    # The last answer of a coder to the screening question counts (a dict filled in order).
    screen_keys = _pair_keys(aset, screen)
    order = np.argsort(screen_keys, kind="stable")
    sorted_keys = screen_keys[order]
    last = np.ones(sorted_keys.shape[0], dtype=bool)
    last[:-1] = sorted_keys[1:] != sorted_keys[:-1]
    answer_keys = sorted_keys[last]
    answers = shows[values.codes[screen[order[last]]]]
    rows = np.flatnonzero(records)
    keys = _pair_keys(aset, rows)
    at = np.searchsorted(answer_keys, keys)
    at_ok = np.minimum(at, max(answer_keys.shape[0] - 1, 0))
    answered = (at < answer_keys.shape[0]) & (
        answer_keys[at_ok] == keys if answer_keys.size else False
    )
    keep = records.copy()
    # No answer to the screening question: we cannot tell, so the coding counts.
    keep[rows] = np.where(answered, answers[at_ok] if answers.size else True, True)
    return keep


def _ancestor_map(var: Variable, depth: int) -> dict[str, str]:
    mapping = {}
    for cat, _ in var.walk():
        path = var.path_to(cat.code)
        mapping[cat.code] = path[min(depth, len(path) - 1)]
    return mapping


class Records(Sequence[tuple[Hashable, Hashable, Any]]):
    """The ``(unit, coder, value)`` records of one variable, kept as the set's arrays and
    codes: a list of tuples is made only when someone iterates (the report's per-unit views),
    never for the coefficients (see :func:`_codes_data`)."""

    def __init__(self, aset: AnnotationSet, rows: npt.NDArray[np.intp]) -> None:
        self.aset = aset
        self.rows = rows  # ascending, as np.flatnonzero gives them
        self._list: list[tuple[Hashable, Hashable, Any]] | None = None

    def pick(self, array: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """``array`` (one entry a record of the set) at these rows: the array itself when
        the rows are all of them, which is the usual case (one variable), not a copy."""
        if self.rows.shape[0] == len(self.aset):  # ascending and distinct: every row
            return array
        picked: npt.NDArray[Any] = array[self.rows]
        return picked

    def _items(self) -> list[tuple[Hashable, Hashable, Any]]:
        if self._list is None:
            aset = self.aset
            self._list = list(
                zip(
                    self.pick(aset.unit_id).tolist(),
                    self.pick(aset.coder_id).tolist(),
                    self.pick(aset.value).tolist(),
                    strict=True,
                )
            )
        return self._list

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]

    def __iter__(self) -> Iterator[tuple[Hashable, Hashable, Any]]:
        return iter(self._items())

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def first_seen(self, name: str) -> tuple[npt.NDArray[np.int64], list[Any]]:
        """Codes of column ``name`` numbered in order of first appearance, and the labels."""
        column = self.aset.coded(name)
        codes = self.pick(column.codes)
        if _numbered_as_met(codes, len(column.labels)):
            # Arrow numbers a column's values as it meets them: the labels as they are,
            # without a look-up per unit.
            return codes.astype(np.int64), list(column.labels)
        # O(n) with the codes as indices: where each code first occurs, then the codes in
        # that order (a sort of the distinct codes only).
        first = np.full(len(column.labels), codes.shape[0], dtype=np.int64)
        np.minimum.at(first, codes, np.arange(codes.shape[0]))
        present = np.flatnonzero(first < codes.shape[0])
        order = present[np.argsort(first[present], kind="stable")]
        rank = np.full(len(column.labels), -1, dtype=np.int64)
        rank[order] = np.arange(order.shape[0])
        labels = [column.labels[i] for i in order.tolist()]
        return rank[codes], labels


def _numbered_as_met(codes: npt.NDArray[Any], n_labels: int) -> bool:
    """Whether ``codes`` use every code ``0..n_labels-1``, each first met after all smaller
    ones: then they are numbered in order of first appearance already."""
    if codes.shape[0] == 0 or codes[0] != 0 or codes.min() < 0:
        return n_labels == 0 and codes.shape[0] == 0
    # Few labels (the coders) are usually all met in the first records: when they are, each
    # after the smaller ones, the rest only needs to hold no code past them (one reduction).
    head = codes[:_HEAD]
    highest = np.maximum.accumulate(head)
    if not np.all(head[1:] <= highest[:-1] + 1):
        return False
    if highest[-1] == n_labels - 1:
        return bool(codes.max() == n_labels - 1)
    highest = np.maximum.accumulate(codes)
    return bool(highest[-1] == n_labels - 1 and np.all(codes[1:] <= highest[:-1] + 1))


#: Records looked at first by :func:`_numbered_as_met`.
_HEAD = 1 << 12


def _records(aset: AnnotationSet, mask: npt.NDArray[np.bool_]) -> Records:
    return Records(aset, np.flatnonzero(mask))


def _reliability_data(
    records: Sequence[Record],
    categories: list[Any] | None = None,
    *,
    sorted_coders: bool = False,
) -> agreement.ReliabilityData:
    """The reliability data of ``records``: units (and coders, unless ``sorted_coders``) in
    order of first appearance, as ``from_records`` numbers them. Records still held as codes
    with declared categories go straight from the codes, with no Python object per record."""
    if isinstance(records, Records) and categories is not None:
        units, unit_labels = records.first_seen("unit_id")
        coders, coder_labels = records.first_seen("coder_id")
        if sorted_coders:
            order = sorted(range(len(coder_labels)), key=lambda i: str(coder_labels[i]))
            rank = np.empty(len(order), dtype=np.int64)
            rank[order] = np.arange(len(order))
            coders, coder_labels = rank[coders], [coder_labels[i] for i in order]
        column = records.aset.coded("value")
        position = {value: i for i, value in enumerate(categories)}
        value_codes = records.pick(column.codes)
        lookup = np.full(len(column.labels) + 1, -1, dtype=np.int64)
        for i in used_codes(value_codes, len(column.labels)):  # this variable's labels
            if not _missing(column.labels[i]):
                lookup[i] = position[column.labels[i]]
        return agreement.ReliabilityData.from_codes(
            units,
            coders,
            lookup[value_codes],
            categories=categories,
            units=unit_labels,
            coders=coder_labels,
        )
    coders_given = sorted({coder for _, coder, _ in records}, key=str) if sorted_coders else None
    return agreement.ReliabilityData.from_records(
        records, categories=categories, coders=coders_given
    )


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _alpha(
    records: Sequence[Record], level: Any, categories: list[Any] | None = None
) -> agreement.AlphaResult:
    return agreement.alpha_result(_reliability_data(records, categories), level)


def _detail(label: str, records: Sequence[Record], level: Any) -> Detail:
    """A secondary alpha; an undefined one shows as a dash, without a note of its own (a parent
    category nobody chose has no variation, and that says nothing about the variable)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
        result = _alpha(records, level)
    return Detail(label, result.alpha, result.n_units)


class UnknownVariableError(IntercoderError):
    """A variable selection names a variable the codebook does not have, or one without a
    reliability coefficient (free text)."""


def select_variables(cb: Codebook, ids: Iterable[str]) -> tuple[str, ...]:
    """The variables of ``cb`` that ``ids`` names, in codebook order (each once).

    Raises :class:`UnknownVariableError`, one line naming the first unknown id with the
    nearest variable id, when an id is not a variable of ``cb`` or has no coefficient.
    """
    wanted = list(dict.fromkeys(i.strip() for i in ids if i.strip()))
    if not wanted:
        raise UnknownVariableError("no variable selected: give variable ids separated by commas")
    known = {var.id: var for var in cb.variables}
    unknown = [i for i in wanted if i not in known]
    if unknown:
        # One did-you-mean, for the first unknown id only: the rest are counted, so a long
        # list of wrong ids against a large codebook stays linear.
        close = difflib.get_close_matches(unknown[0], list(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        more = f" (and {len(unknown) - 1} more unknown)" if len(unknown) > 1 else ""
        raise UnknownVariableError(f"{unknown[0]!r} is not a variable of {cb.ref}{hint}{more}")
    no_level = [i for i in wanted if known[i].level is None]
    if no_level:
        raise UnknownVariableError(
            f"{no_level[0]!r} ({known[no_level[0]].type}) has no reliability coefficient"
        )
    chosen = set(wanted)
    return tuple(var.id for var in cb.variables if var.id in chosen)


def with_variables(aset: AnnotationSet, cb: Codebook, ids: Iterable[str]) -> AnnotationSet:
    """The records of the variables ``ids`` selects (see :func:`select_variables`), and of the
    screening questions their ``show_if`` asks, which decide where they were shown."""
    chosen = set(select_variables(cb, ids))
    keep = set(chosen)
    for var in cb.variables:
        if var.id in chosen and var.show_if is not None:
            keep.add(var.show_if.variable)
    mask = np.zeros(len(aset), dtype=bool)
    for variable_id in keep:
        mask |= _variable_mask(aset, variable_id)
    return aset.take(mask)


class RemoteAnnotations(Protocol):
    """Checked records held elsewhere that assess themselves with the code above, giving the
    same report as in memory (records on a Dask cluster: ``intercoder.cluster``)."""

    def assess(
        self,
        cb: Codebook,
        *,
        bootstrap: int,
        seed: int | None,
        variables: Collection[str] | None = None,
    ) -> ReliabilityReport: ...


def assess(
    aset: AnnotationSet | RemoteAnnotations,
    cb: Codebook,
    *,
    bootstrap: int = 0,
    seed: int | None = None,
    variables: Collection[str] | None = None,
) -> ReliabilityReport:
    """Reliability of every codable variable of ``cb`` in ``aset`` (checked annotations);
    ``variables`` limits it to those ids (see :func:`select_variables`)."""
    if not isinstance(aset, AnnotationSet):
        return aset.assess(cb, bootstrap=bootstrap, seed=seed, variables=variables)
    return _assess(aset, cb, bootstrap, seed, variables)[0]


def _assess(
    aset: AnnotationSet,
    cb: Codebook,
    bootstrap: int,
    seed: int | None,
    variables: Collection[str] | None = None,
) -> tuple[ReliabilityReport, dict[str, VariableData]]:
    """The report, and the prepared data of each coded variable that has any (see
    :func:`prepare`) exactly as the coefficients were computed from it."""
    selected = None if variables is None else set(select_variables(cb, variables))
    results = []
    prepared: dict[str, VariableData] = {}
    units = aset.coded("unit_id")
    texts = count_used(units.codes, len(units.labels))
    # Codings of statement-level variables move to the statements matched across coders (the
    # statement spans keep their own unit and get unitizing alpha).
    statements = match_statements(aset, cb)
    aset = statements.annotations
    left_out = (
        (f"{statements.unmatched} statement(s) matched no other coder's: left out",)
        if statements.unmatched
        else ()
    )
    coded = set(aset.distinct("variable"))
    for var in cb.variables:
        if var.level is None or (selected is not None and var.id not in selected):
            continue
        if var.id not in coded:
            results.append(_not_coded(var))
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", agreement.DegenerateDataWarning)
            result, data = _assess_variable(aset, var, cb, bootstrap, seed)
        if data is not None:
            prepared[var.id] = data
        notes = tuple(dict.fromkeys(str(w.message) for w in caught))
        if var.unit == "statement" and var.type != "spans":
            notes += left_out
        results.append(attrs.evolve(result, notes=result.notes + notes))
    report = ReliabilityReport(cb.ref, tuple(results), texts, tuple(aset.coders))
    return report, prepared


def _not_coded(var: Variable) -> VariableReliability:
    assert var.level is not None
    return VariableReliability(
        variable=var.id,
        level=var.level,
        coefficient=_coefficient_for(var),
        alpha=float("nan"),
        n_units=0,
        n_coders=0,
        threshold=var.reliability.passing,
        tentative=var.reliability.tentative,
        status=INSUFFICIENT,
        notes=("not coded in these files",),
        coded=False,
    )


def _coefficient_for(var: Variable) -> str:
    if var.type == "multiple_choice":
        return "krippendorff_alpha_masi"
    if var.type == "spans":
        return "krippendorff_alpha_u"
    return "krippendorff_alpha"


@attrs.frozen
class VariableData:
    """One variable's codings exactly as :func:`assess` uses them: ``show_if`` applied,
    multiple choice as sets compared with the MASI distance (level ``"masi"``), interval and
    ratio scales as numbers; ``categories`` is the declared value order (every active code of a
    choice variable in codebook order: their order for the ordinal level, and rows for unused
    codes in a coincidence matrix)."""

    variable: Variable
    records: Sequence[Record]
    level: str
    categories: list[Any] | None

    def data(self) -> agreement.ReliabilityData:
        return _reliability_data(self.records, self.categories, sorted_coders=True)


def prepare(aset: AnnotationSet, var: Variable, cb: Codebook) -> VariableData | None:
    """The data of one variable as :func:`assess` prepares it; None for spans and free text."""
    if var.level is None or var.type in ("spans", "text"):
        return None
    return _prepared(var, _records(aset, _shown(aset, var, cb)))


def _prepared(var: Variable, records: Sequence[Record]) -> VariableData:
    records, level, categories = _prepare(var, records)
    return VariableData(var, records, level, categories)


def _distinct_values(records: Sequence[Record]) -> set[Any]:
    if isinstance(records, Records):
        column = records.aset.coded("value")
        used = used_codes(records.pick(column.codes), len(column.labels))
        return {column.labels[i] for i in used}
    return {v for _, _, v in records}


def _prepare(
    var: Variable, records: Sequence[Record]
) -> tuple[Sequence[Record], Any, list[Any] | None]:
    level: Any = var.level
    categories: list[Any] | None = None
    if var.type == "multiple_choice":
        return [(u, c, frozenset(v)) for u, c, v in records], "masi", None
    if var.type == "number" or (var.type == "ordinal_scale" and level in ("interval", "ratio")):
        records = [(u, c, float(v)) for u, c, v in records]
        if var.type == "ordinal_scale":
            declared = [float(code) for code in var.codes]  # numeric codes: the validator's rule
            if {v for _, _, v in records} <= set(declared):
                categories = declared
        return records, level, categories
    # Choice variables at their level: every active code in order (values the codebook does not
    # know, in unchecked data, go last rather than failing).
    categories = list(var.codes)
    categories += sorted(
        {v for v in _distinct_values(records) if not _missing(v)} - set(categories), key=str
    )
    return records, level, categories


def _assess_variable(
    aset: AnnotationSet, var: Variable, cb: Codebook, bootstrap: int, seed: int | None
) -> tuple[VariableReliability, VariableData | None]:
    mask = _shown(aset, var, cb)
    hidden = int(_variable_mask(aset, var.id).sum() - mask.sum())
    notes = (f"{hidden} coding(s) left out: not shown under show_if",) if hidden else ()
    assert var.level is not None
    if var.type == "spans":
        return _assess_spans(aset, mask, var, notes), None

    prepared = _prepared(var, _records(aset, mask))
    records, level, categories = prepared.records, prepared.level, prepared.categories
    coefficient = _coefficient_for(var)
    details: list[Detail] = []
    if var.type == "multiple_choice":
        details += _category_details(records, var)
    if var.is_tree and var.type in ("single_choice", "multiple_choice"):
        details = _tree_details(records, var, level) + details

    data = _reliability_data(records, categories)
    result = agreement.alpha_result(data, level)
    n_coders = len(data.coders)
    ci_low = ci_high = q = None
    if bootstrap and not math.isnan(result.alpha):
        boot = agreement.alpha_bootstrap(
            data, level, n_resamples=bootstrap, seed=seed, min_alpha=var.reliability.passing
        )
        ci_low, ci_high, q = boot.ci_low, boot.ci_high, boot.q
    reliability = VariableReliability(
        variable=var.id,
        level=var.level,
        coefficient=coefficient,
        alpha=result.alpha,
        n_units=result.n_units,
        n_coders=n_coders,
        threshold=var.reliability.passing,
        tentative=var.reliability.tentative,
        status=status_of(result.alpha, var.reliability.passing, var.reliability.tentative),
        ci_low=ci_low,
        ci_high=ci_high,
        q=q,
        details=tuple(details),
        notes=notes,
    )
    return reliability, prepared


def _tree_details(records: Sequence[Record], var: Variable, level: Any) -> list[Detail]:
    depth = max(d for _, d in var.walk())
    details = []
    for d in range(depth):
        mapping = _ancestor_map(var, d)
        mapped: list[tuple[Hashable, Hashable, Any]]
        if var.type == "multiple_choice":
            mapped = [(u, c, frozenset(mapping[x] for x in v)) for u, c, v in records]
        else:
            mapped = [(u, c, mapping[v]) for u, c, v in records]
        details.append(_detail(f"tree level {d + 1}", mapped, level))
    return details


def _category_details(records: Sequence[Record], var: Variable) -> list[Detail]:
    details = []
    for code in var.codes:
        binary = [(u, c, code in v) for u, c, v in records]
        details.append(_detail(f"category {code}", binary, "nominal"))
    return details


def _assess_spans(
    aset: AnnotationSet, mask: npt.NDArray[np.bool_], var: Variable, notes: tuple[str, ...]
) -> VariableReliability:
    span_coders = sorted(set(aset.coder_id[mask].tolist()))
    # A unit counts when every span coder coded it (any variable): only then is "no span
    # here" an answer rather than an absence.
    seen: dict[str, set[str]] = {}
    for unit, coder in zip(aset.unit_id.tolist(), aset.coder_id.tolist(), strict=True):
        seen.setdefault(unit, set()).add(coder)
    units = sorted(u for u, coders in seen.items() if set(span_coders) <= coders)
    lengths: dict[str, int] = {}
    for unit, end in zip(aset.unit_id[mask].tolist(), aset.end[mask].tolist(), strict=True):
        lengths[unit] = max(lengths.get(unit, 0), int(end))
    units = [u for u in units if lengths.get(u, 0) > 0]
    offsets, total = {}, 0
    for unit in units:
        offsets[unit] = total
        total += lengths[unit]
    segments = [
        (coder, offsets[unit] + start, offsets[unit] + end, code)
        for unit, coder, start, end, code in zip(
            aset.unit_id[mask].tolist(),
            aset.coder_id[mask].tolist(),
            aset.start[mask].tolist(),
            aset.end[mask].tolist(),
            aset.value[mask].tolist(),
            strict=True,
        )
        if unit in offsets
    ]
    alpha = float("nan")
    if total > 0 and len(span_coders) >= 2:
        try:
            alpha = agreement.unitizing_alpha(segments, begin=0, end=total, coders=span_coders)
        except ValueError as exc:
            notes = (*notes, f"alpha_U not computed: {exc}")
    else:
        notes = (*notes, "alpha_U needs two coders who marked spans in the same units")
    return VariableReliability(
        variable=var.id,
        level=var.level or "nominal",
        coefficient=_coefficient_for(var),
        alpha=alpha,
        n_units=len(units),
        n_coders=len(span_coders),
        threshold=var.reliability.passing,
        tentative=var.reliability.tentative,
        status=status_of(alpha, var.reliability.passing, var.reliability.tentative),
        notes=notes,
    )


# --- diagnostics -------------------------------------------------------------------------------

#: Distinct values up to which a coincidence matrix is computed (and drawn in the report).
MAX_MATRIX_VALUES = 24


@attrs.frozen
class Diagnostics:
    """Where the disagreement of one variable comes from (see :mod:`intercoder.agreement`)."""

    n_values: int
    coincidence: agreement.CoincidenceMatrix | None
    category_alpha: dict[Hashable, float] | None
    pairwise: agreement.PairwiseAgreement | None
    percent: agreement.PairwiseAgreement | None
    loo: dict[Hashable, float] | None
    units: tuple[agreement.UnitDisagreement, ...]
    codings: dict[Hashable, dict[Hashable, Any]]


def diagnose(data: VariableData, *, top: int = 10) -> Diagnostics | None:
    """The diagnostics of one variable; None when no unit has two codings."""
    if not data.records:
        return None
    rd = data.data()
    if rd.pairable().n_units == 0:
        return None
    level: Any = data.level
    n_values = len(_distinct_values(data.records))
    n_coders = len(rd.coders)
    with warnings.catch_warnings():
        # Undefined coefficients are nan and shown as such; assess() reports the warnings.
        warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
        coincidence = category = None
        if n_values <= MAX_MATRIX_VALUES:
            coincidence = agreement.coincidence_matrix(rd)
            if data.variable.type in ("single_choice", "ordinal_scale"):
                category = agreement.category_alpha(rd)
        pairwise = percent = loo = None
        if n_coders >= 2:
            pairwise = agreement.pairwise_agreement(rd, "alpha", level=level)
            percent = agreement.pairwise_agreement(rd, "percent")
        if n_coders >= 3:
            loo = agreement.leave_one_coder_out(rd, level)
        units = agreement.rank_units(rd, level, top=top)
    units = [u for u in units if u.observed > 0]
    codings: dict[Hashable, dict[Hashable, Any]] = {}
    wanted = {u.unit for u in units}
    for unit, coder, value in _records_of_units(data.records, wanted):
        codings.setdefault(unit, {})[coder] = value
    return Diagnostics(
        n_values=n_values,
        coincidence=coincidence,
        category_alpha=category,
        pairwise=pairwise,
        percent=percent,
        loo=loo,
        units=tuple(units),
        codings=codings,
    )


def _records_of_units(records: Sequence[Record], wanted: set[Hashable]) -> Sequence[Record]:
    """The records of the ``wanted`` units, in order: from the codes when the records are
    still codes (the report shows a handful of units out of a million)."""
    if not isinstance(records, Records):
        return [r for r in records if r[0] in wanted]
    column = records.aset.coded("unit_id")
    chosen = np.array([label in wanted for label in column.labels] + [False], dtype=bool)
    rows = records.rows[chosen[records.pick(column.codes)]]
    return Records(records.aset, rows)


@attrs.frozen
class VariableAnalysis:
    """One coded variable: its reliability, its prepared data (None for spans) and its
    diagnostics (None without data or without a unit that two coders coded)."""

    reliability: VariableReliability
    data: VariableData | None
    diagnostics: Diagnostics | None


@attrs.frozen
class Analysis:
    """Everything a reliability report shows, each variable computed once."""

    report: ReliabilityReport
    variables: dict[str, VariableAnalysis]  # the coded variables, in codebook order


def analyse(
    aset: AnnotationSet,
    cb: Codebook,
    *,
    bootstrap: int = 0,
    seed: int | None = None,
    top: int = 10,
    variables: Collection[str] | None = None,
) -> Analysis:
    """:func:`assess`, plus the diagnostics of every coded variable from the same prepared data
    (``top``: how many of the most disputed units to keep; ``variables``: only these)."""
    report, prepared = _assess(aset, cb, bootstrap, seed, variables)
    coded = set(aset.distinct("variable"))
    analysed = {}
    for v in report.variables:
        if v.variable not in coded:
            continue
        data = prepared.get(v.variable)
        diagnostics = diagnose(data, top=top) if data is not None else None
        analysed[v.variable] = VariableAnalysis(v, data, diagnostics)
    return Analysis(report, analysed)


# --- provenance ----------------------------------------------------------------------------------


@attrs.frozen
class SourceFile:
    """An input file: where it is, its SHA-256 and size, and how many records it gave."""

    path: str
    sha256: str
    size: int
    records: int | None = None

    @classmethod
    def of(cls, path: str | Path, records: int | None = None) -> SourceFile:
        digest = hashlib.sha256()
        size = 0
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
        return cls(str(path), digest.hexdigest(), size, records)


def source_files(aset: AnnotationSet, paths: Sequence[str | Path]) -> list[SourceFile]:
    """The files ``aset`` was read from, each with the number of records it gave."""
    counts = dict(enumerate(np.bincount(aset.file_index, minlength=len(aset.files)).tolist()))
    by_name: dict[str, int] = {}
    for index, name in enumerate(aset.files):
        by_name[name] = by_name.get(name, 0) + counts.get(index, 0)
        resolved = str(Path(name).resolve())
        if resolved != name:
            by_name[resolved] = by_name.get(resolved, 0) + counts.get(index, 0)
    out = []
    for path in paths:
        records = by_name.get(str(path), by_name.get(str(Path(path).resolve()), 0))
        out.append(SourceFile.of(path, records))
    return out


def coder_counts(aset: AnnotationSet, coders: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Coder -> (records, units coded) for each of ``coders``."""
    # Counted on the codes: one pass each, no Python object per record.
    units, coder_col = aset.coded("unit_id"), aset.coded("coder_id")
    n_coders = max(len(coder_col.labels), 1)
    records = np.bincount(coder_col.codes, minlength=n_coders)
    pairs = units.codes.astype(np.int64) * n_coders + coder_col.codes
    distinct = np.unique(pairs) % n_coders  # the coder of each distinct (unit, coder)
    unit_counts = np.bincount(distinct, minlength=n_coders)
    by_label: dict[Any, tuple[int, int]] = {}
    for i, label in enumerate(coder_col.labels):
        found = by_label.get(label, (0, 0))  # labels of a set's codes may repeat
        by_label[label] = (found[0] + int(records[i]), found[1] + int(unit_counts[i]))
    return {c: by_label.get(c, (0, 0)) for c in coders}
