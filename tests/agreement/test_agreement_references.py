"""Side-by-side checks against independent implementations, on random data (Hypothesis).

* ``krippendorff`` 0.9 (GPL; tests and benchmarks only): alpha at every level, missing data,
  string values, to 1e-9.
* statsmodels: ``fleiss_kappa`` (complete data) and ``cohens_kappa`` (weighted too).
* irrCAC 0.4.4 (Gwet's own package): Fleiss, Conger, AC1/AC2, Brennan-Prediger with missing
  ratings, values and standard errors; its two-rater table functions for Cohen and Scott.
* NLTK ``AnnotationTask``: alpha (nominal, MASI, Jaccard), S, pi, kappa, average agreement.
"""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from intercoder import agreement
from intercoder.agreement import DegenerateDataWarning, ReliabilityData

from strategies import matrices
from support import requires_irrcac

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ours(data: object, level: str, categories: list | None = None) -> float:
    rd = ReliabilityData.from_matrix(data, categories=categories)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        return agreement.alpha(rd, level)


def _kripp(matrix: list[list], level: str, domain: list | None = None) -> float:
    arr = np.array([[np.nan if v is None else v for v in row] for row in matrix], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(krippendorff.alpha(arr, level_of_measurement=level, value_domain=domain))
        except ValueError:  # krippendorff refuses degenerate data we report as nan
            return float("nan")


@SETTINGS
@given(matrices(), st.sampled_from(["nominal", "ordinal", "interval", "ratio"]))
def test_alpha_equals_krippendorff_package(matrix: list[list], level: str) -> None:
    values = {v for row in matrix for v in row if v is not None}
    if level == "ratio":
        assume(all(v >= 0 for v in values))
    ours = _ours(matrix, level)
    try:
        theirs = _kripp(matrix, level)
    except (ValueError, ZeroDivisionError):
        theirs = float("nan")  # krippendorff refuses single-value domains
    if np.isnan(ours):
        # Undefined for us (no pairable values / no variation): 0/0 (or a refusal) there.
        assert np.isnan(theirs) or len(values) <= 1
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


@SETTINGS
@given(matrices(strings=True), st.sampled_from(["nominal", "ordinal", "interval"]))
def test_alpha_with_string_values_equals_krippendorff(matrix: list[list], level: str) -> None:
    domain = ["a", "b", "c", "d", "e", "f"]
    if level == "interval":
        # Interval on strings: krippendorff's value_domain gives the interval scores 0..5 by
        # position - the same as declaring the integer ranks.
        rank = {v: i for i, v in enumerate(domain)}
        as_ranks = [[None if v is None else rank[v] for v in row] for row in matrix]
        ours = _ours(as_ranks, level, categories=list(range(6)))
        theirs = _kripp(as_ranks, level, list(range(6)))
    else:
        ours = _ours(matrix, level, categories=domain)
        arr = np.array([["nan" if v is None else v for v in row] for row in matrix])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                theirs = float(
                    krippendorff.alpha(arr, level_of_measurement=level, value_domain=domain)
                )
            except ValueError:
                theirs = float("nan")
    if np.isnan(ours):
        assert np.isnan(theirs)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


def test_alpha_numpy_string_array_nan_is_missing() -> None:
    """numpy turns NaN into "nan" in a string array: it stays missing."""
    arr = np.array([["a", "b", np.nan, "a"], ["a", "b", "b", np.nan]])
    assert agreement.alpha(arr) == pytest.approx(
        krippendorff.alpha(arr, level_of_measurement="nominal", value_domain=["a", "b"])
    )


def test_alpha_large_random_float_data_matches() -> None:
    rng = np.random.default_rng(7)
    data = rng.normal(10.0, 3.0, size=(4, 400)).round(1)
    data[rng.random(data.shape) < 0.2] = np.nan
    for level in ("nominal", "ordinal", "interval", "ratio"):
        expected = krippendorff.alpha(np.abs(data), level_of_measurement=level)
        assert agreement.alpha(np.abs(data), level) == pytest.approx(expected, abs=1e-9)


# ---------------------------------------------------------------------- statsmodels
@settings(max_examples=80, deadline=None)
@given(
    st.integers(2, 8),
    st.integers(2, 30),
    st.integers(2, 5),
    st.randoms(use_true_random=False),
)
def test_fleiss_equals_statsmodels(raters: int, units: int, cats: int, rnd: object) -> None:
    from statsmodels.stats.inter_rater import fleiss_kappa

    rng = np.random.default_rng(rnd.randint(0, 2**32))  # type: ignore[attr-defined]
    table = np.array([rng.multinomial(raters, rng.dirichlet(np.ones(cats))) for _ in range(units)])
    rd = ReliabilityData.from_counts(table)
    assume(np.count_nonzero(table.sum(axis=0)) >= 2)
    assert agreement.fleiss_kappa(rd) == pytest.approx(fleiss_kappa(table), abs=1e-9)
    # Brennan-Prediger is statsmodels' "randolph" (uniform) method.
    assert agreement.brennan_prediger(rd) == pytest.approx(
        fleiss_kappa(table, method="randolph"), abs=1e-9
    )


@pytest.mark.parametrize("wt", [None, "linear", "quadratic"])
def test_cohen_equals_statsmodels(wt: str | None) -> None:
    from statsmodels.stats.inter_rater import cohens_kappa

    rng = np.random.default_rng(3)
    for _ in range(30):
        q = int(rng.integers(2, 6))
        table = rng.integers(0, 9, size=(q, q)) + np.diag(rng.integers(0, 12, size=q))
        rd = ReliabilityData.from_contingency(table)
        res = cohens_kappa(table, wt=wt) if wt else cohens_kappa(table)
        assert agreement.cohen_kappa(rd, wt) == pytest.approx(res.kappa, abs=1e-9)


# ---------------------------------------------------------------------- irrCAC
def _irr_frame(matrix: list[list]) -> pd.DataFrame:
    return pd.DataFrame(
        {f"r{i}": [np.nan if v is None else v for v in row] for i, row in enumerate(matrix)}
    )


@requires_irrcac
@settings(max_examples=60, deadline=None)
@given(
    matrices(max_coders=5),
    st.sampled_from(["identity", "linear", "quadratic"]),
)
def test_raw_coefficients_equal_irrcac(matrix: list[list], weights: str) -> None:
    from irrCAC.raw import CAC

    assume(len(matrix) >= 2)
    rd = ReliabilityData.from_matrix(matrix)
    frame = _irr_frame(matrix)
    assume(frame.dropna(how="all").shape[0] >= 2)
    assume(rd.n_categories >= 2)
    cac = CAC(frame, weights=weights, categories=list(rd.categories), digits=12)
    pairs = [
        ("fleiss_kappa", cac.fleiss),
        ("gwet_ac2", cac.gwet),
        ("brennan_prediger", cac.bp),
        ("conger_kappa", cac.conger),
    ]
    for name, fn in pairs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = agreement.kappa_inference(rd, name, weights=weights)  # type: ignore[arg-type]
            try:
                est = fn()["est"]
            except (ZeroDivisionError, ValueError, FloatingPointError):
                continue
        if np.isnan(ours.value) or not np.isfinite(est["coefficient_value"]):
            continue
        assert ours.value == pytest.approx(est["coefficient_value"], abs=1e-9), name
        if est["se"] > 1e-12:
            assert ours.se == pytest.approx(est["se"], abs=1e-9), name


@requires_irrcac
@pytest.mark.parametrize("weights", ["identity", "linear", "quadratic"])
def test_two_rater_tables_equal_irrcac(weights: str) -> None:
    from irrCAC.table import CAC

    rng = np.random.default_rng(11)
    for _ in range(20):
        q = int(rng.integers(2, 6))
        table = rng.integers(0, 9, size=(q, q)) + np.diag(rng.integers(1, 12, size=q))
        rd = ReliabilityData.from_contingency(table)
        cac = CAC(pd.DataFrame(table), weights=weights, digits=12)
        cohen = agreement.kappa_inference(rd, "cohen_kappa", weights=weights)
        est = cac.cohen()["est"]
        assert cohen.value == pytest.approx(est["coefficient_value"], abs=1e-9)
        assert cohen.se == pytest.approx(est["se"], abs=1e-9)
        assert agreement.scott_pi(rd, weights) == pytest.approx(
            cac.scott()["est"]["coefficient_value"], abs=1e-9
        )
        assert agreement.gwet_ac2(rd, weights) == pytest.approx(
            cac.gwet()["est"]["coefficient_value"], abs=1e-9
        )
        assert agreement.brennan_prediger(rd, weights) == pytest.approx(
            cac.bp()["est"]["coefficient_value"], abs=1e-9
        )
        assert agreement.percent_agreement(rd, weights) == pytest.approx(
            cac.pa2()["est"]["coefficient_value"], abs=1e-9
        )


def test_t_quantile_matches_scipy() -> None:
    from scipy import stats

    from intercoder.agreement._stats import t_ppf

    for df in (1, 2, 3, 7, 29, 120, 1000):
        for p in (0.9, 0.95, 0.975, 0.995, 0.025):
            assert t_ppf(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-8)


# ---------------------------------------------------------------------- NLTK
def _task(triples: list[tuple], distance: object | None = None) -> object:
    from nltk.metrics.agreement import AnnotationTask

    if distance is None:
        return AnnotationTask(data=triples)
    return AnnotationTask(data=triples, distance=distance)


def test_nltk_annotation_task_complete_data() -> None:
    rng = np.random.default_rng(5)
    for _ in range(25):
        coders, units = int(rng.integers(2, 5)), int(rng.integers(3, 25))
        matrix = rng.integers(0, 4, size=(coders, units)).tolist()
        assume_ok = len({v for r in matrix for v in r}) >= 2
        if not assume_ok:
            continue
        triples = [(f"c{c}", f"u{u}", matrix[c][u]) for c in range(coders) for u in range(units)]
        task = _task(triples)
        assert agreement.alpha(matrix) == pytest.approx(task.alpha(), abs=1e-9)
        assert agreement.brennan_prediger(matrix) == pytest.approx(task.S(), abs=1e-9)
        assert agreement.fleiss_kappa(matrix) == pytest.approx(task.pi(), abs=1e-9)
        assert agreement.percent_agreement(matrix) == pytest.approx(task.avg_Ao(), abs=1e-9)
        pairwise = agreement.pairwise_agreement(matrix, "cohen_kappa").matrix
        mean_kappa = np.nanmean(pairwise[np.triu_indices(coders, 1)])
        assert mean_kappa == pytest.approx(task.kappa(), abs=1e-9)


@pytest.mark.parametrize("level", ["masi", "jaccard"])
def test_set_valued_alpha_equals_nltk(level: str) -> None:
    from nltk.metrics.distance import jaccard_distance, masi_distance

    rng = np.random.default_rng(9)
    codes = ["hate", "insult", "threat", "irony"]
    for _ in range(20):
        coders, units = int(rng.integers(2, 4)), int(rng.integers(3, 15))
        matrix = [
            [
                frozenset(c for c in codes if rng.random() < 0.4) or frozenset({"hate"})
                for _ in range(units)
            ]
            for _ in range(coders)
        ]
        triples = [(c, u, matrix[c][u]) for c in range(coders) for u in range(units)]
        dist = masi_distance if level == "masi" else jaccard_distance
        task = _task(triples, dist)
        if len({v for r in matrix for v in r}) < 2:
            continue
        assert agreement.alpha(matrix, level) == pytest.approx(task.alpha(), abs=1e-9)
        # Lists are sets too, in any order.
        as_lists = [[sorted(v, reverse=True) for v in row] for row in matrix]
        assert agreement.alpha(as_lists, level) == pytest.approx(task.alpha(), abs=1e-9)
