"""The built-in machine coders, registered through ``register_coders`` like a plugin's.

* :class:`~.lexicon.LexiconCoder` (``lexicon``) codes texts by the codebook's markers.

A coder writes annotations under its own coder id (``NAME@VERSION``), so the agreement engine
compares it with the human coders exactly as it compares humans with each other.
"""

from __future__ import annotations

from collections.abc import Callable

from ..extensions import Coder
from ..hookspecs import hookimpl
from .lexicon import LexiconCoder

__all__ = ["LexiconCoder"]


@hookimpl
def register_coders(register: Callable[[Coder], None]) -> None:
    """Register the lexicon coder."""
    register(LexiconCoder())
