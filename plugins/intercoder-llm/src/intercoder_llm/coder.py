"""The ``llm`` coder: prompts a chat model with the codebook, checks every answer, writes codings.

For each task (``concurrency`` at a time) and each run (``runs``), the coder builds the prompt
(:mod:`.prompt`), takes the answer from the cache (:mod:`.cache`) or the server (:mod:`.client`),
and checks it (:mod:`.answers`). An answer with problems is asked again once, the problems
listed; a variable still wrong after that is recorded as missing with its reason, never written
as a code. With several runs the value most runs gave is written, and the runs' alpha with each
other is reported per variable (:mod:`.consistency`).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import TYPE_CHECKING, Any

from intercoder.extensions import Coder

from ._version import __version__
from .answers import WHOLE, Checked, Evidence, check_answer
from .cache import Reply, ResponseCache, cache_key
from .client import ChatClient
from .consistency import majority, run_alphas
from .prompt import build_messages, render, retry_messages
from .schema import answer_schema, coded_variables
from .settings import CODER_NAME, NO_CACHE, LLMSettings, parse_settings

if TYPE_CHECKING:
    from intercoder.annotations import Annotation
    from intercoder.codebook.model import Codebook, Variable
    from intercoder.tasks import Task

#: Invalid answers listed with their reasons in the summary before "... and N more".
SHOWN_REASONS = 5


@dataclasses.dataclass
class Tally:
    """What happened to the answers of one call of :meth:`LLMCoder.code`."""

    #: Per text and variable: a code written, a problem left after asking again, null,
    #: or not shown under show_if.
    valid: int = 0
    invalid: int = 0
    abstained: int = 0
    hidden: int = 0
    asked_again: int = 0
    from_cache: int = 0
    cached_prompt_tokens: int = 0
    cached_completion_tokens: int = 0
    modes: set[str] = dataclasses.field(default_factory=set)
    reasons: list[str] = dataclasses.field(default_factory=list)
    consistency: dict[str, float] = dataclasses.field(default_factory=dict)


class LLMCoder(Coder):
    """Codes texts with a chat model on any OpenAI-compatible server, driven by the codebook.

    Settings (keyword arguments here, ``--coder-option`` or ``[tool.intercoder.coders.llm]``
    on the command line) are listed in :class:`~intercoder_llm.settings.LLMSettings`.
    """

    name = CODER_NAME
    version = __version__
    description = (
        "a chat model on any OpenAI-compatible server, prompted with the codebook; every "
        "answer checked against it"
    )

    def __init__(self, settings: LLMSettings | None = None, **options: str) -> None:
        self.settings = parse_settings(options, settings)
        self.tally = Tally()
        self.client: ChatClient | None = None
        self._evidence: dict[str, list[Evidence]] = {}
        self._lock = threading.Lock()  # the tally is counted from the worker threads

    @property
    def coder_id(self) -> str:
        if self.settings.model is None:
            return super().coder_id
        return f"{self.name}:{self.settings.model}@{self.version}"

    def configure(self, options: Mapping[str, str]) -> None:
        self.settings = parse_settings(options, self.settings)

    def preview(self, task: Task, codebook: Codebook) -> str:
        settings = self.settings
        header = (
            f"# {self.coder_id} at {settings.base_url or 'the OpenAI API'}, text {task.unit_id!r}"
            f" (lang {task.lang or '-'}); response_format {settings.response_format}; "
            "nothing sent"
        )
        messages = build_messages(codebook, task, settings.examples)
        return header + "\n\n" + render(messages, answer_schema(codebook))

    def matches(self, task: Task, codebook: Codebook) -> list[Evidence]:
        """The quotes of the last coding of ``task``, located in its text."""
        return self._evidence.get(task.unit_id, [])

    # --- coding ------------------------------------------------------------------------------

    def code(self, tasks: Iterable[Task], codebook: Codebook) -> Iterator[Annotation]:
        settings = self.settings
        self.tally = Tally()
        self._evidence = {}
        client = self.client = ChatClient(settings)
        cache = None if settings.cache == NO_CACHE else ResponseCache(settings.cache)
        schema = answer_schema(codebook)
        variables = coded_variables(codebook)
        run_records: list[Annotation] = []
        try:
            with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
                iterator = iter(tasks)
                while batch := list(islice(iterator, settings.concurrency * 4)):
                    answers = pool.map(
                        lambda task: [
                            self._ask(task, codebook, schema, run, client, cache)
                            for run in range(settings.runs)
                        ],
                        batch,
                    )
                    for task, runs in zip(batch, answers, strict=True):
                        yield from self._annotations(task, runs, variables, codebook, run_records)
        finally:
            if cache is not None:
                cache.close()
            client.close()
        if settings.runs > 1:
            self.tally.consistency = run_alphas(run_records, codebook)

    def _reply(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        key: str,
        client: ChatClient,
        cache: ResponseCache | None,
        run: int,
    ) -> Reply:
        cached = cache.get(key) if cache is not None else None
        if cached is not None:
            with self._lock:
                self.tally.from_cache += 1
                self.tally.cached_prompt_tokens += cached.prompt_tokens
                self.tally.cached_completion_tokens += cached.completion_tokens
                self.tally.modes.add(cached.mode)
            return cached
        reply = client.complete(messages, schema, run)
        with self._lock:
            self.tally.modes.add(reply.mode)
        if cache is not None:
            cache.put(key, reply)
        return reply

    def _ask(
        self,
        task: Task,
        codebook: Codebook,
        schema: dict[str, Any],
        run: int,
        client: ChatClient,
        cache: ResponseCache | None,
    ) -> Checked:
        """One run's checked answer for ``task``, asked again once when it has problems."""
        messages = build_messages(codebook, task, self.settings.examples)
        key_parts = {
            "settings": self.settings.key_fields(),
            "schema": schema,
            "codebook": codebook.ref,
            "run": run,
        }
        reply = self._reply(
            messages, schema, cache_key(messages=messages, **key_parts), client, cache, run
        )
        checked = check_answer(reply.content, codebook, task.text)
        if checked.ok:
            return checked
        with self._lock:
            self.tally.asked_again += 1
        again = retry_messages(messages, reply.content, list(checked.problems.values()))
        reply = self._reply(
            again, schema, cache_key(messages=again, **key_parts), client, cache, run
        )
        return check_answer(reply.content, codebook, task.text)

    def _annotations(
        self,
        task: Task,
        runs: list[Checked],
        variables: list[Variable],
        codebook: Codebook,
        run_records: list[Annotation],
    ) -> Iterator[Annotation]:
        from intercoder.annotations import Annotation

        tally = self.tally
        self._evidence[task.unit_id] = runs[0].evidence
        if len(runs) > 1:
            for number, checked in enumerate(runs, 1):
                for variable, value in checked.values.items():
                    run_records.append(
                        Annotation(task.unit_id, f"run{number}", variable, _plain(value))
                    )
        for var in variables:
            if var.type == "spans":
                written = next((c.spans[var.id] for c in runs if var.id in c.spans), None)
                if written is not None:
                    tally.valid += 1
                    for code, start, end in written:
                        yield Annotation(
                            task.unit_id, self.coder_id, var.id, code,
                            codebook=codebook.ref, start=start, end=end,
                        )  # fmt: skip
                    continue
            else:
                values = [c.values[var.id] for c in runs if var.id in c.values]
                if values:
                    tally.valid += 1
                    yield Annotation(
                        task.unit_id, self.coder_id, var.id, _plain(majority(values)),
                        codebook=codebook.ref,
                    )  # fmt: skip
                    continue
            if any(var.id in c.abstained for c in runs):
                tally.abstained += 1
            elif all(var.id in c.hidden for c in runs):
                tally.hidden += 1
            else:
                tally.invalid += 1
                reason = next(
                    (c.problems.get(var.id) or c.problems.get(WHOLE) for c in runs if c.problems),
                    None,
                )
                tally.reasons.append(f"{task.unit_id} {var.id}: missing ({reason})")

    def summary(self) -> list[str]:
        tally, client = self.tally, self.client
        lines = [
            f"{tally.valid} valid, {tally.invalid} invalid, {tally.abstained} abstained "
            f"answers ({tally.hidden} not shown under show_if; {tally.asked_again} asked again)"
        ]
        shown = tally.reasons[:SHOWN_REASONS]
        lines += [f"  {reason}" for reason in shown]
        if len(tally.reasons) > len(shown):
            lines.append(f"  ... and {len(tally.reasons) - len(shown)} more")
        if client is not None:
            lines.append(
                f"{client.requests} requests sent ({client.retries} retries), "
                f"{tally.from_cache} answers from the cache"
                + ("" if self.settings.cache == NO_CACHE else f" {self.settings.cache}")
            )
            lines.append(
                f"tokens: {client.prompt_tokens} prompt, {client.completion_tokens} completion "
                f"sent now; {tally.cached_prompt_tokens} prompt, "
                f"{tally.cached_completion_tokens} completion saved by the cache"
            )
            if client.mode is not None:
                used = f"structured output: {client.mode}"
                if client.fallback:
                    used += f" (the server refused json_schema: {client.fallback[:200]})"
                lines.append(used)
            elif tally.modes:
                lines.append(f"structured output: {', '.join(sorted(tally.modes))} (cached)")
        if tally.consistency:
            alphas = ", ".join(
                f"{variable} {alpha:.3f}" for variable, alpha in tally.consistency.items()
            )
            lines.append(f"self-consistency over {self.settings.runs} runs (alpha): {alphas}")
        return lines


def _plain(value: Any) -> Any:
    """A checked value as an annotation value (a multiple choice as a list)."""
    return list(value) if isinstance(value, tuple) else value
