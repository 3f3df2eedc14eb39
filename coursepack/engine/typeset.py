"""Stage 5 — typeset: HTML to PDF bytes with WeasyPrint, behind one small interface.

Resources load only from the course folder, the theme and the bundled fonts (no network,
no ``file://`` elsewhere, no ``..`` escapes). WeasyPrint's warnings are collected so that
``--strict`` can fail on them.
"""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import multiprocessing.util
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from coursepack import engine, fonts, jail
from coursepack.engine import overflow, workers
from coursepack.print.preflight import layout as preflight_layout

MAX_ASSET_BYTES = 20 * 1024 * 1024

# Messages WeasyPrint logs that are not problems of the content (the equivalent of Sphinx's
# suppress_warnings): fontTools is used when the system lacks libharfbuzz-subset.
TOLERATED = ("Using fontTools instead of HarfBuzz",)


@dataclass
class TypesetResult:
    """A typeset document: its bytes, page count, the page of each anchor, what was logged."""

    pdf: bytes
    pages: int
    anchors: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    page_names: list[str] = field(default_factory=list)  # each page's named page; "cp-blank" for blank pages
    layout_seconds: float = 0.0  # of ``seconds``: WeasyPrint's layout (the rest is writing the PDF)
    cpu_seconds: float = 0.0  # processor time of the layout and the writing
    pid: int = 0  # the process that typeset it
    printed: int = 0  # links that print their data-page number (a part's page references; see pagerefs)


def make_fetcher(roots: list[Path]):  # type: ignore[no-untyped-def]
    """A URL fetcher jailed to ``roots``: data: URLs and files inside them, nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    resolved_roots = [r.resolve() for r in roots]

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                if len(url) > 2 * MAX_ASSET_BYTES:
                    raise ValueError("data: URL too large")
                return super().fetch(url, headers)
            if scheme != "file":
                raise PermissionError(f"blocked: {url} (only files inside the course folder load)")
            path = Path(url2pathname(unquote(urlsplit(url).path)))
            try:
                data = jail.read_bytes(path, resolved_roots, MAX_ASSET_BYTES)
            except jail.Outside:
                raise PermissionError(f"blocked: {path} is outside the course folder") from None
            except OSError:
                raise FileNotFoundError(f"not found or too large: {path}") from None
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, data, {"Content-Type": ctype})

    return AssetFetcher(timeout=5, allowed_protocols={"file", "data"}, allow_redirects=False)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("weasyprint.progress"):
            return
        message = record.getMessage()
        if not any(t in message for t in TOLERATED):
            self.messages.append(message)


_STYLES: dict[tuple[object, ...], tuple[object, object, list[object], list[str]]] = {}
_CLEANUP_PID = 0  # the process that registered ``_remove_font_folders`` for its exit


def _remove_font_folders() -> None:
    """At a process's exit, remove the fonts its stylesheets wrote to temporary folders.

    WeasyPrint removes them when a font configuration is destroyed, but a forked worker
    ends with ``os._exit``, which destroys nothing: 50 MB in the temporary folder per
    worker and build, for ever.
    """
    for _fetcher, font_config, _css, _warnings in _STYLES.values():
        folder = getattr(font_config, "_folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
    forget_inherited_styles()


def _styles(
    stylesheets: tuple[Path, ...], roots: tuple[Path, ...], lang: str
) -> tuple[object, object, list[object], list[str]]:
    """The fetcher, font configuration, parsed stylesheets and what parsing them logged.

    They are reused by the documents of a process: a pack rendered as parts parses the same
    stylesheets once per worker, not once per part. The warnings are kept with them, so every
    document still reports its stylesheets' problems (``--strict`` fails on them).
    """
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    global _CLEANUP_PID
    key = (stylesheets, tuple(p.stat().st_mtime_ns for p in stylesheets), roots, lang)
    if key not in _STYLES:
        if os.getpid() != _CLEANUP_PID:  # a forked worker starts without its parent's exit handlers
            multiprocessing.util.Finalize(None, _remove_font_folders, exitpriority=0)
            _CLEANUP_PID = os.getpid()
        handler = _Collect()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(handler)
        try:
            fetcher = make_fetcher([*roots, *fonts.font_dirs()])
            font_config = FontConfiguration()
            css = [CSS(string=fonts.font_css() + fonts.stylesheet(lang), font_config=font_config, url_fetcher=fetcher)]
            # (through the fetcher, so a stylesheet is read only from inside the course or the theme)
            css += [CSS(url=p.absolute().as_uri(), font_config=font_config, url_fetcher=fetcher) for p in stylesheets]
        finally:
            logger.removeHandler(handler)
        if len(_STYLES) >= 6:  # a worker typically serves a few languages of one theme
            del _STYLES[next(iter(_STYLES))]
        _STYLES[key] = (fetcher, font_config, css, handler.messages)
    return _STYLES[key]


WARM_HTML = (
    '<!DOCTYPE html><html lang="{lang}"><head><title>-</title></head><body><h1>Warm up</h1><h2>Warm up</h2>'
    "<p>Typesetting a first paragraph loads the <em>hyphenation</em> patterns, the <strong>fonts</strong> "
    "and the engine&rsquo;s C bindings.</p></body></html>"
)


def forget_inherited_styles() -> None:
    """Run first in a worker forked from a process that has typeset before: forget the parsed
    stylesheets it inherited. Their font configurations' temporary folders belong to the
    parent (which deletes them when it drops them); the worker parses its own."""
    for _fetcher, font_config, _css, _warnings in _STYLES.values():
        font_config._folder = None  # type: ignore[attr-defined]
    _STYLES.clear()


def warm_up(stylesheets: list[Path], roots: list[Path], lang: str) -> float:
    """Ready a worker while the main process renders HTML: import WeasyPrint, apply the engine
    fixes, parse the stylesheets and typeset a paragraph (the first document of a process
    also loads the hyphenation patterns, the fonts and the C type declarations: ~0.3 s).

    Returns the processor time WeasyPrint spent (parsing the stylesheets and laying out): the
    work a worker's first document would otherwise do inside the engine.
    """
    return typeset(WARM_HTML.format(lang=lang), roots[0], stylesheets, roots, 0, lang).cpu_seconds


def load_engine() -> None:
    """Check and load the engine (``coursepack.engine.load``), with the bundled fonts.

    The build calls this before it forks its workers, so they start with the engine loaded.
    """
    # the bundled fonts (Arabic, Chinese) are found by family name through fontconfig
    os.environ["FONTCONFIG_FILE"] = str(fonts.fontconfig_file())
    engine.load()


def printed_page_numbers(document: Any) -> int:
    """How many links print their ``data-page`` number (in a part: zeros the stitcher must
    replace), read off the layout: a link whose ``::after`` text shows the number. The
    stitcher checks that it wrote as many (``pagerefs.Missing``)."""
    printing: set[int] = set()
    for page in document.pages:
        for box in page._page_box.descendants():
            if box.element_tag != "a::after" or box.element is None:
                continue
            number = box.element.get("data-page")
            if number and number in "".join(getattr(b, "text", "") for b in box.descendants()):
                printing.add(id(box.element))
    return len(printing)


def epoch_to_iso(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def typeset(
    html: str,
    base_dir: Path,
    stylesheets: list[Path],
    roots: list[Path],
    epoch: int,
    lang: str = "en",
) -> TypesetResult:
    """Lay out ``html`` and write PDF bytes; never touches the output folder."""
    # fontTools stamps subset fonts with this time: fixed, so the bytes are reproducible. (Set
    # for the typesetting only: a process that typesets in place, a test or the preview, must not
    # pass one document's time on to the processes it starts afterwards.)
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        return _typeset(html, base_dir, stylesheets, roots, lang)
    finally:
        if before is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = before


def _typeset(html: str, base_dir: Path, stylesheets: list[Path], roots: list[Path], lang: str) -> TypesetResult:
    load_engine()
    from weasyprint import HTML

    start, cpu = time.perf_counter(), time.process_time()
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        fetcher, font_config, css, css_warnings = _styles(tuple(stylesheets), tuple(roots), lang)
        handler.messages[:0] = css_warnings
        document = HTML(string=html, base_url=base_dir.resolve().as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=css, font_config=font_config
        )
        layout_seconds = time.perf_counter() - start
        handler.messages += overflow.find(document)
        handler.messages += preflight_layout.find(document)
        printed = printed_page_numbers(document)
        anchors: dict[str, int] = {}
        names = []
        for number, page in enumerate(document.pages, start=1):
            for name in page.anchors:
                anchors.setdefault(name, number)
            page_type = page._page_box.page_type
            names.append("cp-blank" if page_type.blank else page_type.name)
        # PDF/UA-1: tagged structure, document language and title, alt text (accessible by default)
        pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    finally:
        logger.removeHandler(handler)
    return TypesetResult(
        pdf,
        len(document.pages),
        anchors,
        handler.messages,
        time.perf_counter() - start,
        names,
        layout_seconds,
        time.process_time() - cpu,
        printed=printed,
    )


# The worker processes' entry points. They live here, not in ``build``, so that a worker
# imports only this module and the engine, not the whole pipeline (about 0.4 s each).


def typeset_job(html: str, base: str, sheets: list[str], roots: list[str], epoch: int, lang: str) -> TypesetResult:
    """Run in a worker process: one HTML document to PDF bytes, within the job's time limit."""
    with workers.time_limit(workers.LIMITS.seconds):
        result = typeset(html, Path(base), [Path(s) for s in sheets], [Path(r) for r in roots], epoch, lang)
    result.pid = os.getpid()
    return result


def warm_job(sheets: list[str], roots: list[str], lang: str) -> tuple[int, float]:
    """Run in each worker while the main process renders HTML (see ``warm_up``): the worker's
    process id and the engine's processor time."""
    with workers.time_limit(workers.LIMITS.seconds):
        return os.getpid(), warm_up([Path(s) for s in sheets], [Path(r) for r in roots], lang)
