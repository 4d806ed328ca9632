"""Agreement over files bigger than memory, in this process: read in batches, counted by bucket.

The pipeline of :mod:`intercoder.cluster._agree`, run by :class:`LocalExecutor` one stage after
the other instead of by Dask:

1. each input file is cut into **batches** of whole records - a CSV or JSONL file at line ends
   that are record boundaries (a CSV batch gets the header line again), a Parquet file by rows -
   and each batch, written to a temporary directory, is read with the importer every command
   uses, as a file of its own: the same Arrow fast path and the same row reader behind it, so a
   bad record gets the same one-line message as in memory, its line moved to where it is in the
   whole file (:class:`~intercoder.cluster._agree.Place`). The records are split by the hash of
   their unit into buckets, and each bucket's piece is appended to the bucket's spill file;
2. then bucket by bucket: its pieces are checked against the codebook and counted, and only the
   counts stay in memory;
3. the counts are added up and alpha computed from them, exactly as for ``--dask``.

Memory is bounded by a batch and a bucket, not by the input: :func:`plan_batches` sizes both from
the limit (``--memory``; by default about half of the memory the system has available). The
temporary directory (``TMPDIR``) is removed afterwards, also on an error or Ctrl-C.

A file is read whole, as before, when cutting it could change what the readers see: a format
other than long CSV/JSONL, wide CSV and Parquet; an encoding whose line ends are not single bytes
(UTF-16); text that is not all in one encoding (the whole-file reader says where); a CSV file with
carriage returns that do not end lines, or whose header is quoted across lines.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import io
import math
import os
import re
import shutil
import struct
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IntercoderError
from ..rows import DELIMITED, PARQUET, SNIFF_BYTES, bom_encoding, looks_cp1251, read_settings
from ._agree import (
    CheckedPartitions,
    Place,
    _BucketCounts,
    _check_bucket,
    _Failure,
    _PartitionInfo,
    _read_partition,
    count_checked,
)

if TYPE_CHECKING:
    from ..codebook.model import Codebook
    from ..errors import Diagnostic
    from ..rows import ReadSettings

__all__ = [
    "BYTES_PER_RECORD",
    "BatchPlan",
    "LocalExecutor",
    "available_memory",
    "parse_size",
    "plan_batches",
    "read_batched",
]

#: Memory one record takes while it is read, checked and counted (measured with
#: benchmarks/datapath.py on long CSV: 10^7 records, 1.4 GB peak in memory, about 140 bytes a
#: record; a little more for safety).
BYTES_PER_RECORD = 160
#: The share of the limit a batch may take while it is read, and a bucket while it is checked.
SHARE = 0.5
#: Bytes read at a time while a text file is scanned for record boundaries.
_BLOCK = 1 << 22
_JSONL = (".jsonl", ".ndjson")


# --- how much memory, how many batches and buckets -------------------------------------------


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes of a size such as ``500M``, ``2G``, ``1.5GiB`` or ``800000`` (bytes); powers of
    1024. Anything else is a ValueError."""
    found = _SIZE.fullmatch(text)
    if found is None:
        raise ValueError(f"{text!r} is not a size (e.g. 500M, 4G)")
    number, unit = float(found.group(1)), found.group(2).lower()
    size = int(number * 1024 ** " kmgt".index(unit or " "))
    if size <= 0:
        raise ValueError(f"{text!r} is not a size above zero")
    return size


def available_memory() -> int | None:
    """The memory the system could give this process now, or None when nothing says: the
    lesser of the machine's (Linux's MemAvailable, else the free physical pages) and the room
    left under a container's limit (cgroup v2 or v1): a container on a big machine sees the
    machine's memory in /proc/meminfo. (``ulimit -v`` limits address space, not memory: Arrow
    reserves far more of it than it uses, so it says nothing about the records that fit.)"""
    rooms = [_system_room(), cgroup_room(Path("/sys/fs/cgroup"))]
    known = [room for room in rooms if room is not None]
    return min(known) if known else None


def _system_room() -> int | None:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    with contextlib.suppress(AttributeError, OSError, ValueError):
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return None


def cgroup_room(root: Path) -> int | None:
    """The memory left under the limit of this process's cgroup mounted at ``root`` (v2:
    ``memory.max`` less ``memory.current``; v1: ``memory/memory.limit_in_bytes`` less
    ``memory/memory.usage_in_bytes``), or None without a limit."""
    for limit, usage in (
        ("memory.max", "memory.current"),
        ("memory/memory.limit_in_bytes", "memory/memory.usage_in_bytes"),
    ):
        with contextlib.suppress(OSError, ValueError):
            text = (root / limit).read_text().strip()
            if text == "max" or int(text) >= 1 << 60:  # v1 writes "no limit" as a huge number
                return None
            return max(0, int(text) - int((root / usage).read_text()))
    return None


def default_limit() -> int | None:
    """The memory the records may take when ``--memory`` is not given: half of what is
    available (the rest is for the interpreter, Arrow's buffers and everything else running)."""
    available = available_memory()
    return None if available is None else int(available * SHARE)


def _records_of(path: Path) -> int:
    """About how many records ``path`` holds: a Parquet file says; a text file's size over the
    mean length of its first lines (times the coders of a wide sheet: a record per cell)."""
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix in PARQUET:
        with contextlib.suppress(Exception):
            import pyarrow.parquet as pq

            rows: int = pq.ParquetFile(path).metadata.num_rows
            return rows
        return size // 16
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    lines = head.count(b"\n")
    rows = max(lines, 1) if lines < 2 or size <= len(head) else math.ceil(size * lines / len(head))
    if suffix in DELIMITED:
        from ..formats.tabular import is_wide_header
        from ..rows import peek_header

        header = peek_header(path)
        if is_wide_header(header) or read_settings().layout == "wide":
            rows *= max(1, len(header) - 1)
    return rows


@dataclass(frozen=True)
class BatchPlan:
    """How records of some files are read within ``limit`` bytes of memory."""

    limit: int
    #: Records the files hold (an estimate, from their size).
    records: int
    #: Records read at a time.
    batch_records: int
    #: Buckets the units are spread over: each about a batch's worth of records.
    n_buckets: int

    @property
    def memory(self) -> int:
        """About the memory the records would take when read at once."""
        return self.records * BYTES_PER_RECORD

    @property
    def needed(self) -> bool:
        """Whether the records would take more than the limit when read at once."""
        return self.memory > self.limit


def plan_batches(files: Sequence[str | Path], limit: int) -> BatchPlan:
    """The batches and buckets that keep reading ``files`` within ``limit`` bytes."""
    records = 0
    for name in files:
        # A file that cannot be opened is left to the reader, which says so as it always has.
        with contextlib.suppress(OSError):
            records += _records_of(Path(name))
    batch = max(1, int(limit * SHARE) // BYTES_PER_RECORD)
    return BatchPlan(limit, records, batch, max(1, math.ceil(records / batch)))


# --- cutting a file into batches of whole records ---------------------------------------------


@dataclass(frozen=True)
class _Batch:
    """A file to read: an input as it is (``place`` None), or a batch of one written to a
    temporary file."""

    path: str
    place: Place | None = None


def _importer_cuts(path: Path) -> bool:
    """Whether ``path`` is read by a built-in importer whose files can be cut into batches
    (a third-party importer may read a file as a whole, so its files are never cut)."""
    from ..formats import importer_for
    from ..formats.long import LongCsv, LongJsonl
    from ..formats.tabular import Parquet, WideCsv

    try:
        importer = importer_for(path)
    except Exception:  # no importer: reading it whole says so
        return False
    return type(importer) in (LongCsv, LongJsonl, WideCsv, Parquet)


def _byte_lines(encoding: str) -> bool:
    """Whether text in ``encoding`` can be cut at the byte of a newline: a newline and a
    quote are those single bytes, and no other character's bytes contain them."""
    name = codecs.lookup(encoding).name
    if name.startswith(("utf-16", "utf-32", "utf-7")):
        return False
    try:
        return '\n\r"'.encode(name) == b'\n\r"'
    except UnicodeError:
        return False


@dataclass
class _Scan:
    """What one pass over a text file's bytes found."""

    encoding: str
    #: Bytes of the header line (CSV), end of line included.
    header: bytes
    #: Byte offsets (after a newline) where batches may begin, in order.
    cuts: list[int]
    #: The line each cut begins, 1-based.
    lines: list[int]
    quotes: bool
    size: int


def _scan_text(path: Path, batch_bytes: int, has_header: bool) -> _Scan | None:
    """Candidate cuts of a text file every ``batch_bytes`` or so, at line ends, and the encoding
    the whole file is in, decided as :func:`intercoder.rows.decode` decides it; None when the
    file must be read whole (see the module docstring)."""
    settings = read_settings()
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    encoding = settings.encoding
    if encoding is None:
        found = bom_encoding(head)
        if found is not None and codecs.lookup(found).name != "utf-8":
            return None
    if encoding is not None and not _byte_lines(encoding):
        return None
    decoder = codecs.getincrementaldecoder(encoding or "utf-8")()
    cp1251 = False
    header = b""
    if has_header:
        end = head.find(b"\n")
        if end < 0:
            return None
        header = head[: end + 1]
        if header.count(b'"') % 2:
            return None  # a quoted header name holds a line end: read the file whole
    cuts: list[int] = []
    lines: list[int] = []
    newlines = cr = crlf = 0
    quotes = False
    offset = 0
    tail = b""
    next_cut = len(header) + batch_bytes
    with path.open("rb") as handle:
        while True:
            block = handle.read(_BLOCK)
            final = not block
            if cp1251:
                if b"\x98" in block:  # no character in cp1251: decode() gives up, so do we
                    return None
            else:
                pending = decoder.getstate()[0]
                try:
                    decoder.decode(block, final)
                except UnicodeDecodeError as exc:
                    if encoding is not None:
                        return None  # the whole-file reader names the byte
                    start = offset - len(pending) + exc.start
                    with path.open("rb") as again:
                        again.seek(start)
                        there = again.read(SNIFF_BYTES)
                    if not (looks_cp1251(head) and looks_cp1251(there)):
                        return None
                    cp1251 = True
                    if b"\x98" in block:
                        return None
            if final:
                break
            # Quotes in the header alone (a writer that quotes every name) do not matter.
            quotes = quotes or b'"' in (block[len(header) :] if offset == 0 else block)
            if b"\r" in block or tail.endswith(b"\r"):
                cr += block.count(b"\r")
                crlf += block.count(b"\r\n") + (tail.endswith(b"\r") and block.startswith(b"\n"))
            while next_cut < offset + len(block):
                at = block.find(b"\n", max(0, next_cut - offset))
                if at < 0:
                    break
                cuts.append(offset + at + 1)
                lines.append(newlines + block.count(b"\n", 0, at + 1) + 1)
                next_cut = offset + at + 1 + batch_bytes
            newlines += block.count(b"\n")
            offset += len(block)
            tail = block[-1:]
    if cr != crlf:
        return None  # a carriage return that is not a line end: csv counts lines otherwise
    found_encoding = "cp1251" if cp1251 else (encoding or "utf-8")
    cuts = [c for c in cuts if c < offset]
    lines = lines[: len(cuts)]
    return _Scan(found_encoding, header, cuts, lines, quotes, offset)


def _record_cuts(path: Path, scan: _Scan, every: int) -> tuple[list[int], list[int]] | None:
    """Cuts at record boundaries of a CSV file with quotes (a quoted cell may hold line
    ends): the file parsed by :mod:`csv`, as the row reader parses it, every ``every``
    records; the byte offset of each boundary found by counting newlines. None when the file
    is malformed (the whole-file reader says where)."""
    from ..annotations import REQUIRED_COLUMNS
    from ..rows import sniff_delimiter

    delimiter = read_settings().delimiter or sniff_delimiter(
        scan.header.decode(scan.encoding, errors="replace"), REQUIRED_COLUMNS
    )
    boundaries: list[int] = []  # the physical line each batch ends on
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=scan.encoding, newline="")
        reader = csv.reader(text, delimiter=delimiter)
        try:
            next(reader, None)
            if reader.line_num != 1:
                return None
            count = 0
            for _ in reader:
                count += 1
                if count == every:
                    boundaries.append(reader.line_num)
                    count = 0
        except (csv.Error, UnicodeError):
            return None
    import numpy as np

    cuts, lines = [], []
    wanted = iter(boundaries)
    target = next(wanted, None)
    newlines = offset = 0
    with path.open("rb") as handle:
        while target is not None and (block := handle.read(_BLOCK)):
            ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 0x0A)
            while target is not None and target <= newlines + ends.size:
                cuts.append(offset + int(ends[target - newlines - 1]) + 1)
                lines.append(target + 1)
                target = next(wanted, None)
            newlines += ends.size
            offset += len(block)
    keep = [i for i, c in enumerate(cuts) if c < scan.size]
    return [cuts[i] for i in keep], [lines[i] for i in keep]


def _text_batches(path: Path, records: int, directory: Path) -> tuple[str, Iterator[_Batch]] | None:
    """The batches of a CSV or JSONL file of about ``records`` records each, and the encoding
    to read them in; None when the file is read whole."""
    suffix = path.suffix.lower()
    has_header = suffix in DELIMITED
    size = path.stat().st_size
    estimate = max(1, _records_of(path))
    batch_bytes = max(1, int(size / estimate * records))
    if size <= batch_bytes:
        return None
    scan = _scan_text(path, batch_bytes, has_header)
    if scan is None:
        return None
    cuts, lines = scan.cuts, scan.lines
    if has_header and scan.quotes:
        found = _record_cuts(path, scan, records)
        if found is None:
            return None
        cuts, lines = found
    if not cuts:
        return None
    starts = [len(scan.header), *cuts]
    first_lines = [2 if has_header else 1, *lines]
    ends = [*cuts, scan.size]

    def batches() -> Iterator[_Batch]:
        with path.open("rb") as source:
            source.seek(starts[0])
            for i, (start, end, line) in enumerate(zip(starts, ends, first_lines, strict=True)):
                target = directory / str(i) / path.name
                target.parent.mkdir()
                with target.open("wb") as out:
                    out.write(scan.header)
                    remaining = end - start
                    while remaining:
                        chunk = source.read(min(remaining, _BLOCK))
                        out.write(chunk)
                        remaining -= len(chunk)
                header_lines = 1 if has_header else 0
                shift = line - 1 - header_lines
                yield _Batch(str(target), Place(str(path), shift, str(target), header_lines))
                shutil.rmtree(target.parent)

    return scan.encoding, batches()


def _parquet_batches(path: Path, records: int, directory: Path) -> Iterator[_Batch] | None:
    """The batches of a Parquet file, ``records`` rows each; None when it is read whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        if parquet.metadata.num_rows <= records:
            return None
    except Exception:  # the whole-file reader says what is wrong with it
        return None

    def batches() -> Iterator[_Batch]:
        before = 0
        for i, batch in enumerate(parquet.iter_batches(batch_size=records)):
            target = directory / str(i) / path.name
            target.parent.mkdir()
            pq.write_table(pa.Table.from_batches([batch], schema=parquet.schema_arrow), target)
            yield _Batch(str(target), Place(str(path), before, str(target), 0))
            before += batch.num_rows
            shutil.rmtree(target.parent)

    return batches()


# --- the sequential executor -------------------------------------------------------------------


_FRAME = struct.Struct("<Q")


class LocalExecutor:
    """The stages in this process, one after the other: batches read in file order, their
    pieces appended to one spill file per bucket under ``directory``, then each bucket read
    back, checked and counted."""

    mode = "--memory"

    def __init__(
        self, files: Sequence[str], settings: ReadSettings, directory: Path, batch_records: int
    ) -> None:
        self.files = list(files)
        self.settings = settings
        self.directory = directory
        self.batch_records = batch_records

    def _bucket(self, j: int) -> Path:
        return self.directory / f"bucket-{j}.bin"

    def _batches(self, path: Path, where: Path) -> tuple[ReadSettings, Iterator[_Batch]]:
        """How to read ``path``: as it is, or in batches (each in a directory under ``where``)."""
        if _importer_cuts(path):
            if path.suffix.lower() in PARQUET:
                batches = _parquet_batches(path, self.batch_records, where)
                if batches is not None:
                    return self.settings, batches
            else:
                found = _text_batches(path, self.batch_records, where)
                if found is not None:
                    encoding, batches = found
                    return replace(self.settings, encoding=encoding), batches
        return self.settings, iter([_Batch(str(path))])

    def read(self, n_buckets: int) -> list[_PartitionInfo]:
        try:
            return self._read(n_buckets)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            raise IntercoderError(
                f"{self.directory}: no space left for the batches ({exc.strerror}); point TMPDIR "
                "at a disk with room for about a tenth of the input's size"
            ) from None

    def _read(self, n_buckets: int) -> list[_PartitionInfo]:
        infos: list[_PartitionInfo] = []
        for k, name in enumerate(self.files):
            path = Path(name)
            where = self.directory / f"file-{k}"
            where.mkdir()
            settings, batches = self._batches(path, where)
            failure: _Failure | None = None
            for batch in batches:
                info, pieces = _read_partition(batch.path, n_buckets, settings, batch.place)
                if info.failure is not None:
                    failure = _joined(failure, info.failure)
                    if not _goes_on(path, info.failure):
                        break
                    continue
                if failure is None:
                    infos.append(info)
                    self._spill(pieces)
            if failure is not None:
                infos.append(_PartitionInfo(str(path), (), set(), 0, failure))
                return infos
        return infos

    def _spill(self, pieces: list[bytes | None]) -> None:
        for j, piece in enumerate(pieces):
            if piece is not None:
                with self._bucket(j).open("ab") as out:
                    out.write(_FRAME.pack(len(piece)))
                    out.write(piece)

    def check(
        self, codebook: Codebook, n_buckets: int, accept_labels: bool
    ) -> Iterator[tuple[_BucketCounts, list[Diagnostic]]]:
        for j in range(n_buckets):
            path = self._bucket(j)
            pieces: list[bytes | None] = []
            if path.exists():
                with path.open("rb") as spilled:
                    while frame := spilled.read(_FRAME.size):
                        pieces.append(spilled.read(_FRAME.unpack(frame)[0]))
                path.unlink()
            yield _check_bucket(codebook, accept_labels, *pieces)


def _goes_on(path: Path, failure: _Failure) -> bool:
    """Whether reading ``path`` goes on after a batch failed: the Parquet reader lists every
    bad row of a file, each with its row (the row readers stop at the first)."""
    located = failure.diagnostics is not None and all(d.location.line for d in failure.diagnostics)
    return path.suffix.lower() in PARQUET and located


def _joined(first: _Failure | None, more: _Failure) -> _Failure:
    if first is None:
        return more
    assert first.diagnostics is not None
    assert more.diagnostics is not None
    return _Failure(first.message, first.diagnostics + more.diagnostics, first.hint)


def read_batched(
    paths: Sequence[str | Path],
    codebook: Codebook,
    *,
    limit: int,
    skip_invalid: bool = False,
    plan: BatchPlan | None = None,
) -> CheckedPartitions:
    """Read ``paths`` in batches within about ``limit`` bytes of memory, check their records
    against ``codebook`` and count them (see the module docstring): the same report, the same
    located problems as :func:`intercoder.formats.read_checked` and
    :func:`intercoder.reliability.assess` in memory. The reader settings in force
    (:func:`intercoder.rows.reading`) apply; the pieces wait in a temporary directory."""
    from ._partitions import partition_files

    files = partition_files(paths)
    plan = plan or plan_batches(files, limit)
    settings = read_settings()
    with tempfile.TemporaryDirectory(prefix="intercoder-batches-") as spill:
        executor = LocalExecutor(files, settings, Path(spill), plan.batch_records)
        return count_checked(
            executor,
            codebook,
            plan.n_buckets,
            skip_invalid=skip_invalid,
            accept_labels=settings.accept_labels,
        )
