"""Safe, bounded YAML reading that remembers where every value came from.

PyYAML's ``safe_load`` is safe against code execution but not against the other ways a file
can hurt: an alias bomb ("billion laughs") expands to gigabytes, duplicate keys silently
override each other, and the resulting plain data has lost its line numbers, so a validator can
no longer say *where* a problem is. We therefore compose the node graph ourselves (that is cheap:
aliases stay shared nodes) and convert it with a budget on the number of nodes visited, rejecting
duplicate keys, unknown tags and recursive aliases, and recording a ``(line, column)`` for every
value and every mapping key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import yaml

from .errors import Diagnostic, Location
from .text import nfc

try:  # libyaml composes about 10x faster; its nodes carry the same marks.
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

#: Largest input accepted, in bytes. The biggest bundled codebook is well under 1 MiB.
MAX_BYTES = 8 * 1024 * 1024
#: Most nodes visited while converting, counting every alias expansion again.
MAX_NODES = 500_000
#: Deepest nesting of lists and mappings accepted. A codebook needs about 12; libyaml's
#: composer is recursive C code that overflows the stack (a segfault) near 30,000 levels.
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
# Dates stay strings: a codebook date is text to show, and a datetime would not survive a
# round trip through JSON (Label Studio, JSON Schema validators).
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"


@attrs.frozen
class Mark:
    """Where a value (or a key) starts; 1-based. ``raw`` is the plain scalar as written."""

    line: int
    column: int
    raw: str | None = None


@attrs.define
class YamlDocument:
    """Plain Python data read from YAML, with the source position of every value."""

    data: Any
    filename: str
    values: dict[Path_, Mark]
    keys: dict[Path_, Mark]

    def location(self, path: Path_, *, key: bool = False) -> Location:
        """The location of ``path`` (of its key when ``key``), else of its nearest ancestor."""
        table = self.keys if key else self.values
        probe = path
        while True:
            mark = table.get(probe) or self.values.get(probe)
            if mark is not None:
                return Location(self.filename, mark.line, mark.column)
            if not probe:
                return Location(self.filename, 1, 1)
            probe = probe[:-1]

    def raw(self, path: Path_) -> str | None:
        """The scalar exactly as written at ``path`` (e.g. ``yes`` for a value read as True)."""
        mark = self.values.get(path)
        return mark.raw if mark else None


class YamlError(Exception):
    """The input is not acceptable YAML; ``diagnostic`` says where and why."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))


def format_path(path: Path_) -> str:
    """``("variables", 2, "code")`` -> ``variables[2].code``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def read_yaml(
    source: bytes | str,
    filename: str,
    *,
    max_bytes: int = MAX_BYTES,
    max_nodes: int = MAX_NODES,
) -> YamlDocument:
    """Parse one YAML document safely; raise :class:`YamlError` with a location on bad input."""

    def fail(message: str, line: int = 0, column: int = 0) -> YamlError:
        return YamlError(Diagnostic(Location(filename, line, column), message))

    if len(source) > max_bytes:
        raise fail(f"file is too large ({len(source):,} bytes; the limit is {max_bytes:,})")
    if isinstance(source, bytes):
        nul = source.find(b"\x00")
        if nul >= 0:
            line = source.count(b"\n", 0, nul) + 1
            column = nul - (source.rfind(b"\n", 0, nul) + 1) + 1
            raise fail("binary file, not YAML text (it contains NUL bytes)", line, column)
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = source[: exc.start].count(b"\n") + 1
            column = exc.start - (source.rfind(b"\n", 0, exc.start) + 1) + 1
            raise fail("not UTF-8 text (save the file as UTF-8)", line, column) from None
    else:
        text = source
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise fail("empty file: no YAML content", 1, 1)

    _check_depth(text, filename)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise _translate_yaml_error(exc, filename, text) from None
    except yaml.reader.ReaderError as exc:  # pragma: no cover - _check_depth read it first
        raise _reader_error(exc, filename, text) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise fail(f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if node is None:
        raise fail("empty file: no YAML content", 1, 1)

    converter = _Converter(filename, max_nodes)
    converter.check_expanded_size(node)
    data = converter.convert(node, ())
    return YamlDocument(data, filename, converter.values, converter.keys)


def _check_depth(text: str, filename: str) -> None:
    """Refuse deeply nested input before composing it (the composer recurses per level)."""
    loader = _Loader(text)
    depth = 0
    try:
        while True:
            event = loader.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
                    raise YamlError(
                        Diagnostic(
                            Location(filename, line, column),
                            f"nested more than {MAX_DEPTH} levels deep; refusing to read it",
                        )
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        raise _translate_yaml_error(exc, filename, text) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, filename, text) from None
    finally:
        loader.dispose()


def _reader_error(exc: yaml.reader.ReaderError, filename: str, text: str) -> YamlError:
    """A character YAML does not allow (a control character), at its line and column.

    The reader's errors carry a character position instead of a mark.
    """
    at = min(max(exc.position, 0), len(text))
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    char = exc.character
    code = ord(char) if isinstance(char, str) else int(char)
    return YamlError(
        Diagnostic(
            Location(filename, line, column),
            f"YAML syntax: the character U+{code:04X} is not allowed in YAML text "
            f"({exc.reason}); remove it, or write it as an escape in double quotes",
        )
    )


def _translate_yaml_error(exc: yaml.MarkedYAMLError, filename: str, text: str) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    column = mark.column + 1 if mark else 0
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    if "'\\t'" in problem or (mark is not None and _tab_at(text, mark.line, mark.column)):
        problem = "a tab character; YAML indents with spaces only"
    elif exc.context:
        problem = (
            f"{problem} ({exc.context.strip()}, line {exc.context_mark.line + 1})"
            if (exc.context_mark and exc.context_mark is not mark)
            else f"{problem} ({exc.context.strip()})"
        )
    if "expected a single document" in str(exc.context or ""):
        problem = "more than one YAML document ('---'); a codebook is a single document"
    return YamlError(Diagnostic(Location(filename, line, column), f"YAML syntax: {problem}"))


def _tab_at(text: str, line: int, column: int) -> bool:
    lines = text.splitlines()
    if line >= len(lines):
        return False
    row = lines[line]
    return "\t" in row[: column + 1] and not row[:column].strip(" \t")


class _Converter:
    """Turns a composed node graph into plain data, recording marks and enforcing limits."""

    def __init__(self, filename: str, max_nodes: int) -> None:
        self.filename = filename
        self.max_nodes = max_nodes
        self.values: dict[Path_, Mark] = {}
        self.keys: dict[Path_, Mark] = {}
        self._active: set[int] = set()
        self._constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, message: str) -> YamlError:
        mark = node.start_mark
        return YamlError(
            Diagnostic(Location(self.filename, mark.line + 1, mark.column + 1), message)
        )

    def check_expanded_size(self, root: yaml.Node) -> None:
        """Refuse a graph whose alias expansion is too big, before expanding anything.

        Sizes are computed once per distinct node (aliases share nodes), so a billion-laughs
        document is measured in microseconds instead of being expanded.
        """
        sizes: dict[int, int] = {}

        aliased = False  # a node reached twice: the document uses aliases

        def size(node: yaml.Node) -> int:
            nonlocal aliased
            known = sizes.get(id(node))
            if known is not None:
                aliased = True
                return known
            if id(node) in self._active:
                raise self.fail(node, "recursive alias: a node contains itself")
            total = 1
            if isinstance(node, yaml.SequenceNode):
                self._active.add(id(node))
                total += sum(size(item) for item in node.value)
            elif isinstance(node, yaml.MappingNode):
                self._active.add(id(node))
                total += sum(size(k) + size(v) for k, v in node.value)
            self._active.discard(id(node))
            if total > self.max_nodes:
                why = (
                    f"more than {self.max_nodes:,} values after expanding aliases "
                    "(an alias bomb?); refusing to read it"
                    if aliased
                    else f"more than {self.max_nodes:,} values, far more than a codebook "
                    "needs; refusing to read it (split very long lists, such as marker terms, "
                    "into a separate codebook or plugin)"
                )
                raise self.fail(node, why)
            sizes[id(node)] = total
            return total

        size(root)

    def convert(self, node: yaml.Node, path: Path_) -> Any:
        mark = node.start_mark
        raw = node.value if isinstance(node, yaml.ScalarNode) and not node.style else None
        self.values.setdefault(path, Mark(mark.line + 1, mark.column + 1, raw))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self._active:
            raise self.fail(node, "recursive alias: a node contains itself")
        self._active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                if node.tag != _SEQ:
                    raise self.fail(node, f"unsupported tag {node.tag!r}")
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)
            if node.tag != _MAP:
                raise self.fail(node, f"unsupported tag {node.tag!r}")
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _TIMESTAMP:
            return str(node.value)
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(node, f"unsupported tag {node.tag!r}; only plain YAML data is allowed")
        value = self._constructor.construct_object(node)
        # Text is compared after NFC, so "é" typed as e + U+0301 and as U+00E9 are one string
        # for duplicate and uniqueness checks, exactly as they are one string to a reader.
        return nfc(value) if isinstance(value, str) else value

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in self._pairs(node):
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a mapping key must be a plain value, not a list or map")
            # Keys are taken as written: `no:` (Norwegian) or `on:` must not become booleans.
            key = nfc(str(key_node.value))
            if key in first_seen:
                raise self.fail(
                    key_node,
                    f"duplicate key {key!r} (first defined on line {first_seen[key]})",
                )
            first_seen[key] = key_node.start_mark.line + 1
            child = (*path, key)
            self.keys[child] = Mark(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            result[key] = self.convert(value_node, child)
        return result

    def _pairs(self, node: yaml.MappingNode) -> Iterator[tuple[yaml.Node, yaml.Node]]:
        """Mapping pairs with YAML merge keys (``<<: *anchor``) expanded in place."""
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        raise self.fail(source, "a merge key ('<<') needs a mapping")
                    merged.extend(source.value)
            else:
                own.append((key_node, value_node))
        if not merged:
            yield from own
            return
        # Own keys win over merged ones, as in YAML 1.1 merge semantics.
        own_keys = {str(k.value) for k, _ in own if isinstance(k, yaml.ScalarNode)}
        seen: set[str] = set()
        for key_node, value_node in merged:
            key = nfc(str(key_node.value))
            if key not in own_keys and key not in seen:
                seen.add(key)
                yield key_node, value_node
        yield from own
