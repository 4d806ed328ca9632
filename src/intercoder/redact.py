"""Keep secrets out of every message: tokens, API keys, passwords in URLs and echoed headers.

Messages are built from things a server or a user supplied: an HTTP error body (a server may
echo the request's ``Authorization`` header), a URL (``https://user:password@host``), a JSON
answer naming a ``"token"``. :func:`redact` replaces what looks like a credential by ``***``, and
every secret it is given by name, before a message is printed, logged or raised. Servers echo
a wrong key in part (``sk-abc…xyz``), so the first and last eight characters of a long secret
are masked on their own too.

The patterns are deliberately broad: a message with a word too many starred out is better than a
token in a CI log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "[redacted]"

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


def redact(text: str, secrets: str | Iterable[str | None] | None = ()) -> str:
    """``text`` with every secret given and every credential-looking value masked.

    ``secrets`` (one, or several) are replaced wherever they occur, and so are the first and
    last eight characters of each secret of 20 characters or more; empty and very short values
    are ignored (a two-letter "secret" would mask half a message). Then URL user-info,
    authorization-like headers, ``Token``/``Bearer``/``Basic`` credentials and
    ``token=…``/``"password": "…"`` pairs are masked. The mask is ``[redacted]``.
    """
    if secrets is None or isinstance(secrets, str):
        secrets = (secrets,)
    known = [s for s in secrets if s and len(s) >= 4]
    pieces = [piece for s in known if len(s) >= 20 for piece in (s[:8], s[-8:])]
    for secret in sorted(known, key=len, reverse=True) + pieces:
        text = text.replace(secret, MASK)
    text = _URL_USERINFO.sub(rf"\g<scheme>{MASK}@", text)
    text = _AUTH_HEADER.sub(rf"\g<name>\g<sep>{MASK}", text)
    text = _SCHEME_CREDENTIAL.sub(rf"\g<scheme> {MASK}", text)
    return _NAMED_SECRET.sub(rf"\g<name>\g<sep>{MASK}", text)


def display_url(url: str) -> str:
    """``url`` as it may be shown: without a user name or password."""
    return _URL_USERINFO.sub(r"\g<scheme>", url)
