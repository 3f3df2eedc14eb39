"""Figures: a paragraph holding one image, MyST's figure directive, and a Quarto or knitr cell
that only includes an image file."""

from __future__ import annotations

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from coursepack.markdown.attributes import Attrs
from coursepack.markdown.block_rules import inline_title
from coursepack.markdown.code import cell_options, is_cell
from coursepack.markdown.divs import Div
from coursepack.markdown.tree import closing


def graphics_cells_rule(state: StateCore) -> None:
    """A Quarto/knitr cell that only shows an image file (``knitr::include_graphics("x.png")``, as
    R for Data Science draws its screenshots) is that figure: ``#| fig-cap``, ``fig-alt``, ``label``."""
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
        caption = inline_title(state, options["fig-cap"]) if options.get("fig-cap") else None
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
