"""The plugin system, exercised with real installed distributions.

Each test "installs" plugins the way pip leaves them: a module plus a ``<name>.dist-info``
directory with ``METADATA`` and ``entry_points.txt``, in a directory put on PYTHONPATH. The CLI
runs as a separate process, so discovery goes through importlib.metadata for real.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from pathlib import Path

import pytest

from intercoder import hookspecs, plugins
from intercoder.extensions import Coder, Exporter, Importer

from support import RunCli

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(n for n in dir(hookspecs) if n.startswith("register_"))

GOOD_PLUGIN = '''
import click
from pathlib import Path
import intercoder
from intercoder.extensions import Coder, Exporter
from intercoder.annotations import Annotation

HERE = Path(__file__).parent


class Shouting(Coder):
    name = "shouting"
    version = "2.0.0"
    description = "codes every text with an exclamation mark as relevant"

    def code(self, tasks, codebook):
        for task in tasks:
            yield Annotation(task.unit_id, self.coder_id, "relevant",
                             "yes" if "!" in task.text else "no", codebook=codebook.ref)


class Tsv(Exporter):
    name = "tsv"
    extension = ".tsv"

    def write(self, annotations, path, codebook):
        Path(path).write_text("".join(
            f"{r.unit_id}\\t{r.coder_id}\\t{r.variable}\\t{r.value}\\n" for r in annotations),
            encoding="utf-8")


@intercoder.hookimpl
def register_coders(register):
    register(Shouting())


@intercoder.hookimpl
def register_exporters(register):
    register(Tsv())


@intercoder.hookimpl
def register_codebooks(register):
    register(HERE / "good_codebooks")


@intercoder.hookimpl
def register_commands(cli):
    @cli.command()
    @click.argument("name")
    def greet(name):
        """Say hello (from a plugin)."""
        click.echo(f"salam, {name}")
'''


def install(site: Path, dist: str, module: str, source: str, version: str = "1.0.0") -> None:
    """Install a one-module plugin distribution into ``site`` as pip would lay it out."""
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(f"[intercoder]\n{module} = {module}\n", encoding="utf-8")
    with (site / ".dists").open("a", encoding="utf-8") as handle:
        handle.write(dist + "\n")


@pytest.fixture
def site(tmp_path: Path, minimal_text: str) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    install(site, "intercoder-good", "good_plugin", GOOD_PLUGIN, version="2.0.0")
    book = site / "good_codebooks" / "plugin-book" / "1.0.0.yaml"
    book.parent.mkdir(parents=True)
    book.write_text(
        minimal_text.replace("codebook: minimal", "codebook: plugin-book"), encoding="utf-8"
    )
    return site


def env_for(site: Path, **extra: str) -> dict[str, str]:
    """Environment that sees the plugins installed in ``site`` and no others (so plugins
    installed in the test environment itself, like the first-party ones, do not interfere)."""
    import os

    paths = [str(site), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    dists = (site / ".dists").read_text(encoding="utf-8").split()
    return {
        "PYTHONPATH": os.pathsep.join(paths),
        "INTERCODER_LOAD_PLUGINS": ",".join(dists),
        **extra,
    }


def test_plugin_is_listed_with_version_and_hooks(run_cli: RunCli, site: Path) -> None:
    proc = run_cli("plugins", "--json", env=env_for(site))
    assert proc.returncode == 0, proc.stderr
    (info,) = json.loads(proc.stdout)
    assert info["name"] == "good_plugin"
    assert info["distribution"] == "intercoder-good"
    assert info["version"] == "2.0.0"
    assert info["hooks"] == [
        "register_codebooks",
        "register_coders",
        "register_commands",
        "register_exporters",
    ]
    everything = json.loads(run_cli("plugins", "--all", "--json", env=env_for(site)).stdout)
    assert any(p["builtin"] for p in everything)


def test_plugin_command_exporter_and_codebook_work(
    run_cli: RunCli, site: Path, tmp_path: Path
) -> None:
    env = env_for(site)
    greet = run_cli("greet", "Aibek", env=env)
    assert (greet.returncode, greet.stdout) == (0, "salam, Aibek\n")
    assert "greet" in run_cli("--help", env=env).stdout

    annotations = tmp_path / "a.csv"
    annotations.write_text(
        "unit_id,coder_id,variable,value\nu1,ana,relevant,yes\n", encoding="utf-8"
    )
    assert "[csv|jsonl" in run_cli("export", "--help", env=env).stdout
    out = tmp_path / "a.tsv"
    proc = run_cli("export", str(annotations), "--to", "tsv", "-o", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == "u1\tana\trelevant\tyes\n"

    listed = json.loads(run_cli("codebook", "list", "--json", env=env).stdout)
    assert "plugin-book" in {row["id"] for row in listed}


def test_broken_plugin_is_named_and_skipped(run_cli: RunCli, site: Path) -> None:
    install(site, "intercoder-broken", "broken_plugin", "raise ImportError('no module gpu')\n")
    env = env_for(site)
    proc = run_cli("--help", env=env)
    assert proc.returncode == 0
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert warnings == [
        "intercoder: warning: plugin 'broken_plugin' (intercoder-broken) failed "
        "to load: ImportError: no module gpu; skipped"
    ]
    assert run_cli("greet", "x", env=env).stdout == "salam, x\n"  # the others still work

    strict = run_cli("--strict-plugins", "codebook", "list", env=env)
    assert strict.returncode == 1
    assert "broken_plugin" in strict.stderr
    assert "Traceback" not in strict.stderr


def test_misspelt_hook_fails_loudly(run_cli: RunCli, site: Path) -> None:
    install(
        site,
        "intercoder-typo",
        "typo_plugin",
        "import intercoder\n\n@intercoder.hookimpl\ndef register_coder(register):\n    pass\n",
    )
    proc = run_cli("plugins", env=env_for(site))
    assert proc.returncode == 0
    assert (
        "plugin 'typo_plugin' implements unknown hook 'register_coder' "
        "(did you mean 'register_coders'?); skipped"
    ) in proc.stderr
    assert run_cli("--strict-plugins", "plugins", env=env_for(site)).returncode == 1


def test_load_plugins_allow_list(run_cli: RunCli, site: Path) -> None:
    install(
        site,
        "intercoder-other",
        "other_plugin",
        "import intercoder\n\n@intercoder.hookimpl\ndef register_importers(register):\n    pass\n",
    )

    def names(value: str) -> set[str]:
        proc = run_cli("plugins", "--json", env=env_for(site, INTERCODER_LOAD_PLUGINS=value))
        return {p["name"] for p in json.loads(proc.stdout)}

    assert names("") == set()
    assert names("intercoder-good") == {"good_plugin"}
    assert names("intercoder_good, intercoder-other") == {"good_plugin", "other_plugin"}


def test_trace_plugins(run_cli: RunCli, site: Path) -> None:
    proc = run_cli("plugins", env=env_for(site, INTERCODER_TRACE_PLUGINS="1"))
    assert re.search(
        r"^register_commands \[hook\] plugin=good_plugin \['cli'\]$", proc.stderr, re.MULTILINE
    ), proc.stderr
    assert "register_commands [finish] plugin=good_plugin" in proc.stderr


def test_collisions_keep_the_first_and_warn(run_cli: RunCli, site: Path) -> None:
    install(
        site,
        "intercoder-clash",
        "clash_plugin",
        """
import click
import intercoder
from intercoder.extensions import Exporter

class FakeCsv(Exporter):
    name = "csv"
    def write(self, annotations, path, codebook):
        raise AssertionError("must not be used")

@intercoder.hookimpl
def register_exporters(register):
    register(FakeCsv())
    register("not an exporter")

@intercoder.hookimpl
def register_commands(cli):
    @cli.command("agree")
    def fake():
        pass
""",
    )
    proc = run_cli("export", "--help", env=env_for(site))
    assert proc.returncode == 0
    assert (
        "plugin 'clash_plugin' registered exporter 'csv', which plugin "
        "'intercoder.formats.long' already provides; keeping the first"
    ) in proc.stderr
    assert "plugin 'clash_plugin' registered a bad exporter" in proc.stderr
    assert "plugin 'clash_plugin' tried to replace the command 'agree'" in proc.stderr
    assert "Inter-coder reliability" in run_cli("agree", "--help", env=env_for(site)).stdout


def test_the_testing_fixtures(
    intercoder_plugins, sample_codebook, sample_tasks, sample_annotations
) -> None:
    """intercoder.testing (the pytest11 plugin) gives plugin authors a sandboxed host."""
    from types import SimpleNamespace

    import intercoder

    class Everything(Coder):
        name = "everything"
        version = "0.0.1"

        def code(self, tasks, codebook):
            from intercoder.annotations import Annotation

            for task in tasks:
                yield Annotation(task.unit_id, self.coder_id, "group_mentioned", "yes")

    plugin = SimpleNamespace(
        register_coders=intercoder.hookimpl(lambda register: register(Everything()))
    )
    intercoder_plugins.register(plugin, name="everything-plugin")
    coder = intercoder_plugins.host.coders()["everything"]
    assert [a.coder_id for a in coder.code(sample_tasks, sample_codebook)] == [
        "everything@0.0.1"
    ] * len(sample_tasks)
    assert sample_codebook.ref == "sample@1.0.0"
    assert len(sample_annotations) == 12
    assert isinstance(intercoder_plugins.host.importers()["csv"], Importer)
    assert isinstance(intercoder_plugins.host.exporters()["jsonl"], Exporter)
    plugins.reset()


# --- meta-tests --------------------------------------------------------------------------------


def test_every_hook_is_documented_with_its_signature() -> None:
    reference = (ROOT / "docs" / "developer" / "hooks.md").read_text(encoding="utf-8")
    tree = ast.parse((ROOT / "src" / "intercoder" / "hookspecs.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in HOOKS:
            signature = f"{node.name}({ast.unparse(node.args)})"
            assert signature in reference, f"docs/developer/hooks.md lacks `{signature}`"
            assert "Added in" in (ast.get_docstring(node) or "")


def test_every_hook_has_a_test() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for hook in HOOKS:
        assert source.count(f"def {hook}(") >= 1, f"no test plugin implements {hook}"
