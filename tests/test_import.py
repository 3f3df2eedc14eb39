"""`coursepack import`: a Word file, a Carpentries lesson and Quarto chapters made into course
folders that pass `check`, with what could not be mapped reported at its source line; the packs
built from them read as the source does (slow); hostile sources refused with nothing written."""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.build import Options, build, load_and_check
from coursepack.cli import main
from coursepack.content.yamlsource import parse_yaml, split_front_matter

from conftest import EPOCH
from pdfutil import all_text

docx = pytest.importorskip("docx", reason="python-docx builds the Word fixture (the test dependency group)")


def _png(rgb: tuple[int, int, int] = (200, 30, 30), size: int = 8) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# -- the three sources ------------------------------------------------------------------------

FOOTNOTES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:id="1"><w:p><w:r><w:t>NOTEWORD the footnote text.</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)


def _with_footnote(data: bytes) -> bytes:
    """The docx with its run 'NOTEMARK' made a reference to a footnote (python-docx writes none)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "word/document.xml":
                text = re.sub(
                    r"<w:r>(?:(?!</w:r>).)*?NOTEMARK</w:t></w:r>",
                    '<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="1"/></w:r>',
                    body.decode(),
                )
                assert "NOTEMARK" not in text
                body = text.encode()
            elif item.filename == "word/_rels/document.xml.rels":
                body = body.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdNotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/footnotes" Target="footnotes.xml"/></Relationships>',
                )
            elif item.filename == "[Content_Types].xml":
                body = body.replace(
                    b"</Types>",
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
                    b'officedocument.wordprocessingml.footnotes+xml"/></Types>',
                )
            dst.writestr(item, body)
        dst.writestr("word/footnotes.xml", FOOTNOTES_XML)
    return out.getvalue()


def make_docx(folder: Path) -> Path:
    from docx.shared import Inches

    d = docx.Document()
    d.core_properties.title = "Field Methods"
    d.add_paragraph("INTROWORD This handbook is read before the first class.")
    d.add_heading("Sampling the site", level=1)
    p = d.add_paragraph("A transect is walked ")
    p.add_run("slowly").italic = True
    p.add_run(" and every ")
    p.add_run("sighting").bold = True
    p.add_run(" is written down.")
    p.add_run("NOTEMARK")
    d.add_paragraph("Do not write :::, {{< x >}} or @nobody as markup: PRINTED AS TYPED $5.")
    d.add_paragraph("clipboard", style="List Bullet")
    d.add_paragraph("binoculars", style="List Bullet")
    table = d.add_table(rows=3, cols=2)
    for r, row in enumerate([("Species", "Count"), ("CELLROBIN", "12"), ("CELLWREN", "7")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    d.add_heading("Reporting the counts", level=1)
    d.add_heading("Deeply nested", level=3)
    d.add_paragraph("REPORTWORD Counts go into the shared sheet.")
    d.add_picture(io.BytesIO(_png()), width=Inches(1.5))
    d.inline_shapes[0]._inline.docPr.set("descr", "A red square standing for the site")
    d.add_paragraph("FIGUREWORD The site map", style="Caption")
    buf = io.BytesIO()
    d.save(buf)
    path = folder / "field-methods.docx"
    path.write_bytes(_with_footnote(buf.getvalue()))
    return path


EPISODE_1 = """---
title: "Why count birds"
teaching: 10
exercises: 5
---

:::::::::::::::::::::::::::::::::::::: questions

- Why do we count birds?

::::::::::::::::::::::::::::::::::::::::::::::::

::::::::::::::::::::::::::::::::::::: objectives

- Explain why bird counts matter.
- Name two counting methods.

::::::::::::::::::::::::::::::::::::::::::::::::

## Counts over time

Counts taken the same way every year show trends.

![A robin on a branch.](fig/robin.png){alt='A small brown bird with a red breast'}

::::::::::::::::::::::::::::::::::::: challenge

## How many robins?

CHALLENGEWORD Count the robins in the figure.

:::::::::::::::::::::::: solution

SOLUTIONWORD There is one robin.

:::::::::::::::::::::::::::::::::
::::::::::::::::::::::::::::::::::::::::::::::::

::::::::::::::::::::::::::::::::::::: instructor

INSTRUCTORWORD Ask the room before showing the figure.

::::::::::::::::::::::::::::::::::::::::::::::::

::: sidebar
SIDEBARWORD a block of a name nobody knows.
:::

Next: [counting](counting.md); before that, the [setup](../learners/setup.md) and [a data file](data/birds.csv).

::::::::::::::::::::::::::::::::::::: keypoints

- KEYPOINTWORD Counting the same way makes counts comparable.

::::::::::::::::::::::::::::::::::::::::::::::::
"""

EPISODE_2 = """---
title: "Counting in the field"
teaching: 20
exercises: 10
---

## Point counts

Stand still for five minutes and count what you see and hear.

::::::::::::::::::::::::::::::::::::: callout

## Early mornings

CALLOUTWORD Birds sing most in the first hours after dawn.

::::::::::::::::::::::::::::::::::::::::::::::::
"""

EPISODE_3 = """---
title: "Reporting counts"
teaching: 15
exercises: 0
---

## Sharing

REPORTINGWORD Send your counts in the agreed format.
"""


def make_lesson(folder: Path) -> Path:
    root = folder / "birds-lesson"
    (root / "episodes" / "fig").mkdir(parents=True)
    (root / "episodes" / "data").mkdir()
    (root / "instructors").mkdir()
    (root / "learners").mkdir()
    (root / "config.yaml").write_text(
        "carpentry: incubator\ntitle: 'Counting Birds'\nlife_cycle: stable\nlicense: 'CC-BY 4.0'\n"
        "episodes:\n- introduction.md\n- counting.md\n- reporting.md\n"
    )
    (root / "index.md").write_text("---\nsite: sandpaper::sandpaper_site\n---\n\nLESSONINTROWORD Welcome.\n")
    (root / "episodes" / "introduction.md").write_text(EPISODE_1)
    (root / "episodes" / "counting.md").write_text(EPISODE_2)
    (root / "episodes" / "reporting.md").write_text(EPISODE_3)
    (root / "episodes" / "fig" / "robin.png").write_bytes(_png((120, 80, 40)))
    (root / "episodes" / "data" / "birds.csv").write_text("species,count\n")
    (root / "instructors" / "instructor-notes.md").write_text("---\ntitle: Notes\n---\n\nGUIDEWORD Book a room.\n")
    (root / "learners" / "setup.md").write_text(
        "---\ntitle: Setup\n---\n\n## Software\n\nSETUPWORD Bring a notebook.\n"
    )
    (root / "learners" / "reference.md").write_text("---\ntitle: Reference\n---\n\nA glossary.\n")
    return root


TIDY = """---
title: "Tidy data"
author: Ada
---

TIDYWORD Tidy data has one row per observation [@wickham2014].

::: {.callout-note}
## Remember
CALLOUTWORD Each variable is a column.
:::

The plot in @fig-scatter comes from the next chapter.

```{python}
print("never run")
```
"""

PLOTS = """# Plotting the data

![A scatter plot of the counts](scatter.png){#fig-scatter fig-alt="Dots rising from left to right"}

PLOTWORD See @fig-scatter.

{{< include _extra.qmd >}}
"""


def make_quarto(folder: Path) -> Path:
    root = folder / "book"
    root.mkdir()
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Data Basics\n  author: Ada Example\n  chapters:\n"
        "    - index.qmd\n    - part: Basics\n      chapters:\n        - tidy.qmd\n        - plots.qmd\n"
        "    - references.qmd\nbibliography: references.bib\n"
    )
    (root / "index.qmd").write_text("# Preface {.unnumbered}\n\nPREFACEWORD This book is short.\n")
    (root / "tidy.qmd").write_text(TIDY)
    (root / "plots.qmd").write_text(PLOTS)
    (root / "references.qmd").write_text("# References {.unnumbered}\n\n::: {#refs}\n:::\n")
    (root / "references.bib").write_text(
        "@article{wickham2014,\n  author = {Wickham, Hadley},\n  title = {Tidy Data},\n"
        "  journal = {Journal of Statistical Software},\n  year = {2014},\n  volume = {59},\n}\n"
    )
    (root / "scatter.png").write_bytes(_png((30, 30, 200)))
    return root


# -- helpers ----------------------------------------------------------------------------------


def run_import(source: Path, dest: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["import", str(source), str(dest), *extra])
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def front(path: Path) -> dict[str, object]:
    text, _, _ = split_front_matter(path.read_text())
    assert text is not None
    data = parse_yaml(text).data
    assert isinstance(data, dict)
    return data


def units(course: Path) -> list[dict[str, object]]:
    order = parse_yaml((course / "course.yaml").read_text()).data["units"]
    return [front(course / "units" / f"{u}.md") for u in order]


def checks(course: Path) -> None:
    checked = load_and_check([course])
    assert not checked.diags.errors


def _no_staging_left(parent: Path) -> None:
    assert not [p for p in parent.iterdir() if ".importing-" in p.name]


# -- Word -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def word_course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("word")
    source = make_docx(tmp)
    code, out, err = run_import(source, tmp / "field")
    assert code == 0, err
    assert "2 unit(s) imported from docx" in out
    return tmp / "field", err


def test_word_headings_become_units_and_the_text_before_them_the_introduction(word_course: tuple[Path, str]) -> None:
    course, _ = word_course
    checks(course)
    meta = parse_yaml((course / "course.yaml").read_text()).data
    assert meta["title"] == "Field Methods"
    assert [u["title"] for u in units(course)] == ["Sampling the site", "Reporting the counts"]
    assert "INTROWORD" in (course / "introduction.md").read_text()
    first = (course / "units" / "sampling-the-site.md").read_text()
    assert "A transect is walked *slowly* and every **sighting** is written down.[^1]" in first
    assert "[^1]: NOTEWORD the footnote text." in first
    assert "- clipboard" in first and "- binoculars" in first
    assert "| Species | Count |\n| --- | --- |\n| CELLROBIN | 12 |\n| CELLWREN | 7 |" in first
    # Word text that Markdown would read as markup is escaped
    assert r"write :::, \{\{ \< x \>\}\} or \@nobody" in first and r"\$5" in first
    second = (course / "units" / "reporting-the-counts.md").read_text()
    assert '![FIGUREWORD The site map](figures/image1.png){alt="A red square standing for the site"' in second
    assert (course / "figures" / "image1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_word_report_names_what_was_written_otherwise_at_its_paragraph(word_course: tuple[Path, str]) -> None:
    _, err = word_course
    assert re.search(r"field-methods\.docx:8:1: warning: heading of level 3 written at level 2", err), err
    assert re.search(r"field-methods\.docx:4:1: warning: '\{\{<' reads as a Quarto shortcode", err), err


# -- Carpentries ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lesson_course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("lesson")
    source = make_lesson(tmp)
    code, out, err = run_import(source, tmp / "birds")
    assert code == 0, err
    assert "3 unit(s) imported from carpentries" in out
    return tmp / "birds", err


def test_episodes_become_units_in_config_order_with_durations_and_outcomes(lesson_course: tuple[Path, str]) -> None:
    course, _ = lesson_course
    checks(course)
    assert parse_yaml((course / "course.yaml").read_text()).data["title"] == "Counting Birds"
    got = units(course)
    assert [u["title"] for u in got] == ["Why count birds", "Counting in the field", "Reporting counts"]
    assert [u.get("duration") for u in got] == [15, 30, 15]
    assert got[0]["learning_outcomes"] == ["Explain why bird counts matter.", "Name two counting methods."]
    body = (course / "units" / "introduction-unit.md").read_text()
    assert "objectives" not in body  # (they are the unit's learning outcomes now)
    assert "![A robin on a branch.](figures/robin.png){alt='A small brown bird with a red breast'}" in body
    assert "[counting](counting.md)" in body
    assert (course / "figures" / "robin.png").is_file()
    assert "GUIDEWORD" in (course / "instructor" / "guide.md").read_text()
    intro = (course / "introduction.md").read_text()
    assert "LESSONINTROWORD" in intro and "SETUPWORD" in intro


def test_lesson_report_lists_what_was_not_mapped_with_its_line(lesson_course: tuple[Path, str]) -> None:
    _, err = lesson_course
    assert re.search(
        r"episodes/introduction\.md:45:1: warning: block 'sidebar' has no kind here: written as a note", err
    )
    assert re.search(r"episodes/introduction\.md:49:1: warning: link to \.\./learners/setup\.md: the introduction", err)
    assert re.search(r"episodes/introduction\.md:49:1: warning: link to data/birds\.csv: not a unit", err), err
    assert re.search(r"learners/reference\.md: warning: a page that is not an episode", err), err


# -- Quarto -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quarto_course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("quarto")
    source = make_quarto(tmp)
    code, out, err = run_import(source, tmp / "data-basics")
    assert code == 0, err
    assert "2 unit(s) imported from markdown" in out
    return tmp / "data-basics", err


def test_quarto_chapters_become_units_with_their_figures_and_readings(quarto_course: tuple[Path, str]) -> None:
    course, _ = quarto_course
    checks(course)
    meta = parse_yaml((course / "course.yaml").read_text()).data
    assert meta["title"] == "Data Basics" and meta["authors"] == ["Ada Example"]
    assert [u["title"] for u in units(course)] == ["Tidy data", "Plotting the data"]
    assert "PREFACEWORD" in (course / "introduction.md").read_text()
    assert (course / "readings" / "references.bib").is_file()
    plots = (course / "units" / "plots.md").read_text()
    assert '![A scatter plot of the counts](figures/scatter.png){#fig-scatter fig-alt="Dots rising' in plots
    assert "{{<" not in plots


def test_quarto_report_names_the_cell_not_run_and_the_shortcode(quarto_course: tuple[Path, str]) -> None:
    _, err = quarto_course
    assert re.search(r"tidy\.qmd:15:1: warning: an executable \{python\} cell: kept as code, not run", err), err
    assert re.search(r"plots\.qmd:7:1: warning: a Quarto shortcode left out", err), err
    assert re.search(r"tidy\.qmd:3:1: warning: front matter 'author' has no place in a unit", err), err
    assert re.search(r"references\.qmd: warning: the references page: left out", err), err


# -- the packs built from them (slow: typesets) -------------------------------------------------


def _pack(course: Path, out: Path) -> Path:
    report = build([course], Options(out, jobs=1, epoch=EPOCH, editions=["student", "instructor"]))
    assert not report.failures, report.failures
    return next(out.glob("*/en"))


def test_the_imported_word_pack_reads_as_the_document(word_course: tuple[Path, str], tmp_path: Path) -> None:
    course, _ = word_course
    pack = _pack(course, tmp_path)
    text = all_text(pack / "student.pdf")
    assert text.index("Sampling the site") < text.index("Reporting the counts")
    for word in ("INTROWORD", "CELLROBIN", "CELLWREN", "NOTEWORD", "FIGUREWORD", "PRINTED AS TYPED"):
        assert word in text, word
    assert "@nobody" in text and "{{ < x >}}" in text


def test_the_imported_lesson_keeps_instructor_notes_out_of_the_student_pack(
    lesson_course: tuple[Path, str], tmp_path: Path
) -> None:
    course, _ = lesson_course
    pack = _pack(course, tmp_path)
    student, guide = all_text(pack / "student.pdf"), all_text(pack / "instructor.pdf")
    assert student.index("Why count birds") < student.index("Counting in the field") < student.index("Reporting counts")
    for word in ("CHALLENGEWORD", "KEYPOINTWORD", "CALLOUTWORD", "SIDEBARWORD", "LESSONINTROWORD"):
        assert word in student, word
    for word in ("INSTRUCTORWORD", "SOLUTIONWORD", "GUIDEWORD"):
        assert word not in student, word
        assert word in guide, word
    assert "Figure 1" in student


def test_the_imported_book_cites_and_crossreferences(quarto_course: tuple[Path, str], tmp_path: Path) -> None:
    course, _ = quarto_course
    pack = _pack(course, tmp_path)
    text = all_text(pack / "student.pdf")
    assert "Wickham" in text and "Tidy Data" in text
    assert "Figure 1" in text and "never run" in text
    assert "PLOTWORD" in text and "CALLOUTWORD" in text


# -- hostile sources ----------------------------------------------------------------------------


def test_a_link_out_of_the_lesson_stops_the_import_and_nothing_is_written(tmp_path: Path) -> None:
    source = make_lesson(tmp_path)
    secret = tmp_path / "secret.png"
    secret.write_bytes(_png())
    os.symlink(secret, source / "episodes" / "fig" / "leak.png")
    code, _, err = run_import(source, tmp_path / "out")
    assert code == 1
    assert "episodes/fig/leak.png: a link that leads outside" in err and "copy the file into the folder" in err
    assert not (tmp_path / "out").exists()
    _no_staging_left(tmp_path)


def test_a_zip_bomb_docx_is_refused_before_pandoc_reads_it(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    code, _, err = run_import(bomb, tmp_path / "out")
    assert code == 1
    assert "bomb.docx: member word/document.xml unpacks" in err and "zip bomb" in err
    assert not (tmp_path / "out").exists()
    _no_staging_left(tmp_path)


def test_a_destination_that_is_not_empty_is_left_alone(tmp_path: Path) -> None:
    source = make_quarto(tmp_path)
    dest = tmp_path / "taken"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    code, _, err = run_import(source, dest)
    assert code == 1 and "taken: is not empty" in err
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]
    code, _, err = run_import(source, source / "inside")
    assert code == 1 and "is inside the source" in err
    assert not (source / "inside").exists()


def test_an_empty_destination_folder_is_filled(tmp_path: Path) -> None:
    source = make_quarto(tmp_path)
    (tmp_path / "empty").mkdir()
    code, _, err = run_import(source, tmp_path / "empty", "--from", "markdown")
    assert code == 0, err
    assert (tmp_path / "empty" / "course.yaml").is_file()
    _no_staging_left(tmp_path)


def test_what_check_would_refuse_stops_the_import_at_the_source_line(tmp_path: Path) -> None:
    root = tmp_path / "chapters"
    root.mkdir()
    (root / "one.md").write_text("# One\n\nText.\n\n<script>alert(1)</script>\n")
    code, _, err = run_import(root, tmp_path / "out")
    assert code == 1
    assert re.search(r"chapters/one\.md:5:\d+: .*import writes it as units/one\.md:\d+", err), err
    assert "nothing was written" in err
    assert not (tmp_path / "out").exists()
    _no_staging_left(tmp_path)


def test_a_styles_layout_lesson_has_its_quoted_boxes_made_blocks(tmp_path: Path) -> None:
    root = tmp_path / "old-lesson"
    (root / "_episodes").mkdir(parents=True)
    (root / "fig").mkdir()
    (root / "fig" / "map.png").write_bytes(_png())
    (root / "_config.yml").write_text("title: Old Style\n")
    (root / "_episodes" / "01-start.md").write_text(
        "---\ntitle: Starting\nteaching: 5\nexercises: 5\nquestions:\n- Where?\nobjectives:\n- Find the start.\n"
        "keypoints:\n- KEYWORD Start here.\n---\n\n![The map](../fig/map.png)\n\n"
        "> ## Count them\n> How many?\n>\n> > ## Solution\n> > SOLUTIONWORD three\n> {: .solution}\n{: .challenge}\n"
    )
    code, _, err = run_import(root, tmp_path / "out")
    assert code == 0, err
    (meta,) = units(tmp_path / "out")
    assert meta == {"id": "start", "title": "Starting", "duration": 10, "learning_outcomes": ["Find the start."]}
    body = (tmp_path / "out" / "units" / "start.md").read_text()
    assert "::: challenge\n## Count them\nHow many?\n\n::: solution\n## Solution\nSOLUTIONWORD three\n:::\n:::" in body
    assert "::: questions\n- Where?\n:::" in body and "::: keypoints\n- KEYWORD Start here.\n:::" in body
    assert "![The map](figures/map.png)" in body
