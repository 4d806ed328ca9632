"""REFI-QDA files are XML 1.0, which cannot hold control characters (not even escaped).

ElementTree writes such a character as it is, so a coder id or a codebook label holding one
gave a .qdpx project or a .qdc codebook that no QDA program (nor Python) can parse. Now the
export refuses it with a located error and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import RunCli


@pytest.mark.parametrize(("field", "char"), [("coder_id", "\x1b"), ("unit_id", "\x01")])
def test_qdpx_export_refuses_an_id_xml_cannot_hold(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path, field: str, char: str
) -> None:
    rows = [
        {"unit_id": "u1", "coder_id": "ana", "variable": "relevant", "value": "yes", "text": "t"},
        {"unit_id": "u1", "coder_id": "ben", "variable": "relevant", "value": "no", "text": "t"},
    ]
    rows[1][field] += char
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "p.qdpx"
    proc = run_cli(
        "export", str(source), "--to", "qdpx", "--codebook", str(minimal_path), "-o", str(out)
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{source}:2: {field} " in proc.stderr
    assert f"holds U+{ord(char):04X}, which REFI-QDA's XML cannot hold" in proc.stderr
    assert not out.exists()


def test_qdc_export_refuses_a_label_xml_cannot_hold(
    run_cli: RunCli, tmp_path: Path, minimal_text: str
) -> None:
    book = tmp_path / "book.yaml"
    book.write_text(
        minimal_text.replace("label: {en: Relevant,", 'label: {en: "Rel\\x01evant",', 1),
        encoding="utf-8",
    )
    out = tmp_path / "book.qdc"
    proc = run_cli("codebook", "export", str(book), "--format", "qdc", "-o", str(out))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(
        "intercoder: error: minimal@1.0.0: a text holds U+0001, which REFI-QDA's XML cannot hold"
    )
    assert "Rel\\x01evant" in proc.stderr  # the place, shown with the character escaped
    assert not out.exists()
