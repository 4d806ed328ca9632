"""The gate's settings: defaults, configuration files and their layers.

Settings come in layers, the later winning:

1. built-in defaults and the thresholds of the codebook (``reliability: {pass, tentative}``);
2. the ``[tool.intercoder]`` table of ``pyproject.toml``, or the top level of
   ``intercoder.toml``, found from the working directory upwards (``intercoder.toml`` wins
   in a directory that has both);
3. ``[tool.intercoder.variables.<id>]`` (``[variables.<id>]`` in ``intercoder.toml``);
4. command-line options.

Bad settings raise :class:`ConfigError`; the command turns it into a usage error (exit 2).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

# Re-exported: the gate's public names from before the file reading moved down a layer.
from ..configfile import CONFIG_FILE as CONFIG_FILE
from ..configfile import PYPROJECT as PYPROJECT
from ..configfile import ConfigError as ConfigError
from ..configfile import display as _display
from ..configfile import find_config as find_config
from ..configfile import settings_table

JUDGES = ("point", "ci-low", "q")
TENTATIVE_CHOICES = ("warn", "fail")
INSUFFICIENT_CHOICES = ("fail", "warn")
#: Bootstrap resamples when a variable is judged on the bootstrap and none were asked for.
DEFAULT_BOOTSTRAP = 10_000
#: A fixed default seed: the same data always give the same verdict.
DEFAULT_SEED = 0
DEFAULT_MAX_Q = 0.05

OK, WARNING, FAILURE = "ok", "warning", "failure"
#: Problems listed before "... and N more" in every rendering.
MAX_SHOWN = 20


# --- settings ------------------------------------------------------------------------------


@attrs.frozen
class Settings:
    """One layer of settings; ``None`` leaves the value to the layer below."""

    min_alpha: float | None = None
    tentative_alpha: float | None = None
    tentative: str | None = None
    insufficient_data: str | None = None
    judge: str | None = None
    max_q: float | None = None

    def over(self, below: Settings) -> Settings:
        """These settings, falling back to ``below`` where unset."""
        return Settings(
            **{
                field.name: (
                    getattr(self, field.name)
                    if getattr(self, field.name) is not None
                    else getattr(below, field.name)
                )
                for field in attrs.fields(Settings)
            }
        )


BUILTIN = Settings(tentative="warn", insufficient_data="fail", judge="point", max_q=DEFAULT_MAX_Q)


@attrs.frozen
class GateConfig:
    """Settings read from a configuration file (or none: :data:`NO_CONFIG`)."""

    path: Path | None = None
    section: str = ""
    settings: Settings = Settings()
    variables: Mapping[str, Settings] = attrs.field(factory=dict)
    bootstrap: int | None = None
    seed: int | None = None

    def where(self, variable: str | None = None) -> str:
        """``pyproject.toml: [tool.intercoder.variables.x]``, for messages."""
        table = self.section
        if variable is not None:
            table = f"{table}.variables.{variable}" if table else f"variables.{variable}"
        name = str(self.path) if self.path is not None else "configuration"
        return f"{name}: [{table}]" if table else name


NO_CONFIG = GateConfig()

_SETTING_KEYS = {
    "min-alpha": "min_alpha",
    "tentative-alpha": "tentative_alpha",
    "tentative": "tentative",
    "insufficient-data": "insufficient_data",
    "judge": "judge",
    "max-q": "max_q",
}
# ``coders`` holds the coders' settings (read by ``intercoder code``, see intercoder.configfile).
_TOP_KEYS = (*_SETTING_KEYS, "bootstrap", "seed", "variables", "coders")


def load_config(path: Path) -> GateConfig:
    """Read and check the gate settings in ``path`` (``pyproject.toml`` or ``intercoder.toml``)."""
    table, section = settings_table(path)
    shown = _display(path)
    config = GateConfig(path=shown, section=section)
    if not isinstance(table, dict):
        raise ConfigError(f"{config.where()}: expected a table")
    if not section and "tool" in table:
        raise ConfigError(
            f"{shown}: unknown key 'tool': in {CONFIG_FILE}, write the settings at the top "
            "level (without [tool.intercoder])"
        )
    _check_keys(table, _TOP_KEYS, config.where())
    variables: dict[str, Settings] = {}
    raw_variables = table.get("variables", {})
    if not isinstance(raw_variables, dict):
        raise ConfigError(f"{config.where()} variables: expected a table of variable tables")
    for variable, raw in raw_variables.items():
        where = config.where(variable)
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a table")
        _check_keys(raw, tuple(_SETTING_KEYS), where)
        variables[variable] = _settings(raw, where)
    return attrs.evolve(
        config,
        settings=_settings(table, config.where()),
        variables=variables,
        bootstrap=_integer(table, "bootstrap", config.where()),
        seed=_integer(table, "seed", config.where()),
    )


def _check_keys(table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key.replace("_", "-"), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
            raise ConfigError(f"{where}: unknown key {key!r}{hint}")


def _settings(table: Mapping[str, Any], where: str) -> Settings:
    values: dict[str, Any] = {}
    for key in ("min-alpha", "tentative-alpha"):
        values[_SETTING_KEYS[key]] = _number(table, key, where, low=0.0, high=1.0)
    values["max_q"] = _number(table, "max-q", where, low=0.0, high=1.0, open_=True)
    for key, choices in (
        ("tentative", TENTATIVE_CHOICES),
        ("insufficient-data", INSUFFICIENT_CHOICES),
        ("judge", JUDGES),
    ):
        values[_SETTING_KEYS[key]] = _choice(table, key, choices, where)
    settings = Settings(**values)
    if (
        settings.min_alpha is not None
        and settings.tentative_alpha is not None
        and settings.tentative_alpha > settings.min_alpha
    ):
        raise ConfigError(
            f"{where}: tentative-alpha ({settings.tentative_alpha:g}) must not exceed "
            f"min-alpha ({settings.min_alpha:g})"
        )
    return settings


def _number(
    table: Mapping[str, Any], key: str, where: str, *, low: float, high: float, open_: bool = False
) -> float | None:
    if key not in table:
        return None
    value = table[key]
    inside = isinstance(value, int | float) and not isinstance(value, bool)
    if inside and math.isfinite(value):
        inside = low < value < high if open_ else low <= value <= high
    else:
        inside = False
    if not inside:
        span = f"between {low:g} and {high:g} (exclusive)" if open_ else f"from {low:g} to {high:g}"
        raise ConfigError(f"{where} {key}: expected a number {span}, got {value!r}")
    return float(value)


def _choice(table: Mapping[str, Any], key: str, choices: Sequence[str], where: str) -> str | None:
    if key not in table:
        return None
    value = table[key]
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ConfigError(f"{where} {key}: expected one of {listed}, got {value!r}")
    return str(value)


def _integer(table: Mapping[str, Any], key: str, where: str) -> int | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{where} {key}: expected a whole number >= 0, got {value!r}")
    return value
