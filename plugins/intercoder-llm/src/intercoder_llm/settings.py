"""The coder's settings: their names, defaults and checks.

Settings arrive as text (``--coder-option KEY=VALUE`` or the ``[tool.intercoder.coders.llm]``
table) and are checked here, each bad one named with what was expected. The API key is never a
setting: ``api_key_env`` names the environment variable that holds it.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from typing import Any

from intercoder.extensions import CoderSettingsError

#: The coder's name (``intercoder code --coder llm``).
CODER_NAME = "llm"
#: The value of ``cache`` that turns the response cache off.
NO_CACHE = "off"
#: How the answer format is asked for: picked per server (``auto``) or fixed.
FORMATS = ("auto", "json_schema", "json_object")


def _positive_int(name: str, low: int = 1) -> Any:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise CoderSettingsError(f"llm coder: {name}={text!r} is not a whole number") from None
        if value < low:
            raise CoderSettingsError(f"llm coder: {name}={value} must be at least {low}")
        return value

    return convert


def _float(name: str, low: float, high: float) -> Any:
    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise CoderSettingsError(f"llm coder: {name}={text!r} is not a number") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise CoderSettingsError(f"llm coder: {name}={text!r} must be from {low:g} to {high:g}")
        return value

    return convert


def _text(name: str) -> Any:
    def convert(text: str) -> str:
        if not text.strip():
            raise CoderSettingsError(f"llm coder: {name} is empty")
        return text.strip()

    return convert


def _choice(name: str, choices: tuple[str, ...]) -> Any:
    def convert(text: str) -> str:
        if text not in choices:
            raise CoderSettingsError(
                f"llm coder: {name}={text!r} is not one of {', '.join(choices)}"
            )
        return text

    return convert


@dataclasses.dataclass(frozen=True)
class LLMSettings:
    """Everything that decides what is sent and how; see the plugin README for each."""

    model: str | None = None
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    concurrency: int = 4
    runs: int = 1
    #: Constructed examples shown per category (0: none).
    examples: int = 2
    max_tokens: int = 1024
    #: Seconds one request may take before it counts as timed out (and is retried).
    timeout: float = 120.0
    #: Retries of one request on 429, 5xx, timeouts and lost connections.
    retries: int = 4
    #: The first wait before a retry in seconds; doubled on each further retry.
    backoff: float = 1.0
    response_format: str = "auto"
    #: The SQLite response cache (``off`` for none).
    cache: str = ".intercoder-llm-cache.sqlite"
    seed: int | None = None

    def key_fields(self) -> dict[str, Any]:
        """The settings that change what a server answers (part of the cache key)."""
        return {
            "model": self.model,
            "base_url": self.base_url,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
        }


_CONVERTERS: dict[str, Any] = {
    "model": _text("model"),
    "base_url": _text("base_url"),
    "api_key_env": _text("api_key_env"),
    "temperature": _float("temperature", 0.0, 2.0),
    "concurrency": _positive_int("concurrency"),
    "runs": _positive_int("runs"),
    "examples": _positive_int("examples", low=0),
    "max_tokens": _positive_int("max_tokens", low=16),
    "timeout": _float("timeout", 0.001, 86_400.0),
    "retries": _positive_int("retries", low=0),
    "backoff": _float("backoff", 0.0, 600.0),
    "response_format": _choice("response_format", FORMATS),
    "cache": _text("cache"),
    "seed": _positive_int("seed", low=0),
}
#: Keys that look like a place for the key itself: refused with a pointer to api_key_env.
_SECRET_KEYS = ("api_key", "key", "token", "api-key", "apikey")


def parse_settings(options: Mapping[str, str], base: LLMSettings | None = None) -> LLMSettings:
    """``base`` (the defaults) with ``options`` applied; CoderSettingsError names a bad one.

    The values of refused keys are never repeated in a message: one of them may be a key.
    """
    values: dict[str, Any] = {}
    for raw_key, text in options.items():
        key = raw_key.replace("-", "_")
        if key.lower() in _SECRET_KEYS:
            raise CoderSettingsError(
                f"llm coder: the API key is never a setting; put it in an environment variable "
                f"and name that variable with api_key_env (default OPENAI_API_KEY), "
                f"not {raw_key!r}"
            )
        if key not in _CONVERTERS:
            close = difflib.get_close_matches(key, list(_CONVERTERS), n=1)
            hint = (
                f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(_CONVERTERS)})"
            )
            raise CoderSettingsError(f"llm coder: unknown setting {raw_key!r}{hint}")
        values[key] = _CONVERTERS[key](text)
    return dataclasses.replace(base or LLMSettings(), **values)
