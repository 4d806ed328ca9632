"""Per-annotator export of a round, for learning from disagreement ("perspectivist" data).

The shared tasks on Learning With Disagreements (LeWiDi, SemEval 2021 and 2023) publish every
annotator's label of every item, plus the soft label (the distribution of the labels), instead of
one adjudicated gold label. This module writes a recorded round the same way, one JSON object
per unit and variable (JSON Lines)::

    {"id": "u1", "variable": "relevant", "round": "round-2", "codebook": "minimal@1.0.0",
     "annotators": ["ann", "bob"], "annotations": ["yes", "no"],
     "number of annotations": 2, "hard_label": null, "soft_label": {"no": 0.5, "yes": 0.5}}

``hard_label`` is the most frequent label, null on a tie. For a multiple choice, each
annotation is the list of chosen codes and ``soft_label`` gives each code the share of
annotators who chose it (a multi-label distribution, which need not sum to 1).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from .model import Round


def _key(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _row(round_: Round, variable: str, unit: str, coded: dict[str, Any]) -> dict[str, Any]:
    annotators = sorted(coded)
    annotations = [coded[a] for a in annotators]
    n = len(annotations)
    soft: dict[str, float]
    hard: Any = None
    if annotations and isinstance(annotations[0], frozenset | list | set):
        chosen = Counter(code for a in annotations for code in a)
        soft = {str(code): round(k / n, 6) for code, k in sorted(chosen.items())}
        annotations = [sorted(str(c) for c in a) for a in annotations]
        sets = Counter(tuple(a) for a in annotations).most_common(2)
        if sets and (len(sets) == 1 or sets[0][1] > sets[1][1]):
            hard = list(sets[0][0])
    else:
        counts = Counter(_key(a) for a in annotations)
        soft = {value: round(k / n, 6) for value, k in sorted(counts.items())}
        top = counts.most_common(2)
        if top and (len(top) == 1 or top[0][1] > top[1][1]):
            hard = next(a for a in annotations if _key(a) == top[0][0])
    return {
        "id": unit,
        "variable": variable,
        "round": round_.name,
        "codebook": round_.codebook,
        "annotators": annotators,
        "annotations": annotations,
        "number of annotations": n,
        "hard_label": hard,
        "soft_label": soft,
    }


def perspectivist_rows(round_: Round) -> Iterator[dict[str, Any]]:
    """One row per unit and variable of ``round_`` (read with its codings)."""
    for variable, codings in round_.codings.items():
        for unit, coded in codings.by_unit().items():
            yield _row(round_, variable, unit, coded)


def perspectivist_jsonl(round_: Round) -> str:
    """The rows of :func:`perspectivist_rows` as JSON Lines."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in perspectivist_rows(round_))
