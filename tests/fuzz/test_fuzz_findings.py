"""Regression tests for what the fuzz suite found: each input ended in a traceback before.

One test per finding, with the smallest input that showed it, run through the real command
where a command reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from intercoder.codebook.refiqda import to_qdc
from intercoder.codebook.registry import load_codebook
from intercoder.codebook.validate import parse_codebook
from intercoder.errors import CodebookError

from support import RunCli


@pytest.mark.parametrize(
    ("data", "where", "code"),
    [
        (b"\x01ormat: 1\n", "1:1", "U+0001"),
        (b'format: 1\ntitle: "a\x7f"\n', "2:10", "U+007F"),
        ("format: 1\ncodebook: \x9f\n".encode(), "2:11", "U+009F"),
    ],
)
def test_a_control_character_in_a_codebook_is_located(data: bytes, where: str, code: str) -> None:
    """yaml's ReaderError (no mark, only a position) escaped the loader as a traceback."""
    with pytest.raises(CodebookError) as caught:
        parse_codebook(data, "book.yaml")
    assert str(caught.value).startswith(
        f"book.yaml:{where}: YAML syntax: the character {code} is not allowed in YAML text"
    )


def test_codebook_validate_reports_a_control_character(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_bytes(b"format: 1\n\x01codebook: x\n")
    proc = run_cli("codebook", "validate", str(path))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{path.name}:2:1: YAML syntax: the character U+0001" in proc.stdout + proc.stderr


def test_a_qdc_code_the_origin_codebook_lacks_is_named_with_the_file(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """The error of an update from a .qdc file did not say which file it was about."""
    book = load_codebook("hate-speech")
    extra = '<Code guid="00000000-0000-0000-0000-000000000001" name="New" isCodable="true"/>'
    text = to_qdc(book, "en").replace("<Codes>", f"<Codes>{extra}", 1)
    path = tmp_path / "edited.qdc"
    path.write_text(text, encoding="utf-8")
    proc = run_cli("codebook", "import", str(path), "-o", str(tmp_path / "out.yaml"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(
        f"intercoder: error: {path}: the .qdc file has codes that {book.ref} does not: New;"
    )


def test_a_csv_header_cell_over_the_field_limit_is_located(run_cli: RunCli, tmp_path: Path) -> None:
    """csv.Error from reading the header escaped the row reader."""
    path = tmp_path / "wide-header.csv"
    path.write_text("unit_id,coder_id,variable," + "x" * 140_000 + "\n", encoding="utf-8")
    proc = run_cli("export", str(path), "--to", "jsonl", "-o", str(tmp_path / "o.jsonl"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{path}:1: malformed CSV header: a cell longer than 131,072")


HOSTILE_VALUES = [
    ("[" * 3000 + "]" * 3000, "nested too deeply"),
    ("9" * 5001, "a number with thousands of digits"),
]


def _jsonl(value: str) -> tuple[str, str, str]:
    good = '{"unit_id": "u1", "coder_id": "a", "variable": "relevant", "value": "yes"}\n'
    bad = '{"unit_id": "u1", "coder_id": "b", "variable": "relevant", "value": ' + value + "}\n"
    return "hostile.jsonl", good + bad, "2: not valid JSON here"


def _label_studio(value: str) -> tuple[str, str, str]:
    return (
        "export.json",
        '[{"id": 1, "data": {"text": "t"}},\n {"id": ' + value + "}]",
        "2:2: not valid JSON in this task",
    )


@pytest.mark.parametrize(("value", "message"), HOSTILE_VALUES)
@pytest.mark.parametrize("make", [_jsonl, _label_studio], ids=["jsonl", "label-studio"])
def test_json_nested_too_deep_or_a_huge_integer_is_located(
    run_cli: RunCli, tmp_path: Path, make: Any, value: str, message: str
) -> None:
    """json's decoder raised RecursionError / ValueError through the JSONL row reader and the
    Label Studio importer."""
    name, text, where = make(value)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    proc = run_cli("export", str(path), "--to", "csv", "-o", str(tmp_path / "o.csv"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{path}:{where}: {message}")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("[" * 3000 + "]" * 3000, "is not a JSON list (nested too deeply"),
        ("[" + "9" * 5001 + "]", "is not a JSON list (a number with thousands of digits"),
    ],
)
def test_a_csv_list_cell_nested_too_deep_or_with_a_huge_integer_is_located(
    run_cli: RunCli, tmp_path: Path, cell: str, message: str
) -> None:
    """json.loads of a list cell raised RecursionError / ValueError through the reader."""
    path = tmp_path / "deep.csv"
    path.write_text(
        f"unit_id,coder_id,variable,value\nu1,a,relevant,yes\nu1,b,relevant,{cell}\n",
        encoding="utf-8",
    )
    proc = run_cli("export", str(path), "--to", "jsonl", "-o", str(tmp_path / "o.jsonl"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{path}:3: value: ")
    assert message in proc.stderr


@pytest.mark.parametrize("first", ["null", "1", "[]"])
def test_a_jsonl_line_that_is_not_an_object_never_reaches_arrow(
    run_cli: RunCli, tmp_path: Path, first: str
) -> None:
    """pyarrow's JSON reader ended the process with a segfault on a first line "null"."""
    path = tmp_path / "not-objects.jsonl"
    good = '{"unit_id": "u1", "coder_id": "a", "variable": "relevant", "value": "yes"}'
    path.write_text(f"{first}\n{good}\n", encoding="utf-8")
    proc = run_cli("export", str(path), "--to", "csv", "-o", str(tmp_path / "o.csv"))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip() == f"{path}:1: each line must be a JSON object"


@pytest.mark.parametrize("encoding", ["u9999", "utf-7"])
def test_a_qdc_file_declaring_an_unreadable_encoding_is_located(
    run_cli: RunCli, tmp_path: Path, encoding: str
) -> None:
    """expat raised LookupError (unknown codec) or ValueError (UTF-7) through the importer."""
    path = tmp_path / "odd.qdc"
    path.write_text(
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',
        encoding="ascii",
    )
    proc = run_cli("codebook", "import", str(path), "-o", str(tmp_path / "out.yaml"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(
        f"intercoder: error: {path}:1: the XML declaration names an encoding that cannot be read"
    )
