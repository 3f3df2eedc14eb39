"""pandoc's document tree (its JSON) written as our Markdown.

We walk the tree ourselves rather than ask pandoc for Markdown: what is written is exactly what
coursepack reads (pipe tables with a header row, figures with alt text and caption, notes as
``[^n]``), every character of the text that Markdown would read as markup is escaped (a
``:::``, a ``{{< >}}``, an ``@name`` or a ``$`` in a Word paragraph prints as typed), and what
has no Markdown form is reported at its place. A "line" of a Word file is the number of the
top-level block (a paragraph, a heading, a list, a table) counted from 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coursepack.importer.course import Course, Origin
from coursepack.markdown.maths import problem as formula_problem

Node = dict[str, Any]
ESCAPE = re.compile(r"([\\`*_\[\]<>{}$@~|^])")
ENTITY = re.compile(r"&(#?\w+;)")
LINE_START = re.compile(r"^(\s*)([#>+=:%-]|\d+[.)])")
EXTERNAL = re.compile(r"^(https?://|mailto:)\S+$", re.IGNORECASE)
LENGTH = re.compile(r"^\d+(\.\d+)?(in|cm|mm|%)$")


def escape(text: str) -> str:
    return ENTITY.sub(r"\\&\1", ESCAPE.sub(r"\\\1", text))


def _start(line: str) -> str:
    """A paragraph's first characters escaped where Markdown would read a block marker."""
    m = LINE_START.match(line)
    if not m:
        return line.lstrip()
    marker = m.group(2)
    return ("\\" + marker if not marker[0].isdigit() else marker[:-1] + "\\" + marker[-1]) + line[m.end() :]


@dataclass
class Writer:
    """Markdown for the blocks of one unit (footnotes numbered per unit)."""

    course: Course
    figure: Callable[[str, Origin], str | None]  # an image's target → figures/<name>, or None (reported)
    origin: Origin = ("", 0)
    notes: list[str] = field(default_factory=list)
    depth: int = 1  # the level of the last heading written (the unit's title is 1)
    reported: set[tuple[Origin, str]] = field(default_factory=set)

    def report(self, message: str) -> None:
        if (self.origin, message) not in self.reported:
            self.reported.add((self.origin, message))
            self.course.left_out(self.origin, message)

    def footnotes(self) -> str:
        out, self.notes = "\n\n".join(self.notes), []
        return out

    # -- blocks ------------------------------------------------------------------------------

    def blocks(self, blocks: list[Node]) -> str:
        return "\n\n".join(text for b in blocks if (text := self.block(b)))

    def block(self, b: Node) -> str:
        t: Any = b.get("t")
        c: Any = b.get("c")
        if t in ("Para", "Plain"):
            if len(c) == 1 and c[0].get("t") == "Image":
                return self.image(c[0], [])
            if len(c) == 1 and c[0].get("t") == "Math" and c[0]["c"][0]["t"] == "DisplayMath":
                return self.math(c[0]["c"][1], True)
            return _start(self.inlines(c).strip())
        if t == "Header":
            level = max(2, min(c[0], self.depth + 1, 6))
            if level != c[0]:
                self.report(f"heading of level {c[0]} written at level {level} (no level skipped)")
            self.depth = level
            return "#" * level + " " + self.inlines(c[2]).strip()
        if t == "BulletList":
            return self.listing(["-"] * len(c), c)
        if t == "OrderedList":
            start = c[0][0]
            return self.listing([f"{start + k}." for k in range(len(c[1]))], c[1])
        if t == "BlockQuote":
            return "\n".join(">" + (" " + line if line else "") for line in self.blocks(c).split("\n"))
        if t == "CodeBlock":
            return self.code(c[0][1], c[1])
        if t == "HorizontalRule":
            return "---"
        if t == "Table":
            return self.table(c)
        if t == "Figure":
            caption = self.inlines(
                [i for blk in c[1][1] for i in blk.get("c", []) if blk.get("t") in ("Para", "Plain")]
            )
            images = [i for blk in c[2] for i in (blk.get("c") or []) if isinstance(i, dict) and i.get("t") == "Image"]
            if len(images) == 1:
                return self.image(images[0], caption.strip())
            self.report("a figure of several images: each written as a figure of its own")
            return "\n\n".join(self.image(i, caption.strip()) for i in images) or self.blocks(c[2])
        if t == "Div":
            return self.blocks(c[1])
        if t == "LineBlock":
            return _start("\\\n".join(self.inlines(line) for line in c))
        if t == "DefinitionList":
            parts = []
            for term, definitions in c:
                parts.append(_start(self.inlines(term)))
                for d in definitions:
                    parts.append(": " + _indent(self.blocks(d), "  ").lstrip())
            return "\n".join(parts)
        if t == "RawBlock":
            self.report(f"{c[0]} markup left out (it has no Markdown form)")
            return ""
        self.report(f"a {t} block left out")
        return ""

    def listing(self, markers: list[str], items: list[list[Node]]) -> str:
        tight = all(len(item) <= 1 and all(b.get("t") == "Plain" for b in item) for item in items)
        out = []
        for marker, item in zip(markers, items, strict=True):
            body = self.blocks(item) or ""
            pad = " " * (len(marker) + 1)
            out.append(marker + " " + _indent(body, pad)[len(pad) :])
        return ("\n" if tight else "\n\n").join(out)

    def code(self, classes: list[str], text: str) -> str:
        fence = "`" * max(3, *(len(run) + 1 for run in re.findall(r"`{3,}", text)))
        lang = next((k for k in classes if re.fullmatch(r"[\w+-]+", k)), "")
        return f"{fence}{lang}\n{text}\n{fence}"

    def image(self, node: Node, caption: list[Node] | str) -> str:
        attrs, alt_nodes, (target, title) = node["c"]
        alt = self.inlines(alt_nodes).strip() if alt_nodes else ""
        alt_plain = _plain(alt_nodes).strip()
        caption = caption if isinstance(caption, str) else ""
        if not caption and title and not title.startswith("fig:"):
            caption = escape(title)
        path = self.figure(target, self.origin)
        if path is None:
            return _start(caption or alt)
        options = [f'{k}="{v}"' for k, v in attrs[2] if k == "width" and LENGTH.match(v)]
        if caption and alt_plain:
            if alt_plain != _unescape(caption):
                options.insert(0, 'alt="' + alt_plain.replace('"', "'").replace("\\", "") + '"')
            return f"![{caption}]({path})" + ("{" + " ".join(options) + "}" if options else "")
        if caption:
            self.report(f"image {target} has no alt text: its caption is its alt text too (write what it shows)")
            return f"![{caption}]({path})" + ("{" + " ".join(options) + "}" if options else "")
        if alt:
            return f"![{alt}]({path})" + ("{" + " ".join(options) + "}" if options else "")
        self.report(f"image {target} has neither alt text nor caption: marked decorative (describe it if it is not)")
        return f"![]({path})" + "{" + " ".join([".decorative", *options]) + "}"

    def math(self, tex: str, display: bool) -> str:
        if formula_problem(tex, display) is not None:
            self.report(f"a formula coursepack cannot typeset: written as code ({tex[:40]})")
            return self.code_span(tex)
        return f"$$\n{tex.strip()}\n$$" if display else f"${tex.strip()}$"

    def table(self, c: list[Any]) -> str:
        _attr, caption, colspecs, head, bodies, foot = c
        rows: list[list[str]] = []
        for row in head[1]:
            rows.append(self.row(row))
        header = len(rows) > 0
        for body in bodies:
            for row in body[2] + body[3]:
                rows.append(self.row(row))
        for row in foot[1]:
            rows.append(self.row(row))
        if not rows:
            return ""
        if not header:
            self.report("a table without a header row: its first row is the header")
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        align = {"AlignLeft": ":---", "AlignRight": "---:", "AlignCenter": ":---:"}
        seps = [align.get(spec[0]["t"], "---") for spec in colspecs][:width]
        seps += ["---"] * (width - len(seps))
        lines = ["| " + " | ".join(rows[0]) + " |", "| " + " | ".join(seps) + " |"]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        text = self.inlines([i for blk in caption[1] for i in blk.get("c", []) if blk.get("t") in ("Para", "Plain")])
        if text.strip():
            lines += ["", "Table: " + text.strip()]
        return "\n".join(lines)

    def row(self, row: list[Any]) -> list[str]:
        cells = []
        for _attr, _align, rowspan, colspan, blocks in row[1]:
            if rowspan > 1 or colspan > 1:
                self.report("a table with merged cells: each merged cell written once, the others left empty")
            parts = []
            for b in blocks:
                if b.get("t") in ("Para", "Plain"):
                    parts.append(self.inlines(b["c"]).strip())
                elif b.get("t") in ("BulletList", "OrderedList"):
                    items = b["c"] if b["t"] == "BulletList" else b["c"][1]
                    parts += ["• " + " ".join(self.inlines(x.get("c", [])) for x in item) for item in items]
                else:
                    self.report(f"a {b.get('t')} inside a table cell: written as its text")
                    parts.append(escape(_plain([b])))
            cells.append("<br>".join(p for p in parts if p))
            cells += [""] * (colspan - 1)
        return cells

    # -- inlines -----------------------------------------------------------------------------

    def inlines(self, nodes: list[Node]) -> str:
        return "".join(self.inline(n) for n in nodes)

    def inline(self, n: Node) -> str:
        t: Any = n.get("t")
        c: Any = n.get("c")
        if t == "Str":
            if "{{<" in c:  # (coursepack refuses it anywhere in text: it would be a Quarto shortcode)
                self.report("'{{<' reads as a Quarto shortcode: written as '{{ <'")
                c = c.replace("{{<", "{{ <")
            return escape(c)
        if t in ("Space", "SoftBreak"):
            return " "
        if t == "LineBreak":
            return "<br>"
        if t in ("Emph", "Strong", "Strikeout"):
            mark = {"Emph": "*", "Strong": "**", "Strikeout": "~~"}[t]
            inner = self.inlines(c)
            core = inner.strip()
            if not core:
                return inner
            return inner[: len(inner) - len(inner.lstrip())] + mark + core + mark + inner[len(inner.rstrip()) :]
        if t in ("Superscript", "Subscript"):
            tag = "sup" if t == "Superscript" else "sub"
            return f"<{tag}>{self.inlines(c)}</{tag}>"
        if t in ("SmallCaps", "Underline"):
            inner = self.inlines(c)
            return f"[{inner}]{{.{'smallcaps' if t == 'SmallCaps' else 'underline'}}}" if inner.strip() else inner
        if t == "Quoted":
            marks = ("\u201c", "\u201d") if c[0]["t"] == "DoubleQuote" else ("\u2018", "\u2019")
            return marks[0] + self.inlines(c[1]) + marks[1]
        if t == "Code":
            return self.code_span(c[1])
        if t == "Math":
            return self.math(c[1], False)
        if t == "Link":
            text, target = self.inlines(c[1]), c[2][0]
            if EXTERNAL.match(target):
                return f"[{text}](<{target}>)" if text.strip() else f"<{target}>"
            self.report(f"link to {target[:60]}: not a web address: its text kept, without the link")
            return text
        if t == "Image":
            self.report("an image inside a line of text: written as a figure of its own after the paragraph")
            return ""
        if t == "Note":
            self.notes.append("")
            number = len(self.notes)
            body = self.blocks(c)
            self.notes[-1] = f"[^{number}]: " + _indent(body, "    ").lstrip()
            return f"[^{number}]"
        if t in ("Span", "Cite"):
            return self.inlines(c[1])
        if t == "RawInline":
            self.report(f"{c[0]} markup left out")
            return ""
        self.report(f"a {t} left out")
        return ""

    def code_span(self, text: str) -> str:
        text = text.replace("\n", " ")
        ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{ticks}{pad}{text}{pad}{ticks}"


def inline_images(blocks: list[Node]) -> list[Node]:
    """Images inside lines of text, each moved into a paragraph of its own after its paragraph."""
    out: list[Node] = []
    for b in blocks:
        out.append(b)
        if b.get("t") in ("Para", "Plain") and len(b["c"]) > 1:
            out += [{"t": "Para", "c": [i]} for i in b["c"] if i.get("t") == "Image"]
    return out


def _indent(text: str, pad: str) -> str:
    return "\n".join(pad + line if line else "" for line in text.split("\n"))


def _plain(nodes: Any) -> str:
    """The text of nodes, without markup."""
    if isinstance(nodes, list):
        return "".join(_plain(n) for n in nodes)
    if isinstance(nodes, dict):
        t = nodes.get("t")
        if t == "Str":
            return str(nodes["c"])
        if t in ("Space", "SoftBreak", "LineBreak"):
            return " "
        return _plain(nodes.get("c"))
    return ""


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
