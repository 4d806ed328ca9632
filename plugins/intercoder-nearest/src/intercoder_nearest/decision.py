"""The decision rule: a code applies when its nearest example is close and clearly closer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .examples import Example, Value

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from intercoder.codebook.model import Variable


@dataclass(frozen=True)
class Decision:
    """The binary decisions of one variable over its examples (positions in the weight rows)."""

    variable: Variable
    rows: npt.NDArray[np.intp]
    codes: tuple[str, ...]
    positive: npt.NDArray[np.bool_]  # (rows, codes): the example has the code
    negative: npt.NDArray[np.bool_]  # (rows, codes): the example lacks it

    @classmethod
    def build(cls, var: Variable, items: Sequence[tuple[int, Example]]) -> Decision | None:
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
