"""A Label Studio labeling interface (``label_config`` XML) made from a codebook.

One control tag per variable, named by the variable id (so results map back by
``from_name``): ``Choices`` for single and multiple choice, ``Taxonomy`` for category trees,
``Rating`` for ordinal scales coded 1..n and inline ``Choices`` for other scales, ``Number``
for numbers, ``TextArea`` for free text and ``Labels`` for spans. Choices show the category
label in the chosen language and store the code (``alias``); the definition is the hint.
``show_if`` becomes a ``View`` with ``visibleWhen="choice-selected"``. The codebook reference
is recorded in a comment at the top (``<!-- intercoder codebook: ID@VERSION -->``).

Statement-level variables (``unit: statement``) are per-region controls (``perRegion="true"``,
which Label Studio's Choices, Taxonomy, Rating, Number and TextArea support): the coder marks a
statement with the ``Labels`` of the codebook's statement ``spans`` variable, selects it, and
answers them for that statement. They come after the text-level questions, inside a ``View``
shown only while a statement region is selected (``visibleWhen="region-selected"`` with
``whenTagName`` naming that ``Labels`` tag), so they never appear for the other span variables'
regions. They are never ``required``: Label Studio checks a required per-region control on every
region of the text, statements or not; the pull checks each statement's codings instead.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from ..codebook.model import Category, Codebook, Variable
from ..codebook.render import ui

TEXT_TAG = "text"
# Bounded, @-free parts: the config comes back from the server, and "(\S+?)@(\S+?)" took
# minutes on a 120 KB config full of "@" (each start tried every split point).
_MARK = re.compile(r"<!-- intercoder codebook: ([a-z0-9-]{1,64})@([0-9.]{5,32}) -->")
#: What marks a review project (``studio adjudicate``) in its label config and description.
REVIEW_MARK = re.compile(r"<!-- intercoder review: ([a-z0-9-]{1,64})@([0-9.]{5,32}) -->")


def pick_text(texts: object, lang: str, cb: Codebook) -> str:
    """A multilingual text in ``lang`` (the codebook's fallback order), or ""."""
    pick = getattr(texts, "pick", None)
    value = pick(lang, cb.languages) if pick else None
    return str(value) if value else ""


def _attrs(**values: object) -> str:
    parts = []
    for name, value in values.items():
        if value is None or value == "":
            continue
        key = name.rstrip("_").replace("__", ":")
        parts.append(f"{key}={quoteattr(str(value))}")
    return " ".join(parts)


def _hint(text: str) -> str:
    """Hints are one line; very long definitions are cut (the manual has them whole)."""
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."


def is_rating(var: Variable, cb: Codebook) -> bool:
    """An ordinal scale whose codes are 1..n: a ``Rating`` of n stars, unless a question of
    ``cb`` is shown on its answer (``show_if``): Label Studio's ``visibleWhen="choice-selected"``
    reads a ``Choices`` tag's selection, and on a ``Rating`` it breaks the whole labeling page."""
    codes = var.codes
    if var.type != "ordinal_scale" or codes != tuple(str(i) for i in range(1, len(codes) + 1)):
        return False
    return not any(v.show_if is not None and v.show_if.variable == var.id for v in cb.variables)


def _choice(cat: Category, cb: Codebook, lang: str, indent: str) -> list[str]:
    label = pick_text(cat.label, lang, cb) or cat.code
    hint = _hint(pick_text(cat.definition, lang, cb))
    if cat.exclusive:
        # Label Studio has no exclusive choice: the hint says it (a combination is refused
        # when the annotations are pulled).
        hint = _hint(f"({ui(lang, 'exclusive')}) {hint}")
    open_ = f"{indent}<Choice {_attrs(value=label, alias=cat.code, hint=hint)}"
    children = [c for c in cat.children if not c.retired]
    if not children:
        return [open_ + "/>"]
    lines = [open_ + ">"]
    for child in children:
        lines += _choice(child, cb, lang, indent + "  ")
    lines.append(f"{indent}</Choice>")
    return lines


def _control(var: Variable, cb: Codebook, lang: str, region: str | None = None) -> list[str]:
    """The control tag of ``var``; per region of the ``Labels`` tag ``region`` when given."""
    name = var.id
    required = "true" if var.required and region is None else None
    # perRegion and whenTagName right after toName; nothing at all for text-level variables,
    # so their configs stay as they were.
    scope = {"perRegion": "true", "whenTagName": region} if region else {}
    hint = _hint(pick_text(var.definition, lang, cb))
    active = [c for c in var.categories if not c.retired]

    def with_choices(tag: str, attributes: str) -> list[str]:
        lines = [f"  <{tag} {attributes}>"]
        for cat in active:
            lines += _choice(cat, cb, lang, "    ")
        return [*lines, f"  </{tag}>"]

    if var.type in ("single_choice", "multiple_choice") and var.is_tree:
        return with_choices(
            "Taxonomy",
            _attrs(
                name=name,
                toName=TEXT_TAG,
                **scope,
                leafsOnly=None,
                maxUsages="1" if var.type == "single_choice" else None,
                required=required,
                hint=hint,
            ),
        )
    if var.type in ("single_choice", "multiple_choice", "ordinal_scale"):
        if is_rating(var, cb):
            return [
                "  <Rating "
                + _attrs(
                    name=name,
                    toName=TEXT_TAG,
                    **scope,
                    maxRating=len(var.codes),
                    required=required,
                )
                + "/>"
            ]
        choice = "multiple" if var.type == "multiple_choice" else "single"
        inline = "true" if var.type == "ordinal_scale" else None
        return with_choices(
            "Choices",
            _attrs(
                name=name,
                toName=TEXT_TAG,
                **scope,
                choice=choice,
                showInline=inline,
                required=required,
                hint=hint,
            ),
        )
    if var.type == "number":
        return [
            "  <Number "
            + _attrs(
                name=name,
                toName=TEXT_TAG,
                **scope,
                min=None if var.minimum is None else f"{var.minimum:g}",
                max=None if var.maximum is None else f"{var.maximum:g}",
                required=required,
                hint=hint,
            )
            + "/>"
        ]
    if var.type == "spans":
        lines = ["  <Labels " + _attrs(name=name, toName=TEXT_TAG) + ">"]
        for cat, _depth in var.walk():
            if cat.retired:
                continue
            label = pick_text(cat.label, lang, cb) or cat.code
            lines.append(
                "    <Label "
                + _attrs(
                    value=label, alias=cat.code, hint=_hint(pick_text(cat.definition, lang, cb))
                )
                + "/>"
            )
        return [*lines, "  </Labels>"]
    # text: a free note
    return [
        "  <TextArea "
        + _attrs(
            name=name,
            toName=TEXT_TAG,
            **scope,
            rows="3",
            editable="true",
            maxSubmissions="1",
        )
        + "/>"
    ]


def _when_values(var: Variable, cb: Codebook, lang: str) -> str:
    """``whenChoiceValue``: the codes and the shown labels (Label Studio matches either)."""
    assert var.show_if is not None
    target = cb.variable(var.show_if.variable)
    values: list[str] = []
    for code in var.show_if.codes:
        values.append(code)
        label = pick_text(target.category(code).label, lang, cb)
        if label and "," not in label:
            values.append(label)
    return ",".join(dict.fromkeys(values))


def _question(var: Variable, cb: Codebook, lang: str, region: str | None = None) -> list[str]:
    """The header and control of a question, inside its ``show_if`` view when it has one."""
    question = pick_text(var.question, lang, cb) or pick_text(var.label, lang, cb) or var.id
    block = [f"  <Header {_attrs(value=question)}/>", *_control(var, cb, lang, region)]
    if var.show_if is not None:
        when = _attrs(
            visibleWhen="choice-selected",
            whenTagName=var.show_if.variable,
            whenChoiceValue=_when_values(var, cb, lang),
        )
        block = [f"  <View {when}>", *("  " + line for line in block), "  </View>"]
    return block


def label_config(cb: Codebook, lang: str | None = None) -> str:
    """The labeling interface for ``cb`` in ``lang`` (default: the codebook's first language)."""
    lang = lang or cb.languages[0]
    if lang not in cb.languages:
        raise ValueError(f"{cb.ref} has no language {lang!r} (it has {', '.join(cb.languages)})")
    spans = [v for v in cb.variables if v.type == "spans"]
    lines = [
        f"<!-- intercoder codebook: {cb.ref} -->",
        "<View>",
    ]
    for var in spans:
        lines += _control(var, cb, lang)
    lines.append(f'  <Text name="{TEXT_TAG}" value="$text"/>')
    marker = cb.statement_spans
    per_statement = [
        v for v in cb.variables if v.type != "spans" and v.unit == "statement" and marker
    ]
    for var in cb.variables:
        if var.type == "spans" or var in per_statement:
            continue
        lines += _question(var, cb, lang)
    if per_statement and marker is not None:
        shown = _attrs(visibleWhen="region-selected", whenTagName=marker.id)
        lines.append(f"  <View {shown}>")
        for var in per_statement:
            lines += ("  " + line for line in _question(var, cb, lang, marker.id))
        lines.append("  </View>")
    lines.append("</View>")
    return "\n".join(lines) + "\n"


def codebook_of(config: str) -> tuple[str, str] | None:
    """``(id, version)`` recorded in a label config made by :func:`label_config`, if any."""
    match = _MARK.search(config or "")
    return (match.group(1), match.group(2)) if match else None
