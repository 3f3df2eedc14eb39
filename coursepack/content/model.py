"""The typed content model: what course.yaml, front matter and data files may say.

Each field's description is its documentation and goes into the published JSON Schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints

if TYPE_CHECKING:
    from coursepack.markdown.document import Body, InlineExercise

Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80),
    Field(description="A lower-case id: letters a-z, digits and single hyphens."),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200_000)]
Minutes = Annotated[int, Field(gt=0, le=100_000, description="Whole minutes.")]
LangCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")]


# The one list of what a translation gives: each field marked so. The translation files' models,
# the files `coursepack translate` starts, and the report of text left in the source language are
# derived from these marks (localize.text_model, translation.text_only, localize.untranslated_text).
TRANSLATABLE: dict[str, Any] = {"translatable": True}


def is_translatable(field: Any) -> bool:
    """Whether a model field (pydantic FieldInfo) is marked TRANSLATABLE."""
    extra = getattr(field, "json_schema_extra", None)
    return isinstance(extra, dict) and extra.get("translatable") is True


class Strict(BaseModel):
    """Base: unknown keys are errors, so a typo never disappears silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Outcome(Strict):
    """A course-level learning outcome."""

    id: Slug
    text: Text = Field(json_schema_extra=TRANSLATABLE, description="The outcome, starting with a verb.")


class PrintVariant(Strict):
    """One print variant of every pack: paper, binding and print-shop options."""

    paper: Literal["a4", "letter", "a5"] | None = None
    duplex: bool = False
    print_shop: bool = False
    booklet: bool = False


class CourseMeta(Strict):
    """course.yaml: the course's metadata and the order of its parts."""

    id: Slug = Field(description="The course id; also the output folder name.")
    title: Text = Field(json_schema_extra=TRANSLATABLE)
    short_title: Text | None = Field(
        json_schema_extra=TRANSLATABLE,
        default=None,
        description="A short title for running heads (default: the title).",
    )
    subtitle: Text | None = Field(default=None, json_schema_extra=TRANSLATABLE)
    authors: list[Text] = Field(default_factory=list, description="People or bodies, as printed.")
    institution: Text | None = None
    version: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="Version or edition label, e.g. '1.0'."
    )
    date: dt.date = Field(description="Edition date (YYYY-MM-DD); default timestamp of reproducible builds.")
    licence: Text | None = None
    language: LangCode = Field(default="en", description="The source language.")
    languages: list[LangCode] | None = Field(default=None, description="Languages to build (default: the source).")
    paper: Literal["a4", "letter", "a5"] = Field(default="a4", description="Default paper size.")
    theme: Slug | None = Field(
        default=None,
        description="A theme installed as a plugin (`coursepack plugins` lists them); default: the built-in theme.",
    )
    print_variants: list[PrintVariant] = Field(
        default_factory=list, description="Print variants `make` builds besides the plain PDFs (e.g. an A5 booklet)."
    )
    description: Text | None = Field(
        json_schema_extra=TRANSLATABLE, default=None, description="One sentence: the PDF subject."
    )
    keywords: list[Text] = Field(json_schema_extra=TRANSLATABLE, default_factory=list)
    resource_note: Text | None = Field(
        json_schema_extra=TRANSLATABLE, default=None, description="A line for the imprint page."
    )
    content_warning: Text | None = Field(
        json_schema_extra=TRANSLATABLE, default=None, description="Markdown, shown on the imprint page."
    )
    contact: Text | None = Field(json_schema_extra=TRANSLATABLE, default=None, description="Markdown.")
    cover_text: Text | None = Field(
        json_schema_extra=TRANSLATABLE, default=None, description="Markdown, printed on the cover."
    )
    outcomes: list[Outcome] = Field(
        json_schema_extra=TRANSLATABLE, default_factory=list, description="Course learning outcomes."
    )
    units: list[Slug] = Field(min_length=1, description="Unit ids in reading order (files units/<id>.md).")
    exercises: list[Slug] | None = Field(
        default=None, description="Order of the Exercises part (default: the order units list them)."
    )
    terms: dict[str, Text] = Field(
        json_schema_extra=TRANSLATABLE,
        default_factory=dict,
        description="Interface words renamed for this course: {'Unit %(num)s': 'Lesson %(num)s', 'Units': 'Lessons'}.",
    )
    contents_depth: Annotated[int, Field(ge=1, le=3)] = Field(
        default=1, description="What the contents list: 1 units and parts, 2 also their ## sections, 3 also ###."
    )
    link_addresses: Literal["footnote", "after", "none"] = Field(
        default="footnote",
        description="Where the address of an external link is printed for readers of paper: in a footnote, "
        "in brackets after the link text, or not at all.",
    )
    citation_style: str | None = Field(
        default=None,
        validation_alias=AliasChoices("citation_style", "citation-style", "csl"),  # (Pandoc's and Quarto's names)
        description="How citations and reading lists are formatted: a bundled CSL style (oscola, chicago-notes, "
        "chicago-author-date, apa, harvard, mla, ieee, vancouver) or a .csl file of the course (styles/our.csl). "
        "None: author-date from the readings, without pandoc.",
    )
    solutions: Literal["guide", "end"] = Field(
        default="guide",
        description="Solutions of exercises written in units: in the instructor's guide and answer key only ('guide'), "
        "or also in a Solutions section at the end of the student pack ('end').",
    )


class UnitMeta(Strict):
    """Front matter of a unit (units/<id>.md)."""

    id: Slug
    title: Text = Field(json_schema_extra=TRANSLATABLE)
    duration: Minutes | None = None
    learning_outcomes: list[Text] = Field(
        json_schema_extra=TRANSLATABLE, default_factory=list, description="Each starts with a verb."
    )
    readings: list[Slug] = Field(default_factory=list, description="Reading ids for this unit.")
    exercises: list[Slug] = Field(default_factory=list, description="Exercise ids for this unit.")


Timing = Literal["pre-class", "in-class", "post-class"]
# an open vocabulary: these have a translated label; any other slug prints as written ("coding" → "Coding")
EXERCISE_KINDS = (
    "discussion",
    "case-study",
    "debate",
    "role-play",
    "research-task",
    "problem-question",
    "reflection",
    "coding",
    "multiple-choice",
    "short-answer",
    "quiz",
    "essay",
)


GroupSize = (
    Annotated[int, Field(ge=1, le=500)] | Annotated[str, StringConstraints(pattern=r"^(\d{1,3}-\d{1,3}|class)$")]
)


class ExerciseMeta(Strict):
    """Front matter of an exercise (exercises/<id>.md)."""

    id: Slug
    title: Text = Field(json_schema_extra=TRANSLATABLE)
    timing: Timing | None = Field(default=None, description="When it is done (optional).")
    kind: Slug | None = Field(
        default=None,
        description="What kind of exercise: " + ", ".join(EXERCISE_KINDS) + " or any other word (printed as written).",
    )
    duration: Minutes | None = None
    group_size: GroupSize | None = Field(
        default=None, description="1 (individual), 2 (pairs), a size like 4 or a range like '4-5', or 'class'."
    )
    grouping: Text | None = Field(
        json_schema_extra=TRANSLATABLE, default=None, description="How students are grouped, in words (translatable)."
    )
    outcomes: list[Slug] = Field(default_factory=list, description="Course outcome ids addressed.")
    materials: list[Text] = Field(json_schema_extra=TRANSLATABLE, default_factory=list)


# a last author that stands for more, printed "et al." (BibTeX's 'and others', CSL-JSON's {"literal": "others"})
ET_AL = "others"
IMAGE_TYPES = frozenset({".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"})  # what a course's images may be


class Reading(Strict):
    """One reading: an entry of a readings/*.yaml list (or of a .bib or CSL-JSON file there)."""

    id: Slug
    type: Literal["instrument", "book", "chapter", "article", "report", "web"] = "report"
    authors: list[Text] = Field(
        min_length=1, description="People as 'Surname, Given names'; or a body. A last 'others' prints 'et al.'."
    )
    year: int = Field(ge=1000, le=2100)
    title: Text
    container: Text | None = Field(default=None, description="Journal or book title.")
    volume: Text | int | None = None
    issue: Text | int | None = None
    pages: Text | int | None = None
    publisher: Text | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    level: Literal["core", "advanced"] = "core"
    annotation: Text | None = Field(
        json_schema_extra=TRANSLATABLE, default=None, description="One line on why to read it."
    )
    csl: dict[str, Any] = Field(
        default_factory=dict,
        description="CSL-JSON variables kept for citation styles, over what the keys above say: a .bib or .json "
        "reading's whole entry as a CSL-JSON item; in YAML, variables the keys lack (ISBN, edition...).",
    )


BlockKind = Literal["lecture", "exercise", "discussion", "break", "film", "assessment"]


class GlossaryEntry(Strict):
    """A term of the glossary: glossary.yaml is a list of these (a translation's, their text)."""

    id: Slug
    term: Text = Field(json_schema_extra=TRANSLATABLE, description="The term as the glossary prints it.")
    definition: Text = Field(json_schema_extra=TRANSLATABLE, description="Markdown.")
    aliases: list[Text] = Field(
        json_schema_extra=TRANSLATABLE,
        default_factory=list,
        description="Other forms the text refers to it by ({term}`victims <victim>` needs none).",
    )


class PlanBlock(Strict):
    """One timed block of a class plan."""

    title: Text = Field(json_schema_extra=TRANSLATABLE)
    minutes: Minutes
    kind: BlockKind = "lecture"
    unit: Slug | None = None
    exercise: Slug | None = None
    day: Annotated[int, Field(gt=0, le=30)] | None = None
    notes: Text | None = Field(json_schema_extra=TRANSLATABLE, default=None, description="Markdown.")


class Plan(Strict):
    """A class plan (instructor/plans.yaml is a list of these)."""

    id: Slug
    title: Text = Field(json_schema_extra=TRANSLATABLE)
    length: Minutes = Field(description="Stated length; the blocks must add up to it.")
    start: Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] | None = None
    description: Text | None = Field(json_schema_extra=TRANSLATABLE, default=None, description="Markdown.")
    blocks: list[PlanBlock] = Field(json_schema_extra=TRANSLATABLE, min_length=1)


class Question(Strict):
    """An assessment question; the answer appears only in the instructor's guide."""

    text: Text = Field(json_schema_extra=TRANSLATABLE, description="Markdown.")
    answer: Text | None = Field(
        json_schema_extra=TRANSLATABLE, default=None, description="Markdown; instructor's guide only."
    )


class Task(Strict):
    """An assessment task."""

    id: Slug
    title: Text = Field(json_schema_extra=TRANSLATABLE)
    kind: Literal["essay", "quiz", "short-answer", "presentation", "reflection", "policy-brief"] = "essay"
    weight: Annotated[int, Field(ge=0, le=100)] | None = Field(default=None, description="Percent.")
    instructions: Text | None = Field(
        json_schema_extra=TRANSLATABLE, default=None, description="Markdown, shown in the student pack."
    )
    questions: list[Question] = Field(json_schema_extra=TRANSLATABLE, default_factory=list)
    rubric: Slug | None = None


class Criterion(Strict):
    """A rubric criterion with one descriptor per level."""

    name: Text = Field(json_schema_extra=TRANSLATABLE)
    weight: Annotated[int, Field(ge=0, le=100)] | None = None
    descriptors: list[Text] = Field(json_schema_extra=TRANSLATABLE, min_length=1)


class Rubric(Strict):
    """A marking rubric: criteria × levels."""

    id: Slug
    title: Text = Field(json_schema_extra=TRANSLATABLE)
    levels: list[Text] = Field(json_schema_extra=TRANSLATABLE, min_length=2)
    criteria: list[Criterion] = Field(json_schema_extra=TRANSLATABLE, min_length=1)


class Assessment(Strict):
    """instructor/assessment.yaml."""

    intro: Text | None = Field(json_schema_extra=TRANSLATABLE, default=None, description="Markdown.")
    tasks: list[Task] = Field(json_schema_extra=TRANSLATABLE, default_factory=list)
    rubrics: list[Rubric] = Field(json_schema_extra=TRANSLATABLE, default_factory=list)


# ---------------------------------------------------------------------------
# The loaded course: metadata plus Markdown sources, with where each came from.


@dataclass
class MarkdownSource:
    """A Markdown body and where its first line sits in its file; ``tree`` is its parse (what the
    pack prints of it: in a translation, sections of the source where the translation lacks them)."""

    path: Path
    body: str
    first_line: int = 1
    tree: Body | None = None


@dataclass
class Unit:
    meta: UnitMeta
    source: MarkdownSource


@dataclass
class Exercise:
    """An exercise: a file of exercises/, or a ``::: exercise`` (``::: challenge``) written in a unit."""

    meta: ExerciseMeta
    source: MarkdownSource
    inline: InlineExercise | None = None  # where it is written in its unit
    unit: str | None = None  # the unit it is written in


@dataclass
class Course:
    """Everything one course folder says, loaded and schema-checked."""

    root: Path
    meta: CourseMeta
    units: list[Unit]
    exercises: dict[str, Exercise]
    readings: dict[str, Reading]
    introduction: MarkdownSource | None = None
    guide: MarkdownSource | None = None
    plans: list[Plan] = field(default_factory=list)
    assessment: Assessment | None = None
    # the glossary (glossary.yaml), by id, in this copy's language; and the names of its terms in
    # the source language (a translation's text may fall back to the source's): name -> id
    glossary: dict[str, GlossaryEntry] = field(default_factory=dict)
    glossary_names: dict[str, str] = field(default_factory=dict)
    # where each id and each front-matter key was defined: id -> (path, line, col)
    positions: dict[str, tuple[Path, int, int]] = field(default_factory=dict)
    # ids of entries that failed their own schema check (already reported)
    broken_ids: set[str] = field(default_factory=set)
    # the language this copy of the course is in, and the interface words it overrides
    lang: str = ""
    terms: dict[str, str] = field(default_factory=dict)
    # images the translation has its own version of: "figures/x.svg" -> "translations/fr/figures/x.svg"
    assets: dict[str, str] = field(default_factory=dict)
    # text of course.yaml, front matter and the YAML files shown in the source language (not translated)
    fallback_texts: set[str] = field(default_factory=set)
    # source file (relative path) -> its translated Markdown body as written, for bilingual proofs
    translated_bodies: dict[str, str | None] = field(default_factory=dict)
    # what later stages work out once per course and language (its index of targets)
    derived: dict[str, Any] = field(default_factory=dict)

    @property
    def exercise_order(self) -> list[str]:
        """Exercise ids in pack order: those written in units (in unit order), then the files'."""
        inline = [eid for unit in self.units for eid, ex in self.exercises.items() if ex.unit == unit.meta.id]
        return inline + self.file_exercise_order

    @property
    def file_exercise_order(self) -> list[str]:
        """The ids of exercises/ files in the order of the Exercises part."""
        if self.meta.exercises is not None:
            return list(self.meta.exercises)
        order: list[str] = []
        for unit in self.units:
            for ex in unit.meta.exercises:
                if ex not in order and ex in self.exercises and self.exercises[ex].inline is None:
                    order.append(ex)
        order += [ex for ex in sorted(self.exercises) if ex not in order and self.exercises[ex].inline is None]
        return order

    def markdown_sources(self) -> list[tuple[MarkdownSource, bool]]:
        """Every Markdown file of the course, once, and whether it is instructor-only (the guide)."""
        sources: list[tuple[MarkdownSource, bool]] = [(u.source, False) for u in self.units]
        sources += [(e.source, False) for e in self.exercises.values() if e.inline is None]
        if self.introduction:
            sources.append((self.introduction, False))
        if self.guide:
            sources.append((self.guide, True))
        return sources

    @property
    def languages(self) -> list[str]:
        return self.meta.languages or [self.meta.language]


SCHEMAS: dict[str, type[BaseModel]] = {
    "course": CourseMeta,
    "unit": UnitMeta,
    "exercise": ExerciseMeta,
    "reading": Reading,
    "plan": Plan,
    "assessment": Assessment,
    "glossary": GlossaryEntry,
}
