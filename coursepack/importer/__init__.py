"""``coursepack import``: a new course folder from material written elsewhere.

Stages: ``source`` (the untrusted folder or file, read only through the jail), a reader per
kind that makes a ``course.Course`` (``word``: Word and OpenDocument through pandoc's tree,
``pandocast`` writing it as Markdown; ``carpentries``: a lesson; ``chapters``: Quarto or plain
Markdown chapters, both through ``rewrite``), then ``course.write`` into a ``staging`` folder
beside the destination, which the caller's ``verify`` (``coursepack check``) approves before
it is renamed into place. An importer never builds or typesets (an import contract says so).

The report lists what could not be mapped as written, each at its source line (for a Word
file: the number of the paragraph, heading, list or table, counted from 1).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from coursepack.errors import ContentError, Diagnostic, display_path
from coursepack.importer import carpentries, chapters, word
from coursepack.importer.course import Course, Origin, slug, write
from coursepack.importer.source import ImportFailed, Source
from coursepack.importer.staging import Staging, refuse_destination

KINDS = ("docx", "odt", "carpentries", "markdown")
Verify = Callable[[Path], list[Diagnostic]]

__all__ = ["KINDS", "ImportFailed", "Imported", "detect", "import_course"]


@dataclass
class Imported:
    dest: Path
    kind: str
    course: Course

    @property
    def report(self) -> list[Diagnostic]:
        return sorted(self.course.report.items, key=lambda d: (d.path, d.line, d.message))


def detect(source: Path) -> str:
    """The kind of material at ``source``."""
    if source.is_file():
        suffix = source.suffix.lower().lstrip(".")
        if suffix in ("docx", "odt"):
            return suffix
        raise ImportFailed(f"{display_path(source)}: not a .docx or .odt file: name a Word file or a folder")
    if carpentries.detect(source):
        return "carpentries"
    if any((source / n).is_file() for n in ("_quarto.yml", "_quarto.yaml")) or any(
        p.suffix.lower() in (".md", ".qmd", ".rmd") for p in source.iterdir() if p.is_file()
    ):
        return "markdown"
    raise ImportFailed(
        f"{display_path(source)}: no episodes/ (a Carpentries lesson), _quarto.yml or Markdown chapters here: "
        "name the folder of the material, or say what it is with --from"
    )


def import_course(source: Path, dest: Path, kind: str | None = None, verify: Verify | None = None) -> Imported:
    """Write the course made of ``source`` at ``dest`` (a new or empty folder), or nothing."""
    refuse_destination(source, dest)
    kind = kind or detect(source)
    if kind in ("docx", "odt") and not source.is_file():
        raise ImportFailed(f"{display_path(source)}: --from {kind} needs a .{kind} file, not a folder")
    if kind in ("carpentries", "markdown") and not source.is_dir():
        raise ImportFailed(f"{display_path(source)}: --from {kind} needs a folder")
    if kind in ("docx", "odt"):
        folder = Source.at(source.parent)
        course = word.read(folder, Path(os.path.realpath(source)), kind)
    else:
        folder = Source.at(source)
        course = carpentries.read(folder) if kind == "carpentries" else chapters.read(folder)
    staging = Staging(dest)
    try:
        origins = write(course, staging, slug(dest.name) or slug(course.title) or "course")
        if verify is not None:
            _verified(course, staging.root, origins, verify(staging.root))
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return Imported(dest, kind, course)


def _verified(course: Course, root: Path, origins: dict[str, list[Origin]], found: list[Diagnostic]) -> None:
    """``coursepack check``'s findings on the written folder, told at the source's lines: its
    warnings join the report; an error stops the import (nothing is written)."""
    errors = []
    real = Path(os.path.realpath(root))
    for d in found:
        try:
            rel = Path(os.path.realpath(d.path)).relative_to(real).as_posix()
        except ValueError:
            rel = d.path
        lines = origins.get(rel, [])
        origin = lines[d.line - 1] if 0 < d.line <= len(lines) else (rel, d.line)
        if d.severity == "error":
            errors.append(
                Diagnostic(
                    origin[0],
                    origin[1],
                    0,
                    f"{d.message} (import writes it as {rel}:{d.line}: change it in the source)",
                )
            )
        else:
            course.left_out(origin, d.message)
    if errors:
        raise ContentError(errors)
