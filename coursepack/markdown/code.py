"""Code as a technical publisher sets it: highlighted by Pygments, one block per source line.

Each source line is a block (``span.line``), so a line too long for the measure wraps and
the theme marks its continuation lines (a hook arrow in the gutter) instead of cutting it.
Shell sessions (``console``, or ``bash`` whose lines start with ``$ ``) set the command
apart from its output; Carpentries' ``output`` and ``error`` blocks are output. Line numbers
on request (Pandoc's ``.numberLines``, MyST's ``:linenos:``, Quarto's ``code-line-numbers``).
Highlighting only adds classes: colours and weights are the theme's (readable in greyscale).
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from functools import cache

import yaml
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES, _TokenType
from pygments.util import ClassNotFound

from coursepack.markdown.attributes import Attrs

OUTPUT_LANGS = frozenset({"output", "error", "warning", "out", "stdout", "stderr", "result"})
SHELLS = frozenset({"bash", "sh", "shell", "zsh", "ksh"})
PROMPTS = ("$ ", "% ", "# ", "> ")  # (only "$ " switches a bash block to a session)
MAX_LINES = 2000  # a longer block is set without highlighting (it would only be slow)
TAB = 4


@dataclass(frozen=True)
class CodeOptions:
    """What a fenced block's info string and MyST option lines ask for."""

    lang: str = ""
    numbered: bool = False
    start: int = 1
    caption: str | None = None  # Markdown
    filename: str | None = None
    id: str | None = None
    hidden: bool = False  # a Quarto cell with ``#| echo: false`` or ``#| include: false``: not printed


def options(lang: str, attrs: Attrs, myst: dict[str, str]) -> CodeOptions:
    """Read the options of a code block from its attributes (Pandoc, Quarto), MyST option lines
    and a Quarto cell's ``#|`` lines (all given in ``myst``)."""
    pairs = {**attrs.pairs, **{k: v for k, v in myst.items() if k in ("code-line-numbers", "filename", "lst-cap")}}
    classes = {c.lower() for c in attrs.classes}
    numbered = bool(classes & {"numberlines", "number-lines", "linenos"}) or "linenos" in myst
    numbered = numbered or pairs.get("code-line-numbers", "").lower() == "true" or "numberLines" in pairs
    start = pairs.get("startFrom") or pairs.get("startfrom") or myst.get("lineno-start") or "1"
    return CodeOptions(
        lang=lang.lower(),
        numbered=numbered or "lineno-start" in myst,
        start=int(start) if start.isdigit() else 1,
        caption=pairs.get("caption") or pairs.get("lst-cap") or myst.get("caption") or None,
        filename=pairs.get("filename") or pairs.get("title") or None,
        id=attrs.id or pairs.get("label") or myst.get("name") or _listing_label(myst.get("label")) or None,
        hidden=myst.get("echo", "").lower() == "false" or myst.get("include", "").lower() == "false",
    )


def myst_options(content: str) -> tuple[dict[str, str], str]:
    """MyST's ``:name: value`` lines at the top of a code block, and the code after them."""
    found: dict[str, str] = {}
    lines = content.split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith(":") and lines[k].count(":") >= 2 and not lines[k].startswith("::"):
        key, _, value = lines[k][1:].partition(":")
        if not key or not all(c.isalnum() or c in "-_" for c in key):
            break
        found[key] = value.strip()
        k += 1
    if found and k < len(lines) and not lines[k].strip():
        k += 1
    return found, "\n".join(lines[k:]) if found else content


@cache
def _lexer(lang: str) -> Lexer | None:
    if not lang or lang in OUTPUT_LANGS or lang in ("text", "plain", "txt", "none"):
        return None
    try:
        return get_lexer_by_name(lang, stripnl=False, tabsize=TAB)
    except ClassNotFound:
        return None


def _css_class(kind: _TokenType) -> str:
    while kind not in STANDARD_TYPES:
        kind = kind.parent
    return STANDARD_TYPES[kind]


def highlight(code: str, opts: CodeOptions) -> str:
    """The lines of a code block as HTML: ``<span class="line">`` each, with highlighting."""
    code = code.expandtabs(TAB).rstrip("\n")
    lang = opts.lang
    if lang in SHELLS and any(line.startswith("$ ") for line in code.split("\n")):
        lang = "console"  # commands after '$ ', their output between them
    lexer = _lexer(lang) if code.count("\n") < MAX_LINES else None
    lines: list[list[str]] = [[]]
    if lexer is None:
        for k, text in enumerate(code.split("\n")):
            if k:
                lines.append([])
            if text:
                lines[-1].append(escapeHtml(text))
    else:
        for kind, value in lexer.get_tokens(code):
            cls = _css_class(kind)
            for k, piece in enumerate(value.split("\n")):
                if k:
                    lines.append([])
                if piece:
                    text = escapeHtml(piece)
                    lines[-1].append(f'<span class="{cls}">{text}</span>' if cls else text)
        if lines and not lines[-1] and len(lines) > 1:
            lines.pop()  # the lexer's final newline
    out = []
    for n, parts in enumerate(lines, opts.start):
        number = f'<span class="ln">{n}</span>' if opts.numbered else ""
        body = "".join(parts)
        out.append(f'<span class="line{"" if body else " empty"}">{number}{body}</span>')
    return "".join(out)


def block_class(opts: CodeOptions) -> str:
    """The classes of a code block's ``pre``."""
    classes = ["code"]
    if opts.lang:
        kind = "output" if opts.lang in OUTPUT_LANGS else f"lang-{_safe(opts.lang)}"
        classes.append(kind)
        if opts.lang in ("error", "stderr"):
            classes.append("error")
    if opts.numbered:
        classes.append("numbered")
    return " ".join(classes)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in name)


def listing(tok: Token) -> tuple[CodeOptions, str]:
    """A fenced block's options (its info string and MyST option lines) and its code."""
    lang, attrs = tok.meta.get("code", ("", Attrs()))
    if tok.meta.get("target") and not attrs.id:  # a MyST target before it
        attrs = Attrs(tok.meta["target"], attrs.classes, attrs.pairs)
    if tok.content.startswith(":"):
        myst, code = myst_options(tok.content)
    elif is_cell(tok):
        myst, code = cell_options(tok.content, tok.info)
    else:
        myst, code = {}, tok.content
    return options(lang, attrs, myst), code


def _listing_label(label: str | None) -> str | None:
    """A cell's ``#| label:`` names a listing only when it says so (``lst-``): ``setup`` is a chunk
    name, ``fig-x`` the figure the cell would draw."""
    return label if label and label.startswith("lst-") else None


def cell_options(content: str, info: str = "") -> tuple[dict[str, str], str]:
    """A Quarto or knitr cell's options, as text, and its code: those of a knitr header
    (```` ```{r label, echo=FALSE} ````), then the ``#|`` lines at the top of its code (YAML,
    read with the safe loader), which win."""
    found = dict(knitr_header(info)[1]) if info else {}
    lines = content.split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith("#|"):
        k += 1
    options = "\n".join(line[2:].removeprefix(" ") for line in lines[:k])
    try:
        data = yaml.safe_load(options) if options.strip() else {}
    except yaml.YAMLError:
        data = {}
    if isinstance(data, dict):
        found.update({str(key): str(value).strip() for key, value in data.items()})
    return found, "\n".join(lines[k:])


def knitr_header(info: str) -> tuple[str, dict[str, str]]:
    """The engine and options of a cell's header: ```` ```{r} ````, ```` ```{python} ```` or R
    Markdown's ```` ```{r fig-cycle, echo=FALSE, fig.cap="The cycle"} ```` (its first bare word
    is the label; ``fig.cap`` is read as Quarto's ``fig-cap``). ("", {}) when it is not a cell.

    The options are R's syntax, close enough to Python's for its tokenizer to split them.
    """
    info = info.strip()
    if not info.startswith("{") or info.startswith("{{") or not info.endswith("}"):
        return "", {}
    inner = info[1:-1].strip()
    n = next((k for k, c in enumerate(inner) if not (c.isalnum() or c == "_")), len(inner))
    engine, rest = inner[:n], inner[n:]
    if not engine or rest[:1] not in ("", " ", ",") or _lexer(engine.lower()) is None:
        return "", {}
    options: dict[str, str] = {}
    for item in _top_level_items(rest.strip().lstrip(",").strip()):
        key, value = _key_value(item)
        if key is None and not options:
            options["label"] = value
        elif key is not None:
            options[key.replace(".", "-")] = value
    return engine.lower(), options


def _top_level_items(text: str) -> list[list[tokenize.TokenInfo]]:
    """``a, b=c(1, 2), d="x, y"`` as its comma-separated items, each a list of tokens."""
    items: list[list[tokenize.TokenInfo]] = [[]]
    depth = 0
    skip = (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in skip:
                continue
            if tok.type == tokenize.OP and tok.string in ("(", "[", "{"):
                depth += 1
            elif tok.type == tokenize.OP and tok.string in (")", "]", "}"):
                depth -= 1
            if tok.type == tokenize.OP and tok.string == "," and depth == 0:
                items.append([])
            else:
                items[-1].append(tok)
    except (tokenize.TokenError, SyntaxError):  # (an unclosed quote: the options are not read)
        return []
    return [item for item in items if item]


def _key_value(item: list[tokenize.TokenInfo]) -> tuple[str | None, str]:
    """``fig.cap = "A cycle"`` as ("fig.cap", "A cycle"); a bare ``fig-cycle`` as (None, "fig-cycle")."""
    line = item[0].line
    eq = next((k for k, t in enumerate(item) if t.type == tokenize.OP and t.string == "="), None)
    if eq is None:
        return None, line[item[0].start[1] : item[-1].end[1]].strip()
    key = line[item[0].start[1] : item[eq].start[1]].strip()
    value = item[eq + 1 :]
    if not value:
        return key, ""
    if len(value) == 1 and value[0].type == tokenize.STRING:
        try:
            return key, str(ast.literal_eval(value[0].string))
        except (ValueError, SyntaxError):
            pass
    return key, line[value[0].start[1] : value[-1].end[1]].strip()


def is_cell(tok: Token) -> bool:
    """Whether a fenced block is an executable cell (Quarto's ```` ```{python} ````, R
    Markdown's ```` ```{r setup} ````): its code is printed, what running it would show is not.
    (```` ```{{r}} ```` is a cell shown as written, not run.)"""
    return bool(knitr_header(tok.info)[0])
