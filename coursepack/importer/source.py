"""The folder or file imported from: untrusted, so read only through here.

Every file is read with ``jail.read_bytes`` (its real path, links resolved, must be inside the
source; its size is checked on the open file); the walk never follows a link to a folder, and
stops at ``MAX_FILES`` files. A link that leads outside the source is refused: the import stops
and says which, since the material it stands for would silently be missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursepack import jail
from coursepack.content.yamlsource import YamlError, decode_text, parse_yaml, split_front_matter
from coursepack.errors import BuildError, display_path

MAX_FILES = 5_000  # files in a source folder (a lesson has a few hundred)
MAX_TEXT_BYTES = jail.MAX_FILE_BYTES  # a Markdown or YAML file, as a course's own
MAX_BINARY_BYTES = 20 * 1024 * 1024  # an image, as the engine's limit
MAX_TOTAL_BYTES = 200 * 1024 * 1024  # everything copied from one source


class ImportFailed(BuildError):
    """The import cannot go on (one line: the file, what is wrong, what to do); nothing was written."""


@dataclass
class Source:
    """A source folder (or the folder of a source file) and what has been read from it."""

    root: Path  # its real path
    total: int = 0
    key_lines: dict[tuple[Path, str], int] = field(default_factory=dict)  # a front matter key's line
    _files: list[Path] | None = field(default=None, repr=False)

    @classmethod
    def at(cls, path: Path) -> Source:
        return cls(Path(os.path.realpath(path)))

    def files(self) -> list[Path]:
        """Every file under the root, sorted, hidden ones left out, links to folders not followed;
        a link that leads outside the source stops the import."""
        if self._files is not None:
            return self._files
        found: list[Path] = []
        for folder, dirs, names in os.walk(self.root, followlinks=False):
            here = Path(folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not d.startswith("_site"))
            for d in dirs:
                if (here / d).is_symlink():
                    self.inside(here / d)
            for name in sorted(names):
                if name.startswith("."):
                    continue
                path = here / name
                if path.is_symlink():
                    self.inside(path)
                found.append(path)
                if len(found) > MAX_FILES:
                    raise ImportFailed(
                        f"{display_path(self.root)}: more than {MAX_FILES} files: import the folder of the material alone"
                    )
        self._files = found
        return found

    def inside(self, path: Path) -> Path:
        try:
            return jail.inside(path, [self.root])
        except jail.Outside:
            raise ImportFailed(
                f"{display_path(path)}: a link that leads outside {display_path(self.root)} "
                f"(to {os.path.realpath(path)}): copy the file into the folder instead, then import again"
            ) from None
        except FileNotFoundError:
            raise ImportFailed(f"{display_path(path)}: a link to a file that does not exist: remove it") from None

    def read(self, path: Path, limit: int = MAX_TEXT_BYTES) -> bytes:
        """The bytes of a file of the source (inside it, at most ``limit``; the total is capped too)."""
        self.inside(path)
        try:
            data = jail.read_bytes(path, [self.root], limit)
        except jail.TooLarge as exc:
            raise ImportFailed(f"{display_path(path)}: {exc}") from None
        self.total += len(data)
        if self.total > MAX_TOTAL_BYTES:
            raise ImportFailed(
                f"{display_path(self.root)}: more than {MAX_TOTAL_BYTES // (1024 * 1024)} MiB to copy: "
                "import a smaller folder"
            )
        return data

    def text(self, path: Path) -> str:
        data = self.read(path)
        try:
            return decode_text(data)
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                f"{display_path(path)}: not UTF-8 text (byte {exc.start}): save it as UTF-8 and import again"
            ) from None

    def rel(self, path: Path) -> str:
        """``path`` as the report names it: relative to the source's parent (``lesson/episodes/x.md``)."""
        return display_path(path)

    def yaml(self, path: Path) -> dict[str, Any]:
        """A YAML file of the source, as a mapping (anything else: empty)."""
        try:
            data = parse_yaml(self.text(path)).data
        except YamlError as exc:
            raise ImportFailed(f"{self.rel(path)}:{exc.line}:{exc.col}: {exc.message}") from None
        return data if isinstance(data, dict) else {}

    def front_matter(self, path: Path) -> tuple[dict[str, Any], str, int]:
        """A Markdown file's front matter (a mapping), its body, and the body's first line."""
        text = self.text(path)
        try:
            front, body, first = split_front_matter(text)
            data = parse_yaml(front, 1).data if front is not None else {}
        except YamlError as exc:
            raise ImportFailed(f"{self.rel(path)}:{exc.line}:{exc.col}: {exc.message}") from None
        for k, line in enumerate((front or "").split("\n"), 2):
            key = line.partition(":")[0]
            if key and not key[0].isspace():
                self.key_lines.setdefault((path, key), k)
        return (data if isinstance(data, dict) else {}), body, first
