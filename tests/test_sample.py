"""The sample course in content/: builds clean and complete, and keeps instructor text out of the student pack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
import yaml
from click.testing import CliRunner

from coursepack.cli import main
from coursepack.markdown.blocks import KINDS

from conftest import SAMPLE
from pdfutil import all_text, destinations, footnote_numbers, letters, page_texts

INSTRUCTOR_BLOCKS = {name for name, kind in KINDS.kinds.items() if kind.audience == "instructor"}


def _front(path: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(path.read_text().split("---")[1])


def _instructor_passages(root: Path = SAMPLE) -> list[tuple[Path, str]]:
    """Distinctive sentences from every instructor-only block of the sample's Markdown (or a translation's)."""
    out = []
    for md in [*root.glob("units/*.md"), *root.glob("exercises/*.md")]:
        lines = md.read_text().splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^:{3,} ([a-z-]+)", line)  # (read line by line: not with the parser under test)
            if m and m.group(1) in INSTRUCTOR_BLOCKS:
                body = []
                for nxt in lines[i + 1 :]:
                    if re.fullmatch(r":{3,}\s*", nxt):
                        break
                    body.append(nxt)
                prose = [
                    ln
                    for ln in body
                    if len(ln) > 60
                    and "](" not in ln
                    and "[^" not in ln
                    and "{" not in ln  # (a glossary term or index mark prints other letters than it is written with)
                    and not ln.lstrip().startswith(("|", "#", ":", "Table:"))
                ]
                if prose:
                    sentence = re.sub(r"^\s*(?:\d+\.|[-*+])\s+", "", max(prose, key=len))
                    out.append((md, re.sub(r"[*_`\[\]()]", "", sentence)[:70]))
    return out


def test_check_strict_is_clean() -> None:
    result = CliRunner().invoke(main, ["check", "--strict", str(SAMPLE)])
    assert result.exit_code == 0, result.output


def test_page_counts_in_range(sample_out: Path) -> None:
    assert 50 <= len(page_texts(sample_out / "student.pdf")) <= 90
    assert 25 <= len(page_texts(sample_out / "instructor.pdf")) <= 70  # 61 with each exercise's student-pack row


def test_student_pack_contains_every_unit_exercise_and_reading(sample_out: Path) -> None:
    text = letters(all_text(sample_out / "student.pdf"))
    for unit in SAMPLE.glob("units/*.md"):
        assert letters(_front(unit)["title"]) in text, unit.name
    for ex in SAMPLE.glob("exercises/*.md"):
        assert letters(_front(ex)["title"]) in text, ex.name
    readings = [r for f in SAMPLE.glob("readings/*.yaml") for r in yaml.safe_load(f.read_text())]
    readings += [r for f in SAMPLE.glob("readings/*.json") for r in json.loads(f.read_text())]  # (CSL JSON)
    assert len(readings) >= 25
    for reading in readings:
        title = re.sub(r"<[^>]+>", "", reading["title"])  # (CSL JSON's rich text: <span class="nocase">)
        assert letters(title) in text, reading["id"]


def test_no_instructor_text_in_the_student_pack(sample_out: Path) -> None:
    passages = _instructor_passages()
    assert len(passages) >= 20
    student = letters(all_text(sample_out / "student.pdf"))
    instructor = letters(all_text(sample_out / "instructor.pdf"))
    for path, passage in passages:
        assert letters(passage) not in student, f"{path.name}: {passage}"
        assert letters(passage) in instructor, f"{path.name}: {passage}"


@pytest.mark.parametrize("edition", ["student", "instructor"])
def test_no_empty_pages_but_deliberate_ones(sample_out: Path, edition: str) -> None:
    texts = page_texts(sample_out / f"{edition}.pdf")
    for number, text in enumerate(texts, start=1):
        assert len(text.split()) > 3, f"{edition} p. {number} is empty"


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar", "ru", "zh"])
@pytest.mark.parametrize("edition", ["student", "instructor"])
def test_every_footnote_is_printed_once_on_its_call_s_page(sample_all: Path, lang: str, edition: str) -> None:
    """A note prints at the foot of the page of its call, in every language (WeasyPrint moved
    notes to the next page to fit a line of text; once it printed a note on two pages)."""
    pages = footnote_numbers(sample_all / lang / f"{edition}.pdf")
    assert sum(len(notes) for _, notes in pages) > (50 if edition == "student" else 3)
    for number, (calls, notes) in enumerate(pages, start=1):
        assert sorted(calls, key=int) == sorted(notes, key=int), (
            f"{lang} {edition} p. {number}: calls {calls}, notes {notes}"
        )


TITLES = {
    "fr": ("translations/fr/course.yaml", "Table des matières"),
    "es": ("translations/es/course.yaml", "Índice"),
    "ru": ("translations/ru/course.yaml", "Содержание"),
    "ar": ("translations/ar/course.yaml", "المحتويات"),
    "zh": ("translations/zh/course.yaml", "目录"),
}


@pytest.mark.parametrize("lang", sorted(TITLES))
def test_each_language_pack_is_in_its_language(sample_all: Path, lang: str) -> None:
    course_file, contents = TITLES[lang]
    title = yaml.safe_load((SAMPLE / course_file).read_text())["title"]
    for edition in ("student", "instructor"):
        text = all_text(sample_all / lang / f"{edition}.pdf")
        assert letters(title) in letters(text), f"{lang} {edition}: translated title missing"
        assert contents in text, f"{lang} {edition}: '{contents}' missing"


FIGURE_WORDS = [
    ("fr", "Cryptomonnaies"),
    ("es", "Criptomonedas"),
    ("ru", "Криптовалюты"),
    ("zh", "加密货币"),
    ("ar", ""),
]


@pytest.mark.parametrize(("lang", "word"), FIGURE_WORDS)
def test_the_figure_is_in_the_pack_language(sample_all: Path, lang: str, word: str) -> None:
    """The trafficking-cycle diagram has a version in each language (translations/*/figures;
    the Arabic one's words are outlines, so there is no text to find)."""
    text = all_text(sample_all / lang / "student.pdf")
    assert word in text and "Dating and messaging apps" not in text, lang


@pytest.mark.parametrize("lang", ["fr", "es", "ar", "ru", "zh"])
def test_no_translated_instructor_text_in_student_packs(sample_all: Path, lang: str) -> None:
    passages = _instructor_passages(SAMPLE / "translations" / lang)
    assert len(passages) >= 3
    student = letters(all_text(sample_all / lang / "student.pdf"))
    instructor = letters(all_text(sample_all / lang / "instructor.pdf"))
    for path, passage in passages:
        # (six words: text extraction splits some Arabic ligatures into more letters than drawn)
        words = " ".join(passage.split()[:6])
        assert letters(words) not in student, f"{lang} {path.name}: {passage}"
        assert letters(words) in instructor, f"{lang} {path.name}: {passage}"


@pytest.mark.parametrize("lang", ["fr", "es", "ar", "ru", "zh"])
def test_every_language_of_the_sample_is_complete(sample_all: Path, lang: str) -> None:
    """The sample is a real publication in six languages: no unit, exercise or guide text left in
    English (fallback is tested on fixtures: tests/test_languages.py)."""
    result = CliRunner().invoke(main, ["status", str(SAMPLE), "--lang", lang])
    assert f"[{lang}]: 100% translated" in result.output, result.output
    for edition in ("student", "instructor"):
        text = all_text(sample_all / lang / f"{edition}.pdf")
        for english in ("Technology in the smuggling of migrants", "Learning outcomes", "Staged release"):
            assert english not in text, f"{lang} {edition}: {english!r}"


@pytest.mark.parametrize("lang", ["en", *sorted(TITLES)])
def test_contents_numbers_are_the_pages_their_links_go_to(sample_all: Path, lang: str) -> None:
    """Each language's contents page prints the page each entry's link leads to (written into the part)."""
    pdf = sample_all / lang / "student.pdf"
    title = TITLES[lang][1] if lang in TITLES else "Contents"
    texts = page_texts(pdf)
    index = next(i for i, text in enumerate(texts) if title in text)
    # each entry's page number ends its line, or starts it where a left-to-right title sits in a
    # right-to-left contents ("16 ....... Technology in the smuggling of migrants 3")
    printed = set()
    for line in texts[index].splitlines():
        m = re.match(r"\s*(\d+)\s*\.{3,}", line) or re.search(r"(\d+)\s*$", line)
        if m:
            printed.add(int(m.group(1)))
    pages = destinations(pdf)
    with pikepdf.Pdf.open(pdf) as doc:
        linked = {pages[str(a.Dest)] for a in doc.pages[index].obj.get("/Annots", []) if "/Dest" in a}
    assert len(linked) >= 10 and printed == linked


def test_a_lead_in_label_stays_with_its_table(sample_out: Path) -> None:
    """The debate exercise's "Format" label once ended page 36, its table on page 37."""
    texts = page_texts(sample_out / "instructor.pdf")
    label = [i for i, text in enumerate(texts) if "Format" in (line.strip() for line in text.splitlines())]
    assert label, "the Format label is missing"
    for i in label:
        assert "Timings of the debate" in texts[i], f"'Format' on page {i + 1} without its table"


@pytest.mark.parametrize("edition", ["student", "instructor"])
def test_the_cover_fills_the_page(sample_out: Path, edition: str) -> None:
    """The plain A4 packs' covers: colour to every edge, not a panel inside white margins."""
    document = pdfium.PdfDocument(str(sample_out / f"{edition}.pdf"))
    try:
        image = document[0].render(scale=0.5).to_pil().convert("RGB")
    finally:
        document.close()
    w, h = image.width - 2, image.height - 2
    for xy in ((1, 1), (w, 1), (1, h), (w, h)):
        r, g, b = image.getpixel(xy)  # type: ignore[misc]
        assert b > r + 40, f"{edition}: cover corner {xy} is {(r, g, b)}"


def test_exercise_notes_are_numbered_from_one(sample_out: Path) -> None:
    """Each unit numbers its notes from 1, the Exercises part from 1 on through its exercises,
    and a handout (one exercise) from 1: they once ran on from the last unit (16, 26, 32...)."""
    dests = destinations(sample_out / "student.pdf")
    pages = footnote_numbers(sample_out / "student.pdf")
    part = [notes for _, notes in pages[dests["exercises"] - 1 :] if notes]
    assert part and part[0][0] == "1", part[:2]
    handouts = sorted((sample_out / "handouts").glob("*.pdf"))
    firsts = [notes[0] for path in handouts for notes in [[n for _, ns in footnote_numbers(path) for n in ns]] if notes]
    assert firsts and set(firsts) == {"1"}, dict(zip([p.name for p in handouts], firsts, strict=False))


@pytest.mark.parametrize("edition", ["exercise-booklet", "answer-key"])
def test_a_handout_running_head_names_its_own_exercise(sample_out: Path, edition: str) -> None:
    """A handout's first page has its own header (no running head); a page it runs on to is
    headed with its exercise, not the one before (the head was the previous exercise's)."""
    current = 0
    for number, text in enumerate(page_texts(sample_out / f"{edition}.pdf"), start=1):
        starts = [int(n.replace(" ", "")) for n in re.findall(r"^E ?X ?E ?R ?C ?I ?S ?E ((?:\d ?)+?)\r?$", text, re.M)]
        heads = [int(n) for n in re.findall(r"^Exercise (\d+) ", text, re.M)]  # the head (the body says "EXERCISE")
        if starts:
            assert not heads, f"p. {number}: a running head above the start of exercise {starts[0]}"
            current = starts[-1]
        else:
            assert heads in ([], [current]), f"p. {number}: head of exercise {heads} in exercise {current}"


def test_handouts_cite_student_pack_pages(sample_out: Path) -> None:
    """A handout refers to the unit and figures it builds on by the page they have in the student pack."""
    text = " ".join(all_text(sample_out / "exercise-booklet.pdf").split())
    # ("Unit 1 (Student pack, p. 6)", or "(see Unit 1, Student pack, p. 6)" inside parentheses)
    cited = re.search(r"Unit 1(?: \(|, )Student pack, p\. (\d+)", text)
    assert cited, "no student-pack page for Unit 1"
    assert int(cited.group(1)) == destinations(sample_out / "student.pdf")["legal-framework"]


def test_percentages_in_the_language_format(sample_all: Path) -> None:
    """Rubric weights and task weights alike: "25%" in English, "25 %" (a no-break space) in French."""
    english = all_text(sample_all / "en" / "student.pdf")
    assert re.search(r"\b25%", english) and not re.search(r"\d %", english)
    assert re.search(r"\b25\s%", all_text(sample_all / "fr" / "student.pdf"))


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar", "ru", "zh"])
def test_the_guide_numbers_its_tables_in_its_own_series(sample_all: Path, lang: str) -> None:
    """In every language the guide's tables are numbered in the guide's series (G1...), and
    cross-references print labels, never an id."""
    text = " ".join(all_text(sample_all / lang / "instructor.pdf").split())
    assert re.search(r"G1|1 G", text), lang  # (right to left, the label is extracted in visual order)
    assert "tab-twelve-weeks" not in text


def test_short_lists_use_the_language_enumeration_comma(sample_all: Path) -> None:
    """An exercise's outcomes, a unit's exercises: "成果1、成果3" in Chinese, not a Latin comma."""
    chinese = all_text(sample_all / "zh" / "student.pdf")
    assert re.search(r"成果\d+、成果\d+", chinese) and not re.search(r"成果\d+, 成果\d+", chinese)
    # and a page reference in full-width parentheses: 第1单元（第6页）, but never a pair in a pair:
    # （见第4单元，第21页）, not （见第4单元（第21页））
    assert re.search(r"单元（第\d+页）", chinese) and not re.search(r"（第\d+页））", chinese)
