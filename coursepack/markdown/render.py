"""The second pass: an edition's HTML, written from the parse and the pack's index of targets.

``Writer`` renders bodies for one edition in one language. Blocks whose audience the
edition does not show are left out of the token stream before anything is written (the
edition is built from a tree without them); links to targets are written complete, with the
target's label and page reference, from ``targets.Index``; footnotes are set where they are
called (``float: footnote``), numbered per document. The HTML of each token type is
``htmlrules``'s; code is set by ``code``; ``sanitize`` checks the result again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token
from markdown_it.utils import EnvType
from markupsafe import Markup

from coursepack.i18n import CJK_CLOSING, text_direction
from coursepack.markdown.blocks import BlockKind
from coursepack.markdown.citations import CiteStyle
from coursepack.markdown.document import Body, Chunk, InlineExercise, Parsed, is_exercise, outer_blocks
from coursepack.markdown.htmlrules import OPTIONS, HtmlRules, _note_holders
from coursepack.markdown.marks import Mark
from coursepack.markdown.sanitize import clean
from coursepack.markdown.tree import closing
from coursepack.markdown.words import Words
from coursepack.resolve.targets import Index, Target


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
    reading_cite: Callable[[str, str], tuple[str, str]] | None = None  # a reading's (authors, year) in citations
    citations: CiteStyle | None = None  # the course's CSL style (None: author–date from the readings)
    inline_exercises: dict[int, str] = field(default_factory=dict)  # id(div_open) → exercise id
    note: int = 0  # the last footnote number given
    scope: int = 0  # which run of notes numbered from 1 is being written
    fallbacks: set[str] = field(default_factory=set)  # the anchors of fallback text written
    restart_notes: bool = True  # each document numbers its notes from 1
    root: Path | None = None  # the course folder: blocks say where they are written (``data-src``)
    glossary_names: dict[str, str] = field(default_factory=dict)  # a term's names → its glossary id
    marks: list[tuple[str, Mark]] = field(default_factory=list)  # each term use and index mark written, and its anchor
    _anchors: int = 0
    _html: HtmlRules = field(init=False)

    def __post_init__(self) -> None:
        self._html = HtmlRules()

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
            "holders": _note_holders(
                tokens, self.links == "footnote", self.citations is not None and self.citations.notes
            ),
            "ids": ids,
            "src": self._src_prefix(chunk.parsed),
        }
        return self._html.render(tokens, OPTIONS, env)

    def _src_prefix(self, parsed: Parsed) -> str:
        """``units/x.md:``, the start of a block's ``data-src`` (none without the course folder)."""
        if self.root is None or not parsed.path.is_relative_to(self.root):
            return ""
        return parsed.path.relative_to(self.root).as_posix() + ":"

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

    def pageref(self, target: Target, words: Words, nested: bool = False) -> str:
        """The page reference after a label: a link the engine numbers (", p. 14") when the target
        is in this document, the page it has in the student pack as built when it is only there;
        ``nested``: the reference is inside parentheses (no second pair)."""
        if self.present(target):
            sep, before, after = words.page(nested)
            head = words.reading_list_page() if target.kind == "reading" else before
            after, trail = _closing_mark(after)
            return (
                f'<a class="pageref" href="#{escapeHtml(target.anchor)}" data-before="{escapeHtml(sep + head)}" '
                f'data-after="{escapeHtml(after)}"></a>{escapeHtml(trail)}'
            )
        page = self.student_pages.get(target.anchor)
        if not page:
            return ""
        text, trail = _closing_mark(words.student_page(page, nested))
        return f'<span class="pageref external">{escapeHtml(text)}</span>{escapeHtml(trail)}'

    def mark(self, marks: list[Mark]) -> str:
        """The anchor of a term use or index mark about to be written (the back matter lists the
        pages of these: only marks this edition prints are recorded)."""
        self._anchors += 1
        anchor = f"cp-ix-{self._anchors}"
        self.marks += [(anchor, m) for m in marks if not m.problem]
        return anchor

    def next_note(self) -> int:
        self.note += 1
        return self.note

    def start_notes(self) -> None:
        """A new document: its notes are numbered from 1."""
        self.note = 0
        self.scope += 1


def render_text(
    text: str, lang: str = "en", audiences: frozenset[str] = frozenset({"student"}), key: str = "doc"
) -> str:
    """Markdown text to HTML as one document of its own: every target its own, no page numbers
    from elsewhere (tests, the CommonMark examples, previews of a fragment)."""

    from coursepack.resolve.targets import index_body

    body = Body.whole(Parsed(Path(f"{key}.md"), text, 1, lang, key))
    words = Words(lambda s: s, lang)
    writer = Writer(index_body(body), audiences, words, words, lambda target: True)
    return str(writer.body(body) or "")


def _closing_mark(text: str) -> tuple[str, str]:
    """``text`` without a full-width closing mark at its end, and the mark: set in the text
    after the reference, so that the engine sees it meet the mark that follows ("（第35页）。"):
    one of the two is then set on half an em."""
    if text[-1:] in CJK_CLOSING:
        return text[:-1], text[-1]
    return text, ""
