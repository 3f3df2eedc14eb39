"""Pandoc's citations, read by our inline rules into ``cite`` tokens of the tree.

``[@key]``, ``[@key, p. 12]``, ``[see @key, pp. 3-5; @other]``, ``[-@key]`` (no author), and
narrative ``@key`` and ``@key [p. 12]`` (the author in the text). A key is Pandoc's: it starts
with a letter, digit or ``_``; ``:.#$%&-+?<>~/`` may be inside it (``@{any key}`` in braces).

A ``cite`` token's ``content`` is the source as written and its ``meta["cite"]`` a ``Cluster``.
The parse does not know the course's readings: the checks say which keys are none (an error in
brackets; a narrative ``@word`` that names no reading prints as written, as an e-mail handle or a
decorator in prose does), and the writer prints a known key's author and year. The locator is read
here, language-independently ("p.", "pp.", "page", "с.", "ص", a bare number: a page), so a
translation that writes another language's label cites the same page. Not a citation: an address
(``me@example.org``: a narrative ``@`` follows a space, an opening mark or a Chinese character),
code, ``\\@``, text in a link (no link in a link), a bracket
that is a link or a span (``](``, ``]{``, ``][``), and Quarto's cross-references (``@fig-x``: the
Quarto rule reads them first, and a bracket holding one is left to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from markdown_it.rules_inline import StateInline

from coursepack.markdown.cjk import is_cjk
from coursepack.markdown.inline_rules import QUARTO_PREFIXES

_PUNCT = re.escape(":.#$%&-+?<>~/")
KEY = rf"\w(?:\w|[{_PUNCT}]+(?=\w))*"
KEY_RE = re.compile(rf"\{{(?P<braced>[^{{}}\n]+)\}}|(?P<key>{KEY})")
# a key in a bracket: after its start, a space, '[' or ';' (not a letter: an address)
ITEM_RE = re.compile(rf"(?<![\w.\\@-])(?P<minus>-?)@(?:\{{(?P<braced>[^{{}}\n]+)\}}|(?P<key>{KEY}))")
PAGE_LABELS = r"pp?\.|pages?|pgs?\.|págs?\.|pág\.|S\.|с\.|стр\.|ص|页|頁"
_VALUE = r"[0-9ivxlcdmIVXLCDM]+[a-z]?(?:\s*(?:[-\u2013\u2014,&]|and)\s*[0-9ivxlcdmIVXLCDM]+[a-z]?)*"
LOCATOR_RE = re.compile(
    rf"^\s*,?\s*(?:(?P<label>{PAGE_LABELS})\s*)?(?:\{{(?P<braced>[^{{}}]*)\}}|(?P<value>{_VALUE})(?![\w.]))"
)
OPENING = frozenset("([{\"'\u201c\u2018\u00ab*~\u2014\u2013\uff08\u300c\u300a\uff1a\uff0c")
SEPARATORS = ";\u061b\uff1b"  # between citations: ; and the Arabic and full-width semicolons
NOT_CITATION_AFTER = "({["  # [text](link), [span]{.class}, [text][ref]


@dataclass(frozen=True)
class CiteItem:
    key: str
    prefix: str = ""  # "see"
    suffix: str = ""  # ", and passim": after the locator, as written
    locator: str = ""  # a page, "12" or "3-5" ("" none)
    suppress_author: bool = False  # [-@key]


@dataclass(frozen=True)
class Cluster:
    items: tuple[CiteItem, ...]
    narrative: bool = False  # @key: the author is in the text


class CiteStyle(Protocol):
    """What formats citations in a style (``resolve.citeproc.Citations``): the writer prints the
    marker it gives for each citation, replaced once the whole document is written."""

    @property
    def notes(self) -> bool:
        """Whether a citation in the text is set as a footnote (a note style)."""
        ...

    def cite(self, cluster: Cluster, scope: int, note: int, in_note: bool, initial: bool = False) -> str: ...


def _quarto(key: str) -> bool:
    head, _, rest = key.partition("-")
    return head in QUARTO_PREFIXES and bool(rest)


def read_locator(rest: str) -> tuple[str, str]:
    """``", p. 12, passim"`` → ("12", ", passim"): the page, and what follows it as written.
    No page label (chap. 3, § 4, para. 2): no locator, all of it the suffix (the CSL styles
    will read those)."""
    m = LOCATOR_RE.match(rest)
    if m is None or (m.group("label") is None and m.group("braced") is not None):
        return "", rest.rstrip()
    value = (m.group("braced") if m.group("braced") is not None else m.group("value")).strip()
    return value, rest[m.end() :].rstrip()


def parse_cluster(inner: str) -> Cluster | None:
    """The items of ``[inner]`` if it is a citation: every ``;``-separated part holds one key."""
    items = []
    for part in _split(inner):
        m = ITEM_RE.search(part)
        if m is None:
            return None
        key = m.group("braced") or m.group("key")
        if _quarto(key) or ITEM_RE.search(part, m.end()):
            return None  # (Quarto's cross-reference; two keys in one part is not Pandoc's)
        locator, suffix = read_locator(part[m.end() :])
        items.append(CiteItem(key, part[: m.start()].strip(), suffix, locator, bool(m.group("minus"))))
    return Cluster(tuple(items)) if items else None


def _split(inner: str) -> list[str]:
    """``inner`` at each ``;`` outside braces."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(inner):
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(0, depth - 1)
        elif c in SEPARATORS and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    parts.append(inner[start:])
    return parts


def _opens(before: str) -> bool:
    """Whether a narrative ``@key`` may follow ``before``: a space, an opening mark or emphasis,
    a Chinese character (见@doe); not a letter, ``+`` or ``.`` of an address (foo+me@example.org)."""
    return before.isspace() or before in OPENING or is_cjk(before)


def _push(state: StateInline, cluster: Cluster, end: int) -> None:
    tok = state.push("cite", "", 0)
    tok.content = state.src[state.pos : end]
    tok.meta = {"cite": cluster}


def bracket_citation_rule(state: StateInline, silent: bool) -> bool:
    """``[see @key, p. 12; -@other]`` (not in a link's text: no link in a link)."""
    src, pos = state.src, state.pos
    if (
        src[pos] != "["
        or state.linkLevel > 0
        or pos + 1 >= state.posMax
        or src[pos + 1] == "^"
        or "@" not in src[pos : state.posMax]
    ):
        return False
    end = state.md.helpers.parseLinkLabel(state, pos, False)
    if end < 0 or (end + 1 < state.posMax and src[end + 1] in NOT_CITATION_AFTER):
        return False
    cluster = parse_cluster(src[pos + 1 : end])
    if cluster is None:
        return False
    if not silent:
        _push(state, cluster, end + 1)
    state.pos = end + 1
    return True


def narrative_citation_rule(state: StateInline, silent: bool) -> bool:
    """``@key`` and ``@key [p. 12]`` (after Quarto's ``@fig-x``, which wins)."""
    src, pos = state.src, state.pos
    if src[pos] != "@" or state.linkLevel > 0 or (pos > 0 and not _opens(src[pos - 1])):
        return False
    m = KEY_RE.match(src, pos + 1, state.posMax)
    if m is None:
        return False
    key = m.group("braced") or m.group("key")
    end, locator, suffix = m.end(), "", ""
    if src.startswith(" [", end) and end + 2 < state.posMax:
        close = state.md.helpers.parseLinkLabel(state, end + 1, False)
        inner = src[end + 2 : close] if close > 0 else ""
        after = src[close + 1 : close + 2] if close > 0 and close + 1 < state.posMax else ""
        if close > 0 and "@" not in inner and after not in tuple(NOT_CITATION_AFTER):
            locator, suffix = read_locator(inner)
            if not locator:
                suffix = inner.strip()
            end = close + 1
    if not silent:
        _push(state, Cluster((CiteItem(key, "", suffix, locator),), narrative=True), end)
    state.pos = end
    return True
