"""Watching the course folder (watchfiles: the system's file events, not polling).

Changes are grouped: a save that writes several files, or an editor that writes a temporary
file and renames it, gives one refresh (``STEP_MS`` of quiet after the last change, at most
``DEBOUNCE_MS`` in all). The output folder, hidden files and folders and editors' temporary
files (``.x.swp``, ``x~``, ``#x#``, ``.#x``, vim's ``4913``) are not watched.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import watchfiles

from coursepack.preview.session import Session

STEP_MS = 15  # quiet after a change before the refresh (an editor's write and rename come within it)
DEBOUNCE_MS = 300  # the longest a burst of changes is grouped
TEMPORARY = re.compile(r"(^\.|~$|^#.*#$|\.(swp|swx|swo|tmp|bak|part|crdownload)$|^4913$|^__pycache__$)")


class CourseFilter(watchfiles.DefaultFilter):
    """The course's own files: not the output folder, hidden files or editors' temporary files."""

    def __init__(self, course: Path, output: Path) -> None:
        super().__init__(ignore_paths=[str(output.resolve())])
        self.course = course.resolve()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        try:
            parts = Path(path).relative_to(self.course).parts
        except ValueError:
            return False
        return super().__call__(change, path) and not any(TEMPORARY.search(part) for part in parts)


def ignored(path: Path, course: Path, output: Path) -> bool:
    """True for a path the preview does not react to."""
    return not CourseFilter(course, output)(watchfiles.Change.modified, str(path))


class Watcher:
    def __init__(self, session: Session, output: Path) -> None:
        self.session, self.output = session, output
        self._stop = threading.Event()

    def run(self) -> None:
        for changes in watchfiles.watch(
            self.session.course,
            watch_filter=CourseFilter(self.session.course, self.output),
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=self._stop,
            rust_timeout=500,
            yield_on_timeout=False,
            raise_interrupt=False,
        ):
            if self._stop.is_set():
                return
            paths = sorted({Path(p) for _, p in changes})
            self.session.refresh(paths, time.time())

    def stop(self) -> None:
        self._stop.set()
