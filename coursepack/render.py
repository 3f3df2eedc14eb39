"""Stage 4 — render HTML: the edition's entry template with the resolved context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from coursepack.editions import Edition
from coursepack.errors import BuildError, display_path
from coursepack.markdown.sanitize import check_leaks
from coursepack.model import Course
from coursepack.resolve import bilingual_pairs, resolve
from coursepack.theme import environment


def render_html(
    course: Course,
    lang: str,
    edition: Edition,
    student_pages: dict[str, int] | None = None,
    extra: dict[str, Any] | None = None,
    source: Course | None = None,
) -> str:
    """The complete HTML document of one target; ``extra`` adds build facts (paper, date)."""
    item = (extra or {}).get("item")
    resolved = resolve(course, lang, edition, student_pages, item)
    resolved.context.update(extra or {})
    if item:  # a per-exercise edition: this exercise only
        resolved.context["exercises"] = [e for e in resolved.context["exercises"] if e["id"] == item]
    if source is not None and edition.review_only:
        resolved.context["pairs"] = bilingual_pairs(source, course, edition.audiences)
    env = environment(course.root, lang, course.terms)
    try:
        template = env.get_template(edition.template)
        html = template.render(resolved.context)
    except jinja2.TemplateSyntaxError as exc:
        where = display_path(Path(exc.filename)) if exc.filename else exc.name
        raise BuildError(f"{where}:{exc.lineno}: template error: {exc.message}") from None
    except jinja2.TemplateNotFound as exc:
        raise BuildError(
            f"template '{exc.name}' not found in {display_path(course.root / 'templates')} or the default theme"
        ) from None
    except jinja2.UndefinedError as exc:
        raise BuildError(f"template error in {edition.template}: {exc.message}") from None
    if not edition.review_only:  # a hit stops the build, naming the file
        check_leaks(html, course, edition.audiences, edition.name, resolved.hidden_allowed)
    return html
