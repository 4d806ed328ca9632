"""Damaged and hostile annotation files: each one located line, exit 1, never a traceback, and
nothing read wrong in silence.

Each case is a file as an attacker or a broken tool would write it. The CLI runs as a real
process (``run_cli``); the out-of-memory case runs the reader in a child process whose address
space is limited with ``resource.setrlimit``, so the MemoryError is a real one.
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from intercoder.annotations import SUGGESTIONS, Suggester, check_annotations, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.errors import IntercoderError
from intercoder.formats.tabular import Parquet
from intercoder.tasks import read_tasks

from support import RunCli

LONG = "unit_id,coder_id,variable,value\n"


def _jsonl(value: str, **extra: str) -> str:
    fields = "".join(f', "{k}": {v}' for k, v in extra.items())
    return (
        '{"unit_id": "u1", "coder_id": "ana", "variable": "relevant", "value": '
        + value
        + fields
        + "}\n"
    )


def _label_studio(completed_by: str = "1", start: str = "0") -> str:
    task = {
        "id": 1,
        "data": {"unit_id": "u1", "text": "Дунганские фермеры"},
        "annotations": [
            {
                "completed_by": "COMPLETED",
                "result": [
                    {
                        "from_name": "relevant",
                        "type": "labels",
                        "value": {"start": "START", "end": 3, "labels": ["yes"]},
                    }
                ],
            }
        ],
    }
    text = json.dumps([task], ensure_ascii=False)
    return text.replace('"COMPLETED"', completed_by).replace('"START"', start)


CASES = {
    "header cell over the csv field limit": (
        "tasks.csv",
        "unit_id,text," + "x" * 200_000 + "\nu1,hello,1\n",
        r"tasks\.csv:1: malformed CSV header: a cell longer than 131,072 characters",
    ),
    "5,001-digit integer in JSONL": (
        "a.jsonl",
        _jsonl("9" * 5001),
        r"a\.jsonl:1: not valid JSON here: a number with thousands of digits",
    ),
    "5,001-digit integer in Label Studio JSON": (
        "a.json",
        _label_studio(completed_by="9" * 5001),
        r"a\.json:1:2: not valid JSON in this task: a number with thousands of digits",
    ),
    "nesting 3,000 deep in JSONL": (
        "a.jsonl",
        _jsonl("[" * 3000 + "]" * 3000),
        r"a\.jsonl:1: not valid JSON here: nested too deeply",
    ),
    "nesting 3,000 deep in a CSV list cell": (
        "a.csv",
        LONG + 'u1,ana,relevant,"' + "[" * 3000 + "]" * 3000 + '"\n',
        r"a\.csv:2: value: .* is not a JSON list \(nested too deeply",
    ),
    "nesting 3,000 deep in Label Studio JSON": (
        "a.json",
        _label_studio(start="[" * 3000 + "]" * 3000),
        r"a\.json:1:2: not valid JSON in this task: nested too deeply",
    ),
    "offset of 10^20 in JSONL": (
        "a.jsonl",
        _jsonl('"yes"', start="100000000000000000000", end="100000000000000000001"),
        r"a\.jsonl:1: start: '100000000000000000000' is too large for a character offset",
    ),
    "offset of 10^20 in CSV": (
        "a.csv",
        "unit_id,coder_id,variable,value,start,end\n"
        "u1,ana,relevant,yes,100000000000000000000,100000000000000000001\n",
        r"a\.csv:2: start: '100000000000000000000' is too large for a character offset",
    ),
    "offset of 10^20 in Label Studio JSON": (
        "a.json",
        _label_studio(start="100000000000000000000"),
        r"a\.json:1:2: annotations\[0\]\.result\[0\]: labels: value\.start is too large",
    ),
    "duplicate CSV header": (
        "a.csv",
        "unit_id,coder_id,variable,value,value\nu1,ana,relevant,yes,no\n",
        r"a\.csv:1: column 'value' appears twice \(columns 4 and 5\)",
    ),
    "NUL in a unit id": (
        "a.csv",
        LONG + "u\x001,ana,relevant,yes\n",
        r"a\.csv:2: unit_id: contains a NUL character",
    ),
    "NUL in a coder id (JSONL)": (
        "a.jsonl",
        '{"unit_id": "u1", "coder_id": "a\\u0000na", "variable": "relevant", "value": "yes"}\n',
        r"a\.jsonl:1: coder_id: contains a NUL character",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hostile_file_is_one_located_line(
    run_cli: RunCli, tmp_path: Path, minimal_path: Path, case: str
) -> None:
    name, content, message = CASES[case]
    (tmp_path / name).write_text(content, encoding="utf-8")
    if name == "tasks.csv":
        args = ["code", name, "--coder", "lexicon", "--codebook", str(minimal_path), "-o", "o.csv"]
    else:
        args = ["agree", name, "--codebook", str(minimal_path)]
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("intercoder: error")]
    assert len(lines) <= 1, proc.stderr
    assert len(proc.stderr) < 600, proc.stderr
    assert re.search(message, proc.stderr), proc.stderr


def test_duplicate_header_is_refused_in_a_task_file_too(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_text("unit_id,text,text\nu1,a,b\n", encoding="utf-8")
    with pytest.raises(IntercoderError, match=r"column 'text' appears twice \(columns 2 and 3\)"):
        read_tasks(path)


def test_underscored_number_is_not_read_as_ten(tmp_path: Path) -> None:
    book = load_codebook("conflict-sensitive-reporting")
    path = tmp_path / "n.csv"
    path.write_text(LONG + "u1,ana,source_count,1_0\nu2,ana,source_count,10\n", encoding="utf-8")
    checked = check_annotations(read_annotations(path), book)
    assert [p.message for p in checked.problems] == ["source_count: '1_0' is not a number"]
    assert [r.value for r in checked.annotations] == [10.0]


@pytest.mark.parametrize(
    ("values", "arrow_type", "shown"),
    [
        ([1e20], pa.float64(), "1e+20"),
        ([2**64 - 1], pa.uint64(), str(2**64 - 1)),
    ],
)
def test_parquet_offsets_too_large_are_refused_not_wrapped(
    tmp_path: Path, values: list[float], arrow_type: pa.DataType, shown: str
) -> None:
    table = pa.table(
        {
            "unit_id": ["u1"],
            "coder_id": ["ana"],
            "variable": ["evidence"],
            "value": ["target_mention"],
            "start": pa.array(values, type=arrow_type),
            "end": pa.array(values, type=arrow_type),
        }
    )
    path = tmp_path / "big.parquet"
    pq.write_table(table, path)
    with pytest.raises(IntercoderError) as caught:
        Parquet().read(path)
    assert str(caught.value).startswith(
        f"{path}:1: start: {shown} is too large for a character offset"
    )


def test_nul_in_parquet_ids_is_refused(tmp_path: Path) -> None:
    table = pa.table(
        {"unit_id": ["u\x001"], "coder_id": ["ana"], "variable": ["x"], "value": ["yes"]}
    )
    path = tmp_path / "nul.parquet"
    pq.write_table(table, path)
    with pytest.raises(IntercoderError, match=r"nul\.parquet:1: unit_id: contains a NUL"):
        Parquet().read(path)


def test_a_file_bigger_than_memory_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = _jsonl('"yes"').encode("utf-8")
    with path.open("wb") as stream:
        chunk = line * ((1 << 20) // len(line))
        for _ in range(256):  # 256 MB, more than the child may allocate
            stream.write(chunk)
    child = textwrap.dedent(
        f"""
        import resource, sys
        from intercoder.errors import IntercoderError
        from intercoder.tasks import read_tasks
        with open("/proc/self/status") as status:
            size = next(int(l.split()[1]) for l in status if l.startswith("VmSize")) * 1024
        limit = size + (128 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        try:
            read_tasks({str(path)!r})
        except IntercoderError as exc:
            print(exc)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"{path}: too big to read into memory"), proc.stdout


def test_did_you_mean_in_a_large_codebook_finds_the_name_difflib_finds() -> None:
    names = [f"variable_{i:05d}" for i in range(20_000)] + ["source_count", "target_group"]
    words = ["varaible_01234", "sourse_count", "target_grup", "variable_1999", "zzz"]
    shortlisted = Suggester(names)
    for word in words:
        expected = difflib.get_close_matches(word, names, n=1)  # the full, slow comparison
        assert shortlisted.closest(word) == (expected[0] if expected else None), word


def test_only_the_first_unknown_variables_get_a_suggestion(tmp_path: Path) -> None:
    book = load_codebook(str(Path(__file__).parent / "data" / "minimal.yaml"))
    path = tmp_path / "many.csv"
    rows = "".join(f"u1,ana,relevnt{i},yes\n" for i in range(SUGGESTIONS + 5))
    path.write_text(LONG + rows, encoding="utf-8")
    problems = check_annotations(read_annotations(path), book).problems
    hinted = [p.message for p in problems if "did you mean 'relevant'" in p.message]
    assert len(problems) == SUGGESTIONS + 5
    assert len(hinted) == SUGGESTIONS
