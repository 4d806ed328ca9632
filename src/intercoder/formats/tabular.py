"""Built-in tabular annotation formats: wide CSV (import) and Parquet (import and export).

* **wide-csv** (``<variable>.wide.csv``): the layout of spreadsheets and of most reliability
  tools, units × coders for a single variable.
* **parquet** (``.parquet``): the long format (docs/reference/file-formats.md) as typed columns,
  for data pipelines (pandas, polars, DuckDB, R arrow). Needs the optional extra
  ``pip install 'intercoder[parquet]'`` (pyarrow), imported only when a file is read or written.

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

    **The variable comes from the file name**, because an importer receives nothing but a
    path: ``<variable>.wide.csv``, optionally with a prefix separated by a dot
    (``batch-2.severity.wide.csv`` is variable ``severity``). ``WideCsv(variable="severity")``
    overrides the name in Python code. Claims the two-part extension ``.wide.csv``.
    """

    name = "wide-csv"
    extensions = (WIDE_SUFFIX,)
    description = "wide CSV for one variable: unit_id, one column per coder (<variable>.wide.csv)"

    def __init__(self, variable: str | None = None) -> None:
        self.variable = variable

    def read(self, path: Path) -> AnnotationSet:
        import csv
        import io

        from ..annotations import AnnotationError, AnnotationSet, _record

        name = str(path)
        variable = self.variable or variable_from_file_name(path)
        text = _read_text(path)
        reader = csv.reader(io.StringIO(text, newline=""))

        def problem(where: Location, message: str) -> AnnotationError:
            return AnnotationError([Diagnostic(where, message)])

        try:
            header = next(reader, None)
            if not header or not any(cell.strip() for cell in header):
                raise problem(Location(name, 1), "empty file: expected a header unit_id,CODER,...")
            header = [cell.strip() for cell in header]
            if header[0] != "unit_id":
                raise problem(
                    Location(name, 1),
                    f"the first column must be unit_id (found {header[0]!r}); "
                    "a wide file has unit_id, then one column per coder",
                )
            coders = header[1:]
            if not coders:
                raise problem(Location(name, 1), "no coder columns after unit_id")
            for number, coder in enumerate(coders, start=2):
                if not coder:
                    raise problem(Location(name, 1), f"column {number} has no coder id")
                if coders.count(coder) > 1:
                    raise problem(Location(name, 1), f"coder {coder!r} has two columns")
            records = []
            line = reader.line_num
            for row in reader:
                # A record's line is where its row starts (cells may hold newlines).
                where = Location(name, line + 1)
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) > len(header):
                    raise problem(where, "more cells than header columns (an unquoted comma?)")
                if not row[0].strip():
                    raise problem(where, "unit_id: missing")
                for coder, cell in zip(coders, row[1:], strict=False):
                    if not cell.strip():
                        continue
                    fields = {
                        "unit_id": row[0],
                        "coder_id": coder,
                        "variable": variable,
                        "value": cell,
                    }
                    try:
                        records.append(_record(fields, where))
                    except AnnotationError as exc:  # say which column the bad cell is in
                        raise AnnotationError(
                            [
                                Diagnostic(d.location, d.message, field=f"column {coder!r}")
                                for d in exc.diagnostics
                            ]
                        ) from None
        except csv.Error as exc:
            raise problem(Location(name, reader.line_num), f"malformed CSV: {exc}") from None
        return AnnotationSet.from_records(records)


def variable_from_file_name(path: Path) -> str:
    """The variable id a wide CSV file name carries: ``[prefix.]<variable>.wide.csv``."""
    from ..codebook.spec import VARIABLE_ID

    file_name = path.name
    if not file_name.lower().endswith(WIDE_SUFFIX):
        raise IntercoderError(
            f"{path}: a wide CSV file must be named <variable>{WIDE_SUFFIX} "
            "(the file name says which variable the cells code)"
        )
    variable = file_name[: -len(WIDE_SUFFIX)].rsplit(".", 1)[-1]
    if not re.search(VARIABLE_ID, variable):
        raise IntercoderError(
            f"{path}: {variable!r} is not a variable id; name the file <variable>{WIDE_SUFFIX}, "
            f"e.g. severity{WIDE_SUFFIX}"
        )
    return variable


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IntercoderError(f"{path}: not UTF-8 text (byte {exc.start})") from None


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
    description = "long format as Parquet (typed columns; needs intercoder[parquet])"

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

        from ..annotations import AnnotationError, AnnotationSet, object_column

        pa, pq = _pyarrow()
        name = str(path)
        try:
            table = pq.read_table(path)
        except FileNotFoundError:
            raise
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise IntercoderError(f"{name}: not a readable Parquet file ({exc})") from None
        present = set(table.column_names)
        missing = [c for c in ("unit_id", "coder_id", "variable") if c not in present]
        value_columns = [c for c in ("value_list", "value_number", "value") if c in present]
        if not value_columns:
            missing.append("value")
        if missing:
            raise AnnotationError(
                [Diagnostic(Location(name), f"missing column(s) {', '.join(map(repr, missing))}")]
            )
        count = table.num_rows

        # Column by column, with list comprehensions: a row loop calling helpers costs ~10 µs a
        # record, too slow for the 10^6-record files this format is for.
        def column(column_name: str) -> list[Any]:
            if column_name not in present:
                return [None] * count
            data = table.column(column_name)
            if data.null_count == count:
                return [None] * count
            # Through numpy: several times faster than to_pylist() for text and lists.
            if pa.types.is_string(data.type) or pa.types.is_large_string(data.type):
                return list(data.to_numpy(zero_copy_only=False).tolist())
            if pa.types.is_list(data.type) or pa.types.is_large_list(data.type):
                return [
                    None if items is None else items.tolist()
                    for items in data.to_numpy(zero_copy_only=False)
                ]
            return list(data.to_pylist())

        problems: list[Diagnostic] = []
        ids = {}
        for key in ("unit_id", "coder_id", "variable"):
            items = [v.strip() if isinstance(v, str) else _id_text(v) for v in column(key)]
            problems.extend(
                Diagnostic(Location(name, i + 1), f"{key}: missing")
                for i, v in enumerate(items)
                if not v
            )
            ids[key] = items
        values: list[Any] = [None] * count
        for candidate in value_columns:
            found = [
                (v.strip() or None) if isinstance(v, str) else None if v is None else _value(v)
                for v in column(candidate)
            ]
            values = [v if v is not None else c for v, c in zip(values, found, strict=True)]
        texts = {
            key: [
                (v if v.strip() else None)
                if isinstance(v, str)
                else None
                if v is None
                else _other_text(v)
                for v in column(key)
            ]
            for key in _TEXT_COLUMNS
        }
        start_out = _offsets(table, "start", name, problems)
        end_out = _offsets(table, "end", name, problems)
        if problems:
            problems.sort(key=lambda d: d.location.line)
            raise AnnotationError(problems)

        return AnnotationSet(
            unit_id=object_column(ids["unit_id"]),
            coder_id=object_column(ids["coder_id"]),
            variable=object_column(ids["variable"]),
            value=object_column(values),
            codebook=object_column(texts["codebook"]),
            text=object_column(texts["text"]),
            start=start_out,
            end=end_out,
            annotated_at=object_column(texts["annotated_at"]),
            file_index=np.zeros(count, dtype=np.int32),
            line=np.arange(1, count + 1, dtype=np.int64),
            files=(name,),
        )


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


def _offsets(table: Any, column_name: str, name: str, problems: list[Diagnostic]) -> Any:
    """A start/end column as int64 with -1 for missing; bad offsets appended to ``problems``."""
    import numpy as np

    from ..annotations import _NO_POSITION, AnnotationError, _position

    count = table.num_rows
    out = np.full(count, _NO_POSITION, dtype=np.int64)
    if column_name not in table.column_names:
        return out
    column = table.column(column_name)
    kind = str(column.type)
    if kind.startswith(("int", "uint", "float", "double")):
        # Nulls come out as NaN; pandas writes offsets with gaps as floats.
        numbers = np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)
        given = ~np.isnan(numbers)
        bad = given & ((numbers < 0) | (numbers != np.floor(numbers)))
        for i in np.flatnonzero(bad):
            problems.append(
                Diagnostic(
                    Location(name, int(i) + 1),
                    f"{column_name}: {numbers[i]:g} is not a character offset",
                )
            )
        keep = given & ~bad
        out[keep] = numbers[keep].astype(np.int64)
        return out
    for row, raw in enumerate(column.to_pylist()):  # text or other types: checked one by one
        try:
            offset = _position(_nan_to_none(raw), column_name, Location(name, row + 1))
        except AnnotationError as exc:
            problems.extend(exc.diagnostics)
            continue
        if offset is not None:
            out[row] = offset
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
    register(Parquet())


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(Parquet())
