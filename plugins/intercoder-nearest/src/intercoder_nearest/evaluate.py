"""Leave-one-out results: one :class:`Outcome` per held-out example, :func:`score` per variable."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .examples import Example, Value


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
