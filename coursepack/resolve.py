"""Stage 3 — resolve: turn a loaded course into the template context of one edition.

Numbering (units, exercises, figures, tables), labels for cross-references, reading-list
formatting, plan start times and page references into the student pack are computed here,
in the builder, not with CSS counters. Instructor-only data never enters a student context.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import segno
from babel.numbers import format_percent
from markupsafe import Markup, escape

from coursepack.editions import Edition
from coursepack.errors import BuildError
from coursepack.i18n import (
    catalog,
    duration,
    enumeration_separator,
    list_separator,
    locale,
    long_date,
    text_direction,
)
from coursepack.markup import (
    LABELS,
    PAGEREF_RE,
    XREF_RE,
    MarkdownRenderer,
    RenderState,
    extract_audience,
    nbsp,
    smart,
)
from coursepack.model import Course, Reading

COLONS = {"fr": "\u00a0: ", "zh": "\uff1a"}
ID_ATTR_RE = re.compile(r'\bid="([a-z0-9-]+)"')
NUMBER_SLOT = "{n}"  # in a cross-reference's own text: the target's number
XREF_LINK_RE = re.compile(r'<a class="xref" href="#([a-z0-9-]+)">(.*?)</a>', re.S)


@dataclass
class Resolved:
    """The template context and what is needed to finish the HTML after templating."""

    context: dict[str, Any]
    labels: dict[str, str]
    kinds: dict[str, str]
    gettext: Callable[[str], str]
    numbers: dict[str, str] = field(default_factory=dict)
    # labels, words and language for text left in the source language (a translation's fallback)
    source_labels: dict[str, str] = field(default_factory=dict)
    source_gettext: Callable[[str], str] | None = None
    source_lang: str = ""


def _join(names: list[str], and_word: str) -> str:
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


def group_size(size: int | str | None, _: Any) -> str | None:
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


def reading_label(r: Reading, year: str, and_word: str = "and") -> str:
    first = r.authors[0].split(",")[0]
    if len(r.authors) > 2:
        first += " et al."
    elif len(r.authors) == 2:
        first += f" {and_word} {r.authors[1].split(',')[0]}"
    return f"{first} ({year})"


def resolve(course: Course, lang: str, edition: Edition, student_pages: dict[str, int] | None = None) -> Resolved:
    """Build the context of one (course, language, edition).

    ``student_pages`` maps ids to the pages they have in the student pack actually built;
    the instructor's guide cites them.
    """
    tr = catalog(lang, course.terms)
    _ = tr.gettext
    instructor = "instructor" in edition.audiences
    source_lang = course.meta.language
    source_words = catalog(source_lang).gettext if source_lang != lang else _
    state = RenderState(
        edition.audiences,
        _,
        lang=lang,
        source_lang=source_lang,
        assets=course.assets,
        source_gettext=source_words,
        fallback_texts=course.fallback_texts,
    )
    md = MarkdownRenderer(state)
    smart = md.smart
    meta = course.meta
    labels = state.labels

    def mark(html: str, in_source: bool, tag: str) -> Markup:
        """Text left in the source language is marked as such."""
        if in_source:
            return Markup(f'<{tag} dir="{text_direction(source_lang)}" lang="{source_lang}">{html}</{tag}>')
        return Markup(html)

    def isolate(html: str, text: str, tag: str) -> Markup:
        return mark(html, md.in_source(text), tag)

    def block(text: str | None) -> Markup | None:
        if not text:
            return None
        in_source = md.in_source(text)
        return mark(md.render(text, in_source), in_source, "div")

    def inline(text: str | None) -> Markup | None:
        if not text:
            return None
        in_source = md.in_source(text)
        return mark(md.render_inline(text, in_source), in_source, "span")

    unit_num = {u.meta.id: i + 1 for i, u in enumerate(course.units)}
    ex_order = course.exercise_order
    ex_num = {eid: i + 1 for i, eid in enumerate(ex_order)}
    for uid, n in unit_num.items():
        labels[uid] = nbsp(_(LABELS["unit"]) % {"num": n})
        state.numbers[uid], state.kinds[uid] = str(n), "unit"
    for eid, n in ex_num.items():
        labels[eid] = nbsp(_(LABELS["exercise"]) % {"num": n})
        state.numbers[eid], state.kinds[eid] = str(n), "exercise"
    years = reading_years(course.readings)
    for rid, r in course.readings.items():
        labels[rid] = reading_label(r, years[rid], _("and"))
        state.kinds[rid] = "reading"
    outcome_label = {o.id: _("LO%(num)s") % {"num": i + 1} for i, o in enumerate(meta.outcomes)}

    intro_html = md.render(course.introduction.body) if course.introduction else None
    introduction = Markup(intro_html) if intro_html else None
    intro_notes = [Markup(n) for n in extract_audience(intro_html, "instructor")] if (intro_html and instructor) else []

    ex_unit: dict[str, dict[str, Any]] = {}
    units = []
    for unit in course.units:
        html = md.render(unit.source.body)
        notes = extract_audience(html, "instructor") if instructor else []
        units.append(
            {
                "num": unit_num[unit.meta.id],
                "id": unit.meta.id,
                "title": smart(unit.meta.title),
                "duration": duration(unit.meta.duration, lang) if unit.meta.duration else None,
                "outcomes": [smart(o) for o in unit.meta.learning_outcomes],
                "html": Markup(html),
                "notes": [Markup(n) for n in notes],
                "readings": [
                    {
                        "id": rid,
                        "html": isolate(
                            format_reading(course.readings[rid], _("and"), years[rid]),
                            course.readings[rid].title,
                            "span",
                        ),
                        "level": course.readings[rid].level,
                    }
                    for rid in unit.meta.readings
                    if rid in course.readings
                ],
                "exercises": [
                    {"id": eid, "num": ex_num[eid], "title": smart(course.exercises[eid].meta.title)}
                    for eid in unit.meta.exercises
                    if eid in ex_num
                ],
            }
        )
        for eid in unit.meta.exercises:
            ex_unit.setdefault(
                eid, {"id": unit.meta.id, "num": unit_num[unit.meta.id], "title": smart(unit.meta.title)}
            )

    timing_label = {"pre-class": _("Pre-class"), "in-class": _("In class"), "post-class": _("Post-class")}
    kind_label = {
        "discussion": _("Discussion"),
        "case-study": _("Case study"),
        "debate": _("Debate"),
        "role-play": _("Role play"),
        "research-task": _("Research task"),
        "problem-question": _("Problem question"),
        "reflection": _("Reflection"),
    }
    exercises = []
    state.restart_notes = True  # footnotes run on through the Exercises part (from 1)
    for eid in ex_order:
        ex = course.exercises[eid]
        html = Markup(md.render(ex.source.body))
        state.restart_notes = edition.per_exercise  # a handout is one exercise: its notes from 1
        exercises.append(
            {
                "num": ex_num[eid],
                "id": eid,
                "title": smart(ex.meta.title),
                "timing": timing_label[ex.meta.timing],
                "kind": kind_label[ex.meta.kind],
                "kind_key": ex.meta.kind,
                "duration": duration(ex.meta.duration, lang),
                "group_size": smart(ex.meta.grouping) if ex.meta.grouping else group_size(ex.meta.group_size, _),
                "outcomes": [outcome_label.get(o, o) for o in ex.meta.outcomes],
                "materials": [smart(m) for m in ex.meta.materials],
                "unit": ex_unit.get(eid),
                "html": html,
            }
        )

    state.restart_notes = True
    used_by: dict[str, list[int]] = {}
    for unit in course.units:
        for rid in unit.meta.readings:
            used_by.setdefault(rid, []).append(unit_num[unit.meta.id])

    def reading_entry(r: Reading) -> dict[str, Any]:
        qr = None
        if r.url and edition.name == "reading-list":  # a printed QR code takes the reader of paper to the source
            qr = segno.make(r.url, error="m").svg_data_uri(scale=4, border=2, dark="#1b1b1b")
        return {
            "url": r.url,
            "qr": qr,
            "id": r.id,
            "html": isolate(format_reading(r, _("and"), years[r.id]), r.title, "span"),
            "annotation": inline(r.annotation),
            "units": used_by.get(r.id, []),
            "sort": (r.authors[0].lower(), r.year, r.title.lower()),
        }

    entries = sorted((reading_entry(r) for r in course.readings.values()), key=lambda e: e["sort"])
    readings = {
        "core": [e for e in entries if course.readings[e["id"]].level == "core"],
        "advanced": [e for e in entries if course.readings[e["id"]].level == "advanced"],
    }

    assessment = None
    if course.assessment:
        rubrics = {r.id: r for r in course.assessment.rubrics}
        kinds = {
            "essay": _("Essay"),
            "quiz": _("Quiz"),
            "short-answer": _("Short answer"),
            "presentation": _("Presentation"),
            "reflection": _("Reflection"),
            "policy-brief": _("Policy brief"),
        }
        assessment = {
            "intro": block(course.assessment.intro),
            "tasks": [
                {
                    "id": t.id,
                    "title": smart(t.title),
                    "kind": kinds[t.kind],
                    "weight": format_percent(t.weight / 100, locale=locale(lang)) if t.weight is not None else None,
                    "instructions": block(t.instructions),
                    "questions": [
                        {"text": inline(q.text), "answer": block(q.answer) if "answer" in edition.audiences else None}
                        for q in t.questions
                    ],
                    "rubric": rubrics.get(t.rubric) if t.rubric else None,  # students see how they are marked
                }
                for t in course.assessment.tasks
            ],
        }

    plans = []
    guide = None
    matrix = None
    if instructor:
        state.series, saved = "G", (state.figures, state.tables)
        state.figures = state.tables = 0
        guide = block(course.guide.body) if course.guide else None
        state.series, (state.figures, state.tables) = "", saved
        for plan in course.plans:
            days: list[dict[str, Any]] = []
            start = plan.start or "00:00"
            base = int(start[:2]) * 60 + int(start[3:])
            clock = base
            for block_ in plan.blocks:
                day = block_.day or (days[-1]["day"] if days else 1)
                if not days or days[-1]["day"] != day:
                    days.append({"day": day, "rows": []})
                    clock = base
                ref_ids = [i for i in (block_.unit, block_.exercise) if i]
                elapsed = clock - base
                days[-1]["rows"].append(
                    {
                        "start": f"{clock // 60 % 24:02d}:{clock % 60:02d}"
                        if plan.start
                        else f"{elapsed // 60}:{elapsed % 60:02d}",
                        "minutes": block_.minutes,
                        "title": smart(block_.title),
                        "kind": block_.kind,
                        "refs": ref_ids,
                        "notes": inline(block_.notes),
                    }
                )
                clock += block_.minutes
            plans.append(
                {
                    "id": plan.id,
                    "title": smart(plan.title),
                    "length": duration(plan.length, lang),
                    "total": duration(sum(b.minutes for b in plan.blocks), lang),
                    "clock": bool(plan.start),
                    "description": block(plan.description),
                    "days": days,
                    "multi_day": len(days) > 1,
                }
            )
        if meta.outcomes:
            matrix = {
                "outcomes": [{"label": outcome_label[o.id], "text": smart(o.text)} for o in meta.outcomes],
                "rows": [
                    {
                        "num": e["num"],
                        "id": e["id"],
                        "title": e["title"],
                        "marks": [o.id in course.exercises[str(e["id"])].meta.outcomes for o in meta.outcomes],
                    }
                    for e in exercises
                ],
            }

    context = {
        "lang": lang,
        "dir": text_direction(lang),
        "edition": {"name": edition.name, "title": smart(_(edition.title))},
        "course": {
            "id": meta.id,
            "title": smart(meta.title),
            "short_title": smart(meta.short_title or meta.title),
            "subtitle": smart(meta.subtitle),
            "authors": meta.authors,
            "institution": meta.institution,
            "version": meta.version,
            "date": meta.date.isoformat(),
            "date_text": long_date(meta.date, lang),
            "licence": meta.licence,
            "description": meta.description,
            "keywords": meta.keywords,
            "resource_note": meta.resource_note,
            "content_warning": block(meta.content_warning),
            "contact": block(meta.contact),
            "cover_text": block(meta.cover_text),
            "paper": meta.paper,
            "outcomes": [{"label": outcome_label[o.id], "text": smart(o.text)} for o in meta.outcomes],
        },
        "introduction": introduction,
        "introduction_notes": intro_notes,
        "units": units,
        "exercises": exercises,
        "readings": readings,
        "assessment": assessment,
        "plans": plans,
        "guide": guide,
        "matrix": matrix,
        "labels": labels,
        "colon": COLONS.get(lang.split("-")[0], ": "),
        "list_sep": enumeration_separator(lang),
        "student_page": lambda ident: (student_pages or {}).get(ident),
    }
    source_labels = labels
    if source_lang != lang:
        source_labels = {}
        for ident, label in labels.items():
            kind = state.kinds.get(ident, "")
            if kind in LABELS:
                label = nbsp(source_words(LABELS[kind]) % {"num": state.numbers[ident]})
            elif kind == "reading":
                label = reading_label(course.readings[ident], years[ident], source_words("and"))
            source_labels[ident] = label
    return Resolved(context, labels, state.kinds, _, state.numbers, source_labels, source_words, source_lang)


def _number_slot(ident: str, text: str, numbers: dict[str, str]) -> str:
    """'{n}' in a link's own text is the target's number: [l’unité {n}](#some-unit) reads "l’unité 7"."""
    if NUMBER_SLOT not in text:
        return text
    if ident not in numbers:  # the checks catch this on one line; a link's text can run over two
        raise BuildError(
            f"'{{n}}' in the text of a link to '#{ident}': it has no number "
            "(only units, exercises, figures and tables do); write the words out"
        )
    return text.replace(NUMBER_SLOT, str(escape(numbers[ident])))


def finish_html(html: str, resolved: Resolved, lang: str, student_pages: dict[str, int] | None) -> str:
    """Fill cross-reference labels and page references into the templated HTML.

    A target inside this document gets a CSS ``target-counter`` page number; a target only in
    the student pack (cited from the instructor's guide) gets the page it has in the PDF built.
    """
    own_ids = set(ID_ATTR_RE.findall(html))
    pack = _RefWords(resolved.gettext, resolved.context["lang"])
    source = _RefWords(resolved.source_gettext or resolved.gettext, resolved.source_lang or resolved.context["lang"])

    def pageref(m: re.Match[str]) -> str:
        target, words = m.group(2), source if m.group(1) else pack
        if target in own_ids:
            head = words.list_before if resolved.kinds.get(target) == "reading" else words.before
            return (
                f'<a class="pageref" href="#{target}" data-before="{escape(words.sep + head)}" '
                f'data-after="{escape(words.after)}"></a>'
            )
        if student_pages and target in student_pages:
            text = words.gettext("Student pack, p. %(page)s") % {"page": student_pages[target]}
            return f'<span class="pageref external">{escape(words.open)}{escape(text)}{escape(words.close)}</span>'
        return ""

    html = PAGEREF_RE.sub(pageref, html)

    def xref(m: re.Match[str]) -> str:
        ident, text = m.group(1), _number_slot(m.group(1), m.group(2), resolved.numbers)
        if ident in own_ids:
            return f'<a class="xref" href="#{ident}">{text}</a>'
        return f'<span class="xref">{text}</span>'  # its target is not in this document (the student pack's units)

    def label(m: re.Match[str]) -> str:
        labels = resolved.source_labels if m.group(1) and resolved.source_labels else resolved.labels
        return str(escape(labels.get(m.group(2), m.group(2))))

    html = XREF_LINK_RE.sub(xref, html)
    return XREF_RE.sub(label, html)


class _RefWords:
    """The words around a page reference in one language: ", p. 14", ", reading list, p. 30"."""

    def __init__(self, gettext: Callable[[str], str], lang: str) -> None:
        self.gettext = gettext
        self.sep = list_separator(lang)
        before, _page, self.after = gettext("p. %(page)s").partition("%(page)s")
        self.before = before.replace(" ", "\u00a0")
        self.list_before = gettext("reading list, p.") + ("" if lang.startswith(("zh", "ja")) else "\u00a0")
        self.open, self.close = " (", ")"  # around a page in another document: "(Student pack, p. 14)"
        if lang.startswith(("zh", "ja")):  # a page reference in full-width parentheses: 图1（第12页）
            self.sep, self.after, self.open, self.close = "\uff08", self.after + "\uff09", "\uff08", "\uff09"


def bilingual_pairs(source: Course, localized: Course, audiences: frozenset[str]) -> list[dict[str, Any]]:
    """Source and translation side by side, section by section, for each document of the pack."""
    from coursepack.localize import proof_sections

    src_state = RenderState(audiences, lang=source.meta.language, source_lang=source.meta.language, all_source=True)
    tr_state = RenderState(
        audiences,
        catalog(localized.lang, localized.terms).gettext,
        lang=localized.lang,
        source_lang=source.meta.language,
        assets=localized.assets,
    )
    src_md, tr_md = MarkdownRenderer(src_state), MarkdownRenderer(tr_state)
    docs: list[tuple[str, str, str, str]] = []  # (rel path, source title, translated title, source body)
    if source.introduction:
        docs.append(("introduction.md", "Introduction", "", source.introduction.body))
    for unit, tunit in zip(source.units, localized.units, strict=True):
        docs.append(
            (unit.source.path.relative_to(source.root).as_posix(), unit.meta.title, tunit.meta.title, unit.source.body)
        )
    for eid in source.exercise_order:
        ex, tex = source.exercises[eid], localized.exercises[eid]
        docs.append((ex.source.path.relative_to(source.root).as_posix(), ex.meta.title, tex.meta.title, ex.source.body))
    out = []
    for rel, title, ttitle, body in docs:
        translated = localized.translated_bodies.get(rel)
        left = proof_sections(body)
        right = proof_sections(translated) if translated is not None else []
        rows = []
        for i in range(max(len(left), len(right))):
            rows.append(
                {
                    # the translation column owns the ids (one anchor per id in a PDF)
                    "source": Markup(ID_ATTR_RE.sub("", src_md.render(left[i][1]))) if i < len(left) else None,
                    "translation": Markup(tr_md.render(right[i][1])) if i < len(right) else None,
                }
            )
        out.append(
            {
                "path": rel,
                "title": src_md.smart(title),
                "translated_title": tr_md.smart(ttitle) if ttitle else None,
                "rows": rows,
                "missing": translated is None,
            }
        )
    return out
