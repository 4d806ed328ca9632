"""Shared fixtures: the minimal codebook, a codebook directory, and running the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
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


@pytest.fixture(scope="session")
def run_cli() -> RunCli:
    """Run ``python -m intercoder ARGS`` as a real process; returns the completed process.

    ``env`` is laid over the current environment; a ``None`` value removes that variable.
    ``errors`` is how undecodable output is handled (``"replace"`` where a test feeds the CLI
    damaged bytes); ``timeout`` in seconds. Session-scoped: it holds no state, and
    module-scoped fixtures (a report built once) use it too.
    """

    def run(
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str | None] | None = None,
        input: str | None = None,
        timeout: float = 120,
        errors: str = "strict",
    ) -> subprocess.CompletedProcess[str]:
        environment = dict(os.environ)
        for name, value in (env or {}).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        return subprocess.run(
            [sys.executable, "-m", "intercoder", *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors=errors,
            cwd=cwd,
            env=environment,
            input=input,
            timeout=timeout,
            check=False,
        )

    return run
