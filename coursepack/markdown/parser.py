"""The Markdown parser: markdown-it-py (CommonMark) with the extensions course material uses.

CommonMark plus GitHub's tables, strikethrough, task lists, autolinks and alerts; footnotes
(Pandoc's, inline ``^[...]`` too); definition lists; Pandoc attributes on headings, fenced
code, images, links and ``[spans]{...}``; fenced divs (``divs``); ``$maths$`` and ``\\(maths\\)``; table captions
(``Table: ...`` or ``: ...`` next to a table); Pandoc's citations (``citations``). Tokens keep
their source lines (``map``).

The rules are ours where no plugin does the job: ``inline_rules``, ``block_rules``,
``figures``. The parser only reads: what a token means for an edition (audience, numbers, links) is
decided by later stages on the tree it gives (``document``).
"""

from __future__ import annotations

import threading
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

from coursepack.markdown.block_rules import (
    alerts_rule,
    block_attrs_rule,
    captions_rule,
    div_titles_rule,
    myst_line_rule,
    myst_targets_rule,
    notes_rule,
    quarto_equation_rule,
)
from coursepack.markdown.block_rules import bracket_maths_rule as block_bracket_maths
from coursepack.markdown.citations import bracket_citation_rule, narrative_citation_rule
from coursepack.markdown.cjk import cjk_plugin
from coursepack.markdown.divs import divs_plugin
from coursepack.markdown.figures import figures_rule, graphics_cells_rule, myst_figures_rule
from coursepack.markdown.inline_rules import (
    attrs_rule,
    emphasis_attrs_rule,
    quarto_xref_rule,
    span_rule,
    track_references,
)
from coursepack.markdown.inline_rules import bracket_maths_rule as inline_bracket_maths
from coursepack.markdown.marks import index_block_rule, role_rule, span_marks_rule
from coursepack.markdown.typography import quote_marks, typography_rule

# Lists, quotes and blocks nested deeper than this are not parsed: markdown-it leaves their text
# out (silently; ``_report_depth`` tells the checks where), and nothing later recurses deeper.
MAX_NESTING = 40
TOO_DEEP = "cp_too_deep"  # the parse's environment: the 0-based line of the first structure too deep


def _report_depth(md: MarkdownIt) -> None:
    """Record in the environment where the block parser stops going deeper (``maxNesting``)."""
    tokenize = md.block.tokenize

    def tokenize_noting_depth(state: StateBlock, start: int, end: int) -> None:
        if state.level >= state.md.options["maxNesting"]:
            line = state.skipEmptyLines(start)
            if line < end and state.sCount[line] >= state.blkIndent:
                state.env.setdefault(TOO_DEEP, line)
        tokenize(state, start, end)

    md.block.tokenize = tokenize_noting_depth  # type: ignore[method-assign,assignment]


@cache
def parser(lang: str, typography: bool = True) -> MarkdownIt:
    """The parser for text in ``lang`` (its quotation marks); one per language, reused.

    ``typography=False`` leaves quotes, dashes and spacing as typed (the CommonMark examples
    are compared that way: everything else is the same parser).
    """
    md = MarkdownIt("commonmark", {"typographer": typography, "quotes": quote_marks(lang)})  # type: ignore[typeddict-item]
    md.options["maxNesting"] = MAX_NESTING
    _report_depth(md)
    md.enable(["table", "strikethrough", "smartquotes"])
    md.disable(["replacements"])  # (c) → ©, +- → ±: wrong in legal text; dashes are ours
    md.options["tasklists"] = True
    md.options["alerts"] = True
    md.use(gfm_autolink_plugin)
    md.use(footnote_plugin, inline=True, move_to_end=False, always_match_refs=True)
    md.use(deflist_plugin)
    md.use(cjk_plugin)  # **《公约》**于: emphasis next to full-width punctuation (CommonMark's CJK-friendly draft)
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, allow_labels=True)
    md.block.ruler.before("math_block", "math_block_quarto", quarto_equation_rule, {"alt": ["paragraph"]})
    md.block.ruler.before("math_block", "math_block_brackets", block_bracket_maths, {"alt": ["paragraph"]})
    md.inline.ruler.before("escape", "math_inline_brackets", inline_bracket_maths)  # \\(...\\)
    md.use(divs_plugin)
    md.block.ruler.before("div", "cp_index", index_block_rule, {"alt": ["paragraph"]})  # MyST's :::{index}
    md.block.ruler.before("paragraph", "myst_line", myst_line_rule)
    # every link and image is read as written: the checks refuse what is not http(s), mailto or a
    # file of the course at its line (markdown-it would print a javascript: link as text, silently)
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    track_references(md)
    md.inline.ruler.after("link", "span", span_rule)
    md.inline.ruler.before("link", "quarto_xref_brackets", quarto_xref_rule)
    md.inline.ruler.push("quarto_xref", quarto_xref_rule)
    md.inline.ruler.before("link", "citation_brackets", bracket_citation_rule)  # (after Quarto's [-@fig-x])
    md.inline.ruler.push("citation", narrative_citation_rule)  # (after Quarto's @fig-x)
    md.inline.ruler.push("attrs", attrs_rule)
    md.inline.ruler.before("backticks", "cp_roles", role_rule)  # {term}`x`, {index}`x`
    md.core.ruler.after("block", "cp_alerts", alerts_rule)
    md.core.ruler.after("cp_alerts", "cp_block_attrs", block_attrs_rule)
    md.core.ruler.after("cp_block_attrs", "cp_myst_targets", myst_targets_rule)
    # after smart quotes and text_join, while every inline token is still in the stream:
    md.core.ruler.after("inline", "cp_emphasis_attrs", emphasis_attrs_rule)
    md.core.ruler.after("cp_emphasis_attrs", "cp_span_marks", span_marks_rule)
    if typography:
        md.core.ruler.push("cp_typography", typography_rule)
    md.core.ruler.push("cp_div_titles", div_titles_rule)
    md.core.ruler.push("cp_myst_figures", myst_figures_rule)
    md.core.ruler.push("cp_graphics_cells", graphics_cells_rule)
    md.core.ruler.push("cp_notes", notes_rule)
    md.core.ruler.push("cp_captions", captions_rule)
    md.core.ruler.push("cp_figures", figures_rule)
    return md


def parse(text: str, lang: str) -> tuple[list[Token], dict[str, object]]:
    """Block tokens of ``text`` and the parse's environment (footnotes, link references)."""
    if _remembered is None:
        return _parse(text, lang)
    with _remembering:
        found = _remembered.pop((text, lang), None)
    if found is None:
        found = _parse(text, lang)
    with _remembering:
        _remembered[(text, lang)] = found  # (the newest last: the oldest are forgotten first)
        while len(_remembered) > REMEMBER:
            del _remembered[next(iter(_remembered))]
    return found


def _parse(text: str, lang: str) -> tuple[list[Token], dict[str, object]]:
    env: dict[str, object] = {"lang": lang}
    return parser(lang).parse(text, env), env


# A long-lived process that loads the same course again and again (``coursepack preview``)
# keeps the parse of each text it has seen: after an edit, only the file that changed is
# parsed again. A parse is never changed once made (``document.Parsed``), so it can be shared.
REMEMBER = 4096  # texts (files, translated pieces) kept
_remembered: dict[tuple[str, str], tuple[list[Token], dict[str, object]]] | None = None
_remembering = threading.Lock()


def remember_parses() -> None:
    """Keep every parse in this process from now on (and reuse it for the same text and language)."""
    global _remembered
    if _remembered is None:
        _remembered = {}
