"""The lexicon matcher on the bundled codebooks' markers and on constructed marker lists.

What is checked:

* the same sentence in Uzbek Latin (with oʻ typed ʻ ' ‘ `) and Uzbek Cyrillic yields the same
  codes on the corresponding words; Kyrgyz stems match with suffixes and when ө ү ң are typed
  о у н; a Latin homoglyph in a Cyrillic word does not hide it;
* no diacritic stripping: a term with й does not match the word with и; ў and у stay apart;
* spans: ``text[start:end]`` is the original word (suffix and all, apostrophes as typed);
* word starts (no match inside a word), exclusion lists (pooled over a code's languages),
  one match per (variable, code) and position with the longest term winning;
* by property, on texts built from marker words, fillers, suffixes and noise: spans are in
  range, start at a word start, end at a word end and fold to a key starting with the term;
  and the matcher agrees with a brute-force matcher written from the rules.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings

import intercoder
from intercoder.codebook.model import Marker
from intercoder.lexicon import LexiconMatcher, Match
from intercoder.text import fold, fold_key

from strategies import lexicon_texts

HATE = intercoder.load_codebook("hate-speech")
ENEMY = intercoder.load_codebook("enemy-images")
STEREO = intercoder.load_codebook("stereotypes")
HATE_MATCHER = LexiconMatcher.from_codebook(HATE)
ENEMY_MATCHER = LexiconMatcher.from_codebook(ENEMY)


def found(matcher: LexiconMatcher, text: str) -> list[tuple[str, str]]:
    """(code, original word) of every match, in text order."""
    return [(m.code, text[m.start : m.end]) for m in matcher.find(text)]


def codes(matcher: LexiconMatcher, text: str) -> list[str]:
    return [m.code for m in matcher.find(text)]


# --- Uzbek in both alphabets ----------------------------------------------------------------------

UZBEK_PAIRS = [
    (
        "Oʻzbeklar bozorda qirgʻizlar bilan savdo qilishadi.",
        "Ўзбеклар бозорда қирғизлар билан савдо қилишади.",
        ["uzbeks", "kyrgyz"],
    ),
    (
        "Tojik muhojirlar va qochqinlar shaharga keldi.",
        "Тожик муҳожирлар ва қочқинлар шаҳарга келди.",
        ["tajiks", "migrants", "migrants"],
    ),
    (
        "Uygʻurlar, dunganlar, yahudiylar va nasroniylar yashaydi.",
        "Уйғурлар, дунганлар, яҳудийлар ва насронийлар яшайди.",
        ["uighurs", "dungans", "jews", "christians"],
    ),
    (
        "Ruslar va turklar haqida yozdi, musulmonlar ham.",
        "Руслар ва турклар ҳақида ёзди, мусулмонлар ҳам.",
        ["russians", "turks", "muslims"],
    ),
    (
        "Oʻzbekistonda yashaydigan oʻzbeklar oʻzbek tilida gapirishadi.",
        "Ўзбекистонда яшайдиган ўзбеклар ўзбек тилида гапиришади.",
        ["uzbeks"],  # Oʻzbekiston and oʻzbek tili are excluded
    ),
]


@pytest.mark.parametrize(("latin", "cyrillic", "expected"), UZBEK_PAIRS)
def test_uzbek_latin_and_cyrillic_give_the_same_matches(
    latin: str, cyrillic: str, expected: list[str]
) -> None:
    in_latin = HATE_MATCHER.find(latin)
    in_cyrillic = HATE_MATCHER.find(cyrillic)
    assert [m.code for m in in_latin] == [m.code for m in in_cyrillic] == expected
    # ...on the same words: word i of one sentence is word i of the other.
    latin_words = re.findall(r"[\wʻʼ]+", latin)
    cyrillic_words = re.findall(r"\w+", cyrillic)
    for a, b in zip(in_latin, in_cyrillic, strict=True):
        assert latin_words.index(latin[a.start : a.end]) == cyrillic_words.index(
            cyrillic[b.start : b.end]
        )


@pytest.mark.parametrize(("latin", "cyrillic", "expected"), UZBEK_PAIRS)
@pytest.mark.parametrize("typed", ["'", "‘", "`", "’", "ʼ"])
def test_uzbek_apostrophe_variants(
    latin: str, cyrillic: str, expected: list[str], typed: str
) -> None:
    sloppy = latin.replace("\u02bb", typed)
    matches = HATE_MATCHER.find(sloppy)
    assert [m.code for m in matches] == expected
    assert [sloppy[m.start : m.end] for m in matches] == [
        m_word.replace("\u02bb", typed) for _, m_word in found(HATE_MATCHER, latin)
    ]


def test_enemy_images_in_both_alphabets() -> None:
    latin = "Xoinlar, sotqinlar va kalamushlar, tekinxoʻrlar!"
    cyrillic = "Хоинлар, сотқинлар ва каламушлар, текинхўрлар!"
    expected = ["outcasting", "outcasting", "animalistic", "animalistic"]
    assert codes(ENEMY_MATCHER, latin) == codes(ENEMY_MATCHER, cyrillic) == expected
    assert found(ENEMY_MATCHER, "tekinxo'rlar")[0] == ("animalistic", "tekinxo'rlar")


# --- Kyrgyz -------------------------------------------------------------------------------------


def test_kyrgyz_stems_with_suffixes() -> None:
    text = "Өзбектерге жана орустардын үйлөрүнө дуңгандар келди."
    assert found(HATE_MATCHER, text) == [
        ("uzbeks", "Өзбектерге"),
        ("russians", "орустардын"),
        ("dungans", "дуңгандар"),
    ]


@pytest.mark.parametrize(
    ("proper", "typed"),
    [
        ("Өзбектерге", "Озбектерге"),
        ("түрктөрдүн", "турктордун"),
        ("жөөттөр", "жооттор"),
        ("дуңгандар", "дунгандар"),
    ],
)
def test_kyrgyz_letters_typed_plain(proper: str, typed: str) -> None:
    assert codes(HATE_MATCHER, proper) == codes(HATE_MATCHER, typed) != []
    assert found(HATE_MATCHER, f"— {typed}!")[0][1] == typed


def test_kyrgyz_exclusion_typed_plain() -> None:
    assert codes(HATE_MATCHER, "Өзбекстанда") == []
    assert codes(HATE_MATCHER, "Озбекстанда") == []
    # түркмөн typed plain: Turkmens, not Turks
    assert codes(HATE_MATCHER, "туркмондор") == ["other_ethnic"]


# --- homoglyphs and diacritics ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("узбeки", "uzbeks"),  # Latin e
        ("Xристиане", "christians"),  # Latin X
        ("pусские", "russians"),  # Latin p
        ("кыpгыздар", "kyrgyz"),  # Latin p in Kyrgyz
        ("Uzbеks", "uzbeks"),  # Cyrillic е in an English word
    ],
)
def test_homoglyph_does_not_hide_a_marker(text: str, code: str) -> None:
    assert found(HATE_MATCHER, f"Вот {text} тут") == [(code, text)]


def test_short_i_is_not_stripped_to_i() -> None:
    assert codes(HATE_MATCHER, "уйгуры") == ["uighurs"]
    assert codes(HATE_MATCHER, "уигуры") == []  # term уйгур has й, the word has и
    mine = LexiconMatcher([Marker("possessive", "mine", "ru", ("мой",))])
    assert codes(mine, "мой дом") == ["mine"]
    assert codes(mine, "мои дома") == []
    assert codes(mine, "мои\u0306 дом") == ["mine"]  # й typed as и + combining breve


def test_uzbek_short_u_is_not_u() -> None:
    """Decided: ў folds to oʻ and у to u, so a term with ў does not match a word with у."""
    only_cyrillic_uz = LexiconMatcher([Marker("target_group", "uzbeks", "uz-Cyrl", ("ўзбек",))])
    assert codes(only_cyrillic_uz, "ўзбеклар") == ["uzbeks"]
    assert codes(only_cyrillic_uz, "oʻzbeklar") == ["uzbeks"]
    assert codes(only_cyrillic_uz, "узбеклар") == []
    # The codebook also lists the Russian узбек, so the code is still found there.
    assert codes(HATE_MATCHER, "узбеклар") == ["uzbeks"]


# --- spans ----------------------------------------------------------------------------------------


def test_span_is_the_whole_original_word() -> None:
    text = "«Ўзбеклар», O‘zbeklarning va ‘Uzbeks’ — Uzbek's"
    assert [text[m.start : m.end] for m in HATE_MATCHER.find(text)] == [
        "Ўзбеклар",
        "O‘zbeklarning",
        "Uzbeks",
        "Uzbek's",
    ]


def test_span_of_a_multi_word_term_keeps_the_separators_as_typed() -> None:
    text = "Они — пятая  колонна,\nпятой\tколонной"
    assert found(ENEMY_MATCHER, text) == [
        ("outcasting", "пятая  колонна"),
        ("outcasting", "пятой\tколонной"),
    ]


def test_span_with_invisible_characters_and_decomposed_letters() -> None:
    text = "эти у\u00adзбеки и уи\u0306гуры"
    assert found(HATE_MATCHER, text) == [("uzbeks", "у\u00adзбеки"), ("uighurs", "уи\u0306гуры")]


# --- word starts --------------------------------------------------------------------------------


def test_no_match_inside_a_word() -> None:
    assert codes(HATE_MATCHER, "Belarus, virus, прусский король") == []
    rus = LexiconMatcher([Marker("v", "russians", "uz-Latn", ("rus",))])
    assert found(rus, "Belarus, virus, Rus") == [("russians", "Rus")]


def test_word_starts_after_any_non_letter() -> None:
    text = "кыргыз-өзбек 5uzbeks #Tajiks @Dungan_news"
    assert codes(HATE_MATCHER, text) == ["kyrgyz", "uzbeks", "uzbeks", "tajiks", "dungans"]


# --- exclusions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Oʻzbekistonda",
        "O'zbekistonning",
        "ўзбек тилида",
        "Kyrgyz Republic",
        "Кыргыз Республикасы",
        "Синьцзян-Уйгурский автономный район",
        "Russian-speaking, Russian language",
        "русскоязычные СМИ",
        "Rustam va rusumlar",
    ],
)
def test_exclude_phrases_cancel(text: str) -> None:
    assert codes(HATE_MATCHER, text) == []


def test_exclusion_cancels_only_inside_the_phrase() -> None:
    text = "Ўзбекистондаги ўзбеклар ва ўзбек тили"
    assert found(HATE_MATCHER, text) == [("uzbeks", "ўзбеклар")]


def test_excludes_are_pooled_over_the_languages_of_a_code() -> None:
    # In one key space the Kyrgyz term тажик also matches English Tajikistan...
    kyrgyz_only = [m for m in HATE.markers if m.code == "tajiks" and m.lang == "ky"]
    assert codes(LexiconMatcher(kyrgyz_only), "Tajikistan") == ["tajiks"]
    # ...so the English exclude list must protect it too.
    assert codes(HATE_MATCHER, "Tajikistan") == []


def test_exclusion_cancels_its_own_code_only() -> None:
    matcher = LexiconMatcher(
        [
            Marker("group", "a", "en", ("blue",), ("blue moon",)),
            Marker("group", "b", "en", ("blue",)),
        ]
    )
    assert codes(matcher, "a blue moon") == ["b"]


def test_exclusion_of_the_animalistic_stem() -> None:
    assert codes(ENEMY_MATCHER, "митингге келишти") == []
    assert codes(ENEMY_MATCHER, "алар мителер") == ["animalistic"]


# --- overlaps ---------------------------------------------------------------------------------


def test_longest_term_wins_at_the_same_start() -> None:
    matcher = LexiconMatcher(
        [
            Marker("group", "russians", "uz-Latn", ("rus",)),
            Marker("group", "russians", "uz-Latn", ("ruslar",)),
        ]
    )
    assert matcher.find("ruslarga") == [
        Match("group", "russians", "uz-Latn", "ruslar", 0, len("ruslarga"))
    ]


def test_one_match_per_code_and_position_across_languages() -> None:
    # en Uzbek, ru узбек (and more) fold to the same key; the term in the text's script wins.
    [latin] = HATE_MATCHER.find("Uzbeks")
    [cyrillic] = HATE_MATCHER.find("узбеки")
    assert (latin.lang, latin.term) == ("en", "Uzbek")
    assert (cyrillic.lang, cyrillic.term) == ("ru", "узбек")


def test_different_codes_at_one_position_are_all_reported() -> None:
    matcher = LexiconMatcher(
        [Marker("group", "a", "en", ("blue",)), Marker("group", "b", "en", ("bluebird",))]
    )
    assert codes(matcher, "bluebirds") == ["a", "b"]


def test_code_and_empty_matchers() -> None:
    text = "Ўзбеклар ва қирғизлар — паразитлар ва хоинлар."
    both = LexiconMatcher([*HATE.markers, *ENEMY.markers])
    assert both.code(text) == {
        "target_group": {"uzbeks", "kyrgyz"},
        "form": {"dehumanisation"},
        "enemy": {"uzbeks", "kyrgyz"},
        "delegitimisation": {"animalistic", "outcasting"},
    }
    assert LexiconMatcher([]).find(text) == []
    assert LexiconMatcher.from_markers(HATE.markers).code("") == {}
    assert LexiconMatcher([Marker("v", "c", "en", ("!!",))]).find("!!") == []


# --- properties ---------------------------------------------------------------------------------

ALL_MARKERS = [*HATE.markers, *STEREO.markers, *ENEMY.markers]
MARKER_WORDS = sorted({p for m in ALL_MARKERS for p in (*m.terms, *m.exclude)})
FILLER = ["bozor", "шаар", "жана", "the", "и", "rights", "belarus", "прусский", "ва", "tilida"]
marker_texts = lexicon_texts(MARKER_WORDS + FILLER)
PROPERTY_MATCHER = LexiconMatcher(ALL_MARKERS)


@settings(max_examples=300, deadline=None)
@given(marker_texts)
def test_spans_are_words_that_fold_to_the_term(text: str) -> None:
    for match in PROPERTY_MATCHER.find(text):
        assert 0 <= match.start < match.end <= len(text)
        assert fold_key(text[match.start : match.end]).startswith(fold_key(match.term))
        before = fold_key(text[: match.start])
        assert not before or not before[-1].isalpha(), "not at a word start"
        after = fold_key(text[match.end :])
        assert not after or not after[0].isalpha(), "not at a word end"


def brute_force(markers: list[Marker], text: str) -> set[tuple[str, str, int, int, int]]:
    """The matching rules applied naively: every word start, every term, every exclusion."""
    key, offsets = fold(text)

    def word_end(j: int) -> int:
        while j < len(key) and key[j].isalpha():
            j += 1
        return j

    starts = [i for i in range(len(key)) if i == 0 or not key[i - 1].isalpha()]
    excluded = {
        (i, word_end(i + len(x)), (m.variable, m.code))
        for m in markers
        for x in (fold_key(p).strip() for p in m.exclude)
        for i in starts
        if key.startswith(x, i)
    }
    best: dict[tuple[int, str, str], tuple[int, int]] = {}
    for m in markers:
        for t in (fold_key(term).strip() for term in m.terms):
            for i in starts:
                if not key.startswith(t, i):
                    continue
                end = word_end(i + len(t))
                group = (m.variable, m.code)
                if any(xs <= i and end <= xe and g == group for xs, xe, g in excluded):
                    continue
                slot = (i, *group)
                best[slot] = max(best.get(slot, (0, 0)), (len(t), end))
    return {(v, c, offsets[i], offsets[end], n) for (i, v, c), (n, end) in best.items()}


@settings(max_examples=300, deadline=None)
@given(marker_texts)
def test_matcher_agrees_with_brute_force(text: str) -> None:
    got = {
        (m.variable, m.code, m.start, m.end, len(fold_key(m.term).strip()))
        for m in PROPERTY_MATCHER.find(text)
    }
    assert got == brute_force(ALL_MARKERS, text)
