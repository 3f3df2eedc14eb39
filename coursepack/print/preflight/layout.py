"""The layout checks, on WeasyPrint's boxes (run in the typesetting process, like ``overflow``).

After layout the engine knows what the PDF no longer says: which fragments on two pages are
one paragraph, one table or one box, which note belongs to which call, where a page break
was forced, and the source line of every block (the writer's ``data-src``). So the checks
that need that run here, on each typeset document:

- ``heading-last``, ``caption-last``, ``table-header-last``, ``keep-with-next``: the last line
  of a page is a heading, a caption whose table or figure follows, a table's header row, or
  another block the theme keeps with what follows (``break-after: avoid``), and the text goes
  on on the next page (not after a forced break);
- ``orphan`` / ``widow``: the first line of a paragraph alone at the foot of a page, or its
  last line alone at the head of the next;
- ``runt-page``: a page with 1 to ``RUNT_LINES`` lines of text that ends a section (the next
  page starts with a forced break, or there is none) and did not start one;
- ``table-split``: a table broken across pages with fewer than two body rows on a side;
- ``box-split``: a box (a block with a background or a side rule) broken with fewer than two
  lines on a side;
- ``footnote-page``: a note printed on another page than its call.

Findings travel to the build as tagged warning strings (``tag``/``untag``); their page is
given as an anchor and a distance from it, which the build turns into the page of the
finished PDF (a long pack is typeset as parts, each numbered from 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from coursepack.print.preflight.finding import Finding, Severity

TAG = "coursepack-preflight\t"
RUNT_LINES = 4  # a page with this many lines of text or fewer, ending a section, is a runt
FORCED = {"page", "left", "right", "recto", "verso"}
AVOID = {"avoid", "avoid-page"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
CAPTIONS = {"caption", "figcaption"}
SNIPPET = 50  # characters of a heading or a paragraph quoted in a message
CODES = (
    "heading-last",
    "caption-last",
    "table-header-last",
    "keep-with-next",
    "orphan",
    "widow",
    "runt-page",
    "table-split",
    "box-split",
    "footnote-page",
)


@dataclass(eq=False)
class _Element:
    """An element of the document and what of it is on each page."""

    element: Any
    tag: str
    src: str
    parent: _Element | None
    style: Any
    lines: dict[int, int] = field(default_factory=dict)  # page -> lines of text
    rows: dict[int, set[int]] = field(default_factory=dict)  # a table's page -> its body rows there
    boxed: bool = False
    header: bool = False  # a table's header row or inside one

    @property
    def pages(self) -> list[int]:
        return sorted(self.lines)

    def text(self) -> str:
        words = " ".join("".join(self.element.itertext()).split())
        return words if len(words) <= SNIPPET else words[: SNIPPET - 1].rstrip() + "…"

    def within(self, tags: set[str]) -> _Element | None:
        node: _Element | None = self
        while node is not None:
            if node.tag in tags:
                return node
            node = node.parent
        return None


@dataclass
class _Page:
    lines: list[_Element] = field(default_factory=list)  # the innermost block of each line, in order
    baselines: set[int] = field(default_factory=set)  # lines as a reader counts them (table cells side by side: one)
    blank: bool = False
    forced: bool = False  # begins after a forced break
    images: int = 0


class _Walk:
    """One pass over every page's boxes, recording lines, rows, boxes and notes."""

    def __init__(self, document: Any) -> None:
        from weasyprint.formatting_structure import boxes

        self.boxes = boxes
        self.elements: dict[int, _Element] = {}
        self.pages: list[_Page] = []
        self.calls: dict[int, tuple[int, str, str]] = {}  # note element -> (page of its call, source, number)
        self.notes: dict[int, int] = {}  # note element -> page it is printed on
        self._name = ""
        for number, page in enumerate(document.pages, start=1):
            box = page._page_box
            record = _Page(blank=bool(box.page_type.blank))
            if number == 1 or (self.pages and box.page_type.name != self._name):
                record.forced = True
            self._name = box.page_type.name
            self.pages.append(record)
            for child in box.children:
                if isinstance(child, boxes.FootnoteAreaBox):
                    for note in child.children:
                        if note.element is not None:
                            self.notes.setdefault(id(note.element), number)
                elif not isinstance(child, boxes.MarginBox):
                    self._walk(child, number, None, "")

    def _element(self, box: Any, parent: _Element | None, src: str) -> _Element | None:
        element = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None) or ""
        if element is None or not tag or "::" in tag or tag in ("html", "body"):
            return parent
        node = self.elements.get(id(element))
        if node is None:
            style = box.style
            boxed = (
                isinstance(box, self.boxes.BlockBox)
                and (style["background_color"].alpha > 0 or style["border_left_width"] or style["border_right_width"])
                and tag not in ("table", "td", "th", "tr")
            )
            node = _Element(element, tag, src, parent, style, boxed=bool(boxed))
            self.elements[id(element)] = node
        return node

    def _walk(self, box: Any, page: int, parent: _Element | None, src: str) -> None:
        boxes = self.boxes
        record = self.pages[page - 1]
        if isinstance(box, boxes.MarginBox | boxes.FootnoteAreaBox):
            return
        tag = getattr(box, "element_tag", None) or ""
        if tag.endswith("::footnote-call") and box.element is not None:
            self.calls.setdefault(id(box.element), (page, src, box.element.get("data-num") or ""))
            return
        if tag.endswith("::marker"):
            return  # a list item's bullet or number: a line of its own in the boxes, not of the text
        element = getattr(box, "element", None)
        if element is not None and tag and hasattr(element, "get"):
            src = element.get("data-src") or src
        node = self._element(box, parent, src)
        if node is not None and node is not parent and page not in node.lines:
            node.lines[page] = 0
            if not record.lines and box.style["break_before"] in FORCED and node.pages == [page]:
                record.forced = True
        if isinstance(box, boxes.TableRowGroupBox) and box.is_header and node is not None:
            node.header = True
        if isinstance(box, boxes.TableRowBox) and node is not None:
            table = node.parent
            while table is not None and table.tag != "table":
                table = table.parent
            header = node.header or (node.parent is not None and node.parent.header)
            node.header = header
            if table is not None and not header:
                table.rows.setdefault(page, set()).add(id(node))
        if isinstance(box, boxes.ReplacedBox) and box.height > 20:
            record.images += 1
        if isinstance(box, boxes.LineBox):
            if node is not None and _has_text(box, boxes):
                record.lines.append(node)
                record.baselines.add(round(box.position_y + box.baseline))
                ancestor: _Element | None = node
                while ancestor is not None:
                    ancestor.lines[page] = ancestor.lines.get(page, 0) + 1
                    ancestor = ancestor.parent
            for child in box.descendants():
                tag_c = getattr(child, "element_tag", None) or ""
                if tag_c.endswith("::footnote-call") and child.element is not None:
                    self.calls.setdefault(id(child.element), (page, src, child.element.get("data-num") or ""))
            return
        for child in getattr(box, "children", ()):
            self._walk(child, page, node, src)


def _has_text(line: Any, boxes: Any) -> bool:
    return any(
        isinstance(b, boxes.TextBox) and b.text.strip() and not (b.element_tag or "").endswith("::marker")
        for b in line.descendants()
    )


def find(document: Any) -> list[str]:
    """The layout findings of a typeset document, as tagged warnings."""
    walk = _Walk(document)
    anchors = _page_anchors(document)
    return [tag(f, *anchors[f.page - 1]) for f in sorted(set(_findings(walk))) if f.page is not None]


def _page_anchors(document: Any) -> list[tuple[str, int]]:
    """For each page, an anchor first printed on it or before it, and how many pages before."""
    seen: set[str] = set()
    result: list[tuple[str, int]] = []
    last: tuple[str, int] = ("", 0)
    for number, page in enumerate(document.pages, start=1):
        new = [a for a in page.anchors if a not in seen]
        seen.update(page.anchors)
        last = (new[0], number) if new else last
        result.append((last[0], number - last[1]) if last[0] else ("", number))
    return result


def _findings(walk: _Walk) -> Iterator[Finding]:
    pages = walk.pages
    yield from _last_lines(walk)
    yield from _splits(walk)
    for number, record in enumerate(pages, start=1):
        lines = len(record.baselines)
        if not record.blank and 0 < lines <= RUNT_LINES and not record.forced and not record.images:
            following = _next_page(pages, number)
            if following is None or pages[following - 1].forced:
                yield Finding(
                    number,
                    "runt-page",
                    Severity.WARNING,
                    f"runt page: {lines} line(s) of text end the section (\u201c{record.lines[0].text()}\u201d)",
                    record.lines[0].src or None,
                )
    for key, (page, src, num) in walk.calls.items():
        printed = walk.notes.get(key)
        if printed is not None and printed != page:
            later = "on the next page" if printed == page + 1 else f"{printed - page} pages later"
            yield Finding(
                page,
                "footnote-page",
                Severity.WARNING,
                f"note {num} is printed {later}, not on the page of its call".replace("note  ", "note "),
                src or None,
            )


def _next_page(pages: list[_Page], number: int) -> int | None:
    """The next page with text after ``number`` (blank pages skipped)."""
    for n in range(number + 1, len(pages) + 1):
        if pages[n - 1].lines:
            return n
        if not pages[n - 1].blank:
            return n
    return None


def _last_lines(walk: _Walk) -> Iterator[Finding]:
    """A heading, caption, table header or kept block that is the last line of a page."""
    pages = walk.pages
    for number, page in enumerate(pages, start=1):
        if not page.lines:
            continue
        following = _next_page(pages, number)
        if following is None or pages[following - 1].forced or not pages[following - 1].lines:
            continue
        last = page.lines[-1]
        heading = last.within(HEADINGS)
        caption = last.within(CAPTIONS)
        if heading is not None and heading.pages[-1] == number:
            yield Finding(
                number,
                "heading-last",
                Severity.WARNING,
                f"heading \u201c{heading.text()}\u201d is the last line of the page",
                heading.src or None,
            )
            continue
        if caption is not None and caption.parent is not None and caption.parent.pages[-1] > number:
            yield Finding(
                number,
                "caption-last",
                Severity.WARNING,
                f"caption \u201c{caption.text()}\u201d is the last line of the page; what it captions is on the next",
                caption.src or None,
            )
            continue
        if last.header or (last.parent is not None and last.parent.header) or _in_header(last):
            yield Finding(
                number,
                "table-header-last",
                Severity.WARNING,
                "a table's header row is the last line of the page; its rows are on the next",
                last.src or None,
            )
            continue
        node: _Element | None = last
        while node is not None and node.pages[-1] == number:
            if node.style["break_after"] in AVOID:
                yield Finding(
                    number,
                    "keep-with-next",
                    Severity.WARNING,
                    f"\u201c{node.text()}\u201d should stay with what follows but is the last line of the page",
                    node.src or None,
                )
                break
            node = node.parent


def _in_header(node: _Element) -> bool:
    ancestor: _Element | None = node
    while ancestor is not None and ancestor.tag != "table":
        if ancestor.header:
            return True
        ancestor = ancestor.parent
    return False


def _splits(walk: _Walk) -> Iterator[Finding]:
    """Paragraphs, tables and boxes broken across pages with too little on a side."""
    innermost = {id(line) for page in walk.pages for line in page.lines}
    for node in walk.elements.values():
        pages = [p for p in node.pages if node.lines[p]]
        if node.tag == "table":
            rows = sorted(node.rows)
            if len(rows) >= 2:
                first, last = len(node.rows[rows[0]]), len(node.rows[rows[-1]])
                if first < 2:
                    yield Finding(
                        rows[0],
                        "table-split",
                        Severity.WARNING,
                        "a table is broken after its first row: one row is left at the foot of the page",
                        node.src or None,
                    )
                if last < 2:
                    yield Finding(
                        rows[-1],
                        "table-split",
                        Severity.WARNING,
                        f"a table continues from p. {rows[-2]} with only one row",
                        node.src or None,
                    )
            continue
        if len(pages) < 2:
            continue
        if node.boxed:
            for page, side in ((pages[0], "before"), (pages[-1], "after")):
                if node.lines[page] < 2:
                    yield Finding(
                        page,
                        "box-split",
                        Severity.WARNING,
                        f"a box is broken with one line {side} the page break (\u201c{node.text()}\u201d)",
                        node.src or None,
                    )
        if id(node) in innermost and node.tag not in HEADINGS and node.tag not in ("td", "th"):
            if node.lines[pages[0]] == 1:
                yield Finding(
                    pages[0],
                    "orphan",
                    Severity.WARNING,
                    f"the first line of a paragraph is alone at the foot of the page (\u201c{node.text()}\u201d)",
                    node.src or None,
                )
            if node.lines[pages[-1]] == 1:
                yield Finding(
                    pages[-1],
                    "widow",
                    Severity.WARNING,
                    f"the last line of a paragraph is alone at the head of the page (\u201c{node.text()}\u201d)",
                    node.src or None,
                )


def tag(finding: Finding, anchor: str, delta: int) -> str:
    """A finding as a warning string: its page is ``delta`` pages after ``anchor``'s (or absolute)."""
    return "\t".join(
        (TAG.rstrip("\t"), finding.code, anchor, str(delta), finding.source or "", finding.message.replace("\t", " "))
    )


def untag(warning: str, anchors: dict[str, int]) -> Finding | None:
    """The finding of a tagged warning, on the page of the finished PDF (``anchors``: its pages)."""
    if not warning.startswith(TAG):
        return None
    code, anchor, delta, source, message = warning.removeprefix(TAG).split("\t", 4)
    page = (anchors[anchor] + int(delta) if anchor in anchors else None) if anchor else int(delta)
    return Finding(page, code, Severity.WARNING, message, source or None)
