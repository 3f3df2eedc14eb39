"""Citation styles in the PDFs (#19): the sample course's OSCOLA footnotes in all six languages,
and a fixture course's note, author–date and numeric packs read back from the PDF."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from coursepack.build import build
from coursepack.build.options import Options

from conftest import EPOCH, FIXTURES
from pdfutil import page_texts, squash

# the first note of the legal-framework unit as OSCOLA sets it, the date in the pack's CSL locale
UNTOC_NOTE = {
    "en": "(15 November 2000), 2225 UNTS 209",
    "fr": "(15 novembre 2000), 2225 UNTS 209",
    "es": "(15 de noviembre de 2000), 2225 UNTS 209",
    "ru": "(15 ноябрь 2000 г.), 2225 UNTS 209",
    "zh": "(2000年11月15日), 2225 UNTS 209",
}


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar", "ru", "zh"])
def test_the_sample_cites_the_instruments_in_oscola_in_every_language(sample_all: Path, lang: str) -> None:
    pages = [squash(p) for p in page_texts(sample_all / lang / "student.pdf")]
    notes = [i for i, p in enumerate(pages) if "2225 UNTS 209" in p]
    assert notes, f"{lang}: no OSCOLA citation of UNTOC in the student pack"
    if lang == "ar":  # (the extracted text of a Latin reference in an Arabic line is reordered: look for its parts)
        assert any("نوفمبر" in pages[i] and "UNTS 209" in pages[i] for i in notes)
    else:
        assert any(squash(UNTOC_NOTE[lang]) in pages[i] for i in notes), (lang, [pages[i][-600:] for i in notes])
    # the Smuggling Protocol's note cites articles as the translation writes them
    assert any("2241 UNTS 507" in p for p in pages), lang


def _course(tmp_path: Path, style: str, text: str) -> Path:
    root = tmp_path / f"minimal-{style}"
    shutil.copytree(FIXTURES / "minimal", root)
    (root / "course.yaml").write_text(
        (root / "course.yaml").read_text(encoding="utf-8") + f"citation_style: {style}\n", encoding="utf-8"
    )
    unit = root / "units" / "first-unit.md"
    unit.write_text(unit.read_text(encoding="utf-8").replace("Fixtures keep the test suite fast.", text, 1))
    return root


def _build(root: Path, out: Path, single: bool = False) -> list[str]:
    report = build([root], Options(out, editions=["student"], jobs=1, strict=True, epoch=EPOCH, single=single))
    assert not report.failures, report.failures
    return [squash(p) for p in page_texts(out / "minimal" / "en" / "student.pdf")]


def test_oscola_notes_are_set_at_the_foot_of_the_page_that_cites(tmp_path: Path) -> None:
    root = _course(
        tmp_path,
        "oscola",
        "Fixtures keep the test suite fast [@doe-2020, p. 12]. Again [@doe-2020, p. 12]. Bodies [@body-2019].",
    )
    pages = _build(root, tmp_path / "out")
    page = next(p for p in pages if "Fixtures keep the test suite fast" in p)
    assert squash("Jane Doe, Testing Small Things (Example Press 2020) 12.") in page
    assert re.search(r"\d\s*\.?\s*Ibid\.", page), page[-400:]
    back = next(p for p in pages if "Core reading" in p)
    assert squash("Doe J, Testing Small Things (Example Press 2020)") in back  # (the style's bibliography form)
    single = _build(root, tmp_path / "single", single=True)
    assert [p for p in single if "Ibid" in p] and len(single) == len(pages)


def test_author_date_and_numeric_packs_read_back_from_the_pdf(tmp_path: Path) -> None:
    text = "Fixtures keep the test suite fast [@body-2019; @doe-2020, p. 3]. As @doe-2020 [p. 14] says."
    apa = " ".join(_build(_course(tmp_path, "apa", text), tmp_path / "apa"))
    assert squash("fast (Doe, 2020, p. 3; Example Body, 2019).") in apa  # (APA orders a group by author)
    assert squash("As Doe (2020, p. 14) says.") in apa
    assert squash("Doe, J. (2020). Testing Small Things. Example Press.") in apa
    ieee = " ".join(_build(_course(tmp_path, "ieee", text), tmp_path / "ieee"))
    assert squash("fast [1], [2, p. 3].") in ieee, ieee[:3000]
    assert squash("[2] J. Doe, Testing Small Things. Example Press, 2020.") in ieee


def test_the_apparatus_fixture_in_author_date_and_in_a_numeric_style(tmp_path: Path) -> None:
    """The fixture course of the scholarly apparatus: a Zotero CSL JSON export (items named by
    their Zotero address, cited by their citation keys), Chicago author-date, and the same
    course in IEEE; the equation of unit 1 cited with its page from unit 2 in both."""
    root = tmp_path / "apparatus"
    shutil.copytree(FIXTURES / "apparatus", root)
    out = tmp_path / "out"
    report = build([root], Options(out, editions=["student"], jobs=1, strict=True, epoch=EPOCH))
    assert not report.failures, report.failures
    text = " ".join(squash(p) for p in page_texts(out / "apparatus" / "en" / "student.pdf"))
    assert (
        squash("Malthus (1798) made this law the ground of his argument about population (see also Bacaër 2011, 5–6).")
        in text
    )
    assert squash("(Rutherford and Soddy 1903, 580), as Malthus (1798) had said") in text
    assert (
        squash(
            "Rutherford, Ernest, and Frederick Soddy. 1903. ‘Radioactive Change’. Philosophical Magazine 5 (29): 576–"
        )
        in text
    )
    assert re.search(r"Equation 1, p\. \d+ describes decay", text), text
    course = root / "course.yaml"
    course.write_text(
        course.read_text(encoding="utf-8").replace("citation_style: chicago-author-date", "citation_style: ieee")
    )
    report = build([root], Options(out, editions=["student"], jobs=1, strict=True, epoch=EPOCH))
    assert not report.failures, report.failures
    text = " ".join(squash(p) for p in page_texts(out / "apparatus" / "en" / "student.pdf"))
    # numbered in the order first cited: Malthus [1] (growth), Bacaër [2], Rutherford and Soddy [3] (decay)
    assert squash("Malthus [1] made this law the ground of his argument about population see also [2") in text, text
    assert squash("decays so [3, p. 580], as [1] had said") in text, text  # (IEEE names no author in the text)
    assert (
        squash(
            "[3] E. Rutherford and F. Soddy, ‘Radioactive change’, Philosophical Magazine, vol. 5, no. 29, pp. 576–591, 1903."
        )
        in text
    ), text
