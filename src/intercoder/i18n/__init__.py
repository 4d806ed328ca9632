"""Interface words in every language intercoder speaks, for the report and the coder manual.

The words live in one gettext domain, ``intercoder``: ``locale/<dir>/LC_MESSAGES/intercoder.po``
is what translators edit, ``intercoder.mo`` is what the program reads (with the standard
library's :mod:`gettext`). The ``.mo`` files are compiled from the ``.po`` files with Babel at
development time::

    pybabel compile -d src/intercoder/i18n/locale -D intercoder

and a test compiles every catalog again and compares, so the two cannot drift. A language tag
names its directory with ``_`` for ``-`` (``uz-Latn`` -> ``uz_Latn``).

Message ids are stable keys (``overview_intro``, ``single_choice``, ``pass``), not English text:

* many words are looked up by identifiers the data holds (a variable's type, its level of
  measurement, a reliability status), so the key is what the code already has;
* several messages are paragraphs; with English text as the id, every rewording of the English
  would orphan the four translations of it;
* the same English word can need different words: the report's "Text" column (``unit_text``) and
  the manual's variable type "free text" (``text``).

The English catalog holds the English text, and every non-English entry carries the English as
an extracted comment for the translator. A word missing from a catalog (or empty), and every
word of a language without a catalog, comes from the English catalog; a key the English catalog
lacks is a :class:`KeyError` (a bug, never shown to a reader as a bare key).
"""

from __future__ import annotations

import functools
import gettext
import io
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Protocol

__all__ = ["DOMAIN", "Translate", "catalog_path", "languages", "translator"]

#: The gettext domain: the name of every catalog file.
DOMAIN = "intercoder"

_ENGLISH = "en"


class Translate(Protocol):
    """A translator: ``_(key, **values)`` is the word for ``key``, formatted with ``values``."""

    def __call__(self, key: str, /, **values: object) -> str: ...


def _locale_dir() -> Traversable:
    return resources.files(__name__) / "locale"


def catalog_path(lang: str, suffix: str = ".mo") -> Traversable:
    """The catalog file of ``lang`` (``.mo``, or ``.po`` with ``suffix=".po"``)."""
    return _locale_dir() / lang.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def languages() -> tuple[str, ...]:
    """The language tags that have a catalog, English first."""
    tags = sorted(
        entry.name.replace("_", "-")
        for entry in _locale_dir().iterdir()
        if entry.is_dir() and catalog_path(entry.name).is_file()
    )
    return (_ENGLISH, *(tag for tag in tags if tag != _ENGLISH))


class _Missing(gettext.NullTranslations):
    """The end of every fallback chain: a key that not even English has is a bug."""

    def gettext(self, message: str) -> str:
        raise KeyError(message)


@functools.cache
def _catalog(lang: str) -> gettext.NullTranslations:
    english = gettext.GNUTranslations(io.BytesIO(catalog_path(_ENGLISH).read_bytes()))
    english.add_fallback(_Missing())
    if lang == _ENGLISH or lang not in languages():
        return english
    catalog = gettext.GNUTranslations(io.BytesIO(catalog_path(lang).read_bytes()))
    catalog.add_fallback(english)
    return catalog


def translator(lang: str) -> Translate:
    """The interface words of ``lang`` (English for a language without a catalog)."""
    lookup = _catalog(lang).gettext

    def translate(key: str, /, **values: object) -> str:
        text = lookup(key)
        return text.format(**values) if values else text

    return translate
