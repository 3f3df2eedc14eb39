"""``coursepack new --from COURSE``: a new course with the shape of an existing one.

What a lecturer starting a parallel course keeps: the settings of ``course.yaml`` (language,
paper, theme, citation style, renamed terms, outcomes, the order of the units), each unit's and
exercise's front matter as written (titles, durations, outcomes, readings), the ``##`` and ``###``
headings of each unit, and its exercises written in the text, as empty stubs with their titles and
ids; the reading list and the theme overrides (``templates/``). What it leaves out: the text of
every body (a TODO comment in its place), instructor material, the glossary, figures and
translations.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import yaml

from coursepack.content.model import Course, Exercise, Unit
from coursepack.markdown.document import Heading, Parsed
from coursepack.markdown.tree import closing
from coursepack.starter import atomic_folder, course_id

# the settings of course.yaml a new course of the same shape keeps (the rest is its own text)
KEPT = (
    "language",
    "paper",
    "theme",
    "print_variants",
    "contents_depth",
    "link_addresses",
    "citation_style",
    "citation-style",
    "csl",
    "solutions",
    "terms",
    "outcomes",
    "units",
    "exercises",
)
TODO = "<!-- TODO: write this section. -->"


def write_shape(
    dest: Path,
    course: Course,
    title: str | None = None,
    author: str | None = None,
    today: dt.date | None = None,
    paper: str | None = None,
) -> list[Path]:
    """Write into ``dest`` (new or empty) a course with ``course``'s shape; the files written."""
    root = course.root

    def make(tmp: Path) -> None:
        (tmp / "course.yaml").write_text(course_yaml(dest, root, title, author, today, paper), encoding="utf-8")
        (tmp / "introduction.md").write_text("<!-- TODO: the introduction of the student pack. -->\n", "utf-8")
        for unit in course.units:
            _write(tmp, root, unit.source.path, unit_text(unit, course))
        for ex in course.exercises.values():
            if ex.inline is None:
                _write(tmp, root, ex.source.path, [*front_matter(ex.source.path, ex.source.first_line), TODO_TASK])
        for folder in ("readings", "templates"):
            if (root / folder).is_dir():
                shutil.copytree(root / folder, tmp / folder)
        style = course.meta.citation_style
        if style and style.endswith(".csl") and (root / style).is_file():
            (tmp / style).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / style, tmp / style)

    return atomic_folder(dest, make)


TODO_TASK = "<!-- TODO: the task, as students will read it. -->"


def course_yaml(
    dest: Path, root: Path, title: str | None, author: str | None, today: dt.date | None, paper: str | None
) -> str:
    source: dict[str, Any] = yaml.safe_load((root / "course.yaml").read_text(encoding="utf-8"))
    data: dict[str, Any] = {
        "id": course_id(dest),
        "title": title or source["title"],
        "authors": [author] if author else source.get("authors", []),
        "version": "0.1",
        "date": today or dt.date.today(),
    }
    for key in KEPT:
        if key in source:
            data[key] = source[key]
        if key == "language":
            data["languages"] = [source.get("language", "en")]  # (no translations are copied)
    if paper:
        data["paper"] = paper
    head = (
        f"# The shape of {source['title']}: its settings, units and exercises, with their text to write.\n"
        "# docs/content-format.md lists every key.\n"
    )
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def front_matter(path: Path, first_line: int) -> list[str]:
    """A Markdown file's front matter as written, its dashes included (the lines before its body)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [*lines[: first_line - 1], ""] if first_line > 1 else []


def unit_text(unit: Unit, course: Course) -> list[str]:
    """A unit with its front matter, its headings each over a TODO, and its exercises as stubs."""
    src = unit.source
    parsed = Parsed(src.path, src.body, src.first_line, course.meta.language, unit.meta.id)
    inline = [ex for ex in course.exercises.values() if ex.unit == unit.meta.id and ex.inline is not None]
    spans = [_span(ex) for ex in inline]
    items: list[tuple[int, list[str]]] = []
    for h in parsed.headings:
        if h.needs or h.level < 2 or any(a <= h.line <= b for a, b in spans):
            continue  # (an instructor's heading, or an exercise's title)
        items.append((h.line, [heading_line(parsed.source_line(h.line), h), "", TODO, ""]))
    for ex, (start, _end) in zip(inline, spans, strict=True):
        items.append((start, exercise_stub(ex)))
    lines = front_matter(src.path, src.first_line)
    if not items:
        lines += ["<!-- TODO: write this unit. -->", ""]
    for _line, chunk in sorted(items, key=lambda item: item[0]):
        lines += chunk
    return lines


def heading_line(line: str, h: Heading) -> str:
    """A heading as one ``#`` line: as written (its markup and attributes kept), or made from its
    text when it was underlined (``Title`` over ``-----``); with the id a MyST label gave it."""
    if not line.lstrip().startswith("#"):
        line = f"{'#' * h.level} {h.text}"
    if h.explicit and f"#{h.explicit}" not in line:
        line += f" {{#{h.explicit}}}"
    return line


def _span(ex: Exercise) -> tuple[int, int]:
    """The lines of the unit an exercise written in it takes up."""
    assert ex.inline is not None
    parsed, tokens = ex.inline.parsed, ex.inline.parsed.tokens
    end = tokens[closing(tokens, ex.inline.open)]
    last = end.map[1] + parsed.first_line if end.map else parsed.line(tokens[ex.inline.open])
    return parsed.line(tokens[ex.inline.open]), last


def exercise_stub(ex: Exercise) -> list[str]:
    """An exercise written in a unit, with its id, title, kind and duration, and no text."""
    meta = ex.meta
    attrs = [f".exercise #{meta.id}"]
    if meta.kind:
        attrs.append(f"type={meta.kind}")
    if meta.duration:
        attrs.append(f"duration={meta.duration}")
    return [
        f":::::: {{{' '.join(attrs)}}}",
        f"## {meta.title}" if meta.title else "",
        "",
        TODO_TASK,
        "::::::",
        "",
    ]


def _write(tmp: Path, root: Path, path: Path, lines: list[str]) -> None:
    rel = path.resolve().relative_to(root.resolve())
    out = tmp / rel
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
