"""A lone surrogate (a JSON escape like ``"\\udc80"`` without its pair) is refused where it is
read, with its file and line, so it never reaches an export, a report or the terminal.

Before, `export` and `report` ended in a UnicodeEncodeError traceback when writing it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import RunCli

HEADER = "holds a lone surrogate (U+DC80), which is not Unicode text"


def _jsonl(path: Path, rows: list[dict[str, str]]) -> Path:
    # json.dumps escapes the surrogate as \udc80, as a hostile or broken writer would
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="ascii")
    return path


def _rows(field: str) -> list[dict[str, str]]:
    rows = [
        {"unit_id": "u1", "coder_id": "ana", "variable": "relevant", "value": "yes"},
        {"unit_id": "u1", "coder_id": "ben", "variable": "relevant", "value": "no"},
    ]
    rows[1][field] = rows[1].get(field, "x") + "\udc80"
    return rows


@pytest.mark.parametrize(
    ("field", "to"), [("coder_id", "csv"), ("text", "labelstudio"), ("unit_id", "parquet")]
)
def test_export_refuses_a_lone_surrogate_with_its_line(
    run_cli: RunCli, tmp_path: Path, field: str, to: str
) -> None:
    source = _jsonl(tmp_path / "in.jsonl", _rows(field))
    out = tmp_path / f"out.{to}"
    proc = run_cli("export", str(source), "--to", to, "-o", str(out))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"{source}:2: {field}: {HEADER} " + (
        "(a JSON escape such as \\ud800 without its pair?); write the character itself"
    )
    assert not out.exists()


def test_report_refuses_a_lone_surrogate_in_annotations(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path
) -> None:
    source = _jsonl(tmp_path / "in.jsonl", _rows("text"))
    out = tmp_path / "r.html"
    proc = run_cli("report", str(source), "--codebook", str(minimal_path), "-o", str(out))
    assert proc.returncode == 1
    assert f"{source}:2: text: {HEADER}" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_report_refuses_a_lone_surrogate_in_the_task_texts(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path
) -> None:
    good = [{k: v for k, v in r.items() if k != "x"} for r in _rows("x")]
    source = _jsonl(tmp_path / "in.jsonl", good)
    tasks = _jsonl(tmp_path / "tasks.jsonl", [{"unit_id": "u1", "text": "bad \udc80 text"}])
    out = tmp_path / "r.html"
    proc = run_cli(
        "report", str(source), "--codebook", str(minimal_path), "--tasks", str(tasks),
        "-o", str(out),
    )  # fmt: skip
    assert proc.returncode == 1
    assert f"{tasks}:1: text: {HEADER}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_label_studio_json_with_a_lone_surrogate_is_refused(
    run_cli: RunCli, tmp_path: Path
) -> None:
    export = [
        {
            "id": 1,
            "data": {"text": "a \udc80 b", "unit_id": "u1"},
            "annotations": [
                {
                    "completed_by": {"email": "ana@example.org"},
                    "result": [
                        {
                            "from_name": "relevant",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["yes"]},
                        }
                    ],
                }
            ],
        }
    ]
    source = tmp_path / "ls.json"
    source.write_text(json.dumps(export), encoding="ascii")
    proc = run_cli("export", str(source), "--to", "csv", "-o", str(tmp_path / "o.csv"))
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    assert f"{source}:" in proc.stderr
    assert "lone surrogate (U+DC80)" in proc.stderr


def test_a_lone_surrogate_is_found_among_missing_texts(run_cli: RunCli, tmp_path: Path) -> None:
    # The distinct texts are looked at all at once first; a null among them must not let the
    # surrogate through (that look cannot join a null, so the texts are then taken one by one).
    rows: list[dict[str, str | None]] = [dict(row) for row in _rows("text")]
    rows.insert(0, {**rows[0], "coder_id": "cy", "text": None})
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="ascii")
    proc = run_cli("export", str(source), "--to", "csv", "-o", str(tmp_path / "out.csv"))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{source}:3: text: {HEADER}")


@pytest.mark.parametrize("block", [4, 5, 6, 7, 1 << 20])
def test_a_task_file_is_searched_for_surrogate_escapes_across_its_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """The task reader looks at every value only when the file holds a surrogate's escape,
    which one search of the file finds, block by block: an escape cut by any block seam is
    found, and the bad task is named with its line."""
    from intercoder import tasks as tasks_module
    from intercoder.tasks import TaskFileError, read_tasks

    monkeypatch.setattr(tasks_module, "_BLOCK", block)
    good = [{"unit_id": f"u{i}", "text": "ok"} for i in range(40)]
    for line in (1, 7, 40):
        rows = [dict(row) for row in good]
        rows[line - 1]["text"] = "x" * line + "\udc80"
        path = _jsonl(tmp_path / f"tasks-{line}.jsonl", rows)
        with pytest.raises(TaskFileError) as caught:
            read_tasks(path)
        assert f"{path}:{line}: text: {HEADER}" in str(caught.value.diagnostics[0])
    assert len(read_tasks(_jsonl(tmp_path / "good.jsonl", good))) == 40


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_a_task_file_in_another_encoding_is_still_checked_for_lone_surrogates(
    tmp_path: Path, encoding: str
) -> None:
    """UTF-16 does not write the escape's ASCII bytes as they are: its values are all looked at."""
    from intercoder.tasks import TaskFileError, read_tasks

    path = tmp_path / "tasks.jsonl"
    rows = [{"unit_id": "u1", "text": "ok"}, {"unit_id": "u2", "text": "bad \udc80"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding=encoding)
    with pytest.raises(TaskFileError) as caught:
        read_tasks(path)
    assert f"{path}:2: text: {HEADER}" in str(caught.value.diagnostics[0])
