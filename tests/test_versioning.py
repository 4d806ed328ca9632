"""Versioned loading, `codebook diff` classification and migration maps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intercoder.codebook.diff import diff_codebooks
from intercoder.codebook.migrate import DROPPED, MERGED, RECODE, REPLACED, SAME, migration
from intercoder.codebook.registry import load_codebook
from intercoder.codebook.validate import parse_codebook
from intercoder.errors import CodebookError, CodebookNotFoundError

from support import RunCli, write_version

# A new category appended to `relevant` (a minor change).
NEW_CATEGORY = """      - code: unclear
        label: {en: Unclear, ru: Неясно}
        definition: {en: Cannot be decided from the text., ru: По тексту нельзя решить.}
"""


def _add_category(text: str) -> str:
    anchor = "  - id: severity\n"
    return text.replace(anchor, NEW_CATEGORY + anchor, 1)


def _retire(text: str, code: str, extra: str, version: str) -> str:
    """Mark ``relevant``'s ``code`` retired in ``version`` with a migration ``extra`` line."""
    needle = f'      - code: "{code}"\n'
    assert needle in text
    return text.replace(needle, f"{needle}        retired_in: {version}\n{extra}", 1)


def _book(text: str, version: str = "1.0.0"):
    text = text.replace("version: 1.0.0\ntitle", f"version: {version}\ntitle", 1)
    text = text.replace("  - version: 1.0.0\n", f"  - version: {version}\n", 1)
    return parse_codebook(text, f"v{version}.yaml")[0]


def test_every_version_stays_loadable(codebook_dir: Path, minimal_text: str) -> None:
    write_version(codebook_dir, minimal_text, "pilot", "1.0.0")
    write_version(codebook_dir, _add_category(minimal_text), "pilot", "1.1.0")
    write_version(codebook_dir, _add_category(minimal_text), "pilot", "1.10.0")
    assert load_codebook("pilot@1.0.0").version == "1.0.0"
    assert load_codebook("pilot@1.1.0").version == "1.1.0"
    # Newest by semantic version, not by string order ("1.10.0" > "1.1.0").
    assert load_codebook("pilot").version == "1.10.0"
    assert "unclear" not in load_codebook("pilot@1.0.0").variable("relevant").codes
    assert "unclear" in load_codebook("pilot").variable("relevant").codes


def test_unknown_version_lists_the_available_ones(codebook_dir: Path, minimal_text: str) -> None:
    write_version(codebook_dir, minimal_text, "pilot", "1.0.0")
    with pytest.raises(CodebookNotFoundError, match=r"no version 2\.0\.0 .*available: 1\.0\.0"):
        load_codebook("pilot@2.0.0")
    with pytest.raises(CodebookNotFoundError, match="did you mean 'pilot'"):
        load_codebook("pilto")


@pytest.mark.parametrize(
    ("change", "version", "required"),
    [
        pytest.param(
            lambda t: t.replace("Релевантность", "Уместность"), "1.0.1", "patch", id="translation"
        ),
        pytest.param(
            lambda t: t.replace("Citizenship alone.", "Citizenship only."),
            "1.0.1",
            "patch",
            id="exclude-rule",
        ),
        pytest.param(_add_category, "1.1.0", "minor", id="added-category"),
        pytest.param(
            lambda t: t.replace(
                "  - id: severity\n    type: ordinal_scale\n",
                "  - id: severity\n    type: ordinal_scale\n"
                "    reliability: {pass: 0.9, tentative: 0.8}\n",
                1,
            ),
            "1.1.0",
            "minor",
            id="threshold",
        ),
        pytest.param(
            lambda t: _retire(_add_category(t), "no", "        merged_into: unclear\n", "2.0.0"),
            "2.0.0",
            "major",
            id="merged-code",
        ),
        pytest.param(
            lambda t: t.replace("type: ordinal_scale", "type: single_choice"),
            "2.0.0",
            "major",
            id="type-change",
        ),
        pytest.param(
            lambda t: t.replace('in: ["yes"]', 'in: ["yes", "no"]'), "2.0.0", "major", id="show-if"
        ),
    ],
)
def test_diff_classifies_changes(minimal_text: str, change, version: str, required: str) -> None:
    old = _book(minimal_text)
    new = _book(change(minimal_text), version)
    result = diff_codebooks(old, new)
    assert result.required == required
    assert result.declared == required
    assert result.bump_ok


def test_reordered_ordinal_scale_is_major(minimal_text: str) -> None:
    old = _book(minimal_text)
    head, _, rest = minimal_text.partition('      - code: "0"\n')
    zero, _, tail = rest.partition('      - code: "1"\n')
    one, sep, markers = tail.partition("markers:")
    swapped = head + '      - code: "1"\n' + one + '      - code: "0"\n' + zero + sep + markers
    result = diff_codebooks(old, _book(swapped, "1.0.1"))
    assert result.required == "major"
    assert not result.bump_ok
    assert any("order of the scale" in c.what for c in result.changes)


def test_deleting_a_code_is_major_and_explained(minimal_text: str) -> None:
    old = _book(minimal_text)
    start = minimal_text.index('      - code: "no"\n')
    end = minimal_text.index("  - id: severity")
    new = _book(minimal_text[:start] + minimal_text[end:], "1.1.0")
    result = diff_codebooks(old, new)
    assert result.required == "major"
    assert "never deleted" in result.render()


def test_identical_versions_need_nothing(minimal_text: str) -> None:
    result = diff_codebooks(_book(minimal_text), _book(minimal_text))
    assert result.changes == ()
    assert result.bump_ok


def test_cli_diff_exits_1_when_the_bump_is_too_small(
    run_cli: RunCli, tmp_path: Path, minimal_text: str
) -> None:
    old = tmp_path / "old.yaml"
    old.write_text(minimal_text, encoding="utf-8")
    too_small = tmp_path / "new.yaml"
    too_small.write_text(
        _add_category(minimal_text)
        .replace("version: 1.0.0\ntitle", "version: 1.0.1\ntitle", 1)
        .replace("  - version: 1.0.0\n", "  - version: 1.0.1\n", 1),
        encoding="utf-8",
    )
    proc = run_cli("codebook", "diff", str(old), str(too_small))
    assert proc.returncode == 1, proc.stderr
    assert "minor" in proc.stdout
    assert "relevant/unclear: code added" in proc.stdout
    assert "Traceback" not in proc.stderr

    proc = run_cli("codebook", "diff", str(old), str(too_small), "--json")
    report = json.loads(proc.stdout)
    assert (report["declared"], report["required"], report["ok"]) == ("patch", "minor", False)

    proc = run_cli("codebook", "diff", str(old), str(old))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_migration_follows_merge_and_replace_maps(minimal_text: str) -> None:
    old = _book(_add_category(minimal_text), "1.1.0")
    # 2.0.0: `no` merged into the new `maybe`; `unclear` replaced by it.
    text = _add_category(minimal_text)
    text = text.replace(
        NEW_CATEGORY,
        NEW_CATEGORY.replace(
            "code: unclear",
            "code: unclear\n        retired_in: 2.0.0\n        replaced_by: [maybe]",
        )
        + NEW_CATEGORY.replace("code: unclear", "code: maybe"),
        1,
    )
    text = _retire(text, "no", "        merged_into: maybe\n", "2.0.0")
    new = _book(text, "2.0.0")
    assert new.variable("relevant").codes == ("yes", "maybe")

    step = migration(old, new)
    assert step.translate("relevant", "yes").status == SAME
    merged = step.translate("relevant", "no")
    assert (merged.status, merged.codes) == (MERGED, ("maybe",))
    replaced = step.translate("relevant", "unclear")
    assert (replaced.status, replaced.codes) == (REPLACED, ("maybe",))
    assert step.translate("gone", "yes").status == DROPPED
    value, outcomes = step.translate_value("relevant", ["yes", "no", "unclear"])
    assert value == ["yes", "maybe"]  # the merge and the replacement collapse into one code
    assert [o.status for o in outcomes] == [SAME, MERGED, REPLACED]


def test_split_codes_need_recoding(minimal_text: str) -> None:
    old = _book(_add_category(minimal_text), "1.1.0")
    text = _retire(
        _add_category(minimal_text), "no", '        replaced_by: ["yes", unclear]\n', "2.0.0"
    )
    new = _book(text, "2.0.0")
    value, outcomes = migration(old, new).translate_value("relevant", "no")
    assert value is None
    assert outcomes[0].status == RECODE
    assert outcomes[0].codes == ("yes", "unclear")


# --- authoring slips ---------------------------------------------------------------------------


def test_a_file_must_declare_the_version_its_name_gives(
    codebook_dir: Path, minimal_text: str, run_cli: RunCli
) -> None:
    path = codebook_dir / "pilot" / "1.0.1.yaml"  # copied from 1.0.0, version line not updated
    path.parent.mkdir()
    path.write_text(minimal_text.replace("codebook: minimal", "codebook: pilot"), "utf-8")
    with pytest.raises(CodebookError) as info:
        load_codebook("pilot@1.0.1")
    (problem,) = info.value.diagnostics
    assert problem.location.line == minimal_text.splitlines().index("version: 1.0.0") + 1
    assert "the file name says '1.0.1' but the file declares '1.0.0'" in problem.message
    proc = run_cli(
        "codebook", "show", "pilot@1.0.1", env={"INTERCODER_CODEBOOK_PATH": str(codebook_dir)}
    )
    assert proc.returncode == 1
    assert "1.0.0" not in proc.stdout


def test_deleting_a_code_fails_whatever_the_bump(minimal_text: str) -> None:
    old = _book(minimal_text)
    start = minimal_text.index('      - code: "no"\n')
    end = minimal_text.index("  - id: severity")
    for version in ("1.1.0", "2.0.0"):
        result = diff_codebooks(old, _book(minimal_text[:start] + minimal_text[end:], version))
        assert not result.bump_ok, version
        assert "no version allows" in result.verdict()
        assert "retired_in" in result.verdict()
    # the same code kept and retired, with a migration, is a major change that is allowed
    retired = minimal_text.replace(
        '      - code: "no"\n',
        '      - code: "no"\n        retired_in: 2.0.0\n        merged_into: "yes"\n',
        1,
    ).replace("version: 1.0.0\ntitle", "version: 2.0.0\ntitle", 1)
    assert diff_codebooks(old, _book(retired, "2.0.0")).bump_ok


def test_a_country_code_for_a_language_is_one_line_that_names_the_tag(
    minimal_text: str, tmp_path: Path, run_cli: RunCli
) -> None:
    path = tmp_path / "book.yaml"
    path.write_text(minimal_text.replace("languages: [en, ru]", "languages: [en, kg]"), "utf-8")
    proc = run_cli("codebook", "validate", str(path))
    assert proc.returncode == 1
    problems = [line for line in proc.stderr.splitlines() if "book.yaml:" in line]
    assert len(problems) <= 3  # was one per localised field (36 lines for this small book)
    assert any("'kg' is a country code; the language tag is 'ky'" in p for p in problems)
    assert any("language 'ru' is not one of" in p and "more field(s)" in p for p in problems)
