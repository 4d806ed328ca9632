"""The interface-word catalogs: compiled files match their sources, and no word is missing.

Babel compiles every ``.po`` again here and the messages must equal those of the committed
``.mo`` (what the program reads), so an edited catalog that was not recompiled fails. Every key
the code or a template asks for (found by Babel's own extractors, plus the keys looked up by a
data value: statuses, variable types, levels of measurement) must be in every catalog.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import intercoder
from intercoder.i18n import DOMAIN, catalog_path, languages, translator

PACKAGE = Path(intercoder.__file__).parent
LOCALE = PACKAGE / "i18n" / "locale"
LANGUAGES = ("en", "ky", "ru", "uz-Cyrl", "uz-Latn")


def messages(mo: bytes) -> dict[str, str]:
    catalog = gettext.GNUTranslations(io.BytesIO(mo))
    return {k: v for k, v in catalog._catalog.items() if k}  # type: ignore[attr-defined]


def po_messages(lang: str) -> dict[str, str]:
    with Path(str(catalog_path(lang, ".po"))).open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_every_language_has_a_catalog_named_for_its_tag() -> None:
    assert languages() == LANGUAGES
    sources = sorted(p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    compiled = sorted(p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    assert sources == compiled == sorted(tag.replace("-", "_") for tag in LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalog_is_the_source_compiled_by_babel(lang: str) -> None:
    with Path(str(catalog_path(lang, ".po"))).open("rb") as handle:
        catalog = read_po(handle)
    fresh = io.BytesIO()
    write_mo(fresh, catalog)
    committed = catalog_path(lang).read_bytes()
    assert messages(fresh.getvalue()) == messages(committed)
    assert messages(committed) == po_messages(lang)


def test_every_catalog_translates_every_english_key_and_no_other() -> None:
    english = po_messages("en")
    for lang in LANGUAGES:
        words = po_messages(lang)
        assert words.keys() == english.keys(), lang
        assert all(text.strip() for text in words.values()), lang


def test_an_unknown_language_falls_back_to_english_and_an_unknown_key_is_a_bug() -> None:
    english, german = translator("en"), translator("de")
    assert german("title") == english("title") == "Reliability report"
    assert translator("ru")("tree_level", n=2) == "Уровень дерева 2"
    assert translator("uz-Cyrl")("none") == "йўқ"
    with pytest.raises(KeyError):
        translator("ru")("no such key")
