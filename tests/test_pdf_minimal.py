"""What a lecturer checks in the built PDFs of the minimal fixture."""

from __future__ import annotations

import re
from pathlib import Path

from pdfutil import all_text, bookmarks, catalog_lang, destinations, letters, media_box, metadata, page_texts, squash

SENTINELS = [
    "INSTRUCTOR-SENTINEL-UNIT",
    "INSTRUCTOR-SENTINEL-alpha",
    "INSTRUCTOR-SENTINEL-beta",
    "INSTRUCTOR-SENTINEL-gamma",
    "INSTRUCTOR-SENTINEL-GUIDE",
    "INSTRUCTOR-SENTINEL-ANSWER",
    "INSTRUCTOR-SENTINEL-INTRO",
    "A note that only instructors see",
]


def test_cover_names_course_edition_and_version(minimal_out: Path) -> None:
    cover = squash(page_texts(minimal_out / "student.pdf")[0])
    assert "A Minimal Course on Testing" in cover
    assert letters("Student pack") in letters(cover)  # letter-spaced on the cover
    assert "Version 0.1" in cover and "January 15, 2026" in cover
    guide_cover = squash(page_texts(minimal_out / "instructor.pdf")[0])
    assert letters("Instructors guide") in letters(guide_cover)


def _contents_entries(pdf: Path) -> dict[str, int]:
    """Title -> printed page number, read off the contents page."""
    page = next(t for t in page_texts(pdf) if t.lstrip().startswith("Contents"))
    entries = {}
    for line in page.splitlines()[1:]:
        m = re.match(r"^(?:\d+\s+)?(.*?)[\s.]*?(\d+)\s*$", line.strip())
        if m:
            entries[m.group(1).strip(" .")] = int(m.group(2))
    return entries


def test_contents_page_numbers_are_the_real_pages(minimal_out: Path) -> None:
    pdf = minimal_out / "student.pdf"
    entries = _contents_entries(pdf)
    dests = destinations(pdf)
    texts = page_texts(pdf)
    expected = {
        "Introduction": "introduction",
        "The first unit": "first-unit",
        "The second unit": "second-unit",
        "Exercise named alpha": "ex-alpha",
        "Exercise named gamma": "ex-gamma",
        "Reading list": "reading-list",
    }
    for title, ident in expected.items():
        assert entries[title] == dests[ident], title
        assert title in squash(texts[entries[title] - 1]), f"{title} not printed on p. {entries[title]}"


def test_page_numbers_printed_in_the_margin(minimal_out: Path) -> None:
    texts = page_texts(minimal_out / "student.pdf")
    dests = destinations(minimal_out / "student.pdf")
    page = dests["first-unit"]
    assert texts[page - 1].rstrip().endswith(str(page))
    assert "A Minimal Course on Testing" not in texts[page - 1]  # no running head on an opening page
    assert "A Minimal Course on Testing The first unit" in squash(texts[page])  # running heads after it


def test_bookmarks_mirror_the_contents(minimal_out: Path) -> None:
    marks = bookmarks(minimal_out / "student.pdf")
    dests = destinations(minimal_out / "student.pdf")
    top = [(b.title, b.page) for b in marks if b.level == 0]
    assert [t for t, _ in top] == [
        "Contents",
        "Introduction",
        "1. The first unit",
        "2. The second unit",
        "Exercises",
        "Assessment",
        "Reading list",
    ]
    assert dict(top)["1. The first unit"] == dests["first-unit"]
    children = [b.title for b in marks if b.level == 1]
    assert "Why fixtures are small" in children
    assert any("Exercise named beta" in c for c in children)


def test_metadata(minimal_out: Path) -> None:
    meta = metadata(minimal_out / "student.pdf")
    assert meta["Title"] == "A Minimal Course on Testing — Student pack"
    assert meta["Author"] == "coursepack tests"
    assert meta["Subject"] == "A small course used by the test suite."
    assert meta["Keywords"] == "testing, fixture"
    assert meta["CreationDate"].startswith("D:20231114")  # SOURCE_DATE_EPOCH 1700000000
    assert catalog_lang(minimal_out / "student.pdf") == "en"
    assert metadata(minimal_out / "instructor.pdf")["Title"].endswith("Instructor’s guide")


def test_a4_by_default(minimal_out: Path) -> None:
    width, height = media_box(minimal_out / "student.pdf")
    assert (round(width), round(height)) == (595, 842)


def test_every_exercise_in_both_editions(minimal_out: Path) -> None:
    for edition in ("student", "instructor"):
        text = all_text(minimal_out / f"{edition}.pdf")
        for name in ("alpha", "beta", "gamma"):
            assert f"Exercise named {name}" in text
            assert f"Discuss the {name} question with a partner" in text


def test_instructor_only_text_never_reaches_the_student_pack(minimal_out: Path) -> None:
    student = letters(all_text(minimal_out / "student.pdf"))
    instructor = letters(all_text(minimal_out / "instructor.pdf"))
    for sentinel in SENTINELS:
        assert letters(sentinel) not in student, sentinel
        assert letters(sentinel) in instructor, sentinel


def test_cross_references_print_the_real_page(minimal_out: Path) -> None:
    pdf = minimal_out / "student.pdf"
    text = all_text(pdf)
    dests = destinations(pdf)
    assert f"refer to Exercise 1, p. {dests['ex-alpha']}" in text
    assert f"such as Table 1, p. {dests['tab-sizes']}" in text
    assert f"See Unit 1, p. {dests['first-unit']} and Figure 1, p. {dests['fig-boxes']}" in text
    assert f"see also Why fixtures are small, p. {dests['why-small']}" in text
    # "{n}" in a link's own text is the target's number (for languages that need an article: "l'unité {n}")
    assert f"in table 1, p. {dests['tab-sizes']} of unit 1, p. {dests['first-unit']}." in text


def test_instructor_guide_cites_student_pack_pages(minimal_out: Path) -> None:
    student = destinations(minimal_out / "student.pdf")
    guide = all_text(minimal_out / "instructor.pdf")
    assert f"teach Unit 1 (Student pack, p. {student['first-unit']})" in guide
    # an exercise's own row: its page in the student pack, not read as its unit's page
    assert f"Unit 2 — The second unit Student pack p. {student['ex-beta']}" in guide
    assert f"Unit 1, p. {student['first-unit']}" in guide  # class plan material column


def test_footnotes_at_the_foot_of_their_page(minimal_out: Path) -> None:
    texts = page_texts(minimal_out / "student.pdf")
    page = next(squash(t) for t in texts if "Fixtures keep the test suite fast" in squash(t))
    body_at = page.index("Fixtures keep the test suite fast")
    note_at = page.index("1. Doe (2020), p. 3.")
    assert note_at > body_at
    tail = page[note_at + len("1. Doe (2020), p. 3.") :].split()
    assert tail == ["5"]  # only the page number follows: the note is at the foot of the page


def test_class_plan_start_times_and_total(minimal_out: Path) -> None:
    guide = all_text(minimal_out / "instructor.pdf")
    assert re.search(r"10:00 25 Lecture on fixtures", guide)
    assert re.search(r"10:25 20 Pair work", guide)
    assert re.search(r"10:45 15 Wrap-up", guide)
    assert "Total: 60 min" in guide


def test_alignment_matrix_and_rubric(minimal_out: Path) -> None:
    guide = all_text(minimal_out / "instructor.pdf")
    assert "Outcomes and exercises" in guide
    assert "LO1 Describe the purpose of a test fixture." in guide
    assert "Rubric Quiz rubric" in guide and "All correct" in guide


def test_reading_lists_are_formatted_consistently(minimal_out: Path) -> None:
    text = all_text(minimal_out / "student.pdf")
    assert "Doe, Jane (2020). Testing Small Things. Example Press." in text
    assert "Example Body (2019). A Report on Fixtures. https://example.org/report" in text
    assert "A short book about small tests. (Units 1, 2)" in text


def test_figures_and_tables_numbered_by_the_builder(minimal_out: Path) -> None:
    text = all_text(minimal_out / "student.pdf")
    assert "Figure 1 Two boxes and an arrow" in text
    assert "Table 1 Fixture sizes" in text


def test_guide_bookmarks_name_each_part(minimal_out: Path) -> None:
    marks = [(b.level, b.title) for b in bookmarks(minimal_out / "instructor.pdf")]
    assert (0, "Class plans") in marks
    assert (1, "A one-hour class") in marks  # the plan's title, without its length ("60 min")
