"""The codebook file format, declared once: the loader validates with it and the JSON Schema is
generated from it.

Keeping one declaration means the editor's schema (``codebooks/codebook.schema.json``, used for
autocompletion while authoring) and the loader cannot drift apart; ``tests/test_schema_agreement``
proves it by running an independent validator (``jsonschema``) beside the loader on generated
documents. The loader does its own walk instead of calling ``jsonschema`` at run time because it
must report ``FILE:LINE:COL`` and suggest the key that was meant, and because ``jsonschema``
costs ~80 ms of import time on every CLI call.

Only the *structure* lives here. Checks that need the whole document (a ``show_if`` that points
at an earlier variable, unique codes, markers pointing at real categories, translations present
for every language) are in :mod:`intercoder.codebook.validate`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from ..yamlsafe import Path_, format_path

Report = Callable[[Path_, str, bool], None]
"""``report(path, message, at_key)`` records an error at ``path`` (at its key when ``at_key``)."""


# "Some visible character": not `\S`, whose white space differs between Python (which counts
# U+001C-U+001F and U+0085) and ECMA-262 (which counts U+FEFF); this class excludes both sets,
# so the loader and editors agree on what a blank text is.
NOT_BLANK = (
    r"[^\t\n\v\f\r \x1c-\x1f\x85\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f"
    r"\u205f\u3000\ufeff]"
)


class Spec:
    """A node of the format declaration."""

    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def _described(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema["description"] = self.description
        return schema


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover - YAML yields only the types above


@attrs.frozen
class Text(Spec):
    """A non-blank string, optionally matching ``pattern`` (searched, as JSON Schema does)."""

    pattern: str | None = None
    hint: str = ""
    max_length: int | None = None
    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        if not isinstance(value, str):
            quoting_helps = (
                self.pattern is not None
                and isinstance(value, bool | int | float)
                and re.search(self.pattern, str(value)) is not None
            )
            extra = f'; write it in quotes: "{value}"' if quoting_helps else ""
            report(path, f"must be {self.hint or 'text'}, not {_type_name(value)}{extra}", False)
            return
        if not re.search(NOT_BLANK, value):
            report(path, "must not be empty", False)
        elif self.pattern and not re.search(self.pattern, value):
            report(path, f"{value!r} is not {self.hint or 'valid'}", False)
        elif self.max_length is not None and len(value) > self.max_length:
            report(path, f"is longer than {self.max_length} characters", False)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "pattern": self.pattern or NOT_BLANK}
        if self.pattern:
            # JSON Schema cannot AND two patterns on one keyword; allOf keeps both.
            out = {"type": "string", "allOf": [{"pattern": NOT_BLANK}, {"pattern": self.pattern}]}
        if self.max_length is not None:
            out["maxLength"] = self.max_length
        return self._described(out)


@attrs.frozen
class Number(Spec):
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            report(path, f"must be a number, not {_type_name(value)}", False)
        elif self.minimum is not None and value < self.minimum:
            report(path, f"must be at least {self.minimum}", False)
        elif self.maximum is not None and value > self.maximum:
            report(path, f"must be at most {self.maximum}", False)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "number"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return self._described(out)


@attrs.frozen
class Boolean(Spec):
    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        if not isinstance(value, bool):
            report(path, f"must be true or false, not {_type_name(value)}", False)

    def schema(self) -> dict[str, Any]:
        return self._described({"type": "boolean"})


@attrs.frozen
class Const(Spec):
    value: int
    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        if isinstance(value, bool) or value != self.value:
            report(path, f"must be {self.value} (the only format version there is)", False)

    def schema(self) -> dict[str, Any]:
        return self._described({"const": self.value})


@attrs.frozen
class OneOf(Spec):
    """One of a few fixed strings."""

    choices: tuple[str, ...]
    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        if value in self.choices and isinstance(value, str):
            return
        suggestion = _did_you_mean(str(value), self.choices)
        report(
            path,
            f"{value!r} is not one of {', '.join(self.choices)}{suggestion}",
            False,
        )

    def schema(self) -> dict[str, Any]:
        return self._described({"enum": list(self.choices)})


@attrs.frozen
class ListOf(Spec):
    item: Spec
    min_items: int = 0
    unique: bool = False
    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        if not isinstance(value, list):
            report(path, f"must be a list, not {_type_name(value)}", False)
            return
        if len(value) < self.min_items:
            report(path, f"needs at least {self.min_items} item(s)", False)
        for index, item in enumerate(value):
            self.item.check(item, (*path, index), report)
        if self.unique:
            # A set, so 100,000 marker terms take milliseconds; the rare unhashable item (bad
            # input: a list where a text belongs) falls back to comparing with the others.
            seen: set[Any] = set()
            unhashable: list[Any] = []
            for index, item in enumerate(value):
                try:
                    twice = item in seen
                    seen.add(item)
                except TypeError:
                    twice = item in unhashable
                    unhashable.append(item)
                if twice:
                    report((*path, index), f"{item!r} is listed twice", False)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "array", "items": self.item.schema()}
        if self.min_items:
            out["minItems"] = self.min_items
        if self.unique:
            out["uniqueItems"] = True
        return self._described(out)


@attrs.frozen
class MapOf(Spec):
    """A mapping with free keys matching ``key_pattern`` (e.g. language tags)."""

    key_pattern: str
    key_hint: str
    value: Spec
    min_items: int = 1
    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        if not isinstance(value, dict):
            report(path, f"must be a mapping, not {_type_name(value)}", False)
            return
        if len(value) < self.min_items:
            report(path, "must not be empty", False)
        for key, item in value.items():
            if not re.search(self.key_pattern, key):
                if item is None and len(value) > 1:
                    # `{en: Hate speech, incitement}`: YAML ends the text at the comma and reads
                    # the rest as a key without a value, which is not an error of its own.
                    report(
                        (*path, key),
                        f"{key!r} is not {self.key_hint}: a comma inside {{...}} ends the text "
                        f'before it; put the whole text in quotes, e.g. en: "..., {key}"',
                        True,
                    )
                    continue
                report((*path, key), f"{key!r} is not {self.key_hint}", True)
            self.value.check(item, (*path, key), report)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "propertyNames": {"pattern": self.key_pattern},
            "additionalProperties": self.value.schema(),
        }
        if self.min_items:
            out["minProperties"] = self.min_items
        return self._described(out)


@attrs.frozen
class Field:
    spec: Spec
    required: bool = False


@attrs.frozen
class Rule:
    """When ``field`` has one of ``values``: ``require`` these keys and ``forbid`` those."""

    field: str
    values: tuple[str, ...]
    require: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    #: Keys of which at least one must be there (``categories`` or ``categories_from``).
    require_one_of: tuple[str, ...] = ()


@attrs.frozen
class Obj(Spec):
    """A mapping with known keys; unknown keys are errors with a did-you-mean."""

    fields: Mapping[str, Field]
    rules: tuple[Rule, ...] = ()
    description: str = ""

    def check(self, value: Any, path: Path_, report: Report) -> None:
        if not isinstance(value, dict):
            report(path, f"must be a mapping, not {_type_name(value)}", False)
            return
        # A misspelt required key is one mistake, not two: report it once, at the misspelling.
        meant_by_typo: set[str] = set()
        for key in value:
            if key not in self.fields:
                suggestion = _closest(
                    key, [name for name in self.fields if name not in value]
                ) or _closest(key, self.fields)
                if suggestion and self.fields[suggestion].required:
                    meant_by_typo.add(suggestion)
                    hint = f" (did you mean {suggestion!r}? it is required)"
                else:
                    hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
                report((*path, key), f"unknown key {key!r}{hint}", True)
        for name, field in self.fields.items():
            if name in value:
                field.spec.check(value[name], (*path, name), report)
            elif field.required and name not in meant_by_typo:
                report(path, f"missing required key {name!r}", False)
        for rule in self.rules:
            if value.get(rule.field) not in rule.values:
                continue
            for name in rule.require:
                if name not in value:
                    report(
                        path,
                        f"missing key {name!r} (needed for {rule.field} {value[rule.field]!r})",
                        False,
                    )
            if rule.require_one_of and not any(name in value for name in rule.require_one_of):
                keys = " or ".join(repr(name) for name in rule.require_one_of)
                report(
                    path,
                    f"missing key {keys} (needed for {rule.field} {value[rule.field]!r})",
                    False,
                )
            for name in rule.forbid:
                if name in value:
                    report(
                        (*path, name),
                        f"key {name!r} does not apply to {rule.field} {value[rule.field]!r}",
                        True,
                    )

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "properties": {name: field.spec.schema() for name, field in self.fields.items()},
            "additionalProperties": False,
        }
        required = [name for name, field in self.fields.items() if field.required]
        if required:
            out["required"] = required
        conditions = []
        for rule in self.rules:
            then: dict[str, Any] = {}
            if rule.require:
                then["required"] = list(rule.require)
            if rule.forbid:
                then["not"] = {"anyOf": [{"required": [name]} for name in rule.forbid]}
            if rule.require_one_of:
                then["anyOf"] = [{"required": [name]} for name in rule.require_one_of]
            conditions.append(
                {
                    "if": {
                        "required": [rule.field],
                        "properties": {rule.field: {"enum": list(rule.values)}},
                    },
                    "then": then,
                }
            )
        if conditions:
            out["allOf"] = conditions
        return self._described(out)


@attrs.frozen
class Ref(Spec):
    """A reference to a named definition (for the recursive category tree)."""

    name: str
    resolve: Callable[[], Spec] = attrs.field(eq=False, repr=False)

    def check(self, value: Any, path: Path_, report: Report) -> None:
        self.resolve().check(value, path, report)

    def schema(self) -> dict[str, Any]:
        return {"$ref": f"#/$defs/{self.name}"}


def _closest(word: str, candidates: Any) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def _did_you_mean(word: str, candidates: Any) -> str:
    close = _closest(word, candidates)
    return f" (did you mean {close!r}?)" if close else ""


# --- The format ------------------------------------------------------------------------------

# Every pattern ends in `$(?!\n)`: Python's `$` (and so the `jsonschema` package) also matches
# before a final newline, ECMA-262's `$` (editors) does not; the lookahead makes both agree that
# "1.0.0\n" is not a version.
_END = r"$(?!\n)"
LANGUAGE_TAG = r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?" + _END
SEMVER = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)" + _END
CODEBOOK_ID = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*" + _END
VARIABLE_ID = r"^[a-z][a-z0-9_]*" + _END
CODE = r"^[a-z0-9][a-z0-9_-]*" + _END
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}" + _END
SOURCE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*" + _END
#: A shared vocabulary named with its exact version: ``target-groups@1.0.0``.
VOCABULARY_REF = (
    r"^[a-z][a-z0-9]*(-[a-z0-9]+)*@(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)" + _END
)

VARIABLE_TYPES = ("single_choice", "multiple_choice", "ordinal_scale", "number", "text", "spans")
LEVELS = ("nominal", "ordinal", "interval", "ratio")
#: What a variable is coded for: the whole text, or each statement (a span) inside it.
UNITS = ("text", "statement")

_text = Text()
_code = Text(CODE, "a code (lowercase letters, digits, '_' and '-')", max_length=64)
_version = Text(SEMVER, "a version MAJOR.MINOR.PATCH, e.g. 1.2.0")
_localised = MapOf(
    LANGUAGE_TAG,
    "a language tag such as en, ru, ky, uz-Latn, uz-Cyrl",
    _text,
    description="Text in each working language, keyed by language tag.",
)
_localised_list = MapOf(
    LANGUAGE_TAG,
    "a language tag such as en, ru, ky, uz-Latn, uz-Cyrl",
    ListOf(_text, min_items=1),
    description="A list of texts in each working language, keyed by language tag.",
)
_source_refs = ListOf(Text(SOURCE_ID, "a source id"), unique=True)
_thresholds = Obj(
    {
        "pass": Field(Number(0, 1, "Alpha at or above which the variable is reliable."), True),
        "tentative": Field(
            Number(0, 1, "Alpha at or above which conclusions are tentative."), True
        ),
    },
    description="Reliability thresholds (Krippendorff 2004: 0.800 and 0.667).",
)


_languages = Field(
    ListOf(
        Text(LANGUAGE_TAG, "a language tag such as en, ru, ky, uz-Latn, uz-Cyrl"),
        min_items=1,
        unique=True,
    ),
    True,
)


def _category() -> Spec:
    return CATEGORY


CATEGORY = Obj(
    {
        "code": Field(_code, True),
        "label": Field(_localised, True),
        "definition": Field(_localised, True),
        "include": Field(_localised_list),
        "exclude": Field(_localised_list),
        "examples": Field(_localised_list),
        "sources": Field(_source_refs),
        "children": Field(ListOf(Ref("category", _category), min_items=1)),
        "retired_in": Field(_version),
        "merged_into": Field(_code),
        "replaced_by": Field(ListOf(_code, min_items=1, unique=True)),
        "redefined_in": Field(_version),
        "exclusive": Field(
            Boolean(
                "In a multiple choice: a 'none of these' code that is never combined with "
                "another code."
            )
        ),
    },
    description="A category (code) of a variable; codes are immutable and never reused.",
)

_choice_types = ("single_choice", "multiple_choice", "ordinal_scale", "spans")

VARIABLE = Obj(
    {
        "id": Field(Text(VARIABLE_ID, "a variable id (snake_case)", max_length=64), True),
        "type": Field(OneOf(VARIABLE_TYPES), True),
        "level": Field(OneOf(LEVELS, "Level of measurement; derived from the type by default.")),
        "label": Field(_localised, True),
        "question": Field(_localised),
        "definition": Field(_localised, True),
        "instructions": Field(_localised_list),
        "required": Field(Boolean()),
        "show_if": Field(
            Obj(
                {
                    "variable": Field(Text(VARIABLE_ID, "a variable id"), True),
                    "in": Field(ListOf(_code, min_items=1, unique=True), True),
                },
                description="Show only when an earlier choice has one of these codes.",
            )
        ),
        "sources": Field(_source_refs),
        "reliability": Field(_thresholds),
        "min": Field(Number()),
        "max": Field(Number()),
        "unit": Field(
            OneOf(
                UNITS,
                "What is coded: the whole text (default) or each statement, a span inside it "
                "with its own values.",
            )
        ),
        "categories": Field(ListOf(CATEGORY, min_items=1)),
        "categories_from": Field(
            Text(
                VOCABULARY_REF,
                "a shared vocabulary with its version, e.g. target-groups@1.0.0",
                description="Take the categories from a shared vocabulary "
                "(codebooks/vocabularies/<id>/<version>.yaml) instead of listing them.",
            )
        ),
        "add": Field(
            ListOf(
                CATEGORY,
                min_items=1,
                description="Categories of this codebook added after the vocabulary's.",
            )
        ),
        "amend": Field(
            ListOf(
                Obj(
                    {
                        "code": Field(_code, True),
                        "redefined_in": Field(_version, True),
                    },
                    description="This codebook's history of one of the vocabulary's codes.",
                ),
                min_items=1,
                description="With categories_from: the version of this codebook that redefined "
                "a code of the vocabulary (its history differs from codebook to codebook).",
            )
        ),
    },
    rules=(
        Rule(
            "type",
            _choice_types,
            forbid=("min", "max"),
            require_one_of=("categories", "categories_from"),
        ),
        Rule("type", ("number",), forbid=("categories", "categories_from", "add", "amend")),
        Rule(
            "type",
            ("text",),
            forbid=("categories", "categories_from", "add", "amend", "min", "max", "level"),
        ),
    ),
)

MARKER = Obj(
    {
        "variable": Field(Text(VARIABLE_ID, "a variable id"), True),
        "code": Field(_code, True),
        "lang": Field(Text(LANGUAGE_TAG, "a language tag"), True),
        "terms": Field(ListOf(_text, min_items=1, unique=True), True),
        "exclude": Field(ListOf(_text, unique=True)),
    },
    description="Lexicon entries for automatic coders: word-start stems for one category.",
)

#: A vocabulary's marker has no ``variable``: it goes to every variable that takes the
#: vocabulary's categories.
VOCABULARY_MARKER = Obj(
    {key: field for key, field in MARKER.fields.items() if key != "variable"},
    description="Lexicon entries for one of the vocabulary's categories; a codebook that takes "
    "the categories takes them for the variable that references the vocabulary.",
)

CODEBOOK = Obj(
    {
        "format": Field(Const(1, "Version of the codebook file format."), True),
        "codebook": Field(
            Text(CODEBOOK_ID, "a codebook id (lowercase words joined by '-')", max_length=64),
            True,
        ),
        "version": Field(_version, True),
        "title": Field(_localised, True),
        "description": Field(_localised),
        "languages": _languages,
        "license": Field(Text(description="SPDX licence identifier of the codebook text.")),
        "authors": Field(
            ListOf(
                Obj(
                    {
                        "name": Field(_text, True),
                        "affiliation": Field(_text),
                        "role": Field(_text),
                    }
                ),
                min_items=1,
            ),
            True,
        ),
        "sources": Field(
            ListOf(
                Obj(
                    {
                        "id": Field(Text(SOURCE_ID, "a source id"), True),
                        "citation": Field(_text, True),
                        "url": Field(Text(r"^https?://", "a http(s) URL")),
                    }
                )
            ),
            True,
        ),
        "changelog": Field(
            ListOf(
                Obj(
                    {
                        "version": Field(_version, True),
                        "date": Field(Text(DATE, "a date YYYY-MM-DD"), True),
                        "changes": Field(ListOf(_text, min_items=1), True),
                    }
                ),
                min_items=1,
            ),
            True,
        ),
        "reliability": Field(_thresholds),
        "variables": Field(ListOf(VARIABLE, min_items=1), True),
        "include_variables": Field(
            ListOf(
                Text(VOCABULARY_REF, "a shared vocabulary with its version, e.g. x@1.0.0"),
                min_items=1,
                unique=True,
                description="Shared vocabularies of variables (kind: variables) whose "
                "variables follow the codebook's own, e.g. source-metadata@1.0.0.",
            )
        ),
        "markers": Field(ListOf(MARKER)),
    },
)

VOCABULARY = Obj(
    {
        "format": Field(Const(1, "Version of the file format.")),
        "id": Field(
            Text(CODEBOOK_ID, "a vocabulary id (lowercase words joined by '-')", max_length=64),
            True,
        ),
        "version": Field(_version, True),
        "kind": Field(
            OneOf(
                ("categories", "variables"),
                "What the vocabulary shares: categories or whole variables.",
            ),
            True,
        ),
        "title": Field(_localised, True),
        "description": Field(_localised),
        "languages": _languages,
        "license": Field(Text(description="SPDX licence identifier of the vocabulary text.")),
        "sources": Field(CODEBOOK.fields["sources"].spec),
        "changelog": Field(CODEBOOK.fields["changelog"].spec),
        "categories": Field(ListOf(CATEGORY, min_items=1)),
        "variables": Field(ListOf(VARIABLE, min_items=1)),
        "markers": Field(ListOf(VOCABULARY_MARKER)),
    },
    rules=(
        Rule("kind", ("variables",), require=("variables",), forbid=("categories", "markers")),
        Rule("kind", ("categories",), require=("categories",), forbid=("variables",)),
    ),
    description="A shared vocabulary: categories (or variables) that codebooks reference.",
)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the codebook format, for editors and other tools."""
    schema = CODEBOOK.schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "intercoder codebook (format 1)",
        "description": (
            "A versioned content-analysis codebook: variables, category trees, definitions and "
            "examples in every working language, markers for automatic coders, thresholds."
        ),
        **schema,
        "$defs": {"category": CATEGORY.schema()},
    }


def vocabulary_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a shared vocabulary file, for editors."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "intercoder shared vocabulary (format 1)",
        "description": (
            "Categories (kind: categories) or variables (kind: variables) that codebooks "
            "reference with categories_from or include_variables."
        ),
        **VOCABULARY.schema(),
        "$defs": {"category": CATEGORY.schema()},
    }


def check_structure(data: Any, report: Report) -> None:
    """Walk ``data`` against the format, calling ``report`` for every structural problem."""
    CODEBOOK.check(data, (), report)


def check_vocabulary_structure(data: Any, report: Report) -> None:
    """Walk a shared vocabulary's ``data`` against its format."""
    VOCABULARY.check(data, (), report)


__all__ = [
    "check_structure",
    "check_vocabulary_structure",
    "format_path",
    "json_schema",
    "vocabulary_json_schema",
]
