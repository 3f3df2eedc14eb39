"""The course folder being written: a temporary folder beside the destination, renamed into
place only when everything is written and checked, so that an error leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from coursepack.errors import display_path
from coursepack.importer.source import ImportFailed


def refuse_destination(source: Path, dest: Path) -> None:
    """Stop before anything is read when the destination cannot be written as asked."""
    real_src, real_dest = Path(os.path.realpath(source)), Path(os.path.realpath(dest))
    if real_dest == real_src or (real_src.is_dir() and real_dest.is_relative_to(real_src)):
        raise ImportFailed(
            f"{display_path(dest)}: is inside the source {display_path(source)}: write the course somewhere else"
        )
    if real_src.is_dir() and real_src.is_relative_to(real_dest):
        raise ImportFailed(f"{display_path(dest)}: holds the source: write the course somewhere else")
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise ImportFailed(f"{display_path(dest)}: exists and is not a folder: name a new folder")
    if dest.is_dir() and any(dest.iterdir()):
        raise ImportFailed(f"{display_path(dest)}: is not empty: name a new folder (import never overwrites)")
    if not dest.parent.is_dir():
        raise ImportFailed(f"{display_path(dest.parent)}: does not exist: create it first")


class Staging:
    """Files written under a temporary folder next to ``dest``; ``commit`` moves it into place."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.root = Path(tempfile.mkdtemp(prefix=f".{dest.name}.importing-", dir=dest.parent))
        self.written: list[str] = []

    def write(self, rel: str, data: bytes | str) -> Path:
        path = self.root / rel
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"{rel!r} is not inside the course folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.written.append(rel)
        return path

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def remove(self, rel: str) -> None:
        (self.root / rel).unlink(missing_ok=True)
        if rel in self.written:
            self.written.remove(rel)

    def commit(self) -> None:
        """The folder in place at ``dest`` (an empty folder there is replaced)."""
        os.chmod(self.root, 0o755)
        if self.dest.is_dir():
            try:
                self.dest.rmdir()
            except OSError:
                raise ImportFailed(
                    f"{display_path(self.dest)}: was filled while importing: name a new folder"
                ) from None
        os.rename(self.root, self.dest)

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
