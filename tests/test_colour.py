"""Nothing depends on colour alone, and text contrast meets WCAG AA (4.5:1) in the theme."""

from __future__ import annotations

import re

from conftest import ROOT

# (text colour, background) pairs the default theme sets text in
PAIRS = [
    ("#1b1b1b", "#ffffff"),  # body text
    ("#333333", "#ffffff"),
    ("#444444", "#f7f3ee"),  # case-study callouts
    ("#555555", "#eef1f5"),  # meta lines in tinted boxes
    ("#666666", "#ffffff"),
    ("#1f3a5f", "#eef1f5"),  # headings, callout titles on tint
    ("#a8461d", "#ffffff"),  # labels (Unit 1, Exercise 3)
    ("#a8461d", "#f7f3ee"),
    ("#ffffff", "#1f3a5f"),  # cover
    ("#f2c9b5", "#1f3a5f"),
    ("#dfe6ee", "#1f3a5f"),
    ("#eef2f6", "#1f3a5f"),
    ("#ffffff", "#a8461d"),  # answer-key banner
    ("#1b1b1b", "#f4f5f7"),  # code
    ("#1f3a5f", "#f4f5f7"),  # code: keywords, names
    ("#7a3b10", "#f4f5f7"),  # code: strings, numbers
    ("#5f6771", "#f4f5f7"),  # code: comments, prompts, line numbers
    ("#444444", "#f4f5f7"),  # code: a session's output
    ("#8a2a12", "#f4f5f7"),  # code: errors
    ("#333333", "#ffffff"),  # program output blocks
]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(fg: str, bg: str) -> float:
    lighter, darker = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_colours_meet_wcag_aa() -> None:
    for fg, bg in PAIRS:
        assert contrast(fg, bg) >= 4.5, f"{fg} on {bg}: {contrast(fg, bg):.2f}:1"


def test_every_text_colour_of_the_theme_is_checked() -> None:
    css = (ROOT / "templates" / "style.css").read_text()
    used = {c.lower() for c in re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})\b", css)}
    full = {("#" + "".join(ch * 2 for ch in c[1:])) if len(c) == 4 else c for c in used}
    assert full <= {fg for fg, _ in PAIRS}, full - {fg for fg, _ in PAIRS}


def test_callouts_and_exercise_kinds_carry_printed_labels() -> None:
    from coursepack.markdown.blocks import KINDS

    templates = (ROOT / "templates" / "partials" / "exercise.html").read_text()
    assert "ex.kind" in templates and "ex.timing" in templates  # the kind is printed, not only coloured
    # every callout prints a title
    assert all(kind.title for kind in KINDS.kinds.values() if kind.role in ("callout", "exercise", "solution", "hint"))
