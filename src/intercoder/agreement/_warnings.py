"""The warning class raised for degenerate reliability data, and the helper that emits it.

Every coefficient that cannot be computed from the data in hand (no variation, one coder, no
pairable values) returns ``nan`` *and* emits :class:`DegenerateDataWarning`, never a silent
``nan``: teams gate coding rounds on these numbers, and a ``nan`` that slips through a
``>= 0.8`` comparison unnoticed would read as "failed" without saying why.
"""

from __future__ import annotations

import warnings

__all__ = ["DegenerateDataWarning"]


class DegenerateDataWarning(UserWarning):
    """The data cannot support the coefficient (no variation, a single coder, no pairable values).

    The coefficient is returned as ``nan`` (see ``docs/reference/coefficients.md`` for each
    coefficient's convention). Turn it into an error with
    ``warnings.simplefilter("error", DegenerateDataWarning)``.
    """


def warn_degenerate(message: str, *, stacklevel: int = 3) -> None:
    """Emit a :class:`DegenerateDataWarning` pointing at the caller of the public function."""
    warnings.warn(message, DegenerateDataWarning, stacklevel=stacklevel)
