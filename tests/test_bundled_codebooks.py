"""The bundled codebooks: valid under --strict, complete in five languages, real translations."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from intercoder import load_codebook
from intercoder.codebook.model import Category, Codebook, Translations
from intercoder.codebook.registry import (
    available_codebooks,
    load_codebook_with_warnings,
    load_vocabulary_with_warnings,
)
from intercoder.codebook.render import manual_html, manual_markdown

BUNDLED = ("hate-speech", "stereotypes", "enemy-images", "conflict-sensitive-reporting")
LANGUAGES = ("en", "ru", "ky", "uz-Latn", "uz-Cyrl")


@pytest.fixture(scope="module", params=BUNDLED)
def book(request: pytest.FixtureRequest) -> Codebook:
    return load_codebook(request.param)


def _texts(cb: Codebook) -> Iterator[tuple[str, str, str]]:
    """(where, lang, text) for every localised text of the codebook."""

    def emit(where: str, field: Translations[object]) -> Iterator[tuple[str, str, str]]:
        for lang, value in field.items():
            for text in value if isinstance(value, tuple) else (value,):
                assert isinstance(text, str)
                yield where, lang, text

    yield from emit("title", cb.title)
    yield from emit("description", cb.description)
    for var in cb.variables:
        for name in ("label", "question", "definition", "instructions"):
            yield from emit(f"{var.id}.{name}", getattr(var, name))
        for cat, _ in var.walk():
            for name in ("label", "definition", "include", "exclude", "examples"):
                yield from emit(f"{var.id}/{cat.code}.{name}", getattr(cat, name))


def test_all_four_are_bundled() -> None:
    assert set(BUNDLED) <= set(available_codebooks())


def test_valid_under_strict_with_no_warnings(book: Codebook) -> None:
    again, warnings = load_codebook_with_warnings(book.ref, strict=True)
    assert warnings == []
    assert again == book


def test_public_contract(book: Codebook) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", book.version)
    assert book.languages == LANGUAGES
    assert load_codebook(book.id) == load_codebook(book.ref)
    for var in book.variables:
        assert var.level in ("nominal", "ordinal", "interval", "ratio", None)
        assert (var.level is None) == (var.type == "text")
        for cat in var.categories:
            assert isinstance(cat.code, str)


def test_every_main_category_is_fully_documented(book: Codebook) -> None:
    for var in book.variables:
        for cat, depth in var.walk():
            if depth > 1 or cat.retired:
                continue
            for name in ("definition", "include", "exclude", "examples"):
                field = getattr(cat, name)
                missing = [lang for lang in LANGUAGES if not field.get(lang)]
                assert not missing, f"{book.id}: {var.id}/{cat.code} has no {name} in {missing}"


def test_screening_variable_gates_the_details(book: Codebook) -> None:
    first = book.variables[0]
    assert first.type == "single_choice"
    gated = [var for var in book.variables[1:] if var.show_if is not None]
    assert gated
    # A detail may depend on another detail (ethnicity relevant only when ethnicity is
    # mentioned), but every chain of show_if leads back to the screening question.
    by_id = {var.id: var for var in book.variables}
    for var in gated:
        chain = [var.id]
        while (parent := by_id[chain[-1]].show_if) is not None:
            assert parent.variable not in chain, f"{book.id}: show_if cycle {chain}"
            chain.append(parent.variable)
        assert chain[-1] == first.id, f"{book.id}: {var.id} is not gated by {first.id}: {chain}"
    assert any(var.type == "spans" for var in book.variables)


def _letters(text: str) -> list[str]:
    # Modifier letters (Uzbek ʻ U+02BB and ʼ U+02BC) belong to no script.
    return [ch for ch in text if ch.isalpha() and unicodedata.category(ch) != "Lm"]


def _share(text: str, script: str) -> float:
    letters = _letters(text)
    if not letters:
        return 1.0
    return sum(unicodedata.name(ch, "").startswith(script) for ch in letters) / len(letters)


def test_each_language_is_written_in_its_script(book: Codebook) -> None:
    expected = {
        "en": "LATIN",
        "ru": "CYRILLIC",
        "ky": "CYRILLIC",
        "uz-Latn": "LATIN",
        "uz-Cyrl": "CYRILLIC",
    }
    for where, lang, text in _texts(book):
        # Loanwords and abbreviations (e.g. "UN", "OHCHR") are allowed; most letters are not.
        assert _share(text, expected[lang]) >= 0.8, f"{book.id} {where} [{lang}]: {text!r}"


def test_language_specific_letters_are_used(book: Codebook) -> None:
    corpus = dict.fromkeys(LANGUAGES, "")
    for _, lang, text in _texts(book):
        corpus[lang] += text + "\n"
    assert set("ңөү") <= set(corpus["ky"].lower()), "Kyrgyz without ң, ө, ү is not Kyrgyz"
    assert set("ўқғҳ") <= set(corpus["uz-Cyrl"].lower()), "Uzbek Cyrillic needs ў, қ, ғ, ҳ"
    assert "\u02bb" in corpus["uz-Latn"], "Uzbek Latin oʻ/gʻ are written with U+02BB"
    assert not re.search(r"[oOgG]['‘’`]", corpus["uz-Latn"]), "oʻ/gʻ typed with a wrong apostrophe"
    assert not set("ўқғҳңөү") & set(corpus["ru"].lower()), "Russian text with Kyrgyz/Uzbek letters"


def test_translations_are_not_copies(book: Codebook) -> None:
    """A placeholder is usually a copy: of the English, or of Russian passed off as Kyrgyz."""
    by_place: dict[str, dict[str, str]] = {}
    for where, lang, text in _texts(book):
        by_place.setdefault(where, {}).setdefault(lang, "")
        by_place[where][lang] += text
    for left, right in (("en", "uz-Latn"), ("ru", "ky"), ("ru", "uz-Cyrl"), ("ky", "uz-Cyrl")):
        pairs = [(t[left], t[right]) for t in by_place.values() if left in t and right in t]
        long_pairs = [(a, b) for a, b in pairs if len(a) > 25]
        copies = [a for a, b in long_pairs if a == b]
        assert len(copies) <= len(long_pairs) // 50, f"{book.id}: {left}=={right}: {copies[:3]}"


def test_markers_cover_every_language_and_both_uzbek_scripts(book: Codebook) -> None:
    langs = {marker.lang for marker in book.markers}
    assert {"ru", "ky", "uz-Latn", "uz-Cyrl"} <= langs
    latn = {(m.variable, m.code) for m in book.markers if m.lang == "uz-Latn"}
    cyrl = {(m.variable, m.code) for m in book.markers if m.lang == "uz-Cyrl"}
    assert latn == cyrl, "every Uzbek marker is given in both scripts"


def test_sources_are_cited(book: Codebook) -> None:
    assert len(book.sources) >= 3
    cited = {s for var in book.variables for s in var.sources} | {
        s for var in book.variables for cat, _ in var.walk() for s in cat.sources
    }
    assert cited == {source.id for source in book.sources}, "every listed source is cited"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_manuals_render_in_every_language(book: Codebook, lang: str) -> None:
    html = manual_html(book, lang)
    assert f'<html lang="{lang}">' in html
    markdown = manual_markdown(book, lang)
    assert book.variables[0].label[lang] in markdown


def test_files_use_block_style_and_point_at_the_schema() -> None:
    for entries in available_codebooks().values():
        for entry in entries:
            text = entry.path.read_text(encoding="utf-8")
            assert text.startswith("# yaml-language-server: $schema=../codebook.schema.json")
            assert isinstance(yaml.safe_load(text), dict)


TARGET_VARIABLES = {
    "hate-speech": "target_group",
    "stereotypes": "target_group",
    "enemy-images": "enemy",
}


@pytest.mark.parametrize("book_id", sorted(TARGET_VARIABLES))
def test_the_2_0_0_target_categories_are_the_shared_vocabularys(book_id: str) -> None:
    """The target variable of each 2.0.0 codebook is the vocabulary's tree, text for text, plus
    (enemy-images) its own codes after it; only redefined_in is the codebook's own history."""
    vocab, _ = load_vocabulary_with_warnings("target-groups@1.0.0")
    book = load_codebook(f"{book_id}@2.0.0")
    var = book.variable(TARGET_VARIABLES[book_id])
    assert var.categories_from == "target-groups@1.0.0"
    shared = var.categories[: len(vocab.data["categories"])]

    def same(cat: Category, data: dict[str, Any]) -> None:
        assert cat.code == data["code"]
        for name in ("label", "definition", "include", "exclude", "examples"):
            want = data.get(name) or {}
            got = getattr(cat, name)
            assert {k: (tuple(v) if isinstance(v, list) else v) for k, v in want.items()} == dict(
                got
            ), (book_id, data["code"], name)
        assert [c.code for c in cat.children] == [c["code"] for c in data.get("children", [])]
        for child, child_data in zip(cat.children, data.get("children", []), strict=True):
            same(child, child_data)

    for cat, data in zip(shared, vocab.data["categories"], strict=True):
        same(cat, data)
    redefined = {c.code: c.redefined_in for c, _ in var.walk() if c.redefined_in}
    assert redefined == {"other_ethnic": "2.0.0", "other": "2.0.0"}
    # the target markers are the vocabulary's, for this variable, in every language
    mine = {(m.code, m.lang): m.terms for m in book.markers if m.variable == var.id}
    theirs = {(m["code"], m["lang"]): tuple(m["terms"]) for m in vocab.data["markers"]}
    assert mine == theirs
    # the shared source metadata comes after the codebook's own variables
    assert book.include_variables == ("source-metadata@1.0.0",)
    metadata, _ = load_vocabulary_with_warnings("source-metadata@1.0.0")
    ids = [v["id"] for v in metadata.data["variables"]]
    assert [v.id for v in book.variables[-len(ids) :]] == ids
    own = [c.code for c in var.categories[len(shared) :]]
    if book_id == "enemy-images":
        assert own[:3] == [
            "foreign_state",
            "international_organisations",
            "journalists_civil_society",
        ]
        retired = {c.code: c for c in var.categories[len(shared) :] if c.retired}
        assert retired["ethnic_group"].merged_into == "ethnicity"
        assert retired["other_enemy"].replaced_by
    else:
        assert own == []
