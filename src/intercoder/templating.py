"""The Jinja2 environment of intercoder's HTML pages (the reliability report, the coder manual).

Autoescaping is on, with the entities of the standard library's :func:`html.escape` (``'``
becomes ``&#x27;``, ``"`` becomes ``&quot;``), applied through the environment's ``finalize``:
every value a template prints is escaped unless it is markup made safe on purpose
(:class:`markupsafe.Markup`: a style sheet shipped with the package, SVG drawn element by element
with escaped text, the output of the templates' own macros).

Whitespace: in these templates a line break followed by indentation is dropped together with the
indentation (an indented line continues the line above), and a block tag (``{% ... %}``) never
leaves a line break after it. So a template can be indented for reading where the page has one
long line, and every unindented line of the template is a line of the page.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from typing import Any

import jinja2
from jinja2.ext import Extension
from markupsafe import Markup

__all__ = ["environment", "escape", "resource_text"]


class _Continuation(Extension):
    """An indented line continues the line above: the line break and the indentation go."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return re.sub(r"\n[ \t]+", "", source)


def escape(value: Any) -> Markup:
    """``value`` as HTML text, escaped as :func:`html.escape` does (safe markup kept as it is)."""
    if hasattr(value, "__html__"):
        return Markup(value)
    return Markup(html.escape(str(value)))


def environment(package: str) -> jinja2.Environment:
    """An environment for the templates in ``package``'s ``templates`` directory."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        autoescape=True,
        trim_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=escape,
        extensions=[_Continuation],
    )


def resource_text(package: str, name: str) -> Markup:
    """A text file shipped in ``package`` (a style sheet), as safe markup."""
    return Markup((resources.files(package) / name).read_text("utf-8"))
