"""The ``coursepack`` command group and what its commands share: course folders, options,
errors as one line each, exit status (0 success, 1 content or build errors, 2 usage errors)."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback
from pathlib import Path

import click

from coursepack import __version__
from coursepack.content.load import find_courses
from coursepack.errors import BuildError, ContentError, OptionError, os_error_message
from coursepack.plugins import Loaded, PluginError
from coursepack.plugins import load as load_plugins

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


def output_opt(help: str):  # type: ignore[no-untyped-def]
    """``-o/--output``: the folder the PDFs are built into (``output/`` unless given), as ``build``
    and ``preview`` both take it."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("output"),
        show_default=True,
        help=help,
    )
