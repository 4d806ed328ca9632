"""The reliability report: one self-contained HTML page that shows where coders disagree and why.

For methodologists revising a codebook. The page holds, in the codebook's language:

* per variable, Krippendorff's alpha with its bootstrap interval against the codebook's pass and
  tentative thresholds (a forest plot);
* per variable, the diagnostics of :mod:`intercoder.agreement` on the same data: the coincidence
  matrix (which categories get confused), alpha per tree level and category, the pairwise
  agreement of the coders, leave-one-coder-out delta alpha (who drags reliability down) and the
  most disputed units with their texts, for adjudication;
* provenance: codebook version, input files with their SHA-256, record counts, coders, bootstrap
  settings (the seed, drawn and recorded when none is given), generation time and intercoder
  version.

Everything on the page is computed once by :func:`intercoder.reliability.analyse`; this package
only renders: :mod:`.page` assembles the page from templates, :mod:`.plots` draws the SVG plots
(with :mod:`.svg`), and :mod:`.tables` holds the text and Markdown tables of the terminal.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import IntercoderError
from .tables import render_markdown, render_table

if TYPE_CHECKING:
    from ..annotations import AnnotationSet
    from ..codebook.model import Codebook
    from ..ledger import Round
    from ..tasks import Task
    from ..workflow.gold import GoldStandard

# The page (Jinja2, the plots, the machine and gold sections) loads when a page is built:
# `intercoder agree` and `check` import this package for the text tables only.

__all__ = ["build_report", "render_markdown", "render_table", "write_report"]


def build_report(
    annotations: AnnotationSet,
    codebook: Codebook,
    *,
    files: Sequence[str | Path] = (),
    lang: str | None = None,
    bootstrap: int = 1000,
    seed: int | None = None,
    tasks: Sequence[Task] = (),
    tasks_file: str | Path | None = None,
    top: int = 10,
    generated_at: datetime | None = None,
    gold: GoldStandard | None = None,
    variables: Collection[str] | None = None,
    ledger: Path | None = None,
    record: Callable[[Round], Round] | None = None,
    round_name: str | None = None,
) -> str:
    """The report page for checked ``annotations`` (see :func:`check_annotations`).

    ``files`` are the annotation files read (for the provenance, with their SHA-256); texts of
    the disputed units come from ``tasks`` (a task file read with ``read_tasks``) or else from
    the annotations' ``text`` column. Without a ``seed``, one is drawn and shown on the page
    so that the bootstrap intervals can be reproduced. With a ``gold`` standard, the page adds
    the coders against the gold and the adjudication reasons (:mod:`.gold`). Codings of a machine
    coder (a registered coder's ``NAME@VERSION``) are kept out of the headline numbers and
    compared with the humans in their own section (:mod:`.machines`). ``variables`` limits the
    page to those variable ids (:func:`intercoder.reliability.select_variables`).

    The page ends with the methods paragraph a journal asks for (:mod:`intercoder.ledger.methods`).
    With a ``ledger`` (:mod:`intercoder.ledger`), it also shows each variable's alpha across the
    recorded rounds and each coder's stability; ``record`` writes this report's round to the
    ledger first (and returns it as recorded), ``round_name`` names it.
    """
    import attrs

    from ..ledger import certification_rows, make_round, methods_paragraphs, read_rounds
    from ..reliability import SourceFile, analyse, select_variables, source_files, with_variables
    from ..workflow.validate_coder import machine_coder_ids
    from .machines import machine_view, split_machines
    from .page import Labels, render_page
    from .trend import rounds_view

    cb = codebook
    lang = lang or cb.languages[0]
    if lang not in cb.languages:
        raise IntercoderError(f"{lang!r} is not a language of {cb.ref} ({', '.join(cb.languages)})")
    if bootstrap and seed is None:
        seed = secrets.randbelow(2**31)
    generated = (generated_at or datetime.now(UTC)).astimezone(UTC)
    read = annotations  # the provenance counts every record of the files
    if variables is not None:
        variables = select_variables(cb, variables)
        annotations = with_variables(annotations, cb, variables)
        if gold is not None:
            gold = GoldStandard(tuple(r for r in gold if r.variable in variables))
    # Machine coders among the inputs: the headline is the humans' agreement, and each machine
    # is compared with the humans in a section of its own (with at least two humans).
    everything = annotations
    view = None
    machines = machine_coder_ids(annotations.coders)
    if machines:
        humans, machine_sets = split_machines(annotations, machines)
        if len(humans.coders) >= 2:
            annotations = humans
            view = machine_view(humans, machine_sets, cb, Labels(cb, lang), seed=seed)
    analysis = analyse(
        annotations, cb, bootstrap=bootstrap, seed=seed, top=top, variables=variables
    )
    sources = source_files(read, files)
    labels = Labels(cb, lang)
    _ = labels._
    this_report = _("this_report")  # the name of a round that is shown, not recorded
    names = {var.id: labels.variable(var) for var in cb.variables}
    certification = []
    if gold is not None:
        from ..workflow.certify import certify

        certification = certification_rows(certify(gold, annotations, cb))
    current = make_round(
        "report",
        annotations,
        cb,
        analysis.report,
        files=sources,
        name=round_name or this_report,
        bootstrap=bootstrap,
        seed=seed,
        certifications=certification,
        recorded_at=generated,
        codings=ledger is not None,
    )
    rounds = None
    if ledger is not None:
        if record is not None:
            current = record(attrs.evolve(current, name=round_name or ""))
        history = read_rounds(ledger, codings=True)
        thresholds = {
            v.variable: (v.threshold, v.tentative) for v in analysis.report.variables if v.n_units
        }
        rounds = rounds_view(
            history, current, lang=lang, labels=names, thresholds=thresholds, _=labels._
        )
    methods = methods_paragraphs(current, lang=lang, labels=names)
    return render_page(
        analysis,
        annotations,
        cb,
        lang=lang,
        files=sources,
        tasks=tasks,
        tasks_file=SourceFile.of(tasks_file, len(tasks)) if tasks_file is not None else None,
        bootstrap=bootstrap,
        seed=seed,
        generated=generated,
        gold=gold,
        machines=view,
        everything=everything,
        methods=methods,
        rounds=rounds,
    )


def write_report(
    path: str | Path, annotations: AnnotationSet, codebook: Codebook, **kw: Any
) -> None:
    """Build the report (see :func:`build_report`) and write it atomically to ``path``."""
    from ..fileio import write_atomic

    write_atomic(path, build_report(annotations, codebook, **kw))
