"""The prompt: the codebook version, in the task's language, and the text to code.

The system message holds what a human coder's manual holds for the coded variables: the
codebook's title and description, then for each variable its question, definition and
instructions, and for each active code its label, definition, include and exclude rules and a
few of its constructed examples (``examples`` per code). Everything is taken in the task's
language (``lang``), else in the codebook's first language; a passage missing in that language
comes from the codebook's first language. The user message is the text alone, so that the
system message of a codebook version is the same for every text (servers that cache prompt
prefixes reuse it).

The framing words (``Question:``, ``Codes:``) are English: models follow English framing well
whatever the language of the content, and the codebook's own words stay in the task's language.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .schema import MAX_QUOTES, coded_variables

if TYPE_CHECKING:
    from intercoder.codebook.model import Codebook, Translations, Variable
    from intercoder.tasks import Task

Message = dict[str, str]


def prompt_language(codebook: Codebook, lang: str | None) -> str:
    """The codebook language a task in ``lang`` is prompted in.

    An exact tag, else the first codebook language of the same primary language (``uz`` ->
    ``uz-Latn``), else the codebook's first language.
    """
    if lang:
        if lang in codebook.languages:
            return lang
        primary = lang.split("-")[0].lower()
        for tag in codebook.languages:
            if tag.split("-")[0].lower() == primary:
                return tag
    return codebook.languages[0]


def _pick(texts: Translations[Any], lang: str, codebook: Codebook) -> Any:
    return texts.pick(lang, codebook.languages)


def _variable_lines(var: Variable, lang: str, codebook: Codebook, examples: int) -> list[str]:
    label = _pick(var.label, lang, codebook) or var.id
    lines = [f"## Variable `{var.id}`: {label}"]
    question = _pick(var.question, lang, codebook)
    if question:
        lines.append(f"Question: {question}")
    definition = _pick(var.definition, lang, codebook)
    if definition:
        lines.append(f"Definition: {definition}")
    for instruction in _pick(var.instructions, lang, codebook) or ():
        lines.append(f"- {instruction}")
    if var.show_if is not None:
        shown = ", ".join(f'"{code}"' for code in var.show_if.codes)
        lines.append(
            f"Answer only when `{var.show_if.variable}` is {shown}; otherwise give value null."
        )
    if var.type == "number":
        bounds = []
        if var.minimum is not None:
            bounds.append(f"at least {var.minimum:g}")
        if var.maximum is not None:
            bounds.append(f"at most {var.maximum:g}")
        lines.append("Answer with a number" + (f" ({', '.join(bounds)})" if bounds else "") + ".")
        return lines
    kind = {
        "single_choice": "Choose one code.",
        "ordinal_scale": "Choose one code of the scale.",
        "multiple_choice": "Choose every code that applies (a list; empty when none applies).",
        "spans": "Quote every passage that fits a code, each with its code.",
    }[var.type]
    lines.append(f"Codes ({kind}):")
    for category, depth in var.walk():
        if category.retired:
            continue
        indent = "  " * depth
        name = _pick(category.label, lang, codebook) or category.code
        definition = _pick(category.definition, lang, codebook) or ""
        lines.append(f'{indent}- "{category.code}" ({name}): {definition}')
        for rule in _pick(category.include, lang, codebook) or ():
            lines.append(f"{indent}  Include: {rule}")
        for rule in _pick(category.exclude, lang, codebook) or ():
            lines.append(f"{indent}  Exclude: {rule}")
        for example in (_pick(category.examples, lang, codebook) or ())[:examples]:
            lines.append(f"{indent}  Example: {example}")
    return lines


def system_message(codebook: Codebook, lang: str, examples: int) -> str:
    """The instructions for every text of ``codebook`` in ``lang``."""
    title = _pick(codebook.title, lang, codebook) or codebook.id
    lines = [
        f"You are a careful content-analysis coder. Code the text the user sends with the "
        f"codebook {codebook.ref} ({title}), exactly as its rules say.",
    ]
    description = _pick(codebook.description, lang, codebook)
    if description:
        lines.append(description)
    lines.append(
        "Answer with one JSON object: for each variable, its `value` (a code from the list, or "
        "null when the text gives no basis to decide) and up to "
        f"{MAX_QUOTES} `quotes`: passages copied exactly, character for character, from the "
        "text that support the value. Use only the codes listed."
    )
    for var in coded_variables(codebook):
        lines.append("")
        lines.extend(_variable_lines(var, lang, codebook, examples))
    return "\n".join(lines)


def build_messages(codebook: Codebook, task: Task, examples: int) -> list[Message]:
    """The chat messages that code ``task``."""
    lang = prompt_language(codebook, task.lang)
    return [
        {"role": "system", "content": system_message(codebook, lang, examples)},
        {"role": "user", "content": task.text},
    ]


def retry_messages(messages: list[Message], answer: str, problems: list[str]) -> list[Message]:
    """The conversation asking once more, after an answer that did not fit the codebook."""
    listed = "\n".join(f"- {problem}" for problem in problems)
    return [
        *messages,
        {"role": "assistant", "content": answer},
        {
            "role": "user",
            "content": "That answer does not fit the codebook:\n"
            f"{listed}\nAnswer again with one JSON object that does.",
        },
    ]


def render(messages: list[Message], schema: dict[str, Any]) -> str:
    """The messages and the answer schema as text, for ``--dry-run``."""
    parts = [f"--- {m['role']} ---\n{m['content']}" for m in messages]
    parts.append("--- answer schema ---\n" + json.dumps(schema, ensure_ascii=False, indent=2))
    return "\n\n".join(parts)
