"""The built-in ``lexicon`` coder: codes texts by the codebook's markers.

For every task and every variable that has markers, it writes one annotation under the coder
id ``lexicon@<intercoder version>``:

* multiple choice: the sorted list of codes whose markers occur (an empty list when none do,
  so the machine's "nothing found" is compared with the humans' answers too). When the variable
  has an ``exclusive`` code ("none of these"), nothing found is that code, and it is never
  written together with another code (markers of other codes win over its own);
* single choice and ordinal scales: the code when exactly one code's markers occur; nothing
  when none or several do (a lexicon cannot decide between them).

The matches themselves, with character offsets into the original text, are available from
:meth:`LexiconCoder.matches` and from ``intercoder code --evidence FILE``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..extensions import Coder

if TYPE_CHECKING:
    from ..annotations import Annotation
    from ..codebook.model import Codebook
    from ..lexicon import LexiconMatcher, Match
    from ..tasks import Task


def _without_exclusive_clash(exclusive: Sequence[str], codes: set[str]) -> list[str]:
    """The codes found for a multiple choice, as the codebook allows them: an ``exclusive``
    code ("none of these") only alone; it stands for "nothing found" when it is the only one."""
    if not exclusive:
        return sorted(codes)
    others = codes.difference(exclusive)
    if others:
        return sorted(others)
    if len(exclusive) == 1:
        return [exclusive[0]]
    # Several exclusive codes (e.g. "none" and "cannot tell"): a lexicon cannot choose.
    return sorted(codes) if len(codes) == 1 else []


#: Texts folded and matched together (see LexiconMatcher.find_many): enough for whole-batch
#: operations to cost little per text, few enough to keep the batch key small.
BATCH_TEXTS = 500


def _batches(tasks: Iterable[Task]) -> Iterator[list[Task]]:
    batch: list[Task] = []
    for task in tasks:
        batch.append(task)
        if len(batch) == BATCH_TEXTS:
            yield batch
            batch = []
    if batch:
        yield batch


class LexiconCoder(Coder):
    name = "lexicon"
    version = __version__
    description = "marker lexicon of the codebook (Aho-Corasick over folded text)"

    def __init__(self) -> None:
        self._matchers: dict[str, LexiconMatcher] = {}

    def matcher(self, codebook: Codebook) -> LexiconMatcher:
        from ..lexicon import LexiconMatcher

        if codebook.ref not in self._matchers:
            self._matchers[codebook.ref] = LexiconMatcher.from_codebook(codebook)
        return self._matchers[codebook.ref]

    def matches(self, task: Task, codebook: Codebook) -> list[Match]:
        """Every marker occurrence in ``task.text``, with offsets into the original text."""
        return self.matcher(codebook).find(task.text)

    def matches_many(self, tasks: Sequence[Task], codebook: Codebook) -> list[list[Match]]:
        """:meth:`matches` of every task, found batch by batch."""
        matcher = self.matcher(codebook)
        found: list[list[Match]] = []
        for batch in _batches(tasks):
            found.extend(matcher.find_many([task.text for task in batch]))
        return found

    def code(self, tasks: Iterable[Task], codebook: Codebook) -> Iterator[Annotation]:
        for batch in _batches(tasks):
            values = self.text_values([task.text for task in batch], codebook)
            yield from self.annotations_from_values(batch, values, codebook)

    def text_values(self, texts: Sequence[str], codebook: Codebook) -> list[list[tuple[str, Any]]]:
        """For each text, ``(variable, value)`` of every annotation :meth:`code` writes for it.

        Texts in, plain values out: what worker processes are given and send back (see
        :func:`intercoder.coders.parallel.code_tasks`), far lighter than tasks and annotations.
        """
        matcher = self.matcher(codebook)
        marked = [
            (var.id, var.type == "multiple_choice", var.exclusive_codes)
            for var in codebook.variables
            if any(marker.variable == var.id for marker in codebook.markers)
        ]
        out: list[list[tuple[str, Any]]] = []
        for found in matcher.code_many(texts):
            values: list[tuple[str, Any]] = []
            for var_id, multiple, exclusive in marked:
                codes = found.get(var_id, set())
                if multiple:
                    values.append((var_id, _without_exclusive_clash(exclusive, codes)))
                elif len(codes) == 1:
                    values.append((var_id, next(iter(codes))))
            out.append(values)
        return out

    def annotations_from_values(
        self, tasks: Sequence[Task], values: list[list[tuple[str, Any]]], codebook: Codebook
    ) -> Iterator[Annotation]:
        """The annotations of ``tasks`` from their :meth:`text_values`."""
        from ..annotations import Annotation

        coder_id, ref = self.coder_id, codebook.ref
        for task, pairs in zip(tasks, values, strict=True):
            for var_id, value in pairs:
                yield Annotation(task.unit_id, coder_id, var_id, value, codebook=ref)
