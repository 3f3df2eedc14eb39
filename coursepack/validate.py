"""Stage 2 — validate: cross-references, timings and Markdown rules, across the whole course.

Runs on the loaded model before anything is rendered; every problem is collected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from coursepack.errors import Diagnostics
from coursepack.markup import BLOCKS
from coursepack.model import Course, MarkdownSource

BLOCK_RE = re.compile(r"^\s*(/{3,})\s*(?:([A-Za-z][\w-]*)\s*(?:\|.*)?)?$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
ID_RE = re.compile(r"\{:?[^}\n]*?#([A-Za-z0-9_:.-]+)[^}\n]*\}")
LINK_RE = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?([^()\s>]+(?:\([^()\s]*\)[^()\s>]*)?)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"([^\"]*)\")?\s*\)")
HTML_RE = re.compile(r"<(?!https?://|mailto:)(/?[A-Za-z][A-Za-z0-9-]*|!--)")
CODE_SPAN_RE = re.compile(r"`+[^`]*`+")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
IMAGE_TYPES = {".svg", ".png", ".jpg", ".jpeg", ".gif", ".webp"}


@dataclass
class IdDef:
    path: Path
    line: int
    col: int
    instructor_only: bool


@dataclass
class LinkUse:
    path: Path
    line: int
    col: int
    target: str
    student_visible: bool


def _scan(
    src: MarkdownSource,
    root: Path,
    instructor_file: bool,
    ids: dict[str, IdDef],
    links: list[LinkUse],
    diags: Diagnostics,
) -> None:
    """Line-level checks of one Markdown source; records ids and cross-references."""
    stack: list[tuple[str, int, bool]] = []  # (name, line, instructor)
    in_fence: str | None = None
    for n, raw in enumerate(src.body.splitlines()):
        line_no = src.first_line + n
        fence = FENCE_RE.match(raw)
        if fence:
            in_fence = None if in_fence == fence.group(1) else (in_fence or fence.group(1))
            continue
        if in_fence:
            continue
        block = BLOCK_RE.match(raw)
        if block:
            name = block.group(2)
            if name is None:
                if stack:
                    stack.pop()
                else:
                    diags.error(src.path, line_no, 1, "'///' closes a block that was never opened")
                continue
            if name not in BLOCKS:
                known = ", ".join(sorted(BLOCKS))
                diags.error(src.path, line_no, 1, f"unknown block '/// {name}': use one of {known}")
                stack.append((name, line_no, False))
                continue
            inherited = bool(stack and stack[-1][2])
            stack.append((name, line_no, inherited or BLOCKS[name][0] != "all"))
            continue
        instructor = instructor_file or bool(stack and stack[-1][2])
        text = CODE_SPAN_RE.sub(lambda m: " " * len(m.group(0)), raw)
        for m in IMAGE_RE.finditer(text):
            alt, url = m.group(1).strip(), m.group(2)
            col = m.start() + 1
            if not alt:
                diags.error(src.path, line_no, col, f"image '{url}' has no alt text: describe it inside ![...]")
            if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
                diags.error(
                    src.path,
                    line_no,
                    col,
                    f"image '{url}' is not a file of the course: put it in figures/ and use a relative path",
                )
                continue
            target = (root / url).resolve()
            if not target.is_relative_to(root.resolve()):
                diags.error(src.path, line_no, col, f"image '{url}' is outside the course folder: put it in figures/")
            elif not target.is_file():
                diags.error(
                    src.path,
                    line_no,
                    col,
                    f"image '{url}' not found (paths are relative to the course folder, e.g. figures/name.svg)",
                )
            elif target.suffix.lower() not in IMAGE_TYPES:
                diags.error(src.path, line_no, col, f"image '{url}' is not SVG, PNG, JPEG, GIF or WebP")
        for m in LINK_RE.finditer(text):
            url = m.group(2)
            col = m.start() + 1
            if url.startswith("#"):
                links.append(LinkUse(src.path, line_no, col, url[1:], not instructor))
            elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url) and not re.match(r"^(https?|mailto):", url, re.I):
                diags.error(src.path, line_no, col, f"link '{url}': only http, https and mailto links are allowed")
            elif not re.match(r"^(https?|mailto):", url, re.I):
                diags.error(
                    src.path,
                    line_no,
                    col,
                    f"link '{url}' is a relative file link: link to an id ('#some-id') or a full https:// address",
                )
        for m in ID_RE.finditer(text):
            ident = m.group(1)
            if not SLUG_RE.match(ident):
                diags.error(
                    src.path, line_no, m.start() + 1, f"id '{ident}' must be lower-case letters, digits and hyphens"
                )
                continue
            if ident in ids:
                first = ids[ident]
                diags.error(
                    src.path,
                    line_no,
                    m.start() + 1,
                    f"duplicate id '{ident}' (first defined at {first.path.name}:{first.line}): ids must be unique in a course",
                )
            else:
                ids[ident] = IdDef(src.path, line_no, m.start() + 1, instructor)
        for m in HTML_RE.finditer(text):
            diags.error(
                src.path,
                line_no,
                m.start() + 1,
                "raw HTML is not allowed: use Markdown or a '///' block (write &lt; for a literal '<')",
            )
    for name, line, _ in stack:
        diags.error(src.path, line, 1, f"block '/// {name}' is never closed: add a line '///' after its content")


def validate_course(course: Course, diags: Diagnostics) -> None:
    """Every cross-file check of one course."""
    root = course.root
    pos = course.positions
    meta_path = root / "course.yaml"

    def at(key: str) -> tuple[Path, int, int]:
        return pos.get(key, (meta_path, 1, 1))

    outcome_ids = {o.id for o in course.meta.outcomes}
    ids: dict[str, IdDef] = {}
    for key, (path, line, col) in pos.items():
        if key.startswith("id:"):
            ident = key[3:]
            instructor_only = path.parent.name == "instructor" and not any(
                t.id == ident for t in (course.assessment.tasks if course.assessment else [])
            )
            ids[ident] = IdDef(path, line, col, instructor_only)

    for unit in course.units:
        for i, rid in enumerate(unit.meta.readings):
            if rid not in course.readings and rid not in course.broken_ids:
                diags.error(
                    *at(f"{unit.meta.id}.readings:{i}"), f"reading '{rid}' not found: define it in readings/*.yaml"
                )
        for i, eid in enumerate(unit.meta.exercises):
            if eid not in course.exercises and eid not in course.broken_ids:
                diags.error(*at(f"{unit.meta.id}.exercises:{i}"), f"exercise '{eid}' not found: add exercises/{eid}.md")
    for i, eid in enumerate(course.meta.exercises or []):
        if eid not in course.exercises:
            diags.error(*at(f"course.exercises:{i}"), f"exercise '{eid}' not found: add exercises/{eid}.md")
    for ex in course.exercises.values():
        for i, oid in enumerate(ex.meta.outcomes):
            if oid not in outcome_ids:
                diags.error(
                    *at(f"{ex.meta.id}.outcomes:{i}"),
                    f"outcome '{oid}' not found: define it under 'outcomes' in course.yaml",
                )

    for plan in course.plans:
        total = sum(b.minutes for b in plan.blocks)
        if total != plan.length:
            diags.error(
                *at(f"plan:{plan.id}"),
                f"plan '{plan.id}': blocks add up to {total} minutes but 'length' says {plan.length}",
            )
        for j, block in enumerate(plan.blocks):
            if block.unit and block.unit not in {u.meta.id for u in course.units} | course.broken_ids:
                diags.error(*at(f"plan:{plan.id}.{j}.unit"), f"unit '{block.unit}' not found in course.yaml 'units'")
            if block.exercise and block.exercise not in course.exercises and block.exercise not in course.broken_ids:
                diags.error(
                    *at(f"plan:{plan.id}.{j}.exercise"),
                    f"exercise '{block.exercise}' not found: add exercises/{block.exercise}.md",
                )

    if course.assessment:
        rubrics = {r.id: r for r in course.assessment.rubrics}
        for task in course.assessment.tasks:
            if task.rubric and task.rubric not in rubrics:
                diags.error(*at(f"task:{task.id}.rubric"), f"rubric '{task.rubric}' not found under 'rubrics'")
        for rubric in rubrics.values():
            for j, crit in enumerate(rubric.criteria):
                if len(crit.descriptors) != len(rubric.levels):
                    diags.error(
                        *at(f"rubric:{rubric.id}.{j}"),
                        f"criterion '{crit.name}' has {len(crit.descriptors)} descriptors but the rubric has {len(rubric.levels)} levels",
                    )

    links: list[LinkUse] = []
    sources: list[tuple[MarkdownSource, bool]] = [(u.source, False) for u in course.units]
    sources += [(e.source, False) for e in course.exercises.values()]
    if course.introduction:
        sources.append((course.introduction, False))
    if course.guide:
        sources.append((course.guide, True))
    for src, instructor_file in sources:
        _scan(src, root, instructor_file, ids, links, diags)

    for link in links:
        target = ids.get(link.target)
        if target is None and link.target in course.broken_ids:
            continue
        if target is None:
            diags.error(
                link.path,
                link.line,
                link.col,
                f"cross-reference to '#{link.target}': no unit, exercise, reading, figure, table or heading has that id",
            )
        elif link.student_visible and target.instructor_only:
            diags.error(
                link.path,
                link.line,
                link.col,
                f"student-visible link to instructor-only '#{link.target}' ({target.path.name}:{target.line}): move the link into an instructor block or link to something students can see",
            )
