"""A training set from a codebook's constructed examples: tasks to code and their gold answers.

Every example of every active category, in every language of the codebook, becomes one task
(``source`` ``codebook-example``, ``lang`` its language) whose gold value is that category,
``adjudicated`` by the codebook itself. An example of a variable shown under ``show_if`` also
settles the screening question: its gold is the first code that shows the variable. New coders
code the tasks and are certified against the gold (``intercoder certify``) before live coding,
and again after a major codebook version.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from ..codebook.model import Codebook
from ..tasks import Task
from .files import write_tasks
from .gold import ADJUDICATED, GoldRecord, GoldStandard, write_gold

SOURCE = "codebook-example"
CHOICES = ("single_choice", "ordinal_scale", "multiple_choice")


@attrs.frozen
class TrainingSet:
    tasks: tuple[Task, ...]
    gold: GoldStandard


def training_set(cb: Codebook) -> TrainingSet:
    """The codebook's examples as tasks with their gold answers."""
    tasks: list[Task] = []
    records: list[GoldRecord] = []
    for var in cb.variables:
        if var.type not in CHOICES:
            continue
        for category, _ in var.walk():
            if category.retired:
                continue
            for lang in cb.languages:
                for n, text in enumerate(category.examples.get(lang, ()), start=1):
                    unit = f"{var.id}-{category.code}-{lang}-{n}"
                    tasks.append(Task(unit, text, lang=lang, source=SOURCE))
                    if var.show_if is not None:
                        screen = cb.variable(var.show_if.variable)
                        shown = var.show_if.codes[0]
                        value = [shown] if screen.type == "multiple_choice" else shown
                        records.append(
                            GoldRecord(
                                unit,
                                screen.id,
                                value,
                                ADJUDICATED,
                                adjudicator=cb.ref,
                                codebook=cb.ref,
                            )
                        )
                    value = [category.code] if var.type == "multiple_choice" else category.code
                    records.append(
                        GoldRecord(
                            unit, var.id, value, ADJUDICATED, adjudicator=cb.ref, codebook=cb.ref
                        )
                    )
    return TrainingSet(tuple(tasks), GoldStandard(tuple(records)))


def write_training_set(cb: Codebook, directory: str | Path) -> tuple[Path, Path]:
    """Write ``tasks.csv`` and ``gold.csv`` into ``directory``; returns their paths."""
    result = training_set(cb)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    tasks, gold = target / "tasks.csv", target / "gold.csv"
    write_tasks(tasks, result.tasks)
    write_gold(gold, result.gold)
    return tasks, gold
