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

import hashlib
import math
import warnings
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from . import agreement
from .annotations import AnnotationSet
from .codebook.model import Codebook, Variable

PASS, TENTATIVE, FAIL, INSUFFICIENT = "pass", "tentative", "fail", "insufficient-data"


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


def _shown(aset: AnnotationSet, var: Variable, cb: Codebook) -> npt.NDArray[np.bool_]:
    """Mask of ``var``'s records whose coder saw the variable (their own show_if answer)."""
    records: npt.NDArray[np.bool_] = np.asarray(aset.variable == var.id, dtype=bool)
    if var.show_if is None:
        return records
    screen = aset.variable == var.show_if.variable
    trigger = set(var.show_if.codes)
    answers: dict[tuple[str, str], bool] = {}
    for unit, coder, value in zip(
        aset.unit_id[screen], aset.coder_id[screen], aset.value[screen], strict=True
    ):
        chosen = set(value) if isinstance(value, tuple) else {value}
        answers[(unit, coder)] = bool(chosen & trigger)
    keep = records.copy()
    for i in np.flatnonzero(records):
        # No answer to the screening question: we cannot tell, so the coding counts.
        keep[i] = answers.get((aset.unit_id[i], aset.coder_id[i]), True)
    return keep


def _ancestor_map(var: Variable, depth: int) -> dict[str, str]:
    mapping = {}
    for cat, _ in var.walk():
        path = var.path_to(cat.code)
        mapping[cat.code] = path[min(depth, len(path) - 1)]
    return mapping


def _records(
    aset: AnnotationSet, mask: npt.NDArray[np.bool_]
) -> list[tuple[Hashable, Hashable, Any]]:
    return list(
        zip(
            aset.unit_id[mask].tolist(),
            aset.coder_id[mask].tolist(),
            aset.value[mask].tolist(),
            strict=True,
        )
    )


def _alpha(
    records: list[tuple[Hashable, Hashable, Any]], level: Any, categories: list[str] | None = None
) -> agreement.AlphaResult:
    data = agreement.ReliabilityData.from_records(records, categories=categories)
    return agreement.alpha_result(data, level)


def _detail(label: str, records: list[tuple[Hashable, Hashable, Any]], level: Any) -> Detail:
    """A secondary alpha; an undefined one shows as a dash, without a note of its own (a parent
    category nobody chose has no variation, and that says nothing about the variable)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
        result = _alpha(records, level)
    return Detail(label, result.alpha, result.n_units)


def assess(
    aset: AnnotationSet,
    cb: Codebook,
    *,
    bootstrap: int = 0,
    seed: int | None = None,
) -> ReliabilityReport:
    """Reliability of every codable variable of ``cb`` in ``aset`` (checked annotations)."""
    return _assess(aset, cb, bootstrap, seed)[0]


def _assess(
    aset: AnnotationSet, cb: Codebook, bootstrap: int, seed: int | None
) -> tuple[ReliabilityReport, dict[str, VariableData]]:
    """The report, and the prepared data of each coded variable that has any (see
    :func:`prepare`) exactly as the coefficients were computed from it."""
    results = []
    prepared: dict[str, VariableData] = {}
    coded = set(aset.variable.tolist())
    for var in cb.variables:
        if var.level is None:
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
        results.append(attrs.evolve(result, notes=result.notes + notes))
    report = ReliabilityReport(
        cb.ref, tuple(results), len(set(aset.unit_id.tolist())), tuple(aset.coders)
    )
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
    )


def _coefficient_for(var: Variable) -> str:
    if var.type == "multiple_choice":
        return "krippendorff_alpha_masi"
    if var.type == "spans":
        return "krippendorff_alpha_u"
    return "krippendorff_alpha"


Record = tuple[Hashable, Hashable, Any]


@attrs.frozen
class VariableData:
    """One variable's codings exactly as :func:`assess` uses them: ``show_if`` applied,
    multiple choice as sets compared with the MASI distance (level ``"masi"``), interval and
    ratio scales as numbers; ``categories`` is the declared value order (every active code of a
    choice variable in codebook order: their order for the ordinal level, and rows for unused
    codes in a coincidence matrix)."""

    variable: Variable
    records: list[Record]
    level: str
    categories: list[Any] | None

    def data(self) -> agreement.ReliabilityData:
        coders = sorted({coder for _, coder, _ in self.records}, key=str)
        return agreement.ReliabilityData.from_records(
            self.records, categories=self.categories, coders=coders
        )


def prepare(aset: AnnotationSet, var: Variable, cb: Codebook) -> VariableData | None:
    """The data of one variable as :func:`assess` prepares it; None for spans and free text."""
    if var.level is None or var.type in ("spans", "text"):
        return None
    return _prepared(var, _records(aset, _shown(aset, var, cb)))


def _prepared(var: Variable, records: list[Record]) -> VariableData:
    records, level, categories = _prepare(var, records)
    return VariableData(var, records, level, categories)


def _prepare(var: Variable, records: list[Record]) -> tuple[list[Record], Any, list[Any] | None]:
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
    categories += sorted({v for _, _, v in records} - set(categories), key=str)
    return records, level, categories


def _assess_variable(
    aset: AnnotationSet, var: Variable, cb: Codebook, bootstrap: int, seed: int | None
) -> tuple[VariableReliability, VariableData | None]:
    mask = _shown(aset, var, cb)
    hidden = int((aset.variable == var.id).sum() - mask.sum())
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

    result = _alpha(records, level, categories)
    n_coders = len({coder for _, coder, _ in records})
    ci_low = ci_high = q = None
    if bootstrap and not math.isnan(result.alpha):
        data = agreement.ReliabilityData.from_records(records, categories=categories)
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


def _tree_details(
    records: list[tuple[Hashable, Hashable, Any]], var: Variable, level: Any
) -> list[Detail]:
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


def _category_details(records: list[tuple[Hashable, Hashable, Any]], var: Variable) -> list[Detail]:
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
    n_values = len({v for _, _, v in data.records})
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
    for unit, coder, value in data.records:
        if unit in wanted:
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
) -> Analysis:
    """:func:`assess`, plus the diagnostics of every coded variable from the same prepared data
    (``top``: how many of the most disputed units to keep)."""
    report, prepared = _assess(aset, cb, bootstrap, seed)
    coded = set(aset.variable.tolist())
    variables = {}
    for v in report.variables:
        if v.variable not in coded:
            continue
        data = prepared.get(v.variable)
        diagnostics = diagnose(data, top=top) if data is not None else None
        variables[v.variable] = VariableAnalysis(v, data, diagnostics)
    return Analysis(report, variables)


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
    counts = Counter(aset.file_index.tolist())
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
    per_coder = Counter(aset.coder_id.tolist())
    units_of: dict[str, set[str]] = {}
    for unit, coder in zip(aset.unit_id.tolist(), aset.coder_id.tolist(), strict=True):
        units_of.setdefault(coder, set()).add(unit)
    return {c: (per_coder[c], len(units_of.get(c, ()))) for c in coders}
