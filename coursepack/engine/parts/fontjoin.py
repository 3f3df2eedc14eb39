"""Part of stitching: one embedded font file per face instead of one per part.

Each part embeds its own subset of every font face it uses. WeasyPrint subsets with the
original glyph ids kept (unused glyphs are empty), so the subsets of one face differ only in
which glyphs have outlines: their union is a valid subset of the same face for every part.
This module builds that union from the TrueType ``glyf``/``loca``/``hmtx`` tables directly (a
few milliseconds; parsing each subset with fontTools would cost seconds on a long pack) and
points every part's font descriptor at it. Faces that are not TrueType (CFF, as in the CJK
font) are left as they are.
"""

from __future__ import annotations

import operator
import struct
from array import array
from collections import defaultdict
from itertools import compress

import pikepdf
from pikepdf import Name


def _tables(data: bytes) -> dict[bytes, tuple[int, int]]:
    count = struct.unpack_from(">H", data, 4)[0]
    tables = {}
    for i in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
        tables[tag] = (offset, length)
    return tables


def _table(data: bytes, tables: dict[bytes, tuple[int, int]], tag: bytes) -> bytes:
    offset, length = tables[tag]
    return data[offset : offset + length]


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


class _Face:
    """The glyph outlines and metrics of one subset."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.tables = _tables(data)
        head = _table(data, self.tables, b"head")
        long_loca = struct.unpack_from(">h", head, 50)[0] == 1
        raw = _table(data, self.tables, b"loca")
        loca = array("I" if long_loca else "H", raw)
        loca.byteswap()
        self.loca = list(loca) if long_loca else [2 * x for x in loca]
        self.glyf = _table(data, self.tables, b"glyf")
        self.hmtx = _table(data, self.tables, b"hmtx")
        self.metrics = struct.unpack_from(">H", _table(data, self.tables, b"hhea"), 34)[0]

    def glyphs(self) -> int:
        return len(self.loca) - 1

    def outline(self, gid: int) -> bytes:
        return self.glyf[self.loca[gid] : self.loca[gid + 1]]

    def metric(self, gid: int) -> bytes:
        """The glyph's advance and left side bearing, as a 4-byte long metric."""
        if gid < self.metrics:
            return self.hmtx[4 * gid : 4 * gid + 4]
        at = 4 * self.metrics + 2 * (gid - self.metrics)
        return self.hmtx[4 * self.metrics - 4 : 4 * self.metrics - 2] + self.hmtx[at : at + 2]


def union(subsets: list[bytes]) -> bytes | None:
    """One TrueType font with every glyph any of the subsets has, or None if they are not TrueType."""
    try:
        faces = [_Face(data) for data in subsets]
    except (KeyError, struct.error, ValueError):
        return None  # not TrueType outlines (CFF) or not a font we understand: leave it
    # the subsets keep glyph ids but stop after the last glyph they use: the longest one is the base
    base = max(faces, key=_Face.glyphs)
    n = base.glyphs()
    owner: list[_Face] = [base] * n
    for face in reversed(faces):  # the first part wins where several have the glyph (they agree)
        for gid in compress(range(face.glyphs()), map(operator.lt, face.loca, face.loca[1:])):
            owner[gid] = face
    glyf = bytearray()
    offsets = []
    hmtx = bytearray()
    for gid in range(n):
        offsets.append(len(glyf))
        outline = owner[gid].outline(gid)
        glyf += outline + b"\0" * (-len(outline) % 4)
        hmtx += owner[gid].metric(gid)
    offsets.append(len(glyf))
    new_loca = array("I", offsets)
    new_loca.byteswap()
    head = bytearray(_table(base.data, base.tables, b"head"))
    struct.pack_into(">I", head, 8, 0)  # checksumAdjustment, set below
    struct.pack_into(">h", head, 50, 1)  # long loca offsets
    hhea = bytearray(_table(base.data, base.tables, b"hhea"))
    struct.pack_into(">H", hhea, 34, n)  # every metric written in full
    maxp = bytearray(_table(base.data, base.tables, b"maxp"))
    if len(maxp) >= 32:  # version 1.0: the maxima over the union (points, contours, components...)
        for at in range(6, 32, 2):
            value = max(struct.unpack_from(">H", _table(f.data, f.tables, b"maxp"), at)[0] for f in faces)
            struct.pack_into(">H", maxp, at, value)
    new = {tag: _table(base.data, base.tables, tag) for tag in base.tables}
    new.update(
        {
            b"glyf": bytes(glyf),
            b"loca": new_loca.tobytes(),
            b"hmtx": bytes(hmtx),
            b"head": bytes(head),
            b"hhea": bytes(hhea),
            b"maxp": bytes(maxp),
        }
    )
    return _sfnt(new, base.data[:4])


def _sfnt(tables: dict[bytes, bytes], version: bytes) -> bytes:
    tags = sorted(tables)
    count = len(tags)
    power = 1 << (count.bit_length() - 1)
    out = bytearray(version + struct.pack(">HHHH", count, power * 16, power.bit_length() - 1, (count - power) * 16))
    offset = 12 + 16 * count
    body = bytearray()
    for tag in tags:
        data = tables[tag]
        out += struct.pack(">4sIII", tag, _checksum(data), offset + len(body), len(data))
        body += data + b"\0" * (-len(data) % 4)
    font = bytearray(out + body)
    head_at = struct.unpack_from(">I", font, 12 + 16 * tags.index(b"head") + 8)[0]
    struct.pack_into(">I", font, head_at + 8, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)


def join_fonts(pdf: pikepdf.Pdf) -> None:
    """Give every part's subset of a face one shared font file: the union of their glyphs."""
    groups: dict[str, list[pikepdf.Object]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()

    def visit(resources: pikepdf.Object) -> None:
        for font in resources.get("/Font", pikepdf.Dictionary()).values():
            if font.objgen in seen:
                continue
            seen.add(font.objgen)
            for descendant in font.get("/DescendantFonts", pikepdf.Array()):
                descriptor = descendant.get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor:
                    groups[str(descriptor.get("/FontName", ""))].append(descriptor)
        for xobject in resources.get("/XObject", pikepdf.Dictionary()).values():
            if xobject.objgen not in seen and "/Resources" in xobject:
                seen.add(xobject.objgen)
                visit(xobject.Resources)

    for page in pdf.pages:  # fonts in use only (scanning every object would wrap them all in Python)
        visit(page.obj.get("/Resources", pikepdf.Dictionary()))
    for descriptors in groups.values():
        streams = {d.FontFile2.objgen: d.FontFile2 for d in descriptors}
        if len(streams) < 2:
            continue
        merged = union([s.read_bytes() for s in streams.values()])
        if merged is None:
            continue
        shared = pikepdf.Stream(pdf, merged)
        shared[Name.Length1] = len(merged)
        shared = pdf.make_indirect(shared)
        for descriptor in descriptors:
            descriptor[Name.FontFile2] = shared
