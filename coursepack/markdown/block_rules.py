"""Our block and core rules for markdown-it: Quarto's labelled equations, MyST's targets and
comments, GitHub alerts, attributes after headings, fenced code's info string, table
captions, notes collected with their audience, and the titles of fenced divs."""

from __future__ import annotations

from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.smartquotes import smartquotes
from markdown_it.token import Token

from coursepack.markdown.attributes import Attrs, AttrsError, parse_attrs, trailing_attrs
from coursepack.markdown.blocks import KINDS
from coursepack.markdown.code import knitr_header
from coursepack.markdown.divs import Div
from coursepack.markdown.typography import typography_rule

TITLED_ROLES = frozenset({"callout", "exercise", "solution", "hint", "panel"})  # whose first heading is their title


def _display_formula(
    state: StateBlock, start: int, end: int, silent: bool, fences: tuple[str, str], labelled: bool
) -> bool:
    """A display formula from a line starting with ``fences[0]`` to one ending with ``fences[1]``
    (and its ``{#eq-x}``), within one paragraph: a ``math_block`` token, as dollarmath's."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    opening, closing_fence = fences
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    if not first.startswith(opening):
        return False
    for line in range(start, end):
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]].rstrip()
        if line > start and not text:
            return False  # (a blank line ends a display formula)
        body, attrs = trailing_attrs(text)
        body = body.rstrip()
        if not body.endswith(closing_fence) or (line == start and len(body) <= 2 * len(opening)):
            continue
        if labelled and (attrs is None or not attrs.id):
            return False  # (unlabelled $$...$$ is the dollarmath plugin's)
        whole = "\n".join(state.src[state.bMarks[k] + state.tShift[k] : state.eMarks[k]] for k in range(start, line))
        content = (whole + "\n" + body).strip()[len(opening) : -len(closing_fence)].strip()
        if not content:
            return False
        if not silent:
            token = state.push("math_block", "math", 0)
            token.content = content
            token.map, token.markup = [start, line + 1], opening
            if attrs is not None and attrs.id:
                token.meta = {"attrs": attrs}
        state.line = line + 1
        return True
    return False


def quarto_equation_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Quarto's numbered equation: ``$$ ... $$ {#eq-x}`` (on one line or several); unlabelled
    ones are the dollarmath plugin's."""
    return _display_formula(state, start, end, silent, ("$$", "$$"), labelled=True)


def bracket_maths_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """LaTeX's display formula: ``\\[`` at the start of a line, ``\\]`` at the end of one (the
    same or a later line of the paragraph), optionally followed by ``{#eq-x}``: the same token as
    ``$$...$$``. (``\\[1\\] text`` is no formula: its line does not end at ``\\]``.)"""
    return _display_formula(state, start, end, silent, ("\\[", "\\]"), labelled=False)


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
                tok.meta["title_inline"] = inline_title(state, div.title)
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


def inline_title(state: StateCore, text: str) -> Token:
    """Inline tokens for a title written on a div's opening line, with the pack's typography."""
    inline = Token("inline", "", 0)
    inline.content, inline.children = text, []
    state.md.inline.parse(text, state.md, state.env, inline.children)
    sub = StateCore(text, state.md, state.env)
    sub.tokens = [inline]
    smartquotes(sub)
    typography_rule(sub)
    return inline
