"""Chinese justified between characters, adjacent full-width punctuation compressed."""

from __future__ import annotations

from coursepack.engine.patch import Patch, install
from coursepack.i18n import CJK_CLOSING, CJK_OPENING


def _inter_character(style) -> bool:  # type: ignore[no-untyped-def]
    """Whether text in ``style`` is justified between characters (Chinese and Japanese)."""
    lang = style["lang"] or ""
    return lang.split("-")[0].lower() in ("zh", "ja")


def _wide(ch: str) -> bool:
    """A character set on the full em of the CJK grid: ideographs, kana, full-width punctuation."""
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F") and not ch.isspace()


OPENING, CLOSING = CJK_OPENING, CJK_CLOSING


def _compressed(text: str) -> set[int]:
    """The full-width punctuation marks of ``text`` to set on half an em: where two meet, the
    closing mark of a pair gives up its blank half ("）。", "。」"), or the opening mark that
    follows another mark ("，「", "（《"), as Chinese typesetting does (CLREQ 3.1.5)."""
    halves = set()
    for i, ch in enumerate(text[:-1]):
        after = text[i + 1]
        if ch in CLOSING and (after in CLOSING or after in OPENING):
            halves.add(i)
        elif ch in OPENING and after in OPENING:
            halves.add(i + 1)
    return halves


def justify_between_characters() -> None:
    """Justify Chinese (and Japanese) text between its characters, as CSS's
    ``text-justify: inter-character`` would, and compress adjacent punctuation.

    WeasyPrint 70 justifies a line by widening its spaces only. Chinese has none, so its lines
    were ragged, and the few it had (after "B.", around a Latin word) took the whole line's
    slack: gaps of 3 to 6 em. For text whose language is zh or ja, every full-width character
    is an expansion point too: the count of expandable points includes them, and when the line
    is drawn each of them gets the same extra spacing as a space (a Pango letter-spacing
    attribute, given twice at the text's two ends where Pango gives only half, as WeasyPrint
    does for spaces). Where two full-width punctuation marks meet, one is set on half an em
    (the font's ``halt`` feature), as Chinese typesetting does (``_compressed``); CSS would
    say ``text-spacing-trim``. Upstream would need ``text-justify`` and ``text-spacing-trim``.
    """
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    from weasyprint.text.ffi import TO_UNITS, ffi, pango

    count = inline.count_expandable_spaces
    set_text = line_break.Layout.set_text
    if getattr(count, "coursepack_fix", False):
        return

    def count_expandable_spaces(box):  # type: ignore[no-untyped-def]
        if isinstance(box, boxes.TextBox) and _inter_character(box.style):
            return count(box) + sum(1 for ch in box.text if _wide(ch))
        return count(box)

    def justified_set_text(self, text, justify=False):  # type: ignore[no-untyped-def]
        set_text(self, text, justify)
        if not _inter_character(self.style):
            return
        spacing = self.justification_spacing if justify else 0
        halves = _compressed(self.text)
        if not spacing and not halves:
            return
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        letter = self.style["letter_spacing"]
        letter = 0 if letter == "normal" else letter
        end = len(self.text.encode())
        start = 0
        for index, ch in enumerate(self.text):
            size = len(ch.encode())
            if index in halves:  # (a new attribute, owned by the list)
                attribute = pango.pango_attr_font_features_new(b"halt 1")
                attribute.start_index, attribute.end_index = start, start + size
                pango.pango_attr_list_insert(attributes, attribute)
            if spacing and _wide(ch):
                factor = 1 + (start == 0 or start + size == end)
                attribute = pango.pango_attr_letter_spacing_new(int((factor * spacing + letter) * TO_UNITS))
                attribute.start_index, attribute.end_index = start, start + size
                pango.pango_attr_list_change(attributes, attribute)
            start += size
        pango.pango_layout_set_attributes(self.layout, attributes)

    install(inline, "count_expandable_spaces", count_expandable_spaces, count)
    install(line_break.Layout, "set_text", justified_set_text, set_text)


PATCH = Patch(
    "inter-character",
    justify_between_characters,
    {
        "weasyprint.layout.inline.count_expandable_spaces": ("box",),
        "weasyprint.text.line_break.Layout.set_text": ("self", "text", "justify"),
    },
    "justification widens spaces only: Chinese lines are ragged, or their few spaces take the slack",
    "docs/engine.md#inter-character",
)
