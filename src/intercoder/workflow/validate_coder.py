"""Whether a machine coder may code: its agreement with humans against theirs with each other.

The protocol follows the validation the literature asks of automatic coders (per task and per
language, against human coders: Pangakis et al. 2023; Törnberg 2024). For each variable, and
for each language of the units (the task file's ``lang``; ``all`` pools every unit):

* ``alpha_humans``: Krippendorff's alpha among the human coders;
* ``alpha_machine``: the mean of the machine's alpha with each human coder (pairwise, so each
  human counts once), with the alpha with the humans' majority alongside (units whose humans
  tie have no majority), or with a gold standard (adjudicated codings) when one is given;
* ``difference``: ``alpha_machine - alpha_humans``, with a paired bootstrap interval (units
  resampled with replacement, both alphas recomputed on the same resample; percentile
  interval, fixed seed);
* the verdict:

  - ``may-replace``: the interval of the difference reaches 0 (the machine agrees with the
    humans no less than they agree with each other, within sampling error) and
    ``alpha_machine`` reaches the variable's tentative threshold;
  - ``may-assist``: ``alpha_machine`` reaches the tentative threshold but falls short of the
    humans: its codings may serve as pre-annotations that humans check;
  - ``not-reliable``: otherwise, or when an alpha is undefined.

Variables are prepared exactly as the reliability report prepares them (``show_if`` applied,
multiple choice compared with MASI, declared category order), so the numbers match
``intercoder agree`` on the same records.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from .. import agreement
from ..errors import IntercoderError
from ..reliability import Record, prepare

if TYPE_CHECKING:
    from ..annotations import AnnotationSet
    from ..codebook.model import Codebook

MAY_REPLACE, MAY_ASSIST, NOT_RELIABLE = "may-replace", "may-assist", "not-reliable"
ALL = "all"
DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0


class ValidationError(IntercoderError):
    """The inputs cannot be compared (no human pair, no machine, several machines): exit 1."""


@attrs.frozen
class CoderComparison:
    """One variable in one language."""

    variable: str
    language: str
    alpha_humans: float
    alpha_machine: float
    difference: float
    ci: tuple[float, float]
    verdict: str
    #: The machine's alpha with each human coder, and with the humans' majority (or the gold).
    with_each: Mapping[str, float] = attrs.field(factory=dict)
    with_majority: float = math.nan
    n_units: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The public JSON shape (``validate-coder --format json``)."""
        return {
            "variable": self.variable,
            "language": self.language,
            "alpha_humans": _number(self.alpha_humans),
            "alpha_machine": _number(self.alpha_machine),
            "difference": _number(self.difference),
            "ci": [_number(self.ci[0]), _number(self.ci[1])],
            "verdict": self.verdict,
        }


@attrs.frozen
class CoderValidation:
    machine: str
    humans: tuple[str, ...]
    comparisons: tuple[CoderComparison, ...]
    #: What ``with_majority`` compares with: ``"majority"`` or the gold file's coder id.
    reference: str = "majority"

    def as_dict(self) -> dict[str, Any]:
        return {"variables": [c.as_dict() for c in self.comparisons]}


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


class _SetDistance:
    """MASI between value sets, given their index in ``values`` (a float, as a numeric matrix
    holds it): looked up in a table made once. Resampling computes alpha thousands of times
    over the same sets; the sets are compared once, not per alpha."""

    __name__ = "masi"

    def __init__(self, values: Sequence[Any]) -> None:
        size = len(values)
        self.table = [
            [agreement.masi_distance(values[i], values[j]) for j in range(size)]
            for i in range(size)
        ]

    def __call__(self, a: float, b: float) -> float:
        return self.table[int(a)][int(b)]


Level = str | _SetDistance


def _alpha(rows: np.ndarray[Any, Any], level: Level, categories: list[Any] | None) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", agreement.DegenerateDataWarning)
        data = agreement.ReliabilityData.from_matrix(rows, categories=categories)
        return float(agreement.alpha(data, level))


def _majority(column: Sequence[Any]) -> Any:
    values = [v for v in column if v is not None]
    if not values:
        return None
    counts = Counter(values).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return None  # a tie: no majority
    return counts[0][0]


def _alphas(
    matrix: np.ndarray[Any, Any], level: Level, categories: list[Any] | None
) -> tuple[float, list[float], float]:
    """Humans' alpha, the machine's with each human, the machine's with the majority
    (``matrix``: the humans' rows, then the machine's, then the majority's)."""
    humans, machine, majority = matrix[:-2], matrix[-2:-1], matrix[-1:]
    among = _alpha(humans, level, categories)
    each = [_alpha(np.vstack([machine, row[None, :]]), level, categories) for row in humans]
    return among, each, _alpha(np.vstack([machine, majority]), level, categories)


def _mean(values: list[float]) -> float:
    defined = [v for v in values if not math.isnan(v)]
    return sum(defined) / len(defined) if len(defined) == len(values) and defined else math.nan


def _numeric(
    matrix: np.ndarray[Any, Any], level: str, categories: list[Any] | None
) -> tuple[np.ndarray[Any, Any], Level, list[Any] | None]:
    """The matrix as floats (NaN missing), for the vectorised path of
    :meth:`ReliabilityData.from_matrix`, with the level to use on it: codes become their index
    in the declared order (which keeps the ordinal order); value sets become their index
    among the sets met, measured by a table of their MASI distances (:class:`_SetDistance`)."""
    if level == "masi":
        sets = sorted({v for row in matrix for v in row if v is not None}, key=sorted)
        index = {value: float(i) for i, value in enumerate(sets)}
        coded = np.array([[np.nan if v is None else index[v] for v in row] for row in matrix])
        return coded, _SetDistance(sets), None
    if level in ("interval", "ratio"):
        numbers = np.array([[np.nan if v is None else v for v in row] for row in matrix], float)
        return numbers, level, categories
    if categories is None:  # pragma: no cover - choice variables always declare their codes
        return matrix, level, categories
    index = {code: float(i) for i, code in enumerate(categories)}
    coded = np.array([[np.nan if v is None else index[v] for v in row] for row in matrix], float)
    return coded, level, [float(i) for i in range(len(categories))]


def _compare(
    records: Sequence[Record],
    units: Sequence[Hashable],
    humans: Sequence[str],
    machine: str,
    level: str,
    categories: list[Any] | None,
    resamples: int,
    rng: np.random.Generator,
    gold: str | None = None,
) -> tuple[float, float, float, tuple[float, float], list[float], float]:
    index = {unit: j for j, unit in enumerate(units)}
    rows = {coder: i for i, coder in enumerate([*humans, machine])}
    if gold is not None:
        rows[gold] = len(rows)
    matrix = np.full((len(humans) + 2, len(units)), None, dtype=object)
    for unit, coder, value in records:
        if unit in index and coder in rows:
            matrix[rows[coder], index[unit]] = value
    if gold is None:
        # A resampled unit keeps its humans, so its majority: computed once, carried as a row.
        matrix[-1, :] = [_majority(matrix[: len(humans), j].tolist()) for j in range(len(units))]
    matrix, measured, categories = _numeric(matrix, level, categories)
    among, each, with_majority = _alphas(matrix, measured, categories)
    alpha_machine = _mean(each)
    difference = alpha_machine - among
    low = high = math.nan
    if resamples and not math.isnan(difference):
        draws = []
        for _ in range(resamples):
            picked = matrix[:, rng.integers(0, len(units), len(units))]
            h, e, _m = _alphas(picked, measured, categories)
            d = _mean(e) - h
            if not math.isnan(d):
                draws.append(d)
        if draws:
            low, high = (float(x) for x in np.percentile(draws, [2.5, 97.5]))
    return among, alpha_machine, difference, (low, high), each, with_majority


def verdict(alpha_machine: float, ci: tuple[float, float], tentative: float) -> str:
    """The verdict for one comparison (see the module documentation)."""
    if math.isnan(alpha_machine) or alpha_machine < tentative:
        return NOT_RELIABLE
    if not math.isnan(ci[1]) and ci[1] >= 0:
        return MAY_REPLACE
    return MAY_ASSIST


def validate_coder(
    humans: AnnotationSet,
    machine: AnnotationSet,
    codebook: Codebook,
    *,
    languages: Mapping[str, str] | None = None,
    gold: AnnotationSet | None = None,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> CoderValidation:
    """Compare the machine coder in ``machine`` with the human coders in ``humans``.

    Both sets are checked annotations (:func:`intercoder.annotations.check_annotations`).
    ``languages`` maps unit ids to a language (a task file's ``lang``); without it every unit
    is in ``all``. ``gold`` (adjudicated codings, one coder id) replaces the humans' majority
    as the reference the machine is also compared with. Raises :class:`ValidationError` when
    there are fewer than two human coders, or not exactly one machine (or gold) coder.
    """
    from ..annotations import AnnotationSet

    machines = machine.coders
    if len(machines) != 1:
        raise ValidationError(
            f"the machine file must hold one coder, found {len(machines)}"
            + (f" ({', '.join(machines)})" if machines else "")
        )
    machine_id = machines[0]
    keep = humans.coder_id != machine_id
    humans = humans.take(np.asarray(keep, dtype=bool))
    human_ids = humans.coders
    if len(human_ids) < 2:
        raise ValidationError(
            f"validating a machine coder needs at least two human coders, found {len(human_ids)}"
        )
    parts = [humans, machine]
    gold_id: str | None = None
    if gold is not None:
        golds = gold.coders
        if len(golds) != 1 or golds[0] in (machine_id, *human_ids):
            raise ValidationError(
                f"the gold file must hold one coder of its own, found {', '.join(golds) or 'none'}"
            )
        gold_id = golds[0]
        parts.append(gold)
    both = AnnotationSet.concatenate(parts)
    unit_language = dict(languages or {})
    comparisons = []
    rng = np.random.default_rng(seed)
    for var in codebook.variables:
        data = prepare(both, var, codebook)
        if data is None or not data.records:
            continue
        coded = sorted({unit for unit, _, _ in data.records}, key=str)
        groups: dict[str, list[Hashable]] = {}
        if unit_language:
            for unit in coded:
                groups.setdefault(unit_language.get(str(unit), "?"), []).append(unit)
        if len(groups) != 1:
            groups[ALL] = coded
        for language in sorted(groups, key=lambda g: (g == ALL, g)):
            units = groups[language]
            among, alpha_machine, difference, ci, each, with_majority = _compare(
                data.records, units, human_ids, machine_id, data.level, data.categories,
                resamples, rng, gold_id,
            )  # fmt: skip
            comparisons.append(
                CoderComparison(
                    variable=var.id,
                    language=language,
                    alpha_humans=among,
                    alpha_machine=alpha_machine,
                    difference=difference,
                    ci=ci,
                    verdict=verdict(alpha_machine, ci, var.reliability.tentative),
                    with_each=dict(zip(human_ids, each, strict=True)),
                    with_majority=with_majority,
                    n_units=len(units),
                )
            )
    return CoderValidation(machine_id, tuple(human_ids), tuple(comparisons), gold_id or "majority")


def _shown(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.3f}"


def render_table(result: CoderValidation, *, markdown: bool = False) -> str:
    """The comparisons as a plain-text or Markdown table."""
    header = [
        "variable", "language", "units", "alpha humans", "alpha machine",
        f"with {result.reference}",
        "difference", "95% CI", "verdict",
    ]  # fmt: skip
    rows = [
        [
            c.variable,
            c.language,
            str(c.n_units),
            _shown(c.alpha_humans),
            _shown(c.alpha_machine),
            _shown(c.with_majority),
            _shown(c.difference),
            f"[{_shown(c.ci[0])}, {_shown(c.ci[1])}]",
            c.verdict,
        ]
        for c in result.comparisons
    ]
    intro = f"machine coder {result.machine} against {', '.join(result.humans)}"
    if markdown:
        lines = [f"**{intro}**", "", "| " + " | ".join(header) + " |"]
        lines.append("|" + "---|" * len(header))
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [intro, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"


#: A machine coder's id: a registered coder's name, an optional ``:detail`` (the model), and
#: ``@VERSION`` (``lexicon@0.1.0``, ``llm:qwen2.5-7b@0.1.0``). Human coder ids are names or
#: e-mail addresses, which never end in a version.
_MACHINE_ID = re.compile(r"(?P<name>[a-z][a-z0-9_-]*)(?::[^@\s]+)?@\d+\.\d+\.\d+")


def machine_coder_ids(coder_ids: Sequence[str], names: Sequence[str] | None = None) -> list[str]:
    """The ids among ``coder_ids`` that a machine coder wrote.

    ``names`` are the coder names to recognise; by default every coder the plugins registered
    (built-in and third-party), so a coder from a plugin that is not installed here counts as a
    human, never the other way round.
    """
    if names is None:
        from ..plugins import get_host

        names = list(get_host().coders())
    known = set(names)
    return [
        coder
        for coder in coder_ids
        if (match := _MACHINE_ID.fullmatch(str(coder))) and match.group("name") in known
    ]
