"""pytest fixtures for plugin authors (loaded automatically through the ``pytest11`` entry point).

::

    def test_my_coder(intercoder_plugins, sample_codebook, sample_tasks):
        intercoder_plugins.register(my_plugin_module)      # registered for this test only
        coder = intercoder_plugins.host.coders()["my-coder"]
        annotations = list(coder.code(sample_tasks, sample_codebook))

Fixtures:

``intercoder_plugins``
    A fresh plugin host for the test (built-ins loaded, no third-party plugins unless
    registered); ``.register(module_or_object, name=None)`` adds a plugin, and the CLI invoked
    in-process during the test sees it. Everything is undone after the test.
``sample_codebook``
    A small bilingual (en, ru) codebook with a single choice, an ordinal scale and markers.
``sample_codebook_path``
    The same codebook as a YAML file in a temporary directory.
``sample_tasks``
    A few :class:`~intercoder.tasks.Task` texts in Russian, Kyrgyz and Uzbek.
``sample_annotations``
    An :class:`~intercoder.annotations.AnnotationSet` of three coders on ``sample_codebook``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .annotations import AnnotationSet
    from .codebook.model import Codebook
    from .plugins import Host
    from .tasks import Task

SAMPLE_CODEBOOK = """\
format: 1
codebook: sample
version: 1.0.0
title: {en: Sample codebook, ru: Пример кодировочной книги}
languages: [en, ru]
authors:
  - {name: intercoder tests}
sources:
  - id: krippendorff-2004
    citation: "Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology."
changelog:
  - {version: 1.0.0, date: "2026-01-01", changes: [First release.]}
variables:
  - id: group_mentioned
    type: single_choice
    sources: [krippendorff-2004]
    label: {en: Group mentioned, ru: Упомянута группа}
    definition: {en: Whether an ethnic group is named., ru: Названа ли этническая группа.}
    categories:
      - code: "yes"
        label: {en: "Yes", ru: "Да"}
        definition: {en: A group is named., ru: Группа названа.}
      - code: "no"
        label: {en: "No", ru: "Нет"}
        definition: {en: No group is named., ru: Группа не названа.}
  - id: tone
    type: ordinal_scale
    show_if: {variable: group_mentioned, in: ["yes"]}
    label: {en: Tone, ru: Тон}
    definition: {en: Tone towards the group., ru: Тон по отношению к группе.}
    categories:
      - code: "0"
        label: {en: Hostile, ru: Враждебный}
        definition: {en: Hostile., ru: Враждебный.}
      - code: "1"
        label: {en: Neutral, ru: Нейтральный}
        definition: {en: Neutral., ru: Нейтральный.}
      - code: "2"
        label: {en: Friendly, ru: Дружелюбный}
        definition: {en: Friendly., ru: Дружелюбный.}
markers:
  - {variable: group_mentioned, code: "yes", lang: ru, terms: [узбек, кыргыз, дунган]}
  - {variable: group_mentioned, code: "yes", lang: en, terms: [uzbek, kyrgyz, dungan]}
"""


class PluginSandbox:
    """A plugin host for one test; plugins registered here vanish afterwards."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def register(self, plugin: Any, name: str | None = None) -> None:
        """Register a module or object with ``@intercoder.hookimpl`` functions."""
        from .plugins import PluginInfo, _register

        plugin_name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        info = PluginInfo(plugin_name, None, [], False, None)
        _register(self.host, plugin_name, plugin, info)


@pytest.fixture
def intercoder_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[PluginSandbox]:
    from . import plugins

    monkeypatch.setenv(plugins.LOAD_ENV, "")
    plugins.reset()
    host = plugins.get_host()
    try:
        yield PluginSandbox(host)
    finally:
        plugins.reset()


@pytest.fixture
def sample_codebook_path(tmp_path: Path) -> Path:
    path = tmp_path / "sample" / "1.0.0.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SAMPLE_CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture
def sample_codebook(sample_codebook_path: Path) -> Codebook:
    from .codebook.registry import load_codebook

    return load_codebook(sample_codebook_path)


@pytest.fixture
def sample_tasks() -> list[Task]:
    from .tasks import Task

    return [
        Task("t1", "Вчера узбекские фермеры открыли новый рынок.", lang="ru"),
        Task("t2", "Өзбектер менен кыргыздар базарда бирге иштешет.", lang="ky"),
        Task("t3", "Oʻzbeklar va qirgʻizlar bozorda birga ishlaydi.", lang="uz-Latn"),
        Task("t4", "The weather in Bishkek was sunny.", lang="en"),
    ]


@pytest.fixture
def sample_annotations() -> AnnotationSet:
    from .annotations import Annotation, AnnotationSet

    answers = {
        "ana": ["yes", "yes", "no", "no"],
        "bek": ["yes", "yes", "no", "yes"],
        "dil": ["yes", "no", "no", "no"],
    }
    records = [
        Annotation(f"t{i + 1}", coder, "group_mentioned", value, codebook="sample@1.0.0")
        for coder, values in answers.items()
        for i, value in enumerate(values)
    ]
    return AnnotationSet.from_records(records)
