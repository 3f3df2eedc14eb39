"""The command line as a user meets it: help with examples, exit codes, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.cli import main

from conftest import FIXTURES, ROOT


@pytest.mark.parametrize("command", ["new", "build", "check", "schema", "import"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert "coursepack " + command in result.output


def test_top_level_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "check", "schema"):
        assert command in result.output


@pytest.mark.parametrize(
    "args",
    [["build", "--jobs", "0"], ["build", "no/such/course"], ["build", "--edition", "teacher"], ["frobnicate"]],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert CliRunner().invoke(main, args).exit_code == 2


def test_bad_source_date_epoch_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = CliRunner().invoke(main, ["build", str(FIXTURES / "minimal"), "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH='yesterday' must be a non-negative whole number of seconds" in result.output


def test_a_language_no_course_has_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(FIXTURES / "minimal"), "--lang", "xx", "-o", str(tmp_path)])
    assert result.exit_code == 2
    assert "no pack to build: --lang xx matches none of the courses' languages (en)" in result.output
    assert not list(tmp_path.iterdir())


def test_no_course_found_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert "no course given and no content/*/course.yaml here: name a course folder" in result.output


def test_real_entry_point_prints_no_traceback_and_debug_does() -> None:
    cmd = [sys.executable, "-m", "coursepack", "check", "tests/fixtures/broken"]
    plain = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr + plain.stdout
    assert plain.stderr.splitlines()[0].startswith("tests/fixtures/broken/course.yaml:8:25: ")
    debug = subprocess.run([*cmd, "--debug"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr


def test_build_py_is_the_build_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "build.py", "tests/fixtures/broken", "--output", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "15 problem(s) (15 error(s)); nothing was written." in result.stderr


def test_build_reports_each_target_and_a_summary(minimal_out: Path) -> None:
    output = minimal_out.parent.parent
    result = CliRunner().invoke(
        main,
        ["build", str(FIXTURES / "minimal"), "-o", str(output), "--strict"],
        env={"SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert result.exit_code == 0, result.output
    assert "minimal/en/student.pdf" in result.output and "unchanged" in result.output
    assert re.search(r"Built 0 PDF\(s\), \d+ unchanged", result.output)


def test_timings_report_stages_overhead_and_memory(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["build", str(FIXTURES / "minimal"), "--edition", "student", "-o", str(tmp_path), "--timings", "--jobs", "1"],
        env={"SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert result.exit_code == 0, result.output
    for line in ("render HTML", "typeset: layout", "typeset: write PDF", "our overhead", "peak memory"):
        assert line in result.output
    assert re.search(r"[1-9]\d* document\(s\) typeset", result.output)


def test_cli_reference_in_docs_is_current() -> None:
    from coursepack.cli.doc import render

    assert (ROOT / "docs" / "cli.md").read_text() == render(), "run `python -m coursepack.cli.doc > docs/cli.md`"


def test_many_fallbacks_of_a_language_are_one_summary_line() -> None:
    from coursepack.cli.app import _fallback_lines

    few = ["c/fr: units/a.md: section 'One' in English (en)"]
    many = [f"c/ar: units/u{i // 2}.md: section '{i}' in English (en)" for i in range(8)]
    lines = _fallback_lines(few + many, {"c": "content/c"})
    assert lines[0] == "fallback: c/fr: units/a.md: section 'One' in English (en)"
    assert lines[1:] == [
        "fallback: c/ar: 8 parts in the source language, in 4 file(s) (units/u0.md, units/u1.md, units/u2.md, ...); "
        "`coursepack status content/c --lang ar` lists them, a `--review` build marks them in the PDF"
    ]


def test_build_json_report_for_ci(tmp_path: Path) -> None:
    """``--json``: stdout is one JSON document (the people's lines go to stderr): every PDF with
    its digest and pages, the totals, and the failures; the exit status still says failure."""
    import hashlib
    import json

    out = tmp_path / "out"
    args = [sys.executable, "-m", "coursepack", "build", str(FIXTURES / "minimal"), "-o", str(out), "--json"]
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["version"] == 1 and report["ok"] is True and report["failures"] == []
    assert "Built " in proc.stderr and "Built " not in proc.stdout
    built = {b["target"]: b for b in report["built"]}
    student = built["minimal/en/student"]
    pdf = ROOT / student["path"] if not Path(student["path"]).is_absolute() else Path(student["path"])
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == student["sha256"]
    assert student["pages"] >= 1 and not student["cached"]
    assert report["summary"]["pages"] == sum(b["pages"] for b in report["built"])
    assert report["summary"]["documents_typeset"] >= len(built)
    assert report["manifest"].endswith("manifest.json")
    again = json.loads(subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=True).stdout)
    assert all(b["cached"] for b in again["built"]) and again["summary"]["pdfs_built"] == 0
