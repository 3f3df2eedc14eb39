"""One list of what a translation gives: the fields marked TRANSLATABLE in model.py. The
translation files' models, the files ``translate`` starts and the fallback report all come from
it, so a field marked there is translatable everywhere at once. Nothing here typesets."""

from __future__ import annotations

from pathlib import Path

import yaml

from coursepack.content import localize, translation
from coursepack.content.model import (
    Assessment,
    CourseMeta,
    ExerciseMeta,
    Plan,
    PlanBlock,
    Reading,
    UnitMeta,
    is_translatable,
)

from conftest import SAMPLE


def _marked(model: type) -> set[str]:
    return {name for name, info in model.model_fields.items() if is_translatable(info)}


def test_the_translation_models_are_the_marked_fields() -> None:
    for model, text in [
        (CourseMeta, localize.CourseText),
        (UnitMeta, localize.UnitText),
        (ExerciseMeta, localize.ExerciseText),
        (Assessment, localize.AssessmentText),
    ]:
        assert set(text.model_fields) == _marked(model), model.__name__
    for model, text in [(Reading, localize.ReadingText), (Plan, localize.PlanText)]:
        assert set(text.model_fields) == _marked(model) | {"id"}, model.__name__  # (an entry says which it is)
    blocks = localize.PlanText.model_fields["blocks"].annotation.__args__[0]
    assert set(blocks.model_fields) == _marked(PlanBlock)
    assert (
        "title" in localize.COURSE_TEXT
        and "outcomes" not in localize.COURSE_TEXT
        and "terms" not in localize.COURSE_TEXT
    )


def test_a_starter_file_holds_the_marked_keys_and_nothing_else() -> None:
    """What `translate` writes for the sample's plans and an exercise: ids and text, no timings."""
    plans = yaml.safe_load(translation.text_only(SAMPLE, "instructor/plans.yaml"))
    assert all(set(p) <= _marked(Plan) | {"id"} and "id" in p for p in plans)
    assert all(set(b) <= _marked(PlanBlock) for p in plans for b in p["blocks"])  # (no minutes, kind or day)
    exercise = next(Path(SAMPLE, "exercises").glob("*.md")).relative_to(SAMPLE).as_posix()
    front = yaml.safe_load(translation.text_only(SAMPLE, exercise).split("---")[1])
    assert set(front) <= _marked(ExerciseMeta) and "title" in front
