"""``intercoder studio``: serve, push, pull, status and config for Label Studio.

Everything heavy is imported inside the commands, so ``intercoder --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import click

from .options import codebook_option, load_codebook_option, progress_bar, read_options

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
    import os
    import signal
    import sys
    from pathlib import Path

    from ..studio import server
    from ..studio.client import Client, StudioError, config_path, read_config, save_config

    home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    data = Path(data_dir) if data_dir else home / "intercoder" / "ls"
    cfg = config_path()
    token = read_config(cfg).get("token", "")  # a broken file stops us before anything starts
    email = os.environ.get("LABEL_STUDIO_ADMIN_EMAIL") or click.prompt("Admin e-mail")
    password = os.environ.get("LABEL_STUDIO_ADMIN_PASSWORD") or click.prompt(
        "Admin password", hide_input=True, confirmation_prompt=True
    )
    click.echo("preparing Label Studio (the first run installs it; this takes minutes)…", err=True)
    exe = server.ensure_venv()
    running = server.start(exe, data, port=port, username=email, password=password, timeout=300)
    if not running.url.endswith(f":{port}"):
        click.echo(f"port {port} was busy; Label Studio took {running.url}", err=True)
    if token:  # keep a token that still works on this server
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


class _Coders(click.ParamType):  # type: ignore[type-arg]
    """``--coders``: how many coders code each text, or (``--blind``) the coders' e-mails."""

    name = "N|EMAILS"

    def convert(self, value: Any, param: Any, ctx: Any) -> int | tuple[str, ...]:
        if isinstance(value, int | tuple):
            return value
        text = str(value).strip()
        if text.isdigit() and 1 <= int(text) <= 100:
            return int(text)
        emails = tuple(dict.fromkeys(e.strip() for e in text.split(",") if e.strip()))
        if not emails or text.isdigit() or not all("@" in e for e in emails):
            self.fail(
                f"{value!r} is neither a number of coders (1-100) nor the coders' e-mails "
                "(a@example.org,b@example.org)",
                param,
                ctx,
            )
        return emails


@contextmanager
def _opened(state_path: str | None) -> Iterator[Any]:
    """The sync state, closed at the end; an SQLite failure is a one-line error naming it."""
    import sqlite3

    from ..studio.state import State, StateError

    state = State(state_path)
    try:
        yield state
    except sqlite3.Error as exc:
        raise StateError(
            f"{state.path}: the sync state file failed ({exc}); if it is read-only or on a full "
            "disk, fix that, else move it away (the next pull reads everything again) or name "
            "another with --state"
        ) from None
    finally:
        state.close()


@contextmanager
def _progress(label: str) -> Iterator[Any]:
    """``progress(total) -> advance``: a tqdm bar per stage, on stderr when it is a terminal
    (:func:`.options.progress_bar`); stdout, where results go, never gets one."""
    with ExitStack() as stack:
        yield lambda total: stack.enter_context(progress_bar(total, label, unit="task"))


@studio.command("push")
@codebook_option
@click.option("--tasks", "tasks_file", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--project",
    default=None,
    help="Project title (default: the codebook id); with --blind, the round's title.",
)
@click.option("--lang", "-l", default=None, help="Language of the interface (default: first).")
@click.option("--coder", "coder_name", default=None, help="Attach pre-annotations of a coder.")
@click.option("--migrate", is_flag=True, help="Allow a new major codebook version.")
@click.option(
    "--coders",
    type=_Coders(),
    default=None,
    help="How many coders code each overlapping text (new project: 3); with --blind, the "
    "coders' e-mails, comma-separated.",
)
@click.option(
    "--overlap",
    type=click.IntRange(0, 100),
    default=None,
    help="Percent of texts coded by --coders coders, the rest by one (new project: 100).",
)
@click.option(
    "--blind",
    is_flag=True,
    help="A project of their own for each of --coders (titled 'PROJECT · E-MAIL'), over the "
    "same tasks: no coder has another's answers in their project.",
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
    coders: int | tuple[str, ...] | None,
    overlap: int | None,
    blind: bool,
    state_path: str | None,
) -> None:
    """Create or update a project from a codebook and import the tasks it lacks."""
    from .. import plugins
    from ..codebook.registry import load_codebook
    from ..studio.blind import coder_title, push_blind
    from ..studio.sync import push
    from ..tasks import read_tasks

    if blind and not isinstance(coders, tuple):
        raise click.BadParameter(
            "--blind needs the coders' e-mails (--coders a@example.org,b@example.org)",
            param_hint="--coders",
        )
    if isinstance(coders, tuple) and not blind:
        raise click.BadParameter(
            "e-mails make a project per coder: add --blind, or give a number", param_hint="--coders"
        )
    if blind and (coder_name or overlap is not None):
        raise click.BadParameter(
            "a blind round has no pre-annotations and no overlap: every coder codes every text",
            param_hint="--coder/--overlap",
        )
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
    title = project or cb.id
    with _opened(state_path) as state, _progress("pushing") as progress:
        if isinstance(coders, tuple):
            made = push_blind(
                _client(),
                state,
                cb,
                tasks,
                title=title,
                coders=coders,
                lang=lang,
                migrate=migrate,
                echo=lambda m: click.echo(m, err=True),
                progress=progress,
            )
            for email, result in made.items():
                click.echo(
                    f"project {coder_title(title, email)!r} (id {result.project_id}, "
                    f"{cb.ref}) {result.verb}: {result.imported} tasks imported, "
                    f"{result.already} already there"
                )
            click.echo(
                f"blind round {title!r}: {len(made)} coders, a project each over the same "
                f"{len(tasks)} texts"
            )
            return
        result = push(
            _client(),
            state,
            cb,
            tasks,
            title=title,
            lang=lang,
            coder=coder,
            migrate=migrate,
            coders=coders,
            overlap=overlap,
            echo=lambda m: click.echo(m, err=True),
            progress=progress,
        )
    click.echo(
        f"project {title!r} (id {result.project_id}, {cb.ref}) {result.verb}: "
        f"{result.imported} tasks imported, {result.already} already there"
        + (f", {result.predictions} with pre-annotations" if coder else "")
        + f"; {result.overlap}% of texts go to {result.coders} coders each"
    )


def _project_codebook(client: Any, state: Any, title: str, codebook_ref: str | None) -> Any:
    """The codebook ``--codebook`` names, else the one the project was pushed with."""
    from ..codebook.registry import load_codebook
    from ..studio.sync import _recorded, review_of

    known = state.project(client.url, title)
    ref = codebook_ref or (known["codebook"] if known else None)
    if ref is None:
        found = client.project_by_title(title)
        recorded = (_recorded(found) or review_of(found)) if found else None
        if recorded is None:
            raise click.BadParameter("say which codebook", param_hint="--codebook")
        ref = "@".join(recorded)
    return load_codebook(ref)


def _is_review(client: Any, state: Any, title: str) -> bool:
    from ..studio.sync import review_of

    known = state.project(client.url, title)
    if known is not None:
        return bool(known["kind"] == "review")
    found = client.project_by_title(title)
    return found is not None and review_of(found) is not None


@studio.command("pull")
@click.option(
    "--project",
    required=True,
    help="Project title: a coding project, a blind round (all its coders' projects) or a "
    "review project (studio adjudicate).",
)
@click.option("--codebook", "codebook_ref", default=None, help="Codebook (default: the project's).")
@click.option(
    "-o",
    "--output",
    required=True,
    help="Annotation file (.csv or .jsonl); of a review project: the gold file to update.",
)
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

    After the first pull, only the tasks changed since the last one are read. A blind round
    (studio push --blind) is pulled from every coder's project and merged into one file. A
    review project (studio adjudicate) writes its decisions into the gold file OUTPUT: the
    decided pairs become adjudicated, the rest stay as they were.
    """
    from pathlib import Path

    from .. import plugins
    from ..studio.blind import pull_blind, round_projects
    from ..studio.sync import pull

    exporters = {e.extension: e for e in plugins.get_host().exporters().values() if e.extension}
    exporter = exporters.get(Path(output).suffix.lower())
    if exporter is None:
        raise click.BadParameter("use a .csv or .jsonl output", param_hint="-o")
    client = _client()
    echo = lambda m: click.echo(m, err=True)  # noqa: E731
    with _opened(state_path) as state, _progress("pulling") as progress:
        known = state.project(client.url, project)
        coder_projects = [] if known is not None else round_projects(client, state, project)
        if coder_projects:
            cb = _project_codebook(client, state, coder_projects[0], codebook_ref)
            merged = pull_blind(
                client,
                state,
                cb,
                title=project,
                projects=coder_projects,
                full=full,
                echo=echo,
                progress=progress,
            )
            exporter.write(merged.annotations, Path(output), cb)
            _show_invalid(merged.invalid)
            for warning in merged.warnings:
                click.echo(f"warning: {warning}", err=True)
            results = list(merged.projects.values())
            click.echo(
                f"blind round {project!r}: {len(results)} coder projects merged; "
                f"{sum(r.new for r in results)} new, {sum(r.updated for r in results)} updated, "
                f"{sum(r.deleted for r in results)} deleted annotations; "
                f"{sum(r.cancelled for r in results)} skipped; {len(merged.invalid)} invalid "
                f"results left out; {len(merged.annotations)} records -> {output}"
            )
            return
        cb = _project_codebook(client, state, project, codebook_ref)
        if _is_review(client, state, project):
            _pull_review(client, state, cb, project, output, progress)
            return
        result = pull(client, state, cb, title=project, full=full, echo=echo, progress=progress)
    assert result.annotations is not None
    exporter.write(result.annotations, Path(output), cb)
    _show_invalid(result.invalid)
    click.echo(
        f"{result.new} new, {result.updated} updated, {result.deleted} deleted, "
        f"{result.unchanged} unchanged annotations; {result.cancelled} skipped (cancelled) kept "
        f"out; {len(result.invalid)} invalid results left out; {result.records} records -> {output}"
    )


def _show_invalid(invalid: list[Any]) -> None:
    for problem in invalid[:20]:
        click.echo(f"invalid: {problem}", err=True)
    if len(invalid) > 20:
        click.echo(f"... and {len(invalid) - 20} more invalid results", err=True)


def _pull_review(client: Any, state: Any, cb: Any, title: str, output: str, progress: Any) -> None:
    """A review project's decisions into the gold file ``output`` (written atomically)."""
    from pathlib import Path

    from ..errors import IntercoderError
    from ..studio.review import pull_review
    from ..workflow.gold import read_gold, write_gold

    if not Path(output).exists():
        raise IntercoderError(
            f"{output}: no gold file to merge the decisions into; write it first with "
            "`intercoder adjudicate FILES --codebook REF -o GOLD --queue QUEUE`"
        )
    earlier = read_gold(output, cb)
    gold, decided = pull_review(client, state, cb, earlier, title=title, progress=progress)
    write_gold(output, gold)
    counts = {p: sum(1 for r in gold if r.provenance == p) for p in _PROVENANCES}
    click.echo(
        f"{decided} decisions from {title!r}; gold: "
        + ", ".join(f"{n} {p}" for p, n in counts.items())
        + f" -> {output}"
    )


_PROVENANCES = ("unanimous", "majority", "adjudicated", "unresolved")


@studio.command("adjudicate")
@click.argument("queue_file", metavar="QUEUE", type=click.Path(exists=True, dir_okay=False))
@codebook_option
@click.option(
    "--project",
    default=None,
    help="Title of the review project (default: 'review · ' and the queue's file name).",
)
@click.option("--lang", "-l", default=None, help="Language of the labels (default: first).")
@click.option(
    "--round-files",
    "round_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="The round's annotation files: every queued unit must be among them (repeatable).",
)
@_STATE
def adjudicate_command(
    queue_file: str,
    codebook_ref: str,
    project: str | None,
    lang: str | None,
    round_files: tuple[str, ...],
    state_path: str | None,
) -> None:
    """Push a dispute queue (intercoder adjudicate --queue) to a Label Studio review project.

    One task per queued unit and variable: the text, every coder's answer by name, the
    variable's categories to pick the gold value from, a required reason and a comment.
    `studio pull --project TITLE -o GOLD` then writes the decisions into the gold file.
    """
    from pathlib import Path

    import attrs

    from ..errors import Diagnostic
    from ..studio.review import push_review
    from ..workflow.adjudicate import read_queue
    from ..workflow.gold import GoldError
    from .options import load_checked

    cb = load_codebook_option(codebook_ref)
    disputes = read_queue(queue_file)
    if round_files:
        _, annotations = load_checked(round_files, codebook_ref, skip_invalid=False)
        in_round = set(annotations.unit_id.tolist())
        texts = {
            u: t
            for u, t in zip(annotations.unit_id.tolist(), annotations.text.tolist(), strict=True)
            if t
        }
        for dispute, where in disputes:
            if dispute.unit_id not in in_round:
                raise GoldError(
                    [Diagnostic(where, f"unit {dispute.unit_id!r} is not in the round")]
                )
        disputes = [
            (d if d.text else attrs.evolve(d, text=texts.get(d.unit_id)), where)
            for d, where in disputes
        ]
    title = project or f"review · {Path(queue_file).stem}"
    with _opened(state_path) as state, _progress("pushing") as progress:
        result = push_review(
            _client(),
            state,
            cb,
            disputes,
            title=title,
            lang=lang,
            echo=lambda m: click.echo(m, err=True),
            progress=progress,
        )
    click.echo(
        f"review project {title!r} (id {result.project_id}, {cb.ref}) {result.verb}: "
        f"{result.imported} disputes imported, {result.already} already there"
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
    from ..studio.sync import pull

    client = _client()
    with _opened(state_path) as state:
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
            if known["kind"] == "review":
                click.echo(f"{title} ({cb.ref}): review project (studio pull -o GOLD)")
                continue
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
    from ..studio.client import (
        StudioError,
        config_path,
        load_settings,
        read_config,
        save_config,
    )

    if url:
        token = os.environ.get("LABEL_STUDIO_API_KEY") or click.prompt("API token", hide_input=True)
        save_config(url, token)
        click.echo(f"stored {display_url(url)} and its token in {config_path()}")
        return
    read_config()  # a broken config file is an error, not "no server configured"
    try:
        found, _ = load_settings()
    except StudioError as exc:
        click.echo(str(exc))
        return
    click.echo(f"server: {display_url(found)}\ntoken: set (config file {config_path()})")
