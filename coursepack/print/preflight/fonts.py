"""Fonts as a PDF uses them: embedded or not, which codes draw no glyph, widths, Unicode.

Only pikepdf and fontTools (to count the glyphs of an embedded font program); no engine.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass, field

import pikepdf

EMBEDDED = ("/FontFile", "/FontFile2", "/FontFile3")


@dataclass
class Font:
    """A font resource: how to split a string into codes, and what each code shows."""

    name: str  # the BaseFont, without a subset prefix
    embedded: bool
    two_byte: bool  # Type0 with a 2-byte encoding (Identity-H/V)
    widths: dict[int, float] = field(default_factory=dict)  # code -> width in 1/1000 em
    default_width: float = 500.0
    unicode: dict[int, str] = field(default_factory=dict)  # code -> text (ToUnicode)
    cid: dict[int, int] | None = None  # code -> CID (an embedded CMap); None: Identity-H/V
    gid: dict[int, int] | None = None  # CID -> glyph id (CIDToGIDMap stream); None: identity
    glyphs: int | None = None  # glyphs in the embedded program, if known
    notdef_codes: frozenset[int] = frozenset()  # simple fonts: codes the encoding maps to .notdef
    simple_range: tuple[int, int] = (0, 255)

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return list(struct.unpack(f">{len(data) // 2}H", data[: len(data) // 2 * 2]))
        return list(data)

    def show(self, data: bytes) -> tuple[str, float, int, list[int]]:
        """What a string shows: its text, its width (1/1000 em), its spaces, the codes with no glyph."""
        codes = self.codes(data)
        widths, default = self.widths, self.default_width
        width = sum(widths.get(c, default) for c in codes)
        if self.two_byte:
            text = "".join(self.unicode.get(c, "") for c in codes)
        else:
            text = "".join(self.text(c) for c in codes)
        if self.two_byte and self.cid is None and self.gid is None:
            top = self.glyphs
            missing = [c for c in codes if c == 0 or (top is not None and c >= top)]
        else:
            missing = [c for c in codes if self.missing(c)]
        spaces = 0 if self.two_byte else codes.count(32)
        return text, width, spaces, missing

    def width(self, code: int) -> float:
        return self.widths.get(code, self.default_width)

    def missing(self, code: int) -> bool:
        """Whether ``code`` shows the .notdef glyph (glyph 0, or a glyph the font does not have)."""
        if not self.two_byte:
            low, high = self.simple_range
            return code in self.notdef_codes or not (low <= code <= high)
        cid = code if self.cid is None else self.cid.get(code, 0)
        gid = cid if self.gid is None else self.gid.get(cid, 0)
        return gid == 0 or (self.glyphs is not None and gid >= self.glyphs)

    def text(self, code: int) -> str:
        if code in self.unicode:
            return self.unicode[code]
        return "" if self.two_byte else bytes([code]).decode("cp1252", "replace")  # a simple font: WinAnsi


def load(obj: pikepdf.Object) -> Font:
    """Read a font dictionary (Type0, TrueType, Type1, Type3)."""
    subtype = str(obj.get("/Subtype", ""))
    base = str(obj.get("/BaseFont", "/?"))[1:]
    name = base.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", base) else base
    unicode = _to_unicode(obj.get("/ToUnicode"))
    if subtype == "/Type0":
        descendant = obj.DescendantFonts[0]
        descriptor = descendant.get("/FontDescriptor")
        embedded = descriptor is not None and any(k in descriptor for k in EMBEDDED)
        encoding = obj.get("/Encoding")
        cmap = _cid_cmap(encoding) if isinstance(encoding, pikepdf.Stream) else None
        two_byte = str(encoding) in ("/Identity-H", "/Identity-V") or cmap is not None
        font = Font(name, embedded, two_byte, unicode=unicode, cid=cmap)
        font.default_width = float(descendant.get("/DW", 1000))
        font.widths = _cid_widths(descendant.get("/W"))
        cid_map = descendant.get("/CIDToGIDMap")
        if isinstance(cid_map, pikepdf.Stream):
            data = cid_map.read_bytes()
            font.gid = {i // 2: int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)}
        font.glyphs = _glyph_count(descriptor)
        return font
    descriptor = obj.get("/FontDescriptor")
    embedded = subtype == "/Type3" or (descriptor is not None and any(k in descriptor for k in EMBEDDED))
    font = Font(name, embedded, False, unicode=unicode)
    first = int(obj.get("/FirstChar", 0))
    widths = obj.get("/Widths")
    if widths is not None:
        font.widths = {first + i: float(w) for i, w in enumerate(widths)}
        font.simple_range = (first, first + len(widths) - 1)
        if descriptor is not None:
            font.default_width = float(descriptor.get("/MissingWidth", 0))
    encoding = obj.get("/Encoding")
    if isinstance(encoding, pikepdf.Dictionary) and "/Differences" in encoding:
        code, notdef = 0, set()
        for item in encoding.Differences:
            if isinstance(item, pikepdf.Name):
                if str(item) == "/.notdef":
                    notdef.add(code)
                code += 1
            else:
                code = int(item)
        font.notdef_codes = frozenset(notdef)
    return font


def _cid_widths(w: pikepdf.Object | None) -> dict[int, float]:
    """The /W array of a CID font: ``c [w1 w2 ...]`` and ``c_first c_last w``."""
    widths: dict[int, float] = {}
    if not isinstance(w, pikepdf.Array):
        return widths
    items = list(w)
    i = 0
    while i < len(items):
        start = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], pikepdf.Array):
            for k, width in enumerate(items[i + 1]):
                widths[start + k] = float(width)
            i += 2
        elif i + 2 < len(items):
            for code in range(start, int(items[i + 1]) + 1):
                widths[code] = float(items[i + 2])
            i += 3
        else:
            break
    return widths


def _cid_cmap(stream: pikepdf.Stream) -> dict[int, int] | None:
    """Code -> CID of an embedded CMap with 2-byte codes (cidchar, cidrange); None for others."""
    try:
        data = stream.read_bytes()
    except pikepdf.PdfError:
        return None
    space = re.search(rb"begincodespacerange\s*<([0-9A-Fa-f]+)>", data)
    if space is None or len(space.group(1)) != 4:
        return None
    table: dict[int, int] = {}
    for block in re.findall(rb"begincidchar(.*?)endcidchar", data, re.S):
        for code, cid in re.findall(rb"<([0-9A-Fa-f]+)>\s*(\d+)", block):
            table[int(code, 16)] = int(cid)
    for block in re.findall(rb"begincidrange(.*?)endcidrange", data, re.S):
        for low, high, cid in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\d+)", block):
            for k in range(min(int(high, 16) - int(low, 16) + 1, 65536)):
                table[int(low, 16) + k] = int(cid) + k
    return table


def _glyph_count(descriptor: pikepdf.Object | None) -> int | None:
    """The number of glyphs of an embedded TrueType/OpenType program (None if unknown)."""
    if descriptor is None:
        return None
    program = descriptor.get("/FontFile2")
    if program is None:
        program = descriptor.get("/FontFile3")
        if program is None or str(program.get("/Subtype", "")) != "/OpenType":
            return None
    try:
        from fontTools.ttLib import TTFont

        return int(TTFont(io.BytesIO(program.read_bytes()), lazy=True)["maxp"].numGlyphs)
    except Exception:  # a damaged program: glyph 0 is still found
        return None


_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _to_unicode(stream: pikepdf.Object | None) -> dict[int, str]:
    """Code -> text from a ToUnicode CMap (bfchar and bfrange)."""
    if not isinstance(stream, pikepdf.Stream):
        return {}
    try:
        data = stream.read_bytes()
    except pikepdf.PdfError:
        return {}
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = _HEX.findall(block)
        for src, dst in zip(pairs[::2], pairs[1::2], strict=False):
            table[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block):
            low, high, dst = int(line[0], 16), int(line[1], 16), line[2]
            if dst.startswith(b"["):
                for k, item in enumerate(_HEX.findall(dst)):
                    table[low + k] = _utf16(item)
            else:
                first = int(dst[1:-1], 16)
                for k in range(min(high - low + 1, 65536)):
                    table[low + k] = _utf16(b"%04X" % (first + k))
    return table


def _utf16(hexdigits: bytes) -> str:
    try:
        return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", "replace")
    except ValueError:
        return ""
