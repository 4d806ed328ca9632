"""``intercoder check``: fail the build when a variable's reliability is under its threshold.

The command parses options and prints; :mod:`intercoder.gate` holds the settings, the judging and
the JUnit, Markdown and GitHub renderings. The gate, the codebook and the agreement engine load
when the command runs, so ``intercoder --help`` stays fast.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .options import (
    EXIT_FAILED,
    EXIT_USAGE,
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
    variables_option,
)

if TYPE_CHECKING:
    from ..gate import Plan
    from ..ledger import Round
    from ..reliability import ReliabilityReport


class SettingError(click.ClickException):
    """A bad setting in a configuration file or a bad combination of options: exit 2."""

    exit_code = EXIT_USAGE


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@codebook_option
@click.option(
    "--min-alpha",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Pass threshold for every variable (default: each variable's, from the codebook).",
)
@click.option(
    "--tentative-alpha",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Tentative threshold for every variable (never above the pass threshold).",
)
@click.option(
    "--tentative",
    "tentative_mode",
    type=click.Choice(["warn", "fail"]),
    default=None,
    help="What a tentative variable does to the build  [default: warn]",
)
@click.option(
    "--insufficient-data",
    type=click.Choice(["fail", "warn"]),
    default=None,
    help="What a variable without a defined alpha does to the build  [default: fail]",
)
@click.option(
    "--judge",
    type=click.Choice(["point", "ci-low", "q"]),
    default=None,
    help="Judge on the point estimate, the 95% bootstrap lower bound, or q = P(alpha < "
    "threshold)  [default: point]",
)
@click.option(
    "--max-q",
    type=click.FloatRange(0.0, 1.0, min_open=True, max_open=True),
    default=None,
    help="Largest acceptable q with --judge q  [default: 0.05]",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=None,
    help="Bootstrap resamples [default: 10000 when judging on the bootstrap, else 0].",
)
@click.option(
    "--seed", type=click.IntRange(min=0), default=None, help="Bootstrap seed  [default: 0]"
)
@click.option(
    "--junit",
    metavar="OUT.xml",
    default=None,
    help="Also write JUnit XML (one testcase per variable).",
)
@click.option(
    "--summary",
    metavar="OUT.md",
    default=None,
    help="Also write a Markdown summary (e.g. to $GITHUB_STEP_SUMMARY).",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Settings file (default: intercoder.toml or pyproject.toml [tool.intercoder], "
    "searched from the working directory upwards).",
)
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@skip_invalid_option
@variables_option
@record_options
@click.option(
    "--baseline",
    metavar="ROUND|last",
    default=None,
    help="Recorded round to compare with (last: the latest); needs --max-drop.",
)
@click.option(
    "--max-drop",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Fail (exit 1) when a variable's alpha fell by more than this since --baseline.",
)
@annotation_read_options
@dask_option
@memory_option
def check_command(
    files: tuple[str, ...],
    codebook_ref: str,
    min_alpha: float | None,
    tentative_alpha: float | None,
    tentative_mode: str | None,
    insufficient_data: str | None,
    judge: str | None,
    max_q: float | None,
    bootstrap: int | None,
    seed: int | None,
    junit: str | None,
    summary: str | None,
    config_file: str | None,
    no_config: bool,
    skip_invalid: bool,
    variables: str | None,
    record: bool,
    round_name: str | None,
    ledger_path: str | None,
    baseline: str | None,
    max_drop: float | None,
    dask: str | None,
    memory: int | None,
) -> None:
    """Fail (exit 1) when a variable's reliability in FILES is under its threshold.

    Prints the table of `intercoder agree` and a verdict line. Exit codes: 0 every variable
    passes (tentative ones warn), 1 a variable fails or an input file is invalid, 2 a usage
    error (options, configuration file).
    """
    from .. import gate
    from ..errors import IntercoderError

    started = time.perf_counter()
    if config_file is not None and no_config:
        raise click.UsageError("--config and --no-config exclude each other")
    if min_alpha is not None and tentative_alpha is not None and tentative_alpha > min_alpha:
        raise click.BadParameter(
            f"{tentative_alpha:g} is above --min-alpha {min_alpha:g}",
            param_hint="--tentative-alpha",
        )
    options = gate.Settings(
        min_alpha=min_alpha,
        tentative_alpha=tentative_alpha,
        tentative=tentative_mode,
        insufficient_data=insufficient_data,
        judge=judge,
        max_q=max_q,
    )
    try:
        config = gate.NO_CONFIG
        if not no_config:
            path = Path(config_file) if config_file else gate.find_config(Path.cwd())
            if path is not None:
                config = gate.load_config(path)
    except gate.ConfigError as exc:
        raise SettingError(str(exc)) from None

    ledger = recording(record, round_name, ledger_path)
    baseline_round = _baseline(baseline, max_drop, ledger_path)
    outputs = _Outputs(junit, summary, codebook_ref)
    try:
        cb = load_codebook_option(codebook_ref)
    except IntercoderError as exc:
        outputs.problems(exc)
        raise
    outputs.codebook = cb.ref
    selected = selected_variables(cb, variables)
    try:
        plan = gate.plan_gate(
            cb, config=config, options=options, bootstrap=bootstrap, seed=seed, variables=selected
        )
    except gate.ConfigError as exc:
        raise SettingError(str(exc)) from None
    needs = _needs_every_record(plan, ledger, bootstrap)
    refuse_with_dask(dask, needs)
    batches = batch_plan(files, memory, dask, needs)
    with stage_bar(files, "check", ["reading and checking", "computing reliability"]) as step:
        try:
            annotations = read_assessable(files, cb, skip_invalid, dask, batches)
        except IntercoderError as exc:
            outputs.problems(exc)
            raise
        step()
        result = gate.run_gate(annotations, cb, plan)
    from ..report.tables import render_table

    click.echo(render_table(result.report), nl=False)
    if gate.in_github_actions():
        for line in gate.github_annotations(result, cb):
            click.echo(line)
    seconds = time.perf_counter() - started
    if junit:
        outputs.write(junit, gate.render_junit(result, seconds))
    if summary:
        outputs.write(summary, gate.render_summary(result))
    click.echo(gate.verdict_line(result))
    drifted = False
    if baseline_round is not None and max_drop is not None:
        drifted = _drift(baseline_round, result.report, max_drop)
    from ..annotations import AnnotationSet

    if ledger is not None and isinstance(annotations, AnnotationSet):  # never --dask, batches
        from ..ledger import make_round

        round_ = make_round(
            "check",
            annotations,
            cb,
            result.report,
            files=files,
            name=round_name,
            bootstrap=plan.bootstrap,
            seed=plan.seed,
        )
        record_round(ledger, round_)
    if not result.passed or drifted:
        sys.exit(EXIT_FAILED)


def _baseline(
    baseline: str | None, max_drop: float | None, ledger_path: str | None
) -> Round | None:
    """The round ``--baseline`` names, read before this run records anything."""
    if (baseline is None) != (max_drop is None):
        raise click.UsageError("--baseline and --max-drop go together")
    if baseline is None:
        return None
    from ..ledger import read_rounds
    from .options import find_recorded_round, ledger_file

    path = ledger_file(ledger_path)
    return find_recorded_round(read_rounds(path), baseline, path)


def _drift(baseline: Round, report: ReliabilityReport, max_drop: float) -> bool:
    """Print the variables whose alpha fell by more than ``max_drop``; True when any did."""
    from ..ledger import drops

    fell = drops(baseline, [(v.variable, v.alpha) for v in report.variables], max_drop)
    for d in fell:
        click.echo(
            f"drift: {d.variable}: alpha {d.alpha_before:.3f} -> {d.alpha_now:.3f}, fell "
            f"{d.drop:.3f} since round {baseline.name} (more than --max-drop {max_drop:g})"
        )
    if fell:
        click.echo(f"drift: FAIL — {len(fell)} variable(s) fell since round {baseline.name}")
    else:
        click.echo(
            f"drift: ok — no variable fell by more than {max_drop:g} since round {baseline.name}"
        )
    return bool(fell)


class _Outputs:
    """The report files, also written when the input is invalid (so CI shows why)."""

    def __init__(self, junit: str | None, summary: str | None, codebook: str) -> None:
        self.junit = junit
        self.summary = summary
        self.codebook = codebook

    def write(self, path: str, text: str) -> None:
        from ..fileio import write_atomic

        write_atomic(path, text)
        click.echo(f"wrote {path}", err=True)

    def problems(self, exc: Exception) -> None:
        from .. import gate
        from ..errors import ProblemsError

        diagnostics = list(exc.diagnostics) if isinstance(exc, ProblemsError) else []
        hint = exc.hint if isinstance(exc, ProblemsError) else ""
        lines = [str(d) for d in diagnostics] or [str(exc)]
        if gate.in_github_actions():
            for line in gate.problem_annotations(diagnostics or [str(exc)]):
                click.echo(line)
        if self.junit:
            self.write(self.junit, gate.render_problems_junit(self.codebook, lines, hint))
        if self.summary:
            self.write(self.summary, gate.render_problems_summary(lines, hint))


def _needs_every_record(plan: Plan, ledger: object, bootstrap: int | None) -> str | None:
    """The option that makes the gate need every record in memory, as the user gave it: the
    ledger, the bootstrap asked for, or a judge that takes the bootstrap (``ci-low``, ``q``)."""
    if ledger is not None:
        return "--record"
    if not plan.bootstrap:
        return None
    judge = plan.resampling_judge
    return f"--judge {judge}" if bootstrap is None and judge is not None else "--bootstrap"
