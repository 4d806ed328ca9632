"""Input forms, degenerate data, diagnostics, inference and unitizing alpha.

Inference and unitizing are checked against brute-force implementations written here
(recomputing alpha on explicitly resampled / reduced data; comparing every position of a
continuum), not against stored numbers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from intercoder import agreement
from intercoder.agreement import DegenerateDataWarning, ReliabilityData

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", sect. C (4 x 12, missing).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _quiet_alpha(data: object, level: str = "nominal") -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        return agreement.alpha(data, level)


# ---------------------------------------------------------------------- input forms
def test_every_input_form_gives_the_same_alpha() -> None:
    matrix = KRIPPENDORFF_2011
    expected = agreement.alpha(matrix)
    arr = np.array([[np.nan if v is None else v for v in row] for row in matrix])
    records = [
        (u, c, v) for c, row in enumerate(matrix) for u, v in enumerate(row) if v is not None
    ]
    wide = pd.DataFrame({f"coder{c}": row for c, row in enumerate(matrix)})
    long = pd.DataFrame(records, columns=["unit", "coder", "value"])
    counts = ReliabilityData.from_matrix(matrix).value_counts()
    forms = [
        arr,
        ReliabilityData.from_records(records),
        ReliabilityData.from_dataframe(wide),
        ReliabilityData.from_dataframe(long, unit="unit", coder="coder", value="value"),
        ReliabilityData.from_counts(counts, categories=[1, 2, 3, 4, 5]),
    ]
    for form in forms:
        assert agreement.alpha(form) == pytest.approx(expected, abs=1e-12)
        assert agreement.fleiss_kappa(form) == pytest.approx(
            agreement.fleiss_kappa(matrix), abs=1e-12
        )


def test_dataframe_passed_directly_is_refused() -> None:
    with pytest.raises(TypeError, match="from_dataframe"):
        agreement.alpha(pd.DataFrame({"a": [1, 2]}))


def test_contingency_table_equals_matrix_form() -> None:
    table = [[5, 2, 0], [1, 7, 3], [0, 1, 6]]
    a, b = [], []
    for i, row in enumerate(table):
        for j, n in enumerate(row):
            a += [i] * n
            b += [j] * n
    rd = ReliabilityData.from_contingency(table)
    for w in (None, "linear", "quadratic"):
        assert agreement.cohen_kappa(rd, w) == pytest.approx(agreement.cohen_kappa([a, b], w))
    assert agreement.alpha(rd, "ordinal") == pytest.approx(agreement.alpha([a, b], "ordinal"))


def test_declared_categories_count_for_q_and_reject_unknown_values() -> None:
    data = [["a", "a", "b"], ["a", "b", "b"]]
    bp_observed = agreement.brennan_prediger(data)
    bp_declared = agreement.brennan_prediger(
        ReliabilityData.from_matrix(data, categories=["a", "b", "c", "d"])
    )
    assert bp_declared > bp_observed  # 1/q smaller with q = 4
    with pytest.raises(ValueError, match="outside"):
        ReliabilityData.from_matrix(data, categories=["a"])
    with pytest.raises(ValueError, match="ordinal"):
        agreement.alpha(data, "ordinal")
    with pytest.raises(TypeError, match="numeric"):
        agreement.alpha(data, "interval")


def test_records_reject_duplicates_and_keep_silent_coders() -> None:
    with pytest.raises(ValueError, match="more than one record"):
        ReliabilityData.from_records([(1, "ann", "a"), (1, "ann", "b")])
    rd = ReliabilityData.from_records(
        [(1, "ann", "a"), (1, "bob", "a")], coders=["ann", "bob", "cy"]
    )
    assert rd.n_coders == 3


def test_set_values_are_order_insensitive_and_custom_distance_works() -> None:
    a = [[{"x", "y"}, {"x"}, set()], [["y", "x"], ["x"], []]]
    assert agreement.alpha(a, "masi") == pytest.approx(1.0)
    assert agreement.alpha(a, "nominal") == pytest.approx(1.0)
    data = [[1, 2, 3, 4, 5], [1, 2, 4, 4, 5], [2, 2, 3, 4, 4]]
    # A callable equal to the interval metric gives interval alpha.
    assert agreement.alpha(data, lambda p, q: (p - q) ** 2) == pytest.approx(
        agreement.alpha(data, "interval")
    )


def test_a_distance_callable_that_is_not_finite_names_the_first_pair() -> None:
    data = [[1, 2, 3, 4, 5], [1, 2, 4, 4, 5]]

    def distance(p: float, q: float) -> float:
        return float("inf") if {p, q} in ({3, 5}, {2, 4}) else float(abs(p - q))

    with pytest.raises(ValueError, match=r"^distance\(2, 4\) is not finite$"):
        agreement.alpha(data, distance)


# ---------------------------------------------------------------------- degenerate data
@pytest.mark.parametrize(
    ("data", "why"),
    [
        ([[1, 1, 1], [1, 1, 1]], "no variation"),
        ([[1, 2, 3]], "1 coder"),
        ([[1, None, 3], [None, 2, None]], "no pairable"),
        ([[None, None]], "no pairable"),
    ],
)
def test_degenerate_alpha_is_nan_with_a_warning(data: list, why: str) -> None:
    with pytest.warns(DegenerateDataWarning):
        value = agreement.alpha(data)
    assert np.isnan(value)
    with pytest.warns(DegenerateDataWarning):
        res = agreement.alpha_bootstrap(data, n_resamples=10, seed=1)
    assert np.isnan(res.alpha)
    assert np.isnan(res.ci_low)
    assert np.isnan(res.q)


def test_degenerate_kappas_are_nan_with_a_warning() -> None:
    same = [[1, 1, 1], [1, 1, 1]]
    for fn in (
        agreement.cohen_kappa,
        agreement.fleiss_kappa,
        agreement.scott_pi,
        agreement.gwet_ac1,
        agreement.brennan_prediger,
        agreement.conger_kappa,
    ):
        with pytest.warns(DegenerateDataWarning):
            assert np.isnan(fn(same))
    with pytest.warns(DegenerateDataWarning):
        assert np.isnan(agreement.percent_agreement([[1, None], [None, 2]]))


def test_regular_data_emit_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        agreement.alpha(KRIPPENDORFF_2011, "ordinal")
        agreement.gwet_ac1(KRIPPENDORFF_2011)
        agreement.alpha_bootstrap(KRIPPENDORFF_2011, n_resamples=100, seed=0)


# ---------------------------------------------------------------------- diagnostics
def test_category_alpha_equals_binary_recoding() -> None:
    per_cat = agreement.category_alpha(KRIPPENDORFF_2011)
    for cat, value in per_cat.items():
        recoded = [[None if v is None else int(v == cat) for v in row] for row in KRIPPENDORFF_2011]
        assert value == pytest.approx(agreement.alpha(recoded), abs=1e-12)


def test_pairwise_and_leave_one_coder_out_match_direct_computation() -> None:
    data = KRIPPENDORFF_2011
    pw = agreement.pairwise_agreement(data, "alpha", level="interval")
    assert pw.matrix[0, 1] == pytest.approx(agreement.alpha([data[0], data[1]], "interval"))
    pct = agreement.pairwise_agreement(data)
    both = [
        (a, b) for a, b in zip(data[2], data[3], strict=True) if a is not None and b is not None
    ]
    assert pct.matrix[2, 3] == pytest.approx(np.mean([a == b for a, b in both]))
    assert pct.n_units[2, 3] == len(both)
    delta = agreement.leave_one_coder_out(data, "ordinal")
    full = agreement.alpha(data, "ordinal")
    for coder, d in delta.items():
        rest = [row for i, row in enumerate(data) if i != coder]
        assert d == pytest.approx(agreement.alpha(rest, "ordinal") - full, abs=1e-12)


def test_rank_units_puts_the_most_disputed_first() -> None:
    ranked = agreement.rank_units(KRIPPENDORFF_2011, "nominal")
    assert ranked[0].unit == 5  # values 1, 2, 3, 4: every pair disagrees
    assert ranked[0].observed == pytest.approx(1.0)
    assert ranked[0].values == {1: 1, 2: 1, 3: 1, 4: 1}
    assert ranked[-1].observed == 0.0
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert len(agreement.rank_units(KRIPPENDORFF_2011, top=3)) == 3


# ---------------------------------------------------------------------- inference
def _random_data(seed: int, coders: int = 3, units: int = 40, values: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, values, units)
    data = np.where(
        rng.random((coders, units)) < 0.7, truth, rng.integers(0, values, (coders, units))
    )
    out = data.astype(float)
    out[rng.random(out.shape) < 0.1] = np.nan
    out[:, (~np.isnan(out)).sum(axis=0) < 2] = 1.0  # keep every unit pairable
    return out


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_unit_bootstrap_equals_brute_force_resampling(level: str) -> None:
    data = _random_data(1)
    n_units = data.shape[1]
    res = agreement.alpha_bootstrap(data, level, n_resamples=25, seed=42, method="units")
    picks = np.random.default_rng(42).integers(0, n_units, size=(25, n_units))
    brute = [_quiet_alpha(data[:, p], level) for p in picks]
    brute = [0.0 if np.isnan(b) else b for b in brute]  # no-variation resamples count as 0
    assert np.allclose(res.distribution, brute, atol=1e-9)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_jackknife_equals_brute_force(level: str) -> None:
    data = _random_data(2)
    res = agreement.alpha_jackknife(data, level)
    brute = np.array(
        [agreement.alpha(np.delete(data, u, axis=1), level) for u in range(data.shape[1])]
    )
    assert np.allclose(res.replicates, brute, atol=1e-9)
    k = brute.shape[0]
    assert res.se == pytest.approx(np.sqrt((k - 1) / k * np.sum((brute - brute.mean()) ** 2)))


def test_krippendorff_bootstrap_moments_and_reproducibility() -> None:
    """Hayes & Krippendorff (2007): each resample's mean delta over M pairs drawn from o_ck/n
    has expectation D_o, so the bootstrapped alphas centre on alpha with variance
    Var(delta) / (M D_e^2)."""
    data = _random_data(3, coders=4, units=200)
    res = agreement.alpha_bootstrap(data, "interval", n_resamples=20_000, seed=7)
    again = agreement.alpha_bootstrap(data, "interval", n_resamples=20_000, seed=7)
    assert np.array_equal(res.distribution, again.distribution)
    other = agreement.alpha_bootstrap(data, "interval", n_resamples=20_000, seed=8)
    assert not np.array_equal(res.distribution, other.distribution)
    cm = agreement.coincidence_matrix(data)
    labels = np.asarray(cm.labels, dtype=float)
    delta = (labels[:, None] - labels[None, :]) ** 2
    p = cm.matrix / cm.matrix.sum()
    var_delta = float(np.sum(p * delta**2) - np.sum(p * delta) ** 2)
    d_e = agreement.alpha_result(data, "interval").expected_disagreement
    sd = np.sqrt(var_delta / (res.n_draws * d_e**2))
    assert res.distribution.mean() == pytest.approx(res.alpha, abs=4 * sd / np.sqrt(20_000))
    assert res.distribution.std() == pytest.approx(sd, rel=0.05)
    assert res.n_draws == int(np.sum([m * (m - 1) // 2 for m in (~np.isnan(data)).sum(0)]))
    assert res.ci_low < res.alpha < res.ci_high
    assert res.q == pytest.approx(np.mean(res.distribution < 0.8))


def test_bootstrap_q_grows_with_min_alpha() -> None:
    qs = [
        agreement.alpha_bootstrap(KRIPPENDORFF_2011, n_resamples=2000, seed=1, min_alpha=m).q
        for m in (0.5, 0.667, 0.8, 0.9)
    ]
    assert qs == sorted(qs)


def test_kappa_inference_result_fields() -> None:
    res = agreement.kappa_inference(KRIPPENDORFF_2011, "conger_kappa", weights="quadratic")
    assert res.weights == "quadratic"
    assert res.n_units == 12
    assert res.n_coders == 4
    assert res.ci_low < res.value <= res.ci_high <= 1.0
    assert set(res.as_dict()) >= {"value", "se", "ci_low", "ci_high"}


# ---------------------------------------------------------------------- unitizing alpha
def _brute_unitizing(
    segments: list[tuple], begin: int, end: int, coders: list, binary: bool
) -> float:
    """u-alpha by comparing every position (Krippendorff et al. 2016, eqs. 1, 4, 5a).

    Observed: for every position and ordered pair of coders, one coincidence of their values
    (0 = gap) / (m - 1). Expected: every ordered pair of distinct (coder, position) atoms,
    except two atoms of the same unit, pairs at random.
    """
    m = len(coders)
    cats = sorted({s[3] for s in segments})
    cat_id = {c: i + 1 for i, c in enumerate(cats)}
    positions = list(range(begin, end))
    label = {}
    section = {}
    for ci, coder in enumerate(coders):
        for p in positions:
            label[ci, p] = 0
            section[ci, p] = ("gap", ci, p)  # gaps are divisible into atoms
        for sid, (c, s, e, k) in enumerate(segments):
            if c == coder:
                for p in range(s, e):
                    label[ci, p] = cat_id[k]
                    section[ci, p] = ("unit", sid)
    v = len(cats) + 1
    obs = np.zeros((v, v))
    for p in positions:
        for i in range(m):
            for j in range(m):
                if i != j:
                    obs[label[i, p], label[j, p]] += 1.0 / (m - 1)
    atoms = list(label)
    pair_counts = np.zeros((v, v))
    for a in atoms:
        for b in atoms:
            if a != b and section[a] != section[b]:
                pair_counts[label[a], label[b]] += 1
    total = m * (end - begin)
    exp = total * pair_counts / pair_counts.sum()
    if binary:
        return 1.0 - obs[0, 1:].sum() / exp[0, 1:].sum()
    return 1.0 - (total - np.trace(obs)) / (total - np.trace(exp))


def _random_segments(rng: np.random.Generator, coders: list, length: int) -> list[tuple]:
    segs = []
    for c in coders:
        pos = 0
        while pos < length:
            pos += int(rng.integers(0, 4))
            width = int(rng.integers(1, 6))
            if pos + width > length:
                break
            segs.append((c, pos, pos + width, str(rng.choice(["a", "b", "c"]))))
            pos += width
    return segs


@pytest.mark.parametrize("seed", range(12))
def test_unitizing_alpha_equals_position_by_position_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    coders = ["ann", "bob", "cy"][: int(rng.integers(2, 4))]
    length = int(rng.integers(8, 22))
    segs = _random_segments(rng, coders, length)
    if not segs:
        return
    for variant, binary in (("u", False), ("binary", True)):
        expected = _brute_unitizing(segs, 0, length, coders, binary)
        got = agreement.unitizing_alpha(
            segs,
            begin=0,
            end=length,
            coders=coders,
            variant=variant,  # type: ignore[arg-type]
        )
        assert got == pytest.approx(expected, abs=1e-12)


def test_unitizing_alpha_perfect_and_degenerate() -> None:
    segs = [(c, s, e, k) for c in ("a", "b") for s, e, k in ((2, 5, "x"), (9, 14, "y"))]
    assert agreement.unitizing_alpha(segs, begin=0, end=20) == pytest.approx(1.0)
    with pytest.warns(DegenerateDataWarning):
        assert np.isnan(agreement.unitizing_alpha(segs[:2], begin=0, end=20))
    with pytest.warns(DegenerateDataWarning):
        assert np.isnan(agreement.unitizing_alpha([], begin=0, end=5, coders=["a", "b"]))
    with pytest.raises(ValueError, match="overlapping"):
        agreement.unitizing_alpha(
            [("a", 0, 5, "x"), ("a", 3, 6, "y"), ("b", 0, 5, "x")], begin=0, end=9
        )
