"""The reliability report page, assembled from Jinja2 templates.

The page is one file that needs no network: no scripts, no external styles, fonts or images.
Its style sheet (``report.css``, a resource of this package) is inlined, the plots are inline
SVG (:mod:`intercoder.report.plots`), each with a table of its numbers for screen readers and
for copying. A Content-Security-Policy forbids scripts and every fetch.

The templates (``templates/*.html.j2``, in the environment of :mod:`intercoder.templating`:
autoescaping, indented lines continue the line above) escape every value; only the style sheet,
the SVG plots and the templates' own macros are safe markup. This module only prepares what the
templates show; every number comes from :func:`intercoder.reliability.analyse`.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from markupsafe import Markup

from .._version import __version__
from ..annotations import AnnotationSet
from ..codebook.model import Codebook, Variable
from ..i18n import translator
from ..reliability import (
    FAIL,
    INSUFFICIENT,
    PASS,
    TENTATIVE,
    Analysis,
    Diagnostics,
    ReliabilityReport,
    SourceFile,
    VariableAnalysis,
    VariableReliability,
    coder_counts,
    status_of,
)
from ..tasks import Task
from ..templating import environment, resource_text
from ..workflow.gold import GoldStandard
from . import plots
from .gold import gold_view
from .machines import MachineView
from .plots import FONT, DotRow, anchor, count, data_number, num, signed
from .svg import shorten

__all__ = ["CSP", "Labels", "render_page"]

# No scripts, no fetches: only the inline style and the empty data: favicon.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

#: How the page names each coefficient.
COEFFICIENT_NAMES = {
    "krippendorff_alpha": "α",
    "krippendorff_alpha_masi": "α (MASI)",
    "krippendorff_alpha_u": "αᵤ",
}


class Labels:
    """Display labels of values, categories and variables in the report's language."""

    def __init__(self, cb: Codebook, lang: str) -> None:
        self.cb = cb
        self.lang = lang
        self._ = translator(lang)

    def pick(self, texts: Any) -> str:
        return str(texts.pick(self.lang, self.cb.languages) or "")

    def variable(self, var: Variable) -> str:
        return self.pick(var.label) or var.id

    def code(self, var: Variable, code: str) -> str:
        try:
            return self.pick(var.category(code).label) or code
        except KeyError:
            return code

    def value(self, var: Variable, value: Any) -> str:
        if isinstance(value, frozenset | tuple | list):
            if not value:
                return "∅ " + self._("none")
            return " + ".join(self.code(var, str(v)) for v in sorted(value, key=str))
        if isinstance(value, float):
            for code in var.codes:
                try:
                    if float(code) == value:
                        return self.code(var, code)
                except ValueError:
                    continue
            return f"{value:g}"
        return self.code(var, str(value))

    def short(self, var: Variable, value: Any, width: float = 250.0) -> str:
        """A label that fits ``width`` pixels; each code of a set is shortened on its own."""
        if isinstance(value, frozenset | tuple | list) and len(value) > 1:
            share = width / len(value) - 14
            return " + ".join(
                shorten(self.code(var, str(v)), share, FONT) for v in sorted(value, key=str)
            )
        return shorten(self.value(var, value), width, FONT)

    def value_code(self, value: Any) -> str:
        if isinstance(value, frozenset | tuple | list):
            return "[" + ", ".join(sorted(str(v) for v in value)) + "]"
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def detail(self, var: Variable, label: str) -> str:
        kind, _, rest = label.partition(" ")
        if kind == "category":
            return self.code(var, rest)
        if label.startswith("tree level "):
            return self._("tree_level", n=label.removeprefix("tree level "))
        return label


# --- templates -----------------------------------------------------------------------------------


_ENV = environment(__package__ or "intercoder.report")
_ENV.filters.update(num=num, data=data_number, count=count, signed=signed, anchor=anchor)


# --- what the templates show ---------------------------------------------------------------------


def _svg(markup: str) -> Markup:
    """A plot drawn by :mod:`intercoder.report.plots` (escaped there, element by element)."""
    return Markup(markup)


def _status(alpha: float, v: VariableReliability) -> str:
    return status_of(alpha, v.threshold, v.tentative)


def _forest(
    report: ReliabilityReport, coded: frozenset[str], cb: Codebook, labels: Labels
) -> Markup | None:
    _ = labels._
    rows = [
        DotRow(
            key=v.variable,
            label=labels.variable(cb.variable(v.variable)),
            alpha=v.alpha,
            passing=v.threshold,
            tentative=v.tentative,
            status=v.status,
            ci_low=v.ci_low,
            ci_high=v.ci_high,
            note=f"{v.variable}: {_(v.status)}",
        )
        for v in report.variables
        if v.variable in coded
    ]
    if not rows:
        return None
    return _svg(plots.dot_plot(rows, ident="forest", title=_("overview"), _=_))


def _section(
    analysis: VariableAnalysis,
    cb: Codebook,
    labels: Labels,
    texts: Mapping[str, tuple[str, str | None]],
) -> dict[str, Any]:
    """What the template of one variable's section needs, plots drawn."""
    v, data, diag = analysis.reliability, analysis.data, analysis.diagnostics
    _ = labels._
    var = cb.variable(v.variable)
    ident = anchor(v.variable)
    name = labels.variable(var)
    section: dict[str, Any] = {
        "reliability": v,
        "variable": var,
        "anchor": ident,
        "data": data,
        "diagnostics": diag,
    }
    if v.details:
        rows = [
            DotRow(
                key=detail.label,
                label=labels.detail(var, detail.label),
                alpha=detail.alpha,
                passing=v.threshold,
                tentative=v.tentative,
                status=_status(detail.alpha, v),
                note=f"{detail.label}: n = {detail.n_units}",
            )
            for detail in v.details
            if not math.isnan(detail.alpha)
        ]
        title = f"{_('details')}: {name}"
        plot = plots.dot_plot(rows, ident=f"details-{ident}", title=title, _=_) if rows else ""
        section["details_plot"] = _svg(plot)
        section["details_hidden"] = len(v.details) - len(rows)
    if data is None or diag is None:
        return section
    section["coincidence"] = _coincidence(diag, v, var, ident, name, labels)
    section["pairwise"] = _pairwise(diag, v, ident, name, labels)
    section["loo"] = _loo(diag, v, ident, name, labels)
    section["units"] = _units(diag, var, labels, texts)
    return section


def _coincidence(
    diag: Diagnostics, v: VariableReliability, var: Variable, ident: str, name: str, labels: Labels
) -> dict[str, Any] | None:
    cm = diag.coincidence
    if cm is None:
        return None
    _ = labels._
    shown_labels = [labels.value(var, value) for value in cm.labels]
    shown = [labels.short(var, value) for value in cm.labels]
    codes = [labels.value_code(value) for value in cm.labels]
    title = f"{_('coincidence')}: {name}"
    plot = plots.coincidence_plot(
        cm, shown_labels, shown, codes, ident=f"coincidence-{ident}", title=title, _=_
    )
    cat_alpha = diag.category_alpha
    n = len(cm.labels)
    rows = [
        {
            "code": codes[i],
            "label": shown_labels[i],
            "counts": [float(cm.matrix[i, j]) for j in range(n)],
            "total": float(cm.matrix[i].sum()),
            "expected": [float(cm.expected[i, j]) for j in range(n)],
            "category_alpha": None if cat_alpha is None else cat_alpha.get(value, float("nan")),
        }
        for i, value in enumerate(cm.labels)
    ]
    return {
        "plot": _svg(plot),
        "head": [(label, True) for label in shown_labels],
        "rows": rows,
        "n_pairable": cm.n_pairable,
        "category_alpha": cat_alpha,
    }


def _pairwise(
    diag: Diagnostics, v: VariableReliability, ident: str, name: str, labels: Labels
) -> dict[str, Any] | None:
    pa, pct = diag.pairwise, diag.percent
    if pa is None or pct is None:
        return None
    _ = labels._
    title = f"{_('pairwise')}: {name}"
    plot = plots.pairwise_plot(pa, v, ident=f"pairwise-{ident}", title=title, _=_)
    coders = [str(c) for c in pa.coders]
    pairs = [
        (
            coders[i],
            coders[j],
            float(pa.matrix[i, j]),
            float(pct.matrix[i, j]) * 100,
            int(pa.n_units[i, j]),
        )
        for i in range(len(coders))
        for j in range(i + 1, len(coders))
    ]
    return {"plot": _svg(plot), "pairs": pairs}


def _loo(
    diag: Diagnostics, v: VariableReliability, ident: str, name: str, labels: Labels
) -> dict[str, Any] | None:
    if diag.loo is None:
        return None
    _ = labels._
    title = f"{_('loo')}: {name}"
    plot = plots.loo_plot(diag.loo, v.alpha, ident=f"loo-{ident}", title=title, _=_)
    rows = [
        (str(coder), v.alpha + delta if not math.isnan(delta) else float("nan"), delta)
        for coder, delta in sorted(diag.loo.items(), key=lambda kv: str(kv[0]))
    ]
    return {"plot": _svg(plot), "rows": rows}


def _units(
    diag: Diagnostics, var: Variable, labels: Labels, texts: Mapping[str, tuple[str, str | None]]
) -> list[dict[str, Any]]:
    out = []
    for unit in diag.units:
        groups: dict[Any, list[str]] = {}
        for coder, value in sorted(
            diag.codings.get(unit.unit, {}).items(), key=lambda kv: str(kv[0])
        ):
            groups.setdefault(value, []).append(str(coder))
        text, text_lang = texts.get(str(unit.unit), ("", None))
        out.append(
            {
                "unit": str(unit.unit),
                "score": unit.score,
                "groups": [
                    (labels.value_code(value), labels.value(var, value), coders)
                    for value, coders in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[1]))
                ],
                "text": text,
                "lang": text_lang,
            }
        )
    return out


def unit_texts(aset: AnnotationSet, tasks: Sequence[Task]) -> dict[str, tuple[str, str | None]]:
    """Unit id -> (text, language tag): the task file first, else the annotations' text."""
    texts: dict[str, tuple[str, str | None]] = {}
    # Only the records that carry a text are visited (often none of a million).
    column = aset.coded("text")
    carries = np.array([bool(text) for text in column.labels] + [False], dtype=bool)
    rows = np.flatnonzero(carries[column.codes])
    units = aset.coded("unit_id")
    for unit_code, text_code in zip(
        units.codes[rows].tolist(), column.codes[rows].tolist(), strict=True
    ):
        unit, text = units.labels[unit_code], column.labels[text_code]
        if str(unit) not in texts:
            texts[str(unit)] = (str(text), None)
    for task in tasks:
        texts[task.unit_id] = (task.text, task.lang)
    return texts


def render_page(
    analysis: Analysis,
    annotations: AnnotationSet,
    cb: Codebook,
    *,
    lang: str,
    files: Sequence[SourceFile],
    tasks: Sequence[Task],
    tasks_file: SourceFile | None,
    bootstrap: int,
    seed: int | None,
    generated: datetime,
    gold: GoldStandard | None = None,
    machines: MachineView | None = None,
    everything: AnnotationSet | None = None,
    methods: Sequence[str] = (),
    rounds: Mapping[str, Any] | None = None,
) -> str:
    """The report page for an analysis of ``annotations`` (see :func:`build_report`).

    With ``machines``, ``annotations`` are the human codings the headline numbers are about and
    ``everything`` all records read (the provenance counts them all).
    """
    everything = annotations if everything is None else everything
    report = analysis.report
    labels = Labels(cb, lang)
    _ = labels._
    coded = frozenset(annotations.distinct("variable"))
    texts = unit_texts(annotations, tasks)
    assessed = [v for v in report.variables if v.variable in coded]
    counts: dict[str, int] = {}
    for v in assessed:
        counts[v.status] = counts.get(v.status, 0) + 1
    cards = [
        ("", str(len(assessed)), _("variables")),
        *[(s, str(counts.get(s, 0)), _(s)) for s in (PASS, TENTATIVE, FAIL, INSUFFICIENT)],
        ("", str(len(report.coders)), _("coders")),
        ("", str(report.n_units), _("units")),
        ("", str(len(everything)), _("records")),
    ]
    origin = cb.origin
    origin_hash = ""
    if origin and Path(origin).is_file():
        origin_hash = SourceFile.of(origin).sha256
    provenance = {
        "origin_hash": origin_hash,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "bootstrap": bootstrap,
        "seed": seed,
        "records": len(everything),
        "files": files,
        "tasks_file": tasks_file,
        "n_tasks": len(tasks),
        "coders": [(str(c), *n) for c, n in coder_counts(everything, everything.coders).items()],
    }
    return _ENV.get_template("page.html.j2").render(
        _=_,
        lang=lang,
        cb=cb,
        labels=labels,
        report=report,
        title=labels.pick(cb.title) or cb.id,
        csp=CSP,
        css=resource_text(__package__ or "intercoder.report", "report.css"),
        version=__version__,
        generated=generated,
        stamp=generated.strftime("%Y-%m-%d %H:%M UTC"),
        cards=cards,
        assessed=assessed,
        coded=coded,
        uncoded=[v for v in report.variables if v.variable not in coded],
        forest=_forest(report, coded, cb, labels),
        coefficient_names=COEFFICIENT_NAMES,
        sections=[_section(analysis.variables[v.variable], cb, labels, texts) for v in assessed],
        provenance_facts=provenance,
        gold=gold_view(gold, annotations, cb, labels) if gold is not None else None,
        machines=machines,
        methods=methods,
        rounds=rounds,
    )
