"""Glossary and back-of-book index (#19): term uses and index marks read from the Markdown, sorted
by each language's collation, checked at file:line with a "did you mean", never taken from text
an edition does not print; page lists written from where each mark fell, the same stitched and
typeset as one document, and after an incremental rebuild that moves pages."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from coursepack.build import Options, build, load_and_check, target_html
from coursepack.cli import main
from coursepack.engine.parts.split import fill_pages, format_pages
from coursepack.errors import ContentError
from coursepack.markdown.document import Body, Parsed
from coursepack.markdown.marks import Mark
from coursepack.markdown.parser import parse
from coursepack.markdown.render import Writer
from coursepack.markdown.words import Words
from coursepack.matrix import Variant, plan_targets
from coursepack.resolve import backmatter
from coursepack.resolve.targets import index_body

from conftest import EPOCH, FIXTURES
from pdfutil import page_texts

GLOSSARY = """\
- id: widget
  term: widget
  aliases: [widgets]
  definition: A small device, GLOSSWIDGET.
- id: gadget
  term: gadget
  definition: Another device, GLOSSGADGET.
"""


def _marks(text: str) -> list[Mark]:
    tokens, _ = parse(text, "en")
    out: list[Mark] = []
    for tok in tokens:
        out += tok.meta.get("marks", []) if tok.meta else []
        for child in tok.children or []:
            out += child.meta.get("marks", []) if child.meta else []
    return out


def test_the_forms_of_terms_and_index_marks() -> None:
    marks = _marks(
        'A {term}`widget`, {term}`gizmos <widget>`, [widgets]{.term}, [them]{term="gadget"}, '
        '{index}`alpha`, {index}`one <beta; sub>`, [gamma]{.index}, [x]{index="delta!of things"}.\n\n'
        ":::{index} seealso: alpha; beta\n:::\n\n:::{index}\nsee: epsilon; alpha\nzeta; eta\n:::\n"
    )
    assert [(m.kind, m.levels, m.refs) for m in marks] == [
        ("term", ("widget",), ()),
        ("term", ("widget",), ()),
        ("term", ("widgets",), ()),
        ("term", ("gadget",), ()),
        ("single", ("alpha",), ()),
        ("single", ("beta", "sub"), ()),
        ("single", ("gamma",), ()),
        ("single", ("delta", "of things"), ()),
        ("seealso", ("alpha",), ("beta",)),
        ("see", ("epsilon",), ("alpha",)),
        ("single", ("zeta", "eta"), ()),
    ]


def test_a_role_prints_its_text_and_the_directive_nothing() -> None:
    body = Body.whole(
        Parsed(
            Path("doc.md"), "See {term}`gizmos <widget>` and {index}`alpha`.\n\n:::{index} beta\n:::\n", 1, "en", "doc"
        )
    )
    words = Words(lambda s: s, "en")
    writer = Writer(index_body(body), frozenset({"student"}), words, words, lambda t: True)
    html = str(writer.body(body))
    assert '<span class="term" id="cp-ix-1">gizmos</span>' in html
    assert '<span id="cp-ix-2">alpha</span>' in html
    assert '<div class="index-anchor" id="cp-ix-3"></div>' in html
    assert [a for a, _ in writer.marks] == ["cp-ix-1", "cp-ix-2", "cp-ix-3"]


def test_pages_once_each_consecutive_ones_merged() -> None:
    assert format_pages([9, 3, 4, 4, 5, 7, 10, 12]) == "3\u20135, 7, 9\u201310, 12"
    assert format_pages([]) == ""
    assert format_pages([1, 3], "\u060c ") == "1\u060c 3"
    html = '<p>x<span class="cp-pages" data-anchors="a b c" data-sep=", " data-range="–"></span></p>'
    assert fill_pages(html, {"a": 4, "b": 5, "c": 4}).endswith(">4–5</span></p>")


@pytest.mark.parametrize(
    ("lang", "words", "expected", "heads"),
    [
        ("fr", ["zèbre", "être", "Europe", "état", "eau", "côte", "cote"], ["cote", "côte", "eau", "état", "être", "Europe", "zèbre"], "CCEEEEZ"),
        ("ru", ["эксплуатация", "ёмкость", "жертва", "Европа", "агент"], ["агент", "Европа", "ёмкость", "жертва", "эксплуатация"], "АЕЕЖЭ"),
        # the article set aside; hamza forms under alif; the conventional order (ا ب ت ث ج ح خ د ...)
        ("ar", ["ضحية", "الاتجار بالأشخاص", "تهريب المهاجرين", "أمن", "الجريمة السيبرانية", "بصمة"],
         ["الاتجار بالأشخاص", "أمن", "بصمة", "تهريب المهاجرين", "الجريمة السيبرانية", "ضحية"], "اابتجض"),
        # by pinyin: bō, fàn, tóng, tōu, wǎng
        ("zh", ["网络犯罪", "贩运人口", "偷运移民", "剥削", "同意"], ["剥削", "贩运人口", "同意", "偷运移民", "网络犯罪"], "BFTTW"),
    ],
)  # fmt: skip
def test_collation_of_each_language(lang: str, words: list[str], expected: list[str], heads: str) -> None:
    got = sorted(words, key=lambda w: backmatter.sort_key(w, lang))
    assert got == expected
    assert "".join(backmatter.letter(w, lang) for w in got) == heads


def _course(tmp_path: Path, text: str, instructor: str = "") -> Path:
    root = tmp_path / "minimal"
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(FIXTURES / "minimal", root)
    (root / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    unit = root / "units" / "first-unit.md"
    extra = f"\n::: instructor Teaching note\n{instructor}\n:::\n" if instructor else ""
    unit.write_text(unit.read_text(encoding="utf-8") + "\n" + text + "\n" + extra, encoding="utf-8")
    return root


def _html(root: Path, edition: str = "student") -> str:
    checked = load_and_check([root])
    targets = plan_targets(checked.localized, root.parent / "out", ["en"], [edition], variants=[Variant()])
    target = next(t for t in targets if t.edition.name == edition and t.item is None)
    return target_html(target, checked, EPOCH, {} if target.edition.needs else None)


def _line_of(root: Path, needle: str) -> int:
    lines = (root / "units" / "first-unit.md").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_an_undefined_term_and_a_bad_see_also_are_errors_at_their_line(tmp_path: Path) -> None:
    root = _course(
        tmp_path,
        "Uses a {term}`widgte` here.\n\nAnd {index}`alpha entry`.\n\n:::{index} seealso: alpha entry; alhpa entri\n:::\n",
    )
    with pytest.raises(ContentError) as err:
        load_and_check([root])
    text = str(err.value)
    term_line, see_line = _line_of(root, "widgte"), _line_of(root, "alhpa")
    assert f"first-unit.md:{term_line}:8: glossary term 'widgte' is not defined: did you mean 'widget'?" in text
    assert (
        f"first-unit.md:{see_line}:1: index 'see also: alhpa entri' names no index entry: did you mean 'alpha entry'?"
        in text
    )
    result = CliRunner().invoke(main, ["check", str(root)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "glossary term 'widgte'" in result.output


def test_glossary_and_index_keep_to_their_audience(tmp_path: Path) -> None:
    root = _course(
        tmp_path,
        "Public {term}`widget` and {index}`OPENWORD <open entry>`.",
        instructor="Secret {term}`gadget` and {index}`SECRETWORD <secret entry>`.",
    )
    student = _html(root)
    assert "open entry" in student and "secret entry" not in student and "SECRETWORD" not in student
    gadget = re.search(r'id="glossary-gadget">(.*?)</div>', student, re.S)
    assert gadget and "cp-pages" not in gadget.group(1), "a term used only in instructor text has no page"
    guide = _html(root, "instructor")
    assert "secret entry" in guide and "open entry" not in guide  # (the guide prints the notes, not the unit)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["student", "instructor", "answer"]), st.integers(0, 9)), min_size=1, max_size=8)
)
def test_no_instructor_mark_reaches_the_student_index(marks: list[tuple[str, int]]) -> None:
    """Marks in random audiences' blocks: the student edition lists exactly those outside them."""
    chunks = []
    for who, n in marks:
        text = f"Text {{index}}`W{n} <entry {n}>` and {{term}}`w{n} <term {n}>`."
        chunks.append(
            text if who == "student" else f"::: {'instructor' if who == 'instructor' else 'solution'}\n{text}\n:::"
        )
    body = Body.whole(Parsed(Path("doc.md"), "\n\n".join(chunks) + "\n", 1, "en", "doc"))
    words = Words(lambda s: s, "en")
    writer = Writer(index_body(body), frozenset({"student"}), words, words, lambda t: True)
    writer.body(body)
    listed = {e.text for g in backmatter.book_index(writer.marks, "en") for e in g.entries}
    assert listed == {f"entry {n}" for who, n in marks if who == "student"}
    assert {m.term for _, m in writer.marks if m.kind == "term"} == {
        f"term {n}" for who, n in marks if who == "student"
    }


# -- the PDFs (slow) -----------------------------------------------------------------------------

FILLER = (
    "Fixtures are typeset again and again by the test suite, so that every part of the pack is measured "
    "and every number it prints is checked against the pages where the text really fell. "
)


def _long_course(tmp_path: Path) -> Path:
    """The minimal course with long units (each its own part) and marks: one word (QA) marked twice
    in one paragraph, one (QB) in twenty paragraphs in a row (a range), one in each unit (QC)."""
    root = _course(tmp_path, "")
    first = root / "units" / "first-unit.md"
    paras = []
    for i in range(90):
        p = FILLER * 3
        if i == 5:
            p += "Here {index}`QAWORD <alpha entry>` and again {index}`QAWORD <alpha entry>`, {term}`widget`."
        if 30 <= i < 50:
            p += "Marked {index}`QBWORD <beta entry; of ranges>`."
        if i == 70:
            p += "Last {index}`QCWORD <gamma entry>`, {term}`widgets`."
        paras.append(p)
    text = (
        first.read_text(encoding="utf-8")
        + "\n## Long\n\n"
        + "\n\n".join(paras)
        + "\n\n:::{index} seealso: gamma entry; alpha entry\n:::\n"
    )
    first.write_text(text, encoding="utf-8")
    second = root / "units" / "second-unit.md"
    more = "\n\n".join(FILLER * 3 for _ in range(40))
    second.write_text(
        second.read_text(encoding="utf-8")
        + "\n## More\n\n"
        + more
        + "\n\nEnd {index}`QCWORD <gamma entry>`, {term}`widget`.\n",
        encoding="utf-8",
    )
    return root


def _build(course: Path, out: Path, **kw: object) -> Path:
    report = build([course], Options(out, editions=["student"], jobs=2, epoch=EPOCH, **kw))  # type: ignore[arg-type]
    assert not report.failures, report.failures
    return out / "minimal" / "en" / "student.pdf"


def _pages_with(texts: list[str], word: str, skip: int) -> list[int]:
    return [n for n, t in enumerate(texts[:skip], 1) if word in t]


def _check_numbers(pdf: Path) -> str:
    """The index's and glossary's numbers are the pages where each mark's text is printed."""
    texts = page_texts(pdf)
    back = next(n for n, t in enumerate(texts) if "Glossary" in t.split("\n")[0:3] or t.startswith("Glossary"))
    index_text = " ".join(" ".join(t.split()) for t in texts[back:])
    expect = {
        "alpha entry": format_pages(_pages_with(texts, "QAWORD", back)),
        "of ranges": format_pages(_pages_with(texts, "QBWORD", back)),
        "gamma entry": format_pages(_pages_with(texts, "QCWORD", back)),
    }
    assert "\u2013" in expect["of ranges"], "the marks in a row span pages: a range"
    assert len(_pages_with(texts, "QAWORD", back)) == 1
    for entry, pages in expect.items():
        assert f"{entry}, {pages}" in index_text, (entry, pages, index_text)
    assert "gamma entry" in index_text and "see also alpha entry" in index_text
    widget = format_pages(_pages_with(texts, "widget", back))
    assert re.search(rf"GLOSSWIDGET\.?\s*{re.escape(widget)}", index_text), (widget, index_text)
    return index_text[index_text.index("Index") :]


def test_index_pages_right_stitched_single_and_after_an_edit(tmp_path: Path) -> None:
    course = _long_course(tmp_path)
    out = tmp_path / "out"
    stitched = _build(course, out)
    first = _check_numbers(stitched)
    single = _build(course, tmp_path / "single", single=True)
    assert _check_numbers(single) == first, "--single prints the same index"
    # an edit that moves pages: the rebuild (layouts and parts from the cache) prints the new pages
    unit = course / "units" / "first-unit.md"
    text = unit.read_text(encoding="utf-8")
    unit.write_text(
        text.replace("## Long\n\n", "## Long\n\n" + "\n\n".join([FILLER * 3] * 25) + "\n\n", 1), encoding="utf-8"
    )
    moved = _check_numbers(_build(course, out))
    assert moved != first, "the edit moved the marks' pages"
