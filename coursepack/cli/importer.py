"""``coursepack import``: a course folder from a Word file, a Carpentries lesson or Markdown chapters."""

from __future__ import annotations

from pathlib import Path

import click

from coursepack.cli.app import _run, debug_opt, main
from coursepack.errors import ContentError, Diagnostic, display_path


def _check(folder: Path) -> list[Diagnostic]:
    from coursepack.build import load_and_check

    try:
        return load_and_check([folder]).diags.items
    except ContentError as exc:
        return exc.diagnostics


@main.command("import")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("dest", type=click.Path(path_type=Path))
@click.option(
    "--from",
    "kind",
    type=click.Choice(["docx", "odt", "carpentries", "markdown"]),
    help="What SOURCE is [default: found from it: a .docx or .odt file, a folder with episodes/ "
    "(Carpentries), or a folder of Quarto or Markdown chapters].",
)
@debug_opt
def import_(source: Path, dest: Path, kind: str | None, debug: bool) -> None:
    """Make a new course folder DEST from material you have: a Word (.docx) or OpenDocument
    (.odt) file, a Carpentries lesson folder, or a folder of Quarto or Markdown chapters.

    DEST must be new or empty; it is written whole (and passes `coursepack check`) or not at all.
    What could not be mapped is listed, each at its source line (for a Word file, the number of
    the paragraph, heading, list or table), with what was written instead. Nothing in SOURCE is
    run: code cells stay code listings. See docs/import.md.

    \b
    Example:
      coursepack import notes.docx content/my-course
      coursepack import ~/lessons/shell-novice content/shell --from carpentries
    """
    from coursepack.importer import import_course

    done = _run(debug, import_course, source, dest, kind, _check)
    for d in done.report:
        click.echo(str(d), err=True)
    units = len(done.course.units)
    left = len(done.report)
    click.echo(
        f"{display_path(dest)}: {units} unit(s) imported from {done.kind} ({display_path(source)})"
        + (f"; {left} thing(s) not mapped as written, listed above" if left else "; everything mapped")
        + f". Next: coursepack build {display_path(dest)}"
    )
