"""Machine-wide files (the fontconfig file, instanced fonts, compiled templates) live in a
folder of the user's own, never at a predictable path in the shared temporary folder.

The folder is ``$COURSEPACK_CACHE``, else the user's cache folder (``platformdirs``:
``~/.cache/coursepack`` on Linux). Each folder is created readable by its owner only, and
trusted only when it is a real folder (not a link) owned by this user and writable by no one
else, as is the folder above it (or that one is sticky, like /tmp). Otherwise ``private_dir``
gives None and the caller keeps what it would have stored in memory, or in ``scratch_dir``: a
new private temporary folder, removed when the process ends.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import stat
import tempfile
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """Where machine-wide derived files live: $COURSEPACK_CACHE, else the user's cache folder."""
    explicit = os.environ.get("COURSEPACK_CACHE")
    return Path(explicit) if explicit else platformdirs.user_cache_path("coursepack", appauthor=False)


def private_dir(name: str) -> Path | None:
    """``cache_dir() / name``, made if need be, when only this user can write there; else None."""
    base = cache_dir()
    folder = base / name
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
        for path in (base, folder):
            path.mkdir(mode=0o700, exist_ok=True)
        if not _safe_parent(base.parent) or not (_ours(base) and _ours(folder)):
            return None
    except OSError:
        return None
    return folder


def _ours(path: Path) -> bool:
    """A real folder of this user's that no one else can write to."""
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode):
        return False
    if not hasattr(os, "geteuid"):  # (Windows: the user's profile is private already)
        return True
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _safe_parent(path: Path) -> bool:
    """A folder in which no other user can swap our folder for theirs."""
    if not hasattr(os, "geteuid"):
        return True
    info = os.stat(path)
    writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return info.st_uid in (0, os.geteuid()) and (not writable or bool(info.st_mode & stat.S_ISVTX))


@functools.cache
def scratch_dir() -> Path:
    """A private temporary folder for this process (and the workers it forks), removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="coursepack-"))
    owner = os.getpid()
    atexit.register(lambda: shutil.rmtree(folder, ignore_errors=True) if os.getpid() == owner else None)
    return folder
