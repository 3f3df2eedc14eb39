"""A folder of Quarto or plain Markdown chapters: each chapter a unit.

The order is ``_quarto.yml``'s ``book: chapters:`` (parts flattened into their chapters), else
the ``*.qmd`` / ``*.md`` files sorted by name; ``index`` (or ``README``) is the introduction.
A chapter's title is its front matter's ``title``, else its first ``#`` heading, else its file
name. The body is kept (coursepack reads Quarto's callouts, figures, cross-references,
citations and cells, which are printed as code and never run); the bibliography (``.bib``,
CSL JSON) is copied into ``readings/``, which coursepack reads as it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from coursepack.importer.course import Course, Lines, Unit
from coursepack.importer.rewrite import MARKDOWN_TYPES, Context, rewrite
from coursepack.importer.source import ImportFailed, Source

HEADING = re.compile(r"^#\s+(.+?)\s*(\{[^}]*\})?\s*$")
REFERENCE_PAGES = ("references", "bibliography")
KEPT_FRONT = ("title", "bibliography")  # (the others have no place in a unit: reported)


def read(source: Source) -> Course:
    root = source.root
    config_path = next((root / n for n in ("_quarto.yml", "_quarto.yaml") if (root / n).is_file()), None)
    config = source.yaml(config_path) if config_path else {}
    book = config.get("book") if isinstance(config.get("book"), dict) else {}
    assert isinstance(book, dict)
    title = book.get("title") or (config.get("project") or {}).get("title") if isinstance(config, dict) else None
    course = Course(title=str(title or root.name))
    authors = book.get("author")
    if authors:
        course.authors = [str(a.get("name", a)) if isinstance(a, dict) else str(a) for a in _list(authors)]
    files = [p for p in source.files() if p.parent == root and p.suffix.lower() in MARKDOWN_TYPES]
    listed = _chapters(book.get("chapters")) + _chapters(book.get("appendices"))
    if listed:
        chapters = []
        for name in listed:
            p = root / name
            if p.is_file() and p.suffix.lower() in MARKDOWN_TYPES:
                chapters.append(p)
            else:
                course.left_out(
                    (source.rel(config_path or root), 0), f"chapter {name} is not a Markdown file here: left out"
                )
    else:
        chapters = sorted(files)
    intro = next((p for p in chapters if p.stem.lower() == "index"), None)
    if intro is None and not listed:
        intro = next((p for p in chapters if p.stem.lower() == "readme"), None)
    ctx = Context(source, course)
    parsed = {}
    for p in chapters:
        front, body, first = source.front_matter(p)
        parsed[p] = (front, body, first)
        if p == intro:
            ctx.units[Path(source.inside(p))] = "introduction"
            continue
        if p.stem.lower() in REFERENCE_PAGES and "{#refs}" in body.replace(" ", ""):
            course.left_out((source.rel(p), 0), "the references page: left out (each unit prints its readings)")
            continue
        heading = next((HEADING.match(line) for line in body.split("\n") if line.startswith("# ")), None)
        name = str(front.get("title") or (heading.group(1) if heading else p.stem))
        unit = Unit(course.new_id(p.stem), name, Lines(), (source.rel(p), 1))
        course.units.append(unit)
        ctx.units[Path(source.inside(p))] = unit.id
    if not course.units:
        raise ImportFailed(f"{source.rel(root)}: no chapters (*.qmd, *.md) to import")
    for p in chapters:
        if p not in parsed:
            continue
        front, body, first = parsed[p]
        for key in front:
            if key not in KEPT_FRONT:
                course.left_out(
                    (source.rel(p), source.key_lines.get((p, key), 1)),
                    f"front matter '{key}' has no place in a unit: left out",
                )
        if p == intro:
            course.introduction = rewrite(ctx, p, body, first, title_heading=True)
            continue
        made = next((u for u in course.units if ctx.units.get(Path(source.inside(p))) == u.id), None)
        if made is not None:
            made.body = rewrite(ctx, p, body, first)
    _readings(source, course, config, config_path, [parsed[p][0] for p in parsed])
    return course


def _readings(
    source: Source, course: Course, config: dict[str, Any], config_path: Path | None, fronts: list[dict[str, Any]]
) -> None:
    """The bibliographies ``_quarto.yml`` or a chapter names, else every .bib at the top: into readings/."""
    named = _list(config.get("bibliography")) + [b for f in fronts for b in _list(f.get("bibliography"))]
    paths = [source.root / str(n) for n in dict.fromkeys(str(n) for n in named)]
    if not named:
        paths = [p for p in source.files() if p.parent == source.root and p.suffix.lower() == ".bib"]
    for p in paths:
        where = (source.rel(config_path or p), 0)
        if not p.is_file():
            course.left_out(where, f"bibliography {p.name} not found: no readings from it")
            continue
        if p.suffix.lower() not in (".bib", ".json"):
            course.left_out(where, f"bibliography {p.name}: only .bib and CSL .json are read: left out")
            continue
        course.files[f"readings/{p.name}"] = source.read(p)


def _chapters(items: Any) -> list[str]:
    """Chapter files of a ``chapters:`` list (a part's chapters in its place)."""
    out: list[str] = []
    for item in _list(items):
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            if isinstance(item.get("part"), str) and item["part"].endswith(MARKDOWN_TYPES):
                out.append(item["part"])
            if isinstance(item.get("href"), str):
                out.append(item["href"])
            out += _chapters(item.get("chapters"))
    return out


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value else []
