"""Typed views: what the templates of one edition receive.

``resolve()`` builds one ``PackView`` per edition; the template gets its fields as top-level
names (``PackView.as_context``): ``course``, ``units``, ``exercises``, ``readings``... and the
build's facts (``BuildFacts``: paper, variant, date, fallbacks). Jinja reads a view's fields
as it read a dictionary's keys, ``unit.title`` or ``readings["core"]``.

Views are frozen and hold only data and the helper functions templates call (``pageref``,
``head``...); they have no public methods, so that the sandbox gives a template their values
and nothing else. HTML is ``Markup`` (already escaped), plain text ``str`` (escaped when
printed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol

from markupsafe import Markup

if TYPE_CHECKING:
    from coursepack.content.localize import Fallback
    from coursepack.matrix import Paper, Variant


@dataclass(frozen=True, slots=True)
class GlossaryEntryView:
    """A term of the glossary: its definition and the pages where the text uses it."""

    id: str
    term: Markup
    definition: Markup | None
    pages: Markup  # the engine writes the pages in ("12–14, 17"); empty when the term is not used


@dataclass(frozen=True, slots=True)
class IndexEntryView:
    """An entry of the index (or a sub-entry): its pages, what to see instead or also."""

    text: Markup
    pages: Markup  # the engine writes the pages in; empty for an entry that only sends elsewhere
    see: list[Markup]
    see_also: list[Markup]
    subs: list[IndexEntryView]


@dataclass(frozen=True, slots=True)
class GroupView:
    """The entries under one letter of the glossary or the index ("A", "Ш", "ت", "R" for 人口)."""

    head: str
    entries: list[Any]


@dataclass(frozen=True, slots=True)
class BuildFacts:
    """What the build knows of a target and the course does not: its paper and print variant,
    its date, the translation's fallbacks, the exercise of a per-exercise edition."""

    page: Paper  # the paper's geometry
    variant: Variant
    created: str  # ISO date and time (the build's epoch)
    source_lang: str  # the course's source language
    review: bool = False  # a review copy: prints the fallbacks' appendix
    fallbacks: list[Fallback] = field(default_factory=list)  # the passages left in the source language
    untranslated: list[str] = field(default_factory=list)  # the files printed in the source language
    item: str | None = None  # the exercise of a per-exercise edition (a handout)

    @property
    def paper_size(self) -> str:
        """The paper's CSS size name ("A4", "letter")."""
        return self.page.css


class Numbered(Protocol):
    """An entry of the contents that has a number (a unit, an exercise)."""

    @property
    def num(self) -> object: ...


@dataclass(frozen=True, slots=True)
class EditionView:
    name: str  # "student", "instructor", "handouts"...
    title: Markup  # translated: "Student pack"
    layout: str  # the body class's name: the edition's own, or the one whose pages it shares ("handouts")
    sheets: bool  # each exercise a sheet of its own (handouts, the exercise booklet)
    answers: bool = False  # prints the model answers (the guide, the answer key and answer sheets)


@dataclass(frozen=True, slots=True)
class OutcomeView:
    """A course learning outcome, with its label ("LO1")."""

    label: str
    text: Markup


@dataclass(frozen=True, slots=True)
class CourseView:
    """The course's metadata, as printed."""

    id: str
    title: Markup
    short_title: Markup  # for running heads (the title when there is none)
    subtitle: Markup
    authors: list[str]
    institution: str | None
    version: str
    date: str  # ISO
    date_text: str  # in the language: "3 March 2026"
    licence: str | None
    description: str | None
    keywords: list[str]
    resource_note: str | None
    content_warning: Markup | None
    contact: Markup | None
    cover_text: Markup | None
    paper: str  # the course's default paper: "a4", "letter", "a5"
    outcomes: list[OutcomeView]
    contents_depth: int


@dataclass(frozen=True, slots=True)
class SectionView:
    """A heading of a unit, for the contents (``contents_depth`` 2 or 3)."""

    id: str
    level: int
    title: Markup


@dataclass(frozen=True, slots=True)
class UnitReadingView:
    """A reading listed by a unit."""

    id: str
    html: Markup  # the formatted entry
    dir: str  # its direction: "ltr" or "rtl" (an entry left in the source's script keeps its own)
    level: str  # "core" or "advanced"


@dataclass(frozen=True, slots=True)
class ExerciseRefView:
    """An exercise a unit lists."""

    id: str
    num: int
    title: Markup


@dataclass(frozen=True, slots=True)
class UnitRefView:
    """The unit an exercise belongs to."""

    id: str
    num: int
    title: Markup


@dataclass(frozen=True, slots=True)
class UnitView:
    num: int
    id: str
    title: Markup
    duration: str | None
    outcomes: list[Markup]
    html: Markup | None  # None where the edition does not print units' text (the guide)
    notes: list[Markup]  # its instructor-only blocks (instructor's guide only)
    sections: list[SectionView]
    readings: list[UnitReadingView]
    exercises: list[ExerciseRefView]


@dataclass(frozen=True, slots=True)
class ExerciseView:
    num: int
    id: str
    title: Markup
    timing: str | None  # "Pre-class", "In class", "Post-class"
    kind: str | None  # the printed label of its kind
    kind_key: str  # its kind as written ("case-study"), "exercise" when none
    duration: str | None
    group_size: Markup | str | None
    outcomes: list[str]  # labels: "LO1"
    materials: list[Markup]
    unit: UnitRefView | None
    inline: bool  # written in a unit
    html: Markup | None  # None where the edition does not print it apart


@dataclass(frozen=True, slots=True)
class SolutionView:
    """The solutions of an exercise written in a unit (``solutions: end``)."""

    id: str
    num: int
    html: Markup


@dataclass(frozen=True, slots=True)
class ReadingView:
    """An entry of the reading list."""

    url: str | None
    qr: str | None  # a QR code of the url as an SVG data URI (the reading list on its own)
    id: str
    html: Markup
    dir: str
    annotation: Markup | None
    units: list[int]  # the numbers of the units that list it
    sort: tuple[str, int, str]  # (first author, year, title): the list's order


@dataclass(frozen=True, slots=True)
class ReadingsView:
    core: list[ReadingView]
    advanced: list[ReadingView]


@dataclass(frozen=True, slots=True)
class QuestionView:
    text: Markup | None
    answer: Markup | None  # only in editions that show answers


@dataclass(frozen=True, slots=True)
class CriterionView:
    name: str
    weight: int | None  # percent
    descriptors: list[str]  # one a level


@dataclass(frozen=True, slots=True)
class RubricView:
    id: str
    title: str
    levels: list[str]
    criteria: list[CriterionView]


@dataclass(frozen=True, slots=True)
class TaskView:
    """An assessment task."""

    id: str
    title: Markup
    kind: str  # the printed label: "Essay"
    weight: str | None  # formatted: "30 %"
    instructions: Markup | None
    questions: list[QuestionView]
    rubric: RubricView | None


@dataclass(frozen=True, slots=True)
class AssessmentView:
    intro: Markup | None
    tasks: list[TaskView]


@dataclass(frozen=True, slots=True)
class PlanRowView:
    """A timed block of a class plan."""

    start: str  # the clock time ("09:30"), or the time elapsed ("1:30") for a plan without a start
    minutes: int
    title: Markup
    kind: str
    refs: list[str]  # the ids of the unit and exercise it uses
    notes: Markup | None


@dataclass(frozen=True, slots=True)
class PlanDayView:
    day: int
    rows: list[PlanRowView]


@dataclass(frozen=True, slots=True)
class PlanView:
    id: str
    title: Markup
    length: str  # the stated length, formatted
    total: str  # the blocks' sum, formatted
    clock: bool  # whether rows start at clock times
    description: Markup | None
    days: list[PlanDayView]
    multi_day: bool


@dataclass(frozen=True, slots=True)
class MatrixRowView:
    num: int
    id: str
    title: Markup
    marks: list[bool]  # one an outcome: whether the exercise practises it


@dataclass(frozen=True, slots=True)
class MatrixView:
    """The alignment of exercises with the course's learning outcomes."""

    outcomes: list[OutcomeView]
    rows: list[MatrixRowView]


@dataclass(frozen=True, slots=True)
class PairRowView:
    """A section of a document, in the source and in the translation."""

    source: Markup | None
    translation: Markup | None


@dataclass(frozen=True, slots=True)
class PairView:
    """A document of the pack side by side with its translation (the bilingual review)."""

    path: str  # the source file, relative to the course folder
    title: Markup  # in the source language
    translated_title: Markup | None
    rows: list[PairRowView]
    missing: bool  # no translation of the file


@dataclass(frozen=True, slots=True)
class PackView:
    """The whole template context of one edition of a course in one language."""

    lang: str
    dir: str  # "ltr" or "rtl"
    edition: EditionView
    course: CourseView
    introduction: Markup | None
    introduction_notes: list[Markup]
    units: list[UnitView]
    exercises: list[ExerciseView]  # the pack's series; in a per-exercise edition, its exercise only
    exercise_part: list[ExerciseView]  # those the student pack prints in its Exercises part
    solutions: list[SolutionView]
    readings: ReadingsView
    assessment: AssessmentView | None
    plans: list[PlanView]
    guide: Markup | None
    matrix: MatrixView | None
    pairs: list[PairView]  # the bilingual review only
    labels: dict[str, str]  # a target's label by id: "Unit 3"
    colon: str  # the language's colon, with its spacing
    list_sep: str  # between the items of a short list
    student_page: Callable[[str], int | None]  # the page of an id in the student pack built
    pageref: Callable[[str], Markup]  # the page reference after a target's label
    toc_width: Callable[..., Markup]  # the contents' number column, when wider than two digits
    page_link: Callable[[str], Markup]  # the page of a passage of fallback text (review copies)
    head: Callable[..., str]  # a running head that fits its box: head(text, "title" or "chapter")
    facts: BuildFacts
    glossary: list[GroupView] = field(default_factory=list)  # the student pack's glossary, by letter
    book_index: list[GroupView] = field(default_factory=list)  # the back-of-book index, by letter

    def as_context(self) -> dict[str, object]:
        """The names a template sees: the view's fields and the build's facts, side by side."""
        names = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "facts"}
        facts = self.facts
        names.update(
            page=facts.page,
            paper_size=facts.paper_size,
            variant=facts.variant,
            created=facts.created,
            review=facts.review,
            fallbacks=facts.fallbacks,
            untranslated=facts.untranslated,
            source_lang=facts.source_lang,
            item=facts.item,
        )
        return names
