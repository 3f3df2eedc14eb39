"""The glossary and the back-of-book index of one edition: entries from the marks it printed.

The writer records every term use and index mark it writes, with the anchor it gave it
(``render.Writer.mark``), so an edition lists only what it prints (the student pack never an
instructor-only mark). Entries are sorted by the language's collation: the Unicode Collation
Algorithm (``pyuca``, the DUCET) for Latin and Cyrillic, and for Arabic, whose DUCET order is
the conventional alphabetical one, with the article ``ال`` set aside; Chinese by pinyin
(``pypinyin``, tones as numbers), then by character. Entries are grouped under their letter.

The pages of an entry are not known here: each entry gets a placeholder naming its anchors
(``pages``), which the engine fills once it knows where every anchor fell (``engine/parts/split.py``,
``fill_pages``): duplicates on one page once, consecutive pages as a range.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from markupsafe import Markup, escape

from coursepack.content.model import Course
from coursepack.markdown.marks import Mark, entry_key
from coursepack.resolve.views import GlossaryEntryView, GroupView, IndexEntryView

PAGES_CLASS = "cp-pages"  # the engine's placeholder for a list of pages (engine/parts/htmlscan.py)
RANGE_DASH = "\u2013"
ARTICLE = "\u0627\u0644"  # ال
HAMZA_ALIF = str.maketrans("\u0623\u0625\u0622\u0671", "\u0627\u0627\u0627\u0627")


@cache
def _collator():  # type: ignore[no-untyped-def]
    import pyuca

    return pyuca.Collator()


def _base(lang: str) -> str:
    return lang.split("-")[0].lower()


def _pinyin(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="default")


def _stripped(text: str, lang: str) -> str:
    """The text as it is sorted: in Arabic, without the definite article."""
    text = " ".join(text.split())
    if _base(lang) == "ar" and text.startswith(ARTICLE) and len(text) > 3:
        return text[2:]
    return text


def sort_key(text: str, lang: str) -> tuple[object, ...]:
    """The key ``text`` sorts by in ``lang``."""
    collate = _collator().sort_key
    text = _stripped(text, lang)
    if _base(lang) == "zh":
        return (collate(" ".join(_pinyin(text)).lower()), collate(text))
    if _base(lang) == "ar":  # (hamza forms of alif are alif, as dictionaries order them)
        return (collate(text.translate(HAMZA_ALIF)), collate(text))
    return (collate(text.lower()), collate(text))


def letter(text: str, lang: str) -> str:
    """The group an entry is printed under: its first letter without accents (Chinese: the
    first letter of its pinyin; Arabic: after the article, hamza forms under alif)."""
    text = _stripped(text, lang)
    if not text:
        return ""
    if _base(lang) == "zh":
        first = _pinyin(text[0])[0][:1] if text else ""
        return first.upper() if first.isascii() and first.isalpha() else first
    ch = text[0]
    if _base(lang) == "ar" and ch in "\u0623\u0625\u0622\u0671":
        return "\u0627"
    base = unicodedata.normalize("NFD", ch)[0]
    return base.upper() if base.isalpha() else "#"


def pages(anchors: list[str], lang: str) -> Markup:
    """The placeholder the engine writes an entry's pages into ("12–14, 17")."""
    if not anchors:
        return Markup("")
    sep = "\u060c " if _base(lang) in ("ar", "fa") else ", "
    return Markup(
        f'<span class="{PAGES_CLASS}" data-anchors="{escape(" ".join(anchors))}" data-sep="{escape(sep)}" '
        f'data-range="{RANGE_DASH}"></span>'
    )


def _groups(items: list[tuple[str, object]], lang: str) -> list[GroupView]:
    """Items (their sort text, the view) in order, under their letters."""
    out: list[GroupView] = []
    for text, view in sorted(items, key=lambda it: sort_key(it[0], lang)):
        head = letter(text, lang)
        if not out or out[-1].head != head:
            out.append(GroupView(head, []))
        out[-1].entries.append(view)
    return out


def glossary(
    course: Course, marks: list[tuple[str, Mark]], lang: str, render: Callable[[str], Markup | None]
) -> list[GroupView]:
    """The glossary's entries under their letters, each with the pages where its term is used."""
    used: dict[str, list[str]] = {}
    for anchor, mark in marks:
        gid = course.glossary_names.get(entry_key(mark.term)) if mark.kind == "term" else None
        if gid is not None and anchor not in used.setdefault(gid, []):
            used[gid].append(anchor)
    items: list[tuple[str, object]] = [
        (
            entry.term,
            GlossaryEntryView(
                id=f"glossary-{gid}",
                term=Markup(escape(entry.term)),
                definition=render(entry.definition),
                pages=pages(used.get(gid, []), lang),
            ),
        )
        for gid, entry in course.glossary.items()
    ]
    return _groups(items, lang)


@dataclass
class _Entry:
    text: str
    anchors: list[str] = field(default_factory=list)
    see: list[str] = field(default_factory=list)
    see_also: list[str] = field(default_factory=list)
    subs: dict[str, _Entry] = field(default_factory=dict)


def book_index(marks: list[tuple[str, Mark]], lang: str) -> list[GroupView]:
    """The index's entries under their letters: pages, sub-entries, see and see also."""
    entries: dict[str, _Entry] = {}
    for anchor, mark in marks:
        if mark.kind == "term" or not mark.levels:
            continue
        entry = entries.setdefault(entry_key(mark.levels[0]), _Entry(mark.levels[0]))
        if mark.kind == "single":
            if len(mark.levels) > 1:
                entry = entry.subs.setdefault(entry_key(mark.levels[1]), _Entry(mark.levels[1]))
            if anchor not in entry.anchors:
                entry.anchors.append(anchor)
            continue
        refs = entry.see if mark.kind == "see" else entry.see_also
        for ref in mark.refs:
            shown = ", ".join(p.strip() for p in ref.replace("!", ";").split(";") if p.strip())
            if shown not in refs:
                refs.append(shown)

    def view(e: _Entry) -> IndexEntryView:
        subs = sorted(e.subs.values(), key=lambda s: sort_key(s.text, lang))
        return IndexEntryView(
            text=Markup(escape(e.text)),
            pages=pages(e.anchors, lang),
            see=[Markup(escape(r)) for r in e.see],
            see_also=[Markup(escape(r)) for r in e.see_also],
            subs=[view(s) for s in subs],
        )

    return _groups([(e.text, view(e)) for e in entries.values()], lang)
