"""Stage 5a — parts: a pack cut into documents that typeset independently, and their page plan.

Templates mark where a part begins with ``<!--coursepack:part-->`` between top-level
sections (each unit, the exercises, the reading list...); everything before the first mark
is the front matter. Each part is a complete HTML document (the same head, one slice of the
body) and is typeset on its own, in parallel with the others. What a part cannot know by
itself comes from the *plan*, the page counts of all the parts:

- the page number printed in the margin: drawn by a separate *furniture* document per run
  of pages (the bottom margin boxes only, started at the right number), so a part's own
  bytes do not depend on where it lands in the pack;
- the page numbers it prints for anchors (``a.pageref`` links, the contents' entries), in
  its own pages or another part's: written into the link as ``data-page`` for the theme to
  print instead of ``target-counter()``. The part is typeset with zeros there, as many as
  the number has digits, and ``pagerefs`` writes the digits in when the pack is stitched;
  so a part's layout depends only on how many digits the numbers it cites have. Links to
  another part get a placeholder URL that ``stitch`` turns back into an internal link.

A part whose numbers cannot be written in (a font without tabular figures) is typeset again
with the numbers themselves; a part whose digit counts turn out wrong once every page count
is known is typeset again with the right ones. See docs/performance.md.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, replace
from html import escape

from coursepack.engine.parts.htmlscan import PAGES_CLASS, Link, PageList, Scan, scan

MARK = "<!--coursepack:part-->"
SHEET = "<!--coursepack:sheet-->"  # a part never joined to another: a handout, the same in the booklet
PART_TITLE = "coursepack part"  # every part's <title>: the pack's title and metadata come from its furniture
LINK_PREFIX = "https://coursepack.invalid/part#"
LINES_PER_PAGE = 40  # first guess of a part's length in estimated lines a page (A4, default theme)
MIN_PART_CHARS = 20_000  # about five pages: a shorter section joins the part before it (a document costs ~0.5 s)
SHORT_PART_CHARS = 2 * MIN_PART_CHARS  # a part shorter than this is often sparse (front matter, lists)
FURNITURE_PAGES = 200  # pages per furniture document

LINE_CHARS = 110  # characters of a line of text (a wide character counts two)
BLOCK_LINES = 0.25  # the space between blocks, in lines
IMAGE_LINES = 8  # a figure's image
HEADING_LINES = 2  # a heading's space above and below

# Part mode: no page numbers (the furniture draws them) and no printer's marks (idem).
_BOTTOM = ("bottom-left-corner", "bottom-left", "bottom-center", "bottom-right", "bottom-right-corner")
_OTHER = (
    "top-left-corner",
    "top-left",
    "top-center",
    "top-right",
    "top-right-corner",
    "left-top",
    "left-middle",
    "left-bottom",
    "right-top",
    "right-middle",
    "right-bottom",
)


def _none(boxes: tuple[str, ...]) -> str:
    return " ".join(f"@{b} {{ content: none !important; }}" for b in boxes)


PART_CSS = "@page { marks: none !important; " + _none(_BOTTOM) + " }"
FURNITURE_CSS = (
    "@page { background: transparent !important; "
    + _none(_OTHER)
    + " } @page cp-blank { "
    + _none(_BOTTOM)
    + " } html, body { background: transparent !important; }"
    " .cp-page { break-before: page; } .cp-page:first-child { break-before: auto; }"
)


@dataclass(frozen=True)
class Segment:
    """One part's slice of the body."""

    html: str
    ids: frozenset[str]
    numbered: frozenset[str]  # anchors in other parts whose page number this part prints
    own: frozenset[str]  # anchors in this part whose page number it prints
    places: tuple[tuple[str, float], ...] = ()  # each anchor and where it is in the text (0 to 1)
    min_pages: int = 1  # pages it takes at least: its top-level sections, in a short part
    lines: float = 0.0  # its estimated length in lines of text (see ``lines``)
    links: tuple[Link, ...] = ()  # its links to anchors, at their offsets in ``html``
    sheet: bool = False  # begun by a sheet mark: never joined to another part, never padded to a recto
    pagelists: tuple[PageList, ...] = ()  # its lists of pages (an index's), at their offsets in ``html``

    @property
    def cited(self) -> frozenset[str]:
        """Every anchor whose page number the part prints."""
        return self.numbered | self.own

    @property
    def name(self) -> str:
        """A stable name: the first anchor in the part."""
        return self.places[0][0] if self.places else ""


@dataclass
class Split:
    head: str  # from the doctype to the <body> tag
    tail: str  # from </body> on
    segments: list[Segment]
    part_head: str = ""  # the head of each part: the same, but for a neutral <title>

    def __post_init__(self) -> None:
        self.part_head = self.part_head or self.head

    @property
    def sheets(self) -> bool:
        """Cut into sheets (each exercise its own part): even one part is worth typesetting as such."""
        return any(s.sheet for s in self.segments)


@dataclass
class Layout:
    """What typesetting a part found out: its length and where its anchors fell."""

    pages: int
    anchors: dict[str, int]  # 1-based page within the part
    page_names: list[str] = field(default_factory=list)  # named page of each page; "cp-blank" for blank ones


@dataclass(frozen=True)
class Plan:
    """Where each part lands in the pack."""

    starts: list[int]  # page number of each part's first page
    pads: list[bool]  # a blank page goes before the part (two-sided: parts begin on a recto)
    pages: dict[str, int]  # page number of every anchor
    total: int


def split(html: str) -> Split | None:
    """Cut a document at its part and sheet marks; None when it has no marks.

    A short part joins the one before it (a document has a fixed cost), never into the front
    matter, which is typeset again whenever a page moves; a sheet is never joined: its part is
    the same document in every edition that prints it (a handout and the exercise booklet).
    """
    if MARK not in html and SHEET not in html:  # (the document is read only when it has some)
        return None
    found = scan(html, MARK[4:-3], SHEET[4:-3])
    if found.body is None:
        return None
    begin, end = found.body
    ranges: list[tuple[int, int, bool]] = []
    at, sheet = begin, False
    for mark_start, mark_end, name in found.marks:
        if begin <= mark_start < end:
            ranges.append((at, mark_start, sheet))
            at, sheet = mark_end, name == SHEET[4:-3]
    ranges.append((at, end, sheet))
    slices: list[tuple[int, int, bool]] = []
    for first, last, sheet in (r for r in ranges if html[r[0] : r[1]].strip()):
        short = last - first < MIN_PART_CHARS
        if (
            len(slices) > 1
            and short
            and not sheet
            and not slices[-1][2]
            and slices[-1][1] - slices[-1][0] < MIN_PART_CHARS * 2
        ):
            slices[-1] = (slices[-1][0], last, False)
        else:
            slices.append((first, last, sheet))
    head = html[:begin]
    part_head = head
    if found.title is not None:
        title_start, title_end = found.title
        part_head = head[:title_start] + PART_TITLE + head[title_end:]
    segments = [replace(_segment(html, found, first, last), sheet=sheet) for first, last, sheet in slices]
    return Split(head, html[end:], segments, part_head)


def _segment(html: str, found: Scan, first: int, last: int) -> Segment:
    size = last - first

    def inside(offsets: list[int]) -> int:
        return bisect_left(offsets, last) - bisect_left(offsets, first)

    places: dict[str, float] = {}
    for at, ident in found.ids:
        if first <= at < last:
            places.setdefault(ident, (at - first) / size)
    ids = frozenset(places)
    links = tuple(replace(k, start=k.start - first, end=k.end - first) for k in found.links if first <= k.start < last)
    lists = tuple(
        replace(p, start=p.start - first, end=p.end - first) for p in found.pagelists if first <= p.start < last
    )
    numbered = {k.target for k in links if k.prints_page} | {a for p in lists for a in p.anchors}
    # a short part is often sparse (a cover, an imprint, the contents): a page per section
    least = max(1, inside(found.tops)) if size < SHORT_PART_CHARS else 1
    runs = [w for at, w in found.runs if first <= at < last]
    return Segment(
        html[first:last],
        ids,
        frozenset(numbered - ids),
        frozenset(numbered & ids),
        tuple(places.items()),
        least,
        _lines(runs, inside(found.images), inside(found.headings)),
        links,
        pagelists=lists,
    )


def plan(layouts: list[Layout], recto: bool, sheets: list[bool] | None = None) -> Plan:
    """Page numbers from the parts' lengths; with ``recto`` each part begins on a right-hand page
    (but a sheet, which begins on the next page like the handout it is)."""
    starts: list[int] = []
    pads: list[bool] = []
    pages: dict[str, int] = {}
    page = 1
    for k, layout in enumerate(layouts):
        pad = recto and k > 0 and page % 2 == 0 and not (sheets and sheets[k])
        page += pad
        starts.append(page)
        pads.append(pad)
        for anchor, rel in layout.anchors.items():
            pages.setdefault(anchor, page + rel - 1)
        page += layout.pages
    return Plan(starts, pads, pages, page - 1)


def lines(html: str) -> float:
    """An estimate of a part's length in lines of text, for a first guess of its page count.

    Each run of text between block boundaries (a paragraph, a list item, a table row) takes
    whole lines; blocks, headings and images add space. Scaled to pages by a density measured
    on the pack's parts already typeset, this guesses a unit's page count exactly about four
    times in five (counting characters alone: a little over half), because short paragraphs,
    lists and tables fill their lines less than running text does.
    """
    found = scan(html)
    return _lines([w for _, w in found.runs], len(found.images), len(found.headings))


def _lines(runs: list[int], images: int, headings: int) -> float:
    total = sum(-(-width // LINE_CHARS) + BLOCK_LINES for width in runs)
    return total + IMAGE_LINES * images + HEADING_LINES * headings


def guess(segment: Segment, lines_per_page: float = LINES_PER_PAGE) -> Layout:
    """A guess of a part's layout from its estimated length, when no earlier build says better.

    Each anchor is put on the page its place in the text suggests.
    """
    pages = max(segment.min_pages, round(segment.lines / lines_per_page))
    return Layout(pages, {anchor: min(pages, 1 + int(at * pages)) for anchor, at in segment.places})


def zeros(page: int) -> str:
    """What a part is typeset with where it prints page ``page``: a zero per digit."""
    return "0" * len(str(page))


def inputs(segment: Segment, k: int, plan: Plan, literal: bool = False) -> tuple[int, tuple[tuple[str, str], ...]]:
    """What of the plan a part's bytes depend on: the numbers it prints, as zeros unless ``literal``.

    A literal part also starts its page counter at its first page (for a theme's own counters).
    """
    cited = segment.cited
    if literal:
        start = plan.starts[k]
        return start, tuple(sorted((a, str(plan.pages[a])) for a in cited if a in plan.pages))
    return 0, tuple(sorted((a, zeros(plan.pages[a])) for a in cited if a in plan.pages))


def _inject(head: str, css: str) -> str:
    i = head.find("</head>")
    return head[:i] + f"<style>{css}</style>\n" + head[i:]


def format_pages(pages: list[int], sep: str = ", ", dash: str = "\u2013") -> str:
    """Pages as an index prints them: each once, in order, consecutive ones as a range ("3, 12–14")."""
    runs: list[list[int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return sep.join(str(a) if a == b else f"{a}{dash}{b}" for a, b in runs)


def _filled(html: str, plist: PageList, pages: dict[str, int]) -> str:
    """A page list's element with its pages written in."""
    element = html[plist.start : plist.end]
    open_end = element.find(">") + 1
    known = [pages[a] for a in plist.anchors if a in pages]
    return element[:open_end] + escape(format_pages(known, plist.sep, plist.dash)) + "</span>"


def fill_pages(html: str, pages: dict[str, int]) -> str:
    """A whole document (typeset as one) with its page lists written in from where its anchors fell."""
    if PAGES_CLASS not in html:
        return html
    out, at = [], 0
    for plist in scan(html).pagelists:
        out += [html[at : plist.start], _filled(html, plist, pages)]
        at = plist.end
    out.append(html[at:])
    return "".join(out)


def page_list_anchors(html: str) -> frozenset[str]:
    """The anchors whose pages a document's page lists print."""
    if PAGES_CLASS not in html:
        return frozenset()
    return frozenset(a for plist in scan(html).pagelists for a in plist.anchors)


def part_html(split: Split, k: int, start: int, cited: dict[str, str]) -> str:
    """Part ``k`` as a document: the numbers it prints written in, links to other parts made external.

    A part with page lists (an index) is typeset with its numbers (``literal``): its lists are
    written from them, each page once and consecutive pages as ranges.
    """
    segment = split.segments[k]
    out: list[str] = []
    at = 0
    pages = {a: int(v) for a, v in cited.items() if v.strip("0")}  # (zeros: numbers not known, none written)
    edits: list[Link | PageList] = sorted([*segment.links, *segment.pagelists], key=lambda e: e.start)
    for edit in edits:
        if isinstance(edit, PageList):
            out += [segment.html[at : edit.start], _filled(segment.html, edit, pages)]
            at = edit.end
            continue
        link = edit
        target = link.target
        href = f"#{target}" if target in segment.ids else LINK_PREFIX + target
        attrs = [(name, href if name == "href" else value) for name, value in link.attrs]
        if target in cited:
            attrs.append(("data-page", cited[target]))
        out += [segment.html[at : link.start], _start_tag("a", attrs)]
        at = link.end
    out.append(segment.html[at:])
    css = PART_CSS + (f" @page :first {{ counter-reset: page {start}; }}" if start else "")
    return _inject(split.part_head, css) + "".join(out) + split.tail


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    return f"<{tag}" + "".join(f" {n}" if v is None else f' {n}="{escape(v)}"' for n, v in attrs) + ">"


def furniture_pages(plan: Plan, layouts: list[Layout]) -> list[str]:
    """The named page of every page of the pack, blank versos included."""
    names: list[str] = []
    for pad, layout in zip(plan.pads, layouts, strict=True):
        names += ["cp-blank"] * pad + layout.page_names
    return names


def furniture_chunks(names: list[str]) -> list[tuple[int, tuple[str, ...]]]:
    """The furniture documents of a pack: (first page number, named pages), a few hundred pages each."""
    return [(i + 1, tuple(names[i : i + FURNITURE_PAGES])) for i in range(0, len(names), FURNITURE_PAGES)]


def furniture_html(split: Split, start: int, page_names: tuple[str, ...]) -> str:
    """A document of empty pages carrying only the page numbers (and printer's marks) of a run of pages."""
    css = FURNITURE_CSS + f" @page :first {{ counter-reset: page {start}; }}"
    pages = "".join('<div class="cp-page" style="page: %s"></div>' % (name or "auto") for name in page_names)
    return _inject(split.head, css) + pages + split.tail
