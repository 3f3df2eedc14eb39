"""``coursepack build``: every pack of the courses, with progress, a summary and ``--json``."""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

import click

from coursepack import __version__
from coursepack.cli.app import (
    _course_dirs,
    _epoch,
    _fail,
    _fallback_lines,
    _jobs,
    _run,
    course_args,
    debug_opt,
    main,
    output_opt,
    strict_opt,
)
from coursepack.errors import OptionError, display_path
from coursepack.render.editions import EDITIONS


def _processor_time() -> float:
    """Processor seconds of this process and of its ended child processes (the typesetting workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@main.command()
@course_args
@output_opt("Folder for the PDFs and manifest.json.")
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Build only this language (repeatable).")
@click.option(
    "--edition",
    "editions",
    multiple=True,
    type=click.Choice(sorted(EDITIONS)),
    help="Build only this edition (repeatable). The instructor's guide, handouts, exercise booklet, answer key and "
    "answer sheets also build the student pack they cite. A plain build leaves out the answer sheets "
    "(answer-sheets/<exercise>.pdf, one exercise's answer key each).",
)
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="ID",
    help="Build only what one unit or exercise needs (repeatable): an exercise's handout and answer sheet "
    "(if it has a solution or model answer), or those of a unit's exercises, and the student pack (it holds "
    "the unit's text; handouts print its page numbers). Other PDFs in the output folder are left as they are.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel typesetting processes [default: number of cores].",
)
@click.option("--no-cache", is_flag=True, help="Typeset everything, even targets whose inputs are unchanged.")
@click.option("--paper", type=click.Choice(["a4", "letter", "a5"]), help="Paper size [default: the course's].")
@click.option("--duplex", is_flag=True, help="Two-sided: mirrored margins, units start on a right-hand page.")
@click.option("--print-shop", is_flag=True, help="3 mm bleed and crop marks on every page, cover colour to the edge.")
@click.option("--booklet", is_flag=True, help="A5 saddle-stitch booklet imposed two pages per A4 sheet.")
@click.option("--n-up", type=click.Choice(["2", "4"]), help="Two or four pages per sheet (handouts).")
@click.option(
    "--review",
    is_flag=True,
    help="Review copies (*-review.pdf): untranslated text marked in the margin and listed at the end, "
    "plus bilingual proofs (bilingual.pdf) for each translation.",
)
@click.option(
    "--single",
    is_flag=True,
    help="Typeset each pack as one document, not as parts in parallel (slower; the reference).",
)
@click.option(
    "--shard",
    metavar="K/N|auto",
    help="Build only the K-th of N deterministic shares of the targets (for a CI matrix); "
    "'auto' reads them from the CI: COURSEPACK_SHARD_INDEX (from 0) and COURSEPACK_SHARD_TOTAL, "
    "GitLab's CI_NODE_INDEX and CI_NODE_TOTAL, or a Kubernetes indexed Job's JOB_COMPLETION_INDEX "
    "with COURSEPACK_SHARD_TOTAL (docs/scale.md). Join the manifests with 'coursepack manifest merge'.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="Wall-clock limit of typesetting one document: a document that takes longer fails alone (0: none).",
)
@click.option(
    "--max-memory",
    type=click.IntRange(min=0),
    default=4096,
    show_default=True,
    metavar="MB",
    help="Memory limit of each typesetting process: a document that needs more fails alone (0: none).",
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="Fail at once if another build is writing the output folder (by default, wait for it).",
)
@click.option("--timings", is_flag=True, help="Print the time spent in each stage.")
@click.option(
    "--json",
    "json_out",
    is_flag=True,
    help="Print the build report as JSON on stdout (for CI; every other line goes to stderr).",
)
@strict_opt
@debug_opt
def build(
    course_dirs: tuple[Path, ...],
    output: Path,
    langs: tuple[str, ...],
    editions: tuple[str, ...],
    only: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
    paper: str | None,
    duplex: bool,
    print_shop: bool,
    booklet: bool,
    n_up: str | None,
    review: bool,
    single: bool,
    shard: str | None,
    timeout: float,
    max_memory: int,
    no_wait: bool,
    timings: bool,
    json_out: bool,
    strict: bool,
    debug: bool,
) -> None:
    """Validate, then build PDFs: output/<course>/<lang>/<edition>.pdf.

    With no COURSE_DIR, builds every course under content/. Set SOURCE_DATE_EPOCH for a
    fixed timestamp; the same inputs always give byte-identical PDFs.

    \b
    Example:
      coursepack build content/cybercrime-tip-som --edition student --jobs 2
      coursepack build content/cybercrime-tip-som --edition student --paper letter --duplex
      coursepack build content/cybercrime-tip-som --booklet --print-shop
      coursepack build content/cybercrime-tip-som --only ex-debate-biometrics --lang fr
    """
    from coursepack.build import Built, Options, Progress, default_jobs
    from coursepack.build import build as run_build
    from coursepack.engine.workers import Limits
    from coursepack.matrix import Variant

    if only and editions:
        raise click.UsageError("--only builds the handouts and student pack it needs: leave out --edition")
    dirs = _course_dirs(course_dirs)
    flags = (paper, duplex, print_shop, booklet, n_up)
    variants = [Variant(paper, duplex, print_shop, booklet, int(n_up) if n_up else None)] if any(flags) else None
    opts = Options(
        output,
        list(langs) or None,
        list(editions) or None,
        _jobs(jobs, default_jobs()),
        strict,
        not no_cache,
        _epoch(),
        review,
        variants,
        single,
        _shard(shard),
        Limits(timeout, max_memory),
        wait=not no_wait,
        only=list(only) or None,
    )
    live = sys.stderr.isatty()

    def say(line: str) -> None:  # with --json, stdout carries the report only
        click.echo(line, err=json_out)

    def progress(b: Built) -> None:
        if live:
            click.echo("\r\033[K", nl=False, err=True)
        what = "unchanged" if b.cached else f"{b.seconds:5.1f} s"
        parts = f"  {b.parts} parts" + (f", {b.retypeset} typeset again" if b.retypeset else "") if b.parts > 1 else ""
        say(f"  {display_path(b.target.output):<50} {b.pages:4d} pages  {what}{parts}")

    def on_job(p: Progress) -> None:
        if live:
            click.echo(
                f"\r\033[K  [{p.targets_done}/{p.targets} PDFs · {p.parts_done}/{p.parts_total} documents typeset"
                f" · {p.pages_done} pages]",
                nl=False,
                err=True,
            )

    share = f", share {opts.shard[0]} of {opts.shard[1]}" if opts.shard else ""
    say(f"coursepack {__version__}: building {len(dirs)} course(s) with {opts.jobs} job(s){share}")
    cpu_start = _processor_time()
    report = _run(debug, run_build, dirs, opts, progress, on_job, lambda m: click.echo(m, err=True))
    if live:
        click.echo("\r\033[K", nl=False, err=True)
    if timings:
        say("Timings (typesetting adds up the worker processes):")
        for stage, seconds in report.timings.stages.items():
            say(f"  {stage:<22} {seconds:7.2f} s")
        cpu = _processor_time() - cpu_start  # this process and its workers (now ended), since the command began
        ours = cpu - report.engine_cpu
        say(f"  {'WeasyPrint':<22} {report.engine_cpu:7.2f} s processor time (stylesheets, layout, PDF writing)")
        say(
            f"  {'our overhead':<22} {ours:7.2f} s of {cpu:.2f} s processor time ({100 * ours / max(cpu, 1e-9):.1f} %): "
            "everything else, in every process"
        )
        say(f"  {'main process busy':<22} {report.overhead:7.2f} s (not waiting for typesetting)")
        say(f"  {report.documents} document(s) typeset")
        for who, mb in report.peak_mb.items():
            say(f"  peak memory, {who}: {mb:.0f} MB")
    for w in report.warnings:
        click.echo(w, err=True)
    for line in _fallback_lines(report.fallbacks, report.folders):
        say(line)
    for o in report.outdated:
        say(f"outdated: {o}")
    for s in report.stale:
        say(f"stale: {s}")
    if json_out:
        click.echo(json.dumps(report.as_json(_processor_time() - cpu_start), ensure_ascii=False, indent=2))
    if report.failures:
        _fail([f"error: {f}" for f in report.failures] + [f"{len(report.failures)} target(s) failed."])
    made = [b for b in report.built if not b.cached]
    pages = sum(b.pages for b in report.built)
    say(
        f"Built {len(made)} PDF(s), {len(report.built) - len(made)} unchanged, {pages} pages in all, "
        f"in {report.seconds:.1f} s. Manifest: {display_path(report.manifest) if report.manifest else '-'}"
    )


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    if value == "auto":
        from coursepack.build.sharding import from_environment

        try:
            return from_environment(os.environ)
        except OptionError as exc:
            raise click.BadParameter(f"auto: {exc}", param_hint="--shard") from None
    k, _, n = value.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise click.BadParameter(f"{value!r}: write K/N with 1 <= K <= N, e.g. 2/4, or auto", param_hint="--shard")
    return int(k), int(n)
