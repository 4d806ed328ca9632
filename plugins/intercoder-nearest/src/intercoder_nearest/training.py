"""Examples from units people have coded: checked, given their texts, reduced to a majority."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from intercoder.errors import Diagnostic, Location, ProblemsError

from .examples import CHOICE_TYPES, Example, Value
from .settings import CODER_NAME, TASKS_ENV

if TYPE_CHECKING:
    from intercoder.annotations import AnnotationSet
    from intercoder.codebook.model import Codebook, Variable
    from intercoder.tasks import Task

PathArg: TypeAlias = "str | os.PathLike[str]"


class TrainingDataError(ProblemsError):
    """Training annotations that cannot be used; ``diagnostics`` lists every problem found."""


def _coder_name(coder_id: Any) -> str:
    return str(coder_id).partition("@")[0]


def _same_book(coded_under: Any, book_id: str) -> bool:
    return coded_under is None or str(coded_under).partition("@")[0] == book_id


def annotation_examples(
    annotations: AnnotationSet,
    codebook: Codebook,
    texts: Mapping[str, str] | None = None,
) -> list[Example]:
    """Training examples from units coded by people, one per unit and choice variable.

    * Records made under another codebook id are ignored (one training file may serve several
      codebooks), and so are the ``nearest`` coder's own records (it does not learn from itself).
    * The rest are checked against ``codebook`` (:func:`intercoder.annotations.check_annotations`);
      any problem raises :class:`TrainingDataError` with the file and line.
    * A unit's text is the ``text`` of any of its records, else ``texts[unit_id]``; a coded unit
      without a text is an error.
    * Several coders are reduced to their majority: a single choice or ordinal code chosen by
      more than half of the unit's coders (no majority: the unit is not used for that
      variable); for a multiple choice each code on its own is present when more than half
      chose it, absent when fewer than half did, and undecided (used neither way) on a tie.
    """
    import numpy as np

    from intercoder.annotations import check_annotations

    own = CODER_NAME
    keep = np.array(
        [
            _same_book(book, codebook.id) and _coder_name(coder) != own
            for book, coder in zip(annotations.codebook, annotations.coder_id, strict=True)
        ],
        dtype=bool,
    )
    checked = check_annotations(annotations.take(keep), codebook)
    if checked.problems:
        raise TrainingDataError(
            list(checked.problems),
            hint="fix these training records (or train on other files) and run again",
        )
    unit_texts: dict[str, str] = {}
    for unit, text in zip(annotations.unit_id, annotations.text, strict=True):
        if text is not None and str(text).strip() and unit not in unit_texts:
            unit_texts[unit] = str(text)
    choice = {var.id: var for var in codebook.variables if var.type in CHOICE_TYPES}
    votes: dict[tuple[str, str], dict[str, Value]] = {}
    where: dict[str, Location] = {}
    for record in checked.annotations:
        if record.variable not in choice or record.value is None:
            continue
        votes.setdefault((record.unit_id, record.variable), {})[record.coder_id] = record.value
        where.setdefault(record.unit_id, record.location)

    examples: list[Example] = []
    missing: dict[str, Diagnostic] = {}
    for (unit, variable), answers in votes.items():
        text = unit_texts.get(unit) or (texts or {}).get(unit)
        if text is None or not text.strip():
            if unit not in missing:
                missing[unit] = Diagnostic(
                    where[unit],
                    f"unit {unit!r} has no text: add a text column to the annotations "
                    f"or give the task file with its text ({TASKS_ENV})",
                )
            continue
        example = _consensus(choice[variable], answers, text, f"unit {unit} ({where[unit]})")
        if example is not None:
            examples.append(example)
    if missing:
        raise TrainingDataError(list(missing.values()), hint="the nearest coder learns from texts")
    return examples


def _consensus(
    var: Variable, answers: Mapping[str, Value], text: str, source: str
) -> Example | None:
    coders = len(answers)
    if var.type == "multiple_choice":
        counts = Counter(code for value in answers.values() for code in value)
        present = tuple(sorted(code for code, n in counts.items() if 2 * n > coders))
        undecided = tuple(sorted(code for code, n in counts.items() if 2 * n == coders))
        return Example(text, var.id, present, source=source, undecided=undecided)
    (value, n), *_ = Counter(answers.values()).most_common(1)
    if 2 * n <= coders:
        return None
    return Example(text, var.id, value, source=source)


def read_training(paths: Sequence[PathArg]) -> AnnotationSet:
    """The records of long-format annotation files (CSV or JSONL), read as one set."""
    from intercoder.annotations import read_many

    return read_many([Path(path) for path in paths])


def text_lookup(texts: Mapping[str, str] | Iterable[Task] | PathArg) -> dict[str, str]:
    """Unit id -> text, from a mapping, from tasks, or from a task file."""
    from intercoder.tasks import read_tasks

    if isinstance(texts, str | os.PathLike):
        return {task.unit_id: task.text for task in read_tasks(Path(texts))}
    if isinstance(texts, Mapping):
        return {str(unit): str(text) for unit, text in texts.items()}
    return {task.unit_id: task.text for task in texts}
