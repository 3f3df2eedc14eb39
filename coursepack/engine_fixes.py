"""Workarounds for the typesetting engine, applied in each process that typesets.

Each patch is small, checks that it applies once, and says which upstream behaviour it
changes and why. Remove one when the pinned WeasyPrint or fontTools no longer needs it.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

from coursepack import images, machine, sealed


def apply() -> None:
    fix_footnote_repagination()
    keep_notes_with_calls()
    justify_between_characters()
    fix_font_subsetting()
    fix_subset_with_harfbuzz()
    fix_variable_fonts()
    fix_font_digits()
    fix_structure_tags()
    fix_images()


@contextlib.contextmanager
def quick_library_search() -> Iterator[None]:
    """While WeasyPrint loads its C libraries, look them up in ldconfig's cache only.

    WeasyPrint tries several names for each library (the Windows, macOS and Linux ones) and
    the optional HarfBuzz-Subset and HarfBuzz-Vector; for every name that fails, ``ctypes``
    runs ``ldconfig``, then ``gcc`` and ``ld``: 0.2 s of processor time in every worker. On
    Linux, with no ``LD_LIBRARY_PATH`` (which only ``ld`` would search), ldconfig's answer is
    the whole answer. Elsewhere this changes nothing.
    """
    import ctypes.util

    ldconfig = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if sys.platform != "linux" or ldconfig is None or os.environ.get("LD_LIBRARY_PATH"):
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = ldconfig
    try:
        yield
    finally:
        ctypes.util.find_library = original


def fix_footnote_repagination() -> None:
    """Work around two WeasyPrint 70 bugs with footnotes when pages are laid out again.

    During repagination (a ``target-counter`` changed), only the pages whose content changed
    are laid out again; a footnote that does not fit on its page is carried over to the next
    one in ``context.reported_footnotes``, which only laying out its page fills.

    - A page that carries a footnote over, followed by a page reused as "up to date", left
      the note pending, and the page after printed it a second time: the next page is laid
      out again whenever a page leaves footnotes pending.
    - A page laid out again after a page reused as "up to date" never received the note that
      page had carried over, and the note was lost (the last page of a chapter, when its
      previous page pushed a note on to it). Each page's carried-over notes are kept, and given
      to the next page when the page itself was not laid out again just before.
    """
    from weasyprint.layout import page as wp_page

    original = getattr(wp_page, "remake_page", None)
    if original is None or getattr(original, "coursepack_fix", False):
        return

    def remake_page(index, context, root_box, html):  # type: ignore[no-untyped-def]
        carried = context.__dict__.setdefault("coursepack_carried", {})  # page index -> notes it carried over
        if index and context.__dict__.get("coursepack_last") != index - 1:
            context.reported_footnotes = list(carried.get(index - 1, ()))
        page, resume_at = original(index, context, root_box, html)
        carried[index] = list(context.reported_footnotes)
        context.coursepack_last = index
        if context.reported_footnotes and index + 1 < len(context.page_maker):
            context.page_maker[index + 1][-1]["content_changed"] = True
        return page, resume_at

    remake_page.coursepack_fix = True  # type: ignore[attr-defined]
    wp_page.remake_page = remake_page


def keep_notes_with_calls() -> None:
    """Never move a note placed on a page to the next page to make room for text.

    When a paragraph reaches the foot of a page at a line it may not break before (its
    ``orphans`` or ``widows`` would be broken), WeasyPrint 70 pushes the page's last notes on
    to the next page to fit that line: the note then prints a page after its call (seen on
    one page in six of the sample). A book keeps each note with its call and breaks the
    paragraph one line earlier; this makes the engine do that, by turning off that one step of
    ``_linebox_layout`` (a note that does not fit at all is still carried over, and
    ``footnote-policy: line`` in the theme then moves its line with it). The step's line is
    matched exactly: a WeasyPrint whose source differs stops the build rather than print notes
    on the wrong page.
    """
    from weasyprint.layout import block

    original = block._linebox_layout
    if getattr(original, "coursepack_fix", False):
        return
    step = "report = not context.in_column and can_break_now and not could_break_before"
    source = textwrap.dedent(inspect.getsource(original))
    if source.count(step) != 1:
        raise RuntimeError(
            "coursepack does not know this WeasyPrint's footnote layout (weasyprint.layout.block._linebox_layout "
            "changed): install the WeasyPrint version coursepack supports (see pyproject.toml)"
        )
    # (compiled in the module's own namespace: it rebinds ``block._linebox_layout``)
    exec(compile(source.replace(step, "report = False"), block.__file__ or "block.py", "exec"), vars(block))
    block._linebox_layout.coursepack_fix = True


def _inter_character(style) -> bool:  # type: ignore[no-untyped-def]
    """Whether text in ``style`` is justified between characters (Chinese and Japanese)."""
    lang = style["lang"] or ""
    return lang.split("-")[0].lower() in ("zh", "ja")


def _wide(ch: str) -> bool:
    """A character set on the full em of the CJK grid: ideographs, kana, full-width punctuation."""
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F") and not ch.isspace()


OPENING = frozenset("（〔［｛〈《「『【")
CLOSING = frozenset("）〕］｝〉》」』】，、。．：；！？")


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

    count_expandable_spaces.coursepack_fix = True  # type: ignore[attr-defined]
    inline.count_expandable_spaces = count_expandable_spaces
    line_break.Layout.set_text = justified_set_text


def fix_font_subsetting() -> None:
    """Make fontTools skip the layout tables WeasyPrint asks it to drop.

    WeasyPrint subsets fonts with ``drop_tables`` including GSUB and GPOS (a PDF needs no
    shaping rules), but fontTools 4.6x decompiles those tables before dropping them: about
    0.6 s per font face and document with the Noto fonts, most of a small document's time.
    Deleting them (and GDEF, which only serves them) first gives the same glyphs, five times
    faster.
    """
    from fontTools import subset

    original = subset.Subsetter.subset
    if getattr(original, "coursepack_fix", False):
        return

    def fast_subset(self, font):  # type: ignore[no-untyped-def]
        drop = set(self.options.drop_tables)
        if {"GSUB", "GPOS"} <= drop:
            drop.add("GDEF")
        for tag in [t for t in ("GSUB", "GPOS", "GDEF", "SVG ") if t.strip() in drop and t in font]:
            del font[tag]
        return original(self, font)

    fast_subset.coursepack_fix = True  # type: ignore[attr-defined]
    subset.Subsetter.subset = fast_subset


_DROP_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")


def fix_subset_with_harfbuzz() -> None:
    """Subset fonts with HarfBuzz (the ``uharfbuzz`` wheel) where the system has no HarfBuzz-Subset.

    WeasyPrint subsets with the system's libharfbuzz-subset when it is installed, else with
    fontTools, which parses every table of the face: about 0.08 s per face and document, half
    a second for a part of a pack set in six faces, paid by every part. This does what
    WeasyPrint's own HarfBuzz path does (same flags, same dropped tables, glyph ids kept)
    with the HarfBuzz bundled in ``uharfbuzz``: about a millisecond a face. If HarfBuzz
    cannot subset a face, WeasyPrint's fontTools path does, as before.
    """
    import uharfbuzz as hb
    from weasyprint.pdf import fonts as wp_fonts

    original = wp_fonts.Font.subset
    if getattr(original, "coursepack_fix", False):
        return
    flags = hb.SubsetFlags
    drop = [int.from_bytes(tag.encode("ascii"), "big") for tag in _DROP_TABLES]

    def subset(self, to_unicode, hinting):  # type: ignore[no-untyped-def]
        if not to_unicode:
            return
        notdef = flags.NOTDEF_OUTLINE if self.missing else flags.DEFAULT
        keep = hb.SubsetInput()  # the used glyphs, at their own ids
        keep.glyph_set.update(sorted(to_unicode))
        keep.flags = flags.RETAIN_GIDS | flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | notdef
        keep.sets(hb.SubsetInputSets.DROP_TABLE_TAG).update(drop)
        trim = hb.SubsetInput()  # then the empty glyph slots after the last one used are dropped
        trim.glyph_set.add_range(0, max(to_unicode))
        trim.flags = flags.PASSTHROUGH_UNRECOGNIZED | flags.DESUBROUTINIZE | notdef
        if not hinting:
            trim.flags |= flags.NO_HINTING
        try:
            face = hb.subset(hb.subset(hb.Face(hb.Blob(self.file_content), self.index), keep), trim)
        except RuntimeError:  # "Subsetting failed": WeasyPrint's fontTools path tries instead
            face = None
        data = face.blob.data if face is not None else b""
        if not data:
            original(self, to_unicode, hinting)
            return
        self.file_content = bytes(data)

    subset.coursepack_fix = True  # type: ignore[attr-defined]
    wp_fonts.Font.subset = subset


def cache_dir() -> Path:
    """Where machine-wide derived files live (see ``machine``: a folder of the user's own)."""
    return machine.cache_dir()


_STATIC: dict[str, bytes] = {}
_VARIABLE_TABLES = ("fvar", "gvar", "avar", "cvar", "HVAR", "VVAR", "MVAR", "STAT")


def _static_instance(content: bytes, index: int, variations: dict[str, float]) -> bytes:
    """The variable font instanced at ``variations``: memoized, and cached on disk across builds."""
    from fontTools import version as fonttools_version
    from fontTools.ttLib import TTFont
    from fontTools.varLib.instancer import instantiateVariableFont

    digest = hashlib.sha256(content).hexdigest()[:24]
    where = ",".join(f"{k}={v:g}" for k, v in sorted(variations.items()))
    key = hashlib.sha256(f"{digest}/{index}/{where}/{fonttools_version}".encode()).hexdigest()[:32]
    if key in _STATIC:
        return _STATIC[key]
    folder = machine.private_dir("fonts")  # None: not private, or read-only: instanced again next time
    path = folder / f"{key}.sealed" if folder else None  # (not .ttf: older versions read those raw)
    data = sealed.read(path) if path else None  # a damaged entry is made again, never used
    if data is None:
        font = instantiateVariableFont(TTFont(io.BytesIO(content), fontNumber=index), variations, static=True)
        out = io.BytesIO()
        font.save(out)
        data = out.getvalue()
        if path:
            sealed.write(path, data)
    _STATIC[key] = data
    return data


def fix_variable_fonts() -> None:
    """Instance each variable font once per machine, not once per document.

    WeasyPrint turns a variable font into a static one for the PDF after subsetting it, so
    every document pays for instancing all of the font's glyph slots (about 0.1 s per face
    with the Noto fonts). Instancing the whole font once, at the same axis values, and
    caching the result gives the same outlines and advances; the subset is then taken from
    the static font.
    """
    from fontTools.ttLib import TTFont
    from weasyprint.pdf import fonts as wp_fonts

    original = wp_fonts.Font.clean
    if getattr(original, "coursepack_fix", False):
        return

    def clean(self, to_unicode, hinting):  # type: ignore[no-untyped-def]
        if "fvar" in self.tables and not (self.png or self.svg):
            font = TTFont(io.BytesIO(self.file_content), fontNumber=self.index, lazy=True)
            axes = {axis.axisTag: axis for axis in font["fvar"].axes}
            variations = {k: v for k, v in self.variations.items() if k in axes}
            if "wght" in axes and "wght" not in variations:
                variations["wght"] = self.weight
            if "opsz" in axes and "opsz" not in variations:
                variations["opsz"] = self.font_size
            if "slnt" in axes and "slnt" not in variations:
                slnt = 0.0
                if self.style == 1:
                    slnt = axes["slnt"].minValue if axes["slnt"].maxValue == 0 else axes["slnt"].maxValue
                variations["slnt"] = slnt
            if "ital" in axes and "ital" not in variations:
                variations["ital"] = int(self.style == 2)
            self.file_content = _static_instance(self.file_content, self.index, variations)
            self.index = 0
            self.tables = [t for t in self.tables if t not in _VARIABLE_TABLES]
        return original(self, to_unicode, hinting)

    clean.coursepack_fix = True  # type: ignore[attr-defined]
    wp_fonts.Font.clean = clean


def fix_font_digits() -> None:
    """Embed every font with all ten digits, and write its glyph tables in glyph order.

    A part of a pack is typeset with zeros where it prints a page number, and the stitcher
    writes the real digits in (``pagerefs``): the fonts must carry digits the text did not
    use, with their outlines, widths and text mapping. Sorting the width and text-mapping
    tables by glyph makes the PDF's bytes independent of the order glyphs were first drawn.
    """
    import weasyprint.pdf as wp_pdf
    from weasyprint.text.ffi import ffi, harfbuzz

    original = wp_pdf.build_fonts_dictionary
    if getattr(original, "coursepack_fix", False):
        return
    ffi.cdef(
        """
        hb_bool_t hb_font_get_nominal_glyph (hb_font_t *font, hb_codepoint_t unicode, hb_codepoint_t *glyph);
        int32_t hb_font_get_glyph_h_advance (hb_font_t *font, hb_codepoint_t glyph);
        void hb_font_get_scale (hb_font_t *font, int *x_scale, int *y_scale);
        """
    )

    def build_fonts_dictionary(pdf, fonts, compress, subset, options):  # type: ignore[no-untyped-def]
        glyph = ffi.new("hb_codepoint_t *")
        x_scale, y_scale = ffi.new("int *"), ffi.new("int *")
        for font in fonts.values():
            if font.bitmap:
                continue
            harfbuzz.hb_font_get_scale(font.hb_font, x_scale, y_scale)
            for digit in "0123456789":
                if x_scale[0] and harfbuzz.hb_font_get_nominal_glyph(font.hb_font, ord(digit), glyph):
                    gid = int(glyph[0])
                    font.to_unicode.setdefault(gid, digit)
                    if gid not in font.widths:
                        advance = harfbuzz.hb_font_get_glyph_h_advance(font.hb_font, gid)
                        font.widths[gid] = round(advance * 1000 / x_scale[0])
            font.to_unicode = dict(sorted(font.to_unicode.items()))
            font.widths = dict(sorted(font.widths.items()))
        return original(pdf, fonts, compress, subset, options)

    build_fonts_dictionary.coursepack_fix = True  # type: ignore[attr-defined]
    wp_pdf.build_fonts_dictionary = build_fonts_dictionary


def fix_structure_tags() -> None:
    """Two things WeasyPrint 70 leaves out of the tagged structure (PDF/UA).

    - Table header cells get their scope (``/Scope /Column`` or ``/Row``): WeasyPrint links
      data cells to their headers (``/Headers``) but leaves the header cells without it, which
      PDF/UA checkers and some screen readers look for. A header's scope is its ``scope``
      attribute, or the column when it has none (as WeasyPrint itself assumes).
    - An element with a ``lang`` of its own gets ``/Lang`` (PDF/UA 7.2): WeasyPrint writes the
      document's language in the catalog only, so a passage left in the source language (a
      translation's fallback, an untranslated title) was announced in the pack's language. The
      structure tree passes ``/Lang`` down to the element's contents, as HTML's ``lang`` does.
    """
    import pydyf
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import tags as wp_tags

    original = wp_tags._build_box_tree
    if getattr(original, "coursepack_fix", False):
        return

    def build_box_tree(box, *args):  # type: ignore[no-untyped-def]
        own = box._box if isinstance(box, AbsolutePlaceholder) else box
        element = own.element
        lang = element.attrib.get("lang") if element is not None and own.element_tag not in ("html", "body") else None
        for struct in original(box, *args):  # recursive calls come back through this wrapper
            if lang and "Lang" not in struct:
                struct["Lang"] = pydyf.String(lang)
            yield struct
        mark = getattr(own, "mark", None)
        if element is not None and own.element_tag == "th" and mark is not None and "A" in mark:
            mark["A"]["Scope"] = "/Row" if element.attrib.get("scope") == "row" else "/Column"

    build_box_tree.coursepack_fix = True  # type: ignore[attr-defined]
    wp_tags._build_box_tree = build_box_tree


def fix_images() -> None:
    """Two changes to how WeasyPrint 70 loads an image.

    - A raster image's name in the PDF comes from a digest of its bytes, not of its URL (an
      absolute ``file://`` path): the same course built from two folders gives the same bytes,
      as SOURCE_DATE_EPOCH promises. An image shown twice is still stored once.
    - An image too large to draw is refused before it is decoded or drawn (``images``: pixel
      count from the header, SVG elements with every ``<use>`` expanded). ``check`` refuses
      those the text shows; this covers any other (a stylesheet's, one an SVG includes), which
      WeasyPrint then leaves out with a warning naming it (``--strict`` fails on it).
    """
    from weasyprint import images as wp_images
    from weasyprint.logger import LOGGER

    raster_init = wp_images.RasterImage.__init__
    if getattr(raster_init, "coursepack_fix", False):
        return
    svg_init = wp_images.SVGImage.__init__

    def refuse(name: object, refused: str) -> None:
        # WeasyPrint's own warning gives the URL but not why: this one says why
        LOGGER.error("Image %s %s", name or "(inline SVG)", refused)
        raise ValueError(refused)

    def raster(self, pillow_image, image_id, image_data, *args, **kwargs):  # type: ignore[no-untyped-def]
        refused = images.raster_too_large(*pillow_image.size)
        if refused:
            refuse(args[0] if args else kwargs.get("filename"), refused)
        if isinstance(image_data, bytes):  # (with the orientation, which changes the pixels stored)
            orientation = args[2] if len(args) > 2 else kwargs.get("orientation", "none")
            image_id = hashlib.sha256(image_data + repr(orientation).encode()).hexdigest()[:32]
        raster_init(self, pillow_image, image_id, image_data, *args, **kwargs)

    def svg(self, tree, *args, **kwargs):  # type: ignore[no-untyped-def]
        refused = images.svg_too_large(images.SvgShape.of_tree(tree))
        if refused:
            refuse(args[0] if args else kwargs.get("base_url"), refused)
        svg_init(self, tree, *args, **kwargs)

    raster.coursepack_fix = True  # type: ignore[attr-defined]
    wp_images.RasterImage.__init__ = raster
    wp_images.SVGImage.__init__ = svg
