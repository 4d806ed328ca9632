"""``intercoder codebook``: list, show, validate, compare, export and import codebooks, and
migrate annotation files to a newer codebook version."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import CodebookError, IntercoderError
from .options import (
    EXIT_FAILED,
    MAX_SHOWN,
    annotation_read_options,
    check_language,
    load_codebook_option,
    write_output,
)


@click.group("codebook")
def codebook() -> None:
    """List, show, validate, compare, export and import codebooks."""


@codebook.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def codebook_list(as_json: bool) -> None:
    """List the bundled and registered codebooks with their versions."""
    from ..codebook.registry import available_codebooks, load_codebook

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
    from ..codebook.registry import load_codebook
    from ..codebook.render import outline

    cb = load_codebook(ref)
    check_language(lang, cb)
    click.echo(outline(cb, lang or cb.languages[0]), nl=False)


@codebook.command("validate")
@click.argument("paths", nargs=-1, required=True)
@click.option("--strict", is_flag=True, help="Treat warnings (missing translations, …) as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print problems only.")
def codebook_validate(paths: tuple[str, ...], strict: bool, quiet: bool) -> None:
    """Validate codebook files (or references) and shared vocabularies; exit 1 if any has an
    error."""
    from ..codebook.registry import (
        is_vocabulary_file,
        load_codebook_with_warnings,
        load_vocabulary_with_warnings,
    )

    failed = 0
    for path in paths:
        try:
            if is_vocabulary_file(path):
                vocabulary, warnings = load_vocabulary_with_warnings(path, strict=strict)
                for warning in warnings:
                    click.echo(str(warning), err=True)
                if not quiet:
                    note = f", {len(warnings)} warning(s)" if warnings else ""
                    click.echo(f"ok: {path} (vocabulary {vocabulary.ref}{note})")
                continue
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
    from ..codebook.spec import json_schema

    write_output(output, json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")


@codebook.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def codebook_diff(old: str, new: str, as_json: bool) -> None:
    """Classify the changes from OLD to NEW as patch, minor or major.

    Exits 1 when NEW's version bump is smaller than its changes need.
    """
    from ..codebook.diff import diff_codebooks
    from ..codebook.registry import load_codebook

    result = diff_codebooks(load_codebook(old), load_codebook(new))
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(result.render(), nl=False)
    if not result.bump_ok:
        sys.exit(EXIT_FAILED)


_EXPORT_FORMATS = ("markdown", "html", "json-schema", "qdc", "yaml", "training")


@codebook.command("export")
@click.argument("ref")
@click.option(
    "--format",
    "-f",
    "fmt",
    required=True,
    type=click.Choice(_EXPORT_FORMATS),
    help="markdown/html: coder manual; json-schema: schema of annotation records; "
    "qdc: REFI-QDA codebook; yaml: canonical YAML; training: tasks.csv and gold.csv "
    "from the examples, into the directory -o names.",
)
@click.option("--lang", "-l", default=None, help="Language of the manual (default: first).")
@click.option("-o", "--output", required=True, help="Output file ('-' for stdout).")
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse (exit 1) a manual or .qdc whose language lacks translations, instead of a "
    "warning (the texts fall back to another language).",
)
def codebook_export(ref: str, fmt: str, lang: str | None, output: str, strict: bool) -> None:
    """Export a codebook as a coder manual, annotation schema, REFI-QDA .qdc or YAML."""
    from ..codebook.registry import load_codebook_with_warnings

    cb, warnings = load_codebook_with_warnings(ref)
    check_language(lang, cb)
    if fmt in ("markdown", "html", "qdc"):
        _untranslated(cb.ref, lang or cb.languages[0], warnings, strict)
    if fmt == "training":
        from ..workflow.training import write_training_set

        if output == "-":
            raise click.BadParameter("training writes a directory, not stdout", param_hint="-o")

        for path in write_training_set(cb, output):
            click.echo(f"wrote {path}", err=True)
        return
    language = lang or cb.languages[0]
    text: str
    if fmt == "markdown":
        from ..codebook.render import manual_markdown

        text = manual_markdown(cb, language)
    elif fmt == "html":
        from ..codebook.render import manual_html

        text = manual_html(cb, language)
    elif fmt == "json-schema":
        from ..codebook.annotation_schema import annotation_schema

        text = json.dumps(annotation_schema(cb), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "qdc":
        from ..codebook.refiqda import to_qdc

        text = to_qdc(cb, language)
    else:
        from ..codebook.dump import dump_yaml

        text = dump_yaml(cb)
    write_output(output, text)


def _untranslated(ref: str, lang: str, warnings: list[Any], strict: bool) -> None:
    """Say (one line) that texts of a manual in ``lang`` fall back to another language; with
    ``strict`` refuse the export."""
    missing = [
        w
        for w in warnings
        if w.message.startswith("missing translation:")
        and lang in (part.strip() for part in w.message.split(":", 1)[1].split(","))
    ]
    if not missing:
        return
    first = missing[0]
    line = (
        f"{len(missing)} text(s) of {ref} have no {lang!r} translation and fall back to another "
        f"language, first at {first.location} ({first.field})"
    )
    if strict:
        click.echo(f"intercoder: error: {line}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(f"warning: {line}; --strict refuses such an export", err=True)


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
    from ..codebook.dump import dump_yaml
    from ..codebook.refiqda import from_qdc

    cb = from_qdc(Path(qdc_file).read_bytes(), qdc_file, lang=lang)
    write_output(output, dump_yaml(cb))


@codebook.command("migrate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--from", "old_ref", required=True, help="The codebook the FILES were coded under.")
@click.option("--to", "new_ref", required=True, help="The newer version to move them to.")
@click.option(
    "-o", "--output", required=True, help="Migrated annotation file (format by its suffix)."
)
@click.option(
    "--recode",
    "recode_path",
    default=None,
    help="Write the records a person must recode (a split code) here, .csv or .jsonl, with "
    "an empty decision column.",
)
@annotation_read_options
def codebook_migrate(
    files: tuple[str, ...], old_ref: str, new_ref: str, output: str, recode_path: str | None
) -> None:
    """Translate annotation FILES coded under --from to --to with the codebooks' migration maps.

    Merged and renamed codes become their successors; records of a split code go to the recode
    queue; records of a code retired without a successor are dropped (each named on stderr).
    """
    from ..codebook.migrate import migration
    from ..fileio import write_atomic
    from ..formats import exporter_for
    from ..workflow.files import render_rows
    from ..workflow.migrate import migrate_files, render_recode_queue, summary

    old = load_codebook_option(old_ref, "--from")
    new = load_codebook_option(new_ref, "--to")
    try:
        migration(old, new)
        exporter = exporter_for(output)
        if recode_path is not None:
            render_rows(recode_path, (), [])  # refuses a suffix other than .csv or .jsonl
    except IntercoderError as exc:
        raise click.UsageError(str(exc)) from None
    result = migrate_files(files, old, new)
    queue = None if recode_path is None else render_recode_queue(recode_path, result)
    exporter.write(result.annotations, Path(output), new)
    if queue is not None and recode_path is not None:
        write_atomic(recode_path, queue)
    for left in result.dropped[:MAX_SHOWN]:
        click.echo(f"{left.location}: dropped: {left.variable}: {left.reason}", err=True)
    if len(result.dropped) > MAX_SHOWN:
        click.echo(f"... and {len(result.dropped) - MAX_SHOWN} more dropped", err=True)
    if result.recode and recode_path is None:
        click.echo(
            f"{len(result.recode)} record(s) need recoding by a person: pass --recode QUEUE.csv "
            "to list them",
            err=True,
        )
    click.echo(summary(result, output), err=True)
