"""Keep secrets out of every message: tokens, API keys, passwords in URLs and echoed headers.

Messages are built from things a server or a user supplied: an HTTP error body (a server may
echo the request's ``Authorization`` header), a URL (``https://user:password@host``), a JSON
answer naming a ``"token"``. :func:`redact` replaces what looks like a credential by ``***``, and
every secret it is given by name, before a message is printed, logged or raised.

The patterns are deliberately broad: a message with a word too many starred out is better than a
token in a CI log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")
_AUTH_HEADER = re.compile(
    r"(?P<name>(?:proxy-)?authorization|x-api-key|api-key|cookie|set-cookie)(?P<sep>[\"']?\s*[:=]\s*[\"']?)"
    r"[^\r\n\"']+",
    re.IGNORECASE,
)
_SCHEME_CREDENTIAL = re.compile(r"\b(?P<scheme>Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}")
_NAMED_SECRET = re.compile(
    r"(?P<name>[\"']?(?:[a-z_-]*token|api[_-]?key|password|passwd|secret|refresh|access)[\"']?)"
    r"(?P<sep>\s*[:=]\s*[\"']?)[^\s\"',}&]{4,}",
    re.IGNORECASE,
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every given secret and every credential-looking value replaced by ``***``.

    ``secrets`` are replaced wherever they occur (empty and very short values are ignored: a
    two-letter "secret" would star out half a message). Then URL user-info, authorization-like
    headers, ``Token``/``Bearer``/``Basic`` credentials and ``token=…``/``"password": "…"``
    pairs are masked.
    """
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_USERINFO.sub(rf"\g<scheme>{MASK}@", text)
    text = _AUTH_HEADER.sub(rf"\g<name>\g<sep>{MASK}", text)
    text = _SCHEME_CREDENTIAL.sub(rf"\g<scheme> {MASK}", text)
    return _NAMED_SECRET.sub(rf"\g<name>\g<sep>{MASK}", text)


def display_url(url: str) -> str:
    """``url`` as it may be shown: without a user name or password."""
    return _URL_USERINFO.sub(r"\g<scheme>", url)
