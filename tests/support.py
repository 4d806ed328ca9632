"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def write_version(directory: Path, text: str, book_id: str, version: str) -> Path:
    """Store ``text`` as ``book_id@version`` (rewriting its id, version and changelog)."""
    text = text.replace("codebook: minimal", f"codebook: {book_id}", 1)
    text = text.replace("version: 1.0.0\ntitle", f"version: {version}\ntitle", 1)
    text = text.replace("  - version: 1.0.0\n", f"  - version: {version}\n", 1)
    path = directory / book_id / f"{version}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


RunCli = Callable[..., subprocess.CompletedProcess[str]]
