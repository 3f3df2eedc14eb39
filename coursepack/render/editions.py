"""Editions are data: which audiences' blocks each shows, its template and its file name."""

from __future__ import annotations

from dataclasses import dataclass

from coursepack.i18n import N_


@dataclass(frozen=True)
class Edition:
    name: str
    title: str  # message id, translated in templates
    template: str
    filename: str
    audiences: frozenset[str]
    needs: str | None = None  # an edition whose page numbers this one cites
    review_only: bool = False  # built only by review builds, for translated languages
    on_request: bool = False  # built only when asked for (--edition, --only), not by a plain build
    per_exercise: bool = False  # one file per exercise, in a folder named after the edition
    # each exercise a sheet of its own (notes from 1, typeset as its own part): an edition that
    # prints the same sheets on the same pages as another shares their typesetting with it
    sheets: bool = False
    layout: str = ""  # the class its body has (``edition-<layout>``): its own name unless it shares pages
    # what it prints, by place: introduction, unit (text), notes (units' teaching notes), exercise,
    # guide, plans, assessment, readings (the cross-references into it get its page numbers)
    prints: frozenset[str] = frozenset()
    glossary: bool = False  # prints the glossary (the terms of glossary.yaml, with the pages that use them)
    book_index: bool = False  # prints the back-of-book index (the index marks it prints, with their pages)


EDITIONS: dict[str, Edition] = {
    "student": Edition(
        "student",
        N_("Student pack"),
        "student.html",
        "student.pdf",
        frozenset({"student"}),
        prints=frozenset({"introduction", "unit", "exercise", "assessment", "readings"}),
        glossary=True,
        book_index=True,
    ),
    "instructor": Edition(
        "instructor",
        N_("Instructor's guide"),
        "instructor.html",
        "instructor.pdf",
        frozenset({"student", "instructor", "answer"}),
        needs="student",
        prints=frozenset({"guide", "plans", "notes", "exercise", "assessment", "readings"}),
        book_index=True,
    ),
    # handouts cite the student pack's pages for what they refer to outside the exercise
    "handouts": Edition(
        "handouts",
        N_("Handout"),
        "handout.html",
        "handouts",
        frozenset({"student", "handout"}),
        needs="student",
        per_exercise=True,
        sheets=True,
        prints=frozenset({"exercise"}),
    ),
    "exercise-booklet": Edition(
        "exercise-booklet",
        N_("Exercise booklet"),
        "handout.html",
        "exercise-booklet.pdf",
        frozenset({"student", "handout"}),
        needs="student",
        sheets=True,
        layout="handouts",  # its pages are the handouts': the same documents, typeset once
        prints=frozenset({"exercise"}),
    ),
    "answer-key": Edition(
        "answer-key",
        N_("Answer key"),
        "handout.html",
        "answer-key.pdf",
        frozenset({"student", "answer"}),
        needs="student",
        prints=frozenset({"exercise"}),
    ),
    # one exercise's answer key on a sheet of its own, for the exercises that have an answer (a
    # solution, a model answer): `build --only <exercise>` makes it beside the exercise's handout
    "answer-sheets": Edition(
        "answer-sheets",
        N_("Answer key"),
        "handout.html",
        "answer-sheets",
        frozenset({"student", "answer"}),
        needs="student",
        per_exercise=True,
        prints=frozenset({"exercise"}),
        on_request=True,
    ),
    "reading-list": Edition(
        "reading-list",
        N_("Reading list"),
        "reading-list.html",
        "reading-list.pdf",
        frozenset({"student"}),
        prints=frozenset({"readings"}),
    ),
    "bilingual": Edition(
        "bilingual",
        N_("Bilingual review"),
        "bilingual.html",
        "bilingual.pdf",
        frozenset({"student", "instructor", "answer"}),
        review_only=True,
    ),
}
