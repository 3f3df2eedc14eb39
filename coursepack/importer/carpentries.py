"""A Carpentries lesson: the Workbench layout (``config.yaml``, ``episodes/``, ``instructors/``,
``learners/``) or the older styles layout (``_config.yml``, ``_episodes/``).

Each episode is a unit, in the order of ``config.yaml``'s ``episodes:`` (else by file name):
its title, ``teaching`` + ``exercises`` minutes as its duration, its ``objectives`` block as
its learning outcomes. The rest of the body is kept: coursepack reads the lesson's blocks as
they are (``challenge`` and ``solution`` are an exercise and its solution, ``instructor`` is
for the guide only, ``questions``, ``keypoints``, ``callout``... are boxes). ``index.md``
(and ``learners/setup.md``) make the introduction, ``instructors/instructor-notes.md`` the
instructor's guide; the other pages of ``learners/`` and ``instructors/`` are reported.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from coursepack.importer.course import Course, Lines, Unit
from coursepack.importer.rewrite import MARKDOWN_TYPES, Context, rewrite
from coursepack.importer.source import ImportFailed, Source
from coursepack.markdown.divs import Div
from coursepack.markdown.parser import parse

ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")


def detect(root: Path) -> bool:
    return (root / "episodes").is_dir() or (root / "_episodes").is_dir()


def read(source: Source) -> Course:
    root = source.root
    config_path = next((root / n for n in ("config.yaml", "_config.yml") if (root / n).is_file()), None)
    config = source.yaml(config_path) if config_path else {}
    folder = root / "episodes" if (root / "episodes").is_dir() else root / "_episodes"
    course = Course(title=str(config.get("title") or root.name))
    if config.get("license") or config.get("licence"):
        course.licence = str(config.get("license") or config.get("licence"))
    files = [p for p in source.files() if p.parent == folder and p.suffix.lower() in MARKDOWN_TYPES]
    order = config.get("episodes")
    if isinstance(order, list) and order:
        by_name = {p.name: p for p in files}
        episodes = []
        for name in order:
            if str(name) in by_name:
                episodes.append(by_name[str(name)])
            else:
                course.left_out(
                    (source.rel(config_path or root), 0), f"episode {name} is not in {folder.name}/: left out"
                )
        for p in files:
            if p not in episodes:
                course.left_out((source.rel(p), 0), "not in config.yaml's episodes: list: left out")
    else:
        episodes = sorted(files)
    if not episodes:
        raise ImportFailed(f"{source.rel(folder)}: no episodes (*.md) to import")
    ctx = Context(source, course)
    fronts = {}
    for p in episodes:
        front, body, first = source.front_matter(p)
        fronts[p] = (front, body, first)
        stem = re.sub(r"^\d+[-_]", "", p.stem)
        unit = Unit(course.new_id(stem), str(front.get("title") or stem), Lines(), (source.rel(p), 1))
        course.units.append(unit)
        ctx.units[Path(source.inside(p))] = unit.id
    intro_files = [root / "index.md", root / "learners" / "setup.md", root / "setup.md"]
    for p in intro_files:
        if p.is_file():
            ctx.units[Path(source.inside(p))] = "introduction"
    for p, unit in zip(episodes, course.units, strict=True):
        front, body, first = fronts[p]
        _episode(ctx, p, unit, front, body, first)
    for p in intro_files:
        if p.is_file():
            front, body, first = source.front_matter(p)
            lines = rewrite(ctx, p, body, first, title_heading=False)
            if course.introduction is None:
                course.introduction = lines
            else:
                course.introduction.add(f"\n## {front.get('title') or 'Setup'}\n", (source.rel(p), 1))
                course.introduction.items += _lower(lines).items
    notes = root / "instructors" / "instructor-notes.md"
    if notes.is_file():
        front, body, first = source.front_matter(notes)
        course.guide = rewrite(ctx, notes, body, first, title_heading=False)
    used = {root / "index.md", notes, *intro_files, *episodes}
    for p in source.files():
        page = p.suffix.lower() in MARKDOWN_TYPES and p not in used
        if page and (p.parent.name in ("learners", "instructors", "profiles", "_extras") or p.parent == folder):
            course.left_out((source.rel(p), 0), "a page that is not an episode: not imported (copy what you need)")
    return course


def _episode(ctx: Context, path: Path, unit: Unit, front: dict[str, Any], body: str, first: int) -> None:
    where = ctx.source.rel(path)
    minutes = [front.get(k) for k in ("teaching", "exercises")]
    if any(isinstance(m, int) and not isinstance(m, bool) for m in minutes):
        unit.duration = sum(m for m in minutes if isinstance(m, int) and not isinstance(m, bool)) or None
    for key in front:
        if key not in ("title", "teaching", "exercises", "objectives", "questions", "keypoints", "layout"):
            ctx.course.left_out(
                (where, ctx.source.key_lines.get((path, key), 1)),
                f"front matter '{key}' has no place in a unit: left out",
            )
    # the styles layout lists objectives, questions and key points in the front matter
    outcomes = [str(x) for x in front.get("objectives") or [] if isinstance(x, str | int | float)]
    boxes = [(k, [str(x) for x in front.get(k) or []]) for k in ("questions",)]
    keypoints = [str(x) for x in front.get("keypoints") or []]
    lines = body.split("\n")
    drop: set[int] = set()
    tokens, _ = parse(body, "en")
    for tok in tokens:
        if tok.type == "div_open" and tok.map and tok.meta["div"].kind is not None:
            div: Div = tok.meta["div"]
            if div.kind is not None and div.kind.name == "objectives" and tok.level == 0:
                start, end = tok.map
                matches = [ITEM.match(line) for line in lines[start + 1 : end - 1]]
                found = [m.group(1).strip() for m in matches if m]
                if found:
                    outcomes += found
                    drop.update(range(start, end))
    kept = "\n".join("" if k in drop else line for k, line in enumerate(lines))
    unit.outcomes = outcomes
    out = Lines()
    for kind, items in boxes:
        if items:
            out.add(f"::: {kind}\n" + "\n".join(f"- {x}" for x in items) + "\n:::\n", (where, 1))
    out.items += rewrite(ctx, path, kept, first).items
    if keypoints:
        out.add("\n::: keypoints\n" + "\n".join(f"- {x}" for x in keypoints) + "\n:::", (where, 1))
    unit.body = out


def _lower(lines: Lines) -> Lines:
    """Every ATX heading one level lower (a page added under a heading of its own)."""
    out = Lines()
    fence = False
    for text, origin in lines.items:
        if text.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and re.match(r"^#{1,5}\s", text):
            text = "#" + text
        out.items.append((text, origin))
    return out
