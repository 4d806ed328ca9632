"""The plugin hooks: every way a plugin can extend intercoder, with its signature.

Plugins are Python distributions that expose a module under the ``intercoder`` entry-point
group and implement some of these hooks with ``@intercoder.hookimpl``::

    # pyproject.toml of the plugin
    [project.entry-points.intercoder]
    my_plugin = "my_plugin"

    # my_plugin.py
    import intercoder

    @intercoder.hookimpl
    def register_coders(register):
        register(MyCoder())

The built-in coders, importers, exporters and commands are registered through the very same
hooks (:data:`intercoder.plugins.DEFAULT_PLUGINS`). Registries take a ``register(...)`` callback
so that the host checks names and reports collisions, instead of plugins returning lists it
cannot attribute.
Each hook says the version it was added in; hooks are never removed in a minor release.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from .extensions import Coder, Exporter, Importer

#: The project name pluggy uses for markers and the entry-point group.
PROJECT = "intercoder"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_coders(register: Callable[[Coder], None]) -> None:
    """Register automatic coders: call ``register(coder)`` for each.

    A coder is an :class:`intercoder.extensions.Coder`; its ``name`` is what
    ``intercoder code --coder NAME`` takes and its annotations carry the coder id
    ``NAME@VERSION``. Added in 0.1.
    """


@hookspec
def register_importers(register: Callable[[Importer], None]) -> None:
    """Register annotation importers: call ``register(importer)`` for each.

    An importer is an :class:`intercoder.extensions.Importer` that reads a file into an
    :class:`~intercoder.annotations.AnnotationSet`; it is chosen by its ``name`` or by the file
    extensions it claims. Added in 0.1.
    """


@hookspec
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register annotation exporters: call ``register(exporter)`` for each.

    An exporter is an :class:`intercoder.extensions.Exporter`; its ``name`` is what
    ``intercoder export FILE --to NAME`` takes. Added in 0.1.
    """


@hookspec
def register_codebooks(register: Callable[[Path], None]) -> None:
    """Register codebook directories: call ``register(path)`` for each.

    A directory holds ``<codebook-id>/<version>.yaml`` files; they become loadable by reference
    (``intercoder.load_codebook("my-book@1.2.0")``) and listed by ``intercoder codebook list``.
    Bundled codebooks win over plugin ones with the same id and version. Added in 0.1.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``intercoder`` command line.

    Use ``@cli.command()`` or ``cli.add_command(...)``; a name that is already taken is
    refused with a warning naming the plugin. Added in 0.1.
    """
