"""What the fuzz suite feeds, and the one property it checks.

Every reader of files that come from other people takes bytes: the annotation importers (long
CSV, JSONL and Parquet, wide CSV, Label Studio JSON), the REFI-QDA codebook importer (``.qdc``)
and the codebook loader (YAML). The property: the bytes give records (a codebook), or an
:class:`~intercoder.errors.IntercoderError` whose message names the file, so the command line
prints one located line. Any other exception is a finding; it propagates and fails the test.

Used by the Hypothesis tests beside this module (the default test run, a small fixed budget)
and by ``atheris_fuzz.py`` (coverage-guided, the ``fuzz`` tox environment).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from intercoder.codebook.refiqda import from_qdc
from intercoder.codebook.validate import parse_codebook
from intercoder.errors import IntercoderError
from intercoder.formats import read_annotation_files

#: The endings of the annotation importers, each fuzzed on its own.
ANNOTATION_SUFFIXES = (".csv", ".jsonl", ".parquet", ".wide.csv", ".json")


class NotLocated(AssertionError):
    """An IntercoderError whose message does not say which file it is about."""


def _located(exc: IntercoderError, name: str) -> None:
    if name not in str(exc):
        raise NotLocated(f"error does not name {name!r}: {exc}") from exc


#: When set, every input is first written to this file: a crash in native code (a segfault in
#: a parser) ends the process before Hypothesis can report the input.
LAST_INPUT = os.environ.get("INTERCODER_FUZZ_LAST_INPUT")


def _keep(data: bytes) -> None:
    if LAST_INPUT:
        Path(LAST_INPUT).write_bytes(data)


def read_annotations(directory: Path, suffix: str, data: bytes) -> int | None:
    """Read ``data`` as an annotation file with ``suffix``: the number of records, or None
    after a located error."""
    _keep(data)
    # wide CSV takes its variable from the file name: ``<variable>.wide.csv``
    stem = "relevant" if suffix == ".wide.csv" else "fuzzed"
    path = directory / f"{stem}{suffix}"
    path.write_bytes(data)
    try:
        return len(read_annotation_files([path]))
    except IntercoderError as exc:
        _located(exc, str(path))
        return None


def _parses(parse: Callable[[bytes, str], object], data: bytes, name: str) -> bool:
    _keep(data)
    try:
        parse(data, name)
    except IntercoderError as exc:
        _located(exc, name)
        return False
    return True


def load_codebook(data: bytes) -> bool:
    """Validate ``data`` as a codebook: True when it is one, False after a located error."""
    return _parses(parse_codebook, data, "fuzzed.yaml")


def import_qdc(data: bytes) -> bool:
    """Import ``data`` as a REFI-QDA codebook: True when it gives a codebook."""
    return _parses(from_qdc, data, "fuzzed.qdc")


def targets(directory: Path) -> dict[str, Callable[[bytes], object]]:
    """Every target by name, for the atheris harness."""
    found: dict[str, Callable[[bytes], object]] = {
        "codebook": load_codebook,
        "qdc": import_qdc,
    }
    for suffix in ANNOTATION_SUFFIXES:
        found[suffix.lstrip(".")] = lambda data, s=suffix: read_annotations(directory, s, data)
    return found


def budget(default: int) -> int:
    """Examples per test: ``INTERCODER_FUZZ_EXAMPLES`` (the ``fuzz`` tox env), else ``default``."""
    return int(os.environ.get("INTERCODER_FUZZ_EXAMPLES", default))
