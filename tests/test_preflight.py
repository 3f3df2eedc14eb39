"""Preflight finds each class of problem a print shop or a copy editor would stop for, on
small documents made to have it, at its page and (where the build knows it) its source line;
and finds nothing in a clean document. Small pages (120 mm, ten 10 mm lines of text) put each
defect exactly where a test wants it."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from coursepack.cli import main
from coursepack.engine.typeset import TypesetResult, typeset
from coursepack.print.preflight import Finding, Profile, Scope, check_pdf, layout
from coursepack.render.theme import default_theme_dir

from conftest import ROOT
from pdfutil import page_texts

SMALL = """<style>
@page { size: 120mm 120mm !important; margin: 10mm !important; }
body { font-size: 4mm !important; }
p, h1, h2, li, caption, th, td { line-height: 10mm !important; margin: 0 !important; padding: 0 !important;
  orphans: 1 !important; widows: 1 !important; border: none !important; }
h1, h2, caption { break-after: auto !important; font-size: 5mm !important; }
tr { break-inside: avoid; }
</style>"""


def lines(n: int, words: str = "some words on a line") -> str:
    """``n`` lines of text, exactly (one line each, on these small pages)."""
    return "<br>".join([words] * n)


def pack(body: str, tmp_path: Path) -> TypesetResult:
    html = f'<!DOCTYPE html><html lang="en"><head><title>T</title></head><body>{SMALL}{body}</body></html>'
    theme = default_theme_dir()
    return typeset(html, tmp_path, [theme / "style.css"], [tmp_path, theme], 0)


def engine(result: TypesetResult) -> list[Finding]:
    """The build-time (layout) findings of a typeset document, on its pages."""
    found = [layout.untag(w, result.anchors) for w in result.warnings]
    return sorted(f for f in found if f is not None)


def codes(findings: list[Finding]) -> list[tuple[str, int | None, str | None]]:
    return [(f.code, f.page, f.source) for f in findings]


def test_a_clean_document_has_no_finding(tmp_path: Path) -> None:
    result = pack(
        '<section id="s"><h1 data-src="u.md:1">Clean</h1>'
        f'<p data-src="u.md:3">{lines(6)}</p><h2 data-src="u.md:5">Next</h2><p data-src="u.md:7">{lines(2)}</p>'
        '</section><section id="t" style="break-before: page"><h1 data-src="v.md:1">Short</h1>'
        f'<p data-src="v.md:3">{lines(3)}</p></section>',
        tmp_path,
    )
    assert result.pages == 2
    assert engine(result) == []
    assert check_pdf(result.pdf, Scope(Profile.PRINT_SHOP_CMYK, accessibility=True)) == [
        # WeasyPrint paints in RGB and writes no trim box: all a CMYK print shop would object to
        Finding(1, "page-boxes", *_error("no trim box inside the media box: a print shop cannot tell where to cut")),
        Finding(
            1, "rgb-colour", *_error("text or drawing in RGB on 2 page(s) (first p. 1): the profile asks for CMYK only")
        ),
    ]
    assert check_pdf(result.pdf) == []


def _error(message: str) -> tuple[str, str]:
    from coursepack.print.preflight import Severity

    return Severity.ERROR, message  # type: ignore[return-value]


def test_a_heading_last_on_a_page_a_widow_and_a_runt_page(tmp_path: Path) -> None:
    result = pack(
        '<section id="s"><h1 data-src="u.md:1">One</h1><p data-src="u.md:3">'
        f'{lines(8)}</p><h2 data-src="u.md:40">Consent</h2><p data-src="u.md:42">{lines(11)}</p></section>',
        tmp_path,
    )
    found = engine(result)
    assert codes(found) == [("heading-last", 1, "u.md:40"), ("runt-page", 3, "u.md:42"), ("widow", 3, "u.md:42")]
    assert found[0].message == "heading \u201cConsent\u201d is the last line of the page"
    # the PDF alone shows the heading and the runt page too (not the widow: see tagging.py)
    assert codes(check_pdf(result.pdf)) == [("heading-last", 1, None), ("runt-page", 3, None)]


def test_an_orphan(tmp_path: Path) -> None:
    result = pack(
        f'<section id="s"><p data-src="u.md:1">{lines(8)}</p>'
        '<p data-src="u.md:9" style="break-after: avoid !important">Questions</p>'
        f'<p data-src="u.md:11">{lines(11)}</p></section>',
        tmp_path,
    )
    found = codes(engine(result))
    assert ("orphan", 1, "u.md:11") in found and "widow" not in str(found), found


def test_a_footnote_pushed_to_the_next_page(tmp_path: Path) -> None:
    # (the theme's footnote-policy: line moves a call's line with a note that does not fit; a
    # stylesheet that asks for auto lets the note go to the next page alone)
    note = (
        '<span class="footnote" data-num="1" style="footnote-policy: auto">'
        f"{lines(6, 'a long note that takes room')}</span>"
    )
    result = pack(
        f'<section id="s"><h1 data-src="u.md:1">Notes</h1><p data-src="u.md:3">{lines(7)}<br>'
        f"a call here{note} and more<br>{lines(5)}</p></section>",
        tmp_path,
    )
    assert codes(engine(result)) == [("footnote-page", 1, "u.md:3")]
    assert engine(result)[0].message == "note 1 is printed on the next page, not on the page of its call"
    assert [(f.code, f.page, f.message) for f in check_pdf(result.pdf)] == [
        ("footnote-page", 1, "note 1 is printed on the next page, not on the page of its call")
    ]


def test_a_table_continued_with_one_row_and_a_box_split(tmp_path: Path) -> None:
    rows = "".join(f"<tr><td>row {i}</td><td>value</td></tr>" for i in range(9))
    # (without the theme's rules that keep two rows on each side of a table's break)
    unkept = "<style>tbody > tr { break-before: auto !important; break-after: auto !important; }</style>"
    result = pack(
        unkept + '<section id="s"><table data-src="u.md:5"><thead><tr><th>Name</th><th>Value</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        f'<div data-src="u.md:20" style="background: #eee"><p>{lines(8)}</p></div></section>',
        tmp_path,
    )
    found = codes(engine(result))
    assert ("table-split", 2, "u.md:5") in found, found  # 8 rows on p. 1, one on p. 2 (under the header)
    assert ("box-split", 3, "u.md:20") in found, found  # lines of the box on p. 2, one on p. 3


def test_a_missing_glyph(tmp_path: Path) -> None:
    result = pack('<p id="s">Linear B \U00010000 has no font here.</p>', tmp_path)
    found = check_pdf(result.pdf)
    assert codes(found) == [("missing-glyph", 1, None)]
    assert found[0].message.startswith("\U00010000 (U+10000) has no glyph in Noto-Serif")


def _base14_pdf(path: Path) -> Path:
    """A one-page PDF that sets text in Helvetica without embedding it (and no tags)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica")
    )
    page = pdf.add_blank_page(page_size=(200, 200))
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(
        b"BT /F1 12 Tf 20 100 Td (Not embedded) Tj ET BT /F1 12 Tf 150 20 Td (Past the edge) Tj ET"
    )
    pdf.save(path)
    return path


def test_a_font_not_embedded_and_text_past_the_page(tmp_path: Path) -> None:
    found = check_pdf(_base14_pdf(tmp_path / "base14.pdf"))
    assert [(f.code, f.page, f.severity) for f in found] == [
        ("pdfua-identifier", None, "error"),
        ("pdfua-language", None, "error"),
        ("pdfua-tagged", None, "error"),
        ("pdfua-title", None, "error"),
        ("beyond-trim", 1, "error"),
        ("font-not-embedded", 1, "error"),
    ]
    assert "font Helvetica is not embedded" in found[-1].message
    assert "(\u201cPast the edge\u201d)" in found[-2].message


def _image_pdf(path: Path, pixels: int, mm: float) -> Path:
    """A print-ready page (trim and bleed boxes) with an RGB image ``pixels`` wide printed ``mm`` wide."""
    pdf = pikepdf.new()
    side = mm * 72 / 25.4
    image = pdf.make_stream(
        zlib.compress(b"\x80\x20\x20" * pixels * pixels),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=pixels,
        Height=pixels,
        ColorSpace=pikepdf.Name.DeviceRGB,
        BitsPerComponent=8,
        Filter=pikepdf.Name.FlateDecode,
    )
    page = pdf.add_blank_page(page_size=(300, 300))
    page.TrimBox, page.BleedBox = [20, 20, 280, 280], [11, 11, 289, 289]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im1=image))
    page.Contents = pdf.make_stream(f"q {side:.2f} 0 0 {side:.2f} 40 40 cm /Im1 Do Q".encode())
    pdf.save(path)
    return path


def test_a_low_resolution_image_in_print_shop_output(tmp_path: Path) -> None:
    low = _image_pdf(tmp_path / "low.pdf", 200, 50)  # 200 px over 50 mm: 102 dpi
    scope = Scope(Profile.PRINT_SHOP, accessibility=False)
    found = check_pdf(low, scope)
    assert [(f.code, f.page, f.severity) for f in found] == [("image-resolution", 1, "error")]
    assert "is 102 dpi, under 300" in found[0].message
    assert check_pdf(_image_pdf(tmp_path / "fine.pdf", 600, 50), scope) == []  # 305 dpi
    assert check_pdf(low, Scope(accessibility=False)) == []  # office output: not checked
    cmyk = check_pdf(low, Scope(Profile.PRINT_SHOP_CMYK, accessibility=False))
    assert ("rgb-colour", 1) in [(f.code, f.page) for f in cmyk]


def test_build_reports_at_the_source_line_and_cli_reports_the_pdf(tmp_path: Path, course_copy) -> None:  # type: ignore[no-untyped-def]
    """A build of a real course: the engine's finding at its file:line and the page of the
    stitched pack; `coursepack preflight` on the output folder, human and JSON, and its exit status."""
    course: Path = course_copy()
    (course / "templates").mkdir(exist_ok=True)
    # what follows the heading cannot share a page with it: the heading ends its page (the theme's
    # keeps switched off: the heading's, and the closing paragraph's with what comes before it)
    (course / "templates" / "extra.css").write_text(
        "h2 { break-after: auto !important; }"
        " #alone + p { break-inside: avoid !important; break-before: auto !important; height: 250mm; }"
    )
    unit = course / "units" / "second-unit.md"
    text = unit.read_text()
    line = text.count("\n") + 2  # (the text ends with a newline; a blank line, then the heading)
    unit.write_text(text + "\n## Alone at the foot {#alone}\n\nA paragraph as tall as a page.\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(course), "--edition", "student", "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    pdf = out / "minimal" / "en" / "student.pdf"
    with pikepdf.open(pdf) as opened:
        pages = len(opened.pages)
    found = [w for w in result.output.splitlines() if w.startswith(f"{unit}:{line}: warning: heading")]
    assert len(found) == 1, result.output
    page = int(found[0].split(", p. ")[1].split(")")[0])
    assert found[0].endswith(f"is the last line of the page (minimal/en/student, p. {page}) [heading-last]")
    texts = page_texts(pdf)
    assert len(texts) == pages and "Alone at the foot" in texts[page - 1], page  # the page of the finished pack
    cli = CliRunner().invoke(main, ["preflight", str(out)])
    assert cli.exit_code == 0, cli.output  # warnings only
    assert f"{pdf}: p. " in cli.output, cli.output
    strict = CliRunner().invoke(main, ["preflight", str(out), "--strict"])
    assert strict.exit_code == 1
    report = json.loads(CliRunner().invoke(main, ["preflight", str(out), "--json"]).stdout)
    assert report["files"][0]["course"] == "minimal" and report["files"][0]["edition"] == "student"
    assert report["summary"]["warnings"] == len(report["files"][0]["findings"]) > 0
    assert {"code", "severity", "page", "message", "source"} == set(report["files"][0]["findings"][0])
    assert {"code": "heading-last", "page": page} in [
        {"code": f["code"], "page": f["page"]} for f in report["files"][0]["findings"]
    ]
    # the build's own finding, at its source line, is kept in the manifest for the CLI, and stays
    # there when the next build finds the pack unchanged
    built = {"code": "heading-last", "page": page, "source": f"units/second-unit.md:{line}"}
    assert built in [{k: f[k] for k in ("code", "page", "source")} for f in report["files"][0]["findings"]]
    again = CliRunner().invoke(main, ["build", str(course), "--edition", "student", "-o", str(out), "--jobs", "1"])
    assert "unchanged" in again.output
    report = json.loads(CliRunner().invoke(main, ["preflight", str(out), "--json"]).stdout)
    assert built in [{k: f[k] for k in ("code", "page", "source")} for f in report["files"][0]["findings"]]


def test_preflight_does_not_import_the_engine(tmp_path: Path) -> None:
    pdf = _base14_pdf(tmp_path / "base14.pdf")
    code = (
        "import sys\nfrom coursepack.cli import main\n"
        f"try:\n    main(['preflight', {str(pdf)!r}])\nexcept SystemExit as e:\n    assert e.code == 1\n"
        "assert 'weasyprint' not in sys.modules and 'coursepack.engine.typeset' not in sys.modules\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "base14.pdf: p. 1: error: font Helvetica is not embedded" in run.stdout


@pytest.mark.parametrize("variant", ["plain", "duplex-print", "a5-booklet", "2up"])
def test_each_variant_is_checked_for_what_it_is(variant: str) -> None:
    from coursepack.print.preflight.report import scope_for

    scope = scope_for(variant)
    assert scope.profile.print_shop == ("print" in variant)
    assert scope.accessibility == (variant in ("plain", "duplex-print"))


def test_a_figure_without_alternative_text(tmp_path: Path) -> None:
    """Found by walking the structure tree (the page is the figure's); a build leaves it to
    ``check``, which refuses such an image at its line before anything is typeset."""
    from PIL import Image

    from coursepack.print.preflight.report import build_scope

    Image.new("RGB", (40, 20), "navy").save(tmp_path / "chart.png")
    image = '<img src="chart.png" style="width: 40mm"{}>'
    text = f"<p>{lines(2)}</p>"
    bare = pack(text + "<p>" + image.format("") + "</p>", tmp_path)
    described = pack(text + "<p>" + image.format(' alt="A bar chart"') + "</p>", tmp_path)
    assert [(f.code, f.page) for f in check_pdf(bare.pdf)] == [("pdfua-figure-alt", 1)]
    assert check_pdf(described.pdf) == []
    assert check_pdf(bare.pdf, build_scope("plain")) == []
