"""Annotation records in the long (tidy) format: read from CSV or JSONL, checked against a codebook.

One record per unit, coder and variable: ``unit_id, coder_id, variable, value`` and optionally
``codebook`` (``id@version``), ``text``, ``start``, ``end`` (a span, end exclusive) and
``annotated_at``. A multiple-choice value is a JSON list (in CSV, a JSON list in the cell).

:class:`AnnotationSet` keeps the records column by column (numpy arrays), with the file and
line each record came from, so every problem found later can be reported where it is.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .codebook.model import Codebook, Variable
from .errors import Diagnostic, Location, ProblemsError
from .rows import read_rows

REQUIRED_COLUMNS = ("unit_id", "coder_id", "variable", "value")
OPTIONAL_COLUMNS = ("codebook", "text", "start", "end", "annotated_at")
#: Every column of the long format, in the order files are written.
RECORD_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
#: The arrays an AnnotationSet holds: the record columns and where each record came from.
_ARRAYS = (*RECORD_COLUMNS, "file_index", "line")
_NO_POSITION = -1


class AnnotationError(ProblemsError):
    """Annotation input that cannot be used; ``diagnostics`` lists every problem found."""


_IN_MEMORY = Location("<memory>")


@attrs.frozen
class Annotation:
    """One record, as the user wrote it (``value`` parsed: text, number or list of codes)."""

    unit_id: str
    coder_id: str
    variable: str
    value: Any
    codebook: str | None = None
    text: str | None = None
    start: int | None = None
    end: int | None = None
    annotated_at: str | None = None
    location: Location = _IN_MEMORY


def object_column(values: Sequence[Any]) -> npt.NDArray[np.object_]:
    """A 1-D object array of ``values`` as they are (numpy would make lists a 2-D array)."""
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


@attrs.frozen(eq=False)
class AnnotationSet:
    """Annotation records stored by column; ``files`` names the inputs ``file_index`` points at."""

    unit_id: npt.NDArray[np.object_]
    coder_id: npt.NDArray[np.object_]
    variable: npt.NDArray[np.object_]
    value: npt.NDArray[np.object_]
    codebook: npt.NDArray[np.object_]
    text: npt.NDArray[np.object_]
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    annotated_at: npt.NDArray[np.object_]
    file_index: npt.NDArray[np.int32]
    line: npt.NDArray[np.int64]
    files: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.unit_id.shape[0])

    @classmethod
    def from_records(cls, records: Iterable[Annotation]) -> AnnotationSet:
        rows = list(records)
        files: dict[str, int] = {}
        return cls(
            unit_id=object_column([r.unit_id for r in rows]),
            coder_id=object_column([r.coder_id for r in rows]),
            variable=object_column([r.variable for r in rows]),
            value=object_column([r.value for r in rows]),
            codebook=object_column([r.codebook for r in rows]),
            text=object_column([r.text for r in rows]),
            start=np.array(
                [_NO_POSITION if r.start is None else r.start for r in rows], dtype=np.int64
            ),
            end=np.array([_NO_POSITION if r.end is None else r.end for r in rows], dtype=np.int64),
            annotated_at=object_column([r.annotated_at for r in rows]),
            file_index=np.array(
                [files.setdefault(r.location.file, len(files)) for r in rows], dtype=np.int32
            ),
            line=np.array([r.location.line for r in rows], dtype=np.int64),
            files=tuple(files),
        )

    def location(self, index: int) -> Location:
        return Location(self.files[self.file_index[index]], int(self.line[index]))

    def record(self, index: int) -> Annotation:
        start, end = int(self.start[index]), int(self.end[index])
        return Annotation(
            unit_id=self.unit_id[index],
            coder_id=self.coder_id[index],
            variable=self.variable[index],
            value=self.value[index],
            codebook=self.codebook[index],
            text=self.text[index],
            start=None if start == _NO_POSITION else start,
            end=None if end == _NO_POSITION else end,
            annotated_at=self.annotated_at[index],
            location=self.location(index),
        )

    def __iter__(self) -> Iterator[Annotation]:
        return (self.record(i) for i in range(len(self)))

    def take(self, indices: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> AnnotationSet:
        """The records at ``indices`` (or where a boolean mask is true)."""
        return AnnotationSet(
            **{name: getattr(self, name)[indices] for name in _ARRAYS}, files=self.files
        )

    def for_variable(self, variable_id: str) -> AnnotationSet:
        return self.take(self.variable == variable_id)

    @property
    def coders(self) -> list[str]:
        return sorted(set(self.coder_id.tolist()))

    @property
    def units(self) -> list[str]:
        return sorted(set(self.unit_id.tolist()))

    @classmethod
    def concatenate(cls, sets: Sequence[AnnotationSet]) -> AnnotationSet:
        files: list[str] = []
        offsets = []
        for aset in sets:
            offsets.append(len(files))
            files.extend(aset.files)
        if not sets:
            return cls.from_records([])
        columns = {
            name: np.concatenate([getattr(s, name) for s in sets])
            for name in _ARRAYS
            if name != "file_index"
        }
        file_index = np.concatenate(
            [s.file_index + offset for s, offset in zip(sets, offsets, strict=True)]
        ).astype(np.int32)
        return cls(**columns, file_index=file_index, files=tuple(files))


# --- reading ----------------------------------------------------------------------------------


def _parse_value(raw: Any, where: Location) -> Any:
    """CSV cells are text: a JSON list becomes a list; empty is missing; the rest stays text."""
    if raw is None:
        return None
    if isinstance(raw, str):
        stripped = raw.strip()
        if not stripped:
            return None
        if stripped.startswith("["):
            try:
                parsed = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise _problem(
                    where, f"value: {stripped!r} is not a JSON list ({exc.msg})"
                ) from None
            return parsed
        return stripped
    if isinstance(raw, float) and math.isnan(raw):
        return None
    return raw


#: The reader's value rules, for other long-format files (gold standards, dispute queues).
parse_value = _parse_value


def _problem(where: Location, message: str) -> AnnotationError:
    return AnnotationError([Diagnostic(where, message)])


def _position(raw: Any, name: str, where: Location) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise _problem(where, f"{name}: must be a character offset, not {raw!r}")
    try:
        number = int(raw)
    except (TypeError, ValueError):
        raise _problem(where, f"{name}: {raw!r} is not a character offset") from None
    if number < 0 or (isinstance(raw, float) and raw != number):
        raise _problem(where, f"{name}: {raw!r} is not a character offset")
    return number


def _text_or_none(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw)
    return text if text.strip() else None


def _record(row: dict[str, Any], where: Location) -> Annotation:
    for column in REQUIRED_COLUMNS[:3]:
        value = row.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise _problem(where, f"{column}: missing")
    return Annotation(
        unit_id=str(row["unit_id"]).strip(),
        coder_id=str(row["coder_id"]).strip(),
        variable=str(row["variable"]).strip(),
        value=_parse_value(row.get("value"), where),
        codebook=_text_or_none(row.get("codebook")),
        text=_text_or_none(row.get("text")),
        start=_position(row.get("start"), "start", where),
        end=_position(row.get("end"), "end", where),
        annotated_at=_text_or_none(row.get("annotated_at")),
        location=where,
    )


def read_annotations(path: str | Path) -> AnnotationSet:
    """Read a long-format CSV or JSONL annotation file (by its extension)."""
    rows = read_rows(path, REQUIRED_COLUMNS, what="annotation")
    return AnnotationSet.from_records(_record(row, where) for row, where in rows)


def read_many(paths: Iterable[str | Path]) -> AnnotationSet:
    return AnnotationSet.concatenate([read_annotations(p) for p in paths])


# --- checking against a codebook --------------------------------------------------------------


@attrs.frozen
class CheckedAnnotations:
    """Records that fit the codebook, with values normalised per variable type."""

    annotations: AnnotationSet
    problems: tuple[Diagnostic, ...]


def _normalise(var: Variable, value: Any, active: set[str], retired: dict[str, str]) -> Any:
    """The value in canonical form for its variable, or raise ValueError with a reason."""

    def code(item: Any) -> str:
        text = (
            str(item).strip()
            if isinstance(item, str | int) and not isinstance(item, bool)
            else None
        )
        if text is None:
            raise ValueError(f"{item!r} is not a code")
        if text in active:
            return text
        if text in retired:
            raise ValueError(f"{text!r} was retired in {retired[text]}; migrate the codings first")
        close = difflib.get_close_matches(text, sorted(active), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"{text!r} is not a code of {var.id}{hint}")

    if var.type in ("single_choice", "ordinal_scale", "spans"):
        if isinstance(value, list):
            raise ValueError(f"{var.id} takes one code, got a list")
        return code(value)
    if var.type == "multiple_choice":
        items = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
        codes = sorted({code(item) for item in items})
        return tuple(codes)
    if var.type == "number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
        if isinstance(value, bool) or not math.isfinite(number):
            raise ValueError(f"{value!r} is not a number")
        if var.minimum is not None and number < var.minimum:
            raise ValueError(f"{number:g} is below the minimum {var.minimum:g}")
        if var.maximum is not None and number > var.maximum:
            raise ValueError(f"{number:g} is above the maximum {var.maximum:g}")
        return number
    return str(value)


def check_value(var: Variable, value: Any) -> Any:
    """``value`` in canonical form for ``var`` (codes as text, a multiple choice as a sorted
    tuple, numbers within range), or a ValueError saying why it is not a value of ``var``.

    The same rules :func:`check_annotations` applies to every record; machine coders use it
    to validate an answer before writing it.
    """
    retired = {cat.code: cat.retired_in or "" for cat, _ in var.walk() if cat.retired}
    return _normalise(var, value, set(var.codes), retired)


def check_annotations(aset: AnnotationSet, cb: Codebook) -> CheckedAnnotations:
    """Keep the records that fit ``cb``; report the others (file and line) as problems.

    Problems: a variable the codebook does not have, a value that is not a code of its
    variable (or is retired, or out of range), a span without valid offsets, codings made
    under another codebook or another major version, and a coder coding a unit twice.
    """
    variables = {var.id: var for var in cb.variables}
    lookups = {
        var.id: (
            set(var.codes),
            {cat.code: cat.retired_in or "" for cat, _ in var.walk() if cat.retired},
        )
        for var in cb.variables
    }
    problems: list[Diagnostic] = []
    keep = np.zeros(len(aset), dtype=bool)
    values = aset.value.copy()
    first_seen: dict[tuple[str, str, str], int] = {}
    major = cb.version_tuple[0]
    for i in range(len(aset)):
        where = aset.location(i)

        def bad(message: str, where: Location = where) -> None:
            problems.append(Diagnostic(where, message))

        var = variables.get(aset.variable[i])
        if var is None:
            close = difflib.get_close_matches(aset.variable[i], list(variables), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            bad(f"variable {aset.variable[i]!r} is not in {cb.ref}{hint}")
            continue
        coded_under = aset.codebook[i]
        if coded_under is not None:
            book_id, _, version = str(coded_under).partition("@")
            if book_id != cb.id:
                bad(f"coded under {coded_under}, not under {cb.id}")
                continue
            if version and version.split(".")[0] != str(major):
                bad(
                    f"coded under {coded_under}: another major version than {cb.ref}; "
                    "migrate the codings first"
                )
                continue
        if aset.value[i] is None:
            continue  # a missing value is no coding at all
        try:
            values[i] = _normalise(var, aset.value[i], *lookups[var.id])
        except ValueError as exc:
            bad(f"{var.id}: {exc}")
            continue
        if var.type == "spans":
            start, end = int(aset.start[i]), int(aset.end[i])
            if start == _NO_POSITION or end == _NO_POSITION or not start < end:
                shown = [str(p) if p != _NO_POSITION else "none" for p in (start, end)]
                bad(f"{var.id}: a span needs start < end (got start={shown[0]}, end={shown[1]})")
                continue
        else:
            key = (aset.unit_id[i], aset.coder_id[i], var.id)
            if key in first_seen:
                first = aset.location(first_seen[key])
                bad(f"coder {key[1]!r} coded unit {key[0]!r} twice for {var.id} (first at {first})")
                continue
            first_seen[key] = i
        keep[i] = True
    kept = attrs.evolve(aset, value=values).take(keep)
    return CheckedAnnotations(kept, tuple(problems))
