"""The command line as a whole: lazy start-up, exit codes, help, running outside the checkout."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from support import RunCli

#: Only the built-in commands: a third-party plugin installed here must not change the lists.
NO_THIRD_PARTY_PLUGINS = {"INTERCODER_LOAD_PLUGINS": ""}


def test_help_imports_nothing_heavy() -> None:
    """`intercoder --help` must stay fast: no numpy, YAML or attrs loaded for it (pluggy is:
    plugins may add commands that --help lists).

    Counting modules is deterministic, unlike timing (benchmarks/startup.py times it).
    """
    code = (
        "import sys\n"
        "from intercoder.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('numpy', 'yaml', 'attrs', 'jsonschema')"
        " if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY="


# Every command the CLI must have, written out (not read from the group): a command that goes
# missing fails here even though the group's help still names it.
COMMANDS: dict[str, tuple[str, ...]] = {
    "": (
        "adjudicate",
        "agree",
        "certify",
        "check",
        "code",
        "codebook",
        "demo",
        "export",
        "plan",
        "plugins",
        "report",
        "rounds",
        "studio",
        "validate-coder",
    ),
    "codebook": ("diff", "export", "import", "list", "migrate", "schema", "show", "validate"),
    "studio": ("adjudicate", "config", "pull", "push", "serve", "status"),
    "rounds": ("compare", "export", "list", "show"),
}
EVERY_COMMAND = [f"{group} {name}".strip() for group, names in COMMANDS.items() for name in names]


def _listed(help_text: str) -> list[str]:
    """The command names in the ``Commands:`` section of a group's help."""
    section = help_text.split("\nCommands:\n", 1)[1]
    return [m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]*)(?: |$)", section, re.MULTILINE)]


@pytest.mark.parametrize("group", list(COMMANDS), ids=lambda g: g or "intercoder")
def test_each_group_lists_exactly_its_commands(run_cli: RunCli, group: str) -> None:
    proc = run_cli(*group.split(), "--help", env=NO_THIRD_PARTY_PLUGINS)
    assert proc.returncode == 0, proc.stderr
    assert _listed(proc.stdout) == sorted(COMMANDS[group])


@pytest.mark.parametrize("command", EVERY_COMMAND)
def test_every_command_has_its_help(run_cli: RunCli, command: str) -> None:
    proc = run_cli(*command.split(), "--help", env=NO_THIRD_PARTY_PLUGINS)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines()[0].startswith(f"Usage: intercoder {command} [OPTIONS]")


def test_usage_errors_exit_2(run_cli: RunCli) -> None:
    for args in (["no-such-command"], ["codebook", "export", "minimal"], ["--bogus"]):
        proc = run_cli(*args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_show_unknown_codebook_is_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    proc = run_cli("codebook", "show", "no-such-book", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("intercoder: error: no-such-book: unknown codebook")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bundled_codebooks_work_outside_the_checkout(run_cli: RunCli, tmp_path: Path) -> None:
    """Run from an unrelated directory: the bundled codebooks come with the package."""
    proc = run_cli("codebook", "list", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    ids = {row["id"] for row in json.loads(proc.stdout)}
    assert {"hate-speech", "stereotypes", "enemy-images", "conflict-sensitive-reporting"} <= ids


def test_installed_package_carries_its_codebooks() -> None:
    """When installed from a wheel (as tox does), codebooks live inside the package."""
    import intercoder
    from intercoder.codebook.registry import bundled_directory

    package_dir = Path(intercoder.__file__).resolve().parent
    directory = bundled_directory()
    if (package_dir.parent.name == "src") and (package_dir.parents[1] / "codebooks").is_dir():
        assert directory == package_dir.parents[1] / "codebooks"  # a source checkout
    else:
        assert directory == package_dir / "_bundled_codebooks"
    assert (directory / "hate-speech" / "1.0.0.yaml").is_file()
    assert (directory / "codebook.schema.json").is_file()
