"""A course's own templates/ override the default theme file by file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

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


def test_an_edited_template_is_never_hidden_by_the_compiled_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Templates are compiled once per machine (kept in memory and on disk, like .pyc files);
    an edit between two builds, in the same process or a new one, is what the next PDF shows."""
    from coursepack.render import theme

    course = tmp_path / "override"
    shutil.copytree(FIXTURES / "override", course)
    monkeypatch.setenv("COURSEPACK_CACHE", str(tmp_path / "machine-cache"))
    monkeypatch.setattr(theme, "_TEMPLATE_CACHE", None)
    template = course / "templates" / "student.html"
    opts = Options(tmp_path / "out", editions=["student"], jobs=1, strict=True, epoch=EPOCH, use_cache=False)

    def built() -> str:
        report = build([course], opts)
        assert not report.failures, report.failures
        return all_text(tmp_path / "out/override/en/student.pdf")

    assert "EXTENDED DEFAULT STUDENT TEMPLATE" in built()
    assert list((tmp_path / "machine-cache" / "templates").glob("*.jinja"))  # kept on disk
    template.write_text(template.read_text().replace("EXTENDED DEFAULT", "EDITED"))
    text = built()  # same process: the compiled template in memory is stale
    assert "EDITED STUDENT TEMPLATE" in text and "EXTENDED DEFAULT" not in text
    monkeypatch.setattr(theme, "_TEMPLATE_CACHE", None)  # as in a new process: only the disk
    template.write_text(template.read_text().replace("EDITED", "EDITED AGAIN"))
    assert "EDITED AGAIN STUDENT TEMPLATE" in built()


def test_a_machine_cache_that_cannot_be_written_is_not_needed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from coursepack.render import theme

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("COURSEPACK_CACHE", str(blocked))
    monkeypatch.setattr(theme, "_TEMPLATE_CACHE", None)
    opts = Options(tmp_path / "out", editions=["student"], jobs=1, strict=True, epoch=EPOCH, use_cache=False)
    report = build([FIXTURES / "override"], opts)
    assert not report.failures, report.failures
    assert "EXTENDED DEFAULT STUDENT TEMPLATE" in all_text(tmp_path / "out/override/en/student.pdf")


def test_the_compiled_templates_on_disk_are_only_trusted_when_sound_and_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A damaged compiled template is compiled again; a folder others can write to is not used
    (compiled templates are code: Python runs them)."""
    from jinja2.bccache import bc_magic

    from coursepack.render import theme

    cache = tmp_path / "machine-cache"
    monkeypatch.setenv("COURSEPACK_CACHE", str(cache))
    opts = Options(tmp_path / "out", editions=["student"], jobs=1, strict=True, epoch=EPOCH, use_cache=False)
    monkeypatch.setattr(theme, "_TEMPLATE_CACHE", None)
    assert not build([FIXTURES / "override"], opts).failures
    compiled = list((cache / "templates").glob("*.jinja"))
    assert compiled
    for path in compiled:
        path.write_bytes(bc_magic + b"\x80\x04garbage")
    monkeypatch.setattr(theme, "_TEMPLATE_CACHE", None)
    assert not build([FIXTURES / "override"], opts).failures
    assert "EXTENDED DEFAULT STUDENT TEMPLATE" in all_text(tmp_path / "out/override/en/student.pdf")

    shared = tmp_path / "shared-cache"
    (shared / "templates").mkdir(parents=True)
    (shared / "templates").chmod(0o777)
    monkeypatch.setenv("COURSEPACK_CACHE", str(shared))
    monkeypatch.setattr(theme, "_TEMPLATE_CACHE", None)
    assert not build([FIXTURES / "override"], opts).failures
    assert not list((shared / "templates").glob("*.jinja"))
