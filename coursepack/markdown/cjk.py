"""Emphasis next to Chinese, Japanese and Korean text: ``**《公约》**于`` is bold.

CommonMark's flanking rules refuse a closing ``**`` between full-width punctuation and a
letter, which Chinese text has everywhere. This follows the CJK-friendly amendment drafted for
CommonMark (github.com/tats-u/markdown-cjk-friendly), as mdit-py-cjk-friendly does; that package
pins markdown-it-py below 4, which lacks the alerts, task lists and GFM autolinks we use, so
the rule is carried here (MIT, the same few lines). A CJK character next to a delimiter run
counts as punctuation where that lets the run flank, and not where it would stop it; runs
with no CJK neighbour are read exactly as CommonMark reads them.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Scanned, StateInline

_CJK = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6"
    "\uac00-\ud7af\U00020000-\U0002a6df]"
)
_original = StateInline.scanDelims


def is_cjk(char: str) -> bool:
    """Whether a character is a CJK ideograph, kana, hangul syllable or full-width form."""
    return bool(char) and _CJK.match(char) is not None


def _punct(char: str) -> bool:
    return isMdAsciiPunct(ord(char)) or isPunctChar(char)


def _scan(self: StateInline, start: int, canSplitWord: bool) -> Scanned:
    scanned = _original(self, start, canSplitWord)
    if not self.md.options.get("cjk_friendly") or (scanned.can_open and scanned.can_close):
        return scanned
    pos, marker = start, self.src[start]
    while pos < self.posMax and self.src[pos] == marker:
        pos += 1
    last = self.src[start - 1] if start > 0 else " "
    nxt = self.src[pos] if pos < self.posMax else " "
    if not (is_cjk(last) or is_cjk(nxt)):
        return scanned
    last_block, next_block = not is_cjk(last) and _punct(last), not is_cjk(nxt) and _punct(nxt)
    last_allow, next_allow = is_cjk(last) or _punct(last), is_cjk(nxt) or _punct(nxt)
    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(nxt))
    left = not next_space and (not next_block or last_space or last_allow)
    right = not last_space and (not last_block or next_space or next_allow)
    if canSplitWord:
        return Scanned(left, right, scanned.length)
    return Scanned(left and (not right or last_allow), right and (not left or next_allow), scanned.length)


StateInline.scanDelims = _scan  # type: ignore[method-assign]


def cjk_plugin(md: MarkdownIt) -> None:
    """Read emphasis the CJK-friendly way in this parser (others keep CommonMark's exact rules)."""
    md.options["cjk_friendly"] = True
