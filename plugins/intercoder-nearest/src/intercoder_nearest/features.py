"""Features of a text: TF-IDF weights of character n-grams, fitted on a subset of examples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def sklearn_text() -> Any:
    """``sklearn.feature_extraction.text``, imported on first use (it takes a while to load)."""
    import sklearn.feature_extraction.text as text  # type: ignore[import-untyped]

    return text


class Weights:
    """TF-IDF weights fitted on some rows of a count matrix, as if only those texts existed.

    The vocabulary is the n-grams that occur in those rows; the query texts' other n-grams are
    dropped, exactly as ``TfidfVectorizer`` fitted on those texts alone would do.
    """

    def __init__(self, counts: Any, rows: npt.NDArray[np.intp]) -> None:
        import numpy as np

        subset = counts[rows]
        self.columns = np.unique(subset.indices)
        self.tfidf = sklearn_text().TfidfTransformer(sublinear_tf=True).fit(subset[:, self.columns])
        self.matrix = self.tfidf.transform(subset[:, self.columns])

    def vectors(self, counts: Any) -> Any:
        """L2-normalised TF-IDF rows for ``counts`` (n-gram counts over the full vocabulary)."""
        return self.tfidf.transform(counts[:, self.columns])
