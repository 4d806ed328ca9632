"""Unicode care for the languages we code: Kyrgyz, Uzbek (Latin and Cyrillic), Russian, English.

Rules kept here, in one place, because every part of the tool (codebook linting, the lexicon
coder, importers) must apply them the same way:

* Text is stored in NFC. We never strip diacritics: й (и + breve) and Uzbek ў (у + breve) are
  letters of their own, and NFD-then-drop-marks would turn them into и and у.
* Uzbek Latin writes oʻ and gʻ with U+02BB MODIFIER LETTER TURNED COMMA and the tutuq belgisi
  with U+02BC MODIFIER LETTER APOSTROPHE. People type ' ‘ ’ ` ´ instead; we recognise those.
* Cyrillic and Latin share look-alike letters (а/a, е/e, о/o, р/p, с/c, х/x, у/y, …). A word that
  mixes the two scripts is almost always a typo or an evasion of keyword filters.
* For matching, :func:`fold` maps text in any of the five orthographies to one Latin-based
  search key (Uzbek Latin and Cyrillic spellings of a sentence give the same key) with a map
  from every key position back to the original text. The rules and the deliberate merges are
  documented at :func:`fold` and ``_CYRILLIC_KEY``.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Sequence
from typing import Any, NamedTuple

#: The Uzbek Latin oʻ/gʻ sign (U+02BB) and the tutuq belgisi (U+02BC).
UZ_TURNED_COMMA = "\u02bb"
UZ_APOSTROPHE = "\u02bc"
#: Characters people type instead of U+02BB / U+02BC.
APOSTROPHE_VARIANTS = "'`\u2018\u2019\u00b4\u02b9\u02bc\u02bb\u2032"

_WRONG_OG = re.compile(
    f"(?i)([og])([{re.escape(APOSTROPHE_VARIANTS.replace(UZ_TURNED_COMMA, ''))}])"
)
_WORD = re.compile(r"\w+")
_ALL_CYRILLIC_BLOCK = re.compile("[\u0400-\u052f]+")


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(value: object) -> str | None:
    """The first lone surrogate (U+D800..U+DFFF) in ``value`` (a text, or a list of texts).

    JSON escapes such as ``"\\udc80"`` decode to one; it is not Unicode text, and writing it
    to a file, a page or a terminal fails, so readers refuse it where it is found.
    """
    items = value if isinstance(value, tuple | list) else (value,)
    for item in items:
        if isinstance(item, str) and not item.isascii():
            found = _SURROGATE.search(item)
            if found:
                return found.group()
    return None


def lone_surrogate_message(char: str) -> str:
    """What a reader says about the lone surrogate ``char`` it found (after the field name)."""
    return (
        f"holds a lone surrogate (U+{ord(char):04X}), which is not Unicode text (a JSON escape "
        "such as \\ud800 without its pair?); write the character itself"
    )


def nfc(text: str) -> str:
    """Canonical composition: the stored form of every text."""
    return unicodedata.normalize("NFC", text)


def script_of(char: str) -> str | None:
    """``"Cyrillic"``, ``"Latin"`` or None for a character of neither script."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    if name.startswith("CYRILLIC"):
        return "Cyrillic"
    if name.startswith("LATIN"):
        return "Latin"
    return None


def mixed_script_words(text: str) -> list[str]:
    """Words that mix Cyrillic and Latin letters (homoglyph typos such as Latin ``e`` in узбeк)."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group()
        # Most words are ASCII or all in the Cyrillic block: one script at most, no need to
        # look up every character's name.
        if word.isascii() or _ALL_CYRILLIC_BLOCK.fullmatch(word):
            continue
        scripts = {script_of(ch) for ch in word} - {None}
        if len(scripts) > 1:
            found.append(word)
    return found


def misspelt_uzbek_apostrophes(text: str) -> list[str]:
    """Spots in Uzbek Latin text where oʻ/gʻ is typed with another apostrophe than U+02BB.

    Returns the offending two-character sequences, e.g. ``["o'", "g‘"]``.
    """
    return [m.group(0) for m in _WRONG_OG.finditer(text)]


# --------------------------------------------------------------------------------------------
# Folded search keys
#
# The lexicon coder matches stems written in five orthographies against text typed by people.
# Rather than multiplying every term into spelling variants, text and terms are both *folded*
# into one Latin-based key space and matched there; ``Folded.offsets`` maps every key position
# back to the original text so a match becomes a span of what the coder actually sees.
#
# The fold works on many texts at once (:func:`fold_batch`; :func:`fold` is a batch of one):
# the texts are joined by a separator and handled as one array of code points with numpy,
# through tables indexed by code point (character classes, keys) filled on first sight of a
# character. Python-level work is reserved for rare input (non-NFC text, pieces mixing scripts
# in unusual ways), never done per character or per word.
#
# Context-dependent rules are resolved first by replacing the characters concerned with one
# private *placeholder* character each (Unicode noncharacters U+FDD0.., which never occur in
# interchange text). Replacement is one character for one, so offsets are unchanged; the
# key table then gives each placeholder its contextual output.

_PH_TURNED = "\ufdd0"  # apostrophe after o/g, between letters: the oʻ/gʻ sign
_PH_TUTUQ = "\ufdd1"  # any other apostrophe between letters: the tutuq belgisi
_PH_YE = "\ufdd2"  # Cyrillic е at a word start or after a vowel, ъ or ь: "ye"
_PH_TS = "\ufdd3"  # Cyrillic ц after a vowel: "ts" (elsewhere "s", as Uzbek Latin writes it)
_PH_DROP = "\ufdd4"  # Cyrillic ъ before е/ё/ю/я or after ў/ғ: dropped (объект = obyekt)
_PH_S_TUTUQ = "\ufdd5"  # Cyrillic с before ҳ: "sʼ", as Uzbek Latin writes s'h (Isʼhoq)
_PLACEHOLDER_OUTPUT = {
    _PH_TURNED: UZ_TURNED_COMMA,
    _PH_TUTUQ: UZ_APOSTROPHE,
    _PH_YE: "ye",
    _PH_TS: "ts",
    _PH_DROP: "",
    _PH_S_TUTUQ: "s" + UZ_APOSTROPHE,
}
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")

#: Cyrillic (Russian, Kyrgyz, Uzbek and a few neighbours) -> the Latin key, after casefolding.
#: Uzbek Latin orthography is the reference, so Uzbek written in either script folds alike:
#: х -> x and ҳ -> h, ж -> j, ў -> oʻ, ғ -> gʻ, қ -> q, ъ -> ʼ; е/ц depend on context (above).
#: Deliberate merges: Kyrgyz ң -> n, ө -> o, ү -> u, because people type н/о/у for them (so
#: Kyrgyz өзбек also matches озбек; Uzbek ў -> oʻ is kept apart from о); ы and й both give y, as
#: in the usual romanisation (кыргыз = Kyrgyz); Russian ё is not merged with е. Never merged:
#: й (y) and и (i), ў (oʻ) and у (u), қ/к, ғ/г, ҳ/х.
_CYRILLIC_KEY = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "x",
    "ц": "s",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": UZ_APOSTROPHE,
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ў": "o" + UZ_TURNED_COMMA,
    "қ": "q",
    "ғ": "g" + UZ_TURNED_COMMA,
    "ҳ": "h",
    "ң": "n",
    "ө": "o",
    "ү": "u",
    "і": "i",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
    "һ": "h",
    "ұ": "u",
    "ә": "ä",
    "ј": "j",
}

# Homoglyph twins. Only letters that really look alike in common fonts, in both cases.
_LATIN_TO_CYRILLIC_TWIN = dict(zip("AaBEeKkMHOoPpCcTXxYyËë", "АаВЕеКкМНОоРрСсТХхУуЁё", strict=True))
_CYRILLIC_TO_LATIN_TWIN = dict(
    zip("АаВЕеКкМНОоРрСсТХхУуЁёІіЈјЅѕҺһԚԛԜԝ", "AaBEeKkMHOoPpCcTXxYyËëIiJjSsHhQqWw", strict=True)
)

_LATIN_LETTERS = "A-Za-z\u00c0-\u024f\u1e00-\u1eff"
_CYRILLIC_LETTERS = "\u0400-\u052f"
_CYRILLIC_VOWELS = "аеёиоуыэюяўөүіәұАЕЁИОУЫЭЮЯЎӨҮІӘҰ"
# Invisible characters that do not interrupt a word: combining marks (stress accents that NFC
# cannot compose) and format characters (soft hyphen, zero-width spaces and joiners, bidi
# controls: often inserted to dodge keyword filters). They fold to nothing.
_INVISIBLE = (
    "\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
)
_WORD_INTERNAL = _INVISIBLE + _PH_TURNED + _PH_TUTUQ
_APOS = re.escape(APOSTROPHE_VARIANTS)
# A letter, for the context rules. ʻ ʼ ʹ are letters to Unicode (Lm) but apostrophes to us.
_LETTER = f"[^\\W\\d_{_APOS}]"

# An apostrophe between two letters is part of the word: the oʻ/gʻ sign after o or g (Latin, or
# Cyrillic о/г typed for ў/ғ), the tutuq belgisi elsewhere (not after ь, which folds to nothing:
# the apostrophe would begin the folded word). Any other apostrophe is punctuation (quotes
# around a word, a trailing possessive). The rules are applied by _resolve_codes.
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_HAS_LATIN = re.compile(f"[{_LATIN_LETTERS}]")
_HAS_CYRILLIC = re.compile(f"[{_CYRILLIC_LETTERS}]")
_SCRIPT_SEAM = re.compile(
    f"[{_LATIN_LETTERS}][{_WORD_INTERNAL}]*[{_CYRILLIC_LETTERS}]"
    f"|[{_CYRILLIC_LETTERS}][{_WORD_INTERNAL}]*[{_LATIN_LETTERS}]"
)
_RUN = re.compile(f"(?:{_LETTER}|[{_WORD_INTERNAL}])+")


class Folded(NamedTuple):
    """A folded search key and its map back to the original text.

    ``offsets`` has ``len(key) + 1`` entries: ``offsets[i]`` is the offset in the original text
    of the character that produced ``key[i]`` (a character may produce several, ш -> "sh", or
    none, ь), and ``offsets[len(key)]`` is ``len(text)``. Offsets never decrease. In the key,
    every run of separators (spaces, punctuation, unattached apostrophes) is one space.
    """

    key: str
    offsets: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span (end exclusive) of the key slice ``key[start:end]``.

        The end covers the whole original character that produced ``key[end - 1]``, together
        with characters that fold to nothing right after it (ь, stress marks, soft hyphens).
        """
        offsets = self.offsets
        first = offsets[start]
        if end <= start:
            return first, first
        last = offsets[end - 1]
        while offsets[end] <= last:
            end += 1
        return first, offsets[end]


def _fold_char(char: str) -> str:
    """The key of one character out of context (filled lazily into the fold tables)."""
    if char == _SEPARATOR:
        return "\n"  # ends a text's key inside a batch; no text keeps one (see _batch_input)
    if char in _PLACEHOLDER_OUTPUT:
        return _PLACEHOLDER_OUTPUT[char]
    if char in APOSTROPHE_VARIANTS:  # not between letters (those became placeholders)
        return " "
    if char.isalpha():
        out = []
        for folded in char.casefold():  # may be longer: ß -> ss, İ -> i + combining dot
            if not unicodedata.combining(folded):
                out.append(_CYRILLIC_KEY.get(folded, folded))
        return "".join(out)
    if char.isalnum():  # digits: kept, but they are not letters (a word starts after one)
        return char.casefold()
    if unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf"):
        return ""  # inside a word, invisible for matching (see _WORD_INTERNAL)
    return " "


def _nfc_with_offsets(text: str) -> tuple[str, list[int]]:
    """NFC of ``text`` one base character (with its combining marks) at a time.

    Returns the normalised text and, for each of its characters plus one, the original offset.
    Composition across base characters (Hangul jamo) is not done; it does not occur in the
    scripts we code, and keeping segments independent keeps the offsets exact.
    """
    parts: list[str] = []
    offsets: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        segment = unicodedata.normalize("NFC", text[i:j])
        parts.append(segment)
        offsets.extend([i] * len(segment))
        i = j
    offsets.append(n)
    return "".join(parts), offsets


def _is_latin(char: str) -> bool:
    return (
        "a" <= char <= "z"
        or "A" <= char <= "Z"
        or "\u00c0" <= char <= "\u024f"
        or "\u1e00" <= char <= "\u1eff"
    )


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u052f"


def _unmix_word(word: str) -> str:
    """A word mixing Latin and Cyrillic letters, with the minority script's homoglyphs replaced.

    The majority script wins; on a tie, Cyrillic if every Latin letter has a Cyrillic twin, else
    Latin if every Cyrillic letter has a Latin twin. Letters without a twin are left alone.
    """
    latin = [c for c in word if _is_latin(c)]
    # The signs ь ъ are not counted: they may fold to nothing, and a span never starts with
    # a character that folds to nothing, so counting them would make a word fold differently
    # on its own than in its sentence.
    cyrillic = [c for c in word if _is_cyrillic(c) and c not in "ьъЬЪ"]
    if len(cyrillic) > len(latin) or (
        len(cyrillic) == len(latin) and all(c in _LATIN_TO_CYRILLIC_TWIN for c in latin)
    ):
        twins, minority = _LATIN_TO_CYRILLIC_TWIN, _is_latin
    elif len(latin) > len(cyrillic) or all(c in _CYRILLIC_TO_LATIN_TWIN for c in cyrillic):
        twins, minority = _CYRILLIC_TO_LATIN_TWIN, _is_cyrillic
    else:
        return word
    return "".join(twins.get(c, c) if minority(c) else c for c in word)


def _unmix_scripts(text: str) -> str:
    """``text`` with every mixed-script word passed through :func:`_unmix_word`."""
    if not (_HAS_LATIN.search(text) and _HAS_CYRILLIC.search(text)):
        return text
    pieces: list[str] = []
    done = 0
    for seam in _SCRIPT_SEAM.finditer(text):
        if seam.start() < done:
            continue  # a second seam in a word already unmixed
        start = seam.start()
        # Back to the start of the word, but not into what is done: a seam may begin with a
        # non-letter of the Latin block (× ÷) that ends the run of the seam before it.
        while start > done and _RUN.match(text[start - 1]):
            start -= 1
        run = _RUN.match(text, start)
        end = run.end() if run else seam.end()
        pieces.append(text[done:start])
        pieces.append(_unmix_word(text[start:end]))
        done = end
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def fold(text: str) -> Folded:
    """The folded search key of ``text`` and its offsets back into ``text``.

    Steps, in order:

    1. NFC (per base character when the text is not NFC already, so offsets stay exact). Letters
       with diacritics are never decomposed: й stays й, ў stays ў.
    2. Apostrophes between letters become the oʻ/gʻ sign (after o/g) or the tutuq belgisi
       (elsewhere), whatever was typed: ' ‘ ’ ` ´ ʹ ʻ ʼ ′. Other apostrophes are punctuation.
    3. A word mixing Latin and Cyrillic letters has its minority-script homoglyphs replaced by
       their twins in the majority script (узбeк with Latin e is узбек).
    4. Casefold, then transliterate Cyrillic to the Uzbek-Latin-based key (see ``_CYRILLIC_KEY``):
       е -> ye at a word start or after a vowel/ъ/ь, ц -> ts after a vowel else s, сҳ -> sʼh
       (Uzbek Latin s'h, distinct from ш -> sh), ъ -> ʼ except before е/ё/ю/я or after ў/ғ.
       Leftover combining marks and format characters (soft hyphen, zero-width space/joiner)
       vanish inside the word; every run of other non-alphanumeric characters is one space.

    Words are runs of letters (``str.isalpha``; the ʻ and ʼ signs count as letters). A word
    starts after any non-letter, digits included.
    """
    return fold_batch([text]).folded(0)


def _resolve_codes(codes: Any, props: Any) -> Any:
    """The code points ``codes`` (texts joined by ``_SEPARATOR``, without the hidden characters
    of texts holding invisible ones; ``props`` their ``_P_*`` bits) with context-dependent
    characters replaced by placeholders.

    Every rule looks at one neighbour of the character concerned, so each is a numpy test at
    the few positions holding that character; the separator is neither a letter nor a vowel
    nor an apostrophe, so a batch resolves as its texts would one by one. The rules, in the
    order they apply (each sees what the ones before it replaced):

    * an apostrophe after o/g (Latin, or Cyrillic о/г) and before a letter: the oʻ/gʻ sign;
    * another apostrophe after a letter (not ь) and before a letter: the tutuq belgisi;
    * words mixing scripts lose their minority-script homoglyphs (:func:`_unmix_codes`);
    * ъ before е/ё/ю/я or after ў/ғ/the oʻ/gʻ sign is dropped;
    * е at a word start (after a non-letter) or after a vowel, ъ or ь is "ye";
    * ц after a vowel (not an е that became "ye") is "ts";
    * с before ҳ is "sʼ".
    """
    import numpy as np

    out = codes.copy()
    props = props.copy()
    size = len(out)

    def before(positions: Any) -> Any:
        return np.where(positions > 0, props[positions - 1], 0)

    def after(positions: Any) -> Any:
        return np.where(positions + 1 < size, props[np.minimum(positions + 1, size - 1)], 0)

    def placed(positions: Any, placeholder: str) -> None:
        out[positions] = ord(placeholder)
        props[positions] = _TABLES.props[ord(placeholder)]

    # The few positions any rule concerns, found in one pass (each rule is skipped when no
    # character concerns it: short texts, terms being compiled, pay for what they hold).
    concerned = np.flatnonzero(props & _P_CONCERNED)
    kinds = props[concerned]
    apostrophes = concerned[(kinds & _P_APOSTROPHE) != 0]
    if len(apostrophes):
        left, right = before(apostrophes), after(apostrophes)
        sign = ((left & _P_OG) != 0) & ((right & _P_LETTER) != 0)
        tutuq = ~sign & ((left & _P_TUTUQ_AFTER) != 0) & ((right & _P_LETTER) != 0)
        placed(apostrophes[sign], _PH_TURNED)
        placed(apostrophes[tutuq], _PH_TUTUQ)
    changed = _unmix_codes(out, props)
    if len(changed):  # homoglyphs replaced: е and с may have appeared
        props[changed] = _TABLES.props[out[changed]]
        concerned = np.union1d(concerned, changed[(props[changed] & _P_CONCERNED) != 0])
    kinds = props[concerned]
    if not (kinds & (_P_HARD | _P_E | _P_TSE | _P_ES)).any():
        return out
    hard = concerned[(kinds & _P_HARD) != 0]
    if len(hard):
        drop = (after(hard) & _P_DROP_BEFORE) != 0
        drop |= (before(hard) & _P_DROP_AFTER) != 0
        out[hard[drop]] = ord(_PH_DROP)
    e = concerned[(kinds & _P_E) != 0]
    left = before(e)
    ye = e[((left & _P_LETTER) == 0) | ((left & _P_YE_AFTER) != 0)]
    tse = concerned[(kinds & _P_TSE) != 0]
    if len(tse):
        ts = tse[((before(tse) & _P_VOWEL) != 0) & ~np.isin(tse - 1, ye)]
        out[ts] = ord(_PH_TS)
    out[ye] = ord(_PH_YE)
    es = concerned[(kinds & _P_ES) != 0]
    if len(es):
        out[es[(after(es) & _P_HA) != 0]] = ord(_PH_S_TUTUQ)
    return out


def _unmix_codes(out: Any, props: Any) -> Any:
    """:func:`_unmix_scripts` of the code points ``out`` (``props`` their ``_P_*`` bits), in
    place; returns the positions changed.

    A piece is a run of characters a word or a script seam can hold (letters, the Latin and
    Cyrillic blocks, characters internal to words): no seam or word crosses anything else, so
    unmixing piece by piece is unmixing the whole. A piece made of Latin and Cyrillic letters
    (and word-internal characters) only is one word with a seam: :func:`_unmix_word` is done
    for all of them at once with numpy. Other pieces holding both scripts (rare) are given to
    :func:`_unmix_scripts`.
    """
    import numpy as np

    none = np.zeros(0, dtype=np.int64)
    script = props & (_P_LATIN | _P_CYRILLIC)
    letters = np.flatnonzero(script)
    scripts = script[letters]
    turns = np.flatnonzero(scripts[1:] != scripts[:-1])  # script changes, maybe across pieces
    if not len(turns):
        return none
    breaks = np.flatnonzero(props & _P_BREAK)
    # Piece of a position: how many breaks come before it (a break starts the next piece).
    piece_before = np.searchsorted(breaks, letters[turns], side="right")
    piece_after = np.searchsorted(breaks, letters[turns + 1], side="right")
    mixed = np.unique(piece_before[piece_before == piece_after])
    if not len(mixed):
        return none
    bounds = np.append(breaks, len(out))
    starts = np.where(mixed > 0, bounds[mixed - 1] + 1, 0)
    ends = bounds[mixed]
    counts = ends - starts
    piece = np.repeat(np.arange(len(mixed)), counts)
    chars = starts[piece] + np.arange(len(piece)) - np.repeat(np.cumsum(counts) - counts, counts)
    kinds = props[chars]

    def per_piece(mask: Any) -> Any:
        return np.bincount(piece[mask], minlength=len(mixed))

    latin = (kinds & _P_LATIN) != 0
    cyrillic = (kinds & _P_CYRILLIC) != 0
    twinned = (kinds & _P_TWIN) != 0
    simple = per_piece((kinds & _P_SIMPLE) == 0) == 0
    counted = cyrillic & ((kinds & _P_SIGN) == 0)
    n_latin, n_cyrillic = per_piece(latin), per_piece(counted)
    to_cyrillic = (n_cyrillic > n_latin) | (
        (n_cyrillic == n_latin) & (per_piece(latin & twinned) == n_latin)
    )
    to_latin = ~to_cyrillic & (
        (n_latin > n_cyrillic) | (per_piece(counted & twinned) == n_cyrillic)
    )
    swap = simple[piece] & twinned & ((latin & to_cyrillic[piece]) | (cyrillic & to_latin[piece]))
    changed = chars[swap]
    out[changed] = _TABLES.twins[out[changed]]
    for number in np.flatnonzero(~simple).tolist():
        start, end = int(starts[number]), int(ends[number])
        text = _from_code_points(out[start:end])
        unmixed = _unmix_scripts(text)
        if unmixed != text:
            out[start:end] = _code_points(unmixed)
            changed = np.append(changed, np.arange(start, end))
    return changed


def _code_points(text: str) -> Any:
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")


def _from_code_points(codes: Any) -> str:
    text: str = codes.astype("<u4", copy=False).tobytes().decode("utf-32-le", "surrogatepass")
    return text


# Character properties for the batch fold, one bit each (0: not looked at yet).
_P_KNOWN = 1
_P_BREAK = 1 << 1  # nothing a word or a script seam can hold (see _unmix_codes)
_P_HIDDEN = 1 << 2  # a combining mark or format character (removed while resolving context)
_P_INVISIBLE = 1 << 3  # in _INVISIBLE: a text holding one resolves without its hidden ones
_P_LATIN = 1 << 4  # in _LATIN_LETTERS
_P_CYRILLIC = 1 << 5  # in _CYRILLIC_LETTERS
_P_SIMPLE = 1 << 6  # a Latin or a Cyrillic letter, or word-internal (in neither block)
_P_SIGN = 1 << 7  # ь ъ: not counted when unmixing
_P_TWIN = 1 << 8  # has a homoglyph twin in the other script
_P_APOSTROPHE = 1 << 9
_P_OG = 1 << 10  # o/g before an apostrophe: the oʻ/gʻ sign
_P_LETTER = 1 << 11  # _LETTER
_P_TUTUQ_AFTER = 1 << 12  # a letter other than ь, before an apostrophe: the tutuq belgisi
_P_HARD = 1 << 13  # ъ
_P_DROP_BEFORE = 1 << 14  # е ё ю я: ъ before them is dropped
_P_DROP_AFTER = 1 << 15  # ў ғ and the oʻ/gʻ sign: ъ after them is dropped
_P_E = 1 << 16  # е
_P_YE_AFTER = 1 << 17  # vowels, ъ, ь: е after them is "ye"
_P_TSE = 1 << 18  # ц
_P_VOWEL = 1 << 19
_P_ES = 1 << 20  # с
_P_HA = 1 << 21  # ҳ
# For matching in a folded key (see intercoder.lexicon): a word starts after a non-letter
# (str.isalpha), a key starting with a digit not after a digit either (str.isdigit), and a match
# runs to the end of the word (_WORD_TAIL: letters and non-decimal numerals).
_P_ALPHA = 1 << 22
_P_DIGIT = 1 << 23
_P_TAIL = 1 << 24

_P_CONCERNED = _P_APOSTROPHE | _P_HARD | _P_E | _P_TSE | _P_ES  # by a context rule

_PROPERTY_CLASSES = (
    (_P_HIDDEN, None),  # by category, below
    (_P_INVISIBLE, f"[{_INVISIBLE}]"),
    (_P_LATIN, f"[{_LATIN_LETTERS}]"),
    (_P_CYRILLIC, f"[{_CYRILLIC_LETTERS}]"),
    (_P_SIGN, "[ьъЬЪ]"),
    (_P_APOSTROPHE, f"[{_APOS}]"),
    (_P_OG, "[oOgGоОгГ]"),
    (_P_LETTER, _LETTER),
    (_P_TUTUQ_AFTER, f"[^\\W\\d_{_APOS}ьЬ]"),
    (_P_HARD, "[ъЪ]"),
    (_P_DROP_BEFORE, "[еЕёЁюЮяЯ]"),
    (_P_DROP_AFTER, f"[ўЎғҒ{_PH_TURNED}]"),
    (_P_E, "[еЕ]"),
    (_P_YE_AFTER, f"[{_CYRILLIC_VOWELS}ъьЪЬ]"),
    (_P_TSE, "[цЦ]"),
    (_P_VOWEL, f"[{_CYRILLIC_VOWELS}]"),
    (_P_ES, "[сС]"),
    (_P_HA, "[ҳҲ]"),
    (_P_TAIL, r"[^\W\d_]"),
)
_PROPERTY_PATTERNS = [(bit, re.compile(p)) for bit, p in _PROPERTY_CLASSES if p is not None]
_TWIN_OF = {**_LATIN_TO_CYRILLIC_TWIN, **_CYRILLIC_TO_LATIN_TWIN}
# Every Latin and Cyrillic letter (the only ones with twins) is below U+2000.
_TWINS_SIZE = 0x2000


def _properties_of(char: str) -> int:
    props = _P_KNOWN
    if unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf"):
        props |= _P_HIDDEN
    for bit, pattern in _PROPERTY_PATTERNS:
        if pattern.fullmatch(char):
            props |= bit
    latin, cyrillic = bool(props & _P_LATIN), bool(props & _P_CYRILLIC)
    internal = char in _PH_TURNED + _PH_TUTUQ or bool(_HAS_INVISIBLE.fullmatch(char))
    letter = bool(_RUN.fullmatch(char))
    if not (letter or latin or cyrillic):
        props |= _P_BREAK
    if letter and ((latin != cyrillic and not internal) or (internal and not latin | cyrillic)):
        props |= _P_SIMPLE
    if char in _TWIN_OF:
        props |= _P_TWIN
    if char.isalpha():
        props |= _P_ALPHA
    if char.isdigit():
        props |= _P_DIGIT
    return props


class _FoldTables:
    """numpy tables indexed by code point, filled on first sight of a character.

    ``props`` holds the ``_P_*`` bits; ``slots`` the row of the character's key: its code
    points are ``flat[starts[row] : starts[row] + lengths[row]]``. The translation of a whole
    batch is then a few numpy look-ups (see :func:`_keys_of`) instead of a dict look-up per
    character in ``str.translate``.
    """

    def __init__(self) -> None:
        import numpy as np

        self._learning = threading.Lock()
        self.props = np.zeros(0x110000, dtype=np.uint32)
        self.slots = np.zeros(0x110000, dtype=np.int32)
        self._rows: dict[str, int] = {}
        self.flat = np.zeros(0, dtype=np.uint32)
        self.starts = np.zeros(0, dtype=np.int64)
        self.firsts = np.zeros(0, dtype=np.uint32)  # a row's first code point (0: empty)
        self.lengths = np.zeros(0, dtype=np.int64)
        self.twins = np.arange(_TWINS_SIZE, dtype=np.uint32)
        for char, twin in _TWIN_OF.items():
            self.twins[ord(char)] = ord(twin)
        # The placeholders and homoglyph twins may appear while resolving: known from the start.
        born = "".join(_PLACEHOLDER_OUTPUT) + "".join(_TWIN_OF.values())
        self.properties(np.array([ord(char) for char in born], dtype=np.uint32))

    def properties(self, codes: Any) -> Any:
        """The ``_P_*`` bits of every code point in ``codes`` (learning the new ones)."""
        import numpy as np

        props = self.props[codes]
        if props.all():
            return props
        with self._learning:
            # Threads share the tables: a character's key row is in ``flat``, ``starts`` and
            # ``lengths`` before its slot is written, and its slot before its bits say it is
            # known. Rows are only ever added, so a reader of the old arrays sees the same rows.
            new = [code for code in np.unique(codes[props == 0]).tolist() if not self.props[code]]
            found = [(code, _properties_of(chr(code)), _fold_char(chr(code))) for code in new]
            for _code, _props, key in found:
                self._rows.setdefault(key, len(self._rows))
            lengths = np.array([len(key) for key in self._rows], dtype=np.int64)
            self.flat = _code_points("".join(self._rows))  # dicts keep the rows' order
            self.starts = np.cumsum(lengths) - lengths
            self.firsts = np.array([ord(key[:1] or "\0") for key in self._rows], dtype=np.uint32)
            self.lengths = lengths
            for code, bits, key in found:
                self.slots[code] = self._rows[key]
                self.props[code] = bits
        return self.props[codes]


class _LazyTables:
    """The module's :class:`_FoldTables`, made on first use (``text`` is imported by every
    command; numpy and 9 MB of tables are only needed for folding)."""

    _tables: _FoldTables | None = None
    _making = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if _LazyTables._tables is None:
            with _LazyTables._making:
                if _LazyTables._tables is None:
                    _LazyTables._tables = _FoldTables()
        return getattr(_LazyTables._tables, name)


_TABLES: Any = _LazyTables()

#: Placed between the texts of a batch. A noncharacter: texts never keep one (noncharacters
#: in a text become U+FFFD first, as in :func:`fold`), it folds to the "\n" that ends a text's
#: key in the batch key, and it counts as white space for unmixing.
_SEPARATOR = "\ufdef"


class FoldedBatch(NamedTuple):
    """The folded keys of many texts, computed at once (see :func:`fold_batch`).

    ``key`` is the keys of the texts in order, each but the last followed by ``"\n"`` (which no
    key contains). ``offsets`` (a numpy array, ``len(key) + 1`` entries) maps every key
    position to a position in ``joined``: the texts (in NFC) joined by one separator
    character, text ``i`` starting at ``text_starts[i]``. Text ``i``'s key is
    ``key[key_starts[i]:key_ends[i]]``. ``bases`` maps the index of each text that was not in
    NFC to the map from its NFC form back to the text (as :func:`fold` does it).
    """

    texts: list[str]
    joined: str
    key: str
    offsets: Any
    source: Any  # the code points of joined
    key_codes: Any  # the code points of key
    key_starts: Any
    key_ends: Any
    text_starts: Any
    bases: dict[int, list[int]]

    def folded(self, index: int) -> Folded:
        """Text ``index``'s :class:`Folded`, exactly as :func:`fold` gives it."""
        start, end = int(self.key_starts[index]), int(self.key_ends[index])
        offsets = (self.offsets[start : end + 1] - self.text_starts[index]).tolist()
        base = self.bases.get(index)
        if base is not None:
            offsets = [base[offset] for offset in offsets]
        return Folded(self.key[start:end], offsets)

    def keys(self) -> list[str]:
        """Every text's key, in order (as :func:`fold_key` gives each): the keys are joined by
        ``"\n"``, which none contains, so one split gives them all."""
        return self.key.split("\n") if self.texts else []

    def properties(self) -> Any:
        """The ``_P_*`` bits of every key character (a numpy array)."""
        return _TABLES.properties(self.key_codes)

    def texts_at(self, positions: Any) -> Any:
        """The index of the text each key position (a numpy array) belongs to."""
        import numpy as np

        return np.searchsorted(self.key_starts, positions, side="right") - 1


def fold_batch(texts: Sequence[str]) -> FoldedBatch:
    """:func:`fold` of many texts at once, with whole-batch C-level operations.

    The texts are joined by a separator and folded as one string: the context rules are
    regular expressions over the whole batch, the character keys come from numpy tables over
    its code points, and offsets stay a numpy array (most key positions never need one).
    Python-level work is left for rare input: texts not in NFC, pieces mixing scripts.
    """
    import numpy as np

    originals = list(texts)
    normals = list(originals)
    bases: dict[int, list[int]] = {}
    joined = _SEPARATOR.join(normals)
    if not unicodedata.is_normalized("NFC", joined):
        # The separator never composes with its neighbours: the texts not in NFC are exactly
        # those that make the batch not NFC.
        for index, text in enumerate(normals):
            if not unicodedata.is_normalized("NFC", text):
                normals[index], bases[index] = _nfc_with_offsets(text)
        joined = _SEPARATOR.join(normals)
    source = _code_points(joined)
    # A noncharacter besides the separators: one count over the code points (a regular
    # expression search of the whole batch took a tenth of the fold). U+FDD0-U+FDEF are the
    # code points from which unsigned subtraction of U+FDD0 leaves at most 0x1F.
    if np.count_nonzero(source - np.uint32(0xFDD0) <= 0x1F) > len(normals) - 1:
        normals = [_NONCHARACTERS.sub("\ufffd", text) for text in normals]
        joined = _SEPARATOR.join(normals)
        source = _code_points(joined)
    lengths = np.fromiter(map(len, normals), dtype=np.int64, count=len(normals))
    text_starts = np.zeros(len(normals) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=text_starts[1:])
    codes = _resolve_batch(source, lengths)  # every character in it is known by now
    out, sources = _keys_of(_TABLES.slots[codes])
    space = out == 32
    if space.any():  # every run of spaces is one space
        keep = np.ones(len(out), dtype=bool)
        keep[1:] = ~(space[1:] & space[:-1])
        out, sources = out[keep], sources[keep]
    ends = np.flatnonzero(out == 10)
    key_starts = np.zeros(len(normals), dtype=np.int64)
    key_starts[1:] = ends + 1
    return FoldedBatch(
        originals,
        joined,
        _from_code_points(out),
        np.append(sources, len(joined)),
        source,
        out,
        key_starts,
        np.append(ends, len(out)),
        text_starts,
        bases,
    )


def _keys_of(slots: Any) -> tuple[Any, Any]:
    """The code points of the keys of characters whose key rows are ``slots``, one after the
    other, and for each of them the index of the character it comes from.

    Nearly every character has a key of one character: the keys are then the first code
    points of their rows, character for character. Only the few others (an empty key, or a
    key of two or more, like ш -> sh) shift the positions after them; the shift is a running
    sum over a difference array that is zero everywhere else. (``np.repeat`` over the key
    lengths does the same in one call but costs three times as much per character.)
    """
    import numpy as np

    tables = _TABLES
    firsts = tables.firsts[slots]
    lengths = tables.lengths[slots]
    odd = np.flatnonzero(lengths != 1)
    if not len(odd):
        return firsts, np.arange(len(slots), dtype=np.int64)
    extra = lengths[odd].astype(np.int64) - 1  # -1 for an empty key
    at = odd + (np.cumsum(extra) - extra)  # where each odd character's key starts
    size = len(slots) + int(extra.sum())
    longer = extra > 0
    # Positions 1, 2, ... of each longer key: they repeat the character before them.
    long_at, long_extra = at[longer], extra[longer]
    within = np.arange(int(long_extra.sum())) - np.repeat(
        np.cumsum(long_extra) - long_extra - 1, long_extra
    )
    follow = np.repeat(long_at, long_extra) + within
    steps = np.zeros(size + 1, dtype=np.int64)
    steps[follow] = 1  # one position each
    np.subtract.at(steps, at[~longer], 1)  # the next character comes one position earlier
    sources = np.arange(size, dtype=np.int64) - np.cumsum(steps[:size])
    out = firsts[sources]
    if len(follow):
        out[follow] = tables.flat[tables.starts[slots[sources[follow]]] + within]
    return out, sources


def _resolve_batch(codes: Any, lengths: Any) -> Any:
    """The code points ``codes`` (texts of ``lengths`` joined by the separator) with the
    context-dependent characters replaced by placeholders (see :func:`_resolve_codes`).

    The rules look at neighbouring letters, and a zero-width space or a stress mark must not
    hide them (узб<ZWSP>ек is узбек: е after б, not at a word start). In a text holding one of
    ``_INVISIBLE``, its combining marks and format characters are taken out, the rest is
    resolved, and they are put back where they were.
    """
    import numpy as np

    props = _TABLES.properties(codes)
    invisible = (props & _P_INVISIBLE) != 0
    if not invisible.any():
        return _resolve_codes(codes, props)
    text_of = np.repeat(np.arange(len(lengths)), lengths + 1)[: len(codes)]
    flagged = np.zeros(len(lengths), dtype=bool)
    flagged[text_of[invisible]] = True
    visible = np.flatnonzero(((props & _P_HIDDEN) == 0) | ~flagged[text_of])
    resolved = codes.copy()
    resolved[visible] = _resolve_codes(codes[visible], props[visible])
    return resolved


def fold_many(texts: Sequence[str]) -> list[Folded]:
    """``[fold(text) for text in texts]``, computed as one batch (see :func:`fold_batch`)."""
    batch = fold_batch(texts)
    return [batch.folded(index) for index in range(len(batch.texts))]


@functools.lru_cache(maxsize=1 << 14)
def fold_key(text: str) -> str:
    """Just the folded key of ``text`` (see :func:`fold`), remembered for the last 16,384 texts:
    terms and ids are folded again and again, and one fold has the fixed cost of a batch (the
    keys of many texts: ``fold_batch(texts).keys()``)."""
    return fold(text).key


def ascii_identifier(text: str) -> str:
    """A lowercase ASCII form of ``text`` for generated ids (``Ўзбеклар`` -> ``ozbeklar``).

    The folded search key is already a Latin transliteration of every script we handle; what
    is left to drop are the Uzbek signs ʻ and ʼ and the rare letters it keeps.
    """
    decomposed = unicodedata.normalize("NFKD", fold_key(text))
    return decomposed.encode("ascii", "ignore").decode()
