"""Imposition for print: A5 saddle-stitch booklets on A4 sheets, and 2-up or 4-up handouts (pypdf)."""

from __future__ import annotations

import io
import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pypdf loads in 0.08 s, and only imposed variants need it
    from pypdf import PdfWriter


A4_LANDSCAPE = (297 * 72 / 25.4, 210 * 72 / 25.4)  # points


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
