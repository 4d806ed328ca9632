"""Writing a codebook back to YAML (canonical key order, readable Unicode, nothing lost).

``parse(dump(cb)) == cb`` holds for every valid codebook (a Hypothesis property test checks it);
imports from other formats (REFI-QDA) go through the model and leave through here.
"""

from __future__ import annotations

from typing import Any

import yaml

from .model import Category, Codebook, Thresholds, Translations, Variable


def _translations(value: Translations[Any]) -> dict[str, Any]:
    return {lang: list(text) if isinstance(text, tuple) else text for lang, text in value.items()}


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set optional keys only when they carry something, to keep the YAML lean."""
    if value is None or value == () or (isinstance(value, Translations) and not value):
        return
    if isinstance(value, Translations):
        target[key] = _translations(value)
    elif isinstance(value, tuple):
        target[key] = list(value)
    else:
        target[key] = value


def _thresholds(value: Thresholds) -> dict[str, float]:
    return {"pass": value.passing, "tentative": value.tentative}


def category_to_dict(cat: Category) -> dict[str, Any]:
    out: dict[str, Any] = {"code": cat.code}
    _put(out, "label", cat.label)
    _put(out, "definition", cat.definition)
    _put(out, "include", cat.include)
    _put(out, "exclude", cat.exclude)
    _put(out, "examples", cat.examples)
    _put(out, "sources", cat.sources)
    if cat.children:
        out["children"] = [category_to_dict(child) for child in cat.children]
    _put(out, "retired_in", cat.retired_in)
    _put(out, "merged_into", cat.merged_into)
    _put(out, "replaced_by", cat.replaced_by)
    _put(out, "redefined_in", cat.redefined_in)
    if cat.exclusive:
        out["exclusive"] = True
    return out


def variable_to_dict(var: Variable) -> dict[str, Any]:
    out: dict[str, Any] = {"id": var.id, "type": var.type}
    if var.level_explicit:
        out["level"] = var.level
    _put(out, "label", var.label)
    _put(out, "question", var.question)
    _put(out, "definition", var.definition)
    _put(out, "instructions", var.instructions)
    if not var.required:
        out["required"] = False
    if var.show_if is not None:
        out["show_if"] = {"variable": var.show_if.variable, "in": list(var.show_if.codes)}
    _put(out, "sources", var.sources)
    if var.reliability_explicit:
        out["reliability"] = _thresholds(var.reliability)
    if var.unit != "text":
        out["unit"] = var.unit
    _put(out, "min", var.minimum)
    _put(out, "max", var.maximum)
    if var.categories:
        out["categories"] = [category_to_dict(cat) for cat in var.categories]
    return out


def codebook_to_dict(cb: Codebook) -> dict[str, Any]:
    """The plain data of a codebook, in the key order a methodologist would write it."""
    out: dict[str, Any] = {
        "format": cb.format,
        "codebook": cb.id,
        "version": cb.version,
        "title": _translations(cb.title),
    }
    _put(out, "description", cb.description)
    out["languages"] = list(cb.languages)
    _put(out, "license", cb.license)
    authors = []
    for author in cb.authors:
        entry: dict[str, Any] = {"name": author.name}
        _put(entry, "affiliation", author.affiliation)
        _put(entry, "role", author.role)
        authors.append(entry)
    out["authors"] = authors
    sources = []
    for source in cb.sources:
        item: dict[str, Any] = {"id": source.id, "citation": source.citation}
        _put(item, "url", source.url)
        sources.append(item)
    out["sources"] = sources
    out["changelog"] = [
        {"version": c.version, "date": c.date, "changes": list(c.changes)} for c in cb.changelog
    ]
    if cb.reliability_explicit:
        out["reliability"] = _thresholds(cb.reliability)
    out["variables"] = [variable_to_dict(var) for var in cb.variables]
    if cb.markers:
        markers = []
        for marker in cb.markers:
            entry = {
                "variable": marker.variable,
                "code": marker.code,
                "lang": marker.lang,
                "terms": list(marker.terms),
            }
            _put(entry, "exclude", marker.exclude)
            markers.append(entry)
        out["markers"] = markers
    return out


class _Dumper(yaml.SafeDumper):
    """Block style, literal blocks for multi-line text, lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML writes NEL (U+0085) raw in plain, quoted and block styles but reads it back as a
    # line break; only double quotes escape it.
    style = '"' if "\x85" in value else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


#: The first line editors read to validate a codebook against its JSON Schema.
SCHEMA_LINE = "# yaml-language-server: $schema="


def dump_yaml(cb: Codebook) -> str:
    """The codebook as YAML text; the schema line of its source file, if it had one, first.

    Editors (VS Code's YAML extension and others) validate as you type from that line, so an
    exported codebook keeps it.
    """
    return _schema_line(cb) + yaml.dump(
        codebook_to_dict(cb),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )


def _schema_line(cb: Codebook) -> str:
    if not cb.origin:
        return ""
    try:
        with open(cb.origin, encoding="utf-8") as handle:
            first = handle.readline(4096)
    except (OSError, UnicodeDecodeError):
        return ""
    return first if first.startswith(SCHEMA_LINE) and first.endswith("\n") else ""
