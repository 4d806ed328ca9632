"""Hypothesis strategies shared by the test modules (one place, as the tests' data generators).

* codebooks: valid codebook documents as plain data (``codebooks``), the texts, identifiers and
  numbers they are made of, a small codebook with one of every kind of slot
  (``every_slot_codebooks``), and arbitrary JSON-like values (``json_values``);
* annotations: ``annotation_sets`` of records with any text, for the format round trips;
* texts for the lexicon matcher (``lexicon_texts``) and for folding (``fold_texts``);
* agreement: coders x units matrices with missing values (``matrices``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from intercoder.annotations import Annotation, AnnotationSet
from intercoder.codebook import spec
from intercoder.text import APOSTROPHE_VARIANTS

# --- codebooks ------------------------------------------------------------------------------------


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def has_non_space(text: str) -> bool:
    """Not blank by the format's own definition (see spec.NOT_BLANK: no \\S, whose white space
    differs between Python and ECMA-262)."""
    return re.search(spec.NOT_BLANK, text) is not None


# --- codebook texts -------------------------------------------------------------------------------

ALPHABET = (
    "abcxyzABCXYZ0189 .,;:-_#'\"!?&*%@|>{}[]()/\\\n\t"
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЖЯ"
    "ңөүҢӨҮўқғҳЎҚҒҲʻʼéèüñ中文🙂\u0301\u0308\u00a0"
)

SPECIAL_TEXTS = [
    "yes", "no", "on", "off", "y", "n", "true", "False", "null", "~", "1.0", "1", "0x1F",
    "1_000", "1e3", ".inf", ".nan", "2026-11-21", "12:30:00", "- x", "a: b", "#c", "a #b",
    "? q", "!tag", "&anchor", "*alias", "{a: 1}", "[x]", "|", ">", "---", "...", "<<", "=",
    "%YAML", "@at", "`tick", "'quoted'", '"dq"', " leading", "trailing ", "  both  ",
    "two\nlines", "para\n\nblank line", "ends with newline\n", "\nstarts with newline",
    "  indented\nfirst line", "trailing space \nnext", "last line space\n ", "tab\there",
    "Nishon guruh, oʻzbek, gʻalaba, taʼlim", "Бутага алынган топ: ңөү", "Нишон гуруҳ ўқғҳ",
    "Целевая группа", "word " * 30, "long-line " * 15 + "\nsecond", "x" * 120,
    "a  b  " * 25, "- [x, y]\n- z: 1\n",
]  # fmt: skip

texts = (
    st.one_of(
        st.sampled_from(SPECIAL_TEXTS),
        st.text(ALPHABET, min_size=1, max_size=24),
    )
    .map(nfc)
    .filter(has_non_space)
)
text_lists = st.lists(texts, min_size=1, max_size=2)


# --- identifiers ----------------------------------------------------------------------------------

LANG_POOL = [
    "en", "ru", "ky", "uz-Latn", "uz-Cyrl", "kk", "no", "tg-Cyrl", "es-419", "sr-Latn-RS",
]  # fmt: skip
CODE_POOL = [
    "yes", "no", "on", "off", "y", "n", "true", "false", "null", "0", "1", "2", "10", "007",
    "1_000", "0x1f", "0o17", "1e5", "1-2", "a-b", "nan", "inf", "x" * 64,
]  # fmt: skip
codes = st.one_of(
    st.sampled_from(CODE_POOL), st.from_regex(r"[a-z0-9][a-z0-9_-]{0,10}", fullmatch=True)
)
digit_codes = st.from_regex(r"[0-9]{1,3}", fullmatch=True)
variable_ids = st.one_of(
    st.sampled_from(["yes", "no", "null", "true", "on", "y", "target_group", "a"]),
    st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True),
)
codebook_ids = st.one_of(
    st.sampled_from(["minimal", "hate-speech", "yes", "no", "null", "on", "a1-b2"]),
    st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True),
)
source_ids = st.one_of(
    st.sampled_from(["krippendorff-2004", "K2004", "2004", "1.0", "yes", "a.b_c-d"]),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,12}", fullmatch=True),
)
dates = st.one_of(
    st.just("2026-11-21"), st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True)
)
urls = st.sampled_from(
    ["https://example.org/a?b=c#d", "http://x", "https://doi.org/10.4135/9781071878781"]
)
licenses = st.sampled_from(["CC-BY-4.0", "MIT", "yes", "1.0", "CC0-1.0"])
unit = st.one_of(st.sampled_from([0, 1, 0.0, 1.0, 0.8, 0.667]), st.floats(0, 1))
numbers = st.one_of(
    st.integers(-1000, 1000),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=True),
)

VARIABLE_TYPES = ["single_choice", "multiple_choice", "ordinal_scale", "number", "text", "spans"]
CHOICE_TYPES = ("single_choice", "multiple_choice", "ordinal_scale", "spans")
SHOW_IF_TYPES = ("single_choice", "multiple_choice", "ordinal_scale")
LEVELS = ["nominal", "ordinal", "interval", "ratio"]

Version = tuple[int, int, int]


def version_str(version: Version) -> str:
    return ".".join(str(part) for part in version)


BOOLS = st.booleans()
ONE_IN_FIVE = st.integers(0, 4)
SCALE_POINTS = st.integers(2, 4)
TREE_SHAPES = st.lists(st.lists(st.integers(0, 1), max_size=2), min_size=1, max_size=3)
RETIREMENTS = st.sampled_from(["none", "merged", "replaced"])


def versions_up_to(current: Version) -> st.SearchStrategy[Version]:
    small = st.integers(0, 12)
    return st.tuples(st.integers(0, current[0]), small, small).map(lambda v: min(v, current))


# --- valid codebooks ------------------------------------------------------------------------------


class Maker:
    """Draws the parts of one codebook that share context (languages, sources, version)."""

    def __init__(self, draw: Any, languages: list[str], sources: list[str], version: Version):
        self.draw = draw
        self.languages = languages
        self.sources = sources
        self.version = version
        # Built once per codebook: building strategies is most of the cost of drawing.
        self._langs = st.lists(st.sampled_from(languages), min_size=1, max_size=3, unique=True)
        self._refs = (
            st.lists(st.sampled_from(sources), max_size=2, unique=True) if sources else None
        )
        self._versions = versions_up_to(version)

    def maybe(self) -> bool:
        return bool(self.draw(BOOLS))

    def localised(self, values: st.SearchStrategy[Any]) -> dict[str, Any]:
        return {lang: self.draw(values) for lang in self.draw(self._langs)}

    def source_refs(self) -> list[str]:
        return self.draw(self._refs) if self._refs is not None else []

    def some_version(self) -> str:
        return version_str(self.draw(self._versions))

    def optional(self, target: dict[str, Any], key: str, make: Any) -> None:
        if self.maybe():
            target[key] = make()

    def category(self, code: str) -> dict[str, Any]:
        cat: dict[str, Any] = {
            "code": code,
            "label": self.localised(texts),
            "definition": self.localised(texts),
        }
        for key in ("include", "exclude", "examples"):
            self.optional(cat, key, lambda: self.localised(text_lists))
        self.optional(cat, "sources", self.source_refs)
        return cat

    def categories(self, kind: str) -> tuple[list[dict[str, Any]], list[str]]:
        """A category list for ``kind`` and its codes that are still in use."""
        draw = self.draw
        numeric = False
        if kind == "ordinal_scale":
            shape: list[list[int]] = [[] for _ in range(draw(SCALE_POINTS))]
            numeric = self.maybe()
        else:
            shape = draw(TREE_SHAPES)
        total = sum(1 + len(children) + sum(children) for children in shape)
        pool = digit_codes if numeric else codes
        all_codes = iter(draw(st.lists(pool, min_size=total, max_size=total, unique=True)))
        flat: list[dict[str, Any]] = []
        top = []
        for children in shape:
            cat = self.category(next(all_codes))
            flat.append(cat)
            kids = []
            for grandchildren in children:
                kid = self.category(next(all_codes))
                flat.append(kid)
                if grandchildren:
                    grandkid = self.category(next(all_codes))
                    flat.append(grandkid)
                    kid["children"] = [grandkid]
                kids.append(kid)
            if kids:
                cat["children"] = kids
            top.append(cat)
        retired = [draw(ONE_IN_FIVE) == 0 for _ in flat]
        active = [cat["code"] for cat, gone in zip(flat, retired, strict=True) if not gone]
        for cat, gone in zip(flat, retired, strict=True):
            if draw(ONE_IN_FIVE) == 0:
                cat["redefined_in"] = self.some_version()
            if not gone:
                continue
            cat["retired_in"] = self.some_version()
            how = draw(RETIREMENTS)
            if active and how == "merged":
                cat["merged_into"] = draw(st.sampled_from(active))
            elif active and how == "replaced":
                cat["replaced_by"] = draw(
                    st.lists(st.sampled_from(active), min_size=1, max_size=3, unique=True)
                )
        return top, active

    def level(self, kind: str, cats: list[dict[str, Any]]) -> str | None:
        if kind in ("multiple_choice", "spans"):
            allowed = ["nominal"]
        elif kind == "single_choice":
            allowed = ["nominal"] if any("children" in c for c in cats) else ["nominal", "ordinal"]
        elif kind == "ordinal_scale":
            numeric = all(c["code"].isdigit() for c in cats)
            allowed = LEVELS if numeric else ["nominal", "ordinal"]
        elif kind == "number":
            allowed = LEVELS
        else:
            return None
        return self.draw(st.sampled_from(allowed))

    def thresholds(self) -> dict[str, Any]:
        low, high = sorted(self.draw(st.tuples(unit, unit)))
        return {"pass": high, "tentative": low}


@st.composite
def codebooks(draw: Any, max_variables: int = 3) -> dict[str, Any]:
    """A valid codebook as plain data (what ``yaml.safe_load`` would give)."""
    languages = draw(st.lists(st.sampled_from(LANG_POOL), min_size=1, max_size=3, unique=True))
    version: Version = draw(st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 12)))
    sources = draw(st.lists(source_ids, max_size=2, unique=True))
    m = Maker(draw, languages, sources, version)

    doc: dict[str, Any] = {
        "format": 1,
        "codebook": draw(codebook_ids),
        "version": version_str(version),
        "title": m.localised(texts),
    }
    m.optional(doc, "description", lambda: m.localised(texts))
    doc["languages"] = languages
    m.optional(doc, "license", lambda: draw(licenses))
    authors = []
    for _ in range(draw(st.integers(1, 2))):
        author = {"name": draw(texts)}
        m.optional(author, "affiliation", lambda: draw(texts))
        m.optional(author, "role", lambda: draw(texts))
        authors.append(author)
    doc["authors"] = authors
    doc["sources"] = []
    for source_id in sources:
        source = {"id": source_id, "citation": draw(texts)}
        m.optional(source, "url", lambda: draw(urls))
        doc["sources"].append(source)
    older = draw(st.lists(versions_up_to(version), max_size=2, unique=True))
    history = sorted({version, *older}, reverse=True)
    if not m.maybe():
        history = [v for v in history if v != version] or [version]  # missing entry: a warning
    doc["changelog"] = [
        {"version": version_str(v), "date": draw(dates), "changes": draw(text_lists)}
        for v in history
    ]
    m.optional(doc, "reliability", m.thresholds)

    variables: list[dict[str, Any]] = []
    answers: list[tuple[str, list[str]]] = []  # earlier choice variables usable by show_if
    markable: list[tuple[str, list[str]]] = []
    ids = draw(st.lists(variable_ids, min_size=1, max_size=max_variables, unique=True))
    for var_id in ids:
        kind = draw(st.sampled_from(VARIABLE_TYPES))
        var: dict[str, Any] = {"id": var_id, "type": kind}
        cats: list[dict[str, Any]] = []
        active: list[str] = []
        if kind in CHOICE_TYPES:
            cats, active = m.categories(kind)
        if kind != "text" and m.maybe():
            var["level"] = m.level(kind, cats)
        var["label"] = m.localised(texts)
        m.optional(var, "question", lambda: m.localised(texts))
        var["definition"] = m.localised(texts)
        m.optional(var, "instructions", lambda: m.localised(text_lists))
        m.optional(var, "required", lambda: draw(BOOLS))
        targets = [(name, used) for name, used in answers if used]
        if targets and m.maybe():
            name, used = draw(st.sampled_from(targets))
            var["show_if"] = {
                "variable": name,
                "in": draw(st.lists(st.sampled_from(used), min_size=1, max_size=3, unique=True)),
            }
        m.optional(var, "sources", m.source_refs)
        m.optional(var, "reliability", m.thresholds)
        if kind == "number":
            bounds = sorted(draw(st.lists(numbers, max_size=2, unique=True)))
            keys = draw(st.sampled_from([("min", "max"), ("min",), ("max",)]))
            if len(bounds) == 2:
                keys = ("min", "max")
            for key, value in zip(keys, bounds, strict=False):
                var[key] = value
        if cats:
            var["categories"] = cats
        if kind in SHOW_IF_TYPES:
            answers.append((var_id, active))
        if active:
            markable.append((var_id, active))
        variables.append(var)
    doc["variables"] = variables

    if markable and m.maybe():
        markers = []
        for _ in range(draw(st.integers(0, 2))):
            name, used = draw(st.sampled_from(markable))
            marker: dict[str, Any] = {
                "variable": name,
                "code": draw(st.sampled_from(used)),
                "lang": draw(st.sampled_from(languages)),
                "terms": draw(st.lists(texts, min_size=1, max_size=3, unique=True)),
            }
            m.optional(marker, "exclude", lambda: draw(st.lists(texts, max_size=2, unique=True)))
            markers.append(marker)
        doc["markers"] = markers
    return doc


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.sampled_from([0.5, 1.0, -1.5, 1e300]),
        st.sampled_from(["", " ", "x", "en", "1.0.0", "yes", "nominal", "single_choice", "a b"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["en", "ru", "code", "label", "x", ""]), inner, max_size=3),
    ),
    max_leaves=6,
)


# Texts a loaded codebook can hold beyond the ones above: text that is not NFC (the loader
# normalises it) and control / line-break characters written as YAML escapes ("\N", "\r", …).
# These use a small codebook with one of every kind of slot, so a failure shrinks quickly.
raw_texts = st.one_of(
    st.sampled_from(["ё", "е\u0308", "é", "e\u0301", "ў", "у\u0306", "й", "и\u0306", "oʻ"]),
    st.text(ALPHABET + "\u0306", min_size=1, max_size=12),
).filter(has_non_space)
control_texts = st.one_of(
    st.sampled_from(
        [
            *("a\x85b", "x\x85\ny", "a\rb", "a\r\nb", "a\u2028b", "a\u2029b\nc", "\ufeffa"),
            *("a\x00b", "a\x1bb", "a\x7fb", "a\tb\n", "a\x1cb", "a\ud7ffb", "a\U0001f600b"),
            "a\x0bb",
        ]
    ),
    texts,
    st.text(ALPHABET + "\r\x85\u2028\u2029\ufeff\x00\x1b\x7f", min_size=1, max_size=12),
).filter(has_non_space)


@st.composite
def every_slot_codebooks(draw: Any, text: st.SearchStrategy[str]) -> Any:
    """A small valid codebook with one of every kind of slot; free texts from ``text``."""
    # One text in every free-text slot: whether a text survives does not depend on the others,
    # and a single draw keeps shrinking fast. Marker terms must differ, so they are drawn apart.
    one = str(draw(text, label="text"))
    return every_slot_codebook(
        lambda: one,
        lambda size: list(draw(st.lists(text, min_size=size, max_size=3, unique=True))),
    )


def every_slot_codebook(t: Callable[[], str], unique: Callable[[int], list[str]]) -> Any:
    """The codebook of :func:`every_slot_codebooks`; ``t()`` gives a text, ``unique(n)`` at
    least ``n`` distinct ones."""

    def category(code: str, **extra: Any) -> dict[str, Any]:
        return {"code": code, "label": {"en": t()}, "definition": {"en": t()}, **extra}

    full = category(
        "yes",
        label={"en": t(), "ru": t()},
        include={"en": [t()]},
        exclude={"ru": [t(), t()]},
        examples={"en": [t()]},
        sources=["src-1"],
        children=[category("1", redefined_in="2.0.0")],
    )

    return {
        "format": 1,
        "codebook": "every-slot",
        "version": "2.1.0",
        "title": {"en": t(), "ru": t()},
        "description": {"en": t()},
        "languages": ["en", "ru"],
        "license": t(),
        "authors": [{"name": t(), "affiliation": t(), "role": t()}],
        "sources": [{"id": "src-1", "citation": t(), "url": "https://example.org/a"}],
        "changelog": [
            {"version": "2.1.0", "date": "2026-11-21", "changes": [t()]},
            {"version": "1.0.0", "date": "2025-01-31", "changes": [t()]},
        ],
        "reliability": {"pass": 0.8, "tentative": 0.667},
        "variables": [
            {
                "id": "target",
                "type": "single_choice",
                "level": "nominal",
                "label": {"en": t(), "ru": t()},
                "question": {"en": t()},
                "definition": {"en": t()},
                "instructions": {"ru": [t()]},
                "required": False,
                "sources": ["src-1"],
                "reliability": {"pass": 0.9, "tentative": 0.7},
                "categories": [
                    full,
                    category("no", retired_in="2.0.0", merged_into="yes"),
                    category("old", retired_in="1.0.0", replaced_by=["yes", "1"]),
                ],
            },
            {
                "id": "count",
                "type": "number",
                "label": {"en": t()},
                "definition": {"en": t()},
                "show_if": {"variable": "target", "in": ["yes"]},
                "min": 0,
                "max": 10.5,
            },
            {
                "id": "severity",
                "type": "ordinal_scale",
                "level": "interval",
                "label": {"en": t()},
                "definition": {"en": t()},
                "categories": [category("0"), category("1")],
            },
            {"id": "note", "type": "text", "label": {"en": t()}, "definition": {"en": t()}},
            {
                "id": "mentions",
                "type": "spans",
                "label": {"en": t()},
                "definition": {"en": t()},
                "categories": [category("person")],
            },
        ],
        "markers": [
            {
                "variable": "target",
                "code": "yes",
                "lang": "ru",
                "terms": unique(1),
                "exclude": unique(0),
            }
        ],
    }


# --- annotation records ---------------------------------------------------------------------------

# Text the readers keep as it is: the scripts we code, CSV and JSON specials, emoji. Not the
# characters str.splitlines() breaks on besides \n and \r (the JSONL reader splits lines with
# it), and no lone \r in CSV (the CSV writer leaves such a cell unquoted).
RECORD_ALPHABET = "abcxyz019 _-,;\"'[]{}\\\n\r\tабвңөүўқғҳʻʼ😀"
RECORD_CSV_ALPHABET = RECORD_ALPHABET.replace("\r", "")


def annotation_sets(
    values: st.SearchStrategy[Any], alphabet: str
) -> st.SearchStrategy[AnnotationSet]:
    ids = st.text(alphabet=alphabet, min_size=1, max_size=8).map(str.strip).filter(bool)
    texts = st.none() | st.text(alphabet=alphabet, min_size=1, max_size=30).filter(str.strip)
    positions = st.none() | st.integers(min_value=0, max_value=10**6)
    record = st.builds(
        Annotation,
        unit_id=ids,
        coder_id=ids,
        variable=ids,
        value=values,
        codebook=texts,
        text=texts,
        start=positions,
        end=positions,
        annotated_at=texts,
    )
    return st.lists(record, max_size=8).map(AnnotationSet.from_records)


def record_text_values(alphabet: str) -> st.SearchStrategy[Any]:
    codes = (
        st.text(alphabet=alphabet, min_size=1, max_size=8)
        .map(str.strip)
        .filter(lambda s: bool(s) and not s.startswith("["))
    )
    return st.none() | codes | st.lists(st.text(alphabet=alphabet, max_size=6), max_size=3)


record_json_values = (
    record_text_values(RECORD_ALPHABET)
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
)


# --- lexicon and folding texts --------------------------------------------------------------------

SUFFIXES = ["", "", "лар", "lar", "тарга", "дын", "ы", "s", "'s", "ning", "ча", "istan"]
SEPARATORS = [" ", " ", ", ", ". ", "\n", " — ", "-", "«", "» ", "", "2"]


def _noise(word: str, how: int) -> str:
    if how == 1:
        return word.replace("\u02bb", "'")
    if how == 2:
        return word.translate(str.maketrans("өүңаеорс", "оунaeopc"))  # plain Kyrgyz, homoglyphs
    if how == 3:
        return word.upper()
    return word


def lexicon_texts(vocabulary: list[str]) -> st.SearchStrategy[str]:
    """Texts of ``vocabulary`` words with suffixes, noise (plain Kyrgyz letters, homoglyphs,
    apostrophes, upper case) and separators: what the lexicon matcher meets in the wild."""
    words = st.builds(
        lambda w, suffix, how: _noise(w + suffix, how),
        st.sampled_from(vocabulary),
        st.sampled_from(SUFFIXES),
        st.integers(0, 5),
    )
    return st.lists(st.tuples(words, st.sampled_from(SEPARATORS)), max_size=12).map(
        lambda parts: "".join(w + s for w, s in parts)
    )


# Letters of all five orthographies plus everything fold treats specially.
FOLD_ALPHABET = (
    "abcdeghijklmnopqrstuvxyzOG"
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяўқғҳңөүАЕЁОЦСҲЪ"
    + APOSTROPHE_VARIANTS
    + " ,.-\n2"
    + "\u0301\u0306\u00ad\u200b"  # combining acute and breve (NFC), soft hyphen, ZWSP
)
fold_texts = st.text(alphabet=FOLD_ALPHABET, max_size=60)


# --- agreement ------------------------------------------------------------------------------------


@st.composite
def matrices(draw: st.DrawFn, *, strings: bool = False, max_coders: int = 5) -> list[list]:
    """coders x units matrices with missing values (None)."""
    n_coders = draw(st.integers(1, max_coders))
    n_units = draw(st.integers(1, 25))
    pool = draw(
        st.lists(
            st.sampled_from(["a", "b", "c", "d", "e", "f"])
            if strings
            else st.one_of(st.integers(-3, 12), st.sampled_from([0.5, 2.25, 7.0])),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    p_missing = draw(st.sampled_from([0.0, 0.1, 0.4]))
    cell = st.one_of(st.sampled_from(pool), st.none()) if p_missing else st.sampled_from(pool)
    return [[draw(cell) for _ in range(n_units)] for _ in range(n_coders)]


# Everything the batch fold treats specially, for comparing it with text-by-text folding: the
# fold alphabet, Kyrgyz capitals, every apostrophe variant, homoglyph twins of both scripts,
# digits, combining marks that NFC composes (и + breve) or cannot (Cyrillic titlo, an
# unassigned code point in a combining block), format characters, noncharacters (the
# placeholders' range and the batch separator), a lone surrogate, other scripts' letters,
# letters casefold lengthens (ß, İ), signs inside the Latin block (×), white space of all sorts.
BATCH_FOLD_CHARS = sorted(
    set(
        FOLD_ALPHABET
        + "ҢӨҮЎҒҚҲЁЭЮЯШЧЙҶЕЬьЫ"
        + "AaBEeKkMHOoPpCcTXxYyËëАаВЕеКкМНОоРрСсТХхУуЁёІіЈјЅѕҺһԚԛԜԝ"
        + "0123456789½"
        + "\u0306\u0308\u0483\u0903\u1acf\u20f0"
        + "\u2066\ufeff\u200d"
        + "\ufdd0\ufdd1\ufdd2\ufdd4\ufdef\ufffd\ud800"
        + "βΣ×ßİ_"
        + "\u00a0\t\u2003!?«»"
    )
)
batch_fold_texts = st.lists(st.sampled_from(BATCH_FOLD_CHARS), max_size=40).map("".join)
