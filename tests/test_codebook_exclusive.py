"""Exclusive codes (``exclusive: true``, "none of these") on real files.

The format only allows them on a multiple choice; annotation checking refuses a record that
combines one with another code (one located line); the lexicon coder never writes one with
another code; the manual says which codes are exclusive.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from intercoder.annotations import check_annotations, check_value, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.codebook.render import manual_html, manual_markdown, outline
from intercoder.coders.lexicon import LexiconCoder
from intercoder.errors import CodebookError
from intercoder.studio.labelconfig import label_config
from intercoder.tasks import Task

from support import RunCli

BOOK = """\
format: 1
codebook: excl
version: "1.0.0"
title: {en: Exclusive, ru: Исключающий}
languages: [en, ru]
authors: [{name: Tester}]
sources: [{id: s1, citation: "A book."}]
changelog: [{version: "1.0.0", date: "2026-12-06", changes: [first]}]
variables:
  - id: syndrome
    type: multiple_choice
    label: {en: Syndrome, ru: Синдром}
    definition: {en: Features., ru: Признаки.}
    sources: [s1]
    categories:
      - code: distrust
        label: {en: Distrust, ru: Недоверие}
        definition: {en: Distrust., ru: Недоверие.}
      - code: blame
        label: {en: Blame, ru: Обвинение}
        definition: {en: Blame., ru: Обвинение.}
      - code: none
        label: {en: None of these, ru: Ничего из этого}
        definition: {en: No feature., ru: Ни одного признака.}
        exclusive: true
markers:
  - variable: syndrome
    code: distrust
    lang: en
    terms: [untrust]
  - variable: syndrome
    code: blame
    lang: en
    terms: [blame]
  - variable: syndrome
    code: none
    lang: en
    terms: [neutral]
"""


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "excl" / "1.0.0.yaml"
    path.parent.mkdir()
    path.write_text(BOOK, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_exclusive_is_loaded_and_listed(book: Path) -> None:
    var = load_codebook(book).variable("syndrome")
    assert var.exclusive_codes == ("none",)
    assert var.category("none").exclusive
    assert not var.category("blame").exclusive


@pytest.mark.parametrize("kind", ["single_choice", "ordinal_scale"])
def test_exclusive_outside_a_multiple_choice_is_a_located_error(tmp_path: Path, kind: str) -> None:
    text = BOOK.replace("type: multiple_choice", f"type: {kind}")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    (error,) = [str(d) for d in caught.value.diagnostics if d.severity == "error"]
    assert error.startswith(f"{os.path.relpath(path)}:{line_of(text, 'exclusive: true')}:")
    assert "variables[0].categories[2].exclusive" in error
    assert (
        f"exclusive applies to categories of a multiple_choice variable; 'syndrome' is {kind}"
        in (error)
    )


def test_an_exclusive_code_with_sub_categories_is_refused(tmp_path: Path) -> None:
    text = BOOK.replace(
        "        exclusive: true\n",
        """\
        exclusive: true
        children:
          - code: none_really
            label: {en: Really none, ru: Совсем ничего}
            definition: {en: Really., ru: Совсем.}
""",
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CodebookError, match="cannot have sub-categories"):
        load_codebook(path)


def test_an_annotation_combining_an_exclusive_code_is_one_located_problem(
    book: Path, tmp_path: Path
) -> None:
    rows = [
        {"unit_id": "u1", "coder_id": "ana", "variable": "syndrome", "value": ["none"]},
        {"unit_id": "u1", "coder_id": "ben", "variable": "syndrome", "value": ["blame", "none"]},
        {
            "unit_id": "u2",
            "coder_id": "ana",
            "variable": "syndrome",
            "value": ["blame", "distrust"],
        },
    ]
    data = tmp_path / "codings.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    checked = check_annotations(read_annotations(data), load_codebook(book))
    assert [str(p) for p in checked.problems] == [
        f"{data}:2: syndrome: 'none' is exclusive (none of the others) and cannot be combined "
        "with 'blame'"
    ]
    assert sorted(checked.annotations.value.tolist()) == [("blame", "distrust"), ("none",)]


def test_check_value_refuses_the_combination_machine_coders_would_write(book: Path) -> None:
    var = load_codebook(book).variable("syndrome")
    assert check_value(var, ["none"]) == ("none",)
    with pytest.raises(ValueError, match="'none' is exclusive"):
        check_value(var, ["none", "distrust"])


def test_the_lexicon_coder_never_writes_an_exclusive_code_with_another(book: Path) -> None:
    cb = load_codebook(book)
    tasks = [
        Task("t1", "They blame us and untrust us."),
        Task("t2", "A neutral report that blames them."),
        Task("t3", "A neutral report."),
        Task("t4", "Nothing marked here."),
    ]
    values = {a.unit_id: a.value for a in LexiconCoder().code(tasks, cb)}
    assert values == {
        "t1": ["blame", "distrust"],
        "t2": ["blame"],  # the exclusive code's own marker loses to another code's
        "t3": ["none"],
        "t4": ["none"],  # nothing found is "none of these"
    }
    for value in values.values():
        check_value(cb.variable("syndrome"), value)


def test_the_manual_and_outline_say_which_code_is_exclusive(book: Path) -> None:
    cb = load_codebook(book)
    assert "### `none` None of these — *none of these: never combined with another code*" in (
        manual_markdown(cb, "en")
    )
    assert "«ничего из перечисленного»: не сочетается с другими кодами" in manual_html(cb, "ru")
    assert "(none of these: never combined with another code)" in outline(cb, "en")


def test_the_label_studio_config_keeps_the_exclusive_choice_among_the_others(
    book: Path,
) -> None:
    # Label Studio 1.23.2 has no exclusive choice: the code stays a checkbox of the group
    # and a combination is refused when the annotations are pulled (check_annotations).
    config = label_config(load_codebook(book), "en")
    assert '<Choices name="syndrome" toName="text" choice="multiple"' in config
    assert (
        '<Choice value="None of these" alias="none" hint="(none of these: never combined with '
        'another code) No feature."/>'
    ) in config


def test_code_refuses_nothing_the_lexicon_writes_for_an_exclusive_variable(
    run_cli: RunCli, book: Path, tmp_path: Path
) -> None:
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("unit_id,text\nt1,They blame us.\nt2,A neutral report.\n", encoding="utf-8")
    done = run_cli(
        "code", "--codebook", str(book), "--coder", "lexicon", str(tasks), "-o", "out.jsonl",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {row["unit_id"]: row["value"] for row in written} == {"t1": ["blame"], "t2": ["none"]}


def test_making_a_code_exclusive_is_major_and_undoing_it_minor(book: Path, tmp_path: Path) -> None:
    from intercoder.codebook.diff import diff_codebooks

    plain = tmp_path / "plain.yaml"
    plain.write_text(BOOK.replace("        exclusive: true\n", ""), encoding="utf-8")
    before, after = load_codebook(plain), load_codebook(book)
    assert [(c.kind, c.where) for c in diff_codebooks(before, after).changes] == [
        ("major", "syndrome/none")
    ]
    assert [(c.kind, c.where) for c in diff_codebooks(after, before).changes] == [
        ("minor", "syndrome/none")
    ]


def test_a_codebook_using_a_vocabulary_diffs_like_one_listing_its_categories(
    tmp_path: Path,
) -> None:
    from intercoder.codebook.diff import diff_codebooks
    from intercoder.codebook.dump import dump_yaml

    text = BOOK.split("    categories:\n")[0] + "    categories_from: target-groups@1.0.0\n"
    shared = tmp_path / "excl" / "1.0.0.yaml"
    shared.parent.mkdir()
    shared.write_text(text, encoding="utf-8")
    cb = load_codebook(shared)
    listed = tmp_path / "listed.yaml"
    listed.write_text(dump_yaml(cb), encoding="utf-8")
    assert diff_codebooks(load_codebook(listed), cb).changes == ()


@pytest.mark.parametrize("variable", ["delegitimisation", "dangerous_speech", "threat_frame"])
def test_the_bundled_enemy_images_none_codes_are_exclusive(variable: str) -> None:
    """enemy-images 2.0.0 marks its "none of these" codes exclusive, as its instructions say."""
    cb = load_codebook("enemy-images@2.0.0")
    var = cb.variable(variable)
    assert var.exclusive_codes == ("none",)
    other = next(code for code in var.codes if code != "none")
    assert check_value(var, ["none"]) == ("none",)
    with pytest.raises(ValueError, match="'none' is exclusive"):
        check_value(var, ["none", other])
