"""The Markdown stage: the syntax course material is written in, read into one tree and written out."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from coursepack.markdown.document import Parsed
from coursepack.markdown.render import render_text
from coursepack.markdown.typography import smart_text
from coursepack.resolve.context import smart, untranslated

ALL = frozenset({"student", "instructor", "answer", "handout"})


def test_figure_captions_get_typographic_quotes() -> None:
    """A caption comes from the image's title, which the parser's typography never sees."""
    html = render_text('![Un schéma](cycle.svg "Les points d\'entrée -- à chaque étape")\n', "fr")
    assert "points d\u2019entrée \u2013 à chaque étape</figcaption>" in html, html


def test_a_bold_label_paragraph_is_a_lead_in() -> None:
    """``**Questions**`` before a list is kept with it (the theme: ``p.lead-in``); bold text
    inside a sentence, or a label with nothing after it, is not."""
    html = render_text(
        "**Questions**\n\n1. One\n2. Two\n\nSome **bold** words.\n\n**Pitfalls.**\n\nText.\n\n**Last**\n"
    )
    assert '<p class="lead-in"><strong>Questions</strong></p>' in html, html
    assert '<p class="lead-in"><strong>Pitfalls.</strong></p>' in html, html
    assert "<p>Some <strong>bold</strong> words.</p>" in html
    assert "<p><strong>Last</strong></p>" in html


def test_a_note_cited_twice_is_printed_again_under_its_own_number() -> None:
    """As Pandoc does: each call of ``[^a]`` has its own number and its note on its page (a
    repeated number pointed to a note pages away, in another size)."""
    html = render_text("One[^a] two[^b] three[^a].\n\n[^a]: Note A.\n[^b]: Note B.\n")
    assert html.count("Note A.") == 2 and html.count('class="footnote"') == 3, html
    assert '<span class="footnote" data-num="3">Note A.</span>' in html, html


def test_a_note_call_never_starts_a_line() -> None:
    """A word joiner ties the call to the word before it (it broke away onto the next line)."""
    html = render_text("A sentence ends.[^a]\n\n[^a]: A note.\n")
    assert 'ends.\u2060<span class="footnote"' in html, html


def test_notes_pandoc_inline_and_external_addresses_are_set_at_the_foot() -> None:
    html = render_text("Text^[An *inline* note.] and [the site](https://example.org/a).\n")
    assert '<span class="footnote" data-num="1">An <em>inline</em> note.</span>' in html, html
    assert '<span class="footnote url-note" data-num="2"><span class="url">https://example.org/a</span></span>' in html


def test_an_untranslated_title_is_told_by_its_script() -> None:
    """In an Arabic or Chinese pack, a title with no letter of the pack's script is the source's."""
    assert untranslated("Smugglers' marketing", "zh") and not untranslated("法律框架", "zh")
    assert untranslated("The legal framework", "ar") and not untranslated("الإطار القانوني", "ar")
    assert not untranslated("Le cadre juridique", "fr")  # same script: cannot be told
    assert str(smart("Smugglers' marketing", "en")) == "Smugglers\u2019 marketing"


def test_smart_text_changes_only_quotes_dashes_and_dots() -> None:
    """Titles are plain text: Markdown's syntax in them ('1. ', '- ', '#', '|', '~', '=', four
    spaces, two spaces before a line break) must come out as typed, on one line."""
    back = {"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'", "\u2014": "--", "\u2013": "--", "\u2026": "..."}
    back |= {"\u00ab\u202f": '"', "\u202f\u00bb": '"'}
    pieces = [*"ab AZ1.#*_`[]()<>&;:!?-=+\\/|~^{}@\t\n'\"", "1. ", "- ", "    ", "  \n", "=\n", "--", "...", "<b>"]
    rng = random.Random(7)
    samples = ["A | B", "x ~ y", "= sign", "    indented", 'trail "q"  ', "1. First", "- dash"]
    samples += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(3000)]
    for lang in ("en", "fr"):
        for text in samples:
            typed = re.sub(r"[ \t\r\n]+", " ", text).strip().replace("---", "--")
            out = smart_text(text, lang)
            for typo, plain in back.items():
                out = out.replace(typo, plain)
            assert out.replace("---", "--").replace("....", "...") == typed.replace("....", "..."), (text, out)
    assert smart_text('A "quoted" -- title...', "en") == "A \u201cquoted\u201d \u2013 title\u2026"


def test_legal_citations_and_options_are_left_as_written() -> None:
    """Only quotes, dashes and ellipses change: art. 3(c) is not ©, --help is not an en dash."""
    html = render_text('Under art. 3(c) and (r), run `--help` or --help; "quoted" -- and 12-16 +- 2.\n')
    assert "art. 3(c) and (r)" in html and "--help</code> or --help;" in html, html
    assert "\u201cquoted\u201d \u2013 and 12\u201316 +- 2." in html, html


def test_code_is_never_typeset_as_prose() -> None:
    html = render_text('```bash\n$ ls --help "x" -- y...\ntotal 3\n```\n\nAnd `"--x..."` inline.\n')
    assert '<span class="gp">$ </span>' in html and '<span class="go">total 3</span>' in html, html
    assert '"x"' in html and "--" in html and "\u2013" not in html and "\u2026" not in html
    assert '<code class="nowrap">"--x..."</code>' in html  # (short code is kept on one line)


def test_the_three_fenced_div_spellings_nest_by_colon_count_or_not() -> None:
    text = (
        ":::::: challenge\n## Can you?\nDo it.\n\n::: solution\nPANDOC\n:::\n::::::\n\n"
        "::: {.callout-tip}\n## Quarto title\nTip text.\n:::\n\n"
        "::::{exercise} MyST title\n:label: ex-myst\n:::{solution}\nMYST\n:::\n::::\n\n"
        "::: {.exercise #ex-q}\nQ.\n::: {.solution}\nQUARTO\n:::\n:::\n"
    )
    student = render_text(text)
    assert "PANDOC" not in student and "MYST" not in student and "QUARTO" not in student
    assert ":::" not in student and ":label:" not in student
    assert '<p class="callout-title titled">Quarto title</p>' in student  # (an author's title: not in capitals)
    assert 'id="ex-myst"' in student and 'id="ex-q"' in student and "MyST title" in student
    guide = render_text(text, audiences=ALL)
    assert all(word in guide for word in ("PANDOC", "MYST", "QUARTO"))


def test_github_alerts_lists_and_references() -> None:
    html = render_text(
        "> [!WARNING]\n> Careful.\n\n- a\n  - nested by two\n    - and again\n\n3. three\n4. four\n\n"
        "- [x] done\n- [ ] open\n\nSee [the docs][d] and ~~old~~.\n\n[d]: https://example.org/docs\n"
    )
    assert '<div class="callout callout-warning">' in html and '<p class="callout-title">Warning</p>' in html, html
    assert html.count("<ul>") >= 3, html  # two-space nesting is nesting
    assert '<ol start="3" style="counter-reset:list-item 2">' in html  # (the engine reads the counter)
    assert "task-box checked" in html and "task-box open" in html
    assert '<a href="https://example.org/docs">the docs</a>' in html and "<del>old</del>" in html


def test_headings_get_stable_ids_in_their_file() -> None:
    parsed = Parsed(
        __import__("pathlib").Path("u.md"), "## Summary\n\n## Évaluer les « preuves »\n\n## Summary\n", key="unit-a"
    )
    assert [h.slug for h in parsed.headings] == ["summary", "évaluer-les--preuves", "summary-1"]
    assert [h.anchor for h in parsed.headings] == ["unit-a--summary", "unit-a--h2", "unit-a--summary-1"]
    html = render_text("## Summary\n\nBack to [the summary](#summary).\n", key="unit-a")
    assert '<h2 id="unit-a--summary">' in html and 'href="#unit-a--summary"' in html


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("![A diagram](fig.svg){width=60%}", '<img src="fig.svg" alt="A diagram" style="width:60%">'),
        ('![Caption text](fig.svg){alt="Alt text" #fig-a}', '<img src="fig.svg" alt="Alt text">'),
        ('![Caption](fig.svg){fig-alt="Quarto alt"}', '<img src="fig.svg" alt="Quarto alt">'),
    ],
)
def test_image_attributes_as_pandoc_and_quarto_write_them(text: str, expected: str) -> None:
    html = render_text(text + "\n")
    assert expected in html, html
    if "Caption" in text:
        assert "</span> Caption" in html  # the text in brackets is the caption when the alt is given apart


def test_quarto_and_myst_cross_references_and_targets() -> None:
    html = render_text(
        "(sec-pipe)=\n## The pipe\n\n% a MyST comment, not printed\n\n"
        '![A pipe](pipe.svg "Three stages"){#fig-pipe}\n\n'
        "See @sec-pipe and @fig-pipe; Figure [-@fig-pipe]. Mail me@example.org, not @someone.\n"
    )
    assert '<h2 id="sec-pipe">The pipe</h2>' in html and "MyST comment" not in html and "(sec-pipe)=" not in html
    assert '<a class="xref" href="#sec-pipe">The pipe</a>' in html
    assert (
        '<a class="xref" href="#fig-pipe">Figure&nbsp;1</a>' in html
        and 'Figure <a class="xref" href="#fig-pipe">1</a>' in html
    )
    assert (
        "mailto:me@example.org" in html and ", not @someone.</p>" in html
    )  # (a narrative citation that names no reading: printed as written)


def test_quarto_cells_show_their_code_without_options_and_hide_echo_false() -> None:
    html = render_text(
        '```{r}\n#| echo: false\nsource("_common.R")\n```\n\n```{python}\n#| label: lst-sum\n#| lst-cap: Adding up\nx = 1 + 1\n```\n'
    )
    assert "_common" not in html and "#|" not in html
    assert '<figure class="listing" id="lst-sum">' in html and "Adding up" in html


def test_myst_figure_directive_and_tabs() -> None:
    html = render_text(
        "```{figure} figures/boxes.svg\n:alt: Two boxes\n:name: fig-boxes\n\nTwo *boxes*.\n```\n\n"
        "::::{tab-set}\n:::{tab-item} Linux\nUse apt.\n:::\n::::\n"
    )
    assert '<figure class="figure" id="fig-boxes"><img src="figures/boxes.svg" alt="Two boxes">' in html
    assert "</span> Two <em>boxes</em>.</figcaption>" in html
    assert '<p class="panel-title lead-in">Linux</p>' in html and ":::" not in html


CELLS = [
    (  # R Markdown's header options: the label names the figure, fig.cap is its caption
        '```{r fig-cycle, echo=FALSE, fig.cap="The cycle, drawn"}\nknitr::include_graphics("cycle.png")\n```\n\n'
        "See @fig-cycle.\n",
        [
            '<figure class="figure" id="fig-cycle"><img src="cycle.png" alt="">',
            "Figure&nbsp;1</span> The cycle, drawn",
            'See <a class="xref" href="#fig-cycle">Figure&nbsp;1</a>',
        ],
        ["include_graphics"],
    ),
    (  # Quarto's #| options do the same
        '```{r}\n#| label: fig-map\n#| fig-cap: "A map"\nknitr::include_graphics("map.png")\n```\n',
        ['<figure class="figure" id="fig-map"><img src="map.png" alt="">', "</span> A map</figcaption>"],
        ["#|"],
    ),
    (  # a chunk name is not a listing; lst- is, with its caption
        "```{python}\n#| label: setup\nimport os\n```\n\n```{r lst-count, lst.cap='Counting'}\nlength(x)\n```\n\n"
        "As @lst-count shows.\n",
        [
            '<pre class="code lang-python">',
            '<figure class="listing" id="lst-count">',
            "Listing&nbsp;1</span> Counting",
            'As <a class="xref" href="#lst-count">Listing&nbsp;1</a>',
        ],
        ['id="setup"', "#|"],
    ),
    (  # cells left out of the output by their author
        "```{r setup, include=FALSE}\nlibrary(secretpackage)\n```\n\n```{r, echo=FALSE}\nhiddencode <- 1\n```\n",
        [],
        ["secretpackage", "hiddencode"],
    ),
    (  # Quarto's {{r}}: a cell shown as written, not a cell
        "```{{r}}\nx <- 1\n```\n",
        ['<pre class="code lang-r">'],
        ["{{"],
    ),
    (  # a header whose quote is never closed: the cell is printed, its options not read
        '```{r odd, fig.cap="unclosed}\nprint(1)\n```\n',
        ['<pre class="code lang-r">'],
        ["<figure"],
    ),
]


@pytest.mark.parametrize(("text", "present", "absent"), CELLS)
def test_quarto_and_r_markdown_cells(text: str, present: list[str], absent: list[str]) -> None:
    html = render_text(text)
    for part in present:
        assert part in html, html
    for part in absent:
        assert part not in html, html


def test_quarto_equations_callouts_and_pandoc_ids_are_cross_referenced() -> None:
    html = render_text(
        "$$\nE = mc^2\n$$ {#eq-energy}\n\n::: {.callout-tip #tip-save}\n## Save often\nText.\n:::\n\n"
        "## 1. Getting started\n\n## Intro {#sec:intro}\n\n"
        "By @eq-energy, @tip-save, [back](#getting-started) and [](#sec:intro).\n"
    )
    assert '<div class="math display" dir="ltr" id="eq-energy">' in html, html
    assert "<title>E = mc^2</title>" in html and '<span class="eq-num">(1)</span></div>' in html, html
    assert '<a class="xref" href="#eq-energy">Equation&nbsp;1</a>' in html
    assert '<a class="xref" href="#tip-save">Save often</a>' in html
    # Pandoc's id for "1. Getting started" drops the leading number; GitHub's keeps it: both lead there
    assert '<h2 id="doc--1-getting-started">' in html and 'href="#doc--1-getting-started">back</a>' in html
    assert '<a class="xref" href="#sec:intro">Intro</a>' in html


def test_a_myst_target_before_the_title_names_the_file() -> None:
    parsed = Parsed(Path("page.md"), "(sec-page)=\n# The page\n\nText.\n", 1, "en", "page")
    assert parsed.title is not None and parsed.title[:2] == ("The page", "sec-page"), parsed.title
    assert render_text("(sec-page)=\n# The page\n\nText.\n").strip() == "<p>Text.</p>"


def test_a_page_reference_in_parentheses_opens_no_second_pair() -> None:
    """ "(see Section A, p. 3)", "（见甲，第3页）": not "（见甲（第3页））"."""
    zh = render_text("## 甲 {#sec-a}\n\n正文（见[](#sec-a)）和[](#sec-a)。\n", lang="zh")
    assert 'data-before="，p. " data-after=""></a>）和' in zh, zh
    # the closing mark is set after the link, in the text, where it meets "。": one of the two
    # is set on half an em (the engine compresses marks that meet within one run of text)
    assert 'data-before="（p. " data-after=""></a>）。' in zh, zh
    en = render_text("## A {#sec-a}\n\nText (see [](#sec-a)).\n")
    assert 'data-before=", p.&nbsp;"' in en, en


def test_inline_code_in_right_to_left_text_is_isolated() -> None:
    """Its neutral characters keep their order ("ls ~/data/", not "/ls ~/data"): the isolate
    characters stand in for unicode-bidi, which the engine lacks."""
    assert "<code>\u2068ls -la ~/data/archive/\u2069</code>" in render_text(
        "شغّل `ls -la ~/data/archive/` هنا.\n", lang="ar"
    )
    assert "\u2068" not in render_text("Run `ls -la ~/data/archive/` here.\n")
