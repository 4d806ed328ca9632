"""The conflict-sensitive-reporting codebook's markers on constructed sentences, traps included.

Each trap is a word that looks like a cue but is not one in the language it comes from; the
sentences are written for this test (no real person's data).
"""

from __future__ import annotations

import pytest

import intercoder
from intercoder.lexicon import LexiconMatcher

BOOK = intercoder.load_codebook("conflict-sensitive-reporting")
MATCHER = LexiconMatcher.from_codebook(BOOK)


def _codes(text: str, variable: str) -> set[str]:
    return MATCHER.code(text).get(variable, set())


@pytest.mark.parametrize(
    ("text", "variable", "code"),
    [
        # rumour cues: vague attribution (2) and flags of an unconfirmed claim (1)
        ("Говорят, в селе уже жгут дома.", "rumour", "2"),
        ("Айылга куралдуу адамдар кирип келишкен имиш.", "rumour", "2"),
        ("Aytishlaricha, qishloqqa begona odamlar kirgan.", "rumour", "2"),
        ("Айтишларича, қишлоққа бегона одамлар кирган эмиш.", "rumour", "2"),
        ("Милиция эту информацию пока не подтвердила.", "rumour", "1"),
        ("Милиция бул маалыматты тастыктай элек.", "rumour", "1"),
        ("Militsiya bu maʼlumotni hali tasdiqlamadi.", "rumour", "1"),
        # loaded and pejorative group names
        ("Понаехавшие скупают всю землю.", "group_naming", "1"),
        ("Келгиндер бардык жерди сатып алып жатышат.", "group_naming", "1"),
        ("Kelgindilar hamma yerni sotib olyapti.", "group_naming", "1"),
        # emotive words in every script
        ("Кровавая ночь на границе", "emotive_language", "1"),
        ("Чек арадагы кандуу түн", "emotive_language", "1"),
        ("Chegaradagi qonli tun", "emotive_language", "1"),
        ("Чегарадаги қонли тун", "emotive_language", "1"),
        # counter-speech
        ("Не поддавайтесь на провокации, мы соседи.", "counter_speech", "appeal"),
        ("Бул жалган маалымат, видео башка өлкөдө тартылган.", "counter_speech", "facts"),
    ],
)
def test_cue_is_found(text: str, variable: str, code: str) -> None:
    assert code in _codes(text, variable)


@pytest.mark.parametrize(
    ("text", "variable", "code"),
    [
        # Kyrgyz «дейт» closes every named quotation, so it is not a rumour marker on its own.
        ("«Биз кырк жылдан бери коңшу жашайбыз», — дейт фермер.", "rumour", "2"),
        # Uzbek «kelishdi» is also «they came», not only «they agreed».
        ("Mehmonlar kecha kechqurun kelishdi.", "solutions", "1"),
        ("Меҳмонлар кеча кечқурун келишди.", "solutions", "1"),
        # «the causes are being established» flags no rumour
        ("Sabablari aniqlanmoqda.", "rumour", "1"),
        # the barber and the philosopher are not the pejorative сарт
        ("Sartaroshxona yangi binoga koʻchdi.", "group_naming", "2"),
        ("Студенты читали Сартра.", "group_naming", "2"),
        # languages, borders and states are not ethnicity
        ("Статья вышла на узбекской латинице.", "ethnicity_mentioned", "yes"),
        ("Кыргызстан менен Тажикстандын чек арасы.", "ethnicity_mentioned", "yes"),
        ("Oʻzbekiston va Qirgʻiziston hukumatlari uchrashdi.", "ethnicity_mentioned", "yes"),
        ("Говорят по-кыргызски все жители села.", "rumour", "2"),
        ("Шоколадная фабрика открылась.", "emotive_language", "1"),
    ],
)
def test_trap_is_not_a_cue(text: str, variable: str, code: str) -> None:
    assert code not in _codes(text, variable)
