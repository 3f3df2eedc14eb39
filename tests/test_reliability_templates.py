"""A course's templates and interface words are untrusted: they cannot run code or read the
machine, and every mistake in them is one line naming the file and line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.cli import main

ESCAPES = [
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% set x = [] %}{{ x.append('y') }}",
    "{{ self._TemplateReference__context.environment }}",
]


def _override(course: Path, text: str, name: str = "student.html") -> Path:
    templates = course / "templates"
    templates.mkdir(exist_ok=True)
    path = templates / name
    path.write_text('{% extends "default/student.html" %}\n{% block contents %}\n' + text + "\n{% endblock %}\n")
    return path


def _build(course: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(course), "--edition", "student", "-o", str(out), "-j", "1"])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output.replace(str(course) + "/", "")


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_template_cannot_reach_python(course_copy, tmp_path: Path, escape: str) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    _override(course, escape)
    code, output = _build(course, tmp_path / "out")
    assert code == 1
    assert "templates/student.html:3:1: template error: " in output, output  # (found by the check)
    assert "a template can use only the values coursepack gives it" in output or "is undefined" in output, output
    assert "uid=" not in output
    assert not list((tmp_path / "out").rglob("*.pdf"))


MISTAKES = [  # (found when the course is checked, before anything is built: check renders a course's templates)
    ("{% if %}", "templates/student.html:3:1: template error: Expected an expression, got 'end of statement block'"),
    ("{{ course.title|nosuchfilter }}", "templates/student.html:3:1: template error: No filter named 'nosuchfilter'."),
    ("{{ nosuchthing }}", "templates/student.html:3:1: template error: 'nosuchthing' is undefined"),
    ("{{ 1 / 0 }}", "templates/student.html:3:1: template error: ZeroDivisionError: division by zero"),
]


@pytest.mark.parametrize(("text", "expected"), MISTAKES)
def test_template_mistakes_are_one_line_at_their_line(course_copy, tmp_path: Path, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    _override(course, text)
    code, output = _build(course, tmp_path / "out")
    assert code == 1 and expected in output.splitlines(), output


def test_a_template_that_extends_itself_is_named(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    (course / "templates").mkdir()
    (course / "templates" / "student.html").write_text('{% extends "student.html" %}\n')
    code, output = _build(course, tmp_path / "out")
    assert code == 1 and "template error in student.html: it extends or includes itself" in output, output


def test_a_template_linked_out_of_the_course_is_refused(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    secret = tmp_path / "secret.html"
    secret.write_text("SECRETWORD {{ course.title }}")
    (course / "templates").mkdir()
    (course / "templates" / "student.html").symlink_to(secret)
    code, output = _build(course, tmp_path / "out")
    assert code == 1, output
    assert "templates/student.html:1:1: student.html leads outside the course folder" in output, output
    assert "SECRETWORD" not in output and not list((tmp_path / "out").rglob("*.pdf"))


def test_renamed_interface_words_are_checked_where_they_are_written(course_copy) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    meta = course / "course.yaml"
    meta.write_text(
        meta.read_text()
        + "terms:\n  'Unit %(num)s': 'Lesson %(n)s'\n  'Exercise %(num)s': 'Task %(num)s (50%)'\n  module: '100% lesson'\n"
    )
    lines = meta.read_text().splitlines()
    unit, task, word = (
        next(k for k, line in enumerate(lines, 1) if line.strip().startswith(key))
        for key in ("'Unit", "'Exe", "module")
    )
    result = CliRunner().invoke(main, ["check", str(course)])
    output = result.output.replace(str(course) + "/", "")
    assert result.exit_code == 1 and "Traceback" not in output
    assert (
        f"course.yaml:{unit}:19: terms: 'Lesson %(n)s' uses %(n)s, which 'Unit %(num)s' does not have "
        "(it has %(num)s)" in output
    ), output
    assert f"course.yaml:{task}:23: terms: 'Task %(num)s (50%)' has a '%' that is not a placeholder" in output
    assert f"course.yaml:{word}:11: terms: the new word for 'module' contains '%'" in output


def test_check_compiles_the_course_templates(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    _override(course, "{% for x in %}")
    outside = tmp_path / "elsewhere.html"
    outside.write_text("x")
    (course / "templates" / "handout.html").symlink_to(outside)
    result = CliRunner().invoke(main, ["check", str(course)])
    lines = result.output.replace(str(course) + "/", "").splitlines()
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "templates/handout.html:1:1: handout.html leads outside the course folder" in lines[0], lines
    assert (
        lines[1] == "templates/student.html:3:1: template error: Expected an expression, got 'end of statement block'"
    )
