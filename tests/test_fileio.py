"""Output files: written whole or not at all, and an error names the user's path."""

from __future__ import annotations

from pathlib import Path

import pytest

from intercoder.fileio import replacing, write_atomic

from support import RunCli


def test_a_failed_write_names_the_target_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.mkdir()  # renaming a file onto a directory fails after the data is written
    with pytest.raises(IsADirectoryError) as info:
        write_atomic(target, "unit_id\n")
    assert info.value.filename == str(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_an_interrupted_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "gold.csv"
    target.write_text("old\n", encoding="utf-8")

    def write_half_then_ctrl_c() -> None:
        with replacing(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_half_then_ctrl_c()
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gold.csv"]


def test_missing_directories_are_created(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a" / "b" / "out.txt", "x")
    assert (tmp_path / "a" / "b" / "out.txt").read_text(encoding="utf-8") == "x"


def test_a_file_in_the_way_of_a_directory_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "manuals").write_text("I am a file", encoding="utf-8")
    out = tmp_path / "manuals" / "ky.md"
    proc = run_cli("codebook", "export", "hate-speech", "--format", "markdown", "-o", str(out))
    assert proc.returncode == 1
    assert proc.stderr == f"intercoder: error: {out}: {tmp_path / 'manuals'} is not a directory\n"
