"""Shared fixtures: the minimal codebook, a codebook directory, and running the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support import RunCli

DATA = Path(__file__).parent / "data"


@pytest.fixture
def minimal_path() -> Path:
    return DATA / "minimal.yaml"


@pytest.fixture
def minimal_text(minimal_path: Path) -> str:
    return minimal_path.read_text(encoding="utf-8")


@pytest.fixture
def codebook_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty codebook directory (``<id>/<version>.yaml``) on INTERCODER_CODEBOOK_PATH."""
    directory = tmp_path / "codebooks"
    directory.mkdir()
    monkeypatch.setenv("INTERCODER_CODEBOOK_PATH", str(directory))
    return directory


@pytest.fixture
def run_cli() -> RunCli:
    """Run ``python -m intercoder ARGS`` as a real process; returns the completed process."""

    def run(
        *args: str,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "intercoder", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=cwd,
            env={**os.environ, **(env or {})},
            input=input,
            timeout=120,
            check=False,
        )

    return run
