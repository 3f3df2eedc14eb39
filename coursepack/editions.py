"""Editions are data: which audiences' blocks each shows, its template and its file name."""

from __future__ import annotations

from dataclasses import dataclass

from coursepack.markup import N_


@dataclass(frozen=True)
class Edition:
    name: str
    title: str  # message id, translated in templates
    template: str
    filename: str
    audiences: frozenset[str]
    needs: str | None = None  # an edition whose page numbers this one cites
    review_only: bool = False  # built only by review builds, for translated languages


EDITIONS: dict[str, Edition] = {
    "student": Edition("student", N_("Student pack"), "student.html", "student.pdf", frozenset({"student"})),
    "instructor": Edition(
        "instructor",
        N_("Instructor's guide"),
        "instructor.html",
        "instructor.pdf",
        frozenset({"student", "instructor"}),
        needs="student",
    ),
    "bilingual": Edition(
        "bilingual",
        N_("Bilingual review"),
        "bilingual.html",
        "bilingual.pdf",
        frozenset({"student", "instructor"}),
        review_only=True,
    ),
}
