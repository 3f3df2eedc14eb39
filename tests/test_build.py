"""Building: the manifest, reproducible bytes, incremental builds, and never losing a PDF."""

from __future__ import annotations

import gc
import hashlib
import json
import multiprocessing
import os
import tempfile
from pathlib import Path

import pytest

from coursepack.atomic import atomic_write
from coursepack.build import Options, build
from coursepack.build import pipeline as pipeline_module
from coursepack.build import scheduler as scheduler_module
from coursepack.engine import typeset as typeset_module
from coursepack.errors import ContentError

from conftest import EPOCH, FIXTURES, ROOT
from pdfutil import all_text


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_lists_every_artefact(minimal_out: Path) -> None:
    output = minimal_out.parent.parent
    manifest = json.loads((output / "manifest.json").read_text())
    by_path = {a["path"]: a for a in manifest["artefacts"]}
    assert {"minimal/en/student.pdf", "minimal/en/instructor.pdf", "minimal/en/answer-key.pdf"} <= set(by_path)
    assert {"minimal/en/handouts/ex-alpha.pdf", "minimal/en/reading-list.pdf"} <= set(by_path)
    for rel, entry in by_path.items():
        pdf = output / rel
        assert entry["course"] == "minimal" and entry["language"] == "en"
        assert entry["edition"] in rel
        assert entry["bytes"] == pdf.stat().st_size
        assert entry["sha256"] == _sha(pdf)
        assert entry["pages"] >= 1


def test_same_inputs_give_identical_bytes(minimal_out: Path, tmp_path: Path) -> None:
    report = build(
        [FIXTURES / "minimal"], Options(tmp_path, editions=["student"], jobs=1, use_cache=False, epoch=EPOCH)
    )
    assert not report.failures
    assert _sha(tmp_path / "minimal/en/student.pdf") == _sha(minimal_out / "student.pdf")


@pytest.mark.skipif(not scheduler_module.FORK, reason="workers are forked only on Linux")
def test_spawned_workers_give_the_same_bytes(
    minimal_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers are forked with the engine loaded on Linux and spawned elsewhere: same PDFs."""
    monkeypatch.setattr(scheduler_module, "FORK", False)
    report = build(
        [FIXTURES / "minimal"], Options(tmp_path, editions=["student"], jobs=2, use_cache=False, epoch=EPOCH)
    )
    assert not report.failures
    assert _sha(tmp_path / "minimal/en/student.pdf") == _sha(minimal_out / "student.pdf")


def test_an_engine_that_will_not_load_is_reported_per_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing system library (Pango) fails each target with a message, not a traceback."""

    def no_pango() -> None:
        raise OSError("cannot load library 'pango-1.0-0'")

    monkeypatch.setattr(scheduler_module, "load_engine", no_pango)  # the main process, before forking
    monkeypatch.setattr(typeset_module, "load_engine", no_pango)  # and each worker
    report = build([FIXTURES / "minimal"], Options(tmp_path, editions=["student"], jobs=2, epoch=EPOCH))
    assert report.failures
    assert all("typesetting failed (OSError: cannot load library 'pango-1.0-0')" in f for f in report.failures)
    assert not (tmp_path / "minimal/en/student.pdf").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_leaves_no_font_folders_behind(tmp_path: Path, jobs: int) -> None:
    """WeasyPrint writes each document's fonts to a temporary folder; forked workers end
    without destroying anything, and once left 50 MB there per worker and build."""
    temp = Path(tempfile.gettempdir())
    before = set(temp.glob("weasyprint-*"))
    report = build(
        [FIXTURES / "minimal"], Options(tmp_path, editions=["student"], jobs=jobs, use_cache=False, epoch=EPOCH)
    )
    assert not report.failures
    if jobs == 1:
        typeset_module._remove_font_folders()  # what runs when this process exits
    assert set(temp.glob("weasyprint-*")) <= before


def _forget_and_collect() -> None:
    typeset_module.forget_inherited_styles()
    gc.collect()


@pytest.mark.skipif(not scheduler_module.FORK, reason="workers are forked only on Linux")
def test_a_forked_worker_leaves_the_parents_fonts_alone() -> None:
    """A worker forked from a process that has typeset (a library user, the tests) drops the
    stylesheets it inherited without deleting the parent's temporary font folders."""
    course = FIXTURES / "minimal"
    sheets = [ROOT / "templates" / "style.css"]
    typeset_module.warm_up(sheets, [course, ROOT / "templates"], "en")
    folders = [config._folder for _f, config, _c, _w in typeset_module._STYLES.values() if config._folder]
    assert folders
    child = multiprocessing.get_context("fork").Process(target=_forget_and_collect)
    child.start()
    child.join()
    assert child.exitcode == 0
    assert all(Path(folder).is_dir() for folder in folders)


def test_nothing_is_typeset_again_when_nothing_changed(minimal_out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object) -> None:
        raise AssertionError("typeset called for an unchanged target")

    monkeypatch.setattr(pipeline_module, "_typeset_job", boom)
    monkeypatch.setattr(pipeline_module, "render_html", boom)  # not even the HTML is made again
    report = build([FIXTURES / "minimal"], Options(minimal_out.parent.parent, jobs=2, strict=True, epoch=EPOCH))
    assert report.built and all(b.cached for b in report.built)


def test_broken_content_writes_nothing(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    out = tmp_path / "out"
    build([course], Options(out, editions=["student"], epoch=EPOCH))
    pdf = out / "minimal/en/student.pdf"
    before = _sha(pdf)
    unit = course / "units" / "first-unit.md"
    unit.write_text(unit.read_text().replace("title: The first unit", "title: [unclosed"))
    with pytest.raises(ContentError) as exc:
        build([course], Options(out, editions=["student"], epoch=EPOCH, use_cache=False))
    assert str(exc.value).endswith(
        "units/first-unit.md:4:9: YAML: expected ',' or ']', but got ':' (while parsing a flow sequence that starts at line 3)"
        ": close the list with ']', and put items that contain ':' or ',' in quotes"
    )
    assert _sha(pdf) == before
    assert not list(pdf.parent.glob(".*.part"))


@pytest.mark.parametrize("jobs", [1, 2])  # 2: the stylesheets are parsed ahead, in warmed-up workers
def test_strict_warning_keeps_previous_pdf(course_copy, tmp_path: Path, jobs: int) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    out = tmp_path / "out"
    build([course], Options(out, editions=["student"], epoch=EPOCH))
    pdf = out / "minimal/en/student.pdf"
    before = _sha(pdf)
    (course / "templates").mkdir()
    (course / "templates" / "extra.css").write_text("p { colour: red; }\n")
    report = build([course], Options(out, editions=["student"], epoch=EPOCH, strict=True, jobs=jobs))
    assert report.failures == ["minimal/en/student: 1 warning(s) under --strict; the previous PDF was kept"]
    assert any("colour" in w for w in report.warnings)
    assert _sha(pdf) == before


def test_engine_crash_keeps_previous_pdf(course_copy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    out = tmp_path / "out"
    build([course], Options(out, editions=["student"], epoch=EPOCH))
    pdf = out / "minimal/en/student.pdf"
    before = _sha(pdf)

    def crash(*args: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(pipeline_module, "_typeset_job", crash)
    report = build([course], Options(out, editions=["student"], epoch=EPOCH, use_cache=False))
    assert report.failures[0].startswith("minimal/en/student: typesetting failed (RecursionError")
    assert _sha(pdf) == before


def test_interrupted_write_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "pack.pdf"
    target.write_bytes(b"old complete pdf")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new pdf " * 1000)
    assert target.read_bytes() == b"old complete pdf"
    assert [p.name for p in tmp_path.iterdir()] == ["pack.pdf"]


def test_instructor_edition_brings_the_student_pack_it_cites(tmp_path: Path) -> None:
    from coursepack.build import load_and_check
    from coursepack.matrix import plan_targets

    checked = load_and_check([FIXTURES / "minimal"])
    targets = plan_targets(checked.localized, tmp_path, None, ["instructor"])
    assert [t.key for t in targets] == ["minimal/en/student", "minimal/en/instructor"]


def test_a_face_harfbuzz_cannot_subset_is_subset_by_fonttools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fonts are subset with HarfBuzz; where it fails on a face, WeasyPrint's fontTools path takes it."""
    import uharfbuzz

    from pdfutil import all_text

    def fail(*args: object) -> None:
        raise RuntimeError("Subsetting failed")

    monkeypatch.setattr(uharfbuzz, "subset", fail)
    opts = Options(tmp_path, editions=["student"], jobs=1, strict=True, epoch=EPOCH)  # typeset in this process
    report = build([FIXTURES / "minimal"], opts)
    assert not report.failures, report.failures
    pdf = next(tmp_path.rglob("student.pdf"))
    assert "Introduction" in all_text(pdf)


def test_a_handout_left_citing_moved_pages_is_named_and_only_then(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A handout prints the student-pack page of what it refers to: named when that page moved,
    not when pages it does not print moved."""
    course = course_copy()
    out = tmp_path / "out"
    exercise = course / "exercises" / "ex-beta.md"
    exercise.write_text(exercise.read_text() + "\nRead [](#second-unit) first.\n")
    build([course], Options(out, editions=["handouts"], epoch=EPOCH))
    handout = out / "minimal" / "en" / "handouts" / "ex-beta.pdf"
    assert "(Student pack, p. " in all_text(handout)
    last = course / "units" / "second-unit.md"
    last.write_text(last.read_text() + "\n" + "\n\n".join(["More text at the very end. " * 12] * 6) + "\n")
    assert not build([course], Options(out, editions=["student"], epoch=EPOCH)).stale  # the unit's start did not move
    first = course / "units" / "first-unit.md"
    first.write_text(first.read_text() + "\n" + "\n\n".join(["A paragraph that moves the pages on. " * 12] * 12) + "\n")
    report = build([course], Options(out, editions=["student"], epoch=EPOCH))
    assert any("handouts/ex-beta.pdf cites pages of minimal/en/student that moved" in s for s in report.stale), (
        report.stale
    )
    assert not any("ex-alpha" in s for s in report.stale)  # it cites nothing that moved


def test_a_guide_left_citing_moved_pages_is_named(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Building the student pack alone after an edit that moves its pages: the instructor's
    guide already there cites the old pages, and the build says to build it again."""
    course = course_copy()
    out = tmp_path / "out"
    build([course], Options(out, editions=["instructor"], epoch=EPOCH))  # the guide and the pack it cites
    unit = sorted((course / "units").glob("*.md"))[0]
    unit.write_text(unit.read_text() + "\n" + "\n\n".join(["A paragraph that moves the pages on. " * 12] * 12) + "\n")
    report = build([course], Options(out, editions=["student"], epoch=EPOCH))
    assert not report.failures
    assert report.stale and "instructor.pdf cites pages of minimal/en/student that moved" in report.stale[0]
    assert "--edition instructor" in report.stale[0]
    # every build says so until the guide is built again (the student pack is up to date now)
    assert build([course], Options(out, editions=["student"], epoch=EPOCH)).stale == report.stale
    again = build([course], Options(out, editions=["instructor"], epoch=EPOCH))
    assert not again.stale
    assert not build([course], Options(out, editions=["student"], epoch=EPOCH)).stale
