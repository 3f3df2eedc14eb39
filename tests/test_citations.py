"""Pandoc's citations (#19, first slice): ``[@key]`` and its forms read into ``cite`` tokens by
our inline rules, printed author–date from the readings, each work linked to its entry in the
reading list; addresses, Quarto's cross-references, code and ``\\@`` untouched; an unknown key
in brackets is an error at its place with a "did you mean"."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coursepack.build import load_and_check, target_html
from coursepack.errors import ContentError
from coursepack.i18n import catalog
from coursepack.markdown.document import Body, Parsed
from coursepack.markdown.parser import parse
from coursepack.markdown.render import Writer, render_text
from coursepack.markdown.words import Words
from coursepack.matrix import Variant, plan_targets
from coursepack.resolve.targets import Index, Target

from conftest import EPOCH, FIXTURES

NB = "\u00a0"
D = '<a class="xref" href="#doe">'
DOE = '<a class="xref" href="#doe-2020">'
BODY = '<a class="xref" href="#body-2019">'
CASES = [
    ("[@doe-2020]", f"({DOE}Doe 2020</a>)"),
    ("[@doe-2020, p. 12]", f"({DOE}Doe 2020</a>, p.{NB}12)"),
    ("[@doe-2020 p. 12]", f"({DOE}Doe 2020</a>, p.{NB}12)"),
    ("[@doe-2020, 33]", f"({DOE}Doe 2020</a>, p.{NB}33)"),  # (a bare number is a page, as in Pandoc)
    ("[see @doe-2020, pp. 3-5; @body-2019]", f"(see {DOE}Doe 2020</a>, pp.{NB}3\u20135; {BODY}Example Body 2019</a>)"),
    ("[@doe-2020, chap. 3]", f"({DOE}Doe 2020</a>, chap. 3)"),  # (other labels: as written, for now)
    ("[@doe-2020, p. 4, and passim]", f"({DOE}Doe 2020</a>, p.{NB}4, and passim)"),
    ("[-@doe-2020]", f"({DOE}2020</a>)"),
    ("[-@doe-2020, p. 7]", f"({DOE}2020</a>, p.{NB}7)"),
    ("@doe-2020 says so", f"{DOE}Doe</a> (2020) says so"),
    ("@doe-2020 [p. 12] says so", f"{DOE}Doe</a> (2020, p.{NB}12) says so"),
    ("@{doe-2020} says so", f"{DOE}Doe</a> (2020) says so"),
    ("As @doe-2020.", f"As {DOE}Doe</a> (2020)."),  # (a full stop ends the key)
]
UNTOUCHED = [
    ("Mail me@example.org today", '<a href="mailto:me@example.org">me@example.org</a> today'),
    ("Code `[@doe-2020]` here", "<code"),  # (checked below: the code holds the text as written)
    ("Escaped \\@doe-2020 here", "Escaped @doe-2020 here"),
    ("Follow @someone here", "Follow @someone here"),  # (no reading: printed as written, no error)
    ("See [@doe-2020](https://example.org) here", '<a href="https://example.org">@doe-2020</a>'),
    (
        "See [@doe-2020]{.smallcaps} here",
        f'<span class="smallcaps">{DOE}Doe</a> (2020)</span>',
    ),  # (a span, as in Pandoc)
]


def _course(tmp_path: Path, text: str, instructor: str = "") -> Path:
    root = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "minimal", root)
    unit = root / "units" / "first-unit.md"
    extra = f"\n::: instructor Cited\n{instructor}\n:::\n" if instructor else ""
    unit.write_text(unit.read_text(encoding="utf-8") + "\n" + text + "\n" + extra, encoding="utf-8")
    return root


def _html(root: Path, edition: str = "student", tmp: Path | None = None) -> str:
    checked = load_and_check([root])
    targets = plan_targets(checked.localized, tmp or root.parent / "out", ["en"], [edition], variants=[Variant()])
    target = next(t for t in targets if t.edition.name == edition and t.item is None)
    return target_html(target, checked, EPOCH, {} if target.edition.needs else None)


def _paragraph(html: str, n: int) -> str:
    """The HTML after ``CASE{n}: `` (no-break spaces as characters, words kept whole as words)."""
    m = re.search(rf"CASE{n}: (.*?)</p>", re.sub(r'<span class="nohyph">(.*?)</span>', r"\1", html), re.S)
    assert m, f"CASE{n} not found"
    return m.group(1).replace("&nbsp;", NB)


def test_each_form_prints_author_date_linked_to_the_reading_list(tmp_path: Path) -> None:
    text = "\n\n".join(f"CASE{n}: {source}" for n, (source, _) in enumerate([*CASES, *UNTOUCHED]))
    html = _html(_course(tmp_path, text))
    for n, (source, expected) in enumerate([*CASES, *UNTOUCHED]):
        got = _paragraph(html, n)
        assert expected in got, (source, got)
    code = _paragraph(html, len(CASES) + 1)
    assert "[@doe-2020]</code>" in code and "xref" not in code
    assert '<li id="doe-2020"' in html  # (the entry the links lead to)


def test_citations_keep_to_their_audience(tmp_path: Path) -> None:
    root = _course(tmp_path, "CASE0: public [@body-2019]", instructor="CASE1: SECRET-CITE [-@doe-2020, p. 9]")
    student = _html(root)
    assert f"({BODY}Example Body 2019</a>)" in _paragraph(student, 0)
    assert "SECRET-CITE" not in student and "CASE1" not in student
    guide = _html(root, "instructor", tmp_path / "guide")
    assert f"SECRET-CITE ({DOE}2020</a>, p.{NB}9)" in _paragraph(guide, 1)


def test_an_unknown_key_in_brackets_is_an_error_at_its_place(tmp_path: Path) -> None:
    root = _course(tmp_path, "Some text.\n\nAs shown [see @doe-2021, p. 3].\n\nAnd @doe-2012 said. Follow @nobody.")
    with pytest.raises(ContentError) as err:
        load_and_check([root])
    lines = (root / "units" / "first-unit.md").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "doe-2021" in text)
    messages = [str(d) for d in err.value.diagnostics]
    assert any(
        m.endswith(f"first-unit.md:{line}:10: citation '@doe-2021': no reading has that id: did you mean '@doe-2020'?")
        for m in messages
    ), messages
    # a narrative @word prints as written: said only when it looks like a reading's id mistyped
    assert any(f":{line + 2}:5: warning: '@doe-2012' is printed as written" in m for m in messages), messages
    assert not any("nobody" in m for m in messages), messages


def test_a_key_that_names_a_figure_says_how_to_link_to_it(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as err:
        load_and_check([_course(tmp_path, "See [@why-small].")])
    assert any("'why-small' is not a reading: link to it with [](#why-small)" in str(d) for d in err.value.diagnostics)


def test_quarto_cross_references_are_not_citations() -> None:
    html = render_text("![A pipe](pipe.svg){#fig-pipe}\n\nSee @fig-pipe, [-@fig-pipe] and [see @fig-pipe].\n")
    assert (
        'See <a class="xref" href="#fig-pipe">Figure&nbsp;1</a>' in html
        and '<a class="xref" href="#fig-pipe">1</a>' in html
    )
    assert '[see <a class="xref" href="#fig-pipe">Figure&nbsp;1</a>' in html, html


def _writer(lang: str) -> tuple[Writer, Body]:
    index = Index(targets={"doe": Target("doe", "reading", place="readings")})
    words = Words(catalog(lang).gettext, lang)
    writer = Writer(
        index, frozenset({"student"}), words, words, lambda t: True, reading_cite=lambda r, a: ("Doe", "2020")
    )
    return writer, Body.whole(Parsed(Path("u.md"), "[voir @doe, pp. 3-5; -@doe, p. 2]\n", 1, lang, "u"))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", f"(voir {D}Doe 2020</a>, p.{NB}3\u20135\u202f; {D}2020</a>, p.{NB}2)"),
        ("zh", f"\uff08voir {D}Doe 2020</a>\uff0c\u7b2c3\u20135\u9875\uff1b{D}2020</a>\uff0c\u7b2c2\u9875\uff09"),
        ("ar", f"(voir {D}Doe 2020</a>\u060c \u0635{NB}3\u20135\u061b {D}2020</a>\u060c \u0635{NB}2)"),
    ],
)
def test_punctuation_and_page_words_are_the_language_s(lang: str, expected: str) -> None:
    writer, body = _writer(lang)
    html = str(writer.body(body)).replace("&nbsp;", NB)
    assert expected in html, html


PIECES = [*"ab1 .,;-_:/[]{}()@\\`*^!#\n", "p. ", "@a", "[-@", "[see @k, p. 3", "](x)", "@{k}"]
TEXT = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_reading_citations_never_raises_and_needs_an_at(text: str) -> None:
    tokens, _env = parse(text, "en")
    cites = [c for t in tokens if t.children for c in t.children if c.type == "cite"]
    if "@" not in text:
        assert not cites
    for cite in cites:
        assert "@" in cite.content and cite.meta["cite"].items


def test_a_bibtex_key_as_written_cites_its_reading(tmp_path: Path) -> None:
    root = _course(tmp_path, "CASE0: [@Gallagher2010, p. 42] and @Gallagher2010 [pp. 1-2].")
    (root / "readings" / "extra.bib").write_text(
        "@book{Gallagher2010,\n  author = {Gallagher, Anne T.},\n  title = {The International Law of Human Trafficking},\n"
        "  publisher = {Cambridge University Press},\n  year = {2010}\n}\n",
        encoding="utf-8",
    )
    got = _paragraph(_html(root), 0)
    assert "Gallagher 2010</a>, p.\u00a042)" in got and "Gallagher</a> (2010, pp.\u00a01\u20132)" in got, got
    assert 'href="#gallagher2010"' in got, got
