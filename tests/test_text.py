"""Unicode helpers of intercoder.text, above all the folded search key used by the lexicon coder.

What is checked:

* the older helpers (NFC, scripts, mixed-script words, Uzbek apostrophes, ASCII ids);
* ``fold``: the same Uzbek sentence in Latin and Cyrillic folds to one key, whatever apostrophe
  was typed; Kyrgyz ң/ө/ү fold with н/о/у (a deliberate merge); homoglyphs typed from the other
  script do not change a word's key; й/и, ў/у, қ/к, ғ/г, ҳ/х stay apart (no diacritic
  stripping, even on decomposed input);
* the offsets: exact spans of every folded word, and, by property, that re-folding the span of
  any folded word gives back that word (so a match can be shown and re-checked in the original).
"""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intercoder.text import (
    Folded,
    ascii_identifier,
    fold,
    fold_key,
    misspelt_uzbek_apostrophes,
    mixed_script_words,
    nfc,
    script_of,
)

from strategies import fold_texts

# --- the older helpers --------------------------------------------------------------------------


def test_nfc_composes_short_i_and_uzbek_u() -> None:
    assert nfc("и\u0306") == "й"
    assert nfc("у\u0306") == "ў"


def test_script_of() -> None:
    assert script_of("ы") == "Cyrillic"
    assert script_of("q") == "Latin"
    assert script_of("5") is None
    assert script_of(" ") is None


def test_mixed_script_words_finds_latin_e_in_cyrillic_word() -> None:
    assert mixed_script_words("узбeк и узбек") == ["узбeк"]


# Letters of both scripts and of neither: ASCII, Latin-1 and Extended, IPA, the Uzbek signs,
# Greek, Cyrillic and its supplement, Cyrillic Extended-B and -C, Latin Extended Additional.
_SCRIPT_MIX = st.text(
    st.sampled_from(
        "aeEoO z5 _-'ʻʼ\u00e9\u00f6\u0131\u0259\u0250\u03b1\u03c9\u03ff"
        "\u0400\u0435\u0451\u04e9\u04af\u04a3\u0493\u052f\ua641\u1c80\u1e9e\u1ea1"
    ),
    max_size=24,
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(_SCRIPT_MIX)
def test_mixed_script_words_is_every_word_with_both_scripts(text: str) -> None:
    """Against the definition, word by word and character by character (the function skips
    words that cannot mix scripts without looking at their characters' names)."""
    expected = [
        word
        for word in re.findall(r"\w+", text)
        if len({script_of(char) for char in word} - {None}) > 1
    ]
    assert mixed_script_words(text) == expected


def test_misspelt_uzbek_apostrophes() -> None:
    assert misspelt_uzbek_apostrophes("O'zbek g‘alaba oʻzbek") == ["O'", "g‘"]


def test_ascii_identifier() -> None:
    assert ascii_identifier("Ўзбеклар") == "ozbeklar"


# --- fold: orthography ---------------------------------------------------------------------------


def test_fold_returns_key_and_offsets_as_a_tuple() -> None:
    key, offsets = fold("Ўзбек")
    assert key == "oʻzbek"
    assert offsets == [0, 0, 1, 2, 3, 4, 5]


def test_casefold() -> None:
    assert fold_key("UZBEK Uzbek uzbek") == "uzbek uzbek uzbek"
    assert fold_key("ҚИРҒИЗ") == fold_key("қирғиз") == "qirgʻiz"
    assert fold_key("STRASSE") == fold_key("Straße")


# The same Uzbek sentence in the Latin and the Cyrillic alphabet. Each pair exercises a rule:
# oʻ/gʻ = ў/ғ, ye/yo/yu/ya = е/ё/ю/я (е only at a word start or after a vowel), sh/ch/ng,
# s'h = сҳ (not ш), tutuq = ъ, ц = s or ts, э = e, ъ dropped in Russian loans (obyekt).
UZBEK_PAIRS = [
    ("Oʻzbeklar bozorda savdo qilishadi.", "Ўзбеклар бозорда савдо қилишади."),
    ("Yer yuzida yoshlar yaxshi yashaydi.", "Ер юзида ёшлар яхши яшайди."),
    ("Isʼhoq shaharga ketdi, maʼnosi yoʻq!", "Исҳоқ шаҳарга кетди, маъноси йўқ!"),
    ("Militsiya sirk va konsert haqida gapirdi.", "Милиция цирк ва концерт ҳақида гапирди."),
    ("Qirgʻiz va tojik muhojirlar gʻalaba qozondi.", "Қирғиз ва тожик муҳожирлар ғалаба қозонди."),
    ("Men bilan Toshkentga keling, choy ichamiz.", "Мен билан Тошкентга келинг, чой ичамиз."),
    ("Ertaga ekin ekamiz, ey doʻstim.", "Эртага экин экамиз, эй дўстим."),
    ("Obyekt va subyekt, sanʼat va taʼlim.", "Объект ва субъект, санъат ва таълим."),
    ("Moʻjiza sheʼr, poeziya, oyoq.", "Мўъжиза шеър, поэзия, оёқ."),
]


@pytest.mark.parametrize(("latin", "cyrillic"), UZBEK_PAIRS)
def test_uzbek_latin_and_cyrillic_fold_alike(latin: str, cyrillic: str) -> None:
    assert fold_key(latin) == fold_key(cyrillic)


@pytest.mark.parametrize(("latin", "cyrillic"), UZBEK_PAIRS)
@pytest.mark.parametrize("typed", ["'", "‘", "’", "`", "´", "ʹ", "′"])
def test_uzbek_apostrophes_as_typed(latin: str, cyrillic: str, typed: str) -> None:
    """Whatever stands for oʻ/gʻ or the tutuq, the key is that of the Cyrillic spelling."""
    sloppy = latin.replace("\u02bb", typed).replace("\u02bc", typed)
    assert fold_key(sloppy) == fold_key(cyrillic)


def test_turned_comma_and_tutuq_stay_distinct() -> None:
    # oʻ/gʻ sign after o/g, tutuq elsewhere: gʻ is not g + tutuq, so qirgʻiz is not *qirgʼiz.
    assert fold_key("o'") != fold_key("o")
    assert fold_key("g'alaba") == "gʻalaba"
    assert fold_key("ma'no") == "maʼno"
    assert fold_key("gʻalaba") != fold_key("galaba")


def test_s_apostrophe_h_is_not_sh() -> None:
    assert fold_key("Isʼhoq") == fold_key("Исҳоқ") != fold_key("Ишоқ")
    assert fold_key("Ishoq") == fold_key("Ишоқ")


def test_apostrophes_outside_a_word_are_punctuation() -> None:
    assert fold_key("‘Uzbeks’ rights") == " uzbeks rights"
    assert fold_key("'o'zbek'") == " oʻzbek "
    assert fold_key("Uzbek's") == "uzbekʼs"  # between letters: part of the word


@pytest.mark.parametrize(
    ("with_kyrgyz_letters", "typed_plain"),
    [("өзбектерге", "озбектерге"), ("дуңган", "дунган"), ("түрктөр", "турктор"), ("жөөт", "жоот")],
)
def test_kyrgyz_letters_merge_with_plain_ones(with_kyrgyz_letters: str, typed_plain: str) -> None:
    """Deliberate: ң/ө/ү fold to n/o/u because people type н/о/у for them."""
    assert fold_key(with_kyrgyz_letters) == fold_key(typed_plain)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("мой", "мои"),  # й is not и
        ("й", "и"),
        ("ўзбек", "узбек"),  # ў is not у
        ("қол", "кол"),
        ("ғор", "гор"),
        ("ҳар", "хар"),
        ("ёл", "ел"),
    ],
)
def test_no_diacritic_stripping(one: str, other: str) -> None:
    assert fold_key(one) != fold_key(other)


def test_decomposed_input_is_composed_not_stripped() -> None:
    assert fold_key("мои\u0306") == fold_key("мой") == "moy"
    assert fold_key("у\u0306збек") == fold_key("ўзбек")
    assert fold("мои\u0306 дом").offsets[-1] == len("мои\u0306 дом")


@pytest.mark.parametrize(
    ("mixed", "pure"),
    [
        ("узбeк", "узбек"),  # Latin e
        ("Xристиан", "Христиан"),  # Latin X
        ("pусские", "русские"),  # Latin p: folds as Cyrillic р (r), not as p
        ("ТAДЖИК", "ТАДЖИК"),  # Latin A
        ("кыpгыз", "кыргыз"),
        ("eврей", "еврей"),  # Latin e at the word start: still ye
        ("Uzbеk", "Uzbek"),  # Cyrillic е in a Latin word
        ("Тajik", "Tajik"),  # Cyrillic Т in a Latin word
    ],
)
def test_homoglyph_from_the_other_script(mixed: str, pure: str) -> None:
    assert fold_key(mixed) == fold_key(pure)


def test_invisible_characters_do_not_split_or_change_a_word() -> None:
    assert fold_key("у\u00adзбек") == "uzbek"  # soft hyphen
    assert fold_key("узб\u200bек") == "uzbek"  # zero-width space: е is still after б
    assert fold_key("приве́т") == fold_key("привет")  # stress mark NFC cannot compose
    assert fold_key("o\u200d'zbek") == "oʻzbek"


def test_separators_collapse_to_one_space() -> None:
    assert fold_key("пятая  колонна") == fold_key("пятая\n\t— колонна") == "pyataya kolonna"
    assert fold_key("  Hello,  world!! ") == " hello world "


def test_digits_are_kept_and_end_words() -> None:
    assert fold_key("2024-yil 5uzbek") == "2024 yil 5uzbek"


def test_noncharacters_in_input_cannot_pose_as_placeholders() -> None:
    assert fold_key("a\ufdd2b\ufdd0c") == "a b c"


# --- fold: offsets ------------------------------------------------------------------------------

_KEY_WORD = re.compile(r"[^\W\d_]+")


def word_spans(folded: Folded) -> list[tuple[str, int, int]]:
    """Each word of the key with its span in the original text."""
    return [(m.group(), *folded.span(m.start(), m.end())) for m in _KEY_WORD.finditer(folded.key)]


@pytest.mark.parametrize("text", [s for pair in UZBEK_PAIRS for s in pair])
def test_every_folded_word_maps_back_to_its_original_word(text: str) -> None:
    original_words = re.findall(r"[^\W\d_]+(?:[ʻʼ][^\W\d_]+)*", text)
    spans = word_spans(fold(text))
    assert [text[start:end] for _, start, end in spans] == original_words


def test_offsets_of_multi_character_outputs() -> None:
    folded = fold("Ўзбеклар шаҳарда")
    assert folded.key == "oʻzbeklar shaharda"
    assert folded.span(0, 2) == (0, 1)  # oʻ comes from ў
    assert folded.span(0, 1) == (0, 1)
    assert folded.span(10, 12) == (9, 10)  # sh comes from ш
    assert folded.span(0, len(folded.key)) == (0, len("Ўзбеклар шаҳарда"))


def test_offsets_cover_dropped_characters_inside_the_word() -> None:
    text = "мать объекта"
    folded = fold(text)
    assert folded.key == "mat obyekta"
    assert [text[a:b] for _, a, b in word_spans(folded)] == ["мать", "объекта"]


# --- properties ---------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(fold_texts)
def test_offsets_are_a_monotone_map_into_the_text(text: str) -> None:
    key, offsets = fold(text)
    assert len(offsets) == len(key) + 1
    assert offsets[-1] == len(text)
    assert all(0 <= a <= b <= len(text) for a, b in itertools.pairwise(offsets))
    assert "  " not in key


@settings(max_examples=400, deadline=None)
@given(fold_texts)
def test_refolding_the_span_of_a_word_gives_the_word(text: str) -> None:
    """Folding is local to the word: what a match covers can be re-checked on its own."""
    for word, start, end in word_spans(fold(text)):
        assert 0 <= start < end <= len(text)
        assert fold_key(text[start:end]) == word, (text, text[start:end])


@settings(max_examples=200, deadline=None)
@given(fold_texts)
def test_fold_depends_on_nfc_only(text: str) -> None:
    assert fold_key(text) == fold_key(unicodedata.normalize("NFC", text))
    assert fold_key(text) == fold_key(text.upper().lower()) or text.upper().lower() != text
