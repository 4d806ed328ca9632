"""intercoder-spss: wide SPSS and Stata files, read back with pyreadstat as the oracle.

The ``intercoder_plugins``, ``sample_codebook`` and ``sample_annotations`` fixtures come from
``intercoder.testing`` (installed with intercoder as a pytest plugin).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import intercoder_spss
import pyreadstat
import pytest
from intercoder_spss import SPSS, STATA, Limit, SpssFormat, StataFormat, wide_layout

import intercoder
from intercoder.annotations import (
    Annotation,
    AnnotationError,
    AnnotationSet,
    check_annotations,
    read_annotations,
)
from intercoder.codebook.model import Codebook
from intercoder.errors import IntercoderError

READERS = {"spss": pyreadstat.read_sav, "stata": pyreadstat.read_dta}
SUFFIX = {"spss": ".sav", "stata": ".dta"}
FORMATS = pytest.mark.parametrize("fmt", ["spss", "stata"])


@pytest.fixture
def exporters(intercoder_plugins: Any) -> dict[str, Any]:
    """The plugin's exporters, as the host registered them."""
    intercoder_plugins.register(intercoder_spss)
    return dict(intercoder_plugins.host.exporters())


#: The tests below name codes of the 1.0.x target taxonomy and severity scale (uzbeks,
#: severity 0); 2.0.0 retired them, so the exporter is tested on the last 1.0.x release.
HATE_SPEECH = "hate-speech@1.0.1"


@pytest.fixture
def hate_speech() -> Codebook:
    return intercoder.load_codebook(HATE_SPEECH)


def write_and_read(
    exporter: Any, annotations: AnnotationSet, codebook: Codebook | None, path: Path
) -> tuple[Any, Any]:
    exporter.write(annotations, path, codebook)
    return READERS[exporter.name](path)


def records(*rows: tuple[Any, ...], book: str = HATE_SPEECH) -> AnnotationSet:
    """Annotations from (unit, coder, variable, value[, start, end]) tuples."""
    out = []
    for row in rows:
        unit, coder, variable, value, *span = row
        start, end = span or (None, None)
        out.append(Annotation(unit, coder, variable, value, codebook=book, start=start, end=end))
    return AnnotationSet.from_records(out)


def same(actual: list[Any], expected: list[Any]) -> bool:
    """Lists equal, NaN equal to NaN (missing values)."""

    def norm(v: Any) -> Any:
        return "NaN" if isinstance(v, float) and math.isnan(v) else v

    return [norm(v) for v in actual] == [norm(v) for v in expected]


NAN = float("nan")


def files_in(directory: Path) -> list[str]:
    """The names of the files (not directories) in ``directory``: outputs and leftovers."""
    return sorted(p.name for p in directory.iterdir() if p.is_file())


# --- registration ------------------------------------------------------------------------------


def test_registered_as_exporters_and_importers(intercoder_plugins: Any) -> None:
    intercoder_plugins.register(intercoder_spss)
    exporters = intercoder_plugins.host.exporters()
    importers = intercoder_plugins.host.importers()
    assert isinstance(exporters["spss"], SpssFormat)
    assert isinstance(exporters["stata"], StataFormat)
    assert (exporters["spss"].extension, exporters["stata"].extension) == (".sav", ".dta")
    assert importers["spss"].extensions == (".sav",)
    assert importers["stata"].extensions == (".dta",)


def test_registering_loads_no_heavy_module() -> None:
    code = (
        "import sys, intercoder_spss\n"
        "heavy = {'numpy', 'pandas', 'pyreadstat'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert proc.stdout.strip() == "[]"


# --- the sample codebook: values, variable labels, value labels ---------------------------------


@FORMATS
def test_sample_values_and_english_labels(
    fmt: str,
    exporters: dict[str, Any],
    sample_codebook: Codebook,
    sample_annotations: AnnotationSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(intercoder_spss.LANG_ENV, raising=False)
    frame, meta = write_and_read(
        exporters[fmt], sample_annotations, sample_codebook, tmp_path / f"out{SUFFIX[fmt]}"
    )
    assert list(frame.columns) == ["unit_id", "coder_id", "group_mentioned", "tone"]
    # one row per (unit, coder), sorted by unit then coder
    assert list(zip(frame["unit_id"], frame["coder_id"], strict=True)) == [
        (f"t{u}", c) for u in range(1, 5) for c in ("ana", "bek", "dil")
    ]
    answers = {
        "ana": ["yes", "yes", "no", "no"],
        "bek": ["yes", "yes", "no", "yes"],
        "dil": ["yes", "no", "no", "no"],
    }
    expected = [
        {"yes": 1.0, "no": 2.0}[answers[c][u]] for u in range(4) for c in ("ana", "bek", "dil")
    ]
    assert frame["group_mentioned"].tolist() == expected
    assert same(frame["tone"].tolist(), [NAN] * 12)
    assert meta.column_names_to_labels == {
        "unit_id": None,
        "coder_id": None,
        "group_mentioned": "Group mentioned",
        "tone": "Tone",
    }
    assert meta.variable_value_labels == {
        "group_mentioned": {1: "Yes", 2: "No"},
        "tone": {1: "Hostile", 2: "Neutral", 3: "Friendly"},
    }
    assert meta.file_label == "sample@1.0.0"
    if fmt == "spss":
        assert meta.file_encoding == "UTF-8"
        assert meta.variable_measure == {
            "unit_id": "nominal",
            "coder_id": "nominal",
            "group_mentioned": "nominal",
            "tone": "ordinal",
        }


@FORMATS
def test_russian_labels_through_the_environment(
    fmt: str,
    exporters: dict[str, Any],
    sample_codebook: Codebook,
    sample_annotations: AnnotationSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTERCODER_LABEL_LANG", "ru")
    _, meta = write_and_read(
        exporters[fmt], sample_annotations, sample_codebook, tmp_path / f"out{SUFFIX[fmt]}"
    )
    assert meta.column_names_to_labels == {
        "unit_id": None,
        "coder_id": None,
        "group_mentioned": "Упомянута группа",
        "tone": "Тон",
    }
    assert meta.variable_value_labels == {
        "group_mentioned": {1: "Да", 2: "Нет"},
        "tone": {1: "Враждебный", 2: "Нейтральный", 3: "Дружелюбный"},
    }


def test_lang_argument_wins_over_the_environment(
    sample_codebook: Codebook,
    sample_annotations: AnnotationSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTERCODER_LABEL_LANG", "ru")
    path = tmp_path / "out.sav"
    SpssFormat(lang="en").write(sample_annotations, path, sample_codebook)
    assert pyreadstat.read_sav(path)[1].column_names_to_labels["tone"] == "Tone"


def test_unknown_label_language_is_one_clear_error(
    sample_codebook: Codebook,
    sample_annotations: AnnotationSet,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTERCODER_LABEL_LANG", "de")
    with pytest.raises(IntercoderError) as caught:
        SpssFormat().write(sample_annotations, tmp_path / "out.sav", sample_codebook)
    assert str(caught.value) == (
        "INTERCODER_LABEL_LANG=de is not a language of sample@1.0.0 (en, ru)"
    )
    assert files_in(tmp_path) == []


@FORMATS
def test_codebook_is_required(
    fmt: str, exporters: dict[str, Any], sample_annotations: AnnotationSet, tmp_path: Path
) -> None:
    with pytest.raises(IntercoderError) as caught:
        exporters[fmt].write(sample_annotations, tmp_path / f"out{SUFFIX[fmt]}", None)
    message = str(caught.value)
    assert message == (
        f"the {fmt} exporter needs a codebook for its variable and value labels: add --codebook REF"
    )
    assert "\n" not in message
    assert files_in(tmp_path) == []


# --- the hate-speech codebook: a multiple-choice tree, ordinal scales, text, spans --------------

HATE_ROWS = (
    ("u1", "ana", "hate_speech", "yes"),
    ("u1", "ana", "target_group", ["uzbeks", "religion"]),  # a child and a parent category
    ("u1", "ana", "severity", "2"),
    ("u1", "ana", "notes", "Сатира? Ирония — «узбеки» в кавычках."),
    ("u1", "ana", "evidence", "target_mention", 0, 7),  # a span: not in the wide file
    ("u1", "bek", "hate_speech", "no"),
    ("u1", "bek", "target_group", []),  # coded, nothing chosen: zeros, not missing
    ("u2", "ana", "hate_speech", "yes"),  # target_group not coded: missing
    ("u2", "ana", "target_group", ["sexual_orientation_gender_identity"]),
    ("u2", "ana", "evidence", "hateful_expression", 3, 9),
    ("u10", "bek", "severity", "0"),
    ("u3", "dil", "evidence", "call_to_action", 0, 4),  # only a span: a row of missing values
)


@FORMATS
def test_hate_speech_wide_layout_values_and_labels(
    fmt: str,
    exporters: dict[str, Any],
    hate_speech: Codebook,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("INTERCODER_LABEL_LANG", raising=False)
    frame, meta = write_and_read(
        exporters[fmt], records(*HATE_ROWS), hate_speech, tmp_path / f"hs{SUFFIX[fmt]}"
    )
    target = hate_speech.variable("target_group")
    long_name = {
        "spss": "target_group__sexual_orientation_gender_identity",
        "stata": "target_group__sexual_orientation",  # cut to 32 characters
    }[fmt]
    dummies = [f"target_group__{code}" for code in target.codes]
    dummies[dummies.index("target_group__sexual_orientation_gender_identity")] = long_name
    assert list(frame.columns)[:3] == ["unit_id", "coder_id", "hate_speech"]
    assert list(frame.columns)[3 : 3 + len(dummies)] == dummies
    assert "evidence" not in frame.columns  # spans are left out
    assert list(frame.columns)[-1] == "notes"
    assert len(frame.columns) == 2 + 1 + len(dummies) + 10 + 11 + 1  # 10 forms, 11 scales
    if fmt == "stata":
        assert all(len(name) <= 32 for name in frame.columns)
        assert "form__justification_or_denial_of" in frame.columns

    # rows: sorted (unit, coder) pairs, including the pair that has only a span
    assert list(zip(frame["unit_id"], frame["coder_id"], strict=True)) == [
        ("u1", "ana"),
        ("u1", "bek"),
        ("u10", "bek"),
        ("u2", "ana"),
        ("u3", "dil"),
    ]
    assert same(frame["hate_speech"].tolist(), [1.0, 2.0, NAN, 1.0, NAN])
    assert same(frame["severity"].tolist(), [3.0, NAN, 1.0, NAN, NAN])  # codes 0..3 -> 1..4
    assert same(frame["target_group__uzbeks"].tolist(), [1.0, 0.0, NAN, 0.0, NAN])
    assert same(frame["target_group__religion"].tolist(), [1.0, 0.0, NAN, 0.0, NAN])
    assert same(frame["target_group__ethnicity"].tolist(), [0.0, 0.0, NAN, 0.0, NAN])
    assert same(frame[long_name].tolist(), [0.0, 0.0, NAN, 1.0, NAN])
    assert same(frame["form__threat"].tolist(), [NAN] * 5)
    assert frame["notes"].tolist() == ["Сатира? Ирония — «узбеки» в кавычках.", "", "", "", ""]

    labels = meta.column_names_to_labels
    assert labels["hate_speech"] == "Hate speech present"
    assert labels["target_group__uzbeks"] == "Target group: Uzbeks"
    assert labels[long_name] == "Target group: Sexual orientation and gender identity"
    assert labels["severity"] == "Severity (SOVA scale)"
    assert labels["notes"] == "Notes"
    assert meta.variable_value_labels["severity"] == {1: "None", 2: "Soft", 3: "Medium", 4: "Hard"}
    assert meta.variable_value_labels["stance"] == {
        1: "Endorses",
        2: "Reports",
        3: "Debunks",
        4: "Unclear",
    }
    # no value labels on the 0/1, number and text columns
    assert not any(name.startswith("target_group__") for name in meta.variable_value_labels)
    assert "notes" not in meta.variable_value_labels
    assert meta.file_label == HATE_SPEECH


@FORMATS
@pytest.mark.parametrize(
    ("lang", "group", "uzbeks", "severity"),
    [
        (
            "ru",
            "Целевая группа",
            "Узбеки",
            {1: "Отсутствует", 2: "Мягкий", 3: "Средний", 4: "Жёсткий"},
        ),
        ("uz-Cyrl", "Нишон гуруҳ", None, None),
        ("ky", "Бутага алынган топ", None, None),
    ],
)
def test_hate_speech_cyrillic_labels(
    fmt: str,
    lang: str,
    group: str,
    uzbeks: str | None,
    severity: dict[int, str] | None,
    hate_speech: Codebook,
    tmp_path: Path,
) -> None:
    exporter = SpssFormat(lang=lang) if fmt == "spss" else StataFormat(lang=lang)
    _, meta = write_and_read(
        exporter, records(*HATE_ROWS), hate_speech, tmp_path / f"hs{SUFFIX[fmt]}"
    )
    target = hate_speech.variable("target_group")
    assert target.label[lang] == group
    for code in target.codes:
        name = f"target_group__{code}"[: 32 if fmt == "stata" else 64]
        label = f"{group}: {target.category(code).label[lang]}"
        assert meta.column_names_to_labels[name] == (
            label if fmt == "spss" or len(label) <= 80 else label[:79].rstrip() + "…"
        )
    if uzbeks is not None:
        assert meta.column_names_to_labels["target_group__uzbeks"] == f"{group}: {uzbeks}"
    if severity is not None:
        assert meta.variable_value_labels["severity"] == severity
    for var in hate_speech.variables:
        if var.type in ("single_choice", "ordinal_scale"):
            assert meta.variable_value_labels[var.id] == {
                i: var.category(code).label[lang] for i, code in enumerate(var.codes, start=1)
            }
            assert meta.column_names_to_labels[var.id] == var.label[lang]


def test_stata_cuts_long_cyrillic_variable_labels(hate_speech: Codebook, tmp_path: Path) -> None:
    _, meta = write_and_read(
        StataFormat(lang="ru"), records(*HATE_ROWS), hate_speech, tmp_path / "hs.dta"
    )
    full = "Целевая группа: Этническая принадлежность, национальность, раса или происхождение"
    assert len(full) == 81
    cut = meta.column_names_to_labels["target_group__ethnicity"]
    assert cut == full[:79] + "…"
    assert len(cut) == 80
    # SPSS allows 255 bytes: the same label (153 bytes) is kept whole
    _, meta = write_and_read(
        SpssFormat(lang="ru"), records(*HATE_ROWS), hate_speech, tmp_path / "hs.sav"
    )
    assert meta.column_names_to_labels["target_group__ethnicity"] == full


# --- names, numbers, text, limits (a codebook made for the edge cases) -------------------------

EDGE_CODEBOOK = """\
format: 1
codebook: edge
version: 2.1.0
title: {en: Edge cases, ru: Крайние случаи}
languages: [en, ru]
authors:
  - {name: intercoder-spss tests}
sources:
  - id: krippendorff-2004
    citation: "Krippendorff, K. (2004). Content Analysis."
changelog:
  - {version: 2.1.0, date: "2026-01-01", changes: [Edge cases.]}
variables:
  - id: with
    type: single_choice
    label: {en: "A reserved word in SPSS", ru: "Зарезервированное слово"}
    definition: {en: With., ru: С.}
    categories:
      - {code: a, label: {en: A, ru: А}, definition: {en: A., ru: А.}}
      - {code: b, label: {en: "LONG", ru: "LABEL"}, definition: {en: B., ru: Б.}}
  - id: if
    type: number
    min: 0
    label: {en: "A reserved word in Stata", ru: "Возраст"}
    definition: {en: If., ru: Если.}
  - id: unit_id
    type: text
    label: {en: "Collides with the unit id column", ru: "Текст"}
    definition: {en: Text., ru: Текст.}
  - id: a_very_long_variable_name_for_stata_limits
    type: single_choice
    label: {en: First long, ru: Первая длинная}
    definition: {en: Long., ru: Длинная.}
    categories:
      - {code: x, label: {en: X, ru: Х}, definition: {en: X., ru: Х.}}
  - id: a_very_long_variable_name_for_stata_limits_too
    type: single_choice
    label: {en: Second long, ru: Вторая длинная}
    definition: {en: Long., ru: Длинная.}
    categories:
      - {code: x, label: {en: X, ru: Х}, definition: {en: X., ru: Х.}}
  - id: topics
    type: multiple_choice
    label: {en: Topics, ru: Темы}
    definition: {en: Topics., ru: Темы.}
    categories:
      - {code: anti-roma, label: {en: Anti-Roma, ru: Антицыганизм}, definition: {en: R., ru: Р.}}
      - {code: anti_roma, label: {en: Anti Roma, ru: Антицыганский}, definition: {en: R., ru: Р.}}
      - {code: 2nd, label: {en: Second, ru: Второй}, definition: {en: S., ru: В.}}
"""


@pytest.fixture
def edge(tmp_path: Path) -> Codebook:
    long_label = " ".join(["Очень длинная метка"] * 10)  # 199 characters, 369 bytes
    text = EDGE_CODEBOOK.replace('"LABEL"', json.dumps(long_label, ensure_ascii=False))
    text = text.replace('"LONG"', json.dumps("x" * 130))
    path = tmp_path / "edge" / "2.1.0.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return intercoder.load_codebook(path)


EDGE_NAMES = {
    "spss": [
        "unit_id",
        "coder_id",
        "with_",
        "if",
        "unit_id_2",
        "a_very_long_variable_name_for_stata_limits",
        "a_very_long_variable_name_for_stata_limits_too",
        "topics__anti_roma",
        "topics__anti_roma_2",
        "topics__2nd",
    ],
    "stata": [
        "unit_id",
        "coder_id",
        "with_",
        "if_",
        "unit_id_2",
        "a_very_long_variable_name_fo",  # value-labelled columns: 28 characters
        "a_very_long_variable_name__2",  # cut to 28, then the tail gives way to _2
        "topics__anti_roma",
        "topics__anti_roma_2",
        "topics__2nd",
    ],
}


@FORMATS
def test_column_names_are_valid_unique_and_documented(fmt: str, edge: Codebook) -> None:
    file_format = SPSS if fmt == "spss" else STATA
    assert [c.name for c in wide_layout(edge, file_format)] == EDGE_NAMES[fmt]


@FORMATS
def test_edge_file_names_numbers_text_and_label_limits(
    fmt: str, exporters: dict[str, Any], edge: Codebook, tmp_path: Path
) -> None:
    rows = records(
        ("u1", "ana", "with", "b"),
        ("u1", "ana", "if", 41),
        ("u1", "ana", "unit_id", "Текст с «кавычками»\nи второй строкой"),
        ("u1", "ana", "topics", ["anti_roma", "2nd"]),
        ("u1", "ana", "a_very_long_variable_name_for_stata_limits_too", "x"),
        ("u2", "ana", "if", "2.5"),
        ("u2", "ana", "unit_id", "ж" * 1500),  # 3000 bytes: a Stata strL
        book="edge@2.1.0",
    )
    frame, meta = write_and_read(exporters[fmt], rows, edge, tmp_path / f"e{SUFFIX[fmt]}")
    names = EDGE_NAMES[fmt]
    assert list(frame.columns) == names
    assert frame["unit_id"].tolist() == ["u1", "u2"]
    assert frame["unit_id_2"].tolist() == ["Текст с «кавычками»\nи второй строкой", "ж" * 1500]
    assert same(frame[names[3]].tolist(), [41.0, 2.5])
    assert same(frame["with_"].tolist(), [2.0, NAN])
    assert same(frame[names[5]].tolist(), [NAN, NAN])
    assert same(frame[names[6]].tolist(), [1.0, NAN])
    assert same(frame["topics__anti_roma"].tolist(), [0.0, NAN])  # anti-roma
    assert same(frame["topics__anti_roma_2"].tolist(), [1.0, NAN])  # anti_roma
    assert same(frame["topics__2nd"].tolist(), [1.0, NAN])
    assert meta.column_names_to_labels["topics__anti_roma"] == "Topics: Anti-Roma"
    assert meta.column_names_to_labels["topics__anti_roma_2"] == "Topics: Anti Roma"
    assert meta.file_label == "edge@2.1.0"
    long_value_label = meta.variable_value_labels["with_"][2]
    if fmt == "spss":  # value labels: 120 bytes at most
        assert long_value_label == "x" * 117 + "…"
        assert len(long_value_label.encode()) == 120
        assert meta.variable_measure[names[3]] == "scale"
    else:  # Stata value labels may be long
        assert long_value_label == "x" * 130


def test_spss_value_labels_are_cut_on_a_character_boundary(edge: Codebook, tmp_path: Path) -> None:
    rows = records(("u1", "ana", "with", "b"), book="edge@2.1.0")
    _, meta = write_and_read(SpssFormat(lang="ru"), rows, edge, tmp_path / "e.sav")
    full = edge.variable("with").category("b").label["ru"]
    assert len(full) == 199
    assert len(full.encode()) == 369  # "Очень длинная метка " is 37 bytes
    # 3 × 37 bytes + "Оче" (6 bytes) + "…" (3 bytes) = 120 bytes
    assert meta.variable_value_labels["with_"] == {1: "А", 2: full[:63] + "…"}
    _, meta = write_and_read(StataFormat(lang="ru"), rows, edge, tmp_path / "e.dta")
    assert meta.variable_value_labels["with_"] == {1: "А", 2: full}


def test_limit_fit() -> None:
    assert Limit(5, "chars").fit("abcde") == "abcde"
    assert Limit(5, "chars").fit("abcdef") == "abcd…"
    assert Limit(5, "chars").fit("abc  def") == "abc…"
    assert Limit(7, "bytes").fit("жжж") == "жжж"  # 6 bytes
    assert Limit(7, "bytes").fit("жжжж") == "жж…"  # 4 bytes of ж + 3 bytes of …
    assert Limit(8, "bytes").fit("жжжж") == "жжжж"  # 8 bytes
    assert Limit(9, "bytes").fit("жжжжж") == "жжж…"
    assert Limit(8, "bytes").fit("жжжжж") == "жж…"  # never half a character: 7 bytes


def require_pspp() -> str:
    """GNU PSPP's command, or a failed test with the install hint (never a silent skip)."""
    pspp = shutil.which("pspp")
    if pspp is None:
        pytest.fail(
            "GNU PSPP is missing: the cross-check of the .sav files needs it "
            "(`apt-get install pspp`; CI installs it)",
            pytrace=False,
        )
    return pspp


def test_gnu_pspp_reads_values_and_cyrillic_labels(hate_speech: Codebook, tmp_path: Path) -> None:
    """An oracle independent of ReadStat: GNU PSPP's own .sav reader."""
    pspp = require_pspp()
    SpssFormat(lang="ru").write(records(*HATE_ROWS), tmp_path / "hs.sav", hate_speech)
    (tmp_path / "show.sps").write_text(
        "GET FILE='hs.sav'.\n"
        "LIST /VARIABLES=unit_id coder_id hate_speech target_group__uzbeks severity.\n"
        "DISPLAY DICTIONARY /VARIABLES=severity.\n",
        encoding="utf-8",
    )
    subprocess.run([pspp, "-o", "out.csv", "show.sps"], cwd=tmp_path, check=True, timeout=60)
    tables = (tmp_path / "out.csv").read_text(encoding="utf-8").split("\n\n")
    assert tables[0].splitlines() == [
        "Table: Data List",
        "unit_id,coder_id,hate_speech,target_group__uzbeks,severity",
        "u1,ana,1,1,3",
        "u1,bek,2,0,.",
        "u10,bek,.,.,1",
        "u2,ana,1,0,.",
        "u3,dil,.,.,.",
    ]
    assert (
        tables[1]
        .splitlines()[2]
        .startswith("severity,34,Степень тяжести (шкала «СОВА»),Ordinal,Input,8,Right,F8.0,F8.0")
    )
    assert tables[2].splitlines() == [
        "Table: Value Labels",
        "Variable Value,,Label",
        "Степень тяжести (шкала «СОВА»),1,Отсутствует",
        ",2,Мягкий",
        ",3,Средний",
        ",4,Жёсткий",
    ]


# --- refusing bad input; writing atomically ----------------------------------------------------


def test_records_that_do_not_fit_the_codebook_are_refused(
    hate_speech: Codebook, tmp_path: Path
) -> None:
    path = tmp_path / "hs.sav"
    path.write_bytes(b"old")
    bad = records(("u1", "ana", "hate_speech", "maybe"), ("u1", "ana", "target_group", ["uzbek"]))
    with pytest.raises(AnnotationError) as caught:
        SpssFormat().write(bad, path, hate_speech)
    messages = [d.message for d in caught.value.diagnostics]
    assert len(messages) == 2
    assert "'maybe' is not a code of hate_speech" in messages[0]
    assert "did you mean 'uzbeks'?" in messages[1]
    assert path.read_bytes() == b"old"
    assert files_in(tmp_path) == ["hs.sav"]


def test_nothing_to_export_is_an_error(hate_speech: Codebook, tmp_path: Path) -> None:
    with pytest.raises(IntercoderError, match="no annotation records to export"):
        StataFormat().write(records(), tmp_path / "empty.dta", hate_speech)
    assert files_in(tmp_path) == []


@FORMATS
def test_a_failing_write_leaves_the_old_file_and_no_temporary(
    fmt: str,
    hate_speech: Codebook,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / f"hs{SUFFIX[fmt]}"
    path.write_bytes(b"old")
    writer = "write_sav" if fmt == "spss" else "write_dta"

    def half_then_fail(frame: Any, dst: str, **options: Any) -> None:
        Path(dst).write_bytes(b"half a file")
        raise pyreadstat.ReadstatError("disk full")

    monkeypatch.setattr(pyreadstat, writer, half_then_fail)
    exporter = SpssFormat() if fmt == "spss" else StataFormat()
    with pytest.raises(IntercoderError) as caught:
        exporter.write(records(*HATE_ROWS), path, hate_speech)
    title = "SPSS" if fmt == "spss" else "Stata"
    assert str(caught.value) == f"{path}: cannot write the {title} file: disk full"
    assert path.read_bytes() == b"old"
    assert files_in(tmp_path) == [path.name]


def test_the_written_file_replaces_the_old_one_with_its_mode(
    hate_speech: Codebook, tmp_path: Path
) -> None:
    path = tmp_path / "hs.sav"
    path.write_bytes(b"old")
    path.chmod(0o640)
    SpssFormat().write(records(*HATE_ROWS), path, hate_speech)
    assert path.read_bytes()[:4] == b"$FL2"
    assert path.stat().st_mode & 0o777 == 0o640
    assert files_in(tmp_path) == ["hs.sav"]


# --- reading back ------------------------------------------------------------------------------


def canonical(annotations: AnnotationSet, codebook: Codebook) -> set[tuple[Any, ...]]:
    checked = check_annotations(annotations, codebook)
    assert not checked.problems
    return {
        (r.unit_id, r.coder_id, r.variable, r.value)
        for r in checked.annotations
        if codebook.variable(r.variable).type != "spans"
    }


@FORMATS
def test_round_trip_through_the_importer(
    fmt: str, intercoder_plugins: Any, hate_speech: Codebook, tmp_path: Path
) -> None:
    intercoder_plugins.register(intercoder_spss)
    path = tmp_path / f"hs{SUFFIX[fmt]}"
    original = records(*HATE_ROWS)
    intercoder_plugins.host.exporters()[fmt].write(original, path, hate_speech)
    back = intercoder_plugins.host.importers()[fmt].read(path)
    assert canonical(back, hate_speech) == canonical(original, hate_speech)
    assert {r.codebook for r in back} == {HATE_SPEECH}
    first = back.record(0)
    assert (first.location.file, first.location.line) == (str(path), 1)


@FORMATS
def test_round_trip_with_a_codebook_from_a_file(fmt: str, edge: Codebook, tmp_path: Path) -> None:
    rows = records(
        ("u1", "ana", "with", "a"),
        ("u1", "ana", "if", 3),
        ("u1", "ana", "topics", ["anti-roma", "2nd"]),
        ("u1", "ana", "unit_id", "Қайд"),
        ("u2", "bek", "topics", []),
        book="edge@2.1.0",
    )
    path = tmp_path / f"e{SUFFIX[fmt]}"
    exporter = SpssFormat(codebook=edge) if fmt == "spss" else StataFormat(codebook=edge)
    exporter.write(rows, path, edge)
    assert canonical(exporter.read(path), edge) == canonical(rows, edge)
    # without the codebook at hand, the reference in the file label must resolve
    plain = SpssFormat() if fmt == "spss" else StataFormat()
    with pytest.raises(IntercoderError, match=r"edge@2\.1\.0"):
        plain.read(path)


def test_a_foreign_sav_file_is_refused(tmp_path: Path) -> None:
    import pandas as pd

    path = tmp_path / "foreign.sav"
    pyreadstat.write_sav(pd.DataFrame({"x": [1.0]}), path, file_label="survey 2024")
    with pytest.raises(IntercoderError) as caught:
        SpssFormat().read(path)
    assert str(caught.value) == (
        f"{path}: the file label 'survey 2024' names no codebook (id@version); the spss "
        "importer reads files written by intercoder's spss exporter"
    )
    path.write_bytes(b"not an SPSS file")
    with pytest.raises(IntercoderError, match="not a readable SPSS file"):
        SpssFormat().read(path)


def test_bad_cells_are_reported_with_their_row(hate_speech: Codebook, tmp_path: Path) -> None:
    path = tmp_path / "hs.sav"
    SpssFormat().write(records(*HATE_ROWS), path, hate_speech)
    frame, meta = pyreadstat.read_sav(path)
    frame.loc[1, "hate_speech"] = 7.0
    frame.loc[3, "target_group__uzbeks"] = 2.0
    pyreadstat.write_sav(frame, path, file_label=meta.file_label)
    with pytest.raises(AnnotationError) as caught:
        SpssFormat().read(path)
    assert [str(d) for d in caught.value.diagnostics] == [
        f"{path}:2: hate_speech: 7.0 is not one of the values 1..2",
        f"{path}:4: target_group__uzbeks: 2.0 is neither 0 nor 1",
    ]


# --- the command line, as a separate process ---------------------------------------------------


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intercoder", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


ONLY_US = {"INTERCODER_LOAD_PLUGINS": "intercoder-spss"}


def test_cli_lists_the_plugin() -> None:
    proc = run_cli("plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    (info,) = [p for p in json.loads(proc.stdout) if p["name"] == "intercoder_spss"]
    assert info["distribution"] == "intercoder-spss"
    assert info["version"] == intercoder_spss.__version__
    assert info["hooks"] == ["register_exporters", "register_importers"]
    assert not info["builtin"]
    assert "spss|stata" in run_cli("export", "--help", **ONLY_US).stdout


@pytest.fixture
def annotations_csv(tmp_path: Path) -> Path:
    path = tmp_path / "annotations.csv"
    path.write_text(
        "unit_id,coder_id,variable,value,start,end\n"
        "u1,ana,hate_speech,yes,,\n"
        'u1,ana,target_group,"[""uzbeks"", ""religion""]",,\n'
        "u1,ana,severity,2,,\n"
        "u1,ana,notes,Заметка кодировщика,,\n"
        "u1,ana,evidence,target_mention,0,5\n"
        "u1,bek,hate_speech,no,,\n"
        "u1,bek,target_group,[],,\n"
        "u2,ana,hate_speech,yes,,\n",
        encoding="utf-8",
    )
    return path


def test_cli_export_to_spss_and_back(annotations_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sav"
    proc = run_cli(
        "export",
        str(annotations_csv),
        "--to",
        "spss",
        "--codebook",
        HATE_SPEECH,
        "-o",
        str(out),
        INTERCODER_LABEL_LANG="ru",
        **ONLY_US,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == f"wrote 8 records to {out}\n"
    frame, meta = pyreadstat.read_sav(out)
    assert frame["unit_id"].tolist() == ["u1", "u1", "u2"]
    assert frame["coder_id"].tolist() == ["ana", "bek", "ana"]
    assert frame["hate_speech"].tolist() == [1.0, 2.0, 1.0]
    assert same(frame["target_group__uzbeks"].tolist(), [1.0, 0.0, NAN])
    assert frame["notes"].tolist() == ["Заметка кодировщика", "", ""]
    assert meta.column_names_to_labels["hate_speech"] == "Наличие языка вражды"
    assert meta.variable_value_labels["hate_speech"] == {1: "Да", 2: "Нет"}

    back = tmp_path / "back.csv"
    proc = run_cli("export", str(out), "--to", "csv", "-o", str(back), **ONLY_US)
    assert proc.returncode == 0, proc.stderr
    hate_speech = intercoder.load_codebook(HATE_SPEECH)
    assert canonical(read_annotations(back), hate_speech) == canonical(
        read_annotations(annotations_csv), hate_speech
    )


def test_cli_export_to_stata(annotations_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.dta"
    proc = run_cli(
        "export",
        str(annotations_csv),
        "--to",
        "stata",
        "--codebook",
        HATE_SPEECH,
        "-o",
        str(out),
        **ONLY_US,
    )
    assert proc.returncode == 0, proc.stderr
    frame, meta = pyreadstat.read_dta(out)
    assert frame["severity"].tolist()[0] == 3.0
    assert meta.variable_value_labels["severity"][3] == "Medium"


def test_cli_without_codebook_fails_in_one_line(annotations_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.sav"
    proc = run_cli("export", str(annotations_csv), "--to", "spss", "-o", str(out), **ONLY_US)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "intercoder: error: the spss exporter needs a codebook for its variable and value "
        "labels: add --codebook REF"
    ]
    assert not out.exists()
