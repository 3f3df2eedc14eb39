"""One pass of an HTML tokenizer over a pack's HTML: what cutting it into parts needs to know.

The standard library's ``html.parser`` reads the document (tags, attributes, comments, text,
character references) and the scan records, by offset in the text: the ``<body>``, the part
marks, every ``id``, every link to an anchor (and whether it prints a page number), each
top-level element of the body, and the runs of text between block boundaries (for the length
estimate). ``parts`` cuts and rewrites the text at those offsets.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
# a run of text between two of these is a paragraph, a list item, a table row...
BLOCKS = frozenset(
    {"p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "caption", "figcaption", "div", "blockquote",
     "pre", "table", "ul", "ol", "dl", "section", "figure", "header", "nav", "aside", "article"}
)  # fmt: skip
HEADINGS = frozenset({"h1", "h2", "h3"})  # (their space above and below counts)
PAGES_CLASS = "cp-pages"  # a list of pages the engine writes in (an index entry's)


@dataclass(frozen=True)
class Link:
    """``<a href="#target">``: where its start tag is, and its attributes."""

    start: int
    end: int
    target: str
    attrs: tuple[tuple[str, str | None], ...]
    prints_page: bool  # a.pageref, or an entry of the contents (nav.toc)


@dataclass(frozen=True)
class PageList:
    """``<span class="cp-pages" data-anchors="a b">``: where the pages of several anchors are
    printed as one list (an index entry's); ``end`` is after its (empty) element."""

    start: int
    end: int
    anchors: tuple[str, ...]
    sep: str
    dash: str


@dataclass
class Scan:
    """What the tokenizer found, by offset in the text."""

    body: tuple[int, int] | None = None  # the end of <body ...> and the start of </body>
    marks: list[tuple[int, int, str]] = field(default_factory=list)  # each <!--name--> mark: start, end, name
    title: tuple[int, int] | None = None  # the text of the <title> element
    ids: list[tuple[int, str]] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tops: list[int] = field(default_factory=list)  # start of each element directly in the body
    runs: list[tuple[int, int]] = field(default_factory=list)  # each run of text: offset, width (wide = 2)
    images: list[int] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)
    pagelists: list[PageList] = field(default_factory=list)


def width(text: str) -> int:
    """Characters of a run of text, a wide (CJK) one counting two."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if unicodedata.east_asian_width(ch) in ("W", "F"))


class _Scanner(HTMLParser):
    def __init__(self, text: str, marks: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.text = text
        self.marks = marks
        self.scan = Scan()
        self.starts = [0]  # offset of each line of the text (getpos() gives line and column)
        at = text.find("\n")
        while at >= 0:
            self.starts.append(at + 1)
            at = text.find("\n", at + 1)
        self.depth = 0  # open elements
        self.body_depth: int | None = None  # the depth inside <body> (None: a fragment, depth 0 is its top)
        self.toc_depth: int | None = None  # inside nav.toc
        self.run: list[str] = []
        self.run_at = 0

    def position(self) -> int:
        line, col = self.getpos()
        return self.starts[line - 1] + col

    def flush(self) -> None:
        text = " ".join("".join(self.run).split())
        if text:
            self.scan.runs.append((self.run_at, width(text)))
        self.run = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        at = self.position()
        raw = self.get_starttag_text() or ""
        self._element(tag, attrs, at, at + len(raw))
        if tag == "title" and self.scan.title is None and self.body_depth is None:
            self.scan.title = (at + len(raw), at + len(raw))
        if tag == "body":
            self.body_depth = self.depth + 1
            self.scan.body = (at + len(raw), len(self.text))
        if tag not in VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        at = self.position()
        self._element(tag, attrs, at, at + len(self.get_starttag_text() or ""))

    def _element(self, tag: str, attrs: list[tuple[str, str | None]], at: int, end: int) -> None:
        if self.depth == (self.body_depth or 0):
            self.scan.tops.append(at)
        values = dict(attrs)
        ident = values.get("id")
        if ident:
            self.scan.ids.append((at, ident))
        if tag in BLOCKS:
            self.flush()
        if tag == "img":
            self.scan.images.append(at)
        elif tag in HEADINGS:
            self.scan.headings.append(at)
        elif tag == "nav" and "toc" in (values.get("class") or "").split() and self.toc_depth is None:
            self.toc_depth = self.depth
        elif tag == "span" and PAGES_CLASS in (values.get("class") or "").split():
            close = self.text.find("</span>", end)
            anchors = tuple((values.get("data-anchors") or "").split())
            sep, dash = values.get("data-sep") or ", ", values.get("data-range") or "\u2013"
            self.scan.pagelists.append(PageList(at, close + len("</span>"), anchors, sep, dash))
        elif tag == "a" and (values.get("href") or "").startswith("#"):
            pageref = "pageref" in (values.get("class") or "").split()
            target = (values.get("href") or "")[1:]
            self.scan.links.append(Link(at, end, target, tuple(attrs), pageref or self.toc_depth is not None))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if tag in BLOCKS:
            self.flush()
        self.depth = max(0, self.depth - 1)
        if tag == "nav" and self.toc_depth == self.depth:
            self.toc_depth = None
        if tag == "title" and self.scan.title is not None and self.scan.title[0] == self.scan.title[1]:
            self.scan.title = (self.scan.title[0], self.position())
        if tag == "body" and self.scan.body is not None:
            self.scan.body = (self.scan.body[0], self.position())
            self.body_depth = None

    def handle_data(self, data: str) -> None:
        if self.cdata_elem is not None:  # (the text of a <style> or <script>)
            return
        if not self.run:
            self.run_at = self.position()
        self.run.append(data)

    def handle_comment(self, data: str) -> None:
        if data in self.marks:
            at = self.position()
            self.flush()
            self.scan.marks.append((at, at + len(data) + 7, data))  # <!-- and -->


def scan(text: str, *marks: str) -> Scan:
    """Tokenize ``text`` (a document or a fragment of a body) once; ``marks`` name the comments
    that are part marks."""
    scanner = _Scanner(text, marks)
    scanner.feed(text)
    scanner.close()
    scanner.flush()
    return scanner.scan
