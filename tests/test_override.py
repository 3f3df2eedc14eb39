"""A course's own templates/ override the default theme file by file."""

from __future__ import annotations

from pathlib import Path

from coursepack.build import Options, build

from conftest import EPOCH, FIXTURES
from pdfutil import all_text


def test_course_templates_override_and_extend_the_theme(tmp_path: Path) -> None:
    report = build([FIXTURES / "override"], Options(tmp_path, editions=["student"], strict=True, epoch=EPOCH))
    assert not report.failures
    text = all_text(tmp_path / "override/en/student.pdf")
    assert "OVERRIDDEN COVER FROM THE COURSE TEMPLATES" in text
    assert "EXTENDED DEFAULT STUDENT TEMPLATE" in text  # {% extends "default/student.html" %}
    assert "Contents" in text  # super() kept the default block
    assert "Body text of the only unit." in text


def test_default_theme_is_untouched_for_other_courses(minimal_out: Path) -> None:
    text = all_text(minimal_out / "student.pdf")
    assert "OVERRIDDEN COVER" not in text
