"""The print shop's checks, on any PDF: fonts, glyphs, images, colour, page boxes, the trim."""

from __future__ import annotations

from collections.abc import Iterator

from coursepack.print.preflight.document import MM, Inspection, check
from coursepack.print.preflight.finding import Finding, Profile, Severity

MIN_DPI = 300  # effective resolution a print shop needs for photographs and screenshots
POOR_DPI = 150  # below this a print shop refuses the file
MIN_IMAGE_MM = 3.0  # an image smaller than this on the page (a rule, a dot) is not checked
MIN_BLEED_MM = 3.0  # bleed a print shop needs beyond the trim
TRIM_TOLERANCE = 0.5  # points: text this far past the trim box is rounding, not a defect


@check("fonts", "font-not-embedded")
def fonts_embedded(doc: Inspection) -> Iterator[Finding]:
    """Every font the pages use carries its program: a printer substitutes any other."""
    if not doc.scope.glyphs:
        return
    seen: set[str] = set()
    for page in doc.pages:
        for run in page.runs:
            if not run.font.embedded and run.font.name not in seen:
                seen.add(run.font.name)
                yield Finding(
                    page.number,
                    "font-not-embedded",
                    Severity.ERROR,
                    f"font {run.font.name} is not embedded: the printer would substitute another",
                )


@check("glyphs", "missing-glyph")
def glyphs(doc: Inspection) -> Iterator[Finding]:
    """No character is drawn as the font's .notdef glyph (a box, or nothing)."""
    if not doc.scope.glyphs:
        return
    for page in doc.pages:
        missing: dict[str, str] = {}
        for run in page.runs:
            for code in run.missing:
                text = run.font.text(code)
                shown = " ".join(f"U+{ord(c):04X}" for c in text) if text else f"code {code}"
                missing.setdefault(f"{text} ({shown})" if text else shown, run.font.name)
        for what, font in missing.items():
            yield Finding(
                page.number,
                "missing-glyph",
                Severity.ERROR,
                f"{what} has no glyph in {font}: it prints as a blank box; use a font that has it",
            )


@check("images", "image-resolution")
def image_resolution(doc: Inspection) -> Iterator[Finding]:
    """Raster images printed at ``MIN_DPI`` or more (print-shop profiles only)."""
    if not doc.scope.profile.print_shop:
        return
    for page in doc.pages:
        for image in page.images:
            w, h = image.placed
            if min(w, h) < MIN_IMAGE_MM * MM or image.dpi >= MIN_DPI:
                continue
            severity = Severity.ERROR if image.dpi < POOR_DPI else Severity.WARNING
            yield Finding(
                page.number,
                "image-resolution",
                severity,
                f"an image of {image.pixels[0]}×{image.pixels[1]} pixels printed {w / MM:.0f}×{h / MM:.0f} mm "
                f"is {image.dpi:.0f} dpi, under {MIN_DPI}: supply it at {MIN_DPI} dpi or print it smaller",
            )


@check("colour", "rgb-colour")
def colour(doc: Inspection) -> Iterator[Finding]:
    """No RGB colour or image where the print shop asks for CMYK (print-shop-cmyk profile)."""
    if doc.scope.profile is not Profile.PRINT_SHOP_CMYK:
        return
    vector = [p.number for p in doc.pages if p.rgb]
    images = [p.number for p in doc.pages if any(i.rgb for i in p.images)]
    for pages, what in ((vector, "text or drawing"), (images, "images")):
        if pages:
            yield Finding(
                pages[0],
                "rgb-colour",
                Severity.ERROR,
                f"{what} in RGB on {len(pages)} page(s) (first p. {pages[0]}): the profile asks for CMYK only",
            )


def _box(page: object, name: str) -> tuple[float, float, float, float] | None:
    box = page.get(name)  # type: ignore[attr-defined]
    if box is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _inside(inner: tuple[float, ...], outer: tuple[float, ...], tolerance: float = 0.01) -> bool:
    return (
        inner[0] >= outer[0] - tolerance
        and inner[1] >= outer[1] - tolerance
        and inner[2] <= outer[2] + tolerance
        and inner[3] <= outer[3] + tolerance
    )


@check("boxes", "page-boxes", "beyond-trim")
def page_boxes(doc: Inspection) -> Iterator[Finding]:
    """Trim box inside the bleed box inside the media box; bleed for a print shop; no text past the trim."""
    reported: set[str] = set()
    for number, page in enumerate(doc.pdf.pages, start=1):
        media = _box(page.obj, "/MediaBox")
        if media is None:
            continue
        trim = _box(page.obj, "/TrimBox")
        bleed = _box(page.obj, "/BleedBox")
        problem = None
        if trim is not None and not _inside(trim, media):
            problem = "the trim box is not inside the media box"
        elif bleed is not None and not _inside(bleed, media):
            problem = "the bleed box is not inside the media box"
        elif trim is not None and bleed is not None and not _inside(trim, bleed):
            problem = "the trim box is not inside the bleed box"
        elif doc.scope.profile.print_shop and (trim is None or trim == media):
            problem = "no trim box inside the media box: a print shop cannot tell where to cut"
        elif doc.scope.profile.print_shop and trim is not None:
            outer = bleed or media
            bled = min(trim[0] - outer[0], trim[1] - outer[1], outer[2] - trim[2], outer[3] - trim[3])
            if bled < MIN_BLEED_MM * MM - 0.1:
                problem = f"{bled / MM:.1f} mm of bleed beyond the trim, under {MIN_BLEED_MM:g} mm"
        if problem and problem not in reported:
            reported.add(problem)
            yield Finding(number, "page-boxes", Severity.ERROR, problem)
        if not doc.scope.glyphs:
            continue
        cut = trim or media
        scanned = doc.pages[number - 1]
        past = [
            r
            for r in scanned.runs
            if r.text.strip()
            and (
                r.x0 < cut[0] - TRIM_TOLERANCE
                or r.x1 > cut[2] + TRIM_TOLERANCE
                or r.y0 + 0.2 * r.size < cut[1] - TRIM_TOLERANCE
                or r.y1 - 0.2 * r.size > cut[3] + TRIM_TOLERANCE
            )
        ]
        if past:
            text = " ".join(past[0].text.split())[:40]
            edge = "trim box" if trim else "page"
            yield Finding(
                number,
                "beyond-trim",
                Severity.ERROR,
                f"text runs past the {edge} and is cut off (\u201c{text}\u201d"
                + (f" and {len(past) - 1} more run(s))" if len(past) > 1 else ")"),
            )
