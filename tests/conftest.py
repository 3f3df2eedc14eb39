"""Shared fixtures: each course is built once per test run, then many tests read the PDFs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coursepack.build import Options, build

# the modules that typeset PDFs (minutes): `make test-fast` leaves them out (`-m "not slow"`)
SLOW_MODULES = {
    "test_accessibility",
    "test_build",
    "test_cli",
    "test_csl_pdf",
    "test_elsewhere",
    "test_languages",
    "test_no_tracebacks",
    "test_overflow",
    "test_override",
    "test_pack_options",
    "test_parts",
    "test_preflight",
    "test_pdf_minimal",
    "test_reliability_output",
    "test_reliability_process",
    "test_print",
    "test_sample",
    "test_wheel",
}
SLOW_TESTS = {
    "test_no_instructor_word_reaches_a_student_pdf",
    "test_typesetting_loads_nothing_outside_the_course",
    "test_arrows_and_box_drawing_are_covered_in_prose_too",
    "test_the_engine_refuses_what_a_stylesheet_or_an_svg_brings_in",
    "test_a_course_copied_anywhere_gives_identical_pdfs",
    "test_two_gitlab_nodes_build_their_shares_and_the_manifests_merge",
    "test_index_pages_right_stitched_single_and_after_an_edit",
    # test_preview: the ones that start the command (it typesets) or a browser
    "test_it_listens_on_localhost_and_stops_on_ctrl_c_with_no_process_left",
    "test_the_browser_shows_edits_errors_and_the_pdf_page",
    "test_the_pdf_it_builds_after_an_edit_is_the_one_build_makes",
    # test_maths: the ones that typeset
    "test_formulas_are_drawn_as_paths_not_text",
    "test_each_formula_is_tagged_with_its_tex_source_as_alternative_text",
    "test_a_cross_reference_from_another_unit_names_the_equation_and_its_page",
    "test_maths_reads_left_to_right_in_arabic",
    # test_import: the packs built from the imported courses
    "test_the_imported_word_pack_reads_as_the_document",
    "test_the_imported_lesson_keeps_instructor_notes_out_of_the_student_pack",
    "test_the_imported_book_cites_and_crossreferences",
    # test_new: the ones that build
    "test_new_then_build_gives_the_packs",
    "test_build_only_builds_the_asked_artefacts_and_leaves_the_others",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="write the golden HTML copies (tests/golden/) anew")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        name = getattr(item, "originalname", item.name)  # (a parametrized test by its function's name)
        if item.module is not None and (item.module.__name__ in SLOW_MODULES or name in SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = ROOT / "content" / "cybercrime-tip-som"
EPOCH = 1_700_000_000


@pytest.fixture(scope="session")
def minimal_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal fixture built once (both editions), strict, with a fixed epoch."""
    out = tmp_path_factory.mktemp("minimal-out")
    report = build([FIXTURES / "minimal"], Options(out, jobs=2, strict=True, epoch=EPOCH))
    assert not report.failures, report.failures
    return out / "minimal" / "en"


@pytest.fixture(scope="session")
def sample_all(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full sample matrix (every language, both editions), built once per run, strict: no
    warning, preflight's findings included."""
    out = tmp_path_factory.mktemp("sample-out")
    report = build([SAMPLE], Options(out, jobs=2, strict=True, epoch=EPOCH))
    assert not report.failures, report.failures
    assert not report.warnings, report.warnings
    return out / "cybercrime-tip-som"


@pytest.fixture(scope="session")
def sample_out(sample_all: Path) -> Path:
    """The English sample packs."""
    return sample_all / "en"


@pytest.fixture
def course_copy(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Copy a fixture course into tmp_path so a test can break it."""

    def make(name: str = "minimal") -> Path:
        dest = tmp_path / name
        shutil.copytree(FIXTURES / name, dest)
        return dest

    return make
