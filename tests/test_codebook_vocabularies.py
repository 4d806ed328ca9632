"""Shared vocabularies: ``categories_from`` and ``include_variables``, on real files.

A codebook that references a vocabulary must load as if the categories (or variables) were
written in it, so every downstream view (manual, Label Studio config, dump) is unchanged; a bad
reference is one located error at the line of the reference, and a problem inside a vocabulary
names the vocabulary's own file and line.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from intercoder.codebook.dump import dump_yaml
from intercoder.codebook.registry import (
    available_codebooks,
    available_vocabularies,
    is_vocabulary_file,
    load_codebook,
    load_codebook_with_warnings,
    load_vocabulary_with_warnings,
)
from intercoder.codebook.render import manual_markdown
from intercoder.codebook.spec import vocabulary_json_schema
from intercoder.codebook.validate import parse_codebook
from intercoder.coders import LexiconCoder
from intercoder.errors import CodebookError
from intercoder.studio.labelconfig import label_config
from intercoder.tasks import Task

from support import RunCli

HEAD = """\
format: 1
codebook: mine
version: "1.0.0"
title: {en: Mine, ru: Моя}
languages: [en, ru]
authors: [{name: Tester}]
sources: [{id: s1, citation: "A book."}]
changelog: [{version: "1.0.0", date: "2026-12-06", changes: [first]}]
"""

TARGET = """\
variables:
  - id: target
    type: multiple_choice
    label: {en: Target, ru: Цель}
    definition: {en: Who is targeted., ru: На кого направлено.}
    sources: [s1]
    categories_from: target-groups@1.0.0
"""


def book(tmp_path: Path, text: str, name: str = "mine") -> Path:
    """Write ``text`` as ``<tmp>/books/<name>/1.0.0.yaml`` (a codebook directory layout)."""
    path = tmp_path / "books" / name / "1.0.0.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def vocabulary(tmp_path: Path, vocab_id: str, text: str, version: str = "1.0.0") -> Path:
    path = tmp_path / "books" / "vocabularies" / vocab_id / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    text = path.read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


def errors_of(path: Path) -> list[str]:
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    return [str(d) for d in caught.value.diagnostics if d.severity == "error"]


LOCAL = """\
id: local
version: "1.0.0"
kind: categories
title: {en: Local, ru: Местный}
languages: [en, ru]
categories:
  - code: alpha
    label: {en: Alpha, ru: Альфа}
    definition: {en: The first., ru: Первый.}
  - code: beta
    label: {en: Beta, ru: Бета}
    definition: {en: The second., ru: Второй.}
"""


@pytest.mark.parametrize("ref", ["target-groups@1.0.0", "source-metadata@1.0.0"])
def test_bundled_vocabularies_pass_strict_validation(ref: str) -> None:
    vocab, warnings = load_vocabulary_with_warnings(ref, strict=True)
    assert vocab.ref == ref
    assert warnings == []


def test_target_groups_has_the_harmonised_groups() -> None:
    vocab, _ = load_vocabulary_with_warnings("target-groups@1.0.0")
    codes: set[str] = set()
    stack = list(vocab.data["categories"])
    while stack:
        cat = stack.pop()
        codes.add(cat["code"])
        stack.extend(cat.get("children", []))
    wanted = {
        "uzbeks", "kyrgyz", "russians", "tajiks", "kazakhs", "dungans", "uighurs", "chinese",
        "lyuli", "jews", "religion", "regional_origin", "southerners", "northerners",
        "clan_tribe", "language_group", "migrants", "sexual_orientation_gender_identity",
        "gender", "political", "other",
    }  # fmt: skip
    assert wanted <= codes
    assert vocab.languages == ("en", "ru", "ky", "uz-Latn", "uz-Cyrl")


def test_categories_from_expands_to_the_vocabularys_categories(tmp_path: Path) -> None:
    path = book(tmp_path, HEAD + TARGET)
    cb = load_codebook(path)
    var = cb.variable("target")
    vocab, _ = load_vocabulary_with_warnings("target-groups@1.0.0")
    assert [c.code for c in var.categories] == [c["code"] for c in vocab.data["categories"]]
    assert {"kazakhs", "southerners"} <= set(var.codes)
    assert var.categories_from == "target-groups@1.0.0"
    # Texts of languages the codebook does not declare are left out, the others kept.
    assert dict(var.category("kazakhs").label) == {"en": "Kazakhs", "ru": "Казахи"}
    # Downstream views see ordinary categories.
    assert 'alias="kazakhs"' in label_config(cb, "ru")
    assert "`lyuli` Люли (джуги, среднеазиатские цыгане)" in manual_markdown(cb, "ru")


def test_a_dumped_codebook_is_self_contained_and_loads_the_same(tmp_path: Path) -> None:
    cb = load_codebook(book(tmp_path, HEAD + TARGET))
    text = dump_yaml(cb)
    assert "categories_from" not in text
    again, _ = parse_codebook(text, "dumped.yaml")
    assert again == cb


def test_add_puts_the_codebooks_own_categories_after_the_vocabularys(tmp_path: Path) -> None:
    extra = """\
    add:
      - code: foreign_state
        label: {en: Foreign state, ru: Иностранное государство}
        definition: {en: A state., ru: Государство.}
"""
    cb = load_codebook(book(tmp_path, HEAD + TARGET + extra))
    assert cb.variable("target").categories[-1].code == "foreign_state"


def test_a_code_added_twice_is_reported_at_the_added_line(tmp_path: Path) -> None:
    extra = """\
    add:
      - code: kazakhs
        label: {en: Kazakhs again, ru: Снова}
        definition: {en: Twice., ru: Дважды.}
"""
    path = book(tmp_path, HEAD + TARGET + extra)
    (error,) = errors_of(path)
    assert error.startswith(f"{os.path.relpath(path)}:{line_of(path, 'code: kazakhs')}:")
    assert "'kazakhs' is used twice" in error


def test_an_unknown_vocabulary_is_a_located_error_with_a_suggestion(tmp_path: Path) -> None:
    path = book(tmp_path, HEAD + TARGET.replace("target-groups@", "target-group@"))
    (error,) = errors_of(path)
    assert error.startswith(f"{os.path.relpath(path)}:{line_of(path, 'target-group@')}:")
    assert "variables[0].categories_from" in error
    assert "unknown vocabulary" in error
    assert "did you mean 'target-groups'" in error


def test_an_unknown_version_lists_the_versions_there_are(tmp_path: Path) -> None:
    path = book(tmp_path, HEAD + TARGET.replace("@1.0.0", "@9.0.0"))
    (error,) = errors_of(path)
    assert "no version 9.0.0 of vocabulary target-groups (available: 1.0.0)" in error


def test_a_reference_without_a_version_is_a_structural_error(tmp_path: Path) -> None:
    path = book(tmp_path, HEAD + TARGET.replace("@1.0.0", ""))
    (error,) = errors_of(path)
    assert f":{line_of(path, 'categories_from')}:" in error
    assert "a shared vocabulary with its version" in error


def test_a_vocabulary_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    path = book(tmp_path, HEAD + TARGET.replace("target-groups@", "source-metadata@"))
    (error,) = errors_of(path)
    assert "source-metadata@1.0.0 is a vocabulary of variables, not of categories" in error


INLINE = """\
    categories:
      - code: x
        label: {en: X, ru: Икс}
        definition: {en: X., ru: Икс.}
"""
#: TARGET with its own categories instead of the vocabulary's
INLINE_TARGET = TARGET.replace("    categories_from: target-groups@1.0.0\n", INLINE)


def test_categories_and_categories_from_together_are_refused(tmp_path: Path) -> None:
    path = book(tmp_path, HEAD + TARGET + INLINE)
    (error,) = errors_of(path)
    assert "either categories or categories_from" in error


def test_add_without_categories_from_is_refused(tmp_path: Path) -> None:
    add = """\
    add:
      - code: y
        label: {en: Y, ru: Игрек}
        definition: {en: Y., ru: Игрек.}
"""
    path = book(tmp_path, HEAD + INLINE_TARGET + add)
    (error,) = errors_of(path)
    assert error.startswith(f"{os.path.relpath(path)}:{line_of(path, 'add:')}:")
    assert "add needs categories_from" in error


MARKED = (
    LOCAL
    + """\
markers:
  - code: alpha
    lang: ru
    terms: [альф]
    exclude: [альфа-версия]
  - code: beta
    lang: ky
    terms: [бета]
"""
).replace("languages: [en, ru]", "languages: [en, ru, ky]")

LOCAL_TARGET = TARGET.replace("target-groups@", "local@")


def test_a_vocabularys_markers_become_the_referencing_variables_own(tmp_path: Path) -> None:
    vocabulary(tmp_path, "local", MARKED)
    cb = load_codebook(book(tmp_path, HEAD + LOCAL_TARGET))
    # the ky marker is left out: the codebook is written in en and ru only
    assert [(m.variable, m.code, m.lang) for m in cb.markers] == [("target", "alpha", "ru")]
    assert cb.markers[0].terms == ("альф",)
    assert cb.markers[0].exclude == ("альфа-версия",)
    hit = LexiconCoder().matches(Task(unit_id="u1", text="Альфы пришли."), cb)
    assert [(m.variable, m.code) for m in hit] == [("target", "alpha")]
    assert LexiconCoder().matches(Task(unit_id="u2", text="Вышла альфа-версия."), cb) == []


def test_a_vocabulary_marker_at_an_unknown_code_names_the_vocabularys_line(
    tmp_path: Path,
) -> None:
    path = vocabulary(
        tmp_path, "local", MARKED.replace("- code: beta\n    lang", "- code: gamma\n    lang")
    )
    errors = errors_of(book(tmp_path, HEAD + LOCAL_TARGET))
    where = f"{os.path.relpath(path)}:{line_of(path, 'code: gamma')}:"
    assert any(e.startswith(where) and "'gamma' is not a code" in e for e in errors), errors


def test_a_codebooks_own_marker_repeating_a_vocabulary_one_is_flagged(tmp_path: Path) -> None:
    vocabulary(tmp_path, "local", MARKED)
    own = "markers:\n  - {variable: target, code: alpha, lang: ru, terms: [альфа]}\n"
    path = book(tmp_path, HEAD + LOCAL_TARGET + own)
    _, warnings = load_codebook_with_warnings(str(path))
    assert ["a second marker entry for target=alpha in ru" in str(w) for w in warnings] == [True]
    with pytest.raises(CodebookError):
        load_codebook_with_warnings(str(path), strict=True)


AMEND = """\
    amend:
      - code: beta
        redefined_in: "1.0.0"
"""


def test_amend_records_this_codebooks_redefinition_of_a_shared_code(tmp_path: Path) -> None:
    vocabulary(tmp_path, "local", LOCAL)
    cb = load_codebook(book(tmp_path, HEAD + LOCAL_TARGET + AMEND))
    target = cb.variable("target")
    assert target.category("beta").redefined_in == "1.0.0"
    assert target.category("alpha").redefined_in is None
    # the vocabulary itself is untouched: another codebook using it sees no redefinition
    other_head = HEAD.replace("codebook: mine", "codebook: other")
    other = load_codebook(book(tmp_path, other_head + LOCAL_TARGET, name="other"))
    assert other.variable("target").category("beta").redefined_in is None
    # and the export writes it where a self-contained codebook has it
    again, _ = parse_codebook(dump_yaml(cb), "again.yaml")
    assert again.variable("target").category("beta").redefined_in == "1.0.0"


def test_amend_of_a_code_the_vocabulary_lacks_is_a_located_error(tmp_path: Path) -> None:
    vocabulary(tmp_path, "local", LOCAL)
    path = book(tmp_path, HEAD + LOCAL_TARGET + AMEND.replace("code: beta", "code: gamma"))
    (error,) = errors_of(path)
    assert error.startswith(f"{os.path.relpath(path)}:{line_of(path, 'code: gamma')}:")
    assert "'gamma' is not a code of vocabulary local@1.0.0" in error


def test_amend_to_a_later_version_than_the_codebooks_is_refused(tmp_path: Path) -> None:
    vocabulary(tmp_path, "local", LOCAL)
    path = book(tmp_path, HEAD + LOCAL_TARGET + AMEND.replace('"1.0.0"', '"2.0.0"'))
    (error,) = errors_of(path)
    assert "redefined_in 2.0.0 is later than the codebook version" in error


def test_amend_without_categories_from_is_refused(tmp_path: Path) -> None:
    path = book(tmp_path, HEAD + INLINE_TARGET + AMEND.replace("code: beta", "code: x"))
    (error,) = errors_of(path)
    assert error.startswith(f"{os.path.relpath(path)}:{line_of(path, 'amend:')}:")
    assert "amend needs categories_from" in error


def test_a_vocabulary_beside_the_codebook_directory_is_found_first(tmp_path: Path) -> None:
    vocabulary(tmp_path, "local", LOCAL)
    cb = load_codebook(book(tmp_path, HEAD + TARGET.replace("target-groups@", "local@")))
    assert cb.variable("target").codes == ("alpha", "beta")
    assert "local" in available_vocabularies(tmp_path / "books" / "mine" / "1.0.0.yaml")


def test_an_invalid_vocabulary_names_its_own_file_and_line(tmp_path: Path) -> None:
    broken = vocabulary(tmp_path, "local", LOCAL.replace("code: beta", "code: alpha"))
    path = book(tmp_path, HEAD + TARGET.replace("target-groups@", "local@"))
    errors = errors_of(path)
    in_vocab = f"{os.path.relpath(broken)}:{line_of(broken, 'code: alpha') + 3}:"
    assert any(e.startswith(in_vocab) and "'alpha' is used twice" in e for e in errors)
    at_ref = f"{os.path.relpath(path)}:{line_of(path, 'local@')}:"
    assert any(e.startswith(at_ref) and "vocabulary local@1.0.0 is invalid" in e for e in errors)


def test_a_vocabulary_file_must_declare_the_id_of_its_directory(tmp_path: Path) -> None:
    vocabulary(tmp_path, "local", LOCAL.replace("id: local", "id: other"))
    errors = errors_of(book(tmp_path, HEAD + TARGET.replace("target-groups@", "local@")))
    assert any("the directory says 'local' but the file declares 'other'" in e for e in errors)


def test_a_vocabulary_pointing_at_itself_is_an_error_not_a_recursion(tmp_path: Path) -> None:
    looped = """\
id: loop
version: "1.0.0"
kind: variables
title: {en: Loop, ru: Петля}
languages: [en, ru]
variables:
  - id: again
    type: single_choice
    label: {en: Again, ru: Снова}
    definition: {en: Again., ru: Снова.}
    categories_from: loop@1.0.0
"""
    broken = vocabulary(tmp_path, "loop", looped)
    path = book(tmp_path, HEAD + "include_variables: [loop@1.0.0]\n" + TARGET)
    errors = errors_of(path)
    assert any(
        e.startswith(f"{os.path.relpath(broken)}:{line_of(broken, 'loop@1.0.0')}:")
        and "vocabularies refer to each other in a cycle" in e
        for e in errors
    )


def test_a_language_the_vocabulary_lacks_is_a_warning_and_strict_refuses_it(
    tmp_path: Path,
) -> None:
    vocabulary(tmp_path, "local", LOCAL)
    text = (HEAD + TARGET.replace("target-groups@", "local@")).replace(
        "languages: [en, ru]", "languages: [en, ru, ky]"
    )
    text = text.replace("ru: Моя}", "ru: Моя, ky: Меники}")
    text = text.replace("ru: Цель}", "ru: Цель, ky: Бута}")
    text = text.replace("ru: На кого направлено.}", "ru: На кого направлено., ky: Кимге.}")
    path = book(tmp_path, text)
    _, warnings = load_codebook_with_warnings(path)
    assert [w.message for w in warnings] == [
        "vocabulary local@1.0.0 has no texts in ky (it has en, ru)"
    ]
    with pytest.raises(CodebookError):
        load_codebook(path, strict=True)


INCLUDE = "include_variables: [source-metadata@1.0.0]\n"


def test_include_variables_appends_the_shared_variables_and_their_sources(
    tmp_path: Path,
) -> None:
    cb = load_codebook(book(tmp_path, HEAD + INCLUDE + TARGET))
    ids = [var.id for var in cb.variables]
    assert ids[0] == "target"
    assert ids[1:] == [
        "outlet", "ownership", "platform", "language", "code_switching", "publication_date",
        "region", "genre", "speaker_type", "topic",
    ]  # fmt: skip
    assert cb.include_variables == ("source-metadata@1.0.0",)
    assert {"s1", "howard-2009", "lee-maslog-2005", "muysken-2000"} == {s.id for s in cb.sources}
    assert dict(cb.variable("region").label) == {"en": "Region", "ru": "Регион"}


def test_an_included_variable_clashing_with_an_own_one_is_located_at_the_include(
    tmp_path: Path,
) -> None:
    clash = TARGET.replace("id: target", "id: region")
    path = book(tmp_path, HEAD + INCLUDE + clash)
    (error,) = errors_of(path)
    assert error.startswith(f"{os.path.relpath(path)}:{line_of(path, 'source-metadata@')}:")
    assert "variable id 'region' is used twice" in error


def test_a_source_id_meaning_another_work_is_refused(tmp_path: Path) -> None:
    text = HEAD.replace('{id: s1, citation: "A book."}', '{id: howard-2009, citation: "X."}')
    path = book(tmp_path, text + INCLUDE + TARGET.replace("[s1]", "[howard-2009]"))
    (error,) = errors_of(path)
    assert "source id 'howard-2009' of vocabulary source-metadata@1.0.0 cites another work" in (
        error
    )


def test_an_edited_vocabulary_is_read_again(tmp_path: Path) -> None:
    local = vocabulary(tmp_path, "local", LOCAL)
    path = book(tmp_path, HEAD + TARGET.replace("target-groups@", "local@"))
    assert load_codebook(path).variable("target").category("alpha").label["en"] == "Alpha"
    local.write_text(LOCAL.replace("en: Alpha", "en: Alpha again"), encoding="utf-8")
    stat = local.stat()
    os.utime(local, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    label = load_codebook(path).variable("target").category("alpha").label["en"]
    assert label == "Alpha again"


ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_vocabulary_schema_is_current() -> None:
    committed = ROOT / "codebooks" / "vocabulary.schema.json"
    assert json.loads(committed.read_text(encoding="utf-8")) == vocabulary_json_schema()


def test_the_schema_accepts_the_bundled_vocabularies_and_they_point_at_it() -> None:
    validator = jsonschema.Draft202012Validator(vocabulary_json_schema())
    for entries in available_vocabularies().values():
        for entry in entries:
            text = entry.path.read_text(encoding="utf-8")
            assert text.startswith("# yaml-language-server: $schema=../../vocabulary.schema.json")
            assert list(validator.iter_errors(yaml.safe_load(text))) == []


def test_schema_and_loader_both_refuse_a_vocabulary_without_its_kind(tmp_path: Path) -> None:
    text = LOCAL.replace("kind: categories\n", "")
    assert not jsonschema.Draft202012Validator(vocabulary_json_schema()).is_valid(
        yaml.safe_load(text)
    )
    vocabulary(tmp_path, "local", text)
    errors = errors_of(book(tmp_path, HEAD + TARGET.replace("target-groups@", "local@")))
    assert any("missing required key 'kind'" in e for e in errors)


def test_vocabularies_are_not_listed_as_codebooks() -> None:
    assert "vocabularies" not in available_codebooks()
    bundled = [entry.path for entries in available_vocabularies().values() for entry in entries]
    assert bundled
    assert all(is_vocabulary_file(path) for path in bundled)
    assert not any(
        is_vocabulary_file(entry.path)
        for entries in available_codebooks().values()
        for entry in entries
    )


def test_codebook_validate_reports_a_bad_reference_in_one_located_line(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = book(tmp_path, HEAD + TARGET.replace("target-groups@", "nothing-here@"))
    done = run_cli("codebook", "validate", str(path), cwd=tmp_path)
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    shown = os.path.relpath(path, tmp_path)
    assert first.startswith(f"{shown}:{line_of(path, 'nothing-here@')}:")
    assert "nothing-here@1.0.0: unknown vocabulary" in first
    assert "Traceback" not in done.stderr


def test_codebook_validate_accepts_a_codebook_using_both_features(
    run_cli: RunCli, tmp_path: Path
) -> None:
    path = book(tmp_path, HEAD + INCLUDE + TARGET)
    done = run_cli("codebook", "validate", "--strict", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "(mine@1.0.0, 11 variables)" in done.stdout


def test_the_guide_example_is_valid(tmp_path: Path) -> None:
    # The YAML of docs/methodologist/codebook-format.md's vocabulary section, as written there.
    docs = Path(__file__).resolve().parents[1] / "docs" / "methodologist"
    guide = (docs / "codebook-format.md").read_text(encoding="utf-8")
    start = guide.index("```yaml\n# a variable taking its categories")
    example = guide[start + len("```yaml\n") : guide.index("```", start + 7)]
    text = HEAD + "variables:\n" + textwrap.indent(example, "  ")
    assert load_codebook(book(tmp_path, text)).variable("target_group").codes
