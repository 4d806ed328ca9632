"""Coverage-guided fuzzing of the readers with atheris (libFuzzer), for the ``fuzz`` tox env.

    python tests/fuzz/atheris_fuzz.py TARGET [-runs=N] [-max_len=BYTES] [CORPUS_DIR ...]

TARGET is one of ``codebook``, ``qdc``, ``csv``, ``jsonl``, ``parquet``, ``wide.csv``, ``json``
(see :func:`fuzz_targets.targets`), or ``all`` to give each target its own run of ``-runs``
inputs in turn. The property is the Hypothesis suite's: records or a located
``IntercoderError``; anything else is a crash, which libFuzzer reports with the input that
caused it (written to ``crash-*``), exit code non-zero.

atheris instruments the intercoder package (``atheris.instrument_imports``) so that inputs
reaching new branches are kept and mutated further.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1]))  # tests/: strategies, support

with atheris.instrument_imports(include=["intercoder"]):
    # The modules that do the reading, imported here so that they are instrumented: the
    # importers load them lazily, which would be after instrumentation.
    from fuzz_targets import targets

    import intercoder.annotations
    import intercoder.codebook.refiqda
    import intercoder.codebook.validate
    import intercoder.columnar
    import intercoder.formats.labelstudio
    import intercoder.formats.long
    import intercoder.formats.tabular
    import intercoder.rows
    import intercoder.yamlsafe  # noqa: F401


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    name, rest = sys.argv[1], sys.argv[2:]
    with tempfile.TemporaryDirectory(prefix="intercoder-atheris-") as directory:
        found = targets(Path(directory))
        if name == "all":
            # libFuzzer runs one target per process: run each in a process of its own.
            for each in found:
                done = subprocess.run([sys.executable, __file__, each, *rest], check=False)
                if done.returncode:
                    sys.exit(done.returncode)
            return
        if name not in found:
            sys.exit(f"unknown target {name!r}; one of: {', '.join(found)}, all")
        target = found[name]

        def test_one_input(data: bytes) -> None:
            target(data)

        atheris.Setup([sys.argv[0], *rest], test_one_input)
        atheris.Fuzz()


if __name__ == "__main__":
    main()
