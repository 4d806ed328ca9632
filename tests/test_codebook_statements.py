"""Statement-level coding (``unit: statement``) on real files: the format, the Label Studio
config, annotation checks, and agreement over matched statements.

Reference values for the agreement come from the ``krippendorff`` package (an independent
implementation, tests only) run on the reliability matrix the matching rule defines.
"""

from __future__ import annotations

import json
import math
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest

from intercoder.annotations import (
    Annotation,
    AnnotationSet,
    check_annotations,
    match_statements,
    read_annotations,
)
from intercoder.codebook.annotation_schema import annotation_schema
from intercoder.codebook.registry import load_codebook
from intercoder.codebook.render import manual_markdown, outline
from intercoder.errors import CodebookError
from intercoder.reliability import assess
from intercoder.studio.labelconfig import label_config

HEAD = """\
format: 1
codebook: stmt
version: "1.0.0"
title: {en: Statements, ru: Высказывания}
languages: [en, ru]
authors: [{name: Tester}]
sources: [{id: s1, citation: "A book."}]
changelog: [{version: "1.0.0", date: "2026-12-06", changes: [first]}]
variables:
  - id: hate_speech
    type: single_choice
    label: {en: Hate speech, ru: Язык вражды}
    definition: {en: Any hate speech., ru: Есть ли язык вражды.}
    sources: [s1]
    categories:
      - code: "yes"
        label: {en: "Yes", ru: Да}
        definition: {en: "Yes.", ru: Да.}
      - code: "no"
        label: {en: "No", ru: Нет}
        definition: {en: "No.", ru: Нет.}
"""

STATEMENTS = """\
  - id: statement
    type: spans
    unit: statement
    label: {en: Statement, ru: Высказывание}
    definition: {en: One speaker's statement., ru: Высказывание одного говорящего.}
    categories:
      - code: statement
        label: {en: Statement, ru: Высказывание}
        definition: {en: A statement., ru: Высказывание.}
"""

PER_STATEMENT = """\
  - id: speaker
    type: single_choice
    unit: statement
    label: {en: Speaker, ru: Говорящий}
    question: {en: Who speaks?, ru: Кто говорит?}
    definition: {en: Who makes the statement., ru: Кто делает высказывание.}
    categories:
      - code: official
        label: {en: Official, ru: Чиновник}
        definition: {en: An official., ru: Чиновник.}
      - code: journalist
        label: {en: Journalist, ru: Журналист}
        definition: {en: A journalist., ru: Журналист.}
      - code: user
        label: {en: User, ru: Пользователь}
        definition: {en: An ordinary user., ru: Обычный пользователь.}
  - id: target
    type: multiple_choice
    unit: statement
    label: {en: Target, ru: Цель}
    definition: {en: Whom the statement targets., ru: На кого направлено высказывание.}
    categories_from: target-groups@1.0.0
  - id: severity
    type: ordinal_scale
    unit: statement
    show_if: {variable: hate_speech, in: ["yes"]}
    label: {en: Severity, ru: Тяжесть}
    definition: {en: How severe., ru: Насколько тяжело.}
    categories:
      - code: "1"
        label: {en: Soft, ru: Мягкий}
        definition: {en: Soft., ru: Мягкий.}
      - code: "2"
        label: {en: Medium, ru: Средний}
        definition: {en: Medium., ru: Средний.}
      - code: "3"
        label: {en: Hard, ru: Жёсткий}
        definition: {en: Hard., ru: Жёсткий.}
  - id: note
    type: text
    unit: statement
    required: false
    label: {en: Note, ru: Примечание}
    definition: {en: Anything to add., ru: Что добавить.}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stmt" / "1.0.0.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return write(tmp_path, HEAD + STATEMENTS + PER_STATEMENT)


def line_of(text: str, needle: str, nth: int = 1) -> int:
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    return text[:index].count("\n") + 1


def only_error(path: Path) -> str:
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    (error,) = [str(d) for d in caught.value.diagnostics if d.severity == "error"]
    return error


# --- the format --------------------------------------------------------------------------------


def test_statement_variables_load_with_their_unit(book: Path) -> None:
    cb = load_codebook(book)
    assert cb.statement_spans is not None
    assert cb.statement_spans.id == "statement"
    assert [v.id for v in cb.statement_variables] == [
        "statement", "speaker", "target", "severity", "note",
    ]  # fmt: skip
    assert cb.variable("hate_speech").unit == "text"


def test_statement_variables_without_statements_are_a_located_error(tmp_path: Path) -> None:
    text = HEAD + PER_STATEMENT
    error = only_error(write(tmp_path, text))
    assert error.startswith(f"{os.path.relpath(tmp_path / 'stmt' / '1.0.0.yaml')}:")
    assert f":{line_of(text, 'unit: statement')}:" in error
    assert "needs the statements themselves: add a spans variable with unit: statement" in error


def test_two_statement_span_variables_are_refused(tmp_path: Path) -> None:
    second = STATEMENTS.replace("id: statement\n", "id: statement_again\n")
    text = HEAD + STATEMENTS + second + PER_STATEMENT
    error = only_error(write(tmp_path, text))
    assert f":{line_of(text, 'unit: statement', 2)}:" in error
    assert "a second spans variable with unit: statement (the first is 'statement')" in error


def test_a_text_level_question_cannot_depend_on_a_statement(tmp_path: Path) -> None:
    text = (HEAD + STATEMENTS + PER_STATEMENT).replace(
        "  - id: note\n    type: text\n    unit: statement\n",
        "  - id: note\n    type: text\n    show_if: {variable: speaker, in: [official]}\n",
    )
    error = only_error(write(tmp_path, text))
    assert f":{line_of(text, 'variable: speaker')}:" in error
    assert "'note' is coded once per text but 'speaker' once per statement" in error


def test_an_unknown_unit_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    text = (HEAD + STATEMENTS + PER_STATEMENT).replace("unit: statement", "unit: statment", 1)
    error = only_error(write(tmp_path, text))
    assert "'statment' is not one of text, statement (did you mean 'statement'?)" in error


def test_the_annotation_schema_requires_a_statements_offsets(book: Path) -> None:
    schema = annotation_schema(load_codebook(book))
    required = {
        branch["if"]["properties"]["variable"]["const"]: branch["then"].get("required")
        for branch in schema["allOf"]
    }
    assert required["speaker"] == ["start", "end"]
    assert required["statement"] == ["start", "end"]
    assert required["hate_speech"] is None


def test_the_manual_says_what_is_coded_per_statement(book: Path) -> None:
    cb = load_codebook(book)
    markdown = manual_markdown(cb, "en")
    assert "marks the statements; each is coded on its own" in markdown
    assert "*Type: single choice · Level of measurement: nominal" in markdown
    assert "coded for each statement" in markdown
    assert "ар бир" not in markdown
    assert "кодируется для каждого высказывания" in outline(cb, "ru")


# --- the Label Studio config -------------------------------------------------------------------


def test_statement_questions_are_per_region_controls_shown_for_statements(book: Path) -> None:
    config = label_config(load_codebook(book), "en")
    root = ET.fromstring(config)
    view = root.find("View[@visibleWhen='region-selected']")
    assert view is not None
    assert view.get("whenTagName") == "statement"
    names = [tag.get("name") for tag in view.iter() if tag.get("perRegion") == "true"]
    assert names == ["speaker", "target", "severity", "note"]
    for tag in view.iter():
        if tag.get("perRegion"):
            assert tag.get("toName") == "text"
            assert tag.get("whenTagName") == "statement"
            assert tag.get("required") is None  # LS would demand it on every region
    # The statements are marked with the Labels of the statement spans variable.
    labels = root.find("Labels[@name='statement']")
    assert labels is not None
    assert [label.get("alias") for label in labels] == ["statement"]
    # show_if inside the statement block still depends on the text-level answer.
    severity_view = view.find("View[@visibleWhen='choice-selected']")
    assert severity_view is not None
    assert severity_view.get("whenTagName") == "hate_speech"
    assert severity_view.find("Rating").get("name") == "severity"  # type: ignore[union-attr]
    assert '<Rating name="severity" toName="text" perRegion="true" whenTagName="statement"' in (
        config
    )


def test_text_level_questions_are_unchanged_by_statement_variables(
    book: Path, tmp_path: Path
) -> None:
    with_statements = label_config(load_codebook(book), "ru")
    alone = tmp_path / "alone"
    alone.mkdir()
    plain = label_config(load_codebook(write(alone, HEAD)), "ru")
    head, _, _ = plain.partition("</View>\n")
    text_part = head.split('<Text name="text" value="$text"/>\n', 1)[1]
    assert text_part in with_statements


# --- annotation checks -------------------------------------------------------------------------


def records_file(tmp_path: Path, rows: list[dict[str, object]]) -> Path:
    path = tmp_path / "codings.jsonl"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")
    return path


def row(coder: str, variable: str, value: object, span: tuple[int, int] | None = None) -> dict:
    out: dict[str, object] = {"unit_id": "u1", "coder_id": coder, "variable": variable}
    out["value"] = value
    if span:
        out["start"], out["end"] = span
    return out


def test_statement_codings_are_checked_where_they_are(book: Path, tmp_path: Path) -> None:
    rows = [
        row("ana", "hate_speech", "yes"),
        row("ana", "statement", "statement", (0, 20)),
        row("ana", "statement", "statement", (25, 60)),
        row("ana", "speaker", "official", (0, 20)),
        row("ana", "speaker", "user", (25, 60)),  # a second statement: fine
        row("ana", "speaker", "journalist", (0, 20)),  # line 6: the same statement twice
        row("ana", "speaker", "journalist"),  # line 7: no offsets
        row("ana", "target", ["kazakhs", "lyuli"], (30, 40)),  # line 8: not a statement
        row("ana", "severity", "2", (25, 60)),
    ]
    data = records_file(tmp_path, rows)
    checked = check_annotations(read_annotations(data), load_codebook(book))
    assert [str(p) for p in checked.problems] == [
        f"{data}:6: coder 'ana' coded statement 0-20 of unit 'u1' twice for speaker "
        f"(first at {data}:4)",
        f"{data}:7: speaker: a coding of a statement (unit: statement) needs start < end "
        "(got start=none, end=none)",
        f"{data}:8: target: coder 'ana' coded a statement at 30-40 of unit 'u1' but did not "
        "mark it as a statement (statement with the same start and end)",
    ]
    assert len(checked.annotations) == 6


# --- agreement over matched statements ---------------------------------------------------------

# Three coders, one text of 200 characters. Statements (start, end, speaker):
MARKED = {
    "ana": [(0, 40, "official"), (50, 100, "journalist"), (120, 160, "user"), (170, 190, "user")],
    "bo": [(2, 38, "official"), (55, 100, "official"), (118, 165, "user")],
    "cy": [(0, 42, "journalist"), (48, 101, "journalist"), (185, 199, "user")],
}
# The matching the rule gives (intersection over union > 1/2, checked by hand):
#   S1: ana 0-40, bo 2-38 (36/40), cy 0-42 (40/42)           -> official, official, journalist
#   S2: ana 50-100, bo 55-100 (45/50), cy 48-101 (50/53)     -> journalist, official, journalist
#   S3: ana 120-160, bo 118-165 (40/47)                      -> user, user
#   ana 170-190 and cy 185-199 overlap 5 of 29: unmatched.
EXPECTED_MATRIX = [
    # S1          S2            S3
    ["official", "journalist", "user"],  # ana
    ["official", "official", "user"],  # bo
    ["journalist", "journalist", None],  # cy
]


def marked_set() -> AnnotationSet:
    records = []
    for coder, statements in MARKED.items():
        for start, end, speaker in statements:
            for variable, value in (("statement", "statement"), ("speaker", speaker)):
                records.append(Annotation("u1", coder, variable, value, start=start, end=end))
    return AnnotationSet.from_records(records)


def test_statements_are_matched_by_intersection_over_union(book: Path) -> None:
    cb = load_codebook(book)
    matched = match_statements(check_annotations(marked_set(), cb).annotations, cb)
    assert matched.unmatched == 2
    assert matched.parent == {"u1@0-42": "u1", "u1@48-101": "u1", "u1@118-165": "u1"}
    speakers = matched.annotations.for_variable("speaker")
    got = {
        (u, c): v
        for u, c, v in zip(speakers.unit_id, speakers.coder_id, speakers.value, strict=True)
    }
    units = ["u1@0-42", "u1@48-101", "u1@118-165"]
    matrix = [[got.get((u, c)) for u in units] for c in ("ana", "bo", "cy")]
    assert matrix == EXPECTED_MATRIX
    # The statement spans themselves stay as they were (their boundaries get u-alpha).
    assert len(matched.annotations.for_variable("statement")) == 10


def test_agreement_on_a_statement_variable_is_alpha_over_the_matched_statements(
    book: Path,
) -> None:
    cb = load_codebook(book)
    matched = match_statements(check_annotations(marked_set(), cb).annotations, cb)
    report = assess(matched.annotations, cb)
    speaker = next(v for v in report.variables if v.variable == "speaker")
    codes = {"official": 0, "journalist": 1, "user": 2}
    reference = krippendorff.alpha(
        reliability_data=np.array(
            [[np.nan if v is None else codes[v] for v in line] for line in EXPECTED_MATRIX]
        ),
        level_of_measurement="nominal",
    )
    assert speaker.alpha == pytest.approx(reference, abs=1e-12)
    assert speaker.n_units == 3
    boundaries = next(v for v in report.variables if v.variable == "statement")
    assert math.isfinite(boundaries.alpha)
    assert boundaries.coefficient == "krippendorff_alpha_u"


def test_statements_are_grouped_through_any_coder(book: Path) -> None:
    cb = load_codebook(book)
    spans = [("ana", 0, 10), ("ana", 10, 20), ("bo", 0, 20), ("cy", 0, 11), ("cy", 11, 19)]
    records = []
    for coder, start, end in spans:
        records.append(Annotation("u1", coder, "statement", "statement", start=start, end=end))
        records.append(Annotation("u1", coder, "speaker", "user", start=start, end=end))
    matched = match_statements(AnnotationSet.from_records(records), cb)
    # ana 0-10 ~ cy 0-11 (10/11) and cy 0-11 ~ bo 0-20 (11/20), although ana 0-10 and bo 0-20
    # share only half (10/20, not more): one group. ana 10-20 ~ cy 11-19 (8/10): another.
    assert sorted(matched.parent) == ["u1@0-20", "u1@10-20"]
    assert matched.unmatched == 0
    speakers = matched.annotations.for_variable("speaker")
    assert sorted(zip(speakers.unit_id, speakers.coder_id, strict=True)) == [
        ("u1@0-20", "ana"), ("u1@0-20", "bo"), ("u1@0-20", "cy"),
        ("u1@10-20", "ana"), ("u1@10-20", "cy"),
    ]  # fmt: skip


def test_linked_statements_of_one_coder_make_an_ambiguous_group(book: Path) -> None:
    cb = load_codebook(book)
    spans = [("ana", 0, 10), ("bo", 1, 12), ("ana", 12, 20), ("cy", 3, 16)]
    records = []
    for coder, start, end in spans:
        records.append(Annotation("u1", coder, "statement", "statement", start=start, end=end))
        records.append(Annotation("u1", coder, "speaker", "user", start=start, end=end))
    # bo 1-12 links ana 0-10 (9/12) and cy 3-16 (9/15); cy 3-16 links ana 12-20 (4/17: no).
    matched = match_statements(AnnotationSet.from_records(records), cb)
    assert sorted(matched.parent) == ["u1@0-16"]
    records.append(Annotation("u1", "ana", "statement", "statement", start=4, end=14))
    # (one coder's statements may not overlap, but matching must not loop on it either)
    again = match_statements(AnnotationSet.from_records(records), cb)
    assert again.parent == {}
    assert again.unmatched == 5


def test_a_codebook_without_statements_is_left_alone(tmp_path: Path) -> None:
    cb = load_codebook(write(tmp_path, HEAD))
    aset = AnnotationSet.from_records([Annotation("u1", "ana", "hate_speech", "yes")])
    matched = match_statements(aset, cb)
    assert matched.annotations is aset


def test_coding_a_variable_per_statement_is_a_major_change(book: Path, tmp_path: Path) -> None:
    from intercoder.codebook.diff import diff_codebooks

    old = tmp_path / "old"
    old.mkdir()
    text = (HEAD + STATEMENTS + PER_STATEMENT).replace(
        "  - id: speaker\n    type: single_choice\n    unit: statement\n",
        "  - id: speaker\n    type: single_choice\n",
    )
    before = load_codebook(write(old, text))
    changes = diff_codebooks(before, load_codebook(book)).changes
    assert [(c.kind, c.where, c.what) for c in changes] == [
        ("major", "speaker", "now coded per statement instead of per text")
    ]


def test_level_statement_points_at_unit(tmp_path: Path) -> None:
    text = (HEAD + STATEMENTS + PER_STATEMENT).replace(
        "  - id: speaker\n    type: single_choice\n    unit: statement\n",
        "  - id: speaker\n    type: single_choice\n    unit: statement\n    level: statement\n",
    )
    error = only_error(write(tmp_path, text))
    assert f":{line_of(text, 'level: statement')}:" in error
    assert error.endswith(
        "'statement' is not one of nominal, ordinal, interval, ratio; "
        "to say what is coded, write unit: statement"
    )


# --- the statements reach agreement and the readers without a manual step ----------------------


def test_assess_matches_the_statements_itself(book: Path) -> None:
    """``assess`` on codings as read (statement codings keyed on their text) gives the alpha over
    matched statements, not over texts: the same value as matching them first."""
    cb = load_codebook(book)
    codings = check_annotations(marked_set(), cb).annotations
    direct = next(v for v in assess(codings, cb).variables if v.variable == "speaker")
    matched = match_statements(codings, cb)
    first = next(v for v in assess(matched.annotations, cb).variables if v.variable == "speaker")
    assert direct.n_units == 3
    assert direct.alpha == pytest.approx(first.alpha, abs=1e-12)
    assert any("matched no other coder's" in note for note in direct.notes)


def test_label_studio_per_region_choices_keep_their_statement_offsets(
    book: Path, tmp_path: Path
) -> None:
    """A perRegion control's result carries its region's start and end: the reader keeps them,
    so a statement coding pulled from Label Studio sits at its statement."""
    from intercoder.formats.labelstudio import read_labelstudio

    text = "Officials said one thing. A user answered another thing entirely."
    regions = {"ana": [(0, 25, "official"), (26, 65, "user")], "bo": [(0, 24, "official")]}
    annotations = []
    for number, (coder, spans) in enumerate(regions.items(), start=1):
        result = []
        for index, (start, end, speaker) in enumerate(spans):
            region = {"start": start, "end": end, "text": text[start:end]}
            result.append(
                {
                    "id": f"r{index}",
                    "from_name": "statement",
                    "to_name": "text",
                    "type": "labels",
                    "value": {**region, "labels": ["statement"]},
                }
            )
            result.append(
                {
                    "id": f"r{index}",
                    "from_name": "speaker",
                    "to_name": "text",
                    "type": "choices",
                    "value": {**region, "choices": [speaker]},
                }
            )
        annotations.append(
            {"id": number, "completed_by": {"email": f"{coder}@example.org"}, "result": result}
        )
    path = tmp_path / "export.json"
    path.write_text(
        json.dumps(
            [{"id": 7, "data": {"unit_id": "u1", "text": text}, "annotations": annotations}]
        ),
        encoding="utf-8",
    )
    read = read_labelstudio(path)
    speakers = read.annotations.for_variable("speaker")
    got = sorted(
        zip(
            speakers.coder_id,
            speakers.start.tolist(),
            speakers.end.tolist(),
            speakers.value,
            strict=True,
        )
    )
    assert got == [
        ("ana@example.org", 0, 25, "official"),
        ("ana@example.org", 26, 65, "user"),
        ("bo@example.org", 0, 24, "official"),
    ]
    cb = load_codebook(book)
    checked = check_annotations(read.annotations, cb)
    assert checked.problems == ()
    assert match_statements(checked.annotations, cb).parent == {"u1@0-25": "u1"}


def test_codebook_validate_takes_a_shared_vocabulary(run_cli: Any, tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1] / "codebooks" / "vocabularies"
    good = root / "target-groups" / "1.0.0.yaml"
    proc = run_cli("codebook", "validate", "--strict", str(good))
    assert proc.returncode == 0, proc.stderr
    assert "vocabulary target-groups@1.0.0" in proc.stdout
    broken = tmp_path / "vocabularies" / "target-groups" / "1.0.0.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        good.read_text(encoding="utf-8").replace("kind: categories", "kind: sandwiches", 1),
        encoding="utf-8",
    )
    proc = run_cli("codebook", "validate", str(broken))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "vocabularies/target-groups/1.0.0.yaml:5:" in proc.stderr  # the file, at `kind:`
