"""The report's gold sections (`intercoder report --gold`): coders against the gold and the
adjudication reasons, with the numbers `certify` computes and the counts of the gold file."""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from intercoder.workflow.gold import REASONS

from support import RunCli


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, run_cli: RunCli) -> tuple[Path, Path, Path]:
    """A round on the minimal codebook, its gold with adjudicated reasons, and the report."""
    tmp = tmp_path_factory.mktemp("gold-report")
    rng = random.Random(5)
    coded = tmp / "round.csv"
    with coded.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_id", "coder_id", "variable", "value"])
        for u in range(60):
            truth = rng.choice(["yes", "no"])
            for coder, skill in (("айгүл", 0.9), ("oʻktam", 0.7), ("guess", 0.0)):
                value = truth if rng.random() < skill else rng.choice(["yes", "no"])
                writer.writerow([f"u{u}", coder, "relevant", value])
    gold, queue = tmp / "gold.csv", tmp / "queue.csv"
    minimal = Path(__file__).parent / "data" / "minimal.yaml"
    base = ("adjudicate", str(coded), "--codebook", str(minimal), "-o", str(gold))
    assert run_cli(*base, "--queue", str(queue)).returncode == 0
    rows = list(csv.DictReader(queue.open(encoding="utf-8", newline="")))
    for i, row in enumerate(rows):
        row["decision"] = row["айгүл"] or "no"
        row["reason"] = REASONS[i % len(REASONS)]
    with queue.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert run_cli(*base, "--decisions", str(queue)).returncode == 0
    page = tmp / "report.html"
    result = run_cli(
        "report", str(coded), "--codebook", str(minimal), "--gold", str(gold), "--bootstrap",
        "0", "--lang", "ru", "-o", str(page),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return coded, gold, page


def test_coders_against_the_gold_show_the_certify_numbers(
    made: tuple[Path, Path, Path], run_cli: RunCli
) -> None:
    coded, gold, page = made
    minimal = Path(__file__).parent / "data" / "minimal.yaml"
    certified = run_cli(
        "certify", str(gold), str(coded), "--codebook", str(minimal), "--format", "json"
    )
    html = page.read_text(encoding="utf-8")
    assert 'id="gold"' in html
    assert "Кодировщики в сравнении с эталоном" in html
    for coder in json.loads(certified.stdout)["coders"]:
        start = html.index(f'data-gold-coder="{coder["coder"]}"')
        section = html[start : html.index("</section>", start)]
        for var in coder["variables"]:
            alpha = re.search(r'data-key="alpha" data-value="([^"]+)"', section)
            accuracy = re.search(r'data-key="accuracy" data-value="([^"]+)"', section)
            assert alpha is not None
            assert accuracy is not None
            assert float(alpha.group(1)) == pytest.approx(var["alpha"], abs=1e-6)
            assert float(accuracy.group(1)) == pytest.approx(var["accuracy"], abs=1e-6)
            assert f'class="badge {coder["status"]}"' in section


def test_reasons_are_counted_per_variable_and_category(made: tuple[Path, Path, Path]) -> None:
    _, gold, page = made
    rows = [
        r
        for r in csv.DictReader(gold.open(encoding="utf-8", newline=""))
        if r["provenance"] == "adjudicated"
    ]
    expected = Counter((r["value"], r["reason"]) for r in rows)
    html = page.read_text(encoding="utf-8")
    table = html[
        html.index('id="reasons-table"') : html.index("</table>", html.index('id="reasons-table"'))
    ]
    labels = {"yes": "Да", "no": "Нет"}
    for code, label in labels.items():
        row = re.search(rf"<td>{label}</td>(.*?)</tr>", table)
        assert row is not None
        cells = dict(re.findall(r'data-key="([a-z-]+)">(\d+)<', row.group(1)))
        for reason in REASONS:
            assert int(cells[reason]) == expected[(code, reason)]
        assert int(cells["total"]) == sum(expected[(code, r)] for r in REASONS)


def test_without_gold_the_page_has_no_gold_section(
    made: tuple[Path, Path, Path], run_cli: RunCli, tmp_path: Path
) -> None:
    coded, _, _ = made
    page = tmp_path / "plain.html"
    minimal = Path(__file__).parent / "data" / "minimal.yaml"
    result = run_cli(
        "report", str(coded), "--codebook", str(minimal), "--bootstrap", "0", "-o", str(page)
    )
    assert result.returncode == 0
    html = page.read_text(encoding="utf-8")
    assert 'id="gold"' not in html
    assert "#gold" not in html
