"""A JSON Schema for annotation records coded with one codebook version.

``intercoder codebook export REF --format json-schema`` writes it, so that other tools (an ETL
job, a form builder, a data-quality check) can validate the long annotation format
(``unit_id, coder_id, variable, value, ...``; docs/reference/file-formats.md) without intercoder.
"""

from __future__ import annotations

from typing import Any

from .model import Codebook, Variable


def _value_schema(var: Variable) -> dict[str, Any]:
    codes = list(var.codes)
    if var.type in ("single_choice", "ordinal_scale", "spans"):
        return {"enum": codes}
    if var.type == "multiple_choice":
        return {"type": "array", "items": {"enum": codes}, "uniqueItems": True}
    if var.type == "number":
        schema: dict[str, Any] = {"type": "number"}
        if var.minimum is not None:
            schema["minimum"] = var.minimum
        if var.maximum is not None:
            schema["maximum"] = var.maximum
        return schema
    return {"type": "string"}


def annotation_schema(cb: Codebook) -> dict[str, Any]:
    """Schema of one annotation record (a JSONL line) under ``cb``."""
    branches = []
    for var in cb.variables:
        then: dict[str, Any] = {"properties": {"value": _value_schema(var)}}
        if var.type == "spans" or var.unit == "statement":
            # A statement-level coding carries the offsets of its statement.
            then["required"] = ["start", "end"]
        branches.append({"if": {"properties": {"variable": {"const": var.id}}}, "then": then})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Annotation record for codebook {cb.ref}",
        "type": "object",
        "required": ["unit_id", "coder_id", "variable", "value"],
        "properties": {
            "unit_id": {"type": ["string", "integer"]},
            "coder_id": {"type": "string", "minLength": 1},
            "variable": {"enum": [var.id for var in cb.variables]},
            "value": {},
            "codebook": {"const": cb.ref},
            "text": {"type": "string"},
            "start": {"type": "integer", "minimum": 0},
            "end": {"type": "integer", "minimum": 0},
            "annotated_at": {"type": "string", "format": "date-time"},
        },
        "allOf": branches,
    }
