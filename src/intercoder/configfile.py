"""Finding and reading the configuration file: ``intercoder.toml`` or ``pyproject.toml``.

Every part of intercoder that takes settings from a file (the gate, the coders) finds it the
same way: from a directory upwards, the nearest ``intercoder.toml``, or a ``pyproject.toml``
with a ``[tool.intercoder]`` table (``intercoder.toml`` wins in a directory that has both).
In ``intercoder.toml`` the settings sit at the top level; in ``pyproject.toml`` under
``[tool.intercoder]``.

Coder settings live in ``[tool.intercoder.coders.NAME]`` (``[coders.NAME]`` in
``intercoder.toml``); :func:`coder_settings` reads one coder's table as text values, the form
``--coder-option KEY=VALUE`` gives them too.

Bad files raise :class:`ConfigError` (a usage error, exit 2, for the commands).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CONFIG_FILE = "intercoder.toml"
PYPROJECT = "pyproject.toml"


class ConfigError(Exception):
    """A bad setting (configuration file, option or combination): a usage error, exit 2."""


def find_config(start: Path) -> Path | None:
    """The nearest ``intercoder.toml``, or ``pyproject.toml`` with ``[tool.intercoder]``."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        candidate = directory / PYPROJECT
        if candidate.is_file() and tool_table(read_toml(candidate)) is not None:
            return candidate
    return None


def tool_table(pyproject: Mapping[str, Any]) -> Any:
    """``[tool.intercoder]`` of a pyproject.toml, None when there is none."""
    tool = pyproject.get("tool")
    return tool.get("intercoder") if isinstance(tool, dict) else None


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML file; a ConfigError naming the file when it cannot be read or parsed."""
    shown = display(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror or exc}") from None


def settings_table(path: Path) -> tuple[dict[str, Any], str]:
    """intercoder's settings in ``path`` and their section (``"tool.intercoder"`` or ``""``)."""
    data = read_toml(path)
    if path.name != PYPROJECT:
        return data, ""
    table = tool_table(data)
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{display(path)}: [tool.intercoder]: expected a table")
    return table, "tool.intercoder"


def display(path: Path) -> Path:
    """``path`` relative to the working directory when below it (shorter messages)."""
    try:
        relative = Path(os.path.relpath(path))
    except ValueError:  # pragma: no cover - another drive on Windows
        return path
    return path if relative.parts[:1] == ("..",) else relative


def coder_settings(path: Path | None, coder: str) -> dict[str, str]:
    """The ``[coders.<coder>]`` table of the configuration file ``path`` as text values.

    Numbers and booleans are written as ``--coder-option`` would give them (``0.2``,
    ``true``); a nested table or a list is a ConfigError naming the file and key.
    """
    if path is None:
        return {}
    table, section = settings_table(path)
    where = f"{display(path)}: [{section + '.' if section else ''}coders"
    coders = table.get("coders", {})
    if not isinstance(coders, dict):
        raise ConfigError(f"{where}]: expected a table of coder tables")
    raw = coders.get(coder, {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.{coder}]: expected a table")
    values: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif isinstance(value, str | int | float):
            values[key] = str(value)
        else:
            raise ConfigError(
                f"{where}.{coder}] {key}: expected text, a number or true/false, "
                f"got {type(value).__name__}"
            )
    return values


def parse_option(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` split at the first ``=``; a ConfigError when there is none or no key."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value
