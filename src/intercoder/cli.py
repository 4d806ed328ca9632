"""The ``intercoder`` command line.

Exit codes (public contract): 0 ok, 1 a check failed or the input content is invalid, 2 a usage
error. Bad input is reported in one line per problem, never with a traceback. Heavy modules are
imported inside the commands, so ``intercoder --help`` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from ._version import __version__
from .errors import CodebookError, CodebookNotFoundError, IntercoderError, ProblemsError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: Problems listed before "... and N more".
_MAX_SHOWN = 20

# Options several commands share, declared once so that their names and help stay the same.
codebook_option = click.option(
    "--codebook", "codebook_ref", required=True, help="Codebook reference or path."
)
skip_invalid_option = click.option(
    "--skip-invalid",
    is_flag=True,
    help="Report invalid records as warnings and leave them out instead of failing.",
)


def _fail(message: str) -> NoReturn:
    click.echo(f"intercoder: error: {message}", err=True)
    sys.exit(EXIT_FAILED)


def _write_output(output: str | None, text: str) -> None:
    """Write to ``output`` atomically, or to stdout when it is None or ``-``."""
    if output in (None, "-"):
        click.echo(text, nl=not text.endswith("\n"))
        return
    from .fileio import write_atomic

    write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="intercoder")
@click.option(
    "--strict-plugins",
    is_flag=True,
    help="Fail (exit 1) when a plugin cannot be loaded, instead of warning and skipping it.",
)
def cli(strict_plugins: bool) -> None:
    """Codebooks, automatic coders, Label Studio sync and inter-coder reliability."""


def _add_plugin_commands(strict: bool) -> None:
    """Let each plugin add commands; a plugin may not replace a command that exists."""
    from . import plugins

    host = plugins.get_host(strict)
    for impl in host.pm.hook.register_commands.get_hookimpls():
        before = dict(cli.commands)
        host.call("register_commands", impl.plugin_name, impl.function, cli=cli)
        for name, command in before.items():
            if cli.commands.get(name) is not command:
                cli.commands[name] = command
                host.report(
                    f"plugin {impl.plugin_name!r} tried to replace the command "
                    f"{name!r}; kept the original"
                )


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: user errors become one line on stderr and exit 1."""
    args = sys.argv[1:] if argv is None else argv
    try:
        _add_plugin_commands(strict="--strict-plugins" in args)
        cli.main(args=args, prog_name="intercoder", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("intercoder: aborted", err=True)
        sys.exit(EXIT_FAILED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except ProblemsError as exc:
        for diagnostic in exc.diagnostics[:_MAX_SHOWN]:
            click.echo(str(diagnostic), err=True)
        if len(exc.diagnostics) > _MAX_SHOWN:
            click.echo(f"... and {len(exc.diagnostics) - _MAX_SHOWN} more", err=True)
        if exc.hint:
            _fail(f"{len(exc.diagnostics)} problem(s); {exc.hint}")
        sys.exit(EXIT_FAILED)
    except IntercoderError as exc:
        _fail(str(exc))
    except BrokenPipeError:  # `intercoder ... | head`
        sys.stderr.close()
        sys.exit(EXIT_OK)
    except OSError as exc:
        name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _fail(f"{name}{exc.strerror or exc}")
    sys.exit(EXIT_OK)


# --- codebook --------------------------------------------------------------------------------


@cli.group()
def codebook() -> None:
    """List, show, validate, compare, export and import codebooks."""


@codebook.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def codebook_list(as_json: bool) -> None:
    """List the bundled and registered codebooks with their versions."""
    from .codebook.registry import available_codebooks, load_codebook

    rows: list[dict[str, Any]] = []
    for book_id, versions in available_codebooks().items():
        newest = load_codebook(versions[-1].path)
        rows.append(
            {
                "id": book_id,
                "versions": [v.version for v in versions],
                "title": newest.title.pick("en", newest.languages) or "",
                "languages": list(newest.languages),
                "variables": len(newest.variables),
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no codebooks found")
        return
    width = max(len(r["id"]) for r in rows)
    for row in rows:
        click.echo(
            f"{row['id']:<{width}}  {', '.join(row['versions']):<12}  "
            f"{row['variables']:>2} variables  {' '.join(row['languages'])}  {row['title']}"
        )


@codebook.command("show")
@click.argument("ref")
@click.option("--lang", "-l", default=None, help="Language tag (default: the codebook's first).")
def codebook_show(ref: str, lang: str | None) -> None:
    """Show a codebook's variables and category tree in one language."""
    from .codebook.registry import load_codebook
    from .codebook.render import outline

    cb = load_codebook(ref)
    if lang is not None and lang not in cb.languages:
        raise click.BadParameter(
            f"{lang!r} is not a language of {cb.ref} ({', '.join(cb.languages)})",
            param_hint="--lang",
        )
    click.echo(outline(cb, lang or cb.languages[0]), nl=False)


@codebook.command("validate")
@click.argument("paths", nargs=-1, required=True)
@click.option("--strict", is_flag=True, help="Treat warnings (missing translations, …) as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only.")
def codebook_validate(paths: tuple[str, ...], strict: bool, quiet: bool) -> None:
    """Validate codebook files (or references); exit 1 if any has an error."""
    from .codebook.registry import load_codebook_with_warnings

    failed = 0
    for path in paths:
        try:
            cb, warnings = load_codebook_with_warnings(path, strict=strict)
        except CodebookError as exc:
            failed += 1
            for diagnostic in exc.diagnostics:
                click.echo(str(diagnostic), err=True)
            continue
        except IntercoderError as exc:
            failed += 1
            click.echo(str(exc), err=True)
            continue
        for warning in warnings:
            click.echo(str(warning), err=True)
        if not quiet:
            note = f", {len(warnings)} warning(s)" if warnings else ""
            click.echo(f"ok: {path} ({cb.ref}, {len(cb.variables)} variables{note})")
    if failed:
        click.echo(f"{failed} of {len(paths)} codebook(s) invalid", err=True)
        sys.exit(EXIT_FAILED)


@codebook.command("schema")
@click.option("-o", "--output", default=None, help="Output file (default: stdout).")
def codebook_schema(output: str | None) -> None:
    """Print the JSON Schema of the codebook format (for editors)."""
    from .codebook.spec import json_schema

    _write_output(output, json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")


@codebook.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def codebook_diff(old: str, new: str, as_json: bool) -> None:
    """Classify the changes from OLD to NEW as patch, minor or major.

    Exits 1 when NEW's version bump is smaller than its changes need.
    """
    from .codebook.diff import diff_codebooks
    from .codebook.registry import load_codebook

    result = diff_codebooks(load_codebook(old), load_codebook(new))
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.render(), nl=False)
    if not result.bump_ok:
        sys.exit(EXIT_FAILED)


_EXPORT_FORMATS = ("markdown", "html", "json-schema", "qdc", "yaml")


@codebook.command("export")
@click.argument("ref")
@click.option(
    "--format",
    "-f",
    "fmt",
    required=True,
    type=click.Choice(_EXPORT_FORMATS),
    help="markdown/html: coder manual; json-schema: schema of annotation records; "
    "qdc: REFI-QDA codebook; yaml: canonical YAML.",
)
@click.option("--lang", "-l", default=None, help="Language of the manual (default: first).")
@click.option("-o", "--output", required=True, help="Output file ('-' for stdout).")
def codebook_export(ref: str, fmt: str, lang: str | None, output: str) -> None:
    """Export a codebook as a coder manual, annotation schema, REFI-QDA .qdc or YAML."""
    from .codebook.registry import load_codebook

    cb = load_codebook(ref)
    if lang is not None and lang not in cb.languages:
        raise click.BadParameter(
            f"{lang!r} is not a language of {cb.ref} ({', '.join(cb.languages)})",
            param_hint="--lang",
        )
    language = lang or cb.languages[0]
    text: str
    if fmt == "markdown":
        from .codebook.render import manual_markdown

        text = manual_markdown(cb, language)
    elif fmt == "html":
        from .codebook.render import manual_html

        text = manual_html(cb, language)
    elif fmt == "json-schema":
        from .codebook.annotation_schema import annotation_schema

        text = json.dumps(annotation_schema(cb), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "qdc":
        from .codebook.refiqda import to_qdc

        text = to_qdc(cb, language)
    else:
        from .codebook.dump import dump_yaml

        text = dump_yaml(cb)
    _write_output(output, text)


@codebook.command("import")
@click.argument("qdc_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, help="Output YAML file ('-' for stdout).")
@click.option(
    "--lang",
    "-l",
    default="en",
    show_default=True,
    help="Language of the names and descriptions in the .qdc file.",
)
def codebook_import(qdc_file: str, output: str, lang: str) -> None:
    """Import a REFI-QDA codebook (.qdc) from MAXQDA, ATLAS.ti or NVivo as codebook YAML."""
    from .codebook.dump import dump_yaml
    from .codebook.refiqda import from_qdc

    cb = from_qdc(Path(qdc_file).read_bytes(), qdc_file, lang=lang)
    _write_output(output, dump_yaml(cb))


# --- agreement ---------------------------------------------------------------------------------


def _load_checked(files: tuple[str, ...], codebook_ref: str, skip_invalid: bool) -> tuple[Any, Any]:
    """Read annotation files and check them against the codebook.

    Invalid records fail the command (exit 1, every problem listed by main()) or, with
    ``skip_invalid``, are reported as warnings and left out.
    """
    from .codebook.registry import load_codebook

    try:
        cb = load_codebook(codebook_ref)
    except CodebookNotFoundError as exc:  # naming nothing is a usage error, like a bad option
        raise click.BadParameter(str(exc), param_hint="--codebook") from None
    return cb, read_checked(files, cb, skip_invalid)


def read_checked(files: tuple[str, ...], cb: Any, skip_invalid: bool) -> Any:
    """Annotation records of ``files`` that fit ``cb``; invalid ones fail unless skipped."""
    from .annotations import AnnotationError, check_annotations

    checked = check_annotations(read_annotation_files(files), cb)
    if checked.problems and not skip_invalid:
        raise AnnotationError(
            list(checked.problems), hint="fix them or pass --skip-invalid to leave them out"
        )
    for problem in checked.problems[:_MAX_SHOWN]:
        click.echo(f"{problem.location}: warning: skipped: {problem.message}", err=True)
    if len(checked.problems) > _MAX_SHOWN:
        click.echo(f"... and {len(checked.problems) - _MAX_SHOWN} more skipped", err=True)
    return checked.annotations


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@codebook_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
)
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
def agree(
    files: tuple[str, ...],
    codebook_ref: str,
    fmt: str,
    bootstrap: int,
    seed: int | None,
    details: bool,
    skip_invalid: bool,
) -> None:
    """Inter-coder reliability of each variable in long-format annotation FILES."""
    from .reliability import assess, render_markdown, render_table

    cb, annotations = _load_checked(files, codebook_ref, skip_invalid)
    report = assess(annotations, cb, bootstrap=bootstrap, seed=seed)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(render_markdown(report), nl=False)
    else:
        click.echo(render_table(report, details=details), nl=False)


# --- plugins, import and export --------------------------------------------------------------


class _ExtensionName(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.5
    """A registered exporter (or importer) name; ``--help`` lists what plugins provide."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.name = kind

    def _names(self) -> list[str]:
        from . import plugins

        host = plugins.get_host()
        return sorted(host.exporters() if self.kind == "exporter" else host.importers())

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self._names()) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        names = self._names()
        if value not in names:
            self.fail(f"{value!r} is not one of {', '.join(names)}", param, ctx)
        return str(value)


def read_annotation_files(files: tuple[str, ...] | list[str]) -> Any:
    """Read annotation files with the importer that claims each file's extension."""
    from . import plugins
    from .annotations import AnnotationSet

    importers = plugins.get_host().importers()
    by_suffix = {ext: imp for imp in importers.values() for ext in imp.extensions}
    sets = []
    for file in files:
        path = Path(file)
        name = path.name.lower()
        # The longest claimed ending wins: "x.wide.csv" is wide CSV, not long CSV.
        claimed = [ext for ext in by_suffix if name.endswith(ext) and len(name) > len(ext)]
        if not claimed:
            known = ", ".join(sorted(by_suffix))
            suffix = path.suffix.lower()
            raise IntercoderError(
                f"{file}: no importer for {suffix or 'files without an extension'!r}"
                f" (known: {known})"
            )
        sets.append(by_suffix[max(claimed, key=len)].read(path))
    return AnnotationSet.concatenate(sets)


@cli.command("plugins")
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_command(show_all: bool, as_json: bool) -> None:
    """List installed plugins with their version and hooks."""
    from . import plugins

    host = plugins.get_host()
    infos = [i for i in host.infos.values() if show_all or not i.builtin]
    if as_json:
        click.echo(json.dumps([i.as_dict() for i in infos], ensure_ascii=False, indent=2))
        return
    if not infos:
        click.echo("no third-party plugins installed (--all shows the built-ins)")
    for info in infos:
        origin = "built-in" if info.builtin else (info.distribution or "")
        click.echo(
            f"{info.name}  {info.version or '?'}  ({origin})  hooks: {', '.join(info.hooks)}"
        )


@cli.command("export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--to",
    "to",
    required=True,
    type=_ExtensionName("exporter"),
    help="Output format, from the installed exporters.",
)
@click.option("-o", "--output", required=True, help="Output file.")
@click.option(
    "--codebook",
    "codebook_ref",
    default=None,
    help="Codebook for labels and validation (needed by some formats).",
)
def export_command(file: str, to: str, output: str, codebook_ref: str | None) -> None:
    """Convert an annotation FILE to another format."""
    from . import plugins

    codebook = None
    annotations = read_annotation_files([file])
    if codebook_ref is not None:
        from .annotations import AnnotationError, check_annotations
        from .codebook.registry import load_codebook

        codebook = load_codebook(codebook_ref)
        checked = check_annotations(annotations, codebook)
        if checked.problems:
            raise AnnotationError(list(checked.problems), hint="fix them before exporting")
        annotations = checked.annotations
    plugins.get_host().exporters()[to].write(annotations, Path(output), codebook)
    click.echo(f"wrote {len(annotations)} records to {output}", err=True)


# --- automatic coding --------------------------------------------------------------------------


@cli.command("code")
@click.argument("input_file", metavar="INPUT", type=click.Path(exists=True, dir_okay=False))
@click.option("--coder", "coder_name", required=True, help="A registered coder (see `plugins`).")
@codebook_option
@click.option("-o", "--output", required=True, help="Annotation file to write (.csv or .jsonl).")
@click.option(
    "--evidence",
    default=None,
    help="Also write each marker match with its offsets (JSONL); lexicon coder only.",
)
def code_command(
    input_file: str, coder_name: str, codebook_ref: str, output: str, evidence: str | None
) -> None:
    """Code the texts of a task file INPUT with an automatic coder."""
    from . import plugins
    from .annotations import AnnotationSet
    from .codebook.registry import load_codebook
    from .tasks import read_tasks

    host = plugins.get_host()
    coders = host.coders()
    if coder_name not in coders:
        raise click.BadParameter(
            f"{coder_name!r} is not a registered coder ({', '.join(sorted(coders)) or 'none'})",
            param_hint="--coder",
        )
    out_path = Path(output)
    exporters = host.exporters()
    by_suffix = {e.extension: e for e in exporters.values() if e.extension}
    exporter = by_suffix.get(out_path.suffix.lower())
    if exporter is None:
        raise click.BadParameter(
            f"cannot tell the format of {output!r}; use one of {', '.join(sorted(by_suffix))}",
            param_hint="-o",
        )
    coder = coders[coder_name]
    codebook = load_codebook(codebook_ref)
    tasks = read_tasks(input_file)
    show_progress = sys.stderr.isatty() and len(tasks) > 200
    with click.progressbar(
        tasks, label=f"coding with {coder.coder_id}", file=sys.stderr, hidden=not show_progress
    ) as progress:
        annotations = AnnotationSet.from_records(coder.code(progress, codebook))
    exporter.write(annotations, out_path, codebook)
    click.echo(
        f"{coder.coder_id}: {len(annotations)} annotations for {len(tasks)} texts -> {output}",
        err=True,
    )
    if evidence is not None:
        _write_evidence(coder, tasks, codebook, evidence)


def _write_evidence(coder: Any, tasks: list[Any], codebook: Any, path: str) -> None:
    from .fileio import write_atomic

    if not hasattr(coder, "matches"):
        raise click.BadParameter(
            f"coder {coder.name!r} reports no matches", param_hint="--evidence"
        )
    lines = []
    for task in tasks:
        for match in coder.matches(task, codebook):
            record = {
                "unit_id": task.unit_id,
                **match._asdict(),
                "text": task.text[match.start : match.end],
            }
            lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    write_atomic(path, "".join(lines))
    click.echo(f"{len(lines)} marker matches -> {path}", err=True)


# --- demo ------------------------------------------------------------------------------------


@cli.command()
@click.option(
    "-o",
    "--output-dir",
    default="intercoder-demo",
    show_default=True,
    help="Where the demo writes its files.",
)
def demo(output_dir: str) -> None:
    """Run the main job offline on the bundled codebooks and data."""
    from .demo import run_demo

    run_demo(Path(output_dir), echo=click.echo)
