"""Stage 2 — validate: cross-references, timings and Markdown rules, across the whole course.

Runs on the loaded model before anything is rendered; every problem is collected.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from coursepack.errors import Diagnostics, closest
from coursepack.load import mismatch, named_like
from coursepack.markup import BLOCKS
from coursepack.model import IMAGE_TYPES, Course, MarkdownSource

BLOCK_RE = re.compile(r"^\s*(/{3,})\s*(?:([A-Za-z][\w-]*)\s*(?:\|.*)?)?$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
ID_RE = re.compile(r"\{:?[^}\n]*?#([A-Za-z0-9_:.-]+)[^}\n]*\}")
LINK_RE = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?([^()\s>]+(?:\([^()\s]*\)[^()\s>]*)?)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"([^\"]*)\")?\s*\)")
HTML_RE = re.compile(r"<(?!https?://|mailto:)(/?[A-Za-z][A-Za-z0-9-]*|!--)")
HEADING_RE = re.compile(r"^(#{1,6})\s+\S")
TABLE_HEAD_RE = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}")
LINK_TEXT_RE = re.compile(r"(?<!!)\[([^\]]+)\]\((https?://[^)\s]+)\)")
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
CODE_SPAN_RE = re.compile(r"`+[^`]*`+")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass
class IdDef:
    path: Path
    line: int
    col: int
    instructor_only: bool
    numbered: bool = False  # a unit, exercise, figure or table: "{n}" in a link's text can print its number


@dataclass
class LinkUse:
    path: Path
    line: int
    col: int
    target: str
    student_visible: bool
    wants_number: bool = False  # "{n}" in its text


def image_problem(path: Path) -> str | None:
    """Why the engine could not draw the image at ``path``, or None.

    WeasyPrint leaves an image it cannot read out of the page with a warning: the figure and
    its caption would be missing from a PDF that looks built.
    """
    info = path.stat()
    return _image_problem(path, info.st_mtime_ns, info.st_size)


@functools.cache
def _image_problem(path: Path, mtime_ns: int, size: int) -> str | None:
    """``image_problem``, read once per version of the file (every language checks the same images)."""
    data = path.read_bytes()
    if path.suffix.lower() == ".svg":
        return _svg_problem(data)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()  # structure and checksums, without decoding every pixel (no-op builds check too)
    except UnidentifiedImageError:
        return "not a PNG, JPEG, GIF or WebP image"
    except Exception as exc:  # Pillow reports damage as OSError, SyntaxError, ValueError...
        return str(exc).split("\n")[0] or type(exc).__name__
    # Pillow's verify does not read JPEG and GIF data to the end: a cut-off file is found by its last bytes
    end = data.rstrip(b"\0")
    if kind == "JPEG" and not end.endswith(b"\xff\xd9"):
        return "the JPEG data is cut off"
    if kind == "GIF" and not end.endswith(b";"):
        return "the GIF data is cut off"
    return None


def _svg_problem(data: bytes) -> str | None:
    """Parse as the engine's XML parser would (expat, as under ElementTree), refusing entity
    declarations (an 'entity bomb' would make the engine expand them without end)."""

    def no_entities(*_: object) -> None:
        raise ValueError("it declares entities (<!ENTITY>): export it again without them, e.g. as plain SVG")

    def undefined(name: str, _parameter: bool) -> None:
        raise ValueError(f"it uses an entity it does not define (&{name};): write the character itself")

    roots: list[str] = []
    parser = expat.ParserCreate()
    parser.EntityDeclHandler = no_entities
    parser.SkippedEntityHandler = undefined
    parser.StartElementHandler = lambda name, _attrs: roots.append(name) if not roots else None
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        return f"SVG: {expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset + 1}"
    except ValueError as exc:
        return f"SVG: {exc}"
    if roots[0].rsplit(":", 1)[-1] != "svg":
        return f"its first element is <{roots[0]}>, not <svg>"
    return None


def _scan(
    src: MarkdownSource,
    root: Path,
    instructor_file: bool,
    ids: dict[str, IdDef],
    links: list[LinkUse],
    diags: Diagnostics,
    translation: bool = False,
    broken: set[str] | None = None,
) -> None:
    """Line-level checks of one Markdown source; records ids and cross-references.

    In a translation, ids are the source's: one it does not have is an error.
    """
    stack: list[tuple[str, int, bool]] = []  # (name, line, instructor)
    in_fence: str | None = None
    last_level = 1  # the document's title is the level-1 heading
    lines = src.body.splitlines()
    for n, raw in enumerate(lines):
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
        heading = HEADING_RE.match(text)
        if heading:
            level = len(heading.group(1))
            if level == 1:
                diags.error(src.path, line_no, 1, "a '#' heading: the title is set by the pack; start sections at '##'")
            elif level > last_level + 1:
                diags.warning(
                    src.path,
                    line_no,
                    1,
                    f"heading level skips from {'#' * last_level} to {'#' * level}: use {'#' * (last_level + 1)} (screen readers navigate by levels)",
                )
            last_level = max(level, 2)
        if TABLE_HEAD_RE.match(text) and n + 1 < len(lines) and TABLE_RULE_RE.match(lines[n + 1]):
            cells = [c.strip() for c in text.strip().strip("|").split("|")]
            if not any(cells):
                diags.warning(src.path, line_no, 1, "table has an empty header row: name each column")
        for m in LINK_TEXT_RE.finditer(text):
            label, url = m.group(1).strip(), m.group(2)
            if label.lower().strip(" .!") in VAGUE_LINK_TEXT:
                diags.warning(
                    src.path,
                    line_no,
                    m.start() + 1,
                    f"link text '{label}' says nothing out of context: say where the link leads",
                )
            elif label == url or label.rstrip("/") == url.rstrip("/"):
                diags.warning(
                    src.path,
                    line_no,
                    m.start() + 1,
                    "link text is the bare address: say where the link leads (the address is printed with it)",
                )
        for m in IMAGE_RE.finditer(text):
            alt, url = m.group(1).strip(), m.group(2)
            col = m.start() + 1
            decorative = re.match(r"\s*\{[^}]*\.decorative\b", text[m.end() :])
            if not alt and not decorative:
                diags.error(
                    src.path,
                    line_no,
                    col,
                    f"image '{url}' has no alt text: describe it inside ![...] (or mark it {{.decorative}})",
                )
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
            else:
                problem = image_problem(target)
                if problem:
                    diags.error(
                        src.path, line_no, col, f"image '{url}' cannot be read ({problem}): fix it or export it again"
                    )
        for m in LINK_RE.finditer(text):
            url = m.group(2)
            col = m.start() + 1
            if url.startswith("#"):
                links.append(LinkUse(src.path, line_no, col, url[1:], not instructor, "{n}" in m.group(1)))
                if m.group(1).strip().lower().strip(" .!") in VAGUE_LINK_TEXT:
                    diags.warning(
                        src.path,
                        line_no,
                        col,
                        f"link text '{m.group(1).strip()}' says nothing out of context: name what it leads to, "
                        "or leave the text empty for the target's label",
                    )
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
            if translation:
                if ident not in ids and ident not in (
                    broken or ()
                ):  # (a source file that failed its checks is reported)
                    diags.error(
                        src.path,
                        line_no,
                        m.start() + 1,
                        f"id '{ident}' is not in the source: keep the source's ids in a translation",
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
                numbered = text.lstrip().startswith("Table:") or "![" in text  # a table's caption, a figure
                ids[ident] = IdDef(src.path, line_no, m.start() + 1, instructor, numbered)
        for m in HTML_RE.finditer(text):
            diags.error(
                src.path,
                line_no,
                m.start() + 1,
                "raw HTML is not allowed: use Markdown or a '///' block (write &lt; for a literal '<')",
            )
    for name, line, _ in stack:
        diags.error(src.path, line, 1, f"block '/// {name}' is never closed: add a line '///' after its content")


def validate_course(course: Course, diags: Diagnostics) -> dict[str, IdDef]:
    """Every cross-file check of one course."""
    root = course.root
    pos = course.positions
    meta_path = root / "course.yaml"

    def at(key: str) -> tuple[Path, int, int]:
        return pos.get(key, (meta_path, 1, 1))

    outcome_ids = {o.id for o in course.meta.outcomes}
    ids: dict[str, IdDef] = {}
    numbered_ids = {u.meta.id for u in course.units} | set(course.exercise_order)  # those the pack numbers
    tasks = course.assessment.tasks if course.assessment else []
    # the assessment's tasks and their rubrics are printed in the student pack too
    in_student_pack = {t.id for t in tasks} | {t.rubric for t in tasks if t.rubric}
    for key, (path, line, col) in pos.items():
        if key.startswith("id:"):
            ident = key[3:]
            instructor_only = path.parent.name == "instructor" and ident not in in_student_pack
            numbered = ident in numbered_ids
            ids[ident] = IdDef(path, line, col, instructor_only, numbered)

    for unit in course.units:
        for i, rid in enumerate(unit.meta.readings):
            if rid not in course.readings and rid not in course.broken_ids:
                meant = closest(rid, course.readings)
                fix = f"did you mean '{meant}'?" if meant else "define it in readings/*.yaml"
                diags.error(*at(f"{unit.meta.id}.readings:{i}"), f"reading '{rid}' not found: {fix}")
        for i, eid in enumerate(unit.meta.exercises):
            if eid not in course.exercises and eid not in course.broken_ids:
                diags.error(*at(f"{unit.meta.id}.exercises:{i}"), _no_exercise(course, eid))
                course.broken_ids.add(eid)  # reported once, not again for every link to it
    for i, eid in enumerate(course.meta.exercises or []):
        if eid not in course.exercises:
            diags.error(*at(f"course.exercises:{i}"), _no_exercise(course, eid))
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
                    _no_exercise(course, block.exercise),
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
    _check_links(course, ids, links, diags)
    return ids


def _no_exercise(course: Course, eid: str) -> str:
    """The error for a missing exercise; a file of that name with another id is named."""
    meant = closest(eid, course.exercises)
    fix = mismatch(named_like(eid, course.exercises.values()))
    fix = fix or (f"did you mean '{meant}'?" if meant else f"add exercises/{eid}.md")
    return f"exercise '{eid}' not found: {fix}"


def _check_links(course: Course, ids: dict[str, IdDef], links: list[LinkUse], diags: Diagnostics) -> None:
    for link in links:
        target = ids.get(link.target)
        if target is None and link.target in course.broken_ids:
            continue
        if target is None:
            names = [i for i, d in ids.items() if not (link.student_visible and d.instructor_only)]
            meant = closest(link.target, [*names, *course.broken_ids])
            hint = f": did you mean '#{meant}'?" if meant else ""
            diags.error(
                link.path,
                link.line,
                link.col,
                f"cross-reference to '#{link.target}': no unit, exercise, reading, figure, table or heading has that id{hint}",
            )
        elif link.wants_number and not target.numbered:
            diags.error(
                link.path,
                link.line,
                link.col,
                f"'{{n}}' in the text of a link to '#{link.target}': only units, exercises, figures and tables have a number; write the words out",
            )
        elif link.student_visible and target.instructor_only:
            diags.error(
                link.path,
                link.line,
                link.col,
                f"student-visible link to instructor-only '#{link.target}' ({target.path.name}:{target.line}): move the link into an instructor block or link to something students can see",
            )


def validate_translation(source: Course, localized: Course, ids: dict[str, IdDef], diags: Diagnostics) -> None:
    """Check the Markdown of a translation as written (ids and links are the source's)."""
    from coursepack.localize import translation_dir

    tdir = translation_dir(source, localized.lang)
    if not tdir.is_dir():
        return
    links: list[LinkUse] = []
    for path in sorted(tdir.rglob("*")):
        rel = path.relative_to(tdir)
        if not path.is_file() or rel.parts[0].startswith(".") or rel.as_posix() == "translation.yaml":
            continue
        if not (source.root / rel).is_file():
            diags.warning(path, 1, 1, f"no source file {rel.as_posix()}: this translation is not used")
            continue
        if path.suffix.lower() in IMAGE_TYPES:  # the language's own version of an image
            problem = image_problem(path)
            if problem:
                diags.error(path, 1, 1, f"image cannot be read ({problem}): fix it or export it again")
            continue
        if path.suffix != ".md":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        from coursepack.yamlsource import YamlError, split_front_matter

        try:
            _, body, first = split_front_matter(text)
        except YamlError:
            continue  # reported when the translation was loaded
        instructor_file = rel.parts[0] == "instructor"
        _scan(
            MarkdownSource(path, body, first),
            source.root,
            instructor_file,
            ids,
            links,
            diags,
            translation=True,
            broken=source.broken_ids,
        )
    _check_links(source, ids, links, diags)


def check_coverage(localized: Course, lang: str, diags: Diagnostics) -> None:
    """Every character the PDF will show must be in the fonts chosen for ``lang``."""
    from coursepack import fonts
    from coursepack.localize import translation_dir

    files = {p for p in source_files(localized.root) if p.is_file()}
    tdir = translation_dir(localized, lang)
    if lang != localized.meta.language and tdir.is_dir():
        files |= {
            p
            for p in tdir.rglob("*")
            if p.is_file() and p.suffix in (".md", ".yaml") and not p.relative_to(tdir).parts[0].startswith(".")
        }
    names = ", ".join(fonts.families(lang))
    for path in sorted(files):
        first: dict[str, tuple[int, int]] = {}
        text = path.read_text(encoding="utf-8", errors="replace")
        if not fonts.uncovered("".join(set(text)), lang):
            continue  # the usual case; only a file with a gap is read line by line
        for n, line in enumerate(text.splitlines(), start=1):
            for ch in fonts.uncovered(line, lang):
                first.setdefault(ch, (n, line.index(ch) + 1))
        if first:
            (line_no, col) = min(first.values())
            listed = ", ".join(fonts.describe(ch) for ch in list(first)[:8]) + (" ..." if len(first) > 8 else "")
            diags.error(
                path,
                line_no,
                col,
                f"characters not covered by the fonts for '{lang}' ({names}): {listed}; remove them or replace them (a PDF must never show empty boxes)",
            )


def source_files(root: Path) -> list[Path]:
    """The course's own text files (not translations, templates or figures)."""
    out = [root / "course.yaml", root / "introduction.md"]
    for sub in ("units", "exercises"):
        out += sorted((root / sub).glob("*.md"))
    out += sorted((root / "readings").glob("*.yaml"))
    out += [root / "instructor" / name for name in ("guide.md", "plans.yaml", "assessment.yaml")]
    return out
