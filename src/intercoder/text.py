"""Unicode care for the languages we code: Kyrgyz, Uzbek (Latin and Cyrillic), Russian, English.

Rules kept here, in one place, because every part of the tool (codebook linting, the lexicon
coder, importers) must apply them the same way:

* Text is stored in NFC. We never strip diacritics: й (и + breve) and Uzbek ў (у + breve) are
  letters of their own, and NFD-then-drop-marks would turn them into и and у.
* Uzbek Latin writes oʻ and gʻ with U+02BB MODIFIER LETTER TURNED COMMA and the tutuq belgisi
  with U+02BC MODIFIER LETTER APOSTROPHE. People type ' ‘ ’ ` ´ instead; we recognise those.
* Cyrillic and Latin share look-alike letters (а/a, е/e, о/o, р/p, с/c, х/x, у/y, …). A word that
  mixes the two scripts is almost always a typo or an evasion of keyword filters.
"""

from __future__ import annotations

import re
import unicodedata

#: The Uzbek Latin oʻ/gʻ sign (U+02BB) and the tutuq belgisi (U+02BC).
UZ_TURNED_COMMA = "\u02bb"
UZ_APOSTROPHE = "\u02bc"
#: Characters people type instead of U+02BB / U+02BC.
APOSTROPHE_VARIANTS = "'`\u2018\u2019\u00b4\u02b9\u02bc\u02bb\u2032"

_WRONG_OG = re.compile(
    f"(?i)([og])([{re.escape(APOSTROPHE_VARIANTS.replace(UZ_TURNED_COMMA, ''))}])"
)
_WORD = re.compile(r"\w+")


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
        scripts = {script_of(ch) for ch in match.group()} - {None}
        if len(scripts) > 1:
            found.append(match.group())
    return found


def misspelt_uzbek_apostrophes(text: str) -> list[str]:
    """Spots in Uzbek Latin text where oʻ/gʻ is typed with another apostrophe than U+02BB.

    Returns the offending two-character sequences, e.g. ``["o'", "g‘"]``.
    """
    return [m.group(0) for m in _WRONG_OG.finditer(text)]


# Cyrillic -> ASCII for identifiers only (Russian, Kyrgyz and Uzbek letters); never applied to
# text that is coded or shown.
_TO_ASCII = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "yo",
        "ж": "zh",
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
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "ң": "ng",
        "ө": "o",
        "ү": "u",
        "ў": "o",
        "қ": "q",
        "ғ": "g",
        "ҳ": "h",
        UZ_TURNED_COMMA: "",
        UZ_APOSTROPHE: "",
    }
)


def ascii_identifier(text: str) -> str:
    """A lowercase ASCII form of ``text`` for generated ids (``Ўзбеклар`` -> ``ozbeklar``)."""
    lowered = nfc(text).lower().translate(_TO_ASCII)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return decomposed.encode("ascii", "ignore").decode()
