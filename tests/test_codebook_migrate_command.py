"""``intercoder codebook migrate``: annotation files coded under 1.0.x moved to 2.0.0.

Real files coded under hate-speech@1.0.0 and enemy-images@1.0.0 go through the command; the
expected codes are the ones each codebook's 2.0.0 migration map names (``merged_into``,
``replaced_by``), read here from the codebook itself, not written down. The migrated file must
pass ``agree`` under 2.0.0; the recode queue must list exactly the records of split codes.
Bundled 2.0.0 codebooks retire no code with a single ``replaced_by``, so that case uses a
minimal codebook with a 2.0.0 that replaces one code by another.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

import intercoder
from intercoder.annotations import check_annotations, read_annotations
from intercoder.formats import read_annotation_files
from intercoder.workflow.migrate import migrate_files

HATE_1 = "hate-speech@1.0.0"
HATE_2 = "hate-speech@2.0.0"
ENEMY_1 = "enemy-images@1.0.0"
ENEMY_2 = "enemy-images@2.0.0"


def _write(path: Path, book: str, rows: list[tuple[str, str, str, Any]]) -> Path:
    path.write_text(
        "".join(
            json.dumps(
                {"unit_id": u, "coder_id": c, "variable": v, "value": x, "codebook": book},
                ensure_ascii=False,
            )
            + "\n"
            for u, c, v, x in rows
        ),
        encoding="utf-8",
    )
    return path


#: enemy-images@1.0.0 codings: merged codes in a list (e1, e3), a split code (e2, ana),
#: a code without successor (polarisation 0) and codes that stay (uzbeks, kyrgyz).
ENEMY_ROWS: list[tuple[str, str, str, Any]] = [
    ("e1", "ana", "enemy", ["ethnic_group", "religious_group"]),
    ("e1", "bek", "enemy", ["ethnic_group"]),
    ("e2", "ana", "enemy", ["other_enemy", "uzbeks"]),
    ("e2", "bek", "enemy", ["uzbeks"]),
    ("e3", "ana", "enemy", ["domestic_political_opponents"]),
    ("e3", "bek", "enemy", ["domestic_political_opponents", "kyrgyz"]),
    ("e1", "ana", "polarisation", "0"),
    ("e1", "bek", "polarisation", "2"),
]

#: hate-speech@1.0.0 codings: severity 0 has no successor in 2.0.0; the rest carry over.
HATE_ROWS: list[tuple[str, str, str, Any]] = [
    (unit, coder, variable, value)
    for unit, answers in {
        "u1": {"hate_speech": "yes", "target_group": ["uzbeks"], "severity": "2"},
        "u2": {"hate_speech": "yes", "target_group": ["jews", "muslims"], "severity": "3"},
        "u3": {"hate_speech": "no"},
        "u4": {"hate_speech": "yes", "target_group": ["russians"], "severity": "0"},
    }.items()
    for coder in ("ana", "bek")
    for variable, value in answers.items()
]


def _map(ref: str, variable: str, code: str) -> tuple[str, ...]:
    """Where the 2.0.0 codebook says an old code's codings go."""
    cat = intercoder.load_codebook(ref).variable(variable).category(code)
    return (cat.merged_into,) if cat.merged_into else cat.replaced_by


def _by_key(path: Path) -> dict[tuple[str, str, str], Any]:
    return {(r.unit_id, r.coder_id, r.variable): r.value for r in read_annotation_files([path])}


def test_enemy_images_merged_codes_carry_over_and_the_rest_is_reported(
    run_cli: Any, tmp_path: Path
) -> None:
    coded = _write(tmp_path / "enemy-1.0.0.jsonl", ENEMY_1, ENEMY_ROWS)
    out = tmp_path / "enemy-2.0.0.jsonl"
    queue = tmp_path / "recode.csv"
    proc = run_cli(
        "codebook", "migrate", str(coded), "--from", ENEMY_1, "--to", ENEMY_2,
        "-o", str(out), "--recode", str(queue),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[-1] == (
        f"migrated 8 records from {ENEMY_1} to {ENEMY_2}: 2 unchanged, 4 merged, 0 replaced, "
        f"1 to recode, 1 dropped -> {out}"
    )
    assert f"{coded}:7: dropped: polarisation:" in proc.stderr
    back = _by_key(out)
    ethnic, religious = (
        _map(ENEMY_2, "enemy", "ethnic_group"),
        _map(ENEMY_2, "enemy", "religious_group"),
    )
    political = _map(ENEMY_2, "enemy", "domestic_political_opponents")
    assert back["e1", "ana", "enemy"] == sorted(ethnic + religious)
    assert back["e1", "bek", "enemy"] == list(ethnic)
    assert back["e3", "bek", "enemy"] == sorted((*political, "kyrgyz"))
    assert back["e2", "bek", "enemy"] == ["uzbeks"]
    # the split code and the code without successor are not written
    assert ("e2", "ana", "enemy") not in back
    assert ("e1", "ana", "polarisation") not in back
    assert {r.codebook for r in read_annotations(out)} == {ENEMY_2}
    with queue.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["unit_id"], r["coder_id"], r["variable"]) for r in rows] == [("e2", "ana", "enemy")]
    (row,) = rows
    assert list(row) == [
        "unit_id", "coder_id", "variable", "old_code", "candidates", "reason", "decision",
    ]  # fmt: skip
    assert json.loads(row["old_code"]) == ["other_enemy", "uzbeks"]
    assert row["candidates"].split(", ") == list(_map(ENEMY_2, "enemy", "other_enemy"))
    assert "'other_enemy' split in 2.0.0" in row["reason"]
    assert row["decision"] == ""
    assert run_cli("agree", str(out), "--codebook", ENEMY_2).returncode == 0


def test_hate_speech_file_migrates_and_passes_agree_under_2_0_0(
    run_cli: Any, tmp_path: Path
) -> None:
    coded = _write(tmp_path / "hate-1.0.0.jsonl", HATE_1, HATE_ROWS)
    refused = run_cli("agree", str(coded), "--codebook", HATE_2)
    assert refused.returncode == 1
    assert "migrate the codings first (intercoder codebook migrate)" in refused.stderr
    out = tmp_path / "hate-2.0.0.csv"  # another format than the input: the exporter registry
    proc = run_cli(
        "codebook", "migrate", str(coded), "--from", HATE_1, "--to", HATE_2, "-o", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[-1].endswith(
        "18 unchanged, 0 merged, 0 replaced, 0 to recode, 2 dropped -> " + str(out)
    )
    assert "--recode" not in proc.stderr  # nothing to recode: no hint
    back = _by_key(out)
    assert len(back) == 18
    assert ("u4", "ana", "severity") not in back
    assert back["u2", "bek", "target_group"] == ["jews", "muslims"]
    agreed = run_cli("agree", str(out), "--codebook", HATE_2, "--format", "json")
    assert agreed.returncode == 0, agreed.stderr


def test_without_recode_the_command_says_how_many_and_to_pass_it(
    run_cli: Any, tmp_path: Path
) -> None:
    coded = _write(tmp_path / "enemy.jsonl", ENEMY_1, ENEMY_ROWS)
    proc = run_cli(
        "codebook", "migrate", str(coded), "--from", ENEMY_1, "--to", ENEMY_2,
        "-o", str(tmp_path / "out.jsonl"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "1 record(s) need recoding by a person: pass --recode" in proc.stderr


def test_the_library_result_checks_cleanly_against_the_new_codebook(tmp_path: Path) -> None:
    coded = _write(tmp_path / "enemy.jsonl", ENEMY_1, ENEMY_ROWS)
    new = intercoder.load_codebook(ENEMY_2)
    result = migrate_files([coded], intercoder.load_codebook(ENEMY_1), new)
    checked = check_annotations(result.annotations, new)
    assert not checked.problems, [str(p) for p in checked.problems]
    assert [(r.unit_id, r.coder_id) for r in result.recode] == [("e2", "ana")]
    assert [(r.unit_id, r.variable) for r in result.dropped] == [("e1", "polarisation")]
    assert "without a successor" in result.dropped[0].reason


@pytest.fixture
def minimal_two(codebook_dir: Path, minimal_text: str) -> Path:
    """minimal@1.0.0 and a 2.0.0 that retires severity 0, replaced by 1 (one target)."""
    (codebook_dir / "minimal").mkdir()
    (codebook_dir / "minimal" / "1.0.0.yaml").write_text(minimal_text, encoding="utf-8")
    newer = minimal_text.replace("version: 1.0.0", "version: 2.0.0", 1)
    newer = newer.replace(
        "changelog:\n",
        'changelog:\n  - version: 2.0.0\n    date: "2026-12-01"\n    changes: [Severity 0 is 1.]\n',
    )
    old_zero = '      - code: "0"\n'
    assert old_zero in newer
    newer = newer.replace(
        old_zero, old_zero + '        retired_in: "2.0.0"\n        replaced_by: ["1"]\n'
    )
    (codebook_dir / "minimal" / "2.0.0.yaml").write_text(newer, encoding="utf-8")
    return codebook_dir


def test_a_code_replaced_by_one_target_migrates(
    run_cli: Any, tmp_path: Path, minimal_two: Path
) -> None:
    env = {"INTERCODER_CODEBOOK_PATH": str(minimal_two)}
    coded = _write(
        tmp_path / "m.jsonl",
        "minimal@1.0.0",
        [
            ("t1", "ana", "severity", "0"),
            ("t1", "bek", "severity", "1"),
            ("t1", "ana", "relevant", "yes"),
        ],
    )
    out = tmp_path / "m2.jsonl"
    proc = run_cli(
        "codebook", "migrate", str(coded), "--from", "minimal@1.0.0", "--to", "minimal@2.0.0",
        "-o", str(out), env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "2 unchanged, 0 merged, 1 replaced, 0 to recode, 0 dropped" in proc.stderr
    assert _by_key(out)["t1", "ana", "severity"] == "1"
    assert run_cli("agree", str(out), "--codebook", "minimal@2.0.0", env=env).returncode == 0


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (HATE_1, ENEMY_2, "cannot migrate between different codebooks"),
        (HATE_2, HATE_1, "cannot migrate backwards"),
        (HATE_1, "hate-speech@9.9.9", "hate-speech@9.9.9"),
    ],
)
def test_refused_references_are_usage_errors(
    run_cli: Any, tmp_path: Path, old: str, new: str, says: str
) -> None:
    coded = _write(tmp_path / "hate.jsonl", HATE_1, HATE_ROWS)
    out = tmp_path / "out.jsonl"
    proc = run_cli("codebook", "migrate", str(coded), "--from", old, "--to", new, "-o", str(out))
    assert proc.returncode == 2
    # click's usage form: the usage line, then one line saying what is wrong
    (error,) = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert says in error
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_a_bad_input_file_is_a_located_error_and_nothing_is_written(
    run_cli: Any, tmp_path: Path
) -> None:
    rows = [*HATE_ROWS[:2], ("u9", "ana", "hate_speech", "perhaps")]
    coded = _write(tmp_path / "hate.jsonl", HATE_1, rows)
    out, queue = tmp_path / "out.jsonl", tmp_path / "queue.csv"
    proc = run_cli(
        "codebook", "migrate", str(coded), "--from", HATE_1, "--to", HATE_2,
        "-o", str(out), "--recode", str(queue),
    )  # fmt: skip
    assert proc.returncode == 1
    assert f"{coded}:3" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()
    assert not queue.exists()
