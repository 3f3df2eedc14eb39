"""Read a PDF page the way a printer's RIP would: the text runs, images and colours it draws,
where they are, and which tagged element each run belongs to (its marked-content id).

A small content-stream interpreter over pikepdf (graphics state, text state, form XObjects);
no engine, no rendering.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pikepdf

from coursepack.print.preflight.fonts import Font, load

Matrix = tuple[float, float, float, float, float, float]
Box = tuple[float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
RGB_SPACES = {"/DeviceRGB", "/CalRGB", "/RGB"}


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF order: a point is transformed by m first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


@dataclass
class Run:
    """Text drawn by one text-showing operator, in page space (points, y up)."""

    x0: float
    y0: float
    x1: float
    y1: float
    baseline: float
    size: float  # the text's height on the page
    text: str
    font: Font
    missing: list[int]  # codes that show .notdef
    mcid: int | None
    artifact: bool
    tagged: bool  # inside marked content (an MCID or an artifact)


@dataclass
class Image:
    """An image drawn on the page: its pixels and the size it is printed at."""

    name: str
    pixels: tuple[int, int]
    placed: tuple[float, float]  # width, height in points
    rgb: bool
    box: tuple[float, float, float, float]

    @property
    def dpi(self) -> float:
        w, h = self.placed
        if w <= 0 or h <= 0:
            return math.inf
        return min(self.pixels[0] / (w / 72), self.pixels[1] / (h / 72))


@dataclass
class Page:
    number: int
    runs: list[Run] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    rgb: bool = False  # paints in an RGB colour space (text, lines, fills)


@dataclass
class _State:
    ctm: Matrix = IDENTITY
    fill_rgb: bool = False
    stroke_rgb: bool = False


PAINT = {"f", "F", "f*", "B", "B*", "b", "b*", "S", "s", "sh"}


class _Scanner:
    def __init__(self, page: Page, fonts: dict[tuple[int, int], Font], cut: Box | None = None) -> None:
        self.page = page
        self.cut = cut  # the trim (or media) box: a run past it is measured glyph by glyph
        self.fonts = fonts  # shared by the pages of a document: each font is read once
        self.depth = 0

    def font(self, obj: pikepdf.Object) -> Font:
        key = obj.objgen if obj.is_indirect else (id(obj), 0)
        if key not in self.fonts:
            self.fonts[key] = load(obj)
        return self.fonts[key]

    def run(
        self,
        content: pikepdf.Object,
        resources: pikepdf.Object | None,
        ctm: Matrix,
        outer: tuple[int | None, bool] | None = None,
    ) -> None:
        """Interpret a content stream; ``outer``: the marked content a form is drawn in."""
        self.depth += 1
        if self.depth > 12:  # forms within forms: a loop
            self.depth -= 1
            return
        try:
            ops = pikepdf.parse_content_stream(content)
        except pikepdf.PdfError:
            self.depth -= 1
            return
        gs = _State(ctm)
        stack: list[_State] = []
        marks: list[tuple[int | None, bool]] = [outer] if outer else []  # (mcid, artifact) of open marked content
        tm = tl = IDENTITY
        font: Font | None = None
        size = tc = tw = rise = leading = 0.0
        tz = 1.0
        empty = pikepdf.Dictionary()
        fonts = resources.get("/Font", empty) if resources is not None else empty
        xobjects = resources.get("/XObject", empty) if resources is not None else empty
        colour_spaces = resources.get("/ColorSpace", empty) if resources is not None else empty
        properties = resources.get("/Properties", empty) if resources is not None else empty
        for op in ops:
            name = str(op.operator)
            args = op.operands
            if name == "q":
                stack.append(_State(gs.ctm, gs.fill_rgb, gs.stroke_rgb))
            elif name == "Q":
                if stack:
                    gs = stack.pop()
            elif name == "cm":
                gs.ctm = multiply(_matrix(args), gs.ctm)
            elif name in ("BDC", "BMC"):
                mcid = None
                artifact = str(args[0]) == "/Artifact"
                if name == "BDC":
                    props = args[1]
                    if isinstance(props, pikepdf.Name):
                        props = properties.get(str(props), pikepdf.Dictionary())
                    if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                        mcid = int(props.MCID)
                if marks and (mcid is None and not artifact):  # nested marks keep the outer meaning
                    mcid, artifact = marks[-1]
                marks.append((mcid, artifact or (bool(marks) and marks[-1][1])))
            elif name == "EMC":
                if marks:
                    marks.pop()
            elif name == "BT":
                tm = tl = IDENTITY
            elif name == "Tm":
                tm = tl = _matrix(args)
            elif name in ("Td", "TD"):
                tx, ty = float(args[0]), float(args[1])
                if name == "TD":
                    leading = -ty
                tm = tl = multiply((1, 0, 0, 1, tx, ty), tl)
            elif name == "T*":
                tm = tl = multiply((1, 0, 0, 1, 0, -leading), tl)
            elif name == "TL":
                leading = float(args[0])
            elif name == "Tf":
                obj = fonts.get(str(args[0])) if fonts is not None else None
                font = self.font(obj) if obj is not None else None
                size = float(args[1])
            elif name == "Tc":
                tc = float(args[0])
            elif name == "Tw":
                tw = float(args[0])
            elif name == "Tz":
                tz = float(args[0]) / 100
            elif name == "Ts":
                rise = float(args[0])
            elif name in ("Tj", "TJ", "'", '"'):
                if name == "'":
                    tm = tl = multiply((1, 0, 0, 1, 0, -leading), tl)
                elif name == '"':
                    tw, tc = float(args[0]), float(args[1])
                    tm = tl = multiply((1, 0, 0, 1, 0, -leading), tl)
                if font is None:
                    continue
                if gs.fill_rgb:  # text is painted in the fill colour
                    self.page.rgb = True
                items = list(args[0]) if name == "TJ" else [args[-1]]
                start = tm
                strings: list[bytes] = []
                kerning = 0.0
                for item in items:
                    if isinstance(item, pikepdf.String):
                        strings.append(bytes(item))
                    else:
                        kerning += float(item)
                data = b"".join(strings)
                shown, width, spaces, missing = font.show(data)
                glyphs = len(data) // 2 if font.two_byte else len(data)
                advance = (width - kerning) / 1000 * size + tc * glyphs + tw * spaces  # along the baseline
                tm = multiply((1, 0, 0, 1, advance * tz, 0), tm)
                self._text(start, tm, gs.ctm, size, rise, shown, font, missing, marks)
                run = self.page.runs[-1]
                if self.cut is not None and not _within(run, self.cut) and len(items) > 1:
                    # only the glyphs count, not the kerning around them (right-to-left text is
                    # often written as a far start and large negative adjustments)
                    lo, hi = _glyph_span(items, font, size, tc, tw)
                    self.page.runs.pop()
                    self._text(
                        multiply((1, 0, 0, 1, lo * tz, 0), start),
                        multiply((1, 0, 0, 1, hi * tz, 0), start),
                        gs.ctm,
                        size,
                        rise,
                        shown,
                        font,
                        missing,
                        marks,
                    )
            elif name == "Do":
                xobject = xobjects.get(str(args[0])) if xobjects is not None else None
                if xobject is None:
                    continue
                subtype = str(xobject.get("/Subtype", ""))
                if subtype == "/Image":
                    self._image(str(args[0]), xobject, gs.ctm, colour_spaces)
                elif subtype == "/Form":
                    form_ctm = multiply(_matrix(xobject.get("/Matrix", IDENTITY)), gs.ctm)
                    self.run(xobject, xobject.get("/Resources", resources), form_ctm, marks[-1] if marks else None)
            elif name == "rg":
                gs.fill_rgb = True
            elif name == "RG":
                gs.stroke_rgb = True
            elif name in ("g", "k"):
                gs.fill_rgb = False
            elif name in ("G", "K"):
                gs.stroke_rgb = False
            elif name in ("cs", "CS"):
                rgb = _is_rgb(args[0], colour_spaces)
                if name == "cs":
                    gs.fill_rgb = rgb
                else:
                    gs.stroke_rgb = rgb
            elif name in PAINT and ((name in ("S", "s") and gs.stroke_rgb) or (name not in ("S", "s") and gs.fill_rgb)):
                self.page.rgb = True
        self.depth -= 1

    def _text(
        self,
        start: Matrix,
        end: Matrix,
        ctm: Matrix,
        size: float,
        rise: float,
        text: str,
        font: Font,
        missing: list[int],
        marks: list[tuple[int | None, bool]],
    ) -> None:
        corners = [apply(ctm, *apply(m, 0, rise + dy)) for m in (start, end) for dy in (-0.2 * size, 0.8 * size)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        _, by = apply(ctm, *apply(start, 0, rise))
        height = math.hypot(*_vector(multiply(start, ctm), 0, size))
        mcid, artifact = marks[-1] if marks else (None, False)
        self.page.runs.append(
            Run(min(xs), min(ys), max(xs), max(ys), by, height, text, font, missing, mcid, artifact, bool(marks))
        )

    def _image(self, name: str, xobject: pikepdf.Object, ctm: Matrix, spaces: pikepdf.Object) -> None:
        corners = [apply(ctm, x, y) for x in (0, 1) for y in (0, 1)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        placed = (math.hypot(ctm[0], ctm[1]), math.hypot(ctm[2], ctm[3]))
        pixels = (int(xobject.get("/Width", 0)), int(xobject.get("/Height", 0)))
        rgb = bool(not xobject.get("/ImageMask", False) and _is_rgb(xobject.get("/ColorSpace"), spaces))
        self.page.images.append(Image(name, pixels, placed, rgb, (min(xs), min(ys), max(xs), max(ys))))


def _within(run: Run, box: Box, tolerance: float = 0.5) -> bool:
    return (
        run.x0 >= box[0] - tolerance
        and run.x1 <= box[2] + tolerance
        and run.y0 + 0.2 * run.size >= box[1] - tolerance
        and run.y1 - 0.2 * run.size <= box[3] + tolerance
    )


def _glyph_span(items: Sequence[object], font: Font, size: float, tc: float, tw: float) -> tuple[float, float]:
    """Where a TJ's glyphs start and end along the baseline (text space), kerning left out."""
    cursor, lo, hi = 0.0, float("inf"), float("-inf")
    for item in items:
        if isinstance(item, pikepdf.String):
            data = bytes(item)
            _, width, spaces, _ = font.show(data)
            glyphs = len(data) // 2 if font.two_byte else len(data)
            end = cursor + width / 1000 * size + tc * glyphs + tw * spaces
            if glyphs:
                lo, hi = min(lo, cursor, end), max(hi, cursor, end)
            cursor = end
        else:
            cursor -= float(item) / 1000 * size  # type: ignore[arg-type]
    return (lo, hi) if lo <= hi else (0.0, 0.0)


def _vector(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y, m[1] * x + m[3] * y


def _matrix(args: object) -> Matrix:
    values = [float(v) for v in args]  # type: ignore[attr-defined]
    if len(values) != 6:
        return IDENTITY
    return (values[0], values[1], values[2], values[3], values[4], values[5])


def _is_rgb(space: object, named: pikepdf.Object) -> bool:
    """Whether a colour space (a name, a resource name or an array) has three RGB components."""
    if isinstance(space, pikepdf.Name):
        if str(space) in RGB_SPACES:
            return True
        if named is not None and str(space) in named:
            return _is_rgb(named[str(space)], named)
        return False
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = str(space[0])
        if family in RGB_SPACES:
            return True
        if family == "/ICCBased":
            return int(space[1].get("/N", 0)) == 3
        if family == "/Indexed" and len(space) > 1:
            return _is_rgb(space[1], named)
    return False


def scan(page: pikepdf.Page, number: int, fonts: dict[tuple[int, int], Font] | None = None) -> Page:
    """Everything ``page`` draws (its content, and forms it calls); ``fonts``: those read already."""
    result = Page(number)
    box = page.obj.get("/TrimBox") or page.obj.get("/MediaBox")
    cut = None
    if box is not None:
        x0, y0, x1, y1 = (float(v) for v in box)
        cut = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    _Scanner(result, {} if fonts is None else fonts, cut).run(page.obj, page.obj.get("/Resources"), IDENTITY)
    return result
