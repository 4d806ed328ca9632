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

from collections.abc import Callable

from intercoder.extensions import Coder
from intercoder.hookspecs import hookimpl
from intercoder.redact import redact

from ._version import __version__
from .answers import Checked, Evidence, check_answer, locate
from .cache import Reply, ResponseCache, cache_key
from .client import JSON_OBJECT, JSON_SCHEMA, ChatClient, ServerError, response_format
from .coder import LLMCoder, Tally
from .consistency import majority, run_alphas
from .prompt import build_messages, prompt_language, system_message
from .schema import CODED_TYPES, answer_schema, coded_variables
from .settings import CODER_NAME, LLMSettings, parse_settings

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
    register(LLMCoder())
