"""The ``nearest`` coder: codes a text like the most similar labelled example, or abstains.

What it learns from, per choice variable (single choice, multiple choice, ordinal scale):

* the codebook's constructed examples, in every language: each example of a category is labelled
  with that category's code (retired categories are left out);
* optionally, units already coded by people: an :class:`~intercoder.annotations.AnnotationSet`
  (or long-format annotation files) whose texts come from a ``text`` column or from task texts.
  Several coders of one unit are reduced to their majority answer (see
  :func:`annotation_examples`).

How it decides: every text is folded (:func:`intercoder.text.fold_key`: casefolded, Cyrillic
mapped to one Latin-based key, so Uzbek written in Latin or Cyrillic script gives the same
features) and turned into TF-IDF weights of character n-grams within words (scikit-learn
``CountVectorizer(analyzer="char_wb")`` followed by ``TfidfTransformer(sublinear_tf=True)``,
which is exactly ``TfidfVectorizer`` split in two, so that :meth:`NearestModel.leave_one_out` can
refit the weights without re-reading every text). Similarity is the cosine of those vectors.

Every code is a binary decision: the code applies when the nearest example *with* the code is at
least ``threshold`` similar to the text and closer, by more than ``margin``, than the nearest
example *without* it. For a single choice or an ordinal scale this picks the code of the nearest
example when it is near enough and clearly nearer than every other code's examples; for a
multiple choice every code that wins its own decision is listed. When no code wins, the coder
writes nothing for that variable (it abstains: a nearest-neighbour coder that finds nothing
close has no evidence either way). A variable with ``show_if`` is coded only when the coder's own
answer to the screening variable shows it, so an abstention on the screening variable silences
its detail variables too.

Nothing is downloaded: the model is fitted on the codebook (and the training annotations) the
first time a codebook is coded, in well under a second for a bundled codebook.

Configuration for the command line (``intercoder code INPUT --coder nearest --codebook REF -o
OUT``), read when a codebook is first coded; constructor arguments win over them:

``INTERCODER_NEAREST_TRAINING``
    Long-format annotation files (CSV or JSONL; several separated by ``os.pathsep``) with coded
    units to learn from besides the codebook's examples.
``INTERCODER_NEAREST_TASKS``
    Task files (CSV or JSONL, ``unit_id, text``) giving the texts of training units whose
    annotation records have no ``text`` column.
``INTERCODER_NEAREST_THRESHOLD`` / ``INTERCODER_NEAREST_MARGIN``
    The minimum similarity (default 0.15) and the margin (default 0.02).
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from intercoder.errors import Diagnostic, IntercoderError, Location, ProblemsError
from intercoder.extensions import Coder
from intercoder.hookspecs import hookimpl

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from intercoder.annotations import Annotation, AnnotationSet
    from intercoder.codebook.model import Codebook, Variable
    from intercoder.tasks import Task

__version__ = "0.1.0"

__all__ = [
    "CHOICE_TYPES",
    "DEFAULT_MARGIN",
    "DEFAULT_NGRAM_RANGE",
    "DEFAULT_THRESHOLD",
    "Example",
    "NearestCoder",
    "NearestModel",
    "Outcome",
    "Score",
    "TrainingDataError",
    "__version__",
    "annotation_examples",
    "codebook_examples",
    "score",
]

#: Variable types the coder codes; the others (spans, number, text) are left to people.
CHOICE_TYPES = ("single_choice", "multiple_choice", "ordinal_scale")
#: Minimum cosine similarity between a text and the nearest example with a code.
DEFAULT_THRESHOLD = 0.15
#: How much closer the nearest example with a code must be than the nearest one without it.
DEFAULT_MARGIN = 0.02
#: Character n-gram lengths (inside words, padded with a space at each end).
DEFAULT_NGRAM_RANGE = (3, 5)

TRAINING_ENV = "INTERCODER_NEAREST_TRAINING"
TASKS_ENV = "INTERCODER_NEAREST_TASKS"
THRESHOLD_ENV = "INTERCODER_NEAREST_THRESHOLD"
MARGIN_ENV = "INTERCODER_NEAREST_MARGIN"

#: A code (single choice, ordinal scale) or the sorted codes present (multiple choice).
Value: TypeAlias = "str | tuple[str, ...]"
PathArg: TypeAlias = "str | os.PathLike[str]"

# Similarities of one batch are a dense (texts x examples) array; keep it under ~16 MB.
_MAX_BATCH_CELLS = 2_000_000
_MAX_BATCH = 256


class TrainingDataError(ProblemsError):
    """Training annotations that cannot be used; ``diagnostics`` lists every problem found."""


@dataclass(frozen=True)
class Example:
    """A text labelled for one variable.

    ``value`` is a code, or for a multiple choice the sorted codes present (every other code of
    the variable is absent, except those in ``undecided``: coders split evenly on them).
    ``lang`` is the codebook language of a constructed example; ``source`` says where the
    example came from (for reports).
    """

    text: str
    variable: str
    value: Value
    lang: str | None = None
    source: str = ""
    undecided: tuple[str, ...] = ()

    def has(self, code: str) -> bool:
        return code in self.value if isinstance(self.value, tuple) else code == self.value

    def lacks(self, code: str) -> bool:
        if isinstance(self.value, tuple):
            return code not in self.value and code not in self.undecided
        return code != self.value


# --- training data ----------------------------------------------------------------------------


def codebook_examples(codebook: Codebook) -> list[Example]:
    """The constructed examples of every choice variable, in every language of the codebook."""
    examples = []
    for var in codebook.variables:
        if var.type not in CHOICE_TYPES:
            continue
        for category, _depth in var.walk():
            if category.retired:
                continue
            value: Value = (category.code,) if var.type == "multiple_choice" else category.code
            for lang, texts in category.examples.items():
                for number, text in enumerate(texts, 1):
                    if text.strip():
                        examples.append(
                            Example(
                                text,
                                var.id,
                                value,
                                lang=lang,
                                source=f"{codebook.ref} {var.id}={category.code} {lang} #{number}",
                            )
                        )
    return examples


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

    own = NearestCoder.name
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


def _read_training(paths: Sequence[PathArg]) -> AnnotationSet:
    from intercoder.annotations import read_many

    return read_many([Path(path) for path in paths])


def _text_lookup(texts: Mapping[str, str] | Iterable[Task] | PathArg) -> dict[str, str]:
    from intercoder.tasks import read_tasks

    if isinstance(texts, str | os.PathLike):
        return {task.unit_id: task.text for task in read_tasks(Path(texts))}
    if isinstance(texts, Mapping):
        return {str(unit): str(text) for unit, text in texts.items()}
    return {task.unit_id: task.text for task in texts}


# --- the model --------------------------------------------------------------------------------


def _sklearn_text() -> Any:
    """``sklearn.feature_extraction.text``, imported on first use (it takes a while to load)."""
    import sklearn.feature_extraction.text as text  # type: ignore[import-untyped]

    return text


class _Weights:
    """TF-IDF weights fitted on some rows of a count matrix, as if only those texts existed.

    The vocabulary is the n-grams that occur in those rows; the query texts' other n-grams are
    dropped, exactly as ``TfidfVectorizer`` fitted on those texts alone would do.
    """

    def __init__(self, counts: Any, rows: npt.NDArray[np.intp]) -> None:
        import numpy as np

        subset = counts[rows]
        self.columns = np.unique(subset.indices)
        self.tfidf = (
            _sklearn_text().TfidfTransformer(sublinear_tf=True).fit(subset[:, self.columns])
        )
        self.matrix = self.tfidf.transform(subset[:, self.columns])

    def vectors(self, counts: Any) -> Any:
        """L2-normalised TF-IDF rows for ``counts`` (n-gram counts over the full vocabulary)."""
        return self.tfidf.transform(counts[:, self.columns])


@dataclass(frozen=True)
class _Decision:
    """The binary decisions of one variable over its examples (positions in the weight rows)."""

    variable: Variable
    rows: npt.NDArray[np.intp]
    codes: tuple[str, ...]
    positive: npt.NDArray[np.bool_]  # (rows, codes): the example has the code
    negative: npt.NDArray[np.bool_]  # (rows, codes): the example lacks it

    @classmethod
    def build(cls, var: Variable, items: Sequence[tuple[int, Example]]) -> _Decision | None:
        """None when no code has examples both with and without it (nothing to tell apart)."""
        import numpy as np

        if not items:
            return None
        codes = var.codes
        positive = np.array([[ex.has(c) for c in codes] for _, ex in items], dtype=bool)
        negative = np.array([[ex.lacks(c) for c in codes] for _, ex in items], dtype=bool)
        decidable = positive.any(axis=0) & negative.any(axis=0)
        if not decidable.any():
            return None
        return cls(
            var,
            np.array([row for row, _ in items], dtype=np.intp),
            tuple(codes[int(i)] for i in np.flatnonzero(decidable)),
            positive[:, decidable],
            negative[:, decidable],
        )

    def decide(
        self, similarity: npt.NDArray[np.float64], threshold: float, margin: float
    ) -> list[Value | None]:
        """One answer per row of ``similarity`` (texts x this decision's rows); None abstains."""
        import numpy as np

        nearest_with = np.stack(
            [
                np.where(self.positive[:, c], similarity, -1.0).max(axis=1)
                for c in range(len(self.codes))
            ],
            axis=1,
        )
        nearest_without = np.stack(
            [
                np.where(self.negative[:, c], similarity, -1.0).max(axis=1)
                for c in range(len(self.codes))
            ],
            axis=1,
        )
        wins = (nearest_with >= threshold) & (nearest_with - nearest_without > margin)
        answers: list[Value | None] = []
        for row in wins:
            codes = [code for code, won in zip(self.codes, row, strict=True) if won]
            if self.variable.type == "multiple_choice":
                answers.append(tuple(sorted(codes)) if codes else None)
            else:
                answers.append(codes[0] if len(codes) == 1 else None)
        return answers


@dataclass(frozen=True)
class Outcome:
    """A leave-one-out trial: the held-out example and what the model said about it."""

    example: Example
    predicted: Value | None

    @property
    def answered(self) -> bool:
        return self.predicted is not None

    @property
    def correct(self) -> bool:
        return self.predicted == self.example.value


@dataclass(frozen=True)
class Score:
    """Leave-one-out results of one variable (``variable == "*"``: all variables together).

    ``accuracy`` counts abstentions as errors; ``precision`` is the accuracy of the answers
    given; ``majority_rate`` is what always answering the most frequent value would score.
    """

    variable: str
    n: int
    answered: int
    correct: int
    majority: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.n if self.n else math.nan

    @property
    def coverage(self) -> float:
        return self.answered / self.n if self.n else math.nan

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else math.nan

    @property
    def majority_rate(self) -> float:
        return self.majority / self.n if self.n else math.nan

    def __str__(self) -> str:
        return (
            f"{self.variable}: accuracy {self.accuracy:.3f} ({self.correct}/{self.n}), "
            f"coverage {self.coverage:.3f}, precision {self.precision:.3f}, "
            f"majority baseline {self.majority_rate:.3f}"
        )


def score(outcomes: Iterable[Outcome]) -> list[Score]:
    """Per-variable scores of leave-one-out ``outcomes``, then the total (variable ``"*"``)."""
    by_variable: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_variable.setdefault(outcome.example.variable, []).append(outcome)
    scores = []
    for variable, trials in by_variable.items():
        values = Counter(trial.example.value for trial in trials)
        scores.append(
            Score(
                variable,
                len(trials),
                sum(trial.answered for trial in trials),
                sum(trial.correct for trial in trials),
                values.most_common(1)[0][1],
            )
        )
    scores.append(
        Score(
            "*",
            sum(s.n for s in scores),
            sum(s.answered for s in scores),
            sum(s.correct for s in scores),
            sum(s.majority for s in scores),
        )
    )
    return scores


class NearestModel:
    """Nearest-example decisions for the choice variables of one codebook.

    ``examples`` are usually :func:`codebook_examples` plus :func:`annotation_examples`; any
    list works (leave some out to evaluate on them). Examples of variables the codebook does not
    have, or that are not choice variables, are ignored.
    """

    def __init__(
        self,
        codebook: Codebook,
        examples: Sequence[Example],
        *,
        threshold: float = DEFAULT_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        ngram_range: tuple[int, int] = DEFAULT_NGRAM_RANGE,
    ) -> None:
        import numpy as np

        from intercoder.text import fold_key

        _check_parameters(threshold, margin)
        choice = {var.id for var in codebook.variables if var.type in CHOICE_TYPES}
        self.codebook = codebook
        self.examples = tuple(ex for ex in examples if ex.variable in choice)
        self.threshold = threshold
        self.margin = margin
        self.ngram_range = ngram_range
        # Text is folded first (casefolded, one key for both scripts), so no lowercasing here.
        self._counter = _sklearn_text().CountVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, lowercase=False
        )
        self._counts: Any = None
        self._weights: _Weights | None = None
        self._decisions: dict[str, _Decision] = {}
        if not self.examples:
            return
        try:
            self._counts = self._counter.fit_transform([fold_key(ex.text) for ex in self.examples])
        except ValueError:  # no n-gram at all (texts of punctuation only)
            return
        everything = np.arange(len(self.examples), dtype=np.intp)
        self._weights = _Weights(self._counts, everything)
        self._decisions = self._build_decisions(everything)

    def _build_decisions(self, rows: npt.NDArray[np.intp]) -> dict[str, _Decision]:
        items: dict[str, list[tuple[int, Example]]] = {}
        for position, row in enumerate(rows):
            example = self.examples[row]
            items.setdefault(example.variable, []).append((position, example))
        decisions = {}
        for var in self.codebook.variables:
            decision = _Decision.build(var, items.get(var.id, []))
            if decision is not None:
                decisions[var.id] = decision
        return decisions

    @property
    def variables(self) -> list[str]:
        """The variables this model can code (in codebook order)."""
        return list(self._decisions)

    @property
    def batch_size(self) -> int:
        return max(1, min(_MAX_BATCH, _MAX_BATCH_CELLS // max(1, len(self.examples))))

    def vectors(self, texts: Sequence[str]) -> Any:
        """The L2-normalised TF-IDF rows (a scipy sparse matrix) of ``texts``."""
        from intercoder.text import fold_key

        if self._weights is None:
            raise ValueError("the model has no features: it was given no usable example")
        return self._weights.vectors(self._counter.transform([fold_key(t) for t in texts]))

    def predict(self, texts: Sequence[str], *, show_if: bool = True) -> list[dict[str, Value]]:
        """The answers for each text: variable -> code (or codes); abstentions are left out.

        With ``show_if`` (the default) a variable is answered only when this model's answer to
        its screening variable shows it, as a human coder would see it.
        """
        if not texts:
            return []
        if not self._decisions or self._weights is None:
            return [{} for _ in texts]
        similarity = (self.vectors(texts) @ self._weights.matrix.T).toarray()
        raw = {
            var: decision.decide(similarity[:, decision.rows], self.threshold, self.margin)
            for var, decision in self._decisions.items()
        }
        results: list[dict[str, Value]] = []
        for i in range(len(texts)):
            answers: dict[str, Value] = {}
            for var in self.codebook.variables:
                if var.id not in raw:
                    continue
                value = raw[var.id][i]
                if value is not None and (not show_if or _shown(var, answers)):
                    answers[var.id] = value
            results.append(answers)
        return results

    def leave_one_out(
        self, *, related: Callable[[Example, Example], bool] | None = None
    ) -> list[Outcome]:
        """Hold out each example in turn, refit without it, and predict it (no ``show_if``).

        Exact: vocabulary and TF-IDF weights are refitted on the remaining examples, as a new
        :class:`NearestModel` on them would be. ``related(held_out, other)`` may name further
        examples to leave out with it (a transliteration of it, say).
        """
        import numpy as np

        if self._counts is None:
            return [Outcome(example, None) for example in self.examples]
        outcomes = []
        for i, held_out in enumerate(self.examples):
            rows = np.array(
                [
                    j
                    for j, other in enumerate(self.examples)
                    if j != i and not (related is not None and related(held_out, other))
                ],
                dtype=np.intp,
            )
            own = [
                (position, self.examples[row])
                for position, row in enumerate(rows)
                if self.examples[row].variable == held_out.variable
            ]
            decision = _Decision.build(self.codebook.variable(held_out.variable), own)
            predicted: Value | None = None
            if decision is not None:
                weights = _Weights(self._counts, rows)
                similarity = (weights.vectors(self._counts[[i]]) @ weights.matrix.T).toarray()
                predicted = decision.decide(
                    similarity[:, decision.rows], self.threshold, self.margin
                )[0]
            outcomes.append(Outcome(held_out, predicted))
        return outcomes


def _shown(var: Variable, answers: Mapping[str, Value]) -> bool:
    if var.show_if is None:
        return True
    screening = answers.get(var.show_if.variable)
    if screening is None:
        return False
    chosen = screening if isinstance(screening, tuple) else (screening,)
    return any(code in var.show_if.codes for code in chosen)


def _check_parameters(threshold: float, margin: float) -> None:
    if not 0.0 <= threshold <= 1.0:
        raise IntercoderError(f"nearest coder: threshold {threshold!r} is not between 0 and 1")
    if not 0.0 <= margin <= 1.0:
        raise IntercoderError(f"nearest coder: margin {margin!r} is not between 0 and 1")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise IntercoderError(f"{name}={raw!r} is not a number") from None


def _env_paths(name: str) -> list[str]:
    return [part for part in os.environ.get(name, "").split(os.pathsep) if part.strip()]


# --- the coder --------------------------------------------------------------------------------


class NearestCoder(Coder):
    """Codes each text like its most similar labelled example; abstains when none is close.

    ``training``: already-coded units to learn from besides the codebook's examples: an
    AnnotationSet, or one or more long-format annotation files (CSV/JSONL). ``texts``: texts of
    training units whose records carry no ``text``: a mapping unit id -> text, tasks, or a task
    file. Unset arguments fall back to the ``INTERCODER_NEAREST_*`` environment variables (see
    the module documentation), read when a codebook is first coded.
    """

    name = "nearest"
    version = __version__
    description = (
        "most similar constructed example of the codebook (character n-grams over folded "
        "text); abstains when none is close"
    )

    def __init__(
        self,
        training: AnnotationSet | PathArg | Sequence[PathArg] | None = None,
        texts: Mapping[str, str] | Iterable[Task] | PathArg | None = None,
        *,
        threshold: float | None = None,
        margin: float | None = None,
        ngram_range: tuple[int, int] = DEFAULT_NGRAM_RANGE,
    ) -> None:
        if threshold is not None or margin is not None:
            _check_parameters(
                DEFAULT_THRESHOLD if threshold is None else threshold,
                DEFAULT_MARGIN if margin is None else margin,
            )
        self._training = training
        self._texts = texts
        self._threshold = threshold
        self._margin = margin
        self.ngram_range = ngram_range
        self._models: dict[str, NearestModel] = {}

    def _training_annotations(self) -> AnnotationSet | None:
        from intercoder.annotations import AnnotationSet

        training = self._training
        if isinstance(training, AnnotationSet):
            return training
        if training is None:
            paths: list[PathArg] = list(_env_paths(TRAINING_ENV))
        elif isinstance(training, str | os.PathLike):
            paths = [training]
        else:
            paths = list(training)
        return _read_training(paths) if paths else None

    def _training_texts(self) -> dict[str, str]:
        if self._texts is not None:
            return _text_lookup(self._texts)
        found: dict[str, str] = {}
        for path in _env_paths(TASKS_ENV):
            found.update(_text_lookup(path))
        return found

    def examples(self, codebook: Codebook) -> list[Example]:
        """Everything the coder learns from for ``codebook``."""
        examples = codebook_examples(codebook)
        annotations = self._training_annotations()
        if annotations is not None and len(annotations):
            examples.extend(annotation_examples(annotations, codebook, self._training_texts()))
        return examples

    def model(self, codebook: Codebook) -> NearestModel:
        """The fitted model for ``codebook`` (fitted on first use, then kept)."""
        if codebook.ref not in self._models:
            threshold = self._threshold
            if threshold is None:
                threshold = _env_float(THRESHOLD_ENV, DEFAULT_THRESHOLD)
            margin = (
                self._margin if self._margin is not None else _env_float(MARGIN_ENV, DEFAULT_MARGIN)
            )
            self._models[codebook.ref] = NearestModel(
                codebook,
                self.examples(codebook),
                threshold=threshold,
                margin=margin,
                ngram_range=self.ngram_range,
            )
        return self._models[codebook.ref]

    def code(self, tasks: Iterable[Task], codebook: Codebook) -> Iterator[Annotation]:
        from intercoder.annotations import Annotation

        model = self.model(codebook)
        iterator = iter(tasks)
        while batch := list(islice(iterator, model.batch_size)):
            for task, answers in zip(batch, model.predict([t.text for t in batch]), strict=True):
                for variable, value in answers.items():
                    yield Annotation(
                        task.unit_id,
                        self.coder_id,
                        variable,
                        list(value) if isinstance(value, tuple) else value,
                        codebook=codebook.ref,
                    )


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    register(NearestCoder())
