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
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable
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
        """The public JSON shape of one variable (DESIGN.md section 3)."""
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
    results = []
    coded = set(aset.variable.tolist())
    for var in cb.variables:
        if var.level is None:
            continue
        if var.id not in coded:
            results.append(_not_coded(var))
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", agreement.DegenerateDataWarning)
            result = _assess_variable(aset, var, cb, bootstrap, seed)
        notes = tuple(dict.fromkeys(str(w.message) for w in caught))
        results.append(attrs.evolve(result, notes=result.notes + notes))
    return ReliabilityReport(
        cb.ref, tuple(results), len(set(aset.unit_id.tolist())), tuple(aset.coders)
    )


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


def variable_records(
    aset: AnnotationSet, var: Variable, cb: Codebook
) -> tuple[list[Record], Any, list[Any] | None]:
    """One variable's codings exactly as :func:`assess` uses them: ``(records, level,
    categories)``. ``show_if`` is applied; multiple choice becomes sets compared with the
    MASI distance (level ``"masi"``); interval and ratio scales become numbers; choice
    variables declare every active code in codebook order (their order for the ordinal level,
    and rows for unused codes in a coincidence matrix)."""
    return _prepare(var, _records(aset, _shown(aset, var, cb)))


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
) -> VariableReliability:
    mask = _shown(aset, var, cb)
    hidden = int((aset.variable == var.id).sum() - mask.sum())
    notes = (f"{hidden} coding(s) left out: not shown under show_if",) if hidden else ()
    assert var.level is not None
    if var.type == "spans":
        return _assess_spans(aset, mask, var, notes)

    records, level, categories = _prepare(var, _records(aset, mask))
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
    return VariableReliability(
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


# --- text renderings ---------------------------------------------------------------------------


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:.{digits}f}"


def _ci(var: VariableReliability) -> str:
    if var.ci_low is None or var.ci_high is None:
        return ""
    return f"[{_fmt(var.ci_low)}, {_fmt(var.ci_high)}]"


_COEFFICIENT_NAMES = {
    "krippendorff_alpha": "alpha",
    "krippendorff_alpha_masi": "alpha (MASI)",
    "krippendorff_alpha_u": "alpha_U",
}


def _uncoded(report: ReliabilityReport) -> list[str]:
    return [v.variable for v in report.variables if v.n_units == 0 and v.n_coders == 0]


def render_table(report: ReliabilityReport, *, details: bool = False) -> str:
    """A plain-text table for the terminal; ``details`` adds tree levels and categories.

    Variables nobody coded are listed in one line at the end instead of as rows.
    """
    header = (
        "variable",
        "level",
        "coefficient",
        "alpha",
        "95% CI",
        "units",
        "coders",
        "threshold",
        "status",
    )
    rows: list[tuple[str, ...]] = []
    uncoded = _uncoded(report)
    for var in report.variables:
        if var.variable in uncoded:
            continue
        rows.append(
            (
                var.variable,
                var.level,
                _COEFFICIENT_NAMES[var.coefficient],
                _fmt(var.alpha),
                _ci(var),
                str(var.n_units),
                str(var.n_coders),
                f"{var.threshold:.3f}",
                var.status,
            )
        )
        for detail in var.details if details else ():
            label = f"  {detail.label}"
            rows.append((label, "", "", _fmt(detail.alpha), "", str(detail.n_units), *[""] * 3))
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = [
        f"{report.codebook}: {len(report.coders)} coders, {report.n_units} units",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    for var in report.variables:
        if var.variable not in uncoded:
            lines += [f"note: {var.variable}: {note}" for note in var.notes]
    if uncoded:
        lines.append(f"not coded in these files: {', '.join(uncoded)}")
    return "\n".join(lines) + "\n"


_STATUS_MARK = {
    PASS: "✅ pass",
    TENTATIVE: "⚠️ tentative",
    FAIL: "❌ fail",
    INSUFFICIENT: "➖ insufficient data",
}


def render_markdown(report: ReliabilityReport) -> str:
    """A Markdown table (for a pull request, a wiki or ``$GITHUB_STEP_SUMMARY``)."""
    lines = [
        f"### Reliability: `{report.codebook}`",
        "",
        f"{len(report.coders)} coders, {report.n_units} units.",
        "",
        "| variable | level | coefficient | α | 95% CI | units | coders | threshold | status |",
        "|---|---|---|---:|---|---:|---:|---:|---|",
    ]
    for var in report.variables:
        lines.append(
            f"| `{var.variable}` | {var.level} | {_COEFFICIENT_NAMES[var.coefficient]} | "
            f"{_fmt(var.alpha)} | {_ci(var)} | {var.n_units} | {var.n_coders} | "
            f"{var.threshold:.3f} | {_STATUS_MARK[var.status]} |"
        )
        for detail in var.details:
            lines.append(
                f"| ↳ {detail.label} | | | {_fmt(detail.alpha)} | | {detail.n_units} | | | |"
            )
    notes = [f"- `{v.variable}`: {note}" for v in report.variables for note in v.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines) + "\n"
