"""The coder's name, its default parameters and the environment variables that override them."""

from __future__ import annotations

import os

from intercoder.errors import IntercoderError

#: The coder's name (``intercoder code --coder nearest``); its records carry ``nearest@VERSION``.
CODER_NAME = "nearest"
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


def check_parameters(threshold: float, margin: float) -> None:
    """Raise IntercoderError unless ``threshold`` and ``margin`` are between 0 and 1."""
    if not 0.0 <= threshold <= 1.0:
        raise IntercoderError(f"nearest coder: threshold {threshold!r} is not between 0 and 1")
    if not 0.0 <= margin <= 1.0:
        raise IntercoderError(f"nearest coder: margin {margin!r} is not between 0 and 1")


def env_float(name: str, default: float) -> float:
    """The number in environment variable ``name``, ``default`` when it is unset or blank."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise IntercoderError(f"{name}={raw!r} is not a number") from None


def env_paths(name: str) -> list[str]:
    """The paths in environment variable ``name``, separated by ``os.pathsep``."""
    return [part for part in os.environ.get(name, "").split(os.pathsep) if part.strip()]
