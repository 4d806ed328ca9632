"""``intercoder check``'s gate: judge each variable's reliability against its threshold for CI.

The gate assesses every codable variable of a codebook (:func:`intercoder.reliability.assess`)
and judges it against its threshold; it computes nothing itself. Its rooms:

* :mod:`.config` — the settings, their defaults and the configuration files they come from;
* :mod:`.judge` — each variable's policy, the judgement and the overall verdict;
* :mod:`.summary` — the verdict line and the Markdown summary (``$GITHUB_STEP_SUMMARY``);
* :mod:`.junit` — JUnit XML, one testcase per variable;
* :mod:`.github` — GitHub Actions workflow commands (``::error``/``::warning``).

The names below are the gate's API; the command (:mod:`intercoder.commands.check`) uses only
these.
"""

from __future__ import annotations

from .config import (
    BUILTIN,
    CONFIG_FILE,
    DEFAULT_BOOTSTRAP,
    DEFAULT_MAX_Q,
    DEFAULT_SEED,
    FAILURE,
    JUDGES,
    NO_CONFIG,
    OK,
    PYPROJECT,
    WARNING,
    ConfigError,
    GateConfig,
    Settings,
    find_config,
    load_config,
)
from .github import github_annotations, in_github_actions, problem_annotations, workflow_command
from .judge import GateResult, Plan, Policy, Verdict, judge_variable, plan_gate, resolve, run_gate
from .junit import render_junit, render_problems_junit
from .summary import render_problems_summary, render_summary, verdict_line

__all__ = [
    "BUILTIN",
    "CONFIG_FILE",
    "DEFAULT_BOOTSTRAP",
    "DEFAULT_MAX_Q",
    "DEFAULT_SEED",
    "FAILURE",
    "JUDGES",
    "NO_CONFIG",
    "OK",
    "PYPROJECT",
    "WARNING",
    "ConfigError",
    "GateConfig",
    "GateResult",
    "Plan",
    "Policy",
    "Settings",
    "Verdict",
    "find_config",
    "github_annotations",
    "in_github_actions",
    "judge_variable",
    "load_config",
    "plan_gate",
    "problem_annotations",
    "render_junit",
    "render_problems_junit",
    "render_problems_summary",
    "render_summary",
    "resolve",
    "run_gate",
    "verdict_line",
    "workflow_command",
]
