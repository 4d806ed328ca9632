"""Published values reproduced by intercoder.agreement; every test names its source.

Published figures are printed to three decimals, so the tests compare ``round(x, 3)`` (or a
tolerance of half a unit in the last printed digit) - and every one can fail: nothing here is
fed back to the code.
"""

from __future__ import annotations

import numpy as np
import pytest

from intercoder import agreement
from intercoder.agreement import ReliabilityData

from support import requires_irrcac

NA = None

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
# Communication, sect. C: 4 observers x 12 units, values 1..5, with missing data.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_all_levels(level: str, published: float) -> None:
    """Krippendorff (2011), sect. C: alpha_nominal .743, ordinal .815, interval .849,
    ratio .797."""
    assert round(agreement.alpha(KRIPPENDORFF_2011, level=level), 3) == published


def test_krippendorff_2011_string_labels_with_declared_order() -> None:
    """Krippendorff (2011) again, the values as words: ordinal alpha .815 needs the order."""
    words = {1: "very low", 2: "low", 3: "mid", 4: "high", 5: "very high"}
    data = [[None if v is None else words[v] for v in row] for row in KRIPPENDORFF_2011]
    rd = ReliabilityData.from_matrix(data, categories=list(words.values()))
    assert round(agreement.alpha(rd, "ordinal"), 3) == 0.815
    assert round(agreement.alpha(data, "nominal"), 3) == 0.743


def test_krippendorff_2011_coincidence_matrix() -> None:
    """Krippendorff (2011), sect. C: the coincidence matrix has diagonal 7, 10, 8, 4, 3,
    o_12 = 4/3, margins n_c = 9, 13, 10, 5, 3 and n = 40 pairable values."""
    cm = agreement.coincidence_matrix(KRIPPENDORFF_2011)
    assert cm.labels == (1, 2, 3, 4, 5)
    assert np.allclose(np.diag(cm.matrix), [7, 10, 8, 4, 3])
    assert cm.matrix[0, 1] == pytest.approx(4 / 3)
    assert np.allclose(cm.matrix.sum(axis=1), [9, 13, 10, 5, 3])
    assert cm.n_pairable == 40


# Wikipedia, "Krippendorff's alpha", section "A computational example": 3 coders, 15 units.
WIKIPEDIA_ALPHA = [
    [NA, NA, NA, NA, NA, 3, 4, 1, 2, 1, 1, 3, 3, NA, 3],
    [1, NA, 2, 1, 3, 3, 4, 3, NA, NA, NA, NA, NA, NA, NA],
    [NA, NA, 2, 1, 3, 4, 4, NA, 2, 1, 1, 3, 3, NA, 4],
]


def test_wikipedia_krippendorff_alpha_example() -> None:
    """Wikipedia "Krippendorff's alpha", computational example: alpha_nominal = 0.691,
    alpha_interval = 0.811."""
    assert round(agreement.alpha(WIKIPEDIA_ALPHA, "nominal"), 3) == 0.691
    assert round(agreement.alpha(WIKIPEDIA_ALPHA, "interval"), 3) == 0.811


# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def test_wikipedia_fleiss_kappa_example() -> None:
    """Wikipedia "Fleiss' kappa" worked example: P-bar = 0.378, P-bar_e = 0.213,
    kappa = 0.210."""
    rd = ReliabilityData.from_counts(WIKIPEDIA_FLEISS)
    res = agreement.kappa_inference(rd, "fleiss_kappa")
    assert round(res.pa, 3) == 0.378
    assert round(res.pe, 3) == 0.213
    assert round(agreement.fleiss_kappa(rd), 3) == 0.210


# Fleiss (1971), "Measuring nominal scale agreement among many raters", Psychological
# Bulletin 76(5):378-382, Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses
# (depression, personality disorder, schizophrenia, neurosis, other).
FLEISS_1971 = [
    [0, 0, 0, 6, 0],
    [0, 3, 0, 0, 3],
    [0, 1, 4, 0, 1],
    [0, 0, 0, 0, 6],
    [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0],
    [0, 0, 4, 0, 2],
    [2, 0, 3, 1, 0],
    [2, 0, 0, 4, 0],
    [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0],
    [1, 1, 0, 4, 0],
    [0, 3, 3, 0, 0],
    [1, 0, 0, 5, 0],
    [0, 2, 0, 3, 1],
    [0, 0, 5, 0, 1],
    [3, 0, 0, 1, 2],
    [5, 1, 0, 0, 0],
    [0, 2, 0, 4, 0],
    [1, 0, 2, 0, 3],
    [0, 0, 0, 0, 6],
    [0, 1, 0, 5, 0],
    [0, 2, 0, 1, 3],
    [2, 0, 0, 4, 0],
    [1, 0, 0, 4, 1],
    [0, 5, 0, 1, 0],
    [4, 0, 0, 0, 2],
    [0, 2, 0, 4, 0],
    [1, 0, 5, 0, 0],
    [0, 0, 0, 0, 6],
]


def test_fleiss_1971_table_matches_independent_transcriptions() -> None:
    """The table above equals statsmodels' raw transcription of Fleiss (1971) (its test
    suite)."""
    from statsmodels.stats.inter_rater import aggregate_raters
    from statsmodels.stats.tests.test_inter_rater import diagnoses

    table, _ = aggregate_raters(diagnoses)
    assert np.array_equal(table, FLEISS_1971)


@requires_irrcac
def test_fleiss_1971_table_matches_irrcac() -> None:
    """irrCAC's ``distrib_6raters`` holds the first 15 subjects of the same table."""
    from irrCAC.datasets import distrib_6raters

    assert np.array_equal(distrib_6raters().to_numpy(), np.asarray(FLEISS_1971)[:15])


def test_fleiss_1971_kappa() -> None:
    """Fleiss (1971), p. 380: kappa = .430 for the 30 x 6 diagnoses."""
    assert round(agreement.fleiss_kappa(ReliabilityData.from_counts(FLEISS_1971)), 3) == 0.430


# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: the 4 raters x 12 subjects
# example (the same data as Krippendorff 2011) and the 100 pregnant women classified by two
# abstractors. Values as printed in the documentation of Gwet's irrCAC package (0.4.4).
GWET_ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]


def test_gwet_handbook_four_raters() -> None:
    """Gwet (2014) / irrCAC docs, 4 raters: AC1 = 0.77544 (se 0.14295, 95% CI 0.46081-1),
    Fleiss' kappa = 0.76117 (se 0.15302), AC2 with bipolar weights not used here."""
    ac1 = agreement.kappa_inference(KRIPPENDORFF_2011, "gwet_ac1")
    assert ac1.value == pytest.approx(0.77544, abs=5e-6)
    assert ac1.se == pytest.approx(0.14295, abs=5e-6)
    assert ac1.ci_low == pytest.approx(0.46081, abs=5e-6)
    assert ac1.ci_high == 1.0
    fk = agreement.kappa_inference(KRIPPENDORFF_2011, "fleiss_kappa")
    assert fk.value == pytest.approx(0.76117, abs=5e-6)
    assert fk.se == pytest.approx(0.15302, abs=5e-6)


def test_gwet_handbook_abstractors_ac1_ac2() -> None:
    """Gwet (2014) / irrCAC docs, pregnancy types by 2 abstractors: AC1 = 0.84933
    (se 0.04322, p_a 0.89, p_e 0.26992); AC2 quadratic = 0.94024 (se 0.01792)."""
    rd = ReliabilityData.from_contingency(GWET_ABSTRACTORS, categories=["Ectopic", "AIU", "NIU"])
    ac1 = agreement.kappa_inference(rd, "gwet_ac1")
    assert ac1.value == pytest.approx(0.84933, abs=5e-6)
    assert ac1.pa == pytest.approx(0.89)
    assert ac1.pe == pytest.approx(0.26992, abs=5e-6)
    assert agreement.gwet_ac2(rd, "quadratic") == pytest.approx(0.94024, abs=5e-6)


def test_wikipedia_cohen_kappa_example() -> None:
    """Wikipedia "Cohen's kappa", first example: 50 grant proposals, Yes/Yes 20, Yes/No 5,
    No/Yes 10, No/No 15: p_o = 0.7, p_e = 0.5, kappa = 0.4."""
    rd = ReliabilityData.from_contingency([[20, 5], [10, 15]], categories=["yes", "no"])
    res = agreement.kappa_inference(rd, "cohen_kappa")
    assert res.pa == pytest.approx(0.7)
    assert res.pe == pytest.approx(0.5)
    assert res.value == pytest.approx(0.4)


SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def test_sas_proc_freq_kappa_example() -> None:
    """SAS PROC FREQ AGREE output reproduced in statsmodels' test suite
    (``TestUnweightedCohens``/``TestWeightedCohens``): simple kappa 0.4842, ASE 0.1380;
    weighted kappa (Cicchetti-Allison, scores 0, 1, 2) 0.4701, ASE 0.1457."""
    rd = ReliabilityData.from_contingency(SAS_TABLE)
    simple = agreement.kappa_inference(rd, "cohen_kappa")
    assert round(simple.value, 4) == 0.4842
    assert round(simple.se, 4) == 0.1380
    weighted = agreement.kappa_inference(rd, "cohen_kappa", weights="linear")
    assert round(weighted.value, 4) == 0.4701
    assert round(weighted.se, 4) == 0.1457


# Anxiety ratings (20 subjects x 3 raters) from R's irr package, as transcribed in statsmodels'
# test suite together with the irr::kappa2() results for raters 2 and 3.


def test_irr_kappa2_anxiety() -> None:
    """R irr::kappa2(anxiety[, 2:3]): unweighted -0.006289308, "equal" (linear) weights
    0.1459075, "squared" (quadratic) weights 0.2520325 (statsmodels test_cohens_kappa_irr)."""
    from statsmodels.stats.tests.test_inter_rater import anxiety

    # irr treats ratings as factor levels: weights follow the levels' ranks (5 is never used,
    # so 4 and 6 are neighbours). Labels that are not numbers get rank weights here too;
    # numeric labels would get value weights, as in Gwet's software (tested elsewhere).
    data = [[str(v) for v in anxiety[:, 1]], [str(v) for v in anxiety[:, 2]]]
    assert agreement.cohen_kappa(data) == pytest.approx(-0.006289308, abs=5e-10)
    assert agreement.cohen_kappa(data, "linear") == pytest.approx(0.1459075, abs=5e-8)
    assert agreement.cohen_kappa(data, "quadratic") == pytest.approx(0.2520325, abs=5e-8)
