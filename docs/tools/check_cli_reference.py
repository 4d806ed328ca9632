"""Check the built documentation: every option any ``intercoder`` command's help prints is in it.

Run by ``tox -e docs`` after ``mkdocs build``: ``python docs/tools/check_cli_reference.py SITE``.
The reference page is generated from the commands (mkdocs-click), so a failure here means a
command escaped the generator (a new group, a hidden command) rather than a forgotten edit.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from intercoder.cli import cli


def _walk(command: click.Command, path: list[str]) -> Iterator[tuple[list[str], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, [*path, name])


def main(site: Path) -> int:
    page = html.unescape((site / "reference" / "cli" / "index.html").read_text(encoding="utf-8"))
    missing = []
    count = 0
    for path, command in _walk(cli, ["intercoder"]):
        if f"{' '.join(path)} [OPTIONS]" not in page:
            missing.append(f"{' '.join(path)}: no usage line")
        for param in command.params:
            for option in (*param.opts, *param.secondary_opts):
                if option.startswith("-"):
                    count += 1
                    if option not in page:
                        missing.append(f"{' '.join(path)}: {option}")
    for line in missing:
        print(f"docs/reference/cli.md lacks {line}", file=sys.stderr)
    print(f"checked {count} options of every intercoder command: {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
