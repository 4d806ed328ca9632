"""Built-in tabular annotation formats: wide sheets and Excel (import), Parquet (both ways).

* **wide-csv** (``<variable>.wide.csv``, or any sheet whose header is wide): the layout of
  spreadsheets and of most reliability tools, units × coders for a single variable.
* **xlsx** (``.xlsx``): an Excel workbook's first sheet, long or wide (openpyxl, the ``excel``
  extra, imported when a workbook is read).
* **parquet** (``.parquet``): the long format (docs/reference/file-formats.md) as typed columns,
  for data pipelines (pandas, polars, DuckDB, R arrow). Read by Arrow into dictionary-encoded
  columns (:mod:`intercoder.columnar`); pyarrow is imported only when a file is read or written.

Registering these classes must not import numpy or pyarrow: the CLI loads this module at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, IntercoderError, Location
from ..extensions import Exporter, Importer
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    from types import ModuleType

    from ..annotations import AnnotationSet
    from ..codebook.model import Codebook

WIDE_SUFFIX = ".wide.csv"


class WideCsv(Importer):
    """Wide CSV for ONE variable: a row per unit, a column per coder.

    Layout::

        unit_id,ana@example.org,bakyt@example.org,lexicon@1.0.0
        u1,yes,yes,no
        u2,no,,no                      <- an empty cell: that coder did not code the unit
        u3,"[""uzbeks"",""tajiks""]",… <- multiple choice: a JSON list, as in the long CSV

    The first header cell must be ``unit_id``; every other header cell is a coder id. Cells
    are read exactly like the ``value`` column of the long CSV (trimmed; ``[...]`` is a JSON
    list; empty means no record).

    **The variable** is ``WideCsv(variable=...)`` in Python code, else ``--variable``
    (:attr:`intercoder.rows.ReadSettings.variable`), else the file name, because an importer
    receives nothing but a path: ``<variable>.wide.csv``, optionally with a prefix separated by
    a dot (``batch-2.severity.wide.csv`` is variable ``severity``). Claims the two-part
    extension ``.wide.csv``; a ``.csv``, ``.tsv`` or ``.xlsx`` sheet whose header is wide is
    read by it too (:func:`read_sheet`). Delimiters and encodings as in :mod:`intercoder.rows`.
    """

    name = "wide-csv"
    extensions = (WIDE_SUFFIX,)
    description = "wide CSV for one variable: unit_id, one column per coder (<variable>.wide.csv)"

    def __init__(self, variable: str | None = None) -> None:
        self.variable = variable

    def read(self, path: Path) -> AnnotationSet:
        from ..annotations import NUL_MESSAGE, AnnotationError, _parse_value
        from ..rows import read_settings, read_table

        name = str(path)
        variable = self.variable or read_settings().variable or variable_from_file_name(path)

        def problem(where: Location, message: str) -> AnnotationError:
            return AnnotationError([Diagnostic(where, message)])

        table = read_table(path, ("unit_id",))
        header = [cell.strip() for cell in table.header]
        if not any(header):
            raise problem(Location(name, 1), "empty file: expected a header unit_id,CODER,...")
        if header[0] != "unit_id":
            raise problem(
                Location(name, 1),
                f"the first column must be unit_id (found {header[0]!r}); "
                "a wide file has unit_id, then one column per coder",
            )
        coders = header[1:]
        if not coders:
            raise problem(Location(name, 1), "no coder columns after unit_id")
        seen: set[str] = set()  # a set, not list.count: a sheet may have a million coders
        for number, coder in enumerate(coders, start=2):
            if not coder:
                raise problem(Location(name, 1), f"column {number} has no coder id")
            if coder in seen:
                raise problem(Location(name, 1), f"coder {coder!r} has two columns")
            seen.add(coder)
        if "\0" in "".join(coders) or "\0" in variable:
            raise problem(Location(name, 1), f"coder_id: {NUL_MESSAGE}")
        # Columns, not a record object per cell: a sheet may hold millions of cells. Each
        # distinct cell text is parsed once.
        units: list[str] = []
        coder_ids: list[str] = []
        values: list[Any] = []
        lines: list[int] = []
        parsed: dict[str, Any] = {}
        for row, where in table.rows:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                raise problem(where, "more cells than header columns (an unquoted comma?)")
            unit = row[0].strip()
            if not unit:
                raise problem(where, "unit_id: missing")
            if "\0" in unit:
                raise problem(where, f"unit_id: {NUL_MESSAGE}")
            for coder, cell in zip(coders, row[1:], strict=False):
                if cell in parsed:
                    value = parsed[cell]
                else:
                    try:
                        value = parsed[cell] = _parse_value(cell, where)
                    except AnnotationError as exc:  # say which column the bad cell is in
                        raise AnnotationError(
                            [
                                Diagnostic(d.location, d.message, field=f"column {coder!r}")
                                for d in exc.diagnostics
                            ]
                        ) from None
                if value is None:
                    continue  # an empty cell: the coder did not code the unit
                units.append(unit)
                coder_ids.append(coder)
                values.append(value)
                lines.append(where.line)
        return _wide_set(units, coder_ids, variable, values, lines, name)


def _wide_set(
    units: list[str],
    coders: list[str],
    variable: str,
    values: list[Any],
    lines: list[int],
    name: str,
) -> AnnotationSet:
    """The records of a wide sheet as an AnnotationSet (columns made directly)."""
    import numpy as np

    from ..annotations import _NO_POSITION, AnnotationSet, object_column

    count = len(units)
    nothing = object_column([None] * count)
    return AnnotationSet(
        unit_id=object_column(units),
        coder_id=object_column(coders),
        variable=object_column([variable] * count),
        value=object_column(values),
        codebook=nothing,
        text=nothing,
        start=np.full(count, _NO_POSITION, dtype=np.int64),
        end=np.full(count, _NO_POSITION, dtype=np.int64),
        annotated_at=nothing,
        file_index=np.zeros(count, dtype=np.int32),
        line=np.asarray(lines, dtype=np.int64),
        files=(name,) if count else (),
    )


def is_wide_header(header: list[str]) -> bool:
    """Whether a sheet's header is a wide one: ``unit_id`` and other columns, none of them a
    column of the long format (coder_id, variable, value, text, …) or of a task file (a task
    file given where annotations belong is told so by the missing columns, not taken for a
    sheet of coders named ``text`` and ``lang``)."""
    from ..annotations import RECORD_COLUMNS
    from ..tasks import KNOWN

    others = set(RECORD_COLUMNS) | set(KNOWN)
    others.discard("unit_id")
    return "unit_id" in header and len(header) > 1 and not others.intersection(header)


def read_sheet(path: Path) -> AnnotationSet:
    """A delimited text or Excel sheet in the layout ``--layout`` names or its header shows:
    wide when it is :func:`is_wide_header` (or ``--layout wide``), else long."""
    from ..annotations import REQUIRED_COLUMNS, read_annotations
    from ..rows import peek_header, read_settings

    settings = read_settings()
    layout = settings.layout
    if layout == "auto":
        header = peek_header(path, REQUIRED_COLUMNS)
        layout = "wide" if is_wide_header(header) else "long"
        if layout == "wide" and settings.variable is None:
            shown = ", ".join(repr(c) for c in header[1:4]) + (", …" if len(header) > 4 else "")
            raise IntercoderError(
                f"{path}:1: a wide sheet (unit_id, then one column per coder: {shown}); "
                "say which variable its cells code with --layout wide --variable ID "
                f"(or name the file ID{WIDE_SUFFIX})"
            )
    if layout == "wide":
        return WideCsv(settings.variable).read(path)
    return read_annotations(path)


class Excel(Importer):
    """An Excel workbook (``.xlsx``): its first sheet, long or wide as its header shows.

    Read with openpyxl (the ``excel`` extra). Cells are taken as the text Excel would write
    into a CSV (whole numbers without ``.0``); a row's line is its row number in the sheet.
    """

    name = "xlsx"
    extensions = (".xlsx",)
    description = "Excel workbook, first sheet: long format or wide (needs intercoder[excel])"

    def read(self, path: Path) -> AnnotationSet:
        return read_sheet(path)


def variable_from_file_name(path: Path) -> str:
    """The variable id a wide CSV file name carries: ``[prefix.]<variable>.wide.csv``."""
    from ..codebook.spec import VARIABLE_ID

    file_name = path.name
    if not file_name.lower().endswith(WIDE_SUFFIX):
        raise IntercoderError(
            f"{path}: a wide sheet needs its variable: pass --variable ID, or name the file "
            f"<variable>{WIDE_SUFFIX} (the file name says which variable the cells code)"
        )
    variable = file_name[: -len(WIDE_SUFFIX)].rsplit(".", 1)[-1]
    if not re.search(VARIABLE_ID, variable):
        raise IntercoderError(
            f"{path}: {variable!r} is not a variable id; name the file <variable>{WIDE_SUFFIX}, "
            f"e.g. severity{WIDE_SUFFIX}"
        )
    return variable


# --- Parquet ----------------------------------------------------------------------------------

#: Optional long-format columns, written as nullable strings except start/end (int64).
_TEXT_COLUMNS = ("codebook", "text", "annotated_at")
PARQUET_MISSING = "the parquet format needs pyarrow: pip install 'intercoder[parquet]'"


def _pyarrow() -> tuple[ModuleType, ModuleType]:
    """pyarrow and pyarrow.parquet, or a one-line error saying how to install them."""
    import importlib

    # import_module rather than `import`: pyarrow ships no type hints and is an optional extra.
    try:
        return importlib.import_module("pyarrow"), importlib.import_module("pyarrow.parquet")
    except ModuleNotFoundError as exc:
        if exc.name in ("pyarrow", "pyarrow.parquet"):
            raise IntercoderError(PARQUET_MISSING) from None
        raise IntercoderError(f"pyarrow cannot be imported: {exc}") from None
    except ImportError as exc:  # installed but broken, e.g. a pyarrow built for NumPy 2 on 1.x
        raise IntercoderError(f"pyarrow cannot be imported: {exc}") from None


class Parquet(Importer, Exporter):
    """The long format as a Parquet file, one row per record.

    Columns: ``unit_id, coder_id, variable`` (string); the value in exactly one of three typed
    columns, because a Parquet column has one type and a file mixes variable types:
    ``value`` (string: codes and text), ``value_list`` (list<string>: multiple choice) and
    ``value_number`` (int64 when every number in the file is whole, else double; all null when
    there are none); then ``codebook``, ``text``, ``annotated_at`` (string) and ``start``,
    ``end`` (int64), null when absent. All columns are always written, so files concatenate.

    Reading also accepts Parquet files written by others (pandas ``to_parquet`` of the long
    format): ``unit_id, coder_id, variable`` and at least one value column are required; a
    ``value`` column of any type is taken as it comes; NaN is a missing value. Problems are
    reported as ``FILE:ROW`` (1-based row number, in the place of a line).
    """

    name = "parquet"
    extensions = (".parquet", ".pq")
    extension = ".parquet"
    description = "long format as Parquet (typed columns)"

    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        import numbers

        import numpy as np

        from .._version import __version__
        from ..annotations import _NO_POSITION, AnnotationError
        from ..fileio import write_atomic

        pa, pq = _pyarrow()
        count = len(annotations)
        strings: list[str | None] = [None] * count
        lists: list[list[str] | None] = [None] * count
        numbers_: list[int | float | None] = [None] * count
        problems: list[Diagnostic] = []
        all_whole = True
        value: Any
        for i, value in enumerate(annotations.value):
            problem = None
            if value is None:
                continue
            if isinstance(value, str):
                strings[i] = value
            elif isinstance(value, list | tuple):
                items = [_code_text(item) for item in value]
                if any(item is None for item in items):
                    problem = "is not a list of codes (Parquet stores a list of strings)"
                else:
                    lists[i] = [item for item in items if item is not None]
            elif isinstance(value, bool):
                problem = "is no code, number or text"  # a JSON true/false
            elif isinstance(value, numbers.Integral):
                numbers_[i] = int(value)
            elif isinstance(value, numbers.Real):
                if value == value:  # NaN is a missing value, as in every other reader
                    numbers_[i] = float(value)
                    all_whole = False
            else:
                problem = "cannot be stored in Parquet (a code, a list of codes, a number or text)"
            if problem:
                problems.append(Diagnostic(annotations.location(i), f"value: {value!r} {problem}"))
        if problems:
            raise AnnotationError(problems, hint="fix them before exporting")

        def text_column(values: Any) -> Any:
            return pa.array([None if v is None else str(v) for v in values], type=pa.string())

        def position(values: Any) -> Any:
            values = np.asarray(values, dtype=np.int64)
            return pa.array(values, type=pa.int64(), mask=values == _NO_POSITION)

        number_type = pa.int64() if all_whole else pa.float64()
        try:
            table = pa.table(
                {
                    "unit_id": text_column(annotations.unit_id),
                    "coder_id": text_column(annotations.coder_id),
                    "variable": text_column(annotations.variable),
                    "value": pa.array(strings, type=pa.string()),
                    "value_list": pa.array(lists, type=pa.list_(pa.string())),
                    "value_number": pa.array(numbers_, type=number_type),
                    "codebook": text_column(annotations.codebook),
                    "text": text_column(annotations.text),
                    "start": position(annotations.start),
                    "end": position(annotations.end),
                    "annotated_at": text_column(annotations.annotated_at),
                },
                metadata={"intercoder": f"long annotation records, intercoder {__version__}"},
            )
        except (pa.ArrowException, OverflowError) as exc:
            raise IntercoderError(f"{path}: cannot write these records as Parquet: {exc}") from None
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        write_atomic(path, sink.getvalue().to_pybytes())

    def read(self, path: Path) -> AnnotationSet:
        import numpy as np

        from ..annotations import (
            NUL_MESSAGE,
            AnnotationError,
            _constant,
            set_of_columns,
        )
        from ..columnar import Column, map_labels, read_parquet_columns, recode

        _pyarrow()
        name = str(path)
        columns = read_parquet_columns(path)
        present = set(columns.names)
        missing = [c for c in ("unit_id", "coder_id", "variable") if c not in present]
        value_columns = [c for c in ("value_list", "value_number", "value") if c in present]
        if not value_columns:
            missing.append("value")
        if missing:
            raise AnnotationError(
                [Diagnostic(Location(name), f"missing column(s) {', '.join(map(repr, missing))}")]
            )
        count = len(columns)

        # Each distinct value of a column is read once (Arrow dictionary-encodes the columns).
        def column(column_name: str, transform: Callable[[Any], Any]) -> Column:
            found = columns.columns.get(column_name)
            if found is None:  # an absent column: one value, no memory per record
                return Column(_constant(0, count, np.int32), [transform(None)])
            if transform is _id_cell and all(type(label) is str for label in found.labels):
                encoded = recode(found.codes, [label.strip() for label in found.labels])
            else:
                encoded = map_labels(found, transform)
            if np.any(encoded.codes < 0):
                at = len(encoded.labels)
                encoded = recode(
                    np.where(encoded.codes < 0, at, encoded.codes), [*encoded.labels, None]
                )
            return encoded

        problems: list[Diagnostic] = []
        coded: dict[str, Column] = {}
        for key in ("unit_id", "coder_id", "variable"):
            found = columns.columns.get(key)
            if found is not None and found.plain_ids:
                coded[key] = found  # nothing to trim, none blank, no NUL: taken as read
                continue
            ids = column(key, _id_cell)
            blank = np.array([not label for label in ids.labels] + [True], dtype=bool)
            problems.extend(
                Diagnostic(Location(name, int(i) + 1), f"{key}: missing")
                for i in np.flatnonzero(blank[ids.codes])
            )
            nul = np.array([bool(label) and "\0" in label for label in ids.labels] + [False])
            problems.extend(
                Diagnostic(Location(name, int(i) + 1), f"{key}: {NUL_MESSAGE}")
                for i in np.flatnonzero(nul[ids.codes])
            )
            coded[key] = ids
        # The first typed value column that has a value wins: value_list, value_number, value.
        labels: list[Any] = [None]
        codes = np.zeros(count, dtype=np.int32)  # 4 bytes a record: the codes are int32 anyway
        for candidate in reversed(value_columns):
            found = column(
                candidate,
                lambda v: (
                    (v.strip() or None) if isinstance(v, str) else None if v is None else _value(v)
                ),
            )
            given = np.array([label is not None for label in found.labels] + [False])
            codes = np.where(given[found.codes], found.codes + len(labels), codes)
            labels.extend(found.labels)
        coded["value"] = recode(codes, labels)
        for key in _TEXT_COLUMNS:
            coded[key] = column(
                key,
                lambda v: (
                    (v if v.strip() else None)
                    if isinstance(v, str)
                    else None
                    if v is None
                    else _other_text(v)
                ),
            )
        table = _Offsets(columns)
        start_out = _offsets(table, "start", name, problems)
        end_out = _offsets(table, "end", name, problems)
        if problems:
            problems.sort(key=lambda d: d.location.line)
            raise AnnotationError(problems)
        return set_of_columns(coded, start_out, end_out, columns.lines, name)


class _Offsets:
    """The start/end columns of a Parquet file, as :func:`_offsets` reads them."""

    def __init__(self, columns: Any) -> None:
        self.num_rows = len(columns)
        self.column_names = columns.names
        self._columns = columns

    def labels(self, name: str) -> tuple[Any, list[Any]]:
        found = self._columns.columns[name]
        return found.codes, found.labels


def _id_cell(raw: Any) -> str | None:
    """An id cell as text, trimmed; None or "" when missing."""
    return raw.strip() if isinstance(raw, str) else _id_text(raw)


def _code_text(item: Any) -> str | None:
    """A list item as a code string (codes may arrive as JSON numbers), else None."""
    if isinstance(item, str):
        return item
    if isinstance(item, int) and not isinstance(item, bool):
        return str(item)
    return None


def _id_text(raw: Any) -> str | None:
    """An id cell that is not text (an integer unit id from pandas) as text; None if missing."""
    raw = _nan_to_none(raw)
    return None if raw is None else str(raw).strip()


def _other_text(raw: Any) -> str | None:
    """A codebook/text/annotated_at cell that is not text: timestamps become ISO 8601."""
    from ..annotations import _text_or_none

    if hasattr(raw, "isoformat"):
        raw = raw.isoformat()  # a timestamp column written by pandas
    return _text_or_none(_nan_to_none(raw))


def _offsets(table: _Offsets, column_name: str, name: str, problems: list[Diagnostic]) -> Any:
    """A start/end column as int64 with -1 for missing; bad offsets appended to ``problems``."""
    import numpy as np

    from ..annotations import _NO_POSITION, AnnotationError, _constant, _position
    from ..rows import MAX_OFFSET

    count = table.num_rows
    if column_name not in table.column_names:  # one value, no memory per record
        return _constant(_NO_POSITION, count, np.int64)
    out = np.full(count, _NO_POSITION, dtype=np.int64)
    codes, labels = table.labels(column_name)
    positions = np.full(len(labels) + 1, _NO_POSITION, dtype=np.int64)
    bad: dict[int, str] = {}
    for j, raw in enumerate(labels):  # each distinct offset once
        raw = _nan_to_none(raw)
        if isinstance(raw, float):  # pandas writes offsets with gaps as floats
            if raw < 0 or not raw.is_integer():
                bad[j] = f"{column_name}: {raw:g} is not a character offset"
            elif raw >= MAX_OFFSET:  # a float of 2**63 is already one too many
                bad[j] = f"{column_name}: {raw:g} is too large for a character offset"
            else:
                positions[j] = int(raw)
            continue
        if isinstance(raw, int) and not isinstance(raw, bool):
            if raw < 0:
                bad[j] = f"{column_name}: {raw:g} is not a character offset"
            elif raw > MAX_OFFSET:  # uint64 columns hold up to 2**64 - 1
                bad[j] = f"{column_name}: {raw} is too large for a character offset"
            else:
                positions[j] = raw
            continue
        try:
            offset = _position(raw, column_name, Location(name))
        except AnnotationError as exc:
            bad[j] = exc.diagnostics[0].message
            continue
        if offset is not None:
            positions[j] = offset
    if bad:
        flagged = np.zeros(len(labels) + 1, dtype=bool)
        flagged[list(bad)] = True
        for i in np.flatnonzero(flagged[codes]).tolist():
            problems.append(Diagnostic(Location(name, i + 1), bad[int(codes[i])]))
    out[:] = positions[codes]
    return out


def _nan_to_none(raw: Any) -> Any:
    return None if isinstance(raw, float) and raw != raw else raw


def _value(raw: Any) -> Any:
    """A value cell as the long readers give it: blank text and NaN are missing, text trimmed."""
    raw = _nan_to_none(raw)
    if isinstance(raw, str):
        return raw.strip() or None
    return raw


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(WideCsv())
    register(Excel())
    register(Parquet())


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(Parquet())
