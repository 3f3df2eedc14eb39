"""The orchestrator: gather and validate everything, then typeset and write each target.

Phase 1 loads and validates every course (nothing is written if anything is wrong).
Phase 2 renders HTML, skips targets whose inputs are unchanged, and typesets the rest in
one pool of worker processes: long packs as parts (``assemble``), the others whole, the
largest jobs first, jobs typeset by an earlier build reused. An edition that cites
another's pages waits for it. Each PDF is written atomically, then the manifest.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import json
import os
import resource
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any

from coursepack import fonts, plugins
from coursepack.atomic import atomic_write, sha256
from coursepack.build import cache
from coursepack.build.write import OutputLock, check_manifest, write_manifest
from coursepack.content import translation
from coursepack.content.load import load_course
from coursepack.content.localize import Fallback, localize
from coursepack.content.model import Course
from coursepack.content.validate import check_coverage, validate_course, validate_translation
from coursepack.engine import EngineError, overflow, workers
from coursepack.engine import versions as engine_versions
from coursepack.engine.parts.plan import Job, Pack, hint_from, layouts_from_single
from coursepack.engine.parts.split import Split, split
from coursepack.engine.typeset import TypesetResult, epoch_to_iso, load_engine
from coursepack.engine.typeset import typeset_job as _typeset_job
from coursepack.engine.typeset import warm_job as _warm_job
from coursepack.engine.workers import BuildTemp, JobTimeout, Limits
from coursepack.errors import BuildError, ContentError, Diagnostics, display_path
from coursepack.i18n import text_direction
from coursepack.matrix import PAPERS, Target, Variant, output_stem, plan_targets
from coursepack.print import impose
from coursepack.print.preflight import report as preflight_report
from coursepack.render.editions import EDITIONS, Edition
from coursepack.render.html import check_rendering, render_html
from coursepack.render.theme import check_templates, default_theme_dir, find_file, search_path


@dataclass
class Options:
    output: Path
    langs: list[str] | None = None
    editions: list[str] | None = None
    jobs: int = 1
    strict: bool = False
    use_cache: bool = True
    epoch: int | None = None  # SOURCE_DATE_EPOCH; default: each course's date
    review: bool = False  # mark fallback text, list it, and add bilingual proofs
    variants: list[Variant] | None = None  # None: the plain packs and the course's print_variants
    single: bool = False  # typeset each pack as one document instead of parts
    shard: tuple[int, int] | None = None  # (k, n): build only the k-th of n shares of the targets
    limits: Limits = field(default_factory=Limits)  # each typesetting job's time and memory
    wait: bool = True  # for another build that holds the output folder (False: fail at once)


@dataclass
class Built:
    """What happened to one target."""

    target: Target
    pages: int
    size: int
    digest: str
    seconds: float
    cached: bool
    warnings: list[str] = field(default_factory=list)
    parts: int = 1  # documents typeset separately and stitched
    retypeset: int = 0  # parts typeset again because the page plan moved
    findings: list[dict[str, Any]] = field(default_factory=list)  # preflight's, made on the engine's boxes


@dataclass
class Progress:
    """Counts for a progress display."""

    targets: int = 0
    targets_done: int = 0
    parts_total: int = 0
    parts_done: int = 0
    pages_done: int = 0


@dataclass
class Timings:
    """Seconds per stage; the typesetting stages add up the worker processes' time."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


REPORT_VERSION = 1


@dataclass
class Report:
    built: list[Built] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)  # translations whose source changed since
    stale: list[str] = field(default_factory=list)  # PDFs not built this time that cite pages which moved
    folders: dict[str, str] = field(default_factory=dict)  # course id -> its folder, as the user would type it
    manifest: Path | None = None
    seconds: float = 0.0
    timings: Timings = field(default_factory=Timings)
    overhead: float = 0.0  # seconds the main process spent on its own work, not waiting for typesetting
    engine_cpu: float = 0.0  # processor seconds inside WeasyPrint (layout, PDF) for the documents typeset
    documents: int = 0  # documents typeset (parts, furniture, whole packs)
    peak_mb: dict[str, float] = field(default_factory=dict)

    def as_json(self, processor_seconds: float | None = None) -> dict[str, Any]:
        """The report as ``coursepack build --json`` prints it (version 1; docs/cli.md): what a
        CI job or the benchmark reads instead of the lines meant for people."""
        made = [b for b in self.built if not b.cached]
        return {
            "version": REPORT_VERSION,
            "ok": not self.failures,
            "built": [
                {
                    "target": b.target.key,
                    "path": display_path(b.target.output),
                    "pages": b.pages,
                    "bytes": b.size,
                    "sha256": b.digest,
                    "seconds": round(b.seconds, 3),
                    "cached": b.cached,
                    "parts": b.parts,
                    "retypeset": b.retypeset,
                }
                for b in self.built
            ],
            "summary": {
                "pdfs_built": len(made),
                "pdfs_unchanged": len(self.built) - len(made),
                "pages": sum(b.pages for b in self.built),
                "documents_typeset": self.documents,
                "seconds": round(self.seconds, 3),
                "engine_processor_seconds": round(self.engine_cpu, 3),
                "processor_seconds": None if processor_seconds is None else round(processor_seconds, 3),
                "main_process_busy_seconds": round(self.overhead, 3),
                "peak_mb": {who: round(mb, 1) for who, mb in self.peak_mb.items()},
                "stages": {stage: round(sec, 3) for stage, sec in self.timings.stages.items()},
            },
            "failures": self.failures,
            "warnings": self.warnings,
            "fallbacks": self.fallbacks,
            "outdated": self.outdated,
            "stale": self.stale,
            "manifest": display_path(self.manifest) if self.manifest else None,
        }


@dataclass
class Checked:
    """Every course in every language, validated, with what falls back to the source language."""

    courses: list[Course]
    localized: dict[tuple[str, str], Course]
    fallbacks: dict[tuple[str, str], list[Fallback]]
    diags: Diagnostics


def load_and_check(course_dirs: list[Path], strict: bool = False, langs: list[str] | None = None) -> Checked:
    """Load and validate every course and language (or only ``langs``, with the source each is
    translated from); raise ContentError with every problem found."""
    plugins.load()  # (once per process; the CLI loads them first, to offer their editions)
    diags = Diagnostics()
    checked = Checked([], {}, {}, diags)
    for root in course_dirs:
        course = load_course(root, diags)
        if course is None:
            continue
        other = next((c for c in checked.courses if c.meta.id == course.meta.id), None)
        if other is not None:
            diags.error(
                *course.positions.get("course.id", (root / "course.yaml", 1, 1)),
                f"course id '{course.meta.id}' is also the id of {display_path(other.root)}: "
                "give each course its own id (their PDFs would be written to the same folder)",
            )
            continue
        before = len(diags.errors)
        ids = validate_course(course, diags)
        check_templates(course.root, diags, course.meta.theme)
        if len(diags.errors) == before:  # (a course with errors is not rendered: they are reported already)
            check_rendering(course, diags)
        checked.courses.append(course)
        for lang in course.languages:
            wanted = not langs or lang in langs
            if not wanted and lang != course.meta.language:
                continue  # a translation not built now: its problems do not stop this build
            localized, fallbacks = localize(course, lang, diags)
            if lang != course.meta.language:
                validate_translation(course, localized, ids, diags)
            if wanted:
                check_coverage(localized, lang, diags)
            checked.localized[(course.meta.id, lang)] = localized
            checked.fallbacks[(course.meta.id, lang)] = fallbacks
    diags.raise_if(strict)
    return checked


def course_epoch(course: Course, epoch: int | None) -> int:
    if epoch is not None:
        return epoch
    return int(dt.datetime.combine(course.meta.date, dt.time(), dt.UTC).timestamp())


def _stylesheets(course: Course, lang: str = "en") -> list[Path]:
    """The theme's style.css, rtl.css for right-to-left languages, then the course's extra.css."""
    dirs = search_path(course.root, course.meta.theme)
    names = ["style.css"] + (["rtl.css"] if text_direction(lang) == "rtl" else [])
    sheets = [p for p in (find_file(name, dirs) for name in names) if p]
    extra = course.root / "templates" / "extra.css"
    if extra.is_file():
        sheets.append(extra)
    return sheets


class _Inline:
    """An executor that runs each job when it is submitted (``--jobs 1``)."""

    def submit(self, fn: Callable[..., TypesetResult], *args: object) -> Future[TypesetResult]:
        future: Future[TypesetResult] = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        pass


@dataclass
class _Work:
    """A target being typeset: as one document, or as a pack of parts."""

    target: Target
    key: str
    html: str
    args: tuple[str, list[str], list[str], int, str]  # base, sheets, roots, epoch, lang
    job_key: str  # what every job of this target shares: theme, assets, fonts, options
    pack: Pack | None
    pieces: Split | None = None  # the parts the document has, typeset or not
    result: TypesetResult | None = None
    failed: str | None = None
    inflight: int = 0
    retypeset: int = 0
    cites: dict[str, int] | None = None  # the pages of the edition it cites, those it printed

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

    def accept(self, job: Job, result: TypesetResult) -> None:
        if self.pack is not None and job.kind != "single":
            if job.kind == "part" and self.pack.results[job.index] is not None:
                self.retypeset += 1
            self.pack.accept(job, result)
        elif job.kind == "single":
            self.result = result

    @property
    def complete(self) -> bool:
        if self.failed:
            return True
        if self.pack is None:
            return self.result is not None
        return self.pack.complete


def build(
    course_dirs: list[Path],
    opts: Options,
    progress: Callable[[Built], None] | None = None,
    on_job: Callable[[Progress], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Report:
    """Build every target of the given courses. Raises ContentError before writing anything.

    The output folder is locked for the build (a second build into it waits, and ``notify``
    says so; with ``opts.wait`` off it fails at once); a manifest.json that coursepack did not
    write stops the build before anything is written.
    """
    start = time.perf_counter()
    checked = load_and_check(course_dirs, opts.strict, opts.langs)
    targets = plan_targets(checked.localized, opts.output, opts.langs, opts.editions, opts.review, opts.variants)
    if opts.shard:
        targets = shard(targets, *opts.shard)
    with OutputLock(opts.output, opts.wait, notify):  # (nothing is written to the folder before)
        check_manifest(opts.output)
        return _build(checked, targets, opts, start, progress, on_job)


def _build(
    checked: Checked,
    targets: list[Target],
    opts: Options,
    start: float,
    progress: Callable[[Built], None] | None,
    on_job: Callable[[Progress], None] | None,
) -> Report:
    courses = checked.courses
    report = Report(warnings=[str(d) for d in checked.diags.warnings])
    report.timings.add("load and check", time.perf_counter() - start)
    # the fallbacks of the packs being built: instructor files only where an edition shows them
    report.folders = {c.meta.id: display_path(c.root) for c in courses}
    packs = {(t.course.meta.id, t.lang) for t in targets}
    teaching = {(t.course.meta.id, t.lang) for t in targets if "instructor" in t.edition.audiences}
    for (cid, lang), items in sorted(checked.fallbacks.items()):
        report.fallbacks.extend(
            f"{cid}/{lang}: {f.path}: {f.what} in {lang_name(f.lang, source_of(courses, cid))}"
            for f in items
            if (cid, lang) in packs and ((cid, lang) in teaching or not f.path.startswith("instructor/"))
        )
    for course in courses:
        for lang in course.languages:
            if lang != course.meta.language and (not opts.langs or lang in opts.langs):
                report.outdated.extend(
                    f"{course.meta.id}/{lang}: {rel} changed since it was translated "
                    f"(`coursepack status {display_path(course.root)} --lang {lang}` shows how)"
                    for rel in translation.outdated(course, lang)
                )
    theme_digest = cache.tree_digest([default_theme_dir(), Path(__file__).parents[1]]) + fonts.font_css()
    course_digest = {c.meta.id: cache.tree_digest([c.root]) for c in courses}
    anchors: dict[tuple[str, str, str, Variant], dict[str, int]] = {}
    failed: set[tuple[str, str, str, Variant]] = set()
    state = Progress(targets=len(targets))
    executor: ProcessPoolExecutor | _Inline = _Inline()
    forked = opts.jobs > 1 and start_method() == "fork"
    temp = BuildTemp().__enter__()  # (left in ``finally`` below)
    workers.LIMITS = opts.limits  # (the jobs this process runs itself: --jobs 1)

    def pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=opts.jobs,
            mp_context=get_context("fork" if forked else "spawn"),
            initializer=workers.init_worker,
            initargs=(str(temp.path), opts.limits, forked),
        )

    if opts.jobs > 1:
        executor = pool()
    queue: list[tuple[_Work, Job]] = []
    inflight: dict[Future[TypesetResult], tuple[_Work, Job, str]] = {}
    works: list[_Work] = []
    waiting = list(targets)
    waited = 0.0
    warming: list[Future[tuple[int, float]]] = []
    warm_sheets: tuple[tuple[str, ...], str] | None = None  # set when the workers are started
    typesetters: set[tuple[int, tuple[str, ...], str]] = set()  # (worker, stylesheets, language) of each job

    @functools.cache
    def asset_digest(root: Path) -> str:  # only for a target that is typeset: a no-op build reads no asset twice
        return cache.asset_digest(root)

    def family(t: Target, edition: str) -> tuple[str, str, str, Variant]:
        return (t.course.meta.id, t.lang, edition, t.variant)

    def done(built: Built) -> None:
        report.built.append(built)
        state.targets_done += 1
        if progress:
            progress(built)

    def begin(t: Target) -> None:
        """Skip an unchanged target, or render its HTML and queue its typesetting."""
        nonlocal warm_sheets
        cid = t.course.meta.id
        student_pages = anchors.get(family(t, t.edition.needs)) if t.edition.needs else None
        epoch = course_epoch(t.course, opts.epoch)
        sheets = _stylesheets(t.course, t.lang)
        options = repr((t.edition.name, t.paper, t.variant, t.review, t.item, opts.single))
        # the key covers every input, so an unchanged target is skipped without rendering anything:
        # the course's files (translations included), the theme and the tool, the options, and the
        # page numbers this edition cites
        key = cache.cache_key(
            t.key,
            theme_digest,
            course_digest[cid],
            str(epoch),
            str(opts.strict),
            options,
            json.dumps(student_pages, sort_keys=True),
            *(str(s) for s in sheets),
        )
        record = cache.lookup(opts.output, t.key, key, t.output) if opts.use_cache else None
        if record:
            anchors[family(t, t.edition.name)] = record.anchors
            done(
                Built(
                    t, record.pages, t.output.stat().st_size, record.sha256, 0.0, True, findings=record.findings or []
                )
            )
            return
        roots = [t.course.root, *search_path(t.course.root, t.course.meta.theme)]
        args = (str(t.course.root), [str(s) for s in sheets], [str(r) for r in roots], epoch, t.lang)
        if warm_sheets is None:
            check_engine()  # before the first document is typeset: an engine we do not know stops the build
        if warm_sheets is None and isinstance(executor, ProcessPoolExecutor):
            # the first target to typeset starts the workers: now, not after its HTML
            warming.extend(start_workers(executor, forked, opts.jobs, args[1], args[2], t.lang))
            warm_sheets = (tuple(args[1]), t.lang)
        tick = time.perf_counter()
        cited = _Cited(student_pages) if student_pages is not None else None
        html = target_html(t, checked, epoch, cited)
        report.timings.add("render HTML", time.perf_counter() - tick)
        job_key = cache.cache_key(
            theme_digest, asset_digest(t.course.root), str(epoch), t.lang, *(str(s) for s in sheets)
        )
        pieces = split(html)
        pack = None
        if pieces is not None and len(pieces.segments) > 1 and not opts.single:
            # always parts, whatever else is built: the bytes of a pack depend on its inputs only
            hint = hint_from(cache.previous_parts(opts.output, t.key) if opts.use_cache else None)
            pack = Pack(pieces, t.variant.two_sided, hint)
        works.append(_Work(t, key, html, args, job_key, pack, pieces, cites=cited.cited() if cited else None))
        poll(works[-1])
        if isinstance(executor, ProcessPoolExecutor):
            submit()  # the workers start on this target while the next one's HTML is rendered

    def submit() -> None:
        """Start queued jobs while workers are free, in ``Job.order`` across every target."""
        nonlocal waited, executor
        queue.sort(key=lambda wj: wj[1].order)
        while queue and len(inflight) < opts.jobs:
            work, job = queue.pop(0)
            if work.failed:
                work.inflight -= 1
                continue
            if work.pack is not None:  # parts measured since it was queued may have changed its digit counts
                fresh = work.pack.refresh(job)
                if fresh is None:  # the part as already typeset fits the plan after all
                    work.inflight -= 1
                    state.parts_total -= 1
                    continue
                job = fresh
            tick = time.perf_counter()
            try:
                future = executor.submit(_typeset_job, job.html, *work.args)
            except BrokenProcessPool:  # a worker died (its jobs are reported): typeset the rest in new ones
                executor.shutdown(wait=False, cancel_futures=True)
                executor = pool()
                future = executor.submit(_typeset_job, job.html, *work.args)
            waited += time.perf_counter() - tick  # all of it with --jobs 1, which typesets right here
            inflight[future] = (work, job, _job_key(work, job))

    def poll(work: _Work) -> None:
        """Queue the jobs a target can start now; jobs already typeset in an earlier build are reused."""
        while True:
            jobs = work.next_jobs()
            fresh = []
            for job in jobs:
                hit = cache.job_lookup(opts.output, _job_key(work, job)) if opts.use_cache else None
                if work.pack is not None:
                    work.pack.started(job)
                if hit is not None:
                    work.accept(job, hit)
                else:
                    fresh.append(job)
            for job in fresh:
                queue.append((work, job))
                work.inflight += 1
                state.parts_total += 1
            if fresh or not jobs:
                return

    def finish(work: _Work) -> None:
        t = work.target
        fam = family(t, t.edition.name)
        if work.failed:
            works.remove(work)
            failed.add(fam)
            report.failures.append(work.failed)
            return
        tick = time.perf_counter()
        if work.pack is not None:
            from coursepack.engine.parts.pagerefs import Unpatchable  # (pikepdf: only once a pack is stitched)

            try:
                result = work.pack.result()
            except Unpatchable as exc:  # typeset those parts again, with their numbers in the text
                for k in exc.parts:
                    work.pack.make_literal(k)
                poll(work)
                return
            except Exception as exc:  # a defect in joining the parts: report it, keep the previous PDF
                work.failed = (
                    f"{work.target.key}: stitching the parts failed ({type(exc).__name__}: {exc}); "
                    "the previous PDF was kept"
                )
                finish(work)
                return
            finally:
                report.timings.add("stitch parts", time.perf_counter() - tick)
        else:
            assert work.result is not None
            result = work.result
        works.remove(work)
        tick = time.perf_counter()
        if t.variant.print_shop and not t.variant.booklet and not t.variant.n_up:
            result.pdf = impose.crop_marks(result.pdf)
        laid_out = result.pages  # pages before imposition, which the layout findings name
        if t.variant.booklet:
            result.pdf, result.pages = impose.booklet(result.pdf), (result.pages + 3) // 4 * 2
        elif t.variant.n_up:
            result.pdf, result.pages = impose.n_up(result.pdf, t.variant.n_up), -(-result.pages // t.variant.n_up)
        report.timings.add("impose", time.perf_counter() - tick)
        # preflight of what is written: the engine's layout findings and the checks on the PDF (docs/print.md)
        checked, engine, findings = preflight_report.for_target(
            t, result.pdf, result.warnings, result.anchors, laid_out
        )
        warnings = [_engine_warning(t, w) for w in engine] + checked
        report.warnings.extend(warnings)
        if opts.strict and warnings:
            failed.add(fam)
            report.failures.append(f"{t.key}: {len(warnings)} warning(s) under --strict; the previous PDF was kept")
            return
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
        anchors[fam] = result.anchors
        parts = len(work.pack.split.segments) if work.pack is not None else 1
        done(
            Built(
                t, result.pages, len(result.pdf), digest, result.seconds, False, warnings, parts, work.retypeset, kept
            )
        )

    def start_ready() -> None:
        for t in list(waiting):
            dep = family(t, t.edition.needs) if t.edition.needs else None
            if dep is not None and dep in failed:
                waiting.remove(t)
                failed.add(family(t, t.edition.name))
                report.failures.append(f"{t.key}: not built because {'/'.join(dep[:3])} failed")
            elif dep is None or dep in anchors or not any(family(o, o.edition.name) == dep for o in targets):
                waiting.remove(t)
                begin(t)

    try:
        start_ready()
        while works or waiting:
            for work in [w for w in works if w.complete and not w.inflight]:
                finish(work)
            start_ready()
            for work in works:
                if not work.inflight or (not queue and len(inflight) < opts.jobs):
                    poll(work)  # with a worker free, a pack may have a speculative job for it
            submit()
            if not inflight:
                if any(w.complete for w in works) or not waiting:
                    continue
                break  # nothing can move: a dependency was never planned
            tick = time.perf_counter()
            finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
            waited += time.perf_counter() - tick
            for future in finished:
                work, job, job_key = inflight.pop(future)
                work.inflight -= 1
                try:
                    result = future.result()
                except Exception as exc:  # a crash inside the engine, or a limit: report, keep the old PDF
                    work.failed = f"{work.target.key}: {_job_failure(exc, opts.limits)}; the previous PDF was kept"
                    continue
                report.timings.add("typeset: layout", result.layout_seconds)
                report.engine_cpu += result.cpu_seconds
                typesetters.add((result.pid, tuple(work.args[1]), work.args[4]))
                report.timings.add("typeset: write PDF", result.seconds - result.layout_seconds)
                cache.job_store(opts.output, job_key, result)
                work.accept(job, result)
                state.parts_done += 1
                state.pages_done += result.pages
                if on_job:
                    on_job(state)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: end the workers now, do not wait
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        workers.terminate(iter(processes))
        raise
    finally:
        tick = time.perf_counter()
        executor.shutdown(cancel_futures=True)
        waited += time.perf_counter() - tick
        temp.__exit__()
    # A worker's warm-up is the engine's work (parsing the stylesheets, loading fonts, a
    # paragraph) that its first document would otherwise do: counted as such when that worker
    # then typeset with those stylesheets; otherwise it was wasted, and counts as overhead.
    for f in warming:
        if f.done() and not f.cancelled() and f.exception() is None and warm_sheets is not None:
            pid, cpu = f.result()
            if (pid, *warm_sheets) in typesetters:
                report.engine_cpu += cpu
    report.stale = _stale_dependents(targets, anchors, opts.output)
    report.documents = state.parts_done
    report.peak_mb = {
        "main process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "largest worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    if report.built or opts.shard:  # a shard with no target still says so, for `manifest merge`
        entries = [
            {
                "path": b.target.output.relative_to(opts.output).as_posix(),
                "course": b.target.course.meta.id,
                "language": b.target.lang,
                "edition": b.target.edition.name,
                "paper": b.target.paper,
                "variant": b.target.variant.suffix(b.target.course.meta.paper).lstrip("-") or "plain",
                "pages": b.pages,
                "bytes": b.size,
                "sha256": b.digest,
                **({"findings": b.findings} if b.findings else {}),
            }
            for b in report.built
        ]
        report.manifest = write_manifest(opts.output, entries)
    if any(not b.cached for b in report.built):
        cache.prune_jobs(opts.output)
    report.seconds = time.perf_counter() - start
    report.overhead = report.seconds - waited
    report.timings.add("total (wall clock)", report.seconds)
    return report


def target_html(t: Target, checked: Checked, epoch: int, student_pages: dict[str, int] | None = None) -> str:
    """The HTML document of a target, as it is typeset: the one place the build's facts
    (paper, variant, date, fallbacks) join the edition's context (the build, the benchmark
    and the golden-HTML tests all render through here)."""
    from coursepack.resolve.views import BuildFacts

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


def _stale_dependents(
    targets: list[Target], anchors: dict[tuple[str, str, str, Variant], dict[str, int]], output: Path
) -> list[str]:
    """Editions not built this time that cite pages of one that was, as they are now: which print
    a page that moved since they were built (every build of the cited edition says so until they
    are built again)."""
    stale = []
    built = {t.output for t in targets}
    for t in targets:
        pages = anchors.get((t.course.meta.id, t.lang, t.edition.name, t.variant))
        if pages is None or t.item:
            continue
        rest = t.output.name[len(output_stem(t.edition)) :]  # the variant's suffix: "-a5.pdf", ".pdf"...
        lang_dir, head = t.output.parent, f"{t.course.meta.id}/{t.lang}/"
        for dep in (e for e in EDITIONS.values() if e.needs == t.edition.name):
            items = t.course.exercise_order if dep.per_exercise else [None]
            for path in (lang_dir / (output_stem(dep, item) + rest) for item in items):
                if not path.is_file() or path in built:
                    continue
                cited = cache.previous_cites(output, head + path.relative_to(lang_dir).as_posix().removesuffix(".pdf"))
                if cited and any(pages.get(k) != page for k, page in cited.items()):
                    stale.append(
                        f"{display_path(path)} cites pages of {t.key} that moved: build it again (--edition {dep.name})"
                    )
    return stale


# Workers are forked where that is safe (Linux), from the main process with the engine already
# imported: each starts in milliseconds instead of paying Python's start-up and WeasyPrint's
# import (0.45 s of processor time each). Elsewhere they are spawned (macOS frameworks are not
# fork-safe; Windows cannot fork).
FORK = sys.platform == "linux" and "fork" in get_all_start_methods()


def start_method() -> str:
    """``fork`` where it is safe: on Linux, from a process running no other thread (a program
    that calls ``build`` from a threaded process gets spawned workers: a thread holding a lock
    at the fork would leave it locked in the child forever)."""
    return "fork" if FORK and threading.active_count() == 1 else "spawn"


def check_engine() -> None:
    """Stop the build, in one line, on an engine version coursepack is not tested with (before
    it is imported: a newer WeasyPrint may not even import)."""
    try:
        engine_versions.check()
    except EngineError as exc:
        raise BuildError(str(exc)) from None


def start_workers(
    executor: ProcessPoolExecutor, forked: bool, jobs: int, sheets: list[str], roots: list[str], lang: str
) -> list[Future[tuple[int, float]]]:
    """Start the worker processes and have each parse the stylesheets and typeset a paragraph.

    Called once, when the first target needs typesetting (a build with nothing to do never
    loads the engine), before its HTML is rendered: the workers warm up meanwhile. With
    ``fork``, the first submission forks every worker; the engine is imported first, and the
    objects that exist are frozen out of the garbage collector so that the workers do not
    copy the pages that hold them.
    """
    if forked:
        try:
            load_engine()
        except EngineError as exc:  # checked already; a patch that no longer fits what it replaces
            raise BuildError(str(exc)) from None
        except Exception:  # e.g. no Pango: each worker fails to import it too, and says so
            pass
        gc.freeze()
    try:
        return [executor.submit(_warm_job, sheets, roots, lang) for _ in range(jobs)]
    finally:
        gc.unfreeze()


def untranslated_files(fallbacks: list[Fallback], edition: Edition) -> list[str]:
    """The files of a pack still printed in the source language, as its imprint lists them
    (the guide's own files only in editions for instructors)."""
    instructor = "instructor" in edition.audiences
    return sorted({f.path for f in fallbacks if instructor or not f.path.startswith("instructor/")})


def _engine_warning(t: Target, warning: str) -> str:
    """A warning of the typesetting of ``t``: at its file and line when it names one (overflow)."""
    found = overflow.untag(warning)
    if found is None:
        return f"warning: {t.key}: WeasyPrint: {warning}"
    path, line, message = found
    return f"{display_path(t.course.root / path)}:{line}: warning: {message} ({t.key})"


def _job_failure(exc: BaseException, limits: Limits) -> str:
    """What to say of a typesetting job that failed."""
    if isinstance(exc, JobTimeout):
        return f"typesetting took longer than {limits.seconds:g} s: simplify the document, or raise --timeout"
    if isinstance(exc, MemoryError):
        return f"typesetting needed more than {limits.memory_mb} MB: simplify the document, or raise --max-memory"
    if isinstance(exc, BrokenProcessPool):
        return "a typesetting process died (out of memory? simplify the document, or raise --max-memory)"
    return f"typesetting failed ({type(exc).__name__}: {exc})"


def _job_key(work: _Work, job: Job) -> str:
    return cache.cache_key(work.job_key, job.kind, job.html)


def shard(targets: list[Target], k: int, n: int) -> list[Target]:
    """The k-th of n deterministic shares of the targets (1-based).

    A target and the edition whose pages it cites stay in one shard: shares are made of
    (course, language, variant) families, dealt out in a fixed order.
    """
    families = sorted({(t.course.meta.id, t.lang, repr(t.variant)) for t in targets})
    mine = {f for i, f in enumerate(families) if i % n == k - 1}
    return [t for t in targets if (t.course.meta.id, t.lang, repr(t.variant)) in mine]


def source_of(courses: list[Course], cid: str) -> str:
    return next(c.meta.language for c in courses if c.meta.id == cid)


def lang_name(_lang: str, source: str) -> str:
    """'the source language (en)'."""
    return f"the source language ({source})"


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


__all__ = ["BuildError", "ContentError", "Options", "Report", "build", "display_path", "load_and_check"]
