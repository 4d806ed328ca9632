"""``intercoder check``: a reliability gate for CI.

The gate assesses every codable variable of a codebook (:func:`intercoder.reliability.assess`)
and judges it against its threshold. Settings come in layers, the later winning:

1. built-in defaults and the thresholds of the codebook (``reliability: {pass, tentative}``);
2. the ``[tool.intercoder]`` table of ``pyproject.toml``, or the top level of
   ``intercoder.toml``, found from the working directory upwards (``intercoder.toml`` wins
   in a directory that has both);
3. ``[tool.intercoder.variables.<id>]`` (``[variables.<id>]`` in ``intercoder.toml``);
4. command-line options.

A variable is judged on the point estimate of alpha (``judge = "point"``), on the lower bound of
its 95% bootstrap interval (``"ci-low"``), or on ``q = P(alpha < threshold)`` from the bootstrap
(``"q"``: pass when ``q <= max-q``). Each judgement gives a status (``pass``, ``tentative``,
``fail``, ``insufficient-data``) and an outcome: ``ok``, ``warning`` or ``failure``.
``tentative`` is a warning unless ``tentative = "fail"``; ``insufficient-data`` is a failure
unless ``insufficient-data = "warn"``.

Renderings: the terminal table of ``agree`` with the judged statuses, a verdict line, JUnit XML
(one testcase per variable), Markdown for ``$GITHUB_STEP_SUMMARY`` and GitHub Actions workflow
commands (``::error``/``::warning``).

Bad settings raise :class:`ConfigError`; the command turns it into a usage error (exit 2).
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from .codebook.model import Codebook, Thresholds
from .errors import Diagnostic
from .reliability import (
    FAIL,
    INSUFFICIENT,
    PASS,
    TENTATIVE,
    ReliabilityReport,
    VariableReliability,
    assess,
    render_markdown,
    status_of,
)

JUDGES = ("point", "ci-low", "q")
TENTATIVE_CHOICES = ("warn", "fail")
INSUFFICIENT_CHOICES = ("fail", "warn")
#: Bootstrap resamples when a variable is judged on the bootstrap and none were asked for.
DEFAULT_BOOTSTRAP = 10_000
#: A fixed default seed: the same data always give the same verdict.
DEFAULT_SEED = 0
DEFAULT_MAX_Q = 0.05
CONFIG_FILE = "intercoder.toml"
PYPROJECT = "pyproject.toml"

OK, WARNING, FAILURE = "ok", "warning", "failure"


class ConfigError(Exception):
    """A bad setting (configuration file, option or combination): a usage error, exit 2."""


# --- settings ------------------------------------------------------------------------------


@attrs.frozen
class Settings:
    """One layer of settings; ``None`` leaves the value to the layer below."""

    min_alpha: float | None = None
    tentative_alpha: float | None = None
    tentative: str | None = None
    insufficient_data: str | None = None
    judge: str | None = None
    max_q: float | None = None

    def over(self, below: Settings) -> Settings:
        """These settings, falling back to ``below`` where unset."""
        return Settings(
            **{
                field.name: (
                    getattr(self, field.name)
                    if getattr(self, field.name) is not None
                    else getattr(below, field.name)
                )
                for field in attrs.fields(Settings)
            }
        )


BUILTIN = Settings(tentative="warn", insufficient_data="fail", judge="point", max_q=DEFAULT_MAX_Q)


@attrs.frozen
class GateConfig:
    """Settings read from a configuration file (or none: :data:`NO_CONFIG`)."""

    path: Path | None = None
    section: str = ""
    settings: Settings = Settings()
    variables: Mapping[str, Settings] = attrs.field(factory=dict)
    bootstrap: int | None = None
    seed: int | None = None

    def where(self, variable: str | None = None) -> str:
        """``pyproject.toml: [tool.intercoder.variables.x]``, for messages."""
        table = self.section
        if variable is not None:
            table = f"{table}.variables.{variable}" if table else f"variables.{variable}"
        name = str(self.path) if self.path is not None else "configuration"
        return f"{name}: [{table}]" if table else name


NO_CONFIG = GateConfig()

_SETTING_KEYS = {
    "min-alpha": "min_alpha",
    "tentative-alpha": "tentative_alpha",
    "tentative": "tentative",
    "insufficient-data": "insufficient_data",
    "judge": "judge",
    "max-q": "max_q",
}
_TOP_KEYS = (*_SETTING_KEYS, "bootstrap", "seed", "variables")


def find_config(start: Path) -> Path | None:
    """The nearest ``intercoder.toml``, or ``pyproject.toml`` with ``[tool.intercoder]``."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate
        candidate = directory / PYPROJECT
        if candidate.is_file() and _tool_table(_read_toml(candidate)) is not None:
            return candidate
    return None


def _tool_table(pyproject: Mapping[str, Any]) -> Any:
    """``[tool.intercoder]`` of a pyproject.toml, None when there is none."""
    tool = pyproject.get("tool")
    return tool.get("intercoder") if isinstance(tool, dict) else None


def _read_toml(path: Path) -> dict[str, Any]:
    shown = _display(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror or exc}") from None


def load_config(path: Path) -> GateConfig:
    """Read and check the gate settings in ``path`` (``pyproject.toml`` or ``intercoder.toml``)."""
    data = _read_toml(path)
    if path.name == PYPROJECT:
        section = "tool.intercoder"
        table = _tool_table(data)
        table = {} if table is None else table
    else:
        section = ""
        table = data
    shown = _display(path)
    config = GateConfig(path=shown, section=section)
    if not isinstance(table, dict):
        raise ConfigError(f"{config.where()}: expected a table")
    if not section and "tool" in table:
        raise ConfigError(
            f"{shown}: unknown key 'tool': in {CONFIG_FILE}, write the settings at the top "
            "level (without [tool.intercoder])"
        )
    _check_keys(table, _TOP_KEYS, config.where())
    variables: dict[str, Settings] = {}
    raw_variables = table.get("variables", {})
    if not isinstance(raw_variables, dict):
        raise ConfigError(f"{config.where()} variables: expected a table of variable tables")
    for variable, raw in raw_variables.items():
        where = config.where(variable)
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a table")
        _check_keys(raw, tuple(_SETTING_KEYS), where)
        variables[variable] = _settings(raw, where)
    return attrs.evolve(
        config,
        settings=_settings(table, config.where()),
        variables=variables,
        bootstrap=_integer(table, "bootstrap", config.where()),
        seed=_integer(table, "seed", config.where()),
    )


def _display(path: Path) -> Path:
    """``path`` relative to the working directory when below it (shorter messages)."""
    try:
        relative = Path(os.path.relpath(path))
    except ValueError:  # pragma: no cover - another drive on Windows
        return path
    return path if relative.parts[:1] == ("..",) else relative


def _check_keys(table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key.replace("_", "-"), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
            raise ConfigError(f"{where}: unknown key {key!r}{hint}")


def _settings(table: Mapping[str, Any], where: str) -> Settings:
    values: dict[str, Any] = {}
    for key in ("min-alpha", "tentative-alpha"):
        values[_SETTING_KEYS[key]] = _number(table, key, where, low=0.0, high=1.0)
    values["max_q"] = _number(table, "max-q", where, low=0.0, high=1.0, open_=True)
    for key, choices in (
        ("tentative", TENTATIVE_CHOICES),
        ("insufficient-data", INSUFFICIENT_CHOICES),
        ("judge", JUDGES),
    ):
        values[_SETTING_KEYS[key]] = _choice(table, key, choices, where)
    settings = Settings(**values)
    if (
        settings.min_alpha is not None
        and settings.tentative_alpha is not None
        and settings.tentative_alpha > settings.min_alpha
    ):
        raise ConfigError(
            f"{where}: tentative-alpha ({settings.tentative_alpha:g}) must not exceed "
            f"min-alpha ({settings.min_alpha:g})"
        )
    return settings


def _number(
    table: Mapping[str, Any], key: str, where: str, *, low: float, high: float, open_: bool = False
) -> float | None:
    if key not in table:
        return None
    value = table[key]
    inside = isinstance(value, int | float) and not isinstance(value, bool)
    if inside and math.isfinite(value):
        inside = low < value < high if open_ else low <= value <= high
    else:
        inside = False
    if not inside:
        span = f"between {low:g} and {high:g} (exclusive)" if open_ else f"from {low:g} to {high:g}"
        raise ConfigError(f"{where} {key}: expected a number {span}, got {value!r}")
    return float(value)


def _choice(table: Mapping[str, Any], key: str, choices: Sequence[str], where: str) -> str | None:
    if key not in table:
        return None
    value = table[key]
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ConfigError(f"{where} {key}: expected one of {listed}, got {value!r}")
    return str(value)


def _integer(table: Mapping[str, Any], key: str, where: str) -> int | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{where} {key}: expected a whole number >= 0, got {value!r}")
    return value


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
        return verdict_line(self)


@attrs.frozen
class Plan:
    """What the gate will do: every variable's policy, the bootstrap and its seed."""

    policies: Mapping[str, Policy]
    bootstrap: int
    seed: int
    config: GateConfig = NO_CONFIG

    @property
    def judges(self) -> set[str]:
        return {policy.judge for policy in self.policies.values()}


def plan_gate(
    cb: Codebook,
    *,
    config: GateConfig = NO_CONFIG,
    options: Settings = Settings(),
    bootstrap: int | None = None,
    seed: int | None = None,
) -> Plan:
    """Resolve every setting (before any data is read); :class:`ConfigError` when one is bad."""
    policies = {
        var_id: policy
        for var_id, policy in resolve(cb, config, options).items()
        if cb.variable(var_id).level is not None
    }
    judges = {policy.judge for policy in policies.values()}
    needs_bootstrap = bool(judges - {"point"})
    resamples = bootstrap if bootstrap is not None else config.bootstrap
    if resamples is None:
        resamples = DEFAULT_BOOTSTRAP if needs_bootstrap else 0
    if needs_bootstrap and resamples < 1:
        judge = next(j for j in JUDGES if j in judges and j != "point")
        raise ConfigError(
            f"judge {judge!r} needs the bootstrap, but bootstrap is 0: give --bootstrap N "
            f"(N >= 1), or leave it out for {DEFAULT_BOOTSTRAP}"
        )
    used_seed = seed if seed is not None else config.seed
    return Plan(policies, resamples, DEFAULT_SEED if used_seed is None else used_seed, config)


def run_gate(annotations: Any, cb: Codebook, plan: Plan) -> GateResult:
    """Assess ``annotations`` (checked against ``cb``) and judge every variable by ``plan``."""
    thresholds = {
        var_id: Thresholds(policy.passing, policy.tentative_alpha)
        for var_id, policy in plan.policies.items()
    }
    report = assess(
        annotations, _with_thresholds(cb, thresholds), bootstrap=plan.bootstrap, seed=plan.seed
    )
    q_tentative: dict[str, float | None] = {}
    if "q" in plan.judges:
        # q at the tentative threshold: the same seed resamples the same way, so this is the
        # same bootstrap distribution, counted against the other threshold.
        lower = {v: Thresholds(t.tentative, t.tentative) for v, t in thresholds.items()}
        again = assess(
            annotations, _with_thresholds(cb, lower), bootstrap=plan.bootstrap, seed=plan.seed
        )
        q_tentative = {v.variable: v.q for v in again.variables}
    verdicts = tuple(
        judge_variable(result, plan.policies[result.variable], q_tentative.get(result.variable))
        for result in report.variables
    )
    judged = attrs.evolve(report, variables=tuple(v.result for v in verdicts))
    return GateResult(judged, verdicts, plan.bootstrap, plan.seed, plan.config.path)


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
    if judge != "point" and result.ci_low is None and result.q is None:
        # No bootstrap for this coefficient (alpha_U of spans): the point estimate decides.
        judge = "point"
        note = f"no bootstrap for {result.coefficient}: judged on the point estimate"
    if _nan(result.alpha):
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


# --- renderings ----------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def verdict_line(result: GateResult) -> str:
    """One line: ``check failed: 2 of 9 variables below threshold (severity: alpha ...)``."""
    total = len(result.verdicts)
    failures, warnings = result.failures, result.warnings
    items = "; ".join(f"{v.variable}: {v.message}" for v in failures)
    warned = "; ".join(f"{v.variable}: {v.message}" for v in warnings)
    if failures:
        below = all(v.status in (FAIL, TENTATIVE) for v in failures)
        what = "below threshold" if below else "failed"
        line = f"check failed: {len(failures)} of {_plural(total, 'variable')} {what} ({items})"
        if warnings:
            line += f"; {_plural(len(warnings), 'warning')} ({warned})"
        return line
    if warnings:
        return (
            f"check passed with {_plural(len(warnings), 'warning')}: "
            f"{total - len(warnings)} of {_plural(total, 'variable')} pass ({warned})"
        )
    if not total:
        return "check passed: the codebook has no variable with a reliability coefficient"
    return f"check passed: all {_plural(total, 'variable')} reach their threshold"


def _judging(result: GateResult) -> str:
    parts = []
    for judge in result.judges:
        names = [v.variable for v in result.verdicts if v.policy.judge == judge]
        scope = "" if len(names) == len(result.verdicts) else f" ({', '.join(names)})"
        if judge == "point":
            parts.append(f"the point estimate of alpha{scope}")
        elif judge == "ci-low":
            parts.append(f"the lower bound of the 95% bootstrap interval{scope}")
        else:
            parts.append(f"q = P(alpha < threshold) against max-q{scope}")
    text = "judged on " + "; ".join(parts)
    if result.bootstrap:
        text += f"; bootstrap: {result.bootstrap} resamples, seed {result.seed}"
    if result.config is not None:
        text += f"; settings from {result.config}"
    return text


_OUTCOME_MARK = {FAILURE: "❌", WARNING: "⚠️", OK: "✅"}


def render_summary(result: GateResult) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: the verdict, the problems, the reliability table."""
    if result.failures:
        head = "❌ intercoder check failed"
    elif result.warnings:
        head = "⚠️ intercoder check passed with warnings"
    else:
        head = "✅ intercoder check passed"
    items = [
        f"- {_OUTCOME_MARK[verdict.outcome]} `{verdict.variable}` ({verdict.status}): "
        f"{_md(verdict.message)}"
        for verdict in (*result.failures, *result.warnings)
    ]
    blocks = [f"## {head}", _md(verdict_line(result)), f"_{_md(_judging(result))}_"]
    if items:
        blocks.append("\n".join(items))
    return "\n\n".join([*blocks, render_markdown(result.report)])


def render_problems_summary(problems: Sequence[str], hint: str = "") -> str:
    """Markdown for a check that could not run: the input problems."""
    lines = ["## ❌ intercoder check failed: invalid input", ""]
    lines += [f"- {_md(problem)}" for problem in problems[:_MAX_SHOWN]]
    if len(problems) > _MAX_SHOWN:
        lines.append(f"- … and {len(problems) - _MAX_SHOWN} more")
    if hint:
        lines += ["", _md(hint)]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """Plain text safe inside a Markdown paragraph or list item (no tables, no HTML)."""
    return re.sub(r"([\\|*_<>\[\]])", r"\\\1", text)


_MAX_SHOWN = 20
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold replaced."""
    return _XML_INVALID.sub("\ufffd", text)


def _details(result: VariableReliability, policy: Policy) -> str:
    lines = [
        f"coefficient: {result.coefficient} ({result.level})",
        f"alpha: {_f(result.alpha)}",
    ]
    if result.ci_low is not None and result.ci_high is not None:
        lines.append(f"95% CI: [{_f(result.ci_low)}, {_f(result.ci_high)}]")
    if result.q is not None:
        lines.append(f"q = P(alpha < {policy.passing:.3f}): {_f(result.q)}")
    lines += [
        f"units: {result.n_units}",
        f"coders: {result.n_coders}",
        f"threshold: {policy.passing:.3f} (tentative {policy.tentative_alpha:.3f})",
        f"judge: {policy.judge}" + (f" (max-q {policy.max_q:g})" if policy.judge == "q" else ""),
        f"status: {result.status}",
    ]
    lines += [f"{d.label}: {_f(d.alpha)} ({d.n_units} units)" for d in result.details]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n"


def _suite(name: str, tests: int) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("testsuites", name="intercoder check")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=_x(name),
        tests=str(tests),
        failures="0",
        errors="0",
        skipped="0",
        time="0",
        timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
    )
    return root, suite


def _finish(root: ET.Element, suite: ET.Element, counts: Mapping[str, int], seconds: float) -> str:
    for key in ("tests", "failures", "errors", "skipped"):
        value = str(counts.get(key, 0))
        suite.set(key, value)
        if key != "skipped":
            root.set(key, value)
    suite.set("time", f"{seconds:.3f}")
    root.set("time", f"{seconds:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def render_junit(result: GateResult, seconds: float = 0.0) -> str:
    """JUnit XML: one testsuite (the codebook), one testcase per variable (name = its id).

    ``failure`` for a failing variable (message: the value judged and the threshold);
    a tentative variable that only warns passes with a ``warning:`` line in ``system-out``;
    insufficient data that only warns is ``skipped``. The numbers behind the judgement are the
    text of the ``failure``, else the ``system-out`` of the testcase.
    """
    codebook = result.report.codebook
    root, suite = _suite(codebook, len(result.verdicts))
    properties = ET.SubElement(suite, "properties")
    settings = {
        "codebook": codebook,
        "judge": ",".join(result.judges),
        "bootstrap": str(result.bootstrap),
        "seed": str(result.seed),
        "units": str(result.report.n_units),
        "coders": str(len(result.report.coders)),
    }
    if result.config is not None:
        settings["config"] = str(result.config)
    for name, value in settings.items():
        ET.SubElement(properties, "property", name=name, value=_x(value))
    classname = f"intercoder.check.{codebook.split('@')[0]}"
    counts = {"tests": len(result.verdicts), "failures": 0, "skipped": 0}
    for verdict in result.verdicts:
        case = ET.SubElement(
            suite, "testcase", name=_x(verdict.variable), classname=_x(classname), time="0"
        )
        details = _details(verdict.result, verdict.policy)
        if verdict.outcome == FAILURE:
            counts["failures"] += 1
            kind = "insufficient-data" if verdict.status == INSUFFICIENT else verdict.status
            failure = ET.SubElement(case, "failure", message=_x(verdict.message), type=kind)
            failure.text = _x(details)
            continue
        if verdict.outcome == WARNING:
            if verdict.status == INSUFFICIENT:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_x(verdict.message))
            details = f"warning: {verdict.status}: {verdict.message}\n{details}"
        ET.SubElement(case, "system-out").text = _x(details)
    return _finish(root, suite, counts, seconds)


def render_problems_junit(codebook: str, problems: Sequence[str], hint: str = "") -> str:
    """JUnit XML for a check that could not run: one ``input`` testcase with an ``error``."""
    root, suite = _suite(codebook, 1)
    case = ET.SubElement(suite, "testcase", name="input", classname="intercoder.check", time="0")
    first = problems[0] if problems else "invalid input"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    error = ET.SubElement(case, "error", message=_x(first + more), type="invalid-input")
    error.text = _x("\n".join([*problems, *([hint] if hint else [])]) + "\n")
    return _finish(root, suite, {"tests": 1, "errors": 1}, 0.0)


# --- GitHub Actions ------------------------------------------------------------------------


def in_github_actions(environ: Mapping[str, str] | None = None) -> bool:
    return (os.environ if environ is None else environ).get("GITHUB_ACTIONS") == "true"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(
    kind: str, message: str, *, file: str | None = None, line: int = 0, title: str = ""
) -> str:
    """``::error file=F,line=L,title=T::message`` with GitHub's escaping."""
    props = []
    if file:
        props.append(f"file={_escape_property(file)}")
        if line:
            props.append(f"line={line}")
    if title:
        props.append(f"title={_escape_property(title)}")
    head = f"::{kind} {','.join(props)}" if props else f"::{kind}"
    return f"{head}::{_escape_data(message)}"


def _workspace_path(path: str, environ: Mapping[str, str]) -> str | None:
    """``path`` relative to the repository (``GITHUB_WORKSPACE`` or here), None outside."""
    if not path:
        return None
    base = environ.get("GITHUB_WORKSPACE") or os.getcwd()
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(base))
    except ValueError:  # pragma: no cover - another drive on Windows
        return None
    if relative == ".." or relative.startswith(".." + os.sep):
        return None
    return relative.replace(os.sep, "/")


def _variable_lines(cb: Codebook) -> dict[str, int]:
    """The line of each variable in the codebook file (of its ``reliability`` when written)."""
    from .yamlsafe import YamlError, read_yaml

    try:
        doc = read_yaml(Path(cb.origin).read_bytes(), cb.origin)
    except (OSError, YamlError):
        return {}
    lines = {}
    raw = doc.data.get("variables", []) if isinstance(doc.data, dict) else []
    for i, var in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(var, dict) and isinstance(var.get("id"), str):
            path: tuple[str | int, ...] = ("variables", i)
            if "reliability" in var:
                path = (*path, "reliability")
            lines[var["id"]] = doc.location(path, key=True).line
    return lines


def github_annotations(
    result: GateResult, cb: Codebook, environ: Mapping[str, str] | None = None
) -> list[str]:
    """``::error`` for each failing variable, ``::warning`` for each warning.

    They point at the variable in the codebook file when that file is in the repository.
    """
    environ = os.environ if environ is None else environ
    problems = [*result.failures, *result.warnings]
    if not problems:
        return []
    file = _workspace_path(cb.origin, environ)
    lines = _variable_lines(cb) if file else {}
    return [
        workflow_command(
            "error" if v.outcome == FAILURE else "warning",
            f"{v.variable} ({result.report.codebook}): {v.message}",
            file=file,
            line=lines.get(v.variable, 0),
            title=f"intercoder check: {v.variable} {v.status}",
        )
        for v in problems
    ]


def problem_annotations(
    problems: Iterable[Diagnostic | str], environ: Mapping[str, str] | None = None
) -> list[str]:
    """``::error`` lines for input problems, at their file and line when known."""
    environ = os.environ if environ is None else environ
    out = []
    for problem in list(problems)[:_MAX_SHOWN]:
        if isinstance(problem, Diagnostic):
            file = _workspace_path(problem.location.file, environ)
            kind = "warning" if problem.severity == "warning" else "error"
            out.append(
                workflow_command(
                    kind,
                    str(problem),
                    file=file,
                    line=problem.location.line,
                    title="intercoder check: invalid input",
                )
            )
        else:
            out.append(workflow_command("error", problem, title="intercoder check: invalid input"))
    return out
