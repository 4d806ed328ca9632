"""A tiny SVG writer for the reliability report: inline, accessible, no plotting library.

Every attribute value and every text is escaped, so labels that come from codebooks or
annotation files can never break out of the drawing. The output of :meth:`Drawing.render` is
well-formed XML (only the XML entities ``&amp; &lt; &gt; &quot; &#x27;`` are produced), so it
can be embedded in HTML or saved on its own as an ``.svg`` file.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Drawing", "blend", "fmt_number", "ink_on", "luminance", "shorten", "text_width"]

SVG_NS = "http://www.w3.org/2000/svg"


def fmt_number(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attributes(attributes: dict[str, object]) -> str:
    parts = []
    for key, value in attributes.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, float):
            value = fmt_number(value)
        parts.append(f' {name}="{html.escape(str(value), quote=True)}"')
    return "".join(parts)


_WIDE = set("mwMW@%жшщюыфмЖШЩЮЫФМ")
_NARROW = set(" .,:;'|!iljtfrI()[]ʻʼ")


def text_width(text: str, size: float = 12.0) -> float:
    """A rough rendered width of ``text`` in a sans-serif font (for layout, not for clipping).

    Latin and Cyrillic letters have about the same widths; capitals and a few letters are wide.
    """
    em = 0.0
    for ch in text:
        if ch in _WIDE:
            em += 0.82
        elif ch in _NARROW:
            em += 0.3
        elif ch.isupper():
            em += 0.68
        else:
            em += 0.56
    return size * em


def shorten(text: str, width: float, size: float = 12.0) -> str:
    """``text`` cut with an ellipsis so that it fits in about ``width`` pixels."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def blend(low: str, high: str, t: float) -> str:
    """The colour a share ``t`` (0..1) of the way from ``low`` to ``high`` (``#rrggbb``)."""
    t = 0.0 if math.isnan(t) else min(1.0, max(0.0, t))
    a = [int(low[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(high[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def luminance(colour: str) -> float:
    """Relative luminance (WCAG) of a ``#rrggbb`` colour."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(colour: str) -> str:
    """Black or white text, whichever contrasts better with ``colour``."""
    return "#ffffff" if luminance(colour) < 0.26 else "#1d1d1f"


class Drawing:
    """An SVG image built element by element; ``render()`` gives the markup.

    ``title`` and ``description`` become the accessible name and description (``role="img"``
    with ``aria-labelledby``); ``ident`` must be unique in the page, it prefixes their ids.
    """

    def __init__(
        self, width: float, height: float, *, ident: str, title: str, description: str = ""
    ) -> None:
        self.width = width
        self.height = height
        self.ident = ident
        self.title = title
        self.description = description
        self._parts: list[str] = []

    def element(self, name: str, text: str | None = None, /, **attributes: object) -> None:
        """Add ``<name ...>text</name>`` (or an empty element when ``text`` is None)."""
        attrs = _attributes(attributes)
        if text is None:
            self._parts.append(f"<{name}{attrs}/>")
        else:
            self._parts.append(f"<{name}{attrs}>{html.escape(text, quote=False)}</{name}>")

    def rect(self, x: float, y: float, w: float, h: float, **attributes: object) -> None:
        self.element("rect", x=float(x), y=float(y), width=float(w), height=float(h), **attributes)

    def line(self, x1: float, y1: float, x2: float, y2: float, **attributes: object) -> None:
        self.element("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **attributes)

    def circle(self, cx: float, cy: float, r: float, **attributes: object) -> None:
        self.element("circle", cx=float(cx), cy=float(cy), r=float(r), **attributes)

    def text(self, x: float, y: float, text: str, **attributes: object) -> None:
        self.element("text", text, x=float(x), y=float(y), **attributes)

    def tooltip(self, text: str) -> None:
        """A ``<title>`` for the group just opened (shown on hover by browsers)."""
        self.element("title", text)

    @contextmanager
    def group(self, **attributes: object) -> Iterator[None]:
        self._parts.append(f"<g{_attributes(attributes)}>")
        try:
            yield
        finally:
            self._parts.append("</g>")

    def render(self, **attributes: object) -> str:
        title_id = f"{self.ident}-title"
        desc_id = f"{self.ident}-desc"
        labelled = f"{title_id} {desc_id}" if self.description else title_id
        head = _attributes(
            {
                "xmlns": SVG_NS,
                "id": self.ident,
                "width": fmt_number(self.width),
                "height": fmt_number(self.height),
                "viewBox": f"0 0 {fmt_number(self.width)} {fmt_number(self.height)}",
                "role": "img",
                "aria-labelledby": labelled,
                **attributes,
            }
        )
        parts = [f"<svg{head}>", f'<title id="{title_id}">{html.escape(self.title)}</title>']
        if self.description:
            parts.append(f'<desc id="{desc_id}">{html.escape(self.description)}</desc>')
        parts += self._parts
        parts.append("</svg>")
        return "".join(parts)
