"""The template search path: a course's own ``templates/`` first, then the default theme.

An override replaces the default file of the same name; ``default/<name>`` always reaches the
default theme, so an override can extend the template it replaces.

A course's templates are untrusted: every template renders in Jinja's immutable sandbox
(no attribute of Python's internals, no method that changes a value, ranges capped), sees only
the context and filters coursepack passes, and is read through the jail (a template that is a
link out of its folder is refused).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import jinja2
from babel.numbers import format_percent
from jinja2.bccache import Bucket
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment

from coursepack.errors import BuildError, Diagnostics, display_path
from coursepack.i18n import catalog, locale
from coursepack.jail import read_bytes
from coursepack.machine import cache_dir, private_dir

PACKAGE_THEME = Path(__file__).parents[1] / "theme"  # inside an installed wheel
SOURCE_THEME = Path(__file__).parents[2] / "templates"  # in a source checkout


def default_theme_dir() -> Path:
    """Where the default theme is, installed or in a checkout."""
    for candidate in (PACKAGE_THEME, SOURCE_THEME):
        if (candidate / "base.html").is_file():
            return candidate
    raise FileNotFoundError("default theme not found: reinstall coursepack")


def search_path(course_root: Path, theme: str | None = None) -> list[Path]:
    """Directories searched for templates and stylesheets, first match wins: the course's own
    ``templates/``, the theme it chose (an installed plugin's), the default theme."""
    from coursepack.plugins import THEMES

    dirs = []
    own = course_root / "templates"
    if own.is_dir():
        dirs.append(own)
    if theme is not None and theme in THEMES:
        dirs.append(THEMES[theme])
    dirs.append(default_theme_dir())
    return dirs


def find_file(name: str, dirs: list[Path]) -> Path | None:
    for d in dirs:
        if (d / name).is_file():
            return d / name
    return None


# Everything that changes the code Jinja compiles a template to (the source itself is checked by Jinja).
_SETTINGS = dict(autoescape=True, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


class TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates, like Python's ``.pyc``: compiled once per machine, not once per pack.

    Kept in memory for the process and on disk under the machine cache (``machine.cache_dir``);
    Jinja checks each against its source, and the key holds Jinja's version and our settings,
    so nothing stale is ever used. A cache that cannot be written is simply not kept.
    """

    def __init__(self) -> None:
        salt = repr((jinja2.__version__, sorted(_SETTINGS.items()), "newstyle-gettext", "immutable-sandbox"))
        self._salt = hashlib.sha256(salt.encode()).hexdigest()[:16]
        self._memory: dict[str, bytes] = {}
        directory = private_dir("templates")  # (compiled code is run from it: ours alone, or not kept)
        self._disk = directory is not None
        super().__init__(str(directory or cache_dir() / "templates"), "%s.jinja")

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{self._salt}:{name}", filename)

    def load_bytecode(self, bucket: Bucket) -> None:
        data = self._memory.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)
        elif self._disk:
            try:
                super().load_bytecode(bucket)
            except Exception:  # unreadable, truncated or from another Python: compile again
                bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._memory[bucket.key] = bucket.bytecode_to_string()
        if self._disk:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                self._disk = False


_TEMPLATE_CACHE: TemplateCache | None = None


def template_cache() -> TemplateCache:
    global _TEMPLATE_CACHE
    if _TEMPLATE_CACHE is None:
        _TEMPLATE_CACHE = TemplateCache()
    return _TEMPLATE_CACHE


class TemplateFileError(BuildError):
    """A template file that cannot be used (outside the course, too large, not text)."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{display_path(path)}:1:1: {message}")


class JailedLoader(jinja2.FileSystemLoader):
    """Templates of one folder, read through the jail: a link out of the folder is an error."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for folder in self.searchpath:
            path = Path(folder, *pieces)
            if not (path.is_file() or path.is_symlink()):
                continue
            try:
                source = read_bytes(path, [Path(folder)]).decode("utf-8")
                mtime = path.stat().st_mtime
            except UnicodeDecodeError:
                raise TemplateFileError(path, "not UTF-8 text: save the template as UTF-8") from None
            except OSError as exc:
                raise TemplateFileError(path, str(exc)) from None

            def uptodate(path: Path = path, mtime: float = mtime) -> bool:
                try:
                    return path.stat().st_mtime == mtime
                except OSError:
                    return False

            return source, str(path), uptodate
        raise jinja2.TemplateNotFound(template)


def environment(
    course_root: Path, lang: str, terms: dict[str, str] | None = None, theme: str | None = None
) -> jinja2.Environment:
    """A sandboxed Jinja environment: autoescape, StrictUndefined, gettext for ``lang``."""
    loader = jinja2.ChoiceLoader(
        [
            jinja2.PrefixLoader({"default": JailedLoader(default_theme_dir())}),
            JailedLoader([str(d) for d in search_path(course_root, theme)]),
        ]
    )
    env = ImmutableSandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        bytecode_cache=template_cache(),
        **_SETTINGS,  # type: ignore[arg-type]
    )
    env.install_gettext_translations(catalog(lang, terms), newstyle=True)  # type: ignore[attr-defined]
    # {{ 30|percent }}: "30%", "30 %" in French, in the language's own way
    env.filters["percent"] = lambda value: format_percent(value / 100, locale=locale(lang))
    return env


def template_dirs(course_root: Path, theme: str | None = None) -> list[Path]:
    """Every folder a template of the course may come from (for naming one in a message)."""
    return [*search_path(course_root, theme), default_theme_dir()]


def check_templates(course_root: Path, diags: Diagnostics, theme: str | None = None) -> None:
    """Compile each template of a course's ``templates/`` (``check`` finds a syntax error, a
    template linked out of the course, a template that is not text; errors met only when a
    template renders are reported by the build, at their line)."""
    own = course_root / "templates"
    if not own.is_dir():
        return
    env = environment(course_root, "en", theme=theme)
    for path in sorted(own.rglob("*.html")):
        name = path.relative_to(own).as_posix()
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            diags.error(Path(exc.filename or path), exc.lineno, 1, f"template error: {exc.message}")
        except TemplateFileError as exc:
            diags.error(exc.path, 1, 1, exc.message)
