"""The Markdown parser: markdown-it-py (CommonMark) with the extensions course material uses.

CommonMark plus GitHub's tables, strikethrough, task lists, autolinks and alerts; footnotes
(Pandoc's, inline ``^[...]`` too); definition lists; Pandoc attributes on headings, fenced
code, images, links and ``[spans]{...}``; fenced divs (``divs``); ``$maths$``; table captions
(``Table: ...`` or ``: ...`` next to a table). Tokens keep their source lines (``map``).

The parser only reads: what a token means for an edition (audience, numbers, links) is
decided by later stages on the tree it gives (``document``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.smartquotes import smartquotes
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin

from coursepack.markdown.attributes import Attrs, AttrsError, parse_attrs, trailing_attrs
from coursepack.markdown.blocks import KINDS
from coursepack.markdown.cjk import cjk_plugin
from coursepack.markdown.divs import Div, divs_plugin
from coursepack.markdown.tree import closing, opening
from coursepack.markdown.typography import quote_marks, typography_rule

ATTRS_AFTER = frozenset({"image", "code_inline", "link_close", "span_close"})
TITLED_ROLES = frozenset({"callout", "exercise", "solution", "hint", "panel"})  # whose first heading is their title


@cache
def parser(lang: str, typography: bool = True) -> MarkdownIt:
    """The parser for text in ``lang`` (its quotation marks); one per language, reused.

    ``typography=False`` leaves quotes, dashes and spacing as typed (the CommonMark examples
    are compared that way: everything else is the same parser).
    """
    md = MarkdownIt("commonmark", {"typographer": typography, "quotes": quote_marks(lang)})  # type: ignore[typeddict-item]
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
    md.use(divs_plugin)
    md.block.ruler.before("paragraph", "myst_line", myst_line_rule)
    # every link and image is read as written: the checks refuse what is not http(s), mailto or a
    # file of the course at its line (markdown-it would print a javascript: link as text, silently)
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    _where_references_are(md)
    md.inline.ruler.after("link", "span", span_rule)
    md.inline.ruler.before("link", "quarto_xref_brackets", quarto_xref_rule)
    md.inline.ruler.push("quarto_xref", quarto_xref_rule)
    md.inline.ruler.push("attrs", attrs_rule)
    md.core.ruler.after("block", "cp_alerts", alerts_rule)
    md.core.ruler.after("cp_alerts", "cp_block_attrs", block_attrs_rule)
    md.core.ruler.after("cp_block_attrs", "cp_myst_targets", myst_targets_rule)
    # after smart quotes and text_join, while every inline token is still in the stream:
    md.core.ruler.after("inline", "cp_emphasis_attrs", emphasis_attrs_rule)
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
    env: dict[str, object] = {"lang": lang}
    return parser(lang).parse(text, env), env


def quarto_equation_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Quarto's numbered equation: ``$$ ... $$ {#eq-x}`` (on one line or several); unlabelled
    ones are the dollarmath plugin's."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    if not first.startswith("$$"):
        return False
    for line in range(start, end):
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()
        if line > start and not text:
            return False  # (a blank line ends a display formula)
        body, attrs = trailing_attrs(text)
        body = body.rstrip()
        closes = body.endswith("$$") and (line > start or len(body) > 4)
        if not closes:
            continue
        if attrs is None or not attrs.id:
            return False
        if not silent:
            whole = (
                "\n".join(state.src[state.bMarks[k] + state.tShift[k] : state.eMarks[k]] for k in range(start, line))
                + "\n"
                + body
            )
            token = state.push("math_block", "math", 0)
            token.content = whole.strip()[2:-2].strip()
            token.map, token.markup = [start, line + 1], "$$"
            token.meta = {"attrs": attrs}
        state.line = line + 1
        return True
    return False


def myst_line_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """MyST's line syntax: ``(label)=`` names the block after it; ``% text`` is a comment."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first, stop = state.bMarks[start] + state.tShift[start], state.eMarks[start]
    text = state.src[first:stop].rstrip()
    if text.startswith("%"):
        kind = "myst_comment"
    elif text.startswith("(") and text.endswith(")=") and len(text) > 3 and " " not in text:
        kind = "myst_target"
    else:
        return False
    if not silent:
        token = state.push(kind, "", 0)
        token.map, token.content, token.hidden = [start, start + 1], text, True
    state.line = start + 1
    return True


def myst_targets_rule(state: StateCore) -> None:
    """A MyST target names the heading, block, figure or table after it (its id)."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "myst_target":
            continue
        label = tok.content[1:-2]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is None:
            continue
        if nxt.type == "div_open":
            div: Div = nxt.meta["div"]
            if not div.id:
                div.attrs = Attrs(label, div.attrs.classes, div.attrs.pairs)
        elif nxt.type in ("heading_open", "table_open", "paragraph_open", "fence"):
            old: Attrs = (nxt.meta or {}).get("attrs") or Attrs()
            if not old.id:
                nxt.meta = {**(nxt.meta or {}), "attrs": Attrs(label, old.classes, old.pairs), "target": label}


def _where_references_are(md: MarkdownIt) -> None:
    """Record where each link reference is defined (its line and the divs around it) and which
    links use one: a reference defined in instructor-only text prints its address where used."""
    define = md.block.ruler.__rules__[md.block.ruler.__find__("reference")].fn

    def reference(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        before = set(state.env.get("references", {}))
        found = define(state, start, end, silent)
        if found and not silent:
            where = state.env.setdefault("reference_at", {})
            for label in set(state.env.get("references", {})) - before:
                where[label] = (start, list(state.env.get("divs", [])))
        return bool(found)

    md.block.ruler.at("reference", reference)  # (a definition cannot interrupt a paragraph: no "alt")
    for name in ("link", "image"):
        md.inline.ruler.at(name, _reference_use(md.inline.ruler.__rules__[md.inline.ruler.__find__(name)].fn))


def _reference_use(rule: Any) -> Any:
    def use(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        found = rule(state, silent)
        if found and not silent and count < len(state.tokens):
            consumed = state.src[start : state.pos].removeprefix("!")
            if consumed.endswith("]"):  # [text][label], [label][] or [label]: not [text](address)
                cut = consumed.rfind("][")
                label = (
                    consumed[cut + 2 : -1]
                    if cut >= 0 and cut + 2 < len(consumed) - 1
                    else consumed[1 : cut if cut >= 0 else -1]
                )
                tok = next((t for t in state.tokens[count:] if t.type in ("link_open", "image")), None)
                if tok is not None:  # (text before it is flushed into a token first)
                    tok.meta = {**(tok.meta or {}), "reference": normalizeReference(label)}
        return bool(found)

    return use


# ---------------------------------------------------------------------------
# Inline rules: attributes after an element, and [spans]{...}


def attrs_rule(state: StateInline, silent: bool) -> bool:
    """``{#id .class key=value}`` right after an image, code span, link or span."""
    if state.src[state.pos] != "{" or state.pending or not state.tokens:
        return False
    last = state.tokens[-1]
    if last.type not in ATTRS_AFTER:
        return False
    try:
        attrs, after = parse_attrs(state.src, state.pos)
    except AttrsError:
        return False
    if after > state.posMax:
        return False
    if not silent:
        target = last if last.nesting == 0 else opening(state.tokens, len(state.tokens) - 1)
        if target is not None:
            old = target.meta.get("attrs", Attrs())
            target.meta = {**(target.meta or {}), "attrs": old.merged(attrs)}
    state.pos = after
    return True


CLOSERS = frozenset({"em_close", "strong_close", "s_close"})


def emphasis_attrs_rule(state: StateCore) -> None:
    """``*in dubio*{lang=la}``: attributes right after emphasis (read once emphasis is resolved)."""
    for block in state.tokens:
        children = block.children if block.type == "inline" else None
        if not children:
            continue
        for k in range(1, len(children)):
            tok = children[k]
            if tok.type != "text" or not tok.content.startswith("{") or children[k - 1].type not in CLOSERS:
                continue
            try:
                attrs, after = parse_attrs(tok.content)
            except AttrsError:
                continue
            opener = opening(children, k - 1)
            if opener is not None:
                opener.meta = {**(opener.meta or {}), "attrs": attrs}
                tok.content = tok.content[after:]


# Quarto's cross-reference prefixes: @fig-x is a figure, @sec-x a section... ([@key] alone is a citation)
QUARTO_PREFIXES = (
    *("fig", "tbl", "sec", "lst", "eq", "exr", "sol", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "rem"),
    *("tip", "nte", "wrn", "imp", "cau"),  # callouts
)  # fmt: skip


def _quarto_id(src: str, pos: int) -> int:
    """The end of a Quarto cross-reference id starting at ``pos`` (after '@'), or -1."""
    end = pos
    while end < len(src) and (src[end].isalnum() or src[end] in "-_"):
        end += 1
    while end > pos and src[end - 1] in "-_":  # (a hyphen ending a sentence is not the id's)
        end -= 1
    prefix = src[pos:end].split("-", 1)
    return end if len(prefix) == 2 and prefix[0] in QUARTO_PREFIXES and prefix[1] else -1


def quarto_xref_rule(state: StateInline, silent: bool) -> bool:
    """Quarto's cross-references: ``@fig-pipeline`` (the label: "Figure 2") and ``[-@fig-pipeline]``
    (the number only), read as links to ``#fig-pipeline``; the checks and labels are ours."""
    src, pos = state.src, state.pos
    if src[pos] == "@":
        if pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "._-"):  # (an address: me@example.org)
            return False
        start, number_only, closing_bracket = pos + 1, False, False
    elif src.startswith(("[-@", "[@"), pos):
        start = pos + (3 if src[pos + 1] == "-" else 2)
        number_only, closing_bracket = src[pos + 1] == "-", True
    else:
        return False
    end = _quarto_id(src, start)
    if end < 0 or end > state.posMax or (closing_bracket and (end >= state.posMax or src[end] != "]")):
        return False
    if not silent:
        link = state.push("link_open", "a", 1)
        link.attrs = {"href": "#" + src[start:end]}
        link.markup = "quarto"
        if number_only:
            text = state.push("text", "", 0)
            text.content = "{n}"
        state.push("link_close", "a", -1)
    state.pos = end + (1 if closing_bracket else 0)
    return True


def span_rule(state: StateInline, silent: bool) -> bool:
    """``[text]{.class lang=fr}``: a span with attributes (a link reference wins)."""
    if state.src[state.pos] != "[":
        return False
    end = state.md.helpers.parseLinkLabel(state, state.pos, False)
    if end < 0 or end + 1 >= state.posMax or state.src[end + 1] != "{":
        return False
    try:
        attrs, after = parse_attrs(state.src, end + 1)
    except AttrsError:
        return False
    if after > state.posMax:
        return False
    if not silent:
        old_max = state.posMax
        state.pos, state.posMax = state.pos + 1, end
        token = state.push("span_open", "span", 1)
        token.meta = {"attrs": attrs}
        state.md.inline.tokenize(state)
        state.push("span_close", "span", -1)
        state.posMax = old_max
    state.pos = after
    return True


# ---------------------------------------------------------------------------
# Core rules: after the block pass


def alerts_rule(state: StateCore) -> None:
    """GitHub alerts (``> [!NOTE]``) become divs of the kind they name."""
    out: list[Token] = []
    skip = 0
    for tok in state.tokens:
        if skip:
            skip -= 1
            continue
        if tok.type == "alert_open":
            name = str(tok.meta.get("kind", tok.info)).lower()
            tok.type, tok.tag = "div_open", "div"
            tok.meta = {"div": Div(name, KINDS.get(name), syntax="alert", fence="> [!" + name.upper() + "]")}
            tok.attrs = {}
            out.append(tok)
            skip = 3  # the title paragraph the alert rule adds: open, inline, close
            continue
        if tok.type == "alert_close":
            tok.type, tok.tag = "div_close", "div"
        out.append(tok)
    state.tokens = out


def block_attrs_rule(state: StateCore) -> None:
    """Attributes written on the block itself: headings (``## Title {#id}``), fenced code's
    info string (```` ```python {#lst-x caption="..."} ````) and table captions."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            inline = tokens[i + 1]
            text, attrs = trailing_attrs(inline.content)
            if attrs is not None:
                inline.content = text
                tok.meta = {**(tok.meta or {}), "attrs": attrs}
        elif tok.type == "fence":
            tok.meta = {**(tok.meta or {}), "code": code_info(tok.info)}
        elif tok.type == "table_open":
            _caption(tokens, i)


def code_info(info: str) -> tuple[str, Attrs]:
    """The language and attributes of a fenced code block's info string.

    ```` ```python ````, ```` ```{.python .numberLines} ````, ```` ```python {#lst-a} ````,
    Quarto's ```` ```{python} ```` and MyST's ```` ```{code-block} python ````.
    """
    info = info.strip()
    if not info:
        return "", Attrs()
    if info.startswith("{{") and "}}" in info:  # Quarto's ```{{r}}: a cell shown as it is written
        return info[2 : info.index("}}")].strip(), Attrs()
    from coursepack.markdown.code import knitr_header

    engine, _options = knitr_header(info)
    if engine:  # a cell: its options are read with its code (code.cell_options)
        return engine, Attrs()
    if info.startswith("{"):
        try:
            attrs, after = parse_attrs(info)
        except AttrsError:
            return info.split()[0], Attrs()
        words = info[after:].split()
        if attrs.classes and attrs.classes[0] in ("code-block", "code", "code-cell", "sourcecode"):
            lang = words[0] if words else ""
            return lang, Attrs(attrs.id, attrs.classes[1:], attrs.pairs)
        lang = attrs.classes[0] if attrs.classes else (words[0] if words else "")
        return lang, Attrs(attrs.id, attrs.classes[1:], attrs.pairs)
    lang, _, rest = info.partition(" ")
    rest = rest.strip()
    if rest.startswith("{"):
        try:
            return lang, parse_attrs(rest)[0]
        except AttrsError:
            pass
    return lang, Attrs()


CAPTION_PREFIXES = ("Table:", ":")


def _caption(tokens: list[Token], i: int) -> None:
    """A paragraph ``Table: text {#id}`` (Pandoc) or ``: text {#id}`` (Quarto) right after a
    table, or right before it, is its caption: moved into the table's ``meta``."""
    close = i
    while tokens[close].type != "table_close":
        close += 1
    for para in (close + 1, i - 3):
        if para < 0 or para + 2 >= len(tokens) or tokens[para].type != "paragraph_open":
            continue
        inline = tokens[para + 1]
        prefix = next((p for p in CAPTION_PREFIXES if inline.content.startswith(p)), None)
        if prefix is None or (para == i - 3 and tokens[para + 2].type != "paragraph_close"):
            continue
        text, attrs = trailing_attrs(inline.content[len(prefix) :].strip())
        inline.content = text
        tokens[i].meta = {**(tokens[i].meta or {}), "caption": inline, "attrs": attrs or Attrs()}
        tokens[para].type = tokens[para + 2].type = "caption_moved"
        inline.meta = {"caption": True}
        return


def captions_rule(state: StateCore) -> None:
    """Take the paragraphs that became table captions out of the stream (after the inline pass)."""
    tokens = state.tokens
    if any(t.type == "caption_moved" for t in tokens):
        state.tokens = [
            t for t in tokens if t.type != "caption_moved" and not (t.type == "inline" and t.meta.get("caption"))
        ]


# ---------------------------------------------------------------------------
# Core rules: after the inline pass


def notes_rule(state: StateCore) -> None:
    """Take footnote definitions out of the stream into ``env["notes"]``: label → (tokens,
    the divs around the definition). Where a note is defined decides who may read it.

    An inline note (``^[text]``) is defined where it is called; its key is ``^<number>``.
    """
    notes: dict[str, tuple[list[Token], list[Div] | None]] = {}
    out: list[Token] = []
    divs: list[Div] = []
    current: list[Token] | None = None
    label = ""
    depth = 0
    for tok in state.tokens:
        if current is not None:
            if tok.type == "footnote_reference_close" and depth == 0:
                notes.setdefault(label, (current, list(divs)))
                current = None
                continue
            if tok.type == "footnote_reference_open":
                depth += 1
            elif tok.type == "footnote_reference_close":
                depth -= 1
            current.append(tok)
            continue
        if tok.type == "footnote_reference_open":
            label, current, depth = tok.meta["label"], [], 0
            current.append(tok)  # (keeps the definition's line map)
            continue
        if tok.type == "div_open":
            divs.append(tok.meta["div"])
        elif tok.type == "div_close" and divs:
            divs.pop()
        out.append(tok)
    state.tokens = out
    state.env["notes"] = notes
    footnotes = state.env.get("footnotes") or {}
    for number, data in footnotes.get("list", {}).items():
        if "tokens" in data:  # ^[inline]: its text was parsed apart from the stream
            inline = Token("inline", "", 0)
            inline.children, inline.content = data["tokens"], data.get("content", "")
            sub = StateCore(inline.content, state.md, state.env)
            sub.tokens = [inline]
            smartquotes(sub)
            typography_rule(sub)
            para = Token("paragraph_open", "p", 1)
            para.map = None
            notes[f"^{number}"] = ([para, inline, Token("paragraph_close", "p", -1)], None)


def div_titles_rule(state: StateCore) -> None:
    """A div's title as inline tokens: written on its opening line (``::: case Title``,
    ``title="..."``), or its first heading for a callout, exercise or solution (Quarto,
    Carpentries), which then leaves the body."""
    tokens = state.tokens
    drop: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok.type != "div_open":
            continue
        div: Div = tok.meta["div"]
        if div.title:
            if div.kind is not None and div.kind.role not in ("answer-space", "figure"):
                tok.meta["title_inline"] = _inline_title(state, div.title)
            continue
        if div.kind is None or div.kind.role not in TITLED_ROLES:
            continue
        if i + 3 < len(tokens) and tokens[i + 1].type == "heading_open":
            tok.meta["title_inline"] = tokens[i + 2]
            div.title = tokens[i + 2].content
            heading_map = tokens[i + 1].map
            div.title_line = heading_map[0] if heading_map else -1
            heading: Attrs | None = tokens[i + 1].meta.get("attrs")
            if heading is not None and heading.id and not div.id:  # the heading's id names the block
                div.attrs = Attrs(heading.id, div.attrs.classes, div.attrs.pairs)
            drop.update((i + 1, i + 2, i + 3))
    if drop:
        state.tokens = [t for k, t in enumerate(tokens) if k not in drop]


def _inline_title(state: StateCore, text: str) -> Token:
    """Inline tokens for a title written on a div's opening line, with the pack's typography."""
    inline = Token("inline", "", 0)
    inline.content, inline.children = text, []
    state.md.inline.parse(text, state.md, state.env, inline.children)
    sub = StateCore(text, state.md, state.env)
    sub.tokens = [inline]
    smartquotes(sub)
    typography_rule(sub)
    return inline


def graphics_cells_rule(state: StateCore) -> None:
    """A Quarto/knitr cell that only shows an image file (``knitr::include_graphics("x.png")``, as
    R for Data Science draws its screenshots) is that figure: ``#| fig-cap``, ``fig-alt``, ``label``."""
    from coursepack.markdown.code import cell_options, is_cell

    for i, tok in enumerate(state.tokens):
        if tok.type != "fence" or not is_cell(tok):
            continue
        options, code = cell_options(tok.content, tok.info)
        path = _included_graphic(code)
        if path is None:
            continue
        image = Token("image", "img", 0, attrs={"src": path, "alt": ""})
        image.children = []
        label = options.get("label", "")
        pairs = {k: v for k, v in (("alt", options.get("fig-alt")), ("width", options.get("out-width"))) if v}
        image.meta = {"attrs": Attrs(label or None, (), pairs)}
        caption = _inline_title(state, options["fig-cap"]) if options.get("fig-cap") else None
        figure = Token("figure_open", "figure", 1, map=tok.map)
        figure.meta = {"image": image, "caption": caption}
        holder = Token("inline", "", 0, map=tok.map, children=[image])
        state.tokens[i : i + 1] = [figure, holder, Token("figure_close", "figure", -1)]


def _included_graphic(code: str) -> str | None:
    """The file of a cell whose one line is ``knitr::include_graphics("path", ...)``, or None."""
    line = code.strip()
    for name in ("knitr::include_graphics(", "include_graphics("):
        if line.startswith(name) and line.endswith(")") and "\n" not in line:
            rest = line[len(name) :].lstrip()
            if rest[:1] in "\"'" and rest[1:].find(rest[0]) > 0:
                return rest[1 : 1 + rest[1:].find(rest[0])]
    return None


def myst_figures_rule(state: StateCore) -> None:
    """MyST's figure directive (```` ```{figure} path ```` or ``:::{figure} path``, with ``:alt:``,
    ``:width:``, ``:name:``): a figure whose caption is the directive's text."""
    tokens = state.tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        div: Div | None = tok.meta.get("div") if tok.type == "div_open" else None
        if div is None or div.kind is None or div.kind.role != "figure":
            out.append(tok)
            i += 1
            continue
        close = closing(tokens, i)
        inner = tokens[i + 1 : close]
        caption = next((t for t in inner if t.type == "inline"), None)
        image = Token("image", "img", 0, attrs={"src": (div.title or "").strip(), "alt": ""})
        image.children = []
        pairs = {k: v for k, v in div.options.items() if k in ("alt", "width")}
        image.meta = {"attrs": Attrs(div.id, (), pairs)}
        opening_tok = Token("figure_open", "figure", 1, map=tok.map)
        opening_tok.meta = {"image": image, "caption": caption}
        holder = Token("inline", "", 0, map=tok.map, children=[image])
        out += [opening_tok, holder, Token("figure_close", "figure", -1)]
        i = close + 1
    state.tokens = out


def figures_rule(state: StateCore) -> None:
    """A paragraph holding one image and nothing else is a figure."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "paragraph_open" or i + 2 >= len(tokens):
            continue
        children = tokens[i + 1].children or []
        images = [c for c in children if c.type == "image"]
        others = [
            c
            for c in children
            if c.type not in ("image", "softbreak") and not (c.type == "text" and not c.content.strip())
        ]
        if len(images) == 1 and not others:
            named: Attrs | None = (tok.meta or {}).get("attrs")  # (a MyST target before the paragraph)
            if named is not None and named.id:
                own: Attrs = images[0].meta.get("attrs") or Attrs()
                images[0].meta = {**images[0].meta, "attrs": Attrs(own.id or named.id, own.classes, own.pairs)}
            tok.type, tokens[i + 2].type = "figure_open", "figure_close"
            tok.tag = tokens[i + 2].tag = "figure"
            tok.meta = {**(tok.meta or {}), "image": images[0]}
