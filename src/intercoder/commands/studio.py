"""``intercoder studio``: serve, push, pull, status and config for Label Studio.

Everything heavy is imported inside the commands, so ``intercoder --help`` stays fast.
"""

from __future__ import annotations

from typing import Any

import click

from .options import codebook_option, read_options

_STATE = click.option(
    "--state",
    "state_path",
    default=None,
    help="Sync state file (default: $INTERCODER_STUDIO_STATE or ./.intercoder-studio.sqlite).",
)


def _client() -> Any:
    from ..studio.client import Client, load_settings

    url, token = load_settings()
    return Client(url, token)


@click.group("studio")
def studio() -> None:
    """Label Studio: run a local server, push codebooks and tasks, pull annotations."""


@studio.command("serve")
@click.option("--port", type=int, default=8080, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--data-dir",
    default=None,
    help="Label Studio's data (SQLite database, uploads); default ~/.local/share/intercoder/ls.",
)
def serve(port: int, data_dir: str | None) -> None:
    """Start a local Label Studio on 127.0.0.1 (SQLite), with error reports turned off.

    The admin comes from LABEL_STUDIO_ADMIN_EMAIL and LABEL_STUDIO_ADMIN_PASSWORD, else a
    prompt. The API token is stored in the studio config file (readable by you only).
    """
    import json
    import os
    import signal
    import sys
    from pathlib import Path

    from ..studio import server
    from ..studio.client import Client, StudioError, config_path, save_config

    home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    data = Path(data_dir) if data_dir else home / "intercoder" / "ls"
    email = os.environ.get("LABEL_STUDIO_ADMIN_EMAIL") or click.prompt("Admin e-mail")
    password = os.environ.get("LABEL_STUDIO_ADMIN_PASSWORD") or click.prompt(
        "Admin password", hide_input=True, confirmation_prompt=True
    )
    click.echo("preparing Label Studio (the first run installs it; this takes minutes)…", err=True)
    exe = server.ensure_venv()
    running = server.start(exe, data, port=port, username=email, password=password, timeout=300)
    if not running.url.endswith(f":{port}"):
        click.echo(f"port {port} was busy; Label Studio took {running.url}", err=True)
    token = ""
    cfg = config_path()
    if cfg.exists():  # keep a token that still works on this server
        token = str(json.loads(cfg.read_text(encoding="utf-8")).get("token") or "")
        try:
            Client(running.url, token, retries=0).request("GET", "/api/current-user/whoami")
        except StudioError:
            token = ""
    try:
        token = token or server.personal_access_token(running.url, email, password)
    except Exception:
        running.stop()
        raise
    saved = save_config(running.url, token)
    click.echo(f"Label Studio runs at {running.url} (log in as {email})")
    click.echo(f"API token stored in {saved}; Ctrl-C stops the server")
    # stop Label Studio with us, on Ctrl-C and on a plain kill alike
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        running.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


@studio.command("push")
@codebook_option
@click.option("--tasks", "tasks_file", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--project", default=None, help="Project title (default: the codebook id).")
@click.option("--lang", "-l", default=None, help="Language of the interface (default: first).")
@click.option("--coder", "coder_name", default=None, help="Attach pre-annotations of a coder.")
@click.option("--migrate", is_flag=True, help="Allow a new major codebook version.")
@click.option(
    "--coders",
    type=click.IntRange(1, 100),
    default=None,
    help="How many coders code each overlapping text (new project: 3).",
)
@click.option(
    "--overlap",
    type=click.IntRange(0, 100),
    default=None,
    help="Percent of texts coded by --coders coders, the rest by one (new project: 100).",
)
@_STATE
@read_options
def push_command(
    codebook_ref: str,
    tasks_file: str,
    project: str | None,
    lang: str | None,
    coder_name: str | None,
    migrate: bool,
    coders: int | None,
    overlap: int | None,
    state_path: str | None,
) -> None:
    """Create or update a project from a codebook and import the tasks it lacks."""
    from .. import plugins
    from ..codebook.registry import load_codebook
    from ..studio.state import State
    from ..studio.sync import push
    from ..tasks import read_tasks

    cb = load_codebook(codebook_ref)
    coder = None
    if coder_name:
        registered = plugins.get_host().coders()
        if coder_name not in registered:
            raise click.BadParameter(
                f"{coder_name!r} is not a registered coder", param_hint="--coder"
            )
        coder = registered[coder_name]
    tasks = read_tasks(tasks_file)
    state = State(state_path)
    try:
        result = push(
            _client(),
            state,
            cb,
            tasks,
            title=project or cb.id,
            lang=lang,
            coder=coder,
            migrate=migrate,
            coders=coders,
            overlap=overlap,
            echo=lambda m: click.echo(m, err=True),
        )
    finally:
        state.close()
    verb = "created" if result.created else "updated" if result.config_updated else "unchanged"
    click.echo(
        f"project {project or cb.id!r} (id {result.project_id}, {cb.ref}) {verb}: "
        f"{result.imported} tasks imported, {result.already} already there"
        + (f", {result.predictions} with pre-annotations" if coder else "")
        + f"; {result.overlap}% of texts go to {result.coders} coders each"
    )


@studio.command("pull")
@click.option("--project", required=True, help="Project title.")
@click.option("--codebook", "codebook_ref", default=None, help="Codebook (default: the project's).")
@click.option("-o", "--output", required=True, help="Annotation file (.csv or .jsonl).")
@click.option(
    "--full",
    is_flag=True,
    help="Read every task, not only those changed since the last pull.",
)
@_STATE
def pull_command(
    project: str, codebook_ref: str | None, output: str, full: bool, state_path: str | None
) -> None:
    """Bring the annotations of a project up to date and write them in long format.

    After the first pull, only the tasks changed since the last one are read.
    """
    from pathlib import Path

    from .. import plugins
    from ..codebook.registry import load_codebook
    from ..studio.state import State
    from ..studio.sync import pull

    client = _client()
    state = State(state_path)
    try:
        known = state.project(client.url, project)
        ref = codebook_ref or (known["codebook"] if known else None)
        if ref is None:
            from ..studio.sync import _recorded

            found = client.project_by_title(project)
            recorded = _recorded(found) if found else None
            if recorded is None:
                raise click.BadParameter("say which codebook", param_hint="--codebook")
            ref = "@".join(recorded)
        cb = load_codebook(ref)
        result = pull(
            client, state, cb, title=project, full=full, echo=lambda m: click.echo(m, err=True)
        )
    finally:
        state.close()
    exporters = {e.extension: e for e in plugins.get_host().exporters().values() if e.extension}
    exporter = exporters.get(Path(output).suffix.lower())
    if exporter is None:
        raise click.BadParameter("use a .csv or .jsonl output", param_hint="-o")
    assert result.annotations is not None
    exporter.write(result.annotations, Path(output), cb)
    for problem in result.invalid[:20]:
        click.echo(f"invalid: {problem}", err=True)
    if len(result.invalid) > 20:
        click.echo(f"... and {len(result.invalid) - 20} more invalid results", err=True)
    click.echo(
        f"{result.new} new, {result.updated} updated, {result.deleted} deleted, "
        f"{result.unchanged} unchanged annotations; {result.cancelled} skipped (cancelled) kept "
        f"out; {len(result.invalid)} invalid results left out; {result.records} records -> {output}"
    )


@studio.command("status")
@click.option("--project", default=None, help="One project (default: all in the state file).")
@_STATE
def status_command(project: str | None, state_path: str | None) -> None:
    """Projects, tasks, annotations per coder and agreement so far (pulls into the state)."""
    from collections import Counter

    from ..codebook.registry import load_codebook
    from ..reliability import assess
    from ..report.tables import render_table
    from ..studio.state import State
    from ..studio.sync import pull

    client = _client()
    state = State(state_path)
    try:
        titles = (
            [project]
            if project
            else [
                t
                for (t,) in state.db.execute(
                    "SELECT title FROM projects WHERE url = ?", (client.url,)
                )
            ]
        )
        if not titles:
            click.echo("no projects pushed from here yet (intercoder studio push)")
        for title in titles:
            known = state.project(client.url, title)
            if known is None:
                raise click.BadParameter(
                    f"no project {title!r} in the state", param_hint="--project"
                )
            cb = load_codebook(known["codebook"])
            result = pull(client, state, cb, title=title)
            tasks = result.tasks
            assert result.annotations is not None
            per_coder: Counter[str] = Counter()
            for _unit, coder in {
                (u, c)
                for u, c in zip(
                    result.annotations.unit_id, result.annotations.coder_id, strict=True
                )
            }:
                per_coder[coder] += 1
            click.echo(f"{title} ({cb.ref}): {tasks} tasks")
            for coder, n in sorted(per_coder.items()):
                click.echo(f"  {coder}: {n} units coded")
            click.echo(f"  {result.cancelled} skipped, {len(result.invalid)} invalid results")
            if len(per_coder) >= 2:
                click.echo(render_table(assess(result.annotations, cb)), nl=False)
    finally:
        state.close()


@studio.command("config")
@click.option(
    "--url",
    default=None,
    help="Server URL to store, with its API token: from LABEL_STUDIO_API_KEY, else asked for "
    "without echo.",
)
def config_command(url: str | None) -> None:
    """Show or store the server URL and API token (the token is never shown).

    The token is never an argument: it would stay in the shell's history.
    """
    import os

    from ..redact import display_url
    from ..studio.client import StudioError, config_path, load_settings, save_config

    if url:
        token = os.environ.get("LABEL_STUDIO_API_KEY") or click.prompt("API token", hide_input=True)
        save_config(url, token)
        click.echo(f"stored {display_url(url)} and its token in {config_path()}")
        return
    try:
        found, _ = load_settings()
    except StudioError as exc:
        click.echo(str(exc))
        return
    click.echo(f"server: {display_url(found)}\ntoken: set (config file {config_path()})")
