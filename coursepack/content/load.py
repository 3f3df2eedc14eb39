"""Stage 1 — load: read a course folder into the typed model, collecting every error.

Nothing here renders or writes. Problems are gathered as ``path:line:col`` diagnostics.
"""

from __future__ import annotations

import contextlib
import re
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from coursepack import jail
from coursepack.content.model import (
    Assessment,
    Course,
    CourseMeta,
    Exercise,
    ExerciseMeta,
    GlossaryEntry,
    MarkdownSource,
    Plan,
    Reading,
    Unit,
    UnitMeta,
)
from coursepack.content.readingfiles import meant_ids, parse_reading_file, reading_files, unread_files
from coursepack.content.yamlsource import BOM, YamlDoc, YamlError, decode_text, parse_yaml, split_front_matter
from coursepack.errors import Diagnostics, closest
from coursepack.i18n import term_problem
from coursepack.markdown.document import Body, Parsed, inline_exercises, plain

M = TypeVar("M", bound=BaseModel)
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# ids of entries that failed their schema check: references to them are not reported again
BROKEN_IDS: set[str] = set()
MAX_FILE_BYTES = jail.MAX_FILE_BYTES


def find_courses(content_dir: Path) -> list[Path]:
    """Every folder directly under ``content_dir`` that has a course.yaml."""
    return sorted(p.parent for p in content_dir.glob("*/course.yaml"))


def read_course_text(path: Path, root: Path, diags: Diagnostics) -> str | None:
    """The text of a course's file, read through the jail (inside ``root``, at most 2 MiB); a
    problem is reported at the file and gives None."""
    data = b""
    try:
        data = jail.read_bytes(path, [root], MAX_FILE_BYTES)
        if data.startswith(UTF16_BOMS):
            diags.error(path, 1, 1, "UTF-16 text: save the file as UTF-8")
            return None
        return decode_text(data)
    except UnicodeDecodeError as exc:
        at = exc.start + (len(BOM) if data.startswith(BOM) else 0)
        line = data.count(b"\n", 0, at) + 1
        col = len(data[data.rfind(b"\n", 0, at) + 1 : at].removeprefix(BOM).decode("utf-8", "replace")) + 1
        diags.error(path, line, col, "not UTF-8 text: save the file as UTF-8")
    except (jail.Outside, jail.TooLarge) as exc:
        diags.error(path, 1, 1, str(exc))
    except OSError as exc:
        diags.error(path, 1, 1, f"cannot read: {exc.strerror or exc}")
    return None


def _salvage(path: Path, root: Path) -> str:
    """What can be read of a file that failed its checks (to know the ids it means to define);
    nothing of a file outside the course."""
    with contextlib.suppress(OSError):
        data = jail.read_bytes(path, [root], MAX_FILE_BYTES)
        return data.decode("utf-16" if data.startswith(UTF16_BOMS) else "utf-8", "replace")
    return ""


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that reads the mapping at ``loc`` (list indices skipped), or None."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        nested = nested_model(field.annotation) if field is not None else None
        if nested is None:
            return None
        model = nested
    return model


def nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model a field's annotation holds: ``PlanBlock`` in ``list[PlanBlock]``, or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = nested_model(arg)
        if found is not None:
            return found
    return None


# front-matter keys of Carpentries lessons, and what to write here instead
LESSON_KEYS = {
    "teaching": "unknown key 'teaching': a lesson's minutes of teaching (and exercises) go in 'duration'",
    "objectives": "unknown key 'objectives': write them in the text as a '::: objectives' block (or as "
    "'learning_outcomes')",
    "questions": "unknown key 'questions': write them in the text as a '::: questions' block",
    "keypoints": "unknown key 'keypoints': write them in the text as a '::: keypoints' block",
}


def _describe(err: dict[str, Any], model: type[BaseModel] | None = None) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden" and str(err["loc"][-1]) in LESSON_KEYS:
        return LESSON_KEYS[str(err["loc"][-1])]
    if kind == "list_type" and tuple(err["loc"]) == ("exercises",) and isinstance(err.get("input"), int):
        return (
            "'exercises' lists the ids of exercise files ([ex-one, ex-two]): a Carpentries lesson's exercise minutes "
            "go in 'duration' with the teaching time"
        )
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        here = _model_at(model, tuple(err["loc"][:-1])) if model else None
        known = sorted(set(here.model_fields) - {key}) if here else []
        meant = closest(key, known, cutoff=0.75)
        if meant:
            return f"unknown key '{key}': did you mean '{meant}'?"
        return f"unknown key '{key}': remove it or check its spelling"
    if kind == "missing":
        return f"missing required key '{loc}'"
    msg = err["msg"]
    if kind == "string_pattern_mismatch" and "a-z0-9" in str(err.get("ctx", {}).get("pattern", "")):
        msg = "must be a lower-case id (a-z, 0-9 and hyphens)"
    return f"'{loc}': {msg}" if loc else msg


def validate_model(
    model: type[M], doc: YamlDoc, path: Path, diags: Diagnostics, prefix: tuple[Any, ...] = ()
) -> M | None:
    """Check data against a model; report every error at its line."""
    data = doc.data
    for part in prefix:
        data = data[part]
    if data is None:
        data = {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # a misspelt key is one error, not also "missing required key" for the key it meant
        meant = {
            (tuple(err["loc"][:-1]), m.group(1))
            for err in errors
            if err["type"] == "extra_forbidden"
            and (m := re.search(r"did you mean '([^']+)'", _describe(dict(err), model)))
        }
        for err in errors:
            if err["type"] == "missing" and (tuple(err["loc"][:-1]), str(err["loc"][-1])) in meant:
                continue
            loc = prefix + tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("[")))
            if err["type"] == "extra_forbidden":
                line, col = doc.key_position(loc)
            elif err["type"] == "missing":
                line, col = doc.locate(loc[:-1])
            else:
                line, col = doc.locate(loc)
            diags.error(path, line, col, _describe({**err, "loc": err["loc"]}, model))
    return None


def checked_terms(terms: dict[str, str], doc: YamlDoc, path: Path, diags: Diagnostics) -> dict[str, str]:
    """A course's renamed interface words, each checked where it is written (``i18n.term_problem``);
    those with a problem are reported and left out."""
    good = {}
    for key, value in terms.items():
        problem = term_problem(key, value)
        if problem:
            diags.error(path, *doc.locate(("terms", key)), f"terms: {problem}")
        else:
            good[key] = value
    return good


def load_yaml(path: Path, root: Path, diags: Diagnostics) -> YamlDoc | None:
    """A YAML file of the course (inside ``root``), parsed; a problem is reported at its line."""
    text = read_course_text(path, root, diags)
    if text is None:
        return None
    try:
        return parse_yaml(text)
    except YamlError as exc:
        diags.error(path, exc.line, exc.col, exc.message)
        return None


def named_like(ident: str, items: Iterable[Unit | Exercise]) -> Unit | Exercise | None:
    """The unit or exercise whose file is named ``ident`` (when nothing has that id: a typo in one of the two)."""
    return next((item for item in items if item.source.path.stem == ident), None)


def mismatch(item: Unit | Exercise | None) -> str:
    """What to say of a file whose name and id differ ('' for none)."""
    if item is None:
        return ""
    path = item.source.path
    return f"{path.parent.name}/{path.name} says 'id: {item.meta.id}': make them the same"


def _remember_broken(path: Path, text: str) -> None:
    """A file that failed its checks still 'defines' its ids, so references to them are not reported too."""
    BROKEN_IDS.add(path.stem)
    BROKEN_IDS.update(re.findall(r"\{:?[^}\n]*?#([a-z0-9-]+)", text))
    m = re.search(r"^id:\s*([a-z0-9-]+)\s*$", text, re.M)
    if m:
        BROKEN_IDS.add(m.group(1))


def _load_front_matter(
    path: Path, root: Path, model: type[M], diags: Diagnostics
) -> tuple[M, MarkdownSource, YamlDoc] | None:
    text = read_course_text(path, root, diags)
    if text is None:  # reported; what can be read of it still names its ids
        _remember_broken(path, _salvage(path, root))
        return None
    loaded = _parse_front_matter(path, text, model, diags)
    if loaded is None:
        _remember_broken(path, text)
    return loaded


def _parse_front_matter(
    path: Path, text: str, model: type[M], diags: Diagnostics
) -> tuple[M, MarkdownSource, YamlDoc] | None:
    try:
        front, body, first = split_front_matter(text)
        if front is None:
            if not text.strip():
                diags.error(
                    path,
                    1,
                    1,
                    "the file is empty: write its front matter ('---', its id and title, '---'), then its text",
                )
            else:
                diags.error(path, 1, 1, "missing front matter: start the file with '---', the YAML keys, then '---'")
            return None
        doc = parse_yaml(front, line_offset=1)
    except YamlError as exc:
        diags.error(path, exc.line, exc.col, exc.message)
        return None
    if not isinstance(doc.data, dict):
        diags.error(path, 2, 1, "front matter must be a mapping of keys to values")
        return None
    meta = validate_model(model, doc, path, diags)
    if meta is None:
        return None
    return meta, MarkdownSource(path, body, first), doc


def _load_list(path: Path, root: Path, model: type[M], diags: Diagnostics) -> list[tuple[M, YamlDoc, int]]:
    doc = load_yaml(path, root, diags)
    if doc is None or not isinstance(doc.data, list):
        if doc is not None and doc.data is not None:
            diags.error(path, 1, 1, "expected a list of entries (each starting with '- ')")
        elif doc is not None:
            diags.warning(path, 1, 1, "the file is empty: add its entries (each starting with '- '), or delete it")
        # reported: the ids it means to define are not reported again where they are used
        BROKEN_IDS.update(re.findall(r"^[\s-]*id:\s*['\"]?([a-z0-9-]+)", _salvage(path, root), re.M))
        return []
    out = []
    for i, item in enumerate(doc.data):
        if not isinstance(item, dict):
            line, col = doc.locate((i,))
            diags.error(path, line, col, "each entry must be a mapping of keys to values")
            continue
        obj = validate_model(model, doc, path, diags, prefix=(i,))
        if obj is not None:
            out.append((obj, doc, i))
        elif isinstance(item.get("id"), str):
            BROKEN_IDS.add(item["id"])
    return out


def _markdown(path: Path, root: Path, diags: Diagnostics) -> MarkdownSource | None:
    if not path.is_file():
        return None
    text = read_course_text(path, root, diags)
    return None if text is None else MarkdownSource(path, text, 1)


def _name_part(word: str) -> bool:
    """A surname or given name on its own: 'Casey', 'Öztürk', "O'Brien", 'J.-P.'; not 'UNODC'."""
    if not word or not word[0].isupper() or not all(c.isalpha() or c in "'\u2019-." for c in word):
        return False
    return not word.isupper() or word.endswith(".")  # an acronym is a body; an initial is a name


def _check_authors(reading: Reading, doc: YamlDoc, i: int, path: Path, diags: Diagnostics) -> None:
    """``authors: [Casey, Eoghan]`` is two authors to YAML: warn where an unquoted list of an even
    number of single words looks like names cut at their commas (quoting the items silences it)."""
    node = doc.node_at((i, "authors"))
    authors = reading.authors
    if not (
        isinstance(node, yaml.SequenceNode)
        and node.flow_style
        and all(isinstance(item, yaml.ScalarNode) and item.style is None for item in node.value)
        and len(authors) % 2 == 0
        and all(_name_part(a) for a in authors)
    ):
        return
    people = ", ".join(f'"{a}, {b}"' for a, b in zip(authors[::2], authors[1::2], strict=True))
    bodies = ", ".join(f'"{a}"' for a in authors)
    diags.warning(
        path,
        *doc.locate((i, "authors")),
        f"reading '{reading.id}': authors {', '.join(repr(a) for a in authors)} look like names cut at "
        f"their comma: quote each person, authors: [{people}] (or, if each is an author: [{bodies}])",
    )


def _once(
    ids: list[str], path: Path, doc: YamlDoc, key: tuple[str, ...], what: str, diags: Diagnostics
) -> dict[str, int]:
    """``ids`` without repeats, each with its place in the list as written; each repeat is an
    error at the place it is listed again."""
    first: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in first:
            line, col = doc.locate((*key, first[ident]))
            diags.error(
                path, *doc.locate((*key, i)), f"{what} '{ident}' is listed twice (first at {line}:{col}): list it once"
            )
        else:
            first[ident] = i
    return first


def load_course(root: Path, diags: Diagnostics) -> Course | None:
    """Load one course folder. Returns None when course.yaml itself is unusable."""
    BROKEN_IDS.clear()
    course_file = root / "course.yaml"
    if not course_file.is_file():
        diags.error(root, 0, 0, "not a course folder: it has no course.yaml")
        return None
    doc = load_yaml(course_file, root, diags)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        diags.error(course_file, 1, 1, "course.yaml must be a mapping of keys to values")
        return None
    meta = validate_model(CourseMeta, doc, course_file, diags)
    if meta is not None:
        meta.terms = checked_terms(meta.terms, doc, course_file, diags)
    if meta is None:
        # still read every other file, so that all problems are reported at once
        meta = CourseMeta.model_construct(units=[], outcomes=[], exercises=None)
        broken = True
    else:
        broken = False
    positions: dict[str, tuple[Path, int, int]] = {"course.id": (course_file, *doc.locate(("id",)))}

    def define(key: str, path: Path, line: int, col: int) -> None:
        if key in positions:
            first = positions[key]
            diags.error(
                path,
                line,
                col,
                f"duplicate id '{key.split(':', 1)[1]}' (first defined at {first[0].name}:{first[1]}): ids must be unique in a course",
            )
        else:
            positions[key] = (path, line, col)

    listed = _once(meta.units, course_file, doc, ("units",), "unit", diags)
    meta.units = list(listed)
    for i, at in enumerate(listed.values()):
        positions[f"course.units:{i}"] = (course_file, *doc.locate(("units", at)))
    if meta.exercises:
        listed = _once(meta.exercises, course_file, doc, ("exercises",), "exercise", diags)
        meta.exercises = list(listed)
        for i, at in enumerate(listed.values()):
            positions[f"course.exercises:{i}"] = (course_file, *doc.locate(("exercises", at)))
    for key in ("theme", "citation_style", "citation-style", "csl"):
        if isinstance(doc.data, dict) and key in doc.data:
            positions[f"course.{key.replace('-', '_')}"] = (course_file, *doc.locate((key,)))
    positions.setdefault("course.citation_style", positions.get("course.csl", (course_file, 1, 1)))
    for i, outcome in enumerate(meta.outcomes):
        define(f"outcome:{outcome.id}", course_file, *doc.locate(("outcomes", i, "id")))

    for sub in ("units", "exercises"):
        for path in sorted((root / sub).glob("*")):
            if path.suffix.lower() in (".qmd", ".rmd", ".markdown", ".mdx") and path.is_file():
                diags.error(
                    path,
                    1,
                    1,
                    f"coursepack reads {sub}/*.md: rename this file {path.stem}.md (its Markdown is read as it is)",
                )
                BROKEN_IDS.add(path.stem)  # (one error for it, not one more for every reference to it)
    units_by_id: dict[str, Unit] = {}
    for path in sorted((root / "units").glob("*.md")):
        loaded = _load_front_matter(path, root, UnitMeta, diags)
        if loaded:
            umeta, src, udoc = loaded
            define(f"id:{umeta.id}", path, *udoc.locate(("id",)))
            units_by_id.setdefault(umeta.id, Unit(umeta, src))
            for key in ("readings", "exercises"):
                listed = _once(getattr(umeta, key), path, udoc, (key,), key.removesuffix("s"), diags)
                setattr(umeta, key, list(listed))
                for i, at in enumerate(listed.values()):
                    positions[f"{umeta.id}.{key}:{i}"] = (path, *udoc.locate((key, at)))
    units: list[Unit] = []
    explained: set[str] = set()  # ids of units already named by an error
    for i, uid in enumerate(meta.units):
        if uid in units_by_id:
            units.append(units_by_id[uid])
        elif uid not in BROKEN_IDS:
            named = named_like(uid, units_by_id.values())
            meant = closest(uid, units_by_id)
            fix = f"did you mean '{meant}'?" if meant else f"add units/{uid}.md with 'id: {uid}' in its front matter"
            diags.error(*positions[f"course.units:{i}"], f"unit '{uid}' not found: {mismatch(named) or fix}")
            BROKEN_IDS.add(uid)  # one error for the missing unit, not one more for every link to it or into it
            if named is not None:
                _remember_broken(named.source.path, _salvage(named.source.path, root))
                explained.add(named.meta.id)
    for uid, unit in units_by_id.items():
        # (a course.yaml that failed its checks lists none; a misnamed unit is reported above)
        if uid not in meta.units and not broken and uid not in explained:
            diags.warning(
                unit.source.path, 2, 1, f"unit '{uid}' is not listed in course.yaml 'units' and is left out of the pack"
            )

    exercises: dict[str, Exercise] = {}
    for path in sorted((root / "exercises").glob("*.md")):
        loaded_ex = _load_front_matter(path, root, ExerciseMeta, diags)
        if loaded_ex:
            emeta, src, edoc = loaded_ex
            define(f"id:{emeta.id}", path, *edoc.locate(("id",)))
            exercises.setdefault(emeta.id, Exercise(emeta, src))
            for i, _ in enumerate(emeta.outcomes):
                positions[f"{emeta.id}.outcomes:{i}"] = (path, *edoc.locate(("outcomes", i)))

    readings: dict[str, Reading] = {}
    for path in reading_files(root):
        if path.suffix.lower() == ".yaml":
            for reading, rdoc, i in _load_list(path, root, Reading, diags):
                define(f"id:{reading.id}", path, *rdoc.locate((i, "id")))
                _check_authors(reading, rdoc, i, path, diags)
                readings.setdefault(reading.id, reading)
            continue
        # BibTeX or CSL-JSON, as reference managers export them (content/readingfiles.py)
        bib_or_json = read_course_text(path, root, diags)
        if bib_or_json is None:
            BROKEN_IDS.update(meant_ids(_salvage(path, root)))
            continue
        got = parse_reading_file(path, bib_or_json, diags)
        BROKEN_IDS.update(got.broken)
        for entry in got.entries:
            define(f"id:{entry.reading.id}", path, entry.line, entry.col)
            readings.setdefault(entry.reading.id, entry.reading)
    for path, fix in unread_files(root):
        diags.warning(path, 1, 1, f"readings/ is read for .yaml, .bib and .json files: this file is not read: {fix}")

    glossary: dict[str, GlossaryEntry] = {}
    glossary_file = root / GLOSSARY_FILE
    if glossary_file.is_file():
        for gentry, gdoc, i in _load_list(glossary_file, root, GlossaryEntry, diags):
            if gentry.id in glossary:
                diags.error(glossary_file, *gdoc.locate((i, "id")), f"duplicate glossary term id '{gentry.id}'")
                continue
            glossary[gentry.id] = gentry
            positions[f"term:{gentry.id}"] = (glossary_file, *gdoc.locate((i, "term")))

    plans: list[Plan] = []
    plans_file = root / "instructor" / "plans.yaml"
    if plans_file.is_file():
        for plan, pdoc, i in _load_list(plans_file, root, Plan, diags):
            define(f"id:{plan.id}", plans_file, *pdoc.locate((i, "id")))
            plans.append(plan)
            positions[f"plan:{plan.id}"] = (plans_file, *pdoc.locate((i, "length")))
            for j, block in enumerate(plan.blocks):
                for key in ("unit", "exercise"):
                    if getattr(block, key):
                        positions[f"plan:{plan.id}.{j}.{key}"] = (plans_file, *pdoc.locate((i, "blocks", j, key)))

    assessment = None
    assess_file = root / "instructor" / "assessment.yaml"
    if assess_file.is_file():
        adoc = load_yaml(assess_file, root, diags)
        if adoc is not None:
            if adoc.data is not None and not isinstance(adoc.data, dict):
                diags.error(assess_file, 1, 1, "assessment.yaml must be a mapping with 'tasks' and 'rubrics'")
            else:
                assessment = validate_model(Assessment, adoc, assess_file, diags)
                if assessment:
                    for i, task in enumerate(assessment.tasks):
                        define(f"id:{task.id}", assess_file, *adoc.locate(("tasks", i, "id")))
                        if task.rubric:
                            positions[f"task:{task.id}.rubric"] = (assess_file, *adoc.locate(("tasks", i, "rubric")))
                    for i, rubric in enumerate(assessment.rubrics):
                        define(f"id:{rubric.id}", assess_file, *adoc.locate(("rubrics", i, "id")))
                        for j in range(len(rubric.criteria)):
                            positions[f"rubric:{rubric.id}.{j}"] = (
                                assess_file,
                                *adoc.locate(("rubrics", i, "criteria", j, "descriptors")),
                            )

    if broken:
        return None
    lang = meta.language
    for unit in units_by_id.values():
        unit.source.tree = Body.whole(
            Parsed(unit.source.path, unit.source.body, unit.source.first_line, lang, unit.meta.id)
        )
    for ex in exercises.values():
        ex.source.tree = Body.whole(Parsed(ex.source.path, ex.source.body, ex.source.first_line, lang, ex.meta.id))
    introduction = _markdown(root / "introduction.md", root, diags)
    guide = _markdown(root / "instructor" / "guide.md", root, diags)
    for text, key in ((introduction, "introduction"), (guide, "guide")):
        if text is not None:
            text.tree = Body.whole(Parsed(text.path, text.body, text.first_line, lang, key))
    for unit in units:
        for ex in exercises_in(unit):
            where = ex.inline.parsed.line(ex.inline.parsed.tokens[ex.inline.open]) if ex.inline else 1
            define(f"id:{ex.meta.id}", unit.source.path, where, 1)
            exercises.setdefault(ex.meta.id, ex)
    return Course(
        root=root,
        meta=meta,
        units=units,
        exercises=exercises,
        readings=readings,
        introduction=introduction,
        guide=guide,
        plans=plans,
        assessment=assessment,
        positions=positions,
        broken_ids=set(BROKEN_IDS),
        lang=meta.language,
        terms=dict(meta.terms),
        glossary=glossary,
        glossary_names=glossary_names(glossary),
    )


GLOSSARY_FILE = "glossary.yaml"


def glossary_names(glossary: dict[str, GlossaryEntry]) -> dict[str, str]:
    """Each name a term is referred to by (its id, its term, its aliases; case and spacing
    aside) → its id."""
    from coursepack.markdown.marks import entry_key

    out: dict[str, str] = {}
    for gid, entry in glossary.items():
        for name in (gid, entry.term, *entry.aliases):
            out.setdefault(entry_key(name), gid)
    return out


def exercises_in(unit: Unit) -> list[Exercise]:
    """The exercises written in a unit (``::: exercise``, ``::: challenge``), each with its id:
    the one written on it (``{#id}``, MyST's ``:label:``), else ``<unit>-exercise-<n>``."""
    found: list[Exercise] = []
    if unit.source.tree is None:
        return found
    for n, inline in enumerate(inline_exercises(unit.source.tree), 1):
        div = inline.div
        pairs = div.attrs.pairs
        title_token = inline.parsed.tokens[inline.open].meta.get("title_inline")
        duration = pairs.get("duration") or div.options.get("duration") or ""
        kind = pairs.get("type") or pairs.get("kind") or div.options.get("type")
        meta = ExerciseMeta.model_construct(
            id=div.id or f"{unit.meta.id}-exercise-{n}",
            title=plain(title_token) if title_token is not None else "",
            timing=pairs.get("timing") if pairs.get("timing") in ("pre-class", "in-class", "post-class") else None,
            kind=kind if kind and _slug(kind) else None,
            duration=int(duration) if duration.isdigit() and 0 < int(duration) <= 100_000 else None,
            group_size=None,
            grouping=None,
            outcomes=[],
            materials=[],
        )
        found.append(Exercise(meta, unit.source, inline, unit.meta.id))
    return found


def _slug(text: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", text))
