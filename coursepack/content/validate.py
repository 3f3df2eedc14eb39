"""Stage 2 — validate: cross-references, timings and Markdown rules, across the whole course.

Runs on the loaded model before anything is rendered; every problem is collected.
"""

from __future__ import annotations

from html.entities import codepoint2name
from pathlib import Path

from coursepack import jail
from coursepack.content.citestyle import StyleError, load_style
from coursepack.content.load import mismatch, named_like
from coursepack.content.model import IMAGE_TYPES, Course
from coursepack.content.readingfiles import reading_files
from coursepack.errors import Diagnostics, closest
from coursepack.images import image_problem
from coursepack.markdown.check import Found, IdDef, check_markdown
from coursepack.markdown.document import Parsed, parses_of
from coursepack.markdown.files import file_keys, titles
from coursepack.markdown.marks import entry_key
from coursepack.plugins import THEMES


def validate_course(course: Course, diags: Diagnostics) -> Found:
    """Every cross-file check of one course."""
    root = course.root
    pos = course.positions
    meta_path = root / "course.yaml"

    def at(key: str) -> tuple[Path, int, int]:
        return pos.get(key, (meta_path, 1, 1))

    theme = course.meta.theme
    if theme is not None and theme not in THEMES:
        meant = closest(theme, THEMES)
        installed = ", ".join(sorted(THEMES)) or "none is installed"
        fix = f"did you mean '{meant}'?" if meant else f"themes: {installed} (a theme is an installed plugin)"
        diags.error(*at("course.theme"), f"theme '{theme}' not found: {fix}")
    style = course.meta.citation_style
    if style:
        try:
            load_style(style, root)
        except StyleError as refused:
            diags.error(*at("course.citation_style"), str(refused))
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
                fix = f"did you mean '{meant}'?" if meant else "define it in readings/ (a .yaml, .bib or .json file)"
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

    listed = set(course.meta.exercises or []) | {e for u in course.units for e in u.meta.exercises}
    for eid, ex in course.exercises.items():
        if ex.inline is None and eid not in listed and not diags.errors:  # (a unit that failed lists nothing)
            diags.warning(
                ex.source.path,
                2,
                1,
                f"exercise '{eid}' is listed by no unit: list it under 'exercises' in a unit's front matter "
                "(or in course.yaml) to say where it belongs",
            )
    for key, title, path, (words, alias, line) in titles(course):
        if title and " ".join(words.split()) != " ".join(title.split()):
            diags.warning(
                path,
                line,
                1,
                f"the file starts with the title '# {words}', but the pack prints '{title}' from its front matter: "
                "make them the same, or delete the heading",
            )
        if alias and key in ids:
            if alias in ids and alias != key:
                first = ids[alias]
                diags.error(
                    path,
                    line,
                    1,
                    f"duplicate id '{alias}' (first defined at {first.path.name}:{first.line}): ids must be unique in a course",
                )
            else:
                ids[alias] = ids[key]  # the title's id names the file
    for path, exc in jail.links_out(root):
        diags.error(path, 1, 1, str(exc))
    found = Found(ids)

    def shown(path: Path) -> str | None:
        return image_problem(path, root)

    for parsed, instructor_file in _parses(course):
        part = _part(course, parsed.key, instructor_file)
        check_markdown(parsed, root, instructor_file, found, diags, image_problem=shown, part=part)
    _check_links(course, found, diags)
    _check_cites(course, found, diags)
    _check_marks(course, found, diags)
    return found


def _no_exercise(course: Course, eid: str) -> str:
    """The error for a missing exercise; a file of that name with another id is named."""
    meant = closest(eid, course.exercises)
    fix = mismatch(named_like(eid, course.exercises.values()))
    fix = fix or (f"did you mean '{meant}'?" if meant else f"add exercises/{eid}.md")
    return f"exercise '{eid}' not found: {fix}"


def markdown_keys(course: Course) -> dict[str, str]:
    """The file name of each unit, exercise and the introduction → its id (a link to the file is a
    cross-reference to it)."""
    return file_keys(course)


def _part(course: Course, key: str, instructor_file: bool) -> str:
    """What a file of the course is, for ``check_markdown``."""
    if instructor_file:
        return "guide"
    if key == "introduction":
        return "introduction"
    return "unit" if any(u.meta.id == key for u in course.units) else "exercise"


def _parses(course: Course, translated_only: bool = False) -> list[tuple[Parsed, bool]]:
    return parses_of(course.markdown_sources(), translated_only)


def _check_links(course: Course, found: Found, diags: Diagnostics) -> None:
    ids = found.ids
    files = markdown_keys(course)
    for link in found.links:
        if link.file:  # a link to another file of the course: its unit or exercise, or a target in it
            key = files.get(link.file)
            if key is None and Path(link.file).stem in course.broken_ids:
                continue  # (the file failed its own checks: reported there)
            if key is None:
                diags.error(
                    link.path,
                    link.line,
                    link.col,
                    f"link '{link.href or link.file}': no unit or exercise of the course is in a file of that name: "
                    "link to its id ('#some-id') or to a full https:// address",
                )
                continue
            link.key, link.target = key, link.target or key
        target = ids.get(link.target) or found.local.get((link.key, link.target))
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
                f"'{{n}}' in the text of a link to '#{link.target}': only units, exercises, figures, tables and listings have a number; write the words out",
            )
        elif link.student_visible and target.instructor_only:
            diags.error(
                link.path,
                link.line,
                link.col,
                f"student-visible link to instructor-only '#{link.target}' ({target.path.name}:{target.line}): move the link into an instructor block or link to something students can see",
            )


def _check_cites(course: Course, found: Found, diags: Diagnostics) -> None:
    """A bracketed citation's key must be a reading; a narrative ``@word`` that names none prints
    as written (a handle, a decorator), and is said only when it is a reading's id mistyped."""
    as_written = {r.csl.get("id") for r in course.readings.values()}  # (a .bib or .json file's own keys)
    for cite in found.cites:
        if cite.key in course.readings or cite.key in as_written or cite.key in course.broken_ids:
            continue
        meant = closest(cite.key, course.readings)
        if meant:
            hint = f"did you mean '@{meant}'?"
        elif cite.key in found.ids:
            hint = f"'{cite.key}' is not a reading: link to it with [](#{cite.key})"
        else:
            hint = "readings are defined in readings/ (a .yaml, .bib or .json file)"
        if cite.bracketed:
            diags.error(cite.path, cite.line, cite.col, f"citation '@{cite.key}': no reading has that id: {hint}")
        elif meant:
            diags.warning(
                cite.path,
                cite.line,
                cite.col,
                f"'@{cite.key}' is printed as written: no reading has that id: {hint} "
                "(write '\\@' for an @ that is not a citation)",
            )


def _check_marks(course: Course, found: Found, diags: Diagnostics) -> None:
    """A term used must be in the glossary; an index cross-reference (see, see also) must name an
    entry some mark makes; a malformed mark is said at its line."""
    names = course.glossary_names
    shown_names = {**{entry_key(n): n for n in names}, **{entry_key(e.term): e.term for e in course.glossary.values()}}
    entries: dict[str, str] = {}
    for use in found.marks:
        if use.mark.kind != "term" and use.mark.levels:
            entries.setdefault(entry_key(use.mark.levels[0]), use.mark.levels[0])
    for use in found.marks:
        mark = use.mark
        if mark.problem:
            diags.error(use.path, use.line, use.col, mark.problem)
        elif mark.kind == "term" and entry_key(mark.term) not in names:
            meant = closest(entry_key(mark.term), shown_names, cutoff=0.6)
            if meant:
                hint = f"did you mean '{shown_names[meant]}'?"
            elif course.glossary:
                hint = "add it to glossary.yaml, or write it as plain text"
            else:
                hint = "the course has no glossary: define its terms in glossary.yaml"
            diags.error(use.path, use.line, use.col, f"glossary term '{mark.term}' is not defined: {hint}")
        for ref in mark.refs:
            head = entry_key(ref.replace("!", ";").split(";")[0])
            if head in entries:
                continue
            meant = closest(head, entries, cutoff=0.6)
            hint = f"did you mean '{entries[meant]}'?" if meant else "mark the text of that entry with {index}`...`"
            word = "see also" if mark.kind == "seealso" else "see"
            diags.error(use.path, use.line, use.col, f"index '{word}: {ref}' names no index entry: {hint}")


def validate_translation(source: Course, localized: Course, found: Found, diags: Diagnostics) -> None:
    """Check the Markdown of a translation as written (ids and links are the source's)."""
    from coursepack.content.localize import translated_source, translation_dir

    tdir = translation_dir(source, localized.lang)
    if not tdir.is_dir():
        return
    for path in sorted(tdir.rglob("*")):
        rel = path.relative_to(tdir)
        if not path.is_file() or rel.parts[0].startswith(".") or rel.as_posix() == "translation.yaml":
            continue
        if not (source.root / translated_source(rel.as_posix())).is_file():
            diags.warning(path, 1, 1, f"no source file {rel.as_posix()}: this translation is not used")
            continue
        if path.suffix.lower() in IMAGE_TYPES:  # the language's own version of an image
            problem = image_problem(path, source.root)
            if problem:
                diags.error(path, 1, 1, f"image {problem}")
    theirs = Found(found.ids, [], found.local)
    for parsed, instructor_file in _parses(localized, translated_only=True):
        if parsed.path.is_relative_to(tdir):
            check_markdown(
                parsed,
                source.root,
                instructor_file,
                theirs,
                diags,
                translation=True,
                broken=source.broken_ids,
                image_problem=lambda p: image_problem(p, source.root),
                part=_part(localized, parsed.key, instructor_file),
            )
    _check_links(source, theirs, diags)
    _check_cites(localized, theirs, diags)
    _check_marks(localized, theirs, diags)
    _inline_exercises_match(source, localized, diags)


def _inline_exercises_match(source: Course, localized: Course, diags: Diagnostics) -> None:
    """A translated unit has the exercises its source has, in the same order (they are numbered
    and collected by their place)."""
    for su, tu in zip(source.units, localized.units, strict=True):
        ours = [e for e in source.exercises.values() if e.unit == su.meta.id]
        theirs = [e for e in localized.exercises.values() if e.unit == tu.meta.id]
        if len(ours) != len(theirs) and tu.source.path != su.source.path:
            diags.error(
                tu.source.path,
                1,
                1,
                f"the source has {len(ours)} exercise(s) written in this unit, the translation {len(theirs)}: "
                "translate each '::: exercise' (or 'challenge') in place, in the same order",
            )


def check_coverage(localized: Course, lang: str, diags: Diagnostics) -> None:
    """Every character the PDF will show must be in the fonts that set it: the language's, and the
    code font (which sets code, and the arrows and box drawing the text fonts lack).

    A Markdown file is read from its parse: what it prints, character references (``&#8987;``)
    included, each character where it is set (in code or not).
    """
    from coursepack import fonts
    from coursepack.content.localize import translation_dir

    # (a .bib or .json file holds much that is never printed, abstracts and file paths: its readings' printed text is checked)
    files = {p for p in source_files(localized.root) if p.is_file() and p.suffix.lower() not in (".bib", ".json")}
    _check_reading_coverage(localized, lang, diags)
    tdir = translation_dir(localized, lang)
    if lang != localized.meta.language and tdir.is_dir():
        files |= {
            p
            for p in tdir.rglob("*")
            if p.is_file() and p.suffix in (".md", ".yaml") and not p.relative_to(tdir).parts[0].startswith(".")
        }
    parses = {parsed.path: parsed for parsed, _ in _parses(localized)}
    names = ", ".join(fonts.families(lang))
    for path in sorted(files):
        try:
            text = jail.read_bytes(path, [localized.root]).decode("utf-8", "replace")
        except OSError:
            continue  # (a file that cannot be read, or leads out of the course, is reported where it is loaded)
        parsed = parses.get(path)
        if "&#" not in text and not fonts.uncovered("".join(set(text)), lang):
            continue  # the usual case: no character reference, and every character covered
        if parsed is None:
            missing = fonts.uncovered("".join(set(text)), lang)
        else:  # (the front matter, then what the Markdown prints)
            printed = set(text[: len(text) - len(parsed.text)]) | _printed_chars(parsed)
            missing = fonts.uncovered("".join(printed), lang)
        if not missing:
            continue
        where = {ch: _positions(text, ch) for ch in missing}
        first = dict(sorted(where.items(), key=lambda item: item[1][0]))
        line_no, col = next(iter(first.values()))[0]
        listed = ", ".join(f"{fonts.describe(ch)} ({_lines(at)})" for ch, at in list(first.items())[:8])
        listed += " ..." if len(first) > 8 else ""
        diags.error(
            path,
            line_no,
            col,
            f"characters not covered by the fonts for '{lang}' ({names}): {listed}; remove them or replace them (a PDF must never show empty boxes)",
        )


def _check_reading_coverage(localized: Course, lang: str, diags: Diagnostics) -> None:
    """What the readings of .bib and .json files print must be in the language's fonts (each
    reading reported at its entry)."""
    from coursepack import fonts

    for rid, reading in localized.readings.items():
        where = localized.positions.get(f"id:{rid}")
        if where is None or where[0].suffix.lower() not in (".bib", ".json"):
            continue
        printed = [*reading.authors, reading.title, reading.container, reading.publisher, reading.annotation]
        printed += [str(v) for v in (reading.volume, reading.issue, reading.pages, reading.url) if v is not None]
        missing = fonts.uncovered("".join(set("".join(t for t in printed if t))), lang)
        if missing:
            listed = ", ".join(fonts.describe(ch) for ch in sorted(missing)[:8]) + (" ..." if len(missing) > 8 else "")
            diags.error(
                *where,
                f"reading '{rid}': characters not covered by the fonts for '{lang}' "
                f"({', '.join(fonts.families(lang))}): {listed}; replace them in the entry (a PDF must never show "
                "empty boxes)",
            )


def _positions(text: str, ch: str) -> list[tuple[int, int]]:
    """Where a character is written in a file: itself, or as a character reference (``&#8987;``)."""
    forms = [ch, f"&#{ord(ch)};", f"&#x{ord(ch):x};", f"&#X{ord(ch):X};", f"&#x{ord(ch):X};"]
    name = codepoint2name.get(ord(ch))
    if name:
        forms.append(f"&{name};")
    found: list[tuple[int, int]] = []
    for form in forms:
        at = text.find(form)
        while at >= 0 and len(found) < 50:
            found.append((text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1))
            at = text.find(form, at + 1)
    return sorted(found) or [(1, 1)]


def _lines(places: list[tuple[int, int]]) -> str:
    lines = sorted({line for line, _col in places})
    shown = ", ".join(str(n) for n in lines[:4]) + (", ..." if len(lines) > 4 else "")
    return ("line " if len(lines) == 1 else "lines ") + shown


def _printed_chars(parsed: Parsed) -> set[str]:
    """The characters a file prints (its text, code, captions and titles; references decoded)."""
    chars: set[str] = set()
    for tok in _all_tokens(parsed):
        if tok.type in ("text", "code_inline", "fence", "code_block", "html_inline", "math_inline", "math_block") or (
            tok.type == "inline" and not tok.children
        ):
            chars.update(tok.content)
        elif tok.type == "image":
            chars.update(str(tok.attrGet("title") or ""))
    return chars


def _all_tokens(parsed: Parsed):  # type: ignore[no-untyped-def]
    stack = [*parsed.tokens]
    for note in parsed.notes.values():
        stack.extend(note.tokens)
    for tok in stack:
        yield tok
        if tok.children:
            yield from tok.children
        title = tok.meta.get("title_inline") if tok.meta else None
        if title is not None and title.children:
            yield from title.children
        caption = tok.meta.get("caption") if tok.meta else None
        if caption is not None and caption.children:
            yield from caption.children


def source_files(root: Path) -> list[Path]:
    """The course's own text files (not translations, templates or figures)."""
    out = [root / "course.yaml", root / "introduction.md"]
    for sub in ("units", "exercises"):
        out += sorted((root / sub).glob("*.md"))
    out += reading_files(root)
    out += [root / "glossary.yaml"]
    out += [root / "instructor" / name for name in ("guide.md", "plans.yaml", "assessment.yaml")]
    return out
