"""Reading CSV, TSV, Excel and JSONL files as rows with their line numbers (annotations, tasks).

Every format arrives as ``(row, location)`` pairs so every later problem is reported as
``FILE:LINE``. CSV lines are physical lines: a cell with a newline inside advances the count;
an Excel row's line is its row number in the sheet.

Files come as teams really have them, so the text layer is found, not assumed:

* **encoding**: a byte order mark decides (UTF-8, UTF-16LE, UTF-16BE: Excel's "Unicode text");
  else UTF-8; else, when the bytes cannot be UTF-8 and read as Russian-locale Windows text
  (cp1251 Cyrillic, what Excel writes in a Russian locale), cp1251; else a one-line error that
  names ``--encoding``;
* **delimiter**: of ``,``, ``;`` (Excel in locales with a decimal comma) and tab, the one that
  splits the header into the expected columns, else into the most columns, else ``,``.

The user's choices (``--encoding``, ``--delimiter``, ``--layout``, ``--variable``,
``--accept-labels``) travel as :class:`ReadSettings` in a context variable, because importers
receive nothing but a path (:meth:`intercoder.extensions.Importer.read`): the command line
sets them with :func:`reading` around its work, and notebooks can do the same.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import Diagnostic, IntercoderError, Location, ProblemsError

SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".xlsx")
#: Suffixes read as delimited text.
DELIMITED = (".csv", ".tsv", ".txt")
#: File name endings of Parquet files.
PARQUET = (".parquet", ".pq")
#: The delimiters tried, in order of preference when the header does not decide.
DELIMITERS = (",", ";", "\t")
#: Bytes read to detect an encoding and a delimiter: the header and a few lines.
SNIFF_BYTES = 1 << 16
#: The largest character offset (start, end) a record may carry: offsets are stored as int64.
MAX_OFFSET = (1 << 63) - 1
LAYOUTS = ("auto", "long", "wide")
EXCEL_MISSING = "reading .xlsx files needs openpyxl: pip install 'intercoder[excel]'"


class RowsError(ProblemsError):
    """A CSV, Excel or JSONL file that cannot be read as rows."""


@dataclass(frozen=True)
class ReadSettings:
    """How input files are read, when the user says so (None: detect)."""

    encoding: str | None = None
    delimiter: str | None = None
    #: ``auto`` (a sheet with unit_id and one column per coder is wide), ``long`` or ``wide``.
    layout: str = "auto"
    #: The variable a wide sheet's cells code (else its ``<variable>.wide.csv`` name).
    variable: str | None = None
    #: Take a code's label (in any language of the codebook) for the code.
    accept_labels: bool = False


# ReadSettings is frozen: sharing the default instance is safe.
_SETTINGS: ContextVar[ReadSettings] = ContextVar(
    "intercoder_read_settings",
    default=ReadSettings(),  # noqa: B039
)


def read_settings() -> ReadSettings:
    """The settings files are read with now."""
    return _SETTINGS.get()


@contextmanager
def reading(**settings: Any) -> Iterator[ReadSettings]:
    """Read files with these :class:`ReadSettings` fields (None fields keep the current ones)."""
    current = replace(_SETTINGS.get(), **{k: v for k, v in settings.items() if v is not None})
    token = _SETTINGS.set(current)
    try:
        yield current
    finally:
        _SETTINGS.reset(token)


def _fail(where: Location, message: str) -> RowsError:
    return RowsError([Diagnostic(where, message)])


#: What to do when the input does not fit, for every command that reads it.
TOO_BIG_ADVICE = (
    "agree and check read it in batches: give them --memory well under the memory that is "
    "free (e.g. --memory 500M), or --dask to spread it over a cluster"
)


def too_big(path: str | Path) -> IntercoderError:
    """The one-line answer to a file that does not fit in memory."""
    path = Path(path)
    parquet = (
        ""
        if path.suffix.lower() in PARQUET
        else (
            f"; as Parquet it takes a fraction of the space (intercoder export {path.name} "
            "--to parquet -o FILE.parquet, on a machine with more memory)"
        )
    )
    return IntercoderError(
        f"{path}: too big to read into memory on this machine; {TOO_BIG_ADVICE}{parquet}"
    )


# --- encodings ----------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: cp1251 bytes of Cyrillic letters: lower case (а-я, ё, ў) and upper case (А-Я, Ё, Ў).
_CP1251_LOWER = bytes(range(0xE0, 0x100)) + b"\xb8\xa2\xb3\xbf\xba"
_CP1251_UPPER = bytes(range(0xC0, 0xE0)) + b"\xa8\xa1\xb2\xaf\xaa"
#: Other cp1251 bytes of ordinary Russian text: NBSP « » № … – — “ ” „ ‘ ’ ° ·.
_CP1251_PUNCT = b"\xa0\xab\xbb\xb9\x85\x96\x97\x93\x94\x84\x91\x92\xb0\xb7"
_CP1251_LETTER = re.escape(_CP1251_LOWER + _CP1251_UPPER)
_MIXED = re.compile(
    rb"(?<=[A-Za-z])[" + _CP1251_LETTER + rb"]|[" + _CP1251_LETTER + rb"](?=[A-Za-z])"
)
_CONTROL = bytes(b for b in range(0x20) if b not in b"\t\n\r")
ENCODING_HINT = (
    "give its encoding, e.g. --encoding cp1251 (a CSV saved by Excel in a Russian locale) "
    "or --encoding utf-16 (Excel's Unicode text)"
)


def bom_encoding(data: bytes) -> str | None:
    """The encoding a byte order mark at the start of ``data`` announces, else None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def looks_cp1251(sample: bytes) -> bool:
    """Whether bytes that are not UTF-8 are certainly Russian-locale Windows text (cp1251).

    Certain means: no control characters, every byte above ASCII a Cyrillic letter or the
    punctuation of Russian text, and more lower-case than upper-case letters (KOI8-R, the other
    common Cyrillic encoding, swaps the two ranges, so its text would read as mostly capitals).
    """
    if not sample or sample.translate(None, _CONTROL) != sample:
        return False
    high = sample.translate(None, bytes(range(0x80)))
    if not high or high.translate(None, _CP1251_LOWER + _CP1251_UPPER + _CP1251_PUNCT):
        return False
    lower = len(high) - len(high.translate(None, _CP1251_LOWER))
    upper = len(high) - len(high.translate(None, _CP1251_UPPER))
    # Latin-1 and cp1252 accented letters fall in the same range, but sit inside Latin words
    # ("ñandú"); Cyrillic letters make words of their own.
    mixed = len(_MIXED.findall(sample))
    return lower > 0 and lower >= upper and mixed * 10 <= lower + upper


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """``data`` as text: in ``encoding`` when given, else as detected (see the module notes)."""
    try:
        if encoding is not None:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise IntercoderError(
                    f"{name}: not {encoding} text (byte {exc.start}); "
                    "check --encoding, or leave it out to detect the encoding"
                ) from None
            return text.removeprefix("\ufeff")
        found = bom_encoding(data)
        if found is not None:
            try:
                return data.decode(found).removeprefix("\ufeff")
            except UnicodeDecodeError as exc:
                raise IntercoderError(
                    f"{name}: starts with a {found} byte order mark but is not {found} text "
                    f"(byte {exc.start}); {ENCODING_HINT}"
                ) from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            start = exc.start
        if looks_cp1251(data[:SNIFF_BYTES]) and looks_cp1251(data[start : start + SNIFF_BYTES]):
            try:
                return data.decode("cp1251")
            except UnicodeDecodeError:
                pass  # 0x98 has no character in cp1251: not Windows text after all
        raise IntercoderError(f"{name}: not UTF-8 text (byte {start}); {ENCODING_HINT}")
    except MemoryError:
        raise too_big(name) from None


def check_encoding(encoding: str) -> str:
    """``encoding`` if Python knows it, else a ValueError naming the common ones."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValueError(
            f"unknown encoding {encoding!r} (e.g. utf-8, cp1251, utf-16, koi8-r)"
        ) from None
    return encoding


# --- delimiters ---------------------------------------------------------------------------


def sniff_delimiter(head: str, required: Sequence[str] = ()) -> str:
    """The delimiter of a delimited text whose first ``SNIFF_BYTES`` or so are ``head``.

    Of ``,``, ``;`` and tab: the first that splits the header into all ``required`` columns
    (or at least ``unit_id``), else the one that splits it into the most cells, else ``,``.
    """

    def header(delimiter: str) -> list[str]:
        try:
            cells = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), [])
        except csv.Error:
            return []
        return [cell.strip() for cell in cells]

    headers = {d: header(d) for d in DELIMITERS}

    def rank(delimiter: str) -> tuple[bool, bool, int]:
        cells = headers[delimiter]
        complete = bool(required) and all(c in cells for c in required)
        return complete, "unit_id" in cells, len(cells)

    return max(DELIMITERS, key=rank)  # max keeps the first of equals: "," wins ties


# --- tables: a header and rows of cells ------------------------------------------------------


@dataclass
class Table:
    """A sheet: its header cells and its rows, each with the line the row starts on."""

    name: str
    header: list[str]
    rows: Iterator[tuple[list[str], Location]]
    #: The delimiter a delimited text was read with (None for Excel).
    delimiter: str | None = None
    #: Lets go of the file when the rows are not read to the end (a workbook stays open).
    close: Callable[[], None] = lambda: None


def read_table(path: str | Path, required: Sequence[str] = ()) -> Table:
    """The header and rows of a delimited text (``.csv``, ``.tsv``, ``.txt``) or ``.xlsx``.

    Empty lines are skipped; the header is read as it stands (cells not trimmed).
    """
    path = Path(path)
    name = str(path)
    if path.suffix.lower() == ".xlsx":
        return _excel_table(path)
    settings = read_settings()
    try:
        data = path.read_bytes()
    except MemoryError:
        raise too_big(path) from None
    text = decode(data, name, settings.encoding)
    del data
    delimiter = settings.delimiter or sniff_delimiter(text[:SNIFF_BYTES], required)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = _csv_header(reader, name)
    return Table(name, header, _csv_body(reader, name), delimiter)


def peek_header(path: str | Path, required: Sequence[str] = ()) -> list[str]:
    """The header cells (trimmed) of a delimited text or ``.xlsx``, reading only its start."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        table = _excel_table(path)
        table.close()
        return [cell.strip() for cell in table.header]
    settings = read_settings()
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    encoding = settings.encoding or bom_encoding(head) or "utf-8"
    text = head.decode(encoding, errors="replace").removeprefix("\ufeff")
    if encoding == "utf-8" and "\ufffd" in text and looks_cp1251(head):
        text = head.decode("cp1251", errors="replace")
    delimiter = settings.delimiter or sniff_delimiter(text, required)
    try:
        cells = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return []
    return [cell.strip() for cell in cells]


def _csv_header(reader: Any, name: str) -> list[str]:
    try:
        return list(next(reader, []))
    except csv.Error as exc:
        raise _fail(Location(name, 1), f"malformed CSV header: {_csv_problem(exc)}") from None


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell longer than {csv.field_size_limit():,} characters (the CSV cell limit)"
    return text


def _csv_body(reader: Any, name: str) -> Iterator[tuple[list[str], Location]]:
    line = reader.line_num
    try:
        for row in reader:
            where = Location(name, line + 1)
            line = reader.line_num
            if row:  # csv.DictReader skips empty lines; so do the readers built on it
                yield row, where
    except csv.Error as exc:
        raise _fail(
            Location(name, reader.line_num), f"malformed CSV: {_csv_problem(exc)}"
        ) from None


def _excel_table(path: Path) -> Table:
    """The first sheet of an ``.xlsx`` workbook, cells as the text a CSV export would hold."""
    import importlib
    import zipfile

    try:
        openpyxl = importlib.import_module("openpyxl")
    except ModuleNotFoundError as exc:
        if exc.name == "openpyxl":
            raise IntercoderError(f"{path}: {EXCEL_MISSING}") from None
        raise
    name = str(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except MemoryError:
        raise too_big(path) from None
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: not a workbook
        raise IntercoderError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        workbook.close()
        raise _fail(Location(name, 1), "the workbook has no sheet")
    rows = sheet.iter_rows(values_only=True)
    try:
        first = next(rows, None)
    except Exception as exc:  # a damaged sheet inside a valid zip
        workbook.close()
        raise IntercoderError(f"{name}: not a readable .xlsx workbook ({exc})") from None
    header = [_excel_text(cell) for cell in first or ()]
    while header and not header[-1]:  # formatted but empty cells at the right
        header.pop()

    def body() -> Iterator[tuple[list[str], Location]]:
        number = 1
        try:
            for number, values in enumerate(rows, start=2):
                cells = [_excel_text(cell) for cell in values]
                while cells and not cells[-1]:
                    cells.pop()
                if cells:
                    yield cells, Location(name, number)
        except MemoryError:
            raise too_big(path) from None
        except (ValueError, KeyError, OSError, SyntaxError, zipfile.BadZipFile) as exc:
            # openpyxl parses the sheet's XML as it goes: damage shows up here
            raise _fail(Location(name, number + 1), f"not a readable sheet row ({exc})") from None
        finally:
            workbook.close()

    return Table(name, header, body(), close=workbook.close)


def _excel_text(cell: Any) -> str:
    """A cell's value as the text Excel writes into a CSV: whole numbers without ``.0``."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if hasattr(cell, "isoformat"):
        return str(cell.isoformat())
    return str(cell)


def header_problem(header: Sequence[str], name: str) -> RowsError | None:
    """A header cell that appears twice (the later column would hide the earlier one)."""
    seen: dict[str, int] = {}
    for number, cell in enumerate(header, start=1):
        key = cell.strip()
        if not key:
            continue
        if key in seen:
            return _fail(
                Location(name, 1),
                f"column {key!r} appears twice (columns {seen[key]} and {number}); "
                "rename or remove one",
            )
        seen[key] = number
    return None


def read_rows(
    path: str | Path, required: Sequence[str], *, what: str = "file", missing_hint: str = ""
) -> Iterator[tuple[dict[str, Any], Location]]:
    """Rows of a delimited text, ``.xlsx`` or ``.jsonl`` file that has the ``required`` columns.

    ``missing_hint`` is added to the message about missing columns when the header has
    ``unit_id`` (a sheet of the other layout: wide for long, or the reverse).
    """
    path = Path(path)
    name = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise IntercoderError(
            f"{name}: unknown {what} format {suffix or '(none)'!r}; use .csv or .jsonl"
        )
    if suffix in (".jsonl", ".ndjson"):
        try:
            data = path.read_bytes()
        except MemoryError:
            raise too_big(path) from None
        text = decode(data, name, read_settings().encoding)
        del data
        yield from _jsonl_rows(text, name, required)
        return
    yield from _table_rows(read_table(path, required), required, missing_hint)


def _table_rows(
    table: Table, required: Sequence[str], missing_hint: str
) -> Iterator[tuple[dict[str, Any], Location]]:
    name, header = table.name, table.header
    missing = [c for c in required if c not in header]
    if missing:
        hints = []
        for column in missing:
            close = difflib.get_close_matches(column, header, n=1)
            hints.append(f"{column!r}" + (f" (found {close[0]!r})" if close else ""))
        message = f"missing column(s) {', '.join(hints)}"
        if len(header) == 1 and table.delimiter is not None:
            message += (
                f"; the header is one column when split at {table.delimiter!r}: "
                "if the file uses another delimiter, pass --delimiter (e.g. ';' or tab)"
            )
        if missing_hint and "unit_id" in [cell.strip() for cell in header]:
            message += f"; {missing_hint}"
        raise _fail(Location(name, 1), message)
    duplicate = header_problem(header, name)
    if duplicate is not None:
        raise duplicate
    width = len(header)
    for cells, where in table.rows:
        if len(cells) > width:
            raise _fail(where, "more cells than header columns (an unquoted comma?)")
        row: dict[str, Any] = dict(zip(header, cells, strict=False))
        for column in header[len(cells) :]:
            row[column] = None  # what csv.DictReader gives a short row
        yield row, where


def _jsonl_rows(
    text: str, name: str, required: Sequence[str]
) -> Iterator[tuple[dict[str, Any], Location]]:
    # Only "\n" ends a JSON line: str.splitlines() would also split at U+2028, U+0085 and
    # other characters that JSON writers leave raw inside strings.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        where = Location(name, number)
        row = json_value(line, where, RowsError)
        if not isinstance(row, dict):
            raise _fail(where, "each line must be a JSON object")
        missing = [c for c in required if c not in row]
        if missing:
            raise _fail(where, f"missing field(s) {', '.join(missing)}")
        yield row, where


#: Lists or objects inside each other deeper than this are refused, on every Python: 3.11 and
#: 3.12 stop near 1,000 levels (a RecursionError), 3.13 parses any depth.
MAX_NESTING = 200
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def too_deep(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether JSON ``text[start:end]`` nests lists or objects deeper than :data:`MAX_NESTING`.
    Linear, with no copy of the text unless it has that many brackets (rare)."""
    if text.count("[", start, end) + text.count("{", start, end) <= MAX_NESTING:
        return False
    depth = 0
    for char in _JSON_STRING.sub("", text[start:end]):
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif char in "]}":
            depth -= 1
    return False


def json_value(text: str, where: Location, error: type[ProblemsError]) -> Any:
    """``text`` parsed as JSON, or ``error`` at ``where`` saying why not, in one line: bad
    syntax, an integer too long for Python to convert, nesting too deep."""
    if too_deep(text):
        raise error([Diagnostic(where, f"not valid JSON here: {NESTING}")])
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = Location(where.file, where.line, exc.colno) if where.line else where
        raise error([Diagnostic(at, f"not valid JSON: {exc.msg}")]) from None
    except ValueError as exc:  # int() refuses more than sys.get_int_max_str_digits() digits
        raise error([Diagnostic(where, f"not valid JSON here: {json_limit(exc)}")]) from None
    except RecursionError:
        raise error([Diagnostic(where, f"not valid JSON here: {NESTING}")]) from None
    except MemoryError:
        raise too_big(where.file) from None


NESTING = "nested too deeply (lists or objects inside each other hundreds of levels deep)"


def json_limit(exc: ValueError) -> str:
    """What a ValueError from the JSON parser means, in the user's words."""
    if "digits" in str(exc):
        return "a number with thousands of digits (more than Python reads as an integer)"
    return str(exc)


def shorten(value: Any, width: int = 80) -> str:
    """``repr(value)`` cut to about ``width`` characters, for a one-line message."""
    try:
        shown = repr(value)
    except RecursionError:
        return "a value nested too deeply"
    return shown if len(shown) <= width else shown[: width - 5] + "…" + shown[-3:]
