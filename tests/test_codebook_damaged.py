"""Damaged codebooks: every kind of breakage is reported as ``FILE:LINE:COL: message``.

Each case mutates ``tests/data/minimal.yaml`` in exactly one way and states where the problem
is *by searching the damaged text* for the offending spot, never by copying a number from the
validator's output. Every case is checked twice:

* through the Python API (``parse_codebook``): a :class:`CodebookError` whose first error has
  the right file, line, column (where meaningful) and a message naming the field;
* through the real command line in a subprocess: exit code 1, the same ``FILE:LINE:COL:`` on
  stderr, and never a traceback.
"""

from __future__ import annotations

import itertools
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from intercoder.codebook.registry import resolve
from intercoder.codebook.spec import SEMVER
from intercoder.codebook.validate import parse_codebook
from intercoder.errors import CodebookError, CodebookNotFoundError, Diagnostic

from support import RunCli

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "codebooks"
MINIMAL = (Path(__file__).resolve().parent / "data" / "minimal.yaml").read_text(encoding="utf-8")

API_NAME = "in-memory/damaged.yaml"  # the name handed to parse_codebook
CLI_NAME = "damaged.yaml"  # the file the CLI validates, relative to its working directory


# --- helpers -------------------------------------------------------------------------------


def swap(old: str, new: str, text: str = MINIMAL) -> str:
    """``text`` with its single occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the base text"
    return text.replace(old, new)


def insert_after(anchor: str, addition: str, text: str = MINIMAL) -> str:
    return swap(anchor, anchor + addition, text)


def where(text: str | bytes, needle: str | bytes, nth: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the ``nth`` occurrence of ``needle`` in ``text``."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)  # type: ignore[arg-type]
    line = text.count(newline, 0, index) + 1  # type: ignore[arg-type]
    column = index - (text.rfind(newline, 0, index) + 1) + 1  # type: ignore[arg-type]
    return line, column


def value_at(text: str, key_and_value: str, key: str, nth: int = 1) -> tuple[int, int]:
    """Position of the value in ``key_and_value`` (which starts with ``key``), e.g. ``code: x``."""
    assert key_and_value.startswith(key)
    line, column = where(text, key_and_value, nth)
    return line, column + len(key)


@pytest.fixture
def intercoder(run_cli: RunCli, tmp_path: Path) -> RunCli:
    """The shared ``run_cli`` in ``tmp_path``, blind to INTERCODER_CODEBOOK_PATH unless ``env``
    sets it, with undecodable output replaced (damaged bytes may be echoed back)."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environment = {"INTERCODER_CODEBOOK_PATH": None, **(env or {})}
        return run_cli(*args, cwd=tmp_path, env=environment, errors="replace")

    return run


def first_error(exc: CodebookError) -> Diagnostic:
    errors = [d for d in exc.diagnostics if d.severity == "error"]
    assert errors, exc.diagnostics
    return errors[0]


# --- the damaged documents -----------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    source: bytes
    lines: tuple[int, ...]  # the line(s) the first error may point at (usually exactly one)
    column: int | None  # None where a column is not meaningful
    words: tuple[str, ...]  # each must appear in the first error (field path + message)


def expect(
    doc: str | bytes, at: tuple[int, int | None] | int, *words: str, lines: tuple[int, ...] = ()
) -> Damage:
    source = doc.encode("utf-8") if isinstance(doc, str) else doc
    if isinstance(at, int):
        return Damage(source, lines or (at,), None, words)
    return Damage(source, lines or (at[0],), at[1], words)


RELEVANT_LABEL = "label: {en: Relevant, ru: Релевантность}"
SEVERITY_LABEL = "label: {en: Severity, ru: Тяжесть}"
NO_DEFINITION = (
    "        definition: {en: No ethnic group is named or meant., "
    "ru: Этническая группа не названа и не подразумевается.}\n"
)
AUTHOR = "  - {name: intercoder project, role: editor}"
MARKER = '  - {variable: relevant, code: "yes", lang: ru, terms: [дунган, узбек]}'


# YAML syntax ------------------------------------------------------------------------------


def syntax_mapping_in_flow() -> Damage:
    doc = swap(RELEVANT_LABEL, "label: en: Relevant")
    line, column = where(doc, "en: Relevant")
    return expect(doc, (line, column + len("en")), "YAML syntax")


def syntax_stray_bracket() -> Damage:
    doc = swap("languages: [en, ru]", "languages: [en, ru]]")
    line, column = where(doc, "]]")
    return expect(doc, (line, column + 1), "YAML syntax")


def syntax_bad_indentation() -> Damage:
    doc = swap("    " + RELEVANT_LABEL, "   " + RELEVANT_LABEL)
    return expect(doc, where(doc, RELEVANT_LABEL), "YAML syntax")


def tab_indentation() -> Damage:
    doc = swap("    type: single_choice", "\ttype: single_choice")
    return expect(doc, where(doc, "\t"), "tab")


def tab_after_spaces() -> Damage:
    doc = swap("    type: single_choice", "  \t  type: single_choice")
    return expect(doc, where(doc, "\t"), "tab")


def multiple_documents() -> Damage:
    doc = MINIMAL + "---\nformat: 1\n"
    return expect(doc, where(doc, "---\n"), "more than one YAML document")


# duplicate keys ---------------------------------------------------------------------------


def duplicate_top_level_key() -> Damage:
    doc = insert_after("codebook: minimal\nversion: 1.0.0\n", "version: 1.0.1\n")
    first_line, _ = where(doc, "version: 1.0.0\nversion: 1.0.1")
    return expect(
        doc, where(doc, "version: 1.0.1"), "duplicate key 'version'", f"line {first_line}"
    )


def duplicate_language_key() -> Damage:
    doc = swap(RELEVANT_LABEL, "label: {en: Relevant, ru: Релевантность, en: Pertinent}")
    return expect(doc, where(doc, "en: Pertinent"), "duplicate key 'en'")


def duplicate_variable_id() -> Damage:
    doc = swap("  - id: severity", "  - id: relevant")
    return expect(
        doc, value_at(doc, "id: relevant", "id: ", nth=2), "variables[1].id", "'relevant'"
    )


# top-level values -------------------------------------------------------------------------


def version_as_float() -> Damage:
    doc = swap("version: 1.0.0\ntitle", "version: 1.0\ntitle")
    return expect(doc, value_at(doc, "version: 1.0\n", "version: "), "version")


def version_quoted_short() -> Damage:
    doc = swap("version: 1.0.0\ntitle", 'version: "1.0"\ntitle')
    return expect(doc, value_at(doc, 'version: "1.0"', "version: "), "version", "'1.0'")


def version_with_prefix() -> Damage:
    doc = swap("version: 1.0.0\ntitle", "version: v1.0.0\ntitle")
    return expect(doc, value_at(doc, "version: v1.0.0", "version: "), "version", "'v1.0.0'")


def format_two() -> Damage:
    doc = swap("format: 1", "format: 2")
    return expect(doc, value_at(doc, "format: 2", "format: "), "format")


# missing sections -------------------------------------------------------------------------


def missing_authors() -> Damage:
    doc = swap(f"authors:\n{AUTHOR}\n", "")
    # A missing key is reported at the mapping that lacks it: here the top-level mapping.
    return expect(doc, where(doc, "format: 1"), "missing required key 'authors'")


def missing_variables() -> Damage:
    start = MINIMAL.index("variables:\n")
    doc = MINIMAL[:start] + MINIMAL[MINIMAL.index("markers:\n") :]
    return expect(doc, where(doc, "format: 1"), "missing required key 'variables'")


def missing_variable_definition() -> Damage:
    doc = swap("    definition: {en: How severe the language is., ru: Насколько резок язык.}\n", "")
    return expect(
        doc,
        value_at(doc, "- id: severity", "- "),
        "variables[1]",
        "missing required key",
        "'definition'",
    )


def missing_category_label() -> Damage:
    doc = swap('        label: {en: "No", ru: "Нет"}\n', "")
    return expect(
        doc,
        value_at(doc, '- code: "no"', "- "),
        "categories[1]",
        "missing required key",
        "'label'",
    )


# misspelt keys and values -----------------------------------------------------------------


def misspelt_optional_key() -> Damage:
    doc = swap("    question:", "    qestion:")
    return expect(doc, where(doc, "qestion"), "'qestion'", "did you mean 'question'")


def misspelt_category_key() -> Damage:
    doc = swap("        examples:", "        exmaples:")
    return expect(doc, where(doc, "exmaples"), "'exmaples'", "did you mean 'examples'")


# For a misspelt *required* key the useful first error is the did-you-mean at the misspelling,
# not a "missing required key" at the start of the enclosing mapping.
def misspelt_required_top_level_key() -> Damage:
    doc = swap("languages:", "langauges:")
    return expect(doc, where(doc, "langauges"), "'langauges'", "did you mean 'languages'")


def misspelt_required_variable_key() -> Damage:
    doc = swap("    definition: {en: How severe", "    defintion: {en: How severe")
    return expect(doc, where(doc, "defintion"), "'defintion'", "did you mean 'definition'")


def misspelt_type() -> Damage:
    doc = swap("type: single_choice", "type: single_choise")
    return expect(
        doc,
        value_at(doc, "type: single_choise", "type: "),
        "variables[0].type",
        "did you mean 'single_choice'",
    )


# not text at all --------------------------------------------------------------------------


def empty_file() -> Damage:
    return expect(b"", 1, "empty")


def comments_only() -> Damage:
    return expect(MINIMAL.splitlines(keepends=True)[0], 1, "empty")


def nul_byte() -> Damage:
    doc = MINIMAL.encode("utf-8").replace(b"Minimal example", b"Minimal\x00example")
    return expect(doc, where(doc, b"\x00"), "binary")


def png_image() -> Damage:
    doc = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"
    return expect(doc, where(doc, b"\x00"), "binary")


def windows_1251() -> Damage:
    doc = MINIMAL.encode("cp1251")
    first = re.search(rb"[\x80-\xff]", doc)
    assert first is not None
    return expect(doc, where(doc, first.group()), "UTF-8")


def latin_1_letter() -> Damage:
    doc = swap("Minimal example", "Minimal exémple").encode("utf-8").replace("é".encode(), b"\xe9")
    return expect(doc, where(doc, b"\xe9"), "UTF-8")


# aliases and tags -------------------------------------------------------------------------


def alias_bomb_text() -> tuple[str, tuple[int, ...]]:
    """Billion laughs: 9 levels of 9 aliases each (9**9 * 9 strings when expanded)."""
    names = "abcdefghij"
    rows = [f"lol_a: &a [{', '.join(['lol'] * 9)}]"]
    rows += [
        f"lol_{name}: &{name} [{', '.join(['*' + prev] * 9)}]"
        for prev, name in itertools.pairwise(names)
    ]
    doc = MINIMAL + "\n".join(rows) + "\n"
    alias_lines = tuple(where(doc, row)[0] for row in rows[1:])
    return doc, alias_lines


def alias_bomb() -> Damage:
    doc, alias_lines = alias_bomb_text()
    return expect(doc, alias_lines[0], "alias", lines=alias_lines)


def recursive_alias_mapping() -> Damage:
    doc = swap(AUTHOR, "  - &me {name: intercoder project, role: editor, self: *me}")
    return expect(doc, where(doc, "&me")[0], "recursive")


def recursive_alias_list() -> Damage:
    doc = swap("changes: [First release.]", "changes: &loop [First release., *loop]")
    return expect(doc, where(doc, "&loop")[0], "recursive")


def python_object_apply_tag() -> Damage:
    doc = swap("codebook: minimal", 'codebook: !!python/object/apply:os.system ["echo pwned"]')
    return expect(doc, where(doc, "!!python"), "unsupported tag", "python/object/apply")


def python_object_tag_on_mapping() -> Damage:
    doc = swap("title: {en", "title: !!python/object:builtins.dict {en")
    return expect(doc, where(doc, "!!python"), "unsupported tag", "python/object")


def local_include_tag() -> Damage:
    doc = swap("codebook: minimal", "codebook: !include other.yaml")
    return expect(doc, where(doc, "!include"), "unsupported tag", "!include")


def binary_tag() -> Damage:
    doc = insert_after("languages: [en, ru]\n", "license: !!binary aGVsbG8=\n")
    return expect(doc, where(doc, "!!binary"), "unsupported tag", "binary")


# YAML booleans where a code is meant ------------------------------------------------------


def unquoted_yes_code() -> Damage:
    doc = swap('- code: "yes"', "- code: yes")
    return expect(doc, value_at(doc, "code: yes", "code: "), "categories[0].code", 'quotes: "yes"')


def unquoted_no_code() -> Damage:
    doc = swap('- code: "no"', "- code: no")
    return expect(doc, value_at(doc, "code: no", "code: "), "categories[1].code", 'quotes: "no"')


def unquoted_yes_in_show_if() -> Damage:
    doc = swap('in: ["yes"]', "in: [yes]")
    return expect(doc, value_at(doc, "in: [yes]", "in: ["), "show_if.in", 'quotes: "yes"')


def unquoted_yes_in_marker() -> Damage:
    doc = swap('code: "yes", lang', "code: yes, lang")
    return expect(doc, value_at(doc, "code: yes,", "code: "), "markers[0].code", 'quotes: "yes"')


# show_if ----------------------------------------------------------------------------------


def show_if_later_variable() -> Damage:
    doc = insert_after(
        "    type: single_choice\n", '    show_if: {variable: severity, in: ["1"]}\n'
    )
    return expect(
        doc,
        value_at(doc, "variable: severity", "variable: "),
        "variables[0].show_if.variable",
        "'severity'",
        "earlier",
    )


def show_if_unknown_variable() -> Damage:
    doc = swap("show_if: {variable: relevant", "show_if: {variable: relevnt")
    return expect(
        doc, value_at(doc, "variable: relevnt", "variable: "), "show_if.variable", "'relevnt'"
    )


def show_if_itself() -> Damage:
    doc = swap(
        'show_if: {variable: relevant, in: ["yes"]}', 'show_if: {variable: severity, in: ["1"]}'
    )
    return expect(
        doc, value_at(doc, "variable: severity", "variable: "), "show_if.variable", "'severity'"
    )


def show_if_unknown_code() -> Damage:
    doc = swap('in: ["yes"]', 'in: ["maybe"]')
    return expect(doc, value_at(doc, 'in: ["maybe"]', "in: ["), "show_if.in", "'maybe'")


# category trees ---------------------------------------------------------------------------


def duplicate_code_in_tree() -> Damage:
    children = (
        "        children:\n"
        '          - code: "yes"\n'
        "            label: {en: Yes indeed, ru: Да}\n"
        "            definition: {en: A duplicate., ru: Дубликат.}\n"
    )
    doc = insert_after(NO_DEFINITION, children)
    # The second "yes" in document order is the child (the marker comes later).
    return expect(
        doc,
        value_at(doc, 'code: "yes"', "code: ", nth=2),
        "children[0].code",
        "code 'yes' is used twice",
    )


def duplicate_sibling_code() -> Damage:
    doc = swap('- code: "1"', '- code: "0"')
    return expect(
        doc,
        value_at(doc, 'code: "0"', "code: ", nth=2),
        "categories[1].code",
        "code '0' is used twice",
    )


def merged_into_without_retired_in() -> Damage:
    doc = insert_after(NO_DEFINITION, '        merged_into: "yes"\n')
    # Either the category that lacks retired_in or its merged_into line is a fair place.
    lines = (where(doc, '- code: "no"')[0], where(doc, "merged_into")[0])
    return expect(doc, lines[0], "merged_into", "retired_in", lines=lines)


# markers ----------------------------------------------------------------------------------


def marker_unknown_variable() -> Damage:
    doc = swap("{variable: relevant, code", "{variable: relevance, code")
    return expect(
        doc,
        value_at(doc, "variable: relevance", "variable: "),
        "markers[0].variable",
        "'relevance'",
    )


def marker_unknown_code() -> Damage:
    doc = swap('code: "yes", lang', 'code: "maybe", lang')
    return expect(doc, value_at(doc, 'code: "maybe"', "code: "), "markers[0].code", "'maybe'")


def marker_retired_code() -> Damage:
    doc = insert_after(NO_DEFINITION, "        retired_in: 1.0.0\n")
    doc = swap('code: "yes", lang', 'code: "no", lang', doc)
    return expect(doc, value_at(doc, 'code: "no", lang', "code: "), "markers[0].code", "retired")


def marker_language_not_declared() -> Damage:
    doc = swap("lang: ru,", "lang: ky,")
    return expect(doc, value_at(doc, "lang: ky", "lang: "), "markers[0].lang", "'ky'")


# languages, thresholds, levels ------------------------------------------------------------


def label_language_not_declared() -> Damage:
    doc = swap(RELEVANT_LABEL, "label: {en: Relevant, ru: Релевантность, de: Relevanz}")
    return expect(doc, where(doc, "de: Relevanz"), "variables[0].label.de", "'de'")


def list_language_not_declared() -> Damage:
    doc = swap("ru: [Этнонимы.]}", "ru: [Этнонимы.], ky: [Этнонимдер.]}")
    return expect(doc, where(doc, "ky: [Этнонимдер"), "include.ky", "'ky'")


def tentative_above_pass() -> Damage:
    doc = insert_after("languages: [en, ru]\n", "reliability: {pass: 0.667, tentative: 0.8}\n")
    return expect(doc, value_at(doc, "tentative: 0.8", "tentative: "), "reliability.tentative")


def variable_tentative_above_pass() -> Damage:
    doc = insert_after(
        "    type: ordinal_scale\n", "    reliability: {pass: 0.7, tentative: 0.75}\n"
    )
    return expect(
        doc, value_at(doc, "tentative: 0.75", "tentative: "), "variables[1].reliability.tentative"
    )


def interval_on_multiple_choice() -> Damage:
    doc = swap("    type: single_choice\n", "    type: multiple_choice\n    level: interval\n")
    return expect(
        doc,
        value_at(doc, "level: interval", "level: "),
        "variables[0].level",
        "'interval'",
        "multiple_choice",
    )


def ratio_on_single_choice() -> Damage:
    doc = insert_after("    type: single_choice\n", "    level: ratio\n")
    return expect(
        doc,
        value_at(doc, "level: ratio", "level: "),
        "variables[0].level",
        "'ratio'",
        "single_choice",
    )


def ordinal_on_spans() -> Damage:
    doc = swap("    type: single_choice\n", "    type: spans\n    level: ordinal\n")
    return expect(
        doc,
        value_at(doc, "level: ordinal", "level: "),
        "variables[0].level",
        "'ordinal'",
        "spans",
    )


CASES: list[Callable[[], Damage]] = [
    syntax_mapping_in_flow,
    syntax_stray_bracket,
    syntax_bad_indentation,
    tab_indentation,
    tab_after_spaces,
    multiple_documents,
    duplicate_top_level_key,
    duplicate_language_key,
    duplicate_variable_id,
    version_as_float,
    version_quoted_short,
    version_with_prefix,
    format_two,
    missing_authors,
    missing_variables,
    missing_variable_definition,
    missing_category_label,
    misspelt_optional_key,
    misspelt_category_key,
    misspelt_required_top_level_key,
    misspelt_required_variable_key,
    misspelt_type,
    empty_file,
    comments_only,
    nul_byte,
    png_image,
    windows_1251,
    latin_1_letter,
    alias_bomb,
    recursive_alias_mapping,
    recursive_alias_list,
    python_object_apply_tag,
    python_object_tag_on_mapping,
    local_include_tag,
    binary_tag,
    unquoted_yes_code,
    unquoted_no_code,
    unquoted_yes_in_show_if,
    unquoted_yes_in_marker,
    show_if_later_variable,
    show_if_unknown_variable,
    show_if_itself,
    show_if_unknown_code,
    duplicate_code_in_tree,
    duplicate_sibling_code,
    merged_into_without_retired_in,
    marker_unknown_variable,
    marker_unknown_code,
    marker_retired_code,
    marker_language_not_declared,
    label_language_not_declared,
    list_language_not_declared,
    tentative_above_pass,
    variable_tentative_above_pass,
    interval_on_multiple_choice,
    ratio_on_single_choice,
    ordinal_on_spans,
]
DAMAGED = [pytest.param(case, id=case.__name__.replace("_", "-")) for case in CASES]


def test_base_document_is_valid() -> None:
    """The mutations start from a valid codebook without warnings."""
    codebook, warnings = parse_codebook(MINIMAL.encode("utf-8"), API_NAME)
    assert codebook.ref == "minimal@1.0.0"
    assert warnings == []


@pytest.mark.parametrize("case", DAMAGED)
def test_api_reports_first_error_where_it_is(case: Callable[[], Damage]) -> None:
    damage = case()
    with pytest.raises(CodebookError) as info:
        parse_codebook(damage.source, API_NAME)
    error = first_error(info.value)
    where_ = error.location
    assert where_.file == API_NAME, str(error)
    assert where_.line in damage.lines, f"expected line {damage.lines}, got: {error}"
    if damage.column is not None:
        assert where_.column == damage.column, f"expected column {damage.column}, got: {error}"
    for word in damage.words:
        assert word in str(error), f"{word!r} not in: {error}"
    assert str(info.value).startswith(str(error))


@pytest.mark.parametrize("case", DAMAGED)
def test_cli_prints_file_line_col_and_exits_1(
    intercoder: RunCli, case: Callable[[], Damage], tmp_path: Path
) -> None:
    damage = case()
    (tmp_path / CLI_NAME).write_bytes(damage.source)
    result = intercoder("codebook", "validate", CLI_NAME)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    assert "ok:" not in result.stdout
    first = result.stderr.splitlines()[0]
    lines = "|".join(str(line) for line in damage.lines)
    column = str(damage.column) if damage.column is not None else r"\d+"
    # FILE:LINE:COL: (FILE:LINE: where no column is meaningful)
    optional = "" if damage.column is not None else "?"
    pattern = rf"{re.escape(CLI_NAME)}:({lines})(:{column}){optional}: "
    assert re.match(pattern, first), f"{first!r} does not start with {pattern!r}"
    for word in damage.words:
        assert word in first, f"{word!r} not in: {first}"
    assert result.stderr.splitlines()[-1] == "1 of 1 codebook(s) invalid"


# --- alias bombs: refused before anything is expanded ---------------------------------------


def test_billion_laughs_is_refused_before_a_value_is_converted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The size check measures each distinct node once; no value of the bomb is ever built.

    (Counting conversions instead of timing the refusal: the bound holds on any machine, and a
    check that expanded the aliases would convert billions of values, not zero.)
    """
    from intercoder import yamlsafe

    conversions = 0
    convert = yamlsafe._Converter.convert

    def counting(self: yamlsafe._Converter, node: Any, path: Any) -> Any:
        nonlocal conversions
        conversions += 1
        return convert(self, node, path)

    monkeypatch.setattr(yamlsafe._Converter, "convert", counting)
    doc, alias_lines = alias_bomb_text()
    with pytest.raises(CodebookError) as info:
        parse_codebook(doc.encode("utf-8"), API_NAME)
    assert conversions == 0
    error = first_error(info.value)
    assert error.location.line in alias_lines
    assert "alias bomb" in error.message


# --- deep nesting (no aliases needed) --------------------------------------------------------


def deeply_nested(depth: int) -> tuple[str, int]:
    doc = insert_after("languages: [en, ru]\n", f"license: {'[' * depth}{']' * depth}\n")
    return doc, where(doc, "license: [")[0]


def test_api_deeply_nested_lists_are_an_error_not_a_crash() -> None:
    """2 KB of brackets must give a CodebookError, not a RecursionError."""
    doc, line = deeply_nested(1000)
    with pytest.raises(CodebookError) as info:
        parse_codebook(doc.encode("utf-8"), API_NAME)
    assert first_error(info.value).location.line == line


@pytest.mark.parametrize("depth", [1000, 100_000], ids=["2KB", "200KB"])
def test_cli_deeply_nested_lists_exit_1_without_crash(
    intercoder: RunCli, depth: int, tmp_path: Path
) -> None:
    doc, line = deeply_nested(depth)
    (tmp_path / CLI_NAME).write_text(doc, encoding="utf-8")
    result = intercoder("codebook", "validate", CLI_NAME)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 1, f"exit code {result.returncode}: {result.stderr[-2000:]}"
    assert result.stderr.startswith(f"{CLI_NAME}:{line}"), result.stderr[-2000:]


# --- warnings: missing translations ----------------------------------------------------------

MISSING_TRANSLATIONS = [
    pytest.param(
        SEVERITY_LABEL, "label: {en: Severity}", "{en: Severity}", "variables[1].label", id="label"
    ),
    pytest.param(
        "include: {en: [Demonyms and ethnonyms.], ru: [Этнонимы.]}",
        "include: {en: [Demonyms and ethnonyms.]}",
        "{en: [Demonyms",
        "variables[0].categories[0].include",
        id="include-list",
    ),
]


@pytest.mark.parametrize(("old", "new", "value", "field"), MISSING_TRANSLATIONS)
def test_api_missing_translation_is_a_warning(old: str, new: str, value: str, field: str) -> None:
    doc = swap(old, new)
    line, column = where(doc, value)
    codebook, warnings = parse_codebook(doc.encode("utf-8"), API_NAME)
    assert codebook.ref == "minimal@1.0.0"
    assert len(warnings) == 1, warnings
    (warning,) = warnings
    assert warning.severity == "warning"
    assert (warning.location.file, warning.location.line, warning.location.column) == (
        API_NAME,
        line,
        column,
    )
    assert warning.field == field
    assert "ru" in warning.message

    with pytest.raises(CodebookError) as info:
        parse_codebook(doc.encode("utf-8"), API_NAME, strict=True)
    error = first_error(info.value)
    assert (error.location.line, error.location.column) == (line, column)
    assert error.field == field


@pytest.mark.parametrize(("old", "new", "value", "field"), MISSING_TRANSLATIONS)
def test_cli_missing_translation_warns_and_fails_under_strict(
    intercoder: RunCli, old: str, new: str, value: str, field: str, tmp_path: Path
) -> None:
    doc = swap(old, new)
    line, column = where(doc, value)
    (tmp_path / CLI_NAME).write_text(doc, encoding="utf-8")
    prefix = f"{CLI_NAME}:{line}:{column}: "

    result = intercoder("codebook", "validate", CLI_NAME)
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    warning_lines = [ln for ln in result.stderr.splitlines() if ln.startswith(prefix)]
    assert len(warning_lines) == 1, result.stderr
    assert "warning" in warning_lines[0]
    assert field in warning_lines[0]
    assert result.stdout.startswith(f"ok: {CLI_NAME}")

    strict = intercoder("codebook", "validate", "--strict", CLI_NAME)
    assert "Traceback" not in strict.stderr
    assert strict.returncode == 1, strict.stderr
    assert strict.stderr.splitlines()[0].startswith(prefix)
    assert field in strict.stderr.splitlines()[0]
    assert "ok:" not in strict.stdout


# --- valid files and usage errors ------------------------------------------------------------


def test_cli_valid_file_exits_0_with_ok_line(intercoder: RunCli, tmp_path: Path) -> None:
    (tmp_path / CLI_NAME).write_text(MINIMAL, encoding="utf-8")
    for args in (
        ("codebook", "validate", CLI_NAME),
        ("codebook", "validate", "--strict", CLI_NAME),
    ):
        result = intercoder(*args)
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert result.stdout.startswith(f"ok: {CLI_NAME} (minimal@1.0.0"), result.stdout


def test_cli_one_bad_file_among_good_ones_exits_1(intercoder: RunCli, tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / CLI_NAME).write_text(swap("format: 1", "format: 2"), encoding="utf-8")
    result = intercoder("codebook", "validate", "good.yaml", CLI_NAME)
    assert result.returncode == 1
    assert "ok: good.yaml" in result.stdout
    assert result.stderr.splitlines()[-1] == "1 of 2 codebook(s) invalid"


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("codebook", "validate"), id="no-path"),
        pytest.param(("codebook", "validate", "--strict"), id="strict-no-path"),
        pytest.param(("codebook", "validate", "--no-such-option", CLI_NAME), id="unknown-option"),
        pytest.param(("codebook", "show"), id="show-no-ref"),
    ],
)
def test_cli_usage_errors_exit_2(intercoder: RunCli, args: tuple[str, ...], tmp_path: Path) -> None:
    (tmp_path / CLI_NAME).write_text(MINIMAL, encoding="utf-8")
    result = intercoder(*args)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert "Usage:" in result.stderr


def test_cli_missing_file_exits_1(intercoder: RunCli, tmp_path: Path) -> None:
    result = intercoder("codebook", "validate", "no-such-file.yaml")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "no-such-file.yaml" in result.stderr.splitlines()[0]


# --- unknown codebook references -------------------------------------------------------------


def registered_directory(tmp_path: Path, *ids: str) -> Path:
    """``<id>/1.0.0.yaml`` copies of minimal.yaml with the id changed."""
    directory = tmp_path / "registered"
    for book_id in ids:
        path = directory / book_id / "1.0.0.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(swap("codebook: minimal", f"codebook: {book_id}"), encoding="utf-8")
    return directory


def bundled_ids() -> list[str]:
    ids = sorted(
        {path.parent.name for path in BUNDLED.glob("*/*.yaml") if re.search(SEMVER, path.stem)}
    )
    assert ids, f"no bundled codebooks under {BUNDLED}"
    return ids


# "media-frames" is not a bundled id: a suggestion of it can only come from the registered
# directory (a bundled id such as "hate-speech" would be suggested without it).
REGISTERED = "media-frames"
TYPO = "media-frame"


def test_cli_unknown_codebook_suggests_a_registered_one(intercoder: RunCli, tmp_path: Path) -> None:
    assert REGISTERED not in bundled_ids()
    directory = registered_directory(tmp_path, REGISTERED, "protest-events")
    env = {"INTERCODER_CODEBOOK_PATH": str(directory)}
    assert intercoder("codebook", "show", REGISTERED, env=env).returncode == 0

    result = intercoder("codebook", "show", TYPO, env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert TYPO in lines[0]
    assert f"did you mean '{REGISTERED}'" in lines[0]
    assert REGISTERED not in intercoder("codebook", "show", TYPO).stderr  # not registered


def test_cli_unknown_codebook_without_close_match_has_no_suggestion(
    intercoder: RunCli, tmp_path: Path
) -> None:
    directory = registered_directory(tmp_path, REGISTERED)
    env = {"INTERCODER_CODEBOOK_PATH": str(directory)}
    result = intercoder("codebook", "show", "qqqqqqqq", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "qqqqqqqq" in result.stderr
    assert "did you mean" not in result.stderr


def test_api_unknown_codebook_suggests_a_registered_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = registered_directory(tmp_path, REGISTERED)
    monkeypatch.setenv("INTERCODER_CODEBOOK_PATH", str(directory))
    with pytest.raises(CodebookNotFoundError, match=f"did you mean '{REGISTERED}'"):
        resolve(TYPO)


def test_cli_unknown_codebook_suggests_a_bundled_one(intercoder: RunCli) -> None:
    """Without INTERCODER_CODEBOOK_PATH the suggestion comes from the bundled codebooks."""
    ids = bundled_ids()
    target = max(ids, key=len)
    typo = target[:-1]  # drop the last letter
    assert typo not in ids
    result = intercoder("codebook", "show", typo)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert typo in result.stderr
    assert f"did you mean '{target}'" in result.stderr


def test_an_unquoted_comma_in_a_flow_mapping_is_one_error_that_says_to_quote() -> None:
    """`{en: Hate speech, incitement, ru: ...}`: YAML ends the English text at the comma and
    reads `incitement` as a key without a value; one error, with the fix, not two."""
    line = next(i for i, text in enumerate(MINIMAL.splitlines(), 1) if "label: {" in text)
    text = MINIMAL.splitlines()
    text[line - 1] = re.sub(r"\{en: ([^,}]+)", r"{en: \1, incitement", text[line - 1], count=1)
    with pytest.raises(CodebookError) as caught:
        parse_codebook("\n".join(text) + "\n", API_NAME)
    errors = [d for d in caught.value.diagnostics if d.severity == "error"]
    assert len(errors) == 1, [str(d) for d in errors]
    assert errors[0].location.line == line
    assert "put the whole text in quotes" in errors[0].message
