"""Plugins (pluggy, the 'coursepack' entry-point group) add block kinds, editions and themes,
without editing the package; a plugin that cannot be used stops a command in one line. A
course folder cannot bring a plugin. Nothing here typesets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coursepack import plugins
from coursepack.build import load_and_check, stylesheets, target_html
from coursepack.errors import ContentError
from coursepack.markdown.blocks import KINDS, BlockKind
from coursepack.matrix import Variant, plan_targets
from coursepack.plugins import hookimpl
from coursepack.render.editions import EDITIONS, Edition

from conftest import EPOCH, FIXTURES, ROOT


@pytest.fixture
def registries():  # type: ignore[no-untyped-def]
    """The registries as they are, restored in place after the test (plugins change them for
    the process, and modules hold them by reference)."""
    saved = [(d, dict(d)) for d in (KINDS.kinds, KINDS.aliases, EDITIONS, plugins.THEMES, plugins.EXERCISE_KINDS)]
    loaded = plugins._loaded
    plugins._loaded = None
    yield
    for live, before in saved:
        live.clear()
        live.update(before)
    plugins._loaded = loaded


def _theme(tmp_path: Path) -> Path:
    folder = tmp_path / "plain-theme"
    folder.mkdir()
    default = ROOT / "templates" / "style.css"
    (folder / "style.css").write_text("/* the plain theme */\n" + default.read_text())
    return folder


class Demo:
    def __init__(self, theme: Path) -> None:
        self.theme = theme

    @hookimpl
    def coursepack_block_kinds(self) -> list[tuple[BlockKind, tuple[str, ...]]]:
        return [
            (
                BlockKind("checkpoint", "Checkpoint", "instructor", collect=frozenset({"teaching-notes"})),
                ("check-point",),
            )
        ]

    @hookimpl
    def coursepack_editions(self) -> list[Edition]:
        return [
            Edition(
                "unit-notes",
                "Unit notes",
                "student.html",
                "unit-notes.pdf",
                frozenset({"student"}),
                prints=frozenset({"unit"}),
            )
        ]

    @hookimpl
    def coursepack_exercise_kinds(self) -> dict[str, dict[str, str]]:
        return {"moot-court": {"en": "Mock trial", "fr": "Procès simulé"}}

    @hookimpl
    def coursepack_themes(self) -> dict[str, Path]:
        return {"plain": self.theme}


def _course(tmp_path: Path, theme: str | None = None) -> Path:
    course = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "minimal", course)
    unit = course / "units" / "first-unit.md"
    unit.write_text(unit.read_text() + "\n::: check-point\nAsk who has run the tests: a show of hands.\n:::\n")
    exercise = course / "exercises" / "ex-alpha.md"
    exercise.write_text(exercise.read_text().replace("kind: discussion", "kind: moot-court"))
    if theme:
        meta = course / "course.yaml"
        meta.write_text(meta.read_text().replace("paper: a4\n", "") + f"theme: {theme}\n")
    return course


def _load(tmp_path: Path) -> plugins.Loaded:
    pm = plugins.manager(entry_points=False)
    pm.register(Demo(_theme(tmp_path)), "demo")
    return plugins.load(pm)


def test_a_plugin_adds_a_block_kind_an_edition_and_a_theme(registries: None, tmp_path: Path) -> None:
    loaded = _load(tmp_path)
    assert loaded.kinds == {"checkpoint": "demo"} and loaded.editions == {"unit-notes": "demo"}
    assert loaded.exercise_kinds == {"moot-court": "demo"}
    course = _course(tmp_path, theme="plain")
    checked = load_and_check([course])
    targets = plan_targets(
        checked.localized, tmp_path / "out", ["en"], ["student", "instructor", "unit-notes"], variants=[Variant()]
    )
    html = {t.edition.name: target_html(t, checked, EPOCH, {} if t.edition.needs else None) for t in targets}
    # the kind's audience holds: the guide shows the checkpoint, the student pack never does
    assert "who has run the tests" in html["instructor"] and "callout-checkpoint" in html["instructor"]
    assert "who has run the tests" not in html["student"]
    assert "unit-notes" in html and "who has run the tests" not in html["unit-notes"]
    # the exercise kind prints its label, not the word
    assert "Mock trial" in html["student"] and "Moot court" not in html["student"]
    sheets = stylesheets(checked.courses[0], "en")
    assert sheets[0].read_text().startswith("/* the plain theme */")


def test_an_unknown_theme_is_an_error_at_its_line(registries: None, tmp_path: Path) -> None:
    _load(tmp_path)
    course = _course(tmp_path, theme="plian")
    with pytest.raises(ContentError) as caught:
        load_and_check([course])
    line = next(str(d) for d in caught.value.diagnostics if "theme" in str(d))
    assert "course.yaml:" in line and "theme 'plian' not found: did you mean 'plain'?" in line


def test_a_plugin_may_not_redefine_what_is_built_in(registries: None) -> None:
    class Clash:
        @hookimpl
        def coursepack_block_kinds(self) -> list[tuple[BlockKind, tuple[str, ...]]]:
            return [(BlockKind("solution", "Mine"), ())]

    pm = plugins.manager(entry_points=False)
    pm.register(Clash(), "clash")
    with pytest.raises(plugins.PluginError, match=r"plugin clash: block kind 'solution' is built in"):
        plugins.load(pm)


def test_a_plugin_may_not_redefine_an_exercise_kind_or_leave_out_its_english_label(registries: None) -> None:
    class Clash:
        @hookimpl
        def coursepack_exercise_kinds(self) -> dict[str, dict[str, str]]:
            return {"debate": {"en": "Debate"}}

    class Unlabelled:
        @hookimpl
        def coursepack_exercise_kinds(self) -> dict[str, dict[str, str]]:
            return {"moot-court": {"fr": "Procès simulé"}}

    for plugin, message in ((Clash(), "exercise kind 'debate' is built in"), (Unlabelled(), "an English label")):
        pm = plugins.manager(entry_points=False)
        pm.register(plugin, "p")
        plugins._loaded = None
        with pytest.raises(plugins.PluginError, match=message):
            plugins.load(pm)


SITE_PLUGIN = """
from coursepack.markdown.blocks import BlockKind
from coursepack.plugins import hookimpl

@hookimpl
def coursepack_block_kinds():
    return [(BlockKind("checkpoint", "Checkpoint", "instructor"), ("check-point",))]
"""


def _site(tmp_path: Path, source: str) -> dict[str, str]:
    """An installed package with an entry point in the 'coursepack' group (a dist-info on the path)."""
    site = tmp_path / "site"
    (site / "demo_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "demo_plugin.py").write_text(textwrap.dedent(source))
    (site / "demo_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: demo-plugin\nVersion: 1.0\n"
    )
    (site / "demo_plugin-1.0.dist-info" / "entry_points.txt").write_text("[coursepack]\ndemo = demo_plugin\n")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}


def test_an_installed_plugin_is_found_by_its_entry_point(tmp_path: Path) -> None:
    env = _site(tmp_path, SITE_PLUGIN)
    listed = subprocess.run(
        [sys.executable, "-m", "coursepack", "plugins"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert listed.returncode == 0, listed.stderr
    assert "demo" in listed.stdout and "block kinds: checkpoint" in listed.stdout
    course = _course(tmp_path)
    checked = subprocess.run(
        [sys.executable, "-m", "coursepack", "check", str(course)], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # without the plugin, the same course names the unknown block at its line
    plain = subprocess.run(
        [sys.executable, "-m", "coursepack", "check", str(course)], capture_output=True, text=True, cwd=ROOT
    )
    assert plain.returncode == 1 and "check-point" in plain.stdout + plain.stderr


def test_a_plugin_that_fails_to_load_stops_in_one_line(tmp_path: Path) -> None:
    env = _site(tmp_path, "raise ImportError('no module named missing_dependency')\n")
    result = subprocess.run(
        [sys.executable, "-m", "coursepack", "check", str(FIXTURES / "minimal")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: a coursepack plugin failed to load (ImportError: no module named missing_dependency)"
    ]
