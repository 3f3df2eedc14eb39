"""Diagnostics: every content problem is a ``path:line:col: message`` line."""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in the content, with where it is and what to do."""

    path: str
    line: int
    col: int
    message: str
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}: {prefix}{self.message}"


def display_path(path: Path | str) -> str:
    """A path as the user would type it: relative when inside the working directory, else absolute."""
    p = Path(path)
    try:
        rel = os.path.relpath(p)
    except ValueError:
        return str(p)
    return str(p.absolute()) if rel == ".." or rel.startswith("../") else rel


def closest(word: str, names: Iterable[str], cutoff: float = 0.8) -> str | None:
    """The name ``word`` was most likely meant to be (a typo), for a "did you mean" hint."""
    found = difflib.get_close_matches(word, list(names), n=1, cutoff=cutoff)
    return found[0] if found else None


class ContentError(Exception):
    """The content has errors; the build stops before anything is written."""

    def __init__(self, diagnostics: list[Diagnostic], strict: bool = False):
        self.diagnostics = sorted(set(diagnostics))
        self.strict = strict  # the warnings among them stopped the build too
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class BuildError(Exception):
    """Typesetting or writing failed (one line, says what to do)."""


class OptionError(BuildError):
    """The options select nothing that can be built (a usage error: exit status 2)."""


class Diagnostics:
    """A collector that gathers every problem before stopping."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, path: Path | str, line: int, col: int, message: str) -> None:
        self.items.append(Diagnostic(display_path(path), line, col, message))

    def warning(self, path: Path | str, line: int, col: int, message: str) -> None:
        self.items.append(Diagnostic(display_path(path), line, col, message, "warning"))

    def extend(self, other: list[Diagnostic]) -> None:
        self.items.extend(other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "warning"]

    def raise_if(self, strict: bool = False) -> None:
        """Stop when there is an error (or, when strict, a warning), naming every problem found."""
        if self.errors or (strict and self.items):
            raise ContentError(self.items, strict)


# what to do about a fault of the system, by its errno
_OS_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space and build again",
    errno.EDQUOT: "the disk quota is used up: free some space and build again",
    errno.EFBIG: "the file would be larger than this system allows: free space or raise the limit",
    errno.EROFS: "the folder is on a read-only file system: build into another folder (-o)",
    errno.EACCES: "permission denied: build into a folder you can write (-o), or fix its permissions",
    errno.EPERM: "operation not permitted: build into a folder you can write (-o), or fix its permissions",
    errno.ENOENT: "it does not exist (was it moved or deleted during the build?)",
    errno.ENOTDIR: "a file is where a folder should be: move it away",
    errno.EISDIR: "a folder is where a file should be: move it away",
    errno.EIO: "the disk reported an input/output error: check it and build again",
}


def os_error_message(exc: OSError) -> str:
    """One line for a fault of the system (a full disk, a read-only folder...): the path, what
    happened, and what to do. PDFs already there are kept (every file is written atomically)."""
    path = f"{display_path(exc.filename)}: " if exc.filename else ""
    what = exc.strerror or exc.__class__.__name__
    advice = _OS_ADVICE.get(exc.errno or 0, "fix it and build again")
    return f"{path}{what}; {advice}; PDFs already there were kept"
