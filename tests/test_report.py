"""`intercoder report`: the reliability report page, its numbers, its safety, and a real browser.

The overview's numbers are checked against :func:`intercoder.reliability.assess` (the numbers the
terminal shows). The diagnostics are checked against values computed here from the raw rows
without intercoder's agreement engine: coincidences, percent agreement and disagreement scores
by hand, alphas with the ``krippendorff`` package (the reference implementation). The
page is parsed with :mod:`html.parser` (the SVG parts also with :mod:`xml.etree`, which proves
they are well-formed XML). The browser tests drive the Debian Chromium through its DevTools
protocol over ``--remote-debugging-pipe`` (standard library only) and fail, never skip, when
Chromium is missing. Screenshots are kept under ``$INTERCODER_TEST_ARTIFACTS`` (default: the
test's ``tmp_path``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import krippendorff
import numpy as np
import pytest

from intercoder._version import __version__
from intercoder.annotations import Annotation, AnnotationSet, check_annotations, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.reliability import assess
from intercoder.report import build_report

import support
from support import RunCli, require_chromium

DATA = Path(__file__).parent / "data"
MINIMAL = DATA / "minimal.yaml"
CODERS = ("ana", "bek", "cholpon", "zed")  # zed is the careless one
SEED = 3
BOOTSTRAP = 300

XSS_TEXT = (
    "<script>window.__xss = 1; console.error('xss')</script>"
    '<img src=x onerror="window.__xss = 2">\'"& </textarea><!-- -->'
)
XSS_UNIT = 'u01"><svg onload=alert(1)>'
TEXTS = {
    "en": "Residents again blamed newcomers for all of the district's troubles.",
    "ru": "Жители села снова обвинили приезжих во всех бедах района.",
    "ky": "Айылдын тургундары келгиндерди райондун бардык кырсыктарына дагы күнөөлөштү.",
    "uz-Latn": "Qishloq aholisi yana kelgindilarni tumanning barcha muammolarida aybladi.",
    "uz-Cyrl": "Қишлоқ аҳолиси яна келгиндиларни туманнинг барча муаммоларида айблади.",
}
LANGS = tuple(TEXTS)

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


# --- test data ---------------------------------------------------------------------------------


def unit_name(u: int) -> str:
    return XSS_UNIT if u == 1 else f"u{u:02d}"


def pilot_rows(units: int = 40, seed: int = 11) -> list[dict[str, Any]]:
    """A pilot round on the minimal codebook: three careful coders and a careless one.

    Units u00 and the XSS unit are split 2:2 on ``relevant`` (the most disputed units); u00's
    text is an XSS attempt. Severity is coded only where the coder said "yes" (show_if).
    """
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for u in range(units):
        truth = rng.choice(["yes", "no"])
        severity = rng.choice(["0", "1"])
        lang = LANGS[u % len(LANGS)]
        text = XSS_TEXT if u == 0 else f"{TEXTS[lang]} №{u}"
        for coder in CODERS:
            error = 0.4 if coder == "zed" else 0.07
            if u in (0, 1):
                relevant = "yes" if coder in ("ana", "zed") else "no"
            else:
                relevant = truth if rng.random() > error else ("no" if truth == "yes" else "yes")
            rows.append(
                {
                    "unit_id": unit_name(u),
                    "coder_id": coder,
                    "variable": "relevant",
                    "value": relevant,
                    "codebook": "minimal@1.0.0",
                    "text": text,
                }
            )
            if relevant == "yes":
                value = severity if rng.random() > error else ("1" if severity == "0" else "0")
                rows.append(
                    {
                        "unit_id": unit_name(u),
                        "coder_id": coder,
                        "variable": "severity",
                        "value": value,
                        "text": text,
                    }
                )
    return rows


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    return path


def records(rows: list[dict[str, Any]], variable: str) -> list[tuple[str, str, str]]:
    return [(r["unit_id"], r["coder_id"], r["value"]) for r in rows if r["variable"] == variable]


# --- reference values, computed without intercoder ---------------------------------------------

Records = list[tuple[str, str, Any]]


def reference_alpha(recs: Records, level: str, domain: list[Any]) -> float:
    """Krippendorff's alpha by the ``krippendorff`` package; nan when it is undefined."""
    coders = sorted({c for _, c, _ in recs})
    units = sorted({u for u, _, _ in recs})
    matrix = np.full((len(coders), len(units)), np.nan)
    for unit, coder, value in recs:
        matrix[coders.index(coder), units.index(unit)] = domain.index(value)
    try:
        with np.errstate(all="ignore"):
            return float(
                krippendorff.alpha(
                    reliability_data=matrix,
                    level_of_measurement=level,
                    value_domain=list(range(len(domain))),
                )
            )
    except (ValueError, ZeroDivisionError):
        return float("nan")


def by_unit(recs: Records) -> dict[str, dict[str, Any]]:
    units: dict[str, dict[str, Any]] = {}
    for unit, coder, value in recs:
        units.setdefault(unit, {})[coder] = value
    return units


def coincidences(recs: Records) -> dict[tuple[str, str], float]:
    """o_ck: every ordered pair of values in a unit with m values counts 1 / (m - 1)."""
    out: dict[tuple[str, str], float] = {}
    for codings in by_unit(recs).values():
        values = list(codings.values())
        m = len(values)
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    out[(a, b)] = out.get((a, b), 0.0) + 1 / (m - 1)
    return out


def disagreement_scores(recs: Records) -> dict[str, float]:
    """Per pairable unit: the share of its ordered pairs of values that differ, over the share
    expected by chance (nominal distance; with two ordered values the ordinal one is a multiple
    of it, and the ratio is the same)."""
    pairable = {u: list(c.values()) for u, c in by_unit(recs).items() if len(c) >= 2}
    values = [v for vs in pairable.values() for v in vs]
    n = len(values)
    expected = (n * n - sum(values.count(v) ** 2 for v in set(values))) / (n * (n - 1))
    scores = {}
    for unit, vs in pairable.items():
        m = len(vs)
        differ = sum(a != b for i, a in enumerate(vs) for j, b in enumerate(vs) if i != j)
        scores[unit] = differ / (m * (m - 1)) / expected
    return scores


# --- parsing the page --------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Node | str] = []

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                if tag is None or child.tag == tag:
                    yield child
                yield from child.iter(tag)

    def find(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag}> with {attrs}"
        return found[0]

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [n for n in self.iter(tag) if all(n.attrs.get(k) == v for k, v in wanted.items())]

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def get(self, name: str) -> str:
        value = self.attrs.get(name)
        assert value is not None, f"<{self.tag}> has no {name}"
        return value


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root
        self.declarations: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        assert node is not None, f"stray </{tag}>"
        assert node.parent is not None, f"stray </{tag}>"
        self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(page: str) -> Node:
    builder = TreeBuilder()
    builder.feed(page)
    builder.close()
    assert builder.current is builder.root, f"unclosed <{builder.current.tag}>"
    return builder.root


SVG = "{http://www.w3.org/2000/svg}"


def svg_parts(page: str) -> dict[str, ET.Element]:
    """Every inline SVG, parsed as XML, by id."""
    out = {}
    for chunk in re.findall(r"<svg\b.*?</svg>", page, flags=re.S):
        element = ET.fromstring(chunk)
        out[element.attrib["id"]] = element
    return out


def svg_groups(svg: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == cls]


def number(text: str) -> float:
    return float(text)


def close(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, abs=1e-12)


# --- the report under test ---------------------------------------------------------------------


def artifacts_dir(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("INTERCODER_TEST_ARTIFACTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Built:
    def __init__(self, directory: Path, run_cli: RunCli) -> None:
        self.dir = directory
        self.rows = pilot_rows()
        self.input = write_jsonl(directory / "pilot.jsonl", self.rows)
        self.output = directory / "out" / "report.html"
        self.proc = run_cli(
            "report",
            str(self.input),
            "--codebook",
            str(MINIMAL),
            "-o",
            str(self.output),
            "--bootstrap",
            str(BOOTSTRAP),
            "--seed",
            str(SEED),
            "--lang",
            "ru",
            timeout=180,
        )
        assert self.proc.returncode == 0, self.proc.stderr
        self.page = self.output.read_text(encoding="utf-8")
        self.doc = parse(self.page)
        self.svgs = svg_parts(self.page)
        self.cb = load_codebook(MINIMAL)
        checked = check_annotations(read_annotations(self.input), self.cb)
        assert checked.problems == ()
        self.annotations = checked.annotations
        self.assessed = {
            v.variable: v
            for v in assess(self.annotations, self.cb, bootstrap=BOOTSTRAP, seed=SEED).variables
        }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, run_cli: RunCli) -> Built:
    return Built(tmp_path_factory.mktemp("report"), run_cli)


def test_the_command_writes_one_page_in_the_chosen_language(built: Built) -> None:
    assert f"wrote {built.output}" in built.proc.stderr
    assert built.page.startswith("<!DOCTYPE html>")
    html_node = built.doc.find("html")
    assert html_node.get("lang") == "ru"
    assert "Отчёт о надёжности кодирования" in built.doc.find("title").text()
    assert built.doc.find("h1").text() == "Минимальный пример"
    # Semantic structure: one main, landmarks, headings for every section.
    assert len(built.doc.find_all("main")) == 1
    assert built.doc.find("nav").find("h2")
    ids = {n.attrs.get("id") for n in built.doc.iter("section")}
    assert {"overview", "var-relevant", "var-severity", "provenance"} <= ids
    # Category labels in Russian, from the codebook.
    coincidence = built.svgs["coincidence-relevant"]
    labels = {t.text for t in coincidence.iter(f"{SVG}text")}
    assert {"Да", "Нет"} <= labels
    assert "Yes" not in labels


def test_overview_numbers_are_those_of_assess(built: Built) -> None:
    table = built.doc.find("table", id="overview-table")
    rows = {tr.get("data-variable"): tr for tr in table.iter("tr") if "data-variable" in tr.attrs}
    assert set(rows) == {"relevant", "severity"}
    for name, expected in built.assessed.items():
        cells = {td.attrs.get("data-key"): td for td in rows[name].iter("td")}
        assert number(cells["alpha"].get("data-value")) == expected.alpha
        assert cells["alpha"].text() == f"{expected.alpha:.3f}".replace("-", "−")
        assert expected.ci_low is not None
        assert expected.ci_high is not None
        assert number(cells["ci"].get("data-low")) == expected.ci_low
        assert number(cells["ci"].get("data-high")) == expected.ci_high
        assert number(cells["q"].get("data-value")) == expected.q
        assert int(cells["n_units"].text()) == expected.n_units
        assert int(cells["n_coders"].text()) == expected.n_coders
        assert cells["status"].get("data-value") == expected.status
        assert number(cells["threshold"].get("data-value")) == expected.threshold


def test_forest_plot_places_each_alpha_and_interval_against_the_thresholds(built: Built) -> None:
    forest = built.svgs["forest"]
    assert forest.get("role") == "img"
    assert forest.find(f"{SVG}title") is not None
    assert forest.find(f"{SVG}desc") is not None
    rows = {g.get("data-key"): g for g in svg_groups(forest, "row")}
    assert set(rows) == set(built.assessed)
    for name, expected in built.assessed.items():
        row = rows[name]
        assert number(row.get("data-alpha")) == expected.alpha
        assert number(row.get("data-ci-low")) == expected.ci_low
        lines = {
            number(line.get("data-threshold")): float(line.get("x1"))
            for line in row.iter(f"{SVG}line")
            if line.get("class") == "threshold"
        }
        assert set(lines) == {expected.threshold, expected.tentative}
        # The dot sits where the alpha falls on the scale the two threshold lines define.
        x_pass, x_tent = lines[expected.threshold], lines[expected.tentative]
        per_unit = (x_pass - x_tent) / (expected.threshold - expected.tentative)
        point = next(c for c in row.iter(f"{SVG}circle") if c.get("class") == "point")
        assert float(point.get("cx")) == pytest.approx(
            x_tent + (expected.alpha - expected.tentative) * per_unit, abs=0.02
        )
        (ci,) = svg_groups(row, "ci")
        ci_x = sorted({float(line.get("x1")) for line in ci.iter(f"{SVG}line")})
        assert expected.ci_low is not None
        assert expected.ci_high is not None
        assert ci_x[0] == pytest.approx(
            x_tent + (expected.ci_low - expected.tentative) * per_unit, abs=0.02
        )
        assert ci_x[-1] == pytest.approx(
            x_tent + (expected.ci_high - expected.tentative) * per_unit, abs=0.02
        )
        value = next(t for t in row.iter(f"{SVG}text") if t.get("class") == "value")
        assert value.text is not None
        assert value.text.startswith(f"{expected.alpha:.3f}")


@pytest.mark.parametrize(
    ("variable", "level", "categories"),
    [("relevant", "nominal", None), ("severity", "ordinal", ["0", "1"])],
)
def test_coincidence_heatmap_shows_the_coincidence_matrix(
    built: Built, variable: str, level: str, categories: list[str] | None
) -> None:
    codes = list(built.cb.variable(variable).codes)
    counted = coincidences(records(built.rows, variable))
    want = {(a, b): counted.get((a, b), 0.0) for a in codes for b in codes}
    cells = svg_groups(built.svgs[f"coincidence-{variable}"], "cell")
    got = {
        (c.get("data-row-code"), c.get("data-col-code")): number(c.get("data-value")) for c in cells
    }
    assert got == pytest.approx(want, abs=1e-12)
    # Every cell with coincidences prints its count; the table alternative has the same numbers.
    for cell in cells:
        value = number(cell.get("data-value"))
        texts = [t.text for t in cell.iter(f"{SVG}text")]
        if value > 0:
            assert texts
            assert float(texts[0]) == pytest.approx(value, abs=0.05)
    table = built.doc.find("table", id=f"coincidence-table-{variable}")
    page_codes = [tr.get("data-code") for tr in table.iter("tr") if "data-code" in tr.attrs]
    assert page_codes == list(built.cb.variable(variable).codes)  # codebook order
    for tr in table.iter("tr"):
        if "data-code" not in tr.attrs:
            continue
        row_code = tr.get("data-code")
        for td in tr.iter("td"):
            if "data-col" in td.attrs:
                col_code = page_codes[int(td.get("data-col"))]
                assert number(td.get("data-value")) == pytest.approx(want[(row_code, col_code)])
    if categories is None:  # nominal single choice: the binary alpha of each category
        recs = records(built.rows, variable)
        alphas = {
            code: reference_alpha([(u, c, v == code) for u, c, v in recs], "nominal", [False, True])
            for code in codes
        }
        shown = {
            tr.get("data-code"): number(td.get("data-value"))
            for tr in table.iter("tr")
            if "data-code" in tr.attrs
            for td in tr.iter("td")
            if td.attrs.get("data-key") == "category_alpha"
        }
        assert shown == pytest.approx({str(k): v for k, v in alphas.items()})


@pytest.mark.parametrize(("variable", "level"), [("relevant", "nominal"), ("severity", "ordinal")])
def test_pairwise_matrix_and_leave_one_coder_out(built: Built, variable: str, level: str) -> None:
    recs = records(built.rows, variable)
    domain = list(built.cb.variable(variable).codes)
    units = by_unit(recs)
    cells = svg_groups(built.svgs[f"pairwise-{variable}"], "cell")
    assert len(cells) == len(CODERS) * (len(CODERS) - 1)
    for cell in cells:
        a, b = cell.get("data-row"), cell.get("data-col")
        pair = [r for r in recs if r[1] in (a, b)]
        assert close(number(cell.get("data-value")), reference_alpha(pair, level, domain))
        shared = [u for u, codings in units.items() if a in codings and b in codings]
        assert int(cell.get("data-shared")) == len(shared)
    table = built.doc.find("table", id=f"pairwise-table-{variable}")
    for tr in table.iter("tr"):
        if "data-pair" in tr.attrs:
            a, b = tr.get("data-pair").split("|")
            shared = [u for u, codings in units.items() if a in codings and b in codings]
            agree = sum(units[u][a] == units[u][b] for u in shared)
            shown = {td.attrs.get("data-key"): td for td in tr.iter("td")}
            assert number(shown["percent"].get("data-value")) == pytest.approx(
                agree / len(shared) * 100
            )

    everyone = reference_alpha(recs, level, domain)
    loo = {
        coder: reference_alpha([r for r in recs if r[1] != coder], level, domain) - everyone
        for coder in CODERS
    }
    bars = svg_groups(built.svgs[f"loo-{variable}"], "bar")
    assert {b.get("data-coder"): number(b.get("data-value")) for b in bars} == pytest.approx(loo)
    # Bars are sorted: whoever drags reliability down most comes first.
    assert [b.get("data-coder") for b in bars] == sorted(loo, key=lambda c: -loo[c])


def test_the_careless_coder_is_the_one_who_drags_reliability_down(built: Built) -> None:
    bars = svg_groups(built.svgs["loo-relevant"], "bar")
    assert bars[0].get("data-coder") == "zed"
    assert number(bars[0].get("data-value")) > 0
    red = list(bars[0].iter(f"{SVG}rect"))
    assert red
    assert red[0].get("fill") == "#cf222e"


@pytest.mark.parametrize(("variable", "level"), [("relevant", "nominal"), ("severity", "ordinal")])
def test_most_disputed_units_with_their_texts(built: Built, variable: str, level: str) -> None:
    scores = disagreement_scores(records(built.rows, variable))
    disputed = {u: score for u, score in scores.items() if score > 0}
    table = built.doc.find("table", id=f"units-table-{variable}")
    rows = [tr for tr in table.iter("tr") if "data-unit" in tr.attrs]
    shown = {tr.get("data-unit"): number(tr.get("data-score")) for tr in rows}
    assert len(rows) == min(10, len(disputed))
    assert shown == pytest.approx({u: disputed[u] for u in shown})
    # The most disputed first; no unit left out scores higher than the last one shown.
    assert list(shown.values()) == sorted(shown.values(), reverse=True)
    assert all(score <= min(shown.values()) for u, score in disputed.items() if u not in shown)
    texts = {r["unit_id"]: r["text"] for r in built.rows}
    codings = {
        (r["unit_id"], r["coder_id"]): r["value"] for r in built.rows if r["variable"] == variable
    }
    labels = {"yes": "Да", "no": "Нет", "0": "Нет", "1": "Мягкая"}
    for tr in rows:
        unit = tr.get("data-unit")
        assert tr.find("div", **{"class": "unit-text"}).text() == texts[unit]
        for li in tr.find("ul").iter("li"):
            coders = [c.get("data-coder") for c in li.iter("code")]
            values = {codings[(unit, c)] for c in coders}
            assert values == {li.get("data-value")}
            assert li.find("span").text() == labels[li.get("data-value")]
    if variable == "relevant":  # the two 2:2 splits are the most disputed units
        assert [tr.get("data-unit") for tr in rows[:2]] == ["u00", XSS_UNIT]


def test_an_xss_attempt_in_a_text_or_unit_id_is_escaped(built: Built) -> None:
    assert "<script" not in built.page.lower()
    assert "&lt;script&gt;" in built.page
    for node in built.doc.iter():
        assert node.tag not in ("script", "img", "iframe", "object", "embed", "textarea")
        assert not [name for name in node.attrs if name.startswith("on")], node.tag
    # The user text survives intact as text (the parser unescapes it back).
    shown = [div.text() for div in built.doc.find_all("div", **{"class": "unit-text"})]
    assert XSS_TEXT in shown
    units = [th.text() for th in built.doc.iter("th") if th.find_all("code")]
    assert XSS_UNIT in units
    # SVG parts stay well-formed XML, and the unit id never becomes markup there either.
    assert all(element.tag == f"{SVG}svg" for element in built.svgs.values())


def test_nothing_is_fetched_from_anywhere(built: Built) -> None:
    links = []
    for node in built.doc.iter():
        for name in ("src", "href", "xlink:href", "action", "formaction", "poster", "data"):
            if name in node.attrs:
                links.append(str(node.attrs[name]))
    assert links, "the table of contents links inside the page"
    for link in links:
        assert link.startswith(("#", "data:")), link
    assert not built.doc.find_all("link", rel="stylesheet")
    assert "@import" not in built.page
    assert "url(" not in built.page
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", built.page, flags=re.I)
    csp = built.doc.find("meta", **{"http-equiv": "Content-Security-Policy"}).get("content")
    assert "default-src 'none'" in csp
    assert "script-src" not in csp


def test_provenance_names_codebook_files_hashes_counts_and_version(built: Built) -> None:
    section = built.doc.find("section", id="provenance")
    text = section.text()
    assert "minimal@1.0.0" in text
    assert __version__ in text
    assert str(MINIMAL) in text
    assert hashlib.sha256(MINIMAL.read_bytes()).hexdigest() in text
    files = section.find("table", id="input-files")
    (row,) = [tr for tr in files.iter("tr") if "data-file" in tr.attrs]
    assert row.get("data-file") == str(built.input)
    cells = {td.attrs.get("data-key"): td.text() for td in row.iter("td")}
    assert cells["sha256"] == hashlib.sha256(built.input.read_bytes()).hexdigest()
    assert int(cells["records"]) == len(built.rows)
    coders = section.find("table", id="coders-table")
    counts = {
        tr.get("data-coder"): int(tr.find("td", data_key="records").text())
        for tr in coders.iter("tr")
        if "data-coder" in tr.attrs
    }
    assert counts == {c: sum(r["coder_id"] == c for r in built.rows) for c in CODERS}
    assert str(SEED) in [dd.text() for dd in section.iter("dd")]
    assert str(BOOTSTRAP) in [dd.text() for dd in section.iter("dd")]
    stamp = section.find("time").get("datetime")
    age = datetime.now(UTC) - datetime.fromisoformat(stamp)
    assert 0 <= age.total_seconds() < 600


def test_every_plot_has_a_table_alternative(built: Built) -> None:
    for ident in built.svgs:
        svg_node = next(n for n in built.doc.iter("svg") if n.attrs.get("id") == ident)
        figure = svg_node.parent
        assert figure is not None
        assert figure.tag == "figure", ident
        assert figure.find("figcaption").text()
        details = figure.find("details")
        assert details.find("summary").text() == "Числа"
        assert details.find("table")
        labelled = svg_node.get("aria-labelledby").split()
        assert labelled[0] == f"{ident}-title"


def test_texts_come_from_a_task_file_with_their_language(run_cli: RunCli, tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "text"} for r in pilot_rows(units=12)]
    path = write_jsonl(tmp_path / "pilot.jsonl", rows)
    tasks = tmp_path / "tasks.jsonl"
    units = sorted({r["unit_id"] for r in rows})
    write_jsonl(
        tasks,
        [
            {"unit_id": u, "text": f"{TEXTS['ky']} <{u}>", "lang": "ky", "source": "test"}
            for u in units
        ],
    )
    out = tmp_path / "report.html"
    common = ("--codebook", str(MINIMAL), "-o", str(out), "--bootstrap", "0")
    proc = run_cli("report", str(path), *common, "--tasks", str(tasks), timeout=180)
    assert proc.returncode == 0, proc.stderr
    doc = parse(out.read_text(encoding="utf-8"))
    assert doc.find("html").get("lang") == "en"  # the codebook's first language
    shown = doc.find_all("div", **{"class": "unit-text"})
    assert shown
    for div in shown:
        assert div.get("lang") == "ky"
        assert div.text().startswith(TEXTS["ky"])
    unit = shown[0].parent.parent
    assert unit is not None
    assert shown[0].text() == f"{TEXTS['ky']} <{unit.get('data-unit')}>"
    row = doc.find("tr", data_kind="tasks")
    assert (
        row.find("td", data_key="sha256").text() == hashlib.sha256(tasks.read_bytes()).hexdigest()
    )
    # Without a task file or text column, a unit shows that no text is available.
    proc = run_cli("report", str(path), *common, timeout=180)
    assert proc.returncode == 0, proc.stderr
    doc = parse(out.read_text(encoding="utf-8"))
    assert not doc.find_all("div", **{"class": "unit-text"})
    assert "No text available." in doc.find("table", id="units-table-relevant").text()


def test_a_drawn_seed_is_shown_and_reproduces_the_intervals() -> None:
    cb = load_codebook(MINIMAL)
    aset = _annotations(pilot_rows(units=20), cb)
    first = parse(build_report(aset, cb, bootstrap=200))
    seed = int(next(dd.text() for dt, dd in _facts(first) if dt == "Seed"))
    again = parse(build_report(aset, cb, bootstrap=200, seed=seed))

    def intervals(doc: Node) -> list[tuple[str, str]]:
        return [
            (td.get("data-low"), td.get("data-high")) for td in doc.find_all("td", data_key="ci")
        ]

    assert intervals(first) == intervals(again)
    assert all(low != "nan" for low, _ in intervals(first))
    expected = assess(aset, cb, bootstrap=200, seed=seed).variables[0]
    assert intervals(first)[0] == (repr(expected.ci_low), repr(expected.ci_high))


def test_usage_errors_and_an_untouched_output_on_invalid_input(
    run_cli: RunCli, tmp_path: Path
) -> None:
    rows = pilot_rows(units=8)
    path = write_jsonl(tmp_path / "pilot.jsonl", rows)
    out = tmp_path / "report.html"
    proc = run_cli(
        "report", str(path), "--codebook", str(MINIMAL), "-o", str(out), "-l", "de", timeout=180
    )
    assert proc.returncode == 2
    assert "'de' is not a language of minimal@1.0.0 (en, ru)" in proc.stderr
    assert not out.exists()
    out.write_text("previous report", encoding="utf-8")
    bad = write_jsonl(tmp_path / "bad.jsonl", [*rows, {**rows[0], "value": "maybe"}])
    proc = run_cli("report", str(bad), "--codebook", str(MINIMAL), "-o", str(out), timeout=180)
    assert proc.returncode == 1
    assert "'maybe' is not a code of relevant" in proc.stderr
    assert out.read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "pilot.jsonl", "report.html"]
    # --skip-invalid leaves the bad record out, and the atomic write replaces the old file.
    common = ("--codebook", str(MINIMAL), "-o", str(out), "--bootstrap", "0")
    proc = run_cli("report", str(bad), *common, "--skip-invalid", timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "pilot.jsonl", "report.html"]


def test_report_is_a_builtin_plugin_command(run_cli: RunCli) -> None:
    proc = run_cli("plugins", "--all", "--json")
    assert proc.returncode == 0, proc.stderr
    infos = {info["name"]: info for info in json.loads(proc.stdout)}
    assert infos["intercoder.commands"]["hooks"] == ["register_commands"]
    assert infos["intercoder.commands"]["builtin"] is True
    proc = run_cli("report", "--help")
    assert proc.returncode == 0
    for option in ("--codebook", "--output", "--bootstrap", "--seed", "--lang", "--tasks"):
        assert option in proc.stdout


# --- Python API: other variable types and edge cases -------------------------------------------


def _annotations(rows: list[dict[str, Any]], cb: Any) -> AnnotationSet:
    aset = AnnotationSet.from_records(
        Annotation(
            r["unit_id"],
            r["coder_id"],
            r["variable"],
            r["value"],
            codebook=r.get("codebook"),
            text=r.get("text"),
        )
        for r in rows
    )
    checked = check_annotations(aset, cb)
    assert checked.problems == ()
    return checked.annotations


def _facts(doc: Node) -> list[tuple[str, Node]]:
    dl = doc.find("dl")
    dts = [n.text() for n in dl.iter("dt")]
    return list(zip(dts, dl.iter("dd"), strict=True))


def test_multiple_choice_tree_and_translations_on_a_bundled_codebook() -> None:
    cb = load_codebook("hate-speech")
    rng = random.Random(2)
    rows: list[dict[str, Any]] = []
    for u in range(30):
        groups = rng.choice([["ethnicity"], ["religion"], ["uzbeks", "muslims"], ["migrants"]])
        stance = rng.choice(["endorses", "reports", "debunks"])
        for coder in ("a", "b", "c"):
            chosen = groups if rng.random() > 0.2 else rng.choice([["kyrgyz"], ["jews"]])
            said = stance if rng.random() > 0.25 else "unclear"
            for variable, value in (
                ("hate_speech", "yes"),
                ("target_group", chosen),
                ("stance", said),
            ):
                rows.append(
                    {
                        "unit_id": f"t{u}",
                        "coder_id": coder,
                        "variable": variable,
                        "value": value,
                        "text": TEXTS["uz-Cyrl"],
                    }
                )
    aset = _annotations(rows, cb)
    page = build_report(aset, cb, lang="uz-Cyrl", bootstrap=0)
    doc = parse(page)
    svgs = svg_parts(page)
    assert doc.find("html").get("lang") == "uz-Cyrl"
    assert "Кодлаш ишончлилиги ҳисоботи" in doc.find("title").text()
    report = {v.variable: v for v in assess(aset, cb).variables}
    # Tree levels and categories of the multiple choice, as assess() computed them.
    table = doc.find("table", id="details-table-target_group")
    shown = {
        tr.get("data-detail"): number(tr.find("td", data_key="alpha").get("data-value"))
        for tr in table.iter("tr")
        if "data-detail" in tr.attrs
    }
    expected = {d.label: d.alpha for d in report["target_group"].details}
    assert shown.keys() == expected.keys()
    assert all(close(shown[k], expected[k]) for k in expected)
    plotted = {g.get("data-key") for g in svg_groups(svgs["details-target_group"], "row")}
    assert plotted == {k for k, v in expected.items() if not np.isnan(v)}
    # Sets of codes in the coincidence matrix, labelled in Uzbek Cyrillic.
    set_codes = {
        c.get("data-row-code") for c in svg_groups(svgs["coincidence-target_group"], "cell")
    }
    assert "[muslims, uzbeks]" in set_codes
    uzbeks = cb.variable("target_group").category("uzbeks").label["uz-Cyrl"]
    labels = " ".join(t.text or "" for t in svgs["coincidence-target_group"].iter(f"{SVG}text"))
    assert uzbeks[:6] in labels
    # Nominal stance: the coincidences counted by hand, categories in codebook order.
    counted = coincidences(records(rows, "stance"))
    cells = {
        (c.get("data-row-code"), c.get("data-col-code")): number(c.get("data-value"))
        for c in svg_groups(svgs["coincidence-stance"], "cell")
    }
    assert cells == pytest.approx({key: counted.get(key, 0.0) for key in cells})
    assert {key for key, value in cells.items() if value} == set(counted)
    order = [c.get("data-row-code") for c in svg_groups(svgs["coincidence-stance"], "cell")]
    assert list(dict.fromkeys(order)) == list(cb.variable("stance").codes)
    # Variables nobody coded are listed once, not given sections.
    uncoded = {n.get("data-uncoded") for n in doc.find_all("span") if "data-uncoded" in n.attrs}
    assert "severity" in uncoded
    assert "hate_speech" not in uncoded
    assert not doc.find_all("section", id="var-severity")


def test_two_coders_have_no_leave_one_out_but_a_pair() -> None:
    cb = load_codebook(MINIMAL)
    rows = [r for r in pilot_rows(units=15) if r["coder_id"] in ("ana", "bek")]
    page = build_report(_annotations(rows, cb), cb, bootstrap=0)
    doc = parse(page)
    section = doc.find("section", id="var-relevant")
    assert "Needs at least three coders." in section.text()
    assert "loo-relevant" not in svg_parts(page)
    (cell_a, cell_b) = svg_groups(svg_parts(page)["pairwise-relevant"], "cell")
    assert cell_a.get("data-value") == cell_b.get("data-value")


# --- a real browser ----------------------------------------------------------------------------


def test_a_missing_chromium_fails_with_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(support, "CHROMIUM", Path("/nonexistent/chromium"))
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install chromium"):
        require_chromium()


class DevTools:
    """Chromium driven through its DevTools protocol over ``--remote-debugging-pipe``.

    Chromium reads commands from fd 3 and writes replies and events to fd 4, one JSON message
    per NUL-terminated chunk. Standard library only.
    """

    def __init__(self, profile: Path, width: int = 1280, height: int = 2000) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds() -> None:  # in the child: the pipe ends become fds 3 and 4
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [
                str(require_chromium()),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
            preexec_fn=wire_fds,
            close_fds=False,
            start_new_session=True,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        self.width, self.height = width, height

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], min(remaining, 0.5))
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    self.stderr.seek(0)
                    log = self.stderr.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"Chromium closed the DevTools pipe:\n{log}")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 60) -> dict[str, Any]:
        for seen in self.events:
            if seen["method"] == event:
                return seen
        deadline = time.monotonic() + timeout
        while True:
            message = self._read(deadline)
            if "method" in message:
                self.events.append(message)
                if message["method"] == event:
                    return message

    def settle(self, seconds: float = 0.5) -> None:
        """Collect the events that arrive within ``seconds`` (late console messages)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                message = self._read(deadline)
                if "method" in message:
                    self.events.append(message)
        except TimeoutError:
            pass

    def open(self, path: Path) -> str:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session: str = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.call(f"{domain}.enable", session=session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.call("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        self.wait_for("Page.loadEventFired")
        self.settle()
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        reply = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True},
            session=session,
        )
        assert "exceptionDetails" not in reply, reply
        return reply["result"].get("value")

    def screenshot(self, session: str, *, full_page: bool = False) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics", session=session)["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": self.width,
                "height": int(size["height"]),
                "scale": 1,
            }
        return base64.b64decode(
            self.call("Page.captureScreenshot", params, session=session)["data"]
        )

    def problems(self) -> list[str]:
        """Console calls, uncaught exceptions and browser log entries (all of them)."""
        out = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.consoleAPICalled":
                args = " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
                out.append(f"console.{params['type']}: {args}")
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                description = details.get("exception", {}).get("description", "")
                out.append(f"exception: {details.get('text')} {description}")
            elif method == "Log.entryAdded":
                entry = params["entry"]
                out.append(f"log.{entry['level']}: {entry['text']} ({entry.get('url', '')})")
        return out

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e["method"] == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        try:
            if self.process.poll() is None:
                with contextlib.suppress(OSError, RuntimeError, TimeoutError):
                    self.call("Browser.close")
                self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)  # the group of the browser we started
            self.process.wait(timeout=15)
        finally:
            os.close(self._to_browser)
            os.close(self._from_browser)
            self.stderr.close()


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def png_pixels(data: bytes) -> bytes:
    """The decompressed image data (filter bytes included) of a PNG."""
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return zlib.decompress(idat)


def assert_nontrivial_png(data: bytes, width: int, height: int) -> None:
    assert png_size(data) == (width, height)
    pixels = png_pixels(data)
    assert len(data) > 30_000, f"suspiciously small screenshot ({len(data)} bytes)"
    assert len(set(pixels)) > 64, "the screenshot is (nearly) one colour"
    # Not a blank page: a good share of the pixel bytes are not white.
    sample = pixels[:: max(1, len(pixels) // 200_000)]
    assert sum(b < 0xF0 for b in sample) > len(sample) // 50


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    tools = DevTools(tmp_path / "profile")
    try:
        yield tools
    finally:
        tools.close()


def test_the_page_renders_in_chromium_without_errors_or_requests(
    built: Built, browser: DevTools, tmp_path: Path
) -> None:
    artifacts = artifacts_dir(tmp_path)
    page = artifacts / "report.html"
    shutil.copyfile(built.output, page)
    session = browser.open(page)
    state = browser.evaluate(
        session,
        """JSON.stringify({
            lang: document.documentElement.lang,
            title: document.title,
            svgs: Array.from(document.querySelectorAll('svg')).map(
                s => [s.id, Math.round(s.getBoundingClientRect().width)]),
            xss: typeof window.__xss,
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            tables: document.querySelectorAll('details table').length,
        })""",
    )
    state = json.loads(state)
    assert browser.problems() == []
    assert browser.requests() == [page.resolve().as_uri()], "only the page itself is loaded"
    assert state["lang"] == "ru"
    assert state["xss"] == "undefined"
    assert state["overflow"] <= 0, "the page scrolls sideways at 1280 px"
    assert {ident for ident, _ in state["svgs"]} == set(built.svgs)
    assert all(width > 100 for _, width in state["svgs"]), state["svgs"]
    assert state["tables"] >= len(built.svgs)

    shot = browser.screenshot(session)
    (artifacts / "report.png").write_bytes(shot)
    assert_nontrivial_png(shot, 1280, 2000)
    full = browser.screenshot(session, full_page=True)
    (artifacts / "report-full.png").write_bytes(full)
    width, height = png_size(full)
    assert width == 1280
    assert height > 2000


def test_the_browser_harness_catches_errors_and_requests(browser: DevTools, tmp_path: Path) -> None:
    """The check above can fail: a broken page shows up in every channel it watches."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>broken</title></head>"
        "<body><p>broken</p><img src='http://127.0.0.1:9/x.png' alt=''>"
        "<script>console.error('boom'); undefined_function();</script></body></html>",
        encoding="utf-8",
    )
    browser.open(page)
    problems = browser.problems()
    assert any(p.startswith("console.error: boom") for p in problems), problems
    assert any(p.startswith("exception:") and "undefined_function" in p for p in problems)
    assert "http://127.0.0.1:9/x.png" in browser.requests()


def test_headless_screenshot_from_the_command_line(built: Built, tmp_path: Path) -> None:
    """The plain ``--screenshot`` route (no DevTools): no console errors on stderr."""
    artifacts = artifacts_dir(tmp_path)
    shot = artifacts / "report-cli.png"
    shot.unlink(missing_ok=True)
    proc = subprocess.run(
        [
            str(require_chromium()),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            built.output.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [
        line
        for line in proc.stderr.splitlines()
        if "Uncaught" in line or ":CONSOLE" in line or "Refused to" in line
    ]
    assert console == []
    assert_nontrivial_png(shot.read_bytes(), 1280, 2000)
