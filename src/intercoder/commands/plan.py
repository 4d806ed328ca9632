"""``intercoder plan``: how many units a reliability round needs, and drawing them."""

from __future__ import annotations

import json
import sys

import click

from .options import EXIT_FAILED, annotation_read_options


@click.command("plan")
@click.option(
    "--min-alpha",
    type=float,
    default=None,
    help="Smallest acceptable alpha (default with --codebook: each variable's threshold).",
)
@click.option(
    "--significance",
    type=float,
    default=0.05,
    show_default=True,
    help="Significance level (one-tailed) of telling alpha above --min-alpha.",
)
@click.option(
    "--categories",
    type=click.IntRange(min=2),
    default=None,
    help="Number of equally likely codes (smallest probability 1/K).",
)
@click.option(
    "--smallest-p", type=float, default=None, help="Probability of the least frequent code."
)
@click.option("--coders", type=click.IntRange(min=2), default=2, show_default=True)
@click.option(
    "--codebook",
    "codebook_ref",
    default=None,
    help="Plan every categorical variable of this codebook.",
)
@click.option(
    "--from",
    "earlier",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An earlier round's annotation file: category shares from its codings.",
)
@click.option(
    "--tasks",
    "tasks_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Task file to draw the sample from (with --codebook).",
)
@click.option("-o", "--output", default=None, help="Sample task file to write (with --tasks).")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the sample.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@annotation_read_options
def plan_command(
    min_alpha: float | None,
    significance: float,
    categories: int | None,
    smallest_p: float | None,
    coders: int,
    codebook_ref: str | None,
    earlier: tuple[str, ...],
    tasks_file: str | None,
    output: str | None,
    seed: int,
    fmt: str,
) -> None:
    """Minimum number of units for reliability data (Bloch & Kraemer 1989, eq. 3.7).

    Either --min-alpha with --categories or --smallest-p, or --codebook (per variable; with
    --tasks and -o, a seeded random sample stratified by lang and source).
    """
    from ..workflow.plan import equal_p, required_units
    from ..workflow.render import render_plan

    if codebook_ref is None:
        if (tasks_file, output, earlier) != (None, None, ()):
            raise click.UsageError("--tasks, -o and --from need --codebook")
        if min_alpha is None or (categories is None) == (smallest_p is None):
            raise click.UsageError(
                "give --min-alpha and one of --categories or --smallest-p (or --codebook)"
            )
        p = smallest_p if smallest_p is not None else equal_p(categories or 0)
        result = required_units(min_alpha, significance, p, coders)
        click.echo(
            json.dumps(result.as_dict()) if fmt == "json" else render_plan(result), nl=fmt == "json"
        )
        return
    if categories is not None or smallest_p is not None:
        raise click.UsageError("--categories and --smallest-p do not go with --codebook")
    if (tasks_file is None) != (output is None):
        raise click.UsageError("--tasks and -o go together")
    from ..tasks import read_tasks
    from ..workflow.files import write_tasks
    from ..workflow.plan import plan_codebook, stratified_sample
    from ..workflow.render import render_variable_plans
    from .options import load_checked

    if earlier:
        cb, annotations = load_checked(earlier, codebook_ref, skip_invalid=False)
    else:
        from .options import load_codebook_option

        cb, annotations = load_codebook_option(codebook_ref), None
    plans = plan_codebook(
        cb, significance=significance, coders=coders, min_alpha=min_alpha, earlier=annotations
    )
    if not plans:
        click.echo(f"{cb.ref} has no categorical variable to plan", err=True)
        sys.exit(EXIT_FAILED)
    units = max(variable_plan.units for variable_plan in plans)
    sample = None
    if tasks_file is not None and output is not None:
        sample = stratified_sample(read_tasks(tasks_file), units, seed)
        write_tasks(output, sample)
        click.echo(f"wrote {output} ({len(sample)} units, seed {seed})", err=True)
    if fmt == "json":
        body = {
            "units": units,
            "codebook": cb.ref,
            "significance": significance,
            "coders": coders,
            "variables": [{**p.as_dict(), "min_alpha": p.plan.min_alpha} for p in plans],
        }
        if sample is not None:
            body["sample"] = {"file": output, "units": len(sample), "seed": seed}
        click.echo(json.dumps(body, ensure_ascii=False))
    else:
        click.echo(render_variable_plans(plans, units), nl=False)
    for variable_plan in plans:
        if variable_plan.unseen:
            click.echo(
                f"warning: {variable_plan.variable}: {', '.join(variable_plan.unseen)} "
                "never used in the earlier round; "
                "the plan counts on the rarest code that was",
                err=True,
            )
