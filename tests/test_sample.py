"""The sample course in content/: builds clean and complete, and keeps instructor text out of the student pack."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from coursepack.cli import main
from coursepack.markup import BLOCKS

from conftest import SAMPLE
from pdfutil import all_text, footnote_numbers, letters, page_texts

INSTRUCTOR_BLOCKS = {name for name, (audience, _) in BLOCKS.items() if audience == "instructor"}


def _front(path: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load(path.read_text().split("---")[1])


def _instructor_passages() -> list[tuple[Path, str]]:
    """Distinctive sentences from every instructor-only block of the sample's Markdown."""
    out = []
    for md in [*SAMPLE.glob("units/*.md"), *SAMPLE.glob("exercises/*.md")]:
        lines = md.read_text().splitlines()
        for i, line in enumerate(lines):
            m = re.match(r"^/// ([a-z-]+)", line)
            if m and m.group(1) in INSTRUCTOR_BLOCKS:
                body = []
                for nxt in lines[i + 1 :]:
                    if nxt.strip() == "///":
                        break
                    body.append(nxt)
                prose = [
                    ln
                    for ln in body
                    if len(ln.split()) > 8
                    and "](" not in ln
                    and "[^" not in ln
                    and not ln.lstrip().startswith(("|", "#", "/"))
                ]
                if prose:
                    sentence = re.sub(r"^\s*(?:\d+\.|[-*+])\s+", "", prose[0])
                    words = re.sub(r"[*_`\[\]()]", "", sentence).split()[:8]
                    out.append((md, " ".join(words)))
    return out


def test_check_strict_is_clean() -> None:
    result = CliRunner().invoke(main, ["check", "--strict", str(SAMPLE)])
    assert result.exit_code == 0, result.output


def test_page_counts_in_range(sample_out: Path) -> None:
    assert 50 <= len(page_texts(sample_out / "student.pdf")) <= 90
    assert 25 <= len(page_texts(sample_out / "instructor.pdf")) <= 60


def test_student_pack_contains_every_unit_exercise_and_reading(sample_out: Path) -> None:
    text = letters(all_text(sample_out / "student.pdf"))
    for unit in SAMPLE.glob("units/*.md"):
        assert letters(_front(unit)["title"]) in text, unit.name
    for ex in SAMPLE.glob("exercises/*.md"):
        assert letters(_front(ex)["title"]) in text, ex.name
    readings = [r for f in SAMPLE.glob("readings/*.yaml") for r in yaml.safe_load(f.read_text())]
    assert len(readings) >= 25
    for reading in readings:
        assert letters(reading["title"]) in text, reading["id"]


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


def test_every_footnote_printed_once_on_its_page_or_the_next(sample_out: Path) -> None:
    """Regression: WeasyPrint 70 could print a footnote on two pages after repagination."""
    pages = footnote_numbers(sample_out / "student.pdf")
    assert sum(len(notes) for _, notes in pages) > 50
    pending: Counter[str] = Counter()
    for number, (calls, notes) in enumerate(pages, start=1):
        available = Counter(calls) + pending
        for note in notes:
            assert available[note] > 0, f"p. {number}: footnote {note} has no call on this page or the one before"
            available[note] -= 1
        pending = Counter(calls) - Counter(notes)
