"""The template context is typed views (coursepack/resolve/views.py): templates read their fields
as they read a dictionary's keys, and through the sandbox reach their values and nothing else."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import jinja2
import pytest
from jinja2.sandbox import SecurityError

from coursepack.build import load_and_check
from coursepack.matrix import PAPERS, Variant
from coursepack.render.editions import EDITIONS
from coursepack.render.theme import environment
from coursepack.resolve import views
from coursepack.resolve.context import resolve
from coursepack.resolve.views import BuildFacts, PackView

from conftest import FIXTURES

# the names every template receives (docs/templates.md, "What templates receive")
NAMES = {
    "lang", "dir", "edition", "course", "introduction", "introduction_notes", "units", "exercises",
    "exercise_part", "solutions", "readings", "assessment", "plans", "guide", "matrix", "pairs", "labels",
    "colon", "list_sep", "student_page", "pageref", "toc_width", "page_link", "head", "glossary", "book_index",
    "page", "paper_size", "variant", "created", "review", "fallbacks", "untranslated", "source_lang", "item",
}  # fmt: skip


@pytest.fixture(scope="module")
def packs() -> dict[str, PackView]:
    checked = load_and_check([FIXTURES / "minimal"])
    course = checked.localized[("minimal", "en")]
    facts = BuildFacts(page=PAPERS["a4"], variant=Variant(), created="2026-01-01T00:00:00", source_lang="en")
    return {
        name: resolve(course, "en", edition, facts, {} if edition.needs else None, course).view
        for name, edition in EDITIONS.items()
    }


def _views(value: object) -> Iterator[object]:
    """Every view reachable from a value, through lists, tuples and dictionaries."""
    if isinstance(value, list | tuple):
        for v in value:
            yield from _views(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _views(v)
    elif dataclasses.is_dataclass(value) and type(value).__module__ == views.__name__:
        yield value
        for f in dataclasses.fields(value):
            yield from _views(getattr(value, f.name))


def test_a_template_receives_the_documented_names(packs: dict[str, PackView]) -> None:
    for view in packs.values():
        assert set(view.as_context()) == NAMES


def test_views_have_fields_and_no_methods(packs: dict[str, PackView]) -> None:
    """A method on a view would be one more thing a template could call: they have none."""
    seen = set()
    for view in packs.values():
        for v in _views(view.as_context()):
            public = {name for name in dir(v) if not name.startswith("_")}
            assert public == {f.name for f in dataclasses.fields(v)}, type(v).__name__  # type: ignore[arg-type]
            assert type(v).__dataclass_params__.frozen, type(v).__name__  # type: ignore[attr-defined]
            seen.add(type(v).__name__)
    assert {"CourseView", "UnitView", "ExerciseView", "ReadingsView", "PlanView", "AssessmentView"} <= seen


@pytest.mark.parametrize(
    "expression",
    [
        "{{ course.__class__ }}",
        "{{ course.__dataclass_fields__ }}",
        "{{ units[0].__reduce_ex__(2) }}",
        "{{ readings.__getattribute__('core') }}",
        "{{ edition.__setattr__('name', 'x') }}",
        "{{ pageref.__globals__ }}",
        "{{ head.__closure__ }}",
    ],
)
def test_the_sandbox_keeps_templates_out_of_the_views(packs: dict[str, PackView], expression: str) -> None:
    env = environment(FIXTURES / "minimal", "en")
    with pytest.raises((SecurityError, jinja2.UndefinedError)):
        env.from_string(expression).render(packs["instructor"].as_context())


def test_templates_read_fields_as_keys_too(packs: dict[str, PackView]) -> None:
    env = environment(FIXTURES / "minimal", "en")
    context = packs["student"].as_context()
    assert env.from_string("{{ course['title'] }}").render(context) == env.from_string("{{ course.title }}").render(
        context
    )
    assert env.from_string("{{ readings['core'] | length }}").render(context) == str(
        len(packs["student"].readings.core)
    )
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ course.no_such_field }}").render(context)


def test_views_are_frozen(packs: dict[str, PackView]) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        packs["student"].course.title = "x"  # type: ignore[misc]
