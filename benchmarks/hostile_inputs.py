"""Linear time on small hostile inputs: how each guarded path scales when its input grows 4x.

    python benchmarks/hostile_inputs.py [--runs N]

For each input shape that once took quadratic time, the median time at size n and at 4n (same
run, same machine) and their ratio: about 4 is linear, about 16 quadratic. The peer is the same
code on the smaller input, so a noisy machine moves both sides alike.

* marker terms: validating a codebook whose one marker lists n distinct terms (the uniqueness
  check of lists compared every term with every earlier one: 100,000 terms took about 2 minutes);
* label config: reading the codebook mark of a config from the server that is n bytes of "@"
  (the pattern tried every split point: 120 KB took about 90 s);
* languages slip: a codebook whose ``languages`` names a country code (one pass over the fields);
* wide coders: a wide sheet of one unit and n coders (the check for a coder's second column
  counted each coder in the list of all: 10^6 coders, a 12 MB file, ran for minutes);
* unknown variables: n records naming n distinct variables a codebook of 20,000 variables does
  not have (each "did you mean" compared the name with every variable: 2,000 took 80 s; only
  the first few get one now).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import attrs

from intercoder.annotations import Annotation, AnnotationSet, check_annotations
from intercoder.codebook.validate import parse_codebook
from intercoder.errors import CodebookError
from intercoder.formats.tabular import WideCsv
from intercoder.studio.labelconfig import codebook_of

MINIMAL = (Path(__file__).parent.parent / "tests" / "data" / "minimal.yaml").read_text("utf-8")


def marker_terms(n: int) -> Callable[[], object]:
    terms = ", ".join(f"t{i}x" for i in range(n))
    text = MINIMAL.replace("terms: [дунган, узбек]", f"terms: [{terms}]").encode("utf-8")
    return lambda: parse_codebook(text, "terms.yaml")


def label_config(n: int) -> Callable[[], object]:
    config = "<View><!-- intercoder codebook: " + "@" * n + "</View>"
    return lambda: codebook_of(config)


def languages_slip(n: int) -> Callable[[], object]:
    variables = "".join(
        f"  - id: v{i}\n    type: text\n    label: {{en: V, ru: В}}\n"
        f"    definition: {{en: D, ru: Д}}\n"
        for i in range(n)
    )
    text = (
        MINIMAL.replace("languages: [en, ru]", "languages: [en, kg]").replace(
            "variables:\n", "variables:\n" + variables, 1
        )
    ).encode("utf-8")

    def run() -> object:
        try:
            return parse_codebook(text, "slip.yaml")
        except CodebookError as exc:
            return exc

    return run


def wide_coders(n: int) -> Callable[[], object]:
    folder = Path(tempfile.mkdtemp(prefix="hostile-wide-"))
    path = folder / "relevant.wide.csv"
    coders = ",".join(f"c{i}" for i in range(n))
    path.write_text(f"unit_id,{coders}\nu1" + ",yes" * n + "\n", encoding="utf-8")
    return lambda: WideCsv().read(path)


def unknown_variables(n: int, variables: int = 20_000) -> Callable[[], object]:
    book, _ = parse_codebook(MINIMAL.encode("utf-8"), "minimal.yaml")
    template = book.variables[0]
    many = tuple(attrs.evolve(template, id=f"variable_{i:05d}") for i in range(variables))
    book = attrs.evolve(book, variables=many)
    records = AnnotationSet.from_records(
        Annotation("u1", "ana", f"varaible_{i:05d}x", "yes") for i in range(n)
    )
    return lambda: check_annotations(records, book)


def median(run: Callable[[], object], runs: int) -> float:
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cases = [
        ("marker terms", marker_terms, 25_000),
        ("label config", label_config, 30_000),
        ("languages slip", languages_slip, 500),
        ("wide coders", wide_coders, 250_000),
        ("unknown vars", unknown_variables, 500),
    ]
    print(f"{'input':<16} {'n':>8} {'t(n) s':>10} {'t(4n) s':>10} {'ratio':>7}  (4 = linear)")
    for name, make, n in cases:
        small = median(make(n), args.runs)
        large = median(make(4 * n), args.runs)
        print(f"{name:<16} {n:>8} {small:>10.4f} {large:>10.4f} {large / small:>7.1f}")


if __name__ == "__main__":
    main()
