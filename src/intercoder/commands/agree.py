"""``intercoder agree``: the reliability of each variable, as a table, Markdown or JSON."""

from __future__ import annotations

import json

import click

from .options import (
    annotation_read_options,
    batch_plan,
    codebook_option,
    dask_option,
    load_codebook_option,
    memory_option,
    read_assessable,
    record_options,
    record_round,
    recording,
    refuse_with_dask,
    selected_variables,
    skip_invalid_option,
    stage_bar,
    table_format_option,
    variables_option,
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
@variables_option
@record_options
@annotation_read_options
@dask_option
@memory_option
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
    dask: str | None,
    memory: int | None,
) -> None:
    """Inter-coder reliability of each variable in long-format annotation FILES."""
    from ..reliability import assess
    from ..report.tables import render_markdown, render_table

    ledger = recording(record, round_name, ledger_path)
    needs = "--record" if ledger is not None else "--bootstrap" if bootstrap else None
    refuse_with_dask(dask, needs)
    with stage_bar(files, "agree", ["reading and checking", "computing reliability"]) as step:
        cb = load_codebook_option(codebook_ref)
        selected = selected_variables(cb, variables)
        batches = batch_plan(files, memory, dask, needs)
        annotations = read_assessable(files, cb, skip_invalid, dask, batches)
        step()
        report = assess(annotations, cb, bootstrap=bootstrap, seed=seed, variables=selected)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(report), nl=False)
    else:
        click.echo(render_table(report, details=details), nl=False)
    from ..annotations import AnnotationSet

    if ledger is not None and isinstance(annotations, AnnotationSet):  # never --dask, batches
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
