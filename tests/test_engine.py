"""The engine boundary (coursepack/engine/): only the engine versions we test are used, every
patch checks what it replaces before any is applied, and an engine we do not know stops a
build with one line saying what to install. Nothing here typesets."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack import engine
from coursepack.cli import main
from coursepack.engine import versions
from coursepack.engine.patch import Patch, parameters, resolve
from coursepack.engine.patches import PATCHES

from conftest import FIXTURES, ROOT


def test_pyproject_pins_the_versions_the_engine_check_admits() -> None:
    """One range per distribution, written twice (for pip and for the check at start-up): equal."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for s in versions.SUPPORTED:
        assert s.requirement in deps, f"pyproject.toml should require {s.requirement}"


def test_the_installed_engine_is_supported_and_every_patch_fits_it() -> None:
    versions.check()
    for patch in PATCHES:
        patch.check()
        assert patch.upstream.startswith("docs/engine.md#") and patch.reason


@pytest.mark.parametrize(
    ("found", "admitted"), [("70.0", True), ("70.1.2", True), ("71.0", False), ("69.5", False), ("71.0b1", False)]
)
def test_a_range_admits_the_versions_it_says(found: str, admitted: bool) -> None:
    assert versions.Supported("weasyprint", "70.0", "71").admits(found) is admitted


def test_another_engine_version_is_refused_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        versions, "installed", lambda d: "71.0" if d == "weasyprint" else "4.69.1" if d == "fonttools" else "0.13.0"
    )
    with pytest.raises(versions.EngineError) as caught:
        versions.check()
    message = str(caught.value)
    assert "\n" not in message
    assert "weasyprint 71.0 is installed" in message and "pip install 'weasyprint>=70.0,<71'" in message


def test_a_build_on_another_engine_stops_before_typesetting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """One line, exit 1, nothing written: the check runs before the engine is imported."""
    monkeypatch.setattr(
        versions, "installed", lambda d: "72.1" if d == "weasyprint" else "4.69.1" if d == "fonttools" else "0.13.0"
    )
    result = CliRunner().invoke(main, ["build", str(FIXTURES / "minimal"), "-o", str(tmp_path / "out"), "--no-cache"])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if "weasyprint 72.1" in line]
    assert len(errors) == 1 and "pip install 'weasyprint>=70.0,<71'" in errors[0]
    assert "Traceback" not in result.output
    assert not list((tmp_path / "out").rglob("*.pdf"))


def test_a_patch_whose_target_changed_stops_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """As after an engine upgrade that renamed a parameter, or removed the function."""
    import weasyprint.layout.page as wp_page

    patch = next(p for p in PATCHES if p.name == "footnote-repagination")
    monkeypatch.setattr(wp_page, "remake_page", lambda index, context, root_box, html, extra: None)
    with pytest.raises(
        versions.EngineError,
        match=r"'footnote-repagination' was written for weasyprint\.layout\.page\.remake_page\(index, context, root_box, html\) but this engine has .*\(index, context, root_box, html, extra\): install weasyprint>=70\.0,<71",
    ):
        patch.check()
    monkeypatch.delattr(wp_page, "remake_page")
    with pytest.raises(versions.EngineError, match=r"remake_page \(missing\)"):
        patch.check()


def test_qualified_names_resolve_through_modules_and_classes() -> None:
    assert parameters(resolve("weasyprint.pdf.fonts.Font.subset")) == ("self", "to_unicode", "hinting")
    assert resolve("weasyprint.no_such_module.thing") is None
    assert resolve("weasyprint.pdf.fonts.NoSuchClass.subset") is None


def test_loading_checks_every_patch_before_applying_any(monkeypatch: pytest.MonkeyPatch) -> None:
    applied: list[str] = []
    fits = Patch("fits", lambda: applied.append("fits"), {}, "a reason", "docs/engine.md#fits")
    broken = Patch(
        "broken", lambda: applied.append("broken"), {"weasyprint.no_such_function": ()}, "r", "docs/engine.md#b"
    )
    monkeypatch.setattr(engine, "_loaded", False)
    monkeypatch.setattr(sys.modules["coursepack.engine.patches"], "PATCHES", (fits, broken))
    with pytest.raises(versions.EngineError, match="'broken'"):
        engine.load()
    assert applied == []  # never a partly patched engine


@pytest.mark.parametrize("command", ["check", "status", "translate"])
def test_check_status_and_translate_load_neither_the_engine_nor_pikepdf(command: str, tmp_path: Path) -> None:
    """They read a course and write YAML or text: a machine without Pango, or with a broken
    engine, can still check and translate (and each starts faster)."""
    import shutil
    import subprocess

    course = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "minimal", course)
    args = [command, str(course)] + (["fr"] if command == "translate" else [])
    code = (
        "import runpy, sys; sys.argv = ['coursepack', *sys.argv[1:]]\n"
        "try: runpy.run_module('coursepack', run_name='__main__')\n"
        "except SystemExit: pass\n"
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'weasyprint', 'pydyf', 'pikepdf', 'pypdf'}))"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=ROOT)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr


def test_typesetting_in_place_leaves_the_process_environment_as_it_was(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """fontTools reads SOURCE_DATE_EPOCH while a document is written; a process that typesets in
    place (the preview, a test) must not pass that time on to what it starts afterwards."""
    from coursepack.engine.typeset import typeset

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    typeset("<p>x</p>", tmp_path, [], [tmp_path], 0)
    assert "SOURCE_DATE_EPOCH" not in os.environ
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    typeset("<p>x</p>", tmp_path, [], [tmp_path], 0)
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"
