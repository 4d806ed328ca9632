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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import IntercoderError
from .tables import render_markdown, render_table

if TYPE_CHECKING:
    from ..annotations import AnnotationSet
    from ..codebook.model import Codebook
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
) -> str:
    """The report page for checked ``annotations`` (see :func:`check_annotations`).

    ``files`` are the annotation files read (for the provenance, with their SHA-256); texts of
    the disputed units come from ``tasks`` (a task file read with ``read_tasks``) or else from
    the annotations' ``text`` column. Without a ``seed``, one is drawn and shown on the page
    so that the bootstrap intervals can be reproduced. With a ``gold`` standard, the page adds
    the coders against the gold and the adjudication reasons (:mod:`.gold`). Codings of a machine
    coder (a registered coder's ``NAME@VERSION``) are kept out of the headline numbers and
    compared with the humans in their own section (:mod:`.machines`).
    """
    from ..reliability import SourceFile, analyse, source_files
    from ..workflow.validate_coder import machine_coder_ids
    from .machines import machine_view, split_machines
    from .page import Labels, render_page

    cb = codebook
    lang = lang or cb.languages[0]
    if lang not in cb.languages:
        raise IntercoderError(f"{lang!r} is not a language of {cb.ref} ({', '.join(cb.languages)})")
    if bootstrap and seed is None:
        seed = secrets.randbelow(2**31)
    generated = (generated_at or datetime.now(UTC)).astimezone(UTC)
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
    analysis = analyse(annotations, cb, bootstrap=bootstrap, seed=seed, top=top)
    return render_page(
        analysis,
        annotations,
        cb,
        lang=lang,
        files=source_files(everything, files),
        tasks=tasks,
        tasks_file=SourceFile.of(tasks_file, len(tasks)) if tasks_file is not None else None,
        bootstrap=bootstrap,
        seed=seed,
        generated=generated,
        gold=gold,
        machines=view,
        everything=everything,
    )


def write_report(
    path: str | Path, annotations: AnnotationSet, codebook: Codebook, **kw: Any
) -> None:
    """Build the report (see :func:`build_report`) and write it atomically to ``path``."""
    from ..fileio import write_atomic

    write_atomic(path, build_report(annotations, codebook, **kw))
