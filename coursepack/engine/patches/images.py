"""Images named by their bytes (reproducible), and refused before decoding when too large."""

from __future__ import annotations

import hashlib

from coursepack import images
from coursepack.engine.patch import Patch, install


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

    install(wp_images.RasterImage, "__init__", raster, raster_init)
    install(wp_images.SVGImage, "__init__", svg, svg_init)


PATCH = Patch(
    "images",
    fix_images,
    {
        "weasyprint.images.RasterImage.__init__": (
            "self",
            "pillow_image",
            "image_id",
            "image_data",
            "filename",
            "cache",
            "orientation",
            "options",
        ),
        "weasyprint.images.SVGImage.__init__": ("self", "tree", "base_url", "url_fetcher", "context"),
    },
    "an image's name in the PDF comes from its absolute path; a huge image is decoded before any limit",
    "docs/engine.md#images",
)
