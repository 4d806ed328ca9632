"""REFI-QDA codebook exchange (``.qdc``), so codebooks move to and from MAXQDA, ATLAS.ti, NVivo.

The REFI-QDA Codebook standard (namespace ``urn:QDA-XML:codebook:1.0``, https://www.qdasoftware.org)
holds a tree of codes with a name, a description and a GUID; it knows nothing of variables,
types, languages or markers. So the export is one language at a time:

* each variable with codes becomes a non-codable parent code, its categories codable children
  (``text`` and ``number`` variables have no codes and are left out);
* descriptions carry the definition and the include/exclude rules and examples under headings
  in the same language, so coders see them as code memos;
* GUIDs are UUID-5 of ``codebook-id/variable-id[/code]``: stable across versions and languages,
  so a QDA project that imports a newer version recognises every code it already has;
* ``origin`` records ``intercoder <id>@<version> <lang>``.

Import reads the tree back. When ``origin`` (or ``base``) names a codebook we can load, codes are
matched by GUID and the codebook is rebuilt with the edited names and descriptions, which makes
export → import the identity. Otherwise a new single-language codebook is built, codes derived
from the names. The XML is written and read with the standard library; ``pyrefiqda`` (models
generated from the official XSD) checks our output in the tests.
"""

from __future__ import annotations

import datetime
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from xml.parsers import expat

import attrs

from ..errors import IntercoderError
from ..text import ascii_identifier
from .model import Category, Codebook, Translations, Variable
from .render import ui
from .spec import CODEBOOK_ID, SEMVER


def _bare(pattern: str) -> str:
    """A spec pattern without its anchors (``^`` and the end assertion), to compose it."""
    return pattern.removeprefix("^").removesuffix(r"$(?!\n)")


#: What ``origin`` may name: a pinned codebook reference (``id@version``), never a path.
_ORIGIN_REF = f"{_bare(CODEBOOK_ID)}@{_bare(SEMVER)}"

NAMESPACE = "urn:QDA-XML:codebook:1.0"
_NS = {"q": NAMESPACE}
# A fixed namespace for our UUID-5 GUIDs; changing it would change every exported GUID.
GUID_NAMESPACE = uuid.UUID("5d6e2b0a-3c1f-5e4b-9a7d-2f8c1b6e4a90")
_PALETTE = (
    "#4E79A7",
    "#F28E2B",
    "#E15759",
    "#76B7B2",
    "#59A14F",
    "#EDC948",
    "#B07AA1",
    "#FF9DA7",
    "#9C755F",
    "#BAB0AC",
)


def guid(*parts: str) -> str:
    """The stable GUID of a variable (``id, var``) or a code (``id, var, code``)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join(parts))).upper()


def _description(definition: str, sections: list[tuple[str, tuple[str, ...]]]) -> str:
    text = definition
    for heading, items in sections:
        if items:
            text += f"\n\n{heading}:\n" + "\n".join(f"- {item}" for item in items)
    return text


def _category_sections(cat: Category, lang: str, cb: Codebook) -> list[tuple[str, tuple[str, ...]]]:
    return [
        (ui(lang, key), getattr(cat, key).pick(lang, cb.languages) or ())
        for key in ("include", "exclude", "examples")
    ]


def to_qdc(cb: Codebook, lang: str) -> str:
    """The codebook as a REFI-QDA ``.qdc`` document in ``lang``."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}CodeBook", {"origin": f"intercoder {cb.ref} {lang}"})
    codes = ET.SubElement(root, f"{{{NAMESPACE}}}Codes")
    exported = [v for v in cb.variables if v.categories]
    for index, var in enumerate(exported):
        color = _PALETTE[index % len(_PALETTE)]
        node = ET.SubElement(
            codes,
            f"{{{NAMESPACE}}}Code",
            {
                "guid": guid(cb.id, var.id),
                "name": var.label.pick(lang, cb.languages) or var.id,
                "isCodable": "false",
                "color": color,
            },
        )
        question = var.question.pick(lang, cb.languages)
        definition = var.definition.pick(lang, cb.languages) or ""
        text = f"{question}\n\n{definition}" if question else definition
        ET.SubElement(node, f"{{{NAMESPACE}}}Description").text = text
        for cat in var.categories:
            _category_element(node, cb, var, cat, lang, color)
    ET.indent(root, space="  ")
    xml = ET.tostring(root, encoding="unicode")
    refuse_xml_invalid(xml, f"{cb.ref}: a text")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n"


#: Characters XML 1.0 cannot hold, even escaped (control characters, lone surrogates, U+FFFE).
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def refuse_xml_invalid(text: str, what: str) -> None:
    """Raise :class:`IntercoderError` when ``text`` holds a character XML cannot hold.

    ElementTree writes such a character as it is, and the file would not be XML: MAXQDA,
    ATLAS.ti and NVivo would refuse the whole project or codebook.
    """
    found = XML_INVALID.search(text)
    if found:
        start = max(found.start() - 20, 0)
        context = text[start : found.end() + 20]
        raise IntercoderError(
            f"{what} holds U+{ord(found.group()):04X}, which REFI-QDA's XML cannot hold "
            f"(near {context!r}); remove it"
        )


def _category_element(
    parent: ET.Element, cb: Codebook, var: Variable, cat: Category, lang: str, color: str
) -> None:
    node = ET.SubElement(
        parent,
        f"{{{NAMESPACE}}}Code",
        {
            "guid": guid(cb.id, var.id, cat.code),
            "name": cat.label.pick(lang, cb.languages) or cat.code,
            # Retired codes stay in the tree (old codings point at them) but take no new codings.
            "isCodable": "false" if cat.retired else "true",
            "color": color,
        },
    )
    definition = cat.definition.pick(lang, cb.languages) or ""
    ET.SubElement(node, f"{{{NAMESPACE}}}Description").text = _description(
        definition, _category_sections(cat, lang, cb)
    )
    for child in cat.children:
        _category_element(node, cb, var, child, lang, color)


# --- import -----------------------------------------------------------------------------------


@attrs.frozen
class _QdcCode:
    guid: str
    name: str
    codable: bool
    description: str
    children: tuple[_QdcCode, ...]


#: Deepest code tree a .qdc file may hold (real codebooks are a few levels deep).
MAX_DEPTH = 64


def _refuse_declarations(data: bytes, filename: str) -> None:
    """Refuse a document type declaration or an entity in any encoding (UTF-16 included).

    The check runs in the XML parser itself, after it has decoded the bytes, so no encoding
    slips past it; the standard library's parser would still refuse external entities, but an
    internal one can expand a few bytes into gigabytes.
    """

    def refuse(*_: object) -> None:
        raise IntercoderError(f"{filename}: DTDs and entities are not allowed in a .qdc file")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    # not well-formed: reported with its position by the parse that follows
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        pass
    except (LookupError, ValueError) as exc:
        # <?xml encoding="..."?> names no codec Python knows, or one expat cannot use (UTF-7)
        raise IntercoderError(
            f"{filename}:1: the XML declaration names an encoding that cannot be read "
            f"({exc}); save the file as UTF-8"
        ) from None


def _parse(data: bytes, filename: str) -> tuple[str | None, list[_QdcCode]]:
    _refuse_declarations(data, filename)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        raise IntercoderError(
            f"{filename}:{line}:{column + 1}: not well-formed XML ({exc})"
        ) from None
    if root.tag != f"{{{NAMESPACE}}}CodeBook":
        raise IntercoderError(
            f"{filename}: not a REFI-QDA codebook (root element {root.tag!r}, "
            f"expected CodeBook in namespace {NAMESPACE})"
        )
    codes = root.find("q:Codes", _NS)
    if codes is None:
        raise IntercoderError(f"{filename}: the CodeBook has no Codes element")

    def read(element: ET.Element, depth: int = 1) -> _QdcCode:
        if depth > MAX_DEPTH:
            raise IntercoderError(f"{filename}: codes are nested more than {MAX_DEPTH} levels deep")
        missing = [a for a in ("guid", "name", "isCodable") if a not in element.attrib]
        if missing:
            raise IntercoderError(
                f"{filename}: a Code element lacks the attribute(s) {', '.join(missing)}"
            )
        description = element.findtext("q:Description", default="", namespaces=_NS)
        return _QdcCode(
            element.attrib["guid"].strip("{}").upper(),
            element.attrib["name"],
            element.attrib["isCodable"] == "true",
            description,
            tuple(read(child, depth + 1) for child in element.findall("q:Code", _NS)),
        )

    return root.get("origin"), [read(element) for element in codes.findall("q:Code", _NS)]


def _split_description(text: str, lang: str) -> tuple[str, dict[str, tuple[str, ...]]]:
    """Undo :func:`_description`: the definition and the include/exclude/example lists."""
    headings = {f"{ui(lang, key)}:": key for key in ("include", "exclude", "examples")}
    definition: list[str] = []
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.strip().splitlines():
        if line.strip() in headings:
            current = sections.setdefault(headings[line.strip()], [])
        elif current is not None and line.startswith("- "):
            current.append(line[2:])
        elif current is None:
            definition.append(line)
    return "\n".join(definition).strip(), {k: tuple(v) for k, v in sections.items()}


def from_qdc(
    data: bytes, filename: str, *, lang: str = "en", base: Codebook | None = None
) -> Codebook:
    """Read a ``.qdc`` file. With a ``base`` (or a loadable ``origin``), update that codebook."""
    origin, codes = _parse(data, filename)
    if origin and origin.startswith("intercoder "):
        parts = origin.split()
        if len(parts) >= 3:
            lang = parts[2]
        # Only a codebook reference (id@version) is followed, never a path: the file comes
        # from someone else, and its origin must not make us read (and print) a local file.
        if base is None and len(parts) >= 2 and re.fullmatch(_ORIGIN_REF, parts[1]):
            from .registry import load_codebook

            try:
                base = load_codebook(parts[1])
            except IntercoderError:
                base = None
    if base is not None:
        return _update(base, codes, lang, filename)
    return _new_codebook(codes, filename, lang)


def _update(base: Codebook, codes: list[_QdcCode], lang: str, filename: str) -> Codebook:
    by_guid: dict[str, _QdcCode] = {}

    def index(items: tuple[_QdcCode, ...] | list[_QdcCode]) -> None:
        for item in items:
            by_guid[item.guid] = item
            index(item.children)

    index(codes)

    def with_lang(texts: Translations[Any], value: Any) -> Translations[Any]:
        return Translations({**texts, lang: value}) if value else texts

    def update_category(var: Variable, cat: Category) -> Category:
        item = by_guid.get(guid(base.id, var.id, cat.code))
        children = tuple(update_category(var, child) for child in cat.children)
        if item is None:
            return attrs.evolve(cat, children=children)
        definition, sections = _split_description(item.description, lang)
        return attrs.evolve(
            cat,
            label=with_lang(cat.label, item.name),
            definition=with_lang(cat.definition, definition),
            include=with_lang(cat.include, sections.get("include")),
            exclude=with_lang(cat.exclude, sections.get("exclude")),
            examples=with_lang(cat.examples, sections.get("examples")),
            children=children,
        )

    variables = []
    for var in base.variables:
        item = by_guid.get(guid(base.id, var.id))
        updated = attrs.evolve(
            var, categories=tuple(update_category(var, cat) for cat in var.categories)
        )
        if item is not None:
            updated = attrs.evolve(updated, label=with_lang(var.label, item.name))
        variables.append(updated)
    known = {guid(base.id, v.id) for v in base.variables} | {
        guid(base.id, v.id, c.code) for v in base.variables for c, _ in v.walk()
    }
    unknown = sorted(code.name for code in by_guid.values() if code.guid not in known)
    if unknown:
        raise IntercoderError(
            f"{filename}: the .qdc file has codes that {base.ref} does not: "
            f"{', '.join(unknown[:10])}; "
            "add new codes in the YAML (codes are immutable ids chosen by the methodologist)"
        )
    return attrs.evolve(base, variables=tuple(variables))


def _slug(name: str, taken: set[str], pattern: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_identifier(name)).strip("_")
    if not slug or not re.search(pattern, slug):
        slug = f"code_{len(taken) + 1}"
    candidate, n = slug[:60], 2
    while candidate in taken:
        candidate, n = f"{slug[:56]}_{n}", n + 1
    taken.add(candidate)
    return candidate


def _new_codebook(codes: list[_QdcCode], filename: str, lang: str) -> Codebook:
    from .model import Author, ChangelogEntry, Source
    from .spec import CODE, VARIABLE_ID

    if not codes:
        raise IntercoderError(f"{filename}: the codebook has no codes")
    var_ids: set[str] = set()

    def category(item: _QdcCode, taken: set[str]) -> Category:
        definition, sections = _split_description(item.description, lang)
        return Category(
            code=_slug(item.name, taken, CODE),
            label=Translations({lang: item.name}),
            definition=Translations({lang: definition or item.name}),
            include=Translations({lang: sections["include"]} if "include" in sections else {}),
            exclude=Translations({lang: sections["exclude"]} if "exclude" in sections else {}),
            examples=Translations({lang: sections["examples"]} if "examples" in sections else {}),
            children=tuple(category(child, taken) for child in item.children),
        )

    variables = []
    for item in codes:
        # A top-level code with sub-codes is a variable; a lone top-level code is a yes/no tag.
        members = item.children or (item,)
        taken: set[str] = set()
        question, _, definition = item.description.partition("\n\n")
        variables.append(
            Variable(
                id=_slug(item.name, var_ids, VARIABLE_ID),
                type="multiple_choice",
                level="nominal",
                label=Translations({lang: item.name}),
                definition=Translations({lang: (definition or question or item.name).strip()}),
                categories=tuple(category(member, taken) for member in members),
            )
        )
    stem = re.sub(r"[^a-z0-9]+", "-", filename.rsplit("/", 1)[-1].lower().rsplit(".", 1)[0])
    book_id = stem.strip("-") or "imported"
    if not re.match(r"[a-z]", book_id):
        book_id = f"qdc-{book_id}"
    return Codebook(
        id=book_id,
        version="0.1.0",
        title=Translations({lang: book_id}),
        languages=(lang,),
        authors=(Author("imported from REFI-QDA"),),
        sources=(Source("refi-qda", f"Imported from the REFI-QDA codebook {filename}."),),
        changelog=(
            ChangelogEntry(
                "0.1.0", datetime.date.today().isoformat(), ("Imported from REFI-QDA.",)
            ),
        ),
        variables=tuple(variables),
    )
