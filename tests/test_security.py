"""Content is untrusted: no markup injection, no files outside the course, no network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coursepack.engine.typeset import typeset
from coursepack.errors import BuildError
from coursepack.markdown.render import render_text

from conftest import EPOCH


def test_raw_html_is_escaped() -> None:
    html = render_text("Hello <script>alert(1)</script> <link rel=attachment href=file:///etc/passwd>")
    assert "<script" not in html and "<link" not in html
    assert "&lt;script&gt;" in html


def test_only_the_inline_tags_lessons_use_pass_and_without_attributes() -> None:
    html = render_text(
        '<kbd>Ctrl</kbd> H<sub>2</sub>O <abbr title="United Nations">UN</abbr> <kbd onclick="x()">y</kbd>'
    )
    assert "<kbd>Ctrl</kbd>" in html and "<sub>2</sub>" in html and '<abbr title="United Nations">UN</abbr>' in html
    assert "onclick" not in html.replace("&lt;kbd onclick", "")  # a tag with another attribute is text


def test_attribute_lists_cannot_inject_styles_or_handlers() -> None:
    html = render_text(
        'A paragraph {#p style="background:url(file:///etc/passwd)" onclick="x()"}\n\n'
        '[span]{style="color:red" onmouseover="x()"} ![a](x.svg){style="x" onload="y()"}'
    )
    # (the paragraph's braces are text: Pandoc has no attributes on a paragraph)
    assert not re.search(r"<[^>]*\s(style|onclick|onmouseover|onload)=", html), html


@pytest.mark.parametrize("text", ["[x](javascript:alert(1))", "![y](file:///etc/hostname)", "[z](data:text/html,x)"])
def test_dangerous_urls_stop_the_build(text: str) -> None:
    with pytest.raises(BuildError, match=r"only http, https and mailto|not a file of the course"):
        render_text(text)


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
