"""The immutable codebook model: what a loaded, validated codebook is.

Everything is frozen attrs classes holding tuples and :class:`Translations` (a read-only
mapping), so a codebook can be shared between threads, cached, and compared with ``==``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Generic, TypeVar

import attrs

T = TypeVar("T")

#: Level of measurement used for agreement when a variable does not set ``level``.
DEFAULT_LEVEL: dict[str, str | None] = {
    "single_choice": "nominal",
    "multiple_choice": "nominal",
    "spans": "nominal",
    "ordinal_scale": "ordinal",
    "number": "interval",
    "text": None,
}


class Translations(Mapping[str, T], Generic[T]):
    """A read-only mapping from language tag to a text (or a tuple of texts)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, T] | None = None) -> None:
        self._data: dict[str, T] = dict(data or {})

    def __getitem__(self, lang: str) -> T:
        return self._data[lang]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Translations({self._data!r})"

    def pick(self, lang: str, fallbacks: tuple[str, ...] = ()) -> T | None:
        """The text in ``lang``, else in the first of ``fallbacks`` that has one, else None."""
        for tag in (lang, *fallbacks):
            if tag in self._data:
                return self._data[tag]
        return None


EMPTY: Translations[str] = Translations()
EMPTY_LIST: Translations[tuple[str, ...]] = Translations()


@attrs.frozen
class Thresholds:
    """Reliability thresholds: ``passing`` and ``tentative`` minimum alphas."""

    passing: float = 0.800
    tentative: float = 0.667


@attrs.frozen
class Source:
    id: str
    citation: str
    url: str | None = None


@attrs.frozen
class Author:
    name: str
    affiliation: str | None = None
    role: str | None = None


@attrs.frozen
class ChangelogEntry:
    version: str
    date: str
    changes: tuple[str, ...]


@attrs.frozen
class Category:
    """One code of a variable, possibly with sub-categories."""

    code: str
    label: Translations[str]
    definition: Translations[str]
    include: Translations[tuple[str, ...]] = EMPTY_LIST
    exclude: Translations[tuple[str, ...]] = EMPTY_LIST
    examples: Translations[tuple[str, ...]] = EMPTY_LIST
    sources: tuple[str, ...] = ()
    children: tuple[Category, ...] = ()
    retired_in: str | None = None
    merged_into: str | None = None
    replaced_by: tuple[str, ...] = ()
    redefined_in: str | None = None
    #: In a multiple choice: "none of these", never combined with another code.
    exclusive: bool = False

    @property
    def retired(self) -> bool:
        return self.retired_in is not None

    def walk(self, depth: int = 0) -> Iterator[tuple[Category, int]]:
        """This category and its descendants, depth first, with their depth (0 = top)."""
        yield self, depth
        for child in self.children:
            yield from child.walk(depth + 1)


@attrs.frozen
class ShowIf:
    """Show a variable only when the earlier choice ``variable`` has one of ``codes``."""

    variable: str
    codes: tuple[str, ...]


@attrs.frozen
class Variable:
    """A question of the codebook; ``level`` is the level of measurement for agreement."""

    id: str
    type: str
    level: str | None
    label: Translations[str]
    definition: Translations[str]
    question: Translations[str] = EMPTY
    instructions: Translations[tuple[str, ...]] = EMPTY_LIST
    required: bool = True
    show_if: ShowIf | None = None
    sources: tuple[str, ...] = ()
    reliability: Thresholds = Thresholds()
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[Category, ...] = ()
    #: True when ``level`` was written in the file rather than derived from ``type``.
    level_explicit: bool = False
    #: True when ``reliability`` was written on the variable rather than inherited.
    reliability_explicit: bool = False
    #: ``text`` (coded once per text) or ``statement`` (coded per statement span in it).
    unit: str = "text"
    #: The shared vocabulary the categories were taken from (``id@version``), if any; the
    #: categories themselves are expanded, so this is provenance and takes no part in ``==``.
    categories_from: str | None = attrs.field(default=None, eq=False)

    @property
    def exclusive_codes(self) -> tuple[str, ...]:
        """Codes marked ``exclusive`` (in use), which a multiple choice never combines."""
        return tuple(cat.code for cat, _ in self.walk() if cat.exclusive and not cat.retired)

    def walk(self) -> Iterator[tuple[Category, int]]:
        """Every category of the tree (retired ones too), depth first, with its depth."""
        for category in self.categories:
            yield from category.walk()

    @property
    def codes(self) -> tuple[str, ...]:
        """Codes a coder may use now (retired codes excluded), in tree order."""
        return tuple(cat.code for cat, _ in self.walk() if not cat.retired)

    def category(self, code: str) -> Category:
        """The category with ``code`` anywhere in the tree; KeyError when there is none."""
        for cat, _ in self.walk():
            if cat.code == code:
                return cat
        raise KeyError(f"variable {self.id!r} has no code {code!r}")

    def path_to(self, code: str) -> tuple[str, ...]:
        """Codes from the top of the tree down to ``code`` (inclusive)."""

        def search(cats: tuple[Category, ...], trail: tuple[str, ...]) -> tuple[str, ...] | None:
            for cat in cats:
                here = (*trail, cat.code)
                if cat.code == code:
                    return here
                found = search(cat.children, here)
                if found:
                    return found
            return None

        found = search(self.categories, ())
        if found is None:
            raise KeyError(f"variable {self.id!r} has no code {code!r}")
        return found

    @property
    def is_tree(self) -> bool:
        return any(cat.children for cat in self.categories)


@attrs.frozen
class Marker:
    """Lexicon stems for one category in one language, used by automatic coders."""

    variable: str
    code: str
    lang: str
    terms: tuple[str, ...]
    exclude: tuple[str, ...] = ()


@attrs.frozen
class Codebook:
    """A loaded, validated codebook. ``origin`` (file or bundle) does not take part in ``==``."""

    id: str
    version: str
    title: Translations[str]
    languages: tuple[str, ...]
    authors: tuple[Author, ...]
    sources: tuple[Source, ...]
    changelog: tuple[ChangelogEntry, ...]
    variables: tuple[Variable, ...]
    description: Translations[str] = EMPTY
    license: str | None = None
    reliability: Thresholds = Thresholds()
    markers: tuple[Marker, ...] = ()
    format: int = 1
    reliability_explicit: bool = False
    origin: str = attrs.field(default="", eq=False)
    #: Shared vocabularies of variables included after the codebook's own (provenance).
    include_variables: tuple[str, ...] = attrs.field(default=(), eq=False)

    @property
    def ref(self) -> str:
        """``id@version``, the form recorded with every annotation."""
        return f"{self.id}@{self.version}"

    @property
    def version_tuple(self) -> tuple[int, int, int]:
        return parse_version(self.version)

    def variable(self, variable_id: str) -> Variable:
        for var in self.variables:
            if var.id == variable_id:
                return var
        raise KeyError(f"codebook {self.ref} has no variable {variable_id!r}")

    @property
    def statement_variables(self) -> tuple[Variable, ...]:
        """Variables coded per statement (``unit: statement``), the statement spans first."""
        found = [var for var in self.variables if var.unit == "statement"]
        return tuple(sorted(found, key=lambda var: var.type != "spans"))

    @property
    def statement_spans(self) -> Variable | None:
        """The ``spans`` variable whose spans are the statements, when the codebook has one."""
        for var in self.variables:
            if var.unit == "statement" and var.type == "spans":
                return var
        return None

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(f"codebook {self.ref} has no source {source_id!r}")


def parse_version(version: str) -> tuple[int, int, int]:
    """``"1.2.3"`` -> ``(1, 2, 3)``."""
    major, minor, patch = (int(part) for part in version.split("."))
    return major, minor, patch
