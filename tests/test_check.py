"""Broken content: every problem reported at once, as path:line:col: message."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.cli import main

from conftest import FIXTURES, ROOT

BROKEN_EXPECTED = """\
tests/fixtures/broken/course.yaml:8:25: unit 'unit-missing' not found: add units/unit-missing.md with 'id: unit-missing' in its front matter
tests/fixtures/broken/exercises/ex-a.md:7:17: outcome 'lo9' not found: define it under 'outcomes' in course.yaml
tests/fixtures/broken/exercises/ex-a.md:12:1: block '::: model-answer' is never closed: add a line ':::' after its content
tests/fixtures/broken/instructor/plans.yaml:3:11: plan 'plan-a': blocks add up to 50 minutes but 'length' says 60
tests/fixtures/broken/instructor/plans.yaml:10:17: exercise 'ex-zzz' not found: add exercises/ex-zzz.md
tests/fixtures/broken/readings/list.yaml:5:3: YAML: duplicate key 'title': keep only one
tests/fixtures/broken/units/unit-a.md:5:12: reading 'no-such-reading' not found: define it in readings/ (a .yaml, .bib or .json file)
tests/fixtures/broken/units/unit-a.md:9:5: cross-reference to '#nowhere': no unit, exercise, reading, figure, table or heading has that id
tests/fixtures/broken/units/unit-a.md:9:22: student-visible link to instructor-only '#secret-answer' (ex-a.md:13): move the link into an instructor block or link to something students can see
tests/fixtures/broken/units/unit-a.md:11:1: image 'figures/missing.png' has no alt text: describe it inside ![...] (or mark it {.decorative})
tests/fixtures/broken/units/unit-a.md:11:1: image 'figures/missing.png' not found (paths are relative to the course folder, e.g. figures/name.svg)
tests/fixtures/broken/units/unit-a.md:13:1: raw HTML is not allowed: use Markdown or a '::: name' block (write &lt; for a literal '<')
tests/fixtures/broken/units/unit-a.md:15:1: unknown block 'sidebar': use one of answer-space, case, caution, checklist, content-warning, debrief, discussion, exercise, figure, group, guidelines, hint, important, instructor, key-concept, keypoints, legal-text, model-answer, note, objectives, panel, prereq, questions, see-also, solution, spoiler, testimonial, tip, warning
tests/fixtures/broken/units/unit-a.md:19:1: old block syntax '/// note | Old syntax': write '::: note Old syntax' and close it with ':::' ('coursepack migrate' rewrites a whole course)
tests/fixtures/broken/units/unit-b.md:4:11: 'duration': Input should be greater than 0
15 problem(s) (15 error(s)); nothing was written.
"""


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_broken_fixture_reports_every_problem_exactly() -> None:
    result = CliRunner().invoke(main, ["check", "tests/fixtures/broken"])
    assert result.exit_code == 1
    assert result.output == BROKEN_EXPECTED
    assert "Traceback" not in result.output


def test_build_runs_the_same_checks_and_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "tests/fixtures/broken", "--output", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.endswith(BROKEN_EXPECTED)
    assert not any(tmp_path.iterdir())


def _check(course: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", str(course)])
    lines = [line.replace(str(course) + "/", "") for line in result.output.splitlines()]
    return result.exit_code, lines[:-1]


CASES = [
    (
        "course.yaml",
        "units: [first-unit, second-unit]",
        "units: [first-unit, second-unit]\ncolour: blue",
        "course.yaml:20:1: unknown key 'colour': remove it or check its spelling",
    ),
    (
        "course.yaml",
        'version: "0.1"',
        "version: [0.1",
        "course.yaml:7:5: YAML: expected ',' or ']', but got ':' (while parsing a flow sequence that starts at line 6): close the list with ']', and put items that contain ':' or ',' in quotes",
    ),
    (
        "course.yaml",
        "id: minimal",
        "id: minimal\ntitle: Fixtures: a course",
        "course.yaml:2:16: YAML: mapping values are not allowed here: put a value that contains ': ' in quotes, or check the indentation",
    ),
    (
        "course.yaml",
        "id: minimal",
        "id: Minimal Course",
        "course.yaml:1:5: 'id': must be a lower-case id (a-z, 0-9 and hyphens)",
    ),
    (
        "course.yaml",
        "keywords: [testing, fixture]",
        "base: &b [testing]\nkeywords: *b",
        "course.yaml:12:11: YAML: YAML aliases (*name) are not allowed; write the value out",
    ),
    (
        "exercises/ex-beta.md",
        "id: ex-beta",
        "id: first-unit",
        "exercises/ex-beta.md:2:5: duplicate id 'first-unit' (first defined at first-unit.md:2): ids must be unique in a course\n"
        "units/second-unit.md:8:13: exercise 'ex-beta' not found: exercises/ex-beta.md says 'id: first-unit': make them the same",
    ),
    (
        "units/second-unit.md",
        "see also [](#why-small).",
        "see also [](#guide-using).",
        "units/second-unit.md:15:51: student-visible link to instructor-only '#guide-using' (guide.md:1): move the link into an instructor block or link to something students can see",
    ),
    (  # one error for a typo in an id, not one more for every link to the unit and into it
        "units/first-unit.md",
        "id: first-unit",
        "id: first-unt",
        "course.yaml:19:9: unit 'first-unit' not found: units/first-unit.md says 'id: first-unt': make them the same",
    ),
    (
        "exercises/ex-alpha.md",
        "id: ex-alpha",
        "id: ex-alpa",
        "units/first-unit.md:8:13: exercise 'ex-alpha' not found: exercises/ex-alpha.md says 'id: ex-alpa': make them the same",
    ),
    (
        "units/second-unit.md",
        "see also [](#why-small).",
        "see also [section {n}](#why-small).",
        "units/second-unit.md:15:51: '{n}' in the text of a link to '#why-small': only units, exercises, figures, tables and listings have a number; write the words out",
    ),
    (
        "units/second-unit.md",
        "(figures/boxes.svg",
        "(../../../../etc/passwd.svg",
        "units/second-unit.md:13:1: image '../../../../etc/passwd.svg' is outside the course folder: put it in figures/",
    ),
    (
        "units/second-unit.md",
        "As [the first unit](#first-unit)",
        "As [the first unit](javascript:alert(1))",
        "units/second-unit.md:15:4: link 'javascript:alert(1)': only http, https and mailto links are allowed",
    ),
    (
        "units/first-unit.md",
        "duration: 45",
        "duration: 45\nauthor: me",
        "units/first-unit.md:5:1: unknown key 'author': remove it or check its spelling",
    ),
    ("units/first-unit.md", "title: The first unit\n", "", "units/first-unit.md:2:1: missing required key 'title'"),
    (
        "instructor/plans.yaml",
        "minutes: 15",
        "minutes: 5",
        "instructor/plans.yaml:3:11: plan 'plan-60': blocks add up to 50 minutes but 'length' says 60",
    ),
    (
        "instructor/assessment.yaml",
        "descriptors: [All correct, Some wrong]",
        "descriptors: [All correct]",
        "instructor/assessment.yaml:20:22: criterion 'Accuracy' has 1 descriptors but the rubric has 2 levels",
    ),
    (
        "course.yaml",
        "units: [first-unit, second-unit]",
        "units: [first-unit, second-unit, first-unit]",
        "course.yaml:19:34: unit 'first-unit' is listed twice (first at 19:9): list it once",
    ),
    (
        "course.yaml",
        "units: [first-unit, second-unit]",
        "units: [first-unit, second-unit]\nexercises: [ex-alpha, ex-beta, ex-alpha]",
        "course.yaml:20:32: exercise 'ex-alpha' is listed twice (first at 20:13): list it once",
    ),
    (
        "units/first-unit.md",
        "readings: [doe-2020, body-2019]",
        "readings: [doe-2020, body-2019, doe-2020]",
        "units/first-unit.md:7:33: reading 'doe-2020' is listed twice (first at 7:12): list it once",
    ),
    (
        "readings/list.yaml",
        "- id: body-2019",
        "-  id: body-2019",
        "readings/list.yaml:10:3: YAML: expected <block end>, but found '<block mapping start>' (while parsing a block "
        "collection that starts at line 1): line this up with the keys above it (spaces, not tabs)",
    ),
    (
        "exercises/ex-alpha.md",
        "kind: discussion",
        "kind: Group Work",  # an open vocabulary, but a word of it is an id (it may have a printed label)
        "exercises/ex-alpha.md:5:7: 'kind': must be a lower-case id (a-z, 0-9 and hyphens)",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    CASES,
    ids=[c[3].split(":", 1)[0] + ":" + c[3].split(": ", 1)[1][:30] for c in CASES],
)
def test_each_mistake_has_one_clear_message(course_copy, file: str, old: str, new: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    path = course / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    code, lines = _check(course)
    assert code == 1
    assert lines == expected.split("\n")


def test_minimal_fixture_is_clean() -> None:
    result = CliRunner().invoke(main, ["check", "--strict", str(FIXTURES / "minimal")])
    assert result.exit_code == 0, result.output
    assert result.output == "1 course(s) in 1 language version(s) checked: no errors.\n"


def test_a_name_cut_at_its_comma_is_flagged(course_copy) -> None:  # type: ignore[no-untyped-def]
    """authors: [Casey, Eoghan] is two authors to YAML ("Casey and Eoghan 2011" in the pack)."""
    course = course_copy()
    readings = course / "readings" / "list.yaml"
    original = readings.read_text()
    readings.write_text(original.replace('authors: ["Doe, Jane"]', "authors: [Öztürk, Ayşe]"))
    code, lines = _check(course)
    assert code == 0
    assert lines == [
        "readings/list.yaml:3:12: warning: reading 'doe-2020': authors 'Öztürk', 'Ayşe' look like names cut at "
        'their comma: quote each person, authors: ["Öztürk, Ayşe"] (or, if each is an author: ["Öztürk", "Ayşe"])'
    ]
    # quoted items, a block list, an acronym, a body's name of several words: as written
    for authors in (
        '["Europol", "Eurojust"]',
        "\n    - Europol\n    - Eurojust",
        "[UNODC, Europol]",
        "[Council of Europe, Europol]",
    ):
        readings.write_text(original.replace('authors: ["Doe, Jane"]', f"authors: {authors}"))
        assert _check(course) == (0, []), authors


def test_file_encodings(course_copy) -> None:  # type: ignore[no-untyped-def]
    """A byte-order mark and Windows line ends are UTF-8 too; another encoding is one error
    at the place it goes wrong, not errors about the ids the file defines."""
    course = course_copy()
    unit = course / "units" / "second-unit.md"
    text = unit.read_text()
    unit.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert _check(course) == (0, [])
    unit.write_bytes(text.replace("Two boxes", "Two b\u00e9xes").encode("cp1252"))
    code, lines = _check(course)
    assert (code, lines) == (1, ["units/second-unit.md:13:8: not UTF-8 text: save the file as UTF-8"])
    unit.write_bytes(b"\xef\xbb\xbf" + text.replace("Two boxes", "Two b\u00e9xes").encode("cp1252"))
    assert _check(course) == (
        1,
        ["units/second-unit.md:13:8: not UTF-8 text: save the file as UTF-8"],
    )  # the mark aside
    unit.write_bytes(text.encode("utf-16"))
    assert _check(course) == (1, ["units/second-unit.md:1:1: UTF-16 text: save the file as UTF-8"])


def test_an_image_the_engine_cannot_draw_is_an_error(course_copy) -> None:  # type: ignore[no-untyped-def]
    """WeasyPrint leaves an unreadable image out with a warning: the figure would vanish from the PDF."""
    course = course_copy()
    (course / "figures" / "boxes.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"')
    assert _check(course) == (
        1,
        [
            "units/second-unit.md:13:1: image 'figures/boxes.svg' cannot be read "
            "(SVG: unclosed token at line 1, column 41): fix it or export it again"
        ],
    )
    (course / "figures" / "boxes.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    unit = course / "units" / "second-unit.md"
    unit.write_text(unit.read_text().replace("figures/boxes.svg", "figures/boxes.png"))
    code, lines = _check(course)
    assert code == 1 and lines[0].startswith("units/second-unit.md:13:1: image 'figures/boxes.png' cannot be read (")
    # one byte changed in a real PNG (a checksum error: it stopped the check with a traceback)
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(buffer, "PNG")
    damaged = bytearray(buffer.getvalue())
    damaged[len(damaged) // 2] ^= 0xFF
    (course / "figures" / "boxes.png").write_bytes(bytes(damaged))
    code, lines = _check(course)
    assert code == 1 and "cannot be read (broken PNG file" in lines[0]
    # an undefined entity: the engine drops the image; a JPEG cut off: Pillow's verify passes it
    svg = '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg xmlns="http://www.w3.org/2000/svg">&nbsp;</svg>'
    (course / "figures" / "boxes.svg").write_text(svg)
    unit.write_text(unit.read_text().replace("figures/boxes.png", "figures/boxes.svg"))
    assert "it uses an entity it does not define (&nbsp;)" in _check(course)[1][0]
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(buffer, "JPEG")
    (course / "figures" / "boxes.jpg").write_bytes(buffer.getvalue()[:200])
    unit.write_text(unit.read_text().replace("figures/boxes.svg", "figures/boxes.jpg"))
    assert "cannot be read (" in _check(course)[1][0]  # (Pillow: "Truncated File Read", or ours: "cut off")


def test_after_a_repeat_later_problems_are_placed_right(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    meta = course / "course.yaml"
    meta.write_text(
        meta.read_text().replace(
            "units: [first-unit, second-unit]", "units: [first-unit, first-unit, nope, second-unit]"
        )
    )
    code, lines = _check(course)
    assert code == 1
    assert lines == [
        "course.yaml:19:21: unit 'first-unit' is listed twice (first at 19:9): list it once",
        "course.yaml:19:33: unit 'nope' not found: add units/nope.md with 'id: nope' in its front matter",
    ]


def test_a_typo_gets_the_closest_name(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    unit = course / "units" / "first-unit.md"
    text = unit.read_text()
    unit.write_text(text.replace("duration: ", "durration: "))
    assert _check(course) == (1, ["units/first-unit.md:4:1: unknown key 'durration': did you mean 'duration'?"])
    unit.write_text(text)
    plans = course / "instructor" / "plans.yaml"
    plans.write_text(plans.read_text().replace("      minutes: 25", "      minutse: 25", 1))
    meta = course / "course.yaml"
    meta.write_text(meta.read_text() + "duplex: true\n")  # a key of another file: no suggestion of itself
    assert _check(course)[1] == [
        "course.yaml:20:1: unknown key 'duplex': remove it or check its spelling",
        # one error: not also "missing required key 'minutes'"
        "instructor/plans.yaml:7:7: unknown key 'minutse': did you mean 'minutes'?",
    ]
    plans.write_text(plans.read_text().replace("minutse", "minutes"))
    meta.write_text(meta.read_text().replace("duplex: true\n", ""))
    text = text.replace("readings: [doe-2020", "readings: [doe-2002")
    unit.write_text(text.replace("exercises: [ex-alpha]", "exercises: [ex-alfa]"))
    second = course / "units" / "second-unit.md"
    second.write_text(second.read_text() + "\nSee [](#fig-boxs).\n")
    code, lines = _check(course)
    assert code == 1
    assert "units/first-unit.md:7:12: reading 'doe-2002' not found: did you mean 'doe-2020'?" in lines
    assert "units/first-unit.md:8:13: exercise 'ex-alfa' not found: did you mean 'ex-alpha'?" in lines
    assert any(line.endswith("has that id: did you mean '#fig-boxes'?") for line in lines), lines
    # a student-visible link is not sent to instructor-only material
    second.write_text(second.read_text().replace("[](#fig-boxs)", "[](#plan-6)"))
    assert any(line.endswith("or heading has that id") and "#plan-6" in line for line in _check(course)[1])


def test_a_task_rubric_is_in_the_student_pack(course_copy) -> None:  # type: ignore[no-untyped-def]
    """A unit may link to an assessment task and its rubric: both are printed in the student pack."""
    course = course_copy()
    unit = course / "units" / "second-unit.md"
    unit.write_text(unit.read_text() + "\nSee [](#quiz) and [](#quiz-rubric).\n")
    assert _check(course) == (0, [])


def test_empty_files(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    (course / "readings" / "list.yaml").write_text("")
    code, lines = _check(course)
    assert code == 1
    assert (
        lines[0]
        == "readings/list.yaml:1:1: warning: the file is empty: add its entries (each starting with '- '), or delete it"
    )
    (course / "readings" / "list.yaml").write_text((FIXTURES / "minimal" / "readings" / "list.yaml").read_text())
    (course / "exercises" / "ex-beta.md").write_text("\n")
    code, lines = _check(course)
    assert (
        "exercises/ex-beta.md:1:1: the file is empty: write its front matter ('---', its id and title, '---'), then its text"
        in lines
    )


def test_an_error_does_not_hide_the_warnings(course_copy) -> None:  # type: ignore[no-untyped-def]
    """Every problem at once: the warnings are named with the error that stops the build."""
    course = course_copy()
    (course / "units" / "extra.md").write_text("---\nid: extra-unit\ntitle: Not listed\n---\n\nText.\n")
    unit = course / "units" / "second-unit.md"
    unit.write_text(unit.read_text() + "\nSee [](#nowhere).\n")
    result = CliRunner().invoke(main, ["check", str(course)])
    assert result.exit_code == 1
    assert "warning: unit 'extra-unit' is not listed in course.yaml 'units'" in result.output
    assert "cross-reference to '#nowhere'" in result.output
    assert result.output.splitlines()[-1] == "2 problem(s) (1 error(s), 1 warning(s)); nothing was written."


def test_strict_turns_warnings_into_errors(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    (course / "units" / "extra.md").write_text("---\nid: extra-unit\ntitle: Not listed\n---\n\nText.\n")
    lenient = CliRunner().invoke(main, ["check", str(course)])
    assert lenient.exit_code == 0
    assert (
        "warning: unit 'extra-unit' is not listed in course.yaml 'units' and is left out of the pack" in lenient.output
    )
    strict = CliRunner().invoke(main, ["check", "--strict", str(course)])
    assert strict.exit_code == 1
    assert "1 problem(s) (0 error(s), 1 warning(s) made errors by --strict); nothing was written." in strict.output


LINT = [
    (
        "## A longer section",
        "#### A longer section",
        "units/first-unit.md:31:1: warning: heading level skips from ## to ####: use ### (screen readers navigate by levels)",
    ),
    (
        "## Summary",
        "# Summary",
        "units/first-unit.md:47:1: a '#' heading: the title is set by the pack; start sections at '##'",
    ),
    (
        "Small fixtures, fast tests.",
        "Small fixtures, fast tests: [click here](https://example.org/fixtures).",
        "units/first-unit.md:49:29: warning: link text 'click here' says nothing out of context: say where the link leads",
    ),
    (
        "Small fixtures, fast tests.",
        "Small fixtures, fast tests: [click here](#why-small).",
        "units/first-unit.md:49:29: warning: link text 'click here' says nothing out of context: name what it leads to, or leave the text empty for the target's label",
    ),
    (
        "Small fixtures, fast tests.",
        "See [https://example.org](https://example.org).",
        "units/first-unit.md:49:5: warning: link text is the bare address: say where the link leads (the address is printed with it)",
    ),
    (
        "| Fixture | Units | Pages |",
        "|  |  |  |",
        "units/first-unit.md:16:1: warning: table has an empty header row: name each column",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), LINT, ids=[c[2].split(": ", 1)[1][:40] for c in LINT])
def test_accessibility_lint(course_copy, old: str, new: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    unit = course / "units" / "first-unit.md"
    assert old in unit.read_text()
    unit.write_text(unit.read_text().replace(old, new, 1))
    result = CliRunner().invoke(main, ["check", "--strict", str(course)])
    assert result.exit_code == 1
    lines = [line.replace(str(course) + "/", "") for line in result.output.splitlines()]
    assert lines[:-1] == [expected]


def test_decorative_images_need_no_alt_text(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    unit = course / "units" / "second-unit.md"
    unit.write_text(unit.read_text() + "\n![](figures/boxes.svg){.decorative}\n")
    result = CliRunner().invoke(main, ["check", "--strict", str(course)])
    assert result.exit_code == 0, result.output


def test_a_number_slot_needs_a_target_the_pack_numbers(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """'{n}' prints the number a pack gives its target: an exercise left out of the pack has none."""
    course = course_copy()
    (course / "course.yaml").write_text((course / "course.yaml").read_text() + "exercises: [ex-alpha, ex-beta]\n")
    unit = course / "units" / "second-unit.md"
    unit.write_text(unit.read_text() + "\nCompare [exercise {n}](#ex-gamma) here.\n")
    code, lines = _check(course)
    assert code == 1
    assert lines == [
        "units/second-unit.md:19:9: '{n}' in the text of a link to '#ex-gamma': only units, exercises, figures, tables and listings have a number; write the words out"
    ]
    # a link's text over two lines is read from the same tree the pack is printed from: the same check
    unit.write_text(unit.read_text().replace("Compare [exercise {n}](#ex-gamma) here.", "See [the\n{n}](#why-small)."))
    result = CliRunner().invoke(main, ["build", str(course), "--edition", "student", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert (
        "/units/second-unit.md:19:5: '{n}' in the text of a link to '#why-small': only units, exercises, figures, tables and listings have a number; write the words out"
        in result.output
    )
    assert not list((tmp_path / "out").rglob("*.pdf"))
