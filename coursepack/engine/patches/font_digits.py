"""Every embedded font carries the ten digits, its tables in glyph order (page numbers written in later)."""

from __future__ import annotations

from coursepack.engine.patch import Patch, install


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

    install(wp_pdf, "build_fonts_dictionary", build_fonts_dictionary, original)


PATCH = Patch(
    "font-digits",
    fix_font_digits,
    {"weasyprint.pdf.build_fonts_dictionary": ("pdf", "fonts", "compress", "subset", "options")},
    "a subset font has only the digits its text used, and its tables in the order glyphs were first drawn",
    "docs/engine.md#font-digits",
)
