"""The build matrix: course × language × edition (× variant) → targets, each writing one file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursepack.editions import EDITIONS, Edition
from coursepack.errors import BuildError
from coursepack.model import Course

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class Target:
    """One artefact to build: a course in one language, one edition, one variant."""

    course: Course
    lang: str
    edition: Edition
    paper: str
    output: Path
    review: bool = False

    @property
    def key(self) -> str:
        return f"{self.course.meta.id}/{self.lang}/{self.edition.name}" + ("-review" if self.review else "")


def plan_targets(
    localized: dict[tuple[str, str], Course],
    output: Path,
    langs: list[str] | None,
    editions: list[str] | None,
    review: bool = False,
) -> list[Target]:
    """Every target the options ask for, dependencies first; two may never write one file.

    Review builds add the bilingual proofreading edition for each translated language.
    """
    wanted = list(editions or [n for n, e in EDITIONS.items() if not e.review_only])
    for name in list(wanted):  # an edition that cites another needs it built too
        needs = EDITIONS[name].needs
        if needs and needs not in wanted:
            wanted.insert(0, needs)
    order = [n for n in EDITIONS if n in wanted or (review and EDITIONS[n].review_only and not editions)]
    targets: list[Target] = []
    seen: dict[Path, str] = {}
    for (_, lang), course in localized.items():
        if langs and lang not in langs:
            continue
        for name in order:
            edition = EDITIONS[name]
            if edition.review_only and (not review or lang == course.meta.language):
                continue
            stem = edition.filename.removesuffix(".pdf")
            filename = f"{stem}-review.pdf" if review and not edition.review_only else edition.filename
            path = output / course.meta.id / lang / filename
            target = Target(course, lang, edition, course.meta.paper, path, review)
            if path in seen:
                raise BuildError(
                    f"{target.key} and {seen[path]} would both write {path}: give the courses different ids"
                )
            seen[path] = target.key
            targets.append(target)
    if not targets:
        available = sorted({lang for (_, lang) in localized})
        raise BuildError(
            f"no pack to build: --lang {', '.join(langs or [])} matches none of the courses' languages ({', '.join(available)})"
        )
    return targets
