"""Stage 6 — write: the output folder, atomic file replacement and the manifest of what was built.

An output folder is ours or refused: one build at a time holds its lock (``OutputLock``), a
``manifest.json`` that coursepack did not write is never overwritten (``check_manifest``), and
the manifest is written once per build, under the lock, from what is on disk.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coursepack.atomic import atomic_write, file_sha256
from coursepack.errors import BuildError, display_path

LOCK_NAME = ".coursepack.lock"
GENERATOR = "coursepack"


class OutputLock:
    """The output folder's lock, held for a whole build (``flock``: released by the system
    whatever ends the process). A second build waits for it (``notify`` says so), or fails at
    once with ``wait=False``."""

    def __init__(self, output: Path, wait: bool = True, notify: Callable[[str], None] | None = None) -> None:
        self.output = output
        self.wait = wait
        self.notify = notify
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            import fcntl
        except ImportError:  # (Windows: builds into one folder are not serialised)
            return self
        self.output.mkdir(parents=True, exist_ok=True)
        path = self.output / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                where = display_path(self.output)
                if not self.wait:
                    raise BuildError(
                        f"{where} is being built by another coursepack (process {holder}): wait for it, "
                        "or build into another folder (-o)"
                    ) from None
                if self.notify:
                    self.notify(f"waiting for the build that is writing {where} (process {holder})...")
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # (the lock goes with it)
            self._fd = None


def check_manifest(output: Path) -> None:
    """Refuse an output folder whose ``manifest.json`` coursepack did not write."""
    path = output / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        raise BuildError(
            f"{display_path(path)} is not a coursepack manifest ({exc.__class__.__name__}): "
            "build into another folder (-o), or move the file away"
        ) from None
    if not isinstance(data, dict) or data.get("generator") != GENERATOR or not isinstance(data.get("artefacts"), list):
        raise BuildError(
            f"{display_path(path)} was not written by coursepack: build into another folder (-o), or move the file away"
        )


def write_manifest(output: Path, entries: list[dict[str, Any]]) -> Path:
    """Merge ``entries`` (this build's) into output/manifest.json (under the output lock). An
    earlier entry is kept only if its file is still there with the digest it recorded."""
    path = output / "manifest.json"
    existing: dict[str, dict[str, Any]] = {}
    with contextlib.suppress(OSError, ValueError, KeyError, AttributeError, TypeError):
        for item in json.loads(path.read_text(encoding="utf-8")).get("artefacts", []):
            existing[item["path"]] = item
    kept = {p: e for p, e in existing.items() if file_sha256(output / p) == e.get("sha256")}
    kept.update((entry["path"], entry) for entry in entries)
    artefacts = [e for _p, e in sorted(kept.items()) if (output / _p).is_file()]
    data = json.dumps({"generator": GENERATOR, "artefacts": artefacts}, indent=2, ensure_ascii=False) + "\n"
    atomic_write(path, data.encode("utf-8"))
    return path


def merge_manifests(paths: list[Path], output: Path) -> int:
    """Join manifests into ``output``; raise ValueError naming the file when one is unreadable or they disagree."""
    joined: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            artefacts = json.loads(path.read_text(encoding="utf-8"))["artefacts"]
            items = {str(a["path"]): dict(a) for a in artefacts}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a coursepack manifest ({exc}); rebuild it with coursepack build") from None
        for name, item in items.items():
            if name in joined and joined[name].get("sha256") != item.get("sha256"):
                raise ValueError(f"{path}: {name} differs from the same file in an earlier manifest; build it once")
            joined[name] = item
    data = {"generator": "coursepack", "artefacts": [joined[k] for k in sorted(joined)]}
    atomic_write(output, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return len(joined)
