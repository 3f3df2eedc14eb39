"""Print production after typesetting: crop marks outside the bleed (pikepdf), A5 saddle-stitch
booklets on A4 sheets, and 2-up or 4-up handouts (pypdf)."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pypdf loads in 0.08 s, and only imposed variants need it
    from pypdf import PdfWriter

    from coursepack.matrix import Variant


A4_LANDSCAPE = (297 * 72 / 25.4, 210 * 72 / 25.4)  # points
MM = 72 / 25.4


def for_variant(pdf: bytes, pages: int, variant: Variant) -> tuple[bytes, int]:
    """A typeset PDF as the variant prints it, and its page count: with crop marks (print shop),
    as A5 booklet sheets, or n pages to a sheet; unchanged otherwise."""
    if variant.print_shop and not variant.booklet and not variant.n_up:
        pdf = crop_marks(pdf)
    if variant.booklet:
        return booklet(pdf), (pages + 3) // 4 * 2
    if variant.n_up:
        return n_up(pdf, variant.n_up), -(-pages // variant.n_up)
    return pdf, pages


def crop_marks(pdf: bytes, bleed_mm: float = 3, slug_mm: float = 7, length_mm: float = 4.5) -> bytes:
    """Crop marks where printers look for them: outside the bleed, on a slug the page grows by.

    WeasyPrint draws its marks inside the 3 mm bleed, where the artwork (a cover's colour) runs
    under them. Here each page's media box grows by ``slug_mm`` beyond the bleed, and at each
    corner two hairlines in registration black continue the trim lines outward, starting at the
    bleed's edge; they are artifacts, outside the tagged content. Trim and bleed boxes stay.
    """
    import pikepdf

    doc = pikepdf.open(io.BytesIO(pdf))
    for page in doc.pages:
        x0, y0, x1, y1 = (float(v) for v in page.obj.get("/TrimBox", page.mediabox))
        grow = (bleed_mm + slug_mm) * MM
        page.obj.MediaBox = pikepdf.Array([x0 - grow, y0 - grow, x1 + grow, y1 + grow])
        if "/CropBox" in page.obj:
            del page.obj["/CropBox"]
        start, end = bleed_mm * MM, (bleed_mm + length_mm) * MM
        lines = []
        for x, sx in ((x0, -1), (x1, 1)):
            for y, sy in ((y0, -1), (y1, 1)):
                lines.append(f"{x:.3f} {y + sy * start:.3f} m {x:.3f} {y + sy * end:.3f} l")
                lines.append(f"{x + sx * start:.3f} {y:.3f} m {x + sx * end:.3f} {y:.3f} l")
        marks = "\nQ\n/Artifact <</Type /Pagination>> BDC q 0.25 w 1 1 1 1 K " + " ".join(lines) + " S Q EMC\n"
        page.contents_add(pikepdf.Stream(doc, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(doc, marks.encode()), prepend=False)
    out = io.BytesIO()
    doc.save(
        out,
        deterministic_id=True,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return out.getvalue()


def booklet_order(pages: int) -> list[tuple[int, int]]:
    """Page pairs (left, right), 1-based, for each sheet side of a saddle-stitched booklet.

    ``pages`` must be a multiple of 4; sheet i's front carries (n - 2i, 2i + 1), its back
    (2i + 2, n - 2i - 1), so the folded stack reads 1, 2, 3, ... n.
    """
    if pages % 4:
        raise ValueError("a booklet needs a multiple of 4 pages")
    order = []
    for i in range(pages // 4):
        order.append((pages - 2 * i, 2 * i + 1))
        order.append((2 * i + 2, pages - 2 * i - 1))
    return order


def sheet_of(page: int, pages: int, booklet: bool, n_up: int | None) -> str:
    """Where page ``page`` (1-based, of ``pages`` laid out) is printed on the imposed sheets:
    "sheet 3, back, left" in a booklet (a sheet has two sides), "sheet 4" in 2-up or 4-up."""
    if booklet:
        padded = -(-pages // 4) * 4
        for side, pair in enumerate(booklet_order(padded)):
            if page in pair:
                return f"sheet {side // 2 + 1}, {('front', 'back')[side % 2]}, {('left', 'right')[pair.index(page)]}"
    if n_up:
        return f"sheet {-(-page // n_up)}"
    return f"p. {page}"


def _write(writer: PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def booklet(pdf: bytes) -> bytes:
    """Impose A5 pages two by two on landscape A4 sheets, padded with blank pages to a multiple of 4."""
    from pypdf import PageObject, PdfReader, PdfWriter, Transformation

    reader = PdfReader(io.BytesIO(pdf))
    pages = list(reader.pages)
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    while len(pages) % 4:
        pages.append(PageObject.create_blank_page(width=width, height=height))
    # CSS's A5 is 148 mm wide and A4 297 mm: A5 pages go on a true A4 sheet, centred on the fold
    sheet_width = A4_LANDSCAPE[0] if abs(height - A4_LANDSCAPE[1]) < 1 and 2 * width <= A4_LANDSCAPE[0] else 2 * width
    dx = (sheet_width - 2 * width) / 2
    writer = PdfWriter()
    for left, right in booklet_order(len(pages)):
        sheet = writer.add_blank_page(width=sheet_width, height=height)
        sheet.merge_transformed_page(pages[left - 1], Transformation().translate(dx, 0))
        sheet.merge_transformed_page(pages[right - 1], Transformation().translate(dx + width, 0))
    return _write(writer)


def n_up(pdf: bytes, n: int) -> bytes:
    """2 or 4 pages per sheet of the same paper: 2-up on a landscape sheet, 4-up in a 2 × 2 grid."""
    if n not in (2, 4):
        raise ValueError("n-up takes 2 or 4")
    from pypdf import PdfReader, PdfWriter, Transformation

    reader = PdfReader(io.BytesIO(pdf))
    pages = list(reader.pages)
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    writer = PdfWriter()
    if n == 2:
        sheet_w, sheet_h, scale = height, width, 1 / math.sqrt(2)
        slots = [(0.0, (sheet_h - height * scale) / 2), (sheet_w / 2, (sheet_h - height * scale) / 2)]
        offset_x = (sheet_w / 2 - width * scale) / 2
        slots = [(x + offset_x, y) for x, y in slots]
    else:
        sheet_w, sheet_h, scale = width, height, 0.5
        slots = [(0.0, height / 2), (width / 2, height / 2), (0.0, 0.0), (width / 2, 0.0)]
    for start in range(0, len(pages), n):
        sheet = writer.add_blank_page(width=sheet_w, height=sheet_h)
        for page, (x, y) in zip(pages[start : start + n], slots, strict=False):
            sheet.merge_transformed_page(page, Transformation().scale(scale, scale).translate(x, y))
    return _write(writer)
