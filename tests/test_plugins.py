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

import krippendorff
import pytest

from intercoder import hookspecs, plugins
from intercoder.extensions import Coder, Exporter, Importer

from support import RunCli

ROOT = Path(__file__).resolve().parents[1]
HOOKS = sorted(n for n in dir(hookspecs) if n.startswith("register_"))

# A third-party plugin that implements every hook; each thing it registers is used through the
# CLI by a test below. Its names ("shouting", "pipe", "tsv", "plugin-book", "greet") are not
# provided by intercoder itself, so a test passes only if the plugin's registration worked.
GOOD_PLUGIN = '''
import click
from pathlib import Path
import intercoder
from intercoder.extensions import Coder, Exporter, Importer
from intercoder.annotations import Annotation, AnnotationSet
from intercoder.errors import Location

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


class Pipe(Importer):
    name = "pipe"
    extensions = (".pipe",)

    def read(self, path):
        records = []
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            unit, coder, variable, value = line.split("|")
            records.append(Annotation(unit, coder, variable, value,
                                      location=Location(str(path), number)))
        return AnnotationSet.from_records(records)


@intercoder.hookimpl
def register_coders(register):
    register(Shouting())


@intercoder.hookimpl
def register_importers(register):
    register(Pipe())


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
    # Every hook of hookspecs.py: a new hook fails here until the test plugin implements it
    # (and the tests below use what it registers).
    assert info["hooks"] == HOOKS
    # what it provides, by the names the commands take (code --coder, export --to, file endings)
    assert info["provides"] == {"coders": ["shouting"], "exporters": ["tsv"], "importers": ["pipe"]}
    everything = json.loads(run_cli("plugins", "--all", "--json", env=env_for(site)).stdout)
    assert any(p["builtin"] for p in everything)
    table = run_cli("plugins", "--all", env=env_for(site)).stdout
    assert "    coders: lexicon" in table  # the coder `code --help` refers to is listed
    assert "    coders: shouting" in table


def test_plugin_command_runs(run_cli: RunCli, site: Path) -> None:
    env = env_for(site)
    greet = run_cli("greet", "Aibek", env=env)
    assert (greet.returncode, greet.stdout) == (0, "salam, Aibek\n")
    assert re.search(
        r"^  greet +Say hello \(from a plugin\)\.$", run_cli("--help", env=env).stdout, re.M
    )


def test_plugin_importer_reads_the_files_agree_is_given(
    run_cli: RunCli, site: Path, tmp_path: Path, minimal_path: Path
) -> None:
    """``agree`` picks the plugin's importer by the ``.pipe`` ending it claims."""
    votes = {"u1": ("yes", "yes"), "u2": ("no", "no"), "u3": ("yes", "no"), "u4": ("no", "no")}
    path = tmp_path / "round.pipe"
    path.write_text(
        "".join(f"{u}|ana|relevant|{a}\n{u}|bek|relevant|{b}\n" for u, (a, b) in votes.items()),
        encoding="utf-8",
    )
    args = ("agree", str(path), "--codebook", str(minimal_path), "--format", "json")
    without = run_cli(*args, env=env_for(site, INTERCODER_LOAD_PLUGINS=""))
    assert without.returncode == 1
    assert "no importer for '.pipe'" in without.stderr

    proc = run_cli(*args, env=env_for(site))
    assert proc.returncode == 0, proc.stderr
    (relevant, _severity) = json.loads(proc.stdout)["variables"]
    codes = {"yes": 1, "no": 0}
    matrix = [[codes[v[i]] for v in votes.values()] for i in (0, 1)]
    expected = krippendorff.alpha(matrix, level_of_measurement="nominal")
    assert (relevant["variable"], relevant["n_units"], relevant["n_coders"]) == ("relevant", 4, 2)
    assert relevant["alpha"] == pytest.approx(expected, abs=1e-6)


def test_plugin_exporter_writes_what_export_to_names(
    run_cli: RunCli, site: Path, tmp_path: Path
) -> None:
    env = env_for(site)
    annotations = tmp_path / "a.csv"
    annotations.write_text(
        "unit_id,coder_id,variable,value\nu1,ana,relevant,yes\n", encoding="utf-8"
    )
    choices = re.search(r"--to \[([a-z|]+)\]", run_cli("export", "--help", env=env).stdout)
    assert choices is not None
    assert "tsv" in choices.group(1).split("|")
    out = tmp_path / "a.tsv"
    proc = run_cli("export", str(annotations), "--to", "tsv", "-o", str(out), env=env)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == "u1\tana\trelevant\tyes\n"


def test_plugin_coder_codes_the_tasks(run_cli: RunCli, site: Path, tmp_path: Path) -> None:
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("unit_id,text\nu1,Stop it!\nu2,A calm day.\n", encoding="utf-8")
    out = tmp_path / "coded.jsonl"
    args = ("code", str(tasks), "--coder", "shouting", "--codebook", "plugin-book")
    proc = run_cli(*args, "-o", str(out), env=env_for(site))
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    got = [(r["unit_id"], r["coder_id"], r["variable"], r["value"], r["codebook"]) for r in rows]
    assert got == [
        ("u1", "shouting@2.0.0", "relevant", "yes", "plugin-book@1.0.0"),
        ("u2", "shouting@2.0.0", "relevant", "no", "plugin-book@1.0.0"),
    ]


def test_a_coder_writing_a_value_the_codebook_lacks_is_named_and_nothing_written(
    run_cli: RunCli, site: Path, tmp_path: Path
) -> None:
    install(
        site,
        "intercoder-mumbling",
        "mumbling_plugin",
        """
import intercoder
from intercoder.annotations import Annotation
from intercoder.extensions import Coder

class Mumbling(Coder):
    name = "mumbling"
    version = "0.3.0"

    def code(self, tasks, codebook):
        for task in tasks:
            yield Annotation(task.unit_id, self.coder_id, "relevant", "maybe",
                             codebook=codebook.ref)

@intercoder.hookimpl
def register_coders(register):
    register(Mumbling())
""",
    )
    tasks = tmp_path / "tasks.csv"
    tasks.write_text("unit_id,text\nu1,Stop it!\nu2,A calm day.\n", encoding="utf-8")
    out = tmp_path / "coded.csv"
    proc = run_cli(
        "code", str(tasks), "--coder", "mumbling", "--codebook", "plugin-book", "-o", str(out),
        env=env_for(site),
    )  # fmt: skip
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "coder mumbling@0.3.0: " in proc.stderr
    assert "'maybe'" in proc.stderr
    assert "coder 'mumbling@0.3.0' wrote annotations that do not fit plugin-book@1.0.0" in (
        proc.stderr
    )
    assert not out.exists()


def test_plugin_codebook_directory_is_listed_and_loadable(run_cli: RunCli, site: Path) -> None:
    env = env_for(site)
    listed = json.loads(run_cli("codebook", "list", "--json", env=env).stdout)
    assert "plugin-book" in {row["id"] for row in listed}
    shown = run_cli("codebook", "show", "plugin-book", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "plugin-book@1.0.0" in shown.stdout
    alone = json.loads(
        run_cli("codebook", "list", "--json", env=env_for(site, INTERCODER_LOAD_PLUGINS="")).stdout
    )
    assert "plugin-book" not in {row["id"] for row in alone}


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
    install(site, "intercoder-other", "other_plugin", '"""A plugin with no hooks yet."""\n')

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


def test_collisions_keep_the_first_and_warn(run_cli: RunCli, site: Path, tmp_path: Path) -> None:
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
    clash = (
        "plugin 'clash_plugin' registered exporter 'csv', which plugin "
        "'intercoder.formats.long' already provides; keeping the first"
    )
    assert clash in proc.stderr
    # An export asks for the exporters twice (to check --to, then to write); the registry is
    # collected once, so the clash is reported once.
    (tmp_path / "in.csv").write_text("unit_id,coder_id,variable,value\nu1,c1,v,a\n", "utf-8")
    out = tmp_path / "out.jsonl"
    proc = run_cli(
        "export", str(tmp_path / "in.csv"), "--to", "jsonl", "-o", str(out), env=env_for(site)
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count(clash) == 1
    assert json.loads(out.read_text(encoding="utf-8"))["value"] == "a"
    assert "plugin 'clash_plugin' registered a bad exporter" in proc.stderr
    assert "plugin 'clash_plugin' tried to replace the command 'agree'" in proc.stderr
    assert "Inter-coder reliability" in run_cli("agree", "--help", env=env_for(site)).stdout


def test_main_runs_twice_in_one_process_without_replacing_its_commands(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook or a test calls ``main`` again: every command is registered once per host."""
    from intercoder import plugins
    from intercoder.cli import main

    monkeypatch.setenv("INTERCODER_LOAD_PLUGINS", "")  # built-ins only: strict mode must pass
    plugins.reset()
    try:
        for _ in range(2):
            with pytest.raises(SystemExit) as exit_info:
                main(["--strict-plugins", "report", "--help"])
            assert exit_info.value.code == 0
            captured = capsys.readouterr()
            assert captured.out.startswith("Usage: intercoder report [OPTIONS] FILES...")
            assert captured.err == ""
    finally:
        plugins.reset()


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
