"""Translating codings made under an older codebook version into a newer one.

A newer version keeps every code it retired (``retired_in``) together with where its codings go:
``merged_into: X`` (every old coding becomes X) or ``replaced_by: [X, ...]`` (one target migrates
automatically; several mean the unit must be recoded by a person). This module reads those maps;
it never guesses.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from .model import Codebook

SAME, MERGED, REPLACED, RECODE, DROPPED = "same", "merged", "replaced", "recode", "dropped"


@attrs.frozen
class Outcome:
    """What happens to one old code: ``codes`` are the new codes (empty when none)."""

    status: str  # same | merged | replaced | recode | dropped
    codes: tuple[str, ...] = ()
    reason: str = ""


@attrs.frozen
class Migration:
    """The code map from codings under ``old`` to ``new`` (same codebook id)."""

    old: Codebook
    new: Codebook

    def translate(self, variable: str, code: str) -> Outcome:
        """The fate of ``code`` of ``variable`` coded under the old version."""
        try:
            var = self.new.variable(variable)
        except KeyError:
            return Outcome(
                DROPPED, reason=f"variable {variable!r} was removed in {self.new.version}"
            )
        try:
            cat = var.category(code)
        except KeyError:
            return Outcome(DROPPED, reason=f"{variable}={code} is unknown to {self.new.ref}")
        if not cat.retired:
            return Outcome(SAME, (code,))
        if cat.merged_into:
            return Outcome(MERGED, (cat.merged_into,), f"merged in {cat.retired_in}")
        if len(cat.replaced_by) == 1:
            return Outcome(REPLACED, cat.replaced_by, f"replaced in {cat.retired_in}")
        if cat.replaced_by:
            return Outcome(
                RECODE,
                cat.replaced_by,
                f"split in {cat.retired_in} into {', '.join(cat.replaced_by)}: recode by hand",
            )
        return Outcome(DROPPED, reason=f"retired in {cat.retired_in} without a successor")

    def translate_value(
        self, variable: str, value: str | Sequence[str]
    ) -> tuple[str | list[str] | None, list[Outcome]]:
        """Translate a single code or a multiple-choice list; returns the value and outcomes.

        The value is None when nothing can be carried over automatically (the unit needs
        recoding or the code was dropped); for lists, untranslatable codes are left out and
        duplicates produced by merges are collapsed.
        """
        if isinstance(value, str):
            outcome = self.translate(variable, value)
            ok = outcome.status in (SAME, MERGED, REPLACED)
            return (outcome.codes[0] if ok else None), [outcome]
        outcomes = [self.translate(variable, code) for code in value]
        codes: list[str] = []
        for outcome in outcomes:
            if outcome.status in (SAME, MERGED, REPLACED):
                codes.extend(code for code in outcome.codes if code not in codes)
        return codes, outcomes


def migration(old: Codebook, new: Codebook) -> Migration:
    """The migration from ``old`` to ``new``; both must be versions of the same codebook."""
    from ..errors import IntercoderError

    if old.id != new.id:
        raise IntercoderError(
            f"cannot migrate between different codebooks ({old.ref} -> {new.ref})"
        )
    if new.version_tuple < old.version_tuple:
        raise IntercoderError(f"cannot migrate backwards ({old.ref} -> {new.ref})")
    return Migration(old, new)
