"""The build matrix: course × language × edition → targets, each writing one file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursepack.editions import EDITIONS, Edition
from coursepack.errors import BuildError
from coursepack.model import Course

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class Target:
    """One artefact to build."""

    course: Course
    lang: str
    edition: Edition
    paper: str
    output: Path

    @property
    def key(self) -> str:
        return f"{self.course.meta.id}/{self.lang}/{self.edition.name}"


def plan_targets(
    courses: list[Course], output: Path, langs: list[str] | None, editions: list[str] | None
) -> list[Target]:
    """Every target the options ask for, dependencies first; two may never write one file."""
    wanted = list(editions or EDITIONS)
    for name in list(wanted):  # an edition that cites another needs it built too
        needs = EDITIONS[name].needs
        if needs and needs not in wanted:
            wanted.insert(0, needs)
    order = [n for n in EDITIONS if n in wanted]
    targets: list[Target] = []
    seen: dict[Path, str] = {}
    for course in courses:
        for lang in course.languages:
            if langs and lang not in langs:
                continue
            for name in order:
                edition = EDITIONS[name]
                path = output / course.meta.id / lang / edition.filename
                target = Target(course, lang, edition, course.meta.paper, path)
                if path in seen:
                    raise BuildError(
                        f"{target.key} and {seen[path]} would both write {path}: give the courses different ids"
                    )
                seen[path] = target.key
                targets.append(target)
    if not targets:
        available = sorted({lang for c in courses for lang in c.languages})
        raise BuildError(
            f"no pack to build: --lang {', '.join(langs or [])} matches none of the courses' languages ({', '.join(available)})"
        )
    return targets
