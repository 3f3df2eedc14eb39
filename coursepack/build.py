"""The orchestrator: gather and validate everything, then typeset and write each target.

Phase 1 loads and validates every course (nothing is written if anything is wrong).
Phase 2 renders HTML, skips targets whose inputs are unchanged, typesets the rest in
parallel worker processes (an edition that cites another's pages waits for it), writes
each PDF atomically and updates the manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path

from coursepack import cache, fonts, impose
from coursepack.errors import BuildError, ContentError, Diagnostics, display_path
from coursepack.i18n import text_direction
from coursepack.load import load_course
from coursepack.localize import Fallback, localize
from coursepack.matrix import PAPERS, Target, Variant, plan_targets
from coursepack.model import Course
from coursepack.render import render_html
from coursepack.theme import default_theme_dir, find_file, search_path
from coursepack.typeset import TypesetResult, epoch_to_iso, typeset
from coursepack.validate import check_coverage, validate_course, validate_translation
from coursepack.write import atomic_write, sha256, write_manifest


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


@dataclass
class Report:
    built: list[Built] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)
    manifest: Path | None = None
    seconds: float = 0.0


@dataclass
class Checked:
    """Every course in every language, validated, with what falls back to the source language."""

    courses: list[Course]
    localized: dict[tuple[str, str], Course]
    fallbacks: dict[tuple[str, str], list[Fallback]]
    diags: Diagnostics


def load_and_check(course_dirs: list[Path], strict: bool = False) -> Checked:
    """Load and validate every course and language; raise ContentError with every problem found."""
    diags = Diagnostics()
    checked = Checked([], {}, {}, diags)
    for root in course_dirs:
        course = load_course(root, diags)
        if course is None:
            continue
        ids = validate_course(course, diags)
        checked.courses.append(course)
        for lang in course.languages:
            localized, fallbacks = localize(course, lang, diags)
            if lang != course.meta.language:
                validate_translation(course, localized, ids, diags)
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
    dirs = search_path(course.root)
    names = ["style.css"] + (["rtl.css"] if text_direction(lang) == "rtl" else [])
    sheets = [p for p in (find_file(name, dirs) for name in names) if p]
    extra = course.root / "templates" / "extra.css"
    if extra.is_file():
        sheets.append(extra)
    return sheets


def _typeset_job(
    html: str, base: str, sheets: list[str], roots: list[str], epoch: int, lang: str, booklet: bool, n_up: int | None
) -> TypesetResult:
    result = typeset(html, Path(base), [Path(s) for s in sheets], [Path(r) for r in roots], epoch, lang)
    if booklet:
        result.pdf, result.pages = impose.booklet(result.pdf), (result.pages + 3) // 4 * 2
    elif n_up:
        result.pdf, result.pages = impose.n_up(result.pdf, n_up), -(-result.pages // n_up)
    return result


def build(course_dirs: list[Path], opts: Options, progress: Callable[[Built], None] | None = None) -> Report:
    """Build every target of the given courses. Raises ContentError before writing anything."""
    start = time.perf_counter()
    checked = load_and_check(course_dirs, opts.strict)
    courses = checked.courses
    report = Report(warnings=[str(d) for d in checked.diags.warnings])
    targets = plan_targets(checked.localized, opts.output, opts.langs, opts.editions, opts.review, opts.variants)
    for (cid, lang), items in sorted(checked.fallbacks.items()):
        if opts.langs and lang not in opts.langs:
            continue
        report.fallbacks.extend(
            f"{cid}/{lang}: {f.path}: {f.what} in {lang_name(f.lang, source_of(courses, cid))}" for f in items
        )
    theme_digest = cache.tree_digest([default_theme_dir(), Path(__file__).parent]) + fonts.font_css()
    course_digest = {c.meta.id: cache.tree_digest([c.root]) for c in courses}
    anchors: dict[tuple[str, str, str, Variant], dict[str, int]] = {}
    failed: set[tuple[str, str, str, Variant]] = set()
    pool: ProcessPoolExecutor | None = None
    try:
        for level in ([t for t in targets if not t.edition.needs], [t for t in targets if t.edition.needs]):
            pending: list[tuple[Target, str, Callable[[], TypesetResult]]] = []
            for t in level:
                cid = t.course.meta.id
                student_pages = None
                if t.edition.needs:
                    if (cid, t.lang, t.edition.needs, t.variant) in failed:
                        report.failures.append(f"{t.key}: not built because {cid}/{t.lang}/{t.edition.needs} failed")
                        continue
                    student_pages = anchors.get((cid, t.lang, t.edition.needs, t.variant))
                epoch = course_epoch(t.course, opts.epoch)
                extra = {
                    "page": PAPERS[t.paper],
                    "paper_size": PAPERS[t.paper].css,
                    "variant": t.variant,
                    "created": epoch_to_iso(epoch),
                    "review": t.review,
                    "fallbacks": checked.fallbacks.get((cid, t.lang), []) if t.review else [],
                    "source_lang": t.course.meta.language,
                    "item": t.item,
                }
                sheets = _stylesheets(t.course, t.lang)
                # the key covers every input, so an unchanged target is skipped without rendering anything:
                # the course's files (translations included), the theme and the tool, the options, and the
                # page numbers this edition cites
                key = cache.cache_key(
                    t.key,
                    theme_digest,
                    course_digest[cid],
                    str(epoch),
                    str(opts.strict),
                    repr((t.edition.name, t.paper, t.variant, t.review, t.item)),
                    json.dumps(student_pages, sort_keys=True),
                    *(str(s) for s in sheets),
                )
                record = cache.lookup(opts.output, t.key, key, t.output) if opts.use_cache else None
                if record:
                    anchors[(cid, t.lang, t.edition.name, t.variant)] = record.anchors
                    built = Built(t, record.pages, t.output.stat().st_size, record.sha256, 0.0, True)
                    report.built.append(built)
                    if progress:
                        progress(built)
                    continue
                source = checked.localized[(cid, t.course.meta.language)]
                html = render_html(t.course, t.lang, t.edition, student_pages, extra, source)
                roots = [t.course.root, *search_path(t.course.root)]
                args = (
                    html,
                    str(t.course.root),
                    [str(s) for s in sheets],
                    [str(r) for r in roots],
                    epoch,
                    t.lang,
                    t.variant.booklet,
                    t.variant.n_up,
                )
                if opts.jobs > 1 and len(level) > 1:
                    if pool is None:
                        pool = ProcessPoolExecutor(max_workers=opts.jobs, mp_context=get_context("spawn"))
                    pending.append((t, key, pool.submit(_typeset_job, *args).result))
                else:
                    pending.append((t, key, partial(_typeset_job, *args)))
            for t, key, run in pending:
                try:
                    result = run()
                except Exception as exc:  # a crash inside the engine: report, keep the old PDF
                    failed.add((t.course.meta.id, t.lang, t.edition.name, t.variant))
                    report.failures.append(
                        f"{t.key}: typesetting failed ({type(exc).__name__}: {exc}); the previous PDF was kept"
                    )
                    continue
                warnings = [f"warning: {t.key}: WeasyPrint: {w}" for w in result.warnings]
                report.warnings.extend(warnings)
                if opts.strict and warnings:
                    failed.add((t.course.meta.id, t.lang, t.edition.name, t.variant))
                    report.failures.append(
                        f"{t.key}: {len(warnings)} warning(s) under --strict; the previous PDF was kept"
                    )
                    continue
                atomic_write(t.output, result.pdf)
                digest = sha256(result.pdf)
                cache.store(opts.output, t.key, cache.Record(key, digest, result.pages, result.anchors))
                anchors[(t.course.meta.id, t.lang, t.edition.name, t.variant)] = result.anchors
                built = Built(t, result.pages, len(result.pdf), digest, result.seconds, False, warnings)
                report.built.append(built)
                if progress:
                    progress(built)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    if report.built:
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
            }
            for b in report.built
        ]
        report.manifest = write_manifest(opts.output, entries)
    report.seconds = time.perf_counter() - start
    return report


def source_of(courses: list[Course], cid: str) -> str:
    return next(c.meta.language for c in courses if c.meta.id == cid)


def lang_name(_lang: str, source: str) -> str:
    """'the source language (en)'."""
    return f"the source language ({source})"


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


__all__ = ["BuildError", "ContentError", "Options", "Report", "build", "display_path", "load_and_check"]
