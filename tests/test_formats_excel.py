"""Files as teams really have them: saved by Excel, in a Russian locale, wide, with labels typed.

The files are real bytes: cp1251 with ';' is what Excel writes for "CSV (разделители — точка с
запятой)" in a Russian locale; Excel's "Unicode text" is UTF-16LE with a byte order mark and
tabs; the .xlsx workbook is written by openpyxl (the library the reader uses too, so the
workbook test also checks that numbers come back as Excel shows them, not as floats).
openpyxl is in the ``test`` extra: imported, never skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from intercoder.annotations import check_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.errors import IntercoderError
from intercoder.formats import read_annotation_files
from intercoder.rows import looks_cp1251, reading, sniff_delimiter
from intercoder.tasks import read_tasks

from support import RunCli

HEADER = ["unit_id", "coder_id", "variable", "value"]
ROWS = [
    ["u1", "Аня", "relevant", "yes"],
    ["u2", "Аня", "relevant", "no"],
    ["u1", "Бакыт", "relevant", "yes"],
    ["u2", "Бакыт", "relevant", "yes"],
]
#: The records every file below holds: (unit, coder, variable, value).
EXPECTED = sorted(tuple(row) for row in ROWS)


def delimited(rows: list[list[str]], delimiter: str) -> str:
    return "".join(delimiter.join(row) + "\r\n" for row in [HEADER, *rows])


def records(path: Path) -> list[tuple[str, str, str, str]]:
    aset = read_annotation_files([path])
    return sorted((r.unit_id, r.coder_id, r.variable, r.value) for r in aset)


def test_russian_excel_csv_cp1251_with_semicolons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "кодировка.csv"
    path.write_bytes(delimited(ROWS, ";").encode("cp1251"))
    assert records(path) == EXPECTED


def test_utf8_csv_with_semicolons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "codings.csv"
    path.write_bytes(delimited(ROWS, ";").encode("utf-8"))
    assert records(path) == EXPECTED


@pytest.mark.parametrize("suffix", [".txt", ".tsv", ".csv"])
def test_excel_unicode_text_utf16le_bom_tabs_is_read(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"codings{suffix}"
    path.write_bytes(b"\xff\xfe" + delimited(ROWS, "\t").encode("utf-16-le"))
    assert records(path) == EXPECTED


def test_utf16be_and_utf8_boms_are_read(tmp_path: Path) -> None:
    be = tmp_path / "be.csv"
    be.write_bytes(b"\xfe\xff" + delimited(ROWS, ",").encode("utf-16-be"))
    sig = tmp_path / "sig.csv"
    sig.write_bytes(b"\xef\xbb\xbf" + delimited(ROWS, ";").encode("utf-8"))
    assert records(be) == EXPECTED
    assert records(sig) == EXPECTED


def test_xlsx_written_by_openpyxl_is_read_with_numbers_as_excel_shows_them(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for unit, coder, variable, value in ROWS:
        sheet.append([unit, coder, variable, value])
    sheet.append(["u1", "Аня", "severity", 1])  # a number cell: code "1", not "1.0"
    sheet.append([3, "Аня", "relevant", "no"])  # an integer unit id
    path = tmp_path / "codings.xlsx"
    book.save(path)
    got = records(path)
    assert got == sorted(
        [*EXPECTED, ("u1", "Аня", "severity", "1"), ("3", "Аня", "relevant", "no")]
    )
    located = read_annotation_files([path])
    assert [r.location.line for r in located][:2] == [2, 3]  # the sheet's row numbers


def test_xlsx_wide_sheet_is_recognised_by_its_header(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["unit_id", "ana", "ben"], ["u1", "yes", "no"], ["u2", "no", None]):
        sheet.append(row)
    path = tmp_path / "pilot.xlsx"
    book.save(path)
    with reading(variable="relevant"):
        got = records(path)
    assert got == [
        ("u1", "ana", "relevant", "yes"),
        ("u1", "ben", "relevant", "no"),
        ("u2", "ana", "relevant", "no"),
    ]


def test_damaged_workbook_is_one_line(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    proc = run_cli("export", str(path), "--to", "jsonl", "-o", str(tmp_path / "o.jsonl"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{path}: not a readable .xlsx workbook" in proc.stderr


def test_without_openpyxl_the_error_says_how_to_install_it(tmp_path: Path, run_cli: RunCli) -> None:
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    path = tmp_path / "codings.xlsx"
    book.save(path)
    # an openpyxl that cannot be imported, first on the path: as if it were not installed
    shadow = tmp_path / "shadow" / "openpyxl"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'openpyxl'\", name='openpyxl')\n",
        encoding="utf-8",
    )
    proc = run_cli(
        "export", str(path), "--to", "jsonl", "-o", str(tmp_path / "o.jsonl"),
        env={"PYTHONPATH": str(shadow.parent)},
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "pip install 'intercoder[excel]'" in proc.stderr


def test_cp1251_detection_is_only_taken_when_certain() -> None:
    assert looks_cp1251("u1;Аня;да\r\n".encode("cp1251"))
    # KOI8-R swaps the cases of cp1251: its lower-case text reads as capitals there
    assert not looks_cp1251("u1;аня;да;нет\r\n".encode("koi8-r"))
    assert not looks_cp1251(b"\x00\x01\xff\xfe")  # binary
    assert not looks_cp1251("ñandú".encode("latin-1"))  # Latin-1: not Cyrillic letters


def test_undetectable_encoding_names_the_option(tmp_path: Path, run_cli: RunCli) -> None:
    path = tmp_path / "koi.csv"
    path.write_bytes(delimited([["u1", "аня", "relevant", "да"]], ",").encode("koi8-r"))
    proc = run_cli("export", str(path), "--to", "jsonl", "-o", str(tmp_path / "o.jsonl"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "not UTF-8 text (byte" in proc.stderr
    assert "--encoding cp1251" in proc.stderr
    again = run_cli(
        "export",
        str(path),
        "--encoding",
        "koi8-r",
        "--to",
        "jsonl",
        "-o",
        str(tmp_path / "o.jsonl"),
    )
    assert again.returncode == 0, again.stderr
    first = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert (first["coder_id"], first["value"]) == ("аня", "да")


def test_delimiter_is_sniffed_from_the_header() -> None:
    assert sniff_delimiter("unit_id;coder_id;variable;value\r\n", HEADER) == ";"
    assert sniff_delimiter("unit_id\tcoder_id\tvariable\tvalue\n", HEADER) == "\t"
    assert sniff_delimiter("unit_id,coder_id,variable,value\n", HEADER) == ","
    # commas inside quoted header cells do not outvote the real delimiter
    assert sniff_delimiter('unit_id;"a,b,c,d,e";value\n', ("unit_id",)) == ";"
    assert sniff_delimiter("just one column\n") == ","


def test_delimiter_and_encoding_options_override_detection(
    tmp_path: Path, run_cli: RunCli, minimal_path: Path
) -> None:
    path = tmp_path / "codings.csv"
    path.write_bytes(delimited(ROWS, "|").encode("cp1251"))
    plain = run_cli("agree", str(path), "--codebook", str(minimal_path))
    assert plain.returncode == 1
    assert "missing column(s)" in plain.stderr
    assert "pass --delimiter" in plain.stderr
    told = run_cli(
        "agree", str(path), "--codebook", str(minimal_path), "--delimiter", "|",
        "--encoding", "cp1251", "--format", "json",
    )  # fmt: skip
    assert told.returncode == 0, told.stderr
    relevant = json.loads(told.stdout)["variables"][0]
    assert (relevant["variable"], relevant["n_units"], relevant["n_coders"]) == ("relevant", 2, 2)


def test_bad_encoding_and_delimiter_options_are_usage_errors(
    tmp_path: Path, run_cli: RunCli, minimal_path: Path
) -> None:
    path = tmp_path / "codings.csv"
    path.write_text(delimited(ROWS, ","), encoding="utf-8")
    for option, value in (("--encoding", "no-such-codec"), ("--delimiter", ";;")):
        proc = run_cli("agree", str(path), "--codebook", str(minimal_path), option, value)
        assert proc.returncode == 2, (option, proc.stderr)
        assert option in proc.stderr


def test_every_reader_command_takes_encoding_and_delimiter(run_cli: RunCli) -> None:
    commands = [
        ["agree"], ["check"], ["report"], ["adjudicate"], ["certify"], ["code"], ["export"],
        ["plan"], ["validate-coder"], ["studio", "push"],
    ]  # fmt: skip
    for command in commands:
        shown = run_cli(*command, "--help").stdout
        assert "--encoding" in shown, command
        assert "--delimiter" in shown, command


def test_task_file_from_russian_excel_is_read(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_bytes("unit_id;text\r\nu1;Дунганские фермеры, село\r\n".encode("cp1251"))
    tasks = read_tasks(path)
    assert [(t.unit_id, t.text) for t in tasks] == [("u1", "Дунганские фермеры, село")]


# --- wide sheets ----------------------------------------------------------------------------


def test_wide_sheet_with_a_natural_name_is_recognised_and_asks_for_the_variable(
    tmp_path: Path, run_cli: RunCli, minimal_path: Path
) -> None:
    path = tmp_path / "pilot.csv"
    path.write_text("unit_id,ana,ben\nu1,yes,yes\nu2,no,yes\n", encoding="utf-8")
    asked = run_cli("agree", str(path), "--codebook", str(minimal_path))
    assert asked.returncode == 1
    assert "Traceback" not in asked.stderr
    assert "pilot.csv:1: a wide sheet" in asked.stderr
    assert "--layout wide --variable ID" in asked.stderr
    told = run_cli(
        "agree", str(path), "--codebook", str(minimal_path), "--variable", "relevant",
        "--format", "json",
    )  # fmt: skip
    assert told.returncode == 0, told.stderr
    relevant = json.loads(told.stdout)["variables"][0]
    assert (relevant["variable"], relevant["n_units"], relevant["n_coders"]) == ("relevant", 2, 2)


def test_a_task_file_is_not_taken_for_a_wide_sheet(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_text("unit_id,text,lang\nu1,Салам,ky\n", encoding="utf-8")
    with pytest.raises(IntercoderError, match=r"missing column\(s\) 'coder_id', 'variable'"):
        read_annotation_files([path])


def test_layout_wide_reads_a_sheet_whose_header_looks_long(tmp_path: Path) -> None:
    # coders whose ids happen to be long-format column names: only --layout wide says so
    path = tmp_path / "odd.csv"
    path.write_text("unit_id,value,ana\nu1,yes,no\n", encoding="utf-8")
    with reading(layout="wide", variable="relevant"):
        got = records(path)
    assert got == [("u1", "ana", "relevant", "no"), ("u1", "value", "relevant", "yes")]


def test_missing_columns_error_hints_at_the_wide_layout(tmp_path: Path) -> None:
    path = tmp_path / "half.csv"
    path.write_text("unit_id,coder,variable,value\nu1,a,relevant,yes\n", encoding="utf-8")
    with pytest.raises(IntercoderError) as caught:
        read_annotation_files([path])
    message = str(caught.value)
    assert "missing column(s) 'coder_id' (found 'coder')" in message
    assert "--layout wide --variable ID" in message


def test_wide_sheet_with_many_coders_is_read_and_a_repeated_coder_found(tmp_path: Path) -> None:
    coders = [f"c{i}" for i in range(200_000)]
    path = tmp_path / "many.wide.csv"
    path.write_text(
        "unit_id," + ",".join(coders) + "\nu1," + ",".join(["yes"] * len(coders)) + "\n",
        encoding="utf-8",
    )
    aset = read_annotation_files([path])
    assert len(aset) == len(coders)
    # the same id twice is still found, at the end of a long header
    path.write_text("unit_id," + ",".join([*coders, "c7"]) + "\nu1,yes\n", encoding="utf-8")
    with pytest.raises(IntercoderError, match=r":1: coder 'c7' has two columns"):
        read_annotation_files([path])


# --- labels typed for codes, lists written with ';' ------------------------------------------


def _check(tmp_path: Path, rows: str, book: str = "minimal", **settings: object) -> list[str]:
    path = tmp_path / "typed.csv"
    path.write_text("unit_id,coder_id,variable,value\n" + rows, encoding="utf-8")
    codebook = load_codebook(
        str(Path(__file__).parent / "data" / "minimal.yaml") if book == "minimal" else book
    )
    with reading(**settings):
        checked = check_annotations(read_annotation_files([path]), codebook)
    return [p.message for p in checked.problems] + [
        f"{r.unit_id}={r.value}" for r in checked.annotations
    ]


def test_a_label_typed_for_a_code_names_the_code(tmp_path: Path) -> None:
    got = _check(tmp_path, "u1,ana,relevant,Да\nu2,ana,relevant,Medium\nu3,ana,relevant,YES\n")
    assert got[0] == (
        "relevant: 'Да' is the Russian label of code 'yes' of relevant; write the code 'yes', "
        "or pass --accept-labels to read labels as codes"
    )
    assert got[1].startswith("relevant: 'Medium' is not a code of relevant")
    assert got[2].startswith("relevant: 'YES' is the English label of code 'yes'")


def test_accept_labels_reads_labels_as_codes(tmp_path: Path) -> None:
    got = _check(tmp_path, "u1,ana,relevant,Да\nu2,ana,relevant,нет\n", accept_labels=True)
    assert got == ["u1=yes", "u2=no"]


def test_semicolon_list_error_shows_the_json_list(tmp_path: Path) -> None:
    got = _check(tmp_path, "u1,ana,target_group,uzbeks; kyrgyz\n", book="hate-speech")
    assert got == [
        "target_group: 'uzbeks; kyrgyz' is not a code of target_group; several codes are "
        'written as a JSON list: ["uzbeks", "kyrgyz"] (in a CSV cell as it stands)'
    ]
