"""``intercoder agree``: the reliability of each variable, as a table, Markdown or JSON."""

from __future__ import annotations

import json

import click

from .options import (
    codebook_option,
    dask_option,
    load_codebook_option,
    read_assessable,
    skip_invalid_option,
    table_format_option,
)


@click.command("agree")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
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
@dask_option
def agree(
    files: tuple[str, ...],
    codebook_ref: str,
    fmt: str,
    bootstrap: int,
    seed: int | None,
    details: bool,
    skip_invalid: bool,
    dask: str | None,
) -> None:
    """Inter-coder reliability of each variable in long-format annotation FILES."""
    from ..reliability import assess
    from ..report.tables import render_markdown, render_table

    cb = load_codebook_option(codebook_ref)
    annotations = read_assessable(files, cb, skip_invalid, dask)
    report = assess(annotations, cb, bootstrap=bootstrap, seed=seed)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(report), nl=False)
    else:
        click.echo(render_table(report, details=details), nl=False)
