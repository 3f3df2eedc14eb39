"""Stage 4 — render HTML: the edition's entry template with the resolved context."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SecurityError

from coursepack.editions import Edition
from coursepack.errors import BuildError, display_path
from coursepack.markdown.sanitize import check_leaks
from coursepack.model import Course
from coursepack.resolve import bilingual_pairs, resolve
from coursepack.theme import environment, template_dirs


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
        html = env.get_template(edition.template).render(resolved.context)
    except Exception as exc:  # a template's fault is a message at its line; anything else is ours
        raise template_error(exc, course.root, edition.template) or exc from None
    if not edition.review_only:  # a hit stops the build, naming the file
        check_leaks(html, course, edition.audiences, edition.name, resolved.hidden_allowed)
    return html


def template_error(exc: BaseException, course_root: Path, name: str) -> BuildError | None:
    """The one-line message for an error raised while rendering a template (None if it is not
    the template's fault): the template file and line, what went wrong, what to do."""
    if isinstance(exc, BuildError):
        return exc
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = display_path(Path(exc.filename)) if exc.filename else exc.name
        return BuildError(f"{where}:{exc.lineno}: template error: {exc.message}")
    if isinstance(exc, jinja2.TemplateNotFound):
        return BuildError(
            f"template '{exc.name}' not found in {display_path(course_root / 'templates')} or the default theme"
        )
    if isinstance(exc, RecursionError):
        return BuildError(
            f"template error in {name}: it extends or includes itself, or nests too deep "
            "(an override that extends the template it replaces must extend 'default/<name>')"
        )
    where = _template_line(exc, template_dirs(course_root)) or name
    if isinstance(exc, SecurityError):
        return BuildError(f"{where}: template error: {exc}: a template can use only the values coursepack gives it")
    if isinstance(exc, jinja2.UndefinedError):
        return BuildError(f"{where}: template error: {exc.message}")
    if isinstance(exc, jinja2.TemplateError | ArithmeticError | LookupError | TypeError | ValueError):
        if where == name and not isinstance(exc, jinja2.TemplateError):
            return None  # (not raised in a template: our bug, with its traceback)
        return BuildError(f"{where}: template error: {type(exc).__name__}: {exc}")
    return None


def _template_line(exc: BaseException, dirs: list[Path]) -> str | None:
    """``file:line`` of the innermost template frame of an error (Jinja gives template frames
    their template's file name and line)."""
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if any(path.is_relative_to(d) for d in dirs):
            found = f"{display_path(path)}:{frame.lineno}"
    return found
