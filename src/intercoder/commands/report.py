"""``intercoder report``: the reliability report of annotation files as one HTML page."""

from __future__ import annotations

import click

from .options import (
    annotation_read_options,
    check_language,
    codebook_option,
    ledger_file,
    load_checked,
    record_options,
    record_round,
    recording,
    selected_variables,
    skip_invalid_option,
    stage_bar,
    variables_option,
)


@click.command("report")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@codebook_option
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="HTML file to write."
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the alpha intervals (0: no intervals).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Seed for the bootstrap (default: drawn at random and shown in the report).",
)
@click.option(
    "--lang", "-l", default=None, help="Language of the labels (default: the codebook's first)."
)
@click.option(
    "--tasks",
    "tasks_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Task file (CSV/JSONL with unit_id, text) with the texts of the disputed units.",
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Disputed units listed per variable.",
)
@click.option(
    "--gold",
    "gold_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Gold standard file: adds the coders against the gold and the adjudication reasons.",
)
@skip_invalid_option
@variables_option
@record_options
@annotation_read_options
def report(
    files: tuple[str, ...],
    codebook_ref: str,
    output: str,
    bootstrap: int,
    seed: int | None,
    lang: str | None,
    tasks_path: str | None,
    top: int,
    gold_path: str | None,
    skip_invalid: bool,
    variables: str | None,
    record: bool,
    round_name: str | None,
    ledger_path: str | None,
) -> None:
    """Write the reliability report of annotation FILES: one self-contained HTML page.

    Per variable: alpha with bootstrap intervals against the thresholds, the coincidence
    matrix, pairwise coder agreement, leave-one-coder-out delta alpha and the most
    disputed units with their texts; plus the codebook version and data provenance, and the
    methods paragraph. With --record or --ledger: alpha across the recorded rounds and each
    coder's stability.
    """
    from ..codebook.registry import load_codebook
    from ..report import write_report
    from ..tasks import read_tasks

    if lang is not None:
        check_language(lang, load_codebook(codebook_ref))
    ledger = recording(record, round_name, ledger_path)
    with stage_bar(files, "report", ["reading and checking", "analysing and writing"]) as step:
        cb, annotations = load_checked(files, codebook_ref, skip_invalid)
        selected = selected_variables(cb, variables)
        tasks = read_tasks(tasks_path) if tasks_path is not None else []
        gold = None
        if gold_path is not None:
            from ..workflow.gold import read_gold

            gold = read_gold(gold_path, cb)
        step()
        write_report(
            output,
            annotations,
            cb,
            files=files,
            lang=lang,
            bootstrap=bootstrap,
            seed=seed,
            tasks=tasks,
            tasks_file=tasks_path,
            top=top,
            gold=gold,
            variables=selected,
            ledger=ledger or (ledger_file(ledger_path) if ledger_path is not None else None),
            record=(lambda r: record_round(ledger, r)) if ledger is not None else None,
            round_name=round_name,
        )
    click.echo(f"wrote {output}", err=True)
