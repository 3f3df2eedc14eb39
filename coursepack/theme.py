"""The template search path: a course's own ``templates/`` first, then the default theme.

An override replaces the default file of the same name; ``default/<name>`` always reaches the
default theme, so an override can extend the template it replaces.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from coursepack.i18n import catalog

PACKAGE_THEME = Path(__file__).parent / "theme"  # inside an installed wheel
SOURCE_THEME = Path(__file__).parent.parent / "templates"  # in a source checkout


def default_theme_dir() -> Path:
    """Where the default theme is, installed or in a checkout."""
    for candidate in (PACKAGE_THEME, SOURCE_THEME):
        if (candidate / "base.html").is_file():
            return candidate
    raise FileNotFoundError("default theme not found: reinstall coursepack")


def search_path(course_root: Path) -> list[Path]:
    """Directories searched for templates and stylesheets, first match wins."""
    dirs = []
    own = course_root / "templates"
    if own.is_dir():
        dirs.append(own)
    dirs.append(default_theme_dir())
    return dirs


def find_file(name: str, dirs: list[Path]) -> Path | None:
    for d in dirs:
        if (d / name).is_file():
            return d / name
    return None


def environment(course_root: Path, lang: str, terms: dict[str, str] | None = None) -> jinja2.Environment:
    """A Jinja environment: autoescape, StrictUndefined, gettext for ``lang``."""
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(default_theme_dir())}),
            jinja2.FileSystemLoader([str(d) for d in search_path(course_root)]),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(catalog(lang, terms), newstyle=True)  # type: ignore[attr-defined]
    return env
