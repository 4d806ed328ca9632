"""What the commands share: options declared once, exit codes, and the way results are printed.

Options that several commands take are declared here once, so that their names and help read
the same everywhere. The helpers turn library results into command-line behaviour: a codebook
that cannot be found is a usage error (exit 2, like a bad option); skipped records are warnings
on stderr; an output file is written atomically and announced on stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..annotations import AnnotationSet
    from ..cluster import Cluster
    from ..codebook.model import Codebook
    from ..errors import Diagnostic
    from ..reliability import RemoteAnnotations

#: Exit codes (public contract): 0 ok, 1 a check failed or the input is invalid, 2 usage error.
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: Problems listed before "... and N more".
MAX_SHOWN = 20

codebook_option = click.option(
    "--codebook", "codebook_ref", required=True, help="Codebook reference or path."
)
#: ``--format`` of the commands that print a result as a table, JSON or Markdown.
table_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
)
skip_invalid_option = click.option(
    "--skip-invalid",
    is_flag=True,
    help="Report invalid records as warnings and leave them out instead of failing.",
)


dask_option = click.option(
    "--dask",
    metavar="local|local:N|ADDRESS",
    default=None,
    help="Run on a Dask cluster: local (one worker process per core), local:N (N worker "
    "processes) or a scheduler address (tcp://HOST:8786). FILES may then be directories "
    "of partition files. Needs pip install 'intercoder[dask]'.",
)


def write_output(output: str | None, text: str) -> None:
    """Write to ``output`` atomically, or to stdout when it is None or ``-``."""
    if output in (None, "-"):
        click.echo(text, nl=not text.endswith("\n"))
        return
    from ..fileio import write_atomic

    write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


def load_codebook_option(codebook_ref: str, param_hint: str = "--codebook") -> Codebook:
    """The codebook ``--codebook`` names; naming nothing is a usage error, like a bad option."""
    from ..codebook.registry import load_codebook
    from ..errors import CodebookNotFoundError

    try:
        return load_codebook(codebook_ref)
    except CodebookNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint=param_hint) from None


def check_language(lang: str | None, codebook: Codebook) -> None:
    """Refuse a ``--lang`` that is not one of the codebook's languages."""
    if lang is not None and lang not in codebook.languages:
        raise click.BadParameter(
            f"{lang!r} is not a language of {codebook.ref} ({', '.join(codebook.languages)})",
            param_hint="--lang",
        )


def read_checked(
    files: Sequence[str | Path], codebook: Codebook, skip_invalid: bool
) -> AnnotationSet:
    """The records of ``files`` that fit ``codebook``; skipped ones are warned about on stderr."""
    from ..formats import read_checked as read

    checked = read(files, codebook, skip_invalid=skip_invalid)
    _warn_skipped(checked.problems)
    return checked.annotations


def _warn_skipped(problems: Sequence[Diagnostic]) -> None:
    for problem in problems[:MAX_SHOWN]:
        click.echo(f"{problem.location}: warning: skipped: {problem.message}", err=True)
    if len(problems) > MAX_SHOWN:
        click.echo(f"... and {len(problems) - MAX_SHOWN} more skipped", err=True)


def read_assessable(
    files: Sequence[str | Path], codebook: Codebook, skip_invalid: bool, dask: str | None
) -> AnnotationSet | RemoteAnnotations:
    """:func:`read_checked`, or with ``--dask`` the partitions of ``files`` read, grouped by unit
    and checked on a Dask cluster (closed when the command ends); either one goes to ``assess``."""
    from ..cluster import partition_files, read_partitioned

    cluster = None if dask is None else dask_cluster(dask)
    paths = partition_files([str(f) for f in files])  # a directory: its annotation files
    if cluster is None:
        return read_checked(paths, codebook, skip_invalid)
    checked = read_partitioned(paths, codebook, cluster, skip_invalid=skip_invalid)
    _warn_skipped(checked.problems)
    return checked.annotations


def dask_cluster(target: str) -> Cluster:
    """The Dask cluster ``--dask`` names, closed when the command ends; without Dask a usage
    error saying how to install it."""
    from ..cluster import DaskMissingError, connect, parse_target

    try:
        parse_target(target)
        cluster = connect(target)
    except ValueError as exc:  # not local, local:N or an address
        raise click.BadParameter(str(exc), param_hint="--dask") from None
    except DaskMissingError as exc:
        raise click.BadParameter(str(exc), param_hint="--dask") from None
    click.get_current_context().call_on_close(cluster.close)
    return cluster


def load_checked(
    files: Sequence[str | Path], codebook_ref: str, skip_invalid: bool
) -> tuple[Codebook, AnnotationSet]:
    """The codebook ``--codebook`` names and the records of ``files`` checked against it."""
    codebook = load_codebook_option(codebook_ref)
    return codebook, read_checked(files, codebook, skip_invalid)


#: Steps below which no progress bar is shown: a short run would only flash one.
PROGRESS_MIN = 200


@contextmanager
def progress_bar(total: int, label: str, *, unit: str = "it") -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (tqdm) for ``total`` steps; yields ``advance(n)``.

    Shown only when stderr is a terminal (never in CI, never when piped, never on stdout
    where JSON goes) and the run is long enough to need one.
    """
    if not sys.stderr.isatty() or total < PROGRESS_MIN:
        yield lambda n: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=False) as bar:
        yield bar.update
