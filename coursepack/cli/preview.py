"""``coursepack preview``: the pack being edited, in a browser, updated on every save."""

from __future__ import annotations

import contextlib
import signal
import traceback
from pathlib import Path

import click

from coursepack.cli.app import DEFAULT_CONTENT, _epoch, _fail, _jobs, _terminated, debug_opt, main, output_opt
from coursepack.content.load import find_courses
from coursepack.render.editions import EDITIONS


@main.command()
@click.argument(
    "course_dir", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="[COURSE]"
)
@click.option(
    "--edition",
    type=click.Choice(sorted(n for n, e in EDITIONS.items() if not e.per_exercise and not e.review_only)),
    default="student",
    show_default=True,
    help="The edition to show.",
)
@click.option("--lang", metavar="LANG", help="The language to show [default: the course's own].")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on: this machine only (127.0.0.1, ::1 or localhost); any other is refused.",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free one).")
@output_opt("Folder the PDF is built into (its cache makes each rebuild incremental).")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Typesetting processes kept warm for the PDF [default: number of cores].",
)
@debug_opt
def preview(
    course_dir: Path | None,
    edition: str,
    lang: str | None,
    host: str,
    port: int,
    output: Path,
    jobs: int | None,
    debug: bool,
) -> None:
    """Show a pack in the browser and update it on every save: the HTML at once, the PDF page
    of the edit when it is typeset again (docs/preview.md).

    The page scrolls to the first block the edit changed; a course with errors shows them
    with their file:line over the last good preview. The PDF is built into the output folder
    by the incremental build, on typesetting processes kept warm between edits. The server
    listens on this machine only and serves the preview and the course's images, nothing
    else. Ctrl-C stops it and every process it started.

    \b
    Example:
      coursepack preview content/cybercrime-tip-som --lang fr
      coursepack preview content/cybercrime-tip-som --edition instructor --port 8001
    """
    from coursepack.build import default_jobs
    from coursepack.preview import is_loopback, serve

    if not is_loopback(host):
        raise click.BadParameter(
            f"{host}: the preview serves your course to whoever reaches it, so it listens on this machine only "
            "(127.0.0.1, ::1 or localhost); to show it elsewhere, build the PDF and share that",
            param_hint="--host",
        )
    if course_dir is None:
        found = find_courses(DEFAULT_CONTENT)
        if len(found) != 1:
            raise click.UsageError(
                "name the course folder to preview"
                + (f" (content/ has {len(found)})" if found else " (no content/*/course.yaml here)")
            )
        course_dir = found[0]
    with contextlib.suppress(ValueError):  # (SIGTERM stops it as Ctrl-C does)
        signal.signal(signal.SIGTERM, _terminated)
    try:
        serve(course_dir, edition, lang, output, _jobs(jobs, default_jobs()), host, port, click.echo, epoch=_epoch())
    except KeyboardInterrupt:
        click.echo("preview stopped")
    except OSError as exc:
        if debug:
            traceback.print_exc()
        _fail([f"error: {host}:{port}: {exc.strerror or exc}: choose another --port"])
