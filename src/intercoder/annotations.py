"""Annotation records in the long (tidy) format: read from CSV or JSONL, checked against a codebook.

One record per unit, coder and variable: ``unit_id, coder_id, variable, value`` and optionally
``codebook`` (``id@version``), ``text``, ``start``, ``end`` (a span, end exclusive) and
``annotated_at``. A multiple-choice value is a JSON list (in CSV, a JSON list in the cell).

:class:`AnnotationSet` keeps the records column by column (numpy arrays), with the file and
line each record came from, so every problem found later can be reported where it is. Files
are read by Apache Arrow into dictionary-encoded columns (:mod:`intercoder.columnar`); the set
keeps those codes beside its arrays (:meth:`AnnotationSet.coded`), so checking against a
codebook works once per distinct value, and reliability data are built from the codes, with no
Python object per record.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from .codebook.model import Codebook, Variable
from .columnar import (
    Column,
    Columns,
    encode_values,
    map_labels,
    read_columns,
    recode,
    used_codes,
)
from .errors import Diagnostic, Location, ProblemsError
from .rows import (
    MAX_OFFSET,
    NESTING,
    json_limit,
    read_rows,
    read_settings,
    shorten,
    too_deep,
)
from .text import nfc

REQUIRED_COLUMNS = ("unit_id", "coder_id", "variable", "value")
OPTIONAL_COLUMNS = ("codebook", "text", "start", "end", "annotated_at")
#: Every column of the long format, in the order files are written.
RECORD_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
#: The arrays an AnnotationSet holds: the record columns and where each record came from.
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


#: The columns of Python objects, which a set may keep as codes until someone reads them.
_OBJECT_COLUMNS = ("unit_id", "coder_id", "variable", "value", "codebook", "text", "annotated_at")
#: The numeric columns, always arrays.
_NUMERIC_COLUMNS = ("start", "end", "file_index", "line")

ObjectColumn = npt.NDArray[np.object_] | Column


@attrs.frozen(eq=False)
class AnnotationSet:
    """Annotation records stored by column; ``files`` names the inputs ``file_index`` points at.

    Each text column (``unit_id``, ``coder_id``, ``variable``, ``value``, ``codebook``,
    ``text``, ``annotated_at``) may be given as an object array or as a :class:`Column` of
    codes into distinct values (what the Arrow readers give). Reading the attribute always
    gives the object array, made on first use; :meth:`coded` gives the codes without making it,
    which is how checking and reliability avoid a Python object per record.
    """

    _unit_id: ObjectColumn = attrs.field(alias="unit_id")
    _coder_id: ObjectColumn = attrs.field(alias="coder_id")
    _variable: ObjectColumn = attrs.field(alias="variable")
    _value: ObjectColumn = attrs.field(alias="value")
    _codebook: ObjectColumn = attrs.field(alias="codebook")
    _text: ObjectColumn = attrs.field(alias="text")
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    _annotated_at: ObjectColumn = attrs.field(alias="annotated_at")
    file_index: npt.NDArray[np.int32]
    line: npt.NDArray[np.int64]
    files: tuple[str, ...]
    #: Column name -> (the object array, its codes), for columns given as arrays and coded
    #: on demand, so that the codes are made once.
    encodings: dict[str, tuple[npt.NDArray[Any], Column]] = attrs.field(
        factory=dict, kw_only=True, repr=False
    )

    @property
    def unit_id(self) -> npt.NDArray[np.object_]:
        return self._objects("unit_id")

    @property
    def coder_id(self) -> npt.NDArray[np.object_]:
        return self._objects("coder_id")

    @property
    def variable(self) -> npt.NDArray[np.object_]:
        return self._objects("variable")

    @property
    def value(self) -> npt.NDArray[np.object_]:
        return self._objects("value")

    @property
    def codebook(self) -> npt.NDArray[np.object_]:
        return self._objects("codebook")

    @property
    def text(self) -> npt.NDArray[np.object_]:
        return self._objects("text")

    @property
    def annotated_at(self) -> npt.NDArray[np.object_]:
        return self._objects("annotated_at")

    def _objects(self, name: str) -> npt.NDArray[np.object_]:
        stored = getattr(self, "_" + name)
        if isinstance(stored, Column):
            array = (
                object_column(stored.labels)[stored.codes]
                if len(stored.codes)
                else (np.empty(0, dtype=object))
            )
            object.__setattr__(self, "_" + name, array)  # made once: the set is immutable
            self.encodings[name] = (array, stored)
            return array
        objects: npt.NDArray[np.object_] = stored
        return objects

    def __len__(self) -> int:
        return int(self.line.shape[0])

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

    def coded(self, name: str) -> Column:
        """Column ``name`` as integer codes into its distinct values, ``labels[codes]`` being
        the column (kept from reading, else made once and kept)."""
        stored = getattr(self, "_" + name)
        if isinstance(stored, Column):
            return stored
        found = self.encodings.get(name)
        if found is not None and found[0] is stored:
            return found[1]
        encoded = encode_values(stored.tolist())
        self.encodings[name] = (stored, encoded)
        return encoded

    def distinct(self, name: str) -> list[Any]:
        """The distinct values of column ``name`` that occur, in no particular order."""
        encoded = self.coded(name)
        return [encoded.labels[i] for i in used_codes(encoded.codes, len(encoded.labels))]

    def replace(self, **columns: Any) -> AnnotationSet:
        """A set with some columns replaced (arrays or :class:`Column` codes)."""
        given: dict[str, Any] = {name: getattr(self, "_" + name) for name in _OBJECT_COLUMNS}
        given.update({name: getattr(self, name) for name in _NUMERIC_COLUMNS})
        given.update(columns)
        encodings = {
            name: found
            for name, found in self.encodings.items()
            if name not in columns and given[name] is found[0]
        }
        return AnnotationSet(**given, files=self.files, encodings=encodings)

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
        # The records as record(i) makes them, with each column turned into a list once
        # rather than indexed record by record (writers iterate over millions of records).
        files = self.files
        columns = zip(
            self.unit_id.tolist(),
            self.coder_id.tolist(),
            self.variable.tolist(),
            self.value.tolist(),
            self.codebook.tolist(),
            self.text.tolist(),
            self.start.tolist(),
            self.end.tolist(),
            self.annotated_at.tolist(),
            self.file_index.tolist(),
            self.line.tolist(),
            strict=True,
        )
        for unit, coder, variable, value, book, text, start, end, at, file, line in columns:
            yield Annotation(
                unit_id=unit,
                coder_id=coder,
                variable=variable,
                value=value,
                codebook=book,
                text=text,
                start=None if start == _NO_POSITION else start,
                end=None if end == _NO_POSITION else end,
                annotated_at=at,
                location=Location(files[file], line),
            )

    def take(self, indices: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> AnnotationSet:
        """The records at ``indices`` (or where a boolean mask is true); codes stay codes."""
        chosen = np.asarray(indices)
        if chosen.dtype == bool and chosen.shape[0] == len(self) and chosen.all():
            return self  # every record (the set is immutable): no copy of every column
        taken: dict[str, Any] = {
            name: _take(getattr(self, name), chosen) for name in _NUMERIC_COLUMNS
        }
        encodings = {}
        for name in _OBJECT_COLUMNS:
            stored = getattr(self, "_" + name)
            if isinstance(stored, Column):
                taken[name] = Column(_take(stored.codes, chosen), stored.labels)
                continue
            taken[name] = stored[indices]
            found = self.encodings.get(name)
            if found is not None and found[0] is stored:
                encodings[name] = (taken[name], Column(found[1].codes[indices], found[1].labels))
        return AnnotationSet(**taken, files=self.files, encodings=encodings)

    def for_variable(self, variable_id: str) -> AnnotationSet:
        return self.take(self.variable == variable_id)

    @property
    def coders(self) -> list[str]:
        return sorted(self.distinct("coder_id"))

    @property
    def units(self) -> list[str]:
        return sorted(self.distinct("unit_id"))

    @classmethod
    def concatenate(cls, sets: Sequence[AnnotationSet]) -> AnnotationSet:
        files: list[str] = []
        offsets = []
        for aset in sets:
            offsets.append(len(files))
            files.extend(aset.files)
        if not sets:
            return cls.from_records([])
        if len(sets) == 1:
            return sets[0]  # immutable: nothing to copy
        columns: dict[str, Any] = {
            name: np.concatenate([getattr(s, name) for s in sets])
            for name in ("start", "end", "line")
        }
        for name in _OBJECT_COLUMNS:
            if all(isinstance(getattr(s, "_" + name), Column) for s in sets):
                columns[name] = _concatenate_codes([s.coded(name) for s in sets])
            else:
                columns[name] = np.concatenate([getattr(s, name) for s in sets])
        file_index = np.concatenate(
            [s.file_index + offset for s, offset in zip(sets, offsets, strict=True)]
        ).astype(np.int32)
        return cls(**columns, file_index=file_index, files=tuple(files))


def _concatenate_codes(parts: Sequence[Column]) -> Column:
    """Codes of several columns into one dictionary."""
    labels: list[Any] = []
    shifted = []
    for part in parts:
        shifted.append(np.where(part.codes >= 0, part.codes + len(labels), -1))
        labels.extend(part.labels)
    return recode(np.concatenate(shifted), labels)


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
                if too_deep(stripped):
                    raise RecursionError  # the same answer on every Python (see too_deep)
                parsed = json.loads(stripped)
            except json.JSONDecodeError as exc:
                why = exc.msg
            except ValueError as exc:  # an integer of thousands of digits
                why = json_limit(exc)
            except RecursionError:
                why = NESTING
            else:
                return parsed
            raise _problem(where, f"value: {shorten(stripped)} is not a JSON list ({why})")
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
    if number > MAX_OFFSET:
        raise _problem(where, f"{name}: {shorten(str(raw))} is too large for a character offset")
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
        if "\0" in str(value):
            raise _problem(where, f"{column}: {NUL_MESSAGE}")
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
    """Read a long-format CSV or JSONL annotation file (by its extension).

    Arrow reads the file into dictionary-encoded columns and every distinct value is parsed
    once. When Arrow cannot read it, or any value is invalid, the row reader reads the file
    again and reports the first problem where it is (one definition of the messages).
    """
    columns = read_columns(path, REQUIRED_COLUMNS)
    if columns is not None:
        aset = _from_columns(columns, str(path))
        if aset is not None:
            return aset
    rows = read_rows(path, REQUIRED_COLUMNS, what="annotation", missing_hint=WIDE_HINT)
    return AnnotationSet.from_records(_record(row, where) for row, where in rows)


#: Why an id with a NUL character is refused: it would be cut short by C code and files.
NUL_MESSAGE = "contains a NUL character (\\0), which no id may hold"
#: What the message about missing columns adds, for a sheet in the other layout.
WIDE_HINT = (
    "for a sheet with one column per coder, pass --layout wide --variable ID "
    "(or name the file ID.wide.csv)"
)


class _Invalid(Exception):
    """A distinct value the fast path does not take: the row reader reports it."""


def _fast_value(raw: Any, where: Location) -> Any:
    """:func:`_parse_value` of a value Arrow read; an infinite number is a JSON integer too
    long for a double, which the row reader reports as it stands."""
    if isinstance(raw, float) and math.isinf(raw):
        raise _Invalid
    return _parse_value(raw, where)


def _required_id(raw: Any) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()) or "\0" in str(raw):
        raise _Invalid
    return str(raw).strip()


def _from_columns(columns: Columns, name: str) -> AnnotationSet | None:
    """The set of the long-format columns read by Arrow, each distinct value parsed once as
    :func:`_record` parses it; None when any value is invalid."""
    nowhere = Location(name)

    def parsed(column: str, transform: Any) -> Column:
        found = columns.columns.get(column)
        if found is None:  # an absent column: one value, no memory per record
            try:
                return Column(_constant(0, len(columns), np.int32), [transform(None)])
            except (AnnotationError, _Invalid):
                raise _Invalid from None
        try:
            encoded = map_labels(found, transform)
        except (AnnotationError, _Invalid, RecursionError):  # deep nesting: see the row reader
            raise _Invalid from None
        if np.any(encoded.codes < 0):  # null cells and absent columns: what None gives
            value = transform(None)
            encoded = recode(
                np.where(encoded.codes < 0, len(encoded.labels), encoded.codes),
                [*encoded.labels, value],
            )
        return encoded

    def ids(column: str) -> Column:
        found = columns.columns.get(column)
        if found is not None and found.plain_ids:
            return found  # an Arrow dictionary: its labels are distinct already
        if found is not None and set(map(type, found.labels)) <= {str}:  # no loop in Python
            stripped = [label.strip() for label in found.labels]  # one pass, no call per label
            if "" in stripped or np.any(found.codes < 0) or "\0" in "".join(stripped):
                raise _Invalid
            if stripped == found.labels:  # nothing to trim (strip returns the same string)
                return found  # an Arrow dictionary: its labels are distinct already
            return recode(found.codes, stripped)
        return parsed(column, _required_id)

    try:
        coded = {
            "unit_id": ids("unit_id"),
            "coder_id": ids("coder_id"),
            "variable": ids("variable"),
            "value": parsed("value", lambda raw: _fast_value(raw, nowhere)),
            "codebook": parsed("codebook", _text_or_none),
            "text": parsed("text", _text_or_none),
            "annotated_at": parsed("annotated_at", _text_or_none),
            "start": parsed("start", lambda raw: _position(raw, "start", nowhere)),
            "end": parsed("end", lambda raw: _position(raw, "end", nowhere)),
        }
    except _Invalid:
        return None
    count = len(columns)
    return _set_of(coded, columns.lines, name, count)


def _set_of(
    coded: dict[str, Column], lines: npt.NDArray[np.int64], name: str, count: int
) -> AnnotationSet:
    """An AnnotationSet of parsed, dictionary-encoded columns (one file)."""
    positions = {}
    for column in ("start", "end"):
        labels = coded[column].labels
        table = np.array([_NO_POSITION if v is None else v for v in labels], dtype=np.int64)
        codes = coded[column].codes
        if _is_constant(codes):  # an absent column stays one value
            positions[column] = _constant(table[codes[0]] if count else 0, count, np.int64)
        else:
            positions[column] = table[codes] if count else np.empty(0, np.int64)
    return set_of_columns(coded, positions["start"], positions["end"], lines, name)


def _constant(value: Any, count: int, dtype: Any) -> npt.NDArray[Any]:
    """``count`` times ``value`` as a read-only view of one element (no memory per record)."""
    return np.broadcast_to(np.asarray(value, dtype=dtype), (count,))


def _is_constant(array: npt.NDArray[Any]) -> bool:
    """Whether ``array`` is a view made by :func:`_constant`."""
    return array.ndim == 1 and array.shape[0] > 0 and array.strides[0] == 0


def _take(array: npt.NDArray[Any], indices: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``array[indices]``, a constant column staying one value."""
    if not _is_constant(array):
        taken: npt.NDArray[Any] = array[indices]
        return taken
    count = int(np.count_nonzero(indices)) if indices.dtype == bool else len(indices)
    return _constant(array[0], count, array.dtype)


def set_of_columns(
    coded: dict[str, Column],
    start: npt.NDArray[np.int64],
    end: npt.NDArray[np.int64],
    lines: npt.NDArray[np.int64],
    name: str,
) -> AnnotationSet:
    """An AnnotationSet of one file from its parsed, dictionary-encoded record columns
    (``coded``: every column but start and end), keeping the codes."""
    columns: dict[str, Any] = {column: coded[column] for column in _OBJECT_COLUMNS}
    return AnnotationSet(
        **columns,
        start=start,
        end=end,
        file_index=_constant(0, lines.shape[0], np.int32),
        line=np.asarray(lines, dtype=np.int64),
        files=(name,),
    )


def read_many(paths: Iterable[str | Path]) -> AnnotationSet:
    return AnnotationSet.concatenate([read_annotations(p) for p in paths])


# --- checking against a codebook --------------------------------------------------------------


@attrs.frozen
class CheckedAnnotations:
    """Records that fit the codebook, with values normalised per variable type."""

    annotations: AnnotationSet
    problems: tuple[Diagnostic, ...]


#: Languages named in messages about labels typed for codes (others by their tag).
LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Russian",
    "ky": "Kyrgyz",
    "uz": "Uzbek",
    "kk": "Kazakh",
    "tg": "Tajik",
    "tr": "Turkish",
    "de": "German",
    "fr": "French",
}
#: Distinct unknown names (variables and codes) that get a "did you mean": each suggestion
#: compares the name with every candidate, so thousands of unknown names against a codebook of
#: thousands of variables took minutes, and the command line shows the first 20 problems.
SUGGESTIONS = 20


def _language_name(tag: str) -> str:
    primary = tag.split("-")[0].lower()
    return LANGUAGE_NAMES.get(primary, f"{tag!r}")


def _label_key(text: str) -> str:
    return nfc(text).strip().casefold()


@attrs.define
class _Lookup:
    """What checking a variable's values needs, made once per variable."""

    active: set[str]
    retired: dict[str, str]
    #: A label (folded: NFC, case) -> the codes it labels, with the language of each.
    labels: dict[str, list[tuple[str, str]]]
    #: Codes of a multiple-choice variable never combined with another ("none of these").
    exclusive: frozenset[str]
    suggestions: list[int] = attrs.field(factory=lambda: [SUGGESTIONS])

    @classmethod
    def of(cls, var: Variable, suggestions: list[int] | None = None) -> _Lookup:
        labels: dict[str, list[tuple[str, str]]] = {}
        for cat, _ in var.walk():
            if cat.retired:
                continue
            for lang, label in cat.label.items():
                found = labels.setdefault(_label_key(label), [])
                if all(code != cat.code for code, _ in found):
                    found.append((cat.code, lang))
        retired = {cat.code: cat.retired_in or "" for cat, _ in var.walk() if cat.retired}
        return cls(
            set(var.codes),
            retired,
            labels,
            frozenset(var.exclusive_codes),
            suggestions or [SUGGESTIONS],
        )

    _suggester: Suggester | None = None

    def suggest(self, text: str) -> str | None:
        if self.suggestions[0] <= 0:
            return None
        self.suggestions[0] -= 1
        if self._suggester is None:
            self._suggester = Suggester(sorted(self.active))
        return self._suggester.closest(text)


class Suggester:
    """ "Did you mean": the name closest to a word by :func:`difflib.get_close_matches`.

    difflib compares the word with every name, and names that look alike (``variable_00001``
    … ``variable_20000``) each need its full, quadratic ratio: 2 s a word against 20,000
    names. Above :attr:`DIRECT` names, only the :attr:`SHORTLIST` names that share the most
    character trigrams with the word (an index made once) go to difflib.
    """

    DIRECT = 200
    SHORTLIST = 50

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self._index: dict[str, list[int]] | None = None

    @staticmethod
    def _grams(text: str) -> set[str]:
        padded = f"  {text} "
        return {padded[i : i + 3] for i in range(len(padded) - 2)}

    def closest(self, word: str) -> str | None:
        candidates = self.names
        if len(candidates) > self.DIRECT:
            if self._index is None:
                self._index = {}
                for number, name in enumerate(self.names):
                    for gram in self._grams(name):
                        self._index.setdefault(gram, []).append(number)
            shared: Counter[int] = Counter()
            for gram in self._grams(word):
                shared.update(self._index.get(gram, ()))
            candidates = [self.names[i] for i, _ in shared.most_common(self.SHORTLIST)]
        close = difflib.get_close_matches(word, candidates, n=1)
        return close[0] if close else None


_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _normalise(var: Variable, value: Any, lookup: _Lookup, accept_labels: bool = False) -> Any:
    """The value in canonical form for its variable, or raise ValueError with a reason."""

    def code(item: Any) -> str:
        text = (
            str(item).strip()
            if isinstance(item, str | int) and not isinstance(item, bool)
            else None
        )
        if text is None:
            raise ValueError(f"{shorten(item)} is not a code")
        if text in lookup.active:
            return text
        if text in lookup.retired:
            raise ValueError(
                f"{text!r} was retired in {lookup.retired[text]}; "
                "migrate the codings first (intercoder codebook migrate)"
            )
        labelled = lookup.labels.get(_label_key(text), [])
        if len(labelled) == 1:
            meant, lang = labelled[0]
            if accept_labels:
                return meant
            raise ValueError(
                f"{text!r} is the {_language_name(lang)} label of code {meant!r} of {var.id}; "
                f"write the code {meant!r}, or pass --accept-labels to read labels as codes"
            )
        if len(labelled) > 1:
            meant_codes = ", ".join(repr(c) for c, _ in labelled)
            raise ValueError(f"{text!r} is a label of several codes of {var.id} ({meant_codes})")
        close = lookup.suggest(text)
        hint = f" (did you mean {close!r}?)" if close else ""
        raise ValueError(f"{shorten(text)} is not a code of {var.id}{hint}")

    if var.type in ("single_choice", "ordinal_scale", "spans"):
        if isinstance(value, list):
            raise ValueError(f"{var.id} takes one code, got a list")
        return code(value)
    if var.type == "multiple_choice":
        if isinstance(value, str):
            parts = [part.strip() for part in re.split(r"[;,|]", value)]
            if len(parts) > 1 and value.strip() not in lookup.active:
                listed = json.dumps([p for p in parts if p], ensure_ascii=False)
                raise ValueError(
                    f"{shorten(value.strip())} is not a code of {var.id}; several codes are "
                    f"written as a JSON list: {listed} (in a CSV cell as it stands)"
                )
        items = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
        codes = sorted({code(item) for item in items})
        alone = [item for item in codes if item in lookup.exclusive]
        if alone and len(codes) > 1:
            others = ", ".join(repr(item) for item in codes if item != alone[0])
            raise ValueError(
                f"{alone[0]!r} is exclusive (none of the others) and cannot be combined "
                f"with {others}"
            )
        return tuple(codes)
    if var.type == "number":
        if isinstance(value, str) and not _NUMBER.fullmatch(value):
            # float() also takes "1_0" (as 10), "inf" and "nan": none is a number a coder wrote
            raise ValueError(f"{shorten(value)} is not a number")
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{shorten(value)} is not a number") from None
        if isinstance(value, bool) or not math.isfinite(number):
            raise ValueError(f"{shorten(value)} is not a number")
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
    return _normalise(var, value, _Lookup.of(var))


def check_annotations(
    aset: AnnotationSet, cb: Codebook, *, accept_labels: bool | None = None
) -> CheckedAnnotations:
    """Keep the records that fit ``cb``; report the others (file and line) as problems.

    Problems: a variable the codebook does not have, a value that is not a code of its
    variable (or is retired, or out of range, or an exclusive code combined with others), a
    span without valid offsets, codings made
    under another codebook or another major version, and a coder coding a unit twice.

    Each distinct variable, codebook reference and (variable, value) pair is checked once;
    locations are made only for the records that fail. A record gets one problem, the first
    in the order above; problems are listed in record order.

    A label typed for a code (``Да`` for ``yes``) is a problem that names the code, unless
    ``accept_labels`` (default: :func:`intercoder.rows.read_settings`, ``--accept-labels``):
    then it is read as its code.
    """
    if accept_labels is None:
        accept_labels = read_settings().accept_labels
    variables = {var.id: var for var in cb.variables}
    count = len(aset)
    found: list[tuple[int, str]] = []  # (record, message)
    alive = np.ones(count, dtype=bool)

    def fail(bad: npt.NDArray[np.bool_] | None, message: Any) -> None:
        """Records where ``bad`` (and still alive) fail with ``message(record)``; None: none."""
        if bad is None:
            return
        bad = bad & alive
        for i in np.flatnonzero(bad).tolist():
            found.append((i, message(i)))
        alive[bad] = False

    # 1. the variable
    var_col = aset.coded("variable")
    var_of = [variables.get(label) for label in var_col.labels]
    unknown = np.array([var is None for var in var_of] + [True], dtype=bool)
    unknown_message = {}
    suggestions = [SUGGESTIONS]  # shared by variables and codes: see SUGGESTIONS
    variable_names = Suggester(list(variables))
    for j, label in enumerate(var_col.labels):
        if var_of[j] is None:
            close = None
            if suggestions[0] > 0:
                suggestions[0] -= 1
                close = variable_names.closest(str(label))
            hint = f" (did you mean {close!r}?)" if close else ""
            unknown_message[j] = f"variable {shorten(label)} is not in {cb.ref}{hint}"
    fail(_flagged(unknown, var_col.codes), lambda i: unknown_message[int(var_col.codes[i])])

    # 2. the codebook the record was coded under
    book_col = aset.coded("codebook")
    book_message = [_coded_under_problem(label, cb) for label in book_col.labels] + [None]
    book_bad = np.array([m is not None for m in book_message], dtype=bool)
    fail(_flagged(book_bad, book_col.codes), lambda i: book_message[int(book_col.codes[i])])

    # 3. a missing value is no coding at all: left out, no problem
    value_col = aset.coded("value")
    absent = np.array([label is None for label in value_col.labels] + [True], dtype=bool)
    if (no_value := _flagged(absent, value_col.codes)) is not None:
        alive &= ~no_value
        del no_value

    # 4. the value, normalised per variable type: once per (variable, value) pair
    n_labels = max(len(value_col.labels), 1)
    n_pairs = max(len(var_col.labels), 1) * n_labels
    if n_pairs <= max(4 * count, 1 << 20) and n_pairs < 2**31:
        # The pairs index a small table: no array of row numbers, 4 bytes a record.
        pairs = var_col.codes.astype(np.int32)
        pairs *= n_labels  # in place: at 10^8 records every temporary is 400 MB
        pairs += value_col.codes
        pairs[~alive] = n_pairs  # the records left out: one slot of their own, past the pairs
        present = np.zeros(n_pairs + 1, dtype=bool)
        present[pairs] = True
        unique_pairs = np.flatnonzero(present[:n_pairs])
        del present
    else:
        rows = np.flatnonzero(alive)
        wide = var_col.codes[rows].astype(np.int64)
        wide *= n_labels
        wide += value_col.codes[rows]
        unique_pairs, inverse = _factorize_ints(wide)
        del wide
    normalised: list[Any] = []
    pair_message: list[str | None] = []
    lookups: dict[str, _Lookup] = {}
    for pair in unique_pairs.tolist():
        var = var_of[pair // n_labels]
        assert var is not None
        if var.id not in lookups:
            lookups[var.id] = _Lookup.of(var, suggestions)
        try:
            value = value_col.labels[pair % n_labels]
            normalised.append(_normalise(var, value, lookups[var.id], accept_labels))
            pair_message.append(None)
        except ValueError as exc:
            normalised.append(None)
            pair_message.append(f"{var.id}: {exc}")
    # One more slot, False, which a pair number of -1 (a record left out) reads.
    bad_of_pair = np.array([m is not None for m in pair_message] + [False], dtype=bool)
    if n_pairs <= max(4 * count, 1 << 20) and n_pairs < 2**31:
        # pair -> its place in unique_pairs; the slot of the records left out stays -1
        number = np.full(n_pairs + 1, -1, dtype=np.int32)
        number[unique_pairs] = np.arange(unique_pairs.shape[0], dtype=np.int32)
        pair_of = number[pairs]
        del pairs, number
        pair_bad = _flagged(bad_of_pair, pair_of)
    else:
        pair_bad = np.zeros(count, dtype=bool)
        pair_of = np.full(count, -1, dtype=np.int32)
        pair_of[rows] = inverse
        pair_bad[rows] = bad_of_pair[inverse]
        del rows, inverse
    fail(pair_bad, lambda i: pair_message[int(pair_of[i])])
    del pair_bad
    # The kept records' values, as codes into the normalised values (the others are dropped).
    pair_of[~alive] = -1
    new_values = recode(pair_of, normalised)

    # 5. spans, and the codings of a statement (unit: statement), need start < end
    is_span = np.array([var is not None and var.type == "spans" for var in var_of] + [False])
    is_statement = np.array(
        [var is not None and var.unit == "statement" and var.type != "spans" for var in var_of]
        + [False]
    )
    # Passes over every record, made only when the coded variables need them (None: no record).
    span = is_span[var_col.codes] if is_span.any() else None
    statement = is_statement[var_col.codes] if is_statement.any() else None
    start, end = aset.start, aset.end

    def span_message(i: int) -> str:
        shown = [str(p) if p != _NO_POSITION else "none" for p in (int(start[i]), int(end[i]))]
        var_id = var_col.labels[int(var_col.codes[i])]
        what = (
            "a span"
            if span is not None and span[i]
            else "a coding of a statement (unit: statement)"
        )
        return f"{var_id}: {what} needs start < end (got start={shown[0]}, end={shown[1]})"

    positioned = span if statement is None else statement if span is None else span | statement
    if positioned is not None:
        unplaced = (start == _NO_POSITION) | (end == _NO_POSITION) | (start >= end)
        fail(positioned & unplaced, span_message)
        del positioned, unplaced
    units, coders = aset.coded("unit_id"), aset.coded("coder_id")
    if statement is not None:
        _check_statement_codings(aset, cb, alive, statement, fail)

    # 6. one coding per unit, coder and variable (spans excepted; per statement for the
    # variables coded per statement): the first one counts
    counted = alive if span is None else alive & ~span
    twice: npt.NDArray[np.bool_] | None = None
    earlier = np.zeros(0, dtype=np.int64)
    # The keys are built only when some may repeat (a cheap test first) or statements need them.
    if statement is not None or _keys_repeat(
        units.codes, coders.codes, var_col.codes, counted, count
    ):
        twice = np.zeros(count, dtype=bool)
        earlier = np.zeros(count, dtype=np.int64)
        candidates = np.flatnonzero(counted)
        key = units.codes[candidates].astype(np.int64)
        key *= max(len(coders.labels), 1)
        key += coders.codes[candidates]
        key *= max(len(var_col.labels), 1)
        key += var_col.codes[candidates]
        if statement is not None and (per_statement := statement[candidates]).any():
            # A statement's offsets join the key: one coding per statement, not per text. Only
            # those records pay for the wider key.
            these = candidates[per_statement]
            rows = np.stack([key[per_statement], start[these], end[these]], axis=1)
            _, first, first_of = np.unique(rows, axis=0, return_index=True, return_inverse=True)
            first_record = these[first[first_of.reshape(-1)]]
            twice[these] = first_record != these
            earlier[these] = first_record
            candidates, key = candidates[~per_statement], key[~per_statement]
        if _has_repeats(key):
            _, first, first_of = np.unique(key, return_index=True, return_inverse=True)
            first_record = candidates[first[first_of]]
            twice[candidates] = first_record != candidates
            earlier[candidates] = first_record

    def twice_message(i: int) -> str:
        unit = units.labels[int(units.codes[i])]
        coder = coders.labels[int(coders.codes[i])]
        var_id = var_col.labels[int(var_col.codes[i])]
        where = aset.location(int(earlier[i]))
        per_statement = statement is not None and statement[i]
        what = f"statement {int(start[i])}-{int(end[i])} of unit" if per_statement else "unit"
        return f"coder {coder!r} coded {what} {unit!r} twice for {var_id} (first at {where})"

    if twice is not None:
        fail(twice, twice_message)

    found.sort(key=lambda item: item[0])
    problems = tuple(Diagnostic(aset.location(i), message) for i, message in found)
    # The values replaced first: the old ones are not taken only to be dropped.
    checked = aset.replace(value=new_values).take(alive)
    return CheckedAnnotations(checked, problems)


def _check_statement_codings(
    aset: AnnotationSet,
    cb: Codebook,
    alive: npt.NDArray[np.bool_],
    statement: npt.NDArray[np.bool_],
    fail: Any,
) -> None:
    """A coding of a statement must be at a statement its coder marked (with the codebook's
    ``spans`` variable of ``unit: statement``): a value for a span nobody marked as a statement
    cannot be compared with anything."""
    marker = cb.statement_spans
    if marker is None:  # pragma: no cover - validation requires one
        return
    variable = aset.variable
    unit_id, coder_id = aset.unit_id, aset.coder_id
    marks = np.flatnonzero(alive & (variable == marker.id))
    marked = {
        (unit_id[i], coder_id[i], int(aset.start[i]), int(aset.end[i])) for i in marks.tolist()
    }
    coded = np.flatnonzero(alive & statement)
    unmarked = np.zeros(len(aset), dtype=bool)
    for i in coded.tolist():
        if (unit_id[i], coder_id[i], int(aset.start[i]), int(aset.end[i])) not in marked:
            unmarked[i] = True

    def message(i: int) -> str:
        return (
            f"{variable[i]}: coder {coder_id[i]!r} coded a statement at "
            f"{int(aset.start[i])}-{int(aset.end[i])} of unit {unit_id[i]!r} but did not mark "
            f"it as a statement ({marker.id} with the same start and end)"
        )

    fail(unmarked, message)


#: Two coders' statements are the same statement when their overlap is more than this share of
#: their union (intersection over union); above one half each statement can match at most one
#: statement of another coder, so the matching is unique.
STATEMENT_MATCH = 0.5


@attrs.frozen
class StatementUnits:
    """Codings of statements re-keyed so that agreement can be computed on them.

    ``annotations``: the input with every coding of a statement-level variable moved to the unit
    of its matched statement (``UNIT@START-END``, the extent of the matched statements), the
    other records unchanged; ``parent``: statement unit -> the text's unit; ``unmatched``: how
    many coders' statements matched no other coder's (their codings are left out: there is
    nothing to compare them with).
    """

    annotations: AnnotationSet
    parent: dict[str, str]
    unmatched: int


def match_statements(aset: AnnotationSet, cb: Codebook) -> StatementUnits:
    """Match the statements the coders marked in each text, and re-key the codings of
    statement-level variables to the matched statements.

    Agreement on the statements' *boundaries* is the unitizing alpha of the codebook's statement
    ``spans`` variable (Krippendorff, Mathet, Bouvry & Widloecher 2016). Agreement on their
    *values* is computed over matched statements: two coders' statements are the same statement
    when their intersection is more than half their union (the matching criterion of the PASCAL
    VOC challenge, Everingham et al. 2010), and a group of statements linked that way is one
    unit, provided no coder has two statements in it (such a group is ambiguous and left out).
    Like Krippendorff et al.'s (c)u-alpha, values are compared only where the coders' units
    intersect; unlike it, each statement counts once whatever its length.
    """
    marker = cb.statement_spans
    coded_per_statement = {
        var.id for var in cb.variables if var.unit == "statement" and var.type != "spans"
    }
    if marker is None or not coded_per_statement or not len(aset):
        return StatementUnits(aset, {}, 0)
    variable = aset.variable
    is_coding = np.isin(variable, list(coded_per_statement))
    is_mark = variable == marker.id
    unit_id, coder_id = aset.unit_id, aset.coder_id
    starts, ends = aset.start, aset.end
    spans: dict[str, set[tuple[str, int, int]]] = {}
    for i in np.flatnonzero(is_mark | is_coding).tolist():
        if starts[i] != _NO_POSITION and ends[i] != _NO_POSITION and starts[i] < ends[i]:
            spans.setdefault(unit_id[i], set()).add((coder_id[i], int(starts[i]), int(ends[i])))
    matched: dict[tuple[str, str, int, int], str] = {}
    parent: dict[str, str] = {}
    unmatched = 0
    for unit, found in spans.items():
        for group in _statement_groups(sorted(found, key=lambda s: (s[1], s[2], s[0]))):
            coders = [coder for coder, _, _ in group]
            if len(group) < 2 or len(set(coders)) < len(coders):
                unmatched += len(group)
                continue
            name = f"{unit}@{min(s[1] for s in group)}-{max(s[2] for s in group)}"
            while name in parent:  # two groups with the same extent: keep them apart
                name += "'"
            parent[name] = unit
            for coder, start, end in group:
                matched[(unit, coder, start, end)] = name
    rows = np.flatnonzero(is_coding)
    keep = ~is_coding
    new_units = unit_id.copy()
    for i in rows.tolist():
        moved_to = matched.get((unit_id[i], coder_id[i], int(starts[i]), int(ends[i])))
        if moved_to is not None:
            keep[i] = True
            new_units[i] = moved_to
    moved = aset.replace(unit_id=new_units).take(keep)
    return StatementUnits(moved, parent, unmatched)


def _statement_groups(
    statements: list[tuple[str, int, int]],
) -> list[list[tuple[str, int, int]]]:
    """Groups of statements (sorted by start) linked by an intersection over union above
    :data:`STATEMENT_MATCH` between statements of different coders (union-find)."""
    root = list(range(len(statements)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for i, (coder, start, end) in enumerate(statements):
        for j in range(i + 1, len(statements)):
            other, other_start, other_end = statements[j]
            if other_start >= end:
                break  # sorted by start: no later statement overlaps this one
            if other == coder:
                continue
            overlap = min(end, other_end) - other_start
            union = max(end, other_end) - start
            if overlap > STATEMENT_MATCH * union:
                root[find(j)] = find(i)
    groups: dict[int, list[tuple[str, int, int]]] = {}
    for i, found in enumerate(statements):
        groups.setdefault(find(i), []).append(found)
    return list(groups.values())


def _factorize_ints(
    keys: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``np.unique(keys, return_inverse=True)`` in O(n) when the keys span a small range (they
    are products of dictionary codes), without the sort and its temporaries."""
    if keys.size == 0 or int(keys.max()) > max(4 * keys.size, 1 << 20):
        unique, inverse = np.unique(keys, return_inverse=True)
        return unique, inverse.reshape(-1)
    present = np.bincount(keys)
    unique = np.flatnonzero(present)
    lookup = np.zeros(present.shape[0], dtype=np.int64)
    lookup[unique] = np.arange(unique.shape[0])
    return unique, lookup[keys]


def _flagged(flags: npt.NDArray[np.bool_], codes: npt.NDArray[Any]) -> npt.NDArray[np.bool_] | None:
    """``flags[codes]``: which records have a flagged code (``flags`` has one slot more, which
    code -1 reads), or None when none can: no pass over the records when no code is flagged."""
    if not flags[:-1].any() and (not flags[-1] or codes.shape[0] == 0 or codes.min() >= 0):
        return None
    flagged: npt.NDArray[np.bool_] = flags[codes]
    return flagged


def _keys_repeat(
    units: npt.NDArray[np.int32],
    coders: npt.NDArray[np.int32],
    variables: npt.NDArray[np.int32],
    where: npt.NDArray[np.bool_],
    count: int,
) -> bool:
    """Whether a (unit, coder, variable) occurs twice among the records ``where`` is true:
    one key a record and one pass flagging the keys met, no array of row numbers."""
    n_coders = int(coders.max()) + 1 if count else 1
    n_variables = int(variables.max()) + 1 if count else 1
    span = (int(units.max()) + 1 if count else 1) * n_coders * n_variables
    negative = count and min(int(units.min()), int(coders.min()), int(variables.min())) < 0
    if negative or span > max(4 * count, 1 << 20):  # too sparse to count: sort the keys
        key = units[where].astype(np.int64)
        key *= n_coders
        key += coders[where]
        key *= n_variables
        key += variables[where]
        return _has_repeats(key)
    key = units.astype(np.int32 if span < 2**31 else np.int64)
    key *= n_coders
    key += coders
    key *= n_variables
    key += variables
    key[~where] = span  # the records left out share one bin of their own, not looked at
    # Fewer keys met than records means a key met twice: a flag a key, not a count (a count
    # array of int64 is 8 times the memory, and slower to fill).
    met = np.zeros(span + 1, dtype=bool)
    met[key] = True
    return int(np.count_nonzero(met[:span])) < int(np.count_nonzero(where))


def _has_repeats(keys: npt.NDArray[np.int64]) -> bool:
    """Whether a key occurs twice (one counting pass when the range is small)."""
    if keys.size < 2:
        return False
    if int(keys.max()) <= max(4 * keys.size, 1 << 20):
        return bool(np.bincount(keys).max() > 1)
    return bool(np.unique(keys).shape[0] != keys.shape[0])


def _coded_under_problem(coded_under: Any, cb: Codebook) -> str | None:
    """What is wrong with a record's ``codebook`` reference for ``cb`` (None: nothing)."""
    if coded_under is None:
        return None
    book_id, _, version = str(coded_under).partition("@")
    if book_id != cb.id:
        return f"coded under {coded_under}, not under {cb.id}"
    if version and version.split(".")[0] != str(cb.version_tuple[0]):
        return (
            f"coded under {coded_under}: another major version than {cb.ref}; "
            "migrate the codings first (intercoder codebook migrate)"
        )
    return None
