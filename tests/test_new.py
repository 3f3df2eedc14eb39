"""``coursepack new`` (a starter course in each language, or the shape of another) and
``coursepack build --only`` (one unit's or exercise's handouts and the pack they cite)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from coursepack import starter
from coursepack.build import load_and_check, plan_targets
from coursepack.cli import main
from coursepack.cli import new as new_command
from coursepack.matrix import ONLY_EDITIONS, only_targets
from coursepack.starter import LANGUAGES

from conftest import EPOCH, FIXTURES, SAMPLE
from pdfutil import all_text, squash

# the starter unit's title in each language (what the packs print)
UNIT_TITLES = {
    "en": "Getting started",
    "fr": "Premiers pas",
    "es": "Primeros pasos",
    "ar": "الخطوات الأولى",
    "ru": "Первые шаги",
    "zh": "入门",
}


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def front(path: Path) -> dict[str, object]:
    """A Markdown file's front matter."""
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---\n")[1]) if text.startswith("---\n") else {}


def shape(course: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """A course's units and exercises as (id, title), in pack order."""
    (loaded,) = load_and_check([course]).courses
    units = [(u.meta.id, u.meta.title) for u in loaded.units]
    exercises = [(e, loaded.exercises[e].meta.title) for e in loaded.exercise_order]
    return units, exercises


@pytest.mark.parametrize("lang", LANGUAGES)
def test_new_writes_a_course_in_its_language_that_checks(tmp_path: Path, lang: str) -> None:
    dest = tmp_path / "My Course"
    result = run("new", str(dest), "--language", lang, "--title", "T: «x»", "--author", "A. Author")
    assert result.exit_code == 0, result.output
    meta = yaml.safe_load((dest / "course.yaml").read_text(encoding="utf-8"))
    assert meta["id"] == "my-course"
    assert (meta["title"], meta["authors"], meta["language"], meta["languages"]) == (
        "T: «x»",
        ["A. Author"],
        lang,
        [lang],
    )
    assert front(dest / "units" / "getting-started.md")["title"] == UNIT_TITLES[lang]
    for rel in ("introduction.md", "readings/readings.yaml", "instructor/plans.yaml", "instructor/guide.md"):
        assert (dest / rel).is_file(), rel
    assert "{{" not in (dest / "course.yaml").read_text(encoding="utf-8")
    check = run("check", str(dest), "--strict")
    assert check.exit_code == 0, check.output
    units, exercises = shape(dest)
    assert units == [("getting-started", UNIT_TITLES[lang])]
    assert [e for e, _ in exercises] == ["ex-outcomes"]


def test_each_starter_has_the_same_files_and_ids() -> None:
    files = {lang: starter.starter_files(lang) for lang in LANGUAGES}
    assert all(f == files["en"] for f in files.values()), files
    for lang in LANGUAGES:  # the comments and the text are written in the language, not left in English
        unit = (starter.HERE / lang / "units" / "getting-started.md").read_text(encoding="utf-8")
        assert "{#ex-outcomes}" in unit and "::: solution" in unit
        if lang != "en":
            assert "The unit's text" not in unit and "Rewrite three outcomes" not in unit


def test_defaults_without_a_terminal(tmp_path: Path) -> None:
    result = run("new", str(tmp_path / "c"))  # (CliRunner's input is not a terminal: nothing is asked)
    assert result.exit_code == 0, result.output
    meta = yaml.safe_load((tmp_path / "c" / "course.yaml").read_text(encoding="utf-8"))
    assert (meta["title"], meta["language"], meta["paper"], meta["authors"]) == ("My course", "en", "a4", [])
    assert "coursepack build" in result.output


def test_in_a_terminal_it_asks_language_title_and_paper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(new_command, "_interactive", lambda: True)
    result = run("new", str(tmp_path / "cours"), input="fr\nDroit pénal comparé\nletter\n")
    assert result.exit_code == 0, result.output
    assert "Language" in result.output and "[Mon cours]" in result.output  # (the title's default is French)
    meta = yaml.safe_load((tmp_path / "cours" / "course.yaml").read_text(encoding="utf-8"))
    assert (meta["title"], meta["language"], meta["paper"]) == ("Droit pénal comparé", "fr", "letter")
    # --yes asks nothing, even in a terminal; an option is not asked again
    quiet = run("new", str(tmp_path / "quiet"), "--yes", "--paper", "a5")
    assert quiet.exit_code == 0 and "Language" not in quiet.output
    asked = run("new", str(tmp_path / "asked"), "--language", "zh", "--paper", "a5", input="\n")
    assert "Paper" not in asked.output and "[我的课程]" in asked.output


def test_a_folder_that_is_not_empty_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    dest = tmp_path / "course"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    result = run("new", str(dest), "--yes")
    assert result.exit_code == 1
    assert f"{dest}: is not empty" in result.output
    assert sorted(p.name for p in dest.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course"]  # (no temporary folder left)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("new", str(empty)).exit_code == 0  # an empty folder is fine
    assert (empty / "course.yaml").is_file()


def test_a_failure_half_way_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = Path.write_text
    calls = []

    def failing(self: Path, *args: object, **kwargs: object) -> int:
        calls.append(self)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", failing)
    result = run("new", str(tmp_path / "c"))
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_folder_has_the_usual_permissions(tmp_path: Path) -> None:
    run("new", str(tmp_path / "c"))  # (not the private ones of a temporary folder)
    assert stat.S_IMODE(os.stat(tmp_path / "c").st_mode) == 0o777 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("source", [FIXTURES / "minimal", SAMPLE], ids=["minimal", "sample"])
def test_from_copies_the_shape_and_checks(tmp_path: Path, source: Path) -> None:
    dest = tmp_path / "next-year"
    result = run("new", str(dest), "--from", str(source), "--title", "Next year")
    assert result.exit_code == 0, result.output
    check = run("check", str(dest), "--strict")
    assert check.exit_code == 0, check.output
    assert shape(dest) == shape(source)
    meta = yaml.safe_load((dest / "course.yaml").read_text(encoding="utf-8"))
    old = yaml.safe_load((source / "course.yaml").read_text(encoding="utf-8"))
    assert (meta["id"], meta["title"], meta["languages"]) == ("next-year", "Next year", [old["language"]])
    for key in ("paper", "units", "outcomes", "citation_style"):
        assert meta.get(key) == old.get(key), key
    assert not (dest / "instructor").exists() and not (dest / "translations").exists()
    for unit in (source / "units").glob("*.md"):  # the front matter as written; the text left to write
        assert front(dest / "units" / unit.name) == front(unit)
        body = (dest / "units" / unit.name).read_text(encoding="utf-8").split("---\n", 2)[2]
        assert "TODO" in body
        prose = [line for line in body.splitlines() if line and not line.startswith(("#", "<!--"))]
        assert prose == [], prose
    for ex in (source / "exercises").glob("*.md"):
        assert front(dest / "exercises" / ex.name) == front(ex)
        assert "guidelines" not in (dest / "exercises" / ex.name).read_text(encoding="utf-8")


def test_from_keeps_exercises_written_in_units(tmp_path: Path) -> None:
    run("new", str(tmp_path / "a"), "--language", "ar")
    result = run("new", str(tmp_path / "b"), "--from", str(tmp_path / "a"))
    assert result.exit_code == 0, result.output
    assert run("check", str(tmp_path / "b"), "--strict").exit_code == 0
    assert shape(tmp_path / "b") == shape(tmp_path / "a")
    text = (tmp_path / "b" / "units" / "getting-started.md").read_text(encoding="utf-8")
    assert "solution" not in text and "instructor" not in text
    refused = run("new", str(tmp_path / "c"), "--from", str(tmp_path / "a"), "--language", "en")
    assert refused.exit_code == 2 and not (tmp_path / "c").exists()


def test_from_keeps_underlined_and_labelled_headings(tmp_path: Path) -> None:
    run("new", str(tmp_path / "a"))
    unit = tmp_path / "a" / "units" / "getting-started.md"
    extra = "\nUnderlined *title*\n------------------\n\nText.\n\n(sec-label)=\n### Labelled\n\nMore [](#sec-label).\n"
    unit.write_text(unit.read_text(encoding="utf-8") + extra, encoding="utf-8")
    assert run("check", str(tmp_path / "a"), "--strict").exit_code == 0
    assert run("new", str(tmp_path / "b"), "--from", str(tmp_path / "a")).exit_code == 0
    text = (tmp_path / "b" / "units" / "getting-started.md").read_text(encoding="utf-8")
    assert "## Underlined title\n" in text and "### Labelled {#sec-label}\n" in text
    assert "Text." not in text and "More" not in text
    assert run("check", str(tmp_path / "b"), "--strict").exit_code == 0


def test_from_a_broken_course_writes_nothing(tmp_path: Path) -> None:
    result = run("new", str(tmp_path / "x"), "--from", str(FIXTURES / "broken"))
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert not (tmp_path / "x").exists()


def _planned(only: list[str]) -> list[str]:
    checked = load_and_check([FIXTURES / "minimal"])
    targets = plan_targets(checked.localized, Path("out"), None, ONLY_EDITIONS)
    return sorted(t.key for t in only_targets(targets, checked.courses, only))


def test_only_an_exercise_plans_its_handout_answer_sheet_and_the_pack_it_cites() -> None:
    assert _planned(["ex-beta"]) == [
        "minimal/en/answer-sheets/ex-beta",
        "minimal/en/handouts/ex-beta",
        "minimal/en/student",
    ]
    assert _planned(["second-unit"]) == [  # a unit: the handouts of its exercises
        "minimal/en/answer-sheets/ex-beta",
        "minimal/en/answer-sheets/ex-gamma",
        "minimal/en/handouts/ex-beta",
        "minimal/en/handouts/ex-gamma",
        "minimal/en/student",
    ]
    assert [k for k in _planned(["first-unit", "ex-gamma"]) if "handouts" in k] == [
        "minimal/en/handouts/ex-alpha",
        "minimal/en/handouts/ex-gamma",
    ]


def test_answer_sheets_are_for_exercises_with_an_answer_and_only_when_asked(tmp_path: Path) -> None:
    run("new", str(tmp_path / "c"))
    unit = tmp_path / "c" / "units" / "getting-started.md"
    text = unit.read_text(encoding="utf-8")
    checked = load_and_check([tmp_path / "c"])
    assert "answer-sheets" not in {t.edition.name for t in plan_targets(checked.localized, tmp_path, None, None)}
    keys = [t.key for t in plan_targets(checked.localized, tmp_path, None, ["answer-sheets"])]
    assert keys == ["c/en/student", "c/en/answer-sheets/ex-outcomes"]
    start = text.index("::: solution")
    end = text.index("\n::::::", start) + 1
    unit.write_text(text[:start] + text[end:], encoding="utf-8")  # (no solution left)
    checked = load_and_check([tmp_path / "c"])
    targets = plan_targets(checked.localized, tmp_path, None, ONLY_EDITIONS)
    assert [t.key for t in only_targets(targets, checked.courses, ["ex-outcomes"])] == [
        "c/en/student",
        "c/en/handouts/ex-outcomes",
    ]


def test_only_an_unknown_id_says_what_was_meant(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(FIXTURES / "minimal"), "-o", str(tmp_path), "--only", "ex-btea"])
    assert result.exit_code == 2
    assert "--only ex-btea: no unit or exercise has this id: did you mean 'ex-beta'?" in result.output
    assert not list(tmp_path.rglob("*.pdf"))
    both = CliRunner().invoke(main, ["build", str(FIXTURES / "minimal"), "--only", "ex-beta", "--edition", "student"])
    assert both.exit_code == 2 and "leave out --edition" in both.output


def pdfs(out: Path) -> dict[str, int]:
    """The PDFs of an output folder (not the cache's) and when each was written."""
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.pdf") if ".cache" not in p.parts}


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_new_then_build_gives_the_packs(tmp_path: Path, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    monkeypatch.chdir(tmp_path)
    assert run("new", "course", "--language", lang).exit_code == 0
    result = run("build", "course", "--strict", "--jobs", "1")
    assert result.exit_code == 0, result.output
    out = tmp_path / "output" / "course" / lang
    assert sorted(pdfs(out)) == [
        "answer-key.pdf",
        "exercise-booklet.pdf",
        "handouts/ex-outcomes.pdf",
        "instructor.pdf",
        "reading-list.pdf",
        "student.pdf",
    ]
    assert squash(UNIT_TITLES[lang]) in squash(all_text(out / "student.pdf"))


def test_build_only_builds_the_asked_artefacts_and_leaves_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    monkeypatch.chdir(tmp_path)
    assert run("new", "course").exit_code == 0
    first = run("build", "course", "-o", "only", "--only", "ex-outcomes", "--jobs", "1")
    assert first.exit_code == 0, first.output
    assert sorted(pdfs(tmp_path / "only")) == [
        "course/en/answer-sheets/ex-outcomes.pdf",
        "course/en/handouts/ex-outcomes.pdf",
        "course/en/student.pdf",
    ]
    sheet = all_text(tmp_path / "only" / "course" / "en" / "answer-sheets" / "ex-outcomes.pdf")
    assert "ANSWER KEY" in sheet and "Compare two of the main theories" in sheet

    assert run("build", "course", "--jobs", "1").exit_code == 0
    before = pdfs(tmp_path / "output")
    unit = tmp_path / "course" / "units" / "getting-started.md"
    unit.write_text(unit.read_text(encoding="utf-8").replace("1. Understand", "1. Really understand"), "utf-8")
    again = run("build", "course", "--only", "getting-started", "--jobs", "1")
    assert again.exit_code == 0, again.output
    after = pdfs(tmp_path / "output")
    changed = sorted(p for p in after if p not in before or after[p] != before[p])
    assert changed == [
        "course/en/answer-sheets/ex-outcomes.pdf",
        "course/en/handouts/ex-outcomes.pdf",
        "course/en/student.pdf",
    ]
    assert "Really understand" in all_text(tmp_path / "output" / "course" / "en" / "handouts" / "ex-outcomes.pdf")
    manifest = (tmp_path / "output" / "manifest.json").read_text(encoding="utf-8")
    assert "course/en/instructor.pdf" in manifest  # (the others stay in the manifest)
