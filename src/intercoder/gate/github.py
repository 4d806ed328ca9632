"""GitHub Actions workflow commands (``::error``/``::warning``) pointing at the codebook's lines."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..codebook.model import Codebook
from ..errors import Diagnostic
from .config import FAILURE, MAX_SHOWN
from .judge import GateResult

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
    from ..yamlsafe import YamlError, read_yaml

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
    for problem in list(problems)[:MAX_SHOWN]:
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
