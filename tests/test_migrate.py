"""``coursepack migrate``: a course written for coursepack 0.1 (``/// name | Title`` blocks) is
rewritten to fenced divs, translations and their recorded sources included, and then checks clean."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from coursepack.cli import main

OLD_UNIT = """---
id: first-unit
title: The first unit
---

/// key-concept | A title with *emphasis*
Text of the box.
///

//// instructor | Outer
A note.

/// note
Nested, with code:

    /// not a block: indented code
///
////

```text
/// in fenced code: left as it is
```
"""


NEW_UNIT = """---
id: first-unit
title: The first unit
---

::: key-concept A title with *emphasis*
Text of the box.
:::

:::: instructor Outer
A note.

::: note
Nested, with code:

    /// not a block: indented code
:::
::::

```text
/// in fenced code: left as it is
```
"""


def test_migrate_rewrites_old_blocks_and_nothing_else(course_copy) -> None:  # type: ignore[no-untyped-def]
    course: Path = course_copy()
    unit = course / "units" / "first-unit.md"
    unit.write_text(OLD_UNIT)
    copy = course / "translations" / "fr" / ".source" / "units" / "first-unit.md"
    copy.parent.mkdir(parents=True)
    copy.write_text(OLD_UNIT)
    runner = CliRunner()
    result = runner.invoke(main, ["check", str(course)])
    assert result.exit_code == 1 and "old block syntax '/// key-concept | A title with *emphasis*'" in result.output

    dry = runner.invoke(main, ["migrate", str(course), "--dry-run"])
    assert dry.exit_code == 0 and "6 block(s) would be rewritten" in dry.output, dry.output  # (3 in each file)
    assert unit.read_text() == OLD_UNIT

    result = runner.invoke(main, ["migrate", str(course)])
    assert result.exit_code == 0, result.output
    assert unit.read_text() == copy.read_text()  # the recorded source too, so the translation is not outdated
    assert unit.read_text() == NEW_UNIT
    assert "/// in fenced code: left as it is" in unit.read_text()

    again = runner.invoke(main, ["migrate", str(course)])
    assert "Nothing to rewrite" in again.output
    # (the unit's old text had ids other files link to: only its own lines are looked at)
    checked = runner.invoke(main, ["check", str(course)])
    assert [line for line in checked.output.splitlines() if "units/first-unit.md:" in line] == [], checked.output
