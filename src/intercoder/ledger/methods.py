"""The methods paragraph: a round's reliability as a journal's methods section reports it.

Lombard, Snyder-Duch & Bracken (2002, *Human Communication Research* 28(4), 587-604) found that
many content analyses report no reliability at all, or too little to judge it, and give a
checklist of what to report. The paragraph follows it:

1. the size of the reliability sample and how it was drawn;
2. the number of coders (and that they coded independently);
3. their training, and the certification against a gold standard when one was recorded;
4. the coefficient, per variable, with its value, level of measurement and confidence interval;
5. the thresholds the values were judged against;
6. how disagreements were resolved;
7. the codebook and its version.

What a ledger cannot know (how the sample was drawn, how coders were trained, how
disagreements were resolved) is left as a bracketed sentence for the author to complete, so the
paragraph is never silently incomplete. The sentences are interface words in the gettext
catalogs (:mod:`intercoder.i18n`), written in each language's own idiom, not word for word.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from ..i18n import Translate, translator
from ..reliability import FAIL, INSUFFICIENT, PASS
from .model import CertificationRow, Round


def _number(_: Translate, value: float, digits: int = 2) -> str:
    text = f"{value:.{digits}f}".replace(".", _("methods_decimal"))
    return text.replace("-", "−")


def _certification_sentence(_: Translate, rows: Sequence[CertificationRow]) -> str:
    coders: dict[str, list[str]] = {}
    for row in rows:
        coders.setdefault(row.coder, []).append(row.status)
    passed = sum(1 for statuses in coders.values() if FAIL not in statuses)
    return _("methods_certified", passed=passed, tested=len(coders))


def methods_paragraphs(
    round_: Round,
    *,
    lang: str = "en",
    labels: Mapping[str, str] | None = None,
    certification: Round | None = None,
) -> list[str]:
    """The paragraphs (plain text) reporting ``round_`` in ``lang``; ``labels`` names the
    variables (default: their ids); ``certification``: the round whose certification against a
    gold standard to report (default: ``round_``'s own, when it has one)."""
    _ = translator(lang)
    labels = labels or {}
    assessed = [r for r in round_.results if r.n_units > 0]
    sentences = [
        _("methods_sample", n_units=round_.n_units, n_coders=len(round_.coders)),
        _("methods_sampling_todo"),
        _(
            "methods_codebook",
            codebook=round_.codebook_id,
            version=round_.codebook_version,
        ),
    ]
    certified = certification.certifications if certification is not None else ()
    certified = certified or round_.certifications
    sentences.append(_("methods_training_todo"))
    if certified:
        sentences.append(_certification_sentence(_, certified))
    if round_.bootstrap:
        sentences.append(
            _("methods_coefficient_ci", bootstrap=round_.bootstrap, seed=round_.seed or 0)
        )
    else:
        sentences.append(_("methods_coefficient"))
    first = " ".join(sentences)

    values = []
    for r in assessed:
        name = labels.get(r.variable, r.variable)
        level = _(r.level)
        if math.isnan(r.alpha):
            values.append(_("methods_variable_undefined", variable=name, level=level))
        elif r.ci_low is not None and r.ci_high is not None:
            values.append(
                _(
                    "methods_variable_ci",
                    variable=name,
                    alpha=_number(_, r.alpha),
                    low=_number(_, r.ci_low),
                    high=_number(_, r.ci_high),
                    n=r.n_units,
                    level=level,
                )
            )
        else:
            values.append(
                _(
                    "methods_variable",
                    variable=name,
                    alpha=_number(_, r.alpha),
                    n=r.n_units,
                    level=level,
                )
            )
    second = (
        [_("methods_values", values=_("methods_list_separator").join(values))] if values else []
    )
    thresholds = sorted({(r.threshold, r.tentative) for r in assessed})
    if len(thresholds) == 1:
        passing, tentative = thresholds[0]
        second.append(
            _(
                "methods_thresholds",
                passing=_number(_, passing, 3),
                tentative=_number(_, tentative, 3),
            )
        )
    elif thresholds:
        second.append(_("methods_thresholds_per_variable"))
    passed = [r for r in assessed if r.status == PASS]
    below = [
        labels.get(r.variable, r.variable) for r in assessed if r.status not in (PASS, INSUFFICIENT)
    ]
    if assessed:
        second.append(_("methods_passed", passed=len(passed), total=len(assessed)))
    if below:
        second.append(_("methods_below", variables=_("methods_list_separator").join(below)))
    second.append(_("methods_disagreements_todo"))
    return [first, " ".join(second)]


def methods_markdown(
    round_: Round,
    *,
    lang: str = "en",
    labels: Mapping[str, str] | None = None,
    certification: Round | None = None,
) -> str:
    """The paragraphs as Markdown, under a heading, with the source of the checklist."""
    _ = translator(lang)
    paragraphs = methods_paragraphs(round_, lang=lang, labels=labels, certification=certification)
    heading = "## " + _("methods_heading") + "\n\n"
    note = "*" + _("methods_note", round=round_.name) + "*\n"
    return heading + "\n\n".join(paragraphs) + "\n\n" + note
