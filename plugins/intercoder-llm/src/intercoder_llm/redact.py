"""Keeping the API key out of every message, including error bodies a server echoes back."""

from __future__ import annotations

REDACTED = "[redacted]"


def redact(message: str, secret: str | None) -> str:
    """``message`` with every occurrence of ``secret`` replaced by ``[redacted]``.

    Servers echo a wrong key in part (``sk-abc...xyz``), so the key's first and last eight
    characters are redacted on their own too when the key is long enough to make them specific.
    """
    if not secret:
        return message
    message = message.replace(secret, REDACTED)
    if len(secret) >= 20:
        for piece in (secret[:8], secret[-8:]):
            message = message.replace(piece, REDACTED)
    return message
