"""Krippendorff's alpha for unitizing a continuum (u-alpha), e.g. spans in a text.

Variant implemented: the ``u-alpha`` of Krippendorff, Mathet, Bouvry & Widloecher (2016), "On
the reliability of unitizing textual continua: Further developments", Quality & Quantity
50(6):2347-2364 (eqs. 1, 4, 5a), the coincidence-matrix form of the unitizing alpha of
Krippendorff (1995, Sociological Methodology 25) and Content Analysis (2004, sect. 12.4;
2013, 3rd ed.) - plus, as ``variant="binary"``, its ``|u-alpha`` (eq. 6: relevant matter vs
gaps, categories ignored). :func:`unitizing_alpha_by_category` is the older per-category
coefficient of Krippendorff (1995; 2004, sect. 12.4, the ``|cu-alpha`` of the book's example
on p. 254), in which every category is its own continuum of units and gaps.

Each coder partitions the continuum [begin, end) into sections: the coder's segments (units,
with a category) and the gaps between them (the "empty" value). With m coders, L = end - begin
and l.. = m L:

* observed coincidences l_ck = 1/(m-1) * sum over coder pairs i != j of the length of the
  overlap of i's sections valued c with j's sections valued k;
* expected coincidences e_ck = l.. (l_c. l_.k - [c = k] S_c) / (l..^2 - S), where S_c sums
  l_s^2 over the units of value c (a unit is indivisible: it cannot pair with itself at any
  position) and l_s over the gaps (gaps are divisible into their atoms), S = sum_c S_c;
* u-alpha = 1 - (l.. - sum_c l_cc) / (l.. - sum_c e_cc)  (nominal difference).

Positions are counts of atoms - characters, tokens, frames - so the gap term assumes an atom
of length 1; floats are accepted, but rescaling the positions changes the gap term.

The observed matrix is computed on the elementary intervals between all coders' boundaries,
O(s log s) for s segments, never position by position.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._warnings import warn_degenerate

__all__ = ["CategoryUnitizing", "unitizing_alpha", "unitizing_alpha_by_category"]


def unitizing_alpha(
    segments: Iterable[tuple[Hashable, float, float, Hashable]],
    *,
    begin: float,
    end: float,
    coders: Sequence[Hashable] | None = None,
    variant: Literal["u", "binary"] = "u",
) -> float:
    """Unitizing alpha (u-alpha) for segments of a continuum.

    Parameters
    ----------
    segments:
        ``(coder, start, end, category)`` tuples; ``end`` is exclusive and
        ``begin <= start < end <= end`` of the continuum. One coder's segments must not
        overlap (the u-alpha family partitions the continuum per coder).
    begin, end:
        The continuum, ``[begin, end)``; everything not inside a segment is a gap.
    coders:
        All coders, including any who marked nothing (they do not appear in ``segments``).
        Defaults to the coders seen in ``segments``, in order of appearance.
    variant:
        ``"u"`` (u-alpha, default) or ``"binary"`` (|u-alpha: units vs gaps).

    Returns ``nan`` with a :class:`DegenerateDataWarning` for fewer than two coders or when
    the expected disagreement is 0 (e.g. nobody marked anything).
    """
    if not end > begin:
        raise ValueError("the continuum needs end > begin")
    if variant not in ("u", "binary"):
        raise ValueError(f"unknown variant {variant!r}")
    coder_ids: dict[Hashable, int] = {c: i for i, c in enumerate(coders or ())}
    cat_ids: dict[Hashable, int] = {}
    rows: list[tuple[int, float, float, int]] = []
    for seg in segments:
        try:
            coder, start, stop, cat = seg
        except (TypeError, ValueError):
            raise ValueError(f"a segment is (coder, start, end, category), got {seg!r}") from None
        if coders is not None and coder not in coder_ids:
            raise ValueError(f"segment of unknown coder {coder!r}")
        if not begin <= start < stop <= end:
            raise ValueError(f"segment {seg!r} is empty or outside the continuum [{begin}, {end})")
        if cat is None:
            raise ValueError(f"segment {seg!r} has no category")
        ci = coder_ids.setdefault(coder, len(coder_ids))
        # Category 0 is the gap ("empty") value; units get 1..K.
        ki = cat_ids.setdefault(cat, len(cat_ids) + 1)
        rows.append((ci, float(start), float(stop), ki))
    m = len(coder_ids)
    if m < 2:
        warn_degenerate(f"unitizing alpha is undefined and returned as nan: {m} coder(s)")
        return float("nan")
    n_values = len(cat_ids) + 1
    length = float(end) - float(begin)

    # Per coder: sorted segments, overlap check, and the section lengths for S_c.
    by_coder: list[list[tuple[float, float, int]]] = [[] for _ in range(m)]
    for ci, s, e, k in rows:
        by_coder[ci].append((s, e, k))
    s_c = np.zeros(n_values)
    bounds = {float(begin), float(end)}
    for ci, segs in enumerate(by_coder):
        segs.sort()
        covered = 0.0
        for (_s0, e0, _), (s1, _, _) in itertools.pairwise(segs):
            if s1 < e0:
                raise ValueError(f"coder {list(coder_ids)[ci]!r} has overlapping segments at {s1}")
        for s, e, k in segs:
            s_c[k] += (e - s) ** 2
            covered += e - s
            bounds.update((s, e))
        s_c[0] += length - covered  # gaps: sum of lengths (divisible)

    # Elementary intervals between all boundaries; each coder's value is constant on each.
    edges = np.array(sorted(bounds))
    widths = np.diff(edges)
    labels = np.zeros((widths.shape[0], m), dtype=np.int64)
    for ci, segs in enumerate(by_coder):
        if not segs:
            continue
        starts = np.array([s for s, _, _ in segs])
        ends = np.array([e for _, e, _ in segs])
        cats = np.array([k for _, _, k in segs])
        left = edges[:-1]
        pos = np.searchsorted(starts, left, side="right") - 1
        inside = (pos >= 0) & (left < ends[np.clip(pos, 0, None)])
        labels[inside, ci] = cats[pos[inside]]
    counts = np.zeros((widths.shape[0], n_values))
    np.add.at(counts, (np.repeat(np.arange(widths.shape[0]), m), labels.ravel()), 1.0)
    observed = (counts * widths[:, None]).T @ counts - np.diag(widths @ counts)
    observed /= m - 1
    total = m * length
    margin = observed.sum(axis=1)
    denom = total * total - float(s_c.sum())
    expected: npt.NDArray[np.float64] = np.zeros_like(observed)  # no admissible pair: D_e = 0
    if denom > 0:
        expected = np.asarray(
            total * (np.outer(margin, margin) - np.diag(s_c)) / denom, dtype=np.float64
        )
    if variant == "u":
        d_o = total - float(np.trace(observed))
        d_e = total - float(np.trace(expected)) if denom > 0 else 0.0
    else:
        d_o = float(observed[0, 1:].sum())
        d_e = float(expected[0, 1:].sum())
    if not d_e > 1e-12 * total:
        warn_degenerate(
            "unitizing alpha is undefined and returned as nan: the expected disagreement is 0 "
            "(no variation between units and gaps)"
        )
        return float("nan")
    return 1.0 - d_o / d_e


@dataclass(frozen=True)
class CategoryUnitizing:
    """Krippendorff's (1995, 2004) unitizing alpha per category, and over all categories.

    ``alpha`` = 1 - mean(D_o) / mean(D_e) over the categories; ``by_category`` holds each
    category's alpha, ``observed`` and ``expected`` its D_o and D_e.
    """

    alpha: float
    by_category: dict[Hashable, float]
    observed: dict[Hashable, float]
    expected: dict[Hashable, float]


def _sections(units: list[tuple[int, int]], begin: int, end: int) -> list[tuple[int, int, bool]]:
    """One coder's partition of [begin, end) for one category: (start, end, is_unit)."""
    out: list[tuple[int, int, bool]] = []
    position = begin
    for start, stop in units:
        if start > position:
            out.append((position, start, False))
        out.append((start, stop, True))
        position = stop
    if position < end:
        out.append((position, end, False))
    return out


def _section_distance(a: tuple[int, int, bool], b: tuple[int, int, bool]) -> int:
    """delta^2 of two overlapping sections (Krippendorff 1995): two units differ by their
    squared begin and end differences; a unit lying wholly inside the other coder's gap
    differs by its squared length; anything else (gap vs gap, partial unit-gap) by 0."""
    (s1, e1, unit1), (s2, e2, unit2) = a, b
    if unit1 and unit2:
        return (s1 - s2) ** 2 + (e1 - e2) ** 2
    if unit1 and not unit2 and s2 <= s1 and e1 <= e2:
        return (e1 - s1) ** 2
    if unit2 and not unit1 and s1 <= s2 and e2 <= e1:
        return (e2 - s2) ** 2
    return 0


def unitizing_alpha_by_category(
    segments: Iterable[tuple[Hashable, int, int, Hashable]],
    *,
    begin: int,
    end: int,
    coders: Sequence[Hashable] | None = None,
) -> CategoryUnitizing:
    """Krippendorff's unitizing alpha for each category (1995; Content Analysis 2004, 12.4).

    ``segments`` are ``(coder, start, end, category)`` with integer positions (atoms), end
    exclusive; a coder's units of one category must not overlap (units of different
    categories may). For a category c with N_c units over all m coders and L = end - begin:

    * D_o = 2 / (m (m-1) L^2) * sum over coder pairs and overlapping sections of delta^2;
    * D_e = (2 / L) * sum over units u of c of [(N_c - 1)(2 l^3 - 3 l^2 + l) / 3
      + l^2 * sum over all gaps g with l_g >= l of (l_g - l + 1)]
      / (m L (m L - 1) - sum over units of l (l - 1));
    * alpha_c = 1 - D_o / D_e, and over all categories 1 - mean(D_o) / mean(D_e).

    A category whose D_e is 0 has alpha ``nan`` (with a :class:`DegenerateDataWarning`).
    """
    if not end > begin:
        raise ValueError("the continuum needs end > begin")
    coder_ids: dict[Hashable, int] = {c: i for i, c in enumerate(coders or ())}
    units: dict[Hashable, dict[int, list[tuple[int, int]]]] = {}
    for seg in segments:
        coder, start, stop, cat = seg
        if not begin <= start < stop <= end:
            raise ValueError(f"segment {seg!r} is empty or outside the continuum [{begin}, {end})")
        ci = coder_ids.setdefault(coder, len(coder_ids))
        units.setdefault(cat, {}).setdefault(ci, []).append((int(start), int(stop)))
    m = len(coder_ids)
    length = int(end) - int(begin)
    observed: dict[Hashable, float] = {}
    expected: dict[Hashable, float] = {}
    by_category: dict[Hashable, float] = {}
    if m < 2:
        warn_degenerate(f"unitizing alpha is undefined and returned as nan: {m} coder(s)")
        return CategoryUnitizing(float("nan"), {}, {}, {})
    for cat, per_coder in units.items():
        sections = []
        for ci in range(m):
            mine = sorted(per_coder.get(ci, []))
            for (_, e0), (s1, _) in itertools.pairwise(mine):
                if s1 < e0:
                    raise ValueError(f"coder {list(coder_ids)[ci]!r} has overlapping {cat!r} units")
            sections.append(_sections(mine, int(begin), int(end)))
        disagreement = 0
        for first, second in itertools.combinations(sections, 2):
            i = j = 0
            while i < len(first) and j < len(second):
                a, b = first[i], second[j]
                if a[0] < b[1] and b[0] < a[1]:
                    disagreement += _section_distance(a, b)
                if a[1] <= b[1]:
                    i += 1
                else:
                    j += 1
        lengths = [e - s for coder in sections for s, e, unit in coder if unit]
        gaps = sorted((e - s for coder in sections for s, e, unit in coder if not unit))
        n_c = len(lengths)
        numerator = 0.0
        for ell in lengths:
            fitting = [g - ell + 1 for g in gaps if g >= ell]
            numerator += (n_c - 1) * (2 * ell**3 - 3 * ell**2 + ell) / 3 + ell**2 * sum(fitting)
        denominator = m * length * (m * length - 1) - sum(ell * (ell - 1) for ell in lengths)
        observed[cat] = 2 * disagreement / (m * (m - 1) * length**2)
        expected[cat] = (2 / length) * numerator / denominator if denominator else 0.0
        if expected[cat] == 0:
            warn_degenerate(f"unitizing alpha of {cat!r} is undefined (no expected disagreement)")
            by_category[cat] = float("nan")
        else:
            by_category[cat] = 1 - observed[cat] / expected[cat]
    mean_expected = float(np.mean(list(expected.values()))) if expected else 0.0
    if mean_expected == 0:
        warn_degenerate(
            "unitizing alpha is undefined and returned as nan: no expected disagreement"
        )
        overall = float("nan")
    else:
        overall = 1 - float(np.mean(list(observed.values()))) / mean_expected
    return CategoryUnitizing(overall, by_category, observed, expected)
