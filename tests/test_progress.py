"""Progress bars of the commands that read big inputs: on a terminal only, never in output.

`agree`, `check`, `report` and `export` show their stages on stderr when the input is at least
``PROGRESS_BYTES`` and stderr is a terminal. The terminal here is a real pseudo-terminal (pty)
given to the command as its stderr, as a person's shell would; the JSON on stdout must stay
exactly what a pipe gets.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from intercoder.commands.options import PROGRESS_BYTES

from support import RunCli

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A long CSV just over the size from which the stages are shown (3 coders, one variable)."""
    path = tmp_path_factory.mktemp("progress") / "codings.csv"
    row = "u{0},coder{1}@example.org,relevant,{2}\n"
    lines = ["unit_id,coder_id,variable,value\n"]
    size, unit = len(lines[0]), 0
    while size <= PROGRESS_BYTES:
        for coder in range(3):
            line = row.format(unit, coder, "yes" if (unit + coder) % 4 else "no")
            lines.append(line)
            size += len(line)
        unit += 1
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _run_on_terminal(*args: str, ci: bool = False) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal and stdout on a pipe: (code, out, screen);
    ``ci``: as in a CI job (``CI=true``)."""
    main, terminal = pty.openpty()
    # A terminal of 24 x 120 characters, as a person's window has (a new pty is 0 x 0).
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k != "CI"}  # a person, not CI
    if ci:
        environment["CI"] = "true"
    process = subprocess.Popen(
        [sys.executable, "-m", "intercoder", *args],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=environment,
    )
    os.close(terminal)
    screen = bytearray()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the command closed the terminal: it has ended
            break
        if not chunk:
            break
        screen.extend(chunk)
    os.close(main)
    assert process.stdout is not None
    out = process.stdout.read().decode("utf-8")
    process.stdout.close()
    return process.wait(timeout=60), out, screen.decode("utf-8", errors="replace")


def test_agree_shows_its_stages_on_a_terminal_and_keeps_json_clean(
    big_file: Path, run_cli: RunCli
) -> None:
    args = ("agree", str(big_file), "--codebook", str(DATA / "minimal.yaml"), "--format", "json")
    code, out, screen = _run_on_terminal(*args)
    assert code == 0, screen
    assert "agree: reading and checking [0/2" in screen
    assert "\r" in screen  # the bar redraws its line and clears it at the end
    piped = run_cli(*args)
    assert piped.returncode == 0, piped.stderr
    assert out == piped.stdout  # the bar went to the terminal, nothing of it to stdout
    assert json.loads(out)["variables"][0]["variable"] == "relevant"


def test_no_bar_when_stderr_is_piped_or_in_ci(big_file: Path, run_cli: RunCli) -> None:
    args = ("agree", str(big_file), "--codebook", str(DATA / "minimal.yaml"))
    piped = run_cli(*args)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    code, _, screen = _run_on_terminal(*args)
    assert code == 0
    assert "reading and checking" in screen
    code, _, screen = _run_on_terminal(*args, ci=True)  # a terminal, but in a CI job
    assert code == 0
    assert "reading and checking" not in screen


def test_export_shows_its_stages_on_a_terminal(big_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "codings.jsonl"
    code, stdout, screen = _run_on_terminal(
        "export", str(big_file), "--to", "jsonl", "-o", str(out)
    )
    assert code == 0, screen
    assert "export: reading [0/2" in screen
    assert stdout == ""
    assert out.stat().st_size > 0


def test_small_inputs_show_no_bar_even_on_a_terminal(tmp_path: Path) -> None:
    path = tmp_path / "codings.csv"
    path.write_text(
        "unit_id,coder_id,variable,value\nu1,ana,relevant,yes\nu1,ben,relevant,no\n",
        encoding="utf-8",
    )
    code, _, screen = _run_on_terminal("agree", str(path), "--codebook", str(DATA / "minimal.yaml"))
    assert code == 0, screen
    assert "reading and checking" not in screen
