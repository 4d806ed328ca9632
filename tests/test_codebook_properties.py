"""Property tests for the codebook format, written independently of the loader.

What is proved, on generated documents (``codebooks()``: valid codebooks as plain dicts, every
reference -- ``show_if``, ``merged_into``, ``replaced_by``, markers, source ids, languages,
versions -- pointing at something that exists):

1. load -> dump -> load is the identity: ``parse(dump(parse(x))) == parse(x)``, the dump is a
   fixed point, and the loaded model carries every value of the document. The same for text
   that is not NFC and for control / line-break characters (``every_slot_codebook``: one of
   every kind of slot).
2. the generated JSON Schema, checked by ``jsonschema``, accepts a document iff the loader's
   structural check does -- on valid documents, on random mutations of generated documents,
   and on every single mutation (from finite pools) of every kind of place of the every-slot
   codebook; on reference-safe mutations the full ``parse_codebook`` agrees with the schema
   too. A last property reads the schema's patterns as ECMA-262 regexes (as editors do).
3. the schema is a valid Draft 2020-12 schema and the committed copy is current.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from intercoder.codebook import spec
from intercoder.codebook.dump import codebook_to_dict, dump_yaml
from intercoder.codebook.model import Codebook
from intercoder.codebook.validate import parse_codebook
from intercoder.errors import CodebookError
from intercoder.yamlsafe import read_yaml

from strategies import (
    CHOICE_TYPES,
    CODE_POOL,
    LANG_POOL,
    LEVELS,
    VARIABLE_TYPES,
    codebooks,
    control_texts,
    every_slot_codebook,
    every_slot_codebooks,
    json_values,
    nfc,
    numbers,
    raw_texts,
    texts,
)

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = spec.json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
#: For the narrower properties (one text in every slot, one edit of one string).
NARROW = settings(PROPERTY, max_examples=100)

Path_ = tuple[str | int, ...]


# --- helpers ---------------------------------------------------------------------------------


def to_yaml(data: Any, *, fast: bool = False) -> str:
    """YAML text that the loader reads back as exactly ``data`` (checked, not assumed).

    ``yaml.safe_dump``, or with ``fast`` its libyaml twin (same representer, C emitter).
    """
    if fast:
        text = yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
        assert yaml.load(text, Loader=yaml.CSafeLoader) == data  # keys and dates are quoted
        return text
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert read_yaml(text, "generated.yaml").data == data
    return text


def to_yaml_exact(data: Any) -> str:
    """YAML text with every scalar double-quoted, so that NEL, NUL, … and text that is not NFC
    survive (checked against PyYAML itself: the loader normalises text to NFC on reading)."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_style='"')
    assert yaml.load(text, Loader=yaml.SafeLoader) == data
    return text


def nfc_deep(data: Any) -> Any:
    """``data`` with every string (keys too) in NFC."""
    if isinstance(data, str):
        return nfc(data)
    if isinstance(data, list):
        return [nfc_deep(item) for item in data]
    if isinstance(data, dict):
        return {nfc_deep(key): nfc_deep(value) for key, value in data.items()}
    return data


def structural_errors(data: Any) -> list[tuple[Path_, str]]:
    errors: list[tuple[Path_, str]] = []
    spec.check_structure(data, lambda path, message, at_key: errors.append((path, message)))
    return errors


def schema_errors(data: Any, validator: Any = VALIDATOR) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)
    ]


def parses(text: str) -> tuple[bool, list[str]]:
    try:
        parse_codebook(text, "mutated.yaml")
    except CodebookError as exc:
        return False, [str(d) for d in exc.diagnostics]
    return True, []


def canonical(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the dumper writes it: defaults and empty optional lists left out."""
    out = copy.deepcopy(data)

    def category(cat: dict[str, Any]) -> None:
        if cat.get("sources") == []:
            del cat["sources"]
        for child in cat.get("children", []):
            category(child)

    for var in out["variables"]:
        if var.get("required") is True:
            del var["required"]
        if var.get("sources") == []:
            del var["sources"]
        for cat in var.get("categories", []):
            category(cat)
    if out.get("markers") == []:
        del out["markers"]
    for marker in out.get("markers", []):
        if marker.get("exclude") == []:
            del marker["exclude"]
    return out


def walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def get(doc: Any, path: Path_) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def put(doc: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    get(doc, path[:-1])[path[-1]] = value
    return doc


# --- where a mutation lands ------------------------------------------------------------------

LOCALISED_TEXT = {"title", "description", "label", "question", "definition"}
LOCALISED_LISTS = {"include", "exclude", "examples", "instructions"}


def is_localised_map(path: Path_) -> bool:
    if not path or not isinstance(path[-1], str):
        return False
    if path[0] == "markers":
        return False
    return path[-1] in LOCALISED_TEXT | LOCALISED_LISTS


def is_free_text(path: Path_) -> bool:
    """A string slot that no other part of the document refers to (any non-blank text fits)."""
    if len(path) >= 2 and path[0] != "markers" and path[-2] in LOCALISED_TEXT:
        return True
    if len(path) >= 3 and path[0] != "markers" and path[-3] in LOCALISED_LISTS:
        return True
    return (
        path == ("license",)
        or (len(path) == 3 and path[0] == "authors" and path[2] in ("name", "affiliation", "role"))
        or (len(path) == 3 and path[0] == "sources" and path[2] == "citation")
        or (len(path) == 4 and path[0] == "changelog" and path[2] == "changes")
        or (len(path) == 4 and path[0] == "markers" and path[2] in ("terms", "exclude"))
    )


BAD = {
    "version": [
        "1.0", "1", "v1.0.0", "01.0.0", "1.00.0", "1.0.0.0", "1.0.0-rc.1", "1.0.0 ", " 1.0.0",
        "1.O.0", "１.0.0", "1..0",
    ],
    "codebook": [
        "Hate-speech", "hate--speech", "hate-", "-hate", "hate_speech", "1hate", "hate speech",
        "x" * 65, "ненависть",
    ],
    "lang": ["EN", "en_US", "english", "uz-latn", "e", "en-us", "en-", "uz-Latn-", "EN-gb"],
    "source": ["-a", ".a", "_a", "a b", "a/b", "ä", "a:b"],
    "date": ["2026/11/21", "21-11-2026", "2026-1-1", "today", "2026-11-21T00:00"],
    "url": ["ftp://example.org", "www.example.org", "example", "HTTP://example.org", " https://x"],
    "variable": ["Target", "1abc", "a-b", "_a", "a b", "ä", "a.b"],
    "variable_id": ["Target", "1abc", "a-b", "_a", "a b", "ä", "a.b", "x" * 65],
    "code": ["Yes", "-a", "_a", "a b", "a.b", "ä", "A1", "кот", "a/b", "x" * 65],
    "type": ["Single_choice", "choice", "single-choice", "string", "integer", "nominal"],
    "level": ["Nominal", "categorical", "scale", "ordinal_scale", "none"],
}  # fmt: skip
BLANKS = ["", " ", "\t", "\n", " \n ", "\u3000", "\u00a0"]
JUNK_KEYS = ["colour", "Label", "labels", "note", "x-extra", "$schema", "", "retired", "Code"]
ALL_KEYS = sorted(
    {*JUNK_KEYS, *LOCALISED_TEXT, *LOCALISED_LISTS, *LANG_POOL, *BAD["lang"]}
    | {
        "format", "codebook", "version", "languages", "license", "authors", "sources",
        "changelog", "reliability", "variables", "markers", "name", "affiliation", "role", "id",
        "citation", "url", "date", "changes", "pass", "tentative", "type", "level", "required",
        "show_if", "min", "max", "categories", "code", "children", "retired_in", "merged_into",
        "replaced_by", "redefined_in", "variable", "in", "lang", "terms",
    }
)  # fmt: skip


def ref_kind(path: Path_) -> str | None:
    """Which identifier pattern a string slot must match (None for free text)."""
    if not path:
        return None
    last = path[-1]
    parent = path[-2] if len(path) >= 2 else None
    if last in ("version", "retired_in", "redefined_in"):
        return "version"
    if path == ("codebook",):
        return "codebook"
    if path[0] == "languages" or (path[0] == "markers" and last == "lang"):
        return "lang"
    if (path[0] == "sources" and last == "id") or (isinstance(last, int) and parent == "sources"):
        return "source"
    if last in ("date", "url", "type", "level"):
        return str(last)
    if last == "id":
        return "variable_id"
    if last == "variable":
        return "variable"
    if last in ("code", "merged_into") or (
        isinstance(last, int) and parent in ("replaced_by", "in")
    ):
        return "code"
    return None


def type_class(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    return "list" if isinstance(value, list) else "map"


TYPE_SAMPLES: dict[str, list[Any]] = {
    "null": [None],
    "bool": [True, False],
    "number": [1, 0.5],
    "text": ["x", "1", "1.0.0"],
    "list": [[], ["x"], [{"en": "x"}]],
    "map": [{}, {"en": "x"}],
}

anything = st.one_of(
    json_values,
    st.sampled_from([value for pool in BAD.values() for value in pool]),
    st.sampled_from(BLANKS + VARIABLE_TYPES + LEVELS + LANG_POOL + CODE_POOL),
    texts,
    numbers,
)

_CATEGORY = {"code": "a", "label": {"en": "A"}, "definition": {"en": "A."}}
#: A value that fits each known key where that key belongs (and is misplaced elsewhere).
PLAUSIBLE: dict[str, Any] = {
    "format": 1, "codebook": "x", "version": "1.0.0", "languages": ["en"], "license": "MIT",
    "authors": [{"name": "x"}], "sources": [], "reliability": {"pass": 0.8, "tentative": 0.6},
    "changelog": [{"version": "1.0.0", "date": "2026-01-01", "changes": ["x"]}],
    "variables": [{"id": "v", "type": "text", "label": {"en": "x"}, "definition": {"en": "x"}}],
    "markers": [], "name": "x", "affiliation": "x", "role": "x", "id": "x", "citation": "x",
    "url": "https://x", "date": "2026-01-01", "changes": ["x"], "pass": 0.8, "tentative": 0.5,
    "type": "text", "level": "nominal", "required": True, "min": 0, "max": 1,
    "show_if": {"variable": "v", "in": ["a"]}, "categories": [_CATEGORY], "code": "a",
    "children": [_CATEGORY], "retired_in": "1.0.0", "merged_into": "a", "replaced_by": ["a"],
    "redefined_in": "1.0.0", "variable": "v", "in": ["a"], "lang": "en", "terms": ["x"],
    **{key: {"en": "x"} for key in LOCALISED_TEXT},
    **{key: {"en": ["x"]} for key in LOCALISED_LISTS},
}  # fmt: skip
FREE_SAMPLES = ["x", "yes", "  both  ", "two\nlines", "Нишон гуруҳ ўқғҳ", "1.0.0"]
VALID_ELSEWHERE = ["1.0.0", "en", "uz-Latn", "single_choice", "nominal", "a", "2026-01-01"]
BAD_NUMBERS = {
    "format": [0, 2, 1.5, -1, 10],
    "threshold": [-0.1, 1.5, 2, -1, 1.0000001],
    "any": [0, 1, 1.0, 0.5, -1e300, float("inf"), 2, -0.1],
}

TYPED_KEYS = ("categories", "min", "max")  # keys allowed or forbidden by a variable's type

# What a reference-safe mutation may remove: these keys carry codes other parts refer to.
UNSAFE_DROP_KEYS = {"children", "retired_in"}

Op = tuple[Any, ...]
"""("set", path, value) | ("drop", path) | ("repeat", path) | ("add", path, key, value)."""


def apply(doc: Any, op: Op) -> Any:
    doc = copy.deepcopy(doc)
    kind, path = op[0], op[1]
    if kind == "set":
        return put(doc, path, copy.deepcopy(op[2]))
    if kind == "drop":
        del get(doc, path[:-1])[path[-1]]
    elif kind == "repeat":
        get(doc, path[:-1]).append(copy.deepcopy(get(doc, path)))
    else:
        get(doc, path)[op[2]] = copy.deepcopy(op[3])
    return doc


def slot_class(doc: Any, path: Path_, *, coarse: bool = False) -> tuple[Any, ...]:
    """The kind of place ``path`` is: its keys with indices and language tags wildcarded, and
    for a variable and its own keys the variable's type (what fits one type is an error in
    another). ``coarse`` also merges all localised texts, and all localised lists."""
    parts: list[Any] = []
    for i, part in enumerate(path):
        if isinstance(part, int):
            parts.append("[]")
        elif is_localised_map(path[:i]):
            parts.append("<lang>")
        elif coarse and is_localised_map(path[: i + 1]):
            parts = ["<localised list>" if part in LOCALISED_LISTS else "<localised text>"]
        else:
            parts.append(part)
    var_type = None
    typed = len(path) == 2 or (len(path) == 3 and path[2] in ("type", "level", *TYPED_KEYS))
    if typed and path[0] == "variables" and isinstance(doc, dict):
        variables = doc.get("variables")
        var = variables[path[1]] if isinstance(variables, list) else None
        var_type = var.get("type") if isinstance(var, dict) else None
    return (*parts, repr(var_type))


def _list_item_safe(parent: Path_, *, repeat: bool) -> bool:
    """May an item of the list at ``parent`` be dropped (or repeated) without breaking a
    reference or a rule outside the structure?"""
    if not parent:
        return False
    last = parent[-1]
    if parent in (("authors",), ("markers",)) or last in ("changes", "terms", "in", "replaced_by"):
        return True
    if parent == ("languages",):
        return repeat  # a repeated language is a structural error; a dropped one breaks texts
    if parent == ("changelog",):
        return not repeat  # a repeated entry is a (non-structural) error
    if last == "exclude" and parent[0] == "markers":
        return True
    if last == "sources" and len(parent) > 1:
        return True  # references to sources, not the sources themselves
    return len(parent) >= 2 and parent[0] != "markers" and parent[-2] in LOCALISED_LISTS


def _variable_extras(doc: Any, path: Path_) -> list[tuple[str, Any]]:
    """Keys the variable at ``path`` must not have, given its type, with plausible values."""
    var = get(doc, path)
    extras: list[tuple[str, Any]] = []
    if var.get("type") in ("text", "number"):
        extras.append(("categories", [_CATEGORY]))
    if var.get("type") in (*CHOICE_TYPES, "text"):
        extras += [("min", 0), ("max", 10)]
    if var.get("type") == "text":
        extras.append(("level", "nominal"))
    return extras


def single_ops(doc: Any, path: Path_, *, safe: bool) -> list[tuple[str, Op]]:
    """Every concrete mutation of the node at ``path``, each with a tag saying what kind of
    change it is (the finite part of the mutation space).

    With ``safe`` only mutations that either break the structure or keep every reference and
    every non-structural rule intact, so that the schema alone decides whether the result loads.
    """
    value = get(doc, path)
    ops: list[tuple[str, Op]] = []

    def sets(tag: str, values: Any) -> None:
        ops.extend((tag, ("set", path, v)) for v in values)

    own = type_class(value)
    sets("wrong type", [v for cls, vs in TYPE_SAMPLES.items() if cls != own for v in vs])
    if isinstance(value, str):
        sets("blank", BLANKS)
        kind = ref_kind(path)
        if kind in BAD:
            sets("bad pattern", BAD[str(kind)])
        if is_free_text(path):
            sets("other text", FREE_SAMPLES)
        elif not safe:
            other_kinds = {"type": VARIABLE_TYPES, "level": LEVELS}.get(str(kind), [])
            sets("valid elsewhere", [*VALID_ELSEWHERE, *FREE_SAMPLES, *other_kinds])
    if own == "number" and path:
        if path == ("format",):
            sets("bad number", BAD_NUMBERS["format"])
        elif path[-1] in ("pass", "tentative"):
            sets("bad number", BAD_NUMBERS["threshold"])
        if not safe:
            sets("other number", BAD_NUMBERS["any"])
    if isinstance(value, dict):
        sets("empty", [{}])
        ops.extend(
            ("drop key", ("drop", (*path, key)))
            for key in value
            if not safe or key not in UNSAFE_DROP_KEYS
        )
        if is_localised_map(path):
            item: Any = ["x"] if path[-1] in LOCALISED_LISTS else "x"
            declared = doc.get("languages") if isinstance(doc, dict) else None
            declared = declared if isinstance(declared, list) else []
            present = [tag for tag in declared if isinstance(tag, str) and tag not in value]
            tags = BAD["lang"] + ["", "1", "en\t"] + (present if safe else LANG_POOL)
            ops.extend(("add language", ("add", path, tag, item)) for tag in tags)
            if not safe:
                ops.extend(("add language", ("add", path, "en", v)) for v in (None, [], 1))
        else:
            ops.extend(("add unknown key", ("add", path, key, "x")) for key in JUNK_KEYS)
            if not safe:
                known = PLAUSIBLE.items()
                ops.extend(("add known key", ("add", path, key, v)) for key, v in known)
            elif len(path) == 2 and path[0] == "variables":
                extras = _variable_extras(doc, path)
                ops.extend(("add forbidden key", ("add", path, key, v)) for key, v in extras)
    if isinstance(value, list):
        if not safe or path != ("sources",):
            sets("empty", [[]])
        for index in range(len(value)):
            if not safe or _list_item_safe(path, repeat=False):
                ops.append(("drop item", ("drop", (*path, index))))
            if not safe or _list_item_safe(path, repeat=True):
                ops.append(("repeat item", ("repeat", (*path, index))))
    return ops


@st.composite
def mutation(draw: Any, doc: Any, *, safe: bool) -> Op:
    """One mutation of ``doc`` (see :func:`mutations`)."""
    return draw(st.sampled_from(draw(mutations(doc, safe=safe))))


@st.composite
def mutations(draw: Any, doc: Any, *, safe: bool) -> list[Op]:
    """Mutations of ``doc`` of one kind at one place: a kind of change first, then a kind of
    place where it applies, then a place of that kind; all the concrete changes of that kind
    there (or one drawn value for the open-ended kinds). Choosing the kind of change and of
    place first makes rare changes at rare places as likely as edits of the many texts."""
    by_slot: dict[tuple[Any, ...], list[Path_]] = {}
    for path, _value in walk(doc):
        by_slot.setdefault(slot_class(doc, path), []).append(path)
    where: dict[str, list[tuple[Any, ...]]] = {}
    for slot, paths in sorted(by_slot.items(), key=repr):
        tags = {tag for tag, _op in single_ops(doc, paths[0], safe=safe)}
        value = get(doc, paths[0])
        if isinstance(value, str) and (not safe or is_free_text(paths[0])):
            tags.add("any text")
        if not safe:
            tags |= {"anything", "transplant"} | (
                {"add anything"} if isinstance(value, dict) else set()
            )
        for tag in tags:
            where.setdefault(tag, []).append(slot)
    tag = draw(st.sampled_from(sorted(where)))
    slot = draw(st.sampled_from(where[tag]))
    path = draw(st.sampled_from(by_slot[slot]))
    nodes = [node for _p, node in walk(doc)]
    if tag == "any text":
        return [("set", path, draw(texts))]
    if tag == "anything":
        return [("set", path, draw(anything))]
    if tag == "transplant":
        return [("set", path, draw(st.sampled_from(nodes)))]
    if tag == "add anything" and isinstance(get(doc, path), dict):
        key = draw(st.sampled_from(ALL_KEYS))
        return [("add", path, key, draw(st.one_of(anything, st.sampled_from(nodes))))]
    ops = single_ops(doc, path, safe=safe)
    return [op for t, op in ops if t == tag] or [op for _t, op in ops]


# --- 1. round trip ---------------------------------------------------------------------------


@PROPERTY
@given(codebooks())
def test_load_dump_load_is_the_identity(data: dict[str, Any]) -> None:
    text = to_yaml(data)
    assert VALIDATOR.is_valid(data), schema_errors(data)
    first, _ = parse_codebook(text, "generated.yaml")
    # Nothing the document says is lost or altered on the way into the model.
    assert codebook_to_dict(first) == canonical(data)
    dumped = dump_yaml(first)
    second, _ = parse_codebook(dumped, "dumped.yaml")
    assert second == first
    assert dump_yaml(second) == dumped


def _every_slot() -> Any:
    return every_slot_codebook(lambda: "x", lambda size: ["x", "y"][: max(size, 1)])


def test_every_slot_codebook_is_valid() -> None:
    doc = _every_slot()
    assert schema_errors(doc) == []
    assert structural_errors(doc) == []
    parse_codebook(to_yaml(doc), "every-slot.yaml", strict=False)


def _round_trip_exact(doc: Any) -> None:
    first, _ = parse_codebook(to_yaml_exact(doc), "generated.yaml")
    dumped = dump_yaml(first)
    second, _ = parse_codebook(dumped, "dumped.yaml")
    assert second == first
    assert dump_yaml(second) == dumped


def _load_or_none(doc: Any) -> Codebook | None:
    try:
        return parse_codebook(to_yaml_exact(doc), "generated.yaml")[0]
    except CodebookError:
        return None


@NARROW
@given(every_slot_codebooks(raw_texts))
def test_text_that_is_not_nfc_loads_as_its_nfc_form_and_round_trips(doc: Any) -> None:
    """Canonically equivalent documents load the same (both fail, e.g. on terms that are
    duplicates once normalised, or both give the same model), and that model round-trips."""
    loaded = _load_or_none(doc)
    assert loaded == _load_or_none(nfc_deep(doc))
    if loaded is not None:
        dumped = dump_yaml(loaded)
        again, _ = parse_codebook(dumped, "dumped.yaml")
        assert again == loaded
        assert dump_yaml(again) == dumped


@NARROW
@given(every_slot_codebooks(control_texts))
def test_round_trip_with_control_and_line_break_characters(doc: Any) -> None:
    _round_trip_exact(doc)


# --- 2. schema and loader agree --------------------------------------------------------------


def _agree_structurally(doc: Any, ops: tuple[Op, ...] = ()) -> None:
    loader = structural_errors(doc)
    if (not loader) != VALIDATOR.is_valid(doc):
        raise AssertionError(f"after {ops}:\nloader: {loader}\nschema: {schema_errors(doc)}")


def _agree_on_loading(doc: Any, ops: tuple[Op, ...] = ()) -> None:
    loaded, diagnostics = parses(to_yaml(doc, fast=True))
    if loaded != VALIDATOR.is_valid(doc):
        raise AssertionError(f"after {ops}:\nloader: {diagnostics}\nschema: {schema_errors(doc)}")


def _mutated(
    data: st.DataObject, *, safe: bool, rounds: int, every: bool
) -> Iterator[tuple[tuple[Op, ...], Any]]:
    """A generated codebook, then in each of up to ``rounds`` rounds: maybe a first mutation,
    then a group of mutations of one kind at one place (all of them with ``every``, else one),
    each applied on its own."""
    doc = data.draw(codebooks(), label="codebook")
    for _ in range(data.draw(st.integers(1, rounds), label="rounds")):
        base, prefix = doc, ()
        if data.draw(st.booleans(), label="chained"):
            first = data.draw(mutation(doc, safe=safe), label="first mutation")
            base, prefix = apply(doc, first), (first,)
        group = data.draw(mutations(base, safe=safe), label="mutations")
        if not every:
            group = [data.draw(st.sampled_from(group), label="mutation")]
        for op in group:
            event(f"{op[0]} {'/'.join(map(str, slot_class(base, op[1])[:-1]))}")
            yield (*prefix, op), apply(base, op)


@PROPERTY
@given(st.data())
def test_schema_accepts_exactly_what_the_structural_check_accepts(data: st.DataObject) -> None:
    for chain, doc in _mutated(data, safe=False, rounds=3, every=True):
        _agree_structurally(doc, chain)


@PROPERTY
@given(st.data())
def test_schema_accepts_exactly_what_parse_codebook_loads(data: st.DataObject) -> None:
    for chain, doc in _mutated(data, safe=True, rounds=3, every=False):
        _agree_on_loading(doc, chain)


def _neighbourhood(doc: Any, *, safe: bool) -> Iterator[tuple[Op, Any]]:
    """Every concrete single mutation of ``doc``, one place of each kind."""
    seen = set()
    for path, _value in list(walk(doc)):
        slot = slot_class(doc, path, coarse=True)
        if slot in seen:
            continue
        seen.add(slot)
        for _tag, op in single_ops(doc, path, safe=safe):
            yield op, apply(doc, op)


def test_schema_and_structural_check_agree_on_every_single_mutation() -> None:
    """Exhaustive: each concrete mutation of each kind of place of the every-slot codebook."""
    count = 0
    for op, doc in _neighbourhood(_every_slot(), safe=False):
        _agree_structurally(doc, (op,))
        count += 1
    assert count > 1000


def _op_group(doc: Any, op: Op) -> tuple[Any, ...]:
    """Kind of place, kind of change and kind of value of a mutation."""
    if op[0] == "set":
        value = op[2]
        return (slot_class(doc, op[1], coarse=True), "set", type_class(value), value in BLANKS)
    if op[0] == "add":
        return (slot_class(doc, op[1], coarse=True), "add")
    return (slot_class(doc, op[1][:-1], coarse=True), op[0])


def test_schema_and_parse_codebook_agree_on_every_single_safe_mutation() -> None:
    """Exhaustive over the reference-safe neighbourhood of the every-slot codebook: each mutation
    the schema accepts must load; of those it rejects, one of each kind of place, change and
    value must be refused (all of them are covered structurally by the test above)."""
    doc = _every_slot()
    tried: set[tuple[Any, ...]] = set()
    accepted = 0
    for op, mutated in _neighbourhood(doc, safe=True):
        if VALIDATOR.is_valid(mutated):
            accepted += 1
        elif _op_group(doc, op) in tried:
            continue
        else:
            tried.add(_op_group(doc, op))
        _agree_on_loading(mutated, (op,))
    assert accepted > 50
    assert len(tried) > 300


# JSON Schema patterns are ECMA-262 regular expressions (what editors run): ``$`` matches only at
# the very end of the text, and ``\s`` is ECMA white space (which includes U+FEFF but not the
# C0 separators U+001C..U+001F or NEL). Python's ``re`` differs on exactly these points.
_ECMA_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def _ecma_regex(pattern: str) -> str:
    translated = pattern.replace(r"\S", f"[^{_ECMA_SPACE}]")
    # `$(?!\n)` is how the format spells "end of text" for both engines; ECMA reads it as \Z.
    translated = translated.replace(r"$(?!\n)", r"\Z")
    if translated.endswith("$"):
        translated = translated[:-1] + r"\Z"
    assert "$" not in translated, pattern
    return translated


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if validator.is_type(instance, "string") and not re.search(_ecma_regex(pattern), instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r} (ECMA-262)")


ECMA_VALIDATOR = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"pattern": _ecma_pattern}
)(SCHEMA)
ECMA_EDGES = ["\n", "\ufeff", "\x1c", "\x1f", "\x85", "\u180e", "\u200b", "\u2028"]


@NARROW
@given(st.data())
def test_schema_under_ecma262_regex_semantics_agrees_with_the_loader(
    data: st.DataObject,
) -> None:
    doc = _every_slot()
    strings = [path for path, value in walk(doc) if isinstance(value, str)]
    path = data.draw(st.sampled_from(strings), label="path")
    edge = data.draw(st.sampled_from(ECMA_EDGES), label="edge")
    old = get(doc, path)
    how = data.draw(st.sampled_from(["append", "replace"]), label="how")
    doc = put(doc, path, old + edge if how == "append" else edge)
    loader = structural_errors(doc)
    schema = schema_errors(doc, ECMA_VALIDATOR)
    assert (not loader) == (not schema), f"{path}={get(doc, path)!r}\nloader: {loader}\n{schema}"


# --- 3. the schema itself --------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_minimal_example_is_valid_for_schema_and_loader() -> None:
    text = (ROOT / "tests" / "data" / "minimal.yaml").read_text(encoding="utf-8")
    data = read_yaml(text, "minimal.yaml").data
    assert schema_errors(data) == []
    assert structural_errors(data) == []
    parse_codebook(text, "minimal.yaml")


def test_committed_schema_is_current() -> None:
    committed = ROOT / "codebooks" / "codebook.schema.json"
    assert committed.is_file(), "codebooks/codebook.schema.json is missing (it is committed)"
    expected = json.dumps(SCHEMA, ensure_ascii=False, indent=2) + "\n"
    assert committed.read_text(encoding="utf-8") == expected
