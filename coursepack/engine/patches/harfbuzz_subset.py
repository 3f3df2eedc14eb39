"""Fonts subset with the HarfBuzz of the uharfbuzz wheel, not fontTools (a millisecond a face)."""

from __future__ import annotations

from coursepack.engine.patch import Patch, install

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

    install(wp_fonts.Font, "subset", subset, original)


PATCH = Patch(
    "harfbuzz-subset",
    fix_subset_with_harfbuzz,
    {"weasyprint.pdf.fonts.Font.subset": ("self", "to_unicode", "hinting")},
    "without the system's HarfBuzz-Subset, fonts are subset by fontTools: 0.08 s per face and document",
    "docs/engine.md#harfbuzz-subset",
)
