"""Stage 3 — resolve: turn a loaded course into the template context of one edition, a
``PackView`` (``views.py``), built here and nowhere else.

The pack's targets are numbered once per language (``targets``); an edition's HTML is then
written from the parse by a ``Writer`` that shows only what the edition's audiences may see,
with every cross-reference complete: its label, and its page (a ``target-counter`` link when
the target is in this PDF, the student pack's page as built when it is only there).
Reading lists, plan timings and the alignment matrix are computed here, in the builder, not
with CSS counters. Instructor-only data never enters a student context.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import segno
from babel.numbers import format_percent
from markdown_it.token import Token
from markupsafe import Markup, escape

from coursepack import plugins
from coursepack.content.citestyle import load_style
from coursepack.content.model import ET_AL, EXERCISE_KINDS, Course, Exercise, Plan, Reading, Rubric
from coursepack.i18n import (
    catalog,
    duration,
    enumeration_separator,
    locale,
    long_date,
    punctuation,
    text_direction,
)
from coursepack.markdown.document import Body, Parsed, parse_field, parses_of
from coursepack.markdown.render import Writer
from coursepack.markdown.typography import smart_text
from coursepack.markdown.words import Words
from coursepack.render.editions import Edition
from coursepack.render.heads import fitter
from coursepack.resolve import backmatter
from coursepack.resolve.citeproc import Citations, csl_item
from coursepack.resolve.targets import Index, Target, build_index
from coursepack.resolve.views import (
    AssessmentView,
    BuildFacts,
    CourseView,
    CriterionView,
    EditionView,
    ExerciseRefView,
    ExerciseView,
    MatrixRowView,
    MatrixView,
    Numbered,
    OutcomeView,
    PackView,
    PairRowView,
    PairView,
    PlanDayView,
    PlanRowView,
    PlanView,
    QuestionView,
    ReadingsView,
    ReadingView,
    RubricView,
    SectionView,
    SolutionView,
    TaskView,
    UnitReadingView,
    UnitRefView,
    UnitView,
)

COLONS = {"fr": "\u00a0: ", "zh": "\uff1a"}
RTL_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
CJK_LETTER = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def smart(text: str | None, lang: str = "en") -> Markup:
    """Plain text (a title, metadata) with the language's quotes, dashes and spacing, as HTML."""
    if not text:
        return Markup("")
    return Markup(escape(punctuation(smart_text(text, lang), lang)))


def untranslated(text: str, lang: str) -> bool:
    """Whether ``text`` has no letter of the script of ``lang`` (only told for right-to-left and
    CJK scripts): a passage left in the source language, in an Arabic or a Chinese pack."""
    if text_direction(lang) == "rtl":
        return not RTL_LETTER.search(text)
    if lang.split("-")[0] in ("zh", "ja", "ko"):
        return not CJK_LETTER.search(text)
    return False


@dataclass
class Resolved:
    """The template context of one edition, and the writer that made its HTML."""

    view: PackView
    writer: Writer
    hidden_allowed: set[str] = field(default_factory=set)  # instructor text this edition prints on purpose
    citations: Citations | None = None  # the course's style: its markers are replaced in the finished HTML

    def finish(self, html: str) -> str:
        """The edition's HTML with its citations and reading-list entries formatted in document order."""
        return self.citations.resolve(html) if self.citations is not None else html


def index_of(course: Course) -> Index:
    """The course's targets in its language, numbered once (kept with the course)."""
    index = course.derived.get("index")
    if index is None:
        index = course.derived["index"] = build_index(course)
    return index


def presence(edition: Edition, item: str | None) -> Callable[[Target], bool]:
    """Whether a target is printed in an edition (of exercise ``item``, for one per exercise)."""
    audiences = edition.audiences

    def present(target: Target) -> bool:
        if not target.needs <= audiences:
            return False
        place, _, owner = target.place.partition(":")
        if edition.per_exercise:
            return place == "exercise" and owner == item
        if place in ("unit", "introduction") and "notes" in edition.prints:
            return "instructor" in target.needs  # (the guide prints a unit's teaching notes, not its text)
        return place in edition.prints

    return present


def _join(names: list[str], and_word: str) -> str:
    if len(names) > 1 and names[-1] == ET_AL:  # (BibTeX's 'and others')
        return ", ".join(names[:-1]) + " et al."
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {and_word} " + names[-1]


def _end(text: str) -> str:
    return text if text.rstrip().endswith((".", "?", "!")) else text + "."


def _range(value: str | int) -> str:
    """Page ranges with an en dash: 39-70 → 39–70."""
    return re.sub(r"(?<=\d)\s*-{1,2}\s*(?=\d)", "\u2013", str(value))


def format_reading(r: Reading, and_word: str = "and", year: str | None = None) -> Markup:
    """One author–date entry, formatted the same way everywhere."""
    authors = _join(r.authors, and_word)
    out = [f"{smart(authors)} ({year or r.year})."]
    if r.type in ("article", "chapter") and r.container:
        out.append(str(smart(_end(r.title))))
        if r.type == "article":
            cont = f"<em>{smart(r.container)}</em>"
            if r.volume:
                cont += f" {escape(str(r.volume))}"
            if r.issue:
                cont += f"({escape(str(r.issue))})"
            if r.pages:
                cont += f", {escape(_range(r.pages))}"
            out.append(cont + ".")
        else:
            cont = f"In <em>{smart(r.container)}</em>"
            if r.pages:
                cont += f", pp. {escape(_range(r.pages))}"
            out.append(cont + ".")
            if r.publisher:
                out.append(str(smart(_end(r.publisher))))
    else:
        out.append(f"<em>{smart(_end(r.title))}</em>")
        if r.publisher and r.publisher != authors:
            out.append(str(smart(_end(r.publisher))))
    if r.url:
        out.append(f'<a class="url" href="{escape(r.url)}">{escape(r.url)}</a>')
    return Markup(" ".join(out))


def group_size(size: int | str | None, _: Callable[[str], str]) -> str | None:
    """1 → Individual, 2 → Pairs, 4 → Groups of 4, '4-5' → Groups of 4–5, 'class' → Whole class."""
    if size is None:
        return None
    if size == "class":
        return str(_("Whole class"))
    if size == 1:
        return str(_("Individual"))
    if size == 2:
        return str(_("Pairs"))
    return str(_("Groups of %(size)s") % {"size": _range(size)})


def reading_years(readings: dict[str, Reading]) -> dict[str, str]:
    """Years with a, b, ... where one author has two works in the same year (2000a, 2000b)."""
    groups: dict[tuple[str, int], list[Reading]] = {}
    for r in readings.values():
        groups.setdefault((r.authors[0].lower(), r.year), []).append(r)
    years = {}
    for (_, year), works in groups.items():
        works.sort(key=lambda w: w.title.lower())
        for i, w in enumerate(works):
            years[w.id] = f"{year}{chr(ord('a') + i)}" if len(works) > 1 else str(year)
    return years


def reading_authors(r: Reading, and_word: str = "and") -> str:
    """The authors as a citation names them: "Doe", "Doe and Roe", "Doe et al."."""
    first = r.authors[0].split(",")[0]
    if len(r.authors) > 2 or (len(r.authors) == 2 and r.authors[1] == ET_AL):
        first += " et al."
    elif len(r.authors) == 2:
        first += f" {and_word} {r.authors[1].split(',')[0]}"
    return first


def reading_label(r: Reading, year: str, and_word: str = "and") -> str:
    return f"{reading_authors(r, and_word)} ({year})"


def course_citations(course: Course, lang: str, index: Index, present: Callable[[Target], bool]) -> Citations | None:
    """The course's CSL style for one edition in ``lang`` (None when the course names none)."""
    name = course.meta.citation_style
    if not name:
        return None
    style = course.derived.get(f"citation-style:{name}")
    if style is None:
        style = course.derived[f"citation-style:{name}"] = load_style(name, course.root)
    items = course.derived.get("csl-items")
    if items is None:
        items = course.derived["csl-items"] = {rid: csl_item(r) for rid, r in course.readings.items()}

    def link(rid: str) -> str | None:
        target = index.targets.get(rid)
        return target.anchor if target is not None and present(target) else None

    return Citations(style, lang, items, link)


def reading_cite(course: Course) -> Callable[[str, str], tuple[str, str]]:
    """A reading's authors and year as its citations print them (the year as the reading list
    prints it: 2020a, 2020b)."""
    years = reading_years(course.readings)

    def cite(rid: str, and_word: str) -> tuple[str, str]:
        return reading_authors(course.readings[rid], and_word), years[rid]

    return cite


def resolve(
    course: Course,
    lang: str,
    edition: Edition,
    facts: BuildFacts,
    student_pages: dict[str, int] | None = None,
    source: Course | None = None,
) -> Resolved:
    """Build the context of one (course, language, edition) as the build made it (``facts``).

    ``student_pages`` maps ids to the pages they have in the student pack actually built;
    the instructor's guide and the handouts cite them. ``source`` is the course in its source
    language, which a bilingual review sets beside the translation.
    """
    item = facts.item
    tr = catalog(lang, course.terms)
    _ = tr.gettext
    instructor = "instructor" in edition.audiences
    source_lang = course.meta.language
    source_gettext = catalog(source_lang).gettext if source_lang != lang else _
    index = index_of(course)
    years = reading_years(course.readings)

    def label_reading(rid: str, and_word: str) -> str:
        return reading_label(course.readings[rid], years[rid], and_word)

    present = presence(edition, item)
    writer = Writer(
        index,
        edition.audiences,
        Words(_, lang),
        Words(source_gettext, source_lang),
        present,
        student_pages if student_pages is not None else {},  # (the build notes which pages are looked up)
        links=course.meta.link_addresses,
        assets=course.assets,
        reading_label=label_reading,
        reading_cite=reading_cite(course),
        inline_exercises={
            id(ex.inline.parsed.tokens[ex.inline.open]): eid for eid, ex in course.exercises.items() if ex.inline
        },
        root=course.root,
        glossary_names=course.glossary_names,
    )
    citations = course_citations(course, lang, index, present)
    writer.citations = citations
    meta = course.meta

    def in_source(text: str) -> bool:
        """Whether ``text`` is left in the source language: not translated (the translation file has
        the source's words, or none), or, in an Arabic or Chinese pack, without a letter of its script."""
        return lang != source_lang and (text in course.fallback_texts or untranslated(text, lang))

    def title(text: str | None) -> Markup:
        """A title or a line of metadata; one left in the source language is marked as such."""
        if text and in_source(text):
            return Markup(
                f'<span dir="{text_direction(source_lang)}" lang="{source_lang}">'
                f"{isolated(smart(text, source_lang))}</span>"
            )
        return smart(text, lang)

    def isolated(html: Markup | str) -> Markup:
        """Text of another direction inline: wrapped in FIRST STRONG ISOLATE ... POP DIRECTIONAL
        ISOLATE (the engine has no unicode-bidi; without them its neutral characters, a closing
        parenthesis or a full stop, took the paragraph's direction)."""
        if text_direction(source_lang) == text_direction(lang):
            return Markup(html)
        return Markup(f"\u2068{html}\u2069")

    def mark(html: Markup | None, source: bool, tag: str) -> Markup | None:
        if html is None or not source:
            return html
        inner = isolated(html) if tag == "span" else html
        return Markup(f'<{tag} dir="{text_direction(source_lang)}" lang="{source_lang}">{inner}</{tag}>')

    def render(text: str, where: str) -> tuple[Markup | None, bool]:
        source = in_source(text)
        parsed = parse_field(text, source_lang if source else lang, course.root / where)
        return writer.body(Body.whole(parsed)), source

    def block(text: str | None, where: str = "course.yaml") -> Markup | None:
        if not text:
            return None
        html, source = render(text, where)
        return mark(html, source, "div")

    def inline(text: str | None, where: str = "course.yaml") -> Markup | None:
        if not text:
            return None
        html, source = render(text, where)
        if html is None:
            return None
        s = str(html).strip()
        if s.startswith("<p>") and s.endswith("</p>") and s.count("<p>") == 1:
            s = s[3:-4]
        return mark(Markup(s), source, "span")

    def reading(r: Reading) -> tuple[Markup, str]:
        """A reading's entry and its direction. Titles stay as published: an entry whose title
        is in the source's script (an English work in an Arabic or Chinese pack) is set in the
        source language, its words too ("and", not "و"), and reads in its own direction. With a
        citation style, the style formats it once the document is written, in the same language."""
        if citations is not None:
            if in_source(r.title):
                html = mark(Markup(citations.entry(r.id, source_lang)), True, "span")
                return html or Markup(""), text_direction(source_lang)
            return Markup(citations.entry(r.id)), text_direction(lang)
        if in_source(r.title):
            html = mark(format_reading(r, source_gettext("and"), years[r.id]), True, "span")
            return html or Markup(""), text_direction(source_lang)
        return format_reading(r, _("and"), years[r.id]), text_direction(lang)

    def unit_reading(r: Reading) -> UnitReadingView:
        html, direction = reading(r)
        return UnitReadingView(id=r.id, html=html, dir=direction, level=r.level)

    unit_num = index.unit_numbers
    ex_order = course.exercise_order
    ex_num = index.exercise_numbers
    outcome_label = {o.id: _("LO%(num)s") % {"num": i + 1} for i, o in enumerate(meta.outcomes)}

    introduction = (
        writer.body(course.introduction.tree) if course.introduction and "introduction" in edition.prints else None
    )
    intro_notes = writer.notes(course.introduction.tree) if (course.introduction and "notes" in edition.prints) else []

    ex_unit: dict[str, UnitRefView] = {}
    units = []
    depth = meta.contents_depth
    for unit in course.units:
        tree = unit.source.tree
        html = writer.body(tree) if "unit" in edition.prints else None  # (the guide prints its notes only)
        units.append(
            UnitView(
                num=unit_num[unit.meta.id],
                id=unit.meta.id,
                title=title(unit.meta.title),
                duration=duration(unit.meta.duration, lang) if unit.meta.duration else None,
                outcomes=[title(o) for o in unit.meta.learning_outcomes],
                html=html,
                notes=writer.notes(tree) if "notes" in edition.prints else [],
                sections=_sections(tree, depth, writer) if depth > 1 else [],
                readings=[unit_reading(course.readings[rid]) for rid in unit.meta.readings if rid in course.readings],
                exercises=[
                    ExerciseRefView(id=eid, num=ex_num[eid], title=title(course.exercises[eid].meta.title))
                    for eid in unit.meta.exercises
                    if eid in ex_num
                ],
            )
        )
        for eid in unit.meta.exercises:
            ex_unit.setdefault(
                eid, UnitRefView(id=unit.meta.id, num=unit_num[unit.meta.id], title=title(unit.meta.title))
            )
    for eid, ex in course.exercises.items():
        if ex.unit is not None and ex.unit in unit_num:
            unit_meta = next(u.meta for u in course.units if u.meta.id == ex.unit)
            ex_unit.setdefault(eid, UnitRefView(id=ex.unit, num=unit_num[ex.unit], title=title(unit_meta.title)))

    timing_label = {"pre-class": _("Pre-class"), "in-class": _("In class"), "post-class": _("Post-class")}
    exercises = []
    writer.restart_notes = False
    writer.start_notes()  # footnotes run on through the Exercises part (from 1)
    for eid in ex_order:
        ex = course.exercises[eid]
        if edition.per_exercise or edition.sheets:
            writer.start_notes()  # a handout is one exercise (and a sheet of the booklet): its notes from 1
        exercises.append(
            ExerciseView(
                num=ex_num[eid],
                id=eid,
                title=exercise_title(ex, writer, title),
                timing=timing_label.get(ex.meta.timing or ""),
                kind=kind_label(ex.meta.kind, _, lang),
                kind_key=ex.meta.kind or "exercise",
                duration=duration(ex.meta.duration, lang) if ex.meta.duration else None,
                group_size=title(ex.meta.grouping) if ex.meta.grouping else group_size(ex.meta.group_size, _),
                outcomes=[outcome_label.get(o, o) for o in ex.meta.outcomes],
                materials=[title(m) for m in ex.meta.materials],
                unit=ex_unit.get(eid),
                inline=ex.inline is not None,
                html=_exercise_html(ex, writer, edition, item),
            )
        )
    writer.restart_notes = True

    solutions: list[SolutionView] = []
    hidden_allowed: set[str] = set()
    if meta.solutions == "end" and edition.name == "student":
        solutions, hidden_allowed = _solutions(course, writer, ex_num)

    used_by: dict[str, list[int]] = {}
    for unit in course.units:
        for rid in unit.meta.readings:
            used_by.setdefault(rid, []).append(unit_num[unit.meta.id])

    def reading_entry(r: Reading) -> ReadingView:
        qr = None
        if r.url and edition.name == "reading-list":  # a printed QR code takes the reader of paper to the source
            qr = segno.make(r.url, error="m").svg_data_uri(scale=4, border=2, dark="#1b1b1b")
        html, direction = reading(r)
        return ReadingView(
            url=r.url,
            qr=qr,
            id=r.id,
            html=html,
            dir=direction,
            annotation=inline(r.annotation, "readings"),
            units=used_by.get(r.id, []),
            sort=(r.authors[0].lower(), r.year, r.title.lower()),
        )

    shown = course.readings.values() if "readings" in edition.prints else []
    entries = sorted((reading_entry(r) for r in shown), key=lambda e: e.sort)
    readings = ReadingsView(
        core=[e for e in entries if course.readings[e.id].level == "core"],
        advanced=[e for e in entries if course.readings[e.id].level == "advanced"],
    )

    assessment = None
    if course.assessment and "assessment" in edition.prints:
        where = "instructor/assessment.yaml"
        rubrics = {r.id: r for r in course.assessment.rubrics}
        kinds = {
            "essay": _("Essay"),
            "quiz": _("Quiz"),
            "short-answer": _("Short answer"),
            "presentation": _("Presentation"),
            "reflection": _("Reflection"),
            "policy-brief": _("Policy brief"),
        }
        assessment = AssessmentView(
            intro=block(course.assessment.intro, where),
            tasks=[
                TaskView(
                    id=t.id,
                    title=title(t.title),
                    kind=kinds[t.kind],
                    weight=format_percent(t.weight / 100, locale=locale(lang)) if t.weight is not None else None,
                    instructions=block(t.instructions, where),
                    questions=[
                        QuestionView(
                            text=inline(q.text, where),
                            answer=block(q.answer, where) if "answer" in edition.audiences else None,
                        )
                        for q in t.questions
                    ],
                    # students see how they are marked
                    rubric=_rubric(rubrics[t.rubric]) if t.rubric and t.rubric in rubrics else None,
                )
                for t in course.assessment.tasks
            ],
        )

    plans = []
    guide = None
    matrix = None
    if instructor and "guide" in edition.prints:
        guide = writer.body(course.guide.tree) if course.guide else None
    if instructor and "plans" in edition.prints:
        for plan in course.plans:
            plans.append(_plan(plan, lang, title, inline, block))
        if meta.outcomes:
            matrix = MatrixView(
                outcomes=[OutcomeView(label=outcome_label[o.id], text=title(o.text)) for o in meta.outcomes],
                rows=[
                    MatrixRowView(
                        num=e.num,
                        id=e.id,
                        title=e.title,
                        marks=[o.id in course.exercises[e.id].meta.outcomes for o in meta.outcomes],
                    )
                    for e in exercises
                ],
            )

    labels = {t: writer.words.label(target, label_reading) for t, target in index.targets.items()}

    def pageref(ident: str) -> Markup:
        """The page of a target after its label: ", p. 14" here, or "(Student pack, p. 14)"."""
        target = index.targets.get(ident)
        if target is None:
            return Markup("")
        return Markup(writer.pageref(target, writer.words))

    # the back matter, from the marks the edition printed (every body above is written by now)
    glossary_groups = (
        backmatter.glossary(course, writer.marks, lang, lambda text: block(text, "glossary.yaml"))
        if edition.glossary
        else []
    )
    index_groups = backmatter.book_index(writer.marks, lang) if edition.book_index else []
    view = PackView(
        lang=lang,
        dir=text_direction(lang),
        edition=EditionView(
            name=edition.name,
            title=smart(_(edition.title), lang),
            layout=edition.layout or edition.name,
            sheets=edition.sheets,
            answers="answer" in edition.audiences,
        ),
        course=CourseView(
            id=meta.id,
            title=title(meta.title),
            short_title=title(meta.short_title or meta.title),
            subtitle=title(meta.subtitle),
            authors=meta.authors,
            institution=meta.institution,
            version=meta.version,
            date=meta.date.isoformat(),
            date_text=long_date(meta.date, lang),
            licence=meta.licence,
            description=meta.description,
            keywords=meta.keywords,
            resource_note=meta.resource_note,
            content_warning=block(meta.content_warning),
            contact=block(meta.contact),
            cover_text=block(meta.cover_text),
            paper=meta.paper,
            outcomes=[OutcomeView(label=outcome_label[o.id], text=title(o.text)) for o in meta.outcomes],
            contents_depth=depth,
        ),
        introduction=introduction,
        introduction_notes=intro_notes,
        units=units,
        exercises=[e for e in exercises if e.id == item] if item else exercises,  # a handout: its exercise only
        exercise_part=[e for e in exercises if not e.inline],
        solutions=solutions,
        readings=readings,
        assessment=assessment,
        plans=plans,
        guide=guide,
        matrix=matrix,
        pairs=bilingual_pairs(source, course, edition.audiences) if source is not None and edition.review_only else [],
        labels=labels,
        colon=COLONS.get(lang.split("-")[0], ": "),
        list_sep=enumeration_separator(lang),
        student_page=lambda ident: (student_pages or {}).get(ident),
        pageref=pageref,
        toc_width=toc_width,
        # the page of a passage of fallback text, in a review copy that prints it
        page_link=lambda anchor: (
            Markup(f'<a class="pageref" href="#{escape(anchor)}"></a>') if anchor in writer.fallbacks else Markup("")
        ),
        head=fitter(facts.page, facts.variant.two_sided, lang),
        facts=facts,
        glossary=glossary_groups,
        book_index=index_groups,
    )
    return Resolved(view, writer, hidden_allowed, citations)


def toc_width(*entries: Sequence[Numbered]) -> Markup:
    """The contents' number column, when the default (two digits) is too narrow for "10.2" or
    "12.10": a style attribute for the ``nav``."""

    def digits(num: object) -> float:  # in widths of a digit ("ch"); a point or a dash is about half of one
        return sum(0.5 if c in ".-–" else 1.0 for c in str(num or ""))

    widest = max((digits(e.num) for group in entries for e in group), default=0.0)
    if widest <= 2:
        return Markup("")
    width = f"{widest + 1.6:.1f}ch"
    return Markup(f' style="--toc-num: {width}; --toc-num-back: -{width}"')


def _exercise_html(ex: Exercise, writer: Writer, edition: Edition, item: str | None) -> Markup | None:
    """An exercise's HTML where the edition prints it apart: not one written in a unit of a pack
    that prints units (it is set there), nor one another handout is for."""
    if (edition.per_exercise and ex.meta.id != item) or "exercise" not in edition.prints:
        return None
    if ex.inline is not None:
        return None if "unit" in edition.prints else writer.exercise(ex.inline)
    return writer.body(ex.source.tree)


def exercise_title(ex: Exercise, writer: Writer, title: Callable[[str | None], Markup]) -> Markup:
    """An exercise's title: its front matter's, or an inline exercise's heading (with its markup)."""
    if ex.inline is not None:
        return writer.title(ex.inline) or Markup("")
    return title(ex.meta.title)


def kind_label(kind: str | None, _: Callable[[str], str], lang: str = "en") -> str | None:
    """The printed label of an exercise kind: translated for those we know and those plugins
    add (``plugins.EXERCISE_KINDS``), else the word itself."""
    if not kind:
        return None
    added = plugins.EXERCISE_KINDS.get(kind)
    if added:
        return added.get(lang) or added.get(lang.split("-")[0]) or added["en"]
    labels = {
        "discussion": _("Discussion"),
        "case-study": _("Case study"),
        "debate": _("Debate"),
        "role-play": _("Role play"),
        "research-task": _("Research task"),
        "problem-question": _("Problem question"),
        "reflection": _("Reflection"),
        "coding": _("Coding"),
        "multiple-choice": _("Multiple choice"),
        "short-answer": _("Short answer"),
        "quiz": _("Quiz"),
        "essay": _("Essay"),
    }
    assert set(labels) == set(EXERCISE_KINDS)
    return labels.get(kind) or kind.replace("-", " ").capitalize()


def _sections(tree: Body | None, depth: int, writer: Writer) -> list[SectionView]:
    """A unit's headings for the contents (``contents_depth`` 2 or 3): what students see."""
    if tree is None:
        return []
    out = []
    for chunk in tree.chunks:
        parsed = chunk.parsed
        end = len(parsed.tokens) if chunk.end < 0 else chunk.end
        for h in parsed.headings:
            if chunk.start <= h.index < end and h.level <= depth and h.needs <= writer.audiences:
                out.append(SectionView(id=h.anchor, level=h.level, title=Markup(escape(h.text))))
    return out


def _solutions(course: Course, writer: Writer, numbers: dict[str, int]) -> tuple[list[SolutionView], set[str]]:
    """The solutions of the exercises written in units, for a Solutions section at the end of the
    student pack (``solutions: end``), and their texts (printed there on purpose)."""
    from coursepack.markdown.tree import closing

    out = []
    allowed: set[str] = set()
    audiences = writer.audiences | {"answer"}
    for eid in course.exercise_order:
        ex = course.exercises[eid]
        if ex.inline is None:
            continue
        tokens = ex.inline.parsed.tokens
        html: list[Markup] = []
        i = ex.inline.open + 1
        while i < ex.inline.close:
            tok = tokens[i]
            if tok.type == "div_open" and tok.meta["div"].kind is not None and tok.meta["div"].kind.role == "solution":
                close = closing(tokens, i)
                html.append(writer.section(ex.inline.chunk, i, close + 1, audiences))
                allowed.update(_texts(tokens[i : close + 1]))
                i = close + 1
                continue
            i += 1
        if html:
            out.append(SolutionView(id=eid, num=numbers[eid], html=Markup("").join(html)))
    return out, allowed


def _texts(tokens: list[Token]) -> set[str]:
    return {c.content.strip() for t in tokens if t.type == "inline" for c in (t.children or []) if c.type == "text"}


def _rubric(rubric: Rubric) -> RubricView:
    return RubricView(
        id=rubric.id,
        title=rubric.title,
        levels=list(rubric.levels),
        criteria=[
            CriterionView(name=c.name, weight=c.weight, descriptors=list(c.descriptors)) for c in rubric.criteria
        ],
    )


def _plan(
    plan: Plan,
    lang: str,
    title: Callable[[str | None], Markup],
    inline: Callable[[str | None, str], Markup | None],
    block: Callable[[str | None, str], Markup | None],
) -> PlanView:
    days: list[PlanDayView] = []
    start = plan.start or "00:00"
    base = int(start[:2]) * 60 + int(start[3:])
    clock = base
    where = "instructor/plans.yaml"
    for block_ in plan.blocks:
        day = block_.day or (days[-1].day if days else 1)
        if not days or days[-1].day != day:
            days.append(PlanDayView(day=day, rows=[]))
            clock = base
        ref_ids = [i for i in (block_.unit, block_.exercise) if i]
        elapsed = clock - base
        days[-1].rows.append(
            PlanRowView(
                start=f"{clock // 60 % 24:02d}:{clock % 60:02d}"
                if plan.start
                else f"{elapsed // 60}:{elapsed % 60:02d}",
                minutes=block_.minutes,
                title=title(block_.title),
                kind=block_.kind,
                refs=ref_ids,
                notes=inline(block_.notes, where),
            )
        )
        clock += block_.minutes
    return PlanView(
        id=plan.id,
        title=title(plan.title),
        length=duration(plan.length, lang),
        total=duration(sum(b.minutes for b in plan.blocks), lang),
        clock=bool(plan.start),
        description=block(plan.description, where),
        days=days,
        multi_day=len(days) > 1,
    )


def bilingual_pairs(source: Course, localized: Course, audiences: frozenset[str]) -> list[PairView]:
    """Source and translation side by side, section by section, for each document of the pack."""
    lang, source_lang = localized.lang, source.meta.language
    src_words = Words(catalog(source_lang).gettext, source_lang)
    tr_words = Words(catalog(lang, localized.terms).gettext, lang)
    absent: Callable[[Target], bool] = lambda target: False  # noqa: E731 (no page references in proofs)
    src_writer = Writer(index_of(source), audiences, src_words, src_words, absent, reading_cite=reading_cite(source))
    tr_writer = Writer(
        index_of(localized),
        audiences,
        tr_words,
        src_words,
        absent,
        assets=localized.assets,
        reading_cite=reading_cite(localized),
    )
    docs: list[tuple[str, str, str, Parsed]] = []  # (rel path, source title, translated title, source parse)
    if source.introduction and source.introduction.tree:
        docs.append(("introduction.md", "Introduction", "", source.introduction.tree.chunks[0].parsed))
    for unit, tunit in zip(source.units, localized.units, strict=True):
        if unit.source.tree:
            rel = unit.source.path.relative_to(source.root).as_posix()
            docs.append((rel, unit.meta.title, tunit.meta.title, unit.source.tree.chunks[0].parsed))
    for eid in source.file_exercise_order:
        ex, tex = source.exercises[eid], localized.exercises[eid]
        if ex.source.tree:
            rel = ex.source.path.relative_to(source.root).as_posix()
            docs.append((rel, ex.meta.title, tex.meta.title, ex.source.tree.chunks[0].parsed))
    translated = _translated_parses(localized)
    out = []
    for rel, src_title, tr_title, parsed in docs:
        theirs = translated.get(rel)
        left = parsed.sections()
        right = theirs.sections() if theirs is not None else []
        rows = [
            PairRowView(
                # the translation column owns the ids (one anchor per id in a PDF)
                source=src_writer.section(parsed, left[i].start, left[i].end, ids=False) if i < len(left) else None,
                translation=(
                    tr_writer.section(theirs, right[i].start, right[i].end) if theirs and i < len(right) else None
                ),
            )
            for i in range(max(len(left), len(right)))
        ]
        out.append(
            PairView(
                path=rel,
                title=smart(src_title, source_lang),
                translated_title=smart(tr_title, lang) if tr_title else None,
                rows=rows,
                missing=theirs is None,
            )
        )
    return out


def _translated_parses(localized: Course) -> dict[str, Parsed]:
    """The translation's own parse of each Markdown file, by the source file's relative path."""
    from coursepack.content.localize import translation_dir

    tdir = translation_dir(localized, localized.lang)
    return {
        parsed.path.relative_to(tdir).as_posix(): parsed
        for parsed, _ in parses_of(localized.markdown_sources(), translated_only=True)
        if parsed.path.is_relative_to(tdir)
    }
