"""A build is a job on a shared machine: whatever ends it (Ctrl-C, SIGTERM, SIGKILL), no
worker is left running and no temporary folder is left behind; a document that takes too
long or too much memory fails alone, with a message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks import benchgen
from coursepack.cli import main

from conftest import FIXTURES

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")


def _session(sid: int) -> list[int]:
    """The processes of a session (the build and its workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # (state, ppid, pgrp, session)
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def big_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return benchgen.generate(tmp_path_factory.mktemp("bench") / "course", 60)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_build_leaves_no_worker_and_no_temporary_folder(big_course: Path, tmp_path: Path, sig: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "COURSEPACK_CACHE": str(tmp_path / "cache")}
    args = [sys.executable, "-m", "coursepack", "build", str(big_course), "-o", str(tmp_path / "out"), "-j", "2"]
    build = subprocess.Popen(
        [*args, "--no-cache"], env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while len(_session(build.pid)) < 3 and time.monotonic() < deadline:  # the build and two workers
            time.sleep(0.1)
        assert len(_session(build.pid)) >= 3, "the workers never started"
        assert any(temp.glob("coursepack-build-*")), "the build's temporary folder"
        time.sleep(1.5)  # typesetting
        build.send_signal(sig)
        output = build.communicate(timeout=30)[0].decode()
        if sig == signal.SIGTERM:
            assert build.returncode == 1 and "interrupted: PDFs already there were left as they were" in output, output
            assert "Traceback" not in output
        deadline = time.monotonic() + 10
        while _session(build.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _session(build.pid), "workers still running 10 s after the build ended"
        assert not list(temp.iterdir()), list(temp.iterdir())
    finally:
        for pid in _session(build.pid):
            os.kill(pid, signal.SIGKILL)


def test_a_document_over_the_time_limit_fails_alone(tmp_path: Path) -> None:
    args = ["build", str(FIXTURES / "minimal"), "--edition", "student", "-o", str(tmp_path), "--timeout", "0.2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        "error: minimal/en/student: typesetting took longer than 0.2 s: simplify the document, or raise --timeout; "
        "the previous PDF was kept"
    ) in result.output, result.output


def test_more_jobs_than_cores_are_capped(tmp_path: Path) -> None:
    args = ["build", str(FIXTURES / "minimal"), "--edition", "reading-list", "-o", str(tmp_path), "--jobs", "512"]
    result = CliRunner().invoke(main, args)
    cores = len(os.sched_getaffinity(0))
    assert result.exit_code == 0, result.output
    assert f"warning: --jobs 512 is more than the {cores} core(s) here: using {cores}" in result.output
    assert f"with {cores} job(s)" in result.output
