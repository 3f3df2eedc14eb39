"""Material written for other tools goes in as it is: a course written the way Carpentries, Quarto,
MyST and GitHub authors write (tests/fixtures/elsewhere), checked in the PDFs as a reader would."""

from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from coursepack.build import Options, build

from conftest import EPOCH, FIXTURES
from pdfutil import all_text, letters

ELSEWHERE = FIXTURES / "elsewhere"
SOLUTIONS = [f"SOLUTIONWORD{n}" for n in range(1, 8)]  # one in each solution block of the fixture
INSTRUCTOR = ["INSTRUCTORWORD1"]
MM = 72 / 25.4


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("elsewhere-out")
    report = build([ELSEWHERE], Options(out, jobs=2, epoch=EPOCH))
    assert not report.failures, report.failures
    # the one thing it cannot print yet is said, at its line
    assert [w for w in report.warnings if "maths" not in w] == [], report.warnings
    return out / "elsewhere" / "en"


def _layout_text(pdf: Path) -> str:
    """The text of a PDF line by line as it is set (list numbers with their items)."""
    with pdfplumber.open(pdf) as doc:
        return "\n".join(page.extract_text() or "" for page in doc.pages)


def _student_artefacts(folder: Path) -> list[Path]:
    return [folder / "student.pdf", folder / "exercise-booklet.pdf", *sorted((folder / "handouts").glob("*.pdf"))]


def test_solutions_and_instructor_notes_reach_only_the_guide_and_the_key(elsewhere: Path) -> None:
    for pdf in _student_artefacts(elsewhere):
        text = all_text(pdf)
        assert not [w for w in SOLUTIONS + INSTRUCTOR if w in text], pdf.name
    key = all_text(elsewhere / "answer-key.pdf")
    assert all(w in key for w in SOLUTIONS), [w for w in SOLUTIONS if w not in key]
    assert not [w for w in INSTRUCTOR if w in key]  # the key has answers, not teaching notes
    guide = all_text(elsewhere / "instructor.pdf")
    assert all(w in guide for w in SOLUTIONS + INSTRUCTOR), [w for w in SOLUTIONS + INSTRUCTOR if w not in guide]


def test_no_markup_is_printed_as_text(elsewhere: Path) -> None:
    for pdf in sorted(elsewhere.rglob("*.pdf")):
        text = all_text(pdf)
        for marker in (
            ":::",
            "```",
            "[!NOTE]",
            "[!TIP]",
            "{.callout",
            "{#",
            ":label:",
            ":class:",
            "[^",
            "][",
            "{width",
        ):
            assert marker not in text, (pdf.name, marker)


def test_exercises_written_in_units_are_numbered_listed_and_collected(elsewhere: Path) -> None:
    student = _layout_text(elsewhere / "student.pdf")
    contents = student[student.index("Contents") : student.index("EXERCISE 1")]
    # five written in units (three Carpentries challenges, Quarto's, MyST's), then the two files
    for n, title in [(1, "One arrow or two?"), (4, "Only the rare words"), (7, "Rescuing a shared data folder")]:
        assert re.search(rf"\b{n}\s*{re.escape(title)}", contents), (n, title, contents)
    assert len(list((elsewhere / "handouts").glob("*.pdf"))) == 7
    booklet = letters(all_text(elsewhere / "exercise-booklet.pdf"))  # (labels are set in spaced capitals)
    assert all(f"exercise{n}" in booklet for n in range(1, 8))


def test_markdown_people_write_comes_out_right(elsewhere: Path) -> None:
    text = " ".join(_layout_text(elsewhere / "student.pdf").split())
    assert "3. Copy the working command" in text  # a list that starts at 3 stays at 3
    assert "--help" in text and "\u2013help" not in text  # no smart dash in an option
    assert "\u201c" in text and "\u2019" in text  # prose quotes and apostrophes are typographic
    assert "CAREFUL" in text.upper() and "CAUTION" in text.upper()  # a Quarto title, a GitHub alert's label


def test_code_is_set_in_the_bundled_code_font_and_nothing_passes_the_text_block(elsewhere: Path) -> None:
    with pdfplumber.open(elsewhere / "student.pdf") as pdf:
        fonts: dict[str, set[str]] = {}
        for page in pdf.pages:
            width, height = page.width, page.height
            for ch in page.chars:
                fonts.setdefault(ch["text"], set()).add(ch["fontname"].split("+")[-1])
                if 24 * MM < ch["top"] < height - 26 * MM:  # the text block's height: furniture aside
                    assert ch["x0"] >= 22 * MM - 1 and ch["x1"] <= width - 20 * MM + 1, (page.page_number, ch["text"])
    for box in "├└│→↑":
        assert any(f.replace("-", "").startswith("IBMPlexMono") for f in fonts.get(box, ())), (box, fonts.get(box))


def test_the_guide_prints_each_solution_once_with_its_exercise(elsewhere: Path) -> None:
    """A solution written in an exercise in a unit is in the guide's Exercises part, not also in the
    unit's teaching notes; the unit's instructor note is in its teaching notes."""
    guide = all_text(elsewhere / "instructor.pdf")
    assert [guide.count(w) for w in SOLUTIONS + INSTRUCTOR] == [1] * (len(SOLUTIONS) + len(INSTRUCTOR))
