"""Print production: paper sizes, two-sided layout, print-shop bleed and marks, booklets and n-up."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pypdf
import pypdfium2 as pdfium
import pytest
from weasyprint import HTML

from coursepack.build import Options, build
from coursepack.matrix import Variant
from coursepack.print import impose

from conftest import EPOCH, FIXTURES, SAMPLE
from pdfutil import all_text, destinations, page_texts

MM = 72 / 25.4


@pytest.fixture(scope="session")
def print_variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("print")
    variants = [
        Variant("letter", duplex=True, print_shop=True),
        Variant("a5"),
        Variant("a5", duplex=True),
        Variant(booklet=True),
        Variant(n_up=2),
    ]
    report = build(
        [FIXTURES / "minimal"], Options(out, editions=["student"], jobs=2, strict=True, epoch=EPOCH, variants=variants)
    )
    assert not report.failures, report.failures
    return out / "minimal" / "en"


def _box(pdf: Path, name: str = "mediabox", page: int = 0) -> tuple[float, float]:
    box = getattr(pypdf.PdfReader(str(pdf)).pages[page], name)
    return round(float(box.width), 1), round(float(box.height), 1)


def test_paper_sizes(print_variants: Path) -> None:
    assert _box(print_variants / "student-a5.pdf") == (round(148 * MM, 1), round(210 * MM, 1))
    trim = _box(print_variants / "student-letter-duplex-print.pdf", "trimbox")
    assert trim == (612.0, 792.0)


def test_nothing_overflows_the_page_on_any_paper(print_variants: Path) -> None:
    for name in ("student-a5.pdf", "student-letter-duplex-print.pdf"):
        with pdfplumber.open(str(print_variants / name)) as pdf:
            for page in pdf.pages:
                x0, top, x1, bottom = page.trimbox if hasattr(page, "trimbox") and page.trimbox else page.bbox
                for char in page.chars:
                    inside = x0 - 0.5 <= char["x0"] and char["x1"] <= x1 + 0.5 and top - 0.5 <= char["top"] <= bottom
                    assert inside, (name, page.page_number, char["text"])


def test_duplex_starts_every_unit_on_a_right_hand_page(print_variants: Path) -> None:
    pdf = print_variants / "student-letter-duplex-print.pdf"
    dests = destinations(pdf)
    for unit in ("introduction", "first-unit", "second-unit", "exercises", "reading-list"):
        assert dests[unit] % 2 == 1, f"{unit} starts on p. {dests[unit]}"
    texts = page_texts(pdf)
    blanks = [n for n, t in enumerate(texts, 1) if not t.split()]
    assert blanks, "no blank left-hand pages were inserted"
    # page numbers on the outer side: left on even pages, right on odd pages
    with pdfplumber.open(str(pdf)) as doc:
        for number in (dests["first-unit"], dests["first-unit"] + 1):
            page = doc.pages[number - 1]
            foot = [w for w in page.extract_words() if w["text"] == str(number) and w["top"] > page.height * 0.88]
            assert foot, f"no page number on p. {number}"
            assert (foot[0]["x0"] > page.width / 2) == (number % 2 == 1)
        for page in doc.pages[: dests["introduction"] - 1]:  # the cover and front matter: unnumbered, as one-sided
            words = page.extract_words()
            assert not any(w["text"] == str(page.page_number) and w["top"] > page.height * 0.88 for w in words)


def test_print_shop_bleed_and_crop_marks(print_variants: Path) -> None:
    """3 mm of bleed around the trimmed page, and crop marks beyond it on a slug, where
    printers look for them: WeasyPrint draws its marks inside the bleed, under the artwork
    (black on the cover's blue), so the page grows by 7 mm more and the marks are drawn there."""
    pdf = print_variants / "student-letter-duplex-print.pdf"
    trim = _box(pdf, "trimbox")
    bleed = _box(pdf, "bleedbox")
    media = _box(pdf, "mediabox")
    assert bleed == (round(trim[0] + 6 * MM, 1), round(trim[1] + 6 * MM, 1))  # 3 mm on every side
    assert media == (round(trim[0] + 20 * MM, 1), round(trim[1] + 20 * MM, 1))  # and 7 mm of slug beyond
    document = pdfium.PdfDocument(str(pdf))
    try:
        for index in (0, 4):  # the cover (its colour runs to the bleed) and a text page
            image = document[index].render(scale=300 / 72).to_pil().convert("L")
            px = 300 / 25.4  # pixels a millimetre
            for corner_x, corner_y in ((0, 0), (image.width, image.height)):
                sx, sy = (1, 1) if corner_x == 0 else (-1, -1)
                # the slug: from the media box's edge to 1 mm short of the bleed (10 mm to the trim)
                near, far = round(0.5 * px), round(6.5 * px)
                trim_line = round(10 * px)
                strips = (  # a horizontal mark continues the trim line; so does a vertical one
                    (near, trim_line - 3, far, trim_line + 3),
                    (trim_line - 3, near, trim_line + 3, far),
                )
                for x_a, y_a, x_b, y_b in strips:
                    box = (
                        sorted((corner_x + sx * x_a, corner_x + sx * x_b)),
                        sorted((corner_y + sy * y_a, corner_y + sy * y_b)),
                    )
                    crop = image.crop((box[0][0], box[1][0], box[0][1], box[1][1]))
                    dark = sum(1 for value in crop.tobytes() if value < 128)
                    assert dark > 20, f"page {index + 1}: no crop mark in the slug at {box}"
    finally:
        document.close()


def _numbered_pdf(pages: int) -> bytes:
    body = "".join(f'<p style="break-after: page; font-size: 40pt">PAGE{n}</p>' for n in range(1, pages + 1))
    return HTML(string=f"<html><style>@page {{ size: A5; margin: 10mm }}</style><body>{body}</body></html>").write_pdf()


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        (8, [(8, 1), (2, 7), (6, 3), (4, 5)]),
        (12, [(12, 1), (2, 11), (10, 3), (4, 9), (8, 5), (6, 7)]),
    ],
)
def test_booklet_page_order(pages: int, expected: list[tuple[int, int]]) -> None:
    assert impose.booklet_order(pages) == expected
    sheets = pypdf.PdfReader(io.BytesIO(impose.booklet(_numbered_pdf(pages))))
    assert len(sheets.pages) == pages // 2
    with pdfplumber.open(io.BytesIO(impose.booklet(_numbered_pdf(pages)))) as pdf:
        for side, (left, right) in zip(pdf.pages, expected, strict=True):
            words = side.extract_words()
            lefts = [w["text"] for w in words if w["x0"] < side.width / 2]
            rights = [w["text"] for w in words if w["x0"] >= side.width / 2]
            assert lefts == [f"PAGE{left}"] and rights == [f"PAGE{right}"]
            assert round(side.width) == round(297 * MM) and round(side.height) == round(210 * MM)  # A4 landscape


def test_a_finding_in_imposed_output_names_its_sheet() -> None:
    """A booklet's PDF pages are sheet sides: the engine's page 28 of 30 is found on a sheet."""
    assert [impose.sheet_of(p, 6, True, None) for p in (1, 2, 6, 5)] == [
        "sheet 1, front, right",
        "sheet 1, back, left",
        "sheet 2, front, left",
        "sheet 2, back, right",
    ]
    assert impose.sheet_of(28, 30, True, None) == "sheet 3, front, left"  # 32 pages: (28, 5) on sheet 3's front
    assert impose.sheet_of(5, 9, False, 2) == "sheet 3"
    assert impose.sheet_of(5, 9, False, 4) == "sheet 2"


def test_booklet_pads_to_a_multiple_of_four(print_variants: Path) -> None:
    two_sided = len(pypdf.PdfReader(str(print_variants / "student-a5-duplex.pdf")).pages)
    sheets = len(pypdf.PdfReader(str(print_variants / "student-a5-booklet.pdf")).pages)
    assert sheets == -(-two_sided // 4) * 2


def test_a_booklet_is_laid_out_two_sided(print_variants: Path) -> None:
    """A folded booklet is read in spreads: page numbers on the outer edge of every page (on a
    sheet, the left page's at the sheet's left, the right page's at its right), units on the right."""
    with pdfplumber.open(str(print_variants / "student-a5-booklet.pdf")) as doc:
        seen = 0
        for sheet in doc.pages:
            for word in sheet.extract_words():
                if word["text"].isdigit() and len(word["text"]) <= 3 and word["top"] > sheet.height * 0.92:
                    left_page = word["x1"] < sheet.width / 2
                    assert (word["x0"] < sheet.width / 4) if left_page else (word["x1"] > sheet.width * 3 / 4), word
                    assert int(word["text"]) % 2 == (0 if left_page else 1), word  # even pages on the left
                    seen += 1
        assert seen >= 4


def test_two_up(print_variants: Path) -> None:
    reader = pypdf.PdfReader(str(print_variants / "student-2up.pdf"))
    width, height = _box(print_variants / "student-2up.pdf")
    assert width > height  # landscape sheets
    texts = page_texts(print_variants / "student-2up.pdf")
    assert "Contents" in texts[1] and "Introduction" in texts[1]  # pages 3 and 4 share a sheet
    assert len(reader.pages) == 5


@pytest.fixture(scope="session")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handouts")
    editions = ["handouts", "exercise-booklet", "answer-key", "reading-list"]
    report = build([FIXTURES / "minimal"], Options(out, editions=editions, jobs=2, strict=True, epoch=EPOCH))
    assert not report.failures, report.failures
    return out / "minimal" / "en"


def test_handouts_have_answer_space_and_no_model_answer(handouts: Path) -> None:
    for name in ("alpha", "beta", "gamma"):
        pdf = handouts / "handouts" / f"ex-{name}.pdf"
        text = all_text(pdf)
        assert f"Exercise named {name}" in text and "Name" in text and "Date" in text
        assert "SENTINEL" not in text  # no model answer, no guidelines
    with pdfplumber.open(str(handouts / "handouts" / "ex-alpha.pdf")) as doc:
        page = doc.pages[0]
        # each ruled line is drawn as a 9 mm row with a bottom border
        rows = {round(r["top"]) for r in page.rects if r["width"] > page.width / 2 and abs(r["height"] - 9 * MM) < 1}
    with_space = len(rows)
    key = handouts / "answer-key.pdf"
    assert with_space >= 6  # six ruled lines
    key_text = all_text(key)
    assert "INSTRUCTOR-SENTINEL-alpha model answer" in key_text  # the model answer replaces the space
    assert "guidelines for the lecturer" not in key_text  # lecturer guidelines stay in the guide
    assert "Name" not in page_texts(key)[0]
    booklet = all_text(handouts / "exercise-booklet.pdf")
    assert all(f"Exercise named {n}" in booklet for n in ("alpha", "beta", "gamma")) and "SENTINEL" not in booklet


def test_answer_space_is_not_in_the_student_pack(minimal_out: Path) -> None:
    student = minimal_out / "student.pdf"
    page = destinations(student)["ex-alpha"]
    with pdfplumber.open(str(student)) as doc:
        words = doc.pages[page - 1].extract_words()
    task = next(w for w in words if w["text"] == "alpha" and w["top"] > 100)
    after = [w for w in words if w["top"] > task["bottom"] + 1]
    assert after and after[0]["top"] - task["bottom"] < 30  # the next exercise follows: no six ruled lines (54 mm)


def test_reading_list_qr_codes_decode_to_the_urls(handouts: Path) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    pdf = pdfium.PdfDocument(str(handouts / "reading-list.pdf"))
    image = pdf[0].render(scale=4).to_pil()
    decoded = {r.text for r in zxingcpp.read_barcodes(image)}
    assert decoded == {"https://example.org/report"}  # the one reading with a URL


def test_answer_key_has_no_answer_space(handouts: Path) -> None:
    with pdfplumber.open(str(handouts / "answer-key.pdf")) as doc:
        page = doc.pages[0]
        rows = [r for r in page.rects if r["width"] > page.width / 2 and abs(r["height"] - 9 * MM) < 1]
    assert not rows


def test_a_course_lists_the_print_variants_make_builds(tmp_path: Path) -> None:
    import shutil

    course = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "minimal", course)
    meta = course / "course.yaml"
    meta.write_text(meta.read_text() + "print_variants:\n  - {paper: a5, booklet: true}\n")
    from coursepack.build import load_and_check
    from coursepack.matrix import plan_targets

    checked = load_and_check([course])
    names = {t.output.name for t in plan_targets(checked.localized, tmp_path / "out", None, ["student"])}
    assert names == {"student.pdf", "student-a5-booklet.pdf"}


def test_four_up_puts_four_pages_on_each_sheet() -> None:
    sheets = impose.n_up(_numbered_pdf(6), 4)
    with pdfplumber.open(io.BytesIO(sheets)) as pdf:
        assert len(pdf.pages) == 2
        first = pdf.pages[0]
        words = {w["text"]: w for w in first.extract_words()}
        assert set(words) == {"PAGE1", "PAGE2", "PAGE3", "PAGE4"}
        assert words["PAGE1"]["x0"] < first.width / 2 < words["PAGE2"]["x0"]  # reading order: left to right,
        assert words["PAGE1"]["top"] < first.height / 2 < words["PAGE3"]["top"]  # then top to bottom
        assert {w["text"] for w in pdf.pages[1].extract_words()} == {"PAGE5", "PAGE6"}


def _corners(pdf: Path) -> list[tuple[int, int, int]]:
    """The colours at the corners of the first page's bleed box (its media box where it has none)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        image = document[0].render(scale=0.5).to_pil().convert("RGB")
    finally:
        document.close()
    page = pypdf.PdfReader(str(pdf)).pages[0]
    media, bleed = page.mediabox, page.bleedbox  # pypdf gives the media box when there is no bleed box
    left, bottom = (float(bleed.left) - float(media.left)) / 2, (float(bleed.bottom) - float(media.bottom)) / 2
    right, top = (float(media.right) - float(bleed.right)) / 2, (float(media.top) - float(bleed.top)) / 2
    x0, y0 = round(left) + 1, round(top) + 1
    x1, y1 = image.width - round(right) - 2, image.height - round(bottom) - 2
    return [image.getpixel(xy) for xy in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]  # type: ignore[misc]


@pytest.mark.parametrize("name", ["student-a5.pdf", "student-letter-duplex-print.pdf"])
def test_the_cover_fills_the_page(print_variants: Path, name: str) -> None:
    """The cover's colour reaches every edge, the bleed's in print-shop output (the page's own
    margins once framed it in white)."""
    for r, g, b in _corners(print_variants / name):
        assert (r, g, b) != (255, 255, 255) and b > r + 40, f"{name}: cover corner is {(r, g, b)}"


def test_two_sided_right_to_left_page_numbers_on_the_outer_edge(tmp_path: Path) -> None:
    """In an Arabic two-sided pack the margins mirror with the spread: the page number must sit on
    the outer edge (the side of the narrower margin), not next to the binding."""
    report = build(
        [FIXTURES / "bilingual"],
        Options(tmp_path, langs=["ar"], editions=["student"], jobs=1, epoch=EPOCH, variants=[Variant(duplex=True)]),
    )
    assert not report.failures, report.failures
    pages = []  # (page, right margin of the right-aligned text, page number on the right)
    with pdfplumber.open(str(tmp_path / "bilingual" / "ar" / "student-duplex.pdf")) as doc:
        for page in doc.pages[2:]:
            words = page.extract_words()
            body = [w for w in words if page.height * 0.1 < w["top"] < page.height * 0.85]
            foot = [w for w in words if w["text"] == str(page.page_number) and w["top"] > page.height * 0.88]
            if body and foot:
                pages.append(
                    (page.page_number, page.width - max(w["x1"] for w in body), foot[0]["x0"] > page.width / 2)
                )
    outer = min(margin for _, margin, _ in pages)  # the outer margin is the narrower one (the inner 8 mm wider)
    assert any(margin > outer + 15 for _, margin, _ in pages) and len(pages) >= 4
    for number, margin, on_the_right in pages:
        assert on_the_right == (margin < outer + 10), f"p. {number}: the page number is by the binding"


def test_the_sample_s_long_packs_pass_preflight_on_letter_duplex_print_shop_and_a5_booklet(
    tmp_path: Path,
) -> None:
    """The student pack, the instructor's guide and the answer key in six languages, strict, on
    the two other page sizes: Letter two-sided for a print shop (bleed, marks, trim box, every
    glyph read) and the A5 booklet (laid out two-sided on A5, imposed). Each defect found there
    was in one of these packs: a heading or a unit's readings heading alone at an A5 page's foot,
    a contents runt, a teaching note's last line alone above a model answer (zh guide, Letter),
    a two-line runt page ending an A5 answer key. The A4 matrix is checked by ``sample_all``."""
    report = build(
        [SAMPLE],
        Options(
            tmp_path,
            editions=["student", "instructor", "answer-key"],
            jobs=2,
            strict=True,
            epoch=EPOCH,
            variants=[Variant(paper="letter", duplex=True, print_shop=True), Variant(booklet=True)],
        ),
    )
    assert not report.failures, report.failures
    assert not report.warnings, report.warnings
    built = sorted(p.name for p in (tmp_path / "cybercrime-tip-som" / "zh").glob("*.pdf"))
    assert built == [
        f"{e}-{v}.pdf" for e in ("answer-key", "instructor", "student") for v in ("a5-booklet", "letter-duplex-print")
    ]
