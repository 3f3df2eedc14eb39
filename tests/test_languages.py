"""Translations: localized packs, fallback, review copies, the translator's commands, every script."""

from __future__ import annotations

import itertools
import re
import shutil
from pathlib import Path

import pdfplumber
import pytest
import yaml
from babel.messages.pofile import read_po
from click.testing import CliRunner

from coursepack.build import Options, Report, build
from coursepack.cli import main

from conftest import EPOCH, FIXTURES, ROOT, SAMPLE
from pdfutil import Glyph, all_text, catalog_lang, letters, metadata, page_texts, text_lines

LANGS = ["fr", "es", "ru", "ar", "zh"]


@pytest.fixture(scope="session")
def bilingual_release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Report]:
    out = tmp_path_factory.mktemp("bilingual-release")
    report = build([FIXTURES / "bilingual"], Options(out, editions=["student"], jobs=2, strict=True, epoch=EPOCH))
    assert not report.failures, report.failures
    return out / "bilingual", report


@pytest.fixture(scope="session")
def bilingual_review(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bilingual-review")
    report = build([FIXTURES / "bilingual"], Options(out, jobs=2, strict=True, epoch=EPOCH, review=True))
    assert not report.failures, report.failures
    return out / "bilingual"


def test_french_pack_is_in_french(bilingual_release: tuple[Path, Report]) -> None:
    out, _ = bilingual_release
    text = all_text(out / "fr" / "student.pdf")
    for words in [
        "Un cours minimal sur les tests",
        "Table des matières",
        "La première unité",
        "Acquis d’apprentissage",
    ]:
        assert letters(words) in letters(text), words
    assert "Lectures conseillées" in text  # the course overrides the catalog's "Bibliographie"
    assert "15 janvier 2026" in text  # dates in the locale's format
    assert "citer\u202f?" in " ".join(page_texts(out / "fr" / "student.pdf"))  # espace fine before ?
    assert "Exercice 1, p." in text and "Tableau 1" in text
    assert catalog_lang(out / "fr" / "student.pdf") == "fr"
    assert metadata(out / "fr" / "student.pdf")["Title"].startswith("Un cours minimal sur les tests")


def test_untranslated_text_falls_back_and_is_named(bilingual_release: tuple[Path, Report]) -> None:
    out, report = bilingual_release
    text = all_text(out / "fr" / "student.pdf")
    assert "The second unit" in text  # no French file: the English unit
    # a release has no marks and no list at the end, but its imprint says what is not translated
    assert "Not yet translated" not in text and text.count("Pas encore traduit") == 1
    imprint = " ".join(page_texts(out / "fr" / "student.pdf")[1].split())
    assert "Pas encore traduit : ces parties sont imprimées dans la langue source" in imprint, imprint
    assert "units/first-unit.md, units/second-unit.md" in imprint, imprint
    fr = [f for f in report.fallbacks if f.startswith("bilingual/fr:")]
    assert "bilingual/fr: units/second-unit.md: whole file in the source language (en)" in fr
    assert "bilingual/fr: units/first-unit.md: section 'Summary' in the source language (en)" in fr
    assert not any("first-unit.md: section 'Pourquoi" in f or "first-unit.md: whole file" in f for f in fr)
    assert not any(f.startswith("bilingual/en:") for f in report.fallbacks)
    assert not any(": instructor/" in f for f in fr)  # only student packs were built: the guide's files are not in them


def test_fallback_text_keeps_its_own_language_typography(bilingual_release: tuple[Path, Report]) -> None:
    """English left in a French or Arabic pack reads as English: its cross-reference labels,
    "p." and quotation marks are English, without French spacing; the translated text keeps French."""
    out, _ = bilingual_release
    for lang in ("fr", "ar"):
        text = " ".join(all_text(out / lang / "student.pdf").split())
        assert re.search(r"Next, Exercise 2, p\. \d+ builds on Unit 1, p\. \d+: \u201csmall\u201d steps\.", text), lang
        # its note too, and a quotation inside a quotation
        assert re.search(r"As \u201c\u2018small\u2019 means\u201d in Exercise 1, p\. \d+\.", text), lang
    french = " ".join(all_text(out / "fr" / "student.pdf").split())
    # the translated text keeps French labels and quotes, a Latin phrase in it too
    assert re.search(r"peut citer\s?\? Exercice 1, p\. \d+ ou un tableau comme Tableau 1, p\. \d+\.", french)
    assert re.search(r"La maxime \u00ab\s?in dubio pro reo\s?\u00bb vaut", french)


def test_a_translation_has_its_own_version_of_an_image(bilingual_release: tuple[Path, Report]) -> None:
    """translations/fr/figures/boxes.svg replaces figures/boxes.svg in the French pack only."""
    out, _ = bilingual_release
    french, english, arabic = (all_text(out / lang / "student.pdf") for lang in ("fr", "en", "ar"))
    assert "Entrée" in french and "Sortie" in french and "Input" not in french
    assert "Input" in english and "Entrée" not in english
    assert "Input" in arabic  # no Arabic version: the source's image


def test_a_guide_build_names_the_guide_files_left_in_the_source_language(tmp_path: Path) -> None:
    opts = Options(tmp_path, langs=["fr"], editions=["instructor"], jobs=1, epoch=EPOCH)
    report = build([FIXTURES / "bilingual"], opts)
    assert not report.failures, report.failures
    assert "bilingual/fr: instructor/guide.md: whole file in the source language (en)" in report.fallbacks


def test_review_copy_marks_and_lists_fallback(bilingual_review: Path) -> None:
    pdf = bilingual_review / "fr" / "student-review.pdf"
    pages = page_texts(pdf)
    appendix = next(p for p in pages if p.lstrip().startswith("Pas encore traduit"))
    rows = [
        line
        for line in appendix.splitlines()
        if line.startswith(("units/", "introduction", "exercises/", "readings", "course", "instructor/"))
    ]
    listed = " ".join(rows)
    assert "units/second-unit.md whole file" in listed
    assert "units/first-unit.md section 'Summary'" in listed
    assert "Pourquoi" not in listed and "Why fixtures" not in listed  # translated sections are not fallback
    # the margin mark: a small "en" label beside fallback text
    with pdfplumber.open(str(pdf)) as doc:
        summary_page = next(i for i, p in enumerate(pages) if "Small fixtures, fast tests." in p)
        words = doc.pages[summary_page].extract_words()
        marks = [w for w in words if w["text"].lower() == "en" and w["x0"] < 60]
        assert marks, "no margin mark beside the English fallback"


def test_bilingual_proof_sets_source_and_translation_side_by_side(bilingual_review: Path) -> None:
    pdf = bilingual_review / "fr" / "bilingual.pdf"
    with pdfplumber.open(str(pdf)) as doc:
        page = next(p for p in doc.pages if "Pourquoi les cas" in (p.extract_text() or ""))
        words = page.extract_words()
        english = next(w for w in words if w["text"] == "Why")
        french = next(w for w in words if w["text"] == "Pourquoi")
        assert abs(english["top"] - french["top"]) < 3  # the same row
        assert english["x0"] < page.width / 2 < french["x0"]  # source left, translation right
    # the source column is the source's words throughout, the labels the build writes too
    source = " ".join(all_text(pdf).split())
    assert "Next, Exercise 2 builds on Unit 1" in source and "Exercice 2 builds" not in source
    assert not (bilingual_review / "en" / "bilingual.pdf").exists()


def _furniture(pdf: Path, title_word: str) -> tuple[float, float, float]:
    """On the first page with a running head: x of the page number, x of the course title, page width."""
    with pdfplumber.open(str(pdf)) as doc:
        for number, page in enumerate(doc.pages, start=1):
            words = page.extract_words()
            # pdfplumber gives Arabic words in visual order: match the word or its mirror
            head = [w for w in words if w["top"] < page.height * 0.08 and title_word in (w["text"], w["text"][::-1])]
            foot = [w for w in words if w["top"] > page.height * 0.9 and w["text"] == str(number)]
            if head and foot:
                return foot[0]["x0"], head[0]["x0"], page.width
    raise AssertionError(f"no page with a running head in {pdf}")


def test_arabic_pages_are_mirrored(bilingual_release: tuple[Path, Report]) -> None:
    out, _ = bilingual_release
    en_num, en_head, width = _furniture(out / "en" / "student.pdf", "Minimal")
    ar_num, ar_head, _ = _furniture(out / "ar" / "student.pdf", "دورة")
    assert en_num > width / 2 > ar_num  # page number: outer right in English, outer left in Arabic
    assert en_head < width / 2 < ar_head  # course title: top left in English, top right in Arabic
    assert catalog_lang(out / "ar" / "student.pdf") == "ar"
    text = all_text(out / "ar" / "student.pdf")
    assert "دورة مصغرة عن الاختبارات" in text and "الوحدة الأولى" in text  # shaped, joined, extractable
    assert "المحتويات" in text  # "Contents" from the Arabic catalog
    assert "UNTOC" in text  # Latin inside Arabic keeps its letters and order


def _po(path: Path):  # type: ignore[no-untyped-def]
    with path.open("rb") as f:
        return read_po(f)


def test_every_catalog_translates_every_message() -> None:
    pot = _po(ROOT / "coursepack/locale/messages.pot")
    ids = {m.id for m in pot if m.id}
    assert len(ids) > 80
    for lang in LANGS:
        catalog = _po(ROOT / f"coursepack/locale/{lang}/LC_MESSAGES/messages.po")
        missing = sorted(i for i in ids if not (catalog.get(i) and catalog.get(i).string))
        assert not missing, f"{lang}: untranslated interface words {missing}"


def test_messages_template_is_current(tmp_path: Path) -> None:
    from babel.messages.frontend import CommandLineInterface

    out = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "N_",
            "--no-location",
            "--omit-header",
            "--sort-output",
            "-o",
            str(out),
            str(ROOT),
        ]
    )
    fresh = {m.id for m in _po(out) if m.id}
    committed = {m.id for m in _po(ROOT / "coursepack/locale/messages.pot") if m.id}
    assert fresh == committed, "run `make messages` and translate the new words"


@pytest.fixture
def bilingual_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "bilingual"
    shutil.copytree(FIXTURES / "bilingual", dest)
    return dest


def test_yaml_text_left_in_the_source_words_is_fallback(
    bilingual_copy: Path, bilingual_release: tuple[Path, Report], tmp_path: Path
) -> None:
    """`translate` copies the source's words into the translation's front matter and YAML: text
    left as it was is not translated. It is reported, and tagged and set as the source language."""
    unit = bilingual_copy / "translations/fr/units/first-unit.md"
    unit.write_text(
        unit.read_text().replace("Expliquer pourquoi les cas d'essai sont petits.", "Explain why fixtures are small.")
    )
    status = CliRunner().invoke(main, ["status", str(bilingual_copy), "--lang", "fr", "--no-diff"])
    assert "units/first-unit.md (2 part(s) still in en: section 'Summary'; learning outcomes 1)" in status.output
    report = build([bilingual_copy], Options(tmp_path, langs=["fr"], editions=["student"], jobs=1, epoch=EPOCH))
    assert "bilingual/fr: units/first-unit.md: learning outcomes 1 in the source language (en)" in report.fallbacks
    english = _element_languages(tmp_path / "bilingual" / "fr" / "student.pdf").get("en", 0)
    assert english > _element_languages(bilingual_release[0] / "fr" / "student.pdf").get("en", 0)
    # a name may rightly be the same in both languages; each fallback is named once
    unit.write_text(unit.read_text().replace("title: La première unité", "title: Palermo Protocol"))
    source = bilingual_copy / "units" / "first-unit.md"
    source.write_text(source.read_text().replace("title: The first unit", "title: Palermo Protocol"))
    status = CliRunner().invoke(main, ["status", str(bilingual_copy), "--lang", "fr", "--no-diff"]).output
    assert "units/first-unit.md (2 part(s) still in en: section 'Summary'; learning outcomes 1)" in status
    assert "course.yaml (2 part(s) still in en: resource note; content warning)" in status
    assert "missing    instructor/plans.yaml" in status
    fallbacks = build([bilingual_copy], Options(tmp_path, langs=["fr"], editions=["instructor"], epoch=EPOCH)).fallbacks
    assert "bilingual/fr: instructor/plans.yaml: whole file in the source language (en)" in fallbacks
    assert len(fallbacks) == len(set(fallbacks))


def test_a_mistake_in_one_translation_stops_only_that_language(bilingual_copy: Path, tmp_path: Path) -> None:
    """A translator's work in progress does not stop the lecturer's build of the source language."""
    unit = bilingual_copy / "translations/fr/units/first-unit.md"
    unit.write_text(unit.read_text().replace("[](#tab-sizes)", "[](#tab-sizez)"))
    runner = CliRunner()
    english = runner.invoke(
        main, ["build", str(bilingual_copy), "--lang", "en", "--edition", "student", "-o", str(tmp_path)]
    )
    assert english.exit_code == 0, english.output
    french = runner.invoke(
        main, ["build", str(bilingual_copy), "--lang", "fr", "--edition", "student", "-o", str(tmp_path)]
    )
    assert french.exit_code == 1 and "translations/fr/units/first-unit.md" in french.output
    assert runner.invoke(main, ["check", str(bilingual_copy)]).exit_code == 1


def test_a_broken_source_file_is_one_error_not_one_per_translation(bilingual_copy: Path) -> None:
    """A unit whose front matter is broken: its translations keep ids the check cannot see in it."""
    unit = bilingual_copy / "units" / "first-unit.md"
    unit.write_text(unit.read_text().split("\n", 1)[1])  # the opening '---' deleted
    result = CliRunner().invoke(main, ["check", str(bilingual_copy)])
    lines = [line for line in result.output.splitlines() if ": " in line and "problem(s)" not in line]
    assert result.exit_code == 1
    assert len(lines) == 1 and "units/first-unit.md:1:1: missing front matter" in lines[0], lines


def test_a_translated_image_is_checked_like_the_source(bilingual_copy: Path) -> None:
    (bilingual_copy / "translations/fr/figures/boxes.svg").write_text("<svg><g></svg>")
    result = CliRunner().invoke(main, ["check", str(bilingual_copy)])
    assert result.exit_code == 1
    assert "translations/fr/figures/boxes.svg:1:1: image cannot be read (SVG: mismatched tag" in result.output


def test_translate_starts_a_language_with_text_only_files(bilingual_copy: Path) -> None:
    result = CliRunner().invoke(main, ["translate", str(bilingual_copy), "de"])
    assert result.exit_code == 0, result.output
    assert "created   units/first-unit.md" in result.output
    assert "note: add 'de' to 'languages' in course.yaml to build it" in result.output
    assert "note: the 1 image(s) in figures/ stay the source's; to translate one, save your version" in result.output
    again = CliRunner().invoke(main, ["translate", str(bilingual_copy), "de"])
    assert again.output.startswith("nothing to do: every file to translate is in ")
    tdir = bilingual_copy / "translations" / "de"
    front = yaml.safe_load((tdir / "units/first-unit.md").read_text().split("---")[1])
    assert set(front) == {"title", "learning_outcomes"}
    ex_front = yaml.safe_load((tdir / "exercises/ex-alpha.md").read_text().split("---")[1])
    assert set(ex_front) == {"title", "materials"}
    readings = yaml.safe_load((tdir / "readings/list.yaml").read_text())
    assert [set(r) for r in readings] == [{"id", "annotation"}, {"id", "annotation"}]
    record = yaml.safe_load((tdir / "translation.yaml").read_text())
    assert len(record["files"]["units/first-unit.md"]["source_sha256"]) == 64
    again = CliRunner().invoke(main, ["translate", str(bilingual_copy), "de"])
    assert "created" not in again.output  # never overwrites a translation


def test_status_reports_outdated_files_with_the_source_diff(bilingual_copy: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["translate", str(bilingual_copy), "fr"])
    unit = bilingual_copy / "units" / "first-unit.md"
    unit.write_text(unit.read_text().replace("Small fixtures, fast tests.", "Small fixtures make fast tests."))
    result = runner.invoke(main, ["status", str(bilingual_copy), "--lang", "fr"])
    assert result.exit_code == 0, result.output
    assert re.search(r"^  outdated   units/first-unit.md", result.output, re.M)
    assert "-Small fixtures, fast tests." in result.output and "+Small fixtures make fast tests." in result.output
    assert re.search(r"^  untranslated units/second-unit.md", result.output, re.M)  # a copy not yet translated
    (bilingual_copy / "translations/fr/exercises/ex-beta.md").unlink()
    missing = runner.invoke(main, ["status", str(bilingual_copy), "--lang", "fr", "--no-diff"])
    assert re.search(r"^  missing    exercises/ex-beta.md", missing.output, re.M)
    failing = runner.invoke(main, ["status", str(bilingual_copy), "--lang", "fr", "--fail-under", "95"])
    assert failing.exit_code == 1
    assert "error: bilingual [fr] is" in failing.output
    done = runner.invoke(main, ["translate", str(bilingual_copy), "fr", "--update", "units/first-unit.md"])
    assert "current   units/first-unit.md" in done.output
    assert "outdated" not in runner.invoke(main, ["status", str(bilingual_copy), "--lang", "fr"]).output


def test_translate_reads_a_source_saved_with_a_byte_order_mark(bilingual_copy: Path) -> None:
    unit = bilingual_copy / "units" / "first-unit.md"
    unit.write_bytes(b"\xef\xbb\xbf" + unit.read_bytes().replace(b"\n", b"\r\n"))
    (bilingual_copy / "translations/fr/units/first-unit.md").unlink()
    runner = CliRunner()
    assert "created   units/first-unit.md" in runner.invoke(main, ["translate", str(bilingual_copy), "fr"]).output
    copy = (bilingual_copy / "translations/fr/units/first-unit.md").read_text()
    assert set(yaml.safe_load(copy.split("---")[1])) == {"title", "learning_outcomes"}  # text only
    assert runner.invoke(main, ["check", str(bilingual_copy)]).exit_code == 0


def test_a_translation_with_no_text_falls_back_to_the_source_text(bilingual_copy: Path, tmp_path: Path) -> None:
    """A translation file with only its title translated: the unit's text is the source's, not nothing."""
    (bilingual_copy / "translations/fr/units/first-unit.md").write_text("---\ntitle: La première unité\n---\n")
    status = CliRunner().invoke(main, ["status", str(bilingual_copy), "--lang", "fr", "--no-diff"]).output
    assert "units/first-unit.md (2 part(s) still in en: all of its text (the translation has none)" in status
    build([bilingual_copy], Options(tmp_path, langs=["fr"], editions=["student"], jobs=1, epoch=EPOCH))
    text = all_text(tmp_path / "bilingual" / "fr" / "student.pdf")
    assert "La première unité" in text and "Small fixtures, fast tests." in text


def test_a_language_the_course_does_not_have(bilingual_copy: Path) -> None:
    runner = CliRunner()
    status = runner.invoke(main, ["status", str(bilingual_copy), "--lang", "de"])
    assert status.exit_code == 2 and "--lang de: not a language of the course (ar, en, fr)" in status.output
    source = runner.invoke(main, ["status", str(bilingual_copy), "--lang", "en"])
    assert source.exit_code == 2 and "the source language has nothing to translate" in source.output
    assert runner.invoke(main, ["translate", str(bilingual_copy), "prs"]).exit_code == 0  # Dari: ISO 639-3
    nonsense = runner.invoke(main, ["translate", str(bilingual_copy), "xx"])
    assert nonsense.exit_code == 1 and "'xx' is not a language code" in nonsense.output
    assert not (bilingual_copy / "translations" / "xx").exists()


def test_recording_a_translation_that_lacks_a_new_section_says_so(bilingual_copy: Path) -> None:
    """`translate --update` after the source gained a section the translation does not have:
    what is missing would be in no French pack, so both the update and `status` say so."""
    runner = CliRunner()
    unit = bilingual_copy / "units" / "first-unit.md"
    unit.write_text(unit.read_text() + "\n## Consent online {#consent-online}\n\nNew text.\n")
    done = runner.invoke(main, ["translate", str(bilingual_copy), "fr", "--update", "units/first-unit.md"])
    assert done.exit_code == 0, done.output
    lacks = "the source has 4 sections, the translation 3 ('Consent online')"
    assert f"warning: units/first-unit.md: {lacks}: what is not translated is not in the fr packs" in done.output
    status = runner.invoke(main, ["status", str(bilingual_copy), "--lang", "fr", "--no-diff"])
    assert re.search(rf"^  translated units/first-unit.md .*\({re.escape(lacks)}\)$", status.output, re.M)


def test_only_a_change_to_text_makes_a_translation_outdated(bilingual_copy: Path) -> None:
    """Adding a language or changing a duration changes no text a translator sees; a title does."""
    runner = CliRunner()
    runner.invoke(main, ["translate", str(bilingual_copy), "fr"])
    course, unit = bilingual_copy / "course.yaml", bilingual_copy / "units" / "first-unit.md"
    course.write_text(course.read_text().replace("languages: [en, fr, ar]", "languages: [en, fr, ar, de]"))
    unit.write_text(unit.read_text().replace("duration: 45", "duration: 50"))
    assert "outdated" not in runner.invoke(main, ["status", str(bilingual_copy), "--lang", "fr"]).output
    unit.write_text(unit.read_text().replace("title: The first unit", "title: The very first unit"))
    result = runner.invoke(main, ["status", str(bilingual_copy), "--lang", "fr"])
    assert re.search(r"^  outdated   units/first-unit.md", result.output, re.M)
    assert "course.yaml" not in " ".join(re.findall(r"^  outdated .*$", result.output, re.M))
    # the diff shows what the translator has to change, not the duration changed with it
    assert "+title: The very first unit" in result.output
    assert "duration" not in result.output


def test_language_neutral_data_cannot_be_changed_by_a_translation(bilingual_copy: Path) -> None:
    path = bilingual_copy / "translations/fr/units/first-unit.md"
    path.write_text(path.read_text().replace("title: La première unité", "title: La première unité\nduration: 10"))
    result = CliRunner().invoke(main, ["check", str(bilingual_copy)])
    assert result.exit_code == 1
    assert (
        f"{path}:3:1: 'duration' is language-neutral: set it once in the source (units/first-unit.md), not in a translation"
        in result.output
    )


def test_characters_no_font_covers_fail_before_rendering(bilingual_copy: Path) -> None:
    path = bilingual_copy / "translations/fr/units/first-unit.md"
    path.write_text(path.read_text().replace("Les cas d'essai gardent", "ሰላም Les cas d'essai gardent"))
    result = CliRunner().invoke(main, ["build", str(bilingual_copy), "--lang", "fr", "-o", str(bilingual_copy / "out")])
    assert result.exit_code == 1
    assert (
        f"{path}:9:1: characters not covered by the fonts for 'fr' (Noto Serif, Noto Sans, IBM Plex Mono): "
        "'ሰ' U+1230 ETHIOPIC SYLLABLE SA (line 9), 'ላ' U+120B ETHIOPIC SYLLABLE LAA (line 9), "
        "'ም' U+121D ETHIOPIC SYLLABLE ME (line 9); "
        "remove them or replace them (a PDF must never show empty boxes)"
    ) in result.output
    assert not (bilingual_copy / "out").exists()


def test_chinese_and_russian_need_no_system_fonts() -> None:
    from coursepack import fonts

    assert not fonts.uncovered("贩运人口和偷运移民：第3条。", "zh")
    assert not fonts.uncovered("Торговля людьми и незаконный ввоз мигрантов", "ru")
    assert not fonts.uncovered("الاتجار بالأشخاص وتهريب المهاجرين", "ar")
    assert fonts.uncovered("贩运人口", "fr") == list("贩运人口")


def test_a_build_names_translations_whose_source_changed(bilingual_copy: Path) -> None:
    """What the source gained since a file was translated is not in that language's pack: the
    build says so (a translator once found new English sections silently missing)."""
    runner = CliRunner()
    runner.invoke(main, ["translate", str(bilingual_copy), "fr"])
    unit = bilingual_copy / "units" / "first-unit.md"
    unit.write_text(unit.read_text() + "\n## A new section\n\nAdded after the translation.\n")
    out = bilingual_copy.parent / "out"
    args = ["build", str(bilingual_copy), "--edition", "reading-list", "-o", str(out)]
    result = runner.invoke(main, args, env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert result.exit_code == 0, result.output
    line = "outdated: bilingual/fr: units/first-unit.md changed since it was translated"
    assert line in result.output, result.output
    english = runner.invoke(main, [*args, "--lang", "en"], env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert "outdated:" not in english.output


def test_status_reports_missing_interface_words(bilingual_copy: Path) -> None:
    course = bilingual_copy / "course.yaml"
    course.write_text(course.read_text().replace("languages: [en, fr, ar]", "languages: [en, fr, ar, de]"))
    result = CliRunner().invoke(main, ["status", str(bilingual_copy), "--no-diff"])
    assert "bilingual [fr]: " in result.output
    assert re.search(r"^  interface words: all \d+ translated$", result.output, re.M)
    assert re.search(r"^  interface words: \d+ of \d+ missing from the catalog: .*Contents", result.output, re.M)  # de


@pytest.mark.parametrize("edition", ["student", "instructor"])
@pytest.mark.parametrize("lang", ["en", *LANGS])
def test_contents_page_numbers_have_their_own_column(sample_all: Path, lang: str, edition: str) -> None:
    """On the contents page, titles keep out of the page-number column and the numbers line up.

    Every line of the entries (the first lines of wrapped titles included) either ends at the
    column's edge with its page number (right-aligned; left-aligned in Arabic), clear of the
    text before it, or stops short of the column; an entry's own number stands clear of its
    title, inside the text block, and titles of one level start at one place. Long French
    titles once overprinted their page numbers, and wrapped entries put theirs 7 mm outside.
    """
    pdf = sample_all / lang / f"{edition}.pdf"
    page = next(i for i, text in enumerate(page_texts(pdf)[:8]) if text.count("....") >= 5)
    rtl = lang == "ar"
    lines = text_lines(pdf, page)
    dotted = [i for i, line in enumerate(lines) if sum(g.char == "." for g in line) >= 3]
    block = [[g for g in line] for line in lines[dotted[0] : dotted[-1] + 1]]  # top to bottom
    forward = [line[::-1] if rtl else line for line in block]  # each line in reading order
    assert len(block) >= 12, f"{pdf.name}: only {len(block)} contents lines found"

    def end(g: Glyph) -> float:  # distance along the line, growing in reading order
        return -g.left if rtl else g.right

    def start(g: Glyph) -> float:
        return -g.right if rtl else g.left

    edge = max(end(line[-1]) for line in forward)
    numbers = 0
    for line in forward:
        text = "".join(g.char for g in line)
        if edge - end(line[-1]) < 1.0:
            numbers += 1
            assert line[-1].char.isdigit(), f"{lang} {edition}: {text!r} reaches the page-number column"
            k = len(line) - 1
            while line[k - 1].char.isdigit():
                k -= 1
            assert start(line[k]) - end(line[k - 1]) >= 1.0, f"{lang} {edition}: {text!r}: number touches the text"
        else:
            assert edge - end(line[-1]) >= 20, f"{lang} {edition}: {text!r} runs into the page-number column"
    assert numbers >= 10, f"{lang} {edition}: only {numbers} page numbers in the column"

    left = min(start(line[0]) for line in forward)
    title_starts: list[float] = []
    for line in forward:
        k = 0
        while k < len(line) and line[k].char.isdigit():
            k += 1
        if 0 < k < len(line) and start(line[k]) - end(line[k - 1]) > 0.2:  # an entry's own number
            # (digits set solid with what follows begin the title: "90分钟课时")
            text = "".join(g.char for g in line)
            assert start(line[0]) >= left - 0.5, f"{lang} {edition}: {text!r}: number outside the text block"
            assert start(line[k]) - end(line[k - 1]) >= 1.5, f"{lang} {edition}: {text!r}: number touches its title"
            if not any(abs(start(line[k]) - x) < 1.0 for x in title_starts):  # a J may overhang
                title_starts.append(start(line[k]))
    assert 1 <= len(title_starts) <= 2, f"{lang} {edition}: numbered titles start at {len(title_starts)} places"
    number_starts = [start(line[0]) for line in forward if line[0].char.isdigit()]
    for line in forward:  # every other line starts at the block's edge, a number's place or a title's
        if not line[0].char.isdigit():
            text = "".join(g.char for g in line)
            places = [left, *title_starts, *number_starts]
            assert any(abs(start(line[0]) - x) < 1.0 for x in places), f"{lang} {edition}: {text!r} is out of line"


def _element_languages(pdf: Path) -> dict[str, int]:
    import pikepdf

    counts: dict[str, int] = {}
    with pikepdf.open(pdf) as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == pikepdf.Name.StructElem and "/Lang" in obj:
                counts[str(obj.Lang)] = counts.get(str(obj.Lang), 0) + 1
    return counts


@pytest.fixture(scope="module")
def sample_partial(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample's Arabic and Chinese student packs with one unit left untranslated."""
    course = tmp_path_factory.mktemp("partial") / "cybercrime-tip-som"
    shutil.copytree(SAMPLE, course)
    for lang in ("ar", "zh"):
        (course / "translations" / lang / "units" / "technology-smuggling.md").unlink()
    out = course.parent / "out"
    report = build([course], Options(out, langs=["ar", "zh"], editions=["student"], jobs=2, epoch=EPOCH))
    assert not report.failures, report.failures
    return out / "cybercrime-tip-som"


@pytest.mark.parametrize("lang", ["ar", "zh"])
def test_text_left_in_the_source_language_is_tagged_and_set_as_such(
    sample_partial: Path, sample_all: Path, lang: str
) -> None:
    """A unit left in English in the Arabic and Chinese packs (fallback): screen readers must
    read it as English (/Lang on its structure elements), and in Chinese its quotes and
    apostrophes must not be the CJK font's full-width ones."""
    pdf = sample_partial / lang / "student.pdf"
    assert catalog_lang(pdf) == lang
    assert (
        _element_languages(pdf).get("en", 0) > _element_languages(sample_all / lang / "student.pdf").get("en", 0) + 10
    )
    assert not _element_languages(sample_all / "fr" / "student.pdf")  # complete: nothing to mark
    if lang == "zh":
        with pdfplumber.open(str(pdf)) as doc:
            english = [p for p in doc.pages if "Technology in the smuggling of migrants" in (p.extract_text() or "")]
            quotes = [c["fontname"] for p in english[:3] for c in p.chars if c["text"] in "’“”"]
        assert quotes and not any("CJK" in name for name in quotes), quotes


@pytest.mark.parametrize("lang", ["ar", "zh"])
def test_english_entries_of_a_reading_list_are_set_in_english(sample_all: Path, lang: str) -> None:
    """Titles stay as published: an English work in an Arabic or Chinese reading list is set in
    English, left to right, from the left margin with its own "and" (it was set right to left,
    with "و" or "和" between English names)."""
    with pdfplumber.open(str(sample_all / lang / "student.pdf")) as doc:
        # (the sample's style is OSCOLA: "Gerry F, Muraszkiewicz J and Vavoula N, ‘The Role…’")
        page = next(p for p in reversed(doc.pages) if "Gerry F," in (p.extract_text() or ""))
        text = page.extract_text() or ""
        assert "Muraszkiewicz J and Vavoula N" in text, text[:500]
        assert "J و" not in text and "J 和" not in text
        words = page.extract_words()
        gerry = next(w for w in words if w["text"] == "Gerry")
        left = min(w["x0"] for w in words)
        assert gerry["x0"] - left < 2, (gerry["x0"], left)  # at the left edge, not pushed right


@pytest.mark.parametrize("lang", ["ru", "fr"])
def test_running_heads_are_shortened_after_a_whole_word(sample_all: Path, lang: str) -> None:
    """A running head too long for its box ends with "…" after a whole word: the engine's
    ellipsis cut words ("Киберпреступность, торговля людьми и ввоз ми…")."""
    course = yaml.safe_load((SAMPLE / "translations" / lang / "course.yaml").read_text(encoding="utf-8"))
    text = " ".join([course["short_title"], *all_text(sample_all / lang / "student.pdf").split()])
    shortened = set()
    with pdfplumber.open(str(sample_all / lang / "student.pdf")) as doc:
        for page in doc.pages:
            head = " ".join(w["text"] for w in page.extract_words() if w["top"] < 60)
            shortened |= {part.strip() for part in head.split("\u2026")[:-1]}
    for start in shortened:
        last = start.split()[-1]
        assert re.search(re.escape(start) + r"[\s,:;.]", text), f"{lang}: {start!r}… ends inside a word ({last!r})"
    if lang == "ru":
        assert shortened, "the Russian course title is longer than its box"


def test_code_in_arabic_text_keeps_its_order(tmp_path: Path) -> None:
    """Inline code in a right-to-left paragraph prints as written: "ls -la ~/data/", not
    "/ls -la ~/data" (its slash took the paragraph's direction)."""
    from coursepack.engine.typeset import typeset
    from coursepack.markdown.render import render_text
    from coursepack.render.theme import default_theme_dir

    body = render_text("شغّل الأمر `ls -la ~/data/` في المجلد.\n", lang="ar")
    html = f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><title>t</title></head><body>{body}</body></html>'
    theme = default_theme_dir()
    result = typeset(html, tmp_path, [theme / "style.css", theme / "rtl.css"], [tmp_path, theme], 0, "ar")
    (tmp_path / "code.pdf").write_bytes(result.pdf)
    with pdfplumber.open(str(tmp_path / "code.pdf")) as doc:
        chars = sorted((c for c in doc.pages[0].chars if c["top"] < 200), key=lambda c: c["x0"])
    assert "ls -la ~/data/" in "".join(c["text"] for c in chars if c["text"].isascii())


# -- Chinese set as a Chinese publisher would (#17) ------------------------------------------------

CJK_CLOSING = set("）〕］｝〉》」』】，、。．：；！？")
CJK_OPENING = set("（〔［｛〈《「『【")


def _cjk(line: list[Glyph]) -> bool:
    import unicodedata

    return sum(unicodedata.east_asian_width(g.char) in "WF" for g in line) > len(line) / 2


def test_chinese_paragraphs_are_justified_between_characters(sample_all: Path) -> None:
    """Every full line of Chinese running text ends at the margin (WeasyPrint alone widens only
    spaces, which Chinese has few of: its lines ended up to an em short, or 3-6 em gaps opened
    at the odd space). Lines of 10 pt text starting at the text block's edge and ending within
    an em of it; a closing mark set on half an em at a line's end (CLREQ allows it) ends at the
    margin with the blank half of its box beyond."""
    import statistics

    pdf = sample_all / "zh" / "student.pdf"
    at_margin, short = 0, []
    for index in range(4, 40):
        # the body's lines: Chinese, set in the text size (not the running head or a note)
        body = [line for line in text_lines(pdf, index) if len(line) > 15 and _cjk(line)]
        body = [line for line in body if abs(line[0].right - line[0].left - 10) < 0.3]
        if len(body) < 3:
            continue
        left = min(line[0].left for line in body)
        right = statistics.mode(round(line[-1].right) for line in body)
        for line in body:
            em = line[0].right - line[0].left
            gap = right - line[-1].right
            if line[0].left - left > 1 or gap >= em:
                continue
            if abs(gap) < 1 or (line[-1].char in CJK_CLOSING and abs(gap + em / 2) < 1):
                at_margin += 1
            else:
                short.append((index + 1, round(gap, 1), "".join(g.char for g in line)[-12:]))
    assert at_margin > 100
    assert len(short) <= at_margin // 20, short  # (a paragraph's last line may end near the margin)


def test_adjacent_chinese_punctuation_is_set_on_half_an_em(sample_all: Path) -> None:
    """Of two full-width marks that meet ("》。", "）（"), the first is set on half an em (CLREQ)."""
    pdf = sample_all / "zh" / "student.pdf"
    pairs = []
    for index in range(2, 30):
        for line in text_lines(pdf, index):
            for a, b in itertools.pairwise(line):
                if a.char in CJK_CLOSING and (b.char in CJK_CLOSING or b.char in CJK_OPENING):
                    pairs.append((index + 1, a.char + b.char, (b.left - a.left) / (a.right - a.left)))
    assert len(pairs) > 20
    wide = [p for p in pairs if p[2] > 0.65]
    # two marks in different runs of text are laid out apart and keep their full width: a bold
    # title's "》" before a plain "（" (docs/print.md); a page reference's own "）" is moved into
    # the text after it for this reason (markdown/render.py, ``_closing_mark``)
    assert len(wide) <= len(pairs) // 20, wide[:5]


def test_chinese_bold_is_a_bold_face(sample_all: Path) -> None:
    """Headings, strong terms and labels are set in Noto Sans CJK Bold, not the regular face
    under a bold name (WeasyPrint does not embolden: without a bold face, bold was regular)."""
    import io

    import pikepdf
    from fontTools.ttLib import TTFont

    weights: dict[str, int] = {}
    with pikepdf.open(sample_all / "zh" / "student.pdf") as pdf:
        for page in pdf.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                name = str(font.BaseFont).split("+")[-1]
                if "CJK" not in name or name in weights:
                    continue
                descriptor = font.DescendantFonts[0].FontDescriptor
                program = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
                weights[name] = TTFont(io.BytesIO(program.read_bytes()))["OS/2"].usWeightClass
    bold = {n: w for n, w in weights.items() if "Bold" in n}
    assert bold and all(w >= 600 for w in bold.values()), weights
    assert any(w == 400 for n, w in weights.items() if "Bold" not in n), weights
