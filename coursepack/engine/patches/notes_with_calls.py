"""A note stays on its call's page: WeasyPrint moved it to the next one to fit a line of text."""

from __future__ import annotations

import inspect
import textwrap

from coursepack.engine.patch import Patch
from coursepack.engine.versions import EngineError


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
        raise EngineError(
            "coursepack does not know this WeasyPrint's footnote layout (a line of "
            f"weasyprint.layout.block._linebox_layout changed): install {PATCH.supports} (see docs/engine.md)"
        )
    # (compiled in the module's own namespace: it rebinds ``block._linebox_layout``)
    exec(compile(source.replace(step, "report = False"), block.__file__ or "block.py", "exec"), vars(block))
    block._linebox_layout.coursepack_fix = True


PATCH = Patch(
    "notes-with-calls",
    keep_notes_with_calls,
    {
        "weasyprint.layout.block._linebox_layout": (
            "context",
            "box",
            "index",
            "child",
            "new_children",
            "page_is_empty",
            "absolute_boxes",
            "fixed_boxes",
            "adjoining_margins",
            "bottom_space",
            "position_y",
            "skip_stack",
            "first_letter_style",
            "first_line_style",
            "draw_bottom_decoration",
            "max_lines",
        )
    },
    "a page's last notes are moved to the next page to fit one more line held by widows and orphans",
    "docs/engine.md#notes-with-calls",
)
