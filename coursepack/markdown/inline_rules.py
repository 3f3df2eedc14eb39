"""Our inline rules for markdown-it: Pandoc attributes after images, code, links, spans and
emphasis (``{#id .class key=value}``), ``[spans]{...}``, Quarto's cross-references (``@fig-x``,
``[-@tbl-x]``), and where each link reference is defined (the checks need it)."""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from coursepack.markdown.attributes import Attrs, AttrsError, parse_attrs
from coursepack.markdown.tree import opening


def track_references(md: MarkdownIt) -> None:
    """Record where each link reference is defined (its line and the divs around it) and which
    links use one: a reference defined in instructor-only text prints its address where used."""
    define = md.block.ruler.__rules__[md.block.ruler.__find__("reference")].fn

    def reference(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        before = set(state.env.get("references", {}))
        found = define(state, start, end, silent)
        if found and not silent:
            where = state.env.setdefault("reference_at", {})
            for label in set(state.env.get("references", {})) - before:
                where[label] = (start, list(state.env.get("divs", [])))
        return bool(found)

    md.block.ruler.at("reference", reference)  # (a definition cannot interrupt a paragraph: no "alt")
    for name in ("link", "image"):
        md.inline.ruler.at(name, _reference_use(md.inline.ruler.__rules__[md.inline.ruler.__find__(name)].fn))


def _reference_use(rule: Any) -> Any:
    def use(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        found = rule(state, silent)
        if found and not silent and count < len(state.tokens):
            consumed = state.src[start : state.pos].removeprefix("!")
            if consumed.endswith("]"):  # [text][label], [label][] or [label]: not [text](address)
                cut = consumed.rfind("][")
                label = (
                    consumed[cut + 2 : -1]
                    if cut >= 0 and cut + 2 < len(consumed) - 1
                    else consumed[1 : cut if cut >= 0 else -1]
                )
                tok = next((t for t in state.tokens[count:] if t.type in ("link_open", "image")), None)
                if tok is not None:  # (text before it is flushed into a token first)
                    tok.meta = {**(tok.meta or {}), "reference": normalizeReference(label)}
        return bool(found)

    return use


ATTRS_AFTER = frozenset({"image", "code_inline", "link_close", "span_close"})


def attrs_rule(state: StateInline, silent: bool) -> bool:
    """``{#id .class key=value}`` right after an image, code span, link or span."""
    if state.src[state.pos] != "{" or state.pending or not state.tokens:
        return False
    last = state.tokens[-1]
    if last.type not in ATTRS_AFTER:
        return False
    try:
        attrs, after = parse_attrs(state.src, state.pos)
    except AttrsError:
        return False
    if after > state.posMax:
        return False
    if not silent:
        target = last if last.nesting == 0 else opening(state.tokens, len(state.tokens) - 1)
        if target is not None:
            old = target.meta.get("attrs", Attrs())
            target.meta = {**(target.meta or {}), "attrs": old.merged(attrs)}
    state.pos = after
    return True


CLOSERS = frozenset({"em_close", "strong_close", "s_close"})


def emphasis_attrs_rule(state: StateCore) -> None:
    """``*in dubio*{lang=la}``: attributes right after emphasis (read once emphasis is resolved)."""
    for block in state.tokens:
        children = block.children if block.type == "inline" else None
        if not children:
            continue
        for k in range(1, len(children)):
            tok = children[k]
            if tok.type != "text" or not tok.content.startswith("{") or children[k - 1].type not in CLOSERS:
                continue
            try:
                attrs, after = parse_attrs(tok.content)
            except AttrsError:
                continue
            opener = opening(children, k - 1)
            if opener is not None:
                opener.meta = {**(opener.meta or {}), "attrs": attrs}
                tok.content = tok.content[after:]


# Quarto's cross-reference prefixes: @fig-x is a figure, @sec-x a section... ([@key] alone is a citation)
QUARTO_PREFIXES = (
    *("fig", "tbl", "sec", "lst", "eq", "exr", "sol", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "rem"),
    *("tip", "nte", "wrn", "imp", "cau"),  # callouts
)  # fmt: skip


def _quarto_id(src: str, pos: int) -> int:
    """The end of a Quarto cross-reference id starting at ``pos`` (after '@'), or -1."""
    end = pos
    while end < len(src) and (src[end].isalnum() or src[end] in "-_"):
        end += 1
    while end > pos and src[end - 1] in "-_":  # (a hyphen ending a sentence is not the id's)
        end -= 1
    prefix = src[pos:end].split("-", 1)
    return end if len(prefix) == 2 and prefix[0] in QUARTO_PREFIXES and prefix[1] else -1


def quarto_xref_rule(state: StateInline, silent: bool) -> bool:
    """Quarto's cross-references: ``@fig-pipeline`` (the label: "Figure 2") and ``[-@fig-pipeline]``
    (the number only), read as links to ``#fig-pipeline``; the checks and labels are ours."""
    src, pos = state.src, state.pos
    if src[pos] == "@":
        if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "._-"):  # (an address: me@example.org)
            return False
        start, number_only, closing_bracket = pos + 1, False, False
    elif src.startswith(("[-@", "[@"), pos):
        start = pos + (3 if src[pos + 1] == "-" else 2)
        number_only, closing_bracket = src[pos + 1] == "-", True
    else:
        return False
    end = _quarto_id(src, start)
    if end < 0 or end > state.posMax or (closing_bracket and (end >= state.posMax or src[end] != "]")):
        return False
    if not silent:
        link = state.push("link_open", "a", 1)
        link.attrs = {"href": "#" + src[start:end]}
        link.markup = "quarto"
        if number_only:
            text = state.push("text", "", 0)
            text.content = "{n}"
        state.push("link_close", "a", -1)
    state.pos = end + (1 if closing_bracket else 0)
    return True


def bracket_maths_rule(state: StateInline, silent: bool) -> bool:
    """LaTeX's inline formula ``\\(...\\)``: the same token as ``$...$`` (CommonMark would print
    the brackets, its backslashes taken as escapes)."""
    src, pos = state.src, state.pos
    if not src.startswith("\\(", pos):
        return False
    end = src.find("\\)", pos + 2, state.posMax)
    if end < 0 or not src[pos + 2 : end].strip():
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content, token.markup = src[pos + 2 : end], "\\("
    state.pos = end + 2
    return True


def span_rule(state: StateInline, silent: bool) -> bool:
    """``[text]{.class lang=fr}``: a span with attributes (a link reference wins)."""
    if state.src[state.pos] != "[":
        return False
    end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if end < 0 or end + 1 >= state.posMax or state.src[end + 1] != "{":
        return False
    try:
        attrs, after = parse_attrs(state.src, end + 1)
    except AttrsError:
        return False
    if after > state.posMax:
        return False
    if not silent:
        old_max = state.posMax
        state.pos, state.posMax = state.pos + 1, end
        token = state.push("span_open", "span", 1)
        token.meta = {"attrs": attrs}
        state.md.inline.tokenize(state)
        state.push("span_close", "span", -1)
        state.posMax = old_max
    state.pos = after
    return True
