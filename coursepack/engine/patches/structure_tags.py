"""Table header scope and the language of an element in the tagged structure (PDF/UA)."""

from __future__ import annotations

from coursepack.engine.patch import Patch, install


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

    install(wp_tags, "_build_box_tree", build_box_tree, original)


PATCH = Patch(
    "structure-tags",
    fix_structure_tags,
    {
        "weasyprint.pdf.tags._build_box_tree": (
            "box",
            "parent",
            "pdf",
            "page_number",
            "nums",
            "annotations",
            "tags",
        )
    },
    "header cells have no /Scope, and an element's own language is not in the structure tree",
    "docs/engine.md#structure-tags",
)
