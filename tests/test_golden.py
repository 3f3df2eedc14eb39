"""Golden HTML: the document each edition hands the engine, for fixtures in other tools' styles,
compared with a stored copy. A change to the writer, a template or the resolver shows here as a
diff of the HTML, in a second, before anything is typeset. When a change is meant, accept it:

    make golden        (or: python -m pytest tests/test_golden.py --update-golden)

and read the diff of tests/golden/ in review like any other change."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from coursepack.build import load_and_check, target_html
from coursepack.matrix import Variant, plan_targets

from conftest import EPOCH, FIXTURES

GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = [
    ("minimal", "en", "student"),
    ("minimal", "en", "instructor"),
    ("elsewhere", "en", "student"),  # Quarto, MyST, Pandoc and Carpentries Markdown
    ("bilingual", "fr", "student"),
    ("bilingual", "ar", "student"),
    ("bilingual", "fr", "answer-key"),
    ("bilingual", "fr", "exercise-booklet"),  # sheets: each exercise a part of its own, as in the handouts
]


def _html(fixture: str, lang: str, edition: str, tmp_path: Path) -> str:
    checked = load_and_check([FIXTURES / fixture])
    targets = plan_targets(checked.localized, tmp_path, [lang], [edition], variants=[Variant()])
    target = next(t for t in targets if t.edition.name == edition and t.item is None)
    pages = {} if target.edition.needs else None  # (a guide cites the student pack: pages unknown here)
    return target_html(target, checked, EPOCH, pages)


@pytest.mark.parametrize(("fixture", "lang", "edition"), CASES)
def test_the_html_each_edition_writes_is_the_golden_copy(
    fixture: str, lang: str, edition: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    html = _html(fixture, lang, edition, tmp_path)
    golden = GOLDEN / f"{fixture}-{lang}-{edition}.html"
    if request.config.getoption("--update-golden"):
        golden.write_text(html, encoding="utf-8")
        return
    assert golden.is_file(), f"{golden.name} is missing: run make golden"
    expected = golden.read_text(encoding="utf-8")
    if html != expected:
        diff = "".join(
            list(difflib.unified_diff(expected.splitlines(True), html.splitlines(True), golden.name, "now"))[:80]
        )
        pytest.fail(f"the HTML changed (if meant: make golden, and review the diff):\n{diff}")


def test_every_golden_copy_is_a_case() -> None:
    """No stale copy left behind when a case is removed."""
    assert sorted(p.name for p in GOLDEN.glob("*.html")) == sorted(f"{f}-{lang}-{e}.html" for f, lang, e in CASES)
