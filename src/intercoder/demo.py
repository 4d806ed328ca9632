"""``intercoder demo``: the main job, offline, on the bundled codebooks and synthetic data.

1. validates every bundled codebook strictly and writes its coder manual in every language;
2. builds a clearly synthetic pilot round on ``hate-speech`` (texts: the codebook's constructed
   examples in five languages; three simulated coders, see :mod:`intercoder.pilot`);
3. runs the lexicon coder on the same texts;
4. computes agreement among the human coders and of the machine coder against them;
5. writes the HTML reliability report and an index of everything, and prints where they are.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

from .codebook.model import Codebook
from .codebook.registry import available_codebooks, load_codebook, load_codebook_with_warnings
from .codebook.render import manual_html
from .errors import IntercoderError
from .fileio import write_atomic

PILOT_CODEBOOK = "hate-speech"


def _summary(cb: Codebook) -> str:
    codes = sum(1 for var in cb.variables for _ in var.walk())
    marker_terms = sum(len(m.terms) for m in cb.markers)
    return (
        f"{cb.ref:<24} {len(cb.variables):>3} variables {codes:>4} codes "
        f"{marker_terms:>4} marker terms  {', '.join(cb.languages)}"
    )


def _manuals(output_dir: Path, echo: Callable[[str], None]) -> list[str]:
    """Validate every bundled codebook and write its manuals; the index rows."""
    books = available_codebooks()
    if not books:
        raise IntercoderError("no bundled codebooks found: is the installation complete?")
    echo(f"1. Validating {len(books)} codebook(s) strictly (every translation present)")
    rows = []
    for entries in books.values():
        for entry in entries:
            cb, _ = load_codebook_with_warnings(entry.path, strict=True)
            echo(f"   ok  {_summary(cb)}")
            links = []
            for lang in cb.languages:
                target = output_dir / "manuals" / f"{cb.id}-{cb.version}.{lang}.html"
                write_atomic(target, manual_html(cb, lang))
                links.append(
                    f'<a href="manuals/{html.escape(target.name)}">{html.escape(lang)}</a>'
                )
            title = html.escape(cb.title.pick("en", cb.languages) or cb.id)
            rows.append(
                f"<tr><td>{title}</td><td><code>{html.escape(cb.ref)}</code></td>"
                f"<td>{len(cb.variables)}</td><td>{' · '.join(links)}</td></tr>"
            )
    return rows


def run_demo(output_dir: Path, echo: Callable[[str], None] = print) -> Path:
    """Run the demo into ``output_dir``; returns the index page."""
    from .annotations import AnnotationSet
    from .coders import LexiconCoder
    from .formats.long import LongCsv
    from .pilot import CODERS, pilot_annotations
    from .reliability import assess
    from .report.tables import render_markdown, render_table

    rows = _manuals(output_dir, echo)

    cb = load_codebook(PILOT_CODEBOOK)
    tasks, human = pilot_annotations(cb)
    pilot = output_dir / "pilot"
    LongCsv().write(human, pilot / "human.csv", cb)
    write_atomic(
        pilot / "tasks.jsonl",
        "".join(
            json.dumps(
                {"unit_id": t.unit_id, "text": t.text, "lang": t.lang, "source": t.source},
                ensure_ascii=False,
            )
            + "\n"
            for t in tasks
        ),
    )
    echo(
        f"2. Synthetic pilot round on {cb.ref}: {len(tasks)} constructed texts in "
        f"{len(cb.languages)} languages, {len(CODERS)} simulated coders -> {pilot}"
    )

    coder = LexiconCoder()
    machine = AnnotationSet.from_records(coder.code(tasks, cb))
    LongCsv().write(machine, pilot / "machine.csv", cb)
    echo(
        f"3. Lexicon coder {coder.coder_id}: {len(machine)} annotations -> {pilot / 'machine.csv'}"
    )

    humans = assess(human, cb)
    both = assess(AnnotationSet.concatenate([human, machine]), cb)
    write_atomic(
        output_dir / "agreement.md", render_markdown(humans) + "\n" + render_markdown(both)
    )
    echo("4. Agreement among the human coders:")
    echo(_indent(render_table(humans)))
    machine_vars = sorted(set(machine.variable.tolist()))
    echo(f"   ... and with the machine coder as a fourth coder ({', '.join(machine_vars)}):")
    echo(_indent(_only(render_table(both), machine_vars)))

    from .annotations import check_annotations, read_many
    from .report import build_report

    report = output_dir / "report.html"
    files = [pilot / "human.csv", pilot / "machine.csv"]
    # read back, as `intercoder report` would: the provenance counts the records of each file
    checked = check_annotations(read_many(files), cb)
    write_atomic(
        report,
        build_report(checked.annotations, cb, files=files, bootstrap=1000, seed=1, tasks=tasks),
    )
    index = output_dir / "index.html"
    write_atomic(index, _index_page(rows, cb))
    echo(f"5. Reliability report (humans and the lexicon coder): {report.resolve()}")
    echo(f"   Everything: {index.resolve()}")
    return index


def _indent(text: str) -> str:
    return "\n".join(f"   {line}" for line in text.rstrip("\n").splitlines())


def _only(table: str, variables: list[str]) -> str:
    lines = table.splitlines()
    keep = lines[:2] + [line for line in lines[2:] if line.split(" ", 1)[0] in variables]
    return "\n".join(keep)


def _index_page(rows: list[str], cb: Codebook) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>intercoder demo</title><style>body{font:16px/1.5 system-ui,sans-serif;"
        "max-width:50rem;margin:2rem auto;padding:0 1rem}td,th{padding:.3rem .8rem;"
        "text-align:left}</style></head><body><h1>intercoder demo</h1>"
        f"<p>A synthetic pilot round on <code>{html.escape(cb.ref)}</code>: "
        '<a href="report.html"><b>reliability report</b></a>, '
        '<a href="pilot/human.csv">human codings</a>, '
        '<a href="pilot/machine.csv">lexicon coder</a>, '
        '<a href="pilot/tasks.jsonl">texts</a>, '
        '<a href="agreement.md">agreement tables</a>. '
        "All texts are the codebook's constructed examples; all coders are simulated.</p>"
        "<h2>Coder manuals</h2>"
        "<table><tr><th>Codebook</th><th>Reference</th><th>Variables</th><th>Manuals</th></tr>"
        + "".join(rows)
        + "</table></body></html>\n"
    )
