"""Talking to an OpenAI-compatible chat-completions server through the official client.

Structured output is asked for in one of two dialects:

* ``json_schema``: OpenAI's ``{"type": "json_schema", "json_schema": {"name", "schema",
  "strict"}}``, which hosted APIs, vLLM, Ollama and llama.cpp's own ``llama-server`` take;
* ``json_object``: ``{"type": "json_object", "schema": {...}}``, which llama-cpp-python's server
  takes (it answers the first dialect with an error).

With ``response_format=auto`` the first request tries ``json_schema`` and, when the server
refuses it (a 4xx other than 401/403/404/429, or a 5xx), the same request is sent as
``json_object``; the dialect that worked is kept for the rest of the run and reported. Every
request is retried with exponential backoff (``backoff``, doubled each time, ``retries`` times)
on 429, 5xx and timeouts. The API key is redacted from every message this module raises.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from intercoder.errors import IntercoderError
from intercoder.redact import redact

from .cache import Reply
from .schema import SCHEMA_NAME
from .settings import LLMSettings

JSON_SCHEMA, JSON_OBJECT = "json_schema", "json_object"
#: What is sent as the key to a local server when the key's variable is unset (they ignore it,
#: but the client insists on one).
NO_KEY = "no-key"


class ServerError(IntercoderError):
    """The server cannot be used: unreachable, refuses the key, lacks the model, and so on."""


class _Refused(Exception):
    """The server refused the dialect of structured output (it may take the other one)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The ``response_format`` of a request in dialect ``mode``."""
    if mode == JSON_SCHEMA:
        return {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": True},
        }
    return {"type": "json_object", "schema": schema}


class ChatClient:
    """One server and model; counts requests, retries and tokens (thread-safe)."""

    def __init__(self, settings: LLMSettings) -> None:
        if settings.model is None:
            raise ServerError(
                "llm coder: no model set (--coder-option model=NAME, or model in "
                "[tool.intercoder.coders.llm])"
            )
        self.settings = settings
        key = os.environ.get(settings.api_key_env, "").strip()
        if not key and settings.base_url is None:
            raise ServerError(
                f"llm coder: no API key: set the environment variable {settings.api_key_env} "
                "(or name another with api_key_env), or give base_url for a local server"
            )
        self._secret = key or None
        self.where = settings.base_url or "the OpenAI API"
        import openai  # here, not at the top: registering the plugin must stay cheap

        self._client = openai.OpenAI(
            api_key=key or NO_KEY,
            base_url=settings.base_url,
            timeout=settings.timeout,
            max_retries=0,  # retried here, so that retries are counted and reported
        )
        self.mode: str | None = (
            None if settings.response_format == "auto" else settings.response_format
        )
        self.fallback: str | None = None
        self._mode_lock = threading.Lock()
        self._count_lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def _fail(self, what: str, exc: Exception) -> ServerError:
        return ServerError(redact(f"llm coder: {what}: {exc}", self._secret))

    def complete(
        self, messages: list[dict[str, str]], schema: dict[str, Any], run: int = 0
    ) -> Reply:
        """The server's answer to ``messages``, constrained by ``schema``.

        ``run`` numbers self-consistency runs: with a ``seed`` set, run ``k`` is sent seed
        ``seed + k``, so that the runs are draws of their own rather than one draw repeated.
        """
        if self.mode is None:
            with self._mode_lock:
                if self.mode is None:  # the first request decides the dialect for all
                    return self._probe(messages, schema, run)
        return self._send(messages, schema, self.mode, run)

    def _probe(self, messages: list[dict[str, str]], schema: dict[str, Any], run: int) -> Reply:
        try:
            reply = self._send(messages, schema, JSON_SCHEMA, run, probing=True)
        except _Refused as first:
            try:
                reply = self._send(messages, schema, JSON_OBJECT, run, probing=True)
            except _Refused as second:
                raise ServerError(
                    redact(
                        f"llm coder: the server at {self.where} takes no structured output "
                        f"(json_schema: {first.message}; json_object: {second.message})",
                        self._secret,
                    )
                ) from None
            self.fallback = redact(first.message, self._secret)
            self.mode = JSON_OBJECT
            return reply
        self.mode = JSON_SCHEMA
        return reply

    def _send(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        mode: str,
        run: int,
        *,
        probing: bool = False,
    ) -> Reply:
        import openai

        settings = self.settings
        extra: dict[str, Any] = {}
        if settings.seed is not None:
            extra["seed"] = settings.seed + run
        attempt = 0
        while True:
            try:
                with self._count_lock:
                    self.requests += 1
                # Typed loosely on purpose: json_object with a schema is llama-cpp-python's
                # dialect, which the client's types do not know.
                create: Any = self._client.chat.completions.create
                response = create(
                    model=str(settings.model),
                    messages=messages,
                    temperature=settings.temperature,
                    max_tokens=settings.max_tokens,
                    response_format=response_format(mode, schema),
                    **extra,
                )
                break
            except openai.AuthenticationError as exc:
                raise self._fail(
                    f"the server at {self.where} refused the key in {settings.api_key_env}", exc
                ) from None
            except openai.PermissionDeniedError as exc:
                raise self._fail(f"the server at {self.where} denied access", exc) from None
            except openai.NotFoundError as exc:
                raise self._fail(
                    f"model {settings.model!r} not found at {self.where}", exc
                ) from None
            except (
                openai.RateLimitError,
                openai.InternalServerError,
                openai.APITimeoutError,
            ) as exc:
                if probing and isinstance(exc, openai.InternalServerError):
                    raise _Refused(redact(str(exc), self._secret)) from None
                if attempt >= settings.retries:
                    raise self._fail(
                        f"{self.where} still failing after {attempt} retries", exc
                    ) from None
            except openai.APIConnectionError as exc:
                raise self._fail(f"cannot reach the server at {self.where}", exc) from None
            except (openai.APIResponseValidationError, ValueError) as exc:
                raise self._fail(
                    f"{self.where} answered something that is not a chat completion", exc
                ) from None
            except openai.APIStatusError as exc:
                if probing:
                    raise _Refused(redact(str(exc), self._secret)) from None
                raise self._fail(f"the server at {self.where} refused the request", exc) from None
            except openai.OpenAIError as exc:  # anything else the client raises: one line too
                raise self._fail(f"the request to {self.where} failed", exc) from None
            time.sleep(settings.backoff * 2**attempt)
            attempt += 1
            with self._count_lock:
                self.retries += 1
        try:
            content = response.choices[0].message.content if response.choices else None
            usage = response.usage
            reply = Reply(
                content=content or "",
                prompt_tokens=int(usage.prompt_tokens) if usage else 0,
                completion_tokens=int(usage.completion_tokens) if usage else 0,
                mode=mode,
            )
        except (AttributeError, IndexError, TypeError, ValueError) as exc:
            raise self._fail(
                f"{self.where} answered something that is not a chat completion", exc
            ) from None
        with self._count_lock:
            self.prompt_tokens += reply.prompt_tokens
            self.completion_tokens += reply.completion_tokens
        return reply

    def close(self) -> None:
        self._client.close()
