"""`pip install .` gives a coursepack that finds its default theme wherever it is installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import ROOT


def test_wheel_contains_every_template(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("coursepack-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = [p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*") if p.is_file()]
    assert theme, "no templates found"
    for rel in theme:
        assert f"coursepack/theme/{rel}" in names, rel
    assert "coursepack/cli/__init__.py" in names
    starter = ROOT / "coursepack" / "starter"  # `coursepack new` writes these
    courses = [p.relative_to(ROOT).as_posix() for p in starter.rglob("*") if p.is_file() and p.suffix != ".pyc"]
    assert any(c.endswith("ar/units/getting-started.md") for c in courses)
    for rel in courses:
        assert rel in names, rel
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "coursepack = coursepack.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
