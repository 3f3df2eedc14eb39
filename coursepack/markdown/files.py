"""Links between the Markdown files of a course, written as Quarto, the Carpentries and GitHub
write them (``[the last episode](02-filedir.md)``, ``[setup](intro.qmd#setup)``): a link to a
unit's or an exercise's file is a cross-reference to it, or to the target named after ``#``."""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from coursepack.content.model import Course

MARKDOWN_FILES = (".md", ".qmd", ".rmd", ".markdown")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def markdown_file(href: str) -> bool:
    """Whether ``href`` is a link to a Markdown file (``02-filedir.md``, ``intro.qmd#setup``)."""
    name = href.partition("#")[0].lower()
    return bool(name) and not _SCHEME.match(href) and name.endswith(MARKDOWN_FILES)


def file_name(href: str) -> str:
    """The name of the file a link points at, without its folder or its ``#target``."""
    return posixpath.basename(href.partition("#")[0])


def file_keys(course: Course) -> dict[str, str]:
    """The file name of each unit, exercise and the introduction → its id. The name may be given
    with any of the Markdown extensions (a lesson's ``setup.qmd`` is our ``setup.md``)."""
    keys: dict[str, str] = {}
    named = [(u.source.path, u.meta.id) for u in course.units]
    named += [(e.source.path, eid) for eid, e in course.exercises.items() if e.inline is None]
    if course.introduction is not None:
        named.append((course.introduction.path, "introduction"))
    for path, key in named:
        for ext in MARKDOWN_FILES:
            keys.setdefault(path.stem + ext, key)
    return keys


def titles(course: Course) -> list[tuple[str, str, Path, tuple[str, str | None, int]]]:
    """The units, exercises and introduction whose file starts with its title as a ``#`` heading:
    (id, the title the pack prints, the file, (the heading's words, its id, its line))."""
    found = []
    items = [(u.meta.id, u.meta.title, u.source) for u in course.units]
    items += [(eid, e.meta.title, e.source) for eid, e in course.exercises.items() if e.inline is None]
    if course.introduction is not None:
        items.append(("introduction", "", course.introduction))
    for key, title, src in items:
        for chunk in src.tree.chunks if src.tree is not None else []:
            if chunk.fallback is None and chunk.parsed.title is not None:
                found.append((key, title, chunk.parsed.path, chunk.parsed.title))
                break
    return found
