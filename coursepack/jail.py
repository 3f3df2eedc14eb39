"""The one way to read what a course supplies: only files inside the course folder.

A course folder is untrusted input. Every file it supplies (text, YAML, templates, CSS,
fonts, images, translations) is read through ``read_bytes`` or checked with ``inside``: its
real path, every symbolic link resolved, must lie inside one of the allowed roots (the course
folder; for templates, the default theme too). A link to ``/etc/passwd`` or to another
course is refused with ``Outside``, an ``OSError`` whose message says what to do.

The file is opened at its resolved path with ``O_NOFOLLOW``, so the file read is the file
checked even if the last link is swapped in between; its size is checked on the open file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

MAX_FILE_BYTES = 2 * 1024 * 1024  # a text file of the course (Markdown, YAML, a template, CSS)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class Outside(PermissionError):
    """A file of the course whose real path is outside the course folder."""


class TooLarge(OSError):
    """A file larger than the limit for its kind."""


def inside(path: Path, roots: Sequence[Path]) -> Path:
    """``path`` with every link resolved, if it lies inside one of ``roots``; else ``Outside``.

    Raises ``FileNotFoundError`` for a missing file or a broken link.
    """
    real = Path(os.path.realpath(path))
    if not any(real.is_relative_to(os.path.realpath(root)) for root in roots):
        shown = real if real != Path(os.path.abspath(path)) else path
        raise Outside(
            f"{path.name} leads outside the course folder (to {shown}): copy the file into the course "
            "instead of linking to it"
        )
    if not real.exists():
        raise FileNotFoundError(f"{path.name} does not exist (a link to a missing file?)")
    return real


def read_bytes(path: Path, roots: Sequence[Path], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a course's file, if it is inside ``roots`` and no larger than ``limit``."""
    real = inside(path, roots)
    fd = os.open(real, os.O_RDONLY | NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    try:
        size = os.fstat(fd).st_size
        if size > limit:
            raise TooLarge(f"{path.name} is larger than {_size(limit)}: split it or make it smaller")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:  # (it grew while being read)
        raise TooLarge(f"{path.name} is larger than {_size(limit)}: split it or make it smaller")
    return data


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


# what a course may supply besides its templates (which the theme reads through this module too)
SUPPLIED = frozenset(
    {".md", ".yaml", ".yml", ".bib", ".json", ".css", ".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"}
    | {".ttf", ".otf", ".ttc", ".woff", ".woff2"}
)


def links_out(root: Path) -> list[tuple[Path, Outside]]:
    """Every link in the course folder that leads outside it: each file of a kind a course
    supplies (text, YAML, CSS, images, fonts) and each folder (its files would follow it).

    Hidden files and folders are not the course's and are left alone; nothing is read.
    """
    found: list[tuple[Path, Outside]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(folder)
        for name in [*dirs, *sorted(files)]:
            path = here / name
            if name.startswith(".") or not path.is_symlink():
                continue
            if name in files and path.suffix.lower() not in SUPPLIED:
                continue
            try:
                inside(path, [root])
            except Outside as exc:
                found.append((path, exc))
            except OSError:
                continue  # a broken link: reported where it is used, if it is
    return found
