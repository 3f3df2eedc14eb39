"""Typography a book designer checks (#17): French spacing, list separators per language,
hyphenation an editor accepts, and titles that keep their case. Nothing here typesets."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from coursepack.i18n import NBSP, NNBSP, punctuation, translations
from coursepack.markdown.render import render_text

ROOT = Path(__file__).resolve().parent.parent
STYLE = (ROOT / "templates" / "style.css").read_text()


def html(text: str, lang: str = "en") -> str:
    """The HTML of ``text``, entities read, a word kept whole written ``{word}``."""
    out = str(render_text(text, lang)).replace('<span class="nohyph">', "{")
    return unescape(re.sub(r"(\{[^<{}]*)</span>", r"\1}", out))


# -- French spacing: guillemets and « ; : ? ! » ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("un compte « Nova Talent » ici", f"un compte «{NNBSP}Nova Talent{NNBSP}» ici"),
        ("d’«envoyer»", f"d’«{NNBSP}envoyer{NNBSP}»"),
        ('des "guillemets" droits', f"des «{NNBSP}guillemets{NNBSP}» droits"),
        ("Elles sont fictives : les entreprises", f"Elles sont fictives{NBSP}: les entreprises"),
        ("art. 3 : la suite", f"art. 3{NBSP}: la suite"),
        ("à 10:30 ; puis ?", f"à 10:30{NNBSP}; puis{NNBSP}?"),
    ],
)
def test_french_text_keeps_its_marks_with_their_words(typed: str, printed: str) -> None:
    assert f"<p>{printed}</p>" in re.sub(r"[{}]", "", html(typed, "fr"))


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("**Elles sont fictives** : les entreprises", f"</strong>{NBSP}: les entreprises"),
        ("le *fishing* ? oui", f"</em>{NNBSP}? oui"),
        ("un « *mot* » ici", f"«{NNBSP}<em>mot</em>{NNBSP}»"),
        ("voir `code` ; la suite", f"</code>{NNBSP}; la suite"),
    ],
)
def test_french_spacing_reaches_punctuation_after_a_mark_up(typed: str, printed: str) -> None:
    """The text after ``**bold**`` or a link starts a token of its own: its colon is spaced too."""
    assert printed in re.sub(r"[{}]", "", html(typed, "fr"))


@pytest.mark.parametrize("lang", ["es", "ru", "en"])
def test_only_french_spaces_its_guillemets_and_colons(lang: str) -> None:
    text = punctuation("un «mot» : fin ; oui", lang)
    assert NNBSP not in text and NBSP not in text


# -- separators of generated lists --------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "separator"),
    [("en", "; "), ("fr", NNBSP + "; "), ("es", "; "), ("ru", "; "), ("ar", "\u061b "), ("zh", "\uff1b")],
)
def test_a_list_of_phrases_is_joined_in_the_language_s_way(lang: str, separator: str) -> None:
    """The exercise's materials are joined with the catalog's "; " (French: a narrow no-break
    space before it; Arabic: the Arabic semicolon ؛; Chinese: the full-width ；)."""
    assert translations(lang).gettext("; ") == separator
    template = (ROOT / "templates" / "partials" / "exercise.html").read_text()
    assert 'join(_("; "))' in template and 'join("; ")' not in template


# -- hyphenation an editor accepts ---------------------------------------------------------------


def test_acronyms_and_a_paragraph_s_last_word_are_kept_whole() -> None:
    out = html("Two States may share UNTOC but not the Budapest Convention, in the livestreamed sexual abuse.")
    assert "{UNTOC}" in out  # an acronym is never hyphenated ("UN-TOC")
    assert "{abuse}.</p>" in out  # the last word: a paragraph never ends on half a word
    # names may be hyphenated (keeping every capitalised word whole made twice as many loose lines)
    assert "{States" not in out and "{Budapest" not in out and "{sexual" not in out


def test_russian_last_word_is_kept_whole() -> None:
    out = html("Жертвы не должны подвергаться наказанию за преступления, которые их вынудили совершить.", "ru")
    assert "{совершить}.</p>" in out


def test_a_sentence_opening_capital_may_be_hyphenated() -> None:
    out = html("Trafficking is a crime here. Smuggling differs from it in several ways, for example.")
    assert "<p>Trafficking" in out and ". Smuggling" in out


@pytest.mark.parametrize(
    "text",
    [
        "# The Budapest Convention",  # headings are never hyphenated
        "- Budapest item in a tight list",  # tight lists are not hyphenated
        "Short Budapest.",  # (a paragraph this short has no last-line break)
    ],
)
def test_whole_words_only_where_the_theme_hyphenates(text: str) -> None:
    out = html(text)
    if text.startswith("Short"):
        assert out == "<p>Short Budapest.</p>\n"
    else:
        assert "{" not in out


@pytest.mark.parametrize("lang", ["ar", "zh"])
def test_unhyphenated_scripts_are_left_as_they_are(lang: str) -> None:
    out = html(
        "نص عربي مع UNTOC وكلمات أخرى كثيرة هنا." if lang == "ar" else "中文段落中的 UNTOC 公约的内容比较长一些。", lang
    )
    assert "{" not in out


def test_the_theme_asks_for_breaks_an_editor_accepts() -> None:
    """Two letters before the break and three after in English and French (no "sexu-al",
    "digit-al"), two and two in Russian and Spanish; the kept words are never hyphenated."""
    assert re.search(r":lang\(en\), :lang\(fr\) \{ hyphenate-limit-chars: 6 2 3; \}", STYLE)
    assert re.search(r":lang\(es\), :lang\(ru\) \{ hyphenate-limit-chars: 5 2 2; \}", STYLE)
    assert ".nohyph { hyphens: manual; }" in STYLE
    # WeasyPrint 70 reads the property as (total, before, after)
    from tinycss2 import parse_component_value_list
    from weasyprint.css.validation.properties import hyphenate_limit_chars

    tokens = [t for t in parse_component_value_list("6 2 3") if t.type != "whitespace"]
    assert hyphenate_limit_chars(tokens) == (6, 2, 3)


# -- capitals that keep the case of content ------------------------------------------------------


def test_an_author_s_box_title_keeps_its_case() -> None:
    """``text-transform: uppercase`` made "art. 3(a)" read "ART. 3(A)", another citation: an
    author's title (.titled) is set in small capitals, the pack's own label in capitals (the
    class itself: test_markdown's fenced-div test)."""
    assert ".callout-title.titled { text-transform: none; font-variant-caps: small-caps; }" in STYLE
    assert ".proof > .chapter-label { text-transform: none; }" in STYLE
