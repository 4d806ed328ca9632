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

from collections.abc import Callable

from intercoder.extensions import Exporter, Importer
from intercoder.hookspecs import hookimpl

# Registering must stay cheap: numpy, pandas and pyreadstat load on use, in the modules below.
from ._version import __version__
from .dta import StataFormat
from .formats import ELLIPSIS, SPSS, STATA, FileFormat, Limit
from .labels import LANG_ENV, label_language
from .layout import Column, ColumnKind, wide_layout
from .pivot import wide_frame
from .sav import SpssFormat
from .wide import WideFormat

__all__ = [
    "ELLIPSIS",
    "LANG_ENV",
    "SPSS",
    "STATA",
    "Column",
    "ColumnKind",
    "FileFormat",
    "Limit",
    "SpssFormat",
    "StataFormat",
    "WideFormat",
    "__version__",
    "label_language",
    "register_exporters",
    "register_importers",
    "wide_frame",
    "wide_layout",
]


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(SpssFormat())
    register(StataFormat())


@hookimpl
def register_importers(register: Callable[[Importer], None]) -> None:
    register(SpssFormat())
    register(StataFormat())
