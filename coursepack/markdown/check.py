"""The checks of one parsed Markdown file, on the same tree the pack is printed from.

Headings, tables, links (inline and reference-style alike: the parser has resolved both),
images, ids, raw HTML, fenced divs (unknown kinds, the old ``///`` syntax, blocks never
closed, markers left as text) and footnotes (undefined, unused, or defined in instructor-only
text and cited where students read). Ids and cross-references are recorded for the
course-wide checks in ``validate``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.token import Token

from coursepack.errors import Diagnostics
from coursepack.markdown import maths
from coursepack.markdown.attributes import Attrs, AttrsError, parse_attrs
from coursepack.markdown.blocks import KINDS
from coursepack.markdown.citations import Cluster
from coursepack.markdown.code import _lexer as code_lexer
from coursepack.markdown.code import is_cell, listing
from coursepack.markdown.divs import MYST_CODE, Div
from coursepack.markdown.document import Parsed, plain, walk
from coursepack.markdown.files import file_name, markdown_file
from coursepack.markdown.htmlrules import image_alt, inline_tag
from coursepack.markdown.marks import Mark
from coursepack.markdown.parser import MAX_NESTING
from coursepack.resolve.targets import equation_id

VAGUE_LINK_TEXT = {
    "click here",
    "here",
    "this link",
    "link",
    "read more",
    "more",
    "ici",
    "cliquez ici",
    "aquí",
    "здесь",
    "هنا",
    "这里",
}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_:.][a-z0-9]+)*$")  # (MyST's and Sphinx's fig:x and eq.y as well)
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
WEB_RE = re.compile(r"^(https?|mailto):", re.I)
INLINE_CELL_RE = re.compile(r"^(r|\{r\}|\{python\}|\{julia\}) ")  # knitr's `r expr`, Quarto's `{python} expr`
ROLE_RE = re.compile(r"\{[a-z][a-z0-9:_-]*\}$")  # MyST's {ref}`target`: a role name right before a code span
STUDENT = frozenset({"handout"})  # what students see besides text for all
# words in a block's name that say it is not for students (a style class with one is refused)
SECRET_WORDS = ("instructor", "teacher", "lecturer", "tutor", "solution", "answer", "hidden", "hide", "private",
                "secret", "guide", "notes", "content-visible", "content-hidden", "staff")  # fmt: skip
# where an answer written outside an exercise prints (in the guide, anywhere is right)
LOOSE_ANSWERS = {
    "unit": "it prints only with the unit's teaching notes in the instructor's guide, not in the answer key",
    "introduction": "no edition prints it (the guide does not print the introduction)",
}
OUR_KINDS = ", ".join(sorted(KINDS.kinds))  # (the docs list the other tools' names for them)


@dataclass
class IdDef:
    path: Path
    line: int
    col: int
    instructor_only: bool
    numbered: bool = False  # a unit, exercise, figure, table or listing: "{n}" in a link's text prints its number


@dataclass
class LinkUse:
    path: Path
    line: int
    col: int
    target: str
    student_visible: bool
    wants_number: bool = False  # "{n}" in its text
    key: str = ""  # the file it is written in (for its automatic heading ids)
    file: str = ""  # a link to another Markdown file of the course: its name (the target is in that file)
    href: str = ""  # such a link as written


@dataclass
class CiteUse:
    """A citation of ``key``: bracketed (``[@key]``: the key must be a reading) or narrative."""

    path: Path
    line: int
    col: int
    key: str
    bracketed: bool
    written: str  # as written


@dataclass
class MarkUse:
    """A glossary term used or an index mark (``marks.Mark``), where it is written."""

    path: Path
    line: int
    col: int
    mark: Mark
    instructor: bool  # in instructor-only text


@dataclass
class Found:
    """What the checks of the files of a course collect for the course-wide checks."""

    ids: dict[str, IdDef] = field(default_factory=dict)
    links: list[LinkUse] = field(default_factory=list)
    local: dict[tuple[str, str], IdDef] = field(default_factory=dict)  # (file key, automatic id) → heading
    cites: list[CiteUse] = field(default_factory=list)
    marks: list[MarkUse] = field(default_factory=list)


def check_markdown(
    parsed: Parsed,
    root: Path,
    instructor_file: bool,
    found: Found,
    diags: Diagnostics,
    translation: bool = False,
    broken: set[str] | None = None,
    image_problem: Callable[[Path], str | None] | None = None,
    part: str = "exercise",
) -> None:
    """Check one file; record its ids and cross-references in ``found``.

    ``part`` is what the file is: "unit", "introduction", "exercise" or "guide" (an answer
    written outside an exercise prints only where the file's instructor text does). In a
    translation, ids are the source's: one it does not have is an error.
    """
    path = parsed.path
    last_level = 1  # the document's title is the level-1 heading
    cited: dict[str, list[tuple[int, int, frozenset[str]]]] = {}  # note key → where it is called
    code_cells: list[int] = []  # the line of the first executable cell
    exercises = [part == "exercise"]  # whether each open div is in an exercise
    if parsed.too_deep is not None:
        diags.error(
            path,
            parsed.too_deep,
            1,
            f"lists, quotes or blocks nested more than {MAX_NESTING} levels deep: what is inside is not printed; "
            "nest them less deeply",
        )
    for heading in parsed.headings:
        if heading.explicit is None:
            for slug in (heading.slug, heading.also):
                if slug:
                    found.local.setdefault(
                        (parsed.key, slug),
                        IdDef(path, heading.line, 1, instructor_file or not heading.needs <= STUDENT),
                    )
    for i, tok, needs in walk(parsed.tokens):
        instructor = instructor_file or not needs <= STUDENT
        line = parsed.line(tok)
        kind = tok.type
        if kind == "heading_open":
            level = int(tok.tag[1])
            if level == 1:
                diags.error(path, line, 1, "a '#' heading: the title is set by the pack; start sections at '##'")
            elif level > last_level + 1:
                diags.warning(
                    path,
                    line,
                    1,
                    f"heading level skips from {'#' * last_level} to {'#' * level}: use {'#' * (last_level + 1)} "
                    "(screen readers navigate by levels)",
                )
            last_level = max(level, 2)
            _define(tok.meta.get("attrs"), parsed, line, instructor, False, found, diags, translation, broken)
        elif kind == "index_block":
            for mark in tok.meta["marks"]:
                found.marks.append(MarkUse(path, line, 1, mark, instructor))
        elif kind == "thead_open":
            cells = []
            j = i
            while parsed.tokens[j].type != "thead_close":
                if parsed.tokens[j].type == "inline":
                    cells.append(parsed.tokens[j].content.strip())
                j += 1
            if not any(cells):
                diags.warning(path, line, 1, "table has an empty header row: name each column")
        elif kind == "table_open" and tok.meta.get("caption") is not None:
            cap_line = parsed.line(tok.meta["caption"]) or line
            _define(tok.meta.get("attrs"), parsed, cap_line, instructor, True, found, diags, translation, broken)
        elif kind == "fence":
            _unclosed_fence(parsed, tok, line, diags)
            _directive_as_code(parsed, tok, line, diags)
            if is_cell(tok) and not code_cells:
                code_cells.append(line)
                diags.warning(
                    path,
                    line,
                    1,
                    "code cells are printed, not run: what they would show (output, plots) is not in the pack "
                    "(cells with 'echo: false' or 'include: false' are left out; this is said for the first cell of the file)",
                )
            opts, _code = listing(tok)
            if opts.id:
                _define(Attrs(opts.id), parsed, line, instructor, True, found, diags, translation, broken)
        elif kind == "div_open":
            _check_div(tok.meta["div"], parsed, line, diags)
            div: Div = tok.meta["div"]
            role = div.kind.role if div.kind is not None else None
            if role == "solution" and not exercises[-1] and part in LOOSE_ANSWERS:
                diags.warning(
                    path,
                    line,
                    1,
                    f"'{div.opening[:40]}' is not inside an exercise, so {LOOSE_ANSWERS[part]}: put it inside "
                    "the '::: exercise' it answers (or write '::: instructor' for a teaching note)",
                )
            exercises.append(exercises[-1] or role == "exercise")
            if div.id and not (div.kind is not None and div.kind.role == "exercise"):  # (defined when loaded)
                numbered = div.kind is not None and div.kind.role == "exercise"
                _define(Attrs(div.id), parsed, line, instructor, numbered, found, diags, translation, broken)
        elif kind == "div_close" and len(exercises) > 1:
            exercises.pop()
        elif kind == "code_block" and not instructor:
            _code_like_block(parsed, tok, line, diags)
        elif kind == "myst_target" and not _names_something(parsed.tokens, i):
            diags.warning(
                path,
                line,
                1,
                f"MyST target '{tok.content}' names nothing: put it right before a heading, a block, a figure, "
                "a table or code",
            )
        elif kind == "html_block":
            if not tok.content.lstrip().startswith("<!--"):
                diags.error(path, line, 1, _RAW_HTML)
        elif kind == "math_block" or kind == "math_block_label":
            _check_formula(parsed, tok.content, True, line, 1, diags)
            ident = equation_id(tok)
            if ident:
                _define(Attrs(ident), parsed, line, instructor, True, found, diags, translation, broken)
        elif kind == "inline" and tok.children:
            _check_inline(tok, parsed, root, instructor, needs, found, diags, translation, broken, cited, image_problem)
        elif kind == "paragraph_open" and i + 1 < len(parsed.tokens):
            _literal_marker(parsed, parsed.tokens[i + 1], diags)
    _check_notes(parsed, cited, instructor_file, diags)


_RAW_HTML = "raw HTML is not allowed: use Markdown or a '::: name' block (write &lt; for a literal '<')"
_MATHS = "MyST's {math} directive is printed as its TeX source: write the formula between '$$' lines instead"


def _check_formula(parsed: Parsed, tex: str, display: bool, line: int, col: int, diags: Diagnostics) -> None:
    """A formula that cannot be drawn: an error at its line (and, in a line of text, its column)."""
    problem = maths.problem(tex, display)
    if problem is not None:
        if col > 1 and "\n" not in tex[: problem.offset]:
            col += problem.offset  # (in a line of text: where in the formula)
        diags.error(parsed.path, line, col, f"formula '{maths.excerpt(tex)}': {problem.message}")


def _check_div(div: Div, parsed: Parsed, line: int, diags: Diagnostics) -> None:
    path = parsed.path
    if div.syntax == "legacy":
        new = f"::: {div.name}" + (f" {div.title}" if div.title else "")
        diags.error(
            path,
            line,
            1,
            f"old block syntax '{div.opening}': write '{new}' and close it with ':::' "
            "('coursepack migrate' rewrites a whole course)",
        )
    elif div.kind is None and div.name == "math" and div.syntax == "myst":  # :::{math} (MyST's colon fence)
        diags.warning(path, line, 1, _MATHS)
    elif div.kind is None and div.name:
        meant = KINDS.suggest(div.name)
        secret = any(word in div.name.lower() for word in SECRET_WORDS)
        if secret:
            diags.error(
                path,
                line,
                1,
                f"unknown block '{div.name}': its name says it is not for students, and it would print for them: "
                "use '::: instructor' (the guide only), '::: solution' or '::: model-answer'",
            )
        elif styling(div) and meant is None:  # ::: {.border .p-3}: Pandoc and Quarto print it as a plain div
            diags.warning(
                path, line, 1, f"class '{div.name}' has no meaning in print: the block's text is printed as it is"
            )
        else:  # (a misspelt block, instructor-only ones included, must never print: an error)
            hint = f"did you mean '{meant}'?" if meant else f"use one of {OUR_KINDS}"
            diags.error(path, line, 1, f"unknown block '{div.name}': {hint}")
    if div.unclosed and div.syntax != "legacy":
        fence = "///" if div.syntax == "legacy" else (div.fence if div.fence[0] in "`~" else ":::")
        diags.error(path, line, 1, f"block '{div.opening}' is never closed: add a line '{fence}' after its content")


def _unclosed_fence(parsed: Parsed, tok: Token, line: int, diags: Diagnostics) -> None:
    """A code fence never closed runs to the end of the file (or of its list item, quote or block):
    everything after it would be printed as code. (A closed fence spans its code's lines and two
    more, its opening and closing lines; an open one, one more.)"""
    if not tok.map or tok.map[1] - tok.map[0] == tok.content.count("\n") + 2:
        return
    diags.error(
        parsed.path,
        line,
        1,
        f"code block '{tok.markup}{tok.info.strip()}' is never closed: everything after it would be printed as code; "
        f"add a line '{tok.markup}' after its code",
    )


DIAGRAMS = frozenset({"mermaid", "dot", "ojs", "graphviz", "plantuml"})


def _directive_as_code(parsed: Parsed, tok: Token, line: int, diags: Diagnostics) -> None:
    """```` ```{figure} ```` (a MyST directive we do not read) would print as code: an error; a
    Quarto cell (```` ```{python} ````) prints its code, and a diagram cell is a warning."""
    info = tok.info.strip()
    if not info.startswith("{") or info.startswith("{{") or "}" not in info:
        return
    name = info[1 : info.index("}")].strip()
    if not name or any(c in name for c in ".#= ") or name in MYST_CODE or code_lexer(name) is not None:
        return
    if name == "math":
        diags.warning(parsed.path, line, 1, _MATHS)
        return
    if name in DIAGRAMS:
        diags.warning(
            parsed.path,
            line,
            1,
            f"'{tok.markup}{{{name}}}' is printed as its code: coursepack does not draw diagrams yet",
        )
        return
    meant = KINDS.suggest(name)
    hint = f"did you mean '{meant}'?" if meant else f"use one of {OUR_KINDS}, or a language for code"
    diags.error(
        parsed.path,
        line,
        1,
        f"MyST directive '{tok.markup}{{{name}}}' is not one coursepack reads, so it would print as code: {hint}",
    )


def _names_something(tokens: list[Token], i: int) -> bool:
    """Whether the block after a MyST target takes its name (a heading, block, figure, table or code)."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if nxt is None or nxt.type not in ("heading_open", "div_open", "figure_open", "table_open", "fence"):
        return False
    return nxt.type != "table_open" or nxt.meta.get("caption") is not None


def _code_like_block(parsed: Parsed, tok: Token, line: int, diags: Diagnostics) -> None:
    """Indented code whose first line opens an instructor-only block: its text would be printed
    to students as code (the fence is indented four spaces more than the text around it)."""
    first = tok.content.lstrip("\n").split("\n", 1)[0].strip()
    if not first.startswith((":::", "///")):
        return
    name = first.lstrip(":/ {.").split()[0].rstrip("}") if first.lstrip(":/ {.") else ""
    kind = KINDS.get(name)
    if kind is not None and kind.audience != "all":
        diags.error(
            parsed.path,
            line,
            1,
            f"'{first[:40]}' is indented as code, so its text would be printed to students: "
            "indent the block's fence no more than the text around it",
        )


def styling(div: Div) -> bool:
    """A div written with attributes whose classes name no block (``::: {.border .p-3}``): a
    style of another tool, printed as a plain div. A bare word (``::: sidebar``) names a block."""
    return div.syntax == "pandoc" and div.opening.lstrip(":").lstrip().startswith("{") and div.attrs.id != div.name


def _literal_marker(parsed: Parsed, inline: Token, diags: Diagnostics) -> None:
    """A line of a paragraph that starts with ``:::`` or ``///``: a block marker left as text."""
    if inline.type != "inline" or not inline.map:
        return
    for k, text in enumerate(inline.content.split("\n")):
        stripped = text.strip()
        if stripped.startswith((":::", "///")):
            line = parsed.line(inline) + k
            marker = stripped[:3]
            diags.error(
                parsed.path,
                line,
                1,
                f"'{stripped[:40]}' is printed as text: a '{marker}' line alone closes a block, and here none is open "
                "(remove it, or open the block above)",
            )


def _define(
    attrs: Attrs | None,
    parsed: Parsed,
    line: int,
    instructor: bool,
    numbered: bool,
    found: Found,
    diags: Diagnostics,
    translation: bool,
    broken: set[str] | None,
) -> None:
    if attrs is None or not attrs.id:
        return
    ident = attrs.id
    col = 1
    for written in ("#" + ident, ident):  # ({#id}; a MyST :name: line; a block's id on its first heading)
        found_at = next(
            ((k, at) for k in range(line, line + 4) if (at := parsed.source_line(k).find(written)) >= 0), None
        )
        if found_at is not None:
            line, col = found_at[0], found_at[1] + 1
            break
    path = parsed.path
    if not SLUG_RE.match(ident):
        diags.error(
            path,
            line,
            col,
            f"id '{ident}' must be lower-case letters and digits, with '-', '_', ':' or '.' between them",
        )
        return
    if translation:
        if ident not in found.ids and ident not in (broken or ()):
            diags.error(path, line, col, f"id '{ident}' is not in the source: keep the source's ids in a translation")
        return
    if ident in found.ids:
        first = found.ids[ident]
        diags.error(
            path,
            line,
            col,
            f"duplicate id '{ident}' (first defined at {first.path.name}:{first.line}): ids must be unique in a course",
        )
    else:
        found.ids[ident] = IdDef(path, line, col, instructor, numbered)


def _child_line(parsed: Parsed, inline: Token, k: int) -> tuple[int, str]:
    """The file line of the ``k``-th child of an inline token, and its text."""
    breaks = sum(1 for c in (inline.children or [])[:k] if c.type in ("softbreak", "hardbreak"))
    line = parsed.line(inline) + breaks
    return line, parsed.source_line(line)


def _check_inline(
    inline: Token,
    parsed: Parsed,
    root: Path,
    instructor: bool,
    needs: frozenset[str],
    found: Found,
    diags: Diagnostics,
    translation: bool,
    broken: set[str] | None,
    cited: dict[str, list[tuple[int, int, frozenset[str]]]],
    image_problem: Callable[[Path], str | None] | None,
) -> None:
    path = parsed.path
    children = inline.children or []
    for k, child in enumerate(children):
        kind = child.type
        if kind in ("link_open", "image") and child.meta.get("reference"):
            _check_reference(parsed, inline, k, needs, diags)
        if kind == "link_open":
            line, text = _child_line(parsed, inline, k)
            _check_link(children, k, parsed, line, text, instructor, found, diags)
        elif kind == "image":
            line, text = _child_line(parsed, inline, k)
            _check_image(child, parsed, root, line, text, diags, image_problem)
            attrs = child.meta.get("attrs")
            _define(attrs, parsed, line, instructor, True, found, diags, translation, broken)
        elif kind == "span_open":
            line, text = _child_line(parsed, inline, k)
            if child.meta.get("marks"):
                written = child.meta.get("role") or "["
                col = text.find(written) + 1 or 1
                found.marks += [MarkUse(path, line, col, m, instructor) for m in child.meta["marks"]]
            _define(child.meta.get("attrs"), parsed, line, instructor, False, found, diags, translation, broken)
        elif kind == "html_inline":
            if inline_tag(child.content) is None and not child.content.startswith("<!--"):
                line, text = _child_line(parsed, inline, k)
                diags.error(path, line, text.find(child.content) + 1 or 1, _RAW_HTML)
        elif kind == "footnote_ref":
            key = child.meta.get("label") or f"^{child.meta.get('id')}"
            line, text = _child_line(parsed, inline, k)
            col = text.find(f"[^{key}]") + 1 if child.meta.get("label") else text.find("^[") + 1
            cited.setdefault(key, []).append((line, col or 1, needs))
        elif kind == "code_inline" and INLINE_CELL_RE.match(child.content):
            line, text = _child_line(parsed, inline, k)
            diags.warning(
                path,
                line,
                text.find(child.content) or 1,
                f"inline code '`{child.content[:40]}`' is printed as written, not run: write its result in the text",
            )
        elif kind in ("math_inline", "math_inline_double"):
            line, text = _child_line(parsed, inline, k)
            col = (
                text.find(child.markup + child.content) + len(child.markup) + 1
                if child.markup + child.content in text
                else 1
            )
            _check_formula(parsed, child.content, kind == "math_inline_double", line, col, diags)
        elif (
            kind == "code_inline"
            and k > 0
            and children[k - 1].type == "text"
            and ROLE_RE.search(children[k - 1].content)
        ):
            line, text = _child_line(parsed, inline, k)
            role = ROLE_RE.search(children[k - 1].content)
            name = role.group(0) if role else "{role}"
            diags.warning(
                path,
                line,
                text.find(f"{name}`{child.content}`") + 1 or text.find(name + "`") + 1 or 1,
                f"MyST role '{name}`{child.content}`' is printed as written: coursepack does not read roles; "
                "write a link ('[](#id)') or the text itself",
            )
        if kind == "text" and child.content.startswith("{") and k > 0 and children[k - 1].type in ATTRS_AFTER:
            _unread_attrs(parsed, inline, k, diags)
        if kind == "text" and "{{<" in child.content:
            line, text = _child_line(parsed, inline, k)
            start = child.content.index("{{<")
            code = child.content[start : child.content.find(">}}", start) + 3 if ">}}" in child.content else start + 20]
            diags.error(
                path,
                line,
                text.find("{{<") + 1 or 1,
                f"Quarto shortcode '{code}' is not read, so it would print as text: write out what it stands for "
                "(an included file's text, a page break...)",
            )
        if kind == "cite":
            line, text = _child_line(parsed, inline, k)
            col = text.find(child.content) + 1 or text.find("@") + 1 or 1
            cluster: Cluster = child.meta["cite"]
            for item in cluster.items:
                found.cites.append(CiteUse(path, line, col, item.key, not cluster.narrative, child.content))


def _check_reference(parsed: Parsed, inline: Token, k: int, needs: frozenset[str], diags: Diagnostics) -> None:
    """A reference defined in instructor-only text and used where students read would print
    its address (or image) in the student pack."""
    label = inline.children[k].meta["reference"] if inline.children else ""
    at = parsed.reference_at.get(label)
    if at is None or at[1] <= needs:
        return
    line, text = _child_line(parsed, inline, k)
    children = inline.children or []
    end = next((j for j in range(k + 1, len(children)) if children[j].type == "link_close"), k + 1)
    words = "".join(c.content for c in children[k + 1 : end] if c.type == "text")
    col = text.find("[" + words) + 1 if words else 0
    col = col or text.lower().find("[" + label.lower()) + 1 or 1
    diags.error(
        parsed.path,
        line,
        col,
        f"link reference '[{label.lower()}]' is defined in instructor-only text (line {at[0]}) but used where "
        "students read: move its definition out of the block",
    )


ATTRS_AFTER = frozenset({"image", "link_close", "code_inline", "span_close", "em_close", "strong_close", "s_close"})


def _unread_attrs(parsed: Parsed, inline: Token, k: int, diags: Diagnostics) -> None:
    """``{...}`` right after an image, link or code span that does not read as attributes would
    print as text (``{alt=""two quotes""}``)."""
    line, text = _child_line(parsed, inline, k)  # (the source: typography has changed the token's quotes)
    at = -1
    while (at := text.find("{", at + 1)) >= 0:
        if at == 0 or text[at - 1] not in ")]`*_~":
            continue
        try:
            parse_attrs(text, at)
        except AttrsError as exc:
            written = text[at : text.find("}", at) + 1] if "}" in text[at:] else text[at : at + 30]
            if any(c in written for c in "=#."):  # (braces in prose are not meant as attributes)
                diags.error(
                    parsed.path,
                    line,
                    at + 1,
                    f"attributes '{written}' cannot be read ({exc}), so they would print as text: "
                    'write them as {#id .class key="value"}',
                )


def _check_link(
    children: list[Token],
    k: int,
    parsed: Parsed,
    line: int,
    text: str,
    instructor: bool,
    found: Found,
    diags: Diagnostics,
) -> None:
    link = children[k]
    href = str(link.attrGet("href") or "")
    end = k + 1
    while end < len(children) and children[end].type != "link_close":
        end += 1
    label = "".join(c.content for c in children[k + 1 : end] if c.type in ("text", "code_inline")).strip()
    raw = "".join(c.content for c in children[k + 1 : end] if c.type == "text")
    col = _link_column(text, href, label) if link.markup != "quarto" else text.find("@" + href[1:]) + 1 or 1
    path = parsed.path
    if link.markup in ("autolink", "linkify"):
        if not WEB_RE.match(href):
            diags.error(path, line, col, f"link '{href}': only http, https and mailto links are allowed")
        return
    if href.startswith("#"):
        found.links.append(LinkUse(path, line, col, href[1:], not instructor, "{n}" in raw, parsed.key))
        if label.lower().strip(" .!") in VAGUE_LINK_TEXT:
            diags.warning(
                path,
                line,
                col,
                f"link text '{label}' says nothing out of context: name what it leads to, "
                "or leave the text empty for the target's label",
            )
    elif SCHEME_RE.match(href) and not WEB_RE.match(href):
        diags.error(path, line, col, f"link '{href}': only http, https and mailto links are allowed")
    elif markdown_file(href):  # another file of the course, as Quarto, the Carpentries and GitHub link
        fragment = href.partition("#")[2]
        found.links.append(
            LinkUse(path, line, col, fragment, not instructor, "{n}" in raw, parsed.key, file_name(href), href)
        )
    elif not WEB_RE.match(href):
        diags.error(
            path,
            line,
            col,
            f"link '{href}' is a relative file link: link to an id ('#some-id') or a full https:// address",
        )
    elif label.lower().strip(" .!") in VAGUE_LINK_TEXT:
        diags.warning(path, line, col, f"link text '{label}' says nothing out of context: say where the link leads")
    elif label == href or label.rstrip("/") == href.rstrip("/"):
        diags.warning(
            path, line, col, "link text is the bare address: say where the link leads (the address is printed with it)"
        )


def _link_column(text: str, href: str, label: str) -> int:
    """Where a link starts on its line: the ``[`` before ``](href``, or of ``[label]``."""
    at = text.find("](" + href)
    if at < 0:
        at = text.find("](<" + href)
    if at >= 0:
        depth = 0
        for j in range(at, -1, -1):
            if text[j] == "]":
                depth += 1
            elif text[j] == "[":
                depth -= 1
                if depth == 0:
                    return j + 1
    at = text.find("[" + label) if label else -1
    if at < 0:  # a link whose text runs on to the next line
        at = text.rfind("[")
    return at + 1 if at >= 0 else 1


def _check_image(
    image: Token,
    parsed: Parsed,
    root: Path,
    line: int,
    text: str,
    diags: Diagnostics,
    image_problem: Callable[[Path], str | None] | None,
) -> None:
    url = str(image.attrGet("src") or "")
    path = parsed.path
    col = text.find("![") + 1 or 1
    attrs: Attrs = image.meta.get("attrs") or Attrs()
    if not image_alt(image).strip() and "decorative" not in attrs.classes:
        diags.error(
            path, line, col, f"image '{url}' has no alt text: describe it inside ![...] (or mark it {{.decorative}})"
        )
    if SCHEME_RE.match(url):
        diags.error(
            path, line, col, f"image '{url}' is not a file of the course: put it in figures/ and use a relative path"
        )
        return
    target = (root / url).resolve()
    if not target.is_relative_to(root.resolve()):
        diags.error(path, line, col, f"image '{url}' is outside the course folder: put it in figures/")
    elif not target.is_file():
        diags.error(
            path, line, col, f"image '{url}' not found (paths are relative to the course folder, e.g. figures/name.svg)"
        )
    else:
        from coursepack.content.model import IMAGE_TYPES

        if target.suffix.lower() not in IMAGE_TYPES:
            diags.error(path, line, col, f"image '{url}' is not SVG, PNG, JPEG, GIF or WebP")
        elif image_problem is not None:
            problem = image_problem(target)
            if problem:
                diags.error(path, line, col, f"image '{url}' {problem}")


def _check_notes(
    parsed: Parsed, cited: dict[str, list[tuple[int, int, frozenset[str]]]], instructor_file: bool, diags: Diagnostics
) -> None:
    """Footnotes: each call has a definition; a note defined in instructor-only text is cited only there."""
    path = parsed.path
    for key, calls in cited.items():
        note = parsed.notes.get(key)
        if note is None:
            for line, col, _needs in calls:
                diags.error(path, line, col, f"footnote '[^{key}]' is never defined: add a line '[^{key}]: its text'")
            continue
        if note.needs is None or instructor_file:
            continue
        for line, col, needs in calls:
            if not note.needs <= needs:
                diags.error(
                    path,
                    line,
                    col,
                    f"footnote '[^{key}]' is defined in instructor-only text (line {note.line}) but cited where "
                    "students read: move its definition out of the block, or the call into it",
                )
    for key, note in parsed.notes.items():
        if key not in cited and not key.startswith("^"):
            diags.warning(path, note.line, 1, f"footnote '[^{key}]' is never cited: cite it or delete it")


__all__ = ["Found", "IdDef", "LinkUse", "check_markdown", "plain"]
