"""The build matrix: course × language × edition (× variant) → targets, each writing one file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursepack.content.model import Course, Exercise
from coursepack.errors import BuildError, OptionError, closest
from coursepack.markdown.document import walk
from coursepack.render.editions import EDITIONS, Edition


@dataclass(frozen=True)
class Paper:
    """A page size and the geometry the theme uses on it."""

    css: str
    width_mm: float
    height_mm: float
    margin: str  # top right bottom left
    font_size: str
    inner: str = ""  # duplex: the binding side
    outer: str = ""

    @property
    def content_height_mm(self) -> float:
        """The height inside the top and bottom margins."""
        top, _, bottom, _ = (float(m.removesuffix("mm")) for m in self.margin.split())
        return self.height_mm - top - bottom


PAPERS = {
    "a4": Paper("A4", 210, 297, "24mm 20mm 26mm 22mm", "10pt", "25mm", "17mm"),
    "letter": Paper("letter", 215.9, 279.4, "22mm 22mm 24mm 24mm", "10pt", "27mm", "19mm"),
    "a5": Paper("A5", 148, 210, "16mm 14mm 18mm 16mm", "9pt", "18mm", "12mm"),
}
PAPER_SIZES = {name: p.css for name, p in PAPERS.items()}


@dataclass(frozen=True)
class Variant:
    """How a pack is printed: paper, sides, print-shop marks, imposition."""

    paper: str | None = None  # None: the course's paper
    duplex: bool = False
    print_shop: bool = False
    booklet: bool = False  # A5 pages imposed 2-up on A4 sheets
    n_up: int | None = None

    @property
    def two_sided(self) -> bool:
        """Laid out for both sides of the sheet: duplex, and always a booklet (it is folded)."""
        return self.duplex or self.booklet

    def suffix(self, default_paper: str) -> str:
        """'' for the plain PDF, else '-letter-duplex', '-a5-booklet', ..."""
        parts = []
        paper = "a5" if self.booklet else (self.paper or default_paper)
        if paper != default_paper:
            parts.append(paper)
        parts += [
            name for name, on in (("duplex", self.duplex), ("print", self.print_shop), ("booklet", self.booklet)) if on
        ]
        if self.n_up:
            parts.append(f"{self.n_up}up")
        return "".join(f"-{p}" for p in parts)


@dataclass(frozen=True)
class Target:
    """One artefact to build: a course in one language, one edition, one variant."""

    course: Course
    lang: str
    edition: Edition
    paper: str
    output: Path
    review: bool = False
    variant: Variant = Variant()
    item: str | None = None  # the exercise of a per-exercise edition (a handout)

    @property
    def key(self) -> str:
        """course/lang/file-stem, e.g. 'cybercrime-tip-som/fr/handouts/ex-debate'."""
        lang_dir = self.output.parent.parent if self.item else self.output.parent
        return f"{self.course.meta.id}/{self.lang}/" + self.output.relative_to(lang_dir).as_posix().removesuffix(".pdf")


def output_stem(edition: Edition, item: str | None = None) -> str:
    """An edition's file name in a language's folder, before the variant's suffix: 'student',
    'handouts/ex-debate'."""
    return f"{edition.filename}/{item}" if item else edition.filename.removesuffix(".pdf")


def plan_targets(
    localized: dict[tuple[str, str], Course],
    output: Path,
    langs: list[str] | None,
    editions: list[str] | None,
    review: bool = False,
    variants: list[Variant] | None = None,
) -> list[Target]:
    """Every target the options ask for, dependencies first; two may never write one file.

    Review builds add the bilingual proofreading edition for each translated language.
    """
    wanted = list(editions or [n for n, e in EDITIONS.items() if not e.review_only and not e.on_request])
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
        course_variants = variants if variants is not None else [Variant(), *course_print_variants(course)]
        for variant in course_variants:
            for name in order:
                edition = EDITIONS[name]
                if edition.review_only and (not review or lang == course.meta.language or variant != Variant()):
                    continue
                paper = "a5" if variant.booklet else (variant.paper or course.meta.paper)
                items: list[str | None] = [None]
                if edition.per_exercise:  # (a sheet of answers only for an exercise that has some)
                    answers = "answer" in edition.audiences
                    items = [e for e in course.exercise_order if not answers or has_answer(course.exercises[e])]
                for item in items:
                    stem = output_stem(edition, item) + variant.suffix(course.meta.paper)
                    filename = f"{stem}-review.pdf" if review and not edition.review_only else f"{stem}.pdf"
                    path = output / course.meta.id / lang / filename
                    target = Target(course, lang, edition, paper, path, review, variant, item)
                    if path in seen:
                        raise BuildError(
                            f"{target.key} and {seen[path]} would both write {path}: give the courses different ids"
                        )
                    seen[path] = target.key
                    targets.append(target)
    if not targets:
        available = sorted({lang for course in localized.values() for lang in course.languages})
        raise OptionError(
            f"no pack to build: --lang {', '.join(langs or [])} matches none of the courses' languages ({', '.join(available)})"
        )
    return targets


def course_print_variants(course: Course) -> list[Variant]:
    """The print variants a course asks `make` to build by default."""
    return [Variant(v.paper, v.duplex, v.print_shop, v.booklet) for v in course.meta.print_variants]


# what ``--only`` builds: the handouts of the exercises it names and their answer sheets, and the
# student pack they cite (where a unit's text is, and whose pages a handout prints)
ONLY_EDITIONS = ["handouts", "answer-sheets"]


def has_answer(ex: Exercise) -> bool:
    """Whether an exercise has text for its answer key (a solution, a model answer)."""
    if ex.inline is not None:
        runs = [(ex.inline.parsed.tokens, ex.inline.open, ex.inline.close + 1)]
    elif ex.source.tree is not None:
        runs = [(c.parsed.tokens, c.start, len(c.parsed.tokens) if c.end < 0 else c.end) for c in ex.source.tree.chunks]
    else:
        runs = []
    return any("answer" in needs for tokens, start, end in runs for _i, _tok, needs in walk(tokens, start, end))


def exercises_of(course: Course, ident: str) -> list[str] | None:
    """The exercises ``ident`` stands for in a course: itself, or those of the unit it names
    (listed in its front matter or written in it); None when it is neither."""
    if ident in course.exercises:
        return [ident]
    unit = next((u for u in course.units if u.meta.id == ident), None)
    if unit is None:
        return None
    return [e for e in course.exercise_order if e in unit.meta.exercises or course.exercises[e].unit == ident]


def only_targets(targets: list[Target], courses: list[Course], only: list[str]) -> list[Target]:
    """The targets of ``--only`` (planned with ``ONLY_EDITIONS``): the handouts and answer sheets
    of the exercises and units named, and each course's student pack, in the languages and
    variants planned.
    An id no course has is an error naming the one it most likely meant."""
    wanted: dict[str, set[str]] = {}  # course id -> the exercises whose handouts are built
    for ident in only:
        found = False
        for course in courses:
            items = exercises_of(course, ident)
            if items is not None:
                found = True
                wanted.setdefault(course.meta.id, set()).update(items)
        if not found:
            names = sorted({u.meta.id for c in courses for u in c.units} | {e for c in courses for e in c.exercises})
            meant = closest(ident, names, cutoff=0.6)
            hint = f"did you mean '{meant}'?" if meant else f"give a unit or an exercise id: {', '.join(names[:8])}"
            hint += "" if meant or len(names) <= 8 else ", ..."
            raise OptionError(f"--only {ident}: no unit or exercise has this id: {hint}")
    return [t for t in targets if t.course.meta.id in wanted and (t.item is None or t.item in wanted[t.course.meta.id])]
