"""Each variable font instanced once per machine, not once per document."""

from __future__ import annotations

import hashlib
import io

from coursepack import machine, sealed
from coursepack.engine.patch import Patch, install

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

    install(wp_fonts.Font, "clean", clean, original)


PATCH = Patch(
    "variable-fonts",
    fix_variable_fonts,
    {"weasyprint.pdf.fonts.Font.clean": ("self", "to_unicode", "hinting")},
    "every document instances every variable face again: 0.1 s per face",
    "docs/engine.md#variable-fonts",
)
