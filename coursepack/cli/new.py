"""``coursepack new``: a small course that builds at once, or the shape of an existing one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from coursepack.cli.app import _fail, _run, main
from coursepack.errors import display_path
from coursepack.starter import DEFAULT_TITLES, LANGUAGES, PAPERS, NewError, Settings, refuse_existing, write_starter


def _interactive() -> bool:
    """Questions are asked only of someone at a terminal."""
    return sys.stdin.isatty()


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option("--title", help="The course's title [default: asked, or 'My course' in its language].")
@click.option("--language", type=click.Choice(LANGUAGES), help="The language it is written in [default: en].")
@click.option("--paper", type=click.Choice(PAPERS), help="Paper size [default: a4; with --from, the course's].")
@click.option("--author", help="The author printed on the cover (a person or a body).")
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="COURSE_DIR",
    help="Copy the shape of this course: its settings, reading list, units and exercises with their "
    "front matter and headings; no text, instructor material or translations.",
)
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: take the defaults for what the options do not say.")
def new(
    folder: Path,
    title: str | None,
    language: str | None,
    paper: str | None,
    author: str | None,
    source: Path | None,
    yes: bool,
) -> None:
    """Write a new course into DIR (which must not exist, or be empty), ready to build.

    The course is short and in one language: course.yaml, an introduction, a unit with an
    exercise and its solution, a reading and a class plan, with comments on how each file is
    written. In a terminal it asks for the title, language and paper; with --yes, or when
    input is not a terminal, it asks nothing. With --from, the new course has the shape of
    another: the same units and exercises, titles and settings, each body left to write.

    \b
    Example:
      coursepack new my-course --title "Introduction à la criminologie" --language fr --yes
      coursepack new my-course-2026 --from content/my-course
    """
    try:
        refuse_existing(folder)  # (before any question)
    except NewError as exc:
        _fail([f"error: {exc}"])
    ask = _interactive() and not yes
    if source is not None:
        _from_course(folder, source, title, paper, author, language, ask)
        return
    if ask and language is None:
        language = click.prompt("Language", type=click.Choice(LANGUAGES), default="en")
    language = language or "en"
    if ask and title is None:
        title = click.prompt("Title", default=DEFAULT_TITLES[language])
    if ask and paper is None:
        paper = click.prompt("Paper", type=click.Choice(PAPERS), default="a4")
    settings = Settings((title or "").strip() or DEFAULT_TITLES[language], language, paper or "a4", author)
    written = _write(write_starter, folder, settings)
    _report(folder, written, f"a course in {language}")
    click.echo(
        f"  coursepack build {display_path(folder)} --only ex-outcomes   # the exercise's handout and answer sheet"
    )


def _from_course(
    folder: Path,
    source: Path,
    title: str | None,
    paper: str | None,
    author: str | None,
    language: str | None,
    ask: bool,
) -> None:
    from coursepack.build import load_and_check
    from coursepack.starter.shape import write_shape

    checked = _run(False, load_and_check, [source], False)
    course = checked.courses[0]
    if language is not None and language != course.meta.language:
        raise click.UsageError(
            f"--language {language}: {display_path(source)} is written in {course.meta.language}; "
            "a course made --from it is too (leave --language out)"
        )
    if ask and title is None:
        title = click.prompt("Title", default=course.meta.title)
    written = _write(write_shape, folder, course, (title or "").strip() or None, author, None, paper)
    _report(folder, written, f"the shape of {display_path(source)}")


def _write(func, folder: Path, *args):  # type: ignore[no-untyped-def]
    """Write the course; a problem is one line, and nothing is left behind."""
    try:
        return func(folder, *args)
    except NewError as exc:
        _fail([f"error: {exc}"])
    except OSError as exc:  # (a full disk, a folder that cannot be made or written)
        where = display_path(exc.filename) if exc.filename else display_path(folder)
        _fail([f"error: {where}: {exc.strerror or exc}; nothing was written"])
    except KeyboardInterrupt:
        _fail(["interrupted: nothing was written"])


def _report(folder: Path, written: list[Path], what: str) -> None:
    where = display_path(folder)
    click.echo(f"Wrote {what} into {where}/ ({len(written)} files):")
    for rel in written:
        click.echo(f"  {rel.as_posix()}")
    click.echo("Next:")
    click.echo(f"  coursepack check {where}")
    click.echo(f"  coursepack build {where}")
