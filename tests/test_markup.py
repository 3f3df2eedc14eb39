"""Markdown rendering: our faster inline pass writes exactly what Python-Markdown's own does."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursepack import markup
from coursepack.markup import MarkdownRenderer, QuickInline, RenderState

from conftest import SAMPLE

AUDIENCES = frozenset({"all", "instructor", "answer", "handout"})


def _language(path: Path) -> str:
    parts = path.relative_to(SAMPLE).parts
    return parts[1] if parts[0] == "translations" else "en"


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ru", "ar", "zh"])
def test_quick_inline_pass_gives_the_same_html(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Markdown file of the sample, rendered with and without QuickInline: same HTML."""
    files = sorted(p for p in SAMPLE.rglob("*.md") if _language(p) == lang)
    assert files
    quick = MarkdownRenderer(RenderState(AUDIENCES, lang=lang))
    assert any(isinstance(p, QuickInline) for p in quick.md.treeprocessors)
    monkeypatch.setattr(markup, "_quick_inline", lambda md: None)
    stock = MarkdownRenderer(RenderState(AUDIENCES, lang=lang))
    assert not any(isinstance(p, QuickInline) for p in stock.md.treeprocessors)
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert quick.render(text) == stock.render(text), path


def test_quick_inline_knows_which_characters_a_pattern_needs() -> None:
    import re

    assert markup._needs(re.compile(r"\*|_")) == {"*", "_"}
    assert markup._needs(re.compile(r"(\s|&nbsp;)'(?=\w)")) == {"'"}  # the quote, whatever comes before
    assert markup._needs(re.compile(r"(?<!\\)`|x?y")) == {"`", "y"}  # an optional part is passed over
    assert markup._needs(re.compile(r"\w+|`")) is None  # a branch of any letter: no telling
    assert markup._needs(re.compile("a", re.IGNORECASE)) is None


def test_figure_captions_get_typographic_quotes() -> None:
    """A caption comes from the image's title, which Markdown's smart quotes pass never sees."""
    html = MarkdownRenderer(RenderState(AUDIENCES, lang="fr")).render(
        '![Un schéma](cycle.svg "Les points d\'entrée -- à chaque étape")\n'
    )
    assert "points d\u2019entrée \u2013 à chaque étape</figcaption>" in html, html


def test_a_bold_label_paragraph_is_a_lead_in() -> None:
    """``**Questions**`` before a list is kept with it (the theme: ``p.lead-in``); bold text
    inside a sentence, or a label with nothing after it, is not."""
    html = MarkdownRenderer(RenderState(AUDIENCES)).render(
        "**Questions**\n\n1. One\n2. Two\n\nSome **bold** words.\n\n**Pitfalls.**\n\nText.\n\n**Last**\n"
    )
    assert '<p class="lead-in"><strong>Questions</strong></p>' in html, html
    assert '<p class="lead-in"><strong>Pitfalls.</strong></p>' in html, html
    assert "<p>Some <strong>bold</strong> words.</p>" in html
    assert "<p><strong>Last</strong></p>" in html


def test_a_note_cited_twice_is_printed_once() -> None:
    """The second call of ``[^a]`` repeats the note's number; the note is not printed again."""
    html = MarkdownRenderer(RenderState(AUDIENCES)).render(
        "One[^a] two[^b] three[^a].\n\n[^a]: Note A.\n[^b]: Note B.\n"
    )
    assert html.count("Note A.") == 1 and html.count('class="footnote"') == 2, html
    assert '<sup class="footnote-again">1</sup>' in html


def test_an_untranslated_title_is_marked_as_the_source_language() -> None:
    """In an Arabic or Chinese pack, a title with no letter of the pack's script is the source's."""
    from coursepack.markup import MarkdownRenderer, RenderState

    zh = MarkdownRenderer(RenderState(frozenset({"student"}), lang="zh", source_lang="en"))
    assert str(zh.smart("Smugglers' marketing")) == '<span dir="ltr" lang="en">Smugglers’ marketing</span>'
    assert "lang" not in str(zh.smart("法律框架"))
    ar = MarkdownRenderer(RenderState(frozenset({"student"}), lang="ar", source_lang="en"))
    assert 'lang="en"' in str(ar.smart("The legal framework")) and "lang" not in str(ar.smart("الإطار القانوني"))
    fr = MarkdownRenderer(RenderState(frozenset({"student"}), lang="fr", source_lang="en"))
    assert str(fr.smart("Le cadre juridique")) == "Le cadre juridique"  # same script: cannot be told


def test_smart_text_changes_only_quotes_dashes_and_dots() -> None:
    """Titles are plain text: Markdown's syntax in them ('1. ', '- ', '#', '|', '~', '=', four
    spaces, two spaces before a line break) must come out as typed, on one line."""
    import random
    import re

    back = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2014": "--", "\u2013": "--", "\u2026": "..."}
    back |= {"\u00ab\u202f": '"', "\u202f\u00bb": '"'}
    pieces = [*"ab AZ1.#*_`[]()<>&;:!?-=+\\/|~^{}@\t\n'\"", "1. ", "- ", "    ", "  \n", "=\n", "--", "...", "<b>"]
    rng = random.Random(7)
    samples = ["A | B", "x ~ y", "= sign", "    indented", 'trail "q"  ', "1. First", "- dash"]
    samples += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    for lang in ("en", "fr"):
        for text in samples:
            typed = re.sub(r"[ \t\r\n]+", " ", text).strip().replace("---", "--")
            out = markup.smart_text(text, lang)
            for typo, plain in back.items():
                out = out.replace(typo, plain)
            assert out.replace("---", "--") == typed, (text, markup.smart_text(text, lang))
    assert markup.smart_text('A "quoted" -- title...', "en") == "A \u201cquoted\u201d \u2013 title\u2026"
