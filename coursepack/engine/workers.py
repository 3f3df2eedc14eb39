"""The typesetting processes: limited, and gone with the build whatever ends it.

- Each build gets a private temporary folder (``BuildTemp``); its workers (and the main
  process, while it builds) write the engine's temporary files there, and it is removed when
  the build ends. A folder left by a build that was killed is removed by the next build.
- A worker dies with the build: on Linux the kernel sends it SIGTERM when the build process
  dies (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread notices that its parent is
  gone. On SIGTERM a worker removes its temporary files and exits at once.
- Each job has a wall-clock limit (``Limits.seconds``: a pathological document fails alone,
  with a message, instead of hanging the build) and each worker a memory limit
  (``Limits.memory_mb``, on the process's data: an allocation beyond it fails the job).

This module is imported by every worker: it imports nothing of the pipeline.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

PREFIX = "coursepack-build-"
PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 1.0


@dataclass(frozen=True)
class Limits:
    """What one typesetting job may take (documented in docs/security.md)."""

    seconds: float = 600.0  # wall clock of one document
    memory_mb: int = 4096  # a worker's data (heap and private mappings); 0: no limit


class JobTimeout(Exception):
    """A document took longer than ``Limits.seconds`` to typeset."""


LIMITS = Limits()  # this process's, set by ``init_worker`` (or by the build, for jobs it runs itself)
_TEMP = ""  # the build's temporary folder, in a worker
_PARENT = 0  # the build process, in a worker


class BuildTemp:
    """The private temporary folder of one build: ``<tmp>/coursepack-build-<pid>-<random>``."""

    def __init__(self) -> None:
        sweep()
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))  # (mode 0700)
        self._saved = tempfile.tempdir

    def __enter__(self) -> BuildTemp:
        tempfile.tempdir = str(self.path)  # the engine's fonts of the jobs this process runs itself
        return self

    def __exit__(self, *exc: object) -> None:
        tempfile.tempdir = self._saved
        shutil.rmtree(self.path, ignore_errors=True)


def sweep() -> None:
    """Remove the temporary folders of this user's builds that were killed before they could."""
    root = Path(tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for folder in root.glob(f"{PREFIX}*-*"):
            pid = folder.name.removeprefix(PREFIX).split("-", 1)[0]
            if not pid.isdigit() or _alive(int(pid)):
                continue
            with contextlib.suppress(OSError):
                mine = not hasattr(os, "getuid") or folder.stat().st_uid == os.getuid()
                if folder.is_dir() and not folder.is_symlink() and mine:
                    shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def init_worker(temp: str, limits: Limits, forked: bool) -> None:
    """Run first in each worker process."""
    global LIMITS, _TEMP, _PARENT
    LIMITS, _TEMP, _PARENT = limits, temp, os.getppid()
    tempfile.tempdir = temp
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (Ctrl-C goes to the build, which ends its workers)
    _die_with_parent()
    if limits.memory_mb:
        _limit_memory(limits.memory_mb)
    if forked:
        from coursepack.engine.typeset import forget_inherited_styles

        forget_inherited_styles()


def _limit_memory(megabytes: int) -> None:
    try:
        import resource
    except ImportError:  # (not on Windows)
        return
    cap = megabytes * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))


def _die_with_parent() -> None:
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != _PARENT:  # (it died before the line above)
        _terminated()
    threading.Thread(target=_watch, name="coursepack-watchdog", daemon=True).start()


def _watch() -> None:
    while os.getppid() == _PARENT:
        time.sleep(WATCH_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)  # (handled in the main thread)


def _terminated(_signum: int = 0, _frame: FrameType | None = None) -> None:
    """SIGTERM in a worker: remove its temporary files and exit now. If the build is gone, its
    whole temporary folder goes too (nobody else is left to remove it)."""
    with contextlib.suppress(Exception):
        from coursepack.engine.typeset import _remove_font_folders

        _remove_font_folders()
    if _TEMP and os.getppid() != _PARENT:
        shutil.rmtree(_TEMP, ignore_errors=True)
    os._exit(1)


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``JobTimeout`` in this (main) thread if the block takes longer than ``seconds``."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise JobTimeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def terminate(processes: Iterator[object]) -> None:
    """End worker processes now (an interrupted build does not wait for their documents)."""
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()  # type: ignore[attr-defined]
