"""``intercoder certify``: each coder against a gold standard; exit 1 when a coder fails."""

from __future__ import annotations

import json
import sys

import click

from .options import (
    EXIT_FAILED,
    annotation_read_options,
    codebook_option,
    load_checked,
    record_options,
    record_round,
    recording,
    skip_invalid_option,
    table_format_option,
)


@click.command("certify")
@click.argument("gold_file", metavar="GOLD", type=click.Path(exists=True, dir_okay=False))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@codebook_option
@table_format_option
@skip_invalid_option
@record_options
@annotation_read_options
def certify_command(
    gold_file: str,
    files: tuple[str, ...],
    codebook_ref: str,
    fmt: str,
    skip_invalid: bool,
    record: bool,
    round_name: str | None,
    ledger_path: str | None,
) -> None:
    """Certify the coders of annotation FILES against the gold standard GOLD.

    Per coder and variable: alpha of the coder and the gold as two coders, accuracy, the
    confusions, and the status against the codebook's thresholds. Exit 0 when every coder
    passes, 1 when one fails.
    """
    from ..workflow.certify import certify
    from ..workflow.gold import read_gold
    from ..workflow.render import render_certification, render_certification_markdown

    ledger = recording(record, round_name, ledger_path)
    cb, annotations = load_checked(files, codebook_ref, skip_invalid)
    gold = read_gold(gold_file, cb)
    result = certify(gold, annotations, cb)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(render_certification_markdown(result), nl=False)
    else:
        click.echo(render_certification(result), nl=False)
    if ledger is not None:
        from ..ledger import certification_rows, make_round
        from ..reliability import assess

        round_ = make_round(
            "certify",
            annotations,
            cb,
            assess(annotations, cb),
            files=files,
            name=round_name,
            certifications=certification_rows(result),
        )
        record_round(ledger, round_)
    if not result.passed:
        sys.exit(EXIT_FAILED)
