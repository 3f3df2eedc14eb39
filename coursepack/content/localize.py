"""Stage 1b — localize: lay a translation over the source course, falling back where it is missing.

A translation (``translations/<lang>/``) mirrors the source files but holds only text. Anything
missing, a whole file, a key, or a ``##`` section whose text is still the source's, falls back to
the source language and is recorded, so review builds can mark it and release builds can name it.
"""

from __future__ import annotations

import copy
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, Field, create_model

from coursepack.content.load import (
    checked_terms,
    exercises_in,
    load_yaml,
    nested_model,
    read_course_text,
    validate_model,
)
from coursepack.content.model import (
    IMAGE_TYPES,
    Assessment,
    Course,
    CourseMeta,
    ExerciseMeta,
    GlossaryEntry,
    MarkdownSource,
    Plan,
    PlanBlock,
    Question,
    Reading,
    Rubric,
    Strict,
    Task,
    UnitMeta,
    is_translatable,
)
from coursepack.content.readingfiles import reading_files
from coursepack.content.yamlsource import YamlDoc, YamlError, parse_yaml, split_front_matter
from coursepack.errors import Diagnostics
from coursepack.markdown.document import Body, Chunk, Parsed

T = TypeVar("T", bound=BaseModel)


# ---------------------------------------------------------------------------
# What a translation file may hold: text only.


@cache
def text_model(model: type[BaseModel], entry: bool = False) -> Any:  # (made at run time: mypy cannot see its fields)
    """The model of what a translation file gives for ``model``: each field marked TRANSLATABLE
    (model.py), every one optional (left out: the source's text, reported as a fallback). An
    ``entry`` of a list (a reading, a plan, a plan's blocks) also has its ``id``, which says which
    entry it translates; a file's own metadata (course.yaml, a unit's front matter) has none."""
    fields: dict[str, Any] = {}
    if entry and "id" in model.model_fields:
        fields["id"] = (str, ...)
    for name, field in model.model_fields.items():
        if not is_translatable(field):
            continue
        nested = nested_model(field.annotation)
        if nested is not None:
            fields[name] = (list[text_model(nested, entry=True)], Field(default_factory=list))  # type: ignore[misc]
        elif typing.get_origin(field.annotation) is dict:
            fields[name] = (field.annotation, Field(default_factory=dict, description=field.description))
        else:
            fields[name] = (typing.Optional[field.annotation], None)  # noqa: UP045  (a run-time type)
    name = f"{model.__name__.removesuffix('Meta')}Text"
    return create_model(name, __base__=Strict, __doc__=f"A translation of {model.__name__}.", **fields)


def text_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The translatable fields of ``model`` that hold text itself (not nested entries, not terms)."""
    return tuple(
        name
        for name, field in model.model_fields.items()
        if is_translatable(field)
        and nested_model(field.annotation) is None
        and typing.get_origin(field.annotation) is not dict
    )


# what a translation file may hold: text only (derived from the marks in model.py)
COURSE_TEXT = text_fields(CourseMeta)  # the text keys of course.yaml (outcomes and terms aside)
CourseText = text_model(CourseMeta)
UnitText = text_model(UnitMeta)
ExerciseText = text_model(ExerciseMeta)
ReadingText = text_model(Reading, entry=True)
PlanText = text_model(Plan, entry=True)
GlossaryText = text_model(GlossaryEntry, entry=True)
AssessmentText = text_model(Assessment)


@dataclass
class Fallback:
    """A piece of a translation that shows the source language instead."""

    lang: str
    path: str  # the source file, relative to the course folder
    what: str  # "whole file", "section 'Summary'", "title", ...
    anchor: str | None = None  # the id of the marked block in the PDF
    words: int = 0  # how many words of the source it is (0: the whole file)


# ---------------------------------------------------------------------------
# Markdown bodies: sections, and fallback where a section is still the source's.


def _norm(text: str) -> str:
    return " ".join(text.split())


class BodyMerger:
    """Lays translated bodies over the source's, section by section, numbering fallback chunks
    across one localized course."""

    def __init__(self, lang: str, fallbacks: list[Fallback]):
        self.lang = lang
        self.fallbacks = fallbacks

    def _fallback(self, chunk: Chunk, text: str, rel: str, what: str) -> Chunk:
        anchor = f"fallback-{len(self.fallbacks) + 1}"
        self.fallbacks.append(Fallback(self.lang, rel, what, anchor, len(text.split())))
        return Chunk(chunk.parsed, chunk.start, chunk.end, anchor)

    def merge(self, source: Parsed, translated: Parsed | None, rel: str) -> Body:
        """What the pack prints for a file: the translation, with sections still in the source's
        words (or the whole source, when there is no translation) taken from the source's parse,
        set in its language and marked as fallback."""
        if translated is None:
            return Body(source.key, [self._fallback(Chunk(source), source.text, rel, "whole file")])
        if not translated.text.strip() and source.text.strip():  # a file with its title translated, its text not yet
            what = "all of its text (the translation has none)"
            return Body(source.key, [self._fallback(Chunk(source), source.text, rel, what)])
        translated.adopt_anchors(source)
        theirs = {_norm(sec.text): sec for sec in source.sections() if _norm(sec.text)}
        chunks = []
        for sec in translated.sections():
            same = theirs.get(_norm(sec.text))
            if same is not None:
                what = f"section '{sec.title}'" if sec.title else "opening text"
                chunks.append(self._fallback(Chunk(source, same.start, same.end), sec.text, rel, what))
            else:
                chunks.append(Chunk(translated, sec.start, sec.end))
        return Body(source.key, chunks)


# ---------------------------------------------------------------------------
# Loading translation files.


def _neutral_keys(
    data: Any,
    text_model: type[BaseModel],
    source_model: type[BaseModel],
    doc: YamlDoc,
    path: Path,
    source: str,
    diags: Diagnostics,
    prefix: tuple[Any, ...] = (),
) -> None:
    """Report (and drop) language-neutral keys: they are set once, in the source."""
    if not isinstance(data, dict):
        return
    for key in list(data):
        if key not in text_model.model_fields and key in source_model.model_fields:
            line, col = doc.key_position((*prefix, key))
            diags.error(
                path,
                line,
                col,
                f"'{key}' is language-neutral: set it once in the source ({source}), not in a translation",
            )
            del data[key]


def _load_text_yaml(
    path: Path, root: Path, model: type[T], source_model: type[BaseModel], source: str, diags: Diagnostics
) -> T | None:
    doc = load_yaml(path, root, diags)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        diags.error(path, 1, 1, "expected a mapping of keys to text")
        return None
    _neutral_keys(doc.data, model, source_model, doc, path, source, diags)
    obj = validate_model(model, doc, path, diags)
    if isinstance(obj, CourseText):
        obj.terms = checked_terms(obj.terms, doc, path, diags)
    return obj


def _load_text_list(
    path: Path, root: Path, model: type[T], source_model: type[BaseModel], source: str, diags: Diagnostics
) -> list[T]:
    doc = load_yaml(path, root, diags)
    if doc is None or doc.data is None:
        return []
    if not isinstance(doc.data, list):
        diags.error(path, 1, 1, "expected a list of entries, as in the source file")
        return []
    out = []
    for i, item in enumerate(doc.data):
        _neutral_keys(item, model, source_model, doc, path, source, diags, (i,))
        obj = validate_model(model, doc, path, diags, prefix=(i,))
        if obj is not None:
            out.append(obj)
    return out


def _load_text_markdown(
    path: Path,
    root: Path,
    model: type[T] | None,
    source_model: type[BaseModel] | None,
    source: str,
    diags: Diagnostics,
) -> tuple[T | None, MarkdownSource] | None:
    text = read_course_text(path, root, diags)
    if text is None:
        return None
    try:
        front, body, first = split_front_matter(text)
        if model is None or front is None:
            return None, MarkdownSource(path, body if front is not None else text, first if front is not None else 1)
        doc = parse_yaml(front, line_offset=1)
    except YamlError as exc:
        diags.error(path, exc.line, exc.col, exc.message)
        return None
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        diags.error(path, 2, 1, "front matter must be a mapping of keys to text")
        return None
    assert source_model is not None
    _neutral_keys(data, model, source_model, doc, path, source, diags)
    doc.data = data
    meta = validate_model(model, doc, path, diags)
    if meta is None:
        return None
    return meta, MarkdownSource(path, body, first)


def _merged(
    merger: BodyMerger, src: MarkdownSource, translated: MarkdownSource | None, rel_path: str, lang: str
) -> MarkdownSource:
    """The source file as a language prints it: the translation's parse laid over the source's."""
    assert src.tree is not None
    source = src.tree.chunks[0].parsed
    parsed = (
        Parsed(translated.path, translated.body, translated.first_line, lang, source.key)
        if translated is not None
        else None
    )
    body = merger.merge(source, parsed, rel_path)
    return MarkdownSource(
        translated.path if translated else src.path,
        translated.body if translated else src.body,
        translated.first_line if translated else src.first_line,
        body,
    )


def translation_dir(course: Course, lang: str) -> Path:
    return course.root / "translations" / lang


TEXT_BESIDE = (".bib", ".json")  # reading lists whose translation is a YAML file named after them


def translation_file(rel: str) -> str:
    """Where a translation keeps its text of a source file (both relative to their folders): the
    same path, except for a reading list in BibTeX or CSL-JSON, whose annotations a translator
    writes in YAML (``readings/refs.bib`` → ``readings/refs.bib.yaml``: ids and annotations)."""
    if rel.startswith("readings/") and rel.lower().endswith(TEXT_BESIDE):
        return rel + ".yaml"
    return rel


def translated_source(rel: str) -> str:
    """The source file a translation file translates (``translation_file`` the other way)."""
    if rel.startswith("readings/") and rel.lower().endswith(tuple(s + ".yaml" for s in TEXT_BESIDE)):
        return rel.removesuffix(".yaml")
    return rel


def localize(course: Course, lang: str, diags: Diagnostics) -> tuple[Course, list[Fallback]]:
    """The course in ``lang``: translated text where there is some, the source's elsewhere."""
    if lang == course.meta.language:
        return course, []
    tdir = translation_dir(course, lang)
    root = course.root
    fallbacks: list[Fallback] = []
    merger = BodyMerger(lang, fallbacks)
    out = copy.deepcopy(course)
    out.lang = lang
    out.derived = {}

    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix()

    def missing(rel_path: str, what: str) -> None:
        fallbacks.append(Fallback(lang, rel_path, what))

    # course.yaml
    meta_text = CourseText()
    if (tdir / "course.yaml").is_file():
        meta_text = (
            _load_text_yaml(tdir / "course.yaml", root, CourseText, CourseMeta, "course.yaml", diags) or CourseText()
        )
    else:
        missing("course.yaml", "whole file")
    for key in COURSE_TEXT:  # (a key left out is the source's text: reported with the rest below)
        value = getattr(meta_text, key)
        if value is not None:
            setattr(out.meta, key, value)
    texts = {o.id: o.text for o in meta_text.outcomes}
    for outcome in out.meta.outcomes:
        if outcome.id in texts:
            outcome.text = texts[outcome.id]
    out.terms = dict(meta_text.terms)

    # Markdown files without front matter
    for attr, rel_path in (("introduction", "introduction.md"), ("guide", "instructor/guide.md")):
        src: MarkdownSource | None = getattr(course, attr)
        if src is None:
            continue
        loaded = (
            _load_text_markdown(tdir / rel_path, root, None, None, rel_path, diags)
            if (tdir / rel_path).is_file()
            else None
        )
        out.translated_bodies[rel_path] = loaded[1].body if loaded else None
        setattr(out, attr, _merged(merger, src, loaded[1] if loaded else None, rel_path, lang))

    # units and exercises
    for unit in out.units:
        src_path = unit.source.path
        tfile = tdir / rel(src_path)
        got = _load_text_markdown(tfile, root, UnitText, UnitMeta, rel(src_path), diags) if tfile.is_file() else None
        if got and got[0]:
            ut = got[0]
            unit.meta.title = ut.title or unit.meta.title
            if ut.learning_outcomes is not None:
                unit.meta.learning_outcomes = ut.learning_outcomes
        out.translated_bodies[rel(src_path)] = got[1].body if got else None
        unit.source = _merged(merger, unit.source, got[1] if got else None, rel(src_path), lang)
    # exercises written in units are read again from the units as this language prints them
    for eid in [eid for eid, ex in out.exercises.items() if ex.inline is not None]:
        del out.exercises[eid]
    for unit in out.units:
        for ex in exercises_in(unit):
            out.exercises.setdefault(ex.meta.id, ex)
    for ex in out.exercises.values():
        if ex.inline is not None:
            continue
        src_path = ex.source.path
        tfile = tdir / rel(src_path)
        got_ex = (
            _load_text_markdown(tfile, root, ExerciseText, ExerciseMeta, rel(src_path), diags)
            if tfile.is_file()
            else None
        )
        if got_ex and got_ex[0]:
            et = got_ex[0]
            ex.meta.title = et.title or ex.meta.title
            ex.meta.materials = et.materials if et.materials is not None else ex.meta.materials
            ex.meta.grouping = et.grouping or ex.meta.grouping
        out.translated_bodies[rel(src_path)] = got_ex[1].body if got_ex else None
        ex.source = _merged(merger, ex.source, got_ex[1] if got_ex else None, rel(src_path), lang)

    # readings: annotations
    annotations: dict[str, str] = {}
    for rfile in reading_files(root):
        tfile = tdir / translation_file(rel(rfile))
        if tfile.is_file():
            for entry in _load_text_list(tfile, root, ReadingText, Reading, rel(rfile), diags):
                if entry.annotation:
                    annotations[entry.id] = entry.annotation
    for rid, reading in out.readings.items():
        if rid in annotations:
            reading.annotation = annotations[rid]

    # class plans
    plans_file = tdir / "instructor" / "plans.yaml"
    plan_texts = (
        {p.id: p for p in _load_text_list(plans_file, root, PlanText, Plan, "instructor/plans.yaml", diags)}
        if plans_file.is_file()
        else {}
    )
    if out.plans and not plans_file.is_file():
        missing("instructor/plans.yaml", "whole file")
    for plan in out.plans:
        pt = plan_texts.get(plan.id)
        if pt is None:
            continue
        plan.title = pt.title or plan.title
        plan.description = pt.description or plan.description
        if pt.blocks and len(pt.blocks) != len(plan.blocks):
            diags.error(
                plans_file,
                1,
                1,
                f"plan '{plan.id}' has {len(pt.blocks)} blocks but the source has {len(plan.blocks)}: translate each block, in the same order",
            )
            continue
        for block, bt in zip(plan.blocks, pt.blocks, strict=False):
            block.title = bt.title or block.title
            block.notes = bt.notes or block.notes

    # glossary: each term, its definition and its other forms (the source's names still find it)
    gfile = tdir / "glossary.yaml"
    if out.glossary and gfile.is_file():
        for gt in _load_text_list(gfile, root, GlossaryText, GlossaryEntry, "glossary.yaml", diags):
            entry = out.glossary.get(gt.id)
            if entry is None:
                continue
            entry.term = gt.term or entry.term
            entry.definition = gt.definition or entry.definition
            if gt.aliases is not None:
                entry.aliases = list(gt.aliases)
        from coursepack.content.load import glossary_names

        out.glossary_names = {**course.glossary_names, **glossary_names(out.glossary)}
    elif out.glossary:
        missing("glossary.yaml", "whole file")

    # assessment
    afile = tdir / "instructor" / "assessment.yaml"
    if out.assessment and afile.is_file():
        at = _load_text_yaml(afile, root, AssessmentText, Assessment, "instructor/assessment.yaml", diags)
        if at:
            _apply_assessment(out.assessment, at)
    elif out.assessment:
        missing("instructor/assessment.yaml", "whole file")
    out.assets = localized_assets(course, lang)
    # text a translation file still has in the source's words counts as not translated
    shown = {(f.path, f.what) for f in fallbacks}

    def same(rel_path: str, model: type[BaseModel], src: Any, got: Any, whole: bool, where: str = "") -> None:
        for what, text in untranslated_text(model, src, got, where):
            out.fallback_texts.add(text)
            if not whole and (rel_path, what) not in shown:
                fallbacks.append(Fallback(lang, rel_path, what, words=len(text.split())))

    same("course.yaml", CourseText, course.meta, out.meta, not (tdir / "course.yaml").is_file())
    for su, tu in zip(course.units, out.units, strict=True):
        same(rel(su.source.path), UnitText, su.meta, tu.meta, tu.source.path == su.source.path)
    for eid, se in course.exercises.items():
        te = out.exercises[eid]
        same(rel(se.source.path), ExerciseText, se.meta, te.meta, te.source.path == se.source.path)
    for rid, reading in course.readings.items():
        where = course.positions.get(f"id:{rid}")
        list_file = rel(where[0]) if where else "readings"
        absent = not (tdir / translation_file(list_file)).is_file()
        if absent and reading.annotation and (list_file, "whole file") not in shown:
            missing(list_file, "whole file")
            shown.add((list_file, "whole file"))
        same(list_file, ReadingText, reading, out.readings[rid], absent, f"reading '{rid}': ")
    for sp, tp in zip(course.plans, out.plans, strict=True):
        same("instructor/plans.yaml", PlanText, sp, tp, not plans_file.is_file(), f"plan '{sp.id}': ")
    for gid, gentry in course.glossary.items():
        same("glossary.yaml", GlossaryText, gentry, out.glossary[gid], not gfile.is_file(), f"term '{gid}': ")
    if course.assessment and out.assessment:
        same("instructor/assessment.yaml", AssessmentText, course.assessment, out.assessment, not afile.is_file())
    return out, fallbacks


def untranslated_text(model: type[BaseModel], src: Any, got: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(what, text) for each translatable text of ``got`` that is still the source's (``src``),
    the keys read from the translation file's ``model`` (see ``_wordy`` for what may be the same)."""
    for name, field in model.model_fields.items():
        if name in ("id", "terms"):
            continue
        a, b = getattr(src, name, None), getattr(got, name, None)
        label = f"{where}{name.replace('_', ' ')}"
        nested = nested_model(field.annotation)
        if nested is not None and isinstance(a, list) and isinstance(b, list):
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                ident = getattr(x, "id", None)
                head = f"{name.removesuffix('s')} '{ident}'" if ident else f"{name.removesuffix('s')} {i + 1}"
                yield from untranslated_text(nested, x, y, f"{where}{head}: ")
        elif isinstance(a, list) and isinstance(b, list):
            for i, (x, y) in enumerate(zip(a, b, strict=False)):
                if isinstance(x, str) and x == y and _wordy(x):
                    yield f"{label} {i + 1}", x
        elif isinstance(a, str) and a == b and _wordy(a):
            yield label, a


def _wordy(text: str) -> bool:
    """Two words or more, one of them not a name: 'Introduction', 'UNTOC, art. 10' or 'Palermo
    Protocol' may be the same in a translation, 'Case summary and timeline' is not translated."""
    words = [w for w in re.findall(r"[^\W\d_]{2,}", text) if not w.isupper()]
    return len(words) >= 2 and any(not w[0].isupper() for w in words)


def localized_assets(course: Course, lang: str) -> dict[str, str]:
    """The translation's own versions of the course's images: ``figures/x.svg`` ->
    ``translations/<lang>/figures/x.svg``, for every such file the translation has."""
    tdir = translation_dir(course, lang)
    found: dict[str, str] = {}
    if not tdir.is_dir():
        return found
    for path in sorted(tdir.rglob("*")):
        rel_path = path.relative_to(tdir)
        if not path.is_file() or rel_path.parts[0].startswith(".") or path.suffix.lower() not in IMAGE_TYPES:
            continue
        if (course.root / rel_path).is_file():  # (check warns about a file that translates nothing)
            found[rel_path.as_posix()] = path.relative_to(course.root).as_posix()
    return found


def _apply_assessment(assessment: Assessment, text: Any) -> None:
    assessment.intro = text.intro or assessment.intro
    tasks: dict[str, Task] = {t.id: t for t in assessment.tasks}
    for tt in text.tasks:
        task = tasks.get(tt.id)
        if task is None:
            continue
        task.title = tt.title or task.title
        task.instructions = tt.instructions or task.instructions
        for q, qt in zip(task.questions, tt.questions, strict=False):
            _apply_question(q, qt)
    rubrics: dict[str, Rubric] = {r.id: r for r in assessment.rubrics}
    for rt in text.rubrics:
        rubric = rubrics.get(rt.id)
        if rubric is None:
            continue
        rubric.title = rt.title or rubric.title
        if rt.levels and len(rt.levels) == len(rubric.levels):
            rubric.levels = rt.levels
        for crit, ct in zip(rubric.criteria, rt.criteria, strict=False):
            crit.name = ct.name or crit.name
            if ct.descriptors and len(ct.descriptors) == len(crit.descriptors):
                crit.descriptors = ct.descriptors


def _apply_question(q: Question, qt: Any) -> None:
    q.text = qt.text or q.text
    q.answer = qt.answer or q.answer


__all__ = ["Fallback", "PlanBlock", "localize", "translated_source", "translation_dir", "translation_file"]
