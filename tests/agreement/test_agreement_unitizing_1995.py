"""Krippendorff's (1995, 2004) per-category unitizing alpha: the published example.

Source: Krippendorff, K. (2004). Content Analysis (2nd ed.), sect. 12.4, the two-observer
example on p. 254: a continuum of 300 positions starting at 150, categories c and k. Published
(and reproduced by DKPro Statistics, an independent Java implementation, whose test suite gives
the same figures): category c D_o = .0144, D_e = .0532, alpha_c = .7286; category k D_o = 0,
D_e = .0490, alpha_k = 1; over both categories .8591 (DKPro, to +-.0005).
"""

from __future__ import annotations

import warnings

import pytest

from intercoder import agreement
from intercoder.agreement import DegenerateDataWarning

EXAMPLE = [
    ("i", 225, 295, "c"),
    ("i", 370, 400, "c"),
    ("j", 220, 300, "c"),
    ("j", 355, 375, "c"),
    ("j", 400, 420, "c"),
    ("i", 180, 240, "k"),
    ("i", 300, 350, "k"),
    ("j", 180, 240, "k"),
    ("j", 300, 350, "k"),
]


def test_krippendorff_2004_example() -> None:
    result = agreement.unitizing_alpha_by_category(EXAMPLE, begin=150, end=450)
    assert result.observed["c"] == pytest.approx(0.0144, abs=5e-5)
    assert result.expected["c"] == pytest.approx(0.0532, abs=5e-5)
    assert result.by_category["c"] == pytest.approx(0.7286, abs=5e-5)
    assert result.observed["k"] == 0
    assert result.expected["k"] == pytest.approx(0.0490, abs=5e-5)
    assert result.by_category["k"] == 1.0
    assert result.alpha == pytest.approx(0.8591, abs=5e-4)


def test_units_of_different_categories_may_overlap_but_not_of_one() -> None:
    # In the example coder i's k unit [180, 240) overlaps its c unit [225, 295): allowed.
    agreement.unitizing_alpha_by_category(EXAMPLE, begin=150, end=450)
    with pytest.raises(ValueError, match="overlapping 'c' units"):
        agreement.unitizing_alpha_by_category([*EXAMPLE, ("i", 290, 310, "c")], begin=150, end=450)


def test_identical_unitizing_is_perfect_and_one_coder_is_undefined() -> None:
    same = [(coder, s, e, cat) for coder in ("a", "b", "c") for _, s, e, cat in EXAMPLE[:2]]
    result = agreement.unitizing_alpha_by_category(same, begin=150, end=450)
    assert result.by_category == {"c": 1.0}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lonely = agreement.unitizing_alpha_by_category(EXAMPLE[:2], begin=150, end=450)
    assert lonely.alpha != lonely.alpha  # nan
    assert any(issubclass(w.category, DegenerateDataWarning) for w in caught)
