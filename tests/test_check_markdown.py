"""Hostile and careless Markdown: each mistake that could print wrongly, or print instructor text to
students, is one clear error at its line; nothing is built."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.cli import main

CASES = [
    (
        '![A box](figures/boxes.svg){alt=""two quotes""}\n',
        'units/first-unit.md:{L0}:28: attributes \'{{alt=""two quotes""}}\' cannot be read (unexpected \'"\'), so they '
        'would print as text: write them as {{#id .class key="value"}}',
    ),
    (
        "Setup: {{< include _setup.qmd >}}\n",
        "units/first-unit.md:{L0}:8: Quarto shortcode '{{{{< include _setup.qmd >}}}}' is not read, so it would print as "
        "text: write out what it stands for (an included file's text, a page break...)",
    ),
    (
        "(nowhere)=\n\nA paragraph.\n",
        "units/first-unit.md:{L0}:1: warning: MyST target '(nowhere)=' names nothing: put it right before a heading, "
        "a block, a figure, a table or code",
    ),
    (
        "```{figur} figures/boxes.svg\nA caption.\n```\n",
        "units/first-unit.md:{L0}:1: MyST directive '```{{figur}}' is not one coursepack reads, so it would print as code: "
        "did you mean 'figure'?",
    ),
    (
        "Waiting &#8987; for the build.\n",
        "units/first-unit.md:{L0}:9: characters not covered by the fonts for 'en' (Noto Serif, Noto Sans, IBM Plex Mono): "
        "'⌛' U+231B HOURGLASS (line {L0}); remove them or replace them (a PDF must never show empty boxes)",
    ),
    (
        "Some code:\n\n```python\nprint(1)\n\n## A heading that would be code\n",
        "units/first-unit.md:{L2}:1: code block '```python' is never closed: everything after it would be printed "
        "as code; add a line '```' after its code",
    ),
    (
        "Text.\n\n:::\n",
        "units/first-unit.md:{L2}:1: ':::' is printed as text: a ':::' line alone closes a block, and here none is open "
        "(remove it, or open the block above)",
    ),
    (
        "::: {.callout-tipp}\nA tip.\n:::\n",
        "units/first-unit.md:{L0}:1: unknown block 'callout-tipp': did you mean 'callout-tip'?",
    ),
    (
        "::: instructor\nNever closed.\n",
        "units/first-unit.md:{L0}:1: block '::: instructor' is never closed: add a line ':::' after its content",
    ),
    (
        "```{warning}\nNever closed.\n",
        "units/first-unit.md:{L0}:1: block '```{{warning}}' is never closed: add a line '```' after its content",
    ),
    (
        "Students read this[^secret].\n\n::: instructor\n[^secret]: A note for the lecturer only.\n:::\n",
        "units/first-unit.md:{L0}:19: footnote '[^secret]' is defined in instructor-only text (line {L3}) but cited where "
        "students read: move its definition out of the block, or the call into it",
    ),
    (
        "See [the answer key][key].\n\n::: model-answer\n[key]: https://example.org/answers\n:::\n",
        "units/first-unit.md:{L0}:5: link reference '[key]' is defined in instructor-only text (line {L3}) but used where "
        "students read: move its definition out of the block",
    ),
    (
        "- An item.\n\n      ::: instructor\n      The lecturer's note.\n      :::\n",
        "units/first-unit.md:{L2}:1: '::: instructor' is indented as code, so its text would be printed to students: "
        "indent the block's fence no more than the text around it",
    ),
    (
        "See [the episode](03-loops.md).\n",
        "units/first-unit.md:{L0}:5: link '03-loops.md': no unit or exercise of the course is in a file of that name: "
        "link to its id ('#some-id') or to a full https:// address",
    ),
    (
        "A note[^nowhere].\n",
        "units/first-unit.md:{L0}:7: footnote '[^nowhere]' is never defined: add a line '[^nowhere]: its text'",
    ),
    (
        "[Run it](run.sh) or [see](ftp://example.org).\n",
        "units/first-unit.md:{L0}:1: link 'run.sh' is a relative file link: link to an id ('#some-id') or a full https:// address\n"
        "units/first-unit.md:{L0}:21: link 'ftp://example.org': only http, https and mailto links are allowed",
    ),
    (
        "Press <kbd>q</kbd>, not <button>q</button>.\n",
        "units/first-unit.md:{L0}:25: raw HTML is not allowed: use Markdown or a '::: name' block (write &lt; for a literal '<')\n"
        "units/first-unit.md:{L0}:34: raw HTML is not allowed: use Markdown or a '::: name' block (write &lt; for a literal '<')",
    ),
    (
        ":::{math}\nE = mc^2\n:::\n",
        "units/first-unit.md:{L0}:1: warning: MyST's {{math}} directive is printed as its TeX source: write the formula "
        "between '$$' lines instead",
    ),
    (
        "::: solution\nThe answer, written after the question in the text.\n:::\n",
        "units/first-unit.md:{L0}:1: warning: '::: solution' is not inside an exercise, so it prints only with the unit's "
        "teaching notes in the instructor's guide, not in the answer key: put it inside the '::: exercise' it answers "
        "(or write '::: instructor' for a teaching note)",
    ),
    (
        "::: {.teacher-only}\nDo not tell them.\n:::\n\n::: {.border .shadow}\nA framed paragraph.\n:::\n",
        "units/first-unit.md:{L0}:1: unknown block 'teacher-only': its name says it is not for students, and it would "
        "print for them: use '::: instructor' (the guide only), '::: solution' or '::: model-answer'\n"
        "units/first-unit.md:{L4}:1: warning: class 'border' has no meaning in print: the block's text is printed as it is",
    ),
    (
        "/// instructor | Old\nText.\n///\n",
        "units/first-unit.md:{L0}:1: old block syntax '/// instructor | Old': write '::: instructor Old' and close it "
        "with ':::' ('coursepack migrate' rewrites a whole course)",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[1].split(": ", 1)[1][:40] for c in CASES])
def test_each_markdown_mistake_is_one_error_at_its_line(course_copy, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    unit = course / "units" / "first-unit.md"
    body = unit.read_text()
    first = body.count("\n") + 2  # the line the case's text starts on
    unit.write_text(body + "\n" + text)
    expected = expected.format(**{f"L{k}": first + k for k in range(6)})
    result = CliRunner().invoke(main, ["check", "--strict", str(course)])
    lines = [line.replace(str(course) + "/", "") for line in result.output.splitlines()][:-1]
    assert result.exit_code == 1, result.output
    assert lines == expected.split("\n")


def test_an_exercise_file_no_unit_lists_is_a_warning(course_copy) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    unit = course / "units" / "second-unit.md"
    unit.write_text(unit.read_text().replace("exercises: [ex-beta, ex-gamma]", "exercises: [ex-beta]"))
    result = CliRunner().invoke(main, ["check", str(course)])
    assert result.exit_code == 0, result.output
    assert result.output.replace(str(course) + "/", "").startswith(
        "exercises/ex-gamma.md:2:1: warning: exercise 'ex-gamma' is listed by no unit: list it under 'exercises' "
        "in a unit's front matter (or in course.yaml) to say where it belongs\n"
    )


def test_a_file_may_start_with_its_title_and_the_title_id_names_it(course_copy) -> None:  # type: ignore[no-untyped-def]
    """Quarto chapters, MyST pages and READMEs start with '# Title {#sec-x}': the pack sets the title,
    so the heading is taken out, and its id names the unit (other files cite @sec-x)."""
    course: Path = course_copy()
    unit = course / "units" / "first-unit.md"
    unit.write_text(unit.read_text().replace("---\n\n", "---\n\n# The first unit {#sec-first}\n\n", 1))
    other = course / "units" / "second-unit.md"
    other.write_text(other.read_text() + "\nAs @sec-first explained.\n")
    result = CliRunner().invoke(main, ["check", "--strict", str(course)])
    assert result.exit_code == 0, result.output
    unit.write_text(unit.read_text().replace("# The first unit {#sec-first}", "# Another title {#sec-first}"))
    result = CliRunner().invoke(main, ["check", str(course)])
    assert (
        "warning: the file starts with the title '# Another title', but the pack prints 'The first unit'"
        in result.output
    )


def test_arrows_and_box_drawing_are_covered_in_prose_too(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The code font sets the arrows and box drawing the text fonts lack, in prose and <kbd> as in code."""
    course: Path = course_copy()
    unit = course / "units" / "first-unit.md"
    unit.write_text(unit.read_text() + "\nPress <kbd>↑</kbd>, then → to go on; a tree is drawn with ├── and └──.\n")
    result = CliRunner().invoke(main, ["build", str(course), "--strict", "--edition", "student", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output  # (strict: a glyph the fonts lack is a warning of the engine's)


def test_an_emoji_with_its_variation_selector_is_covered(course_copy) -> None:  # type: ignore[no-untyped-def]
    """U+FE0F after a character (asking for its emoji form) is invisible: never reported as missing."""
    course: Path = course_copy()
    unit = course / "units" / "first-unit.md"
    unit.write_text(unit.read_text() + "\nWarning \u26a0\ufe0f and a check mark \u2714\ufe0e.\n")
    result = CliRunner().invoke(main, ["check", "--strict", str(course)])
    assert "U+FE0" not in result.output, result.output


def test_a_lessons_front_matter_says_what_to_write_instead(course_copy) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    unit = course / "units" / "first-unit.md"
    unit.write_text(unit.read_text().replace("exercises: [ex-alpha]", "teaching: 30\nexercises: 10"))
    result = CliRunner().invoke(main, ["check", str(course)])
    lines = [line.replace(str(course) + "/", "") for line in result.output.splitlines()]
    assert lines[:2] == [
        "units/first-unit.md:8:1: unknown key 'teaching': a lesson's minutes of teaching (and exercises) go in 'duration'",
        "units/first-unit.md:9:12: 'exercises' lists the ids of exercise files ([ex-one, ex-two]): a Carpentries "
        "lesson's exercise minutes go in 'duration' with the teaching time",
    ], result.output
