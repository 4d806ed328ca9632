"""SPSS (``.sav``) and Stata (``.dta``) files from intercoder annotations, with codebook labels.

Statistics packages want one row per case, so the exporters pivot the long annotation records
(``unit_id, coder_id, variable, value``) to a **wide** data file:

* one row per ``(unit_id, coder_id)`` pair that has a record, sorted by unit id, then coder id;
* the columns ``unit_id`` and ``coder_id`` (strings), then one column per codebook variable in
  codebook order:

  ==================  ====================================================================
  variable type       column(s)
  ==================  ====================================================================
  ``single_choice``   numeric ``1..k``: the variable's codes in codebook (tree) order, with
  ``ordinal_scale``   a value label per value (the category label); retired codes are left
                      out of the numbering
  ``multiple_choice`` one 0/1 column per code, named ``<variable>__<code>`` (1 = chosen); a
                      coder who did not code the variable gets missing values, not zeros.
                      Choosing a sub-category does not set its parent's column
  ``number``          numeric
  ``text``            string (empty when not coded)
  ``spans``           **left out**: a coder marks any number of spans per unit, which do not
                      fit one cell; export the long format (csv, jsonl, parquet) for them
  ==================  ====================================================================

  A value a coder did not give is system-missing (SPSS) or ``.`` (Stata).

Labels come from the codebook in one language: the exporter's ``lang`` argument, else the
environment variable ``INTERCODER_LABEL_LANG`` (a language tag of the codebook, e.g. ``ru``),
else the codebook's first language; a text missing in that language falls back to the
codebook's other languages in order. Variable labels are the variable's label (for a 0/1
column, ``"<variable label>: <category label>"``); the file label is the codebook reference
``id@version``. Labels longer than the format allows are cut and end with ``…`` (SPSS: variable
labels 255 bytes, value labels 120 bytes, file label 64 bytes; Stata: variable and file labels
80 characters, value labels 32,000 bytes). Both formats store text as UTF-8 (Stata format 118,
readable by Stata 14 and later), so Cyrillic and Uzbek labels and texts come through intact.

Column names are the variable ids and ``<variable>__<code>``, made valid for the format: every
character other than ``A-Z a-z 0-9 _`` becomes ``_`` (a code ``anti-roma`` gives
``..__anti_roma``), a name not starting with a letter gets a ``v`` in front, a reserved word
(SPSS ``ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH``; Stata ``byte if in int long using with``,
``str#``, …) gets a ``_`` behind, and names are cut to the format's limit: SPSS 64 bytes, Stata
32 characters, and 28 for Stata columns with value labels (pyreadstat names the value label set
after the column plus a number). A name already taken (compared case-insensitively) ends in
``_2``, ``_3``, … instead. Names depend only on the codebook and the format, never on the label
language, so :func:`wide_layout` tells which column holds what.

Reading back (the ``spss`` and ``stata`` importers) needs the codebook the file label names,
loadable by reference (bundled, registered by a plugin, or on ``INTERCODER_CODEBOOK_PATH``), or
passed as ``SpssFormat(codebook=...)``: it turns the numbers back into codes and the 0/1
columns back into lists. Spans do not come back, and an empty text reads as no record.
"""

from __future__ import annotations

import math
import os
import re
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from intercoder.errors import Diagnostic, IntercoderError, Location
from intercoder.extensions import Exporter, Importer
from intercoder.hookspecs import hookimpl

if TYPE_CHECKING:  # registering must stay cheap: numpy, pandas and pyreadstat load on use
    from intercoder.annotations import AnnotationSet
    from intercoder.codebook.model import Codebook, Translations

__version__ = "0.1.0"

#: Environment variable naming the language of the labels (a language tag of the codebook).
LANG_ENV = "INTERCODER_LABEL_LANG"

ELLIPSIS = "…"

ColumnKind = Literal["id", "choice", "dummy", "number", "text"]


@dataclass(frozen=True)
class Limit:
    """A maximum length, counted in UTF-8 bytes or in characters."""

    size: int
    unit: Literal["bytes", "chars"]

    def fit(self, text: str) -> str:
        """``text`` if it fits, else cut on a character boundary and ending in ``…``."""
        if self.unit == "chars":
            if len(text) <= self.size:
                return text
            return text[: self.size - len(ELLIPSIS)].rstrip() + ELLIPSIS
        data = text.encode("utf-8")
        if len(data) <= self.size:
            return text
        room = self.size - len(ELLIPSIS.encode("utf-8"))
        return data[:room].decode("utf-8", errors="ignore").rstrip() + ELLIPSIS


@dataclass(frozen=True)
class FileFormat:
    """What one statistics file format allows: name and label limits, reserved words."""

    title: str
    max_name: int
    max_labelled_name: int
    variable_label: Limit
    value_label: Limit
    file_label: Limit
    reserved: frozenset[str]
    reserved_pattern: str
    choice_format: str


SPSS = FileFormat(
    title="SPSS",
    max_name=64,
    max_labelled_name=64,
    variable_label=Limit(255, "bytes"),
    value_label=Limit(120, "bytes"),
    file_label=Limit(64, "bytes"),
    reserved=frozenset(
        ["all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"],
    ),
    reserved_pattern=r"(?!)",
    choice_format="F8.0",
)

STATA = FileFormat(
    title="Stata",
    max_name=32,
    max_labelled_name=28,
    variable_label=Limit(80, "chars"),
    value_label=Limit(32000, "bytes"),
    file_label=Limit(80, "chars"),
    reserved=frozenset(
        [
            "_all",
            "_b",
            "byte",
            "_coef",
            "_cons",
            "double",
            "float",
            "if",
            "in",
            "int",
            "long",
            "_n",
            "_pi",
            "_pred",
            "_rc",
            "_skip",
            "strl",
            "using",
            "with",
        ]
    ),
    reserved_pattern=r"str[0-9]+",
    choice_format="%8.0g",
)


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


def label_language(codebook: Codebook, lang: str | None = None) -> str:
    """The language of the labels: ``lang``, else ``$INTERCODER_LABEL_LANG``, else the first."""
    chosen = lang or os.environ.get(LANG_ENV, "").strip() or None
    if chosen is None:
        return codebook.languages[0]
    if chosen not in codebook.languages:
        what = f"label language {chosen!r}" if lang else f"{LANG_ENV}={chosen}"
        raise IntercoderError(
            f"{what} is not a language of {codebook.ref} ({', '.join(codebook.languages)})"
        )
    return chosen


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


def _checked(annotations: AnnotationSet, codebook: Codebook) -> AnnotationSet:
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


def _replace_atomically(path: Path, write: Callable[[str], None]) -> None:
    """Call ``write(temporary path)`` beside ``path``; the file replaces ``path`` on success."""
    from intercoder.fileio import replacing

    with replacing(path) as tmp:
        write(str(tmp))


#: The codebook reference at the start of a file label.
_FILE_LABEL = re.compile(r"^\s*([a-z][a-z0-9]*(?:-[a-z0-9]+)*@[0-9]+\.[0-9]+\.[0-9]+)(?:\s|$)")


class WideFormat(Importer, Exporter):
    """A wide statistics file: the shared work of the SPSS and Stata formats.

    ``lang`` picks the label language (default ``$INTERCODER_LABEL_LANG``, else the codebook's
    first); ``codebook`` is the one to read files with (default: the one the file label names).
    """

    file_format: ClassVar[FileFormat]

    def __init__(self, lang: str | None = None, codebook: Codebook | None = None) -> None:
        self.lang = lang
        self.codebook = codebook

    # --- writing ------------------------------------------------------------------------------

    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        """Write the wide file; the codebook is required (labels, codes to numbers)."""
        fmt = self.file_format
        if codebook is None:
            raise IntercoderError(
                f"the {self.name} exporter needs a codebook for its variable and value labels: "
                "add --codebook REF"
            )
        columns = wide_layout(codebook, fmt, self.lang)
        frame = wide_frame(_checked(annotations, codebook), columns)
        if not len(frame):
            raise IntercoderError(f"{path}: no annotation records to export")
        options: dict[str, Any] = {
            "file_label": fmt.file_label.fit(codebook.ref),
            "column_labels": {
                c.name: fmt.variable_label.fit(c.label) if c.label else None for c in columns
            },
            "variable_value_labels": {
                c.name: {
                    i: fmt.value_label.fit(label) for i, label in enumerate(c.value_labels, start=1)
                }
                for c in columns
                if c.kind == "choice" and c.value_labels
            },
            "variable_format": {
                c.name: fmt.choice_format for c in columns if c.kind in ("choice", "dummy")
            },
        }
        self._write_frame(frame, columns, options, path)

    @abstractmethod
    def _write_frame(
        self, frame: Any, columns: list[Column], options: dict[str, Any], path: Path
    ) -> None:
        """Write ``frame`` with pyreadstat's writer for the format."""

    # --- reading ------------------------------------------------------------------------------

    @abstractmethod
    def _read_frame(self, path: Path) -> tuple[Any, Any]:
        """pyreadstat's (data frame, metadata) for ``path``."""

    def read(self, path: Path) -> AnnotationSet:
        """Records from a file this plugin wrote; spans are not in it, empty texts are none."""
        from intercoder.annotations import Annotation, AnnotationError, AnnotationSet
        from intercoder.codebook.registry import load_codebook

        name = str(path)
        pyreadstat = _pyreadstat()
        try:
            frame, meta = self._read_frame(path)
        except FileNotFoundError:
            raise
        except _errors(pyreadstat) as exc:
            raise IntercoderError(
                f"{name}: not a readable {self.file_format.title} file ({exc})"
            ) from None
        label = meta.file_label or ""
        found = _FILE_LABEL.match(label)
        codebook = self.codebook
        if codebook is None:
            if found is None:
                raise IntercoderError(
                    f"{name}: the file label {label!r} names no codebook (id@version); "
                    f"the {self.name} importer reads files written by intercoder's "
                    f"{self.name} exporter"
                )
            codebook = load_codebook(found.group(1))
        columns = wide_layout(codebook, self.file_format)
        missing = [c.name for c in columns if c.name not in frame.columns]
        if missing:
            shown = ", ".join(missing[:5])
            if len(missing) > 5:
                shown += f" (and {len(missing) - 5} more)"
            raise AnnotationError(
                [
                    Diagnostic(
                        Location(name),
                        f"missing column(s) {shown} of the {codebook.ref} layout; was the file "
                        f"written by the {self.name} exporter with this codebook?",
                    )
                ]
            )
        cells = {c.name: frame[c.name].tolist() for c in columns}
        unit_column, coder_column = columns[0].name, columns[1].name
        groups: dict[str, list[Column]] = {}
        for column in columns[2:]:
            groups.setdefault(column.variable or "", []).append(column)
        records: list[Annotation] = []
        problems: list[Diagnostic] = []
        for row in range(len(frame)):
            where = Location(name, row + 1)
            unit = _identifier(cells[unit_column][row])
            coder = _identifier(cells[coder_column][row])
            if not unit or not coder:
                problems.append(
                    Diagnostic(where, f"{unit_column if not unit else coder_column}: missing")
                )
                continue
            for variable, group in groups.items():
                try:
                    value = _cell_value(group, cells, row)
                except ValueError as exc:
                    problems.append(Diagnostic(where, str(exc)))
                    continue
                if value is not None:
                    records.append(
                        Annotation(
                            unit, coder, variable, value, codebook=codebook.ref, location=where
                        )
                    )
        if problems:
            raise AnnotationError(problems)
        return AnnotationSet.from_records(records)


def _identifier(raw: Any) -> str:
    """A unit or coder id cell as text ("" when missing); whole numbers lose their ``.0``."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _missing(raw: Any) -> bool:
    return raw is None or (isinstance(raw, float) and math.isnan(raw))


def _cell_value(group: list[Column], cells: dict[str, list[Any]], row: int) -> Any:
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


def _pyreadstat() -> Any:
    """pyreadstat, or a one-line error saying how to install it."""
    import importlib

    try:
        return importlib.import_module("pyreadstat")
    except ImportError as exc:
        raise IntercoderError(
            f"pyreadstat cannot be imported ({exc}): pip install 'intercoder-spss'"
        ) from None


def _errors(pyreadstat: Any) -> tuple[type[Exception], ...]:
    """pyreadstat's exceptions (older releases export only ReadstatError at the top)."""
    sources = (pyreadstat, getattr(pyreadstat, "_readstat_parser", None))
    found = {
        getattr(source, name, None)
        for source in sources
        for name in ("ReadstatError", "PyreadstatError")
    }
    return tuple(e for e in found if isinstance(e, type) and issubclass(e, Exception))


def _write_with(writer: str, frame: Any, options: dict[str, Any], path: Path, title: str) -> None:
    pyreadstat = _pyreadstat()

    def write(tmp: str) -> None:
        try:
            getattr(pyreadstat, writer)(frame, tmp, **options)
        except _errors(pyreadstat) as exc:
            raise IntercoderError(f"{path}: cannot write the {title} file: {exc}") from None

    _replace_atomically(path, write)


class SpssFormat(WideFormat):
    """SPSS ``.sav``: wide, UTF-8, variable and value labels and measurement levels."""

    name = "spss"
    extension = ".sav"
    extensions = (".sav",)
    description = "SPSS .sav, one row per unit and coder, labels from --codebook (required)"
    file_format = SPSS

    def _write_frame(
        self, frame: Any, columns: list[Column], options: dict[str, Any], path: Path
    ) -> None:
        options["variable_measure"] = {c.name: c.measure for c in columns}
        _write_with("write_sav", frame, options, path, self.file_format.title)

    def _read_frame(self, path: Path) -> tuple[Any, Any]:
        return _pyreadstat().read_sav(path)  # type: ignore[no-any-return]


class StataFormat(WideFormat):
    """Stata ``.dta`` format 118 (Stata 14+): wide, UTF-8, variable and value labels."""

    name = "stata"
    extension = ".dta"
    extensions = (".dta",)
    description = "Stata .dta (format 118), one row per unit and coder, labels from --codebook"
    file_format = STATA

    def _write_frame(
        self, frame: Any, columns: list[Column], options: dict[str, Any], path: Path
    ) -> None:
        options["version"] = 14  # pyreadstat's name for file format 118
        _write_with("write_dta", frame, options, path, self.file_format.title)

    def _read_frame(self, path: Path) -> tuple[Any, Any]:
        return _pyreadstat().read_dta(path)  # type: ignore[no-any-return]


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(SpssFormat())
    register(StataFormat())


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(SpssFormat())
    register(StataFormat())
