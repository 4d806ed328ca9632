"""``intercoder code``: code the texts of a task file with an automatic coder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .options import (
    code_dask_option,
    codebook_option,
    dask_cluster,
    progress_bar,
    read_options,
)


@click.command("code")
@click.argument("input_file", metavar="INPUT", type=click.Path(exists=True, dir_okay=False))
@click.option("--coder", "coder_name", required=True, help="A registered coder (see `plugins`).")
@codebook_option
@click.option("-o", "--output", required=True, help="Annotation file to write (.csv or .jsonl).")
@click.option(
    "--evidence",
    default=None,
    help="Also write the coder's evidence with its offsets (JSONL): the lexicon's marker "
    "matches, the llm coder's accepted quotes.",
)
@click.option(
    "--coder-option",
    "coder_options",
    multiple=True,
    metavar="KEY=VALUE",
    help="A setting of the coder (repeatable); wins over [tool.intercoder.coders.NAME].",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what coding the first task would send (an LLM coder's prompt); code nothing.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: all cores). The output is the same for any number.",
)
@read_options
@code_dask_option
def code_command(
    input_file: str,
    coder_name: str,
    codebook_ref: str,
    output: str,
    evidence: str | None,
    coder_options: tuple[str, ...],
    dry_run: bool,
    jobs: int | None,
    dask: str | None,
) -> None:
    """Code the texts of a task file INPUT with an automatic coder.

    Settings of the coder come from the `[tool.intercoder.coders.NAME]` table of the nearest
    pyproject.toml (`[coders.NAME]` in intercoder.toml) and from `--coder-option`, which wins.
    """
    from ..annotations import AnnotationSet
    from ..codebook.registry import load_codebook
    from ..coders.parallel import code_tasks, default_jobs
    from ..formats import UnknownFormatError, exporter_for
    from ..plugins import get_host
    from ..tasks import read_tasks

    coders = get_host().coders()
    if coder_name not in coders:
        raise click.BadParameter(
            f"{coder_name!r} is not a registered coder ({', '.join(sorted(coders)) or 'none'})",
            param_hint="--coder",
        )
    out_path = Path(output)
    try:
        exporter = exporter_for(output)
    except UnknownFormatError as exc:
        raise click.BadParameter(str(exc), param_hint="-o") from None
    coder = coders[coder_name]
    _configure(coder, coder_options)
    codebook = load_codebook(codebook_ref)
    tasks = read_tasks(input_file)
    if dry_run:
        if not tasks:
            raise click.UsageError(f"{input_file}: no task to show")
        from ..extensions import CoderSettingsError

        try:
            click.echo(coder.preview(tasks[0], codebook))
        except CoderSettingsError as exc:
            raise click.BadParameter(str(exc), param_hint="--dry-run") from None
        return
    with progress_bar(len(tasks), f"coding with {coder.coder_id}", unit="text") as advance:
        if dask is not None:
            from ..cluster import code_on_cluster

            coded = code_on_cluster(coder, tasks, codebook, dask_cluster(dask), progress=advance)
        else:
            coded = code_tasks(
                coder, tasks, codebook, jobs=jobs or default_jobs(), progress=advance
            )
    annotations = _checked(AnnotationSet.from_records(coded), codebook, coder.coder_id)
    exporter.write(annotations, out_path, codebook)
    click.echo(
        f"{coder.coder_id}: {len(annotations)} annotations for {len(tasks)} texts -> {output}",
        err=True,
    )
    for line in coder.summary():
        click.echo(f"{coder.coder_id}: {line}", err=True)
    if evidence is not None:
        _write_evidence(coder, tasks, codebook, evidence)


def _checked(annotations: Any, codebook: Any, coder_id: str) -> Any:
    """The coder's annotations if every one fits the codebook; else an error naming the coder.

    A coder is code from someone else: what it writes is checked like a human's file, and a
    bad value (a code the variable does not have) never reaches the output.
    """
    from ..annotations import AnnotationError, check_annotations
    from ..errors import Diagnostic, Location

    checked = check_annotations(annotations, codebook)
    if checked.problems:
        where = Location(f"coder {coder_id}")
        raise AnnotationError(
            [Diagnostic(where, problem.message) for problem in checked.problems],
            hint=f"coder {coder_id!r} wrote annotations that do not fit {codebook.ref}; "
            "nothing was written (report it to the coder's authors)",
        )
    return checked.annotations


def _configure(coder: Any, given: tuple[str, ...]) -> None:
    """Hand the coder its settings: the configuration file's table, then the options."""
    from ..configfile import ConfigError, coder_settings, find_config, parse_option
    from ..extensions import CoderSettingsError

    try:
        options = coder_settings(find_config(Path.cwd()), coder.name)
        options.update(parse_option(text) for text in given)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--coder-option") from None
    try:
        coder.configure(options)
    except CoderSettingsError as exc:
        raise click.BadParameter(str(exc), param_hint="--coder-option") from None


def _write_evidence(coder: Any, tasks: list[Any], codebook: Any, path: str) -> None:
    from ..fileio import write_atomic

    if not hasattr(coder, "matches"):
        raise click.BadParameter(
            f"coder {coder.name!r} reports no matches", param_hint="--evidence"
        )
    lines = []
    # A coder that finds many texts' matches at once (the lexicon: one fold and one automaton
    # pass per batch) is asked for all of them; otherwise task by task.
    if hasattr(coder, "matches_many"):
        found = coder.matches_many(tasks, codebook)
    else:
        found = [coder.matches(task, codebook) for task in tasks]
    for task, matches in zip(tasks, found, strict=True):
        for match in matches:
            record = {
                "unit_id": task.unit_id,
                **match._asdict(),
                "text": task.text[match.start : match.end],
            }
            lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    write_atomic(path, "".join(lines))
    click.echo(f"{len(lines)} marker matches -> {path}", err=True)
