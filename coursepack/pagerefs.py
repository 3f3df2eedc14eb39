"""Part of stitching: the page numbers a part prints, written in once the page plan is known.

A part is typeset with zeros where it prints the page number of an anchor ("p. 00"), as
many zeros as the number has digits, so its layout does not depend on where the pages it
cites land, only on how many digits their numbers have. The stitcher then finds each
link's zeros through the tagged structure (the link annotation's structure element and its
marked content, never by guessing from the text) and writes the digits in place: the same
bytes' length, the same glyph widths, since figures are tabular (checked for each font). So
an edit that moves pages re-typesets only the parts whose text changed, and a cold build
lays every part out once.

The engine patch ``font-digits`` (``engine/patches/font_digits.py``) makes every embedded font carry all ten digits (outline,
width and text mapping), so any number can be written into any part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name

from coursepack.parts import LINK_PREFIX

DIGITS = "0123456789"

_MARKED = re.compile(rb"<</MCID (\d+)>>\s*BDC\b")
_TEXT = re.compile(rb"/([^\s/\[\]<>()]+)\s+[-\d.]+\s+Tf\b|\[([^\]]*)\]\s*TJ\b")
_HEX = re.compile(rb"<([0-9a-fA-F]*)>")
_BFCHAR = re.compile(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>")


class Unpatchable(Exception):
    """A part whose printed page numbers cannot be written in (it is typeset with the numbers instead)."""

    def __init__(self, reason: str, parts: list[int] | None = None) -> None:
        super().__init__(reason)
        self.parts = parts or []  # which parts of the pack (set by the stitcher)


@dataclass(frozen=True)
class _Digits:
    """A font's digit glyphs, as the 4-hex-digit codes a content stream uses."""

    codes: dict[str, bytes]  # "0" -> b"0013" (when each digit has exactly one glyph)
    all: frozenset[bytes]  # every glyph that is a digit
    zero: frozenset[bytes]  # every glyph that is a zero
    tabular: bool  # each digit has one glyph, all ten equally wide: numbers can be written in


def _to_unicode(font: pikepdf.Object) -> dict[bytes, str]:
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    out = {}
    for gid, text in _BFCHAR.findall(stream.read_bytes()):
        try:
            out[gid.lower()] = bytes.fromhex(text.decode()).decode("utf-16-be")
        except ValueError:
            continue
    return out


def _widths(font: pikepdf.Object) -> dict[int, float]:
    """The CIDFont's /W array as glyph id -> width."""
    out: dict[int, float] = {}
    descendants = font.get("/DescendantFonts", Array())
    if not descendants:
        return out
    w = list(descendants[0].get("/W", Array()))
    i = 0
    while i < len(w):
        first = int(w[i])
        if i + 1 < len(w) and isinstance(w[i + 1], Array):
            for k, value in enumerate(w[i + 1]):
                out[first + k] = float(value)
            i += 2
        elif i + 2 < len(w):
            for gid in range(first, int(w[i + 1]) + 1):
                out[gid] = float(w[i + 2])
            i += 3
        else:
            break
    return out


def _digits(font: pikepdf.Object) -> _Digits:
    """What the font's text mapping and widths say of its digits."""
    by_char: dict[str, list[bytes]] = {}
    if font.get("/Subtype") == Name.Type0:
        for gid, text in _to_unicode(font).items():
            if len(text) == 1 and text in DIGITS:
                by_char.setdefault(text, []).append(gid)
    codes = {d: gids[0] for d, gids in by_char.items() if len(gids) == 1}
    tabular = len(codes) == 10
    if tabular:
        widths = _widths(font)
        tabular = len({widths.get(int(code, 16)) for code in codes.values()}) == 1
    every = frozenset(g for gids in by_char.values() for g in gids)
    return _Digits(codes, every, frozenset(by_char.get("0", [])), tabular)


def _target(annot: pikepdf.Object) -> str | None:
    dest = annot.get("/Dest")
    if isinstance(dest, pikepdf.String):
        return str(dest)
    action = annot.get("/A")
    uri = str(action.get("/URI", "")) if action is not None else ""
    return uri[len(LINK_PREFIX) :] if uri.startswith(LINK_PREFIX) else None


def _parent_tree(tree: pikepdf.Object) -> dict[int, pikepdf.Object]:
    out: dict[int, pikepdf.Object] = {}
    stack = [tree.get("/ParentTree", Dictionary())]
    while stack:
        node = stack.pop()
        nums = list(node.get("/Nums", Array()))
        out.update({int(k): v for k, v in zip(nums[::2], nums[1::2], strict=True)})
        stack.extend(node.get("/Kids", Array()))
    return out


def _mcids(element: pikepdf.Object, page: pikepdf.Object) -> list[int]:
    """The marked-content ids on ``page`` under a structure element."""
    found: list[int] = []
    stack = [element]
    while stack:
        node = stack.pop()
        if isinstance(node, int):
            found.append(node)
        elif isinstance(node, Array):
            stack.extend(node)
        elif isinstance(node, Dictionary):
            if "/MCID" in node:
                pg = node.get("/Pg")
                if pg is None or pg.objgen == page.objgen:
                    found.append(int(node.MCID))
            elif node.get("/Type") != Name.OBJR and "/K" in node:
                stack.append(node.K)
    return found


def _runs(section: bytes, base: int, fonts: dict[str, _Digits]) -> list[tuple[list[int], _Digits]]:
    """The runs of zeros (offsets of their glyph codes) in a stretch of content stream, with their font.

    A run is a maximal sequence of digit glyphs that are all zeros; kerning between them
    (letter-spacing) is left as it is.
    """
    runs: list[tuple[list[int], _Digits]] = []
    digits: _Digits | None = None
    for m in _TEXT.finditer(section):
        if m.group(1) is not None:
            name = m.group(1).decode("latin-1")
            if name not in fonts:
                raise Unpatchable(f"unknown font /{name}")
            digits = fonts[name]
            continue
        if digits is None or not digits.zero:
            continue
        glyphs = [
            (code.group(1).lower()[k : k + 4], base + m.start(2) + code.start(1) + k)
            for code in _HEX.finditer(m.group(2))
            for k in range(0, len(code.group(1)), 4)
        ]
        current: list[tuple[bytes, int]] = []
        for code, at in [*glyphs, (b"", -1)]:
            if code in digits.all:
                current.append((code, at))
                continue
            if current and all(c in digits.zero for c, _ in current):
                runs.append(([a for _, a in current], digits))
            current = []
    return runs


def _page_fonts(page: pikepdf.Object, cache: dict[tuple[int, int], _Digits]) -> dict[str, _Digits]:
    out = {}
    for name, font in page.get("/Resources", Dictionary()).get("/Font", Dictionary()).items():
        key = font.objgen
        if key not in cache:
            cache[key] = _digits(font)
        out[name[1:]] = cache[key]
    return out


def patch(pdf: pikepdf.Pdf, numbers: dict[str, int]) -> int:
    """Write the page numbers of ``numbers``' anchors over their zeros; the count of digits written.

    Raises Unpatchable when a link prints a number that cannot be written in place (a font
    without tabular digits, a number with another count of digits than its zeros).
    """
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None or not numbers:
        return 0
    parents: dict[int, pikepdf.Object] | None = None
    cache: dict[tuple[int, int], _Digits] = {}
    written = 0
    for page in pdf.pages:
        obj = page.obj
        links: list[tuple[int, list[int]]] = []
        for annot in obj.get("/Annots", Array()):
            target = _target(annot)
            if target is None or target not in numbers or "/StructParent" not in annot:
                continue
            if parents is None:
                parents = _parent_tree(tree)
            element = parents.get(int(annot.StructParent))
            if element is not None:
                links.append((numbers[target], _mcids(element, obj)))
        if not links:
            continue
        contents = obj.Contents
        if isinstance(contents, Array):
            raise Unpatchable("a page with several content streams")
        data = bytearray(contents.read_bytes())
        sections: dict[int, tuple[int, int]] = {}
        for m in _MARKED.finditer(data):
            end = data.find(b"EMC", m.end())
            sections[int(m.group(1))] = (m.end(), end if end >= 0 else len(data))
        fonts = _page_fonts(obj, cache)
        edits: dict[int, bytes] = {}
        for number, mcids in links:
            spans = sorted(sections[i] for i in set(mcids) if i in sections)
            runs = [run for a, b in spans for run in _runs(bytes(data[a:b]), a, fonts)]
            if not runs:
                continue  # this link prints no number (an xref to an anchor that is also cited)
            run, digits = runs[-1]  # the number follows the link's text (contents: title, leader, number)
            text = str(number)
            if not digits.tabular:
                raise Unpatchable("a page number in a font without one glyph per digit, all equally wide")
            if len(run) != len(text):
                raise Unpatchable(f"page {number} typeset as {len(run)} zero(s)")
            for at, char in zip(run, text, strict=True):
                edits[at] = digits.codes[char]
        if edits:
            for at, code in edits.items():
                data[at : at + 4] = code
            contents.write(bytes(data))
            written += len(edits)
    return written
