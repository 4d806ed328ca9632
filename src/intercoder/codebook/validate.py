"""Turn codebook YAML into a :class:`~intercoder.codebook.model.Codebook`, or say exactly why not.

Three passes, each reporting ``FILE:LINE:COL`` diagnostics:

1. :mod:`intercoder.yamlsafe` reads the text safely (size, alias and tag limits, duplicate keys);
2. :mod:`intercoder.codebook.spec` checks the structure (the same declaration that generates the
   JSON Schema);
3. this module checks what needs the whole document: ids and codes unique, ``show_if`` pointing
   at an *earlier* choice variable, markers at real categories, migration targets, thresholds,
   levels that fit the type, and translations for every language (warnings, errors when strict).

Between passes 2 and 3 the shared vocabularies a codebook references are expanded
(``categories_from: target-groups@1.0.0`` becomes the vocabulary's categories,
``include_variables: [source-metadata@1.0.0]`` appends its variables), so pass 3 and everything
downstream (manuals, Label Studio configs, coders, diff) see ordinary categories and variables.
Problems found in expanded parts are reported at the line of the reference.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from ..errors import CodebookError, CodebookNotFoundError, Diagnostic
from ..text import misspelt_uzbek_apostrophes, mixed_script_words, nfc
from ..yamlsafe import Path_, YamlDocument, YamlError, read_yaml
from . import spec
from .model import (
    DEFAULT_LEVEL,
    Author,
    Category,
    ChangelogEntry,
    Codebook,
    Marker,
    ShowIf,
    Source,
    Thresholds,
    Translations,
    Variable,
    parse_version,
)

_YAML_BOOLEANS = {"yes", "no", "on", "off", "y", "n", "true", "false"}
_LOCALISED_TEXT = ("title", "description", "label", "question", "definition")
_LOCALISED_LISTS = ("include", "exclude", "examples", "instructions")


@attrs.frozen
class Vocabulary:
    """A validated shared vocabulary: categories (or variables) that codebooks reference.

    ``data`` is the plain, validated document (its own references already expanded); the
    loader copies from it into each codebook that uses it.
    """

    id: str
    version: str
    kind: str
    languages: tuple[str, ...]
    data: dict[str, Any] = attrs.field(eq=False, repr=False)
    origin: str = attrs.field(default="", eq=False)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


#: ``resolve(ref, near)``: the vocabulary ``ref`` names, looked up near the file ``near``.
#: Raises CodebookNotFoundError when there is none, CodebookError when it is invalid.
VocabularyResolver = Callable[[str, str], Vocabulary]


def _default_resolver(ref: str, near: str) -> Vocabulary:
    from .registry import load_vocabulary  # the registry imports this module

    return load_vocabulary(ref, near=near)


class _Collector:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.diagnostics: list[Diagnostic] = []
        #: Paths holding texts copied from a vocabulary (checked in the vocabulary itself).
        self.expanded: set[Path_] = set()

    def add(
        self, path: Path_, message: str, *, at_key: bool = False, warning: bool = False
    ) -> None:
        self.diagnostics.append(
            Diagnostic(
                self.doc.location(path, key=at_key),
                message,
                "warning" if warning else "error",
                spec.format_path(path),
            )
        )

    def structural(self, path: Path_, message: str, at_key: bool) -> None:
        raw = self.doc.raw(path)
        if "not a boolean" in message and raw and raw.lower() in _YAML_BOOLEANS:
            message = f'YAML reads unquoted {raw} as a boolean; write it in quotes: "{raw}"'
        elif path[-1:] == ("level",) and raw in spec.UNITS:
            # level is the level of measurement; what is coded (text or statement) is unit.
            message += f"; to say what is coded, write unit: {raw}"
        self.add(path, message, at_key=at_key)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)


def parse_codebook(
    source: bytes | str,
    filename: str,
    *,
    strict: bool = False,
    vocabularies: VocabularyResolver | None = None,
) -> tuple[Codebook, list[Diagnostic]]:
    """Validate and build a codebook. Returns it with its warnings; raises CodebookError.

    With ``strict``, warnings (missing translations, misspelt Uzbek apostrophes, …) are errors.
    ``vocabularies`` finds the shared vocabularies the codebook references (default: the
    ``vocabularies/`` directory beside the codebook's directory, then those of the codebook
    directories, see :func:`intercoder.codebook.registry.load_vocabulary`).
    """
    doc, collector = _read(source, filename, "a codebook")
    spec.check_structure(doc.data, collector.structural)
    if collector.has_errors:
        raise CodebookError(_ordered(collector.diagnostics))
    _expand(doc, collector, vocabularies or _default_resolver)
    if collector.has_errors:
        raise CodebookError(_ordered(collector.diagnostics))
    _check_document(doc.data, collector)
    return build_codebook(doc.data, origin=filename), _finish(collector, strict)


def parse_vocabulary(
    source: bytes | str,
    filename: str,
    *,
    strict: bool = False,
    vocabularies: VocabularyResolver | None = None,
) -> tuple[Vocabulary, list[Diagnostic]]:
    """Validate a shared vocabulary file. Returns it with its warnings; raises CodebookError.

    The same checks as a codebook's: codes unique across the tree, translations in every
    declared language, migration targets, sources cited from the vocabulary's own ``sources``.
    A vocabulary of variables may take categories from a vocabulary of categories.
    """
    doc, collector = _read(source, filename, "a vocabulary")
    data = doc.data
    spec.check_vocabulary_structure(data, collector.structural)
    if collector.has_errors:
        raise CodebookError(_ordered(collector.diagnostics))
    _expand(doc, collector, vocabularies or _default_resolver)
    if collector.has_errors:
        raise CodebookError(_ordered(collector.diagnostics))
    _check_vocabulary(data, collector)
    diagnostics = _finish(collector, strict)
    vocabulary = Vocabulary(
        id=data["id"],
        version=data["version"],
        kind=data["kind"],
        languages=tuple(data["languages"]),
        data=data,
        origin=filename,
    )
    return vocabulary, diagnostics


def _read(source: bytes | str, filename: str, what: str) -> tuple[YamlDocument, _Collector]:
    try:
        doc = read_yaml(source, filename)
    except YamlError as exc:
        raise CodebookError([exc.diagnostic]) from None
    collector = _Collector(doc)
    if not isinstance(doc.data, dict):
        collector.add((), f"{what} must be a YAML mapping (key: value lines) at the top")
        raise CodebookError(collector.diagnostics)
    return doc, collector


def _finish(collector: _Collector, strict: bool) -> list[Diagnostic]:
    """The warnings, or CodebookError when there are errors (or any warning under strict)."""
    diagnostics = _ordered(collector.diagnostics)
    if collector.has_errors or (strict and diagnostics):
        if strict:
            diagnostics = [Diagnostic(d.location, d.message, "error", d.field) for d in diagnostics]
        raise CodebookError(diagnostics)
    return diagnostics


def _ordered(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.location.line, d.location.column))


# --- shared vocabularies ---------------------------------------------------------------------


def _expand(doc: YamlDocument, out: _Collector, resolve: VocabularyResolver) -> None:
    """Replace every ``categories_from`` with the vocabulary's categories (then ``add``) and
    append the variables of every ``include_variables`` vocabulary, in place.

    Copied parts get the location of the reference that brought them, so a problem in them
    (a code used twice, a source id clash) is reported on that line.
    """
    data = doc.data
    languages: list[str] = data["languages"]
    found: dict[str, Vocabulary | None] = {}

    def use(ref: str, path: Path_, kind: str) -> Vocabulary | None:
        if ref not in found:
            try:
                found[ref] = resolve(ref, doc.filename)
            except CodebookNotFoundError as exc:
                out.add(path, str(exc))
                found[ref] = None
            except CodebookError as exc:
                out.diagnostics.extend(exc.diagnostics)
                errors = [d for d in exc.diagnostics if d.severity == "error"]
                first = f": {errors[0]}" if errors else ""
                out.add(path, f"vocabulary {ref} is invalid{first}")
                found[ref] = None
        vocabulary = found[ref]
        if vocabulary is None:
            return None
        if vocabulary.kind != kind:
            want = "categories_from" if vocabulary.kind == "categories" else "include_variables"
            out.add(
                path,
                f"{ref} is a vocabulary of {vocabulary.kind}, not of {kind}; use it with {want}",
            )
            return None
        lacking = [lang for lang in languages if lang not in vocabulary.languages]
        if lacking:
            out.add(
                path,
                f"vocabulary {ref} has no texts in {', '.join(lacking)} "
                f"(it has {', '.join(vocabulary.languages)})",
                warning=True,
            )
        _merge_sources(vocabulary, data, path, doc, out)
        return vocabulary

    for i, var in enumerate(data.get("variables", [])):
        ref = var.get("categories_from")
        if ref is None:
            continue
        path: Path_ = ("variables", i)
        if "categories" in var:
            out.add(
                (*path, "categories"),
                "write either categories or categories_from, not both",
                at_key=True,
            )
            continue
        vocabulary = use(ref, (*path, "categories_from"), "categories")
        if vocabulary is None:
            continue
        taken = _restricted(copy.deepcopy(vocabulary.data["categories"]), languages)
        _amend(taken, var.get("amend", []), ref, path, out)
        added = var.get("add", [])
        var["categories"] = taken + added
        _alias(doc, (*path, "categories"), (*path, "categories_from"))
        for j in range(len(taken)):
            out.expanded.add((*path, "categories", j))
        for j in range(len(added)):
            _alias_tree(doc, (*path, "categories", len(taken) + j), (*path, "add", j))
        # The vocabulary's markers become this variable's (in the codebook's languages).
        for marker in vocabulary.data.get("markers", []):
            if marker["lang"] not in languages:
                continue
            markers = data.setdefault("markers", [])
            at_marker: Path_ = ("markers", len(markers))
            markers.append({"variable": var["id"], **copy.deepcopy(marker)})
            _alias(doc, at_marker, (*path, "categories_from"))
            out.expanded.add(at_marker)
    for i, var in enumerate(data.get("variables", [])):
        for key, does in (("add", "adds categories to"), ("amend", "amends")):
            if key in var and "categories_from" not in var:
                out.add(
                    ("variables", i, key),
                    f"{key} needs categories_from (it {does} a vocabulary's categories)",
                    at_key=True,
                )

    for i, ref in enumerate(data.get("include_variables", [])):
        path = ("include_variables", i)
        vocabulary = use(ref, path, "variables")
        if vocabulary is None:
            continue
        for var in vocabulary.data["variables"]:
            at: Path_ = ("variables", len(data["variables"]))
            data["variables"].append(_restricted(copy.deepcopy(var), languages))
            _alias(doc, at, path)
            out.expanded.add(at)


def _amend(
    taken: list[dict[str, Any]],
    amendments: list[dict[str, Any]],
    ref: str,
    path: Path_,
    out: _Collector,
) -> None:
    """Write this codebook's ``redefined_in`` onto the vocabulary's categories it names.

    Whether a shared code was redefined, and in which version, is the history of each
    codebook, not of the vocabulary (the vocabulary's first version may come later)."""
    by_code: dict[str, dict[str, Any]] = {}
    stack = list(taken)
    while stack:
        cat = stack.pop()
        by_code[cat["code"]] = cat
        stack.extend(cat.get("children", []))
    for j, amendment in enumerate(amendments):
        found = by_code.get(amendment["code"])
        if found is None:
            out.add(
                (*path, "amend", j, "code"),
                f"{amendment['code']!r} is not a code of vocabulary {ref}",
            )
            continue
        found["redefined_in"] = amendment["redefined_in"]


def _merge_sources(
    vocabulary: Vocabulary, data: dict[str, Any], path: Path_, doc: YamlDocument, out: _Collector
) -> None:
    """Add the vocabulary's sources the codebook does not list; an id that means another work
    in the codebook is an error (a citation must not silently change)."""
    if "sources" not in data:
        return  # a vocabulary of variables has no sources of its own to merge into
    mine = {source["id"]: source for source in data["sources"]}
    for source in vocabulary.data.get("sources", []):
        own = mine.get(source["id"])
        if own is None:
            at: Path_ = ("sources", len(data["sources"]))
            data["sources"].append(copy.deepcopy(source))
            mine[source["id"]] = source
            _alias(doc, at, path)
            out.expanded.add(at)
        elif own["citation"] != source["citation"]:
            out.add(
                path,
                f"source id {source['id']!r} of vocabulary {vocabulary.ref} cites another work "
                "than the source with that id here; rename one of them",
            )


def _restricted(node: Any, languages: list[str]) -> Any:
    """``node`` with its localised fields cut to ``languages`` (the using document's)."""
    if isinstance(node, list):
        return [_restricted(item, languages) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if (key in _LOCALISED_TEXT or key in _LOCALISED_LISTS) and isinstance(value, dict):
            out[key] = {lang: text for lang, text in value.items() if lang in languages}
        else:
            out[key] = _restricted(value, languages)
    return out


def _alias(doc: YamlDocument, path: Path_, source: Path_) -> None:
    """Locate ``path`` (and, through the nearest-ancestor rule, all below it) at ``source``."""
    for table in (doc.values, doc.keys):
        mark = table.get(source) or doc.values.get(source)
        if mark is not None:
            table[path] = mark


def _alias_tree(doc: YamlDocument, path: Path_, source: Path_) -> None:
    """Locate every place under ``path`` where the same place under ``source`` is."""
    size = len(source)
    for table in (doc.values, doc.keys):
        moved = {
            (*path, *where[size:]): mark for where, mark in table.items() if where[:size] == source
        }
        table.update(moved)


def _check_vocabulary(data: dict[str, Any], out: _Collector) -> None:
    """Pass 3 for a vocabulary: what ``_check_document`` checks, on its categories or variables."""
    languages: list[str] = data["languages"]
    use = _LanguageUse(languages)
    use.skip = out.expanded
    _check_translations(data, (), use, out)
    _report_language_use(use, out)
    source_ids = _check_source_list(data.get("sources", []), out)
    if "changelog" in data:
        _check_changelog(data, out)
    version = parse_version(data["version"])
    if "categories" in data:
        # The vocabulary's categories are checked as a multiple choice variable's would be.
        pseudo = {"id": data["id"], "type": "multiple_choice", "categories": data["categories"]}
        _check_variable(pseudo, (), {}, source_ids, version, out, owner="vocabulary")
        # its markers name no variable: they are checked as markers of that pseudo variable
        markers = [{"variable": data["id"], **marker} for marker in data.get("markers", [])]
        _check_markers(markers, {data["id"]: pseudo}, languages, out)
        return
    _check_variables(data["variables"], source_ids, version, out)


def _check_variables(
    listed: list[dict[str, Any]],
    source_ids: set[str],
    version: tuple[int, int, int],
    out: _Collector,
) -> dict[str, dict[str, Any]]:
    """Check every variable (ids unique, each against the earlier ones); id -> variable."""
    variables: dict[str, dict[str, Any]] = {}
    for i, var in enumerate(listed):
        path: Path_ = ("variables", i)
        if var["id"] in variables:
            out.add((*path, "id"), f"variable id {var['id']!r} is used twice")
        _check_variable(var, path, variables, source_ids, version, out)
        variables.setdefault(var["id"], var)
    _check_statements(listed, out)
    return variables


def _check_source_list(sources: list[dict[str, Any]], out: _Collector) -> set[str]:
    source_ids: set[str] = set()
    for i, source in enumerate(sources):
        if source["id"] in source_ids:
            out.add(("sources", i, "id"), f"source id {source['id']!r} is used twice")
        source_ids.add(source["id"])
    return source_ids


# --- whole-document checks -------------------------------------------------------------------


def _check_document(data: dict[str, Any], out: _Collector) -> None:
    languages: list[str] = data["languages"]
    version = parse_version(data["version"])
    use = _LanguageUse(languages)
    use.skip = out.expanded
    _check_translations(data, (), use, out)
    _report_language_use(use, out)

    source_ids = _check_source_list(data["sources"], out)

    _check_changelog(data, out)
    _check_thresholds(data.get("reliability"), ("reliability",), out)

    variables = _check_variables(data["variables"], source_ids, version, out)

    _check_markers(data.get("markers", []), variables, languages, out)


def _check_markers(
    markers: list[dict[str, Any]],
    variables: dict[str, dict[str, Any]],
    languages: list[str],
    out: _Collector,
) -> None:
    """Each marker at a real category in a declared language; one entry per category and
    language."""
    seen_markers: dict[tuple[str, str, str], int] = {}
    for i, marker in enumerate(markers):
        _check_marker(marker, ("markers", i), variables, languages, out)
        key = (marker["variable"], marker["code"], marker["lang"])
        if key in seen_markers:
            out.add(
                ("markers", i),
                f"a second marker entry for {key[0]}={key[1]} in {key[2]} "
                f"(first is markers[{seen_markers[key]}]); merge their terms",
                warning=True,
            )
        seen_markers.setdefault(key, i)


#: Country codes people type where a language tag belongs (Kyrgyzstan's "kg" is Kongo's tag).
_COUNTRY_NOT_LANGUAGE = {
    "kg": "ky",
    "kz": "kk",
    "tj": "tg",
    "tm": "tk",
    "ua": "uk",
    "by": "be",
    "ge": "ka",
    "am": "hy",
    "cn": "zh",
    "af": "ps or fa",
}


class _LanguageUse:
    """Which languages the localised fields use, gathered in one pass.

    A slip in ``languages`` (``[en, kg]`` for ``[en, ky]``, or a language left out) would
    otherwise be reported once per localised field, tens of lines that blame the texts instead
    of the one line that is wrong.
    """

    def __init__(self, languages: list[str]) -> None:
        self.languages = languages
        self.fields = 0
        self.undeclared: dict[str, list[Path_]] = {}
        self.missing: dict[str, list[Path_]] = {}
        #: Paths copied from a vocabulary: their texts were checked in the vocabulary.
        self.skip: set[Path_] = set()

    def unused(self) -> list[str]:
        """Declared languages no localised field has a text in."""
        if not self.fields:
            return []
        return [lang for lang in self.languages if len(self.missing.get(lang, ())) == self.fields]


def _check_translations(node: Any, path: Path_, use: _LanguageUse, out: _Collector) -> None:
    """Every localised field: known languages only (error), all languages present (warning)."""
    if path in use.skip:
        return
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_translations(item, (*path, i), use, out)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _LOCALISED_TEXT or key in _LOCALISED_LISTS:
            field_path = (*path, key)
            use.fields += 1
            for lang in value:
                if lang not in use.languages:
                    use.undeclared.setdefault(lang, []).append((*field_path, lang))
            for lang in use.languages:
                if lang not in value:
                    use.missing.setdefault(lang, []).append(field_path)
            for lang, text in value.items():
                for item_path, item in _texts(text, (*field_path, lang)):
                    _lint_text(lang, item, item_path, out)
        elif key not in ("markers",):
            _check_translations(value, (*path, key), use, out)


def _report_language_use(use: _LanguageUse, out: _Collector) -> None:
    """One line per language slip, then the missing translations of the languages in use."""
    unused = use.unused()
    for lang in unused:
        # A slip is an error; a language declared before its translation began, a warning.
        slip = lang in _COUNTRY_NOT_LANGUAGE or bool(use.undeclared)
        hint = " yet (every translation of it is missing)"
        if lang in _COUNTRY_NOT_LANGUAGE:
            tag = _COUNTRY_NOT_LANGUAGE[lang]
            hint = f": {lang!r} is a country code; the language tag is {tag!r}"
        elif use.undeclared:
            hint = f"; the texts use {', '.join(map(repr, use.undeclared))} instead"
        out.add(
            ("languages", use.languages.index(lang)),
            f"no text is in {lang!r}, a language this codebook declares{hint}",
            warning=not slip,
        )
    for lang, paths in use.undeclared.items():
        more = f" (and {len(paths) - 1} more field(s))" if len(paths) > 1 else ""
        hint = f"; declare it instead of {unused[0]!r}?" if len(unused) == 1 else ""
        out.add(
            paths[0],
            f"language {lang!r} is not one of the codebook's languages "
            f"({', '.join(use.languages)}){more}{hint}",
            at_key=True,
        )
    by_field: dict[Path_, list[str]] = {}
    for lang in use.languages:
        if lang not in unused:
            for field_path in use.missing.get(lang, ()):
                by_field.setdefault(field_path, []).append(lang)
    for field_path, langs in by_field.items():
        out.add(field_path, f"missing translation: {', '.join(langs)}", warning=True)


def _texts(value: Any, path: Path_) -> Iterable[tuple[Path_, str]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i), item
    else:
        yield path, value


def _lint_text(lang: str, text: str, path: Path_, out: _Collector) -> None:
    if lang.startswith("uz") and not lang.endswith("Cyrl"):
        wrong = misspelt_uzbek_apostrophes(text)
        if wrong:
            out.add(
                path,
                f"Uzbek Latin oʻ/gʻ typed as {', '.join(sorted(set(wrong)))}; "
                "use U+02BB (ʻ) as in oʻ, gʻ",
                warning=True,
            )
    mixed = mixed_script_words(text)
    if mixed:
        out.add(
            path,
            f"word(s) mixing Cyrillic and Latin letters: {', '.join(mixed[:5])} "
            "(a look-alike letter typed in the wrong script?)",
            warning=True,
        )


def _check_changelog(data: dict[str, Any], out: _Collector) -> None:
    current = parse_version(data["version"])
    seen: set[str] = set()
    previous: tuple[int, int, int] | None = None
    for i, entry in enumerate(data["changelog"]):
        path: Path_ = ("changelog", i, "version")
        version = parse_version(entry["version"])
        if entry["version"] in seen:
            out.add(path, f"changelog has two entries for {entry['version']}")
        seen.add(entry["version"])
        if version > current:
            out.add(
                path, f"changelog entry {entry['version']} is newer than version {data['version']}"
            )
        if previous is not None and version > previous:
            out.add(path, "changelog entries should be listed newest first", warning=True)
        previous = version
    if data["version"] not in seen:
        out.add(("changelog",), f"no changelog entry for version {data['version']}", warning=True)


def _check_thresholds(value: dict[str, float] | None, path: Path_, out: _Collector) -> None:
    if value is not None and not value["tentative"] <= value["pass"]:
        out.add((*path, "tentative"), "the tentative threshold must not exceed the pass threshold")


def _check_variable(
    var: dict[str, Any],
    path: Path_,
    earlier: dict[str, dict[str, Any]],
    source_ids: set[str],
    version: tuple[int, int, int],
    out: _Collector,
    owner: str = "variable",
) -> None:
    kind = var["type"]
    _check_sources(var.get("sources", []), (*path, "sources"), source_ids, out)
    _check_thresholds(var.get("reliability"), (*path, "reliability"), out)
    level = var.get("level")
    if level is not None:
        _check_level(var, level, (*path, "level"), out)
    if kind == "number" and "min" in var and "max" in var and not var["min"] < var["max"]:
        out.add((*path, "max"), "max must be greater than min")

    categories = var.get("categories", [])
    if kind == "ordinal_scale":
        if len(categories) < 2:
            out.add((*path, "categories"), "an ordinal scale needs at least two points")
        for i, cat in enumerate(categories):
            if "children" in cat:
                out.add(
                    (*path, "categories", i, "children"),
                    "an ordinal scale cannot have sub-categories",
                    at_key=True,
                )

    codes: dict[str, Path_] = {}
    flat: list[tuple[dict[str, Any], Path_]] = []

    def collect(cats: list[dict[str, Any]], cats_path: Path_) -> None:
        for i, cat in enumerate(cats):
            cat_path = (*cats_path, i)
            if cat["code"] in codes:
                out.add(
                    (*cat_path, "code"),
                    f"code {cat['code']!r} is used twice in {owner} {var['id']!r} "
                    f"(first at {spec.format_path(codes[cat['code']])}); codes are unique "
                    f"within a {owner}",
                )
            codes.setdefault(cat["code"], cat_path)
            flat.append((cat, cat_path))
            collect(cat.get("children", []), (*cat_path, "children"))

    collect(categories, (*path, "categories"))
    active = {cat["code"] for cat, _ in flat if "retired_in" not in cat}
    for cat, cat_path in flat:
        _check_category(cat, cat_path, codes, active, source_ids, version, out)
        if cat.get("exclusive"):
            _check_exclusive(var, cat, cat_path, out)

    show_if = var.get("show_if")
    if show_if is not None:
        _check_show_if(show_if, (*path, "show_if"), earlier, out)


def _check_exclusive(
    var: dict[str, Any], cat: dict[str, Any], path: Path_, out: _Collector
) -> None:
    """``exclusive`` ("none of these") only means something where codes can be combined."""
    if var["type"] != "multiple_choice":
        out.add(
            (*path, "exclusive"),
            f"exclusive applies to categories of a multiple_choice variable; {var['id']!r} is "
            f"{var['type']}, where one code excludes the others anyway",
        )
    elif "children" in cat:
        out.add(
            (*path, "exclusive"),
            "an exclusive code ('none of these') cannot have sub-categories",
        )


def _check_statements(variables: list[dict[str, Any]], out: _Collector) -> None:
    """Statement-level variables need exactly one ``spans`` variable marking the statements,
    and a text-level variable cannot be shown depending on one statement's answer."""
    statement = [i for i, v in enumerate(variables) if _unit(v) == "statement"]
    marking = [i for i in statement if variables[i]["type"] == "spans"]
    coded = [i for i in statement if variables[i]["type"] != "spans"]
    if coded and not marking:
        out.add(
            ("variables", coded[0], "unit"),
            "a statement-level variable needs the statements themselves: add a spans variable "
            "with unit: statement (the coder marks each statement with it)",
        )
    for i in marking[1:]:
        out.add(
            ("variables", i, "unit"),
            f"a second spans variable with unit: statement (the first is "
            f"{variables[marking[0]]['id']!r}); statements are marked with one",
        )
    units = {v["id"]: _unit(v) for v in variables}
    for i, var in enumerate(variables):
        show_if = var.get("show_if")
        if show_if and _unit(var) == "text" and units.get(show_if["variable"]) == "statement":
            out.add(
                ("variables", i, "show_if", "variable"),
                f"{var['id']!r} is coded once per text but {show_if['variable']!r} once per "
                "statement: a text-level question cannot depend on one statement's answer",
            )


def _unit(var: dict[str, Any]) -> str:
    return str(var.get("unit", "text"))


def _check_level(var: dict[str, Any], level: str, path: Path_, out: _Collector) -> None:
    kind = var["type"]
    allowed: tuple[str, ...]
    if kind in ("multiple_choice", "spans"):
        allowed = ("nominal",)
    elif kind == "single_choice":
        allowed = (
            ("nominal",)
            if any("children" in c for c in var["categories"])
            else ("nominal", "ordinal")
        )
    elif kind == "ordinal_scale":
        numeric = all(c["code"].isdigit() for c in var["categories"])
        allowed = ("nominal", "ordinal", "interval", "ratio") if numeric else ("nominal", "ordinal")
    else:
        allowed = spec.LEVELS
    if level not in allowed:
        why = {
            "multiple_choice": "set-valued answers are compared as sets (nominal, MASI)",
            "spans": "span labels are nominal",
            "single_choice": "categories have no distances; use ordinal_scale for a scale",
            "ordinal_scale": 'interval and ratio need numeric codes such as "0", "1", "2"',
        }.get(kind, "")
        out.add(path, f"level {level!r} does not fit type {kind!r}: {why}")


def _check_sources(refs: list[str], path: Path_, source_ids: set[str], out: _Collector) -> None:
    for i, ref in enumerate(refs):
        if ref not in source_ids:
            out.add((*path, i), f"source {ref!r} is not in the codebook's sources")


def _check_category(
    cat: dict[str, Any],
    path: Path_,
    codes: dict[str, Path_],
    active: set[str],
    source_ids: set[str],
    version: tuple[int, int, int],
    out: _Collector,
) -> None:
    _check_sources(cat.get("sources", []), (*path, "sources"), source_ids, out)
    for key in ("retired_in", "redefined_in"):
        if key in cat and parse_version(cat[key]) > version:
            out.add((*path, key), f"{key} {cat[key]} is later than the codebook version")
    targets = []
    if "merged_into" in cat:
        targets.append(("merged_into", cat["merged_into"]))
    targets.extend(("replaced_by", code) for code in cat.get("replaced_by", []))
    if targets and "retired_in" not in cat:
        out.add(
            path, "merged_into/replaced_by need retired_in (the version that retired this code)"
        )
    if "merged_into" in cat and "replaced_by" in cat:
        out.add(path, "use either merged_into or replaced_by, not both")
    for key, code in targets:
        if code == cat["code"]:
            out.add((*path, key), "a code cannot be merged into or replaced by itself")
        elif code not in codes:
            out.add((*path, key), f"{code!r} is not a code of this variable")
        elif code not in active:
            out.add((*path, key), f"{code!r} is retired too; point at a code in use")


def _check_show_if(
    show_if: dict[str, Any], path: Path_, earlier: dict[str, dict[str, Any]], out: _Collector
) -> None:
    target = earlier.get(show_if["variable"])
    if target is None:
        out.add(
            (*path, "variable"),
            f"{show_if['variable']!r} is not a variable defined earlier in the codebook "
            "(show_if can only depend on a question the coder has already answered)",
        )
        return
    if target["type"] not in ("single_choice", "multiple_choice", "ordinal_scale"):
        out.add(
            (*path, "variable"),
            f"show_if needs a choice variable; {target['id']!r} is {target['type']}",
        )
        return
    known = set()
    stack = list(target["categories"])
    while stack:
        cat = stack.pop()
        if "retired_in" not in cat:
            known.add(cat["code"])
        stack.extend(cat.get("children", []))
    for i, code in enumerate(show_if["in"]):
        if code not in known:
            out.add((*path, "in", i), f"{code!r} is not a code of variable {target['id']!r}")


def _check_marker(
    marker: dict[str, Any],
    path: Path_,
    variables: dict[str, dict[str, Any]],
    languages: list[str],
    out: _Collector,
) -> None:
    if marker["lang"] not in languages:
        out.add(
            (*path, "lang"), f"language {marker['lang']!r} is not one of the codebook's languages"
        )
    var = variables.get(marker["variable"])
    if var is None:
        out.add((*path, "variable"), f"{marker['variable']!r} is not a variable of this codebook")
        return
    stack = list(var.get("categories", []))
    while stack:
        cat = stack.pop()
        if cat["code"] == marker["code"]:
            if "retired_in" in cat:
                out.add(
                    (*path, "code"),
                    f"{marker['code']!r} is retired; markers must point at a code in use",
                )
            break
        stack.extend(cat.get("children", []))
    else:
        out.add((*path, "code"), f"{marker['code']!r} is not a code of variable {var['id']!r}")


# --- building the model ----------------------------------------------------------------------


def _tr(value: dict[str, str] | None) -> Translations[str]:
    return Translations({lang: nfc(text) for lang, text in (value or {}).items()})


def _trl(value: dict[str, list[str]] | None) -> Translations[tuple[str, ...]]:
    return Translations(
        {lang: tuple(nfc(text) for text in texts) for lang, texts in (value or {}).items()}
    )


def _thresholds(value: dict[str, float] | None, default: Thresholds) -> Thresholds:
    if value is None:
        return default
    return Thresholds(float(value["pass"]), float(value["tentative"]))


def _category(data: dict[str, Any]) -> Category:
    return Category(
        code=data["code"],
        label=_tr(data["label"]),
        definition=_tr(data["definition"]),
        include=_trl(data.get("include")),
        exclude=_trl(data.get("exclude")),
        examples=_trl(data.get("examples")),
        sources=tuple(data.get("sources", ())),
        children=tuple(_category(child) for child in data.get("children", ())),
        retired_in=data.get("retired_in"),
        merged_into=data.get("merged_into"),
        replaced_by=tuple(data.get("replaced_by", ())),
        redefined_in=data.get("redefined_in"),
        exclusive=bool(data.get("exclusive", False)),
    )


def build_codebook(data: dict[str, Any], *, origin: str = "") -> Codebook:
    """Build the model from already validated plain data (texts are NFC-normalised)."""
    default = _thresholds(data.get("reliability"), Thresholds())
    variables = []
    for var in data["variables"]:
        show_if = var.get("show_if")
        variables.append(
            Variable(
                id=var["id"],
                type=var["type"],
                level=var.get("level", DEFAULT_LEVEL[var["type"]]),
                label=_tr(var["label"]),
                definition=_tr(var["definition"]),
                question=_tr(var.get("question")),
                instructions=_trl(var.get("instructions")),
                required=var.get("required", True),
                show_if=ShowIf(show_if["variable"], tuple(show_if["in"])) if show_if else None,
                sources=tuple(var.get("sources", ())),
                reliability=_thresholds(var.get("reliability"), default),
                minimum=var.get("min"),
                maximum=var.get("max"),
                categories=tuple(_category(cat) for cat in var.get("categories", ())),
                level_explicit="level" in var,
                reliability_explicit="reliability" in var,
                unit=var.get("unit", "text"),
                categories_from=var.get("categories_from"),
            )
        )
    return Codebook(
        id=data["codebook"],
        version=data["version"],
        title=_tr(data["title"]),
        description=_tr(data.get("description")),
        languages=tuple(data["languages"]),
        license=data.get("license"),
        authors=tuple(
            Author(a["name"], a.get("affiliation"), a.get("role")) for a in data["authors"]
        ),
        sources=tuple(Source(s["id"], nfc(s["citation"]), s.get("url")) for s in data["sources"]),
        changelog=tuple(
            ChangelogEntry(c["version"], c["date"], tuple(nfc(x) for x in c["changes"]))
            for c in data["changelog"]
        ),
        reliability=default,
        reliability_explicit="reliability" in data,
        variables=tuple(variables),
        markers=tuple(
            Marker(
                m["variable"],
                m["code"],
                m["lang"],
                tuple(nfc(t) for t in m["terms"]),
                tuple(nfc(t) for t in m.get("exclude", ())),
            )
            for m in data.get("markers", ())
        ),
        format=data["format"],
        origin=origin,
        include_variables=tuple(data.get("include_variables", ())),
    )
