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

from collections.abc import Callable

from intercoder.extensions import Coder
from intercoder.hookspecs import hookimpl

# Registering must stay cheap: numpy and scikit-learn load on use, in the modules below.
from ._version import __version__
from .coder import NearestCoder
from .evaluate import Outcome, Score, score
from .examples import CHOICE_TYPES, Example, Value, codebook_examples
from .model import NearestModel
from .settings import (
    DEFAULT_MARGIN,
    DEFAULT_NGRAM_RANGE,
    DEFAULT_THRESHOLD,
    MARGIN_ENV,
    TASKS_ENV,
    THRESHOLD_ENV,
    TRAINING_ENV,
)
from .training import PathArg, TrainingDataError, annotation_examples

__all__ = [
    "CHOICE_TYPES",
    "DEFAULT_MARGIN",
    "DEFAULT_NGRAM_RANGE",
    "DEFAULT_THRESHOLD",
    "MARGIN_ENV",
    "TASKS_ENV",
    "THRESHOLD_ENV",
    "TRAINING_ENV",
    "Example",
    "NearestCoder",
    "NearestModel",
    "Outcome",
    "PathArg",
    "Score",
    "TrainingDataError",
    "Value",
    "__version__",
    "annotation_examples",
    "codebook_examples",
    "score",
]


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    register(NearestCoder())
