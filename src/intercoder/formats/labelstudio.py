"""Label Studio JSON exports ("Export → JSON"), read into long records and written back.

An export is a JSON list of tasks::

    [{"id": 17, "data": {"unit_id": "u1", "text": "…"},
      "annotations": [{"completed_by": 3,            (or {"id": 3, "email": "ana@…"})
                       "was_cancelled": false, "created_at": "…", "updated_at": "…",
                       "result": [{"from_name": "severity", "to_name": "text",
                                   "type": "choices", "value": {"choices": ["2"]}}, …]}]}]

Mapping (one record per result, per label for spans):

* ``unit_id``: ``data.unit_id`` when the task has one, else the task ``id``;
* ``coder_id``: the annotator's e-mail when the export has it, else ``annotator-<id>``;
* ``variable``: the result's ``from_name`` (intercoder names control tags by variable id);
* ``value`` by result type: ``choices`` and ``taxonomy`` (leaf of each path) give a code, or a
  list when several are chosen; ``labels`` give one span record per label with ``start``/``end``;
  ``rating`` and ``number`` a number; ``textarea`` the text (lines joined by newlines);
* ``text``: the task's ``data.text`` when it has one (else, for a span, the span's text), so
  that the records carry what the REFI-QDA export needs; ``annotated_at``: ``updated_at``, else
  ``created_at``.

Cancelled (skipped) annotations are left out and counted; so are results of types intercoder
has no variable for (relations are ignored silently). :func:`read_labelstudio` returns the
counts; the importer reports them as one warning per file on the ``intercoder.labelstudio``
logger, which the command line prints on stderr. Predictions and drafts are not read: they are
not a coder's work. Offsets written by Label Studio versions that counted UTF-16 code units
(before 1.4, with emoji in the text) are converted to characters when the span text proves it.

Problems are located at the task (``FILE:LINE:COLUMN`` of its opening brace) and the path of
the result inside it (``annotations[0].result[2]``). Records keep the line where their task
starts (an AnnotationSet stores no column), which for a one-line export is line 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, Location, ProblemsError
from ..extensions import Exporter, Importer
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from ..annotations import Annotation, AnnotationSet
    from ..codebook.model import Codebook

LOGGER = "intercoder.labelstudio"
#: Result types that become records; anything else is counted as skipped.
SUPPORTED_TYPES = ("choices", "taxonomy", "labels", "rating", "number", "textarea")
_ANNOTATOR = re.compile(r"^annotator-(\d+)$")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class LabelStudioError(ProblemsError):
    """A Label Studio export that cannot be read; ``diagnostics`` lists every problem."""


@dataclass(frozen=True)
class LabelStudioRead:
    """What reading an export gave: the records, and what was left out."""

    annotations: AnnotationSet
    #: Cancelled ("skipped") annotations left out, and the tasks they were on.
    cancelled: int = 0
    cancelled_tasks: tuple[Any, ...] = ()
    #: Results of unsupported types left out, by type.
    skipped_results: dict[str, int] = field(default_factory=dict)


# --- reading ----------------------------------------------------------------------------------


def _tasks(text: str, name: str) -> Iterator[tuple[Any, Location]]:
    """The tasks of the top-level JSON list, each with the position where it starts.

    ``json.loads`` forgets positions, so the list is walked with ``raw_decode`` task by task;
    line and column are counted incrementally (exports are often a single, very long line).
    """
    import json

    from ..rows import NESTING, json_limit, too_deep

    decoder = json.JSONDecoder()
    line, line_start, counted = 1, 0, 0

    def where(pos: int) -> Location:
        nonlocal line, line_start, counted
        newlines = text.count("\n", counted, pos)
        if newlines:
            line += newlines
            line_start = text.rindex("\n", counted, pos) + 1
        counted = pos
        return Location(name, line, pos - line_start + 1)

    def fail(pos: int, message: str) -> LabelStudioError:
        return LabelStudioError([Diagnostic(where(pos), message)])

    pos = _WHITESPACE.match(text, 0).end()  # type: ignore[union-attr]  # always matches
    if pos == len(text):
        raise fail(pos, "empty file: expected a Label Studio JSON export (a list of tasks)")
    if text[pos] != "[":
        raise fail(
            pos,
            "not a Label Studio JSON export: expected a list of tasks "
            "(export the project with Export → JSON)",
        )
    pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    if pos < len(text) and text[pos] == "]":
        pos += 1
    else:
        while True:
            try:
                task, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                raise LabelStudioError(
                    [
                        Diagnostic(
                            Location(name, exc.lineno, exc.colno), f"not valid JSON: {exc.msg}"
                        )
                    ]
                ) from None
            except ValueError as exc:  # an integer of thousands of digits
                raise fail(pos, f"not valid JSON in this task: {json_limit(exc)}") from None
            except RecursionError:
                raise fail(pos, f"not valid JSON in this task: {NESTING}") from None
            if too_deep(text, pos, end):  # the same answer on every Python (see too_deep)
                raise fail(pos, f"not valid JSON in this task: {NESTING}")
            yield task, where(pos)
            pos = _WHITESPACE.match(text, end).end()  # type: ignore[union-attr]
            if pos < len(text) and text[pos] == ",":
                pos = _WHITESPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            raise fail(pos, "not valid JSON: expected ',' or ']' after a task")
    if _WHITESPACE.match(text, pos).end() != len(text):  # type: ignore[union-attr]
        raise fail(pos, "not valid JSON: extra data after the list of tasks")


def _coder(completed_by: Any) -> str | None:
    """``annotator-<id>`` for a user id, the e-mail when the export carries the user object."""
    if isinstance(completed_by, dict):
        email = completed_by.get("email")
        if isinstance(email, str) and email.strip():
            return email.strip()
        completed_by = completed_by.get("id")
    if isinstance(completed_by, int) and not isinstance(completed_by, bool):
        return f"annotator-{completed_by}"
    if isinstance(completed_by, str) and completed_by.strip():
        return completed_by.strip()
    return None


def _one_or_list(codes: list[str]) -> Any:
    """One chosen code as a code, several as a list (check_annotations reads both per type)."""
    return codes[0] if len(codes) == 1 else codes


def _code_list(raw: Any, what: str) -> list[str]:
    if not isinstance(raw, list) or not all(
        isinstance(c, str | int) and not isinstance(c, bool) for c in raw
    ):
        raise ValueError(f"value.{what} must be a list of strings, got {raw!r}")
    return [str(c) for c in raw]


def _utf16_to_index(text: str, offset: int) -> int | None:
    """The character index of a UTF-16 code-unit offset in ``text`` (None past the end)."""
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        if units > offset:
            return None  # the offset falls inside a surrogate pair
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text) if units == offset else None


def _offset(value: dict[str, Any], key: str) -> int:
    from ..rows import MAX_OFFSET, shorten

    offset = value.get(key)
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValueError(f"value.{key} must be a character offset, got {shorten(offset)}")
    if offset > MAX_OFFSET:
        raise ValueError(f"value.{key} is too large for a character offset: {offset}")
    return offset


def _span(value: dict[str, Any], unit_text: str | None) -> tuple[int, int, str | None]:
    start, end = _offset(value, "start"), _offset(value, "end")
    span_text = value.get("text") if isinstance(value.get("text"), str) else None
    if unit_text is not None and span_text is not None and unit_text[start:end] != span_text:
        # Label Studio before 1.4 counted UTF-16 code units: emoji took two.
        new_start = _utf16_to_index(unit_text, start)
        new_end = _utf16_to_index(unit_text, end)
        if (
            new_start is not None
            and new_end is not None
            and unit_text[new_start:new_end] == span_text
        ):
            return new_start, new_end, span_text
    return start, end, span_text


def _region(value: dict[str, Any], unit_text: str | None) -> tuple[int | None, int | None]:
    """The offsets of a per-region result (a ``perRegion`` control answers for its region, whose
    ``start`` and ``end`` the result carries): a statement of a ``unit: statement`` variable."""
    if "start" not in value and "end" not in value:
        return None, None
    start, end, _ = _span(value, unit_text)  # a textarea's "text" is what was typed: ignored
    return start, end


def _result_values(
    kind: str, value: dict[str, Any], unit_text: str | None
) -> list[tuple[Any, int | None, int | None, str | None]]:
    """``(value, start, end, span text)`` of each record one result gives."""
    if kind == "choices":
        codes = _code_list(value.get("choices"), "choices")
        return [(_one_or_list(codes), *_region(value, unit_text), None)] if codes else []
    if kind == "taxonomy":
        paths = value.get("taxonomy")
        if not isinstance(paths, list) or not all(isinstance(p, list) and p for p in paths):
            raise ValueError(f"value.taxonomy must be a list of paths, got {paths!r}")
        codes = _code_list([p[-1] for p in paths], "taxonomy")
        return [(_one_or_list(codes), *_region(value, unit_text), None)] if codes else []
    if kind == "labels":
        labels = _code_list(value.get("labels"), "labels")
        start, end, span_text = _span(value, unit_text)
        return [(label, start, end, span_text) for label in labels]
    if kind in ("rating", "number"):
        number = value.get(kind)
        if number is None:
            return []
        if not isinstance(number, int | float) or isinstance(number, bool):
            raise ValueError(f"value.{kind} must be a number, got {number!r}")
        return [(number, *_region(value, unit_text), None)]
    # textarea: one string per text box line the coder entered
    texts = value.get("text")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ValueError(f"value.text must be a list of strings, got {texts!r}")
    joined = "\n".join(texts)
    return [(joined, *_region(value, unit_text), None)] if joined.strip() else []


def read_labelstudio(path: str | Path) -> LabelStudioRead:
    """Read a Label Studio JSON export; bad content raises :class:`LabelStudioError`."""

    from ..rows import decode, read_settings, too_big

    name = str(path)
    try:
        data = Path(path).read_bytes()
    except MemoryError:
        raise too_big(name) from None
    text = decode(data, name, read_settings().encoding)
    del data
    try:
        return _read_text(text, name)
    except MemoryError:
        raise too_big(name) from None


def _read_text(text: str, name: str) -> LabelStudioRead:
    from ..annotations import Annotation, AnnotationSet

    records: list[Annotation] = []
    problems: list[Diagnostic] = []
    cancelled_tasks: list[Any] = []
    skipped: dict[str, int] = {}
    for task, where in _tasks(text, name):

        def bad(message: str, path: str = "", where: Location = where) -> None:
            problems.append(Diagnostic(where, message, field=path))

        if not isinstance(task, dict):
            bad("a task must be a JSON object")
            continue
        annotations = task.get("annotations", task.get("completions"))
        if not isinstance(annotations, list):
            if "annotator" in task or "annotation_id" in task:
                bad("this is a JSON-MIN export; export the project with Export → JSON")
            else:
                bad("a task needs an 'annotations' list (is this a Label Studio JSON export?)")
            continue
        data = task.get("data")
        if not isinstance(data, dict):
            bad("a task needs a 'data' object", "data")
            continue
        unit = data.get("unit_id")
        if unit is None or (isinstance(unit, str) and not unit.strip()):
            unit = task.get("id")
        if unit is None or isinstance(unit, bool | dict | list):
            bad("a task needs data.unit_id or an id", "id")
            continue
        unit_id = str(unit).strip()
        unit_text = data.get("text") if isinstance(data.get("text"), str) else None
        for a, annotation in enumerate(annotations):
            a_path = f"annotations[{a}]"
            if not isinstance(annotation, dict):
                bad("an annotation must be a JSON object", a_path)
                continue
            if annotation.get("was_cancelled"):
                cancelled_tasks.append(task.get("id", unit_id))
                continue
            coder = _coder(annotation.get("completed_by"))
            if coder is None:
                bad(
                    f"completed_by must be a user id or a user object, "
                    f"got {annotation.get('completed_by')!r}",
                    f"{a_path}.completed_by",
                )
                continue
            stamp = annotation.get("updated_at") or annotation.get("created_at")
            annotated_at = stamp if isinstance(stamp, str) and stamp.strip() else None
            results = annotation.get("result") or []
            if not isinstance(results, list):
                bad("result must be a list", f"{a_path}.result")
                continue
            for r, result in enumerate(results):
                r_path = f"{a_path}.result[{r}]"
                if not isinstance(result, dict):
                    bad("a result must be a JSON object", r_path)
                    continue
                kind = result.get("type")
                if kind == "relation":
                    continue  # a link between two regions: no variable of ours
                if kind not in SUPPORTED_TYPES:
                    skipped[str(kind)] = skipped.get(str(kind), 0) + 1
                    continue
                variable, value = result.get("from_name"), result.get("value")
                if not isinstance(variable, str) or not variable.strip():
                    bad("from_name (the variable id) is missing", f"{r_path}.from_name")
                    continue
                if not isinstance(value, dict):
                    bad("value must be a JSON object", f"{r_path}.value")
                    continue
                try:
                    found = _result_values(str(kind), value, unit_text)
                except ValueError as exc:
                    bad(f"{kind}: {exc}", r_path)
                    continue
                for code, start, end, span_text in found:
                    records.append(
                        Annotation(
                            unit_id=unit_id,
                            coder_id=coder,
                            variable=variable.strip(),
                            value=code,
                            text=unit_text if unit_text is not None else span_text,
                            start=start,
                            end=end,
                            annotated_at=annotated_at,
                            location=where,
                        )
                    )
    if problems:
        raise LabelStudioError(problems)
    return LabelStudioRead(
        annotations=AnnotationSet.from_records(records),
        cancelled=len(cancelled_tasks),
        cancelled_tasks=tuple(cancelled_tasks),
        skipped_results=skipped,
    )


# --- writing ----------------------------------------------------------------------------------


def _result(
    number: int, record: Annotation, kind: str, unit_text: str | None
) -> dict[str, Any] | None:
    value = record.value
    codes = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
    body: dict[str, Any]
    if kind == "labels":
        if record.start is None or record.end is None:
            return None
        span_text = (
            record.text if record.text and len(record.text) == record.end - record.start else None
        )
        if unit_text is not None and record.end <= len(unit_text):
            span_text = unit_text[record.start : record.end]
        body = {"start": record.start, "end": record.end, "labels": codes}
        if span_text is not None:
            body["text"] = span_text
    elif kind == "number":
        body = {"number": value}
    elif kind == "textarea":
        body = {"text": [str(value)]}
    else:
        body = {"choices": codes}
    return {
        # Label Studio result ids are short strings unique within the annotation.
        "id": f"r{number}",
        "from_name": record.variable,
        "to_name": "text",
        "type": kind,
        "origin": "manual",
        "value": body,
    }


_KIND_BY_TYPE = {
    "single_choice": "choices",
    "multiple_choice": "choices",
    "ordinal_scale": "choices",
    "spans": "labels",
    "number": "number",
    "text": "textarea",
}


def _kind(record: Annotation, codebook: Codebook | None) -> str:
    if codebook is not None:
        for var in codebook.variables:
            if var.id == record.variable:
                return _KIND_BY_TYPE.get(var.type, "choices")
    # Without a codebook, guess from the record: offsets mean a span, a number a number.
    if record.start is not None and record.end is not None:
        return "labels"
    if isinstance(record.value, int | float) and not isinstance(record.value, bool):
        return "number"
    return "choices"


def _completed_by(coder_id: str) -> Any:
    """The inverse of :func:`_coder`: a user id for ``annotator-<id>``, else a user object."""
    match = _ANNOTATOR.match(coder_id)
    return int(match.group(1)) if match else {"email": coder_id}


def to_labelstudio(annotations: AnnotationSet, codebook: Codebook | None = None) -> list[Any]:
    """The records as Label Studio tasks (one per unit, one annotation per coder)."""
    from .qdpx import unit_texts

    texts, _ = unit_texts(annotations)
    units: dict[str, dict[str, list[Annotation]]] = {}
    for record in annotations:
        if record.value is None:
            continue  # a missing value is no result
        units.setdefault(record.unit_id, {}).setdefault(record.coder_id, []).append(record)
    tasks = []
    annotation_id = 0
    for task_id, (unit_id, by_coder) in enumerate(units.items(), start=1):
        unit_text = texts.get(unit_id)
        data: dict[str, Any] = {"unit_id": unit_id}
        if unit_text is not None:
            data["text"] = unit_text
        task_annotations = []
        for coder_id, records in by_coder.items():
            annotation_id += 1
            results = [
                result
                for number, record in enumerate(records, start=1)
                if (result := _result(number, record, _kind(record, codebook), unit_text))
                is not None
            ]
            stamp = next((r.annotated_at for r in records if r.annotated_at), None)
            task_annotations.append(
                {
                    "id": annotation_id,
                    "completed_by": _completed_by(coder_id),
                    "result": results,
                    "was_cancelled": False,
                    "ground_truth": False,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "task": task_id,
                }
            )
        tasks.append(
            {"id": task_id, "data": data, "annotations": task_annotations, "predictions": []}
        )
    return tasks


class LabelStudioJson(Importer, Exporter):
    """Label Studio's JSON export format (Export → JSON), both ways; see the module notes.

    Writing makes one task per unit (``data.unit_id``, ``data.text`` when the records carry
    the unit's text) with one annotation per coder; result types follow the codebook when one
    is given (spans → labels, number → number, text → textarea, others → choices), else the
    records. ``coder_id`` ``annotator-<n>`` becomes user id ``n``, any other a user object
    with that e-mail. Missing values (no value) write no result. Records of one coder on one
    unit share one annotation, hence one time stamp (the first the records have).
    """

    name = "labelstudio"
    extensions = (".json",)
    extension = ".json"
    description = "Label Studio JSON export (Export → JSON): tasks with annotations"

    def read(self, path: Path) -> AnnotationSet:
        import logging

        result = read_labelstudio(path)
        log = logging.getLogger(LOGGER)
        if result.cancelled:
            shown = ", ".join(str(t) for t in result.cancelled_tasks[:10])
            more = ", …" if result.cancelled > 10 else ""
            log.warning(
                "%s: warning: skipped %d cancelled annotation(s) (task %s%s)",
                path,
                result.cancelled,
                shown,
                more,
            )
        if result.skipped_results:
            kinds = ", ".join(f"{k} ×{n}" for k, n in sorted(result.skipped_results.items()))
            log.warning("%s: warning: skipped results of unsupported types: %s", path, kinds)
        return result.annotations

    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        import json

        from ..fileio import write_atomic

        tasks = to_labelstudio(annotations, codebook)
        write_atomic(path, json.dumps(tasks, ensure_ascii=False, indent=2) + "\n")


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(LabelStudioJson())


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(LabelStudioJson())
