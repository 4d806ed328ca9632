"""Coder settings: ``--coder-option KEY=VALUE`` and ``[tool.intercoder.coders.NAME]``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from intercoder.annotations import Annotation
from intercoder.codebook.model import Codebook
from intercoder.configfile import ConfigError, coder_settings, find_config, parse_option
from intercoder.extensions import Coder, CoderSettingsError
from intercoder.tasks import Task

from support import RunCli


@pytest.fixture
def task_file(tmp_path: Path) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text(
        json.dumps(
            {"unit_id": "u1", "text": "Oʻzbeklar bozorda savdo qilishadi.", "lang": "uz-Latn"}
        )
        + "\n",
        encoding="utf-8",
    )
    return path


def _code(run_cli: RunCli, task_file: Path, cwd: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(
        "code", str(task_file), "--coder", "lexicon", "--codebook", "hate-speech",
        "-o", str(cwd / "out.csv"), *extra, cwd=cwd,
    )  # fmt: skip


def test_pyproject_coder_table_values_come_as_text(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.intercoder.coders.llm]\nmodel = 'tiny'\ntemperature = 0.5\nruns = 3\n"
        "strict = true\n",
        encoding="utf-8",
    )
    found = find_config(tmp_path / "sub" if (tmp_path / "sub").mkdir() is None else tmp_path)
    assert found == (tmp_path / "pyproject.toml").resolve()
    assert coder_settings(found, "llm") == {
        "model": "tiny",
        "temperature": "0.5",
        "runs": "3",
        "strict": "true",
    }
    assert coder_settings(found, "lexicon") == {}


def test_intercoder_toml_coder_table_at_the_top_level(tmp_path: Path) -> None:
    path = tmp_path / "intercoder.toml"
    path.write_text("[coders.nearest]\nthreshold = 0.3\n", encoding="utf-8")
    assert coder_settings(path, "nearest") == {"threshold": "0.3"}


def test_a_list_in_a_coder_table_is_refused_with_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "intercoder.toml"
    path.write_text("[coders.llm]\nmodel = ['a', 'b']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"intercoder.toml: \[coders.llm\] model: expected text"):
        coder_settings(path, "llm")


def test_option_splits_at_the_first_equals_sign() -> None:
    assert parse_option("base_url=http://127.0.0.1:8080/v1?a=b") == (
        "base_url",
        "http://127.0.0.1:8080/v1?a=b",
    )
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_option("temperature")


class _Plain(Coder):
    name = "plain"
    version = "1.0"

    def code(self, tasks: Iterable[Task], codebook: Codebook) -> Iterator[Annotation]:
        return iter(())


class _Tuned(_Plain):
    name = "tuned"

    def configure(self, options: Mapping[str, str]) -> None:
        self.options = dict(options)


def test_a_coder_written_before_settings_existed_still_works_without_them() -> None:
    coder = _Plain()
    coder.configure({})
    assert coder.summary() == []
    with pytest.raises(CoderSettingsError, match="'plain' takes no settings"):
        coder.configure({"model": "x"})


def test_a_coder_that_takes_settings_receives_them() -> None:
    coder = _Tuned()
    coder.configure({"model": "x"})
    assert coder.options == {"model": "x"}


def test_lexicon_refuses_a_coder_option_as_a_usage_error(
    run_cli: RunCli, task_file: Path, tmp_path: Path
) -> None:
    proc = _code(run_cli, task_file, tmp_path, "--coder-option", "model=x")
    assert proc.returncode == 2, proc.stderr
    assert "coder 'lexicon' takes no settings (got model)" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out.csv").exists()


def test_lexicon_refuses_settings_from_the_configuration_file(
    run_cli: RunCli, task_file: Path, tmp_path: Path
) -> None:
    (tmp_path / "intercoder.toml").write_text("[coders.lexicon]\nfast = true\n", encoding="utf-8")
    proc = _code(run_cli, task_file, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "takes no settings (got fast)" in proc.stderr


def test_a_malformed_option_is_a_usage_error(
    run_cli: RunCli, task_file: Path, tmp_path: Path
) -> None:
    proc = _code(run_cli, task_file, tmp_path, "--coder-option", "novalue")
    assert proc.returncode == 2
    assert "expected KEY=VALUE, got 'novalue'" in proc.stderr


def test_the_gate_accepts_a_file_with_coder_tables(
    run_cli: RunCli, task_file: Path, tmp_path: Path
) -> None:
    from intercoder.gate import load_config

    (tmp_path / "intercoder.toml").write_text(
        "min-alpha = 0.7\n[coders.llm]\nmodel = 'm'\n", encoding="utf-8"
    )
    config = load_config(tmp_path / "intercoder.toml")
    assert config.settings.min_alpha == 0.7


def test_lexicon_has_no_dry_run(run_cli: RunCli, task_file: Path, tmp_path: Path) -> None:
    proc = _code(run_cli, task_file, tmp_path, "--dry-run")
    assert proc.returncode == 2
    assert "coder 'lexicon' has no dry run" in proc.stderr
