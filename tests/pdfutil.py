"""Reading built PDFs the way a user would check them (pypdfium2 for text, pypdf for structure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pypdfium2 as pdfium


def page_texts(path: Path) -> list[str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


def squash(text: str) -> str:
    """Text with line breaks and hyphenation at line ends undone, spaces collapsed."""
    text = text.replace("\x02\r\n", "").replace("\u00ad\r\n", "").replace("\xad", "").replace("\u2010\r\n", "")
    return " ".join(text.split())


def letters(text: str) -> str:
    """Only letters and digits: for 'is this string anywhere at all' checks."""
    return re.sub(r"[\W_]+", "", text).lower()


def all_text(path: Path) -> str:
    return squash(" ".join(page_texts(path)))


def metadata(path: Path) -> dict[str, str]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return pdf.get_metadata_dict()
    finally:
        pdf.close()


@dataclass
class Bookmark:
    level: int
    title: str
    page: int  # 1-based


def bookmarks(path: Path) -> list[Bookmark]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        out = []
        for item in pdf.get_toc():
            dest = item.get_dest()
            out.append(Bookmark(item.level, item.get_title(), dest.get_index() + 1 if dest else 0))
        return out
    finally:
        pdf.close()


def destinations(path: Path) -> dict[str, int]:
    """Named destinations (element ids) and their 1-based pages."""
    reader = pypdf.PdfReader(str(path))
    return {name: reader.get_destination_page_number(dest) + 1 for name, dest in reader.named_destinations.items()}


def catalog_lang(path: Path) -> str:
    return str(pypdf.PdfReader(str(path)).trailer["/Root"].get("/Lang"))


def media_box(path: Path) -> tuple[float, float]:
    box = pypdf.PdfReader(str(path)).pages[0].mediabox
    return float(box.width), float(box.height)


def footnote_numbers(
    path: Path, call_size: float = 7.5, note_size: tuple[float, float] = (7.5, 8.5)
) -> list[tuple[list[str], list[str]]]:
    """Per page: (footnote call numbers in the text, note numbers printed at the foot)."""
    import pdfplumber

    out = []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            words = page.extract_words(extra_attrs=["size", "fontname", "non_stroking_color"])
            calls = [w["text"] for w in words if re.fullmatch(r"\d+", w["text"]) and w["size"] < call_size]
            notes = [  # in the accent colour (a numbered list in small type is not)
                w["text"].strip(".")
                for w in words
                if re.fullmatch(r"\d+\.|\.\d+", w["text"])
                and note_size[0] < w["size"] < note_size[1]
                and _accent(w["non_stroking_color"])
            ]
            out.append((calls, notes))
    return out


def _accent(colour: object) -> bool:
    """The theme's accent (a dark blue-grey), not black or grey."""
    return isinstance(colour, tuple | list) and len(colour) == 3 and colour[2] > colour[0] + 0.15


@dataclass
class Glyph:
    char: str
    left: float
    right: float
    bottom: float
    top: float


def text_lines(path: Path, index: int) -> list[list[Glyph]]:
    """The glyphs of page ``index`` (0-based), grouped into lines and sorted left to right.

    Boxes span the font's ascent and descent, so glyphs of one line share their middles (within
    3 pt: a line's page number may be set in another size); spaces and combining marks are left out.
    """
    import unicodedata

    pdf = pdfium.PdfDocument(str(path))
    try:
        textpage = pdf[index].get_textpage()
        glyphs = []
        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1)
            if not char.strip() or unicodedata.category(char[0]) in ("Mn", "Cf"):
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            glyphs.append(Glyph(char, left, right, bottom, top))
    finally:
        pdf.close()
    lines: list[list[Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: -(g.bottom + g.top) / 2):
        middle = (glyph.bottom + glyph.top) / 2
        if lines and abs((lines[-1][0].bottom + lines[-1][0].top) / 2 - middle) <= 3:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return [sorted(line, key=lambda g: g.left) for line in lines]
