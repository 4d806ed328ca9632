"""What a recorded round holds, and how a round is made from a command's results.

A :class:`Round` is the ledger's row for one run of ``agree``, ``check``, ``report`` or
``certify`` with ``--record``: its name and time, the codebook ``id@version`` (and a fingerprint
of each variable's definition, so later comparisons can tell which variables a new codebook
version changed), the input files with their SHA-256, the coders and units, each variable's
result as the command computed it, the certification against a gold standard when there was
one, and the unit-level codings (:class:`VariableCodings`, exactly the data the coefficients
were computed from) that bootstrap comparisons, stability and per-annotator export need later.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from .._version import __version__
from ..annotations import AnnotationSet
from ..codebook.dump import variable_to_dict
from ..codebook.model import Codebook
from ..reliability import ReliabilityReport, SourceFile, prepare, source_files


@attrs.frozen
class FileRow:
    path: str
    sha256: str
    size: int
    records: int | None


@attrs.frozen
class ResultRow:
    """One variable's reliability in a round (see ``reliability.VariableReliability``)."""

    variable: str
    level: str
    coefficient: str
    alpha: float
    ci_low: float | None
    ci_high: float | None
    n_units: int
    n_coders: int
    threshold: float
    tentative: float
    status: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable,
            "alpha": _number(self.alpha),
            "ci": {"low": _number(self.ci_low), "high": _number(self.ci_high)},
            "n_units": self.n_units,
            "n_coders": self.n_coders,
            "coefficient": self.coefficient,
            "level": self.level,
            "threshold": self.threshold,
            "status": self.status,
        }


@attrs.frozen
class CertificationRow:
    coder: str
    variable: str
    alpha: float
    accuracy: float
    n_units: int
    status: str


def _number(value: float | None) -> float | None:
    if value is None or math.isnan(value):
        return None
    return round(float(value), 6)


def _plain(value: Any) -> Any:
    """A coded value as JSON: a set of codes as a sorted list."""
    if isinstance(value, frozenset | set | tuple | list):
        return sorted(str(v) for v in value)
    return value


@attrs.frozen
class VariableCodings:
    """One variable's codings as the coefficients saw them: ``(unit, coder, value)`` records
    (``show_if`` applied), the level (``masi`` for a multiple choice: values are sets) and the
    declared value order (None when the values are their own order)."""

    level: str
    categories: tuple[Any, ...] | None
    records: tuple[tuple[str, str, Any], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "categories": None if self.categories is None else list(self.categories),
            "records": [[u, c, _plain(v)] for u, c, v in self.records],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> VariableCodings:
        level = str(raw["level"])
        categories = raw.get("categories")
        records = tuple(
            (str(u), str(c), frozenset(v) if level == "masi" else v) for u, c, v in raw["records"]
        )
        return cls(level, None if categories is None else tuple(categories), records)

    @property
    def coders(self) -> list[str]:
        return sorted({c for _, c, _ in self.records})

    def by_unit(self) -> dict[str, dict[str, Any]]:
        """Unit -> coder -> value, units in the order first coded."""
        out: dict[str, dict[str, Any]] = {}
        for unit, coder, value in self.records:
            out.setdefault(unit, {})[coder] = value
        return out


@attrs.frozen
class Round:
    """A recorded round (see the module documentation); ``name`` is empty until recorded."""

    name: str
    recorded_at: str
    command: str
    codebook: str
    codebook_id: str
    codebook_version: str
    n_units: int
    coders: tuple[str, ...]
    bootstrap: int
    seed: int | None
    intercoder_version: str
    #: variable -> SHA-256 of its definition in this codebook version
    definitions: dict[str, str]
    files: tuple[FileRow, ...]
    results: tuple[ResultRow, ...]
    certifications: tuple[CertificationRow, ...] = ()
    codings: dict[str, VariableCodings] = attrs.field(factory=dict)

    def named(self, name: str) -> Round:
        return attrs.evolve(self, name=name)

    def result(self, variable: str) -> ResultRow | None:
        return next((r for r in self.results if r.variable == variable), None)

    def summary(self) -> dict[str, Any]:
        """The round as ``rounds list --format json`` prints it."""
        return {
            "round": self.name,
            "codebook": self.codebook,
            "recorded_at": self.recorded_at,
            "command": self.command,
            "n_units": self.n_units,
            "coders": list(self.coders),
            "variables": [r.as_dict() for r in self.results],
        }

    def details(self) -> dict[str, Any]:
        """Everything but the unit-level codings, as ``rounds show --format json`` prints it."""
        out = self.summary()
        out["files"] = [attrs.asdict(f) for f in self.files]
        out["bootstrap"] = self.bootstrap
        out["seed"] = self.seed
        out["intercoder_version"] = self.intercoder_version
        by_coder: dict[str, list[dict[str, Any]]] = {}
        for c in self.certifications:
            by_coder.setdefault(c.coder, []).append(
                {
                    "variable": c.variable,
                    "alpha": _number(c.alpha),
                    "accuracy": _number(c.accuracy),
                    "n_units": c.n_units,
                    "status": c.status,
                }
            )
        out["certification"] = [{"coder": k, "variables": v} for k, v in by_coder.items()]
        return out


def definition_hashes(cb: Codebook) -> dict[str, str]:
    """Variable -> SHA-256 of its definition (as the codebook file states it)."""
    return {
        var.id: hashlib.sha256(
            json.dumps(variable_to_dict(var), sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        for var in cb.variables
    }


def _codings(annotations: AnnotationSet, cb: Codebook) -> dict[str, VariableCodings]:
    out = {}
    coded = set(annotations.distinct("variable"))
    for var in cb.variables:
        if var.id not in coded:
            continue
        data = prepare(annotations, var, cb)
        if data is None:
            continue
        records: list[tuple[str, str, Any]] = []
        for unit, coder, value in data.records:
            records.append((str(unit), str(coder), _plain(value)))
        categories = None if data.categories is None else tuple(data.categories)
        out[var.id] = VariableCodings(data.level, categories, tuple(records))
    return out


def make_round(
    command: str,
    annotations: AnnotationSet,
    cb: Codebook,
    report: ReliabilityReport,
    *,
    files: Sequence[str | Path | SourceFile],
    name: str | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    certifications: Sequence[CertificationRow] = (),
    recorded_at: datetime | None = None,
    codings: bool = True,
) -> Round:
    """The round a command's results make, ready for :func:`~intercoder.ledger.store.write_round`
    (``codings=False``: without the unit-level codings, for a round that is only shown).
    ``files`` are paths, or the :class:`~intercoder.reliability.SourceFile` of each when the
    caller has already hashed them."""
    paths = [f for f in files if not isinstance(f, SourceFile)]
    sources = [f for f in files if isinstance(f, SourceFile)] + source_files(annotations, paths)
    when = (recorded_at or datetime.now(UTC)).astimezone(UTC)
    results = tuple(
        ResultRow(
            variable=v.variable,
            level=v.level,
            coefficient=v.coefficient,
            alpha=v.alpha,
            ci_low=v.ci_low,
            ci_high=v.ci_high,
            n_units=v.n_units,
            n_coders=v.n_coders,
            threshold=v.threshold,
            tentative=v.tentative,
            status=v.status,
        )
        for v in report.variables
    )
    return Round(
        name=name or "",
        recorded_at=when.isoformat(timespec="seconds").replace("+00:00", "Z"),
        command=command,
        codebook=cb.ref,
        codebook_id=cb.id,
        codebook_version=cb.version,
        n_units=report.n_units,
        coders=tuple(str(c) for c in report.coders),
        bootstrap=bootstrap,
        seed=seed,
        intercoder_version=__version__,
        definitions=definition_hashes(cb),
        files=tuple(FileRow(f.path, f.sha256, f.size, f.records) for f in sources),
        results=results,
        certifications=tuple(certifications),
        codings=_codings(annotations, cb) if codings else {},
    )


def certification_rows(certification: Any) -> list[CertificationRow]:
    """The rows of a :class:`~intercoder.workflow.certify.Certification`."""
    return [
        CertificationRow(c.coder, v.variable, v.alpha, v.accuracy, v.n_units, v.status)
        for c in certification.coders
        for v in c.variables
    ]
