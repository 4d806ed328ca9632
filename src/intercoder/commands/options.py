"""What the commands share: options declared once, exit codes, and the way results are printed.

Options that several commands take are declared here once, so that their names and help read
the same everywhere. The helpers turn library results into command-line behaviour: a codebook
that cannot be found is a usage error (exit 2, like a bad option); skipped records are warnings
on stderr; an output file is written atomically and announced on stderr.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from ..annotations import AnnotationSet
    from ..cluster import BatchPlan, Cluster
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
#: ``--variables`` of the commands that assess reliability; checked against the codebook by
#: :func:`selected_variables` once it is loaded.
variables_option = click.option(
    "--variables",
    "variables",
    metavar="ID,...",
    default=None,
    help="Only these variables (ids separated by commas), e.g. the ones a pilot codes "
    "[default: every variable with a coefficient].",
)


class OptionValueError(click.ClickException):
    """A bad option value found after the options were parsed (checked against the codebook):
    exit 2 like any usage error, in one line without the usage text."""

    exit_code = EXIT_USAGE


def selected_variables(codebook: Codebook, variables: str | None) -> tuple[str, ...] | None:
    """The variables ``--variables`` selects (None: all); an unknown id is a usage error."""
    if variables is None:
        return None
    from ..reliability import UnknownVariableError, select_variables

    try:
        return select_variables(codebook, variables.split(","))
    except UnknownVariableError as exc:
        raise OptionValueError(f"--variables: {exc}") from None


F = TypeVar("F", bound=Callable[..., Any])
#: What --delimiter takes besides a single character.
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}


def _converted(convert: Callable[[str], Any]) -> Callable[..., Any]:
    """An option callback: ``convert(value)``, a ValueError a usage error naming the option."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is None:
            return None
        try:
            return convert(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None

    return callback


def _check_encoding(value: str) -> str:
    from ..rows import check_encoding

    return check_encoding(value)


_encoding = _converted(_check_encoding)


def _delimiter(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    delimiter = _DELIMITER_NAMES.get(value.lower(), value)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        raise click.BadParameter(
            f"{value!r} is not one character (e.g. ',', ';' or 'tab')", ctx=ctx, param=param
        )
    return delimiter


_READ_OPTIONS = (
    click.option(
        "--encoding",
        "read_encoding",
        default=None,
        callback=_encoding,
        help="Encoding of the input files (e.g. cp1251, utf-16); default: detected "
        "(a byte order mark, UTF-8, or Russian-locale Windows text).",
    ),
    click.option(
        "--delimiter",
        "read_delimiter",
        default=None,
        callback=_delimiter,
        help="Cell delimiter of CSV input (',', ';' or 'tab'); default: detected from the header.",
    ),
)
_ANNOTATION_OPTIONS = (
    click.option(
        "--layout",
        "read_layout",
        type=click.Choice(["auto", "long", "wide"]),
        default="auto",
        show_default=True,
        help="Layout of CSV/Excel annotation files: long (a record per row) or wide (unit_id "
        "and one column per coder, for one variable); auto tells them apart by the header.",
    ),
    click.option(
        "--variable",
        "read_variable",
        default=None,
        metavar="ID",
        help="The variable the cells of a wide sheet code (default: from its name, "
        "VARIABLE.wide.csv).",
    ),
    click.option(
        "--accept-labels",
        "read_accept_labels",
        is_flag=True,
        help="Read a code's label (in any language of the codebook, e.g. 'Да') as the code.",
    ),
)


_SETTINGS = (
    "read_encoding",
    "read_delimiter",
    "read_layout",
    "read_variable",
    "read_accept_labels",
)


def _reading(options: Sequence[Callable[[Any], Any]]) -> Callable[[F], F]:
    def decorate(command: F) -> F:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            from ..rows import reading

            settings = {
                name.removeprefix("read_"): kwargs.pop(name) for name in _SETTINGS if name in kwargs
            }
            with reading(**settings):
                return command(*args, **kwargs)

        decorated: Any = run
        for option in reversed(options):
            decorated = option(decorated)
        return decorated  # type: ignore[no-any-return]

    return decorate


#: ``--encoding`` and ``--delimiter``, for every command that reads task or annotation files.
#: The command's function does not see them: they are in force while it runs
#: (:func:`intercoder.rows.reading`), for every file it reads.
read_options = _reading(_READ_OPTIONS)
#: :data:`read_options` and ``--layout``, ``--variable``, ``--accept-labels``, for the commands
#: that read annotation files.
annotation_read_options = _reading(_READ_OPTIONS + _ANNOTATION_OPTIONS)


def _dask_option(what: str) -> Callable[[F], F]:
    return click.option(
        "--dask",
        metavar="local|local:N|ADDRESS",
        default=None,
        help="Run on a Dask cluster: local (one worker process per core), local:N (N worker "
        f"processes) or a scheduler address (tcp://HOST:8786). {what} Needs pip install "
        "'intercoder[dask]'.",
    )


dask_option = _dask_option("FILES may then be directories of partition files.")
#: ``code`` reads one task file here and sends batches of its tasks to the workers.
code_dask_option = _dask_option("The tasks are read here and coded in batches on the workers.")


#: The smallest ``--memory``: a batch of a few hundred records. Below it the input would be
#: spread over one bucket file per handful of records, which takes hours for a million.
MIN_MEMORY = 64 << 10


def _parse_size(value: str) -> int:
    from ..cluster import parse_size

    size = parse_size(value)
    if size < MIN_MEMORY:
        raise ValueError(
            f"{value!r} is too small to read in batches: give at least {MIN_MEMORY >> 10}K "
            "(a few hundred records a batch), or leave --memory out"
        )
    return size


memory_option = click.option(
    "--memory",
    metavar="SIZE",
    default=None,
    callback=_converted(_parse_size),
    help="Memory the records may take (e.g. 500M, 4G; at least 64K). Bigger input is read in "
    "batches, its records spread by unit over a temporary directory (TMPDIR) and counted bucket by "
    "bucket: the same result in bounded memory, without --bootstrap or --record. "
    "[default: half of the available memory]",
)


def _size(size: int) -> str:
    """A size in the unit that shows it (a small --memory in KiB, not "0 MiB")."""
    if size < 1 << 20:
        return f"{size / (1 << 10):,.0f} KiB"
    return f"{size / (1 << 20):,.0f} MiB"


def batch_plan(
    files: Sequence[str | Path], memory: int | None, dask: str | None, needs_records: str | None
) -> BatchPlan | None:
    """How ``files`` are read in batches within ``--memory`` (default: half of the available
    memory), or None when they are read whole. ``needs_records`` names an option that needs
    every record in memory (``--bootstrap``, ``--record``): with ``--memory`` too small for the
    input it is a usage error; without ``--memory`` the input is read whole, as asked."""
    from ..cluster import default_limit, partition_files, plan_batches

    if memory is not None and dask is not None:
        raise OptionValueError(
            "--memory and --dask exclude each other: on a cluster the workers' memory counts"
        )
    if dask is not None:
        return None
    limit = memory if memory is not None else default_limit()
    if limit is None:
        return None
    plan = plan_batches(partition_files([str(f) for f in files]), limit)
    if not plan.needed:
        return None
    if needs_records is not None:
        if memory is None:
            return None  # asked for something that needs every record: read them all
        raise OptionValueError(
            f"{needs_records} needs every record in memory, and these files need about "
            f"{_size(plan.memory)} for their ~{plan.records:,} records, "
            f"more than --memory {_size(memory)}: leave {needs_records} out or raise --memory"
        )
    return plan


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
    files: Sequence[str | Path],
    codebook: Codebook,
    skip_invalid: bool,
    dask: str | None,
    batches: BatchPlan | None = None,
) -> AnnotationSet | RemoteAnnotations:
    """:func:`read_checked`; with ``--dask`` the partitions of ``files`` read, grouped by unit
    and checked on a Dask cluster (closed when the command ends); with a :func:`batch_plan`
    ``files`` read in batches and counted in this process. Each one goes to ``assess``."""
    from ..cluster import partition_files, read_batched, read_partitioned

    cluster = None if dask is None else dask_cluster(dask)
    paths = partition_files([str(f) for f in files])  # a directory: its annotation files
    if batches is not None:
        checked = read_batched(
            paths, codebook, limit=batches.limit, skip_invalid=skip_invalid, plan=batches
        )
    elif cluster is None:
        return read_checked(paths, codebook, skip_invalid)
    else:
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
    if not _progress_shown() or total < PROGRESS_MIN:
        yield lambda n: None
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=False) as bar:
        yield bar.update


# --- the ledger of rounds (``--record [--round NAME] [--ledger PATH]``) ---------------------------

if TYPE_CHECKING:
    from ..ledger import Round

ledger_option = click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Ledger of rounds (default: intercoder-ledger.sqlite next to intercoder.toml or "
    "pyproject.toml, else in the working directory).",
)


def record_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--record``, ``--round NAME`` and ``--ledger PATH`` of the commands that record rounds."""
    command = ledger_option(command)
    command = click.option(
        "--round",
        "round_name",
        metavar="NAME",
        default=None,
        help="Name of the recorded round (default: round-N).",
    )(command)
    return click.option(
        "--record", is_flag=True, help="Record this round in the ledger of rounds."
    )(command)


class UnknownRoundError(click.ClickException):
    """A round name the ledger does not hold: one line naming the ledger, exit 2."""

    exit_code = EXIT_USAGE


def find_recorded_round(rounds: Sequence[Round], name: str, path: Path) -> Round:
    """The round ``name`` (or ``last``) of ``rounds`` read from the ledger at ``path``."""
    from ..ledger import RoundNotFoundError, find_round

    try:
        return find_round(rounds, name, path)
    except RoundNotFoundError as exc:
        raise UnknownRoundError(str(exc)) from None


def ledger_file(ledger_path: str | None) -> Path:
    """The ledger ``--ledger`` names, else the project's."""
    from ..ledger import default_path

    return Path(ledger_path) if ledger_path is not None else default_path()


def recording(record: bool, round_name: str | None, ledger_path: str | None) -> Path | None:
    """The ledger to record in (None without ``--record``), checked before any work: a name
    already taken is a usage error, a ledger that cannot be written fails (exit 1) now."""
    if not record:
        if round_name is not None:
            raise click.UsageError("--round needs --record")
        return None
    from ..ledger import round_names

    path = ledger_file(ledger_path)
    taken = round_names(path)  # a ledger that cannot be read fails here, before any output
    if round_name is not None:
        if not round_name.strip() or round_name == "last":
            raise click.BadParameter(f"{round_name!r} cannot name a round", param_hint="--round")
        if round_name in taken:
            raise click.BadParameter(
                f"{path}: a round named {round_name!r} is already recorded", param_hint="--round"
            )
    return path


def refuse_with_dask(dask: str | None, needs_records: str | None) -> None:
    """An option that needs every record in one place (``needs_records``: ``--record``,
    ``--bootstrap``, a ``--judge`` that takes the bootstrap), which ``--dask`` leaves on the
    workers: a usage error before any work."""
    if dask is None or needs_records is None:
        return
    if needs_records == "--record":
        raise click.UsageError(
            "--record keeps the round's codings in the ledger and is not available with --dask"
        )
    what = "resamples" if needs_records == "--bootstrap" else "takes the bootstrap, which resamples"
    raise click.UsageError(
        f"{needs_records} {what} units in one place, and is not available with --dask: leave "
        "it out (the point estimate is computed from the counts)"
    )


def record_round(path: Path, round_: Round) -> Round:
    """Write ``round_`` to the ledger at ``path``, say so on stderr; the round as recorded."""
    from ..ledger import RoundExistsError, write_round

    try:
        recorded = write_round(path, round_)
    except RoundExistsError as exc:  # taken by another process since the check
        raise click.BadParameter(str(exc), param_hint="--round") from None
    click.echo(f"recorded round {recorded.name} in {path}", err=True)
    return recorded


#: Input size from which `agree`, `check`, `report` and `export` show their stages.
PROGRESS_BYTES = 8 << 20


def _progress_shown() -> bool:
    """A bar only for a person watching: stderr a terminal, not a CI run."""
    import os

    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def stage_bar(
    files: Sequence[str | Path], label: str, stages: Sequence[str]
) -> Iterator[Callable[[], None]]:
    """A bar on stderr over a command's ``stages`` (reading, computing, writing...) when its
    input ``files`` are big (:data:`PROGRESS_BYTES`); yields ``next()``, called as each
    stage but the last ends. Shown on the same terms as :func:`progress_bar`; it leaves no
    line behind, so what the command prints afterwards is all that remains."""
    size = sum(Path(f).stat().st_size for f in files if Path(f).is_file())
    if not _progress_shown() or size < PROGRESS_BYTES:
        yield lambda: None
        return
    from tqdm import tqdm

    names = iter(stages)
    with tqdm(
        total=len(stages),
        desc=f"{label}: {next(names, '')}",
        unit="step",
        file=sys.stderr,
        leave=False,
        bar_format="{desc} [{n_fmt}/{total_fmt}, {elapsed}]",
    ) as bar:

        def advance() -> None:
            bar.set_description_str(f"{label}: {next(names, '')}", refresh=False)
            bar.update(1)

        yield advance
