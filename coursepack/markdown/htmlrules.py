"""The HTML of each kind of token: markdown-it's renderer with our rules.

Each method is the rule of a token type (``heading_open``, ``div_open``, ``link_open``...); the
``Writer`` of the edition being written is in ``env["w"]``: what it shows, its words, its
index of targets and its notes. Only elements and attributes the theme knows are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

from coursepack.errors import BuildError, display_path
from coursepack.i18n import punctuation, text_direction
from coursepack.markdown import maths
from coursepack.markdown.attributes import Attrs
from coursepack.markdown.citations import CiteItem, Cluster
from coursepack.markdown.cjk import is_cjk
from coursepack.markdown.code import CodeOptions, block_class, highlight, listing
from coursepack.markdown.divs import Div
from coursepack.markdown.document import Parsed, plain
from coursepack.markdown.files import file_name, markdown_file
from coursepack.markdown.words import LABELS, NUMBER_SLOT, nbsp

if TYPE_CHECKING:
    from coursepack.markdown.render import Writer
from coursepack.markdown.tree import closing, opening
from coursepack.markdown.typography import smart_text
from coursepack.resolve.targets import Target, equation_id

OPTIONS = OptionsDict(
    {
        "html": True,
        "xhtmlOut": False,
        "breaks": False,
        "langPrefix": "language-",
        "highlight": None,
        "maxNesting": 100,
        "linkify": False,
        "typographer": False,
        "quotes": "\u201c\u201d\u2018\u2019",
    }
)  # (our rules read none of them)
INLINE_TAGS = frozenset({"kbd", "sub", "sup", "abbr", "mark", "br", "small", "u", "s", "q", "cite", "var", "samp"})
LONG_WORD = 60  # characters: a run longer than this is no word of any language (see ``_long_words``)
SHORT_CODE = 20  # characters: inline code this short is kept on one line
JOIN = "\u2060"  # WORD JOINER: a note's call never starts a line (it stays with the word it follows)
SPAN_CLASSES = frozenset({"smallcaps", "underline", "mark", "nowrap"})


HOLDERS = frozenset({"div_open", "tr_open", "figure_open", "list_item_open", "table_open", "blockquote_open"})


def _note_holders(tokens: list[Token], url_notes: bool, cite_notes: bool = False) -> set[int]:
    """The blocks (``id`` of their opening tokens) that hold a footnote call: marked
    ``has-footnote``, so the theme lets them break across pages (the engine would set a note
    whose call sits in an unbreakable box pushed to the next page twice)."""
    found: set[int] = set()
    stack: list[Token] = []
    for tok in tokens:
        if tok.nesting == 1:
            stack.append(tok)
        elif tok.nesting == -1 and stack:
            stack.pop()
        elif tok.type == "inline" and tok.children and _calls_note(tok.children, url_notes, cite_notes):
            found.update(id(t) for t in stack if t.type in HOLDERS)
    return found


def _calls_note(children: list[Token], url_notes: bool, cite_notes: bool) -> bool:
    for c in children:
        if c.type == "footnote_ref" or (cite_notes and c.type == "cite"):
            return True
        if url_notes and c.type == "link_open" and not str(c.attrGet("href") or "#").startswith("#"):
            return True
    return False


def _holder(env: EnvType, tok: Token, classes: str = "") -> str:
    """The class attribute of a block (``has-footnote`` if it holds a footnote call), and where
    it is written (``_src``)."""
    if id(tok) in env.get("holders", ()):
        classes = f"{classes} has-footnote".strip()
    return (f' class="{classes}"' if classes else "") + _src(env, tok)


def _long_words(text: str) -> str:
    """Escaped text; a run of letters too long to be a word (a hash, a pasted address, a
    sequence) marked ``long-word``: the theme breaks it anywhere, without hyphenation (which
    would try every break of it: half a minute for 5,000 characters)."""
    if len(text) <= LONG_WORD or all(len(run) <= LONG_WORD for run in text.split()):
        return escapeHtml(text)
    out: list[str] = []
    start = 0
    for k in range(len(text) + 1):
        if k < len(text) and not text[k].isspace():
            continue
        run = text[start:k]
        if len(run) > LONG_WORD and not any(is_cjk(ch) for ch in run):
            out.append(f'<span class="long-word">{escapeHtml(run)}</span>')
        else:
            out.append(escapeHtml(run))
        if k < len(text):
            out.append(escapeHtml(text[k]))
        start = k + 1
    return "".join(out)


def _src(env: EnvType, tok: Token) -> str:
    """``data-src="units/x.md:12"``: the file and line a block comes from, when the writer knows
    the course folder (the engine names them when something runs off the page)."""
    prefix = env.get("src")
    if not prefix or not tok.map:
        return ""
    return f' data-src="{escapeHtml(prefix)}{env["parsed"].line(tok)}"'


class HtmlRules(RendererHTML):
    """markdown-it's HTML renderer with our rules (each method is the rule of a token type)."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        out: list[str] = []
        rules = self.rules
        for i, token in enumerate(tokens):
            if token.type == "inline":
                if token.children:
                    env["line"] = token.map[0] if token.map else -1  # (for a message about its links)
                    out.append(self.renderInline(token.children, options, env))
            elif token.type in rules:
                out.append(rules[token.type](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))
        return "".join(out)

    # -- blocks ------------------------------------------------------------------------------

    def heading_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        parsed: Parsed = env["parsed"]
        heading = parsed.heading_of.get(id(tokens[idx]))
        anchor = _id(heading.anchor, env) if heading is not None else ""
        return f"<{tokens[idx].tag}{anchor}{_src(env, tokens[idx])}>"

    def paragraph_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        if tok.hidden:
            return ""
        if _lead_in(tokens, idx):
            return f'<p class="lead-in"{_src(env, tok)}>'
        return f"<p{_src(env, tok)}>"

    def paragraph_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "" if tokens[idx].hidden else "</p>\n"

    def list_item_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        if tok.meta and "checked" in tok.meta:
            state = "checked" if tok.meta["checked"] else "open"
            return f'<li{_holder(env, tok, "task")}><span class="task-box {state}"></span>'
        return f"<li{_holder(env, tok)}>"

    def tr_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return f"<tr{_holder(env, tokens[idx])}>\n"

    def blockquote_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return f"<blockquote{_holder(env, tokens[idx])}>\n"

    def bullet_list_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tasks = any(t.meta and "checked" in t.meta for t in tokens[idx + 1 : idx + 2])
        return '<ul class="tasks">\n' if tasks else "<ul>\n"

    def ordered_list_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        start = tokens[idx].attrGet("start")
        if start is None:
            return "<ol>\n"
        n = int(start)  # (the engine reads the counter, not the start attribute)
        return f'<ol start="{n}" style="counter-reset: list-item {n - 1}">\n'

    def div_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        div: Div = tok.meta["div"]
        w: Writer = env["w"]
        kind = div.kind
        if kind is None:
            # a div of attributes, or of another tool's styling class (the checks refuse an unknown
            # block name that could be a misspelt instructor-only one)
            return "<div" + _holder(env, tok) + _lang_attrs(div.attrs) + _id(div.id, env) + ">"
        title = w._title(tok, env["parsed"], env.get("source", False))
        if kind.role == "exercise":
            eid = w.inline_exercises.get(id(tok), div.id or "")
            number = w.index.numbers.get(id(tok))
            label = nbsp(w.words_for(env).gettext(LABELS["exercise"]) % {"num": number}) if number else ""
            head = f'<span class="num">{label}</span> {title}' if title else f'<span class="num">{label}</span>'
            return (
                f'<section class="exercise inline-exercise"{_id(eid, env)}>\n<h3 class="exercise-title">{head}</h3>\n'
            )
        if kind.role == "answer-space":
            style, rows = answer_rows(div.title)
            return f'<div class="answer-space {style}" data-audience="handout">' + '<div class="row"></div>' * rows
        if kind.role == "container":
            return "<div" + _holder(env, tok) + _lang_attrs(div.attrs) + _id(div.id, env) + ">"
        if kind.role == "panel":  # a tab or card: its title as a lead-in, no box
            head = f'<p class="panel-title lead-in">{title}</p>\n' if title else ""
            return f"<div{_holder(env, tok, 'panel')}{_id(div.id, env)}>\n{head}"
        title_class = (
            " titled" if title else ""
        )  # an author's title keeps its case (the pack's word is set in capitals)
        if title is None and kind.title is not None:  # the pack's word, in text of the source language too
            label = escape(w.words.gettext(kind.title))
            title = (
                label
                if not env.get("source")
                else Markup(f'<span lang="{w.words.lang}" dir="{text_direction(w.words.lang)}">{label}</span>')
            )
        classes = f"callout callout-{kind.css}" + (" instructor-only" if kind.audience != "all" else "")
        audience = f' data-audience="{kind.audience}"' if kind.audience != "all" else ""
        head = f'<p class="callout-title{title_class}">{title}</p>\n' if title else ""
        return f"<div{_holder(env, tok, classes)}{audience}{_id(div.id, env)}>\n{head}"

    def div_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        opener = opening(tokens, idx)
        kind = opener.meta["div"].kind if opener is not None else None
        if kind is not None and kind.role == "exercise":
            return "</section>\n"
        return "</div>\n"

    def figure_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        image: Token = tok.meta["image"]
        attrs: Attrs = image.meta.get("attrs") or Attrs()
        env["figure"] = tok
        return f"<figure{_holder(env, tok, 'figure')}{_id(attrs.id, env)}>"

    def figure_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        w: Writer = env["w"]
        tok = opening(tokens, idx)
        env.pop("figure", None)
        if tok is None:
            return "</figure>\n"
        image: Token = tok.meta["image"]
        number = w.index.numbers.get(id(tok))
        label = nbsp(w.words_for(env).gettext(LABELS["figure"]) % {"num": number}) if number else ""
        directive: Token | None = tok.meta.get("caption")  # MyST's figure: its text
        caption = (directive.children or []) if directive is not None else _figure_caption(image)
        text = ""
        if isinstance(caption, list):
            text = " " + self.renderInline(caption, options, env)
        elif caption is not None:  # a title is plain text, which the parser's typography does not reach
            lang = env["parsed"].lang
            text = " " + escapeHtml(punctuation(smart_text(caption, lang), lang))
        return f'<figcaption><span class="caption-label">{label}</span>{text}</figcaption></figure>\n'

    def table_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        w: Writer = env["w"]
        caption: Token | None = tok.meta.get("caption")
        attrs: Attrs = tok.meta.get("attrs") or Attrs()
        out = f"<table{_holder(env, tok)}{_id(attrs.id if caption is not None else None, env)}>\n"
        if caption is not None:
            number = w.index.numbers.get(id(tok))
            label = nbsp(w.words_for(env).gettext(LABELS["table"]) % {"num": number}) if number else ""
            text = self.renderInline(caption.children or [], options, env)
            out += f'<caption><span class="caption-label">{label}</span> {text}</caption>\n'
        return out

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        w: Writer = env["w"]
        opts, code = listing(tok)
        if opts.hidden:
            return ""
        pre = f'<pre class="{block_class(opts)}"{_src(env, tok)}><code>{highlight(code, opts)}</code></pre>\n'
        if opts.filename:
            pre = f'<p class="code-filename">{escapeHtml(opts.filename)}</p>\n' + pre
        number = w.index.numbers.get(id(tok))
        if opts.caption is None and not number:
            return pre
        label = nbsp(w.words_for(env).gettext(LABELS["listing"]) % {"num": number}) if number else ""
        caption = _inline_markdown(opts.caption or "", env["parsed"].lang)
        text = " " + self.renderInline(caption, options, env) if caption else ""
        return (
            f'<figure class="listing"{_id(opts.id, env)}><figcaption><span class="caption-label">{label}</span>'
            f"{text}</figcaption>\n{pre}</figure>\n"
        )

    def code_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        opts = CodeOptions()
        code = highlight(tokens[idx].content, opts)
        return f'<pre class="{block_class(opts)}"{_src(env, tokens[idx])}><code>{code}</code></pre>\n'

    def html_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        content = tokens[idx].content
        if content.lstrip().startswith("<!--"):
            return ""  # a comment: not printed
        return f"<p>{escapeHtml(content)}</p>\n"  # refused by the checks; never passed through

    def math_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A display formula, centred, its number (if it has one) at the right margin; drawn left
        to right in right-to-left text too."""
        tok = tokens[idx]
        w: Writer = env["w"]
        number = w.index.numbers.get(id(tok))
        tag = f"({escapeHtml(number)})" if number else ""
        svg = _formula(tok.content, True, env, tok)
        return (
            f'<div class="math display" dir="ltr"{_id(equation_id(tok), env)}{_src(env, tok)}>'
            f'<span class="eq-pad"></span><span class="eq-body">{svg}</span><span class="eq-num">{tag}</span></div>\n'
        )

    def math_block_label(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self.math_block(tokens, idx, options, env)

    def hr(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "<hr>\n"

    # -- inline ------------------------------------------------------------------------------

    def text(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        content = tokens[idx].content
        links = env["links"]
        if links and links[-1] is not None and NUMBER_SLOT in content:
            target: Target = links[-1]
            if target.number is None:
                raise BuildError(
                    f"'{{n}}' in the text of a link to '#{target.anchor}': it has no number "
                    "(only units, exercises, figures, tables and listings do); write the words out"
                )
            return escapeHtml(content).replace(NUMBER_SLOT, escapeHtml(target.number))
        return _long_words(content)

    def softbreak(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        before = tokens[idx - 1].content[-1:] if idx > 0 else ""
        after = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) else ""
        return "" if is_cjk(before) and is_cjk(after) else "\n"  # no space between two Chinese characters

    def hardbreak(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "<br>\n"

    def code_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        content = tokens[idx].content
        text = escapeHtml(content)
        if text_direction(env["parsed"].lang) == "rtl":
            # isolated in right-to-left text, or its neutral characters take the paragraph's
            # direction ("ls ~/data/" printed "/ls ~/data"): WeasyPrint has no unicode-bidi, so
            # the isolate characters themselves (FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE)
            text = f"\u2068{text}\u2069"
        if len(content) <= SHORT_CODE:  # `-l`, `ls -l`: never split at its hyphen or space
            return f'<code class="nowrap">{text}</code>'
        return f"<code>{text}</code>"

    def math_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A formula in the text, on its baseline, at the size of the text around it."""
        return f'<span class="math" dir="ltr">{_formula(tokens[idx].content, False, env)}</span>'

    def math_inline_double(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """``$$...$$`` inside a paragraph: a display-style formula on its own line."""
        return f'<span class="math display-inline" dir="ltr">{_formula(tokens[idx].content, True, env)}</span>'

    def html_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tag = inline_tag(tokens[idx].content)
        if tag is None:
            content = tokens[idx].content
            return "" if content.startswith("<!--") else escapeHtml(content)
        name, closing_tag, title = tag
        if closing_tag:
            return f"</{name}>" if name != "br" else ""
        if name == "br":
            return "<br>"
        return f'<{name} title="{escapeHtml(title)}">' if title and name == "abbr" else f"<{name}>"

    def span_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        attrs: Attrs = tokens[idx].meta.get("attrs") or Attrs()
        classes = [c for c in attrs.classes if c in SPAN_CLASSES]
        marks = tokens[idx].meta.get("marks")
        if marks:  # a glossary term or an index mark: an anchor where its text is printed
            if any(m.kind == "term" for m in marks):
                classes.append("term")
            before = f"<span{_id(attrs.id, env)}></span>" if attrs.id else ""
            anchor = f' id="{env["w"].mark(marks)}"' if env.get("ids", True) else ""
            cls = f' class="{" ".join(classes)}"' if classes else ""
            return f"{before}<span{cls}{_lang_attrs(attrs)}{anchor}>"
        cls = f' class="{" ".join(classes)}"' if classes else ""
        return f"<span{cls}{_lang_attrs(attrs)}{_id(attrs.id, env)}>"

    def span_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</span>"

    def index_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """MyST's ``:::{index}``: nothing printed, an anchor where it is."""
        if not env.get("ids", True):
            return ""
        return f'<div class="index-anchor" id="{env["w"].mark(tokens[idx].meta["marks"])}"></div>'

    def whole_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return '<span class="nohyph">'  # a name, an acronym, a paragraph's last word (typography.whole_words_rule)

    def whole_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</span>"

    def em_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "<em" + _lang_attrs(tokens[idx].meta.get("attrs") or Attrs()) + ">"

    def strong_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "<strong" + _lang_attrs(tokens[idx].meta.get("attrs") or Attrs()) + ">"

    def s_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "<del>"

    def s_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</del>"

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        w: Writer = env["w"]
        attrs: Attrs = tok.meta.get("attrs") or Attrs()
        src = str(tok.attrGet("src") or "")
        if ":" in src.split("/")[0] or src.startswith("/"):  # a file of the course only (the checks say so first)
            raise BuildError(f"{_where(env)}: image '{src}' is not a file of the course")
        src = w.assets.get(_normpath(src), src)
        alt = image_alt(tok)
        width = _width(attrs.pairs.get("width"))
        style = f' style="width: {width}"' if width else ""
        inline_id = "" if env.get("figure") is not None else _id(attrs.id, env)
        return f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}"{style}{inline_id}>'

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        w: Writer = env["w"]
        href = str(tok.attrGet("href") or "")
        links: list[Target | None] = env["links"]
        if not href.startswith("#") and not markdown_file(href):
            if not href.lower().startswith(("http://", "https://", "mailto:")):  # (the checks say so first)
                raise BuildError(f"{_where(env)}: link '{href}': only http, https and mailto links are allowed")
            links.append(None)
            env.setdefault("external", []).append(href)
            return f'<a href="{escapeHtml(href)}">'
        parsed: Parsed = env["parsed"]
        target = w.index.find(parsed.key, href[1:])
        if target is None and not href.startswith("#"):  # a link to another file of the course
            fragment = href.partition("#")[2]
            key = w.index.files.get(file_name(href), "")
            target = w.index.find(key, fragment) if fragment else w.index.targets.get(key)
        if target is None:
            raise BuildError(f"{_where(env)}: cross-reference to '{href}': no target has that id")
        links.append(target)
        empty = closing(tokens, idx) == idx + 1
        label = escapeHtml(w.words_for(env).label(target, w.reading_label)) if empty else ""
        if w.present(target):
            return f'<a class="xref" href="#{escapeHtml(target.anchor)}">{label}'
        return f'<span class="xref">{label}'

    def link_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        w: Writer = env["w"]
        links: list[Target | None] = env["links"]
        target = links.pop() if links else None
        if target is None:
            href = env.get("external", [""]).pop() if env.get("external") else ""
            return "</a>" + _address(w, tokens, idx, href, env)
        nested = _in_parentheses(tokens, idx)
        return ("</a>" if w.present(target) else "</span>") + w.pageref(target, w.words_for(env), nested)

    def cite(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        """A citation, author–date: "(see Doe 2020, p.\u00a012; Roe 2019)", "Doe (2020)"; each
        work a link to its entry when the pack prints the reading list. A narrative ``@word``
        that names no reading is text as written (the checks stop a bracketed one first)."""
        tok = tokens[idx]
        w: Writer = env["w"]
        cluster: Cluster = tok.meta["cite"]
        words = w.words_for(env)
        lang = words.lang
        targets = [w.index.targets.get(item.key) for item in cluster.items]
        if w.reading_cite is None or any(t is None or t.kind != "reading" for t in targets):
            if cluster.narrative:
                return escapeHtml(tok.content)
            unknown = next(
                i.key for i, t in zip(cluster.items, targets, strict=True) if t is None or t.kind != "reading"
            )
            raise BuildError(f"{_where(env)}: citation '@{unknown}': no reading has that id")
        if w.citations is not None:  # the course's CSL style: formatted once the document is written
            in_note = env.get("note", 0)
            note = in_note or (w.next_note() if w.citations.notes else 0)
            items = tuple(
                replace(item, key=t.anchor) for item, t in zip(cluster.items, targets, strict=True) if t is not None
            )  # (a key as the .bib file writes it cites the reading's id)
            initial = bool(in_note) and idx == 0 and env.get("note_start", False)  # (the note opens with it)
            return w.citations.cite(replace(cluster, items=items), w.scope, note, bool(in_note), initial)
        and_word = words.gettext("and")
        cite_of = w.reading_cite
        opening, closing_mark = words.cite_brackets()
        comma = words.comma()

        def work(text: str, target: Target | None) -> str:
            if target is not None and w.present(target):
                return f'<a class="xref" href="#{escapeHtml(target.anchor)}">{escapeHtml(text)}</a>'
            return escapeHtml(text)

        def after(item: CiteItem) -> str:
            out = comma + words.locator(item.locator) if item.locator else ""
            suffix = item.suffix
            if suffix and not suffix.startswith((",", ";", ":", ".")) and not suffix.startswith(" "):
                suffix = comma + suffix
            return out + escapeHtml(smart_text(suffix, lang)) if suffix else out

        if cluster.narrative:
            (item,), (target,) = cluster.items, targets
            authors, year = cite_of(target.anchor if target else item.key, and_word)
            return f"{work(authors, target)} {opening}{escapeHtml(year)}{after(item)}{closing_mark}"
        parts = []
        for item, target in zip(cluster.items, targets, strict=True):
            authors, year = cite_of(target.anchor if target else item.key, and_word)
            prefix = escapeHtml(smart_text(item.prefix, lang)) + " " if item.prefix else ""
            parts.append(prefix + work(year if item.suppress_author else f"{authors} {year}", target) + after(item))
        return opening + escapeHtml(words.cite_separator()).join(parts) + closing_mark

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        w: Writer = env["w"]
        parsed: Parsed = env["parsed"]
        key = tok.meta.get("label") or f"^{tok.meta.get('id')}"
        note = parsed.notes.get(key)
        if note is None:
            raise BuildError(f"{_where(env)}: footnote [^{key}] is never defined")
        audiences = env.get("audiences", w.audiences)
        if note.needs is not None and not note.needs <= audiences:
            raise BuildError(
                f"{parsed.path}:{note.line}: footnote [^{key}] is defined in text this edition does not show"
            )
        # A note cited again is printed again under its own number, as Pandoc does: its text
        # is then on the page of every call (a reused number would point to another page).
        number = w.next_note()
        outer, env["note"] = env.get("note", 0), number
        try:
            inner = self._note_text(w._visible(note.tokens, 0, len(note.tokens), audiences), options, env)
        finally:
            env["note"] = outer
        return f'{JOIN}<span class="footnote" data-num="{number}">{inner}</span>'

    def _note_text(self, tokens: list[Token], options: OptionsDict, env: EnvType) -> str:
        """A note's blocks as one run of inline text (a note is set at the foot of the page)."""
        parts: list[str] = []
        for tok in tokens:
            if tok.type == "inline" and tok.children:
                env["note_start"] = not parts
                parts.append(self.renderInline(tok.children, options, env))
                env["note_start"] = False
            elif tok.type in ("fence", "code_block"):
                parts.append(f"<code>{escapeHtml(tok.content.strip())}</code>")
        return " ".join(p for p in parts if p)


OPEN_PARENS, CLOSE_PARENS = "(\uff08", ")\uff09"


def _in_parentheses(tokens: Sequence[Token], idx: int) -> bool:
    """Whether the link closed at ``idx`` sits inside parentheses opened earlier in its line of
    text ("(see Unit 2)", "（见第2单元）") and closed after it."""
    before = "".join(t.content for t in tokens[:idx] if t.type in ("text", "code_inline"))
    after = "".join(t.content for t in tokens[idx + 1 :] if t.type in ("text", "code_inline"))
    depth = sum(before.count(c) for c in OPEN_PARENS) - sum(before.count(c) for c in CLOSE_PARENS)
    return depth > 0 and any(c in after for c in CLOSE_PARENS)


def _formula(tex: str, display: bool, env: EnvType, block: Token | None = None) -> str:
    """A formula's SVG; one that cannot be drawn stops the build at its line (the checks say
    so first, with its column)."""
    try:
        return maths.typeset(tex, display).svg
    except maths.FormulaError as exc:
        where = f"{display_path(env['parsed'].path)}:{env['parsed'].line(block)}" if block is not None else _where(env)
        raise BuildError(f"{where}: formula '{maths.excerpt(tex)}': {exc.message}") from None


def _where(env: EnvType) -> str:
    """The file and line being written, for a message."""
    parsed: Parsed = env["parsed"]
    line = env.get("line", -1)
    return f"{display_path(parsed.path)}:{line + parsed.first_line}" if line >= 0 else display_path(parsed.path)


def _address(w: Writer, tokens: Sequence[Token], idx: int, href: str, env: EnvType) -> str:
    """The address of an external link, printed for a reader of paper (unless the text is it)."""
    if w.links == "none" or not href:
        return ""
    opener = opening(tokens, idx)
    if opener is not None and opener.markup in ("autolink", "linkify"):
        return ""
    start = list(tokens).index(opener) if opener is not None else idx
    text = "".join(t.content for t in tokens[start + 1 : idx] if t.type in ("text", "code_inline"))
    shown = href.removeprefix("mailto:")
    if text.strip().rstrip("/") in (shown.rstrip("/"), href.rstrip("/")):
        return ""
    if w.links == "after":
        return f' <span class="url">({escapeHtml(shown)})</span>'
    number = w.next_note()
    return (
        f'{JOIN}<span class="footnote url-note" data-num="{number}"><span class="url">{escapeHtml(shown)}</span></span>'
    )


def _lead_in(tokens: Sequence[Token], idx: int) -> bool:
    """A paragraph of bold text only, followed by more content: a label kept with what follows."""
    inline = tokens[idx + 1] if idx + 1 < len(tokens) else None
    children = [c for c in (inline.children or []) if c.type != "text" or c.content] if inline is not None else []
    if len(children) < 3 or children[0].type != "strong_open" or children[-1].type != "strong_close":
        return False
    if closing(children, 0) != len(children) - 1:
        return False
    after = idx + 3
    return after < len(tokens) and tokens[after].nesting >= 0


def _id(ident: str | None, env: EnvType) -> str:
    """An id attribute (none in text printed twice, as the source column of a review copy)."""
    return f' id="{escape(ident)}"' if ident and env.get("ids", True) else ""


def _lang_attrs(attrs: Attrs) -> str:
    lang = attrs.pairs.get("lang")
    if not lang or not all(c.isalnum() or c == "-" for c in lang):
        return ""
    direction = attrs.pairs.get("dir")
    direction = direction if direction in ("ltr", "rtl") else text_direction(lang)
    return f' lang="{escape(lang)}" dir="{direction}"'


def _width(value: str | None) -> str | None:
    """A safe CSS width from ``width=60%`` (or cm, mm, in, px, em)."""
    if not value:
        return None
    number = value.rstrip("%cmpxein")
    unit = value[len(number) :]
    try:
        amount = float(number)
    except ValueError:
        return None
    if unit not in ("%", "cm", "mm", "in", "px", "em") or not 0 < amount <= (100 if unit == "%" else 1000):
        return None
    return f"{amount:g}{unit}"


def _normpath(src: str) -> str:
    import posixpath

    return posixpath.normpath(src) if src else src


def image_alt(tok: Token) -> str:
    """An image's alt text: ``alt=`` or Quarto's ``fig-alt=`` attribute, else the text in brackets."""
    attrs: Attrs = tok.meta.get("attrs") or Attrs()
    alt = attrs.pairs.get("alt") or attrs.pairs.get("fig-alt")
    if alt is not None:
        return alt
    return plain(Token("inline", "", 0, children=tok.children or []))


def _figure_caption(image: Token) -> list[Token] | str | None:
    """A figure's caption: the image's title, or, when its alt text is given apart (``{alt="..."}``),
    the text in brackets (Pandoc, Quarto and the Carpentries caption with it)."""
    title = image.attrGet("title")
    if title:
        return str(title)
    attrs: Attrs = image.meta.get("attrs") or Attrs()
    if ("alt" in attrs.pairs or "fig-alt" in attrs.pairs) and image.children:
        return image.children
    return None


@cache
def _inline_parser(lang: str) -> Any:
    from coursepack.markdown.parser import parser

    return parser(lang)


def _inline_markdown(text: str, lang: str) -> list[Token]:
    if not text:
        return []
    tokens = _inline_parser(lang).parseInline(text, {"lang": lang})
    return tokens[0].children or [] if tokens else []


class _TagReader(HTMLParser):
    """Reads one inline HTML tag (Python's HTML parser, not a pattern)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: tuple[str, bool, str] | None = None
        self.count = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.count += 1
        title = next((v or "" for k, v in attrs if k == "title"), "")
        others = [k for k, _ in attrs if k != "title" or tag != "abbr"]
        self.found = (tag, False, title) if not others else None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self.count += 1
        self.found = (tag, True, "")

    def handle_data(self, data: str) -> None:
        self.count += 2  # text: not a lone tag

    def handle_comment(self, data: str) -> None:
        self.count += 2


@cache
def inline_tag(html: str) -> tuple[str, bool, str] | None:
    """(name, is a closing tag, title) of an allowed inline HTML tag (``<kbd>``, ``</kbd>``,
    ``<abbr title="...">``, ``<br>``...), or None for anything else."""
    reader = _TagReader()
    reader.feed(html)
    reader.close()
    if reader.count != 1 or reader.found is None or reader.found[0] not in INLINE_TAGS:
        return None
    return reader.found


def answer_rows(argument: str | None) -> tuple[str, int]:
    """'6 lines' → ('lines', 6); '4 cm box' → ('box', 4); '5 cm grid' → ('grid', 10): rows of the space."""
    words = (argument or "6 lines").split()
    try:
        size = float(words[0]) if words else 6.0
    except ValueError:
        return "lines", 6
    unit = words[1] if len(words) > 1 else "lines"
    style = words[2] if len(words) > 2 else None
    if unit.startswith("line"):
        return "lines", min(60, max(1, round(size)))
    if unit != "cm" or style not in (None, "box", "grid", "lines"):
        return "lines", 6
    style = style or "box"
    per_cm = 2 if style == "grid" else 1  # grid rows are 5 mm, box rows 10 mm
    return style, min(60, max(1, round(size * per_cm)))
