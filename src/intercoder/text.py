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

import re
import unicodedata
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
# The fold is built from whole-string C-level operations (``re.sub`` with one-character
# replacements, two ``str.translate`` calls, a few numpy operations); Python-level work per
# character is reserved for rare input (non-NFC text, words mixing scripts).
#
# Context-dependent rules are resolved first by replacing the characters concerned with one
# private *placeholder* character each (Unicode noncharacters U+FDD0.., which never occur in
# interchange text). Replacement is one character for one, so offsets are unchanged; the
# translation table then gives each placeholder its contextual output.

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
# Cyrillic о/г typed for ў/ғ), the tutuq belgisi elsewhere. Any other apostrophe is punctuation
# (quotes around a word, a trailing possessive). Patterns start with the character concerned
# so that the regex engine can skip ahead to candidates.
_OG_SIGN = re.compile(f"[{_APOS}](?<=[oOgGоОгГ][{_APOS}])(?={_LETTER})")
# (Not after ь, which folds to nothing: the apostrophe would begin the folded word.)
_TUTUQ_SIGN = re.compile(f"[{_APOS}](?<=[^\\W\\d_{_APOS}ьЬ][{_APOS}])(?={_LETTER})")
_HAS_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
_HAS_LATIN = re.compile(f"[{_LATIN_LETTERS}]")
_HAS_CYRILLIC = re.compile(f"[{_CYRILLIC_LETTERS}]")
_SCRIPT_SEAM = re.compile(
    f"[{_LATIN_LETTERS}][{_WORD_INTERNAL}]*[{_CYRILLIC_LETTERS}]"
    f"|[{_CYRILLIC_LETTERS}][{_WORD_INTERNAL}]*[{_LATIN_LETTERS}]"
)
_RUN = re.compile(f"(?:{_LETTER}|[{_WORD_INTERNAL}])+")
_HARD_SIGN_DROP = re.compile(f"[ъЪ](?=[еЕёЁюЮяЯ])|[ъЪ](?<=[ўЎғҒ{_PH_TURNED}][ъЪ])")
_YE = re.compile(f"[еЕ](?:(?<!{_LETTER}[еЕ])|(?<=[{_CYRILLIC_VOWELS}ъьЪЬ][еЕ]))")
_TS = re.compile(f"[цЦ](?<=[{_CYRILLIC_VOWELS}][цЦ])")
_S_BEFORE_H = re.compile("[сС](?=[ҳҲ])")


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
    """The key of one character out of context (filled lazily into the translation tables)."""
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


class _FoldTable(dict[int, str]):
    """``str.translate`` table: code point -> key, computed on first sight."""

    def __missing__(self, code: int) -> str:
        value = self[code] = _fold_char(chr(code))
        return value


_FOLD_TABLE = _FoldTable()


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
        while start > 0 and _RUN.match(text[start - 1]):
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


def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) in ("Mn", "Mc", "Me", "Cf")


def _resolve_context(text: str) -> str:
    """Replace context-dependent characters by placeholders; the length does not change."""
    if _NONCHARACTERS.search(text):
        text = _NONCHARACTERS.sub("\ufffd", text)
    if _HAS_INVISIBLE.search(text):
        # The rules look at neighbouring letters, and a zero-width space or a stress mark must
        # not hide them (узб<ZWSP>ек is узбек: е after б, not at a word start). Resolve the
        # visible characters alone, then put the invisible ones back where they were.
        visible = [i for i, char in enumerate(text) if not _is_invisible(char)]
        resolved = _resolve_visible("".join(text[i] for i in visible))
        chars = list(text)
        for i, char in zip(visible, resolved, strict=True):
            chars[i] = char
        return "".join(chars)
    return _resolve_visible(text)


def _resolve_visible(text: str) -> str:
    """:func:`_resolve_context` for text without invisible characters."""
    text = _OG_SIGN.sub(_PH_TURNED, text)
    text = _TUTUQ_SIGN.sub(_PH_TUTUQ, text)
    text = _unmix_scripts(text)
    if _HAS_CYRILLIC.search(text):
        text = _HARD_SIGN_DROP.sub(_PH_DROP, text)
        text = _YE.sub(_PH_YE, text)
        text = _TS.sub(_PH_TS, text)
        text = _S_BEFORE_H.sub(_PH_S_TUTUQ, text)
    return text


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
    import numpy as np  # deferred: text.py is imported by every CLI command

    if unicodedata.is_normalized("NFC", text):
        normal, base = text, None
    else:
        normal, base = _nfc_with_offsets(text)
    resolved = _resolve_context(normal)
    key = resolved.translate(_FOLD_TABLE)
    lengths = _key_lengths(resolved)
    size = len(resolved)
    if len(key) == size and "  " not in key and not np.any(lengths != 1):
        offsets = list(range(size))  # one key character per character: nothing to map
    else:
        starts = np.repeat(np.arange(size, dtype=np.intp), lengths)
        if "  " in key:
            codes = np.frombuffer(key.encode("utf-32-le"), dtype="<u4")
            space = codes == 32
            keep = np.ones(len(codes), dtype=bool)
            keep[1:] = ~(space[1:] & space[:-1])
            key = codes[keep].tobytes().decode("utf-32-le")
            starts = starts[keep]
        offsets = starts.tolist()
    offsets.append(size)
    if base is not None:
        offsets = [base[offset] for offset in offsets]
    return Folded(key, offsets)


_UNKNOWN_LENGTH = 255
_LENGTHS: list[Any] = []  # [numpy table: code point -> length of its key], made on first use


def _key_lengths(text: str) -> Any:
    """The length of each character's key (as ``_FOLD_TABLE`` gives it), as a numpy array: one
    table look-up per character in numpy, where a second ``str.translate`` would look up a
    Python dict."""
    import numpy as np

    if not _LENGTHS:
        _LENGTHS.append(np.full(0x110000, _UNKNOWN_LENGTH, dtype=np.uint8))
    table = _LENGTHS[0]
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    lengths = table[codes]
    unknown = lengths == _UNKNOWN_LENGTH
    if unknown.any():  # characters not seen before: their keys, once
        for code in set(codes[unknown].tolist()):
            table[code] = len(_FOLD_TABLE[code])
        lengths = table[codes]
    return lengths


def fold_key(text: str) -> str:
    """Just the folded key of ``text`` (see :func:`fold`); how terms are compiled."""
    return fold(text).key


def ascii_identifier(text: str) -> str:
    """A lowercase ASCII form of ``text`` for generated ids (``Ўзбеклар`` -> ``ozbeklar``).

    The folded search key is already a Latin transliteration of every script we handle; what
    is left to drop are the Uzbek signs ʻ and ʼ and the rare letters it keeps.
    """
    decomposed = unicodedata.normalize("NFKD", fold_key(text))
    return decomposed.encode("ascii", "ignore").decode()
