"""intercoder: codebooks, automatic coders, Label Studio sync and inter-coder reliability.

The package root is imported by every CLI call, so it imports nothing heavy: names are loaded
on first use (``intercoder --help`` stays well under 0.3 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from . import agreement as agreement
    from .codebook.model import Category, Codebook, Variable
    from .codebook.registry import load_codebook
    from .errors import CodebookError, IntercoderError
    from .hookspecs import hookimpl

__all__ = [
    "Category",
    "Codebook",
    "CodebookError",
    "IntercoderError",
    "Variable",
    "__version__",
    "agreement",
    "hookimpl",
    "load_codebook",
]

_LAZY = {
    "load_codebook": ("intercoder.codebook.registry", "load_codebook"),
    "Codebook": ("intercoder.codebook.model", "Codebook"),
    "Variable": ("intercoder.codebook.model", "Variable"),
    "Category": ("intercoder.codebook.model", "Category"),
    "CodebookError": ("intercoder.errors", "CodebookError"),
    "IntercoderError": ("intercoder.errors", "IntercoderError"),
    "agreement": ("intercoder.agreement", None),
    "hookimpl": ("intercoder.hookspecs", "hookimpl"),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'intercoder' has no attribute {name!r}") from None
    import importlib

    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
