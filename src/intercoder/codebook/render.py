"""Human-readable views of a codebook: a terminal outline and the coder manual (Markdown, HTML).

The manual is what coders keep open while coding, in their own language; the headings are
translated too, so a Kyrgyz coder never meets an English word in it. The words come from the
catalogs of :mod:`intercoder.i18n`; the HTML manual is rendered from a Jinja2 template
(``templates/manual.html.j2``, autoescaped) with its style sheet ``manual.css``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..i18n import translator
from ..templating import environment, resource_text
from .model import Category, Codebook, Translations, Variable


def ui(lang: str, key: str) -> str:
    """An interface word of the manual in ``lang`` (see :func:`intercoder.i18n.translator`)."""
    return translator(lang)(key)


def _pick(texts: Translations[str], lang: str, cb: Codebook) -> str:
    return texts.pick(lang, cb.languages) or ""


def _pick_list(texts: Translations[tuple[str, ...]], lang: str, cb: Codebook) -> tuple[str, ...]:
    return texts.pick(lang, cb.languages) or ()


def _show_if_text(var: Variable, cb: Codebook, lang: str) -> str:
    assert var.show_if is not None
    target = cb.variable(var.show_if.variable)
    labels = [_pick(target.category(code).label, lang, cb) for code in var.show_if.codes]
    return f"{_pick(target.label, lang, cb)} = {' / '.join(labels)}"


def statement_note(var: Variable, lang: str) -> str:
    """What a statement-level variable means for the coder ("" for a text-level one)."""
    if var.unit != "statement":
        return ""
    if var.type == "spans":
        return ui(lang, "statement_spans")
    return ui(lang, "per_statement")


def outline(cb: Codebook, lang: str) -> str:
    """A compact tree of variables and codes for the terminal."""
    lines = [
        f"{_pick(cb.title, lang, cb)}  ({cb.ref}; {', '.join(cb.languages)})",
        "",
    ]
    for var in cb.variables:
        level = var.level or ui(lang, "none")
        required = "" if var.required else f", {ui(lang, 'optional')}"
        lines.append(
            f"{var.id}  [{ui(lang, var.type)}; {level}{required}]  {_pick(var.label, lang, cb)}"
        )
        if var.show_if:
            lines.append(f"    {ui(lang, 'shown_if')}: {_show_if_text(var, cb, lang)}")
        if var.unit == "statement":
            lines.append(f"    {statement_note(var, lang)}")
        for cat, depth in var.walk():
            retired = f"  ({ui(lang, 'retired')} {cat.retired_in})" if cat.retired else ""
            exclusive = f"  ({ui(lang, 'exclusive')})" if cat.exclusive else ""
            lines.append(
                f"    {'  ' * depth}{cat.code:<24} {_pick(cat.label, lang, cb)}{retired}{exclusive}"
            )
    return "\n".join(lines) + "\n"


# --- Markdown ---------------------------------------------------------------------------------

# A codebook may come from someone else, and Markdown renderers pass raw HTML and any link
# through: codebook text goes into the manual as text, never as markup. "<" becomes "&lt;" (no
# tag, no <img onerror>), and a link to a script or data URL loses its target ("](javascript:"
# is written "]\\(javascript:", which Markdown shows as it is).
_DANGEROUS_LINK = re.compile(r"\]\(\s*(?=(?:javascript|vbscript|data|file):)", re.IGNORECASE)


def _safe(text: str) -> str:
    """Codebook text for the Markdown manual: shown as written, never run as HTML or a link."""
    return _DANGEROUS_LINK.sub(r"]\\(", text.replace("<", "&lt;"))


def _md_pick(texts: Translations[str], lang: str, cb: Codebook) -> str:
    return _safe(_pick(texts, lang, cb))


def _md_pick_list(texts: Translations[tuple[str, ...]], lang: str, cb: Codebook) -> tuple[str, ...]:
    return tuple(_safe(item) for item in _pick_list(texts, lang, cb))


def manual_markdown(cb: Codebook, lang: str) -> str:
    """The coder manual in Markdown: every definition, rule and example in one language."""
    out: list[str] = [
        f"# {_md_pick(cb.title, lang, cb)}",
        "",
        f"*{ui(lang, 'manual')} · {cb.id} · {ui(lang, 'version')} {cb.version}*",
        "",
    ]
    description = _md_pick(cb.description, lang, cb)
    if description:
        out += [description, ""]
    out += [f"## {ui(lang, 'contents')}", ""]
    out += [f"- [{_md_pick(v.label, lang, cb)}](#{v.id})" for v in cb.variables]
    out.append("")
    for var in cb.variables:
        out += list(_variable_markdown(var, cb, lang))
    out += [f"## {ui(lang, 'sources')}", ""]
    out += [
        f'- <a id="src-{s.id}"></a>{_safe(s.citation)}' + (f" <{s.url}>" if s.url else "")
        for s in cb.sources
    ]
    out += ["", f"## {ui(lang, 'changelog')}", ""]
    for entry in cb.changelog:
        out.append(f"- **{entry.version}** ({entry.date}): {_safe(' '.join(entry.changes))}")
    return "\n".join(out) + "\n"


def _variable_markdown(var: Variable, cb: Codebook, lang: str) -> Iterator[str]:
    yield f'## <a id="{var.id}"></a>{_md_pick(var.label, lang, cb)} (`{var.id}`)'
    yield ""
    facts = [f"{ui(lang, 'type')}: {ui(lang, var.type)}"]
    if var.level:
        facts.append(f"{ui(lang, 'level')}: {ui(lang, var.level)}")
        facts.append(
            f"{ui(lang, 'threshold')}: α ≥ {var.reliability.passing:.3f} "
            f"({var.reliability.tentative:.3f})"
        )
    if not var.required:
        facts.append(ui(lang, "optional"))
    if var.unit == "statement":
        facts.append(statement_note(var, lang))
    if var.minimum is not None or var.maximum is not None:
        facts.append(ui(lang, "range") + f": {var.minimum} – {var.maximum}")
    yield "*" + " · ".join(facts) + "*"
    yield ""
    question = _md_pick(var.question, lang, cb)
    if question:
        yield f"**{ui(lang, 'question')}:** {question}"
        yield ""
    if var.show_if:
        yield f"**{ui(lang, 'shown_if')}:** {_safe(_show_if_text(var, cb, lang))}"
        yield ""
    yield f"**{ui(lang, 'definition')}:** {_md_pick(var.definition, lang, cb)}"
    yield ""
    instructions = _md_pick_list(var.instructions, lang, cb)
    if instructions:
        yield f"**{ui(lang, 'instructions')}:**"
        yield ""
        yield from (f"- {item}" for item in instructions)
        yield ""
    if var.sources:
        yield f"{ui(lang, 'sources')}: " + ", ".join(f"[{s}](#src-{s})" for s in var.sources)
        yield ""
    for cat, depth in var.walk():
        yield from _category_markdown(cat, depth, cb, lang)


def _category_markdown(cat: Category, depth: int, cb: Codebook, lang: str) -> Iterator[str]:
    hashes = "#" * min(3 + depth, 6)
    retired = f" — *{ui(lang, 'retired')} {cat.retired_in}*" if cat.retired else ""
    exclusive = f" — *{ui(lang, 'exclusive')}*" if cat.exclusive else ""
    yield f"{hashes} `{cat.code}` {_md_pick(cat.label, lang, cb)}{retired}{exclusive}"
    yield ""
    yield f"**{ui(lang, 'definition')}:** {_md_pick(cat.definition, lang, cb)}"
    yield ""
    for key, items in (
        ("include", _md_pick_list(cat.include, lang, cb)),
        ("exclude", _md_pick_list(cat.exclude, lang, cb)),
        ("examples", _md_pick_list(cat.examples, lang, cb)),
    ):
        if items:
            yield f"**{ui(lang, key)}:**"
            yield ""
            if key == "examples":
                yield from (f"> {item}\n" for item in items)
            else:
                yield from (f"- {item}" for item in items)
                yield ""
    if cat.sources:
        yield f"{ui(lang, 'sources')}: " + ", ".join(f"[{s}](#src-{s})" for s in cat.sources)
        yield ""


# --- HTML -------------------------------------------------------------------------------------

_ENV = environment(__package__ or "intercoder.codebook")


def manual_html(cb: Codebook, lang: str) -> str:
    """The coder manual as one self-contained HTML page (no scripts, no network), rendered from
    ``templates/manual.html.j2`` with its style sheet ``manual.css`` inlined."""
    return _ENV.get_template("manual.html.j2").render(
        _=translator(lang),
        lang=lang,
        cb=cb,
        title=_pick(cb.title, lang, cb),
        description=_pick(cb.description, lang, cb),
        css=resource_text(__package__ or "intercoder.codebook", "manual.css"),
        pick=lambda texts: _pick(texts, lang, cb),
        pick_list=lambda texts: _pick_list(texts, lang, cb),
        show_if_text=lambda var: _show_if_text(var, cb, lang),
        statement_note=lambda var: statement_note(var, lang),
    )
