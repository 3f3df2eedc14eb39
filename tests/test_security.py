"""Content is untrusted: no markup injection, no files outside the course, no network."""

from __future__ import annotations

from pathlib import Path

from coursepack.markup import MarkdownRenderer, RenderState
from coursepack.typeset import typeset

from conftest import EPOCH


def _render(text: str) -> str:
    return MarkdownRenderer(RenderState(frozenset({"student"}))).render(text)


def test_raw_html_is_escaped() -> None:
    html = _render("Hello <script>alert(1)</script> <link rel=attachment href=file:///etc/passwd>")
    assert "<script" not in html and "<link" not in html
    assert "&lt;script&gt;" in html


def test_attribute_lists_cannot_inject_styles_or_handlers() -> None:
    html = _render('A paragraph\n{: style="background:url(file:///etc/passwd)" onclick="x()" }')
    assert "style=" not in html and "onclick" not in html


def test_dangerous_urls_are_removed() -> None:
    html = _render("[x](javascript:alert(1)) ![y](file:///etc/hostname)")
    assert "javascript:" not in html
    assert "file:" not in html


def test_typesetting_loads_nothing_outside_the_course(tmp_path: Path) -> None:
    (tmp_path / "ok.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    html = """<html lang="en"><head><title>t</title>
    <link rel="stylesheet" href="http://127.0.0.1:9/x.css">
    <link rel="attachment" href="file:///etc/hostname"></head>
    <body><p>hi</p><img src="ok.svg" alt="ok"><img src="../../../../etc/hostname" alt="x">
    <img src="http://169.254.169.254/latest" alt="y"></body></html>"""
    result = typeset(html, tmp_path, [], [tmp_path], EPOCH)
    blocked = [w for w in result.warnings if "blocked" in w]
    assert len(blocked) >= 3, result.warnings
    assert b"/EmbeddedFiles" not in result.pdf
    assert not any("ok.svg" in w for w in result.warnings)
