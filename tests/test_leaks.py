"""Instructor text cannot reach a student artefact, whatever the Markdown around it looks like.

A property-based test: hypothesis writes units that put instructor-only text (teaching notes,
guidelines, model answers, solutions) in every position Markdown allows: nested in lists,
quotes and callouts, inside exercises, with tables, code, footnotes, headings and link
references in them, an indented first line, each block kind in each of its spellings. Each
unit passes the checks, no instructor-only word is in the HTML of any student edition, and every
one of them is in the instructor's guide. (150 examples a run; LEAK_EXAMPLES=2500 explores more.)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursepack.build import Options, build, load_and_check
from coursepack.errors import BuildError
from coursepack.markdown.sanitize import check_leaks
from coursepack.render.editions import EDITIONS
from coursepack.render.html import render_html
from coursepack.resolve.views import BuildFacts

from conftest import EPOCH, FIXTURES
from pdfutil import all_text, letters

STUDENT_EDITIONS = ("student", "handouts", "exercise-booklet", "reading-list")
SPELLINGS = ("::: {name}", "::: {{.{name}}}", ":::{{{name}}}", "::: {{.{name} #{ident}}}")
HIDDEN_KINDS = ("instructor", "guidelines", "debrief", "model-answer", "lecturer-guidelines", "instructor-note")
WORDS = ["pipeline", "evidence", "protocol", "consent", "harbour", "ledger", "witness", "border"]


class Secrets:
    """Distinct words that only instructor-only text contains."""

    def __init__(self) -> None:
        self.used: list[str] = []

    def new(self) -> str:
        word = "qzx" + "".join("abcdefghij"[int(d)] for d in str(len(self.used) + 1)) + "secret"
        self.used.append(word)
        return word


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line.strip() else prefix.rstrip() for line in text.split("\n"))


@st.composite
def hidden_content(draw: st.DrawFn, secrets: Secrets, depth: int = 0) -> str:
    """The body of an instructor-only block: some Markdown holding a secret word."""
    s = secrets.new()
    forms = [
        f"A note on {s} for the lecturer.",
        f"    code starting the block {s}\n    more code",  # an indented first line
        f"```bash\n$ echo {s}\n```",
        f"- first {draw(st.sampled_from(WORDS))}\n  - nested {s}\n- last",
        f"| Column | Other |\n|---|---|\n| {s} | x |\n\nTable: Caption {s}",
        f"> Quoted {s} words.",
        f"### Heading {s}\n\nText under it.",
        f"Term {s}\n: its definition",
        f"With a note[^n{len(secrets.used)}].\n\n[^n{len(secrets.used)}]: The note says {s}.",
        f'See [the source][r{len(secrets.used)}].\n\n[r{len(secrets.used)}]: https://example.org/{s} "{s}"',
        f"Inline note^[about {s}] here.",
        f"*{s}*{{lang=la}} and [span {s}]{{.smallcaps}}",
    ]
    body = draw(st.sampled_from(forms))
    if depth < 1 and draw(st.booleans()):
        body += "\n\n" + draw(hidden_block(secrets, depth + 1))
    if draw(st.booleans()):  # a box for everyone, inside: still instructor-only
        body += f"\n\n::: note\nInside the note {secrets.new()}.\n:::"
    return body


@st.composite
def hidden_block(draw: st.DrawFn, secrets: Secrets, depth: int = 0) -> str:
    kind = draw(st.sampled_from(HIDDEN_KINDS))
    opening = draw(st.sampled_from(SPELLINGS)).format(name=kind, ident=f"b{len(secrets.used)}x")
    colons = ":" * (3 + 2 * (1 - depth))  # the outer fence longer, as MyST nests (Pandoc does not need it)
    opening = colons + opening[3:]
    return f"{opening}\n{draw(hidden_content(secrets, depth))}\n{colons}"


@st.composite
def placed(draw: st.DrawFn, secrets: Secrets) -> str:
    """An instructor-only block somewhere a student-visible structure may hold it."""
    block = draw(hidden_block(secrets))
    where = draw(st.sampled_from(["top", "list", "quote", "callout", "exercise", "alert"]))
    if where == "list":
        return f"- A student item.\n\n{_indent(block, '  ')}\n\n- Another item."
    if where == "quote":
        return _indent(block, "> ")
    if where == "callout":
        return f"::::::::: key-concept Key idea\nVisible.\n\n{block}\n:::::::::"
    if where == "alert":
        return f"> [!TIP]\n> Visible tip.\n\n{block}"
    if where == "exercise":
        solution = f"::: solution\nThe answer is {secrets.new()}.\n:::"
        return f"::::::::: challenge\n## Try it\nDo the task.\n\n{block}\n\n{solution}\n:::::::::"
    return block


@st.composite
def units(draw: st.DrawFn) -> tuple[str, list[str]]:
    secrets = Secrets()
    parts = ["## A section\n\nStudent text about the " + draw(st.sampled_from(WORDS)) + "."]
    for _ in range(draw(st.integers(1, 4))):
        parts.append(draw(placed(secrets)))
        parts.append("Student text again.")
    return "\n\n".join(parts) + "\n", secrets.used


FRONT = "---\nid: generated\ntitle: A generated unit\n---\n\n"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The minimal fixture with one more unit, ``units/generated.md``, that each case writes."""
    root = tmp_path_factory.mktemp("leaks") / "minimal"
    shutil.copytree(FIXTURES / "minimal", root)
    meta = root / "course.yaml"
    meta.write_text(
        meta.read_text().replace("units: [first-unit, second-unit]", "units: [first-unit, second-unit, generated]")
    )
    return root


@settings(
    max_examples=int(os.environ.get("LEAK_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(units())
def test_no_instructor_word_reaches_a_student_edition(course: Path, case: tuple[str, list[str]]) -> None:
    body, secrets = case
    (course / "units" / "generated.md").write_text(FRONT + body)
    checked = load_and_check([course])  # (every case is valid Markdown: the checks pass)
    localized = checked.localized[("minimal", "en")]
    for name in STUDENT_EDITIONS:
        edition = EDITIONS[name]
        items = [None] if not edition.per_exercise else list(localized.exercise_order)
        for item in items:
            html = render_html(localized, "en", edition, {}, _facts(item), localized)
            leaked = [s for s in secrets if s in html]
            assert not leaked, (name, item, leaked, body)
    guide = render_html(localized, "en", EDITIONS["instructor"], {}, _facts(None), localized)
    assert [s for s in secrets if s not in guide] == [], body  # the generator did write instructor text


def _facts(item: str | None) -> BuildFacts:
    from coursepack.matrix import PAPERS, Variant

    return BuildFacts(page=PAPERS["a4"], variant=Variant(), created="2026-01-01T00:00:00", source_lang="en", item=item)


def test_no_instructor_word_reaches_a_student_pdf(course: Path, tmp_path: Path) -> None:
    """The same, read from the PDFs: one unit with hidden text in every position at once."""
    secrets = Secrets()
    blocks = []
    for form in range(12):
        for where in ("top", "list", "quote", "callout", "exercise"):
            blocks.append(_fixed(secrets, form, where))
    (course / "units" / "generated.md").write_text(FRONT + "\n\nStudent text.\n\n".join(blocks) + "\n")
    report = build([course], Options(tmp_path, jobs=2, epoch=EPOCH))
    assert not report.failures, report.failures
    folder = tmp_path / "minimal" / "en"
    for pdf in [folder / "student.pdf", folder / "exercise-booklet.pdf", *sorted((folder / "handouts").glob("*.pdf"))]:
        text = letters(all_text(pdf))
        assert not [s for s in secrets.used if s in text], pdf.name
    guide = letters(all_text(folder / "instructor.pdf"))
    assert [s for s in secrets.used if s not in guide] == []


def _fixed(secrets: Secrets, form: int, where: str) -> str:
    """One instructor block of content ``form`` placed ``where`` (the PDF test's deterministic cases)."""
    s = secrets.new()
    n = len(secrets.used)
    contents = [
        f"A note on {s} for the lecturer.",
        f"    code starting the block {s}",
        f"```bash\n$ echo {s}\n```",
        f"- first\n  - nested {s}",
        f"| Column | Other |\n|---|---|\n| {s} | x |",
        f"> Quoted {s} words.",
        f"### Heading {s}\n\nText.",
        f"Term {s}\n: its definition",
        f"With a note[^f{n}].\n\n[^f{n}]: The note says {s}.",
        f"See [the source][r{n}].\n\n[r{n}]: https://example.org/{s}",
        f"Inline note^[about {s}] here.",
        f"::: note\nA box {s}.\n:::",
    ]
    block = f"::::: instructor\n{contents[form]}\n:::::"
    if where == "list":
        return f"- Item.\n\n{_indent(block, '  ')}"
    if where == "quote":
        return _indent(block, "> ")
    if where == "callout":
        return f"::::::: note\nVisible.\n\n{block}\n:::::::"
    if where == "exercise":
        return (
            f"::::::: challenge\n## Try {n}\nDo it.\n\n{block}\n\n::: solution\nAnswer {secrets.new()}.\n:::\n:::::::"
        )
    return block


def test_the_last_check_stops_what_the_tree_would_never_print(course: Path) -> None:
    """The HTML of a student edition is searched for instructor text before it is typeset: text
    slipped into it is caught, naming its file and line; a quotation of the unit's own words is not."""
    sentence = "Digital evidence is fragile and it disappears quickly in practice."
    (course / "units" / "generated.md").write_text(
        FRONT + f"{sentence}\n\n::: instructor\n{sentence}\n\nAsk for a distinctive example now.\n:::\n"
    )
    localized = load_and_check([course]).localized[("minimal", "en")]
    html = render_html(localized, "en", EDITIONS["student"], {}, _facts(None), localized)
    audiences = EDITIONS["student"].audiences
    # the note's longest text is the unit's own sentence: not a leak (its last word is kept whole
    # from hyphenation, a token of its own)
    assert sentence.replace("practice", '<span class="nohyph">practice</span>') in html
    check_leaks(html, localized, audiences, "student", set())
    tampered = html.replace("</body>", "<p>Ask for a distinctive example now.</p></body>")
    with pytest.raises(BuildError, match=r"generated\.md:8: text the student must not show"):
        check_leaks(tampered, localized, audiences, "student", set())
