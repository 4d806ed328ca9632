"""The JSON Schema of an answer, generated from the codebook.

One property per coded variable, each an object with the ``value`` and the ``quotes`` that
support it (verbatim passages of the text, mapped to offsets afterwards). A variable's value may
be ``null``: the model abstains. A variable with ``show_if`` is in the schema too (a schema
cannot make one property depend on another's value in every server's grammar); the prompt says
when to leave it ``null``, and :mod:`intercoder_llm.answers` drops an answer the screening
answer does not show.

Spans variables are lists of ``{"code", "quote"}``. Free-text variables are not coded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intercoder.codebook.model import Codebook, Variable

#: Variable types the coder answers.
CODED_TYPES = ("single_choice", "multiple_choice", "ordinal_scale", "number", "spans")
#: The longest quote asked for, in characters (keeps answers, and their cost, short).
QUOTE_LENGTH = 160
#: The most quotes per variable.
MAX_QUOTES = 3
#: The schema's name in ``response_format`` (OpenAI asks for one).
SCHEMA_NAME = "coding"


def coded_variables(codebook: Codebook) -> list[Variable]:
    """The variables the coder answers, in codebook order."""
    return [
        var
        for var in codebook.variables
        if var.type == "number" or (var.type in CODED_TYPES and var.codes)
    ]


def _quote() -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": QUOTE_LENGTH}


def _value(var: Variable) -> dict[str, Any]:
    """A value or null, as ``anyOf``: the one form OpenAI's strict mode, vLLM and llama.cpp's
    grammar converter all read the same way (llama.cpp reads a ``type`` list before an
    ``enum``, which would let any string through)."""
    codes = list(var.codes)
    value: dict[str, Any]
    if var.type in ("single_choice", "ordinal_scale"):
        value = {"type": "string", "enum": codes}
    elif var.type == "multiple_choice":
        value = {
            "type": "array",
            "items": {"type": "string", "enum": codes},
            "maxItems": len(codes),
        }
    elif var.type == "number":
        value = {"type": "number"}
        if var.minimum is not None:
            value["minimum"] = var.minimum
        if var.maximum is not None:
            value["maximum"] = var.maximum
    else:  # pragma: no cover - coded_variables() lets no other type through
        raise ValueError(f"no value schema for type {var.type!r}")
    return {"anyOf": [value, {"type": "null"}]}


def variable_schema(var: Variable) -> dict[str, Any]:
    """The schema of one variable's answer."""
    if var.type == "spans":
        return {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string", "enum": list(var.codes)},
                    "quote": _quote(),
                },
                "required": ["code", "quote"],
                "additionalProperties": False,
            },
            "maxItems": 8,
        }
    return {
        "type": "object",
        "properties": {
            "value": _value(var),
            "quotes": {"type": "array", "items": _quote(), "maxItems": MAX_QUOTES},
        },
        "required": ["value", "quotes"],
        "additionalProperties": False,
    }


def answer_schema(codebook: Codebook) -> dict[str, Any]:
    """The schema every answer for ``codebook`` must fit."""
    variables = coded_variables(codebook)
    return {
        "type": "object",
        "properties": {var.id: variable_schema(var) for var in variables},
        "required": [var.id for var in variables],
        "additionalProperties": False,
    }
