"""Typography of prose: quotation marks, dashes, ellipses and the language's punctuation spacing.

Applied to text tokens only, never to code, maths, raw addresses or HTML: ``--help`` in code
stays as typed. Quotation marks are markdown-it's smartquotes rule with the language's marks;
dashes follow markdown-it's own boundaries (``a -- b``, ``1--2``, ``---``), without its other
replacements (``(c)`` in "art. 3(c)" must stay a letter, not ©).
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it.rules_core import StateCore
from markdown_it.rules_core.smartquotes import smartquotes
from markdown_it.token import Token

from coursepack.i18n import punctuation, quotes

_EM_DASH = re.compile(r"(^|[^-])---(?=[^-]|$)", re.M)
_EN_DASH = re.compile(r"(^|\s)--(?=\s|$)", re.M)
_EN_DASH_INNER = re.compile(r"(^|[^-\s])--(?=[^-\s]|$)", re.M)
_ELLIPSIS = re.compile(r"(?<!\.)\.\.\.(?!\.)")
_SPACES = re.compile(r"[ \t\r\n]+")


def quote_marks(lang: str) -> list[str]:
    """markdown-it's ``quotes`` option for ``lang``: double open, double close, single open, single close."""
    left, right = quotes(lang)
    return [left, right, "\u2018", "\u2019"]


def dashes(text: str) -> str:
    """``---`` → em dash, ``--`` → en dash between words or numbers, ``...`` → ellipsis."""
    if "--" in text:
        text = _EM_DASH.sub("\\1\u2014", text)
        text = _EN_DASH.sub("\\1\u2013", text)
        text = _EN_DASH_INNER.sub("\\1\u2013", text)
    if "..." in text:
        text = _ELLIPSIS.sub("\u2026", text)
    return text


def typography_rule(state: StateCore) -> None:
    """Dashes, ellipses and the language's spacing in every text token of prose."""
    lang = state.env.get("lang", "en")
    for block in state.tokens:
        if block.type == "inline" and block.children:
            _inline(block.children, lang)
        title = block.meta.get("title_inline") if block.meta else None
        if title is not None and title.children:
            _inline(title.children, lang)


def _inline(children: list[Token], lang: str) -> None:
    raw = 0  # inside an autolink: the address is printed as written
    for tok in children:
        if tok.type == "link_open" and tok.markup in ("autolink", "linkify"):
            raw += 1
        elif tok.type == "link_close" and raw:
            raw -= 1
        elif tok.type == "text" and not raw and tok.content:
            tok.content = punctuation(dashes(tok.content), lang)
        elif tok.type == "image" and tok.children:
            _inline(tok.children, lang)


@lru_cache(maxsize=4096)
def smart_text(text: str, lang: str = "en") -> str:
    """Plain text (a title, a caption) with the language's quotes, dashes and ellipses, on one line.

    The text is not Markdown: ``1. First``, ``*`` and ``#`` come out as typed. The language's
    punctuation spacing is added where the text is set (``i18n.punctuation``).
    """
    text = _SPACES.sub(" ", text).strip()
    if not any(c in text for c in "'\"-."):
        return text
    from coursepack.markdown.parser import parser

    token = Token("text", "", 0)
    token.content = text
    inline = Token("inline", "", 0)
    inline.children, inline.content = [token], text
    state = StateCore(text, parser(lang), {"lang": lang})
    state.tokens = [inline]
    smartquotes(state)
    return dashes("".join(t.content for t in inline.children))
