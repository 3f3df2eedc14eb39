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
    """Dashes, ellipses and the language's spacing in every text token of prose; the words
    that must not be hyphenated kept whole (``whole_words``)."""
    lang = state.env.get("lang", "en")
    for block in state.tokens:
        if block.type == "inline" and block.children:
            _inline(block.children, lang)
        title = block.meta.get("title_inline") if block.meta else None
        if title is not None and title.children:
            _inline(title.children, lang)
    whole_words(state.tokens, lang)


_BREAKS = frozenset({"softbreak", "hardbreak"})


def _inline(children: list[Token], lang: str) -> None:
    raw = 0  # inside an autolink: the address is printed as written
    joined = False  # the text goes on from a word before it ("*mot* : la suite")
    for tok in children:
        if tok.type == "link_open" and tok.markup in ("autolink", "linkify"):
            raw += 1
        elif tok.type == "link_close" and raw:
            raw -= 1
        elif tok.type == "text" and not raw and tok.content:
            tok.content = punctuation(dashes(tok.content), lang, joined)
        elif tok.type == "image" and tok.children:
            _inline(tok.children, lang)
        if tok.type == "text":
            joined = (bool(tok.content) and not tok.content[-1].isspace()) or (not tok.content and joined)
        elif tok.nesting != 1:  # a closing mark, code, a note's call: the word before ends there
            joined = tok.type not in _BREAKS


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


# Words an editor never hyphenates, kept whole (``hyphens: manual`` on a ``nohyph`` span): an
# acronym ("UN-TOC"), and a paragraph's last word (a paragraph never ends on half a word: "совер-|шить."). Words shorter
# than the theme's ``hyphenate-limit-chars`` (5 letters) are never hyphenated: left as they are.
# The words are tokens of their own, so the text of every other token is printed as parsed (the
# leak check looks for a hidden block's runs of text in the HTML).
_UPPER = "".join(
    chr(c) for c in (*range(0x41, 0x250), *range(0x370, 0x530), *range(0x1E00, 0x1F00)) if chr(c).isupper()
)
_NAME = re.compile(rf"[{_UPPER}](?<!\w.)\w{{4,59}}(?!\w)")  # (the capital first: the engine scans for it)
_LAST = re.compile(r"(?<!\w)\w{5,60}(?=\W*$)")
SHORT_PARAGRAPH = 30  # characters
TAIL = 120  # characters: the last word is looked for in the end of the text
NOUN_CAPITALS = frozenset({"de", "lb"})  # every noun starts with a capital: only the last word is kept whole


# scripts the theme never hyphenates (no case, and no hyphenation: Arabic, Hebrew, Chinese...)
UNHYPHENATED = frozenset({"ar", "fa", "he", "ur", "yi", "zh", "ja", "ko", "th", "lo", "km", "my"})


def whole_words(tokens: list[Token], lang: str) -> None:
    """Names, acronyms and a paragraph's last word as ``whole_open``/``whole_close`` spans, in
    text the theme hyphenates: paragraphs and table cells (not headings, titles, tight lists)."""
    base = lang.split("-")[0]
    if base in UNHYPHENATED:
        return
    names = base not in NOUN_CAPITALS
    for i in range(1, len(tokens)):
        block = tokens[i]
        if block.type != "inline" or not block.children:
            continue
        opener = tokens[i - 1]
        if opener.type == "paragraph_open" and not opener.hidden:
            # (a paragraph shorter than any line is never broken: its last word is never hyphenated)
            ends = len(block.content) > SHORT_PARAGRAPH
        elif opener.type == "td_open":
            ends = False
        else:
            continue
        if ends or (names and _NAME.search(block.content) is not None):
            block.children = _whole(block.children, names, ends)


def _whole(children: list[Token], names: bool, ends: bool) -> list[Token]:
    texts = [k for k, c in enumerate(children) if c.type == "text" and c.content]
    if not texts:
        return children
    out: list[Token] | None = None
    first = True  # (no text yet: a capital here opens the block's first sentence)
    for k in texts:
        tok = children[k]
        text = tok.content
        if k and children[k - 1].type == "link_open" and children[k - 1].markup in ("autolink", "linkify"):
            continue  # an address printed as written
        spans: list[tuple[int, int]] = []
        if names:
            for m in _NAME.finditer(text):
                a = m.start()
                lead = text[:a].rstrip(_OPENERS)
                if not m.group().isupper():
                    # only acronyms (UNTOC): keeping every capitalised word whole made twice as
                    # many loose lines in English and a third more in Russian, a worse fault
                    continue
                if (lead[-1] in ".!?…" if lead else first) and not m.group().isupper():
                    continue  # a capital that only opens a sentence: the word may be hyphenated
                spans.append((a, m.end()))
        end = _LAST.search(text, max(0, len(text) - TAIL)) if ends and k == texts[-1] else None
        if end is not None and (not spans or spans[-1][1] != end.end()):
            spans.append(end.span())
        first = first and not text.strip()
        if not spans:
            continue
        if out is None:
            out = []
            done = 0
        out += children[done:k]
        done = k + 1
        # one span over kept words with only short words between them ("Council of Europe":
        # a word too short to be hyphenated loses nothing): fewer tokens and elements
        merged = [spans[0]]
        for a, b in spans[1:]:
            if _HYPHENABLE.search(text, merged[-1][1], a) is None:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        start = 0
        for a, b in merged:
            if a > start:
                out.append(_text(text[start:a]))
            out += (WHOLE_OPEN, _text(text[a:b]), WHOLE_CLOSE)
            start = b
        if start < len(text):
            out.append(_text(text[start:]))
    if out is None:
        return children
    out += children[done:]
    return out


_HYPHENABLE = re.compile(r"\w{5}")


_OPENERS = " \u00a0\u202f«“„\"'‘([¿¡—–-"
# (one pair for every kept word: the renderer reads their type only)
WHOLE_OPEN, WHOLE_CLOSE = Token("whole_open", "span", 1), Token("whole_close", "span", -1)


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)
