"""tox's inline plugin for this project: find the CPythons that pyenv installed.

tox looks for ``python3.12`` and ``python3.13`` on PATH, and pyenv's shims answer only for the
versions made active with ``pyenv global``/``local``, so a plain ``tox`` skipped every Python but
the active one. Before tox looks for interpreters, this puts each pyenv-installed CPython 3.11-3.13
on PATH (the newest patch release of each, the active Python's directory first so it stays the
default). Without pyenv, nothing changes.

(tox-pyenv-redux does this job as a plugin, but with virtualenv 21 its discovery fails on every
environment with "major version component is required", so it is not used.)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

from tox.plugin import impl

WANTED = re.compile(r"^3\.1[123]\.\d+$")


def _pyenv_bins() -> list[str]:
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return []
    try:
        root = subprocess.run(
            [pyenv, "root"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        versions = subprocess.run(
            [pyenv, "versions", "--bare"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return []
    newest: dict[str, tuple[int, ...]] = {}
    for version in versions:
        if WANTED.match(version):
            numbers = tuple(int(part) for part in version.split("."))
            minor = version.rsplit(".", 1)[0]
            newest[minor] = max(newest.get(minor, numbers), numbers)
    bins = [
        os.path.join(root, "versions", ".".join(map(str, numbers)), "bin")
        for numbers in newest.values()
    ]
    return [path for path in sorted(bins) if os.path.isdir(path)]


@impl
def tox_add_core_config(core_conf: Any, state: Any) -> None:
    extra = [path for path in _pyenv_bins() if path not in os.environ.get("PATH", "")]
    if extra:
        os.environ["PATH"] = os.pathsep.join([os.environ.get("PATH", ""), *extra])
