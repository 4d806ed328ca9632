"""``intercoder export``: convert an annotation file to another format (any registered exporter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .options import annotation_read_options, stage_bar


class _ExporterName(click.ParamType):  # type: ignore[type-arg]  # generic only from click 8.5
    """A registered exporter name; ``--help`` lists what the installed plugins provide."""

    name = "exporter"

    def _names(self) -> list[str]:
        from ..plugins import get_host

        return sorted(get_host().exporters())

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(self._names()) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        names = self._names()
        if value not in names:
            self.fail(f"{value!r} is not one of {', '.join(names)}", param, ctx)
        return str(value)


@click.command("export")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--to",
    "to",
    required=True,
    type=_ExporterName(),
    help="Output format, from the installed exporters.",
)
@click.option("-o", "--output", required=True, help="Output file.")
@click.option(
    "--codebook",
    "codebook_ref",
    default=None,
    help="Codebook for labels and validation (needed by some formats).",
)
@annotation_read_options
def export_command(file: str, to: str, output: str, codebook_ref: str | None) -> None:
    """Convert an annotation FILE to another format."""
    from ..formats import read_annotation_files
    from ..plugins import get_host

    codebook = None
    with stage_bar([file], "export", ["reading", f"writing {to}"]) as step:
        annotations = read_annotation_files([file])
        if codebook_ref is not None:
            from ..annotations import AnnotationError, check_annotations
            from ..codebook.registry import load_codebook

            codebook = load_codebook(codebook_ref)
            checked = check_annotations(annotations, codebook)
            if checked.problems:
                raise AnnotationError(list(checked.problems), hint="fix them before exporting")
            annotations = checked.annotations
        step()
        get_host().exporters()[to].write(annotations, Path(output), codebook)
    click.echo(f"wrote {len(annotations)} records to {output}", err=True)
