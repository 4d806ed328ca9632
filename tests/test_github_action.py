"""The composite action (action.yml): its check step, run by bash as a runner would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _check_step() -> dict:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "check"]
    return step


def _run(tmp_path: Path, files: str, codebook: str, min_alpha: str = "") -> tuple[int, Path]:
    step = _check_step()
    output = tmp_path / "github_output"
    summary = tmp_path / "step_summary.md"
    env = {
        **os.environ,
        # The intercoder under test, first on PATH, as `pip install` would leave it.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_ACTIONS": "true",
        "INPUT_FILES": files,
        "INPUT_CODEBOOK": codebook,
        "INPUT_MIN_ALPHA": min_alpha,
        "INPUT_ARGS": "",
    }
    script = tmp_path / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    proc = subprocess.run(
        ["bash", "-e", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    junit = Path(output.read_text(encoding="utf-8").strip().removeprefix("junit="))
    return proc.returncode, junit


def _annotations(tmp_path: Path, agree: bool) -> None:
    lines = ["unit_id,coder_id,variable,value"]
    for unit in range(12):
        truth = "yes" if unit % 2 else "no"
        lines.append(f"u{unit},ana,relevant,{truth}")
        other = truth if agree or unit % 3 else ("no" if truth == "yes" else "yes")
        lines.append(f"u{unit},bek,relevant,{other}")
        if truth == "yes":
            severity = unit % 4 // 2  # shown after "yes" only; both coders agree on it
            lines += [f"u{unit},ana,severity,{severity}", f"u{unit},bek,severity,{severity}"]
    (tmp_path / "round.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_action_passes_and_writes_junit_and_summary(tmp_path: Path, minimal_path: Path) -> None:
    _annotations(tmp_path, agree=True)
    code, junit = _run(tmp_path, "*.csv", str(minimal_path))
    assert code == 0
    assert junit.is_file()
    assert '<testcase name="relevant"' in junit.read_text(encoding="utf-8")
    assert "relevant" in (tmp_path / "step_summary.md").read_text(encoding="utf-8")


def test_action_fails_the_step_below_threshold(tmp_path: Path, minimal_path: Path) -> None:
    _annotations(tmp_path, agree=False)
    code, junit = _run(tmp_path, "*.csv", str(minimal_path))
    assert code == 1
    assert "<failure" in junit.read_text(encoding="utf-8")
    # A lower threshold from the action's input lets the same round pass.
    code, _ = _run(tmp_path, "*.csv", str(minimal_path), min_alpha="0.0")
    assert code == 0
