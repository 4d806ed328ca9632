"""``intercoder agree``: the reliability of each variable, as a table, Markdown or JSON."""

from __future__ import annotations

import json

import click

from .options import (
    annotation_read_options,
    codebook_option,
    load_checked,
    record_options,
    record_round,
    recording,
    selected_variables,
    skip_invalid_option,
    stage_bar,
    table_format_option,
    variables_option,
)


@click.command("agree")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@codebook_option
@table_format_option
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Bootstrap resamples for confidence intervals (e.g. 10000).",
)
@click.option("--seed", type=int, default=None, help="Seed for the bootstrap (reproducible).")
@click.option("--details", is_flag=True, help="Table: also alpha per tree level and per category.")
@skip_invalid_option
@variables_option
@record_options
@annotation_read_options
def agree(
    files: tuple[str, ...],
    codebook_ref: str,
    fmt: str,
    bootstrap: int,
    seed: int | None,
    details: bool,
    skip_invalid: bool,
    variables: str | None,
    record: bool,
    round_name: str | None,
    ledger_path: str | None,
) -> None:
    """Inter-coder reliability of each variable in long-format annotation FILES."""
    from ..reliability import assess
    from ..report.tables import render_markdown, render_table

    ledger = recording(record, round_name, ledger_path)
    with stage_bar(files, "agree", ["reading and checking", "computing reliability"]) as step:
        cb, annotations = load_checked(files, codebook_ref, skip_invalid)
        selected = selected_variables(cb, variables)
        step()
        report = assess(annotations, cb, bootstrap=bootstrap, seed=seed, variables=selected)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(report), nl=False)
    else:
        click.echo(render_table(report, details=details), nl=False)
    if ledger is not None:
        from ..ledger import make_round

        round_ = make_round(
            "agree",
            annotations,
            cb,
            report,
            files=files,
            name=round_name,
            bootstrap=bootstrap,
            seed=seed,
        )
        record_round(ledger, round_)
