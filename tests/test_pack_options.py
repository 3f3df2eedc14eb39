"""Course settings that change what a pack prints: solutions at the end, renamed interface words,
deeper contents, where a link's address goes, listings cited by number, code line numbers."""

from __future__ import annotations

import re
from pathlib import Path

from coursepack.build import Options, build

from conftest import EPOCH
from pdfutil import all_text, letters

CHALLENGE = """
:::::: challenge
## Sort the list {#ex-sorting}
Sort the file by its second column.

::: solution
Use `sort -k 2` on the file, keyword SORTANSWERWORD.
:::
::::::

```python {#lst-count caption="Counting words" .numberLines}
import sys
counts = {}
```

As [](#lst-count) shows, and [the site](https://example.org/guide) explains.
"""


def _set(course: Path, key: str, value: str) -> None:
    meta = course / "course.yaml"
    meta.write_text(meta.read_text() + f"{key}: {value}\n")


def _add_to_unit(course: Path, text: str) -> None:
    unit = course / "units" / "first-unit.md"
    unit.write_text(unit.read_text() + "\n" + text)


def test_solutions_at_the_end_of_the_student_pack_only_when_asked(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    _add_to_unit(course, CHALLENGE)
    build([course], Options(tmp_path / "a", editions=["student"], epoch=EPOCH, strict=True))
    assert "SORTANSWERWORD" not in all_text(tmp_path / "a" / "minimal" / "en" / "student.pdf")
    _set(course, "solutions", "end")
    build([course], Options(tmp_path / "b", editions=["student"], epoch=EPOCH, strict=True))
    text = all_text(tmp_path / "b" / "minimal" / "en" / "student.pdf")
    assert "SORTANSWERWORD" in text and "Solutions" in text
    tail = text[text.rindex("Solutions") :]
    assert "SORTANSWERWORD" in tail  # in the Solutions section, not with the exercise


def test_listings_are_numbered_cited_and_their_lines_numbered(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    _add_to_unit(course, CHALLENGE)
    build([course], Options(tmp_path, editions=["student"], epoch=EPOCH, strict=True))
    text = " ".join(all_text(tmp_path / "minimal" / "en" / "student.pdf").split())
    assert "Listing 1 Counting words" in text
    assert "As Listing 1, p. " in text
    assert "1 import sys 2 counts = {}" in text  # numbered lines
    assert "https://example.org/guide" in text  # the address of a link, for a reader of paper


def test_link_addresses_can_go_after_the_text_or_nowhere(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    _add_to_unit(course, "Read [the guide](https://example.org/guide) first.\n")
    _set(course, "link_addresses", "after")
    build([course], Options(tmp_path / "a", editions=["student"], epoch=EPOCH, strict=True))
    assert "the guide (https://example.org/guide) first" in " ".join(
        all_text(tmp_path / "a" / "minimal" / "en" / "student.pdf").split()
    )
    meta = course / "course.yaml"
    meta.write_text(meta.read_text().replace("link_addresses: after", "link_addresses: none"))
    build([course], Options(tmp_path / "b", editions=["student"], epoch=EPOCH, strict=True))
    assert "example.org/guide" not in all_text(tmp_path / "b" / "minimal" / "en" / "student.pdf")


def test_terms_rename_interface_words_in_the_source_language(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    meta = course / "course.yaml"
    meta.write_text(
        meta.read_text()
        + 'terms:\n  "Unit %(num)s": "Lesson %(num)s"\n  "Unit": "Lesson"\n  "Units": "Lessons"\n  "Contents": "In this pack"\n'
        + "  module: course\n"  # one word: renamed wherever the interface says it
    )
    build([course], Options(tmp_path, editions=["student"], epoch=EPOCH, strict=True))
    raw = all_text(tmp_path / "minimal" / "en" / "student.pdf")
    text = letters(raw)
    assert "lesson1" in text and "inthispack" in text
    assert "bytheendofthiscoursestudentsshouldbeableto" in text and "thismodule" not in text
    assert not re.search(r"U ?N ?I ?T 1\b|Unit 1\b", raw), raw  # (the label is set in spaced capitals)


def test_contents_depth_lists_the_sections_of_units(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = course_copy()
    build([course], Options(tmp_path / "a", editions=["student"], epoch=EPOCH, strict=True))
    _set(course, "contents_depth", "2")
    build([course], Options(tmp_path / "b", editions=["student"], epoch=EPOCH, strict=True))

    def contents(out: Path) -> str:
        text = all_text(out / "minimal" / "en" / "student.pdf")
        return text[text.index("Contents") : text.index("Contents") + 600]

    heading = "Why fixtures are small"  # a ## section of the first unit
    assert heading not in contents(tmp_path / "a")
    assert heading in contents(tmp_path / "b")


def test_a_link_to_another_file_of_the_course_is_a_cross_reference(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Lessons link their episodes by file name (``02-filedir.md``, ``intro.qmd#setup``): such a link
    is a cross-reference to the unit, or to the target named after ``#``, with its page."""
    course = course_copy()
    unit = course / "units" / "second-unit.md"
    unit.write_text(
        unit.read_text() + "\nBack to [the first](first-unit.md) and [its section](first-unit.qmd#why-small).\n"
    )
    build([course], Options(tmp_path, editions=["student"], epoch=EPOCH, strict=True))
    text = " ".join(all_text(tmp_path / "minimal" / "en" / "student.pdf").split())
    assert re.search(r"Back to the first, p\. 5 and its section, p\. 5\.", text), text


def test_the_contents_number_column_widens_for_long_numbers() -> None:
    """Two digits fit the theme's column; "100" or "10.12" widen it so no number runs into its title."""
    from types import SimpleNamespace as Entry

    from coursepack.resolve.context import toc_width

    assert toc_width([Entry(num=9)], [Entry(num=12)]) == ""
    assert toc_width([Entry(num=100)]) == ' style="--toc-num: 4.6ch; --toc-num-back: -4.6ch"'
    assert toc_width([Entry(num="10.12")], []) == ' style="--toc-num: 6.1ch; --toc-num-back: -6.1ch"'
