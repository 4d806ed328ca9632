"""Annotation file formats: the built-in importers and exporters, and how a file finds its format.

The built-in formats are plugins like any other (:data:`intercoder.plugins.DEFAULT_PLUGINS`):

* :mod:`.long` — long CSV and JSONL (the project's own format), both ways;
* :mod:`.tabular` — wide CSV (one column per coder) and Parquet;
* :mod:`.labelstudio` — Label Studio's JSON export;
* :mod:`.qdpx` — REFI-QDA projects, for MAXQDA, ATLAS.ti and NVivo.

The functions here are what the commands call, and what notebooks and plugins call too: they
choose an importer or exporter among *all* registered ones (third-party plugins included) by the
file's name, read several files into one :class:`~intercoder.annotations.AnnotationSet`, and check
the records against a codebook. They never import click.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IntercoderError

if TYPE_CHECKING:
    from ..annotations import AnnotationSet, CheckedAnnotations
    from ..codebook.model import Codebook
    from ..extensions import Exporter, Importer

__all__ = [
    "UnknownFormatError",
    "exporter_for",
    "importer_for",
    "read_annotation_files",
    "read_checked",
]


class UnknownFormatError(IntercoderError):
    """No registered importer or exporter claims a file's name."""


def importer_for(path: str | Path) -> Importer:
    """The registered importer that claims ``path``'s ending; the longest claim wins.

    ``x.wide.csv`` is read as wide CSV, not long CSV, because ``.wide.csv`` is longer than
    ``.csv``.
    """
    from ..plugins import get_host

    by_suffix = {ext: imp for imp in get_host().importers().values() for ext in imp.extensions}
    name = Path(path).name.lower()
    claimed = [ext for ext in by_suffix if name.endswith(ext) and len(name) > len(ext)]
    if not claimed:
        known = ", ".join(sorted(by_suffix))
        suffix = Path(path).suffix.lower()
        raise UnknownFormatError(
            f"{path}: no importer for {suffix or 'files without an extension'!r} (known: {known})"
        )
    return by_suffix[max(claimed, key=len)]


def exporter_for(path: str | Path) -> Exporter:
    """The registered exporter whose usual ending is ``path``'s suffix."""
    from ..plugins import get_host

    exporters = get_host().exporters().values()
    by_suffix = {exporter.extension: exporter for exporter in exporters if exporter.extension}
    exporter = by_suffix.get(Path(path).suffix.lower())
    if exporter is None:
        raise UnknownFormatError(
            f"cannot tell the format of {str(path)!r}; use one of {', '.join(sorted(by_suffix))}"
        )
    return exporter


def read_annotation_files(files: Sequence[str | Path]) -> AnnotationSet:
    """Read annotation files, each with the importer that claims it, into one set.

    A lone surrogate in any text (a JSON escape such as ``"\\udc80"`` gives one) is refused
    here, with the record's location, for every importer alike (third-party ones included):
    it is not Unicode text, and no output file, report or terminal could hold it.
    """
    from ..annotations import AnnotationSet

    annotations = AnnotationSet.concatenate([importer_for(file).read(Path(file)) for file in files])
    refuse_lone_surrogates(annotations)
    return annotations


#: The text columns of a record (the rest are numbers).
_TEXT_COLUMNS = ("unit_id", "coder_id", "variable", "value", "codebook", "text", "annotated_at")


def refuse_lone_surrogates(annotations: AnnotationSet) -> None:
    """Raise a located :class:`~intercoder.annotations.AnnotationError` at the first record
    whose text holds a lone surrogate (checked once per distinct value of each column)."""
    import numpy as np

    from ..annotations import AnnotationError
    from ..errors import Diagnostic
    from ..text import lone_surrogate, lone_surrogate_message

    for name in _TEXT_COLUMNS:
        column = annotations.coded(name)
        # One C-level look at all of a column's distinct values first: almost always they
        # are all clean, and a call per value would cost more than reading the file.
        try:
            if lone_surrogate("\n".join(column.labels)) is None:
                continue
        except TypeError:  # not all texts (a missing value, a list of codes): one by one
            pass
        for code, label in enumerate(column.labels):
            char = lone_surrogate(label)
            if char is None:
                continue
            rows = np.flatnonzero(column.codes == code)
            if not rows.size:
                continue
            raise AnnotationError(
                [
                    Diagnostic(
                        annotations.location(int(rows[0])),
                        f"{name}: {lone_surrogate_message(char)}",
                    )
                ]
            )


def read_checked(
    files: Sequence[str | Path], codebook: Codebook, *, skip_invalid: bool = False
) -> CheckedAnnotations:
    """Read ``files`` and keep the records that fit ``codebook``.

    Invalid records raise :class:`~intercoder.annotations.AnnotationError` listing every one
    (file and line), unless ``skip_invalid``: then they are left out and returned as
    ``problems`` for the caller to show as warnings.
    """
    from ..annotations import AnnotationError, check_annotations

    checked = check_annotations(read_annotation_files(files), codebook)
    if checked.problems and not skip_invalid:
        raise AnnotationError(
            list(checked.problems), hint="fix them or pass --skip-invalid to leave them out"
        )
    return checked
