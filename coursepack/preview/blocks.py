"""Where an edit is in the HTML: blocks by their ``data-src``, the first one that changed.

Every block of course text carries ``data-src="units/x.md:12"`` (the file and line it comes
from). A block's HTML is taken from its own ``data-src`` to the next one: the text of a
paragraph follows its attribute, so an edit changes the block it is in (and, when lines were
added or removed, the line numbers of every block after it, which come later).
"""

from __future__ import annotations

import html as htmllib
import re

_SRC = re.compile(r'data-src="([^"]*)"')
_BODY = re.compile(r"<body([^>]*)>(.*)</body>", re.S)
_ID = re.compile(r'\sid="([^"]+)"')
_TAG = re.compile(r"<[^>]*>")


def split_page(html: str) -> tuple[str, str, str]:
    """``(head, body attributes, body)`` of an HTML document: what is inside ``<head>``, the
    ``<body>`` tag's attributes, and what is inside ``<body>``."""
    head = html.split("<head>", 1)[-1].split("</head>", 1)[0]
    found = _BODY.search(html)
    if found is None:
        return head, "", html
    return head, found.group(1), found.group(2)


def blocks(html: str) -> list[tuple[str, int, str]]:
    """Each block: its ``data-src`` (unescaped), where it starts, its HTML up to the next block."""
    found = list(_SRC.finditer(html))
    out = []
    for k, m in enumerate(found):
        end = found[k + 1].start() if k + 1 < len(found) else len(html)
        out.append((htmllib.unescape(m.group(1)), m.start(), html[m.start() : end]))
    return out


def first_change(old: str, new: str, files: list[str]) -> tuple[str, int] | None:
    """The first block of the new HTML that differs from the old one, in the first of ``files``
    (paths relative to the course folder) that has one, else in any file: its ``data-src``
    and where it starts in ``new``; None when no block changed."""
    before, after = blocks(old), blocks(new)
    for name in [*files, None]:
        was = [b for b in before if name is None or b[0].rpartition(":")[0] == name]
        now = [b for b in after if name is None or b[0].rpartition(":")[0] == name]
        for k, block in enumerate(now):
            if k >= len(was) or was[k][2] != block[2]:
                return block[0], block[1]
        if now and len(was) > len(now):  # a block removed at the end: show where the file ends now
            return now[-1][0], now[-1][1]
    return None


def anchor_before(html: str, at: int) -> str | None:
    """The last ``id`` in ``html`` before position ``at`` (the heading or section the block is in)."""
    found = [m.group(1) for m in _ID.finditer(html, 0, at)]
    return htmllib.unescape(found[-1]) if found else None


def words_at(html: str, at: int, count: int = 6) -> list[str]:
    """The first words of text from position ``at`` (the block's own text, tags left out)."""
    start = html.find(">", at)
    text = htmllib.unescape(_TAG.sub(" ", html[start + 1 : start + 4000]))
    return [w for w in text.split() if len(w) > 1][:count]
