"""Checks that read the structure tree: PDF/UA's machine-checkable basics, and the layout
defects a tagged PDF shows on its own (a heading, caption or table header ending a page,
a note printed after its call's page, runt pages).

WeasyPrint tags each page's content as elements of its own: the two halves of a paragraph
split by a page break are two P elements, and nothing in the file says they are one. So the
checks that need to know that (widows, orphans, tables and boxes split) are the engine's
(``layout``); the ones here need only what is on one page and the next.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf

from coursepack.print.preflight.document import Element, Inspection, check
from coursepack.print.preflight.finding import Finding, Severity
from coursepack.print.preflight.pdfscan import Run

BLOCKS = {"P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "LBody", "Table", "TR", "TH", "TD", "Caption"}
BLOCKS |= {"Figure", "BlockQuote", "TOC", "TOCI", "Index", "Formula"}
RUNT_LINES = 4
NOTE_NUMBER = re.compile(r"^\s*(\d{1,3})\.?\s*$")


# ---------- PDF/UA: the machine-checkable basics ----------


@check("pdfua", "pdfua-tagged", "pdfua-untagged-content", accessibility=True)
def tagged(doc: Inspection) -> Iterator[Finding]:
    """A tagged PDF (structure tree, marked) whose every piece of text is content or artifact."""
    if not doc.tagged:
        yield Finding(None, "pdfua-tagged", Severity.ERROR, "the PDF is not tagged: no structure tree for a reader")
        return
    if not doc.scope.glyphs:  # (reading every glyph: see report.build_scope)
        return
    loose = [p.number for p in doc.pages if any(not r.tagged and r.text.strip() for r in p.runs)]
    if loose:
        yield Finding(
            loose[0],
            "pdfua-untagged-content",
            Severity.ERROR,
            f"text outside the structure tree and not marked as an artifact on {len(loose)} page(s)",
        )


@check("pdfua", "pdfua-language", "pdfua-title", "pdfua-identifier", accessibility=True)
def metadata(doc: Inspection) -> Iterator[Finding]:
    """The document's language, a title shown as the window title, and the PDF/UA claim."""
    root = doc.pdf.Root
    if not str(root.get("/Lang", "")).strip():
        yield Finding(None, "pdfua-language", Severity.ERROR, "no document language (/Lang in the catalog)")
    meta = doc.pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)  # read only
    title = meta.get("dc:title")
    part = meta.get("pdfuaid:part")
    prefs = root.get("/ViewerPreferences", pikepdf.Dictionary())
    if not title or not bool(prefs.get("/DisplayDocTitle", False)):
        yield Finding(None, "pdfua-title", Severity.ERROR, "no title in the metadata shown as the window title")
    if not part:
        yield Finding(None, "pdfua-identifier", Severity.ERROR, "the metadata do not claim PDF/UA (pdfuaid:part)")


@check("pdfua", "pdfua-figure-alt", accessibility=True)
def figure_alt(doc: Inspection) -> Iterator[Finding]:
    """Every Figure has alternative text. Walks the structure tree itself, reading no more than
    each element's role (the parent tree behind ``doc.marked`` is twice as slow to build, and a
    build's preflight does not otherwise need it)."""
    if not doc.tagged or not doc.scope.tree:
        return
    for figure in doc.elements_of("Figure"):
        if not str(figure.get("/Alt", "")).strip() and "/ActualText" not in figure:
            page = figure.get("/Pg")
            number = doc.page_numbers.get(page.objgen) if isinstance(page, pikepdf.Dictionary) else None
            yield Finding(number, "pdfua-figure-alt", Severity.ERROR, "a figure has no alternative text (/Alt)")


# ---------- layout, as a tagged PDF shows it ----------


@dataclass
class _Line:
    runs: list[Run]
    element: Element  # the block of its first run
    elements: list[Element]  # the element of each run

    def all_within(self, *roles: str) -> Element | None:
        """The element of ``roles`` the first run is in, if every run of the line is in one."""
        found = [e.within(*roles) for e in self.elements]
        return found[0] if all(found) else None

    @property
    def text(self) -> str:
        return " ".join("".join(r.text for r in self.runs).split())


def _main(element: Element) -> bool:
    """Whether an element is in the page's main flow (not a note area, a float of notes)."""
    chain = list(element.ancestors())
    if any(e.role == "Note" for e in chain):
        return False
    return any(e.role in BLOCKS for e in chain)


def _lines(doc: Inspection, number: int) -> list[_Line]:
    """The main flow's lines of a page, in reading (content) order."""
    marked = doc.marked.get(number, {})
    lines: list[_Line] = []
    for run in doc.pages[number - 1].runs:
        if run.artifact or run.mcid is None or not run.text.strip():
            continue
        element = marked.get(run.mcid)
        if element is None or not _main(element) or element.within("Lbl"):
            continue  # (a list's bullets and numbers: WeasyPrint draws them after the page's text)
        block = next((e for e in element.ancestors() if e.role in BLOCKS), element)
        if (
            lines and abs(lines[-1].runs[-1].baseline - run.baseline) < 0.6 * max(run.size, lines[-1].runs[-1].size)
        ) or (
            lines and lines[-1].element is block and run.baseline > lines[-1].runs[-1].baseline
        ):  # (the second: a superscript, a note's call, on the line it belongs to)
            lines[-1].runs.append(run)
            lines[-1].elements.append(element)
        else:
            lines.append(_Line([run], block, [element]))
    return lines


@check("layout", "heading-last", "caption-last", "table-header-last", layout=True)
def last_line(doc: Inspection) -> Iterator[Finding]:
    """A heading, a caption above its table or figure, or a table's header row ends a page."""
    if not doc.tagged:
        return
    pages = [_lines(doc, n) for n in range(1, len(doc.pages) + 1)]
    for number, lines in enumerate(pages, start=1):
        if not lines or number == len(pages) or not any(pages[number:]):
            continue
        last = lines[-1]
        if all(line.element.within("H*", "H") for line in lines):
            continue  # a title page, or a part's opener: headings alone by design
        heading = last.all_within("H*", "H")
        caption = last.all_within("Caption")
        header = last.all_within("TH")
        if heading is not None:
            yield Finding(
                number,
                "heading-last",
                Severity.WARNING,
                f"heading \u201c{last.text}\u201d is the last line of the page",
            )
        elif caption is not None and caption.parent is not None and not _has_other(lines, caption):
            yield Finding(
                number,
                "caption-last",
                Severity.WARNING,
                f"caption \u201c{last.text}\u201d is the last line of the page; what it captions is on the next",
            )
        elif header is not None:
            table = header.within("Table")
            if table is not None and not any(
                line.element.within("TD") and line.element.within("Table") is table for line in lines
            ):
                yield Finding(
                    number,
                    "table-header-last",
                    Severity.WARNING,
                    "a table's header row is the last line of the page; its rows are on the next",
                )


def _has_other(lines: list[_Line], caption: Element) -> bool:
    """Whether the caption's parent (a table, a figure) shows anything but the caption on this page."""
    parent = caption.parent
    return any(
        line.element.within("Caption") is None and any(a is parent for a in line.element.ancestors()) for line in lines
    )


@check("layout", "runt-page", layout=True)
def runts(doc: Inspection) -> Iterator[Finding]:
    """A page of 1 to ``RUNT_LINES`` lines that continues a section and ends it."""
    if not doc.tagged:
        return
    pages = [_lines(doc, n) for n in range(1, len(doc.pages) + 1)]
    tops = sorted(max(r.y1 for r in p[0].runs) for p in pages if len(p) >= 10)
    if not tops:
        return
    top = tops[len(tops) // 2]  # where the text block begins on a full page
    for number, lines in enumerate(pages, start=1):
        if number == 1 or not 0 < len(lines) <= RUNT_LINES:
            continue
        if any(line.element.within("H*", "H", "Figure") for line in lines) or doc.pages[number - 1].images:
            continue
        first = lines[0].runs[0]
        if max(r.y1 for r in lines[0].runs) < top - 2 * first.size:
            continue  # text set low on its page by design (an imprint, a colophon), not run over
        following = next((p for p in pages[number:] if p), None)
        if following is not None and not any(line.element.within("H1", "H2") for line in following[:3]):
            continue  # the section goes on: a short page before a large figure or table, not a runt
        yield Finding(
            number,
            "runt-page",
            Severity.WARNING,
            f"runt page: {len(lines)} line(s) of text end the section (\u201c{lines[0].text[:50]}\u201d)",
        )


@check("layout", "footnote-page", layout=True)
def footnotes(doc: Inspection) -> Iterator[Finding]:
    """A note printed on a page after its call's (calls and notes as WeasyPrint tags them: a
    superscript number in the text, and a note area outside the main flow whose lines start
    with the note's number)."""
    if not doc.tagged:
        return
    pending: dict[str, int] = {}  # a note's number -> the page of its latest call (numbers restart per unit)
    for number in range(1, len(doc.pages) + 1):
        marked = doc.marked.get(number, {})
        runs = [r for r in doc.pages[number - 1].runs if r.mcid is not None and not r.artifact]
        for i, run in enumerate(runs):
            element = marked.get(run.mcid)  # type: ignore[arg-type]
            match = NOTE_NUMBER.match(run.text)
            if element is None or match is None:
                continue
            num = match.group(1)
            if _main(element):
                neighbours = [r for r in runs[max(0, i - 2) : i + 3] if r is not run and r.text.strip()]
                if neighbours and run.size < 0.8 * max(r.size for r in neighbours):  # a superscript number
                    pending[num] = number
            elif run.text.strip().endswith(".") and num in pending:  # a note area's "3. "
                called = pending.pop(num)
                if called < number:
                    later = "on the next page" if number == called + 1 else f"on p. {number}"
                    yield Finding(
                        called,
                        "footnote-page",
                        Severity.WARNING,
                        f"note {num} is printed {later}, not on the page of its call",
                    )
