"""On paper, what runs past the page edge is lost: a table too wide for the text block is a
warning at its file and line (an error under --strict), and a run of letters longer than any
word is broken across lines instead of running off the page."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from coursepack.cli import main

from pdfutil import all_text

WIDE = (
    "| "
    + " | ".join(f"Column {i}" for i in range(40))
    + " |\n|"
    + "---|" * 40
    + "\n| "
    + " | ".join(f"v{i}" for i in range(40))
    + " |\n"
)
LONG = "ACGT" * 1250  # 5,000 characters


def _add(course: Path, text: str) -> int:
    unit = course / "units" / "first-unit.md"
    body = unit.read_text()
    unit.write_text(body + "\n" + text)
    return body.count("\n") + 2


def test_a_table_wider_than_the_page_is_reported_at_its_line(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    line = _add(course, WIDE)
    args = ["build", str(course), "--edition", "student", "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    output = result.output.replace(str(course) + "/", "")
    assert result.exit_code == 0, output
    warnings = [w for w in output.splitlines() if "past the right edge" in w]
    assert len(warnings) == 1, output
    assert warnings[0].startswith(f"units/first-unit.md:{line}: warning: a table runs "), warnings
    assert warnings[0].endswith(
        "mm past the right edge of the text block: give it fewer or narrower columns (minimal/en/student)"
    )
    result = CliRunner().invoke(main, [*args, "--strict", "-o", str(tmp_path / "strict")])
    assert result.exit_code == 1 and "warning(s) under --strict" in result.output, result.output


def test_a_run_longer_than_any_word_is_broken_not_lost(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    _add(course, f"A sequence: {LONG} and the sentence goes on.\n")
    result = CliRunner().invoke(main, ["build", str(course), "--edition", "student", "-o", str(tmp_path), "--strict"])
    assert result.exit_code == 0, result.output
    text = all_text(tmp_path / "minimal" / "en" / "student.pdf")
    # every letter printed (the page's running head may come between two of its lines)
    runs = "".join(c if c in "ACGT" else " " for c in "".join(text.split())).split()
    assert sum(len(r) for r in runs if len(r) >= 20) >= len(LONG) and "and the sentence goes on." in text
