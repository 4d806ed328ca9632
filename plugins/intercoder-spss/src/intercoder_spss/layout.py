"""The columns of the wide file: valid, unique names, labels and value labels per variable.

Names depend only on the codebook and the file format, never on the label language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .formats import SPSS, FileFormat
from .labels import label_language

if TYPE_CHECKING:
    from intercoder.codebook.model import Codebook, Translations

ColumnKind = Literal["id", "choice", "dummy", "number", "text"]


@dataclass(frozen=True)
class Column:
    """One column of the wide file and what it holds."""

    name: str
    kind: ColumnKind
    #: The codebook variable (None for ``unit_id`` and ``coder_id``).
    variable: str | None = None
    #: The category a 0/1 column stands for.
    code: str | None = None
    #: The variable label, before it is cut to the format's limit ("" for none).
    label: str = ""
    #: For a choice column: the code of value 1, 2, … and its label.
    codes: tuple[str, ...] = ()
    value_labels: tuple[str, ...] = ()
    #: SPSS measurement level: nominal, ordinal or scale.
    measure: str = "nominal"


_MEASURE = {"nominal": "nominal", "ordinal": "ordinal", "interval": "scale", "ratio": "scale"}


class _Names:
    """Hands out valid, unique column names for one file format."""

    def __init__(self, file_format: FileFormat) -> None:
        self.file_format = file_format
        self.taken: set[str] = set()

    def take(self, wanted: str, *, labelled: bool = False) -> str:
        fmt = self.file_format
        limit = fmt.max_labelled_name if labelled else fmt.max_name
        name = re.sub(r"[^A-Za-z0-9_]", "_", wanted)
        if not re.match(r"[A-Za-z]", name):
            name = "v" + name
        if name.lower() in fmt.reserved or re.fullmatch(fmt.reserved_pattern, name.lower()):
            name += "_"
        name = name[:limit]
        candidate, number = name, 2
        while candidate.lower() in self.taken:
            suffix = f"_{number}"
            candidate = name[: limit - len(suffix)] + suffix
            number += 1
        self.taken.add(candidate.lower())
        return candidate


def wide_layout(
    codebook: Codebook, file_format: FileFormat = SPSS, lang: str | None = None
) -> list[Column]:
    """The columns of the wide file for ``codebook``, in file order (see the module docs)."""
    language = label_language(codebook, lang)

    def text(translations: Translations[str], default: str) -> str:
        return translations.pick(language, codebook.languages) or default

    names = _Names(file_format)
    columns = [Column(names.take("unit_id"), "id"), Column(names.take("coder_id"), "id")]
    for var in codebook.variables:
        label = text(var.label, var.id)
        measure = _MEASURE.get(var.level or "", "nominal")
        if var.type in ("single_choice", "ordinal_scale"):
            codes = var.codes
            columns.append(
                Column(
                    names.take(var.id, labelled=True),
                    "choice",
                    var.id,
                    label=label,
                    codes=codes,
                    value_labels=tuple(text(var.category(c).label, c) for c in codes),
                    measure=measure,
                )
            )
        elif var.type == "multiple_choice":
            for code in var.codes:
                category = text(var.category(code).label, code)
                columns.append(
                    Column(
                        names.take(f"{var.id}__{code}"),
                        "dummy",
                        var.id,
                        code=code,
                        label=f"{label}: {category}",
                    )
                )
        elif var.type == "number":
            columns.append(
                Column(names.take(var.id), "number", var.id, label=label, measure=measure)
            )
        elif var.type == "text":
            columns.append(Column(names.take(var.id), "text", var.id, label=label))
        # spans (and any type added later) do not fit one cell per unit and coder: left out
    return columns
