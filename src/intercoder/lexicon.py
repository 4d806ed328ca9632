"""The lexicon matcher: codebook markers found in text, in every script people type them in.

A codebook's markers (``Marker(variable, code, lang, terms, exclude)``) list stems per category
and language. :class:`LexiconMatcher` folds every term and exclude phrase with
:func:`intercoder.text.fold` (one Latin-based key space for Kyrgyz, Russian, Uzbek Latin and
Cyrillic, and English) and compiles them all into one Aho-Corasick automaton. Matching a text
is one fold and one automaton pass over the folded key.

Matching rules:

* A term matches at a **word start** (after a non-letter or at the start of the text) and may
  continue into the word: terms are stems, and Kyrgyz and Uzbek attach suffixes
  (``өзбек`` matches ``өзбектерге``). It never matches inside a word (``rus`` is not found in
  ``Belarus``, ``русск`` not in ``прусский``).
* A :class:`Match` spans the original text from the start of the term to the **end of the word**
  in which the term ends (``text[m.start:m.end]`` is ``Өзбектерге``, not ``Өзбек``): that is the
  unit a coder sees and highlights, and it is what folding the span back reproduces.
* An **exclude** phrase (folded, matched at a word start and extended to the end of its word
  like a term) cancels every match of the same ``(variable, code)`` lying inside it. Excludes
  are pooled over the languages of a ``(variable, code)``: in one key space the Kyrgyz term
  ``тажик`` also matches English ``Tajikistan``, and only the English exclude list names it.
* Each ``(variable, code)`` is reported once per start position: the longest term wins (then a
  term in the script of the text, then codebook order). Different codes, or the same code at
  different positions, are all reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import ahocorasick

from .text import Folded, fold_batch, fold_many, script_of

if TYPE_CHECKING:
    from .codebook.model import Codebook, Marker

__all__ = ["LexiconMatcher", "Match"]

# The rest of a word in the folded key. Key letters are Latin letters, other scripts' letters
# and the ʻ/ʼ signs; digits and spaces end a word.
_WORD_TAIL = re.compile(r"[^\W\d_]*")


class Match(NamedTuple):
    """One marker found in a text; ``start``/``end`` (end exclusive) index the original text."""

    variable: str
    code: str
    lang: str
    term: str
    start: int
    end: int


class _Term(NamedTuple):
    group: int  # index into LexiconMatcher._groups: one (variable, code)
    order: int  # position of the term in the marker list, for a deterministic tie-break
    cyrillic: bool  # written in Cyrillic: preferred on a tie when the text is in Cyrillic
    lang: str
    term: str


class _Entry(NamedTuple):
    """What the automaton stores for one folded key (several markers may share a key)."""

    length: int
    digit_start: bool  # a key starting with a digit must not follow a digit either
    terms: tuple[_Term, ...]
    excludes: tuple[int, ...]  # groups whose exclude list contains this key


def _term_key(folded: Folded) -> str:
    """The automaton key of a folded term or exclude phrase (outer separators stripped)."""
    return folded.key.strip(" ")


def _match_order(match: Match) -> tuple[int, int, str, str]:
    return (match.start, match.end, match.variable, match.code)


def _is_cyrillic(term: str) -> bool:
    return any(script_of(char) == "Cyrillic" for char in term)


class LexiconMatcher:
    """All markers of a codebook (or any list of markers) compiled into one automaton.

    Example::

        matcher = LexiconMatcher.from_codebook(intercoder.load_codebook("hate-speech"))
        matcher.code("O'zbeklar bozorda")  # {"target_group": {"uzbeks"}}
        matcher.find("Ўзбеклар")  # [Match("target_group", "uzbeks", "uz-Cyrl", "ўзбек", 0, 8)]

    A matcher is immutable after construction and can be shared between threads.
    """

    def __init__(self, markers: Iterable[Marker]) -> None:
        self.markers: tuple[Marker, ...] = tuple(markers)
        self._groups: list[tuple[str, str]] = []
        group_ids: dict[tuple[str, str], int] = {}
        terms: dict[str, list[_Term]] = {}
        excludes: dict[str, set[int]] = {}
        phrases = sorted({p for marker in self.markers for p in (*marker.terms, *marker.exclude)})
        term_key = {
            p: _term_key(folded) for p, folded in zip(phrases, fold_many(phrases), strict=True)
        }
        order = 0
        for marker in self.markers:
            pair = (marker.variable, marker.code)
            if pair not in group_ids:
                group_ids[pair] = len(self._groups)
                self._groups.append(pair)
            group = group_ids[pair]
            for term in marker.terms:
                key = term_key[term]
                if key:  # a term of punctuation only cannot be matched
                    terms.setdefault(key, []).append(
                        _Term(group, order, _is_cyrillic(term), marker.lang, term)
                    )
                    order += 1
            for phrase in marker.exclude:
                key = term_key[phrase]
                if key:
                    excludes.setdefault(key, set()).add(group)
        self._automaton: Any = None
        keys = terms.keys() | excludes.keys()
        if keys:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
            for key in sorted(keys):
                automaton.add_word(
                    key,
                    _Entry(
                        len(key),
                        key[0].isdigit(),
                        tuple(terms.get(key, ())),
                        tuple(sorted(excludes.get(key, ()))),
                    ),
                )
            automaton.make_automaton()
            self._automaton = automaton
        #: Number of distinct folded keys (terms and exclude phrases) in the automaton.
        self.size = len(keys)

    @classmethod
    def from_codebook(cls, codebook: Codebook) -> LexiconMatcher:
        """A matcher for every marker of ``codebook``."""
        return cls(codebook.markers)

    @classmethod
    def from_markers(cls, markers: Iterable[Marker]) -> LexiconMatcher:
        """A matcher for ``markers`` (same as the constructor)."""
        return cls(markers)

    def find(self, text: str) -> list[Match]:
        """Every marker match in ``text``, ordered by start, end, variable and code."""
        return self.find_many([text])[0]

    def find_many(self, texts: Sequence[str]) -> list[list[Match]]:
        """``[self.find(text) for text in texts]``, with one fold and one automaton pass over
        the whole batch (see :func:`intercoder.text.fold_batch`)."""
        import numpy as np

        found: list[list[Match]] = [[] for _ in texts]
        if self._automaton is None or not any(texts):
            return found
        batch = fold_batch(texts)
        hits, excluded = self._scan(batch.key)
        if not hits:
            return found
        # Key positions become text offsets only for the hits: the start and word end of each.
        ends = np.array([hit[1] for hit in hits], dtype=np.int64)
        starts = np.array([hit[0] for hit in hits], dtype=np.int64)
        owners = batch.texts_at(starts)
        text_starts = batch.text_starts[owners]
        firsts = batch.offsets[starts]
        joined = batch.joined
        owner_list = owners.tolist()
        relative = (firsts - text_starts).tolist()
        # Whether the text is in Cyrillic where the term starts (ranks terms on a tie).
        cyrillic = ["\u0400" <= joined[first] <= "\u052f" for first in firsts.tolist()]
        for index, owner in enumerate(owner_list if batch.bases else ()):
            base = batch.bases.get(owner)
            if base is not None:  # not in NFC: the character of the text itself
                cyrillic[index] = "\u0400" <= texts[owner][base[relative[index]]] <= "\u052f"
        located = zip(
            owner_list,
            relative,
            (batch.offsets[ends] - text_starts).tolist(),
            cyrillic,
            strict=True,
        )
        excluded_by_text: dict[tuple[int, int], list[tuple[int, int]]] = {}
        if excluded:
            exclude_owners = batch.texts_at(np.array([x[0] for x in excluded])).tolist()
            for (start, end, groups), owner in zip(excluded, exclude_owners, strict=True):
                for group in groups:
                    excluded_by_text.setdefault((owner, group), []).append((start, end))
        best: dict[tuple[int, int], tuple[tuple[int, bool, int], _Term, int, int, int]] = {}
        for (start, word_end, length, terms), (owner, first, last, in_cyrillic) in zip(
            hits, located, strict=True
        ):
            for term in terms:
                spans = excluded_by_text.get((owner, term.group))
                if spans and any(xs <= start and word_end <= xe for xs, xe in spans):
                    continue
                rank = (length, term.cyrillic == in_cyrillic, -term.order)
                slot = (start, term.group)
                current = best.get(slot)
                if current is None or rank > current[0]:
                    best[slot] = (rank, term, owner, first, last)
        for (_start, group), (_rank, term, owner, first, last) in best.items():
            variable, code = self._groups[group]
            found[owner].append(Match(variable, code, term.lang, term.term, first, last))
        for owner, base in batch.bases.items():  # texts that were not in NFC
            if found[owner]:
                found[owner] = [
                    match._replace(start=base[match.start], end=base[match.end])
                    for match in found[owner]
                ]
        for matches in found:
            matches.sort(key=_match_order)
        return found

    def _scan(
        self, key: str
    ) -> tuple[
        list[tuple[int, int, int, tuple[_Term, ...]]], list[tuple[int, int, tuple[int, ...]]]
    ]:
        """One automaton pass over ``key``: the term hits at word starts, as ``(start, word
        end, key length, terms)``, and the exclude phrases found, as ``(start, word end,
        groups)``.

        The automaton reports every key ending at each position, so keys found in the middle
        of a word are dropped here by looking at the character before them.
        """
        tail = _WORD_TAIL.match
        hits: list[tuple[int, int, int, tuple[_Term, ...]]] = []
        excluded: list[tuple[int, int, tuple[int, ...]]] = []
        entry: _Entry
        for last, entry in self._automaton.iter(key):
            start = last + 1 - entry.length
            if start:
                before = key[start - 1]
                if before.isalpha() or (entry.digit_start and before.isdigit()):
                    continue
            word_end = tail(key, last + 1).end()  # type: ignore[union-attr]  # always matches
            if entry.excludes:
                excluded.append((start, word_end, entry.excludes))
            if entry.terms:
                hits.append((start, word_end, entry.length, entry.terms))
        return hits, excluded

    def find_folded(self, text: str, folded: Folded) -> list[Match]:
        """:meth:`find` for a text already folded (to run several matchers on one fold)."""
        if self._automaton is None:
            return []
        hits, found_excludes = self._scan(folded.key)
        if not hits:
            return []
        excluded: dict[int, list[tuple[int, int]]] = {}
        for start, word_end, groups in found_excludes:
            for group in groups:
                excluded.setdefault(group, []).append((start, word_end))
        offsets = folded.offsets
        best: dict[tuple[int, int], tuple[tuple[int, bool, int], _Term, int]] = {}
        for start, word_end, length, terms in hits:
            cyrillic = "\u0400" <= text[offsets[start]] <= "\u052f"
            for term in terms:
                spans = excluded.get(term.group)
                if spans and any(xs <= start and word_end <= xe for xs, xe in spans):
                    continue
                rank = (length, term.cyrillic == cyrillic, -term.order)
                slot = (start, term.group)
                current = best.get(slot)
                if current is None or rank > current[0]:
                    best[slot] = (rank, term, word_end)
        matches = []
        for (start, group), (_rank, term, word_end) in best.items():
            variable, code = self._groups[group]
            matches.append(
                Match(variable, code, term.lang, term.term, offsets[start], offsets[word_end])
            )
        matches.sort(key=_match_order)
        return matches

    def code(self, text: str) -> dict[str, set[str]]:
        """The codes found in ``text`` per variable: ``{"target_group": {"uzbeks"}}``."""
        coded: dict[str, set[str]] = {}
        for match in self.find(text):
            coded.setdefault(match.variable, set()).add(match.code)
        return coded
