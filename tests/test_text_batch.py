"""Folding and matching many texts at once gives what folding and matching them one by one gives.

``fold_batch`` joins a batch of texts and folds it with whole-batch operations (numpy tables,
context rules tested at the positions of the characters concerned); ``LexiconMatcher.find_many``
makes one automaton pass over the batch key. Both must be exactly the per-text results:

* ``reference_fold`` below is the per-text fold as it was before the batch path (regular
  expression passes over one text, then a character-by-character translation), kept here as
  the reference; the batch fold and ``fold`` itself are compared with it, by property, on text
  mixing every orthography and every character the fold treats specially, and on examples
  aimed at the joins between texts;
* ``find_many`` is compared with ``find_folded`` (the per-text matcher) over reference folds.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

import intercoder
from intercoder.lexicon import LexiconMatcher
from intercoder.text import (
    _APOS,
    _CYRILLIC_VOWELS,
    _HAS_INVISIBLE,
    _LETTER,
    _NONCHARACTERS,
    _PH_DROP,
    _PH_S_TUTUQ,
    _PH_TS,
    _PH_TURNED,
    _PH_TUTUQ,
    _PH_YE,
    Folded,
    _fold_char,
    _nfc_with_offsets,
    _unmix_scripts,
    fold,
    fold_batch,
    fold_many,
)

from strategies import batch_fold_texts, lexicon_texts

# --- the reference: the per-text fold ------------------------------------------------------------

_OG_SIGN = re.compile(f"[{_APOS}](?<=[oOgGоОгГ][{_APOS}])(?={_LETTER})")
_TUTUQ_SIGN = re.compile(f"[{_APOS}](?<=[^\\W\\d_{_APOS}ьЬ][{_APOS}])(?={_LETTER})")
_HARD_SIGN_DROP = re.compile(f"[ъЪ](?=[еЕёЁюЮяЯ])|[ъЪ](?<=[ўЎғҒ{_PH_TURNED}][ъЪ])")
_YE = re.compile(f"[еЕ](?:(?<!{_LETTER}[еЕ])|(?<=[{_CYRILLIC_VOWELS}ъьЪЬ][еЕ]))")
_TS = re.compile(f"[цЦ](?<=[{_CYRILLIC_VOWELS}][цЦ])")
_S_BEFORE_H = re.compile("[сС](?=[ҳҲ])")


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf")


def _resolve_visible(text: str) -> str:
    text = _OG_SIGN.sub(_PH_TURNED, text)
    text = _TUTUQ_SIGN.sub(_PH_TUTUQ, text)
    text = _unmix_scripts(text)
    text = _HARD_SIGN_DROP.sub(_PH_DROP, text)
    text = _YE.sub(_PH_YE, text)
    text = _TS.sub(_PH_TS, text)
    return _S_BEFORE_H.sub(_PH_S_TUTUQ, text)


def _resolve_context(text: str) -> str:
    text = _NONCHARACTERS.sub("\ufffd", text)
    if not _HAS_INVISIBLE.search(text):
        return _resolve_visible(text)
    visible = [i for i, char in enumerate(text) if not _hidden(char)]
    resolved = _resolve_visible("".join(text[i] for i in visible))
    chars = list(text)
    for i, char in zip(visible, resolved, strict=True):
        chars[i] = char
    return "".join(chars)


def reference_fold(text: str) -> Folded:
    """The fold of one text, one character at a time."""
    if unicodedata.is_normalized("NFC", text):
        normal, base = text, list(range(len(text) + 1))
    else:
        normal, base = _nfc_with_offsets(text)
    key: list[str] = []
    offsets: list[int] = []
    for i, char in enumerate(_resolve_context(normal)):
        for out in _fold_char(char):
            if out == " " and key and key[-1] == " ":
                continue  # every run of separators is one space
            key.append(out)
            offsets.append(base[i])
    offsets.append(base[len(normal)])
    return Folded("".join(key), offsets)


# --- fold ----------------------------------------------------------------------------------------

batches = st.lists(batch_fold_texts, max_size=6)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(batches)
def test_batch_fold_is_the_per_text_fold(texts: list[str]) -> None:
    expected = [reference_fold(text) for text in texts]
    assert fold_many(texts) == expected
    assert [fold(text) for text in texts] == expected
    assert fold_batch(texts).keys() == [folded.key for folded in expected]


def test_joins_between_texts_change_nothing() -> None:
    texts = [
        "",
        "o'",  # an apostrophe at the end of a text is punctuation, whatever comes next
        "zbek",
        "ъ",  # ъ before е in the next text is not dropped
        "ет",  # е at the start of a text: "ye"
        "o\u0903'zbek",  # a visarga hides no letter in a text without invisible characters...
        "узб\u200bек",  # ...even in a batch where another text has one
        "a\ufdefb\ufdd0",  # noncharacters in a text, the separator's own among them
        "и\u0306ўл",  # not NFC
        "",
        "Шаҳаp узбeк",  # homoglyphs in two texts
        "c",
    ]
    assert fold_many(texts) == [reference_fold(text) for text in texts]
    batch = fold_batch(texts)
    assert batch.key.count("\n") == len(texts) - 1
    assert fold_many([]) == []


# --- find ----------------------------------------------------------------------------------------

HATE = intercoder.load_codebook("hate-speech")
STEREO = intercoder.load_codebook("stereotypes")
MARKERS = [*HATE.markers, *STEREO.markers]
MATCHER = LexiconMatcher(MARKERS)
WORDS = [*sorted({p for m in MARKERS for p in (*m.terms, *m.exclude)}), "bozor", "belarus"]
matcher_batches = st.lists(st.one_of(lexicon_texts(WORDS), batch_fold_texts), max_size=6)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(matcher_batches)
def test_find_many_is_find_text_by_text(texts: list[str]) -> None:
    expected = [MATCHER.find_folded(text, reference_fold(text)) for text in texts]
    assert MATCHER.find_many(texts) == expected
    assert [MATCHER.find(text) for text in texts] == expected


def test_find_many_keeps_texts_apart() -> None:
    # A term split over two texts is not found; a term at the start of a text is, and a term
    # right after a digit ending the previous text is at a word start there too.
    texts = ["Ўзбек", "лар", "ҮЗБЕК", "2", "o'zbeklar", "и\u0306 Ўзбе\u0301к", ""]
    found = MATCHER.find_many(texts)
    assert found == [MATCHER.find_folded(text, reference_fold(text)) for text in texts]
    assert [bool(matches) for matches in found] == [True, False, True, False, True, True, False]
    assert MATCHER.find_many([]) == []
    assert LexiconMatcher([]).find_many(["Ўзбек"]) == [[]]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(matcher_batches)
def test_code_many_is_the_codes_of_the_matches(texts: list[str]) -> None:
    expected = [MATCHER.find_folded(text, reference_fold(text)) for text in texts]
    assert MATCHER.code_many(texts) == [
        {v: {m.code for m in matches if m.variable == v} for v in {m.variable for m in matches}}
        for matches in expected
    ]


def test_threads_learning_new_characters_fold_alike() -> None:
    # The fold tables learn characters on first sight and are shared by threads (a matcher
    # may be): texts full of characters no test has folded yet, folded in four threads at once.
    from concurrent.futures import ThreadPoolExecutor

    def texts_of(worker: int) -> list[str]:
        base = 0x17000 + 600 * worker  # Tangut ideographs: letters, unseen elsewhere
        return [
            f"Ўзбе{chr(base + i)}к o'{chr(base + i + 300)}zbek {chr(base + i)}" for i in range(300)
        ]

    with ThreadPoolExecutor(4) as pool:
        folded = list(pool.map(lambda worker: fold_many(texts_of(worker)), range(4)))
    for worker, result in enumerate(folded):
        assert result == [reference_fold(text) for text in texts_of(worker)]
