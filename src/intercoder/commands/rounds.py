"""``intercoder rounds``: the ledger of recorded rounds: list, show, compare and export them.

Reading the ledger never changes it. A ledger from a newer intercoder or a damaged one is one
line naming the file (exit 1); a round name the ledger does not hold is a usage error (exit 2).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import (
    find_recorded_round,
    ledger_file,
    ledger_option,
    table_format_option,
    write_output,
)

if TYPE_CHECKING:
    from ..ledger import Round


def _rounds(ledger_path: str | None, *, codings: bool = False) -> tuple[Path, list[Round]]:
    from ..ledger import read_rounds

    path = ledger_file(ledger_path)
    return path, read_rounds(path, codings=codings)


def _json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group("rounds")
def rounds() -> None:
    """The ledger of rounds that agree, check, report and certify record with --record."""


@rounds.command("list")
@table_format_option
@ledger_option
def list_command(fmt: str, ledger_path: str | None) -> None:
    """Every recorded round, oldest first, with each variable's alpha."""
    from ..ledger.render import render_list

    _, recorded = _rounds(ledger_path)
    if fmt == "json":
        _json({"rounds": [r.summary() for r in recorded]})
    else:
        click.echo(render_list(recorded, markdown=fmt == "markdown"), nl=False)


@rounds.command("show")
@click.argument("name", metavar="ROUND")
@table_format_option
@click.option(
    "--lang",
    "-l",
    default="en",
    show_default=True,
    help="Language of the methods paragraph (--format markdown).",
)
@ledger_option
def show_command(name: str, fmt: str, lang: str, ledger_path: str | None) -> None:
    """One round (a name, or last): its files, variables, certification, each coder's
    stability, and the variables a new codebook version changed (whether they became more
    reliable); with --format markdown, the methods paragraph for a journal."""
    from ..i18n import languages
    from ..ledger import codebook_changes, methods_markdown, stability
    from ..ledger.render import render_changes, render_show, render_stability_markdown

    if lang not in languages():
        raise click.BadParameter(
            f"{lang!r}: no such language ({', '.join(languages())})", param_hint="--lang"
        )
    path, recorded = _rounds(ledger_path, codings=True)
    round_ = find_recorded_round(recorded, name, path)
    earlier = recorded[: recorded.index(round_)]
    items = stability(round_, earlier)
    certification = next(
        (r for r in reversed(earlier) if r.certifications and r.codebook == round_.codebook),
        None,
    )
    changes = codebook_changes(round_, earlier)
    if fmt == "json":
        data = round_.details()
        data["stability"] = [s.as_dict() for s in items]
        data["codebook_changes"] = None if changes is None else changes.as_dict()
        _json(data)
    elif fmt == "markdown":
        text = methods_markdown(round_, lang=lang, certification=certification)
        table = render_stability_markdown(items, lang=lang)
        click.echo(text + ("\n" + table if table else ""), nl=False)
    else:
        click.echo(render_show(round_, items) + render_changes(changes), nl=False)


@rounds.command("compare")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@table_format_option
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Resamples for the interval of each difference (0: none).",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Bootstrap seed."
)
@ledger_option
def compare_command(
    a: str, b: str, fmt: str, bootstrap: int, seed: int, ledger_path: str | None
) -> None:
    """Each variable's alpha in rounds A and B, the difference B − A and its bootstrap 95%
    interval (paired over the units both rounds coded). Variables whose definition differs
    between the two rounds' codebook versions are marked."""
    from ..ledger import compare_rounds
    from ..ledger.render import render_compare

    path, recorded = _rounds(ledger_path, codings=True)
    first = find_recorded_round(recorded, a, path)
    second = find_recorded_round(recorded, b, path)
    comparison = compare_rounds(first, second, n_resamples=bootstrap, seed=seed)
    if fmt == "json":
        _json(comparison.as_dict())
    else:
        click.echo(render_compare(comparison, markdown=fmt == "markdown"), nl=False)


@rounds.command("export")
@click.argument("name", metavar="ROUND")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="JSON Lines file to write (default: standard output).",
)
@ledger_option
def export_command(name: str, output: str | None, ledger_path: str | None) -> None:
    """Every coder's label of every unit and variable of a round, with the soft label (the
    distribution per unit): JSON Lines for learning from disagreement (LeWiDi format)."""
    from ..ledger import perspectivist_jsonl

    path, recorded = _rounds(ledger_path, codings=True)
    write_output(output, perspectivist_jsonl(find_recorded_round(recorded, name, path)))
