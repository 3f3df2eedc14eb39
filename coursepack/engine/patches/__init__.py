"""Every patch coursepack applies to the engine, one module each, in the order applied.

Each module says what it replaces (checked at start-up, see ``Patch.check``), why, and where
its upstream report is (docs/engine.md). Remove a patch when the supported engine no longer
needs it, and its entry here.
"""

from __future__ import annotations

from coursepack.engine.patch import Patch
from coursepack.engine.patches import (
    font_digits,
    fonttools_subset,
    footnote_repagination,
    harfbuzz_subset,
    images,
    inter_character,
    notes_with_calls,
    structure_tags,
    variable_fonts,
)

PATCHES: tuple[Patch, ...] = (
    footnote_repagination.PATCH,
    notes_with_calls.PATCH,
    inter_character.PATCH,
    fonttools_subset.PATCH,
    harfbuzz_subset.PATCH,
    variable_fonts.PATCH,
    font_digits.PATCH,
    structure_tags.PATCH,
    images.PATCH,
)
