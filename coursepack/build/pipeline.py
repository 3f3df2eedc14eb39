"""One target, top to bottom: from its inputs to a PDF written, or the reason it was not.

``Pipeline.start`` (before typesetting):

1. **Key.** Every input of the target is hashed: the course's files (translations too), the
   theme and the tool, the options, the page numbers it cites. An unchanged target is taken
   from the cache: nothing is rendered.
2. **HTML.** The edition's HTML (``target_html``), with the pages of the edition it cites.
3. **Jobs.** One document, or a long pack's parts and page furniture (``engine.parts``); the
   scheduler runs them (``scheduler``).

``Pipeline.finish`` (once every job is typeset):

4. **Join.** A pack's parts stitched, page numbers written in.
5. **Print.** Crop marks, A5 booklet or n-up sheets (``print.impose``).
6. **Preflight.** The engine's layout findings and the checks on the PDF (docs/print.md).
7. **Write.** The PDF replaced atomically; its record (digest, pages, anchors, findings) cached.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import time
from pathlib import Path
from typing import Any

from coursepack import fonts
from coursepack.atomic import atomic_write, sha256
from coursepack.build import cache
from coursepack.build.checked import Checked, course_epoch
from coursepack.build.options import Options
from coursepack.build.report import Built, Report
from coursepack.content.localize import Fallback
from coursepack.content.model import Course
from coursepack.engine import EngineError, overflow
from coursepack.engine import versions as engine_versions
from coursepack.engine.parts.plan import Job, Pack, hint_from, layouts_from_single
from coursepack.engine.parts.split import Split, fill_pages, page_list_anchors, split
from coursepack.engine.typeset import TypesetResult, epoch_to_iso
from coursepack.engine.typeset import typeset_job as _typeset_job
from coursepack.engine.workers import JobTimeout, Limits
from coursepack.errors import BuildError, display_path
from coursepack.i18n import text_direction
from coursepack.matrix import PAPERS, Target, Variant
from coursepack.print import impose
from coursepack.print.preflight import report as preflight_report
from coursepack.render.editions import Edition
from coursepack.render.html import render_html
from coursepack.render.theme import default_theme_dir, find_file, search_path
from coursepack.resolve import citeproc
from coursepack.resolve.views import BuildFacts

MAX_FILLS = 3  # a single document's page lists written in, typeset again: it settles after one
Family = tuple[str, str, str, Variant]  # course, language, edition, variant: what cites and is cited


class TargetWork:
    """A target being typeset: as one document, or as a pack of parts (the scheduler's ``Work``)."""

    def __init__(
        self,
        target: Target,
        key: str,
        html: str,
        args: tuple[str, list[str], list[str], int, str],
        job_key: str,
        pack: Pack | None,
        pieces: Split | None,
        cites: dict[str, int] | None,
    ) -> None:
        self.target, self.key, self.html, self.args = target, key, html, args
        self.base_key = job_key  # what every job of this target shares: theme, assets, fonts, options
        self.pack, self.pieces, self.cites = pack, pieces, cites  # cites: the pages it printed of another edition
        self.result: TypesetResult | None = None
        # a document typeset as one that prints lists of pages (an index): typeset, its lists
        # written from where its anchors fell, typeset again (``fill``)
        self.listed = page_list_anchors(html)
        self.fills = 0
        self.filled_from: dict[str, int] = {}
        self.failed: str | None = None
        self.inflight = 0
        self.retypeset = 0

    def next_jobs(self) -> list[Job]:
        if self.failed:
            return []
        if self.pack is None:
            return [Job("single", 0, self.html)] if self.result is None and not self.inflight else []
        jobs = self.pack.next_jobs()
        if self.pack.unstable:  # the page plan does not settle: typeset the whole pack as one document
            self.pack = None
            return self.next_jobs() if not self.inflight else []
        return jobs

    def started(self, job: Job) -> None:
        if self.pack is not None:
            self.pack.started(job)

    def refresh(self, job: Job) -> Job | None:
        """Parts measured since the job was queued may have changed its digit counts."""
        return self.pack.refresh(job) if self.pack is not None else job

    def accept(self, job: Job, result: TypesetResult) -> None:
        if self.pack is not None and job.kind != "single":
            if job.kind == "part" and self.pack.results[job.index] is not None:
                self.retypeset += 1
            self.pack.accept(job, result)
        elif job.kind == "single":
            self.result = result
            if self.listed:
                self.fill(result)

    def fill(self, result: TypesetResult) -> None:
        """Write a single document's page lists from the pages its anchors fell on, and typeset
        it again until they are where they were (the lists are back matter: filling them moves
        no page they cite)."""
        pages = {a: result.anchors[a] for a in self.listed if a in result.anchors}
        if self.fills and pages == self.filled_from:
            return  # (the numbers written are the pages: done)
        if self.fills >= MAX_FILLS:
            self.failed = (
                f"{self.target.key}: the index's page numbers do not settle (filling them in moves the pages "
                "they cite): put the index at the end of the pack"
            )
            return
        self.filled_from = pages
        self.fills += 1
        self.html = fill_pages(self.html, pages)
        self.result = None

    def job_key(self, job: Job) -> str:
        return cache.cache_key(self.base_key, job.kind, job.html)

    def call(self, job: Job) -> tuple[Any, tuple[Any, ...]]:
        return _typeset_job, (job.html, *self.args)

    @property
    def complete(self) -> bool:
        if self.failed:
            return True
        if self.pack is None:
            return self.result is not None
        return self.pack.complete


@dataclasses.dataclass
class Prepared:
    """What a caller that has just loaded the courses and rendered a pack gives the build, so
    that it does not do it again (``coursepack preview``, after each save): the courses as
    checked, the digest of each course folder taken *before* it was loaded and found the same
    after (the target's cache key: never newer than what was read), and the HTML of targets
    that cite no other edition's pages, by target key."""

    checked: Checked
    digests: dict[str, str]  # course id -> cache.tree_digest of its folder
    html: dict[str, str] = dataclasses.field(default_factory=dict)


class Pipeline:
    """Starts and finishes the targets of one build (the scheduler runs what is between)."""

    def __init__(self, checked: Checked, opts: Options, report: Report, prepared: Prepared | None = None) -> None:
        self.checked, self.opts, self.report = checked, opts, report
        self.prepared = prepared
        self.anchors: dict[Family, dict[str, int]] = {}  # the pages of each edition written or cached
        self.theme_digest = cache.tree_digest([default_theme_dir(), Path(__file__).parents[1]]) + fonts.font_css()
        self.course_digest = {
            c.meta.id: prepared.digests[c.meta.id] if prepared else cache.tree_digest([c.root]) for c in checked.courses
        }
        if any(c.meta.citation_style for c in checked.courses):  # (another pandoc may format citations otherwise)
            self.theme_digest += citeproc.pandoc_version()
        self.engine_checked = False

    @staticmethod
    def family(t: Target, edition: str | None = None) -> Family:
        return (t.course.meta.id, t.lang, edition or t.edition.name, t.variant)

    @staticmethod
    def cited(t: Target) -> Family | None:
        return Pipeline.family(t, t.edition.needs) if t.edition.needs else None

    @functools.cache  # noqa: B019 (one pipeline per build; only for targets typeset: a no-op build reads no asset)
    def asset_digest(self, root: Path) -> str:
        return cache.asset_digest(root)

    def start(self, t: Target) -> Built | TargetWork:
        """Steps 1–3: the target taken from the cache, or its HTML rendered and its jobs planned."""
        opts = self.opts
        student_pages = self.anchors.get(self.cited(t)) if t.edition.needs else None  # type: ignore[arg-type]
        epoch = course_epoch(t.course, opts.epoch)
        sheets = stylesheets(t.course, t.lang)
        options = repr((t.edition.name, t.paper, t.variant, t.review, t.item, opts.single))
        key = cache.cache_key(
            t.key,
            self.theme_digest,
            self.course_digest[t.course.meta.id],
            str(epoch),
            str(opts.strict),
            options,
            json.dumps(student_pages, sort_keys=True),
            *(str(s) for s in sheets),
        )
        record = cache.lookup(opts.output, t.key, key, t.output) if opts.use_cache else None
        if record:
            self.anchors[self.family(t)] = record.anchors
            size = t.output.stat().st_size
            return Built(t, record.pages, size, record.sha256, 0.0, True, findings=record.findings or [])
        if not self.engine_checked:
            check_engine()  # before the first document is typeset: an engine we do not know stops the build
            self.engine_checked = True
        roots = [t.course.root, *search_path(t.course.root, t.course.meta.theme)]
        args = (str(t.course.root), [str(s) for s in sheets], [str(r) for r in roots], epoch, t.lang)
        tick = time.perf_counter()
        cited = _Cited(student_pages) if student_pages is not None else None
        given = self.prepared.html.get(t.key) if self.prepared and not t.edition.needs else None
        html = given if given is not None else target_html(t, self.checked, epoch, cited)
        self.report.timings.add("render HTML", time.perf_counter() - tick)
        job_key = cache.cache_key(
            self.theme_digest, self.asset_digest(t.course.root), str(epoch), t.lang, *(str(s) for s in sheets)
        )
        pieces = split(html)
        pack = None
        if pieces is not None and (len(pieces.segments) > 1 or pieces.sheets) and not opts.single:
            # always parts, whatever else is built: the bytes of a pack depend on its inputs only
            hint = hint_from(cache.previous_parts(opts.output, t.key) if opts.use_cache else None)
            pack = Pack(pieces, t.variant.two_sided, hint)
        return TargetWork(t, key, html, args, job_key, pack, pieces, cited.cited() if cited else None)

    def finish(self, work: TargetWork) -> Built | str | None:
        """Steps 4–7: the PDF written (``Built``), a failure (its message), or None when the
        pack needs more jobs first (parts to typeset again with their numbers in the text)."""
        t, opts, report = work.target, self.opts, self.report
        if work.failed:
            return work.failed
        tick = time.perf_counter()
        if work.pack is not None:
            from coursepack.engine.parts.pagerefs import Unpatchable  # (pikepdf: only once a pack is stitched)

            try:
                result = work.pack.result()
            except Unpatchable as exc:  # typeset those parts again, with their numbers in the text
                for k in exc.parts:
                    work.pack.make_literal(k)
                return None
            except Exception as exc:  # a defect in joining the parts: report it, keep the previous PDF
                return f"{t.key}: stitching the parts failed ({type(exc).__name__}: {exc}); the previous PDF was kept"
            finally:
                report.timings.add("stitch parts", time.perf_counter() - tick)
        else:
            assert work.result is not None
            result = dataclasses.replace(work.result)  # (another target may share the result: not in place)
        tick = time.perf_counter()
        laid_out = result.pages  # pages before imposition, which the layout findings name
        result.pdf, result.pages = impose.for_variant(result.pdf, result.pages, t.variant)
        report.timings.add("impose", time.perf_counter() - tick)
        checked, engine, findings = preflight_report.for_target(
            t, result.pdf, result.warnings, result.anchors, laid_out
        )
        warnings = [engine_warning(t, w) for w in engine] + checked
        report.warnings.extend(warnings)
        if opts.strict and warnings:
            return f"{t.key}: {len(warnings)} warning(s) under --strict; the previous PDF was kept"
        tick = time.perf_counter()
        atomic_write(t.output, result.pdf)
        digest = sha256(result.pdf)
        parts_hint: list[dict[str, Any]] | None = None
        if work.pack is not None:
            parts_hint = work.pack.hint()
        elif work.pieces is not None and not t.variant.booklet and not t.variant.n_up:
            parts_hint = layouts_from_single(work.pieces, result, t.variant.two_sided)
        kept = [f.as_json() for f in findings]  # (the manifest keeps them for coursepack preflight)
        record = cache.Record(work.key, digest, result.pages, result.anchors, parts_hint, work.cites, kept)
        cache.store(opts.output, t.key, record)
        report.timings.add("write", time.perf_counter() - tick)
        self.anchors[self.family(t)] = result.anchors
        parts = len(work.pack.split.segments) if work.pack is not None else 1
        return Built(
            t, result.pages, len(result.pdf), digest, result.seconds, False, warnings, parts, work.retypeset, kept
        )


def target_html(t: Target, checked: Checked, epoch: int, student_pages: dict[str, int] | None = None) -> str:
    """The HTML document of a target, as it is typeset: the one place the build's facts
    (paper, variant, date, fallbacks) join the edition's context (the build, the benchmark
    and the golden-HTML tests all render through here)."""
    cid = t.course.meta.id
    fallbacks = checked.fallbacks.get((cid, t.lang), [])
    facts = BuildFacts(
        page=PAPERS[t.paper],
        variant=t.variant,
        created=epoch_to_iso(epoch),
        source_lang=t.course.meta.language,
        review=t.review,
        fallbacks=fallbacks if t.review else [],
        untranslated=untranslated_files(fallbacks, t.edition),
        item=t.item,
    )
    return render_html(
        t.course, t.lang, t.edition, student_pages, facts, checked.localized[(cid, t.course.meta.language)]
    )


def stylesheets(course: Course, lang: str = "en") -> list[Path]:
    """The theme's style.css, rtl.css for right-to-left languages, then the course's extra.css."""
    root = course.root
    dirs = search_path(root, course.meta.theme)
    names = ["style.css"] + (["rtl.css"] if text_direction(lang) == "rtl" else [])
    sheets = [p for p in (find_file(name, dirs) for name in names) if p]
    extra = root / "templates" / "extra.css"
    if extra.is_file():
        sheets.append(extra)
    return sheets


class _Cited(dict[str, int]):
    """The pages of the edition another cites, noting those it looks up (what it prints)."""

    def __init__(self, pages: dict[str, int]) -> None:
        super().__init__(pages)
        self.used: set[str] = set()

    def __getitem__(self, key: str) -> int:
        self.used.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: int | None = None) -> int | None:  # type: ignore[override]
        if key in self:
            self.used.add(key)
        return super().get(key, default)

    def cited(self) -> dict[str, int]:
        return {key: dict.__getitem__(self, key) for key in sorted(self.used)}


def check_engine() -> None:
    """Stop the build, in one line, on an engine version coursepack is not tested with (before
    it is imported: a newer WeasyPrint may not even import)."""
    try:
        engine_versions.check()
    except EngineError as exc:
        raise BuildError(str(exc)) from None


def untranslated_files(fallbacks: list[Fallback], edition: Edition) -> list[str]:
    """The files of a pack still printed in the source language, as its imprint lists them
    (the guide's own files only in editions for instructors)."""
    instructor = "instructor" in edition.audiences
    return sorted({f.path for f in fallbacks if instructor or not f.path.startswith("instructor/")})


def engine_warning(t: Target, warning: str) -> str:
    """A warning of the typesetting of ``t``: at its file and line when it names one (overflow)."""
    found = overflow.untag(warning)
    if found is None:
        return f"warning: {t.key}: WeasyPrint: {warning}"
    path, line, message = found
    return f"{display_path(t.course.root / path)}:{line}: warning: {message} ({t.key})"


def job_failure(exc: BaseException, limits: Limits) -> str:
    """What to say of a typesetting job that failed."""
    from concurrent.futures.process import BrokenProcessPool

    if isinstance(exc, JobTimeout):
        return f"typesetting took longer than {limits.seconds:g} s: simplify the document, or raise --timeout"
    if isinstance(exc, MemoryError):
        return f"typesetting needed more than {limits.memory_mb} MB: simplify the document, or raise --max-memory"
    if isinstance(exc, BrokenProcessPool):
        return "a typesetting process died (out of memory? simplify the document, or raise --max-memory)"
    return f"typesetting failed ({type(exc).__name__}: {exc})"
