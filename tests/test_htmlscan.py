"""Cutting a pack into parts reads its HTML with a tokenizer: what looks like a tag in text,
an attribute or a comment is not one, and every link is rewritten where it is."""

from __future__ import annotations

from html import escape

from hypothesis import given
from hypothesis import strategies as st

from coursepack.engine.parts import split as parts
from coursepack.engine.parts.htmlscan import scan

BIG = "<p>" + "word " * 4400 + "</p>"  # a part of its own


def _doc(body: str) -> str:
    return f"<!DOCTYPE html><html><head><style>a {{ x: 1 }}</style></head><body>{body}</body></html>"


def test_only_real_ids_and_links_are_found() -> None:
    body = (
        '<nav class="toc" id="contents"><ol><li><a href="#b">B</a></li></ol></nav>'
        f"{parts.MARK}"
        '<section id="a"><p title=\' id="fake" href="#fake"\'>text &lt;a href="#nope" id="nope"&gt;</p>'
        '<!-- <a class="pageref" href="#hidden"></a> --><a class="pageref" href="#b" data-x="&amp;"></a>'
        f"{BIG}</section>{parts.MARK}"
        f'<section id="b"><a href="#a">no page number</a>{BIG}</section>'
    )
    split = parts.split(_doc(body))
    assert split is not None and [s.name for s in split.segments] == ["contents", "a", "b"]
    front, a, b = split.segments
    assert front.numbered == {"b"} and a.numbered == {"b"} and not b.cited
    assert a.ids == {"a"}, "ids in attribute values and escaped text are not ids"
    html = parts.part_html(split, 1, 0, {"b": "00"})
    assert f'<a class="pageref" href="{parts.LINK_PREFIX}b" data-x="&amp;" data-page="00"></a>' in html, (
        "a link to another part is made external and given its number"
    )
    assert '<a class="pageref" href="#hidden"></a>' in html, "a comment is left as it is"
    assert "a { x: 1 }" in html and html.endswith("</body></html>")


def test_the_front_matter_counts_its_top_level_sections() -> None:
    body = "<header>Cover</header><section>Imprint</section>" + parts.MARK + f"<section id='u'>{BIG}</section>"
    split = parts.split(_doc(body))
    assert split is not None and split.segments[0].min_pages == 2


words = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
idents = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)


@given(st.lists(st.tuples(idents, words, st.booleans()), min_size=1, max_size=12))
def test_every_id_and_pageref_is_found_whatever_the_text(items: list[tuple[str, str, bool]]) -> None:
    """Text (escaped as the writer escapes it) around tags never hides or invents an anchor."""
    html = "".join(
        f'<p id="{ident}" title="{escape(text)}">{escape(text)}'
        + (f'<a class="pageref" href="#{ident}"></a>' if cite else "")
        + "</p>"
        for ident, text, cite in items
    )
    found = scan(html)
    assert [i for _, i in found.ids] == [ident for ident, _, _ in items]
    assert [link.target for link in found.links] == [ident for ident, _, cite in items if cite]
    for link in found.links:
        assert html[link.start : link.end].startswith("<a ") and html[link.end - 1] == ">"
