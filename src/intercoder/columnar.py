"""Reading CSV, JSONL and Parquet with Apache Arrow into dictionary-encoded columns.

The columnar twin of :mod:`intercoder.rows`. Arrow's multithreaded readers parse the file;
every column comes back as integer codes into its distinct values (a dictionary), so that later
work - trimming, parsing JSON lists, checking against a codebook - is done once per distinct
value, not once per record, and no Python object is made per record.

These readers are a fast path, not a second definition of the formats. Whenever Arrow's reading
could differ from the row readers' (a row with too many or too few cells, bytes that are not
UTF-8, a JSON field of changing type, a file Arrow rejects), :func:`read_columns` returns None and
the caller reads the file with :mod:`intercoder.rows`, whose located one-line messages are the
contract. A record's line is where its row starts, exactly as :func:`intercoder.rows.read_rows`
reports it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import IntercoderError
from .rows import (
    DELIMITED,
    MAX_NESTING,
    SNIFF_BYTES,
    bom_encoding,
    decode,
    read_settings,
    sniff_delimiter,
    too_big,
)

__all__ = [
    "Column",
    "Columns",
    "encode_values",
    "map_labels",
    "read_columns",
    "read_parquet_columns",
    "recode",
    "too_big",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Column:
    """One column: ``codes[i]`` indexes ``labels`` (``-1``: null or absent)."""

    codes: npt.NDArray[np.int32]
    labels: list[Any]
    #: Every record has a label, and the labels are ids as they stand, known from Arrow's
    #: buffers (see :func:`_plain_ids`): distinct texts, ASCII, none empty or with spaces to
    #: trim, no NUL. False: look closer.
    plain_ids: bool = False


@dataclass(frozen=True, eq=False)
class Columns:
    """The columns of one file, with the line (or Parquet row) each record starts on."""

    names: tuple[str, ...]
    columns: dict[str, Column]
    lines: IntArray

    def __len__(self) -> int:
        return int(self.lines.shape[0])


def _key(value: Any) -> Any:
    """A dictionary key that tells ``1``, ``1.0``, ``True`` and ``"1"`` apart; lists by repr."""
    try:
        hash(value)
    except TypeError:
        return ("unhashable", repr(value))
    return (type(value), value)


def recode(codes: npt.NDArray[Any], labels: Sequence[Any]) -> Column:
    """``codes`` into ``labels`` with equal labels merged (a transformed dictionary may repeat:
    ``" a"`` and ``"a"`` both trim to ``"a"``); ``-1`` stays ``-1``."""
    codes = np.asarray(codes, dtype=np.int32)
    if all(type(label) is str for label in labels) and len(set(labels)) == len(labels):
        return Column(codes, list(labels))  # the usual case: nothing to merge
    index: dict[Any, int] = {}
    unique: list[Any] = []
    remap = np.empty(len(labels) + 1, dtype=np.int32)
    for i, label in enumerate(labels):
        key = _key(label)
        found = index.get(key)
        if found is None:
            found = index[key] = len(unique)
            unique.append(label)
        remap[i] = found
    remap[len(labels)] = -1  # code -1 reads the last slot
    return Column(remap[codes], unique)


def _met(codes: npt.NDArray[Any], n_labels: int) -> npt.NDArray[np.bool_]:
    """Which codes ``0..n_labels-1`` occur in ``codes``: one pass flagging the codes met,
    without sorting or copying the records (``-1``, no value, flags a slot of its own)."""
    present = np.zeros(n_labels + 1, dtype=bool)
    present[codes] = True
    return present[:n_labels]


def used_codes(codes: npt.NDArray[Any], n_labels: int) -> list[int]:
    """The codes (``0..n_labels-1``) that occur in ``codes``, ascending (``np.unique`` without
    ``-1``, no value)."""
    used: list[int] = np.flatnonzero(_met(codes, n_labels)).tolist()
    return used


def count_used(codes: npt.NDArray[Any], n_labels: int) -> int:
    """How many of the codes ``0..n_labels-1`` occur in ``codes`` (``len(used_codes(...))``
    without a list of them)."""
    return int(np.count_nonzero(_met(codes, n_labels)))


#: Value types that are dictionary keys as they are (see encode_values).
_PLAIN_KEYS = {str, type(None)}


def _lists_hold_texts(values: Sequence[Any]) -> bool:
    """Whether every list among ``values`` holds texts only (a multiple choice's codes)."""
    items = [item for value in values if type(value) is list for item in value]
    return set(map(type, items)) <= {str}


def encode_values(values: Sequence[Any]) -> Column:
    """Dictionary-encode a sequence of Python values (the path for data not read by Arrow)."""
    types = set(map(type, values))
    listed = list in types
    if types <= {*_PLAIN_KEYS, list} and (not listed or _lists_hold_texts(values)):
        # Texts and None are their own keys (no text equals None, no text is equal to a text
        # of another type). A list of texts (multiple choice) is keyed by the tuple of its
        # texts, which equals no text and not None, and equals another list's key exactly
        # when the lists are equal (as their reprs would be). A dict of the distinct keys and
        # one look-up a value, in C: no key made in Python per value.
        keys = [tuple(v) if type(v) is list else v for v in values] if listed else values
        order = dict.fromkeys(keys)
        for number, key in enumerate(order):
            order[key] = number
        coded = np.fromiter(map(order.__getitem__, keys), dtype=np.int32, count=len(keys))
        if not listed:
            return Column(coded, list(order))
        return Column(coded, [list(key) if type(key) is tuple else key for key in order])
    index: dict[Any, int] = {}
    labels: list[Any] = []

    def code(value: Any) -> int:
        key = _key(value)
        found = index.get(key)
        if found is None:
            found = index[key] = len(labels)
            labels.append(value)
        return found

    codes = np.fromiter(map(code, values), dtype=np.int32, count=len(values))
    return Column(codes, labels)


def _arrow_column(chunked: Any) -> Column:
    """An Arrow column as codes into its distinct values (one dictionary for all chunks)."""
    import pyarrow as pa

    kind = chunked.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_struct(kind):
        # Arrow cannot dictionary-encode nested values: one label per record.
        items = chunked.to_pylist()
        codes = np.arange(len(items), dtype=np.int32)
        codes[[i for i, item in enumerate(items) if item is None]] = -1
        return Column(codes, items)
    if chunked.num_chunks == 0:
        return Column(np.empty(0, dtype=np.int32), [])
    if pa.types.is_dictionary(kind):  # e.g. a pandas category column: one dictionary a chunk
        encoded = pa.table({"c": chunked}).unify_dictionaries().column(0)
    else:
        # Imported here: columns that arrive dictionary-encoded (every CSV column) do not need
        # pyarrow.compute, whose import costs a tenth of a second.
        import pyarrow.compute as pc

        # A chunked column is encoded with one memo table: the codes of every chunk index the
        # last chunk's dictionary (earlier chunks hold a prefix of it).
        encoded = pc.dictionary_encode(chunked)
    if encoded.num_chunks == 0:
        return Column(np.empty(0, dtype=np.int32), [])
    dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
    codes = np.concatenate([_index_codes(chunk.indices) for chunk in encoded.chunks])
    if pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type):
        labels = _string_labels(dictionary)
        if _plain_ids(dictionary) and (not codes.shape[0] or codes.min() >= 0):
            return Column(codes, labels, plain_ids=True)
    else:
        labels = dictionary.to_pylist()  # timestamps and the like keep their Python types
    floating = pa.types.is_floating(dictionary.type)
    if floating and len({_key(label) for label in labels}) != len(labels):  # NaN, -0.0
        return recode(codes, labels)
    return Column(codes, labels)


#: The ASCII characters ``str.strip`` removes.
_ASCII_SPACE = np.array([chr(code).isspace() for code in range(256)], dtype=bool)


def _plain_ids(strings: Any) -> bool:
    """Whether a string array holds ids as they stand: no null, each text ASCII, not empty, no
    NUL, nothing ``str.strip`` would remove at either end. Read from the array's buffers with
    numpy, before (and without) a Python string per text."""
    if strings.null_count or not len(strings):
        return False
    offsets = _string_offsets(strings)
    data_buffer = strings.buffers()[2]
    if data_buffer is None or np.any(offsets[1:] == offsets[:-1]):
        return False  # an empty text
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    if data.min() == 0 or data.max() >= 0x80:
        return False  # a NUL, or a byte of a character past ASCII
    firsts, lasts = data[offsets[:-1] - offsets[0]], data[offsets[1:] - offsets[0] - 1]
    return not (_ASCII_SPACE[firsts].any() or _ASCII_SPACE[lasts].any())


def _string_offsets(strings: Any) -> npt.NDArray[Any]:
    """Where each text of a string array starts in its data buffer, and where the last ends."""
    import pyarrow as pa

    width = 8 if pa.types.is_large_string(strings.type) else 4
    return np.frombuffer(
        strings.buffers()[1],
        dtype=np.int64 if width == 8 else np.int32,
        count=len(strings) + 1,
        offset=strings.offset * width,
    )


def _string_labels(strings: Any) -> list[str]:
    """A string array without nulls as Python strings, sliced from its buffers: several times
    faster than to_pylist(), and unlike to_numpy() it does not import pandas."""
    if strings.null_count:
        return list(strings.to_pylist())
    offsets = _string_offsets(strings)
    data = strings.buffers()[2]
    raw = b"" if data is None else data.to_pybytes()
    separator = next((s for s in _SEPARATORS if s not in raw), None)
    if separator is not None:
        return _split_labels(raw, offsets, separator)
    # The offsets become Python ints a slice at a time: millions of them at once would cost
    # more memory than the labels.
    slices = (
        offsets[first : first + _LABELS_AT_A_TIME + 1].tolist()
        for first in range(0, len(strings), _LABELS_AT_A_TIME)
    )
    labels: list[str] = []
    if raw.isascii():  # byte offsets are character offsets
        text = raw.decode("ascii")
        for bounds in slices:
            labels.extend([text[a:b] for a, b in pairwise(bounds)])
    else:
        for bounds in slices:
            labels.extend([raw[a:b].decode("utf-8") for a, b in pairwise(bounds)])
    return labels


#: Labels made from one slice of the offsets (see _string_labels).
_LABELS_AT_A_TIME = 1 << 16
#: Bytes that may end each label for one split (see _split_labels): the first absent one.
_SEPARATORS = (b"\n", b"\x00", b"\x1f", b"\x1e")


def _split_labels(raw: bytes, offsets: npt.NDArray[Any], separator: bytes) -> list[str]:
    """The strings of ``raw`` between ``offsets``, made by ``str.split``: ``separator`` (a
    byte no label holds) is put after each label with numpy, then each slice of labels is
    decoded once and split in C, instead of a slice and a decode per label in Python."""
    data = np.frombuffer(raw, dtype=np.uint8)
    mark = separator[0]
    text_separator = separator.decode("ascii")
    labels: list[str] = []
    for first in range(0, len(offsets) - 1, _LABELS_AT_A_TIME):
        bounds = offsets[first : first + _LABELS_AT_A_TIME + 1].astype(np.int64)
        piece = data[bounds[0] : bounds[-1]]
        marked = np.insert(piece, bounds[1:] - bounds[0], mark)
        split = marked.tobytes().decode("utf-8").split(text_separator)
        split.pop()  # after the last separator: nothing
        labels.extend(split)
    return labels


def _index_codes(indices: Any) -> npt.NDArray[np.int32]:
    """The codes of one chunk's index array, null as -1, read from its buffers: to_numpy() and
    pa.scalar() import pandas when it is installed (a quarter of a second), the buffer views
    cost nothing."""
    dtype = np.dtype(f"int{indices.type.bit_width}")
    count, offset = len(indices), indices.offset
    validity, values = indices.buffers()[:2]
    codes = np.frombuffer(values, dtype=dtype, count=count, offset=offset * dtype.itemsize)
    codes = codes.astype(np.int32)
    if indices.null_count:
        bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
        codes[~bits[offset : offset + count].astype(bool)] = -1
    return codes


def _table_columns(table: Any, lines: IntArray) -> Columns:
    names = tuple(table.column_names)
    return Columns(names, {name: _arrow_column(table.column(name)) for name in names}, lines)


def read_columns(path: str | Path, required: Sequence[str]) -> Columns | None:
    """The columns of a ``.csv`` or ``.jsonl`` file read by Arrow, or None when the row reader
    must read it (see the module docstring). Never raises for bad content."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (*DELIMITED, ".jsonl", ".ndjson"):
        return None
    try:
        if suffix in DELIMITED:
            # Arrow reads a UTF-8 file itself, block by block: the bytes are never held whole.
            return _csv_columns(_csv_source(path), required)
        held = [_utf8(path.read_bytes(), str(path))]
        # The bytes are handed over, not kept here: the reader drops them once parsed.
        return _jsonl_columns(held.pop(), required)
    except MemoryError:
        raise too_big(path) from None
    except Exception:  # any doubt: the row reader decides, with its messages
        return None


def _utf8(data: bytes, name: str) -> bytes:
    """``data`` as UTF-8 for Arrow: as it is when it is UTF-8 (or may be: Arrow checks), else
    decoded by :func:`intercoder.rows.decode` (a byte order mark, ``--encoding``) and encoded."""
    encoding = read_settings().encoding or bom_encoding(data)
    if encoding is None or codecs.lookup(encoding).name == "utf-8":
        return data
    return decode(data, name, encoding).encode("utf-8")


def _csv_source(path: Path) -> Path | bytes:
    """What Arrow reads a delimited file from: the file itself when its bytes are UTF-8 as they
    are (or may be: Arrow checks), else its text re-encoded as UTF-8 (a byte order mark of
    UTF-16, ``--encoding``), which has to be held in memory."""
    encoding = read_settings().encoding
    if encoding is None:
        with path.open("rb") as handle:
            encoding = bom_encoding(handle.read(4))
    if encoding is None or codecs.lookup(encoding).name == "utf-8":
        return path
    return _utf8(path.read_bytes(), str(path))


def _open(source: Path | bytes) -> Any:
    """A binary file over ``source`` (see :func:`_csv_source`)."""
    return io.BytesIO(source) if isinstance(source, bytes) else source.open("rb")


#: Bytes read at a time when counting lines (the file is never held whole).
_BLOCK = 1 << 20


def _one_line_per_record(source: Path | bytes, rows: int) -> bool:
    """Whether every CSV record of ``source`` is one line and no line is blank: then record
    ``i`` starts on line ``i + 2``. One pass over the file in blocks, C-level counting only."""
    newlines = cr = crlf = 0
    tail = b""  # the last two bytes of the previous block, for patterns across blocks
    with _open(source) as handle:
        while block := handle.read(_BLOCK):
            seam = tail + block[:2]
            if b"\n\n" in block or b"\n\n" in seam:
                return False
            if b"\r" in block or tail.endswith(b"\r"):  # the rare case: look for \r\n too
                if b"\n\r\n" in block or b"\n\r\n" in seam:
                    return False
                cr += block.count(b"\r")
                crlf += block.count(b"\r\n") + (tail.endswith(b"\r") and block.startswith(b"\n"))
            newlines += block.count(b"\n")
            tail = (tail + block)[-2:]
    return cr == crlf and rows == (newlines - 1 if tail.endswith(b"\n") else newlines)


def _one_line_each_by_size(source: Path | bytes, table: Any, head: bytes) -> bool:
    """Whether every record of ``table`` (read from ``source``, every column a dictionary of
    strings) is one line ending in one byte, known from byte counts alone.

    The file holds the header line, the fields, a delimiter between fields and a line end per
    record; every other byte (quotes, a blank line, a line break inside a field, a two-byte
    line end) only adds to that. So when the size leaves exactly one byte per record for the
    line ends (none for the last one when the file does not end in a line break), there is
    nothing else, and record ``i`` starts on line ``i + 2``. No second pass over the file.
    """
    newline = head.find(b"\n")
    if newline < 0 or b"\r" in head[: max(newline - 1, 0)]:
        return False  # a header ended otherwise than by \n (or \r\n): count the lines instead
    if isinstance(source, bytes):
        size, last = len(source), source[-1:]
    else:
        size = source.stat().st_size
        with source.open("rb") as handle:
            handle.seek(max(size - 1, 0))
            last = handle.read(1)
    rows = table.num_rows
    if not rows:
        return False
    fields = 0
    for column in table.columns:
        for chunk in column.chunks:
            offsets = np.frombuffer(
                chunk.dictionary.buffers()[1],
                dtype=np.int32,
                count=len(chunk.dictionary) + 1,
                offset=chunk.dictionary.offset * 4,
            )
            counts = np.bincount(_index_codes(chunk.indices), minlength=len(chunk.dictionary))
            fields += int(counts @ np.diff(offsets).astype(np.int64))
    line_ends = size - (newline + 1) - fields - rows * (table.num_columns - 1)
    return bool(line_ends == (rows if last in (b"\n", b"\r") else rows - 1))


def _csv_lines(source: Path | bytes, table: Any, delimiter: str, head: bytes) -> IntArray | None:
    """The line each CSV record starts on, as :func:`intercoder.rows.read_rows` counts."""
    rows = table.num_rows
    if _one_line_each_by_size(source, table, head) or _one_line_per_record(source, rows):
        return np.arange(2, rows + 2, dtype=np.int64)
    with _open(source) as handle:
        text = handle.read().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    lines = []
    line = 1
    for row in reader:
        if row:  # blank lines hold no record, but count
            lines.append(line + 1)
        line = reader.line_num
    if len(lines) != rows:
        return None
    return np.asarray(lines, dtype=np.int64)


def _csv_columns(source: Path | bytes, required: Sequence[str]) -> Columns | None:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with _open(source) as handle:
        head_bytes = handle.read(SNIFF_BYTES)
    head = head_bytes.decode("utf-8-sig", errors="replace")
    delimiter = read_settings().delimiter or sniff_delimiter(head, required)
    header = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), None)
    if not header or len(set(header)) != len(header) or any(c not in header for c in required):
        return None
    # Every column arrives dictionary-encoded from the parser: a column of a million unit ids
    # is never held as a million strings (a third of the memory of plain string columns).
    text = pa.dictionary(pa.int32(), pa.string())
    table = pcsv.read_csv(
        pa.py_buffer(source) if isinstance(source, bytes) else source,
        read_options=pcsv.ReadOptions(use_threads=True),
        parse_options=pcsv.ParseOptions(delimiter=delimiter),
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(header, text), strings_can_be_null=False
        ),
    )
    lines = _csv_lines(source, table, delimiter, head_bytes)
    del source  # parsed: the encoding below needs the memory more
    if lines is None:
        return None
    return _table_columns(table, lines)


_JSONL_BLANK = re.compile(rb"(^|\n)[ \t\r]*(\n|$)")
#: A run of opening brackets deeper than rows.MAX_NESTING: one C-level scan of the file.
_DEEP_RUN = re.compile(rb"(?:[\[{][ \t]*){%d}" % (MAX_NESTING + 1))
_JSONL_NOT_OBJECT = re.compile(rb"(?:^|\n)[ \t\r]*[^{ \t\r\n]")


def _jsonl_columns(data: bytes, required: Sequence[str]) -> Columns | None:
    import pyarrow as pa
    import pyarrow.json as pjson

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    body = data.rstrip(b"\r\n")
    if not body or _JSONL_BLANK.search(body):
        return None  # blank lines: the row reader numbers them
    if _JSONL_NOT_OBJECT.search(body):
        # A line that is not an object: the row reader says where. Arrow must not see it:
        # pyarrow's JSON reader crashes the process (a segfault) on a first line "null".
        return None
    if _DEEP_RUN.search(body):
        return None  # nesting the row reader refuses (rows.too_deep), on every Python

    table = pjson.read_json(pa.py_buffer(body), read_options=pjson.ReadOptions(use_threads=True))
    rows = table.num_rows
    if rows != body.count(b"\n") + 1:
        return None
    for name in required:
        if name not in table.column_names:
            return None
        # Arrow makes a missing field null, like an explicit null: count the keys themselves.
        if (
            table.column(name).null_count
            and len(re.findall(rb'"' + re.escape(name.encode()) + rb'"\s*:', body)) != rows
        ):
            return None
    return _table_columns(table, np.arange(1, rows + 1, dtype=np.int64))


def read_parquet_columns(path: str | Path) -> Columns:
    """The columns of a Parquet file; the 1-based row number stands in for a line."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # ParquetFile.read, not read_table: read_table imports pandas (a quarter of a second).
        # Text columns are read as dictionaries, as the file stores them: a column of a
        # million unit ids is never a million strings in memory.
        schema = pq.read_schema(path)
        text = [
            f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
        ]
        table = pq.ParquetFile(path, read_dictionary=text).read()
    except FileNotFoundError:
        raise
    except MemoryError:
        raise too_big(path) from None
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise IntercoderError(f"{path}: not a readable Parquet file ({exc})") from None
    try:
        return _table_columns(table, np.arange(1, table.num_rows + 1, dtype=np.int64))
    except MemoryError:  # the codes and labels of a file that was just read
        raise too_big(path) from None


def map_labels(column: Column, transform: Callable[[Any], Any]) -> Column:
    """``transform`` applied once per distinct value; equal results merged."""
    return recode(column.codes, [transform(label) for label in column.labels])
