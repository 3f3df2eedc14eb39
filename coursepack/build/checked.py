"""Phase 1 of a build: every course and language loaded and validated before anything is typeset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from coursepack import plugins
from coursepack.content.load import load_course
from coursepack.content.localize import Fallback, localize
from coursepack.content.model import Course
from coursepack.content.validate import check_coverage, validate_course, validate_translation
from coursepack.errors import Diagnostics, display_path
from coursepack.render.html import check_rendering
from coursepack.render.theme import check_templates


@dataclass
class Checked:
    """Every course in every language, validated, with what falls back to the source language."""

    courses: list[Course]
    localized: dict[tuple[str, str], Course]
    fallbacks: dict[tuple[str, str], list[Fallback]]
    diags: Diagnostics


def load_and_check(course_dirs: list[Path], strict: bool = False, langs: list[str] | None = None) -> Checked:
    """Load and validate every course and language (or only ``langs``, with the source each is
    translated from); raise ContentError with every problem found."""
    plugins.load()  # (once per process; the CLI loads them first, to offer their editions)
    diags = Diagnostics()
    checked = Checked([], {}, {}, diags)
    for root in course_dirs:
        course = load_course(root, diags)
        if course is None:
            continue
        other = next((c for c in checked.courses if c.meta.id == course.meta.id), None)
        if other is not None:
            diags.error(
                *course.positions.get("course.id", (root / "course.yaml", 1, 1)),
                f"course id '{course.meta.id}' is also the id of {display_path(other.root)}: "
                "give each course its own id (their PDFs would be written to the same folder)",
            )
            continue
        before = len(diags.errors)
        ids = validate_course(course, diags)
        check_templates(course.root, diags, course.meta.theme)
        if len(diags.errors) == before:  # (a course with errors is not rendered: they are reported already)
            check_rendering(course, diags)
        checked.courses.append(course)
        for lang in course.languages:
            wanted = not langs or lang in langs
            if not wanted and lang != course.meta.language:
                continue  # a translation not built now: its problems do not stop this build
            localized, fallbacks = localize(course, lang, diags)
            if lang != course.meta.language:
                validate_translation(course, localized, ids, diags)
            if wanted:
                check_coverage(localized, lang, diags)
            checked.localized[(course.meta.id, lang)] = localized
            checked.fallbacks[(course.meta.id, lang)] = fallbacks
    diags.raise_if(strict)
    return checked


def course_epoch(course: Course, epoch: int | None) -> int:
    if epoch is not None:
        return epoch
    return int(dt.datetime.combine(course.meta.date, dt.time(), dt.UTC).timestamp())
