"""What plugins implement: coders (automatic annotators), importers and exporters.

Subclass one of these and register an instance from the matching hook in
:mod:`intercoder.hookspecs`. Names are lowercase identifiers (``lexicon``, ``csv``,
``spss``); the host refuses a name another plugin already registered.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .annotations import Annotation, AnnotationSet
    from .codebook.model import Codebook
    from .tasks import Task

NAME_PATTERN = r"^[a-z][a-z0-9_-]*$"


def check_name(kind: str, name: object) -> str:
    """The name if it is a valid extension name, else a ValueError saying why."""
    if not isinstance(name, str) or not re.search(NAME_PATTERN, name):
        raise ValueError(f"{kind} name {name!r} is not a lowercase identifier like 'my-coder'")
    return name


class Coder(ABC):
    """An automatic coder: reads tasks, writes annotations like a human coder would.

    ``name`` and ``version`` form the coder id recorded with every annotation
    (``lexicon@0.1.0``), so machine coders are compared with human ones by the same
    agreement engine. ``code`` receives the tasks as an iterable and should consume it lazily
    (the CLI counts consumed tasks for its progress bar). ``intercoder code --jobs N`` calls it
    once per batch of tasks in worker processes, so a coder codes each task on its own and must
    be picklable (see :mod:`intercoder.coders.parallel`).
    """

    name: ClassVar[str]
    version: ClassVar[str]
    description: ClassVar[str] = ""

    @property
    def coder_id(self) -> str:
        return f"{self.name}@{self.version}"

    @abstractmethod
    def code(self, tasks: Iterable[Task], codebook: Codebook) -> Iterator[Annotation]:
        """Annotations for ``tasks`` under ``codebook`` (coder id :attr:`coder_id`)."""

    # Optional parts (added in 0.2). A coder that leaves them alone keeps working unchanged.

    def configure(self, options: Mapping[str, str]) -> None:
        """Take the user's settings before coding: ``--coder-option KEY=VALUE`` over the
        ``[tool.intercoder.coders.NAME]`` table, every value as text.

        Raise :class:`CoderSettingsError` for an unknown key or a bad value (the command exits
        with a usage error). The default accepts no settings at all.
        """
        if options:
            raise CoderSettingsError(
                f"coder {self.name!r} takes no settings (got {', '.join(sorted(options))})"
            )

    def preview(self, task: Task, codebook: Codebook) -> str:
        """What coding ``task`` would send or do, for ``intercoder code --dry-run``; nothing is
        coded. The default says the coder has nothing to preview."""
        raise CoderSettingsError(f"coder {self.name!r} has no dry run")

    def summary(self) -> list[str]:
        """Lines ``intercoder code`` prints after coding (counts, tokens, which mode was used)."""
        return []


class CoderSettingsError(ValueError):
    """A coder setting that is unknown or has a bad value (a usage error, exit 2)."""


class Importer(ABC):
    """Reads annotation records from a file format into an AnnotationSet."""

    name: ClassVar[str]
    #: File name endings this importer claims, lowercase with the dot (``(".csv",)``).
    extensions: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""

    @abstractmethod
    def read(self, path: Path) -> AnnotationSet:
        """The annotations in ``path``; bad content raises an IntercoderError with a location."""


class Exporter(ABC):
    """Writes annotation records to a file format."""

    name: ClassVar[str]
    #: The usual file name ending of the format (``".sav"``).
    extension: ClassVar[str] = ""
    description: ClassVar[str] = ""

    @abstractmethod
    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        """Write ``annotations`` to ``path`` (atomically); ``codebook`` supplies labels."""
