"""``intercoder plugins``: the installed plugins with their version, hooks and what they provide."""

from __future__ import annotations

import json

import click


@click.command("plugins")
@click.option("--all", "show_all", is_flag=True, help="Include the built-in plugins.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def plugins_command(show_all: bool, as_json: bool) -> None:
    """List installed plugins with their version, hooks, and the coders, importers and exporters
    each provides (the names `code --coder` and `export --to` take)."""
    from .. import plugins

    host = plugins.get_host()
    host.collect_all()
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
        for kind, names in sorted(info.provides.items()):
            click.echo(f"    {kind}: {', '.join(names)}")
