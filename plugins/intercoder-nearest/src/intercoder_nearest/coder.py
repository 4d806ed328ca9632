"""The ``nearest`` coder: gathers what to learn from, fits a model per codebook, and codes tasks."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING

from intercoder.extensions import Coder

from ._version import __version__
from .examples import Example, codebook_examples
from .model import NearestModel
from .settings import (
    CODER_NAME,
    DEFAULT_MARGIN,
    DEFAULT_NGRAM_RANGE,
    DEFAULT_THRESHOLD,
    MARGIN_ENV,
    TASKS_ENV,
    THRESHOLD_ENV,
    TRAINING_ENV,
    check_parameters,
    env_float,
    env_paths,
)
from .training import PathArg, annotation_examples, read_training, text_lookup

if TYPE_CHECKING:
    from intercoder.annotations import Annotation, AnnotationSet
    from intercoder.codebook.model import Codebook
    from intercoder.tasks import Task


class NearestCoder(Coder):
    """Codes each text like its most similar labelled example; abstains when none is close.

    ``training``: already-coded units to learn from besides the codebook's examples: an
    AnnotationSet, or one or more long-format annotation files (CSV/JSONL). ``texts``: texts of
    training units whose records carry no ``text``: a mapping unit id -> text, tasks, or a task
    file. Unset arguments fall back to the ``INTERCODER_NEAREST_*`` environment variables (see
    the module documentation), read when a codebook is first coded.
    """

    name = CODER_NAME
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
            check_parameters(
                DEFAULT_THRESHOLD if threshold is None else threshold,
                DEFAULT_MARGIN if margin is None else margin,
            )
        self._training = training
        self._texts = texts
        self._threshold = threshold
        self._margin = margin
        self.ngram_range = ngram_range
        self._models: dict[str, NearestModel] = {}

    def configure(self, options: Mapping[str, str]) -> None:
        """Settings from ``--coder-option`` or ``[tool.intercoder.coders.nearest]``:
        ``threshold``, ``margin`` (numbers from 0 to 1), ``training`` and ``tasks`` (paths,
        several separated by ``os.pathsep``). They win over the environment variables."""
        from intercoder.errors import IntercoderError
        from intercoder.extensions import CoderSettingsError

        for key, value in options.items():
            if key in ("threshold", "margin"):
                try:
                    number = float(value)
                except ValueError:
                    raise CoderSettingsError(
                        f"nearest coder: {key}={value!r} is not a number"
                    ) from None
                try:
                    check_parameters(
                        number if key == "threshold" else DEFAULT_THRESHOLD,
                        number if key == "margin" else DEFAULT_MARGIN,
                    )
                except IntercoderError as exc:
                    raise CoderSettingsError(str(exc)) from None
                setattr(self, f"_{key}", number)
            elif key in ("training", "tasks"):
                paths = [part for part in value.split(os.pathsep) if part.strip()]
                if key == "training":
                    self._training = paths
                else:
                    self._texts = paths[0] if len(paths) == 1 else None
                    if len(paths) > 1:
                        found: dict[str, str] = {}
                        for path in paths:
                            found.update(text_lookup(path))
                        self._texts = found
            else:
                raise CoderSettingsError(
                    f"nearest coder: unknown setting {key!r} "
                    "(known: threshold, margin, training, tasks)"
                )
        self._models.clear()

    def _training_annotations(self) -> AnnotationSet | None:
        from intercoder.annotations import AnnotationSet

        training = self._training
        if isinstance(training, AnnotationSet):
            return training
        if training is None:
            paths: list[PathArg] = list(env_paths(TRAINING_ENV))
        elif isinstance(training, str | os.PathLike):
            paths = [training]
        else:
            paths = list(training)
        return read_training(paths) if paths else None

    def _training_texts(self) -> dict[str, str]:
        if self._texts is not None:
            return text_lookup(self._texts)
        found: dict[str, str] = {}
        for path in env_paths(TASKS_ENV):
            found.update(text_lookup(path))
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
                threshold = env_float(THRESHOLD_ENV, DEFAULT_THRESHOLD)
            margin = (
                self._margin if self._margin is not None else env_float(MARGIN_ENV, DEFAULT_MARGIN)
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
