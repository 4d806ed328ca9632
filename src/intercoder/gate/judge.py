"""Judging: each variable's policy, its reliability against its threshold, and the verdict.

A variable is judged on the point estimate of alpha (``judge = "point"``), on the lower bound of
its 95% bootstrap interval (``"ci-low"``), or on ``q = P(alpha < threshold)`` from the bootstrap
(``"q"``: pass when ``q <= max-q``). Each judgement gives a status (``pass``, ``tentative``,
``fail``, ``insufficient-data``) and an outcome: ``ok``, ``warning`` or ``failure``.
``tentative`` is a warning unless ``tentative = "fail"``; ``insufficient-data`` is a failure
unless ``insufficient-data = "warn"``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..codebook.model import Codebook, Thresholds
from ..reliability import (
    FAIL,
    INSUFFICIENT,
    PASS,
    TENTATIVE,
    ReliabilityReport,
    VariableReliability,
    assess,
    select_variables,
    status_of,
)
from .config import (
    BUILTIN,
    DEFAULT_BOOTSTRAP,
    DEFAULT_SEED,
    FAILURE,
    JUDGES,
    NO_CONFIG,
    OK,
    WARNING,
    ConfigError,
    GateConfig,
    Settings,
)

#: The message of a variable without any record in the files.
NOT_CODED = "not coded in these files"

# --- policies ------------------------------------------------------------------------------


@attrs.frozen
class Policy:
    """The settings in force for one variable, every layer applied."""

    passing: float
    tentative_alpha: float
    tentative: str
    insufficient_data: str
    judge: str
    max_q: float


def resolve(cb: Codebook, config: GateConfig, options: Settings) -> dict[str, Policy]:
    """The policy of every variable of ``cb`` (options > variable table > config > codebook)."""
    known = [var.id for var in cb.variables]
    for variable in config.variables:
        if variable not in known:
            close = difflib.get_close_matches(variable, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{config.where(variable)}: {cb.ref} has no variable{hint}")
        if cb.variable(variable).level is None:
            raise ConfigError(
                f"{config.where(variable)}: {variable} ({cb.variable(variable).type}) has no "
                "reliability coefficient"
            )
    policies = {}
    for var in cb.variables:
        layer = options.over(config.variables.get(var.id, Settings()))
        layer = layer.over(config.settings).over(BUILTIN)
        passing = layer.min_alpha if layer.min_alpha is not None else var.reliability.passing
        tentative = (
            layer.tentative_alpha
            if layer.tentative_alpha is not None
            else var.reliability.tentative
        )
        assert layer.tentative is not None
        assert layer.insufficient_data is not None
        assert layer.judge is not None
        assert layer.max_q is not None
        policies[var.id] = Policy(
            passing=passing,
            tentative_alpha=min(tentative, passing),
            tentative=layer.tentative,
            insufficient_data=layer.insufficient_data,
            judge=layer.judge,
            max_q=layer.max_q,
        )
    return policies


def _with_thresholds(cb: Codebook, thresholds: Mapping[str, Thresholds]) -> Codebook:
    variables = tuple(
        attrs.evolve(var, reliability=thresholds[var.id]) if var.id in thresholds else var
        for var in cb.variables
    )
    return attrs.evolve(cb, variables=variables)


# --- judging -------------------------------------------------------------------------------


@attrs.frozen
class Verdict:
    """The gate's judgement of one variable; ``message`` is one line."""

    result: VariableReliability
    policy: Policy
    status: str
    outcome: str
    message: str

    @property
    def variable(self) -> str:
        return self.result.variable


@attrs.frozen
class GateResult:
    report: ReliabilityReport
    verdicts: tuple[Verdict, ...]
    bootstrap: int
    seed: int
    config: Path | None = None
    #: The variables ``--variables`` selected; None when every variable was assessed.
    selected: tuple[str, ...] | None = None

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome == FAILURE]

    @property
    def warnings(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.outcome == WARNING]

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def judges(self) -> list[str]:
        return sorted({v.policy.judge for v in self.verdicts}, key=JUDGES.index)

    def verdict_line(self) -> str:
        from .summary import verdict_line  # the rendering imports this module

        return verdict_line(self)


@attrs.frozen
class Plan:
    """What the gate will do: every variable's policy, the bootstrap and its seed."""

    policies: Mapping[str, Policy]
    bootstrap: int
    seed: int
    config: GateConfig = NO_CONFIG
    #: Only these variables are assessed and judged (``--variables``); None: every one.
    variables: tuple[str, ...] | None = None

    @property
    def judges(self) -> set[str]:
        return {policy.judge for policy in self.policies.values()}

    @property
    def resampling_judge(self) -> str | None:
        """The first judge of the plan (in :data:`JUDGES` order) that takes the bootstrap."""
        return _resampling_judge(self.judges)


def _resampling_judge(judges: Collection[str]) -> str | None:
    return next((judge for judge in JUDGES if judge in judges and judge != "point"), None)


def plan_gate(
    cb: Codebook,
    *,
    config: GateConfig = NO_CONFIG,
    options: Settings = Settings(),  # noqa: B008  (frozen attrs class: a shared default is safe)
    bootstrap: int | None = None,
    seed: int | None = None,
    variables: Collection[str] | None = None,
) -> Plan:
    """Resolve every setting (before any data is read); :class:`ConfigError` when one is bad.

    ``variables`` limits the gate to those variable ids (checked with
    :func:`~intercoder.reliability.select_variables`); the configuration file is still checked
    against every variable of the codebook.
    """
    selected = None if variables is None else select_variables(cb, variables)
    policies = {
        var_id: policy
        for var_id, policy in resolve(cb, config, options).items()
        if cb.variable(var_id).level is not None and (selected is None or var_id in selected)
    }
    judge = _resampling_judge({policy.judge for policy in policies.values()})
    resamples = bootstrap if bootstrap is not None else config.bootstrap
    if resamples is None:
        resamples = DEFAULT_BOOTSTRAP if judge is not None else 0
    if judge is not None and resamples < 1:
        raise ConfigError(
            f"judge {judge!r} needs the bootstrap, but bootstrap is 0: give --bootstrap N "
            f"(N >= 1), or leave it out for {DEFAULT_BOOTSTRAP}"
        )
    used_seed = seed if seed is not None else config.seed
    return Plan(
        policies, resamples, DEFAULT_SEED if used_seed is None else used_seed, config, selected
    )


def run_gate(annotations: Any, cb: Codebook, plan: Plan) -> GateResult:
    """Assess ``annotations`` (checked against ``cb``) and judge every variable by ``plan``."""
    thresholds = {
        var_id: Thresholds(policy.passing, policy.tentative_alpha)
        for var_id, policy in plan.policies.items()
    }
    report = assess(
        annotations,
        _with_thresholds(cb, thresholds),
        bootstrap=plan.bootstrap,
        seed=plan.seed,
        variables=plan.variables,
    )
    q_tentative: dict[str, float | None] = {}
    if "q" in plan.judges:
        # q at the tentative threshold: the same seed resamples the same way, so this is the
        # same bootstrap distribution, counted against the other threshold.
        lower = {v: Thresholds(t.tentative, t.tentative) for v, t in thresholds.items()}
        again = assess(
            annotations,
            _with_thresholds(cb, lower),
            bootstrap=plan.bootstrap,
            seed=plan.seed,
            variables=plan.variables,
        )
        q_tentative = {v.variable: v.q for v in again.variables}
    verdicts = tuple(
        judge_variable(result, plan.policies[result.variable], q_tentative.get(result.variable))
        for result in report.variables
    )
    judged = attrs.evolve(report, variables=tuple(v.result for v in verdicts))
    return GateResult(judged, verdicts, plan.bootstrap, plan.seed, plan.config.path, plan.variables)


def _f(value: float | None) -> str:
    return "undefined" if value is None or math.isnan(value) else f"{value:.3f}"


def _nan(value: float | None) -> bool:
    return value is None or math.isnan(value)


def judge_variable(
    result: VariableReliability, policy: Policy, q_tentative: float | None = None
) -> Verdict:
    """Judge one assessed variable under ``policy``; the result carries the judged status."""
    passing, tentative = policy.passing, policy.tentative_alpha
    note = ""
    judge = policy.judge
    if judge != "point" and result.coded and result.ci_low is None and result.q is None:
        # No bootstrap for this coefficient (alpha_U of spans): the point estimate decides.
        judge = "point"
        note = f"no bootstrap for {result.coefficient}: judged on the point estimate"
    if not result.coded:
        # Insufficient data of its own kind: no record at all (a pilot that codes some of the
        # variables, an export that dropped one). The verdict line names these once.
        status = INSUFFICIENT
        message = NOT_CODED
    elif _nan(result.alpha):
        status = INSUFFICIENT
        coders = f"{result.n_coders} coder{'s' if result.n_coders != 1 else ''}"
        message = f"insufficient data: alpha is undefined ({result.n_units} units, {coders})"
    elif judge == "point":
        status = status_of(result.alpha, passing, tentative)
        message = _compare("alpha", result.alpha, status, passing, tentative)
    elif judge == "ci-low":
        low = math.nan if result.ci_low is None else result.ci_low
        status = status_of(low, passing, tentative)
        what = "95% CI lower bound"
        message = f"{_compare(what, low, status, passing, tentative)} (alpha {_f(result.alpha)})"
        note = f"judged on the {what}: {_f(low)}"
        if status == INSUFFICIENT:
            message = f"insufficient data: no bootstrap interval (alpha {_f(result.alpha)})"
    else:
        q = result.q
        if _nan(q):
            status = INSUFFICIENT
            message = f"insufficient data: no bootstrap q (alpha {_f(result.alpha)})"
        else:
            assert q is not None
            q_low = q_tentative if q_tentative is not None else math.nan
            if q <= policy.max_q:
                status, relation = PASS, "<="
            elif not math.isnan(q_low) and q_low <= policy.max_q:
                status, relation = TENTATIVE, ">"
            else:
                status, relation = FAIL, ">"
            message = (
                f"q = P(alpha < {passing:.3f}) = {q:.3f} {relation} max-q {policy.max_q:.3f} "
                f"(alpha {_f(result.alpha)})"
            )
            if status == TENTATIVE:
                message += f" (tentative: P(alpha < {tentative:.3f}) = {q_low:.3f})"
        note = f"judged on q = P(alpha < {passing:.3f}) = {_f(q)}, max-q {policy.max_q:g}"
    if status == PASS:
        outcome = OK
    elif status == TENTATIVE:
        outcome = FAILURE if policy.tentative == "fail" else WARNING
    elif status == INSUFFICIENT:
        outcome = FAILURE if policy.insufficient_data == "fail" else WARNING
    else:
        outcome = FAILURE
    notes = (*result.notes, note) if note else result.notes
    judged = attrs.evolve(result, status=status, notes=notes)
    return Verdict(judged, policy, status, outcome, message)


def _compare(what: str, value: float, status: str, passing: float, tentative: float) -> str:
    if status == PASS:
        return f"{what} {value:.3f} >= threshold {passing:.3f}"
    text = f"{what} {_f(value)} < threshold {passing:.3f}"
    if status == TENTATIVE:
        text += f" (tentative: >= {tentative:.3f})"
    return text
