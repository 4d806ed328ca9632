"""Statement-level variables in a real Label Studio 1.23.2: the server and its own parser.

The config made for a codebook with ``unit: statement`` variables must be accepted by the
server, and Label Studio's own parser (``label_studio_sdk.label_interface``, in the server's
venv) must read the statement questions as per-region controls tied to the statement labels.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from intercoder.codebook.registry import load_codebook
from intercoder.studio.client import Client
from intercoder.studio.labelconfig import label_config
from test_codebook_statements import HEAD, PER_STATEMENT, STATEMENTS

from .conftest import prepared

pytestmark = pytest.mark.studio


PARSE = """
import json, sys
from label_studio_sdk.label_interface import LabelInterface
interface = LabelInterface(sys.stdin.read())
print(json.dumps({
    tag.name: {"per_region": tag.attr.get("perRegion"), "when": getattr(tag, "conditionals", None),
               "to_name": tag.to_name, "tag": tag.tag}
    for tag in interface.controls
}))
"""


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "stmt" / "1.0.0.yaml"
    path.parent.mkdir()
    path.write_text(HEAD + STATEMENTS + PER_STATEMENT, encoding="utf-8")
    return label_config(load_codebook(path), "ru")


def test_the_server_accepts_per_region_statement_questions(client: Client, config: str) -> None:
    project = client.request(
        "POST", "/api/projects/", {"title": "statements", "label_config": config}
    )
    assert project["label_config"].count('perRegion="true"') == 4


def test_label_studios_parser_reads_them_as_per_region_controls(config: str) -> None:
    exe, _ = prepared()
    done = subprocess.run(
        [str(exe.parent / "python"), "-c", PARSE],
        input=config,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    controls = json.loads(done.stdout)
    assert controls["statement"]["tag"] == "Labels"
    assert controls["statement"]["per_region"] is None
    for name, tag in (
        ("speaker", "Choices"),
        ("target", "Taxonomy"),
        ("severity", "Rating"),
        ("note", "TextArea"),
    ):
        assert controls[name]["tag"] == tag
        assert controls[name]["per_region"] == "true"
        assert controls[name]["when"] == {"type": "tag", "name": "statement"}
        assert controls[name]["to_name"] == ["text"]
    assert controls["hate_speech"]["per_region"] is None
