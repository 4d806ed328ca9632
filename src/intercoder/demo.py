"""``intercoder demo``: the main job, offline, on the bundled codebooks.

It validates every bundled codebook strictly, summarises each (variables, codes, markers,
translation coverage), and writes the coder manual of every codebook in every working language
with an index page, then prints where the files are.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from .codebook.model import Codebook
from .codebook.registry import available_codebooks, load_codebook_with_warnings
from .codebook.render import manual_html
from .errors import IntercoderError
from .fileio import write_atomic


def _summary(cb: Codebook) -> str:
    codes = sum(1 for var in cb.variables for _ in var.walk())
    marker_terms = sum(len(m.terms) for m in cb.markers)
    return (
        f"{cb.ref:<24} {len(cb.variables):>3} variables {codes:>4} codes "
        f"{marker_terms:>4} marker terms  {', '.join(cb.languages)}"
    )


def run_demo(output_dir: Path, echo: Callable[[str], None] = print) -> list[Path]:
    """Run the demo into ``output_dir``; returns the files written."""
    books = available_codebooks()
    if not books:
        raise IntercoderError("no bundled codebooks found: is the installation complete?")
    echo(f"Validating {len(books)} bundled codebook(s) (strict: every translation present)")
    written: list[Path] = []
    index_rows = []
    for entries in books.values():
        for entry in entries:
            cb, _ = load_codebook_with_warnings(entry.path, strict=True)
            echo(f"  ok  {_summary(cb)}")
            links = []
            for lang in cb.languages:
                target = output_dir / "manuals" / f"{cb.id}-{cb.version}.{lang}.html"
                write_atomic(target, manual_html(cb, lang))
                written.append(target)
                links.append(
                    f'<a href="manuals/{html.escape(target.name)}">{html.escape(lang)}</a>'
                )
            title = html.escape(cb.title.pick("en", cb.languages) or cb.id)
            index_rows.append(
                f"<tr><td>{title}</td><td><code>{html.escape(cb.ref)}</code></td>"
                f"<td>{len(cb.variables)}</td><td>{' · '.join(links)}</td></tr>"
            )
    index = output_dir / "index.html"
    write_atomic(
        index,
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>intercoder demo</title><style>body{font:16px/1.5 system-ui,sans-serif;"
        "max-width:50rem;margin:2rem auto}td,th{padding:.3rem .8rem;text-align:left}</style>"
        "</head><body><h1>intercoder demo</h1><p>Coder manuals of the bundled codebooks.</p>"
        "<table><tr><th>Codebook</th><th>Reference</th><th>Variables</th><th>Manuals</th></tr>"
        + "".join(index_rows)
        + "</table></body></html>\n",
    )
    written.append(index)
    echo(f"Wrote {len(written) - 1} coder manuals; open {index.resolve()}")
    return written
