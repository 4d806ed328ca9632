"""Checking an answer against the codebook, and mapping its quotes to offsets in the text.

An answer is checked variable by variable, with the rules every annotation file is checked
with (:func:`intercoder.annotations.check_value`): a value that is not a code of its variable,
a number out of range, a quote that does not occur in the text, or an answer that is not the
JSON object asked for, is a problem. A ``null`` value is an abstention. A variable whose
screening answer (``show_if``) does not show it is dropped, whatever its value.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any, NamedTuple

from intercoder.text import nfc

from .schema import coded_variables

if TYPE_CHECKING:
    from intercoder.codebook.model import Codebook, Variable

#: The problem key of an answer that is wrong as a whole (not JSON, not an object).
WHOLE = "*"


class Evidence(NamedTuple):
    """A quote the model gave for a variable, located in the original text (end exclusive)."""

    variable: str
    code: str | None
    quote: str
    start: int
    end: int


@dataclasses.dataclass(frozen=True)
class Checked:
    """One answer after checking: what may be written, and what went wrong."""

    #: Valid values by variable (canonical: a multiple choice is a tuple).
    values: dict[str, Any]
    #: Valid spans by variable: (code, start, end).
    spans: dict[str, list[tuple[str, int, int]]]
    evidence: list[Evidence]
    abstained: list[str]
    hidden: list[str]
    #: Problems by variable (:data:`WHOLE` for the answer as a whole).
    problems: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.problems


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where ``quote`` first occurs in ``text`` (offsets into ``text``), None when it doesn't.

    The quote is compared in Unicode normal form C (task texts are read in NFC), without
    surrounding white space; no other folding, so a quote with a changed letter is rejected.
    """
    needle = nfc(quote).strip()
    if not needle:
        return None
    start = text.find(needle)
    return None if start < 0 else (start, start + len(needle))


def _shown(var: Variable, values: dict[str, Any]) -> bool:
    if var.show_if is None or var.show_if.variable not in values:
        return True  # no screening answer: the detail answer counts, as in reliability
    chosen = values[var.show_if.variable]
    chosen = set(chosen) if isinstance(chosen, tuple) else {chosen}
    return bool(chosen & set(var.show_if.codes))


def _quotes(var: Variable, raw: Any, text: str, code: str | None) -> list[Evidence]:
    if not isinstance(raw, list) or not all(isinstance(q, str) for q in raw):
        raise ValueError("quotes: expected a list of strings")
    found = []
    for quote in raw:
        where = locate(quote, text)
        if where is None:
            raise ValueError(f"quote {quote[:80]!r} is not in the text")
        found.append(Evidence(var.id, code, quote.strip(), *where))
    return found


def check_answer(content: str, codebook: Codebook, text: str) -> Checked:
    """Check the model's answer ``content`` for ``text`` under ``codebook``."""
    checked = Checked({}, {}, [], [], [], {})
    try:
        data = json.loads(content)
    except ValueError as exc:
        checked.problems[WHOLE] = f"the answer is not JSON ({exc})"
        return checked
    if not isinstance(data, dict):
        checked.problems[WHOLE] = "the answer is not a JSON object"
        return checked
    variables = coded_variables(codebook)
    known = {var.id for var in variables}
    for key in data:
        if key not in known:
            checked.problems[str(key)] = f"{key!r} is not a variable to code"
    pending: dict[str, list[Evidence]] = {}
    for var in variables:
        if var.id not in data:
            checked.problems[var.id] = f"{var.id}: no answer"
            continue
        try:
            if var.type == "spans":
                checked.spans[var.id] = _spans(var, data[var.id], text, pending)
            else:
                _answer(var, data[var.id], text, checked, pending)
        except ValueError as exc:
            checked.problems[var.id] = f"{var.id}: {exc}"
    # show_if last: a hidden variable's answer is dropped, problems and all.
    for var in variables:
        if var.show_if is None or _shown(var, checked.values):
            checked.evidence.extend(pending.get(var.id, ()))
            continue
        checked.hidden.append(var.id)
        checked.values.pop(var.id, None)
        checked.spans.pop(var.id, None)
        checked.problems.pop(var.id, None)
        if var.id in checked.abstained:
            checked.abstained.remove(var.id)
    return checked


def _answer(
    var: Variable, raw: Any, text: str, checked: Checked, pending: dict[str, list[Evidence]]
) -> None:
    if not isinstance(raw, dict) or "value" not in raw:
        raise ValueError("expected an object with 'value' and 'quotes'")
    value = raw["value"]
    if value is None:
        checked.abstained.append(var.id)
        return
    from intercoder.annotations import check_value  # numpy: loaded on use, not on registering

    canonical = check_value(var, value)
    code = canonical if isinstance(canonical, str) else None
    pending[var.id] = _quotes(var, raw.get("quotes", []), text, code)
    checked.values[var.id] = canonical


def _spans(
    var: Variable, raw: Any, text: str, pending: dict[str, list[Evidence]]
) -> list[tuple[str, int, int]]:
    from intercoder.annotations import check_value

    if not isinstance(raw, list):
        raise ValueError("expected a list of {code, quote}")
    spans = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("quote"), str):
            raise ValueError("expected a list of {code, quote}")
        code = check_value(var, item.get("code"))
        where = locate(item["quote"], text)
        if where is None:
            raise ValueError(f"quote {item['quote'][:80]!r} is not in the text")
        spans.append((code, *where))
        pending.setdefault(var.id, []).append(Evidence(var.id, code, item["quote"].strip(), *where))
    return spans
