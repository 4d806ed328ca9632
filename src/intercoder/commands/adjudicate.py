"""``intercoder adjudicate``: settle a round's agreements to gold and queue the disputes."""

from __future__ import annotations

from pathlib import Path

import click

from .options import annotation_read_options, codebook_option, load_checked, skip_invalid_option


@click.command("adjudicate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@codebook_option
@click.option(
    "-o",
    "--output",
    required=True,
    help="Gold standard file to write (.csv or .jsonl); its adjudicated rows are kept.",
)
@click.option(
    "--rule",
    type=click.Choice(["unanimous", "majority"]),
    default="unanimous",
    show_default=True,
    help="What settles a value without an adjudicator.",
)
@click.option(
    "--queue",
    "queue_file",
    default=None,
    help="Dispute queue to write (.csv or .jsonl), ordered by disagreement.",
)
@click.option(
    "--decisions",
    "decision_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A filled queue to merge: decided rows become adjudicated.",
)
@click.option(
    "--tasks",
    "tasks_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Task file with the units' texts, for the queue.",
)
@skip_invalid_option
@annotation_read_options
def adjudicate_command(
    files: tuple[str, ...],
    codebook_ref: str,
    output: str,
    rule: str,
    queue_file: str | None,
    decision_files: tuple[str, ...],
    tasks_file: str | None,
    skip_invalid: bool,
) -> None:
    """Adjudicate the codings of annotation FILES into a gold standard.

    Values the rule allows are settled (a tie never is); the rest go to the dispute queue and
    into the gold as unresolved. Decisions from filled queues become adjudicated values. Every
    input is checked before anything is written, so a failed merge leaves the gold as it was.
    """
    from ..fileio import write_atomic
    from ..tasks import read_tasks
    from ..workflow.adjudicate import adjudicate, earlier_decisions, read_decisions, render_queue
    from ..workflow.gold import read_gold, write_gold
    from ..workflow.render import adjudication_summary

    cb, annotations = load_checked(files, codebook_ref, skip_invalid)
    decisions = []
    if Path(output).exists():
        in_round = set(annotations.unit_id.tolist())
        decisions += earlier_decisions(read_gold(output, cb), in_round)
    for path in decision_files:
        decisions += read_decisions(path, cb)
    texts = {t.unit_id: t.text for t in read_tasks(tasks_file)} if tasks_file else None
    result = adjudicate(annotations, cb, rule=rule, decisions=decisions, texts=texts)
    queue_text = render_queue(queue_file, result) if queue_file else None
    write_gold(output, result.gold)
    click.echo(f"wrote {output}", err=True)
    if queue_file and queue_text is not None:
        write_atomic(queue_file, queue_text)
        click.echo(f"wrote {queue_file}", err=True)
    click.echo(adjudication_summary(result), nl=False)
