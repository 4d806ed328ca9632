"""Push a codebook and tasks to Label Studio; pull the annotations back, incrementally.

``push`` is idempotent: units are keyed by ``data.unit_id`` on the server and in the local
state, and only units the project lacks are imported (in batches); it also makes every text go
to several coders (Label Studio's default is one, which leaves nothing to agree on). ``pull``
reads the whole project from one export snapshot the first time, afterwards only the tasks
changed since the last pull began; it stores every annotation that is new or changed in the
local state (one transaction per batch, so a failure mid-way loses nothing and a re-run
duplicates nothing), removes those deleted on the server, and converts the whole current set
to long records validated against the codebook.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..annotations import Annotation, AnnotationSet, check_annotations
from ..codebook.model import Codebook, Variable, parse_version
from ..errors import Diagnostic, IntercoderError, Location
from ..redact import display_url
from ..tasks import Task
from .client import Client, StudioError
from .client import task_id as checked_task_id
from .labelconfig import REVIEW_MARK, TEXT_TAG, codebook_of, is_rating, label_config
from .state import State

BATCH = 1000

#: ``progress(total)`` starts a progress display of ``total`` tasks and returns ``advance(n)``.
Progress = Callable[[int], Callable[[int], None]]


def no_progress(_total: int) -> Callable[[int], None]:
    return lambda _n: None


#: How many coders code each overlapping text unless ``push`` is told otherwise. Label Studio
#: itself gives each text to one coder only (``maximum_annotations`` 1): no agreement at all.
DEFAULT_CODERS = 3


@dataclass
class PushResult:
    project_id: int
    created: bool
    imported: int
    already: int
    predictions: int
    #: the label config, instructions or overlap settings were changed
    config_updated: bool
    #: codings per overlapping text, and the share of texts (percent) that overlap
    coders: int = 0
    overlap: int = 0

    @property
    def verb(self) -> str:
        """What push did to the project: ``created``, ``updated`` or ``unchanged``."""
        return "created" if self.created else "updated" if self.config_updated else "unchanged"


@dataclass
class PullResult:
    new: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    cancelled: int = 0
    annotations: AnnotationSet | None = None
    invalid: list[Diagnostic] = field(default_factory=list)
    records: int = 0
    tasks: int = 0
    #: True when only the tasks changed since the last pull were read
    incremental: bool = False


def codebook_description(cb: Codebook) -> str:
    return f"intercoder codebook: {cb.ref}"


def review_of(project: dict[str, Any]) -> tuple[str, str] | None:
    """``(id, version)`` of the codebook a review project (``studio adjudicate``) is for."""
    found = REVIEW_MARK.search(str(project.get("label_config") or ""))
    found = found or REVIEW_MARK.search(f"<!-- {project.get('description') or ''} -->")
    return (found.group(1), found.group(2)) if found else None


def _recorded(project: dict[str, Any]) -> tuple[str, str] | None:
    found = codebook_of(project.get("label_config") or "")
    if found is None:
        found = codebook_of(f"<!-- {project.get('description') or ''} -->")
    return found


def _prediction_result(
    var: Variable, records: list[Annotation], cb: Codebook
) -> list[dict[str, Any]]:
    """Label Studio results for one coder's records of one variable on one unit."""
    base = {"from_name": var.id, "to_name": TEXT_TAG}
    values = [r.value for r in records if r.value is not None]
    if not values:
        return []
    if var.type == "spans":
        return [
            {
                **base,
                "type": "labels",
                "value": {"start": r.start, "end": r.end, "labels": [str(r.value)]},
            }
            for r in records
            if r.start is not None and r.end is not None
        ]
    flat: list[str] = []
    for value in values:
        flat += [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    if var.type == "number":
        return [{**base, "type": "number", "value": {"number": float(values[0])}}]
    if var.type == "text":
        return [{**base, "type": "textarea", "value": {"text": [str(values[0])]}}]
    if var.is_tree:
        paths = [list(var.path_to(code)) for code in flat]
        return [{**base, "type": "taxonomy", "value": {"taxonomy": paths}}]
    if is_rating(var, cb):
        return [{**base, "type": "rating", "value": {"rating": int(flat[0])}}]
    return [{**base, "type": "choices", "value": {"choices": flat}}]


def _predictions(coder: Any, tasks: list[Task], cb: Codebook) -> dict[str, list[dict[str, Any]]]:
    by_unit: dict[str, dict[str, list[Annotation]]] = {}
    for record in coder.code(iter(tasks), cb):
        by_unit.setdefault(record.unit_id, {}).setdefault(record.variable, []).append(record)
    results: dict[str, list[dict[str, Any]]] = {}
    for unit, by_var in by_unit.items():
        out: list[dict[str, Any]] = []
        for var_id, records in by_var.items():
            try:
                var = cb.variable(var_id)
            except KeyError:
                continue
            out += _prediction_result(var, records, cb)
        results[unit] = out
    return results


def server_units(client: Client, project_id: int) -> dict[str, int]:
    """unit_id -> task id of the tasks the project has (unit_id from the task data)."""
    units: dict[str, int] = {}
    where = f"{display_url(client.url)} project {project_id}"
    for page in client.tasks(project_id, fields="task_only"):
        for task in page:
            number = checked_task_id(task, where)
            unit = (task.get("data") or {}).get("unit_id")
            units[str(unit if unit is not None else number)] = number
    return units


def push(
    client: Client,
    state: State,
    cb: Codebook,
    tasks: list[Task],
    *,
    title: str,
    lang: str | None = None,
    coder: Any = None,
    migrate: bool = False,
    coders: int | None = None,
    overlap: int | None = None,
    batch: int = BATCH,
    echo: Callable[[str], None] = lambda _m: None,
    progress: Progress = no_progress,
    kind: str | None = None,
    round_title: str | None = None,
    config: str | None = None,
    description: str | None = None,
) -> PushResult:
    """Create or update the project ``title`` and import the tasks it does not have yet.

    ``coders``: how many coders code each overlapping text (Label Studio's "annotations per
    task"; a new project gets ``DEFAULT_CODERS``); ``overlap``: the percentage of texts that
    are coded that many times, the rest once (100 for a reliability pilot, say 20 for a main
    round with a reliability subsample). Given for an existing project, they are changed.
    ``kind`` and ``round_title`` are recorded in the state (see :meth:`State.save_project`);
    ``progress`` is told of every task, imported or already there. ``config`` and
    ``description``: another interface than the codebook's (a review project's).
    """
    from ..codebook.render import manual_html

    lang = lang or cb.languages[0]
    config = config or label_config(cb, lang)
    description = description or codebook_description(cb)
    project = client.project_by_title(title)
    created = config_updated = False
    sharing: dict[str, Any] = {}
    if coders is not None:
        sharing["maximum_annotations"] = coders
    if overlap is not None:
        sharing["overlap_cohort_percentage"] = overlap
    if project is None:
        project = client.request(
            "POST",
            "/api/projects/",
            {
                "title": title,
                "label_config": config,
                "description": description,
                "expert_instruction": manual_html(cb, lang),
                "show_instruction": True,
                "maximum_annotations": DEFAULT_CODERS,
                "overlap_cohort_percentage": 100,
                **sharing,
            },
        )
        created = True
    else:
        recorded = _recorded(project) or review_of(project)
        coded = int(project.get("total_annotations_number") or 0) > 0
        if recorded is not None:
            book, version = recorded
            if book != cb.id:
                raise IntercoderError(
                    f"project {title!r} is coded with codebook {book}@{version}, not {cb.id}"
                )
            old_major, new_major = parse_version(version)[0], cb.version_tuple[0]
            if old_major != new_major and coded and not migrate:
                raise IntercoderError(
                    f"project {title!r} is coded under {book}@{version}; {cb.ref} is another "
                    "major version: migrate the codings (`intercoder codebook diff`) and push "
                    "again with --migrate"
                )
        known = state.project(client.url, title)
        same_lang = known is None or known["lang"] == lang
        # the server reformats the XML: compare what it was made from, not the text
        if recorded != (cb.id, cb.version) or not same_lang:
            project = client.request(
                "PATCH",
                f"/api/projects/{project['id']}/",
                {
                    "label_config": config,
                    "description": description,
                    "expert_instruction": manual_html(cb, lang),
                },
            )
            config_updated = True
        if sharing:
            project = client.request("PATCH", f"/api/projects/{project['id']}/", sharing)
            config_updated = True
    project_id = int(project["id"])
    state.save_project(
        client.url, project_id, title, cb.ref, lang, kind=kind, round_title=round_title
    )
    have = server_units(client, project_id) if not created else {}
    todo = [t for t in tasks if t.unit_id not in have]
    advance = progress(len(tasks))
    advance(len(tasks) - len(todo))
    predictions = _predictions(coder, todo, cb) if coder is not None and todo else {}
    n_predictions = 0
    for start in range(0, len(todo), batch):
        payload = []
        for task in todo[start : start + batch]:
            data: dict[str, Any] = {
                **{
                    k: v
                    for k, v in task.meta.items()
                    if isinstance(v, str | int | float | list | dict)
                },
                "unit_id": task.unit_id,
                TEXT_TAG: task.text,
            }
            for key in ("lang", "source", "published_at"):
                if getattr(task, key) is not None:
                    data[key] = getattr(task, key)
            item: dict[str, Any] = {"data": data}
            if predictions.get(task.unit_id):
                item["predictions"] = [
                    {"model_version": coder.coder_id, "result": predictions[task.unit_id]}
                ]
                n_predictions += 1
            payload.append(item)
        client.request("POST", f"/api/projects/{project_id}/import", payload)
        advance(len(payload))
        echo(f"imported {min(start + batch, len(todo))}/{len(todo)} tasks")
    if todo or not state.units(client.url, project_id):
        texts = {t.unit_id: t.text for t in tasks}
        units = server_units(client, project_id)
        state.save_units(client.url, project_id, [(u, t, texts.get(u)) for u, t in units.items()])
    return PushResult(
        project_id,
        created,
        len(todo),
        len(tasks) - len(todo),
        n_predictions,
        config_updated,
        int(project.get("maximum_annotations") or 1),
        int(project.get("overlap_cohort_percentage") or 0),
    )


def _label_to_code(cb: Codebook, lang: str) -> dict[str, dict[str, str]]:
    """Per variable, shown label -> code (for results that stored the label, not the alias)."""
    out: dict[str, dict[str, str]] = {}
    for var in cb.variables:
        labels = {}
        for cat, _ in var.walk():
            label = cat.label.pick(lang, cb.languages)
            if label:
                labels[label] = cat.code
        out[var.id] = labels
    return out


def convert(
    rows: Iterable[tuple[Any, ...]],
    cb: Codebook,
    lang: str,
    texts: dict[str, str | None],
    where: str,
    parsed: dict[int, Any] | None = None,
) -> tuple[list[Annotation], list[Diagnostic], int]:
    """Long records from stored annotations; problems for results that break the codebook.

    ``parsed``: results already decoded, by annotation id (those just pulled).
    """
    from ..formats.labelstudio import SUPPORTED_TYPES, _result_values

    labels = _label_to_code(cb, lang)
    variables = {v.id: v for v in cb.variables}
    records: list[Annotation] = []
    problems: list[Diagnostic] = []
    cancelled = 0
    for annotation_id, task_id, unit_id, coder, updated_at, was_cancelled, result in rows:
        if was_cancelled:
            cancelled += 1
            continue
        loc = Location(f"{where} task {task_id} annotation {annotation_id}")
        text = texts.get(unit_id)
        items = parsed.get(annotation_id) if parsed else None
        for r, item in enumerate(json.loads(result) if items is None else items):
            if not isinstance(item, dict) or item.get("type") not in SUPPORTED_TYPES:
                continue
            name = str(item.get("from_name"))
            var = variables.get(name)

            def bad(
                message: str, r: int = r, name: str = name, loc: Location = loc, coder: str = coder
            ) -> None:
                problems.append(
                    Diagnostic(loc, f"{coder}: {name}: {message}", field=f"result[{r}]")
                )

            if var is None:
                bad(f"no variable {name!r} in {cb.ref}")
                continue
            try:
                found = _result_values(str(item["type"]), item.get("value") or {}, text)
            except ValueError as exc:
                bad(str(exc))
                continue
            for value, start, end, _span in found:
                if item["type"] == "rating":
                    value = str(int(value))
                elif isinstance(value, str) and var.categories:
                    value = labels[var.id].get(value, value)
                elif isinstance(value, list):
                    value = [labels[var.id].get(v, v) for v in value]
                if var.type == "single_choice" and isinstance(value, list):
                    bad(f"{len(value)} choices on a single-choice question")
                    continue
                if var.type == "spans" and text is not None and (end or 0) > len(text):
                    bad(f"span {start}-{end} is out of range (the text has {len(text)} characters)")
                    continue
                records.append(
                    Annotation(
                        unit_id=unit_id,
                        coder_id=coder,
                        variable=var.id,
                        value=value,
                        codebook=cb.ref,
                        text=text,
                        start=start,
                        end=end,
                        annotated_at=updated_at,
                        location=loc,
                    )
                )
    return records, problems, cancelled


def _task_pages(client: Client, project_id: int, page_size: int | None) -> Iterator[Any]:
    """Pages of tasks with their annotations: from an export snapshot, else the listing."""
    if page_size is None:
        try:
            tasks = client.export_tasks(project_id)
        except StudioError as exc:
            if exc.status not in (403, 404, 405):
                raise
        else:
            for start in range(0, len(tasks), BATCH):
                yield tasks[start : start + BATCH]
            return
    yield from client.tasks(project_id, page_size=page_size or BATCH)


@dataclass
class _Store:
    """Writes pages of tasks into the state, one transaction per page."""

    state: State
    url: str
    project_id: int
    users: dict[int, str]
    generation: int
    result: PullResult
    cursor: str | None
    stamps: dict[int, str | None] = field(default_factory=dict)
    #: the results stored by this pull, decoded: convert() need not decode them again
    parsed: dict[int, Any] = field(default_factory=dict)

    #: the server and project, for messages
    where: str = ""

    def page(self, tasks: list[Any], *, whole_tasks: bool) -> None:
        """Store one page; ``whole_tasks``: drop stored annotations the page's tasks lack."""
        url, project_id, generation, result = (
            self.url,
            self.project_id,
            self.generation,
            self.result,
        )
        units = []
        changed = []
        keep = []
        for task in tasks:
            number = checked_task_id(task, self.where)
            data = task.get("data") or {}
            unit = str(data.get("unit_id", number))
            text = data.get(TEXT_TAG) if isinstance(data.get(TEXT_TAG), str) else None
            units.append((unit, number, text))
            for ann in task.get("annotations") or []:
                aid = int(ann["id"])
                stamp = ann.get("updated_at") or ann.get("created_at")
                if self.cursor is None or (stamp and stamp > self.cursor):
                    self.cursor = stamp
                if aid in self.stamps and self.stamps[aid] == stamp:
                    keep.append((generation, url, project_id, aid))
                    continue
                if aid in self.stamps:
                    result.updated += 1
                else:
                    result.new += 1
                by = ann.get("completed_by")
                by_id = by.get("id") if isinstance(by, dict) else by
                coder = self.users.get(int(by_id)) if by_id is not None else None
                changed.append(
                    (
                        url,
                        project_id,
                        aid,
                        number,
                        unit,
                        coder or f"annotator-{by_id}",
                        stamp,
                        1 if ann.get("was_cancelled") else 0,
                        json.dumps(ann.get("result") or [], ensure_ascii=False),
                        generation,
                    )
                )
                self.parsed[aid] = ann.get("result") or []
        with self.state.transaction() as db:
            db.executemany(
                "INSERT INTO units (url, project_id, unit_id, task_id, text) VALUES (?,?,?,?,?) "
                "ON CONFLICT DO UPDATE SET task_id = excluded.task_id, text = excluded.text",
                [(url, project_id, u, t, x) for u, t, x in units],
            )
            db.executemany(
                "INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET "
                "task_id = excluded.task_id, unit_id = excluded.unit_id, coder = excluded.coder, "
                "updated_at = excluded.updated_at, cancelled = excluded.cancelled, "
                "result = excluded.result, generation = excluded.generation",
                changed,
            )
            db.executemany(
                "UPDATE annotations SET generation = ? WHERE url = ? AND project_id = ? "
                "AND annotation_id = ?",
                keep,
            )
            if whole_tasks:
                where = "url = ? AND project_id = ? AND task_id = ? AND generation < ?"
                for _unit, task_id, _text in units:
                    key = (url, project_id, task_id, generation)
                    gone = db.execute(f"SELECT annotation_id FROM annotations WHERE {where}", key)
                    for (aid,) in gone.fetchall():
                        self.stamps.pop(aid, None)
                        result.deleted += 1
                    db.execute(f"DELETE FROM annotations WHERE {where}", key)
        for row in changed:
            self.stamps[row[2]] = row[6]


#: How far before the last pull's start the next incremental listing begins: covers a proxy
#: whose ``Date`` clock is a little off the application's. A task listed twice costs little.
SINCE_MARGIN = timedelta(seconds=10)

#: Listing a changed task costs the server about this many times what putting a task in an
#: export snapshot does (Label Studio 1.23.2, 10,000 tasks with 3 annotations each: the
#: filtered listing 4-12 ms per task, the snapshot 1.2-1.5 ms): when more than
#: 1/LISTING_COST of the tasks changed, one snapshot of all of them is cheaper.
LISTING_COST = 8


@dataclass
class Synced:
    """What :func:`sync` left in the state: the project's row and the results it decoded."""

    project: dict[str, Any]
    result: PullResult
    #: the results stored by this sync, decoded, by annotation id
    parsed: dict[int, Any]


def sync(
    client: Client,
    state: State,
    cb: Codebook,
    *,
    title: str,
    page_size: int | None = None,
    full: bool = False,
    echo: Callable[[str], None] = lambda _m: None,
    progress: Progress = no_progress,
) -> Synced:
    """Bring the local state up to date with the project ``title`` (see :func:`pull`)."""
    project = state.project(client.url, title)
    if project is None:
        found = client.project_by_title(title)
        if found is None:
            raise IntercoderError(f"no project {title!r} on {display_url(client.url)}")
        recorded = _recorded(found) or review_of(found)
        ref = f"{recorded[0]}@{recorded[1]}" if recorded else cb.ref
        kind = "review" if review_of(found) else None
        state.save_project(client.url, int(found["id"]), title, ref, cb.languages[0], kind=kind)
        project = state.project(client.url, title)
        assert project is not None
    project_id = int(project["project_id"])
    book, _, version = str(project["codebook"]).partition("@")
    if book != cb.id or parse_version(version)[0] != cb.version_tuple[0]:
        raise IntercoderError(
            f"project {title!r} is coded under {project['codebook']}, not {cb.ref}"
        )
    url = client.url
    result = PullResult()
    store = _Store(
        state,
        url,
        project_id,
        client.users(),
        int(project["generation"]) + 1,
        result,
        project["cursor"],
        state.annotation_stamps(url, project_id),
        where=f"{display_url(url)} project {project_id}",
    )
    counts = client.request("GET", f"/api/projects/{project_id}/")
    # the server's clock before any task is read: the next pull lists tasks changed after it
    started = client.server_time
    result.tasks = int(counts.get("task_number") or 0)
    on_server = int(counts.get("total_annotations_number") or 0)
    on_server += int(counts.get("skipped_annotations_number") or 0)
    since = project["since"]
    if since is not None and not full:
        after = datetime.fromisoformat(since) - SINCE_MARGIN
        changed = client.count_tasks(project_id, updated_after=after)
        echo(f"{changed} of {result.tasks} tasks changed since {since}")
        # listing a task costs the server several times what a snapshot does
        if changed * LISTING_COST <= result.tasks:
            advance = progress(changed)
            pages = client.tasks(project_id, page_size or BATCH, updated_after=after)
            for page in pages if changed else ():
                store.page(page, whole_tasks=True)
                advance(len(page))
            # a task deleted with its annotations is not listed: the counts tell
            result.incremental = on_server == len(store.stamps)
            if not result.incremental:
                echo(f"{on_server} annotations there, {len(store.stamps)} here: reading all")
    if not result.incremental:
        advance = progress(result.tasks)
        for page in _task_pages(client, project_id, page_size):
            store.page(page, whole_tasks=False)
            advance(len(page))
        with state.transaction() as db:
            result.deleted += db.execute(
                "DELETE FROM annotations WHERE url = ? AND project_id = ? AND generation < ?",
                (url, project_id, store.generation),
            ).rowcount
    with state.transaction() as db:
        db.execute(
            "UPDATE projects SET generation = ?, cursor = ?, since = ?, "
            "pulled_at = datetime('now') WHERE url = ? AND project_id = ?",
            (
                store.generation,
                store.cursor,
                started.isoformat() if started is not None else None,
                url,
                project_id,
            ),
        )
    return Synced(project, result, store.parsed)


def pull(
    client: Client,
    state: State,
    cb: Codebook,
    *,
    title: str,
    page_size: int | None = None,
    full: bool = False,
    echo: Callable[[str], None] = lambda _m: None,
    progress: Progress = no_progress,
) -> PullResult:
    """Bring the local state up to date with the project, then convert and validate.

    After a complete pull, the next one lists only the tasks changed since it started (Label
    Studio touches a task whenever one of its annotations is created, changed or deleted) and
    reconciles those tasks' annotations; it then compares the project's annotation count with
    the local one, and if they differ (a task with annotations was deleted) falls back to a
    full pull. A full pull (the first, ``full``, or that fallback) takes every task from one
    export snapshot (``Client.export_tasks``: the server serialises it about three times as
    fast as the paged listing), stored ``BATCH`` tasks per transaction; if the server refuses
    exports (an annotator's token), or with ``page_size``, the tasks are listed page by page.
    Either way a failure mid-way keeps what was stored and a re-run stores only what is still
    missing or changed. ``progress`` is told of every task read.
    """
    synced = sync(
        client,
        state,
        cb,
        title=title,
        page_size=page_size,
        full=full,
        echo=echo,
        progress=progress,
    )
    result, project = synced.result, synced.project
    url, project_id = client.url, int(project["project_id"])
    texts = dict(
        state.db.execute(
            "SELECT unit_id, text FROM units WHERE url = ? AND project_id = ?", (url, project_id)
        )
    )
    rows = state.annotations(url, project_id)
    result.unchanged = len(rows) - result.new - result.updated
    records, problems, cancelled = convert(
        rows, cb, str(project["lang"]), texts, title, synced.parsed
    )
    checked = check_annotations(AnnotationSet.from_records(records), cb)
    result.invalid = problems + list(checked.problems)
    result.annotations = checked.annotations
    result.cancelled = cancelled
    result.records = len(checked.annotations)
    return result
