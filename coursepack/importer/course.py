"""The course an import makes, before it is written: units as Markdown with the source line of
each of their lines, figures and readings as bytes, and the report of what was not mapped."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import yaml

from coursepack.errors import Diagnostic, Diagnostics
from coursepack.importer.staging import Staging

Origin = tuple[str, int]  # (source file as reported, line); line 0: the file as a whole


@dataclass
class Lines:
    """Markdown lines, each with where it came from."""

    items: list[tuple[str, Origin]] = field(default_factory=list)

    def add(self, text: str, origin: Origin) -> None:
        for line in text.split("\n"):
            self.items.append((line, origin))

    def text(self) -> str:
        return "\n".join(t for t, _ in self.items).strip("\n") + "\n"

    def origins(self) -> list[Origin]:
        """The origin of each line of ``text()``."""
        lead = next((k for k, (t, _) in enumerate(self.items) if t.strip()), len(self.items))
        return [o for _, o in self.items[lead:]]


@dataclass
class Unit:
    id: str
    title: str
    body: Lines
    origin: Origin
    duration: int | None = None
    outcomes: list[str] = field(default_factory=list)


@dataclass
class Course:
    title: str
    language: str = "en"
    units: list[Unit] = field(default_factory=list)
    introduction: Lines | None = None
    guide: Lines | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # figures/..., readings/...: their bytes
    report: Diagnostics = field(default_factory=Diagnostics)
    authors: list[str] = field(default_factory=list)
    licence: str | None = None

    def left_out(self, origin: Origin, message: str) -> None:
        """A line of the report: what could not be mapped, and what was written instead."""
        self.report.items.append(Diagnostic(origin[0], origin[1], 0, message, "warning"))

    def new_id(self, wanted: str) -> str:
        base = slug(wanted) or "unit"
        base = "introduction-unit" if base == "introduction" else base  # (introduction.md is the course's own)
        taken = {u.id for u in self.units} | {"introduction"}
        ident, n = base, 1
        while ident in taken:
            n += 1
            ident = f"{base}-{n}"
        return ident

    def figure_name(self, name: str, data: bytes) -> str:
        """``figures/<name>``, a name of its own (the same bytes under the same name share it)."""
        stem, dot, ext = name.rpartition(".")
        stem, ext = (slug(stem) or "figure", ext.lower()) if dot else (slug(name) or "figure", "")
        candidate, n = f"figures/{stem}.{ext}", 1
        while candidate in self.files and self.files[candidate] != data:
            n += 1
            candidate = f"figures/{stem}-{n}.{ext}"
        self.files[candidate] = data
        return candidate


def slug(text: str) -> str:
    """A lower-case id as the course format wants: a-z, 0-9, single hyphens."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")


def _front(meta: dict[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000) + "---\n\n"


def write(course: Course, staging: Staging, course_id: str) -> dict[str, list[Origin]]:
    """Write the course folder; return, per Markdown file written, the origin of each line."""
    meta: dict[str, Any] = {
        "id": course_id,
        "title": course.title,
        "version": "1.0",
        "date": dt.date.today(),
        "language": course.language,
    }
    if course.authors:
        meta["authors"] = course.authors
    if course.licence:
        meta["licence"] = course.licence
    meta["units"] = [u.id for u in course.units]
    staging.write("course.yaml", yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=1000))
    origins: dict[str, list[Origin]] = {}
    for unit in course.units:
        front: dict[str, Any] = {"id": unit.id, "title": unit.title}
        if unit.duration:
            front["duration"] = unit.duration
        if unit.outcomes:
            front["learning_outcomes"] = unit.outcomes
        head = _front(front)
        rel = f"units/{unit.id}.md"
        staging.write(rel, head + unit.body.text())
        origins[rel] = [unit.origin] * head.count("\n") + unit.body.origins()
    for rel, lines in (("introduction.md", course.introduction), ("instructor/guide.md", course.guide)):
        if lines is not None and lines.text().strip():
            staging.write(rel, lines.text())
            origins[rel] = lines.origins()
    for rel, data in sorted(course.files.items()):
        staging.write(rel, data)
    return origins
