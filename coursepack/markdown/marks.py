"""Glossary terms and index marks in the text, read into the tree (issue #19).

Term uses (the term must be in the glossary, ``glossary.yaml``):

- MyST's role ``{term}`trafficking in persons``` and ``{term}`traffickers <trafficking in persons>```
  (the text printed, then the term in angle brackets);
- Pandoc spans ``[trafficking in persons]{.term}`` and ``[victims]{term="victim"}``.

Index marks (the text is printed; the mark says where it is):

- MyST's role ``{index}`trafficking``` and ``{index}`smuggled <smuggling; of migrants>```
  (``main; sub``: a sub-entry; ``see: a; b`` and ``seealso: a; b`` as in Sphinx);
- Pandoc spans ``[trafficking]{.index}`` and ``[smuggled]{index="smuggling!of migrants"}``
  (``!`` separates an entry from its sub-entry, as makeindex and Pandoc's LaTeX do);
- MyST's directive, which prints nothing: a line ``:::{index} seealso: exploitation; trafficking in persons``
  and ``:::`` after it, or entries one a line between the fences.

A role or span becomes ``span_open``/``span_close`` tokens whose ``meta["marks"]`` is a list of
``Mark``; the directive becomes one ``index_block`` token with the same ``meta["marks"]``. The
parse only reads them; the checks say which term or cross-reference names nothing, and the writer
gives each an anchor where it is printed (``render.Writer``), so the back matter lists the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from coursepack.markdown.attributes import Attrs
from coursepack.markdown.tree import closing

ROLES = ("term", "index")
ROLE_RE = re.compile(r"\{(term|index)\}`([^`\n]+)`")
TARGET_RE = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>\s*$", re.S)
KINDS = ("single", "see", "seealso")
DIRECTIVE_RE = re.compile(r"^(?P<fence>:{3,})\s*\{index\}\s*(?P<rest>.*)$")


@dataclass(frozen=True)
class Mark:
    """One mark: a use of a glossary term, or an index entry (``levels``: the entry and its
    sub-entry) and, for ``see``/``seealso``, the entries it sends the reader to (``refs``)."""

    kind: str  # "term" | "single" | "see" | "seealso"
    levels: tuple[str, ...]  # the term as written (kind "term"), or the entry's levels
    refs: tuple[str, ...] = ()  # see / see also: each an entry ("a" or "a; b")
    problem: str = ""  # how the mark is malformed (the checks say so at its line)

    @property
    def term(self) -> str:
        return self.levels[0] if self.levels else ""


def _split_levels(text: str, sep: str) -> tuple[str, ...]:
    return tuple(" ".join(p.split()) for p in text.split(sep) if p.strip())


def read_entry(text: str, sep: str = ";") -> Mark:
    """``single: a; b``, ``see: a; b``, ``seealso: a; b`` or ``a; b`` (an entry and its sub-entry)."""
    kind, colon, rest = text.partition(":")
    kind = kind.strip().lower()
    if colon and kind in KINDS:
        text = rest
    elif colon and re.fullmatch(r"[a-z]+", kind) and kind in ("pair", "triple", "module", "keyword"):
        return Mark(
            "single", (), problem=f"index entry type '{kind}:' is not read: write 'single:', 'see:' or 'seealso:'"
        )
    else:
        kind = "single"
    text = text.strip().lstrip("!")  # (Sphinx's '!' marks the main entry: every page is printed alike)
    if kind == "single":
        levels = _split_levels(text, sep)
        if not levels:
            return Mark(kind, (), problem="an index mark names no entry")
        if len(levels) > 2:
            return Mark(kind, levels, problem="an index entry has at most one sub-entry ('entry; sub-entry')")
        return Mark(kind, levels)
    entry, _, refs = text.partition(";")
    ref_list = tuple(" ".join(r.split()) for r in refs.split(";") if r.strip())
    if not entry.strip() or not ref_list:
        return Mark(kind, (), problem=f"'{kind}:' names an entry and then what to see: '{kind}: entry; other entry'")
    return Mark(kind, (" ".join(entry.split()),), ref_list)


def role_marks(role: str, content: str) -> tuple[str, list[Mark]]:
    """What a role prints and its marks: ``{term}`text <term>``` / ``{index}`text <entry>```."""
    m = TARGET_RE.match(content)
    text, target = (m.group("text"), m.group("target")) if m else (content, content)
    text = text.strip() or target.strip()
    if role == "term":
        return text, [Mark("term", (" ".join(target.split()),))]
    return text, [read_entry(target)]


def span_marks(attrs: Attrs, text: str) -> list[Mark]:
    """The marks of a Pandoc span: ``.term``, ``term="x"``, ``.index``, ``index="a!b"``."""
    out = []
    if "term" in attrs.pairs:
        out.append(Mark("term", (" ".join(attrs.pairs["term"].split()),)))
    elif "term" in attrs.classes:
        out.append(Mark("term", (" ".join(text.split()),)))
    if "index" in attrs.pairs:
        value = attrs.pairs["index"]
        out.append(read_entry(value, "!" if "!" in value else ";"))
    elif "index" in attrs.classes:
        out.append(read_entry(text) if text.strip() else Mark("single", (), problem="an index mark names no entry"))
    return out


def role_rule(state: StateInline, silent: bool) -> bool:
    """``{term}`...``` and ``{index}`...```: a span of the text, with its marks."""
    if state.src[state.pos] != "{":
        return False
    m = ROLE_RE.match(state.src, state.pos, state.posMax)
    if m is None:
        return False
    if not silent:
        text, marks = role_marks(m.group(1), m.group(2))
        opener = state.push("span_open", "span", 1)
        opener.meta = {"attrs": Attrs(), "marks": marks, "role": m.group(0)}
        tok = state.push("text", "", 0)
        tok.content = text
        state.push("span_close", "span", -1)
    state.pos = m.end()
    return True


def span_marks_rule(state: StateCore) -> None:
    """The marks of ``[text]{.term}`` and ``[text]{index=...}`` spans (once their text is parsed)."""
    for block in state.tokens:
        children = block.children if block.type == "inline" else None
        if not children:
            continue
        for k, tok in enumerate(children):
            if tok.type != "span_open" or "marks" in (tok.meta or {}):
                continue
            attrs: Attrs = tok.meta.get("attrs") or Attrs()
            if not ({"term", "index"} & (set(attrs.classes) | set(attrs.pairs))):
                continue
            end = closing(children, k)
            text = "".join(c.content for c in children[k + 1 : end] if c.type in ("text", "code_inline"))
            tok.meta = {**tok.meta, "marks": span_marks(attrs, text)}


def index_block_rule(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """MyST's ``:::{index} entry`` directive (or entries one a line until the closing fence)."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    first = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    m = DIRECTIVE_RE.match(first)
    if m is None:
        return False
    if silent:
        return True
    lines = [m.group("rest")] if m.group("rest").strip() else []
    line = start + 1
    closed = False
    while line < end:
        text = state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]
        if re.fullmatch(r":{3,}\s*", text):
            closed = True
            break
        if text.strip() and not text.strip().startswith(":"):  # (MyST option lines ':name: x' are not entries)
            lines.append(text)
        line += 1
    if not closed:  # (a one-line directive without its closing fence: that line only)
        lines, line = lines[:1], start
    after = line + 1
    tok = state.push("index_block", "", 0)
    tok.map = [start, after]
    tok.content = "\n".join(lines)
    marks = [read_entry(text) for text in lines] or [Mark("single", (), problem="an index directive names no entry")]
    tok.meta = {"marks": marks}
    state.line = after
    return True


def entry_key(text: str) -> str:
    """What two spellings of one entry or term share: case and spacing aside."""
    return " ".join(text.split()).casefold()
