"""The pre-commit hook definition teams use to validate codebooks on every commit."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import yaml

from support import RunCli

ROOT = Path(__file__).resolve().parents[1]


def test_hook_runs_the_validator_on_codebook_files(
    run_cli: RunCli, tmp_path: Path, minimal_text: str
) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "intercoder-validate"]
    assert hook["language"] == "python"
    pattern = re.compile(hook["files"])
    assert pattern.search("codebooks/hate-speech/1.0.0.yaml")
    assert pattern.search("project/codebook/ours.yml")
    assert not pattern.search("data/annotations.yaml")

    program, *args = shlex.split(hook["entry"])
    assert program == "intercoder"
    good = tmp_path / "codebooks" / "ok.yaml"
    good.parent.mkdir()
    good.write_text(minimal_text, encoding="utf-8")
    bad = tmp_path / "codebooks" / "bad.yaml"
    bad.write_text(minimal_text.replace("languages:", "langauges:"), encoding="utf-8")
    assert run_cli(*args, str(good)).returncode == 0
    proc = run_cli(*args, str(good), str(bad))
    assert proc.returncode == 1
    assert "did you mean 'languages'" in proc.stderr
