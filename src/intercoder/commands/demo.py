"""``intercoder demo``: the main job, offline, on the bundled codebooks and a synthetic pilot."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("demo")
@click.option(
    "-o",
    "--output-dir",
    default="intercoder-demo",
    show_default=True,
    help="Where the demo writes its files.",
)
def demo(output_dir: str) -> None:
    """Run the main job offline on the bundled codebooks and data."""
    from ..demo import run_demo

    run_demo(Path(output_dir), echo=click.echo)
