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
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

import intercoder
from intercoder.codebook.spec import LEVELS, VARIABLE_TYPES
from intercoder.i18n import DOMAIN, catalog_path, languages, translator
from intercoder.reliability import FAIL, INSUFFICIENT, PASS, TENTATIVE
from intercoder.workflow.gold import REASONS
from intercoder.workflow.validate_coder import MAY_ASSIST, MAY_REPLACE, NOT_RELIABLE

PACKAGE = Path(intercoder.__file__).parent
LOCALE = PACKAGE / "i18n" / "locale"
LANGUAGES = ("en", "ky", "ru", "uz-Cyrl", "uz-Latn")
# Python: _(key, ...) of a translator, and ui(lang, key) of the manual's helper.
PY_KEYWORDS = {"_": None, "ui": (2,)}
# Keys looked up through a variable: statuses, variable types, levels of measurement, and the
# lists of a category (the manual and the REFI-QDA export loop over them), and the reasons of
# an adjudicated value (the report's reasons table loops over them).
VERDICTS = (MAY_REPLACE, MAY_ASSIST, NOT_RELIABLE)
DATA_KEYS = {
    PASS, TENTATIVE, FAIL, INSUFFICIENT, *VARIABLE_TYPES, *LEVELS, "include", "exclude", *REASONS,
    *VERDICTS,
}  # fmt: skip


def messages(mo: bytes) -> dict[str, str]:
    catalog = gettext.GNUTranslations(io.BytesIO(mo))
    return {k: v for k, v in catalog._catalog.items() if k}  # type: ignore[attr-defined]


def po_messages(lang: str) -> dict[str, str]:
    with Path(str(catalog_path(lang, ".po"))).open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string) for m in catalog if m.id}


def used_keys() -> dict[str, set[str]]:
    """Key -> the files that ask for it, as Babel's extractors find them."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        with path.open("rb") as handle:
            for _, key, _, _ in extract("python", handle, keywords=PY_KEYWORDS):
                found.setdefault(str(key), set()).add(path.name)
    for path in sorted(PACKAGE.rglob("*.j2")):
        with path.open("rb") as handle:
            for _, _, message, _ in babel_extract(handle, ("_",), [], {}):
                # _(key, n=...) comes as (key, None); _(variable) as None.
                key = message[0] if isinstance(message, tuple) else message
                if isinstance(key, str):
                    found.setdefault(key, set()).add(path.name)
    return found


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


def test_every_key_the_code_asks_for_is_in_every_catalog() -> None:
    used = used_keys()
    assert {"title", "overview_intro", "unit_text", "manual", "contents"} <= used.keys()
    english = po_messages("en")
    missing = {key: files for key, files in used.items() if key not in english}
    assert not missing
    assert english.keys() >= DATA_KEYS
    for lang in LANGUAGES:
        words = po_messages(lang)
        assert all(words.get(key) for key in {*used, *DATA_KEYS}), lang
    # No dead words either: every English key is asked for somewhere.
    assert english.keys() <= {*used, *DATA_KEYS}


def test_an_unknown_language_falls_back_to_english_and_an_unknown_key_is_a_bug() -> None:
    english, german = translator("en"), translator("de")
    assert german("title") == english("title") == "Reliability report"
    assert translator("ru")("tree_level", n=2) == "Уровень дерева 2"
    assert translator("uz-Cyrl")("none") == "йўқ"
    with pytest.raises(KeyError):
        translator("ru")("no such key")
