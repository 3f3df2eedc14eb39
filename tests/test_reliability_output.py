"""The output folder is ours or refused: one build at a time, a manifest that says what is on
disk, no foreign file overwritten, and a fault of the system (read-only folder, full disk) is
one line with the earlier PDFs kept."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.build.write import OutputLock
from coursepack.cli import main

from conftest import EPOCH, FIXTURES

MINIMAL = str(FIXTURES / "minimal")


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"SOURCE_DATE_EPOCH": str(EPOCH)})
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def test_a_manifest_coursepack_did_not_write_is_never_overwritten(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    for text in ('{"release": "2026.1", "files": []}', "not json at all"):
        manifest.write_text(text)
        code, output = _cli("build", MINIMAL, "--edition", "reading-list", "-o", str(tmp_path))
        assert code == 1 and f"error: {manifest}" in output and "build into another folder (-o)" in output, output
        assert manifest.read_text() == text
        assert not list(tmp_path.rglob("*.pdf"))


def test_two_courses_with_one_id_are_an_error_naming_both(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    shutil.copytree(MINIMAL, first)
    shutil.copytree(MINIMAL, second)
    code, output = _cli("check", str(first), str(second))
    assert code == 1, output
    assert (
        f"{second}/course.yaml:1:5: course id 'minimal' is also the id of {first}: give each course its own id"
        in output
    )


def test_a_second_build_into_a_folder_waits_or_fails_fast(tmp_path: Path) -> None:
    out = tmp_path / "out"
    lock = OutputLock(out).__enter__()
    try:
        code, output = _cli("build", MINIMAL, "--edition", "reading-list", "-o", str(out), "--no-wait")
        assert code == 1, output
        assert f"error: {out} is being built by another coursepack (process {os.getpid()})" in output, output
        threading.Timer(1.0, lock.__exit__).start()
        code, output = _cli("build", MINIMAL, "--edition", "reading-list", "-o", str(out))
        assert code == 0, output
        assert f"waiting for the build that is writing {out} (process {os.getpid()})..." in output
    finally:
        lock.__exit__()


def test_racing_builds_leave_one_consistent_folder(tmp_path: Path) -> None:
    """A build started while another writes the folder (a CI re-run racing the last run) waits
    for it; every PDF then ends in the manifest, with the digest of the file on disk."""
    out = tmp_path / "out"
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}

    def start(edition: str) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "coursepack", "build", MINIMAL, "--edition", edition, "-o", str(out), "-j", "1"]
        return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    first = start("student")
    lock = out / ".coursepack.lock"
    deadline = time.monotonic() + 60
    while not (lock.is_file() and lock.read_text().strip() == str(first.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = start("reading-list")
    outputs = [run.communicate(timeout=300)[0].decode() for run in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, outputs
    assert f"waiting for the build that is writing {out} (process {first.pid})..." in outputs[1], outputs[1]
    artefacts = json.loads((out / "manifest.json").read_text())["artefacts"]
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.pdf") if ".cache" not in p.parts)
    assert sorted(a["path"] for a in artefacts) == on_disk
    assert {"minimal/en/student.pdf", "minimal/en/reading-list.pdf"} <= set(on_disk)
    for a in artefacts:
        assert hashlib.sha256((out / a["path"]).read_bytes()).hexdigest() == a["sha256"]


def _namespace() -> list[str] | None:
    """How to run a script in a mount namespace of its own (to mount a small tmpfs), or None."""
    prefix = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user", "--mount"]
    if shutil.which("unshare") is None:
        return None
    probe = subprocess.run([*prefix, "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def test_a_full_disk_and_a_read_only_folder_are_one_line_and_keep_the_pdf(tmp_path: Path) -> None:
    prefix = _namespace()
    if prefix is None:
        pytest.skip("cannot mount a small tmpfs here (no unshare, or mount namespaces are not allowed)")
    out, saved = tmp_path / "out", tmp_path / "saved.pdf"
    out.mkdir()
    build = f"{sys.executable} -m coursepack build {MINIMAL} --edition student -o {out} -j 1"
    script = f"""
    set -u
    mount -t tmpfs -o size=3m tmpfs {out}
    {build} > {tmp_path}/first.log 2>&1 || exit 10
    cp {out}/minimal/en/student.pdf {saved}
    dd if=/dev/zero of={out}/filler bs=16k 2>/dev/null
    {build} --no-cache > {tmp_path}/full.log 2>&1; echo $? > {tmp_path}/full.rc
    cmp -s {out}/minimal/en/student.pdf {saved} && echo kept > {tmp_path}/full.kept
    rm {out}/filler
    mount -o remount,ro {out}
    {build} --no-cache > {tmp_path}/ro.log 2>&1; echo $? > {tmp_path}/ro.rc
    cmp -s {out}/minimal/en/student.pdf {saved} && echo kept > {tmp_path}/ro.kept
    """
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH), "TMPDIR": str(tmp_path)}
    done = subprocess.run([*prefix, "sh", "-c", script], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, (done.stderr, (tmp_path / "first.log").read_text())
    for case, says in (("full", "No space left on device; the disk is full"), ("ro", "Read-only file system")):
        log = (tmp_path / f"{case}.log").read_text()
        assert (tmp_path / f"{case}.rc").read_text().strip() == "1", log
        assert "Traceback" not in log and says in log and "PDFs already there were kept" in log, log
        assert (tmp_path / f"{case}.kept").is_file(), f"{case}: the earlier PDF changed"
