"""The ``llm`` coder: a chat model on any OpenAI-compatible server, driven by the codebook.

``intercoder code TASKS --coder llm --codebook REF -o OUT --coder-option model=NAME
[--coder-option base_url=http://127.0.0.1:8080/v1 ...]`` prompts the model with the codebook
version in each task's language, constrains its answer with a JSON Schema generated from the
codebook, checks every answer against the codebook (asking again once), caches every reply in
SQLite, and writes the codings under the coder id ``llm:MODEL@VERSION``. See the README for
every setting and ``intercoder validate-coder`` for whether its codings may be used.

The modules, one job each: :mod:`.settings`, :mod:`.schema`, :mod:`.prompt`, :mod:`.answers`,
:mod:`.cache`, :mod:`.client`, :mod:`.consistency`, :mod:`.coder`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from intercoder.hookspecs import hookimpl
from intercoder.redact import redact

from ._version import __version__

if TYPE_CHECKING:
    from intercoder.extensions import Coder

    from .answers import Checked, Evidence, check_answer, locate
    from .cache import Reply, ResponseCache, cache_key
    from .client import JSON_OBJECT, JSON_SCHEMA, ChatClient, ServerError, response_format
    from .coder import LLMCoder, Tally
    from .consistency import majority, run_alphas
    from .prompt import build_messages, prompt_language, system_message
    from .schema import CODED_TYPES, answer_schema, coded_variables
    from .settings import CODER_NAME, LLMSettings, parse_settings

#: Where each name of the public API lives. They are imported on first use: every intercoder
#: command loads this plugin to learn its hooks, and only ``code --coder llm`` needs the coder
#: (its modules, sqlite3 and the text tools cost a few hundredths of a second at each start).
_HOME = {
    **dict.fromkeys(("Checked", "Evidence", "check_answer", "locate"), "answers"),
    **dict.fromkeys(("Reply", "ResponseCache", "cache_key"), "cache"),
    **dict.fromkeys(
        ("JSON_OBJECT", "JSON_SCHEMA", "ChatClient", "ServerError", "response_format"), "client"
    ),
    **dict.fromkeys(("LLMCoder", "Tally"), "coder"),
    **dict.fromkeys(("majority", "run_alphas"), "consistency"),
    **dict.fromkeys(("build_messages", "prompt_language", "system_message"), "prompt"),
    **dict.fromkeys(("CODED_TYPES", "answer_schema", "coded_variables"), "schema"),
    **dict.fromkeys(("CODER_NAME", "LLMSettings", "parse_settings"), "settings"),
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # found once
    return value


__all__ = [
    "CODED_TYPES",
    "CODER_NAME",
    "JSON_OBJECT",
    "JSON_SCHEMA",
    "ChatClient",
    "Checked",
    "Evidence",
    "LLMCoder",
    "LLMSettings",
    "Reply",
    "ResponseCache",
    "ServerError",
    "Tally",
    "__version__",
    "answer_schema",
    "build_messages",
    "cache_key",
    "check_answer",
    "coded_variables",
    "locate",
    "majority",
    "parse_settings",
    "prompt_language",
    "redact",
    "response_format",
    "run_alphas",
    "system_message",
]


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    from .coder import LLMCoder

    register(LLMCoder())
