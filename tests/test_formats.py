"""Annotation importers and exporters: long CSV/JSONL/Parquet, wide CSV, Label Studio, REFI-QDA.

Round trips must keep every record; bad input must be one located error, never a traceback.
The Label Studio exports are written by hand in the shape Label Studio's Export → JSON gives
(no server here); the REFI-QDA project is checked with pyrefiqda, whose models are generated
from the official XSDs. pyarrow, pandas and pyrefiqda are in the ``test`` extra: they are
imported, never skipped, so a broken install fails here.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from intercoder.annotations import Annotation, AnnotationSet, check_annotations, read_annotations
from intercoder.codebook.refiqda import guid
from intercoder.codebook.registry import load_codebook
from intercoder.errors import IntercoderError
from intercoder.formats.labelstudio import LabelStudioJson, read_labelstudio
from intercoder.formats.long import LongCsv, LongJsonl
from intercoder.formats.qdpx import NAMESPACE, build_qdpx
from intercoder.formats.tabular import Parquet, WideCsv
from intercoder.plugins import load

from strategies import (
    RECORD_ALPHABET,
    RECORD_CSV_ALPHABET,
    annotation_sets,
    record_json_values,
    record_text_values,
)
from support import RunCli

KY = "Кыргызстандагы өзбектер жөнүндө макала"  # Kyrgyz (Cyrillic)
UZ_LATN = "Oʻzbekiston gʻalla yetishtiradi"  # Uzbek Latin with U+02BB
UZ_CYRL = "Ўзбеклар ва қирғизлар ҳақида"  # Uzbek Cyrillic


def plain(annotations: AnnotationSet) -> list[dict[str, Any]]:
    """The records without their file locations (which differ between formats)."""
    return [
        {k: v for k, v in attrs.asdict(r, recurse=False).items() if k != "location"}
        for r in annotations
    ]


def records(*annotations: Annotation) -> AnnotationSet:
    return AnnotationSet.from_records(annotations)


def sample() -> AnnotationSet:
    """Every column, every value kind, spans, and the scripts we code."""
    return records(
        Annotation("u1", "ана@example.org", "relevant", "yes", "minimal@1.0.0", KY),
        Annotation("u1", "bek", "target_group", ["uzbeks", "kyrgyz"], text=KY),
        Annotation("u1", "bek", "evidence", "target_mention", text=KY, start=15, end=23),
        Annotation("u2", "ана@example.org", "severity", 2, annotated_at="2025-03-01T10:00:00Z"),
        Annotation("u2", "bek", "score", 0.75, text=UZ_LATN),
        Annotation("u3", "lexicon@1.0.0", "notes", 'a "quoted", multi-line\nnote', text=UZ_CYRL),
        Annotation("u3", "bek", "target_group", [], text=UZ_CYRL),
        Annotation("u3", "bek", "relevant", None, text=UZ_CYRL),
    )


# --- the plugins are registered and cheap to register -----------------------------------------


def test_formats_are_registered_by_name_and_extension() -> None:
    host = load()
    importers, exporters = host.importers(), host.exporters()
    assert {"wide-csv", "parquet", "labelstudio"} <= set(importers)
    assert {"parquet", "labelstudio", "qdpx"} <= set(exporters)
    assert importers["wide-csv"].extensions == (".wide.csv",)
    assert ".parquet" in importers["parquet"].extensions
    assert importers["labelstudio"].extensions == (".json",)
    assert exporters["qdpx"].extension == ".qdpx"


def test_registering_the_formats_imports_nothing_heavy() -> None:
    code = (
        "import sys\n"
        "import intercoder.formats.tabular, intercoder.formats.labelstudio\n"
        "import intercoder.formats.qdpx\n"
        "heavy = ('numpy', 'pyarrow', 'attrs', 'pyrefiqda', 'zipfile', 'xml.etree.ElementTree')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""


# --- long CSV <-> JSONL <-> Parquet ----------------------------------------------------------


def test_jsonl_parquet_round_trip_keeps_every_record(tmp_path: Path) -> None:
    original = sample()
    LongJsonl().write(original, tmp_path / "a.jsonl", None)
    from_jsonl = read_annotations(tmp_path / "a.jsonl")
    Parquet().write(from_jsonl, tmp_path / "a.parquet", None)
    from_parquet = Parquet().read(tmp_path / "a.parquet")
    assert plain(from_parquet) == plain(from_jsonl) == plain(original)
    # Types survive too: lists stay lists, numbers stay numbers.
    values = [r.value for r in from_parquet]
    assert values[1] == ["uzbeks", "kyrgyz"]
    assert isinstance(values[3], float)  # the file mixes whole numbers and 0.75
    assert values[3] == 2
    assert values[4] == 0.75
    assert values[6] == []
    assert values[7] is None


def test_parquet_keeps_whole_numbers_as_integers(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    data = records(Annotation("u1", "a", "n", 3), Annotation("u2", "a", "v", "x"))
    Parquet().write(data, tmp_path / "n.parquet", None)
    table = pq.read_table(tmp_path / "n.parquet")
    assert str(table.schema.field("value_number").type) == "int64"
    assert str(table.schema.field("value_list").type) == "list<element: string>"
    assert table.column("start").null_count == 2
    assert [r.value for r in Parquet().read(tmp_path / "n.parquet")] == [3, "x"]


def test_csv_jsonl_parquet_csv_gives_the_same_file(tmp_path: Path) -> None:
    """CSV is text: a number comes back as its text, so the chain is checked from CSV on."""
    LongCsv().write(sample(), tmp_path / "a.csv", None)
    LongJsonl().write(read_annotations(tmp_path / "a.csv"), tmp_path / "b.jsonl", None)
    Parquet().write(read_annotations(tmp_path / "b.jsonl"), tmp_path / "c.parquet", None)
    LongCsv().write(Parquet().read(tmp_path / "c.parquet"), tmp_path / "d.csv", None)
    first = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert (tmp_path / "d.csv").read_text(encoding="utf-8") == first
    assert all(script in first for script in (KY, UZ_LATN, UZ_CYRL))
    assert '"[""uzbeks"", ""kyrgyz""]"' in first


def test_parquet_round_trip_through_the_cli(run_cli: RunCli, tmp_path: Path) -> None:
    LongJsonl().write(sample(), tmp_path / "a.jsonl", None)
    proc = run_cli(
        "export", str(tmp_path / "a.jsonl"), "--to", "parquet", "-o", "a.parquet", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("export", "a.parquet", "--to", "jsonl", "-o", "b.jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "b.jsonl").read_text(encoding="utf-8") == (tmp_path / "a.jsonl").read_text(
        encoding="utf-8"
    ).replace('"value": 2,', '"value": 2.0,')


_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_settings
@given(data=annotation_sets(record_json_values, RECORD_ALPHABET))
def test_any_records_survive_jsonl_and_parquet(tmp_path: Path, data: AnnotationSet) -> None:
    LongJsonl().write(data, tmp_path / "p.jsonl", None)
    Parquet().write(read_annotations(tmp_path / "p.jsonl"), tmp_path / "p.parquet", None)
    assert plain(Parquet().read(tmp_path / "p.parquet")) == plain(data)


@_settings
@given(data=annotation_sets(record_text_values(RECORD_CSV_ALPHABET), RECORD_CSV_ALPHABET))
def test_any_text_records_survive_csv_and_parquet(tmp_path: Path, data: AnnotationSet) -> None:
    LongCsv().write(data, tmp_path / "p.csv", None)
    Parquet().write(read_annotations(tmp_path / "p.csv"), tmp_path / "p.parquet", None)
    assert plain(Parquet().read(tmp_path / "p.parquet")) == plain(data)


def _record_by_record_csv(data: AnnotationSet) -> bytes:
    """The long CSV as the writer made it before it wrote column by column: a DictWriter row
    per record (the reference the column-wise writer must equal byte for byte)."""
    import csv
    import io

    from intercoder.annotations import OPTIONAL_COLUMNS, REQUIRED_COLUMNS

    rows = [attrs.asdict(record, recurse=False) for record in data]
    optional = [c for c in OPTIONAL_COLUMNS if any(row[c] is not None for row in rows)]
    columns = [*REQUIRED_COLUMNS, *optional]
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(
        buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n"
    )
    writer.writeheader()
    for row in rows:
        if isinstance(row["value"], tuple | list):
            row["value"] = json.dumps(list(row["value"]), ensure_ascii=False)
        writer.writerow({k: ("" if row[k] is None else row[k]) for k in columns})
    return buffer.getvalue().encode("utf-8")


def _record_by_record_jsonl(data: AnnotationSet) -> bytes:
    from intercoder.annotations import RECORD_COLUMNS, REQUIRED_COLUMNS

    lines = []
    for record in data:
        row = {}
        for column in RECORD_COLUMNS:
            value = getattr(record, column)
            if value is not None or column in REQUIRED_COLUMNS:
                row[column] = list(value) if isinstance(value, tuple) else value
        lines.append(json.dumps(row, ensure_ascii=False) + "\n")
    return "".join(lines).encode("utf-8")


@_settings
@given(data=annotation_sets(record_json_values, RECORD_ALPHABET))
def test_long_writers_write_what_a_writer_per_record_writes(
    tmp_path: Path, data: AnnotationSet
) -> None:
    # The writers render each distinct value once and join the cells; quoting, JSON lists,
    # numbers, omitted optional columns and line ends must stay exactly as they were.
    LongCsv().write(data, tmp_path / "p.csv", None)
    LongJsonl().write(data, tmp_path / "p.jsonl", None)
    assert (tmp_path / "p.csv").read_bytes() == _record_by_record_csv(data)
    assert (tmp_path / "p.jsonl").read_bytes() == _record_by_record_jsonl(data)


def test_parquet_from_pandas_is_read(tmp_path: Path) -> None:
    """A long-format file written by someone else: one typed value column, NaN offsets."""
    import pandas

    frame = pandas.DataFrame(
        {
            "unit_id": [1, 2],
            "coder_id": ["ana", "bek"],
            "variable": ["severity", "severity"],
            "value": [1, 2],
            "start": [float("nan"), 3.0],
            "end": [float("nan"), 7.0],
        }
    )
    frame.to_parquet(tmp_path / "pandas.parquet")
    read = Parquet().read(tmp_path / "pandas.parquet")
    assert plain(read) == plain(
        records(
            Annotation("1", "ana", "severity", 1),
            Annotation("2", "bek", "severity", 2, start=3, end=7),
        )
    )


def test_parquet_without_offsets_holds_no_offset_per_record(tmp_path: Path) -> None:
    """A Parquet file with no start/end columns (the usual one) reads them as one value each,
    as CSV does: at 10^7 records two full columns of -1 were 160 MB, copied again by checking."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = 1000
    table = pa.table(
        {
            "unit_id": [f"u{i}" for i in range(rows)],
            "coder_id": ["ana"] * rows,
            "variable": ["severity"] * rows,
            "value": [1] * rows,
        }
    )
    pq.write_table(table, tmp_path / "codings.parquet")
    read = Parquet().read(tmp_path / "codings.parquet")
    for offsets in (read.start, read.end):
        assert offsets.shape == (rows,)
        assert offsets.strides == (0,)  # one element seen through a view
    last = read.record(rows - 1)
    assert last.start is None
    assert last.end is None


def test_parquet_values_it_cannot_store_are_located(tmp_path: Path) -> None:
    bad = records(Annotation("u1", "a", "v", {"x": 1}), Annotation("u2", "a", "v", [1.5]))
    with pytest.raises(IntercoderError, match="cannot be stored in Parquet") as info:
        Parquet().write(bad, tmp_path / "bad.parquet", None)
    assert "is not a list of codes" in str(info.value.diagnostics[1])  # type: ignore[attr-defined]
    assert not (tmp_path / "bad.parquet").exists()


def test_bad_parquet_files_are_one_line_errors(run_cli: RunCli, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "text.parquet").write_text("unit_id,coder_id\n", encoding="utf-8")
    proc = run_cli("export", "text.parquet", "--to", "jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("intercoder: error: text.parquet: not a readable Parquet file")
    assert "Traceback" not in proc.stderr

    pq.write_table(pa.table({"unit_id": ["u1"], "variable": ["v"]}), tmp_path / "cols.parquet")
    proc = run_cli("export", "cols.parquet", "--to", "jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert proc.returncode == 1
    assert "cols.parquet: missing column(s) 'coder_id', 'value'" in proc.stderr

    pq.write_table(
        pa.table(
            {
                "unit_id": ["u1", " "],
                "coder_id": ["a", "b"],
                "variable": ["v", "v"],
                "value": ["x", "y"],
            }
        ),
        tmp_path / "blank.parquet",
    )
    proc = run_cli("export", "blank.parquet", "--to", "jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert proc.returncode == 1
    assert "blank.parquet:2: unit_id: missing" in proc.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_missing_pyarrow_says_how_to_install_it(tmp_path: Path) -> None:
    LongJsonl().write(sample(), tmp_path / "a.jsonl", None)
    code = (
        "import sys\n"
        "sys.modules['pyarrow'] = None  # as if it were not installed\n"
        "from intercoder.cli import main\n"
        f"main(['export', {str(tmp_path / 'a.jsonl')!r}, '--to', 'parquet', '-o', "
        f"{str(tmp_path / 'a.parquet')!r}])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "intercoder: error: the parquet format needs pyarrow: pip install 'intercoder[parquet]'"
    )


# --- wide CSV ---------------------------------------------------------------------------------


def _wide(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_wide_csv_gives_one_record_per_filled_cell(tmp_path: Path) -> None:
    path = _wide(
        tmp_path,
        "batch-2.target_group.wide.csv",
        "unit_id,ана@example.org,bek,lexicon@1.0.0\n"
        'u1,uzbeks,"[""uzbeks"", ""kyrgyz""]",uzbeks\n'
        "u2,,kyrgyz, \n"
        "\n"
        '"u3 multi\nline id",tajiks,,\n',
    )
    read = WideCsv().read(path)
    assert plain(read) == plain(
        records(
            Annotation("u1", "ана@example.org", "target_group", "uzbeks"),
            Annotation("u1", "bek", "target_group", ["uzbeks", "kyrgyz"]),
            Annotation("u1", "lexicon@1.0.0", "target_group", "uzbeks"),
            Annotation("u2", "bek", "target_group", "kyrgyz"),
            Annotation("u3 multi\nline id", "ана@example.org", "target_group", "tajiks"),
        )
    )
    assert [str(read.location(i)) for i in (0, 3, 4)] == [f"{path}:2", f"{path}:3", f"{path}:5"]
    hate_speech = load_codebook("hate-speech")
    assert not check_annotations(read, hate_speech).problems


def test_wide_csv_variable_can_be_given_in_python(tmp_path: Path) -> None:
    path = _wide(tmp_path, "anything.wide.csv", "unit_id,a,b\nu1,yes,no\n")
    assert {r.variable for r in WideCsv(variable="relevant").read(path)} == {"relevant"}
    assert {r.variable for r in WideCsv().read(path)} == {"anything"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("relevant.wide.csv", "unit,a\nu1,yes\n", r":1: the first column must be unit_id"),
        ("relevant.wide.csv", "unit_id\nu1\n", r":1: no coder columns"),
        ("relevant.wide.csv", "unit_id,a,a\nu1,yes,no\n", r":1: coder 'a' has two columns"),
        ("relevant.wide.csv", "unit_id,a\nu1,yes,no\n", r":2: more cells than header"),
        ("relevant.wide.csv", 'unit_id,a,b\nu1,yes,"[no"\n', r":2: column 'b': value: .* JSON"),
        ("relevant.wide.csv", "unit_id,a\n,yes\n", r":2: unit_id: missing"),
        ("relevant.wide.csv", "", r":1: empty file"),
        ("Relevant.wide.csv", "unit_id,a\nu1,yes\n", r"'Relevant' is not a variable id"),
    ],
)
def test_bad_wide_csv_is_located(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _wide(tmp_path, name, text)
    with pytest.raises(IntercoderError, match=message):
        WideCsv().read(path)


def test_wide_csv_through_the_cli(run_cli: RunCli, tmp_path: Path) -> None:
    _wide(tmp_path, "relevant.wide.csv", "unit_id,a,b\nu1,yes,no\n")
    proc = run_cli("export", "relevant.wide.csv", "--to", "jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["coder_id"], r["value"]) for r in rows] == [("a", "yes"), ("b", "no")]


def test_a_bad_wide_csv_is_no_traceback_in_the_cli(run_cli: RunCli, tmp_path: Path) -> None:
    _wide(tmp_path, "relevant.wide.csv", "unit,a\nu1,yes\n")
    proc = run_cli("export", "relevant.wide.csv", "--to", "jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("relevant.wide.csv:1: ")
    assert "Traceback" not in proc.stderr


# --- Label Studio JSON export -----------------------------------------------------------------

TEXT_1 = f"{KY}. Сволочи!"
TEXT_2 = f"😀 {UZ_LATN}"  # an emoji first: old Label Studio versions counted it twice


def _annotation(
    annotation_id: int, task: int, completed_by: Any, result: list[Any], **extra: Any
) -> dict[str, Any]:
    """An annotation with every field Label Studio 1.x writes."""
    return {
        "id": annotation_id,
        "completed_by": completed_by,
        "result": result,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": "2025-04-02T09:15:22.118000Z",
        "updated_at": "2025-04-02T09:17:40.503000Z",
        "draft_created_at": None,
        "lead_time": 138.4,
        "prediction": {},
        "result_count": len(result),
        "unique_id": f"8d0c7f1e-0000-4000-8000-00000000000{annotation_id}",
        "import_id": None,
        "last_action": None,
        "bulk_created": False,
        "task": task,
        "project": 4,
        "updated_by": completed_by if isinstance(completed_by, int) else completed_by["id"],
        "parent_prediction": None,
        "parent_annotation": None,
        "last_created_by": None,
        **extra,
    }


def _choices(variable: str, *codes: str) -> dict[str, Any]:
    return {
        "value": {"choices": list(codes)},
        "id": f"c-{variable}",
        "from_name": variable,
        "to_name": "text",
        "type": "choices",
        "origin": "manual",
    }


def _label(variable: str, text: str, start: int, end: int, label: str) -> dict[str, Any]:
    return {
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
        "id": f"s-{start}",
        "from_name": variable,
        "to_name": "text",
        "type": "labels",
        "origin": "manual",
    }


def _task(task_id: int, data: dict[str, Any], annotations: list[Any]) -> dict[str, Any]:
    return {
        "id": task_id,
        "annotations": annotations,
        "file_upload": "b1c2-tasks.json",
        "drafts": [],
        "predictions": [],
        "data": data,
        "meta": {},
        "created_at": "2025-04-01T08:00:00.000000Z",
        "updated_at": "2025-04-02T09:17:40.503000Z",
        "inner_id": task_id,
        "total_annotations": len(annotations),
        "cancelled_annotations": sum(a["was_cancelled"] for a in annotations),
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": 4,
        "updated_by": 1,
        "comment_authors": [],
    }


def ls_export() -> list[dict[str, Any]]:
    ana = {"id": 1, "first_name": "Ана", "last_name": "", "email": "ана@example.org"}
    ky_start = TEXT_1.index("Сволочи")
    ky_end = ky_start + len("Сволочи")
    uz_start = TEXT_2.index("Oʻzbekiston")
    return [
        _task(
            101,
            {"unit_id": "kg-0001", "text": TEXT_1},
            [
                _annotation(
                    1,
                    101,
                    ana,
                    [
                        _choices("hate_speech", "yes"),
                        _choices("target_group", "uzbeks", "kyrgyz"),
                        {
                            "value": {"rating": 2},
                            "id": "r1",
                            "from_name": "severity",
                            "to_name": "text",
                            "type": "rating",
                            "origin": "manual",
                        },
                        _label("evidence", TEXT_1, ky_start, ky_end, "hateful_expression"),
                        _label("evidence", TEXT_1, 0, 14, "target_mention"),
                        {
                            "value": {"text": ["оскорбление,", "второе предложение"]},
                            "id": "t1",
                            "from_name": "notes",
                            "to_name": "text",
                            "type": "textarea",
                            "origin": "manual",
                        },
                        {
                            "from_id": "s-0",
                            "to_id": f"s-{ky_start}",
                            "type": "relation",
                            "direction": "right",
                            "labels": [],
                        },
                    ],
                ),
                _annotation(2, 101, 7, [_choices("hate_speech", "no")]),
                _annotation(3, 101, 9, [_choices("hate_speech", "yes")], was_cancelled=True),
            ],
        ),
        _task(
            102,
            {"text": TEXT_2},  # no unit_id: the task id is the unit
            [
                _annotation(
                    4,
                    102,
                    7,
                    [
                        {
                            "value": {"taxonomy": [["ethnicity", "uzbeks"]]},
                            "id": "x1",
                            "from_name": "target_group",
                            "to_name": "text",
                            "type": "taxonomy",
                            "origin": "manual",
                        },
                        {
                            # UTF-16 offsets, as Label Studio before 1.4 wrote them.
                            "value": {
                                "start": uz_start + 1,
                                "end": uz_start + 1 + len("Oʻzbekiston"),
                                "text": "Oʻzbekiston",
                                "labels": ["target_mention"],
                            },
                            "id": "s1",
                            "from_name": "evidence",
                            "to_name": "text",
                            "type": "labels",
                            "origin": "manual",
                        },
                        {
                            "value": {"number": 3.5},
                            "id": "n1",
                            "from_name": "confidence",
                            "to_name": "text",
                            "type": "number",
                            "origin": "manual",
                        },
                        {
                            "value": {"x": 1, "y": 2, "width": 3, "height": 4, "rotation": 0},
                            "id": "k1",
                            "from_name": "box",
                            "to_name": "image",
                            "type": "rectanglelabels",
                            "origin": "manual",
                        },
                    ],
                )
            ],
        ),
        _task(103, {"unit_id": "kg-0003", "text": UZ_CYRL}, []),  # not annotated yet
    ]


def _write_ls(path: Path, tasks: Any, indent: int | None = 2) -> Path:
    path.write_text(json.dumps(tasks, ensure_ascii=False, indent=indent), encoding="utf-8")
    return path


def test_label_studio_export_becomes_long_records(tmp_path: Path) -> None:
    path = _write_ls(tmp_path / "project-4-at-2025-04-02.json", ls_export())
    result = read_labelstudio(path)
    assert result.cancelled == 1
    assert result.cancelled_tasks == (101,)
    assert result.skipped_results == {"rectanglelabels": 1}
    ky_start = TEXT_1.index("Сволочи")
    uz_start = TEXT_2.index("Oʻzbekiston")
    stamp = "2025-04-02T09:17:40.503000Z"
    ana = "ана@example.org"
    expected = [
        Annotation("kg-0001", ana, "hate_speech", "yes", text=TEXT_1, annotated_at=stamp),
        Annotation(
            "kg-0001", ana, "target_group", ["uzbeks", "kyrgyz"], text=TEXT_1, annotated_at=stamp
        ),
        Annotation("kg-0001", ana, "severity", 2, text=TEXT_1, annotated_at=stamp),
        Annotation(
            "kg-0001",
            ana,
            "evidence",
            "hateful_expression",
            text=TEXT_1,
            start=ky_start,
            end=ky_start + 7,
            annotated_at=stamp,
        ),
        Annotation(
            "kg-0001",
            ana,
            "evidence",
            "target_mention",
            text=TEXT_1,
            start=0,
            end=14,
            annotated_at=stamp,
        ),
        Annotation(
            "kg-0001",
            ana,
            "notes",
            "оскорбление,\nвторое предложение",
            text=TEXT_1,
            annotated_at=stamp,
        ),
        Annotation("kg-0001", "annotator-7", "hate_speech", "no", text=TEXT_1, annotated_at=stamp),
        Annotation("102", "annotator-7", "target_group", "uzbeks", text=TEXT_2, annotated_at=stamp),
        Annotation(
            "102",
            "annotator-7",
            "evidence",
            "target_mention",
            text=TEXT_2,
            start=uz_start,  # converted from UTF-16 code units to characters
            end=uz_start + len("Oʻzbekiston"),
            annotated_at=stamp,
        ),
        Annotation("102", "annotator-7", "confidence", 3.5, text=TEXT_2, annotated_at=stamp),
    ]
    assert plain(result.annotations) == plain(records(*expected))
    span = result.annotations.record(3)
    assert TEXT_1[span.start : span.end] == "Сволочи"
    # Every record points at the line where its task starts (records keep no column).
    assert str(result.annotations.location(0)) == f"{path}:2"
    assert str(result.annotations.location(7)).startswith(f"{path}:")


def test_label_studio_records_fit_the_codebook(tmp_path: Path) -> None:
    path = _write_ls(tmp_path / "export.json", ls_export())
    data = read_labelstudio(path).annotations
    known = data.take(data.variable != "confidence")  # a number field the codebook lacks
    checked = check_annotations(known, load_codebook("hate-speech"))
    assert checked.problems == ()
    assert len(checked.annotations) == len(known)


def test_cancelled_annotations_are_counted_in_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write_ls(tmp_path / "export.json", ls_export())
    with caplog.at_level(logging.WARNING, logger="intercoder.labelstudio"):
        LabelStudioJson().read(path)
    messages = [r.getMessage() for r in caplog.records]
    assert f"{path}: warning: skipped 1 cancelled annotation(s) (task 101)" in messages
    assert f"{path}: warning: skipped results of unsupported types: rectanglelabels ×1" in messages


def test_label_studio_export_through_the_cli(run_cli: RunCli, tmp_path: Path) -> None:
    # Label Studio writes its export on one line: positions are then columns.
    _write_ls(tmp_path / "export.json", ls_export(), indent=None)
    proc = run_cli("export", "export.json", "--to", "jsonl", "-o", "out.jsonl", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "export.json: warning: skipped 1 cancelled annotation(s) (task 101)" in proc.stderr
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(rows) == 10
    assert rows[1]["value"] == ["uzbeks", "kyrgyz"]


def test_label_studio_round_trip(tmp_path: Path) -> None:
    path = _write_ls(tmp_path / "export.json", ls_export())
    first = read_labelstudio(path).annotations
    LabelStudioJson().write(first, tmp_path / "again.json", None)
    again = read_labelstudio(tmp_path / "again.json")
    assert again.cancelled == 0
    assert plain(again.annotations) == plain(first)
    # With the codebook, an ordinal scale is a Choices control: its codes are strings.
    LabelStudioJson().write(first, tmp_path / "again.json", load_codebook("hate-speech"))
    expected = plain(first)
    expected[2]["value"] = "2"
    assert plain(read_labelstudio(tmp_path / "again.json").annotations) == expected
    written = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert written[0]["data"] == {"unit_id": "kg-0001", "text": TEXT_1}
    assert written[0]["annotations"][0]["completed_by"] == {"email": "ана@example.org"}
    assert written[0]["annotations"][1]["completed_by"] == 7
    results = written[0]["annotations"][0]["result"]
    assert [r["type"] for r in results] == [
        "choices",
        "choices",
        "choices",
        "labels",
        "labels",
        "textarea",
    ]
    assert results[3]["value"]["text"] == "Сволочи"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"id": 1, "data": {}, "annotations": [}]', r"export.json:1:40: not valid JSON"),
        ("", r"export.json:1:1: empty file"),
        ('{"id": 1}', r"export.json:1:1: not a Label Studio JSON export"),
        ('[{"id": 1, "data": {}, "annotations": []} {"id": 2}]', r":1:43: .*expected ',' or ']'"),
        ('[{"id": 1, "text": "x", "annotator": "a@b.c", "sentiment": "yes"}]', r"JSON-MIN export"),
        ('[{"id": 1, "data": {"text": "x"}}]', r":1:2: a task needs an 'annotations' list"),
        (
            '[\n  {"id": 1, "data": {"text": "x"},\n   "annotations": [{"completed_by": null}]}]',
            r"export.json:2:3: annotations\[0\].completed_by: completed_by must be a user id",
        ),
        (
            '[{"id": 1, "data": {}, "annotations": [{"completed_by": 1, "result": '
            '[{"type": "labels", "from_name": "evidence", "value": {"start": -1, "end": 2, '
            '"labels": ["x"]}}]}]}]',
            r"annotations\[0\].result\[0\]: labels: value.start must be a character offset",
        ),
        (
            '[{"id": 1, "data": {}, "annotations": [{"completed_by": 1, "result": '
            '[{"type": "choices", "value": {"choices": ["x"]}}]}]}]',
            r"result\[0\].from_name: from_name \(the variable id\) is missing",
        ),
    ],
)
def test_bad_label_studio_exports_are_located(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "export.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IntercoderError, match=message):
        read_labelstudio(path)


def test_a_bad_label_studio_export_is_no_traceback_in_the_cli(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "export.json").write_text('[{"id": 1, "data": {}, "annotations": [}]')
    proc = run_cli("export", "export.json", "--to", "csv", "-o", "out.csv", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("export.json:1:40: not valid JSON")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.csv").exists()


# --- REFI-QDA project ---------------------------------------------------------------------------


def _load_project(path: Path, tmp_path: Path) -> Any:
    """Parse with pyrefiqda's XSD-generated models, refusing any element or attribute they lack."""
    import pyrefiqda
    from pyrefiqda.models import Project
    from xsdata.formats.dataclass.parsers.config import ParserConfig
    from xsdata_pydantic.bindings import XmlParser

    project = pyrefiqda.RefiProject.load(path, extract_dir=str(tmp_path / "extracted"))
    strict = XmlParser(
        config=ParserConfig(fail_on_unknown_properties=True, fail_on_unknown_attributes=True)
    )
    with zipfile.ZipFile(path) as archive:
        assert strict.from_bytes(archive.read("project.qde"), Project) == project
    return project


def _walk(codes: list[Any]) -> list[Any]:
    return [c for code in codes for c in (code, *_walk(code.code))]


def test_qdpx_project_is_valid_and_complete(run_cli: RunCli, tmp_path: Path) -> None:
    _write_ls(tmp_path / "export.json", ls_export())
    proc = run_cli(
        "export",
        "export.json",
        "--to",
        "qdpx",
        "-o",
        "study.qdpx",
        "--codebook",
        "hate-speech",
        cwd=tmp_path,
    )
    # `confidence` is not in hate-speech: the CLI refuses before exporting.
    assert proc.returncode == 1
    assert f"variable 'confidence' is not in {load_codebook('hate-speech').ref}" in proc.stderr

    data = read_labelstudio(tmp_path / "export.json").annotations
    LongJsonl().write(data.take(data.variable != "confidence"), tmp_path / "coded.jsonl", None)
    proc = run_cli(
        "export",
        "coded.jsonl",
        "--to",
        "qdpx",
        "-o",
        "study.qdpx",
        "--codebook",
        "hate-speech",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert (
        "left out records of variables without codes (REFI-QDA codings need a code): "
        "notes ×1" in proc.stderr
    )
    project = _load_project(tmp_path / "study.qdpx", tmp_path)
    cb = load_codebook("hate-speech")

    # The code tree: the same GUIDs as the .qdc export, nested as in the codebook.
    codes = _walk(project.code_book.codes.code)
    expected = {guid(cb.id, v.id) for v in cb.variables if v.categories} | {
        guid(cb.id, v.id, c.code) for v in cb.variables for c, _ in v.walk()
    }
    assert {c.guid for c in codes} == expected
    target = next(c for c in project.code_book.codes.code if c.guid == guid(cb.id, "target_group"))
    ethnicity = next(c for c in target.code if c.guid == guid(cb.id, "target_group", "ethnicity"))
    assert guid(cb.id, "target_group", "uzbeks") in {c.guid for c in ethnicity.code}

    # One user per coder; one source per unit, its text in the zip.
    users = {u.name: u.guid for u in project.users.user}
    assert set(users) == {"ана@example.org", "annotator-7"}
    sources = {s.name: s for s in project.sources.text_source}
    assert set(sources) == {"kg-0001", "102"}
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        for unit, text in (("kg-0001", TEXT_1), ("102", TEXT_2)):
            source = sources[unit]
            assert source.plain_text_path == f"internal://{source.guid}.txt"
            assert archive.read(f"sources/{source.guid}.txt").decode("utf-8") == text
        assert b'xmlns="urn:QDA-XML:project:1.0"' in archive.read("project.qde")
    assert NAMESPACE == "urn:QDA-XML:project:1.0"

    # Codings: spans at their offsets, unit-level codes on the whole text, one code each.
    def codings(unit: str) -> set[tuple[int, int, str, str]]:
        found = set()
        for selection in sources[unit].plain_text_selection:
            (coding,) = selection.coding
            assert coding.creating_user == selection.creating_user
            found.add(
                (
                    selection.start_position,
                    selection.end_position,
                    selection.creating_user,
                    coding.code_ref.target_guid,
                )
            )
        return found

    ana, seven = users["ана@example.org"], users["annotator-7"]
    ky_start = TEXT_1.index("Сволочи")
    whole_1, whole_2 = (0, len(TEXT_1)), (0, len(TEXT_2))
    uz_start = TEXT_2.index("Oʻzbekiston")
    assert codings("kg-0001") == {
        (*whole_1, ana, guid(cb.id, "hate_speech", "yes")),
        (*whole_1, ana, guid(cb.id, "target_group", "uzbeks")),
        (*whole_1, ana, guid(cb.id, "target_group", "kyrgyz")),
        (*whole_1, ana, guid(cb.id, "severity", "2")),
        (ky_start, ky_start + 7, ana, guid(cb.id, "evidence", "hateful_expression")),
        (0, 14, ana, guid(cb.id, "evidence", "target_mention")),
        (*whole_1, seven, guid(cb.id, "hate_speech", "no")),
    }
    assert codings("102") == {
        (*whole_2, seven, guid(cb.id, "target_group", "uzbeks")),
        (uz_start, uz_start + 11, seven, guid(cb.id, "evidence", "target_mention")),
    }
    stamps = {s.creation_date_time for s in sources["102"].plain_text_selection}
    assert {str(s) for s in stamps} == {"2025-04-02T09:17:40.503Z"}


def test_qdpx_from_the_minimal_codebook_is_reproducible(minimal_path: Path, tmp_path: Path) -> None:
    cb = load_codebook(minimal_path)
    data = records(
        Annotation("u1", "ana", "relevant", "yes", text=UZ_LATN),
        Annotation("u1", "bek", "relevant", "no", text=UZ_LATN),
        Annotation("u1", "bek", "relevant", "no", text=UZ_LATN),  # a duplicate: one coding
        Annotation("u2", "ana", "severity", "1", text=KY, annotated_at="2025-01-02"),
    )
    first, left_out = build_qdpx(data, cb)
    assert left_out == {}
    assert build_qdpx(data, cb)[0] == first  # the same records give the same bytes
    (tmp_path / "m.qdpx").write_bytes(first)
    project = _load_project(tmp_path / "m.qdpx", tmp_path)
    assert [c.name for c in project.code_book.codes.code] == ["Relevant", "Severity"]
    assert [u.name for u in project.users.user] == ["ana", "bek"]
    selections = [s for src in project.sources.text_source for s in src.plain_text_selection]
    assert len(selections) == 3
    assert all(s.creation_date_time is None for s in selections)  # a date is no xs:dateTime


def test_qdpx_takes_the_unit_text_from_span_records_when_needed(tmp_path: Path) -> None:
    cb = load_codebook("hate-speech")
    data = records(
        Annotation("u1", "a", "evidence", "target_mention", text=UZ_CYRL[:7], start=0, end=7),
        Annotation("u1", "b", "evidence", "call_to_action", text=UZ_CYRL, start=11, end=20),
    )
    (tmp_path / "s.qdpx").write_bytes(build_qdpx(data, cb)[0])
    project = _load_project(tmp_path / "s.qdpx", tmp_path)
    (source,) = project.sources.text_source
    with zipfile.ZipFile(tmp_path / "s.qdpx") as archive:
        assert archive.read(f"sources/{source.guid}.txt").decode() == UZ_CYRL


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            records(Annotation("u1", "a", "relevant", "yes")),
            r"<memory>: unit 'u1' has no text",
        ),
        (
            records(
                Annotation("u1", "a", "relevant", "yes", text="one"),
                Annotation("u1", "b", "relevant", "no", text="two"),
            ),
            r"unit 'u1' has another text here than at",
        ),
        (
            records(Annotation("u1", "a", "relevant", "maybe", text="x")),
            r"relevant: 'maybe' is not a code",
        ),
        (
            records(Annotation("u1", "a", "nope", "yes", text="x")),
            r"variable 'nope' is not in minimal@1.0.0",
        ),
    ],
)
def test_bad_qdpx_input_is_located(minimal_path: Path, data: AnnotationSet, message: str) -> None:
    with pytest.raises(IntercoderError, match=message):
        build_qdpx(data, load_codebook(minimal_path))


def test_qdpx_problems_are_no_traceback_in_the_cli(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path
) -> None:
    (tmp_path / "a.csv").write_text(
        "unit_id,coder_id,variable,value,text\nu1,ana,relevant,yes,\n", encoding="utf-8"
    )
    proc = run_cli("export", "a.csv", "--to", "qdpx", "-o", "a.qdpx", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "intercoder: error: the qdpx format needs the codebook for its code tree: "
        "pass --codebook REF"
    )
    proc = run_cli(
        "export",
        "a.csv",
        "--to",
        "qdpx",
        "-o",
        "a.qdpx",
        "--codebook",
        str(minimal_path),
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("a.csv:2: unit 'u1' has no text (add a text column)")
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "a.qdpx").exists()

    (tmp_path / "s.csv").write_text(
        "unit_id,coder_id,variable,value,text,start,end\n"
        "u1,ana,hate_speech,yes,short,,\n"
        "u1,ana,evidence,call_to_action,short,2,9\n",
        encoding="utf-8",
    )
    proc = run_cli(
        "export",
        "s.csv",
        "--to",
        "qdpx",
        "-o",
        "s.qdpx",
        "--codebook",
        "hate-speech",
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert "s.csv:3: evidence: span 2..9 is not inside the unit's text (5 characters)" in (
        proc.stderr
    )
    assert "Traceback" not in proc.stderr
