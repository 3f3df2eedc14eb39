"""Part of stitching: the page numbers a part prints, written in once the page plan is known.

A part is typeset with zeros where it prints the page number of an anchor ("p. 00"), as
many zeros as the number has digits, so its layout does not depend on where the pages it
cites land, only on how many digits their numbers have. The stitcher then finds each
link's zeros through the tagged structure (the link annotation's structure element and its
marked content, never by guessing from the text) and writes the digits in their place, with
the same glyph widths, since figures are tabular (checked for each font). The page's content
stream is read with pikepdf's tokenizer (QPDF's), never with patterns over the bytes, so a
change in how the engine writes its PDF cannot make a number be missed; and the stitcher
checks that every number a part prints was written (``Missing``): "p. 00" is never shipped.
So an edit that moves pages re-typesets only the parts whose text changed, and a cold build
lays every part out once.

The engine patch ``font-digits`` (``engine/patches/font_digits.py``) makes every embedded font carry all ten digits (outline,
width and text mapping), so any number can be written into any part.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name

from coursepack.engine.parts.split import LINK_PREFIX

DIGITS = "0123456789"
Instruction = pikepdf.ContentStreamInstruction | pikepdf.ContentStreamInlineImage


class Unpatchable(Exception):
    """A part whose printed page numbers cannot be written in (it is typeset with the numbers instead)."""

    def __init__(self, reason: str, parts: list[int] | None = None) -> None:
        super().__init__(reason)
        self.parts = parts or []  # which parts of the pack (set by the stitcher)


class Missing(Exception):
    """A part prints page numbers the stitcher did not find in its PDF (they would print as
    zeros): the engine wrote its PDF in a way coursepack does not know. An error, never "p. 00"."""


@dataclass(frozen=True)
class _Digits:
    """A font's digit glyphs, as the 4-hex-digit codes a content stream uses."""

    codes: dict[str, bytes]  # "0" -> b"\x00\x13", its two-byte code (when each digit has exactly one glyph)
    all: frozenset[bytes]  # every glyph that is a digit
    zero: frozenset[bytes]  # every glyph that is a zero
    tabular: bool  # each digit has one glyph, all ten equally wide: numbers can be written in


def _to_unicode(font: pikepdf.Object) -> dict[bytes, str]:
    """The font's ToUnicode CMap (read with the same tokenizer: a CMap is PostScript-like
    operands and operators) as code -> text, from its bfchar and bfrange entries."""
    stream = font.get("/ToUnicode")
    if stream is None:
        return {}
    out: dict[bytes, str] = {}

    def text(data: bytes) -> str | None:
        try:
            return data.decode("utf-16-be")
        except UnicodeDecodeError:
            return None

    for instruction in pikepdf.parse_content_stream(stream):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue
        operands, op = list(instruction.operands), str(instruction.operator)
        if op == "endbfchar":
            for src, dst in zip(operands[::2], operands[1::2], strict=False):
                if (t := text(bytes(dst))) is not None:
                    out[bytes(src)] = t
        elif op == "endbfrange":
            for lo, hi, dst in zip(operands[::3], operands[1::3], operands[2::3], strict=False):
                first, last, size = int.from_bytes(bytes(lo), "big"), int.from_bytes(bytes(hi), "big"), len(bytes(lo))
                for n, code in enumerate(range(first, min(last, first + 0xFFFF) + 1)):
                    if isinstance(dst, Array):
                        t = text(bytes(dst[n])) if n < len(dst) else None
                    else:
                        base = bytes(dst)
                        t = text(base[:-2] + (int.from_bytes(base[-2:], "big") + n).to_bytes(2, "big"))
                    if t is not None:
                        out[code.to_bytes(size, "big")] = t
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
        tabular = len({widths.get(int.from_bytes(code, "big")) for code in codes.values()}) == 1
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


def _page_fonts(page: pikepdf.Object, cache: dict[tuple[int, int], _Digits]) -> dict[str, _Digits]:
    out = {}
    for name, font in page.get("/Resources", Dictionary()).get("/Font", Dictionary()).items():
        key = font.objgen
        if key not in cache:
            cache[key] = _digits(font)
        out[name[1:]] = cache[key]
    return out


@dataclass(frozen=True)
class _Glyph:
    """Where a glyph's two-byte code is in a page's instructions: the instruction, the string
    among its operands (an item of a TJ array, or -1 for Tj's one string), the byte offset."""

    instruction: int
    item: int
    offset: int


def _shown(instructions: list[Instruction], fonts: dict[str, _Digits]) -> dict[int, list[tuple[int, _Digits | None]]]:
    """For each marked-content id, the text-showing instructions inside it (innermost id), with their font."""
    shown: dict[int, list[tuple[int, _Digits | None]]] = {}
    stack: list[int | None] = []
    font: _Digits | None = None
    for i, instruction in enumerate(instructions):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue  # an inline image
        op = str(instruction.operator)
        if op == "BDC":
            props = instruction.operands[1] if len(instruction.operands) > 1 else None
            marked = props.get("/MCID") if isinstance(props, Dictionary) else None
            stack.append(int(marked) if marked is not None else None)
        elif op == "BMC":
            stack.append(None)
        elif op == "EMC" and stack:
            stack.pop()
        elif op == "Tf":
            name = str(instruction.operands[0])[1:]
            if name not in fonts:
                raise Unpatchable(f"unknown font /{name}")
            font = fonts[name]
        elif op in ("TJ", "Tj", "'", '"'):
            inner = next((m for m in reversed(stack) if m is not None), None)
            if inner is not None:
                shown.setdefault(inner, []).append((i, font))
    return shown


def _strings(instruction: Instruction) -> Iterator[tuple[int, bytes]]:
    """The strings an instruction shows: (item index in a TJ array, or -1, bytes)."""
    operand = instruction.operands[-1]
    if isinstance(operand, Array):
        for k, item in enumerate(operand):
            if isinstance(item, pikepdf.String):
                yield k, bytes(item)
    elif isinstance(operand, pikepdf.String):
        yield -1, bytes(operand)


def _runs(instruction: Instruction, i: int, digits: _Digits) -> list[list[_Glyph]]:
    """The runs of zeros an instruction shows: maximal sequences of digit glyphs, all zeros."""
    runs: list[list[_Glyph]] = []
    current: list[tuple[bytes, _Glyph]] = []
    glyphs = [
        (data[at : at + 2], _Glyph(i, k, at)) for k, data in _strings(instruction) for at in range(0, len(data) - 1, 2)
    ]
    for code, glyph in [*glyphs, (b"", _Glyph(i, -2, -1))]:
        if code in digits.all:
            current.append((code, glyph))
            continue
        if current and all(c in digits.zero for c, _ in current):
            runs.append([g for _, g in current])
        current = []
    return runs


def _rewrite(instruction: Instruction, edits: dict[tuple[int, int], bytes]) -> pikepdf.ContentStreamInstruction:
    """The instruction with the codes at (item, offset) replaced."""

    def edited(k: int, data: bytes) -> pikepdf.String:
        out = bytearray(data)
        for (item, at), code in edits.items():
            if item == k:
                out[at : at + 2] = code
        return pikepdf.String(bytes(out))

    operands = list(instruction.operands)
    last = operands[-1]
    if isinstance(last, Array):
        operands[-1] = Array([edited(k, bytes(x)) if isinstance(x, pikepdf.String) else x for k, x in enumerate(last)])
    else:
        operands[-1] = edited(-1, bytes(last))
    return pikepdf.ContentStreamInstruction(operands, instruction.operator)


def patch(pdf: pikepdf.Pdf, numbers: dict[str, int], rewritten: list[tuple[int, bytes]] | None = None) -> int:
    """Write the page numbers of ``numbers``' anchors over their zeros; how many numbers were written.

    Raises Unpatchable when a link prints a number that cannot be written in place (a font
    without tabular digits, a number with another count of digits than its zeros).
    ``rewritten`` is given each page's new content stream (its index, its bytes) as it is written.
    """
    tree = pdf.Root.get("/StructTreeRoot")
    if tree is None or not numbers:
        return 0
    parents: dict[int, pikepdf.Object] | None = None
    cache: dict[tuple[int, int], _Digits] = {}
    written = 0
    for index, page in enumerate(pdf.pages):
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
        if isinstance(obj.Contents, Array):
            raise Unpatchable("a page with several content streams")
        instructions: list[Instruction] = list(pikepdf.parse_content_stream(page))
        shown = _shown(instructions, _page_fonts(obj, cache))
        edits: dict[int, dict[tuple[int, int], bytes]] = {}  # instruction -> (item, offset) -> code
        numbered: set[_Glyph] = set()  # the first glyph of each run written (a link on two lines: once)
        for number, mcids in links:
            runs = [
                (run, digits)
                for mcid in sorted(set(mcids))
                for i, digits in shown.get(mcid, [])
                if digits is not None and digits.zero
                for run in _runs(instructions[i], i, digits)
            ]
            if not runs:
                continue  # this link prints no number (an xref to an anchor that is also cited)
            run, digits = runs[-1]  # the number follows the link's text (contents: title, leader, number)
            text = str(number)
            if not digits.tabular:
                raise Unpatchable("a page number in a font without one glyph per digit, all equally wide")
            if len(run) != len(text):
                raise Unpatchable(f"page {number} typeset as {len(run)} zero(s)")
            for glyph, char in zip(run, text, strict=True):
                edits.setdefault(glyph.instruction, {})[(glyph.item, glyph.offset)] = digits.codes[char]
            numbered.add(run[0])
        if edits:
            for i, changes in edits.items():
                instructions[i] = _rewrite(instructions[i], changes)
            content = pikepdf.unparse_content_stream(instructions)
            obj.Contents.write(content)
            if rewritten is not None:
                rewritten.append((index, content))
            written += len(numbered)
    return written
