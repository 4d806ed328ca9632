"""Label Studio configs show a question on another's answer only through a ``Choices`` tag.

Label Studio's ``visibleWhen="choice-selected"`` reads the selection of the tag ``whenTagName``
names; pointed at a ``Rating`` (which intercoder uses for ordinal scales coded 1..n) it throws
``hasChoiceSelection is not a function`` and the labeling page stays blank. That happened with
hate-speech 2.0.0, whose Rabat questions are shown on ``severity`` 2-3.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import intercoder
from intercoder.studio.labelconfig import label_config


def _tags(config: str) -> dict[str, str]:
    return {el.get("name", ""): el.tag for el in ET.fromstring(config).iter() if el.get("name")}


@pytest.mark.parametrize(
    "ref", ["hate-speech@2.0.0", "stereotypes@2.0.0", "enemy-images@2.0.0", "hate-speech@1.0.1"]
)
def test_every_tag_a_question_is_shown_on_is_a_choices_tag(ref: str) -> None:
    cb = intercoder.load_codebook(ref)
    for lang in cb.languages:
        config = label_config(cb, lang)
        tags = _tags(config)
        for view in ET.fromstring(config).iter("View"):
            if view.get("visibleWhen") == "choice-selected":
                assert tags[view.get("whenTagName", "")] == "Choices", (ref, lang, view.attrib)


def test_an_ordinal_scale_nothing_depends_on_stays_a_rating() -> None:
    severity = _tags(label_config(intercoder.load_codebook("hate-speech@2.0.0"), "en"))
    assert severity["severity"] == "Choices"  # codes 1..3, but the Rabat questions depend on it
    enemy = _tags(label_config(intercoder.load_codebook("enemy-images@2.0.0"), "en"))
    assert enemy["polarisation"] == "Rating"  # codes 1..n, nothing shown on it: stars
