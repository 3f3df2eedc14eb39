"""Stage 3 — the first pass of cross-references: every target of a pack, numbered, once.

Before any edition is written, the whole course (in one language) is walked in the student
pack's order: units, exercises (those written in units, then the files), figures, tables,
listings and headings get their numbers and titles, and each records where it is printed
(its *place*) and who may see it (the audiences it needs). Student-visible figures, tables
and listings are numbered 1, 2, 3... in the order of the student pack; those only the
instructor sees (in the guide, teaching notes, model answers) in the guide's own series G1,
G2... so a number means the same thing in every edition. The second pass (``markdown.render``)
writes complete links from this table: no placeholder is ever patched into HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from markdown_it.token import Token

from coursepack.content.model import Course
from coursepack.markdown.code import listing
from coursepack.markdown.document import NO_NEEDS, Body, Parsed, plain, walk
from coursepack.markdown.files import file_keys, titles
from coursepack.markdown.tree import closing

GUIDE_SERIES = "G"
STUDENT_NEEDS = frozenset({"handout"})  # what a student edition shows beyond text for all


@dataclass
class Target:
    """Something a cross-reference can point at."""

    anchor: str  # its id in the HTML
    kind: str  # unit, exercise, figure, table, listing, heading, block, span, reading, task, rubric, plan, introduction
    number: str | None = None  # "3", "G2"
    title: str = ""  # plain text: a heading's words, a caption
    needs: frozenset[str] = NO_NEEDS  # the audiences an edition must show to print it
    place: str = ""  # where it is printed: unit:<id>, exercise:<id>, introduction, guide, readings, assessment, plans
    path: Path | None = None
    line: int = 0
    source: bool = False  # in text shown in the source language (a translation's fallback)

    @property
    def student(self) -> bool:
        """Whether students see it."""
        return self.needs <= STUDENT_NEEDS


@dataclass
class Index:
    """Every target of a course in one language."""

    targets: dict[str, Target] = field(default_factory=dict)
    numbers: dict[int, str] = field(default_factory=dict)  # id(token) → number: figures, tables, listings, exercises
    local: dict[tuple[str, str], str] = field(default_factory=dict)  # (file key, automatic id) → anchor
    exercise_numbers: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # a Markdown file's name → the id of its unit or exercise
    unit_numbers: dict[str, int] = field(default_factory=dict)

    def find(self, key: str, ref: str) -> Target | None:
        """The target a link ``#ref`` written in the file ``key`` points at."""
        target = self.targets.get(ref)
        if target is None and (key, ref) in self.local:
            target = self.targets.get(self.local[(key, ref)])
        return target

    def number(self, tok: Token) -> str | None:
        return self.numbers.get(id(tok))


class _Counter:
    def __init__(self, series: str = "") -> None:
        self.series = series
        self.n: dict[str, int] = {}

    def next(self, kind: str) -> str:
        self.n[kind] = self.n.get(kind, 0) + 1
        return f"{self.series}{self.n[kind]}"


NUMBERED = ("figure", "table", "listing", "equation")


def build_index(course: Course) -> Index:
    """Number and record every target of ``course`` (one language)."""
    index = Index(files=file_keys(course))
    main, guide = _Counter(), _Counter(GUIDE_SERIES)
    later: list[tuple[str, Token, Target]] = []  # instructor-only items, numbered after the guide's own

    def add(target: Target) -> None:
        index.targets.setdefault(target.anchor, target)

    for n, unit in enumerate(course.units, 1):
        index.unit_numbers[unit.meta.id] = n
        add(Target(unit.meta.id, "unit", str(n), unit.meta.title, place=f"unit:{unit.meta.id}"))
    for n, eid in enumerate(course.exercise_order, 1):
        index.exercise_numbers[eid] = n
        ex = course.exercises[eid]
        needs = NO_NEEDS
        if ex.inline is not None:
            index.numbers[id(ex.inline.parsed.tokens[ex.inline.open])] = str(n)
        add(Target(eid, "exercise", str(n), ex.meta.title, needs, f"exercise:{eid}"))
    for rid in course.readings:
        add(Target(rid, "reading", place="readings"))
    for rid, reading in course.readings.items():  # the key as written in the .bib or .json file cites it too
        key = reading.csl.get("id")
        if isinstance(key, str) and key != rid:
            index.targets.setdefault(key, index.targets[rid])
    if course.assessment:
        for task in course.assessment.tasks:
            add(Target(task.id, "task", title=task.title, place="assessment"))
        for rubric in course.assessment.rubrics:
            add(Target(rubric.id, "rubric", title=rubric.title, place="assessment"))
    for plan in course.plans:
        add(Target(plan.id, "plan", title=plan.title, needs=frozenset({"instructor"}), place="plans"))
    if course.introduction is not None:
        add(Target("introduction", "introduction", place="introduction"))

    for key, _title, _path, (_words, alias, _line) in titles(course):
        if alias and key in index.targets:
            index.targets.setdefault(alias, index.targets[key])  # the id on a file's '#' title names the file
    inline_at = {id(ex.inline.parsed.tokens[ex.inline.open]): eid for eid, ex in course.exercises.items() if ex.inline}
    bodies: list[tuple[Body | None, str]] = []
    if course.introduction is not None:
        bodies.append((course.introduction.tree, "introduction"))
    bodies += [(u.source.tree, f"unit:{u.meta.id}") for u in course.units]
    bodies += [
        (course.exercises[e].source.tree, f"exercise:{e}") for e in course.file_exercise_order if e in course.exercises
    ]
    for body, place in bodies:
        if body is not None:
            _walk_body(body, place, index, main, later, inline_at, add)
    if course.guide is not None and course.guide.tree is not None:
        guide_later: list[tuple[str, Token, Target]] = []
        _walk_body(course.guide.tree, "guide", index, guide, guide_later, inline_at, add, guide_series=True)
    for kind, tok, target in later:
        target.number = index.numbers[id(tok)] = guide.next(kind)
    return index


def _walk_body(
    body: Body,
    place: str,
    index: Index,
    counter: _Counter,
    later: list[tuple[str, Token, Target]],
    inline_at: dict[int, str],
    add: object,
    guide_series: bool = False,
) -> None:
    assert callable(add)
    for chunk in body.chunks:
        parsed = chunk.parsed
        for slug, anchor in parsed.slugs.items():
            index.local.setdefault((parsed.key, slug), anchor)
        headings = {h.index: h for h in parsed.headings}
        tokens = parsed.tokens
        end = len(tokens) if chunk.end < 0 else chunk.end
        where = place
        exercise_close = -1
        for i, tok, needs in walk(tokens, chunk.start, end):
            if i > exercise_close:
                where = place
            if tok.type == "div_open" and id(tok) in inline_at:
                where = f"exercise:{inline_at[id(tok)]}"
                exercise_close = closing(tokens, i)
                exercise = index.targets.get(inline_at[id(tok)])
                if exercise is not None:
                    exercise.path, exercise.line, exercise.source = parsed.path, parsed.line(tok), bool(chunk.fallback)
                continue
            target = _target(parsed, i, tok, needs, where, headings)
            if target is None:
                continue
            target.source = chunk.fallback is not None
            kind = target.kind
            if kind in NUMBERED:
                if guide_series or target.student:
                    target.number = index.numbers[id(tok)] = counter.next(kind)
                else:
                    later.append((kind, tok, target))
            if target.anchor:
                add(target)


def equation_id(tok: Token) -> str | None:
    """The id of a display formula: Quarto's ``$$ ... $$ {#eq-x}`` or MyST's ``$$ ... $$ (label)``."""
    attrs = tok.meta.get("attrs") if tok.meta else None
    if attrs is not None and attrs.id:
        return str(attrs.id)
    return tok.info.strip() or None if tok.type == "math_block_label" else None


def _target(parsed: Parsed, i: int, tok: Token, needs: frozenset[str], place: str, headings: dict) -> Target | None:
    """The target a block token is, if it is one (numbered kinds even without an id)."""
    line = parsed.line(tok)
    if tok.type == "heading_open":
        h = headings.get(i)
        if h is None:
            return None
        return Target(h.anchor, "heading", title=h.text, needs=needs, place=place, path=parsed.path, line=line)
    if tok.type == "figure_open":
        image: Token = tok.meta["image"]
        attrs = image.meta.get("attrs")
        return Target(
            attrs.id if attrs and attrs.id else "", "figure", needs=needs, place=place, path=parsed.path, line=line
        )
    if tok.type == "table_open" and tok.meta.get("caption") is not None:
        attrs = tok.meta.get("attrs")
        title = plain(tok.meta["caption"])
        return Target(
            attrs.id if attrs else "", "table", title=title, needs=needs, place=place, path=parsed.path, line=line
        )
    if tok.type == "fence":
        opts, _code = listing(tok)
        if opts.caption is not None or opts.id:
            return Target(
                opts.id or "",
                "listing",
                title=opts.caption or "",
                needs=needs,
                place=place,
                path=parsed.path,
                line=line,
            )
        return None
    if tok.type in ("math_block", "math_block_label"):
        ident = equation_id(tok)
        if ident:
            return Target(ident, "equation", needs=needs, place=place, path=parsed.path, line=line)
        return None
    if tok.type == "div_open":
        div = tok.meta["div"]
        if div.id:
            return Target(div.id, "block", title=div.title or "", needs=needs, place=place, path=parsed.path, line=line)
    return None


def index_body(body: Body, place: str = "unit:doc") -> Index:
    """The targets of one body on its own (a document rendered outside any course)."""
    index = Index()
    main, guide = _Counter(), _Counter(GUIDE_SERIES)
    later: list[tuple[str, Token, Target]] = []
    _walk_body(body, place, index, main, later, {}, lambda t: index.targets.setdefault(t.anchor, t))
    for kind, tok, target in later:
        target.number = index.numbers[id(tok)] = guide.next(kind)
    return index
