"""Clearly synthetic pilot data for the demo: texts from the codebook, coders simulated.

The texts are the codebook's own constructed examples (no real person's words) in every
working language; three simulated human coders code them with different, seeded error rates,
so the demo shows a realistic reliability picture: one careless coder, one variable that
misses its threshold. Nothing here is real data, and every record says so (``source``).
"""

from __future__ import annotations

import random
from typing import Any

from .annotations import Annotation, AnnotationSet
from .codebook.model import Codebook
from .tasks import Task

SOURCE = "synthetic: constructed codebook example"
#: Simulated coders and the share of their answers that are right.
CODERS = {
    "coder-a@demo.invalid": 0.98,
    "coder-b@demo.invalid": 0.95,
    "coder-c@demo.invalid": 0.80,
}


def pilot_tasks(cb: Codebook) -> tuple[list[Task], dict[str, dict[str, Any]]]:
    """Tasks (one per example and language) and the answers each example was written for.

    Uses the screening variable (the first one) and the first multiple-choice variable with a
    category tree: examples of its leaves are "yes" units of that target, examples of the
    screening question's "no" are "no" units.
    """
    screen = cb.variables[0]
    target = next(v for v in cb.variables if v.type == "multiple_choice" and v.is_tree)
    no_codes = [c for c in screen.codes if c != "yes"]
    tasks: list[Task] = []
    truth: dict[str, dict[str, Any]] = {}

    def add(unit: str, text: str, lang: str, answers: dict[str, Any]) -> None:
        tasks.append(Task(unit, text, lang=lang, source=SOURCE))
        truth[unit] = answers

    for cat, _ in target.walk():
        if cat.children or cat.retired:
            continue
        for lang in cb.languages:
            for i, text in enumerate(cat.examples.get(lang, ())):
                add(
                    f"{target.id}-{cat.code}-{lang}-{i}",
                    text,
                    lang,
                    {screen.id: "yes", target.id: (cat.code,)},
                )
    for code in no_codes:
        for lang in cb.languages:
            for i, text in enumerate(screen.category(code).examples.get(lang, ())):
                add(f"{screen.id}-{code}-{lang}-{i}", text, lang, {screen.id: code})
    return tasks, truth


def pilot_annotations(cb: Codebook, seed: int = 2026) -> tuple[list[Task], AnnotationSet]:
    """The simulated human coders' annotations of :func:`pilot_tasks`."""
    tasks, truth = pilot_tasks(cb)
    rng = random.Random(seed)
    screen = cb.variables[0]
    target = next(v for v in cb.variables if v.type == "multiple_choice" and v.is_tree)
    severity = next((v for v in cb.variables if v.type == "ordinal_scale"), None)
    leaves = [c.code for c, _ in target.walk() if not c.children and not c.retired]
    records = []
    for task in tasks:
        answers = truth[task.unit_id]
        # every code a coder may use is a real tier (hate-speech 2.0.0 retired the old "none")
        true_severity = rng.choice(severity.codes) if severity else None
        for coder, accuracy in CODERS.items():

            def right() -> bool:
                return rng.random() < accuracy  # noqa: B023 - evaluated immediately

            said = (
                answers[screen.id]
                if right()
                else rng.choice([c for c in screen.codes if c != answers[screen.id]])
            )
            records.append(
                Annotation(task.unit_id, coder, screen.id, said, codebook=cb.ref, text=task.text)
            )
            if said != "yes":
                continue  # the detail questions were not shown to this coder
            codes = set(answers.get(target.id, ()))
            if not codes or not right():
                codes = {rng.choice(leaves)} | (codes if rng.random() < 0.5 else set())
            records.append(
                Annotation(task.unit_id, coder, target.id, tuple(sorted(codes)), codebook=cb.ref)
            )
            if severity and true_severity is not None:
                # Severity is the hard one: even good coders are off by one a third of the time.
                # Off by one step of the scale, by position: codes need not be 0..n-1 (a new
                # major version may retire the lowest code, as hate-speech 2.0.0 retired "0").
                scale = severity.codes
                position = scale.index(true_severity)
                if rng.random() > accuracy - 0.3:
                    position = min(max(position + rng.choice((-1, 1)), 0), len(scale) - 1)
                records.append(
                    Annotation(task.unit_id, coder, severity.id, scale[position], codebook=cb.ref)
                )
    return tasks, AnnotationSet.from_records(records)
