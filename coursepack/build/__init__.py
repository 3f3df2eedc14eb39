"""The build: every course checked, then each target typeset and written.

Phase 1 (``checked``) loads and validates every course and language: nothing is written if
anything is wrong. Phase 2 runs each target through its pipeline (``pipeline``: key, HTML,
jobs; then join, print, preflight, write) while the scheduler (``scheduler``) runs the jobs of
every target in one pool of worker processes, largest first, each identical job once. An edition
that cites another's pages waits for it. Each PDF is written atomically, then the manifest;
the ``Report`` says what happened (``report``; ``--json`` for CI).
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coursepack.build import cache
from coursepack.build.checked import Checked, course_epoch, load_and_check
from coursepack.build.options import Options
from coursepack.build.pipeline import Pipeline, Prepared, TargetWork, job_failure, stylesheets, target_html
from coursepack.build.report import Built, Progress, Report, manifest_entries
from coursepack.build.scheduler import Graph, Pool, Scheduler
from coursepack.build.sharding import shard
from coursepack.build.write import OutputLock, check_manifest, write_manifest
from coursepack.content import translation
from coursepack.content.model import Course
from coursepack.engine.typeset import TypesetResult
from coursepack.engine.workers import BuildTemp
from coursepack.errors import BuildError, ContentError, display_path
from coursepack.matrix import ONLY_EDITIONS, Target, Variant, only_targets, output_stem, plan_targets
from coursepack.render.editions import EDITIONS


def build(
    course_dirs: list[Path],
    opts: Options,
    progress: Callable[[Built], None] | None = None,
    on_job: Callable[[Progress], None] | None = None,
    notify: Callable[[str], None] | None = None,
    workers: Pool | None = None,
    prepared: Prepared | None = None,
) -> Report:
    """Build every target of the given courses. Raises ContentError before writing anything.

    ``workers``: a pool of typesetting processes that outlives the build (``coursepack
    preview`` keeps one warm from edit to edit); the build neither closes nor ends it, and
    uses its temporary folder (it must be made with ``kept=True``). Without it, the build
    starts its own and ends it. ``prepared``: the courses already loaded and checked, and
    HTML already rendered, by the caller (``pipeline.Prepared``).

    The output folder is locked for the build (a second build into it waits, and ``notify``
    says so; with ``opts.wait`` off it fails at once); a manifest.json that coursepack did not
    write stops the build before anything is written.
    """
    if workers is not None and workers.forked:
        raise ValueError("a pool kept from build to build must be made with Pool(..., kept=True)")
    start = time.perf_counter()
    checked = prepared.checked if prepared else load_and_check(course_dirs, opts.strict, opts.langs)
    editions = ONLY_EDITIONS if opts.only else opts.editions
    targets = plan_targets(checked.localized, opts.output, opts.langs, editions, opts.review, opts.variants)
    if opts.only:
        targets = only_targets(targets, checked.courses, opts.only)
    if opts.shard:
        targets = shard(targets, *opts.shard)
    with OutputLock(opts.output, opts.wait, notify):  # (nothing is written to the folder before)
        check_manifest(opts.output)
        report = Report(warnings=[str(d) for d in checked.diags.warnings])
        report.timings.add("load and check", time.perf_counter() - start)
        _notes(report, checked, targets, opts)
        if workers is not None:
            waited = _make(checked, targets, opts, report, workers.temp, progress, on_job, workers, prepared)
        else:
            with BuildTemp() as temp:
                waited = _make(checked, targets, opts, report, str(temp.path), progress, on_job)
        report.peak_mb = {
            "main process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "largest worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        }
        if report.built or opts.shard:  # a shard with no target still says so, for `manifest merge`
            report.manifest = write_manifest(opts.output, manifest_entries(report, opts.output))
        if any(not b.cached for b in report.built):
            cache.prune_jobs(opts.output)
        report.seconds = time.perf_counter() - start
        report.overhead = report.seconds - waited
        report.timings.add("total (wall clock)", report.seconds)
        return report


class _JobCache:
    """The job cache of the output folder: a job typeset by an earlier build is reused when the
    build may (not with ``--no-cache``); one typeset earlier in this build always is (the same
    sheet in a handout and in the booklet is typeset once, even in a cold build)."""

    def __init__(self, output: Path, reuse: bool) -> None:
        self.output, self.reuse = output, reuse

    def lookup(self, key: str) -> TypesetResult | None:
        return cache.job_lookup(self.output, key) if self.reuse else None

    def recall(self, key: str) -> TypesetResult | None:
        return cache.job_lookup(self.output, key)

    def store(self, key: str, result: TypesetResult) -> None:
        cache.job_store(self.output, key, result)


def _make(
    checked: Checked,
    targets: list[Target],
    opts: Options,
    report: Report,
    temp: str,
    progress: Callable[[Built], None] | None,
    on_job: Callable[[Progress], None] | None,
    workers: Pool | None = None,
    prepared: Prepared | None = None,
) -> float:
    """Phase 2: every target through its pipeline, the jobs through the scheduler. Returns the
    seconds the main process spent waiting for typesetting (the rest is its own work)."""
    pipeline = Pipeline(checked, opts, report, prepared)
    pool = workers or Pool(opts.jobs, temp, opts.limits)
    scheduler: Scheduler[Any, TypesetResult] = Scheduler(pool, pool.jobs, _JobCache(opts.output, opts.use_cache))
    graph = Graph(targets, pipeline.family, pipeline.cited)
    state = Progress(targets=len(targets))
    works: list[TargetWork] = []
    typesetters: set[tuple[int, tuple[str, ...], str]] = set()  # (worker, stylesheets, language) of each job
    waited = 0.0

    def done(built: Built) -> None:
        report.built.append(built)
        graph.done.add(pipeline.family(built.target))
        state.targets_done += 1
        if progress:
            progress(built)

    def failed(t: Target, message: str) -> None:
        graph.failed.add(pipeline.family(t))
        report.failures.append(message)

    try:
        while True:
            for work in [w for w in works if w.complete and not w.inflight]:
                outcome = pipeline.finish(work)
                if outcome is None:  # more jobs first
                    scheduler.poll(work)
                    continue
                works.remove(work)
                if isinstance(outcome, str):
                    failed(work.target, outcome)
                else:
                    done(outcome)
            for t, dep in graph.ready():
                if dep is not None:
                    report.failures.append(f"{t.key}: not built because {'/'.join(dep[:3])} failed")
                    continue
                started = pipeline.start(t)
                if isinstance(started, Built):
                    done(started)
                    continue
                if pool.processes and pool.warm_sheets is None:  # the first target to typeset starts the workers
                    pool.warm(started.args[1], started.args[2], t.lang)
                works.append(started)
                scheduler.poll(started)
                scheduler.fill()  # the workers start on this target while the next one's HTML is rendered
            if not works and not graph.waiting:
                break
            for work in works:
                if not work.inflight or scheduler.idle_slot:
                    scheduler.poll(work)  # with a worker free, a pack may have a speculative job for it
            scheduler.fill()
            if not scheduler.busy:
                if any(w.complete for w in works) or not graph.waiting:
                    continue
                break  # nothing can move: a dependency was never planned
            tick = time.perf_counter()
            finished = scheduler.wait()
            waited += time.perf_counter() - tick
            counted: set[str] = set()
            for d in finished:
                owner = d.work
                assert isinstance(owner, TargetWork)
                if d.error is not None or d.result is None:
                    if not owner.failed:
                        owner.failed = f"{owner.target.key}: {job_failure(d.error or RuntimeError(), opts.limits)}; the previous PDF was kept"
                    continue
                result = d.result
                if d.key not in counted:  # a result shared by two targets was typeset once
                    counted.add(d.key)
                    report.timings.add("typeset: layout", result.layout_seconds)
                    report.timings.add("typeset: write PDF", result.seconds - result.layout_seconds)
                    report.engine_cpu += result.cpu_seconds
                    state.parts_done += 1
                    state.pages_done += result.pages
                typesetters.add((result.pid, tuple(owner.args[1]), owner.args[4]))
                owner.accept(d.job, result)
            state.parts_total = scheduler.queued - scheduler.shared
            if on_job and finished:
                on_job(state)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM) or failed: end the workers now, do not wait
        if workers is None:
            pool.kill()
        raise
    finally:
        tick = time.perf_counter()
        if workers is None:
            pool.close()
        waited += time.perf_counter() - tick
    report.engine_cpu += pool.warm_up_cpu(typesetters)
    report.documents = state.parts_done
    report.stale = _stale_dependents(targets, pipeline.anchors, opts.output)
    return waited


def _notes(report: Report, checked: Checked, targets: list[Target], opts: Options) -> None:
    """What the report says before anything is typeset: the text of the packs being built that
    falls back to the source language (the guide's own files only where an edition shows them),
    and the translations whose source changed since."""
    courses = checked.courses
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


def remember() -> None:
    """In a process that builds the same packs again and again (``coursepack preview``): keep
    what one build can give the next where its input did not change, the parse of each
    Markdown text and the page numbers written into each part. The output is the same."""
    from coursepack.engine.parts import stitch  # (pikepdf: only where packs are stitched)
    from coursepack.markdown import parser

    parser.remember_parses()
    stitch.remember_patches()


def source_of(courses: list[Course], cid: str) -> str:
    return next(c.meta.language for c in courses if c.meta.id == cid)


def lang_name(_lang: str, source: str) -> str:
    """'the source language (en)'."""
    return f"the source language ({source})"


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


__all__ = [
    "BuildError",
    "Built",
    "Checked",
    "ContentError",
    "Options",
    "Pool",
    "Prepared",
    "Progress",
    "Report",
    "Variant",
    "build",
    "course_epoch",
    "default_jobs",
    "display_path",
    "load_and_check",
    "plan_targets",
    "remember",
    "stylesheets",
    "target_html",
]
