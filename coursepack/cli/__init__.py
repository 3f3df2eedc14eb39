"""The command line: ``coursepack build``, ``check``, ``preflight`` and ``schema``.

Exit status: 0 success, 1 content or build errors, 2 usage errors.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sys
import time
import traceback
from pathlib import Path

import click

from coursepack import __version__
from coursepack.content.load import find_courses
from coursepack.errors import BuildError, ContentError, OptionError, display_path, os_error_message
from coursepack.plugins import Loaded, PluginError
from coursepack.plugins import load as load_plugins
from coursepack.print.preflight.finding import Profile
from coursepack.render.editions import EDITIONS

PLUGINS: Loaded | None
try:  # before the options are made: a plugin's editions are choices of --edition
    PLUGINS = load_plugins()
    PLUGIN_ERROR = ""
except PluginError as exc:
    PLUGINS, PLUGIN_ERROR = None, str(exc)

DEFAULT_CONTENT = Path("content")


def _course_dirs(paths: tuple[Path, ...]) -> list[Path]:
    if paths:
        return list(paths)
    found = find_courses(DEFAULT_CONTENT)
    if not found:
        raise click.UsageError("no course given and no content/*/course.yaml here: name a course folder")
    return found


def _epoch() -> int | None:
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) > 253402300799:
        raise click.UsageError(f"SOURCE_DATE_EPOCH={raw!r} must be a non-negative whole number of seconds")
    return int(raw)


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)


def _fallback_lines(fallbacks: list[str], folders: dict[str, str], shown: int = 3) -> list[str]:
    """Each fallback of a language that has a few; for one that has more, the count and where to see them."""
    by_pack: dict[str, list[str]] = {}
    for f in fallbacks:
        pack, _, what = f.partition(": ")
        by_pack.setdefault(pack, []).append(what)
    lines = []
    for pack, items in by_pack.items():
        if len(items) <= shown:
            lines += [f"fallback: {pack}: {what}" for what in items]
            continue
        cid, _, lang = pack.rpartition("/")
        files = list(dict.fromkeys(what.partition(": ")[0] for what in items))
        listed = ", ".join(files[:shown]) + (", ..." if len(files) > shown else "")
        lines.append(
            f"fallback: {pack}: {len(items)} parts in the source language, in {len(files)} file(s) ({listed}); "
            f"`coursepack status {folders.get(cid, cid)} --lang {lang}` lists them, a `--review` build marks them in the PDF"
        )
    return lines


def _jobs(asked: int | None, cores: int) -> int:
    """The worker processes: as many as cores, at most (each more only adds memory)."""
    if asked is None:
        return cores
    if asked > cores:
        click.echo(f"warning: --jobs {asked} is more than the {cores} core(s) here: using {cores}", err=True)
        return cores
    return asked


def _terminated(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM (a CI job cancelled, `kill`) ends a build as Ctrl-C does


def _run(debug: bool, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Content and build errors become clean messages; --debug shows the traceback."""
    with contextlib.suppress(ValueError):  # (only the main thread may set it)
        signal.signal(signal.SIGTERM, _terminated)
    try:
        return func(*args, **kwargs)
    except ContentError as exc:
        if debug:
            traceback.print_exc()
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        warned = len(exc.diagnostics) - len(errors)
        counts = f"{len(errors)} error(s)"
        if warned:
            counts += f", {warned} warning(s)" + (" made errors by --strict" if exc.strict else "")
        _fail(
            [str(d) for d in exc.diagnostics] + [f"{len(exc.diagnostics)} problem(s) ({counts}); nothing was written."]
        )
    except OptionError as exc:
        raise click.UsageError(str(exc)) from None
    except BuildError as exc:
        if debug:
            traceback.print_exc()
        _fail([f"error: {exc}"])
    except KeyboardInterrupt:
        _fail(["interrupted: PDFs already there were left as they were"])
    except OSError as exc:  # a fault of the system (full disk, read-only folder...): one line, never a traceback
        if debug:
            traceback.print_exc()
        _fail([f"error: {os_error_message(exc)}"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coursepack")
def main() -> None:
    """Build typeset PDF teaching packs from course content (YAML + Markdown).

    \b
    Quick start:
      coursepack check                 # validate every course under content/
      coursepack build                 # build every pack into output/
    """
    if PLUGIN_ERROR:
        _fail([f"error: {PLUGIN_ERROR}"])


course_args = click.argument(
    "course_dirs", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="[COURSE_DIR]..."
)
strict_opt = click.option("--strict", is_flag=True, help="Treat every warning (ours and WeasyPrint's) as an error.")
debug_opt = click.option("--debug", is_flag=True, help="Show a traceback for errors.")


def _processor_time() -> float:
    """Processor seconds of this process and of its ended child processes (the typesetting workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@main.command()
@course_args
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Folder for the PDFs and manifest.json.",
)
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Build only this language (repeatable).")
@click.option(
    "--edition",
    "editions",
    multiple=True,
    type=click.Choice(sorted(EDITIONS)),
    help="Build only this edition (repeatable). The instructor's guide, handouts, exercise booklet and answer key also build the student pack they cite.",
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
    """
    from coursepack.build import Built, Options, Progress, default_jobs
    from coursepack.build import build as run_build
    from coursepack.engine.workers import Limits
    from coursepack.matrix import Variant

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


@main.group()
def manifest() -> None:
    """Work with manifest.json files."""


@manifest.command("merge")
@click.argument("manifests", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("output/manifest.json"),
    show_default=True,
    help="The joined manifest.",
)
def manifest_merge(manifests: tuple[Path, ...], output: Path) -> None:
    """Join the manifests of sharded builds (--shard K/N or auto) into one.

    \b
    Example:
      coursepack manifest merge shard-*/manifest.json -o output/manifest.json
    """
    from coursepack.build.write import merge_manifests

    try:
        count = merge_manifests(list(manifests), output)
    except ValueError as exc:
        _fail([f"error: {exc}"])
    click.echo(f"{display_path(output)}: {count} artefact(s) from {len(manifests)} manifest(s)")


@main.command()
@course_args
@strict_opt
@debug_opt
def check(course_dirs: tuple[Path, ...], strict: bool, debug: bool) -> None:
    """Validate courses without rendering: schema, ids, references, timings, Markdown.

    Every problem is reported at once as path:line:col: message.

    \b
    Example:
      coursepack check content/cybercrime-tip-som --strict
    """
    from coursepack.build import load_and_check

    dirs = _course_dirs(course_dirs)
    checked = _run(debug, load_and_check, dirs, strict)
    for d in checked.diags.items:
        click.echo(str(d), err=True)
    click.echo(
        f"{len(checked.courses)} course(s) in {len(checked.localized)} language version(s) checked: no errors"
        + (f", {len(checked.diags.warnings)} warning(s)" if checked.diags.warnings else "")
        + "."
    )


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path), metavar="PATH...")
@click.option("--json", "as_json", is_flag=True, help="Print the machine report (JSON, see docs/print.md) on stdout.")
@click.option(
    "--profile",
    type=click.Choice([p.value for p in Profile]),
    default=None,
    help="What the PDFs are for [default: print-shop for the print-shop variants of a manifest, else office]. "
    "print-shop checks the trim and bleed boxes and 300 dpi images; print-shop-cmyk also refuses RGB.",
)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
@debug_opt
def preflight(paths: tuple[Path, ...], as_json: bool, profile: str | None, strict: bool, debug: bool) -> None:
    """Check PDFs as a print shop and a copy editor would: fonts embedded, no missing glyphs,
    image resolution, colour, page boxes, text past the trim, PDF/UA basics, and headings,
    captions or table headers ending a page, runt pages, notes after their call's page.

    PATH is a PDF, or an output folder: every PDF its manifest.json lists, each checked for its
    variant. One line a finding (page, severity, message, source file:line where known); exit 1
    on an error (on a warning too with --strict). Every build runs the same checks on what it
    writes, with widows, orphans and split tables and boxes found in the layout.

    \b
    Example:
      coursepack preflight output/
      coursepack preflight output/cybercrime-tip-som/en/student-print.pdf --profile print-shop-cmyk
      coursepack preflight output/ --json > preflight.json
    """
    from coursepack.print.preflight import report

    chosen = Profile(profile) if profile else None
    try:
        checked = report.collect(list(paths), chosen)
    except report.NotAPdf as exc:
        raise click.UsageError(str(exc)) from None
    missing = [c.path for c in checked if not c.path.is_file()]
    if missing:
        _fail([f"error: {display_path(p)}: listed in the manifest but not there: build it again" for p in missing])
    _run(debug, report.run, checked)
    shown = {c.path: display_path(c.path) for c in checked}
    if as_json:
        click.echo(report.as_json(checked, shown))
    else:
        for c in checked:
            for finding in c.findings:
                click.echo(report.line(shown[c.path], finding))
    total = report.summary(checked)
    click.echo(
        f"{total['files']} PDF(s) checked: {total['errors']} error(s), {total['warnings']} warning(s).",
        err=as_json,
    )
    if total["errors"] or (strict and total["warnings"]):
        sys.exit(1)


@main.command()
@click.argument("course_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("lang")
@click.option(
    "--update",
    "update",
    multiple=True,
    metavar="FILE",
    help="Record FILE (e.g. units/intro.md) as translated from the current source.",
)
@debug_opt
def translate(course_dir: Path, lang: str, update: tuple[str, ...], debug: bool) -> None:
    """Start translating COURSE_DIR into LANG: copy every file to translate into translations/LANG/.

    Copies hold only text (ids, durations and other language-neutral data stay in the source)
    and record which version of the source they were made from, so `coursepack status` can
    report what is outdated. Existing translation files are never overwritten.

    \b
    Example:
      coursepack translate content/cybercrime-tip-som fr
      coursepack translate content/cybercrime-tip-som fr --update units/legal-framework.md
    """
    from coursepack.build import load_and_check
    from coursepack.content.translation import start

    checked = _run(debug, load_and_check, [course_dir], False, [lang])  # other translations do not matter here
    for line in _run(debug, start, checked.courses[0], lang, list(update) or None):
        click.echo(line)


@main.command()
@course_args
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Only this language (repeatable).")
@click.option(
    "--fail-under",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PERCENT",
    help="Exit 1 if a language is less translated than this.",
)
@click.option("--diff/--no-diff", default=True, show_default=True, help="Show what changed in outdated sources.")
@debug_opt
def status(
    course_dirs: tuple[Path, ...], langs: tuple[str, ...], fail_under: float | None, diff: bool, debug: bool
) -> None:
    """Report each translation, file by file: translated, outdated, missing.

    An outdated file's source changed after it was translated; the diff shows how.

    \b
    Example:
      coursepack status content/cybercrime-tip-som --lang fr --fail-under 90
    """
    from coursepack.build import load_and_check
    from coursepack.content.translation import status as lang_status
    from coursepack.i18n import missing_words

    checked = _run(debug, load_and_check, _course_dirs(course_dirs), False, list(langs) or None)
    known = {lang for course in checked.courses for lang in course.languages}
    sources = {course.meta.language for course in checked.courses}
    if any(lang in sources for lang in langs):
        raise click.UsageError(
            f"--lang {', '.join(langs)}: the source language has nothing to translate; name a translation"
        )
    unknown = [lang for lang in langs if lang not in known]
    if unknown:
        raise click.UsageError(
            f"--lang {', '.join(unknown)}: not a language of the course ({', '.join(sorted(known))}); "
            "add it to 'languages' in course.yaml"
        )
    below = []
    for course in checked.courses:
        for lang in course.languages:
            if lang == course.meta.language or (langs and lang not in langs):
                continue
            st = lang_status(course, lang, checked.fallbacks[(course.meta.id, lang)])
            states = ("translated", "outdated", "untranslated", "missing", "untracked")
            counts = {s: sum(1 for f in st.files if f.state == s) for s in states}
            summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            click.echo(f"{course.meta.id} [{lang}]: {st.percent:.0f}% translated ({summary})")
            total, missing = missing_words(lang)
            if missing:
                click.echo(
                    f"  interface words: {len(missing)} of {total} missing from the catalog: {', '.join(missing)}"
                )
            else:
                click.echo(f"  interface words: all {total} translated")
            for f in st.files:
                note = ""
                if f.fallback:
                    shown = "; ".join(f.fallback[:3]) + (" ..." if len(f.fallback) > 3 else "")
                    note = f" ({len(f.fallback)} part(s) still in {course.meta.language}: {shown})"
                if f.lacks:
                    note += f" ({f.lacks})"
                click.echo(f"  {f.state:<10} {f.path}{note}")
                if diff and f.diff:
                    for line in f.diff:
                        click.echo(f"      {line}")
            if fail_under is not None and st.percent < fail_under:
                below.append(f"{course.meta.id} [{lang}] is {st.percent:.0f}% translated, under {fail_under:g}%")
    if below:
        _fail([f"error: {b}" for b in below])


@main.command()
@course_args
@click.option("--dry-run", is_flag=True, help="List the files that would change, and change nothing.")
def migrate(course_dirs: tuple[Path, ...], dry_run: bool) -> None:
    """Rewrite old '/// name | Title' blocks as fenced divs ('::: name Title').

    Every Markdown file of each course is rewritten in place, translations included; only the
    block lines change. Run it once after upgrading from coursepack 0.1.

    \b
    Example:
      coursepack migrate content/my-course --dry-run
    """
    from coursepack.content.migrate import migrate as rewrite

    total = 0
    for course in _course_dirs(course_dirs):
        for done in _run(False, rewrite, course, dry_run):
            click.echo(f"{display_path(done.path)}: {done.blocks} block(s)")
            total += done.blocks
    verb = "would be rewritten" if dry_run else "rewritten"
    click.echo(f"{total} block(s) {verb}." if total else "Nothing to rewrite: no old '///' blocks.")


@main.command()
@click.argument(
    "name", required=False, type=click.Choice(["course", "unit", "exercise", "reading", "plan", "assessment"])
)
@click.option(
    "--output", "-o", type=click.Path(file_okay=False, path_type=Path), help="Write every schema into this folder."
)
def schema(name: str | None, output: Path | None) -> None:
    """Print the JSON Schema of course.yaml (or of NAME), or write them all with --output.

    \b
    Example:
      coursepack schema unit > unit.schema.json
      coursepack schema --output docs/schema
    """
    from coursepack.content import schema as schemas

    if output:
        for path in schemas.write_all(output):
            click.echo(display_path(path))
    else:
        click.echo(schemas.dumps(name or "course"), nl=False)


@main.command()
def plugins() -> None:
    """List the installed plugins and what each adds (block kinds, editions, themes).

    A plugin is an installed package with an entry point in the 'coursepack' group; see
    docs/plugins.md. A course folder cannot add one.
    """
    assert PLUGINS is not None  # (a plugin that failed stopped the command already)
    if not PLUGINS.plugins:
        click.echo("No plugins installed (docs/plugins.md says how to write one).")
        return
    for name in PLUGINS.plugins:
        kinds = sorted(k for k, p in PLUGINS.kinds.items() if p == name)
        editions = sorted(e for e, p in PLUGINS.editions.items() if p == name)
        click.echo(name)
        for what, items in (("block kinds", kinds), ("editions", editions)):
            if items:
                click.echo(f"  {what}: {', '.join(items)}")
    for theme, folder in sorted(PLUGINS.themes.items()):
        click.echo(f"theme {theme}: {folder}")
