"""Overflow: text, a table or an image that runs past the text block, found in the layout.

On paper, what runs past the page edge is lost. After layout, every text, table and image
box of each page is compared with the page's content area; one that extends beyond it by
more than ``TOLERANCE_MM`` is reported with the file and line of the block it is in (the
writer puts ``data-src="units/x.md:12"`` on every block of course text). The report travels
with the typeset document as a warning string (``tag``), and the build turns it into a
``path:line: warning:`` line (``untag``); ``--strict`` makes it an error.

This module reads WeasyPrint's boxes: it runs in the typesetting process.
"""

from __future__ import annotations

from typing import Any

TOLERANCE_MM = 2.0  # into the margin: a hanging list number or a justified line's last millimetre is no loss
MM = 25.4 / 96  # a CSS pixel in millimetres
TAG = "coursepack-overflow\t"
WHAT = {
    "text": "text runs {mm} mm past the {side} edge of the text block: break the long word, or shorten it",
    "table": "a table runs {mm} mm past the {side} edge of the text block: give it fewer or narrower columns",
    "image": "an image runs {mm} mm past the {side} edge of the text block: make it narrower",
}


def find(document: Any) -> list[str]:
    """The overflows of a laid-out document, as tagged warnings (the worst one per block)."""
    from weasyprint.formatting_structure import boxes

    worst: dict[tuple[str, str, str], float] = {}

    def walk(box: Any, src: str, left: float, right: float) -> None:
        if isinstance(box, boxes.MarginBox):
            return
        element = getattr(box, "element", None)
        if element is not None and getattr(box, "element_tag", None) and hasattr(element, "get"):
            src = element.get("data-src") or src
        kind = (
            "text"
            if isinstance(box, boxes.TextBox)
            else "table"
            if isinstance(box, boxes.TableBox)
            else "image"
            if isinstance(box, boxes.ReplacedBox)
            else None
        )
        if kind == "text" and not box.text.strip():
            kind = None
        if kind is not None and src:
            x0 = box.position_x if kind == "text" else box.border_box_x()
            x1 = x0 + (box.width if kind == "text" else box.border_width())
            over = False
            for side, past in (("right", x1 - right), ("left", left - x0)):
                if past * MM > TOLERANCE_MM:
                    key = (src, kind, side)
                    worst[key] = max(worst.get(key, 0.0), past * MM)
                    over = True
            if kind != "table" or over:  # (a table that runs over: its cells are not reported too)
                return
        for child in getattr(box, "children", ()):
            walk(child, src, left, right)

    for page in document.pages:
        page_box = page._page_box
        left = page_box.content_box_x()
        walk(page_box, "", left, left + page_box.width)
    return [
        tag(src, WHAT[kind].format(mm=f"{mm:.0f}" if mm >= 1 else f"{mm:.1f}", side=side))
        for (src, kind, side), mm in sorted(worst.items())
    ]


def tag(src: str, message: str) -> str:
    return f"{TAG}{src}\t{message}"


def untag(warning: str) -> tuple[str, int, str] | None:
    """(file relative to the course folder, line, message) of an overflow warning, else None."""
    if not warning.startswith(TAG):
        return None
    src, _, message = warning.removeprefix(TAG).partition("\t")
    path, _, line = src.rpartition(":")
    return path, int(line) if line.isdigit() else 0, message
