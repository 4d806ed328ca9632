"""The package's layers run one way: every import, read from the source, points down or sideways.

The layers (CONTRIBUTING.md draws them) from the bottom:

1. foundation — ``agreement`` (numpy only), ``text``, ``errors``, ``fileio``, ``redact``,
   ``_version``;
2. readers and the plugin host — ``yamlsafe``, ``rows``, ``i18n``, ``templating``, ``hookspecs``,
   ``extensions``, ``plugins`` (pluggy and the standard library; plugins are imported by name);
3. the data model — ``codebook``, ``annotations``, ``tasks``, ``lexicon``;
4. built-in formats and coders — ``formats``, ``coders``;
5. ``reliability`` — computes everything a report or a gate shows;
6. renderers and workflows — ``report``, ``gate``, ``studio``, ``demo``, ``pilot``, ``workflow``;
7. ``commands`` — the only layer that imports click;
8. ``cli`` (and ``__main__``, ``testing``) — nothing in the package imports ``cli``.

Imports under ``if TYPE_CHECKING:`` never run and are not counted.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import intercoder

PACKAGE = Path(intercoder.__file__).parent

LAYERS: dict[str, int] = {
    "agreement": 1,
    "text": 1,
    "errors": 1,
    "fileio": 1,
    "redact": 1,
    "_version": 1,
    "configfile": 2,
    "yamlsafe": 2,
    "rows": 2,
    "i18n": 2,
    "templating": 2,
    "hookspecs": 2,
    "extensions": 2,
    "plugins": 2,
    "codebook": 3,
    "columnar": 2,
    "annotations": 3,
    "tasks": 3,
    "lexicon": 3,
    "formats": 4,
    "coders": 4,
    "reliability": 5,
    "report": 6,
    "gate": 6,
    "studio": 6,
    "demo": 6,
    "pilot": 6,
    "workflow": 6,
    "ledger": 6,
    "cluster": 6,
    "commands": 7,
    "cli": 8,
    "__main__": 8,
    "testing": 8,
}


def _room(module: str) -> str:
    """``intercoder.formats.long`` -> ``formats``; the package root is its own room."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        parts = [p for p in relative.parts if p != "__init__"]
        found[".".join(["intercoder", *parts])] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import that runs, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    target = ".".join([*base, child.module] if child.module else base)
                else:
                    target = child.module or ""
                found.append((child.lineno, target))
                if not child.module:  # from . import plugins
                    found.extend((child.lineno, f"{target}.{a.name}") for a in child.names)
            visit(child)

    visit(tree)
    return found


MODULES = _modules()


def test_every_module_has_a_layer() -> None:
    rooms = {_room(module) for module in MODULES} - {""}
    assert rooms <= set(LAYERS), f"rooms without a layer: {sorted(rooms - set(LAYERS))}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_or_sideways(module: str) -> None:
    own = _room(module)
    if not own:  # the package root loads names lazily, on first use
        return
    upward = []
    for line, target in _imports(module, MODULES[module]):
        if not target.startswith("intercoder.") or _room(target) == own:
            continue
        if LAYERS[_room(target)] > LAYERS[own]:
            upward.append(f"{MODULES[module].name}:{line} imports {target}")
    assert not upward, f"{module} (layer {LAYERS[own]}) imports upwards: {upward}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_command_layer_imports_click(module: str) -> None:
    if _room(module) in ("commands", "cli"):
        return
    clicks = [line for line, target in _imports(module, MODULES[module]) if target == "click"]
    assert not clicks, f"{module} imports click at line(s) {clicks}"


def test_nothing_imports_the_cli_module() -> None:
    importers = [
        f"{module} line {line}"
        for module, path in MODULES.items()
        if module not in ("intercoder.__main__",)
        for line, target in _imports(module, path)
        if target == "intercoder.cli"
    ]
    assert not importers


def test_the_agreement_engine_imports_only_numpy_and_the_standard_library() -> None:
    outside = sorted(
        {
            target
            for module, path in MODULES.items()
            if module.startswith("intercoder.agreement")
            for _, target in _imports(module, path)
            if not target.startswith(("intercoder.agreement", "numpy"))
            and target.split(".")[0] not in sys.stdlib_module_names
            and target != "__future__"
        }
    )
    assert outside == []


def test_loading_a_codebook_imports_neither_click_nor_the_cli() -> None:
    code = (
        "import sys, intercoder\n"
        "intercoder.load_codebook('hate-speech')\n"
        "from intercoder import agreement\n"
        "agreement.alpha([[1, 2, 2], [1, 2, 1]], level='nominal')\n"
        "from intercoder.formats import read_annotation_files\n"
        "print(','.join(sorted(m for m in sys.modules if m == 'click' or m.startswith("
        "('click.', 'intercoder.cli', 'intercoder.commands.')))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""
