"""`intercoder demo`, the README's main job: offline, from any directory, complete output."""

from __future__ import annotations

import json
import re
from pathlib import Path

from intercoder import load_codebook
from intercoder.annotations import check_annotations, read_annotations
from intercoder.codebook.registry import available_codebooks
from intercoder.pilot import CODERS, pilot_annotations

from support import RunCli


def test_demo_runs_and_writes_everything(run_cli: RunCli, tmp_path: Path) -> None:
    proc = run_cli("demo", "-o", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out"
    newest = load_codebook("hate-speech").ref  # the demo codes with the newest bundled version
    for step in (
        f"1. Validating {len(available_codebooks())} codebook(s)",  # one line per codebook id
        f"2. Synthetic pilot round on {newest}",
        "3. Lexicon coder lexicon@",
        "4. Agreement among the human coders",
        f"5. Reliability report (humans and the lexicon coder): {(out / 'report.html').resolve()}",
        f"   Everything: {(out / 'index.html').resolve()}",
    ):
        assert step in proc.stdout, step
    # one manual per bundled codebook version and language
    versions = [e for entries in available_codebooks().values() for e in entries]
    expected = sum(len(load_codebook(e.path).languages) for e in versions)
    assert len(versions) >= 3
    assert len(list((out / "manuals").glob("*.html"))) == expected
    cb = load_codebook("hate-speech")
    page = (out / "report.html").read_text(encoding="utf-8")
    for name in ("human.csv", "machine.csv"):
        checked = check_annotations(read_annotations(out / "pilot" / name), cb)
        assert checked.problems == (), name
        assert len(checked.annotations) > 0
        # the report's provenance counts each input file's records
        row = re.search(rf'<tr data-file="[^"]*{name}">.*?data-key="records">(\d+)<', page)
        assert row is not None, name
        assert int(row.group(1)) == len(checked.annotations), name
    tasks = [
        json.loads(line)
        for line in (out / "pilot" / "tasks.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {t["lang"] for t in tasks} == set(cb.languages)
    assert all(t["source"].startswith("synthetic") for t in tasks)
    assert f"### Reliability: `{newest}`" in (out / "agreement.md").read_text("utf-8")
    assert "coder-c@demo.invalid" in page
    assert "lexicon@" in page
    assert 'href="report.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_pilot_is_reproducible_and_realistic() -> None:
    cb = load_codebook("hate-speech")
    tasks, first = pilot_annotations(cb)
    _, second = pilot_annotations(cb)
    assert [r.value for r in first] == [r.value for r in second]
    assert set(first.coder_id.tolist()) == set(CODERS)
    texts = {t.text for t in tasks}
    # Every text is one of the codebook's own constructed examples.
    examples = {
        x for v in cb.variables for c, _ in v.walk() for xs in c.examples.values() for x in xs
    }
    assert texts <= examples
