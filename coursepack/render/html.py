"""Stage 4 — render HTML: the edition's entry template with the resolved context (a ``PackView``)."""

from __future__ import annotations

import traceback
from pathlib import Path

import jinja2
from jinja2.sandbox import SecurityError

from coursepack.content.model import Course
from coursepack.errors import BuildError, Diagnostics, display_path
from coursepack.markdown.sanitize import check_leaks
from coursepack.render.editions import Edition
from coursepack.render.theme import environment, template_dirs
from coursepack.resolve.context import resolve
from coursepack.resolve.views import BuildFacts


def render_html(
    course: Course,
    lang: str,
    edition: Edition,
    student_pages: dict[str, int] | None,
    facts: BuildFacts,
    source: Course | None = None,
) -> str:
    """The complete HTML document of one target, as the build made it (``facts``: paper, date)."""
    resolved = resolve(course, lang, edition, facts, student_pages, source)
    env = environment(course.root, lang, course.terms, course.meta.theme)
    try:
        html = resolved.finish(env.get_template(edition.template).render(resolved.view.as_context()))
    except Exception as exc:  # a template's fault is a message at its line; anything else is ours
        raise template_error(exc, course.root, edition.template, course.meta.theme) or exc from None
    if not edition.review_only:  # a hit stops the build, naming the file
        check_leaks(html, course, edition.audiences, edition.name, resolved.hidden_allowed)
    return html


class TemplateProblem(BuildError):
    """An error in a template, at its file and line (the line is 0 when not known)."""

    def __init__(self, message: str, path: Path | None = None, line: int = 0) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{display_path(path)}:{line}: " if path is not None and line else ""
        super().__init__(where + message)


def template_error(exc: BaseException, course_root: Path, name: str, theme: str | None = None) -> BuildError | None:
    """The one-line message for an error raised while rendering a template (None if it is not
    the template's fault): the template file and line, what went wrong, what to do."""
    if isinstance(exc, BuildError):
        return exc
    if isinstance(exc, jinja2.TemplateSyntaxError):
        path = Path(exc.filename) if exc.filename else None
        return TemplateProblem(f"template error: {exc.message}", path, exc.lineno)
    if isinstance(exc, jinja2.TemplateNotFound):
        return TemplateProblem(
            f"template '{exc.name}' not found in {display_path(course_root / 'templates')} or the default theme"
        )
    if isinstance(exc, RecursionError):
        return TemplateProblem(
            f"template error in {name}: it extends or includes itself, or nests too deep "
            "(an override that extends the template it replaces must extend 'default/<name>')"
        )
    path, line = _template_line(exc, template_dirs(course_root, theme))
    if isinstance(exc, SecurityError):
        return TemplateProblem(
            f"template error: {exc}: a template can use only the values coursepack gives it", path, line
        )
    if isinstance(exc, jinja2.UndefinedError):
        return TemplateProblem(f"template error: {exc.message}", path, line)
    if isinstance(exc, jinja2.TemplateError | ArithmeticError | LookupError | TypeError | ValueError):
        if path is None and not isinstance(exc, jinja2.TemplateError):
            return None  # (not raised in a template: our bug, with its traceback)
        return TemplateProblem(f"template error: {type(exc).__name__}: {exc}", path, line)
    return None


def _template_line(exc: BaseException, dirs: list[Path]) -> tuple[Path | None, int]:
    """The file and line of the innermost template frame of an error (Jinja gives template
    frames their template's file name and line)."""
    found: tuple[Path | None, int] = (None, 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if any(path.is_relative_to(d) for d in dirs):
            found = (path, frame.lineno or 0)
    return found


def check_rendering(course: Course, diags: Diagnostics) -> None:
    """Render each edition of a course that has its own templates (in its language, without
    typesetting), so that ``check`` reports what its templates do wrong when they run."""
    if not (course.root / "templates").is_dir():
        return
    from coursepack.matrix import PAPERS, Variant
    from coursepack.render.editions import EDITIONS

    facts = BuildFacts(
        page=PAPERS[course.meta.paper],
        variant=Variant(),
        created=course.meta.date.isoformat(),
        source_lang=course.meta.language,
    )
    for edition in EDITIONS.values():
        if edition.review_only:
            continue
        try:
            render_html(course, course.meta.language, edition, {} if edition.needs else None, facts, course)
        except TemplateProblem as exc:
            where = exc.path or course.root / "templates" / edition.template
            diags.error(where, exc.line, 1, exc.message)
            return  # (one is enough: the others would most often say the same)
