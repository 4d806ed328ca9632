"""Helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from intercoder.coders import LexiconCoder
from intercoder.extensions import Coder

if TYPE_CHECKING:
    from intercoder.annotations import Annotation
    from intercoder.codebook.model import Codebook
    from intercoder.tasks import Task

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


# irrCAC 0.4.4 (Gwet's reference implementation) pins coverage<7 and so does not install on
# Python 3.13: pyproject's test extra has `irrcac==0.4.4; python_version < '3.13'`. The skip
# depends on the Python version alone, so on 3.11 and 3.12 a missing irrCAC fails the
# cross-checks instead of skipping them.
requires_irrcac = pytest.mark.skipif(
    sys.version_info >= (3, 13),
    reason="irrCAC is not installed on Python 3.13+ (test extra: "
    "irrcac==0.4.4; python_version < '3.13'); cross-checked on 3.11 and 3.12",
)


#: Debian's Chromium: the browser tests use it and never download one (CI installs it).
CHROMIUM = Path("/usr/bin/chromium")


def require_chromium() -> Path:
    """The Chromium binary, or a failed test with the install hint (never a silent skip)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Chromium "
            "(`apt-get install chromium`; CI installs it)",
            pytrace=False,
        )
    return CHROMIUM


def sigint_as_a_terminal_sends_it() -> None:
    """``preexec_fn`` of a child a test interrupts with SIGINT: the signal at its default, as
    Ctrl-C reaches a command in a terminal. A child inherits an ignored SIGINT (pytest started
    as a shell's background job, as CI scripts may), and Python then leaves it ignored: the
    interrupt would never arrive and the test would fail for a reason not its own."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class MarkingCoder(Coder):
    """The lexicon's codes through a plain coder (no ``text_values``: workers get tasks), that
    leaves a file named after the first task of each batch it codes in ``marks`` and waits
    ``pause`` seconds; the batch holding ``fail_on`` fails instead. It can travel to worker
    processes (spawn imports it from here), so a test can tell which batches were coded."""

    name = "marking"
    version = "1.0.0"

    def __init__(self, marks: Path, fail_on: str, pause: float) -> None:
        self.marks, self.fail_on, self.pause = marks, fail_on, pause
        self.lexicon = LexiconCoder()

    def code(self, tasks: Iterable[Task], codebook: Codebook) -> Iterator[Annotation]:
        batch = list(tasks)
        (self.marks / batch[0].unit_id).touch()
        if any(task.unit_id == self.fail_on for task in batch):
            raise RuntimeError(f"coder failed on {self.fail_on}")
        time.sleep(self.pause)
        return self.lexicon.code(batch, codebook)
