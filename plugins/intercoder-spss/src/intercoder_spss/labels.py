"""The language of the labels: the exporter's ``lang``, else ``$INTERCODER_LABEL_LANG``."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from intercoder.errors import IntercoderError

if TYPE_CHECKING:
    from intercoder.codebook.model import Codebook

#: Environment variable naming the language of the labels (a language tag of the codebook).
LANG_ENV = "INTERCODER_LABEL_LANG"


def label_language(codebook: Codebook, lang: str | None = None) -> str:
    """The language of the labels: ``lang``, else ``$INTERCODER_LABEL_LANG``, else the first."""
    chosen = lang or os.environ.get(LANG_ENV, "").strip() or None
    if chosen is None:
        return codebook.languages[0]
    if chosen not in codebook.languages:
        what = f"label language {chosen!r}" if lang else f"{LANG_ENV}={chosen}"
        raise IntercoderError(
            f"{what} is not a language of {codebook.ref} ({', '.join(codebook.languages)})"
        )
    return chosen
