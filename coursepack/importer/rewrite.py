"""A Markdown file written for another tool, rewritten line by line for a course folder.

coursepack already reads most of what the Carpentries, Quarto and Pandoc write (fenced divs,
callouts, figures with attributes, cross-references, citations, cells left unrun), so the
body is kept as it is except for what a course folder needs otherwise, each change reported at
its source line:

- images are copied into ``figures/`` and their paths rewritten; a missing or remote one is
  written as its alt text (or as a link);
- links to other Markdown files of the source point at the unit made of them; a link to any
  other local file keeps its text only;
- Liquid tags (``{% include links.md %}``) and Quarto shortcodes (``{{< include x >}}``) are
  left out: nothing is included or run;
- a block name coursepack does not know becomes a ``note`` box;
- ``#`` headings other than a first title are made ``##`` (the whole file one level down);
- executable cells (```` ```{python} ````) are kept as code, never run.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from coursepack.importer.course import Course, Lines
from coursepack.importer.source import MAX_BINARY_BYTES, ImportFailed, Source
from coursepack.markdown.divs import Div
from coursepack.markdown.parser import parse

IMAGE = re.compile(r'!\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(\s+"[^"]*")?\s*\)')
LINK = re.compile(r'(?<![!\\])\[((?:[^\[\]]|\[[^\]]*\])*)\]\(\s*<?([^)\s>]+)>?(\s+"[^"]*")?\s*\)')
LIQUID = re.compile(r"\{%-?.*?-?%\}")
SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}")
CELL = re.compile(r"^\s*(`{3,}|~{3,})\s*\{\s*([A-Za-z][\w-]*)")
FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
ATX = re.compile(r"^(#{1,6})(\s|$)")
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")
MARKDOWN_TYPES = (".md", ".qmd", ".rmd", ".markdown")
EXTERNAL = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)


@dataclass
class Context:
    """What a rewrite needs to know about the whole import."""

    source: Source
    course: Course
    units: dict[Path, str] = field(default_factory=dict)  # a Markdown file's real path → the unit made of it


def rewrite(ctx: Context, path: Path, body: str, first: int, title_heading: bool = True) -> Lines:
    """``body`` (the text after the front matter, starting at line ``first`` of ``path``) for a
    course folder; every change reported at its line."""
    where = ctx.source.rel(path)
    pairs = kramdown_boxes([(line, first + k) for k, line in enumerate(body.split("\n"))])
    lines = [line for line, _ in pairs]
    body = "\n".join(lines)
    renames = _unknown_blocks(ctx, where, body, [n for _, n in pairs])
    demote = _demote(body, title_heading)
    if demote:
        ctx.course.left_out((where, first), "more than one '#' heading: every heading made one level lower")
    out = Lines()
    fence = ""
    for k, line in enumerate(lines):
        origin = (where, pairs[k][1])
        m = FENCE.match(line)
        if fence:
            if (
                m
                and m.group(1)[0] == fence[0]
                and len(m.group(1)) >= len(fence)
                and not line.strip()[len(m.group(1)) :]
            ):
                fence = ""
            out.add(line, origin)
            continue
        if m:
            fence = m.group(1)
            cell = CELL.match(line)
            if cell and cell.group(2).lower() not in ("figure", "note", "code-block", "code", "output"):
                ctx.course.left_out(origin, f"an executable {{{cell.group(2)}}} cell: kept as code, not run")
            out.add(line, origin)
            continue
        if k in renames:
            line = renames[k]
        line = _drop(ctx, LIQUID, line, origin, "a Liquid tag")
        line = _drop(ctx, SHORTCODE, line, origin, "a Quarto shortcode")
        line = IMAGE.sub(lambda m, at=origin: _image(ctx, path, m, at), line)  # type: ignore[misc]
        line = LINK.sub(lambda m, at=origin: _link(ctx, path, m, at), line)  # type: ignore[misc]
        if demote:
            h = ATX.match(line)
            if h and len(h.group(1)) < 6:
                line = "#" + line
        out.add(line, origin)
    return out


KRAMDOWN_CLASS = re.compile(r"^((?:\s*>)*)\s*\{:\s*\.([A-Za-z][\w-]*)\s*\}\s*$")
QUOTES = re.compile(r"^((?:\s*>)*)")


def _depth(line: str) -> int:
    m = QUOTES.match(line)
    return m.group(1).count(">") if m else 0


def _unquote(line: str, depth: int) -> str:
    """``line`` without its ``depth``-th ``>`` marker (and the space after it)."""
    seen = 0
    for k, ch in enumerate(line):
        if ch == ">":
            seen += 1
            if seen == depth:
                rest = line[k + 1 :]
                return line[:k] + (rest[1:] if rest.startswith(" ") else rest)
        elif not ch.isspace():
            break
    return line


def kramdown_boxes(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The styles layout's boxes, block quotes closed by a kramdown class line
    (``> ## Title`` ... ``{: .challenge}``), as fenced divs (``::: challenge`` ... ``:::``),
    innermost first (a solution inside a challenge), so that a solution or an instructor note is
    a block of its kind, never a quote every edition prints."""
    out = list(pairs)
    k = 0
    while k < len(out):
        m = KRAMDOWN_CLASS.match(out[k][0])
        if not m:
            k += 1
            continue
        depth = m.group(1).count(">")
        start = k
        while start > 0 and _depth(out[start - 1][0]) > depth:
            start -= 1
        if start == k:
            k += 1
            continue
        prefix = "> " * depth
        box = [(_unquote(line, depth + 1), n) for line, n in out[start:k]]
        out[start : k + 1] = [(f"{prefix}::: {m.group(2)}", out[start][1]), *box, (f"{prefix}:::", out[k][1])]
        k = start + len(box) + 2
    return out


def _drop(ctx: Context, pattern: re.Pattern[str], line: str, origin: tuple[str, int], what: str) -> str:
    for m in pattern.finditer(line):
        ctx.course.left_out(origin, f"{what} left out (nothing is included or run): {m.group(0)}")
    return pattern.sub("", line)


def _unknown_blocks(ctx: Context, where: str, body: str, numbers: list[int]) -> dict[int, str]:
    """Opening lines of blocks coursepack has no kind for, rewritten as a note."""
    tokens, _ = parse(body, "en")
    lines = body.split("\n")
    renames = {}
    for tok in tokens:
        if tok.type != "div_open" or not tok.map:
            continue
        div: Div = tok.meta["div"]
        if div.kind is not None or not div.name or div.syntax == "alert":
            continue
        k = tok.map[0]
        line = lines[k]
        indent = line[: len(line) - len(line.lstrip())]
        fence = line.lstrip()[: len(line.lstrip()) - len(line.lstrip().lstrip(":"))] or ":::"
        title = f" {div.title}" if div.title and div.title_line == k else ""
        renames[k] = f"{indent}{fence} note{title}"
        ctx.course.left_out((where, numbers[k]), f"block '{div.name}' has no kind here: written as a note box")
    return renames


def _demote(body: str, title_heading: bool) -> bool:
    """Whether the headings go one level down: the file has a ``#`` heading that is not its title."""
    tokens, _ = parse(body, "en")
    firsts = [t for t in tokens if t.type.endswith("_open") and t.level == 0]
    h1 = [t for t in tokens if t.type == "heading_open" and t.tag == "h1"]
    if not h1:
        return False
    return not (title_heading and len(h1) == 1 and firsts and firsts[0] is h1[0] and h1[0].markup == "#")


def _local(ctx: Context, path: Path, target: str) -> Path | None:
    """The file of the source a relative target names (None: outside it, or not a file)."""
    name = target.partition("#")[0].partition("?")[0]
    if not name or PurePosixPath(name).is_absolute():
        return None
    candidate = Path(posixpath.normpath(str(PurePosixPath(path.parent.as_posix()) / name)))
    try:
        real = ctx.source.inside(candidate)
    except ImportFailed:
        return None
    return real if real.is_file() else None


def _image(ctx: Context, path: Path, m: re.Match[str], origin: tuple[str, int]) -> str:
    alt, target, title = m.group(1), m.group(2), m.group(3) or ""
    if EXTERNAL.match(target):
        ctx.course.left_out(origin, f"image from the web {target}: written as a link (download it into the source)")
        return f"[{alt or target}]({target})"
    found = _local(ctx, path, target)
    if found is None or found.suffix.lower() not in IMAGE_TYPES:
        why = "not found" if found is None else f"a {found.suffix or 'file'} file, not an image coursepack prints"
        ctx.course.left_out(origin, f"image {target}: {why}: written as its alt text")
        return alt
    data = ctx.source.read(found, MAX_BINARY_BYTES)
    return f"![{alt}]({ctx.course.figure_name(found.name, data)}{title})"


def _link(ctx: Context, path: Path, m: re.Match[str], origin: tuple[str, int]) -> str:
    text, target = m.group(1), m.group(2)
    if EXTERNAL.match(target) or target.startswith("#"):
        return m.group(0)
    found = _local(ctx, path, target)
    if found is not None and ctx.units.get(found) == "introduction":
        ctx.course.left_out(origin, f"link to {target}: the introduction, which a link cannot name: its text kept")
        return text
    if found is not None and found in ctx.units:
        fragment = target.partition("#")[2]
        return f"[{text}]({ctx.units[found]}.md{'#' + fragment if fragment else ''})"
    if ":" in target.partition("/")[0]:
        ctx.course.left_out(origin, f"link to {target}: not a web address: its text kept, without the link")
    else:
        ctx.course.left_out(origin, f"link to {target}: not a unit of the import: its text kept, without the link")
    return text
