"""The fitted model of one codebook: predicts every choice variable, and leaves one out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .decision import Decision
from .evaluate import Outcome
from .examples import CHOICE_TYPES, Example, Value
from .features import Weights, sklearn_text
from .settings import DEFAULT_MARGIN, DEFAULT_NGRAM_RANGE, DEFAULT_THRESHOLD, check_parameters

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from intercoder.codebook.model import Codebook, Variable

# Similarities of one batch are a dense (texts x examples) array; keep it under ~16 MB.
_MAX_BATCH_CELLS = 2_000_000
_MAX_BATCH = 256


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

        from intercoder.text import fold_batch

        check_parameters(threshold, margin)
        choice = {var.id for var in codebook.variables if var.type in CHOICE_TYPES}
        self.codebook = codebook
        self.examples = tuple(ex for ex in examples if ex.variable in choice)
        self.threshold = threshold
        self.margin = margin
        self.ngram_range = ngram_range
        # Text is folded first (casefolded, one key for both scripts), so no lowercasing here.
        self._counter = sklearn_text().CountVectorizer(
            analyzer="char_wb", ngram_range=ngram_range, lowercase=False
        )
        self._counts: Any = None
        self._weights: Weights | None = None
        self._decisions: dict[str, Decision] = {}
        if not self.examples:
            return
        try:
            self._counts = self._counter.fit_transform(
                fold_batch([ex.text for ex in self.examples]).keys()
            )
        except ValueError:  # no n-gram at all (texts of punctuation only)
            return
        everything = np.arange(len(self.examples), dtype=np.intp)
        self._weights = Weights(self._counts, everything)
        self._decisions = self._build_decisions(everything)

    def _build_decisions(self, rows: npt.NDArray[np.intp]) -> dict[str, Decision]:
        items: dict[str, list[tuple[int, Example]]] = {}
        for position, row in enumerate(rows):
            example = self.examples[row]
            items.setdefault(example.variable, []).append((position, example))
        decisions = {}
        for var in self.codebook.variables:
            decision = Decision.build(var, items.get(var.id, []))
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
        from intercoder.text import fold_batch

        if self._weights is None:
            raise ValueError("the model has no features: it was given no usable example")
        return self._weights.vectors(self._counter.transform(fold_batch(texts).keys()))

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
            decision = Decision.build(self.codebook.variable(held_out.variable), own)
            predicted: Value | None = None
            if decision is not None:
                weights = Weights(self._counts, rows)
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
