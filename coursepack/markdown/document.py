"""A parsed Markdown file, and a body made of parsed pieces.

``Parsed`` is one file's parse: its block tokens (the tree, serialised with nesting), the
footnotes it defines and where, its headings with their ids, and its ``##`` sections. It is
made once per file and language and read by every later stage: checks, localization,
numbering, rendering.

A ``Body`` is what a pack prints for one source file: the whole parse, or, in a translation,
its sections each taken from the translation or (where it is missing) from the source as
*fallback* chunks.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from markdown_it.token import Token

from coursepack.markdown.attributes import Attrs
from coursepack.markdown.blocks import BlockKind, required
from coursepack.markdown.divs import Div
from coursepack.markdown.parser import TOO_DEEP, parse
from coursepack.markdown.tree import closing

if TYPE_CHECKING:
    from coursepack.content.model import MarkdownSource

NO_NEEDS: frozenset[str] = frozenset()


@dataclass
class Note:
    """A footnote's definition."""

    key: str
    tokens: list[Token]
    line: int  # 1-based line of its definition in the file (0: an inline note, defined where it is called)
    needs: frozenset[str] | None  # the audiences its place requires; None for an inline note


@dataclass
class Heading:
    """A heading of the file."""

    index: int  # of its heading_open token
    level: int
    text: str  # plain text
    line: int
    explicit: str | None  # the id written on it, ``{#id}``
    slug: str  # the automatic id, from its text (GitHub's rules); links may use it within the file
    needs: frozenset[str]
    anchor: str = ""  # the id it has in the HTML
    also: str = ""  # the id Pandoc and Quarto would give it, when it differs (links may use it too)


@dataclass(frozen=True)
class Section:
    """The text under one ``##`` heading (or before the first)."""

    title: str
    start: int  # token range
    end: int
    text: str  # its source lines, footnote definitions left out


def plain(inline: Token | None) -> str:
    """The text of an inline token, without markup."""
    if inline is None or not inline.children:
        return inline.content if inline is not None else ""
    out = []
    for child in inline.children:
        if child.type in ("text", "code_inline", "math_inline", "cite"):  # (a citation as written)
            out.append(child.content)
        elif child.type == "image" and child.children:
            out.append(plain(Token("inline", "", 0, children=child.children)))
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def slugify(text: str) -> str:
    """GitHub's heading ids: lower case, letters and digits of any script kept, spaces to hyphens,
    other punctuation dropped ('Évaluer les "preuves"' → 'évaluer-les-preuves')."""
    out = []
    for ch in unicodedata.normalize("NFC", text).lower():
        if ch.isalnum() or ch in "-_":
            out.append(ch)
        elif ch.isspace():
            out.append("-")
    return "".join(out).strip("-") or "section"


def pandoc_slug(text: str) -> str:
    """Pandoc's (and Quarto's) heading ids: words of letters, digits, '_', '-' and '.', joined by
    one hyphen, from the first letter on ('Links & Images' → 'links-images')."""
    words = []
    for word in unicodedata.normalize("NFC", text).lower().split():
        kept = "".join(ch for ch in word if ch.isalnum() or ch in "_-.")
        if kept:
            words.append(kept)
    slug = "-".join(words)
    start = next((k for k, ch in enumerate(slug) if ch.isalpha()), len(slug))
    return slug[start:] or "section"


def walk(tokens: list[Token], start: int = 0, end: int | None = None) -> Iterator[tuple[int, Token, frozenset[str]]]:
    """Each block token with the audiences an edition must show to print it (from the divs
    around it; a div's own opening and title count as inside it)."""
    stack = [NO_NEEDS]
    for i in range(start, len(tokens) if end is None else end):
        tok = tokens[i]
        if tok.type == "div_open":
            stack.append(required(tok.meta["div"].kind, stack[-1]))
            yield i, tok, stack[-1]
        elif tok.type == "div_close":
            yield i, tok, stack[-1]
            if len(stack) > 1:
                stack.pop()
        else:
            yield i, tok, stack[-1]


class Parsed:
    """One Markdown file, parsed once."""

    def __init__(self, path: Path, text: str, first_line: int = 1, lang: str = "en", key: str = "", file: bool = True):
        self.path = path
        self.text = text
        self.first_line = first_line  # the file's line of the text's first line
        self.lang = lang
        self.key = key  # the namespace of its automatic ids: a unit's or exercise's id, "introduction"...
        self.tokens, env = parse(text, lang)
        deep = env.get(TOO_DEEP)
        # the file's line of the first list, quote or block nested too deep to print (None: none)
        self.too_deep: int | None = deep + first_line if isinstance(deep, int) else None
        # a file that starts with its title as a '#' heading (Quarto, MyST, a README): the pack sets
        # the title, so the heading is taken out; its words and id are kept (the id names the file)
        self.title: tuple[str, str | None, int] | None = None
        lead = 0  # (MyST's comments and a target naming the title may come first)
        while lead < len(self.tokens) and self.tokens[lead].type in ("myst_target", "myst_comment"):
            lead += 1
        first = self.tokens[lead] if lead < len(self.tokens) else None
        if file and first is not None and first.type == "heading_open" and first.tag == "h1":
            attrs: Attrs = first.meta.get("attrs") or Attrs()
            self.title = (plain(self.tokens[lead + 1]), attrs.id, self.line(first))
            self.tokens = self.tokens[:lead] + self.tokens[lead + 3 :]
        self.references: dict[str, dict[str, str]] = env.get("references", {})  # type: ignore[assignment]
        # where each link reference is defined: label → (file line, the audiences its place needs)
        where: dict[str, tuple[int, list[Div]]] = env.get("reference_at", {})  # type: ignore[assignment]
        self.reference_at: dict[str, tuple[int, frozenset[str]]] = {
            label: (line + first_line, _needs(divs)) for label, (line, divs) in where.items()
        }
        self.notes: dict[str, Note] = {}
        defined: dict[str, tuple[list[Token], list[Div] | None]] = env.get("notes", {})  # type: ignore[assignment]
        for label, (note_tokens, divs) in defined.items():
            needs = None if divs is None else _needs(divs)
            line = note_tokens[0].map[0] + first_line if note_tokens and note_tokens[0].map else 0
            self.notes[label] = Note(label, note_tokens, line, needs)

    def __deepcopy__(self, memo: dict[int, object]) -> Parsed:
        return self  # a parse is never changed once made: copies of a course share it

    def line(self, tok: Token | None) -> int:
        """The 1-based line in the file where a token starts (0 when it has no position)."""
        return tok.map[0] + self.first_line if tok is not None and tok.map else 0

    def source_line(self, line: int) -> str:
        """The text of a 1-based file line (from the body)."""
        lines = self.lines
        k = line - self.first_line
        return lines[k] if 0 <= k < len(lines) else ""

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def headings(self) -> list[Heading]:
        found: list[Heading] = []
        seen: dict[str, int] = {}
        for i, tok, needs in walk(self.tokens):
            if tok.type != "heading_open":
                continue
            attrs: Attrs = tok.meta.get("attrs") or Attrs()
            text = plain(self.tokens[i + 1])
            slug = slugify(text)
            if slug in seen:  # GitHub's rule for repeats: -1, -2...
                seen[slug] += 1
                slug = f"{slug}-{seen[slug]}"
            else:
                seen[slug] = 0
            heading = Heading(i, int(tok.tag[1]), text, self.line(tok), attrs.id, slug, needs)
            heading.also = pandoc_slug(text) if pandoc_slug(text) != slug else ""
            heading.anchor = attrs.id or _anchor(self.key, slug, len(found))
            found.append(heading)
        return found

    def adopt_anchors(self, source: Parsed) -> None:
        """Give this translation's headings the anchors of the source's, heading for heading,
        so that a link written in either language finds its heading (when both have as many)."""
        mine, theirs = self.headings, source.headings
        if len(mine) != len(theirs):
            return
        for h, s in zip(mine, theirs, strict=True):
            if h.explicit is None:
                h.anchor = s.anchor

    @cached_property
    def heading_of(self) -> dict[int, Heading]:
        """Each heading by its opening token (``id``)."""
        return {id(self.tokens[h.index]): h for h in self.headings}

    @cached_property
    def slugs(self) -> dict[str, str]:
        """Automatic id → anchor, for links within the file."""
        found = {h.also: h.anchor for h in self.headings if h.explicit is None and h.also}
        found.update({h.slug: h.anchor for h in self.headings if h.explicit is None})
        return found

    def sections(self) -> list[Section]:
        """The file cut at its top-level ``##`` headings; the first section is the text before them."""
        starts = [0] + [h.index for h in self.headings if h.level == 2 and self.tokens[h.index].level == 0]
        if len(starts) > 1 and starts[1] == 0:
            starts = starts[1:]
        skip = self._note_lines
        out = []
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else len(self.tokens)
            where = self.tokens[start].map if start < end else None
            first = where[0] if where else 0
            last = self._last_line(end)
            text = "\n".join(line for n, line in enumerate(self.lines[first:last], first) if n not in skip)
            title = plain(self.tokens[start + 1]) if self.tokens and self.tokens[start].type == "heading_open" else ""
            if text.strip() or title:
                out.append(Section(title, start, end, text))
        return out

    def _last_line(self, end: int) -> int:
        """The line where the token at ``end`` starts (the end of the text for the last)."""
        for tok in self.tokens[end:]:
            if tok.map:
                return tok.map[0]
        return len(self.lines)

    @cached_property
    def _note_lines(self) -> set[int]:
        """0-based lines of the text that define footnotes."""
        lines: set[int] = set()
        for note in self.notes.values():
            first = note.tokens[0].map if note.tokens and note.tokens[0].map else None
            if first:
                lines.update(range(first[0], first[1]))
        return lines


def _needs(divs: list[Div]) -> frozenset[str]:
    needs = NO_NEEDS
    for div in divs:
        needs = required(div.kind, needs)
    return needs


def _anchor(key: str, slug: str, n: int) -> str:
    """A heading's HTML id when it has none written: the file's key and its slug (ASCII), unique
    across the pack; a slug in another script is numbered instead."""
    tail = slug if slug.isascii() else f"h{n + 1}"
    return f"{key}--{tail}" if key else tail


@dataclass(frozen=True)
class Chunk:
    """A run of a parse's tokens that a body prints: all of a file, or one section."""

    parsed: Parsed
    start: int = 0
    end: int = -1  # -1: to the end
    fallback: str | None = None  # the anchor of text shown in the source language for want of a translation

    @property
    def tokens(self) -> list[Token]:
        return self.parsed.tokens[self.start : None if self.end < 0 else self.end]


@dataclass
class Body:
    """What a pack prints for one Markdown file, as chunks of parses."""

    key: str
    chunks: list[Chunk] = field(default_factory=list)

    @classmethod
    def whole(cls, parsed: Parsed) -> Body:
        return cls(parsed.key, [Chunk(parsed)])

    @property
    def main(self) -> Parsed:
        """The parse most of the body comes from (the translation's, when there is one)."""
        own = [c.parsed for c in self.chunks if c.fallback is None]
        return own[0] if own else self.chunks[0].parsed


@dataclass(frozen=True)
class InlineExercise:
    """An exercise written in a unit: the ``div`` of its tokens in a chunk of the unit's body."""

    chunk: Chunk
    open: int  # index of its div_open in the chunk's parse
    close: int  # index of its div_close

    @property
    def parsed(self) -> Parsed:
        return self.chunk.parsed

    @property
    def div(self) -> Div:
        div: Div = self.parsed.tokens[self.open].meta["div"]
        return div


def outer_blocks(
    body: Body, take: Callable[[BlockKind | None], bool], skip: Callable[[BlockKind | None], bool] = lambda k: False
) -> Iterator[tuple[Chunk, int, int]]:
    """The blocks of a body whose kind ``take`` accepts, not those inside one (nor inside a
    block ``skip`` names), in order: each as its chunk and the indices of its div_open and
    div_close."""
    for chunk in body.chunks:
        tokens = chunk.parsed.tokens
        end = len(tokens) if chunk.end < 0 else chunk.end
        i = chunk.start
        while i < end:
            tok = tokens[i]
            if tok.type == "div_open":
                kind = tok.meta["div"].kind
                if take(kind) or skip(kind):
                    close = closing(tokens, i)
                    if take(kind):
                        yield chunk, i, close
                    i = close + 1
                    continue
            i += 1


def is_exercise(kind: BlockKind | None) -> bool:
    return kind is not None and kind.role == "exercise"


def inline_exercises(body: Body) -> list[InlineExercise]:
    """The exercises written in a body (not those inside another one), in order."""
    return [InlineExercise(chunk, i, close) for chunk, i, close in outer_blocks(body, is_exercise)]


@lru_cache(maxsize=4096)
def parse_field(text: str, lang: str, path: Path) -> Parsed:
    """A Markdown field of a YAML file (a plan's notes, a task's instructions), parsed once."""
    return Parsed(path, text, 1, lang, "yaml", file=False)


def parses_of(sources: list[tuple[MarkdownSource, bool]], translated_only: bool = False) -> list[tuple[Parsed, bool]]:
    """The distinct parses the bodies of ``sources`` are made of, each with its source's flag
    (``translated_only``: leave out the source's text shown for want of a translation)."""
    out: list[tuple[Parsed, bool]] = []
    seen: set[int] = set()
    for src, flag in sources:
        for chunk in src.tree.chunks if src.tree is not None else []:
            if (translated_only and chunk.fallback is not None) or id(chunk.parsed) in seen:
                continue
            seen.add(id(chunk.parsed))
            out.append((chunk.parsed, flag))
    return out
