"""The command line: ``coursepack build``, ``check`` and ``schema``.

Exit status: 0 success, 1 content or build errors, 2 usage errors.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from coursepack import __version__
from coursepack.editions import EDITIONS
from coursepack.errors import BuildError, ContentError, display_path
from coursepack.load import find_courses

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


def _run(debug: bool, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Content and build errors become clean messages; --debug shows the traceback."""
    try:
        return func(*args, **kwargs)
    except ContentError as exc:
        if debug:
            traceback.print_exc()
        errors = [d for d in exc.diagnostics if d.severity == "error"]
        _fail(
            [str(d) for d in exc.diagnostics]
            + [f"{len(exc.diagnostics)} problem(s) ({len(errors)} error(s)); nothing was written."]
        )
    except BuildError as exc:
        if debug:
            traceback.print_exc()
        _fail([f"error: {exc}"])
    except KeyboardInterrupt:
        _fail(["interrupted: PDFs already there were left as they were"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="coursepack")
def main() -> None:
    """Build typeset PDF teaching packs from course content (YAML + Markdown).

    \b
    Quick start:
      coursepack check                 # validate every course under content/
      coursepack build                 # build every pack into output/
    """


course_args = click.argument(
    "course_dirs", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="[COURSE_DIR]..."
)
strict_opt = click.option("--strict", is_flag=True, help="Treat every warning (ours and WeasyPrint's) as an error.")
debug_opt = click.option("--debug", is_flag=True, help="Show a traceback for errors.")


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
    help="Build only this edition (repeatable). The instructor's guide also builds the student pack it cites.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Parallel typesetting processes [default: number of cores].",
)
@click.option("--no-cache", is_flag=True, help="Typeset everything, even targets whose inputs are unchanged.")
@strict_opt
@debug_opt
def build(
    course_dirs: tuple[Path, ...],
    output: Path,
    langs: tuple[str, ...],
    editions: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
    strict: bool,
    debug: bool,
) -> None:
    """Validate, then build PDFs: output/<course>/<lang>/<edition>.pdf.

    With no COURSE_DIR, builds every course under content/. Set SOURCE_DATE_EPOCH for a
    fixed timestamp; the same inputs always give byte-identical PDFs.

    \b
    Example:
      coursepack build content/cybercrime-tip-som --edition student --jobs 2
    """
    from coursepack.build import Built, Options, default_jobs
    from coursepack.build import build as run_build

    dirs = _course_dirs(course_dirs)
    opts = Options(
        output, list(langs) or None, list(editions) or None, jobs or default_jobs(), strict, not no_cache, _epoch()
    )

    def progress(b: Built) -> None:
        what = "unchanged" if b.cached else f"{b.seconds:5.1f} s"
        click.echo(f"  {display_path(b.target.output):<50} {b.pages:4d} pages  {what}")

    click.echo(f"coursepack {__version__}: building {len(dirs)} course(s) with {opts.jobs} job(s)")
    report = _run(debug, run_build, dirs, opts, progress)
    for w in report.warnings:
        click.echo(w, err=True)
    if report.failures:
        _fail([f"error: {f}" for f in report.failures] + [f"{len(report.failures)} target(s) failed."])
    made = [b for b in report.built if not b.cached]
    pages = sum(b.pages for b in report.built)
    click.echo(
        f"Built {len(made)} PDF(s), {len(report.built) - len(made)} unchanged, {pages} pages in all, "
        f"in {report.seconds:.1f} s. Manifest: {display_path(report.manifest) if report.manifest else '-'}"
    )


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
    courses, diags = _run(debug, load_and_check, dirs, strict)
    for d in diags.items:
        click.echo(str(d), err=True)
    click.echo(
        f"{len(courses)} course(s) checked: no errors"
        + (f", {len(diags.warnings)} warning(s)" if diags.warnings else "")
        + "."
    )


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
    from coursepack import schema as schemas

    if output:
        for path in schemas.write_all(output):
            click.echo(display_path(path))
    else:
        click.echo(schemas.dumps(name or "course"), nl=False)
