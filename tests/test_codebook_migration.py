"""The 2.0.0 codebooks: the first major versions, and annotations coded under 1.0.x moving to them.

* ``codebook diff`` classifies 1.0.0 -> 2.0.0 and 1.0.1 -> 2.0.0 as major, and the declared bump
  is enough (exit 0), for hate-speech, stereotypes and enemy-images.
* Every code of 1.0.0 is still known to 2.0.0 (codes are never deleted), and the only codes that
  no longer migrate are the three retired on purpose: ``severity/0`` (now the variable
  ``screening_check``), ``enemy_syndrome/none`` and ``polarisation/0``.
* The three codebooks share one target-group taxonomy: the same live codes, labels and
  definitions in the same tree.
* A real annotation file coded under hate-speech@1.0.0 is refused by ``agree`` under 2.0.0
  ("migrate the codings first"), is translated by the codebooks' own migration maps, and the
  translated file is accepted by ``agree`` under 2.0.0.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import intercoder
from intercoder.annotations import read_annotations
from intercoder.codebook.migrate import DROPPED, MERGED, RECODE, SAME, migration

BOOKS = ("hate-speech", "stereotypes", "enemy-images")
GROUP_VARIABLE = {
    "hate-speech": "target_group",
    "stereotypes": "target_group",
    "enemy-images": "enemy",
}
#: Codes 2.0.0 retired without a successor, each for a reason its changelog gives.
DROPPED_ON_PURPOSE = {
    ("hate-speech", "severity", "0"),
    ("enemy-images", "enemy_syndrome", "none"),
    ("enemy-images", "polarisation", "0"),
}
#: Codes of the shared taxonomy that only enemy-images adds (actors that are not identity groups).
ENEMY_ONLY = {"foreign_state", "international_organisations", "journalists_civil_society"}


@pytest.mark.parametrize("old", ["1.0.0", "1.0.1"])
@pytest.mark.parametrize("book", BOOKS)
def test_diff_to_2_0_0_is_major_and_the_bump_is_declared(run_cli: Any, book: str, old: str) -> None:
    proc = run_cli("codebook", "diff", f"{book}@{old}", f"{book}@2.0.0", "--json")
    assert proc.returncode == 0, proc.stderr
    diff = json.loads(proc.stdout)
    assert (diff["declared"], diff["required"], diff["ok"]) == ("major", "major", True)
    assert not [c for c in diff["changes"] if c["forbidden"]], "a code was deleted"


@pytest.mark.parametrize("book", BOOKS)
def test_every_old_code_migrates_except_the_documented_drops(book: str) -> None:
    old = intercoder.load_codebook(f"{book}@1.0.0")
    new = intercoder.load_codebook(f"{book}@2.0.0")
    move = migration(old, new)
    dropped = set()
    for var in old.variables:
        for cat, _ in var.walk():
            outcome = move.translate(var.id, cat.code)
            assert "unknown" not in outcome.reason, (var.id, cat.code)
            if outcome.status == DROPPED:
                dropped.add((book, var.id, cat.code))
            for code in outcome.codes:
                assert not new.variable(var.id).category(code).retired, (var.id, cat.code, code)
    assert dropped == {d for d in DROPPED_ON_PURPOSE if d[0] == book}


def _taxonomy(book: str) -> list[tuple[int, str, dict[str, str], dict[str, str]]]:
    var = intercoder.load_codebook(f"{book}@2.0.0").variable(GROUP_VARIABLE[book])
    return [
        (depth, cat.code, dict(cat.label), dict(cat.definition))
        for cat, depth in var.walk()
        if not cat.retired and cat.code not in ENEMY_ONLY
    ]


def test_the_three_codebooks_share_one_target_taxonomy() -> None:
    first, *others = (_taxonomy(book) for book in BOOKS)
    codes = [code for _, code, _, _ in first]
    for expected in ("kazakhs", "chinese", "lyuli", "jews", "regional_origin", "clan_tribe"):
        assert expected in codes
    for expected in ("language_group", "political", "sexual_orientation_gender_identity"):
        assert expected in codes
    for other in others:
        assert other == first


def _migrate_file(source: Path, target: Path, new_ref: str) -> dict[str, list[str]]:
    """Translate every record of ``source`` with the codebooks' maps; returns what happened."""
    records = read_annotations(source)
    happened: dict[str, list[str]] = {}
    rows = []
    for record in records:
        old = intercoder.load_codebook(str(record.codebook))
        new = intercoder.load_codebook(new_ref)
        move = migration(old, new)
        value, outcomes = move.translate_value(record.variable, record.value)
        for outcome in outcomes:
            happened.setdefault(outcome.status, []).append(
                f"{record.unit_id}/{record.coder_id}/{record.variable}: {outcome.reason}"
            )
        if value is None or value == []:
            continue
        row = {
            "unit_id": record.unit_id,
            "coder_id": record.coder_id,
            "variable": record.variable,
            "value": list(value) if isinstance(value, list) else value,
            "codebook": new.ref,
        }
        rows.append(json.dumps(row, ensure_ascii=False))
    target.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return happened


#: unit -> the 1.0.0 codes both coders gave (the second coder differs on a few).
CODED_UNDER_1_0_0: dict[str, dict[str, Any]] = {
    "u1": {"hate_speech": "yes", "target_group": ["uzbeks"], "severity": "2", "rabat_context": "1"},
    "u2": {"hate_speech": "yes", "target_group": ["jews", "muslims"], "severity": "3"},
    "u3": {
        "hate_speech": "yes",
        "target_group": ["sexual_orientation_gender_identity"],
        "severity": "1",
    },
    "u4": {"hate_speech": "no"},
    "u5": {"hate_speech": "yes", "target_group": ["russians", "other"], "severity": "0"},
    "u6": {"hate_speech": "yes", "target_group": ["tajiks"], "severity": "2", "rabat_context": "2"},
}


def _write_1_0_0_file(path: Path) -> None:
    lines = []
    for unit, answers in CODED_UNDER_1_0_0.items():
        for coder in ("ana", "bek"):
            for variable, value in answers.items():
                if coder == "bek" and unit == "u6" and variable == "severity":
                    value = "3"
                lines.append(
                    json.dumps(
                        {
                            "unit_id": unit,
                            "coder_id": coder,
                            "variable": variable,
                            "value": value,
                            "codebook": "hate-speech@1.0.0",
                        },
                        ensure_ascii=False,
                    )
                )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_1_0_0_annotation_file_migrates_to_2_0_0(run_cli: Any, tmp_path: Path) -> None:
    coded = tmp_path / "coded-1.0.0.jsonl"
    _write_1_0_0_file(coded)
    # valid under the version it was coded under
    assert run_cli("agree", str(coded), "--codebook", "hate-speech@1.0.0").returncode == 0
    # refused under the new major version until migrated
    refused = run_cli("agree", str(coded), "--codebook", "hate-speech@2.0.0")
    assert refused.returncode == 1
    assert "migrate the codings first" in refused.stderr

    migrated = tmp_path / "coded-2.0.0.jsonl"
    happened = _migrate_file(coded, migrated, "hate-speech@2.0.0")
    proc = run_cli("agree", str(migrated), "--codebook", "hate-speech@2.0.0", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assessed = {v["variable"]: v for v in json.loads(proc.stdout)["variables"]}
    assert assessed["target_group"]["n_units"] == 5

    back = {(r.unit_id, r.coder_id, r.variable): r.value for r in read_annotations(migrated)}
    # the target codes are those of the shared taxonomy already: they carry over unchanged
    # (jews moved from religion to ethnicity, other is redefined, the codes stay)
    assert back["u1", "ana", "target_group"] == ["uzbeks"]
    assert back["u2", "bek", "target_group"] == ["jews", "muslims"]
    assert back["u3", "ana", "target_group"] == ["sexual_orientation_gender_identity"]
    assert back["u5", "ana", "target_group"] == ["russians", "other"]
    # severity 0 is not on the 2.0.0 scale: dropped, with the reason, for both coders
    assert ("u5", "ana", "severity") not in back
    assert back["u6", "bek", "severity"] == "3"
    assert sorted(r.split(":")[0] for r in happened[DROPPED]) == [
        "u5/ana/severity",
        "u5/bek/severity",
    ]
    assert all("retired in 2.0.0" in r for r in happened[DROPPED])
    assert set(happened) == {SAME, DROPPED}


def test_merged_enemy_codes_carry_over_and_a_split_one_asks_for_recoding(tmp_path: Path) -> None:
    coded = tmp_path / "enemy-images-1.0.0.jsonl"
    rows = [
        ("e1", ["ethnic_group", "religious_group"]),
        ("e2", ["sexual_and_gender_minorities", "uzbeks"]),
        ("e3", ["domestic_political_opponents"]),
        ("e4", ["other_enemy"]),
    ]
    lines = [
        json.dumps(
            {
                "unit_id": unit,
                "coder_id": "ana",
                "variable": "enemy",
                "value": value,
                "codebook": "enemy-images@1.0.0",
            }
        )
        for unit, value in rows
    ]
    coded.write_text("\n".join(lines) + "\n", encoding="utf-8")
    migrated = tmp_path / "enemy-images-2.0.0.jsonl"
    happened = _migrate_file(coded, migrated, "enemy-images@2.0.0")
    back = {r.unit_id: r.value for r in read_annotations(migrated)}
    assert back == {
        "e1": ["ethnicity", "religion"],
        "e2": ["sexual_orientation_gender_identity", "uzbeks"],
        "e3": ["political"],
    }
    assert len(happened[MERGED]) == 4
    assert len(happened[SAME]) == 1
    (recode,) = happened[RECODE]
    assert recode.startswith("e4/ana/enemy: split in 2.0.0 into other, regional_origin")


def test_a_split_code_asks_for_recoding(tmp_path: Path) -> None:
    # stereotypes valence 1 ("mixed or neutral") was split into ambivalent and neutral
    coded = tmp_path / "stereotypes-1.0.0.jsonl"
    coded.write_text(
        json.dumps(
            {
                "unit_id": "s1",
                "coder_id": "ana",
                "variable": "valence",
                "value": "1",
                "codebook": "stereotypes@1.0.0",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    happened = _migrate_file(coded, tmp_path / "out.jsonl", "stereotypes@2.0.0")
    assert list(happened) == [RECODE]
    assert "ambivalent, neutral" in happened[RECODE][0]
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8").strip() == ""
