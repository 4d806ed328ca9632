"""Human-readable views of a codebook: a terminal outline and the coder manual (Markdown, HTML).

The manual is what coders keep open while coding, in their own language; the headings are
translated too, so a Kyrgyz coder never meets an English word in it.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from ..i18n import translator
from .model import Category, Codebook, Translations, Variable


def ui(lang: str, key: str) -> str:
    """An interface word in ``lang`` (English when that language has none)."""
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
        for cat, depth in var.walk():
            retired = f"  ({ui(lang, 'retired')} {cat.retired_in})" if cat.retired else ""
            lines.append(f"    {'  ' * depth}{cat.code:<24} {_pick(cat.label, lang, cb)}{retired}")
    return "\n".join(lines) + "\n"


# --- Markdown ---------------------------------------------------------------------------------


def manual_markdown(cb: Codebook, lang: str) -> str:
    """The coder manual in Markdown: every definition, rule and example in one language."""
    out: list[str] = [
        f"# {_pick(cb.title, lang, cb)}",
        "",
        f"*{ui(lang, 'manual')} · {cb.id} · {ui(lang, 'version')} {cb.version}*",
        "",
    ]
    description = _pick(cb.description, lang, cb)
    if description:
        out += [description, ""]
    out += [f"## {ui(lang, 'contents')}", ""]
    out += [f"- [{_pick(v.label, lang, cb)}](#{v.id})" for v in cb.variables]
    out.append("")
    for var in cb.variables:
        out += list(_variable_markdown(var, cb, lang))
    out += [f"## {ui(lang, 'sources')}", ""]
    out += [
        f'- <a id="src-{s.id}"></a>{s.citation}' + (f" <{s.url}>" if s.url else "")
        for s in cb.sources
    ]
    out += ["", f"## {ui(lang, 'changelog')}", ""]
    for entry in cb.changelog:
        out.append(f"- **{entry.version}** ({entry.date}): {' '.join(entry.changes)}")
    return "\n".join(out) + "\n"


def _variable_markdown(var: Variable, cb: Codebook, lang: str) -> Iterator[str]:
    yield f'## <a id="{var.id}"></a>{_pick(var.label, lang, cb)} (`{var.id}`)'
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
    if var.minimum is not None or var.maximum is not None:
        facts.append(f"{ui(lang, 'range')}: {var.minimum} – {var.maximum}")
    yield "*" + " · ".join(facts) + "*"
    yield ""
    question = _pick(var.question, lang, cb)
    if question:
        yield f"**{ui(lang, 'question')}:** {question}"
        yield ""
    if var.show_if:
        yield f"**{ui(lang, 'shown_if')}:** {_show_if_text(var, cb, lang)}"
        yield ""
    yield f"**{ui(lang, 'definition')}:** {_pick(var.definition, lang, cb)}"
    yield ""
    instructions = _pick_list(var.instructions, lang, cb)
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
    yield f"{hashes} `{cat.code}` {_pick(cat.label, lang, cb)}{retired}"
    yield ""
    yield f"**{ui(lang, 'definition')}:** {_pick(cat.definition, lang, cb)}"
    yield ""
    for key, items in (
        ("include", _pick_list(cat.include, lang, cb)),
        ("exclude", _pick_list(cat.exclude, lang, cb)),
        ("examples", _pick_list(cat.examples, lang, cb)),
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

_CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
margin:0 auto;max-width:52rem;padding:1rem 1.5rem;color:#1d1d1f;background:#fff;
overflow-wrap:break-word}
h1{font-size:1.8rem;margin-bottom:.2rem}
h2{border-top:1px solid #ddd;padding-top:1rem;margin-top:2rem}
.meta{color:#555}.code{font-family:ui-monospace,Menlo,Consolas,monospace;background:#f2f2f4;
padding:0 .3em;border-radius:3px}
.category{border-left:3px solid #7a8bd6;padding-left:.8rem;margin:1rem 0}
.category .category{border-left-color:#b7c0ea}.retired{opacity:.6}
blockquote{margin:.3rem 0;padding:.3rem .8rem;background:#f7f7f9;border-left:3px solid #ccc}
dt{font-weight:600}nav ul{columns:2}@media print{nav{display:none}}
"""


def manual_html(cb: Codebook, lang: str) -> str:
    """The coder manual as one self-contained HTML page (no scripts, no network)."""
    e = html.escape
    title = _pick(cb.title, lang, cb)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(title)} — {e(ui(lang, 'manual'))}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(title)}</h1>",
        f'<p class="meta">{e(ui(lang, "manual"))} · <span class="code">{e(cb.id)}</span> · '
        f"{e(ui(lang, 'version'))} {e(cb.version)}</p>",
    ]
    description = _pick(cb.description, lang, cb)
    if description:
        parts.append(f"<p>{e(description)}</p>")
    parts.append(f"<nav><h2>{e(ui(lang, 'contents'))}</h2><ul>")
    parts += [
        f'<li><a href="#{e(v.id)}">{e(_pick(v.label, lang, cb))}</a></li>' for v in cb.variables
    ]
    parts.append("</ul></nav>")
    for var in cb.variables:
        parts += list(_variable_html(var, cb, lang))
    parts.append(f"<h2>{e(ui(lang, 'sources'))}</h2><ul>")
    for source in cb.sources:
        link = f' <a href="{e(source.url)}">{e(source.url)}</a>' if source.url else ""
        parts.append(f'<li id="src-{e(source.id)}">{e(source.citation)}{link}</li>')
    parts.append(f"</ul><h2>{e(ui(lang, 'changelog'))}</h2><ul>")
    for entry in cb.changelog:
        parts.append(
            f"<li><b>{e(entry.version)}</b> ({e(entry.date)}): {e(' '.join(entry.changes))}</li>"
        )
    parts += ["</ul>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _variable_html(var: Variable, cb: Codebook, lang: str) -> Iterator[str]:
    e = html.escape
    yield f'<section id="{e(var.id)}">'
    yield f'<h2>{e(_pick(var.label, lang, cb))} <span class="code">{e(var.id)}</span></h2>'
    facts = [f"{ui(lang, 'type')}: {ui(lang, var.type)}"]
    if var.level:
        facts.append(f"{ui(lang, 'level')}: {ui(lang, var.level)}")
        facts.append(f"{ui(lang, 'threshold')}: α ≥ {var.reliability.passing:.3f}")
    if not var.required:
        facts.append(ui(lang, "optional"))
    yield f'<p class="meta">{e(" · ".join(facts))}</p>'
    yield "<dl>"
    question = _pick(var.question, lang, cb)
    if question:
        yield f"<dt>{e(ui(lang, 'question'))}</dt><dd>{e(question)}</dd>"
    if var.show_if:
        yield f"<dt>{e(ui(lang, 'shown_if'))}</dt><dd>{e(_show_if_text(var, cb, lang))}</dd>"
    yield f"<dt>{e(ui(lang, 'definition'))}</dt><dd>{e(_pick(var.definition, lang, cb))}</dd>"
    instructions = _pick_list(var.instructions, lang, cb)
    if instructions:
        items = "".join(f"<li>{e(i)}</li>" for i in instructions)
        yield f"<dt>{e(ui(lang, 'instructions'))}</dt><dd><ul>{items}</ul></dd>"
    yield "</dl>"
    for cat in var.categories:
        yield from _category_html(cat, cb, lang)
    yield "</section>"


def _category_html(cat: Category, cb: Codebook, lang: str) -> Iterator[str]:
    e = html.escape
    retired = " retired" if cat.retired else ""
    note = f" — {e(ui(lang, 'retired'))} {e(cat.retired_in or '')}" if cat.retired else ""
    yield f'<div class="category{retired}">'
    yield f'<h3><span class="code">{e(cat.code)}</span> {e(_pick(cat.label, lang, cb))}{note}</h3>'
    yield f"<p>{e(_pick(cat.definition, lang, cb))}</p>"
    for key, items in (
        ("include", _pick_list(cat.include, lang, cb)),
        ("exclude", _pick_list(cat.exclude, lang, cb)),
    ):
        if items:
            lis = "".join(f"<li>{e(i)}</li>" for i in items)
            yield f"<p><b>{e(ui(lang, key))}:</b></p><ul>{lis}</ul>"
    examples = _pick_list(cat.examples, lang, cb)
    if examples:
        yield f"<p><b>{e(ui(lang, 'examples'))}:</b></p>"
        yield from (f"<blockquote>{e(x)}</blockquote>" for x in examples)
    for child in cat.children:
        yield from _category_html(child, cb, lang)
    yield "</div>"
