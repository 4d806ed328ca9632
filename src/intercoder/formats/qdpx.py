"""REFI-QDA project export (``.qdpx``): the codings, ready for MAXQDA, ATLAS.ti, NVivo, QualCoder.

A ``.qdpx`` file is a zip with ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and
the sources under ``sources/``. We write:

* ``Users``: one ``User`` per coder (``name`` = the coder id);
* ``CodeBook``: the codebook's code tree exactly as ``intercoder codebook export --format qdc``
  writes it in the codebook's first language, with the same GUIDs
  (:func:`intercoder.codebook.refiqda.guid`), so a project and a ``.qdc`` agree on every code;
* ``Sources``: a ``TextSource`` per unit (``name`` = the unit id), its plain text stored as
  ``sources/<guid>.txt`` (UTF-8, no BOM) and referenced as ``internal://<guid>.txt``;
* codings: a ``PlainTextSelection`` per coded span (``startPosition``/``endPosition`` are the
  record's character offsets, end exclusive) and, for unit-level codes (single/multiple choice,
  ordinal scales), a whole-document selection ``0..len(text)``; each selection holds one
  ``Coding`` of one code (a multiple-choice value gives one selection per code), with the
  coder as ``creatingUser`` and ``annotated_at`` as ``creationDateTime`` when it is an
  xs:dateTime.

Limitations:

* **Unit texts come from the records' ``text`` column** (there is no task file input to
  ``intercoder export``): a unit-level record's ``text`` is the unit's text; a span record's
  ``text`` may be the unit's text or just the span's, so it is used only when no unit-level
  record has one and it is long enough to hold the span (the longest such wins). Two different
  unit-level texts for one unit, a span outside its unit's text, or a coded unit without any
  text are errors.
* Variables without codes (``text``, ``number``) cannot be REFI-QDA codings: their records
  are left out, with a warning on the ``intercoder.qdpx`` logger.
* GUIDs of users, sources, selections and codings are UUID-5 of their content, so exporting
  the same records twice gives the same project (the zip entries carry a fixed date, too).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, IntercoderError
from ..extensions import Exporter
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

    from ..annotations import AnnotationSet
    from ..codebook.model import Codebook

NAMESPACE = "urn:QDA-XML:project:1.0"
LOGGER = "intercoder.qdpx"
_NO_POSITION = -1  # annotations._NO_POSITION, kept here so importing this module stays cheap
_XS_DATETIME = re.compile(r"^-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")
# Zip entries get a fixed time so that the same records always give the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def unit_texts(annotations: AnnotationSet) -> tuple[dict[str, str], list[Diagnostic]]:
    """The text of each unit that has one, and the conflicts met (see the module notes)."""
    whole: dict[str, tuple[str, int]] = {}
    from_spans: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for i in range(len(annotations)):
        text = annotations.text[i]
        if text is None:
            continue
        unit = annotations.unit_id[i]
        start, end = int(annotations.start[i]), int(annotations.end[i])
        if start == _NO_POSITION and end == _NO_POSITION:
            if unit not in whole:
                whole[unit] = (text, i)
            elif whole[unit][0] != text:
                first = annotations.location(whole[unit][1])
                problems.append(
                    Diagnostic(
                        annotations.location(i),
                        f"unit {unit!r} has another text here than at {first}",
                    )
                )
        elif len(text) >= end and len(text) > len(from_spans.get(unit, "")):
            from_spans[unit] = text
    texts = dict(from_spans)
    texts.update({unit: text for unit, (text, _) in whole.items()})
    return texts, problems


def _codes(value: Any) -> list[str] | None:
    items = list(value) if isinstance(value, list | tuple) else [value]
    codes = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            return None
        codes.append(str(item).strip())
    return codes


def _project_codes(cb: Codebook, lang: str) -> ET.Element | None:
    """The ``Codes`` element of the ``.qdc`` export, moved into the project namespace."""
    import xml.etree.ElementTree as ET

    from ..codebook.refiqda import NAMESPACE as CODEBOOK_NAMESPACE
    from ..codebook.refiqda import to_qdc

    root = ET.fromstring(to_qdc(cb, lang))
    codes = root.find(f"{{{CODEBOOK_NAMESPACE}}}Codes")
    if codes is None or not len(codes):
        return None  # the XSD requires at least one Code: leave the CodeBook out
    # Unqualified tags under a root that declares the default namespace (see build_qdpx).
    for element in codes.iter():
        element.tag = element.tag.replace(f"{{{CODEBOOK_NAMESPACE}}}", "")
    return codes


def build_qdpx(annotations: AnnotationSet, cb: Codebook) -> tuple[bytes, dict[str, int]]:
    """The ``.qdpx`` bytes, and the number of records left out per variable without codes."""
    import io
    import json
    import xml.etree.ElementTree as ET
    import zipfile

    from .._version import __version__
    from ..annotations import AnnotationError
    from ..codebook.refiqda import XML_INVALID, guid, refuse_xml_invalid

    def q(tag: str) -> str:
        # ElementTree cannot write a default namespace together with unqualified attributes,
        # so tags stay unqualified and the root declares xmlns itself.
        return tag

    def content_guid(kind: str, *parts: Any) -> str:
        # JSON keeps the parts apart ("a/b" + "c" differs from "a" + "b/c"); the "@" prefix
        # keeps these GUIDs apart from code GUIDs (codebook ids cannot contain "@").
        return guid(f"@{kind}", json.dumps(parts, ensure_ascii=False))

    lang = cb.languages[0]
    variables = {var.id: var for var in cb.variables}
    code_guids = {
        var.id: {cat.code: guid(cb.id, var.id, cat.code) for cat, _ in var.walk()}
        for var in cb.variables
        if var.categories
    }
    texts, problems = unit_texts(annotations)
    left_out: dict[str, int] = {}
    users: dict[str, str] = {}
    # unit -> selections (start, end, coder, code guid, time), in the order of the records
    selections: dict[str, list[tuple[int, int, str, str, str | None]]] = {}
    seen: set[tuple[Any, ...]] = set()
    textless: set[str] = set()
    for i in range(len(annotations)):
        where = annotations.location(i)
        unit, coder = annotations.unit_id[i], annotations.coder_id[i]
        var_id, value = annotations.variable[i], annotations.value[i]
        if var_id not in variables:
            problems.append(Diagnostic(where, f"variable {var_id!r} is not in {cb.ref}"))
            continue
        if value is None:
            continue
        if var_id not in code_guids:
            left_out[var_id] = left_out.get(var_id, 0) + 1
            continue
        codes = _codes(value)
        if codes is None:
            problems.append(Diagnostic(where, f"{var_id}: {value!r} is not a code or codes"))
            continue
        unknown = [c for c in codes if c not in code_guids[var_id]]
        if unknown:
            problems.append(Diagnostic(where, f"{var_id}: {unknown[0]!r} is not a code"))
            continue
        # Ids become XML attributes; a character XML cannot hold would make the project
        # unreadable (ElementTree writes it as it is).
        invalid = [
            (column, value, found)
            for column, value in (("unit_id", unit), ("coder_id", coder))
            if (found := XML_INVALID.search(value))
        ]
        if invalid:
            column, value, found = invalid[0]
            problems.append(
                Diagnostic(
                    where,
                    f"{column} {value!r} holds U+{ord(found.group()):04X}, which REFI-QDA's "
                    "XML cannot hold",
                )
            )
            continue
        text = texts.get(unit)
        if text is None:
            if unit not in textless:
                textless.add(unit)
                problems.append(Diagnostic(where, f"unit {unit!r} has no text (add a text column)"))
            continue
        if variables[var_id].type == "spans":
            start, end = int(annotations.start[i]), int(annotations.end[i])
            if not 0 <= start < end <= len(text):
                problems.append(
                    Diagnostic(
                        where,
                        f"{var_id}: span {start}..{end} is not inside the unit's text "
                        f"({len(text)} characters)",
                    )
                )
                continue
        else:
            start, end = 0, len(text)
        stamp = annotations.annotated_at[i]
        stamp = stamp if stamp and _XS_DATETIME.match(stamp) else None
        users.setdefault(coder, content_guid("user", coder))
        for code in codes:
            key = (unit, coder, var_id, code, start, end)
            if key in seen:
                continue  # the same coding twice is one coding
            seen.add(key)
            selections.setdefault(unit, []).append(
                (start, end, coder, code_guids[var_id][code], stamp)
            )
    if problems:
        raise AnnotationError(
            problems, hint="the qdpx export needs every coded unit's text and valid codes"
        )

    root = ET.Element(
        q("Project"),
        {
            "xmlns": NAMESPACE,
            "name": f"{cb.title.pick(lang, cb.languages) or cb.id} ({cb.ref})",
            "origin": f"intercoder {__version__}",
        },
    )
    if users:
        users_element = ET.SubElement(root, q("Users"))
        for coder, user_guid in users.items():
            ET.SubElement(users_element, q("User"), {"guid": user_guid, "name": coder})
    codes_element = _project_codes(cb, lang)
    if codes_element is not None:
        ET.SubElement(root, q("CodeBook")).append(codes_element)
    # Every unit with a text becomes a source, coded or not (its text is part of the study).
    source_guids = {unit: content_guid("source", unit) for unit in texts}
    if source_guids:
        sources = ET.SubElement(root, q("Sources"))
        for unit, source_guid in source_guids.items():
            source = ET.SubElement(
                sources,
                q("TextSource"),
                {
                    "guid": source_guid,
                    "name": unit,
                    "plainTextPath": f"internal://{source_guid}.txt",
                },
            )
            for start, end, coder, code_guid, stamp in selections.get(unit, []):
                attributes = {
                    "guid": content_guid("selection", unit, coder, code_guid, start, end),
                    "startPosition": str(start),
                    "endPosition": str(end),
                    "creatingUser": users[coder],
                }
                if stamp:
                    attributes["creationDateTime"] = stamp
                selection = ET.SubElement(source, q("PlainTextSelection"), attributes)
                coding = {
                    "guid": content_guid("coding", unit, coder, code_guid, start, end),
                    "creatingUser": users[coder],
                }
                if stamp:
                    coding["creationDateTime"] = stamp
                ET.SubElement(
                    ET.SubElement(selection, q("Coding"), coding),
                    q("CodeRef"),
                    {"targetGUID": code_guid},
                )
    ET.SubElement(root, q("Description")).text = (
        f"Codings under the codebook {cb.ref}, exported by intercoder {__version__}; "
        f"code names and descriptions in {lang}."
    )
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    refuse_xml_invalid(body, f"{cb.ref}: a text")  # the codebook's title, names, descriptions
    xml = '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: str) -> None:
            archive.writestr(
                zipfile.ZipInfo(name, _ZIP_DATE), data.encode("utf-8"), zipfile.ZIP_DEFLATED
            )

        add("project.qde", xml)
        for unit, source_guid in source_guids.items():
            add(f"sources/{source_guid}.txt", texts[unit])
    return buffer.getvalue(), left_out


class Qdpx(Exporter):
    """REFI-QDA project (``.qdpx``) with the codebook, coders, texts and codings.

    Needs the codebook (``intercoder export FILE --to qdpx --codebook REF -o OUT.qdpx``) and
    the unit texts in the records' ``text`` column; see the module notes for the mapping and
    its limits.
    """

    name = "qdpx"
    extension = ".qdpx"
    description = "REFI-QDA project for MAXQDA, ATLAS.ti, NVivo (needs --codebook and texts)"

    def write(self, annotations: AnnotationSet, path: Path, codebook: Codebook | None) -> None:
        import logging

        from ..fileio import write_atomic

        if codebook is None:
            raise IntercoderError(
                "the qdpx format needs the codebook for its code tree: pass --codebook REF"
            )
        data, left_out = build_qdpx(annotations, codebook)
        write_atomic(path, data)
        if left_out:
            shown = ", ".join(f"{var} ×{n}" for var, n in sorted(left_out.items()))
            logging.getLogger(LOGGER).warning(
                "%s: warning: left out records of variables without codes "
                "(REFI-QDA codings need a code): %s",
                path,
                shown,
            )


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    register(Qdpx())
