"""Fenced divs: ``::: name``, ``::: {.name #id title="..."}``, ``:::{name} Title`` and MyST's
```` ```{name} ```` — one block rule for the spellings Pandoc, Quarto, the Carpentries and MyST use.

A div opens on a line of three or more colons followed by what it is, and closes on a line
of three or more colons alone. Divs nest: a bare fence closes the innermost open div
(Pandoc), so the colon counts need not match, and an outer fence may be longer (MyST).
Fenced code inside a div is skipped while looking for its end. The rule also reads the old
``/// name | Title`` blocks, so that the checks can name them with the new form.

Each div becomes ``div_open`` / ``div_close`` tokens whose ``meta["div"]`` is a ``Div``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock

from coursepack.markdown.attributes import Attrs, AttrsError, parse_attrs
from coursepack.markdown.blocks import KINDS, BlockKind

MYST_CODE = frozenset({"code", "code-block", "code-cell", "sourcecode", "literalinclude"})


@dataclass
class Div:
    """What a div's opening line (and MyST option lines) says."""

    name: str  # as written ("" for a div of attributes only)
    kind: BlockKind | None  # None: not a registered kind (the checks say so), or a plain div
    attrs: Attrs = field(default_factory=Attrs)
    title: str | None = None  # Markdown; from the opening line, title="...", or a first heading
    title_line: int = -1  # 0-based line of the title (the opening line, or the heading's)
    syntax: str = "pandoc"  # pandoc | myst | legacy | alert
    fence: str = ":::"  # the opening fence as written
    unclosed: bool = False
    options: dict[str, str] = field(default_factory=dict)  # MyST ``:name: value`` lines
    opening: str = ""  # the opening line as written (without indentation)

    @property
    def id(self) -> str | None:
        return self.attrs.id or self.options.get("label") or self.options.get("name")


def _run(state: StateBlock, line: int, chars: str) -> tuple[str, int, str] | None:
    """(fence char, count, rest) when ``line`` starts with 3+ of one of ``chars``."""
    if state.sCount[line] - state.blkIndent >= 4:
        return None
    start, end = state.bMarks[line] + state.tShift[line], state.eMarks[line]
    if start >= end or state.src[start] not in chars:
        return None
    ch, pos = state.src[start], start
    while pos < end and state.src[pos] == ch:
        pos += 1
    if pos - start < 3:
        return None
    return ch, pos - start, state.src[pos:end].strip()


def _opener(ch: str, rest: str) -> Div | None:
    """Read what follows the fence of an opening line."""
    if ch == "/":  # /// name | Title
        name, _, title = rest.partition("|")
        name = name.strip()
        return Div(name, KINDS.get(name), title=title.strip() or None, syntax="legacy")
    if ch in "`~":  # MyST's ```{name} argument: a directive, unless it is code
        if not rest.startswith("{") or "}" not in rest:
            return None
        name = rest[1 : rest.index("}")].strip()
        if name in MYST_CODE or KINDS.get(name) is None:  # Quarto's ```{python} is code
            return None
        argument = rest[rest.index("}") + 1 :].strip() or None
        return Div(name, KINDS.get(name), title=argument, syntax="myst")
    text = rest.rstrip(":").rstrip() if rest.endswith(":") else rest  # Pandoc's optional closing colons
    if text.startswith("{"):
        try:
            attrs, after = parse_attrs(text)
        except AttrsError:
            return None
        argument = text[after:].strip() or None
        myst = not text.startswith(("{.", "{#")) and len(attrs.classes) == 1 and not attrs.pairs and not attrs.id
        name = next((c for c in attrs.classes if KINDS.get(c)), attrs.classes[0] if attrs.classes else "")
        return Div(
            name,
            KINDS.get(name) if name else None,
            attrs,
            title=argument or attrs.pairs.get("title"),
            syntax="myst" if myst else "pandoc",
        )
    name, _, title = text.partition(" ")
    return Div(name, KINDS.get(name), title=title.strip() or None)


def _options(state: StateBlock, line: int, end: int, div: Div) -> int:
    """Read MyST option lines (``:label: ex-1``) at the top of a div; return the first content line."""
    while line < end:
        start, stop = state.bMarks[line] + state.tShift[line], state.eMarks[line]
        text = state.src[start:stop]
        if not text.startswith(":") or text.startswith("::") or text.count(":") < 2:
            return line
        key, _, value = text[1:].partition(":")
        if not key or not all(c.isalnum() or c in "-_" for c in key):
            return line
        div.options[key] = value.strip()
        line += 1
    return line


def _find_close(state: StateBlock, start: int, end: int, ch: str, count: int) -> tuple[int, bool]:
    """The line that closes the div opened at ``start``; (line, True) when there is none.

    Colon and slash divs close on the innermost bare fence, counting nested openers; MyST's
    backtick directives close on a bare fence at least as long as theirs.
    """
    depth = 0
    line = start + 1
    code: tuple[str, int] | None = None  # an open fenced code block: (char, count)
    while line < end:
        first, stop = state.bMarks[line] + state.tShift[line], state.eMarks[line]
        if first < stop and state.sCount[line] < state.blkIndent:
            return line, True  # the enclosing list item or quote ends here
        run = _run(state, line, "`~:/")
        if run is None:
            line += 1
            continue
        c, n, rest = run
        if code is not None:
            if c == code[0] and n >= code[1] and not rest:
                code = None
        elif c == ch and not rest and (ch not in "`~" or n >= count):
            if depth == 0:
                return line, False
            depth -= 1
        elif c in "`~" and ch not in "`~":
            code = (c, n)
        elif c == ch and rest and ch not in "`~":
            depth += 1
        line += 1
    return end, True


def div_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    run = _run(state, start, ":/`~")
    if run is None:
        return False
    ch, count, rest = run
    if not rest:
        return False  # a bare fence closes a div; alone it is text, which the checks report
    div = _opener(ch, rest)
    if div is None:
        return False
    if silent:
        return True
    first = state.bMarks[start] + state.tShift[start]
    div.fence = state.src[first : first + count]
    div.opening = state.src[first : state.eMarks[start]]
    div.title_line = start if div.title else -1
    close, div.unclosed = _find_close(state, start, end, ch, count)
    token = state.push("div_open", "div", 1)
    token.markup, token.info, token.block = div.fence, rest, True
    token.map = [start, close + (0 if div.unclosed else 1)]
    token.meta = {"div": div}
    body = _options(state, start + 1, close, div) if div.syntax == "myst" or ch == ":" else start + 1
    old_parent, old_max = state.parentType, state.lineMax
    state.parentType, state.lineMax = "div", close  # type: ignore[assignment]
    stack = state.env.setdefault("divs", [])  # the divs being read, for rules that care where they are
    stack.append(div)
    state.md.block.tokenize(state, body, close)
    stack.pop()
    state.parentType, state.lineMax = old_parent, old_max
    token = state.push("div_close", "div", -1)
    token.markup, token.block = div.fence, True
    token.map = [close, close + (0 if div.unclosed else 1)]
    state.line = close + (0 if div.unclosed else 1)
    return True


def divs_plugin(md: MarkdownIt) -> None:
    """Add the fenced div rule (before fenced code, so MyST directives in backticks are divs)."""
    md.block.ruler.before("fence", "div", div_rule, {"alt": ["paragraph", "reference", "blockquote", "list"]})
