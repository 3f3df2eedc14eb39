"""Running heads that fit their margin box: a title too long is shortened after a whole word,
with an ellipsis, never cut inside a word (the engine's ``text-overflow: ellipsis`` cut
"Киберпреступность, торговля людьми и ввоз ми…").

The theme sets running heads at ``HEAD_PT`` in the language's heading font, in boxes that take a
share of the text block's width (``room``); a head is measured by shaping it with HarfBuzz in
the font that will set it, so what fits here fits on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from coursepack import fonts

if TYPE_CHECKING:
    from coursepack.matrix import Paper

HEAD_PT = 7.5  # the theme's running-head size (style.css, @top-left and @top-right)
TRACKING_EM = 0.02  # the course title's letter-spacing
SLACK_MM = 1.5  # rounding in the engine, and a little air before the box's edge
ELLIPSIS = "\u2026"
PT_MM = 25.4 / 72


def room(paper: Paper, two_sided: bool) -> dict[str, float]:
    """The width of the course-title box and of the chapter box, in millimetres (base.html and
    style.css: one head a page when two-sided, else 34 % and 64 % of the line, 46 % and 52 % on
    a narrow page)."""
    if two_sided:
        width = paper.width_mm - _mm(paper.inner) - _mm(paper.outer)
        return {"title": width, "chapter": width}
    _, right, _, left = (_mm(m) for m in paper.margin.split())
    width = paper.width_mm - left - right
    title, chapter = (0.46, 0.52) if paper.width_mm < 200 else (0.34, 0.64)
    return {"title": width * title, "chapter": width * chapter}


def fitter(paper: Paper | None, two_sided: bool, lang: str) -> Callable[[str, str], str]:
    """``head(text, box)`` for templates: ``text`` shortened to fit ``box`` ("title" or "chapter")."""
    rooms = room(paper, two_sided) if paper is not None else None

    def head(text: str, box: str = "chapter") -> str:
        text = " ".join(str(text).split())
        if rooms is None or box not in rooms:
            return text
        return fit(text, rooms[box] - SLACK_MM, lang, TRACKING_EM if box == "title" else 0.0)

    return head


def fit(text: str, room_mm: float, lang: str, tracking_em: float = 0.0) -> str:
    """``text`` if it fits in ``room_mm``, else its longest start that ends a word, with "…"
    (for a script written without spaces, its longest start)."""
    if width_mm(text, lang, tracking_em) <= room_mm:
        return text
    words = text.split(" ")
    starts = (
        [" ".join(words[:k]) for k in range(len(words) - 1, 0, -1)]
        if len(words) > 1
        else [text[:k] for k in range(len(text) - 1, 0, -1)]
    )
    for start in starts:
        shortened = start.rstrip(" ,;:.\u2013\u2014-/\u3001\uff0c\u060c") + ELLIPSIS
        if width_mm(shortened, lang, tracking_em) <= room_mm:
            return shortened
    return text[:1] + ELLIPSIS


def width_mm(text: str, lang: str, tracking_em: float = 0.0) -> float:
    """The width of ``text`` set as a running head in ``lang``, shaped run by run in the font
    that has each character (the language's heading fonts, in order)."""
    faces = [face for family in fonts.stack(lang)[1] if (face := _regular(family)) is not None]
    if not faces:
        return 0.0
    units = 0.0
    run, run_face = "", faces[0]
    for ch in text:
        face = next((f for f in faces if ord(ch) in fonts._cmap(f)), faces[0])
        if face != run_face and run:
            units += _advance(run, run_face, lang)
            run = ""
        run_face = face
        run += ch
    if run:
        units += _advance(run, run_face, lang)
    return (units + tracking_em * len(text)) * HEAD_PT * PT_MM


def _mm(value: str) -> float:
    return float(value.removesuffix("mm")) if value else 0.0


@cache
def _regular(family: str) -> fonts.Face | None:
    """The upright, regular face of ``family`` among the bundled fonts."""
    faces = fonts.faces().get(family, [])
    return next((f for f in faces if "Italic" not in f.path.name and "Bold" not in f.path.name), None)


@cache
def _font(face: fonts.Face) -> tuple[object, int]:
    import uharfbuzz as hb

    blob = hb.Blob.from_file_path(str(face.path))
    hb_face = hb.Face(blob, face.index)
    return hb.Font(hb_face), hb_face.upem


def _advance(text: str, face: fonts.Face, lang: str) -> float:
    """The advance of ``text`` in em."""
    import uharfbuzz as hb

    font, upem = _font(face)
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    buf.language = lang
    hb.shape(font, buf, {})
    return sum(p.x_advance for p in buf.glyph_positions) / upem
