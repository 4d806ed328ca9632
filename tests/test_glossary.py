"""The glossary (``codebooks/glossary.yaml``): one term per concept per language.

For the newest version of every bundled codebook and every bundled shared vocabulary (older
versions stay as they were released), in every localised field of a category or variable that
is in use (retired codes keep the wording they had):

* no variant the glossary rejects appears in that language (outside the phrases it allows,
  such as a title quoted verbatim);
* wherever the English text of a field uses a concept's English term, the same field in every
  other language uses that language's term (one of the starts of its inflected forms).

Terms are matched at the start of a word, case-insensitively; Uzbek ʻ and ʼ count as letters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import intercoder
from intercoder.codebook.registry import (
    available_codebooks,
    available_vocabularies,
    bundled_directory,
    load_vocabulary_with_warnings,
)

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = yaml.safe_load((ROOT / "codebooks" / "glossary.yaml").read_text(encoding="utf-8"))
CONCEPTS: list[dict[str, Any]] = GLOSSARY["concepts"]
LANGUAGES = ("en", "ru", "ky", "uz-Latn", "uz-Cyrl")


def _newest_bundled() -> list[str]:
    """``id@version`` of the newest version of each codebook bundled in ``codebooks/``."""
    bundled = bundled_directory().resolve()  # codebooks/ here, or inside the installed wheel
    refs = []
    for book_id, versions in available_codebooks().items():
        mine = [e for e in versions if bundled in Path(e.path).resolve().parents]
        if mine:  # versions are sorted oldest first
            refs.append(f"{book_id}@{mine[-1].version}")
    return refs


BOOKS = _newest_bundled()


def _newest_bundled_vocabularies() -> list[str]:
    """``id@version`` of the newest version of each vocabulary in ``codebooks/vocabularies``."""
    bundled = bundled_directory().resolve()
    refs = []
    for vocab_id, versions in available_vocabularies().items():
        mine = [e for e in versions if bundled in Path(e.path).resolve().parents]
        if mine:
            refs.append(f"{vocab_id}@{mine[-1].version}")
    return refs


VOCABULARIES = _newest_bundled_vocabularies()


def _starts(text: str, forms: list[str]) -> bool:
    """Whether one of ``forms`` starts a word of ``text`` (case-insensitive)."""
    lowered = text.lower()
    return any(
        re.search(r"(?<![\w\u02bb\u02bc])" + re.escape(form.lower()), lowered) for form in forms
    )


def _fields(book: intercoder.Codebook) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every localised field of the codebook that a coder reads, with where it is."""
    yield "title", book.title
    yield "description", book.description
    for var in book.variables:
        for name in ("label", "question", "definition", "instructions"):
            yield f"{var.id}.{name}", getattr(var, name)
        for cat, _ in var.walk():
            if cat.retired:
                continue
            for name in ("label", "definition", "include", "exclude", "examples"):
                yield f"{var.id}/{cat.code}.{name}", getattr(cat, name)


def _data_fields(where: str, node: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The localised fields of a vocabulary's category or variable (plain data), and below."""
    for name in ("label", "question", "definition", "instructions", "include", "exclude"):
        if name in node:
            yield f"{where}.{name}", node[name]
    if "examples" in node:
        yield f"{where}.examples", node["examples"]
    for key in ("categories", "children"):
        for child in node.get(key, []):
            if "retired_in" not in child:
                yield from _data_fields(f"{where}/{child['code']}", child)


def _vocabulary_fields(ref: str) -> Iterator[tuple[str, dict[str, Any]]]:
    data = load_vocabulary_with_warnings(ref)[0].data
    yield "title", data["title"]
    yield "description", data.get("description") or {}
    for cat in data.get("categories", []):
        yield from _data_fields(cat["code"], cat)
    for var in data.get("variables", []):
        yield from _data_fields(var["id"], var)


def _fields_of(ref: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if ref in VOCABULARIES:
        yield from _vocabulary_fields(ref)
    else:
        yield from _fields(intercoder.load_codebook(ref))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return "\n".join(value) if isinstance(value, list | tuple) else str(value)


def test_the_glossary_is_well_formed() -> None:
    assert GLOSSARY["format"] == 1
    ids = [concept["id"] for concept in CONCEPTS]
    assert len(ids) == len(set(ids))
    for concept in CONCEPTS:
        assert set(concept) == {"id", *LANGUAGES}, concept["id"]
        for lang in LANGUAGES:
            entry = concept[lang]
            assert set(entry) <= {"term", "forms", "rejected", "allowed"}, (concept["id"], lang)
            assert entry["term"].strip()
            # the term itself is written with one of its forms, and is not also rejected
            assert _starts(entry["term"], entry["forms"]), (concept["id"], lang)
            assert not _starts(entry["term"], entry.get("rejected", [])), (concept["id"], lang)
    assert {c["id"] for c in CONCEPTS} >= {
        "codebook",
        "hate_speech",
        "stereotype",
        "enemy_image",
        "target_group",
        "jews",
        "gender_identity",
    }


def test_every_bundled_codebook_is_checked() -> None:
    assert {ref.split("@")[0] for ref in BOOKS} >= {
        "hate-speech",
        "stereotypes",
        "enemy-images",
        "conflict-sensitive-reporting",
    }
    assert {ref.split("@")[0] for ref in VOCABULARIES} >= {"target-groups", "source-metadata"}


@pytest.mark.parametrize("ref", BOOKS + VOCABULARIES)
def test_no_rejected_variant_is_used(ref: str) -> None:
    found = []
    for where, field in _fields_of(ref):
        for concept in CONCEPTS:
            for lang in LANGUAGES:
                entry = concept[lang]
                text = _text(field.get(lang)) if field else ""
                for phrase in entry.get("allowed", []):
                    text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
                for variant in entry.get("rejected", []):
                    if _starts(text, [variant]):
                        found.append(f"{where} [{lang}] {concept['id']}: {variant!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("ref", BOOKS + VOCABULARIES)
def test_the_glossary_term_is_used_where_the_english_uses_it(ref: str) -> None:
    missing = []
    for where, field in _fields_of(ref):
        if not field:
            continue
        english = _text(field.get("en"))
        for concept in CONCEPTS:
            if not _starts(english, concept["en"]["forms"]):
                continue
            for lang in LANGUAGES[1:]:
                if lang in field and not _starts(_text(field[lang]), concept[lang]["forms"]):
                    missing.append(f"{where} [{lang}] lacks {concept[lang]['term']!r}")
    assert not missing, "\n".join(missing)


def test_the_check_catches_a_rejected_variant() -> None:
    codebook = next(c for c in CONCEPTS if c["id"] == "codebook")
    assert _starts("Кодификатор для выявления", codebook["ru"]["rejected"])
    assert _starts("ushbu kodifikatorga qoʻshilgan", codebook["uz-Latn"]["rejected"])
    assert not _starts("кодировочной книге", codebook["ru"]["rejected"])
    target = next(c for c in CONCEPTS if c["id"] == "target_group")
    assert _starts("Голос группы-мишени", target["ru"]["rejected"])
    assert not _starts("с неясной мишенью", target["ru"]["rejected"])
    assert _starts("кодировальные книги hate-speech", codebook["ru"]["rejected"])
    jews = next(c for c in CONCEPTS if c["id"] == "jews")
    assert _starts("еврейлер", jews["ky"]["rejected"])
    assert _starts("жөөттөрдүн", jews["ky"]["forms"])


#: The interface catalogs (src/intercoder/i18n) by glossary language.
CATALOGS = {"ru": "ru", "ky": "ky", "uz-Latn": "uz_Latn", "uz-Cyrl": "uz_Cyrl"}


@pytest.mark.parametrize("lang", list(CATALOGS))
def test_the_interface_words_use_no_rejected_variant(lang: str) -> None:
    """The report, the manuals' headings and the methods paragraph speak the glossary's terms
    too (the catalog said "кодировальная книга" while the codebooks said "кодировочная")."""
    from babel.messages.pofile import read_po

    path = ROOT / "src/intercoder/i18n/locale" / CATALOGS[lang] / "LC_MESSAGES/intercoder.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id or not isinstance(message.string, str):
            continue
        text = message.string
        for concept in CONCEPTS:
            entry = concept[lang]
            for phrase in entry.get("allowed", []):
                text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
            for variant in entry.get("rejected", []):
                if _starts(text, [variant]):
                    found.append(f"{message.id} {concept['id']}: {variant!r}")
    assert not found, "\n".join(found)
