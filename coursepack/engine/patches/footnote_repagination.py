"""Footnotes carried over when WeasyPrint lays pages out again (notes printed twice, or lost)."""

from __future__ import annotations

from coursepack.engine.patch import Patch, install


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

    original = wp_page.remake_page
    if getattr(original, "coursepack_fix", False):
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

    install(wp_page, "remake_page", remake_page, original)


PATCH = Patch(
    "footnote-repagination",
    fix_footnote_repagination,
    {"weasyprint.layout.page.remake_page": ("index", "context", "root_box", "html")},
    "a note carried over to the next page is printed twice, or lost, when pages are laid out again",
    "docs/engine.md#footnote-repagination",
)
