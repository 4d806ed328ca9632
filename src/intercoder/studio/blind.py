"""Blind coding in Label Studio Community: one project per coder over the same tasks.

Reliability data need coders who work independently. In one Label Studio project a coder who
opens a task sees the annotations already made on it, and the Community edition has no
per-project permissions or annotator-only views (HumanSignal/label-studio issue #2905: those
are Enterprise features). What Community *can* guarantee is that a project holds nothing but
what was coded in it. So :func:`push_blind` gives every coder a project of their own
(``ROUND · CODER``) over the same tasks, each text coded once; a coder working in their own
project never has another coder's answer on the page. :func:`pull_blind` pulls every project of
the round and merges them into one annotation set (coder ids from the annotators), and names a
project that holds codings by anyone other than its coder: the one breach it can see.

What it cannot enforce: every member of a Community organisation can open every project, so a
coder who goes to another coder's project can read the answers there. Opening is not logged in
a way the API shows; only coding in another's project is seen (and reported).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..annotations import AnnotationSet, check_annotations
from ..codebook.model import Codebook
from ..errors import Diagnostic, IntercoderError
from ..tasks import Task
from .client import Client
from .state import State
from .sync import Progress, PullResult, PushResult, codebook_description, no_progress, pull, push

#: Label Studio's longest project title.
TITLE_MAX = 50
#: Between the round's title and the coder's e-mail in each coder's project title.
SEPARATOR = " · "
_ROUND_MARK = "intercoder blind round: "


def coder_title(round_title: str, coder: str) -> str:
    """The title of ``coder``'s project in the blind round ``round_title``."""
    title = f"{round_title}{SEPARATOR}{coder}"
    if len(title) > TITLE_MAX:
        raise IntercoderError(
            f"project title {title!r} is longer than Label Studio's {TITLE_MAX} characters: "
            "choose a shorter --project"
        )
    return title


def push_blind(
    client: Client,
    state: State,
    cb: Codebook,
    tasks: list[Task],
    *,
    title: str,
    coders: Sequence[str],
    lang: str | None = None,
    migrate: bool = False,
    echo: Callable[[str], None] = lambda _m: None,
    progress: Progress = no_progress,
) -> dict[str, PushResult]:
    """A project per coder (``ROUND · CODER``) over the same ``tasks``, each text coded once."""
    titles = {coder: coder_title(title, coder) for coder in dict.fromkeys(coders)}
    results = {}
    for coder, coder_project in titles.items():
        results[coder] = push(
            client,
            state,
            cb,
            tasks,
            title=coder_project,
            lang=lang,
            migrate=migrate,
            coders=1,
            overlap=100,
            echo=echo,
            progress=progress,
            kind="blind",
            round_title=title,
            description=(
                f"{codebook_description(cb)}\n{_ROUND_MARK}{title}\nintercoder coder: {coder}"
            ),
        )
    return results


def round_projects(client: Client, state: State, title: str) -> list[str]:
    """The titles of the blind round ``title``'s projects: from the state, else the server's."""
    known = state.round_projects(client.url, title)
    if known:
        return known
    found: list[dict[str, Any]] = [
        p
        for p in client.projects()
        if f"{_ROUND_MARK}{title}\n" in str(p.get("description") or "") + "\n"
    ]
    return sorted(str(p["title"]) for p in found)


@dataclass
class BlindPull:
    """Each coder's project pulled, and the merged annotation set."""

    projects: dict[str, PullResult]
    annotations: AnnotationSet
    invalid: list[Diagnostic] = field(default_factory=list)
    #: projects holding codings by someone other than their coder
    warnings: list[str] = field(default_factory=list)


def pull_blind(
    client: Client,
    state: State,
    cb: Codebook,
    *,
    title: str,
    projects: Sequence[str],
    full: bool = False,
    echo: Callable[[str], None] = lambda _m: None,
    progress: Progress = no_progress,
) -> BlindPull:
    """Pull every coder's project of the round and merge them (coder ids from the annotators)."""
    pulled = {
        project: pull(client, state, cb, title=project, full=full, echo=echo, progress=progress)
        for project in projects
    }
    warnings = []
    for project, result in pulled.items():
        assert result.annotations is not None
        owner = project.rpartition(SEPARATOR)[2]
        others = sorted(set(result.annotations.coders) - {owner})
        if others:
            warnings.append(
                f"project {project!r} holds codings by {', '.join(others)}, not only by "
                f"{owner}: they were made where {owner}'s answers can be seen"
            )
    merged = AnnotationSet.concatenate(
        [r.annotations for r in pulled.values() if r.annotations is not None]
    )
    checked = check_annotations(merged, cb)
    invalid = [p for r in pulled.values() for p in r.invalid] + list(checked.problems)
    return BlindPull(pulled, checked.annotations, invalid, warnings)
