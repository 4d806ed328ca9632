"""The lexicon matcher: codebook markers found in text, in every script people type them in.

A codebook's markers (``Marker(variable, code, lang, terms, exclude)``) list stems per category
and language. :class:`LexiconMatcher` folds every term and exclude phrase with
:func:`intercoder.text.fold` (one Latin-based key space for Kyrgyz, Russian, Uzbek Latin and
Cyrillic, and English) and compiles them all into one Aho-Corasick automaton. Matching a text
is one fold and one automaton pass over the folded key; :meth:`LexiconMatcher.find_many` and
:meth:`LexiconMatcher.code_many` fold a whole batch of texts at once
(:func:`intercoder.text.fold_batch`), make one pass over the batch key and apply the rules below
with numpy, with the same results as text by text.

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

import itertools
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import ahocorasick

from .text import _P_ALPHA, _P_DIGIT, _P_TAIL, Folded, FoldedBatch, fold_batch, fold_many, script_of

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


def _expand(starts: Any, index: Any) -> tuple[Any, Any]:
    """For CSR ``starts`` (item ``k`` owns rows ``starts[k]:starts[k + 1]``) and the items
    ``index``: the position in ``index`` and the row of every row owned, in order."""
    import numpy as np

    counts = starts[index + 1] - starts[index]
    owner = np.repeat(np.arange(len(index)), counts)
    firsts = np.cumsum(counts) - counts
    rows = starts[index][owner] + np.arange(len(owner)) - firsts[owner]
    return owner, rows


class _Arrays:
    """The automaton's entries as numpy arrays, for matching a batch (see ``_pairs``).

    Terms and exclude groups are flattened in key order: key ``k`` owns terms
    ``term_starts[k]:term_starts[k + 1]``, and likewise for exclude groups.
    """

    def __init__(self, entries: list[_Entry], groups: list[tuple[str, str]]) -> None:
        import numpy as np

        self.terms = [term for entry in entries for term in entry.terms]
        self.key_length_of = np.array([e.length for e in entries], dtype=np.int64)
        self.key_digit = np.array([e.digit_start for e in entries], dtype=bool)
        self.term_starts = np.zeros(len(entries) + 1, dtype=np.int64)
        np.cumsum([len(e.terms) for e in entries], out=self.term_starts[1:])
        self.exclude_starts = np.zeros(len(entries) + 1, dtype=np.int64)
        np.cumsum([len(e.excludes) for e in entries], out=self.exclude_starts[1:])
        self.exclude_group = np.array(
            [group for e in entries for group in e.excludes], dtype=np.int64
        )
        self.term_group = np.array([t.group for t in self.terms], dtype=np.int64)
        self.term_order = np.array([t.order for t in self.terms], dtype=np.int64)
        self.term_cyrillic = np.array([t.cyrillic for t in self.terms], dtype=bool)
        self.key_length = np.array([e.length for e in entries for _ in e.terms], dtype=np.int64)
        #: Each group's place in (variable, code) order: how matches at one span are sorted.
        self.group_rank = np.zeros(len(groups), dtype=np.int64)
        self.group_rank[sorted(range(len(groups)), key=groups.__getitem__)] = np.arange(len(groups))


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
        keys = sorted(terms.keys() | excludes.keys())
        #: What the automaton stores for each key (the automaton stores its index here).
        self._entries = [
            _Entry(
                len(key),
                key[0].isdigit(),
                tuple(terms.get(key, ())),
                tuple(sorted(excludes.get(key, ()))),
            )
            for key in keys
        ]
        if keys:
            automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS, ahocorasick.KEY_STRING)
            for index, key in enumerate(keys):
                automaton.add_word(key, index)
            automaton.make_automaton()
            self._automaton = automaton
        self._arrays = _Arrays(self._entries, self._groups)
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
        the whole batch (see :func:`intercoder.text.fold_batch`) and numpy for the rules."""
        import numpy as np

        found: list[list[Match]] = [[] for _ in texts]
        pairs = self._pairs(texts)
        if pairs is None:
            return found
        batch, owner, start, word_end, term = pairs
        arrays = self._arrays
        group = arrays.term_group[term]
        # The best term per start and code: the longest, then one in the script of the text
        # where it starts, then the first in codebook order. Sorted by those, it comes last.
        first = batch.offsets[start]
        cyrillic = (batch.source[first] >= 0x400) & (batch.source[first] <= 0x52F)
        for index in np.flatnonzero(np.isin(owner, list(batch.bases))).tolist():
            text, base = batch.texts[owner[index]], batch.bases[int(owner[index])]
            relative = int(first[index] - batch.text_starts[owner[index]])
            cyrillic[index] = "\u0400" <= text[base[relative]] <= "\u052f"
        same_script = arrays.term_cyrillic[term] == cyrillic
        order = np.lexsort(
            (-arrays.term_order[term], same_script, arrays.key_length[term], group, start)
        )
        slot_start, slot_group = start[order], group[order]
        last_of_slot = np.ones(len(order), dtype=bool)
        last_of_slot[:-1] = (slot_start[1:] != slot_start[:-1]) | (
            slot_group[1:] != slot_group[:-1]
        )
        best = order[last_of_slot]
        owner, term, group = owner[best], term[best], group[best]
        begins = batch.offsets[start[best]] - batch.text_starts[owner]
        ends = batch.offsets[word_end[best]] - batch.text_starts[owner]
        shown = np.lexsort((arrays.group_rank[group], ends, begins, owner))
        terms, groups = arrays.terms, self._groups
        for who, begin, end, which, code_of in zip(
            owner[shown].tolist(),
            begins[shown].tolist(),
            ends[shown].tolist(),
            term[shown].tolist(),
            group[shown].tolist(),
            strict=True,
        ):
            variable, code = groups[code_of]
            chosen = terms[which]
            found[who].append(Match(variable, code, chosen.lang, chosen.term, begin, end))
        for who, base in batch.bases.items():  # texts that were not in NFC
            found[who] = sorted(
                (m._replace(start=base[m.start], end=base[m.end]) for m in found[who]),
                key=_match_order,
            )
        return found

    def code_many(self, texts: Sequence[str]) -> list[dict[str, set[str]]]:
        """``[self.code(text) for text in texts]``, computed as :meth:`find_many` does, without
        choosing the best term of each match (the codes do not depend on it)."""
        import numpy as np

        coded: list[dict[str, set[str]]] = [{} for _ in texts]
        pairs = self._pairs(texts)
        if pairs is None:
            return coded
        _batch, owner, _start, _word_end, term = pairs
        groups = len(self._groups)
        found = np.unique(owner * groups + self._arrays.term_group[term])
        for who, group in zip((found // groups).tolist(), (found % groups).tolist(), strict=True):
            variable, code = self._groups[group]
            coded[who].setdefault(variable, set()).add(code)
        return coded

    def _pairs(self, texts: Sequence[str]) -> tuple[FoldedBatch, Any, Any, Any, Any] | None:
        """Every (term, position) of ``texts`` that the matching rules keep, as numpy arrays:
        text index, key start, key end of the word the term ends in, and the term (an index
        into ``_Arrays.terms``); None when there is none.

        One automaton pass over the batch key (in C, reporting each key found by its end and
        index); the rules are then applied with numpy: keys found in the middle of a word are
        dropped, every key becomes its terms, and terms inside an exclude phrase of their code
        are dropped.
        """
        import numpy as np

        if self._automaton is None or not any(texts):
            return None
        batch = fold_batch(texts)
        found = np.fromiter(
            itertools.chain.from_iterable(self._automaton.iter(batch.key)), dtype=np.int64
        ).reshape(-1, 2)
        if not len(found):
            return None
        arrays = self._arrays
        index = found[:, 1]
        start = found[:, 0] + 1 - arrays.key_length_of[index]
        props = batch.properties()
        before = np.where(start > 0, props[start - 1], 0)
        at_word_start = (before & _P_ALPHA) == 0
        at_word_start &= ~(arrays.key_digit[index] & ((before & _P_DIGIT) != 0))
        index, start, last = index[at_word_start], start[at_word_start], found[at_word_start, 0]
        # The end of the word each key ends in: the next character that is not a letter.
        breaks = np.append(np.flatnonzero((props & _P_TAIL) == 0), len(props))
        word_end = breaks[np.searchsorted(breaks, last + 1)]
        owner = batch.texts_at(start)
        hit, term = _expand(arrays.term_starts, index)
        if not len(term):
            return None
        keep = np.ones(len(term), dtype=bool)
        excluding, exclude = _expand(arrays.exclude_starts, index)
        if len(excluding):
            # A term is cancelled by an exclude phrase of its code, in its text, spanning it:
            # among the phrases of that (text, code) starting at or before the term, the
            # farthest end must reach the term's word end. Phrases sorted by (text and code,
            # start), with the running farthest end, answer that for every term at once.
            codes = len(self._groups)
            room = len(batch.key_codes) + 1  # positions as digits below the (text, code) slot
            slot = owner[excluding] * codes + arrays.exclude_group[exclude]
            order = np.lexsort((start[excluding], slot))
            x_slot = slot[order]
            x_start = x_slot * room + start[excluding][order]
            reach = np.maximum.accumulate(x_slot * room + word_end[excluding][order])
            t_slot = owner[hit] * codes + arrays.term_group[term]
            found_at = np.searchsorted(x_start, t_slot * room + start[hit], side="right") - 1
            valid = found_at >= 0
            found_at = np.maximum(found_at, 0)
            keep = ~(
                valid
                & (x_slot[found_at] == t_slot)
                & (reach[found_at] >= t_slot * room + word_end[hit])
            )
        hit, term = hit[keep], term[keep]
        return batch, owner[hit], start[hit], word_end[hit], term

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
        entries = self._entries
        for last, index in self._automaton.iter(key):
            entry = entries[index]
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
