"""Mathematics: ``$...$``, ``$$...$$``, ``\\(...\\)`` and ``\\[...\\]`` typeset as vector drawings
(ziamath: no TeX, its bundled STIX Two Math), numbered and cross-referenced with pages, tagged
with their TeX source, left to right in Arabic, and a bad or hostile formula an error at its line.

The tests that typeset PDFs are in ``conftest.SLOW_TESTS``."""

from __future__ import annotations

import builtins
import io
import re
import shutil
import time
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursepack.build import Options, build
from coursepack.cli import main
from coursepack.errors import BuildError
from coursepack.markdown import maths
from coursepack.markdown.check import Found, check_markdown
from coursepack.markdown.document import Parsed
from coursepack.markdown.parser import parse
from coursepack.markdown.render import render_text
from tests.conftest import EPOCH, FIXTURES
from tests.pdfutil import destinations, page_texts, squash

APPARATUS = FIXTURES / "apparatus"
GROWTH = r"N(t) = N_0 \, e^{r t}"


# -- reading ----------------------------------------------------------------------------------


def test_every_delimiter_is_read_as_maths() -> None:
    tokens, _ = parse("a $x^2$ b \\(y_1\\) c \\[1\\] d\n\n\\[\nE = mc^2\n\\] {#eq-e}\n\n$$ a+b $$ {#eq-f}\n", "en")
    inline = [(c.type, c.content) for c in tokens[1].children or [] if c.type.startswith("math")]
    assert inline == [("math_inline", "x^2"), ("math_inline", "y_1")]
    assert "[1]" in tokens[1].content.replace("\\", "")  # (an escaped bracket in text is no formula)
    blocks = [(t.type, t.content, t.meta.get("attrs").id) for t in tokens if t.type == "math_block"]
    assert blocks == [("math_block", "E = mc^2", "eq-e"), ("math_block", "a+b", "eq-f")]


# -- drawing ------------------------------------------------------------------------------------


def test_a_formula_is_vector_paths_with_its_source_as_title_sized_in_em() -> None:
    drawn = maths.typeset(r"\frac{a}{b} + x^2")
    assert drawn.svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" viewBox=')
    assert "<path " in drawn.svg and "<text" not in drawn.svg and "<use" not in drawn.svg
    assert r"<title>\frac{a}{b} + x^2</title>" in drawn.svg
    style = re.search(r'style="width: ([\d.]+)em; height: ([\d.]+)em; vertical-align: (-[\d.]+)em"', drawn.svg)
    assert style is not None, drawn.svg
    width, height, lowered = (float(v) for v in style.groups())
    assert 2 < width < 5 and 1 < height < 2.5 and -0.8 < lowered < -0.2  # a fraction reaches below the baseline
    assert maths.typeset("x").depth < 0.2  # (an x sits on it)
    assert maths.typeset(r"\frac{a}{b} + x^2") is drawn  # drawn once per process


def test_display_style_is_larger_than_text_style() -> None:
    assert maths.typeset(r"\sum_{k=0}^n k", display=True).height > maths.typeset(r"\sum_{k=0}^n k").height


@pytest.mark.parametrize(
    ("tex", "message"),
    [
        (r"\frac{a", "'{' is never closed: add its '}'"),
        (r"a}", "'}' closes no '{'"),
        (r"\alpah", "unknown command '\\alpah': did you mean '\\alpha'?"),
        (r"\ce{H2O}", "unknown command '\\ce': chemistry (mhchem) is not read"),
        (r"x^", "cannot be typeset: '^' or '_' has nothing after it"),
        (r"\left( x", "cannot be typeset: '\\left' without its '\\right'"),
        (r"\def\a{x}\a", "'\\def' is not read in formulas (no macro definitions)"),
        (r"\input{/etc/passwd}", "'\\input' is not read in formulas (no files)"),
        (r"\href{file:///etc/passwd}{x}", "'\\href' is not read in formulas (no links)"),
        (r"\color{url(#x)} x", "'\\color' takes a colour name or '#rrggbb'"),
        ("   ", "empty formula"),
        ("x+" * 1200, "at most 2000"),
        ("{" * 30 + "x" + "}" * 30, "braces nested more than"),
        (r"\frac{" * 14 + "a" + "}{b}" * 14, "too deeply nested to typeset in reasonable time"),
    ],
)
def test_a_bad_or_hostile_formula_is_refused_with_a_reason(tex: str, message: str) -> None:
    start = time.monotonic()
    problem = maths.problem(tex)
    assert problem is not None and message in problem.message, problem
    assert time.monotonic() - start < 2
    with pytest.raises(maths.FormulaError):
        maths.typeset(tex)


def test_the_deepest_formula_allowed_is_drawn_in_about_a_second() -> None:
    """The work estimate bounds ziamath's layouts, which double with every level of nesting."""
    for tex in ("{" * 13 + "x" + "}" * 13, r"\sqrt{" * 11 + "a" + "}" * 11, "a+" * 990 + "a"):
        start = time.monotonic()
        maths.problem(tex)
        assert time.monotonic() - start < 3, tex


def test_drawing_a_formula_reads_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    maths.typeset("x")  # (ziamath's font is read when it is first imported)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a formula opened {args[:1]}")

    monkeypatch.setattr(builtins, "open", refuse)
    monkeypatch.setattr(io, "open", refuse)
    monkeypatch.setattr(Path, "open", refuse)
    for tex in (r"\text{/etc/passwd}", r"\mathrm{file:///etc/passwd}", r"\unicode{x41} \operatorname{cat}", "\\ä"):
        maths.problem(tex)


PIECES = [
    *"\\{}^_&$#%~ax1 ()[]|/'\n",
    "\\frac", "\\left", "\\right", "\\begin{matrix}", "\\end{matrix}", "\\sqrt", "\\\\", "\\text{", "\\over", "ب",
]  # fmt: skip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(PIECES), max_size=24).map("".join), st.text(max_size=30)))
def test_any_text_between_dollars_is_a_formula_or_an_error_never_a_crash(tex: str) -> None:
    """The checker reports, the writer writes or says why: no exception escapes either."""
    text = f"Before ${tex}$ after, and\n\n$$\n{tex}\n$$\n"
    parsed = Parsed(Path("units/u.md"), text, 1, "en", "u")
    found = Found()
    from coursepack.errors import Diagnostics

    diags = Diagnostics()
    check_markdown(parsed, Path("."), False, found, diags, part="unit")
    try:
        render_text(text)
    except BuildError as exc:
        assert "formula '" in str(exc)


# -- HTML ---------------------------------------------------------------------------------------


def test_a_numbered_equation_is_centred_with_its_number_and_cited_by_its_label() -> None:
    html = render_text(f"$$\n{GROWTH}\n$$ {{#eq-growth}}\n\nBy @eq-growth and [](#eq-growth), $a$.\n")
    assert '<div class="math display" dir="ltr" id="eq-growth">' in html, html
    assert '<span class="eq-num">(1)</span></div>' in html
    assert '<a class="xref" href="#eq-growth">Equation&nbsp;1</a>' in html
    assert '<span class="math" dir="ltr"><svg ' in html


def test_a_formula_the_checks_did_not_see_stops_the_writer_at_its_line() -> None:
    with pytest.raises(BuildError, match=r"doc\.md:3: formula '\\frac\{a': '\{' is never closed"):
        render_text("Text.\n\nMore $\\frac{a$ text.\n")


# -- the checks and the command line ------------------------------------------------------------


def test_a_bad_formula_is_an_error_at_its_file_line_and_column(tmp_path: Path) -> None:
    course = tmp_path / "apparatus"
    shutil.copytree(APPARATUS, course)
    unit = course / "units" / "decay.md"
    lines = unit.read_text().count("\n")
    unit.write_text(unit.read_text() + "\nThen $\\frac{a$ and $\\alpah$.\n\n$$\n\\left( x\n$$\n")
    for command in (["check", str(course)], ["build", str(course), "-o", str(tmp_path / "out")]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), result.output
        out = result.output.replace(str(course) + "/", "")
        assert f"units/decay.md:{lines + 2}:12: formula '\\frac{{a': '{{' is never closed: add its '}}'" in out, out
        assert f"units/decay.md:{lines + 2}:21: formula '\\alpah': unknown command '\\alpah'" in out, out
        assert f"units/decay.md:{lines + 4}:1: formula '\\left( x': cannot be typeset: '\\left' without" in out, out
    assert not (tmp_path / "out" / "apparatus").exists()


def test_good_maths_is_no_longer_a_warning() -> None:
    result = CliRunner().invoke(main, ["check", "--strict", str(APPARATUS)])
    assert result.exit_code == 0, result.output
    assert "maths" not in result.output and "formula" not in result.output


# -- PDFs (slow) --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apparatus_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("apparatus-out")
    report = build([APPARATUS], Options(out, editions=["student"], jobs=1, strict=True, epoch=EPOCH))
    assert not report.failures, report.failures
    return out / "apparatus" / "en" / "student.pdf"


def _structure(pdf: pikepdf.Pdf) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)
        elif isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.append((str(node.S), str(node.get("/Alt", ""))))
            if "/K" in node:
                walk(node.K)

    walk(pdf.Root.StructTreeRoot)
    return found


def test_formulas_are_drawn_as_paths_not_text(apparatus_pdf: Path) -> None:
    pages = page_texts(apparatus_pdf)
    growth = next(k for k, text in enumerate(pages) if "Exponential growth" in text)
    text = squash(pages[growth])
    assert "A quantity that grows at a constant rate per unit of time , starting from , reaches" in text, text
    assert "N_0" not in text and "frac" not in text and "(1)" in text
    with pikepdf.open(apparatus_pdf) as pdf:
        ops = [str(op) for _operands, op in pikepdf.parse_content_stream(pdf.pages[growth])]
        forms = [
            str(op)
            for xobject in pdf.pages[growth].Resources.get("/XObject", {}).values()
            if xobject.get("/Subtype") == "/Form"
            for _operands, op in pikepdf.parse_content_stream(xobject)
        ]
    curves = sum(op in ("c", "v", "y", "l") for op in ops + forms)
    assert curves > 300, curves  # every glyph of the seven formulas an outline


def test_each_formula_is_tagged_with_its_tex_source_as_alternative_text(apparatus_pdf: Path) -> None:
    with pikepdf.open(apparatus_pdf) as pdf:
        alts = [alt for tag, alt in _structure(pdf) if tag in ("/Formula", "/Figure")]
    assert GROWTH in alts and "N_0" in alts and r"x = \frac{-b \pm \sqrt{b^2 - 4ac}}{2a}" in alts, alts
    assert r"\sum_{k=0}^{\infty} \frac{x^k}{k!} = e^x" in alts
    from pdfua import Confidence, Severity, validate

    report = validate(str(apparatus_pdf))  # (a formula is a Figure with its /Alt and /BBox)
    certain = [f for f in report.findings if f.confidence == Confidence.CERTAIN and f.severity >= Severity.WARNING]
    assert not certain, [(f.rule_id, f.message) for f in certain]


def test_a_cross_reference_from_another_unit_names_the_equation_and_its_page(apparatus_pdf: Path) -> None:
    page = destinations(apparatus_pdf)["eq-growth"]
    pages = page_texts(apparatus_pdf)
    assert "(1)" in pages[page - 1]
    decay = squash(next(text for text in pages if "Exponential decay" in text))
    assert f"Equation 1, p. {page} describes decay" in decay, decay


ARABIC = f"## النمو\n\nوزمن تضاعفها $t_2 = x + 1$ تقريباً.\n\n$$\n{GROWTH}\n$$ {{#eq-growth}}\n"


def test_maths_reads_left_to_right_in_arabic(tmp_path: Path) -> None:
    course = tmp_path / "apparatus"
    shutil.copytree(APPARATUS, course)
    yaml = (course / "course.yaml").read_text().replace("language: en", "language: ar")
    (course / "course.yaml").write_text(yaml)
    unit = course / "units" / "growth.md"
    unit.write_text(unit.read_text().split("## Exponential growth")[0] + ARABIC)
    report = build([course], Options(tmp_path / "out", editions=["student"], jobs=1, epoch=EPOCH))
    assert not report.failures, report.failures
    pdf_path = tmp_path / "out" / "apparatus" / "ar" / "student.pdf"
    import pdfplumber
    import pypdfium2 as pdfium

    index = next(k for k, text in enumerate(page_texts(pdf_path)) if "تضاعفها" in text)
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        text = document[index].get_textpage()

        def span(word: str) -> tuple[float, float]:
            found = text.search(word).get_next()
            assert found is not None, word
            boxes = [text.get_charbox(found[0] + k) for k in range(found[1])]
            return min(b[0] for b in boxes), max(b[2] for b in boxes)

        (before_left, _), (_, after_right) = span("تضاعفها"), span("تقريب")
    finally:
        document.close()
    # right to left: the word after the formula is at its left, and the formula between them
    assert after_right < before_left
    with pdfplumber.open(str(pdf_path)) as pdf:
        page = pdf.pages[index]
        between = [c for c in page.curves if after_right - 1 <= c["x0"] and c["x1"] <= before_left + 1]
        assert len(between) >= 5, between  # t, 2, =, x, +, 1: outlines
    with pikepdf.open(pdf_path) as pdf:
        assert "t_2 = x + 1" in [alt for _tag, alt in _structure(pdf)]
