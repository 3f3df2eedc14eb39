"""Plugins: installed packages that add block kinds, exercise kinds, editions and themes.

A plugin is a module named in the ``coursepack`` entry-point group of an installed package::

    [project.entry-points.coursepack]
    my-kinds = "my_package.coursepack_plugin"

that implements any of the hooks of ``Spec`` with ``@coursepack.plugins.hookimpl`` (pluggy, the
plugin system of pytest, tox and datasette). Only installed packages are plugins: a course
folder cannot bring one (it is untrusted input: docs/security.md). ``load()`` runs once per
process, before a course is read or a command's options are parsed; a plugin that fails to
import or gives something invalid stops the command with one line naming the plugin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pluggy

from coursepack.content.model import EXERCISE_KINDS as BUILTIN_EXERCISE_KINDS
from coursepack.markdown.blocks import KINDS, BlockKind
from coursepack.render.editions import EDITIONS, Edition

GROUP = "coursepack"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
hookspec = pluggy.HookspecMarker(GROUP)
hookimpl = pluggy.HookimplMarker(GROUP)


class PluginError(Exception):
    """A plugin that cannot be used (one line: which, and why)."""


class Spec:
    """The hooks a plugin may implement (each returns what it adds)."""

    @hookspec
    def coursepack_block_kinds(self) -> list[tuple[BlockKind, tuple[str, ...]]]:  # type: ignore[empty-body]
        """Block kinds (``::: name``), each with the names other tools give it."""

    @hookspec
    def coursepack_editions(self) -> list[Edition]:  # type: ignore[empty-body]
        """Editions: which audiences' blocks each shows, its template and file name."""

    @hookspec
    def coursepack_exercise_kinds(self) -> dict[str, dict[str, str]]:  # type: ignore[empty-body]
        """Exercise kinds (an exercise's ``kind:``), each with its printed label by language
        (``{"moot-court": {"en": "Moot court", "fr": "Procès simulé"}}``; a language not given
        prints the English label)."""

    @hookspec
    def coursepack_themes(self) -> dict[str, Path]:  # type: ignore[empty-body]
        """Themes by name: a folder of templates and stylesheets a course chooses with ``theme:``
        in course.yaml (searched after the course's own ``templates/``, before the default)."""


@dataclass
class Loaded:
    """What the plugins added, by plugin."""

    plugins: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # kind -> plugin
    exercise_kinds: dict[str, str] = field(default_factory=dict)  # exercise kind -> plugin
    editions: dict[str, str] = field(default_factory=dict)
    themes: dict[str, Path] = field(default_factory=dict)


THEMES: dict[str, Path] = {}  # theme name -> folder (from plugins)
EXERCISE_KINDS: dict[str, dict[str, str]] = {}  # exercise kind -> its label by language (from plugins)
_loaded: Loaded | None = None


def manager(entry_points: bool = True) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(Spec)
    if entry_points:
        try:
            pm.load_setuptools_entrypoints(GROUP)
        except Exception as exc:  # a plugin that does not import: name it, in one line
            raise PluginError(f"a coursepack plugin failed to load ({type(exc).__name__}: {exc})") from None
    return pm


def load(pm: pluggy.PluginManager | None = None) -> Loaded:
    """Apply every installed plugin's additions to the registries (once per process)."""
    global _loaded
    if _loaded is not None and pm is None:
        return _loaded
    pm = pm or manager()
    loaded = Loaded([pm.get_name(p) or repr(p) for p in pm.get_plugins()])
    builtin_kinds, builtin_editions = set(KINDS.kinds), set(EDITIONS)
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        hooks = {h.name for h in pm.get_hookcallers(plugin) or []}
        if "coursepack_block_kinds" in hooks:
            for kind, aliases in plugin.coursepack_block_kinds():
                _new(kind.name, builtin_kinds, loaded.kinds, name, "block kind")
                KINDS.register(kind, *aliases)
                loaded.kinds[kind.name] = name
        if "coursepack_editions" in hooks:
            for edition in plugin.coursepack_editions():
                _new(edition.name, builtin_editions, loaded.editions, name, "edition")
                if edition.needs is not None and edition.needs not in EDITIONS:
                    raise PluginError(
                        f"plugin {name}: edition '{edition.name}' needs '{edition.needs}', which is no edition"
                    )
                EDITIONS[edition.name] = edition
                loaded.editions[edition.name] = name
        if "coursepack_exercise_kinds" in hooks:
            for kind, labels in plugin.coursepack_exercise_kinds().items():
                _new(kind, set(BUILTIN_EXERCISE_KINDS), loaded.exercise_kinds, name, "exercise kind")
                if not SLUG.fullmatch(kind) or "en" not in labels:
                    raise PluginError(
                        f"plugin {name}: exercise kind '{kind}' needs a lower-case name with hyphens "
                        "and an English label ({'en': ...})"
                    )
                EXERCISE_KINDS[kind] = dict(labels)
                loaded.exercise_kinds[kind] = name
        if "coursepack_themes" in hooks:
            for theme, folder in plugin.coursepack_themes().items():
                folder = Path(folder)
                if not (folder / "base.html").is_file() and not (folder / "style.css").is_file():
                    raise PluginError(f"plugin {name}: theme '{theme}' at {folder} has neither base.html nor style.css")
                if theme in THEMES:
                    raise PluginError(f"plugin {name}: theme '{theme}' is also given by another plugin")
                THEMES[theme] = folder
                loaded.themes[theme] = folder
    _loaded = loaded
    return loaded


def _new(name: str, builtin: set[str], added: dict[str, str], plugin: str, what: str) -> None:
    if name in builtin:
        raise PluginError(f"plugin {plugin}: {what} '{name}' is built in; give yours another name")
    if name in added:
        raise PluginError(f"plugin {plugin}: {what} '{name}' is also added by plugin {added[name]}")
