"""`codebook export` / `import`: coder manuals, annotation schema, REFI-QDA .qdc, YAML."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pyrefiqda
import pytest

from intercoder.codebook.dump import dump_yaml
from intercoder.codebook.refiqda import NAMESPACE, from_qdc, guid, to_qdc
from intercoder.codebook.registry import load_codebook
from intercoder.codebook.validate import parse_codebook
from intercoder.errors import IntercoderError

from support import RunCli


@pytest.fixture
def minimal(minimal_path: Path):
    return load_codebook(minimal_path)


def test_markdown_manual_is_in_one_language(run_cli: RunCli, minimal_path: Path, tmp_path: Path):
    out = tmp_path / "manual.ru.md"
    proc = run_cli(
        "codebook",
        "export",
        str(minimal_path),
        "--format",
        "markdown",
        "--lang",
        "ru",
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "# Минимальный пример" in text
    assert "**Определение:** Упоминается ли в тексте этническая группа." in text
    assert "**Не относится:**" in text
    assert "> Дунганские фермеры села сегодня собрались." in text
    assert "**Показывается, только если:** Релевантность = Да" in text
    # No English definition leaks into the Russian manual.
    assert "Whether the text mentions" not in text


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "html":
            self.lang = dict(attrs).get("lang")


def test_html_manual_is_self_contained(run_cli: RunCli, minimal_path: Path, tmp_path: Path):
    out = tmp_path / "manual.html"
    proc = run_cli("codebook", "export", str(minimal_path), "-f", "html", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    page = out.read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(page)
    assert parser.lang == "en"
    assert "script" not in parser.tags  # nothing to execute, nothing fetched
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "Whether the text mentions an ethnic group." in page


def test_annotation_schema_accepts_codes_and_rejects_others(
    minimal_path: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    out = tmp_path / "annotation.schema.json"
    proc = run_cli("codebook", "export", str(minimal_path), "-f", "json-schema", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    validator = jsonschema.Draft202012Validator(json.loads(out.read_text(encoding="utf-8")))
    good = {
        "unit_id": "u1",
        "coder_id": "aida",
        "variable": "severity",
        "value": "1",
        "codebook": "minimal@1.0.0",
    }
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "value": "7"})
    assert not validator.is_valid({**good, "variable": "severty"})
    assert not validator.is_valid({**good, "codebook": "minimal@0.9.0"})
    assert not validator.is_valid({k: v for k, v in good.items() if k != "coder_id"})


def test_yaml_export_round_trips(minimal, run_cli: RunCli, minimal_path: Path, tmp_path: Path):
    out = tmp_path / "again.yaml"
    proc = run_cli("codebook", "export", str(minimal_path), "-f", "yaml", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert load_codebook(out) == minimal
    # the editor's schema line of the source comes along
    schema_line = minimal_path.read_text(encoding="utf-8").splitlines()[0]
    assert schema_line.startswith("# yaml-language-server: $schema=")
    assert out.read_text(encoding="utf-8").splitlines()[0] == schema_line


def test_export_refuses_unknown_language_and_keeps_existing_file(
    run_cli: RunCli, minimal_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "manual.md"
    out.write_text("keep me", encoding="utf-8")
    proc = run_cli(
        "codebook", "export", str(minimal_path), "-f", "markdown", "--lang", "kk", "-o", str(out)
    )
    assert proc.returncode == 2
    assert "'kk' is not a language of minimal@1.0.0" in proc.stderr
    assert out.read_text(encoding="utf-8") == "keep me"


# --- REFI-QDA -----------------------------------------------------------------------------------


def test_qdc_is_valid_for_the_xsd_generated_models(minimal, tmp_path: Path) -> None:
    """pyrefiqda's models are generated from the official REFI-QDA Codebook XSD."""
    path = tmp_path / "minimal.qdc"
    path.write_text(to_qdc(minimal, "en"), encoding="utf-8")
    parsed = pyrefiqda.RefiCodebook.load(path)
    assert parsed.origin == "intercoder minimal@1.0.0 en"
    top = parsed.codes.code
    assert [c.name for c in top] == ["Relevant", "Severity"]
    assert [c.is_codable for c in top] == [False, False]
    assert [c.name for c in top[0].code] == ["Yes", "No"]
    assert top[0].code[0].guid == guid("minimal", "relevant", "yes")


def test_qdc_guids_are_stable_across_languages_and_versions(minimal) -> None:
    ru = to_qdc(minimal, "ru")
    en = to_qdc(minimal, "en")
    guids = re.findall(r'guid="([^"]+)"', en)
    assert guids == re.findall(r'guid="([^"]+)"', ru)
    assert len(set(guids)) == len(guids) == 6
    assert f'xmlns="{NAMESPACE}"' in en


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_qdc_round_trip_is_the_identity(
    minimal, run_cli: RunCli, tmp_path: Path, minimal_path: Path, lang: str
) -> None:
    qdc = tmp_path / "book.qdc"
    proc = run_cli(
        "codebook", "export", str(minimal_path), "-f", "qdc", "--lang", lang, "-o", str(qdc)
    )
    assert proc.returncode == 0, proc.stderr
    assert from_qdc(qdc.read_bytes(), str(qdc), base=minimal) == minimal


def test_qdc_edits_come_back_into_the_base(minimal) -> None:
    edited = to_qdc(minimal, "ru").replace('name="Мягкая"', 'name="Слабая"')
    updated = from_qdc(edited.encode(), "edited.qdc", base=minimal)
    assert updated.variable("severity").category("1").label["ru"] == "Слабая"
    assert updated.variable("severity").category("1").label["en"] == "Soft"


def test_qdc_from_another_program_becomes_a_valid_codebook(run_cli: RunCli, tmp_path: Path):
    """A .qdc as MAXQDA writes it (no intercoder origin): a new single-language codebook."""
    qdc = tmp_path / "maxqda-export.qdc"
    qdc.write_text(
        f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="{NAMESPACE}" origin="MAXQDA 2024">
  <Codes>
    <Code guid="{{0E9C0D8A-1111-4C1B-9F1A-000000000001}}" name="Враг" isCodable="false">
      <Description>Кто изображается врагом.</Description>
      <Code guid="0E9C0D8A-1111-4C1B-9F1A-000000000002" name="Соседнее государство"
            isCodable="true"><Description>Государство-сосед.</Description></Code>
      <Code guid="0E9C0D8A-1111-4C1B-9F1A-000000000003" name="Ўзбеклар" isCodable="true"/>
    </Code>
    <Code guid="0E9C0D8A-1111-4C1B-9F1A-000000000004" name="Ирония" isCodable="true"/>
  </Codes>
</CodeBook>
""",
        encoding="utf-8",
    )
    out = tmp_path / "imported.yaml"
    proc = run_cli("codebook", "import", str(qdc), "--lang", "ru", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    cb = load_codebook(out)
    assert cb.languages == ("ru",)
    assert [v.id for v in cb.variables] == ["vrag", "ironiya"]
    assert cb.variable("vrag").codes == ("sosedneye_gosudarstvo", "ozbeklar")
    assert cb.variable("vrag").category("ozbeklar").label["ru"] == "Ўзбеклар"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"<CodeBook><Codes>", "not well-formed XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>', "DTDs"),
        (b'<Project xmlns="urn:QDA-XML:project:1.0"/>', "not a REFI-QDA codebook"),
    ],
)
def test_bad_qdc_is_a_one_line_error(payload: bytes, message: str) -> None:
    with pytest.raises(IntercoderError, match=message):
        from_qdc(payload, "bad.qdc")


def test_imported_codebook_dumps_to_valid_yaml(minimal) -> None:
    origin_free = to_qdc(minimal, "en").replace("intercoder minimal@1.0.0 en", "NVivo 14")
    imported = from_qdc(origin_free.encode(), "nvivo.qdc", lang="en")
    again, _ = parse_codebook(dump_yaml(imported), "imported.yaml")
    assert again == imported
    relevant = again.variables[0]
    assert relevant.category("yes").exclude["en"] == ("Citizenship alone.",)


def test_a_manual_in_a_language_with_missing_texts_warns_and_strict_refuses(
    run_cli: RunCli, tmp_path: Path
) -> None:
    """The manual falls back to another language where a text lacks its translation: export
    says so in one line, and --strict refuses to write it."""
    source = (Path(__file__).parent / "data" / "minimal.yaml").read_text(encoding="utf-8")
    book = tmp_path / "minimal" / "1.0.0.yaml"
    book.parent.mkdir()
    damaged = source.replace('label: {en: "Yes", ru: "Да"}', 'label: {en: "Yes"}', 1)
    assert damaged != source
    book.write_text(damaged, encoding="utf-8")
    manual = tmp_path / "manual.md"
    done = run_cli(
        "codebook", "export", str(book), "-f", "markdown", "--lang", "ru", "-o", str(manual)
    )
    assert done.returncode == 0, done.stderr
    warning = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1
    assert "1 text(s) of minimal@1.0.0 have no 'ru' translation" in warning[0]
    assert "minimal/1.0.0.yaml:" in warning[0]  # the file (shown relative to the working dir)
    refused = tmp_path / "refused.md"
    done = run_cli(
        "codebook", "export", str(book), "-f", "markdown", "--lang", "ru", "-o", str(refused),
        "--strict",
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert not refused.exists()
    english = run_cli("codebook", "export", str(book), "-f", "markdown", "-o", str(manual))
    assert english.returncode == 0
    assert "warning" not in english.stderr  # the English texts are whole
