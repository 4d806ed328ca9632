"""``intercoder validate-coder``: may a machine coder code? Its agreement with humans, per
variable and language, against the humans' agreement with each other."""

from __future__ import annotations

import json

import click

from .options import (
    annotation_read_options,
    codebook_option,
    load_checked,
    skip_invalid_option,
    table_format_option,
)


@click.command("validate-coder")
@click.argument(
    "human_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False)
)
@click.option(
    "--machine",
    "machine_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Annotation file of the machine coder (one coder id).",
)
@codebook_option
@click.option(
    "--tasks",
    "tasks_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Task file giving each unit's language (lang); without it every unit is in 'all'.",
)
@click.option(
    "--gold",
    "gold_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="Adjudicated codings (one coder id) to compare the machine with instead of the "
    "humans' majority.",
)
@table_format_option
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Bootstrap resamples for the interval of the difference.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the bootstrap.")
@skip_invalid_option
@annotation_read_options
def validate_coder_command(
    human_files: tuple[str, ...],
    machine_file: str,
    codebook_ref: str,
    tasks_file: str | None,
    gold_file: str | None,
    fmt: str,
    bootstrap: int,
    seed: int,
    skip_invalid: bool,
) -> None:
    """Validate a machine coder against the human coders in HUMAN_FILES.

    Verdicts: may-replace (agrees with the humans no less than they agree with each other,
    within the bootstrap interval), may-assist (pre-annotations only), not-reliable.
    """
    from ..tasks import read_tasks
    from ..workflow.validate_coder import render_table, validate_coder

    cb, humans = load_checked(human_files, codebook_ref, skip_invalid)
    _, machine = load_checked((machine_file,), codebook_ref, skip_invalid)
    languages = None
    if tasks_file is not None:
        languages = {task.unit_id: task.lang or "?" for task in read_tasks(tasks_file)}
    gold = None if gold_file is None else load_checked((gold_file,), codebook_ref, skip_invalid)[1]
    result = validate_coder(
        humans, machine, cb, languages=languages, gold=gold, resamples=bootstrap, seed=seed
    )
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(result, markdown=fmt == "markdown"), nl=False)
