"""``coursepack check`` (courses, without rendering) and ``coursepack preflight`` (any PDF)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coursepack.cli.app import (
    _course_dirs,
    _fail,
    _run,
    course_args,
    debug_opt,
    main,
    strict_opt,
)
from coursepack.errors import display_path
from coursepack.print.preflight.finding import Profile


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
