"""The second pass: an edition's HTML, written from the parse and the pack's index of targets.

``Writer`` renders bodies for one edition in one language. Blocks whose audience the
edition does not show are left out of the token stream before anything is written (the
edition is built from a tree without them); links to targets are written complete, with the
target's label and page reference, from ``targets.Index``; footnotes are set where they are
called (``float: footnote``), numbered per document; code is set by ``code``. Only elements
and attributes the theme knows are written, and ``sanitize`` checks the result again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from typing import Any

from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

from coursepack.errors import BuildError, display_path
from coursepack.i18n import N_, list_separator, punctuation, text_direction
from coursepack.markdown.attributes import Attrs
from coursepack.markdown.blocks import BlockKind
from coursepack.markdown.cjk import is_cjk
from coursepack.markdown.code import CodeOptions, block_class, highlight, listing
from coursepack.markdown.divs import Div
from coursepack.markdown.document import Body, Chunk, InlineExercise, Parsed, is_exercise, outer_blocks, plain
from coursepack.markdown.files import file_name, markdown_file
from coursepack.markdown.sanitize import clean
from coursepack.markdown.tree import closing, opening
from coursepack.markdown.typography import smart_text
from coursepack.targets import Index, Target, equation_id

LABELS = {
    "unit": N_("Unit %(num)s"),
    "exercise": N_("Exercise %(num)s"),
    "figure": N_("Figure %(num)s"),
    "table": N_("Table %(num)s"),
    "listing": N_("Listing %(num)s"),
    "equation": N_("Equation %(num)s"),
}
NUMBER_SLOT = "{n}"
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
SHORT_CODE = 20  # characters: inline code this short is kept on one line
SPAN_CLASSES = frozenset({"smallcaps", "underline", "mark", "nowrap"})


def nbsp(label: str) -> str:
    """'Table 3' with a no-break space: a label never breaks across lines."""
    return label.replace(" ", "\u00a0")


@dataclass
class Words:
    """The words of one language around references: labels, "p. 14", "Student pack, p. 14"."""

    gettext: Callable[[str], str]
    lang: str

    def label(self, target: Target, reading_label: Callable[[str, str], str] | None = None) -> str:
        if target.kind in LABELS and target.number is not None:
            return nbsp(self.gettext(LABELS[target.kind]) % {"num": target.number})
        if target.kind == "reading" and reading_label is not None:
            return reading_label(target.anchor, self.gettext("and"))
        if target.kind == "introduction":
            return self.gettext("Introduction")
        return target.title

    @property
    def page(self) -> tuple[str, str, str]:
        """(separator, before the number, after it): ", p.\u00a0" and "" in English."""
        sep = list_separator(self.lang)
        before, _page, after = self.gettext("p. %(page)s").partition("%(page)s")
        if self.lang.startswith(("zh", "ja")):  # a page reference in full-width parentheses: 图1（第12页）
            return "\uff08", before, after + "\uff09"
        return sep, before.replace(" ", "\u00a0"), after

    def reading_list_page(self) -> str:
        return self.gettext("reading list, p.") + ("" if self.lang.startswith(("zh", "ja")) else "\u00a0")

    def student_page(self, page: int) -> str:
        text = self.gettext("Student pack, p. %(page)s") % {"page": page}
        if self.lang.startswith(("zh", "ja")):
            return f"\uff08{text}\uff09"
        return f" ({text})"


@dataclass
class Writer:
    """Writes the HTML of one edition in one language."""

    index: Index
    audiences: frozenset[str]
    words: Words
    source_words: Words
    present: Callable[[Target], bool]  # whether a target is in the document being written
    student_pages: dict[str, int] = field(default_factory=dict)
    links: str = "footnote"  # where an external link's address is printed: footnote | after | none
    assets: dict[str, str] = field(default_factory=dict)  # images the translation has its own version of
    reading_label: Callable[[str, str], str] | None = None
    inline_exercises: dict[int, str] = field(default_factory=dict)  # id(div_open) → exercise id
    note: int = 0  # the last footnote number given
    fallbacks: set[str] = field(default_factory=set)  # the anchors of fallback text written
    given: dict[tuple[int, str], int] = field(default_factory=dict)  # (parse, note) → its number, in this document
    restart_notes: bool = True  # each document numbers its notes from 1
    _html: _Html = field(init=False)

    def __post_init__(self) -> None:
        self._html = _Html()

    # -- what the templates call -------------------------------------------------------------

    def body(self, body: Body | None) -> Markup | None:
        """The HTML of a body as this edition prints it."""
        if body is None:
            return None
        if self.restart_notes:
            self.start_notes()
        out = []
        for chunk in body.chunks:
            html = self._chunk(chunk, chunk.start, chunk.end if chunk.end >= 0 else len(chunk.parsed.tokens))
            if chunk.fallback is not None:
                self.fallbacks.add(chunk.fallback)
                lang = chunk.parsed.lang
                html = (
                    f'<div class="fallback" id="{chunk.fallback}" lang="{lang}" dir="{text_direction(lang)}">'
                    f"{html}</div>"
                )
            out.append(html)
        return Markup(clean("".join(out))) if any(out) else None

    def exercise(self, ex: InlineExercise) -> Markup:
        """The content of an exercise written in a unit, without its title (for the Exercises part,
        handouts, the booklet and the answer key)."""
        if self.restart_notes:
            self.start_notes()
        html = self._chunk(ex.chunk, ex.open + 1, ex.close)
        if ex.chunk.fallback is not None:
            lang = ex.parsed.lang
            html = f'<div class="fallback" lang="{lang}" dir="{text_direction(lang)}">{html}</div>'
        return Markup(clean(html))

    def notes(self, body: Body | None, audiences: frozenset[str] = frozenset({"instructor", "answer"})) -> list[Markup]:
        """The outermost instructor-only blocks of a body (notes, guidelines, model answers): a
        unit's teaching notes in the guide."""
        if body is None or not audiences & self.audiences:
            return []
        wanted = audiences & self.audiences

        def note(kind: BlockKind | None) -> bool:
            return kind is not None and kind.audience in wanted

        # (an exercise's solutions print with it)
        blocks = outer_blocks(body, note, skip=is_exercise)
        return [Markup(clean(self._chunk(chunk, i, close + 1))) for chunk, i, close in blocks]

    def title(self, ex: InlineExercise) -> Markup | None:
        """An inline exercise's title as HTML."""
        div_tok = ex.parsed.tokens[ex.open]
        return self._title(div_tok, ex.parsed, ex.chunk.fallback is not None)

    # -- rendering ------------------------------------------------------------------------

    def section(
        self, of: Chunk | Parsed, start: int, end: int, audiences: frozenset[str] | None = None, ids: bool = True
    ) -> Markup:
        """Tokens ``start:end`` of a file as HTML (for ``audiences``, if not the writer's);
        without ``ids``, no anchors (text printed a second time, as the source column of a
        review copy: a PDF has one anchor per id)."""
        chunk = of if isinstance(of, Chunk) else Chunk(of)
        return Markup(clean(self._chunk(chunk, start, end, audiences, ids)))

    def _chunk(
        self, chunk: Chunk, start: int, end: int, audiences: frozenset[str] | None = None, ids: bool = True
    ) -> str:
        audiences = audiences or self.audiences
        tokens = self._visible(chunk.parsed.tokens, start, end, audiences)
        env = {
            "w": self,
            "audiences": audiences,
            "parsed": chunk.parsed,
            "source": chunk.fallback is not None,
            "links": [],
            "holders": _note_holders(tokens, self.links == "footnote"),
            "ids": ids,
        }
        return self._html.render(tokens, OPTIONS, env)

    def _visible(self, tokens: list[Token], start: int, end: int, audiences: frozenset[str]) -> list[Token]:
        """The tokens of ``start:end`` without the blocks an edition with ``audiences`` does not show."""
        out: list[Token] = []
        i = start
        while i < end:
            tok = tokens[i]
            if tok.type == "div_open":
                kind: BlockKind | None = tok.meta["div"].kind
                if kind is not None and kind.audience != "all" and kind.audience not in audiences:
                    i = closing(tokens, i) + 1
                    continue
            out.append(tok)
            i += 1
        return out

    def words_for(self, env: EnvType) -> Words:
        return self.source_words if env.get("source") else self.words

    def _title(self, tok: Token, parsed: Parsed, source: bool) -> Markup | None:
        inline = tok.meta.get("title_inline")
        if inline is None:
            return None
        env = {"w": self, "parsed": parsed, "source": source, "links": []}
        return Markup(self._html.renderInline(inline.children or [], OPTIONS, env))

    def pageref(self, target: Target, words: Words) -> str:
        """The page reference after a label: a link the engine numbers (", p. 14") when the target
        is in this document, the page it has in the student pack as built when it is only there."""
        if self.present(target):
            sep, before, after = words.page
            head = words.reading_list_page() if target.kind == "reading" else before
            return (
                f'<a class="pageref" href="#{escapeHtml(target.anchor)}" data-before="{escapeHtml(sep + head)}" '
                f'data-after="{escapeHtml(after)}"></a>'
            )
        page = self.student_pages.get(target.anchor)
        return f'<span class="pageref external">{escapeHtml(words.student_page(page))}</span>' if page else ""

    def next_note(self) -> int:
        self.note += 1
        return self.note

    def start_notes(self) -> None:
        """A new document: its notes are numbered from 1."""
        self.note = 0
        self.given = {}


HOLDERS = frozenset({"div_open", "tr_open", "figure_open", "list_item_open", "table_open", "blockquote_open"})


def _note_holders(tokens: list[Token], url_notes: bool) -> set[int]:
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
        elif tok.type == "inline" and tok.children and _calls_note(tok.children, url_notes):
            found.update(id(t) for t in stack if t.type in HOLDERS)
    return found


def _calls_note(children: list[Token], url_notes: bool) -> bool:
    for c in children:
        if c.type == "footnote_ref":
            return True
        if url_notes and c.type == "link_open" and not str(c.attrGet("href") or "#").startswith("#"):
            return True
    return False


def _holder(env: EnvType, tok: Token, classes: str = "") -> str:
    """The class attribute of a block that may hold a footnote call."""
    if id(tok) in env.get("holders", ()):
        classes = f"{classes} has-footnote".strip()
    return f' class="{classes}"' if classes else ""


class _Html(RendererHTML):
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
        return f"<{tokens[idx].tag}{anchor}>"

    def paragraph_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        if tok.hidden:
            return ""
        if _lead_in(tokens, idx):
            return '<p class="lead-in">'
        return "<p>"

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
        if title is None and kind.title is not None:  # the pack's word, in text of the source language too
            label = escape(w.words.gettext(kind.title))
            title = (
                label
                if not env.get("source")
                else Markup(f'<span lang="{w.words.lang}" dir="{text_direction(w.words.lang)}">{label}</span>')
            )
        classes = f"callout callout-{kind.css}" + (" instructor-only" if kind.audience != "all" else "")
        audience = f' data-audience="{kind.audience}"' if kind.audience != "all" else ""
        head = f'<p class="callout-title">{title}</p>\n' if title else ""
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
        pre = f'<pre class="{block_class(opts)}"><code>{highlight(code, opts)}</code></pre>\n'
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
        return f'<pre class="{block_class(opts)}"><code>{highlight(tokens[idx].content, opts)}</code></pre>\n'

    def html_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        content = tokens[idx].content
        if content.lstrip().startswith("<!--"):
            return ""  # a comment: not printed
        return f"<p>{escapeHtml(content)}</p>\n"  # refused by the checks; never passed through

    def math_block(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        w: Writer = env["w"]
        number = w.index.numbers.get(id(tok))
        tag = f' <span class="eq-num">({escapeHtml(number)})</span>' if number else ""
        return f'<div class="math display"{_id(equation_id(tok), env)}>{escapeHtml(tok.content.strip())}{tag}</div>\n'

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
        return escapeHtml(content)

    def softbreak(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        before = tokens[idx - 1].content[-1:] if idx > 0 else ""
        after = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) else ""
        return "" if is_cjk(before) and is_cjk(after) else "\n"  # no space between two Chinese characters

    def hardbreak(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "<br>\n"

    def code_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        content = tokens[idx].content
        if len(content) <= SHORT_CODE:  # `-l`, `ls -l`: never split at its hyphen or space
            return f'<code class="nowrap">{escapeHtml(content)}</code>'
        return f"<code>{escapeHtml(content)}</code>"

    def math_inline(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return f'<span class="math">{escapeHtml(tokens[idx].content)}</span>'

    def math_inline_double(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return self.math_inline(tokens, idx, options, env)

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
        cls = f' class="{" ".join(classes)}"' if classes else ""
        return f"<span{cls}{_lang_attrs(attrs)}{_id(attrs.id, env)}>"

    def span_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
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
        return ("</a>" if w.present(target) else "</span>") + w.pageref(target, w.words_for(env))

    def footnote_ref(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        tok = tokens[idx]
        w: Writer = env["w"]
        parsed: Parsed = env["parsed"]
        key = tok.meta.get("label") or f"^{tok.meta.get('id')}"
        given = w.given
        if (id(parsed), key) in given:  # cited again in the same document: its number
            return f'<sup class="footnote-again">{given[(id(parsed), key)]}</sup>'
        note = parsed.notes.get(key)
        if note is None:
            raise BuildError(f"{_where(env)}: footnote [^{key}] is never defined")
        audiences = env.get("audiences", w.audiences)
        if note.needs is not None and not note.needs <= audiences:
            raise BuildError(
                f"{parsed.path}:{note.line}: footnote [^{key}] is defined in text this edition does not show"
            )
        number = w.next_note()
        given[(id(parsed), key)] = number
        inner = self._note_text(w._visible(note.tokens, 0, len(note.tokens), audiences), options, env)
        return f'<span class="footnote" data-num="{number}">{inner}</span>'

    def _note_text(self, tokens: list[Token], options: OptionsDict, env: EnvType) -> str:
        """A note's blocks as one run of inline text (a note is set at the foot of the page)."""
        parts = []
        for tok in tokens:
            if tok.type == "inline" and tok.children:
                parts.append(self.renderInline(tok.children, options, env))
            elif tok.type in ("fence", "code_block"):
                parts.append(f"<code>{escapeHtml(tok.content.strip())}</code>")
        return " ".join(p for p in parts if p)


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
    return f'<span class="footnote url-note" data-num="{number}"><span class="url">{escapeHtml(shown)}</span></span>'


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


def render_text(
    text: str, lang: str = "en", audiences: frozenset[str] = frozenset({"student"}), key: str = "doc"
) -> str:
    """Markdown text to HTML as one document of its own: every target its own, no page numbers
    from elsewhere (tests, the CommonMark examples, previews of a fragment)."""
    from pathlib import Path

    from coursepack.targets import index_body

    body = Body.whole(Parsed(Path(f"{key}.md"), text, 1, lang, key))
    words = Words(lambda s: s, lang)
    writer = Writer(index_body(body), audiences, words, words, lambda target: True)
    return str(writer.body(body) or "")
