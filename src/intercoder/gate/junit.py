"""The gate's verdict as JUnit XML: one testcase per variable, read by every CI server."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from ..reliability import (
    INSUFFICIENT,
    VariableReliability,
)
from .config import FAILURE, WARNING
from .judge import GateResult, Policy, _f

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
