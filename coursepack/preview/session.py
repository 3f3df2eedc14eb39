"""A preview session: one pack (course, edition, language) kept up to date as its files change.

Two loops, each in its own thread:

- **HTML** (``refresh``, on every change the watcher reports): the course loaded and checked
  again (the parse of every file that did not change is reused: ``markdown.parser``), the
  pack's HTML rendered as the build renders it (``build.target_html``), the first block that
  changed found by its ``data-src`` (``blocks``), and the new body sent to every browser. A
  course with errors sends them, with their ``file:line``, and the last good HTML stays.
- **PDF** (``_pdf_loop``): after each good HTML, the pack built into the output folder by the
  ordinary incremental build (only the part that changed is typeset again) on a pool of
  typesetting processes kept warm for the whole session, then the page the edit fell on drawn
  as a PNG. Edits made while it builds are taken in one build after it.

Events go to every browser through ``Broker`` (Server-Sent Events: ``server``).
"""

from __future__ import annotations

import contextlib
import io
import json
import queue
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursepack import jail
from coursepack.build import (
    BuildError,
    ContentError,
    Options,
    Pool,
    Prepared,
    load_and_check,
    plan_targets,
    remember,
    target_html,
)
from coursepack.build import build as run_build
from coursepack.build import cache as build_cache
from coursepack.build.checked import course_epoch
from coursepack.build.pipeline import stylesheets
from coursepack.engine.workers import BuildTemp, Limits
from coursepack.errors import display_path
from coursepack.matrix import Target, Variant
from coursepack.preview import blocks
from coursepack.render.theme import search_path


class Broker:
    """Every connected browser's queue of events; ``publish`` sends one to all of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: list[queue.Queue[tuple[str, str] | None]] = []

    @contextlib.contextmanager
    def subscribe(self) -> Iterator[queue.Queue[tuple[str, str] | None]]:
        q: queue.Queue[tuple[str, str] | None] = queue.Queue()
        with self._lock:
            self._queues.append(q)
        try:
            yield q
        finally:
            with self._lock:
                self._queues.remove(q)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        text = json.dumps(data, ensure_ascii=False)
        with self._lock:
            for q in self._queues:
                q.put((event, text))

    def close(self) -> None:
        """Every stream ends (the server is stopping)."""
        with self._lock:
            for q in self._queues:
                q.put(None)


@dataclass
class Page:
    """What the browser shows: the last good HTML, the errors now, the last PDF page drawn."""

    version: int = 0  # counts good HTML renderings
    head: str = ""
    body_attrs: str = ""
    body: str = ""
    scroll: str | None = None  # the data-src of the first block the last edit changed
    errors: list[str] = field(default_factory=list)
    pdf_version: int = 0
    pdf_page: int = 0  # 1-based; 0: no PDF yet
    pdf_pages: int = 0
    png: bytes = b""
    pdf_status: str = "waiting for the first build"


class Session:
    """The pack being previewed. ``start`` renders it and starts the PDF thread; ``refresh``
    is called with the files that changed; ``stop`` ends the workers."""

    def __init__(
        self, course: Path, edition: str, lang: str | None, output: Path, jobs: int, epoch: int | None = None
    ) -> None:
        self.course = course.resolve()
        self.edition, self.lang, self.output, self.jobs = edition, lang, output, jobs
        self.epoch = epoch  # SOURCE_DATE_EPOCH, as the build takes it (None: the course's date)
        self.page = Page()
        self.broker = Broker()
        self.sheets: list[Path] = []
        self.sheet_roots: list[Path] = []  # where a stylesheet may be read from: the course folder, the themes
        self.target: Target | None = None
        self._html = ""  # the last good whole document
        self._lock = threading.Lock()  # one refresh at a time
        self._pdf_wanted = threading.Condition()
        # (when saved, HTML version, its first changed block, what the build may reuse) since the last build
        self._pdf_asked: list[tuple[float, int, str | None, Prepared | None]] = []
        self._stopping = threading.Event()
        self._pool: Pool | None = None
        self._temp: BuildTemp | None = None
        self._pdf_thread = threading.Thread(target=self._pdf_loop, name="coursepack-preview-pdf", daemon=True)

    # -- HTML ---------------------------------------------------------------------------------

    def start(self) -> None:
        remember()  # (the parses of unchanged files, the page numbers of unchanged parts)
        self.refresh([], time.time())
        self._pdf_thread.start()

    def refresh(self, changed: list[Path], saved: float) -> None:
        """Render the pack again after ``changed`` files changed (at ``saved``, for the PDF's timing)."""
        with self._lock:
            files = []
            for path in changed:
                with contextlib.suppress(ValueError):
                    files.append(path.resolve().relative_to(self.course).as_posix())
            try:
                html, target, prepared = self._render()
            except ContentError as exc:
                self.page.errors = [self._shown(str(d)) for d in exc.diagnostics]
                self.broker.publish("errors", {"errors": self.page.errors, "version": self.page.version})
                return
            except (BuildError, OSError) as exc:
                self.page.errors = [f"error: {exc}"]
                self.broker.publish("errors", {"errors": self.page.errors, "version": self.page.version})
                return
            except Exception as exc:  # a defect of ours: said in the page and on the terminal, the preview goes on
                traceback.print_exc()
                self.page.errors = [f"internal error: {type(exc).__name__}: {exc} (please report it)"]
                self.broker.publish("errors", {"errors": self.page.errors, "version": self.page.version})
                return
            had_errors = bool(self.page.errors)
            self.page.errors = []
            if html == self._html:  # the text is the same: an image or a stylesheet may not be
                if had_errors:
                    self.broker.publish("html", self._html_event(None))
                assets = [f for f in files if Path(f).suffix.lower() not in build_cache.TEXT_SUFFIXES]
                if assets:
                    self.broker.publish("assets", {"files": assets})
                    with self._pdf_wanted:
                        self._pdf_asked.append((saved, self.page.version, None, prepared))
                        self._pdf_wanted.notify()
                return
            change = blocks.first_change(self._html, html, files) if self._html else None
            self._html, self.target = html, target
            page = self.page
            page.head, page.body_attrs, page.body = blocks.split_page(html)
            page.version += 1
            page.scroll = change[0] if change else None
            block = change[0] if change else None
            self.broker.publish("html", self._html_event(block))
            with self._pdf_wanted:
                self._pdf_asked.append((saved, page.version, block, prepared))
                self._pdf_wanted.notify()

    def _render(self) -> tuple[str, Target, Prepared | None]:
        """The pack's HTML, its target, and what the PDF's build may take instead of doing it again
        (None when a file changed while it was read: the build reads the course itself)."""
        before = build_cache.tree_digest([self.course])
        checked = load_and_check([self.course], False, [self.lang] if self.lang else None)
        langs = [self.lang] if self.lang else [checked.courses[0].meta.language]
        targets = plan_targets(checked.localized, self.output, langs, [self.edition], variants=[Variant()])
        target = next(t for t in targets if t.edition.name == self.edition)
        self.lang = target.lang
        self.sheets = stylesheets(target.course, target.lang)
        self.sheet_roots = [self.course, *search_path(target.course.root, target.course.meta.theme)]
        html = target_html(target, checked, course_epoch(target.course, self.epoch))
        same = build_cache.tree_digest([self.course]) == before
        prepared = Prepared(checked, {target.course.meta.id: before}, {target.key: html}) if same else None
        return html, target, prepared

    def _html_event(self, scroll: str | None) -> dict[str, Any]:
        p = self.page
        return {"version": p.version, "body": p.body, "bodyAttrs": p.body_attrs, "scroll": scroll, "sent": time.time()}

    def _shown(self, line: str) -> str:
        """A diagnostic's path relative to the course folder's parent (as the author knows it)."""
        return line.replace(str(self.course.parent) + "/", "")

    # -- PDF ----------------------------------------------------------------------------------

    def _pdf_loop(self) -> None:
        """Build the PDF after each good HTML, on workers kept for the whole session (started
        in this thread, which lives as long as they do: their parent-death signal is bound to it)."""
        self._temp = BuildTemp()
        self._pool = Pool(self.jobs, str(self._temp.path), Limits(), kept=True)
        while not self._stopping.is_set():
            with self._pdf_wanted:
                while not self._pdf_asked and not self._stopping.is_set():
                    self._pdf_wanted.wait()
                asked, self._pdf_asked = self._pdf_asked, []
            if self._stopping.is_set():
                return
            saved, version, block, prepared = asked[-1]
            if block is None:  # (the latest edit moved nothing: show where an earlier one was)
                block = next((b for _, _, b, _ in reversed(asked) if b), None)
            try:
                self._build_pdf(saved, version, block, prepared)
            except Exception as exc:  # a defect of ours: said in the page and on the terminal, the loop goes on
                if self._stopping.is_set():
                    return
                traceback.print_exc()
                self.page.pdf_status = f"internal error: {type(exc).__name__}: {exc} (please report it)"
                self.broker.publish(
                    "pdf", {"status": self.page.pdf_status, "version": self.page.pdf_version, "ok": False}
                )

    def _build_pdf(self, saved: float, version: int, block: str | None, prepared: Prepared | None) -> None:
        page = self.page
        started = time.time()
        self.broker.publish("pdf-start", {"version": version})
        langs = [self.lang] if self.lang else None
        opts = Options(self.output, langs, [self.edition], self.jobs, epoch=self.epoch, variants=[Variant()])
        try:
            report = run_build([self.course], opts, workers=self._pool, prepared=prepared)
        except ContentError:
            return  # (the HTML says what is wrong)
        except Exception as exc:
            if self._stopping.is_set():
                return
            page.pdf_status = f"the PDF was not built: {exc}"
            self.broker.publish("pdf", {"status": page.pdf_status, "version": page.pdf_version, "ok": False})
            return
        if self._stopping.is_set():
            return
        built = time.time()
        key = self.target.key if self.target else None
        mine = next((b for b in report.built if b.target.key == key), None)
        if report.failures or mine is None:
            page.pdf_status = "; ".join(report.failures) or "the PDF was not built"
            self.broker.publish("pdf", {"status": page.pdf_status, "version": page.pdf_version, "ok": False})
            return
        number = self._page_of(mine.target, block) if block else max(page.pdf_page, 1)
        try:
            png, pages = draw_page(mine.target.output, number)
        except Exception as exc:  # (a PDF pdfium cannot read: say so, keep the last page)
            page.pdf_status = f"the page could not be drawn: {exc}"
            self.broker.publish("pdf", {"status": page.pdf_status, "version": page.pdf_version, "ok": False})
            return
        page.png, page.pdf_page, page.pdf_pages = png, min(number, pages), pages
        page.pdf_version += 1
        seconds = time.time() - saved
        when = (
            "" if mine.cached else f", {seconds:.1f} s after the save" if version > 1 else f", built in {seconds:.1f} s"
        )
        page.pdf_status = f"{display_path(mine.target.output)}: page {page.pdf_page} of {pages}{when}"
        self.broker.publish(
            "pdf",
            {
                "ok": True,
                "version": page.pdf_version,
                "page": page.pdf_page,
                "pages": pages,
                "status": page.pdf_status,
                "html": version,
                "sent": time.time(),
                # where the time went: from the save to the build's start (the HTML first), the
                # build (incremental: check, HTML, the part typeset, stitched, written), the page found and drawn
                "seconds": {
                    "before": round(started - saved, 3),
                    "build": round(built - started, 3),
                    "draw": round(time.time() - built, 3),
                },
            },
        )

    def _page_of(self, target: Target, block: str) -> int:
        """The page of the PDF where block ``block`` (a data-src) is printed: from the page of
        the section it is in, the first page on which its first words are found."""
        html = self._html
        at = next((pos for src, pos, _ in blocks.blocks(html) if src == block), None)
        if at is None:
            return 1
        anchors = build_cache.anchors(self.output, target.key)
        start = 1
        pos = at
        while pos > 0:  # the nearest id before the block that the PDF has a page for
            name = blocks.anchor_before(html, pos)
            if name is None:
                break
            if name in anchors:
                start = anchors[name]
                break
            pos = html.rfind(f'id="{name}"', 0, pos)
        words = blocks.words_at(html, at)
        found = find_text(target.output, words, start)
        return found or start

    def stop(self) -> None:
        """End the PDF thread's workers (now, without waiting for a document) and every stream."""
        self._stopping.set()
        with self._pdf_wanted:
            self._pdf_wanted.notify_all()
        self.broker.close()
        if self._pool is not None:
            self._pool.end()
        if self._pdf_thread.is_alive():
            self._pdf_thread.join(5)
        if self._temp is not None:
            self._temp.__exit__()

    # -- files the server may send -----------------------------------------------------------

    def course_file(self, rel: str) -> Path:
        """A file of the course folder (``jail.Outside`` for one that leads out of it)."""
        return jail.inside(self.course / rel, [self.course])


def draw_page(pdf: Path, number: int, scale: float = 1.5) -> tuple[bytes, int]:
    """Page ``number`` (1-based; the last if there are fewer) of a PDF as PNG bytes, and its page count."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        pages = len(doc)
        page = doc[min(max(number, 1), pages) - 1]
        image = page.render(scale=scale).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=False, compress_level=1)
        return out.getvalue(), pages
    finally:
        doc.close()


def find_text(pdf: Path, words: list[str], start: int, span: int = 8) -> int | None:
    """The first page from ``start`` (1-based, ``span`` pages at most) on which the words are
    found (the first three, else the last three: a word may be hyphenated at a line's end)."""
    import pypdfium2

    if not words:
        return None
    tries = [" ".join(words[:3]), " ".join(words[-3:])]
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        for k in range(max(start, 1) - 1, min(len(doc), start - 1 + span)):
            text = doc[k].get_textpage()
            for phrase in tries:
                if text.search(phrase).get_next() is not None:
                    return k + 1
    finally:
        doc.close()
    return None
