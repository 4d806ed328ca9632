"""Long records to wide rows and back: one row per unit and coder, one cell per column.

:func:`wide_frame` pivots checked records into a data frame in a :mod:`~intercoder_spss.layout`;
:func:`cell_value` and :func:`identifier` read the cells of a file back into record values.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # registering must stay cheap: numpy and pandas load on use
    from intercoder.annotations import AnnotationSet
    from intercoder.codebook.model import Codebook

    from .layout import Column


def checked(annotations: AnnotationSet, codebook: Codebook) -> AnnotationSet:
    """The records checked against ``codebook`` with canonical values; AnnotationError if bad.

    Records already checked (``intercoder export --codebook`` does that) hold multiple-choice
    values as tuples, which the checker reads as one code: they go in as lists.
    """
    import attrs
    import numpy as np

    from intercoder.annotations import AnnotationError, check_annotations

    values = np.empty(len(annotations), dtype=object)
    values[:] = [list(v) if isinstance(v, tuple) else v for v in annotations.value.tolist()]
    plain = attrs.evolve(annotations, value=values)
    checked = check_annotations(plain, codebook)
    if checked.problems:
        raise AnnotationError(list(checked.problems), hint="fix them before exporting")
    return checked.annotations


def wide_frame(annotations: AnnotationSet, columns: list[Column]) -> Any:
    """A pandas DataFrame of checked ``annotations`` in the layout ``columns``."""
    import importlib

    import numpy as np

    pd = importlib.import_module("pandas")  # no type hints: imported as Any
    units: list[str] = annotations.unit_id.tolist()
    coders: list[str] = annotations.coder_id.tolist()
    rows = sorted(set(zip(units, coders, strict=True)))
    index = {key: i for i, key in enumerate(rows)}
    count = len(rows)
    data: dict[str, Any] = {}
    single: dict[str, tuple[Column, dict[str, float]]] = {}
    dummies: dict[str, list[Column]] = {}
    for position, column in enumerate(columns):
        if column.kind == "id":  # unit_id, then coder_id
            data[column.name] = np.array([row[position] for row in rows], dtype=object)
        elif column.kind == "text":
            data[column.name] = np.full(count, "", dtype=object)
        else:
            data[column.name] = np.full(count, np.nan, dtype=np.float64)
        if column.variable is None:
            continue
        if column.kind == "dummy":
            dummies.setdefault(column.variable, []).append(column)
        else:
            numbers = {code: float(i) for i, code in enumerate(column.codes, start=1)}
            single[column.variable] = (column, numbers)
    values = annotations.value.tolist()
    for i, variable in enumerate(annotations.variable.tolist()):
        value = values[i]
        if value is None:
            continue
        row = index[units[i], coders[i]]
        if variable in dummies:
            chosen = set(value)
            for column in dummies[variable]:
                data[column.name][row] = 1.0 if column.code in chosen else 0.0
        elif variable in single:
            column, numbers = single[variable]
            if column.kind == "choice":
                data[column.name][row] = numbers[value]
            elif column.kind == "number":
                data[column.name][row] = float(value)
            else:
                data[column.name][row] = str(value)
    return pd.DataFrame(data, columns=[c.name for c in columns])


def identifier(raw: Any) -> str:
    """A unit or coder id cell as text ("" when missing); whole numbers lose their ``.0``."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _missing(raw: Any) -> bool:
    return raw is None or (isinstance(raw, float) and math.isnan(raw))


def cell_value(group: list[Column], cells: dict[str, list[Any]], row: int) -> Any:
    """The long-format value of one variable in one row, None when not coded."""
    first = group[0]
    if first.kind == "dummy":
        raw = [cells[c.name][row] for c in group]
        if all(_missing(v) for v in raw):
            return None
        chosen = []
        for column, value in zip(group, raw, strict=True):
            if _missing(value) or value == 0:
                continue
            if value != 1:
                raise ValueError(f"{column.name}: {value!r} is neither 0 nor 1")
            chosen.append(column.code)
        return chosen
    value = cells[first.name][row]
    if first.kind == "text":
        return None if _missing(value) or not str(value).strip() else str(value)
    if _missing(value):
        return None
    if first.kind == "number":
        return float(value)
    count = len(first.codes)
    if not (isinstance(value, float | int) and float(value).is_integer() and 1 <= value <= count):
        raise ValueError(f"{first.name}: {value!r} is not one of the values 1..{count}")
    return first.codes[int(value) - 1]
