"""The ledger of rounds: reliability per codebook version and team, over time.

Every run of ``agree``, ``check``, ``report`` or ``certify`` with ``--record`` adds a round to an
embedded SQLite file (:mod:`.store`): the codebook version, the input files with their hashes,
the coders and units, each variable's result, the certification against a gold standard and the
unit-level codings. From the rounds: the change of alpha between two rounds with a bootstrap
interval, drift checks and the codebook feedback loop (:mod:`.compare`), each coder's stability
over time (:mod:`.stability`), the methods paragraph a journal asks for (:mod:`.methods`) and the
per-annotator export for learning from disagreement (:mod:`.export`).

Layer 6, beside ``report`` and ``workflow``: it records what :mod:`intercoder.reliability`
computed and never computes a round's own coefficients itself.
"""

from __future__ import annotations

from .compare import (
    Comparison,
    VariableChange,
    changed_variables,
    codebook_changes,
    compare_rounds,
    drops,
)
from .export import perspectivist_jsonl, perspectivist_rows
from .methods import methods_markdown, methods_paragraphs
from .model import (
    CertificationRow,
    FileRow,
    ResultRow,
    Round,
    VariableCodings,
    certification_rows,
    make_round,
)
from .stability import Stability, stability
from .store import (
    LEDGER_FILE,
    SCHEMA_VERSION,
    LedgerError,
    RoundExistsError,
    RoundNotFoundError,
    default_path,
    find_round,
    read_rounds,
    round_names,
    write_round,
)

__all__ = [
    "LEDGER_FILE",
    "SCHEMA_VERSION",
    "CertificationRow",
    "Comparison",
    "FileRow",
    "LedgerError",
    "ResultRow",
    "Round",
    "RoundExistsError",
    "RoundNotFoundError",
    "Stability",
    "VariableChange",
    "VariableCodings",
    "certification_rows",
    "changed_variables",
    "codebook_changes",
    "compare_rounds",
    "default_path",
    "drops",
    "find_round",
    "make_round",
    "methods_markdown",
    "methods_paragraphs",
    "perspectivist_jsonl",
    "perspectivist_rows",
    "read_rounds",
    "round_names",
    "stability",
    "write_round",
]
