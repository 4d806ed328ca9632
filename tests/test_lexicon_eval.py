"""The lexicon evaluation set (``benchmarks/data/lexicon-eval.jsonl``) and its traps.

* The file is well-formed: unique unit ids, known languages and splits, every labelled
  variable and code exists (not retired) in the newest bundled codebook, at least 50
  sentences per language and at least 300 in all.
* Trap sentences (a marker look-alike that is not the group: Руслан, русло, turkum, түркүн,
  sartarosh, Сартр, a country, a language, the Muftiate's name...) get no target-group code
  from the bundled markers that a human coder would not give.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

import intercoder
from intercoder.codebook.model import Category
from intercoder.lexicon import LexiconMatcher

DATA = Path(__file__).resolve().parent.parent / "benchmarks" / "data" / "lexicon-eval.jsonl"
BOOKS = ("hate-speech", "stereotypes", "enemy-images")
GROUP_VARIABLE = {
    "hate-speech": "target_group",
    "stereotypes": "target_group",
    "enemy-images": "enemy",
}
LANGS = {"en", "ru", "ky", "uz-Latn", "uz-Cyrl"}
ROWS = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
TRAPS = [row for row in ROWS if row["trap"]]


def _codes(codebook: intercoder.Codebook) -> dict[str, set[str]]:
    """Live (not retired) codes per variable."""

    def walk(categories: Iterable[Category]) -> Iterator[str]:
        for category in categories:
            if not category.retired_in:
                yield category.code
            yield from walk(category.children or ())

    return {var.id: set(walk(var.categories or ())) for var in codebook.variables}


CODEBOOKS = {book: intercoder.load_codebook(book) for book in BOOKS}
MATCHERS = {book: LexiconMatcher.from_codebook(codebook) for book, codebook in CODEBOOKS.items()}


def test_rows_are_well_formed() -> None:
    assert len(ROWS) >= 300
    assert len({row["unit_id"] for row in ROWS}) == len(ROWS)
    per_lang = Counter(row["lang"] for row in ROWS)
    assert set(per_lang) == LANGS
    assert min(per_lang.values()) >= 50, per_lang
    assert {row["split"] for row in ROWS} == {"dev", "heldout-1", "heldout-2"}
    for row in ROWS:
        assert set(row) == {"unit_id", "lang", "split", "trap", "text", "codes"}, row["unit_id"]
        assert row["unit_id"].startswith(f"{row['lang']}-{row['split']}-")
        assert isinstance(row["trap"], bool)
        assert row["text"].strip()
        assert set(row["codes"]) == set(BOOKS), row["unit_id"]


@pytest.mark.parametrize("book", BOOKS)
def test_every_code_exists_in_the_codebook(book: str) -> None:
    live = _codes(CODEBOOKS[book])
    for row in ROWS:
        for variable, codes in row["codes"][book].items():
            assert variable in live, (row["unit_id"], variable)
            assert codes, (row["unit_id"], variable)
            assert set(codes) <= live[variable], (row["unit_id"], variable, codes)
            assert codes == sorted(set(codes)), row["unit_id"]


def test_there_are_traps_in_every_language() -> None:
    assert Counter(row["lang"] for row in TRAPS).keys() == LANGS
    assert min(Counter(row["lang"] for row in TRAPS).values()) >= 5


@pytest.mark.parametrize("book", BOOKS)
@pytest.mark.parametrize("row", TRAPS, ids=[row["unit_id"] for row in TRAPS])
def test_traps_give_no_false_target_group(book: str, row: dict) -> None:
    variable = GROUP_VARIABLE[book]
    found = MATCHERS[book].code(row["text"]).get(variable, set())
    expected = set(row["codes"][book].get(variable, ()))
    assert found <= expected, (row["text"], sorted(found - expected))
