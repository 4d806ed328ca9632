"""Labelled texts to learn from: :class:`Example`, and the constructed examples of a codebook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from intercoder.codebook.model import Codebook

#: Variable types the coder codes; the others (spans, number, text) are left to people.
CHOICE_TYPES = ("single_choice", "multiple_choice", "ordinal_scale")

#: A code (single choice, ordinal scale) or the sorted codes present (multiple choice).
Value: TypeAlias = "str | tuple[str, ...]"


@dataclass(frozen=True)
class Example:
    """A text labelled for one variable.

    ``value`` is a code, or for a multiple choice the sorted codes present (every other code of
    the variable is absent, except those in ``undecided``: coders split evenly on them).
    ``lang`` is the codebook language of a constructed example; ``source`` says where the
    example came from (for reports).
    """

    text: str
    variable: str
    value: Value
    lang: str | None = None
    source: str = ""
    undecided: tuple[str, ...] = ()

    def has(self, code: str) -> bool:
        return code in self.value if isinstance(self.value, tuple) else code == self.value

    def lacks(self, code: str) -> bool:
        if isinstance(self.value, tuple):
            return code not in self.value and code not in self.undecided
        return code != self.value


def codebook_examples(codebook: Codebook) -> list[Example]:
    """The constructed examples of every choice variable, in every language of the codebook."""
    examples = []
    for var in codebook.variables:
        if var.type not in CHOICE_TYPES:
            continue
        for category, _depth in var.walk():
            if category.retired:
                continue
            value: Value = (category.code,) if var.type == "multiple_choice" else category.code
            for lang, texts in category.examples.items():
                for number, text in enumerate(texts, 1):
                    if text.strip():
                        examples.append(
                            Example(
                                text,
                                var.id,
                                value,
                                lang=lang,
                                source=f"{codebook.ref} {var.id}={category.code} {lang} #{number}",
                            )
                        )
    return examples
