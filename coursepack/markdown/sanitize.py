"""The last line of defence: what an edition's HTML may contain, checked after it is written.

Every edition is built from a tree without the blocks its audiences may not see (``render``),
so instructor-only text cannot reach a student pack by construction. This module checks the
result anyway, the way a reader would: before a PDF is typeset, its HTML is searched for the
text of every block the edition does not show (instructor notes, model answers, solutions,
the guide, class plans, answers to assessment questions). A hit stops the build, naming the
file and line the text comes from. It also runs nh3 over written HTML (an allowlist of the
theme's elements), should a rule of ours ever write something it should not.
"""

from __future__ import annotations

import html as html_module
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import nh3
from markdown_it.token import Token

from coursepack.errors import BuildError, display_path
from coursepack.markdown.document import Parsed, parse_field, parses_of, walk

if TYPE_CHECKING:
    from coursepack.content.model import Course

MIN_PROBE = 16  # characters: shorter runs of text ("See below.") are not distinctive

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "em", "strong", "a", "ul", "ol", "li", "dl", "dt", "dd", "table", "caption",
    "thead", "tbody", "tr", "th", "td", "figure", "figcaption", "img", "blockquote", "code", "pre", "span", "div",
    "sup", "sub", "br", "hr", "abbr", "del", "ins", "mark", "kbd", "small", "u", "s", "q", "cite", "var", "samp",
    "section",
    "svg", "title", "path", "rect", "line", "polyline", "polygon", "circle", "ellipse", "g",  # formulas (maths)
}  # fmt: skip
ALLOWED_ATTRS = {
    "*": {"id", "class", "lang", "dir", "title"},
    "a": {"href"},
    "img": {"src", "alt", "style"},
    "th": {"style"},
    "td": {"style"},
    "ol": {"start", "style"},
    # a formula's drawing (maths._element writes no other attribute)
    "svg": {"xmlns", "viewBox", "style"},
    **{
        tag: {"d", "x", "y", "x1", "y1", "x2", "y2", "width", "height", "rx", "ry", "cx", "cy", "r", "points",
              "transform", "fill", "stroke", "stroke-width", "fill-opacity", "stroke-opacity", "opacity"}
        for tag in ("path", "rect", "line", "polyline", "polygon", "circle", "ellipse", "g")
    },
}  # fmt: skip


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRS,
        generic_attribute_prefixes={"data-"},
        url_schemes={"http", "https", "mailto"},
        filter_style_properties={"text-align", "width", "counter-reset", "height", "vertical-align"},
        link_rel=None,
        strip_comments=True,
    )


def clean(html: str) -> str:
    """Written HTML through the allowlist (a no-op for what our rules write)."""
    return _cleaner().clean(html)


@dataclass
class Hidden:
    """A block an edition must not print: where it was written, and the runs of its text,
    longest first (a leak of the block prints them all)."""

    path: Path
    line: int
    runs: list[str]


def _runs(tokens: list[Token]) -> Iterator[tuple[Token, str]]:
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            for child in tok.children:
                if child.type in ("text", "code_inline") and child.content.strip():
                    yield tok, child.content
        elif tok.type in ("fence", "code_block") and tok.content.strip():
            for line in tok.content.splitlines():
                yield tok, line
        title = tok.meta.get("title_inline") if tok.meta else None
        if title is not None:
            for child in title.children or []:
                if child.type == "text":
                    yield tok, child.content


def _parses(course: Course) -> list[tuple[Parsed, bool]]:
    return parses_of(course.markdown_sources())


def hidden_blocks(course: Course, audiences: frozenset[str]) -> list[Hidden]:
    """Every block of ``course`` an edition with ``audiences`` does not print: instructor notes,
    guidelines, model answers, solutions, footnotes defined in them, the guide, class plans,
    answers to assessment questions (kept with the course: made once per set of audiences)."""
    key = f"hidden {sorted(audiences)}"
    if key in course.derived:
        return course.derived[key]  # type: ignore[no-any-return]
    found: list[Hidden] = []
    for parsed, instructor_file in _parses(course):
        secret = instructor_file and "instructor" not in audiences
        current: Hidden | None = None
        depth = 0
        for _i, tok, needs in walk(parsed.tokens):
            invisible = secret or not needs <= audiences
            if invisible and current is None:
                current = Hidden(parsed.path, parsed.line(tok), [])
                found.append(current)
                depth = 0
            if current is not None:
                depth += tok.nesting
                current.runs.extend(text for _t, text in _runs([tok]))
                if depth <= 0 and not invisible:
                    current = None
        for note in parsed.notes.values():
            if note.needs is not None and (secret or not note.needs <= audiences):
                found.append(Hidden(parsed.path, note.line, [t for _t, t in _runs(note.tokens)]))
    langs = {course.lang or course.meta.language, course.meta.language}
    if "instructor" not in audiences:
        for plan in course.plans:
            for text in [plan.description or "", *(b.notes or "" for b in plan.blocks)]:
                _field(found, text, course.root / "instructor" / "plans.yaml", langs)
    if "answer" not in audiences and course.assessment:
        for task in course.assessment.tasks:
            for q in task.questions:
                _field(found, q.answer or "", course.root / "instructor" / "assessment.yaml", langs)
    for block in found:
        block.runs = sorted({r.strip() for r in block.runs if len(r.strip()) >= MIN_PROBE}, key=len, reverse=True)
    found = [b for b in found if b.runs]
    course.derived[key] = found
    return found


def _shown(course: Course, audiences: frozenset[str]) -> str:
    """All the text an edition with ``audiences`` may print, joined (read only when a hidden run
    is found in its HTML: a model answer may quote the unit's own words)."""
    runs: list[str] = []
    for parsed, instructor_file in _parses(course):
        if instructor_file and "instructor" not in audiences:
            continue
        for _i, tok, needs in walk(parsed.tokens):
            if needs <= audiences:
                runs.extend(text for _t, text in _runs([tok]))
    return "\n".join(runs)


def _field(found: list[Hidden], text: str, path: Path, langs: set[str]) -> None:
    """A Markdown field of a YAML file, as each language it may be set in writes it."""
    if not text:
        return
    for lang in langs:
        parsed = parse_field(text, lang, path)
        found.append(Hidden(path, 0, [run for _t, run in _runs(parsed.tokens)]))


def check_leaks(html: str, course: Course, audiences: frozenset[str], edition: str, allowed: set[str]) -> None:
    """Stop when the HTML of an edition holds the text of a block it must not print.

    Each hidden block is looked for by its longest run of text; a run the edition also prints
    where it may (a quotation) does not count, and the block's next longest is looked for.
    """
    hidden = hidden_blocks(course, audiences)
    if not hidden:
        return
    text = html_module.unescape(html)  # (nh3 and markdown-it write entities differently)
    shown: str | None = None
    for block in hidden:
        for run in block.runs:
            if run not in text:
                break  # (the whole block would be printed: its longest run would be there)
            if run in allowed:
                continue
            if shown is None:
                shown = _shown(course, audiences)
            if run in shown:
                continue
            where = f"{display_path(block.path)}:{block.line}" if block.line else display_path(block.path)
            raise BuildError(
                f"{where}: text the {edition} must not show would be printed in it ('{run[:60]}'); "
                "nothing was written: please report this with the file"
            )
