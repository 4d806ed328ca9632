"""The partitions of a dataset: which files, and whether they agree with one another.

A partitioned dataset is a directory of annotation files, a glob, or a list of files (what a
shell makes of a glob). Every partition must have the same columns and be coded under the same
codebook; the first one that does not is named, with what it has and what the others have.
"""

from __future__ import annotations

import csv
import glob
import io
import json
from collections.abc import Sequence
from pathlib import Path

from ._connect import ClusterError

__all__ = ["PARTITION_SUFFIXES", "check_agreeing", "columns_of", "partition_files"]

#: The endings of the files a directory's partitions are taken from.
PARTITION_SUFFIXES = (".parquet", ".csv", ".jsonl", ".ndjson")


def partition_files(paths: Sequence[str | Path]) -> list[str]:
    """The partition files of ``paths``: files as they are, a directory's annotation files
    (sorted by name), and the matches of a glob pattern (sorted). None found is an error."""
    found: list[str] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(
                str(p)
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in PARTITION_SUFFIXES
            )
            if not inside:
                raise ClusterError(
                    f"{path}: no partition files ({', '.join(PARTITION_SUFFIXES)}) in the directory"
                )
            found += inside
        elif path.exists():
            found.append(str(path))
        elif glob.has_magic(str(given)):
            matches = sorted(glob.glob(str(given)))
            if not matches:
                raise ClusterError(f"{given}: no file matches the pattern")
            found += matches
        else:
            raise ClusterError(f"{given}: no such file or directory")
    return found


def columns_of(path: str | Path) -> tuple[str, ...]:
    """The column names of a partition (Parquet schema, CSV header, first JSONL record)."""
    from ..annotations import REQUIRED_COLUMNS
    from ..rows import read_settings, sniff_delimiter

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            return tuple(pq.read_schema(path).names)
        except Exception:  # the reader names what is wrong with the file
            return ()
    with path.open("rb") as handle:
        head = handle.read(1 << 16).decode("utf-8-sig", errors="replace")
    if suffix == ".csv":
        # --delimiter when given (in force on the worker too), else as the readers find it
        delimiter = read_settings().delimiter or sniff_delimiter(head, REQUIRED_COLUMNS)
        return tuple(next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), []))
    first = next((line for line in head.splitlines() if line.strip()), "")
    try:
        record = json.loads(first)
    except ValueError:
        return ()
    return tuple(record) if isinstance(record, dict) else ()


def _shown(names: Sequence[object]) -> str:
    return ", ".join(str(n) for n in names) or "none"


def check_agreeing(
    files: Sequence[str], columns: Sequence[tuple[str, ...]], codebooks: Sequence[set[str]]
) -> None:
    """Raise naming the first partition whose columns differ from those of the first partition
    of its format (Parquet keeps typed value columns that CSV has not), or whose codebook
    differs from the first partition's."""
    if not files:
        return
    first_of: dict[str, int] = {}
    for i, (path, names, books) in enumerate(zip(files, columns, codebooks, strict=True)):
        model = first_of.setdefault(Path(path).suffix.lower(), i)
        expected = set(columns[model])
        if names and expected and set(names) != expected:
            extra = sorted(set(names) - expected)
            lacking = sorted(expected - set(names))
            raise ClusterError(
                f"{path}: its columns differ from the other partitions' ({files[model]}): "
                f"has {_shown(extra)} that they lack, lacks {_shown(lacking)}"
            )
        if books != codebooks[0]:
            raise ClusterError(
                f"{path}: coded under {_shown(sorted(books))}, while {files[0]} is coded "
                f"under {_shown(sorted(codebooks[0]))}; all partitions must be coded "
                "under one codebook version (migrate them first)"
            )
