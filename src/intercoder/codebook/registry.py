"""Finding codebooks by reference: ``hate-speech``, ``hate-speech@1.0.0`` or a file path.

Codebooks are looked up in *codebook directories* laid out as ``<id>/<version>.yaml``: the
bundled one shipped with the package, and any a plugin registers. Loaded codebooks are cached
per file and modification time, so the CLI and long-running sync loops parse each file once.

Shared vocabularies live beside the codebooks, in ``<directory>/vocabularies/<id>/<version>.yaml``
of every codebook directory (so ``vocabularies`` is not a codebook id). A codebook finds them
first in the ``vocabularies/`` directory next to its own directory (a codebook and its
vocabularies travel together), then in those of the codebook directories, in their order.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import attrs

from ..errors import CodebookError, CodebookNotFoundError, Diagnostic, Location
from .model import Codebook, parse_version
from .spec import CODEBOOK_ID, SEMVER
from .validate import Vocabulary, parse_codebook, parse_vocabulary

#: Environment variable: extra codebook directories, separated by os.pathsep.
PATH_ENV = "INTERCODER_CODEBOOK_PATH"
#: The directory of shared vocabularies inside a codebook directory.
VOCABULARIES = "vocabularies"

_extra_directories: list[Path] = []


def bundled_directory() -> Path:
    """Where the bundled codebooks are: inside the wheel, or ``codebooks/`` in a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "_bundled_codebooks"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "codebooks"


def add_codebook_directory(path: str | os.PathLike[str]) -> None:
    """Make the codebooks under ``path`` (``<id>/<version>.yaml``) loadable by reference."""
    directory = Path(path)
    if directory not in _extra_directories:
        _extra_directories.append(directory)


def codebook_directories() -> list[Path]:
    """Where codebooks are looked up, in order: INTERCODER_CODEBOOK_PATH, directories added
    with :func:`add_codebook_directory`, the bundled codebooks, then plugins' directories."""
    from .. import plugins

    env = [Path(p) for p in os.environ.get(PATH_ENV, "").split(os.pathsep) if p]
    from_plugins = plugins.get_host().codebook_directories()
    return [*env, *_extra_directories, bundled_directory(), *from_plugins]


@attrs.frozen
class CodebookEntry:
    """A codebook file found in a codebook directory."""

    id: str
    version: str
    path: Path

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


def iter_codebook_files(directories: Iterable[Path] | None = None) -> Iterator[CodebookEntry]:
    """Every ``<id>/<version>.yaml`` in the codebook directories (earlier directories win)."""
    seen: set[tuple[str, str]] = set()
    for directory in codebook_directories() if directories is None else directories:
        if not directory.is_dir():
            continue
        for book_dir in sorted(directory.iterdir()):
            if (
                not book_dir.is_dir()
                or not re.search(CODEBOOK_ID, book_dir.name)
                or book_dir.name == VOCABULARIES
            ):
                continue
            for file in sorted(book_dir.glob("*.yaml")):
                if re.search(SEMVER, file.stem) and (book_dir.name, file.stem) not in seen:
                    seen.add((book_dir.name, file.stem))
                    yield CodebookEntry(book_dir.name, file.stem, file)


def available_codebooks() -> dict[str, list[CodebookEntry]]:
    """Codebook id -> its versions, oldest first."""
    found: dict[str, list[CodebookEntry]] = {}
    for entry in iter_codebook_files():
        found.setdefault(entry.id, []).append(entry)
    for versions in found.values():
        versions.sort(key=lambda e: parse_version(e.version))
    return dict(sorted(found.items()))


def resolve(ref: str) -> Path:
    """The file a reference names; raises CodebookNotFoundError with suggestions."""
    as_path = Path(ref)
    if as_path.suffix in (".yaml", ".yml") or os.sep in ref or as_path.is_file():
        if not as_path.is_file():
            raise CodebookNotFoundError(f"{ref}: no such codebook file")
        return as_path
    book_id, _, version = ref.partition("@")
    books = available_codebooks()
    if book_id not in books:
        close = difflib.get_close_matches(book_id, list(books), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(books) or "none"
        raise CodebookNotFoundError(f"{ref}: unknown codebook (available: {known}){hint}")
    versions = books[book_id]
    if not version:
        return versions[-1].path
    for entry in versions:
        if entry.version == version:
            return entry.path
    listed = ", ".join(e.version for e in versions)
    raise CodebookNotFoundError(f"{ref}: no version {version} of {book_id} (available: {listed})")


def load_codebook(ref: str | os.PathLike[str], *, strict: bool = False) -> Codebook:
    """Load a codebook by reference (``id``, ``id@version``) or path; newest version by default.

    Raises :class:`~intercoder.errors.CodebookError` (with every diagnostic) when the file is
    invalid and :class:`~intercoder.errors.CodebookNotFoundError` when nothing matches.
    """
    codebook, _ = load_codebook_with_warnings(ref, strict=strict)
    return codebook


def load_codebook_with_warnings(
    ref: str | os.PathLike[str], *, strict: bool = False
) -> tuple[Codebook, list[Diagnostic]]:
    """Like :func:`load_codebook`, also returning the warnings (missing translations, …)."""
    path = resolve(os.fspath(ref))
    stat = path.stat()
    codebook, warnings = _load_file(str(path), stat.st_mtime_ns, stat.st_size, strict)
    if _used_vocabularies(codebook) != _VOCABULARY_STAMPS.setdefault(
        (str(path), stat.st_mtime_ns, strict), _used_vocabularies(codebook)
    ):
        # A vocabulary it uses changed since it was cached: parse it again.
        codebook, warnings = _load_file.__wrapped__(
            str(path), stat.st_mtime_ns, stat.st_size, strict
        )
        _VOCABULARY_STAMPS[(str(path), stat.st_mtime_ns, strict)] = _used_vocabularies(codebook)
    return codebook, list(warnings)


#: (codebook file, its mtime, strict) -> the stamps of the vocabulary files it used.
_VOCABULARY_STAMPS: dict[tuple[str, int, bool], tuple[tuple[str, int, int], ...]] = {}


def _used_vocabularies(codebook: Codebook) -> tuple[tuple[str, int, int], ...]:
    """(file, mtime, size) of every vocabulary the codebook references, to notice edits."""
    refs = [var.categories_from for var in codebook.variables if var.categories_from]
    refs += list(codebook.include_variables)
    stamps = []
    for ref in dict.fromkeys(refs):
        try:
            found = resolve_vocabulary(ref, codebook.origin)
            stat = found.stat()
        except (CodebookNotFoundError, OSError):
            stamps.append((ref, -1, -1))
            continue
        stamps.append((str(found), stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


@functools.lru_cache(maxsize=64)
def _load_file(
    path: str, mtime_ns: int, size: int, strict: bool
) -> tuple[Codebook, tuple[Diagnostic, ...]]:
    with open(path, "rb") as handle:
        data = handle.read()
    codebook, warnings = parse_codebook(data, _display_name(path), strict=strict)
    _check_file_name(Path(path), codebook, data)
    return attrs.evolve(codebook, origin=path), tuple(warnings)


def _check_file_name(path: Path, codebook: Codebook, data: bytes) -> None:
    """A ``<id>/<version>.yaml`` file must declare that id and version.

    References find files by their names: ``our@1.0.1`` must never load a file that says it is
    1.0.0 (a copied file whose version line was not updated).
    """
    _check_names(path, codebook.id, codebook.version, data, "codebook")


def _check_names(path: Path, declared_id: str, version: str, data: bytes, id_key: str) -> None:
    if not re.search(SEMVER, path.stem):
        return
    problems = []
    for key, declared, named, what in (
        ("version", version, path.stem, "file name"),
        (id_key, declared_id, path.parent.name, "directory"),
    ):
        if key == id_key and not re.search(CODEBOOK_ID, named):
            continue  # a loose file named like a version, outside a codebook directory
        if declared != named:
            line = _line_of(data, key)
            problems.append(
                Diagnostic(
                    Location(_display_name(str(path)), line),
                    f"the {what} says {named!r} but the file declares {declared!r}: "
                    f"make them the same (a new version is a new file, "
                    f"{path.parent.name}/<version>.yaml, with its own version line)",
                    field=key,
                )
            )
    if problems:
        raise CodebookError(problems)


def _line_of(data: bytes, key: str) -> int:
    """The 1-based line of a top-level ``key:`` in the YAML text, 0 when not found."""
    match = re.search(rb"^" + key.encode() + rb"\s*:", data, re.MULTILINE)
    return data.count(b"\n", 0, match.start()) + 1 if match else 0


def _display_name(path: str) -> str:
    """Relative to the working directory when below it: shorter, clickable in editors."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return path


def vocabulary_directories(near: str | os.PathLike[str] | None = None) -> list[Path]:
    """Where vocabularies are looked up for the file ``near``: ``vocabularies/`` beside its
    directory (``<dir>/<id>/<version>.yaml`` -> ``<dir>/vocabularies``) and beside the file
    itself, then ``vocabularies/`` of every codebook directory."""
    found: list[Path] = []
    if near is not None:
        here = Path(near).resolve().parent
        found += [here.parent / VOCABULARIES, here / VOCABULARIES]
        if here.parent.name == VOCABULARIES:  # a vocabulary using another one
            found.insert(0, here.parent)
    found += [directory / VOCABULARIES for directory in codebook_directories()]
    return list(dict.fromkeys(found))


def is_vocabulary_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is laid out as a vocabulary: ``.../vocabularies/<id>/<version>.yaml``."""
    found = Path(path)
    return found.suffix in (".yaml", ".yml") and found.parent.parent.name == VOCABULARIES


def available_vocabularies(
    near: str | os.PathLike[str] | None = None,
) -> dict[str, list[CodebookEntry]]:
    """Vocabulary id -> its versions (oldest first), as seen from the file ``near``."""
    found: dict[str, list[CodebookEntry]] = {}
    for entry in iter_codebook_files(vocabulary_directories(near)):
        found.setdefault(entry.id, []).append(entry)
    for versions in found.values():
        versions.sort(key=lambda e: parse_version(e.version))
    return dict(sorted(found.items()))


def resolve_vocabulary(ref: str, near: str | os.PathLike[str] | None = None) -> Path:
    """The file of vocabulary ``ref`` (``id@version``, or a path); CodebookNotFoundError with
    the available ones and a did-you-mean when there is none."""
    as_path = Path(ref)
    if as_path.suffix in (".yaml", ".yml") or os.sep in ref:
        if not as_path.is_file():
            raise CodebookNotFoundError(f"{ref}: no such vocabulary file")
        return as_path
    vocab_id, _, version = ref.partition("@")
    known = available_vocabularies(near)
    if vocab_id not in known:
        close = difflib.get_close_matches(vocab_id, list(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(known) or "none"
        raise CodebookNotFoundError(f"{ref}: unknown vocabulary (available: {listed}){hint}")
    if not version:
        return known[vocab_id][-1].path
    for entry in known[vocab_id]:
        if entry.version == version:
            return entry.path
    listed = ", ".join(e.version for e in known[vocab_id])
    raise CodebookNotFoundError(
        f"{ref}: no version {version} of vocabulary {vocab_id} (available: {listed})"
    )


def load_vocabulary(
    ref: str | os.PathLike[str],
    *,
    near: str | os.PathLike[str] | None = None,
    strict: bool = False,
) -> Vocabulary:
    """Load a shared vocabulary by reference (``id@version``) or path, validated.

    Raises CodebookError (with the vocabulary file's own locations) when it is invalid, and
    CodebookNotFoundError when nothing matches.
    """
    vocabulary, _ = load_vocabulary_with_warnings(ref, near=near, strict=strict)
    return vocabulary


def load_vocabulary_with_warnings(
    ref: str | os.PathLike[str],
    *,
    near: str | os.PathLike[str] | None = None,
    strict: bool = False,
) -> tuple[Vocabulary, list[Diagnostic]]:
    """Like :func:`load_vocabulary`, also returning the warnings."""
    path = resolve_vocabulary(os.fspath(ref), near)
    stat = path.stat()
    loading: list[str] = _LOADING.__dict__.setdefault("refs", [])
    key = str(path.resolve())
    if key in loading:
        chain = " -> ".join([*loading[loading.index(key) :], key])
        raise CodebookNotFoundError(
            f"{os.fspath(ref)}: vocabularies refer to each other in a cycle ({chain})"
        )
    loading.append(key)
    try:
        vocabulary, warnings = _load_vocabulary_file(
            str(path), stat.st_mtime_ns, stat.st_size, strict
        )
    finally:
        loading.pop()
    return vocabulary, list(warnings)


#: The vocabulary files being loaded in this thread, to refuse a cycle instead of recursing.
_LOADING = threading.local()


@functools.lru_cache(maxsize=64)
def _load_vocabulary_file(
    path: str, mtime_ns: int, size: int, strict: bool
) -> tuple[Vocabulary, tuple[Diagnostic, ...]]:
    with open(path, "rb") as handle:
        data = handle.read()
    vocabulary, warnings = parse_vocabulary(data, _display_name(path), strict=strict)
    _check_names(Path(path), vocabulary.id, vocabulary.version, data, "id")
    return attrs.evolve(vocabulary, origin=path), tuple(warnings)


def is_version(text: str) -> bool:
    return re.search(SEMVER, text) is not None
