"""Zero tracebacks: every command, run on broken and hostile courses, answers with messages."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.cli import main

from conftest import FIXTURES


def _template(course: Path) -> None:
    (course / "templates").mkdir()
    (course / "templates" / "student.html").write_text("{% extends 'student.html' %}{{ ''.__class__ }}")


def _link_out(course: Path) -> None:
    (course / "units" / "first-unit.md").unlink()
    (course / "units" / "first-unit.md").symlink_to("/etc/passwd")


def _terms(course: Path) -> None:
    with (course / "course.yaml").open("a") as f:
        f.write("terms:\n  'Unit %(num)s': 'Lesson %(n)s %'\n")


def _bad_yaml(course: Path) -> None:
    (course / "course.yaml").write_text("id: [unclosed\ntitle: {\n")


def _no_units(course: Path) -> None:
    shutil.rmtree(course / "units")


def _foreign_manifest(course: Path) -> None:
    (course.parent / "out").mkdir(exist_ok=True)
    (course.parent / "out" / "manifest.json").write_text("[1, 2, 3]")


def _binary(course: Path) -> None:
    (course / "units" / "second-unit.md").write_bytes(b"\xff\xfe\x00\x01" * 100)


def _deep_quote(course: Path) -> None:
    with (course / "units" / "second-unit.md").open("a") as f:
        f.write("\n" + "> " * 3000 + "deep\n")


def _nul(course: Path) -> None:
    meta = course / "course.yaml"
    meta.write_text(meta.read_text().replace("title: ", "title: \x00", 1))


def _hostile_bib(course: Path) -> None:
    """Reading lists from outside: 10,000 nested braces, an entry never closed, JSON that is no list."""
    deep = "@article{deep, author = {A, B}, year = 2000, title = " + "{" * 10_000 + "x" + "}" * 10_000 + "}\n"
    (course / "readings" / "refs.bib").write_text(deep + "@book{open, title = {never closed\n" + "@" * 4000)
    (course / "readings" / "refs.json").write_text('{"id": "x", "author": [{"family": ' + "[" * 5000)


BREAKS: dict[str, Callable[[Path], None]] = {
    "NUL in course.yaml": _nul,
    "broken fixture": lambda course: None,
    "hostile template": _template,
    "unit linked out of the course": _link_out,
    "bad terms": _terms,
    "unreadable course.yaml": _bad_yaml,
    "no units folder": _no_units,
    "foreign manifest": _foreign_manifest,
    "binary unit": _binary,
    "3000 nested quotes": _deep_quote,
    "hostile reading lists": _hostile_bib,
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_every_command_answers_a_broken_course_with_messages(tmp_path: Path, name: str) -> None:
    course = tmp_path / "course"
    shutil.copytree(FIXTURES / ("broken" if name == "broken fixture" else "minimal"), course)
    BREAKS[name](course)
    out = str(tmp_path / "out")
    (tmp_path / "bad.json").write_text("{")
    commands = [
        ["check", str(course)],
        ["check", "--strict", str(course)],
        ["build", str(course), "-o", out, "--edition", "student", "-j", "1"],
        ["status", str(course), "--lang", "fr"],
        ["translate", str(course), "fr"],
        ["migrate", "--dry-run", str(course)],
        ["manifest", "merge", str(tmp_path / "bad.json"), "-o", str(tmp_path / "merged.json")],
    ]
    for args in commands:
        result = CliRunner().invoke(main, args)
        assert "Traceback" not in result.output, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
        must_fail = {"foreign manifest": ("build", "manifest")}.get(name, ("check", "build", "manifest"))
        if args[0] in must_fail:
            assert result.exit_code != 0, (args, result.output)
