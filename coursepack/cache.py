"""Incremental builds: a target whose inputs have not changed is not typeset again.

The key covers every input of a target: every file of the course folder (translations
included), the theme and the tool's own code, the fonts, the options and variant, the page
numbers the target cites, and the WeasyPrint version, so a no-op build renders nothing. The record keeps the page of every anchor, which the instructor's guide
cites when the student pack is not rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from coursepack import __version__
from coursepack.write import atomic_write, file_sha256


def _ignored(rel: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in rel.parts)


def tree_digest(folders: list[Path]) -> str:
    """A digest of every file (path and bytes) below the folders."""
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not _ignored(p.relative_to(folder))):
            h.update(str(path.relative_to(folder)).encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def cache_key(*parts: str) -> str:
    h = hashlib.sha256()
    engines = [version(name) for name in ("weasyprint", "markdown", "pymdown-extensions", "jinja2", "nh3", "babel")]
    for part in (__version__, *engines, *parts):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class Record:
    key: str
    sha256: str
    pages: int
    anchors: dict[str, int]


def _record_path(output: Path, target_key: str) -> Path:
    return output / ".cache" / (target_key.replace("/", "__") + ".json")


def lookup(output: Path, target_key: str, key: str, pdf: Path) -> Record | None:
    """The record of an up-to-date artefact, or None when it must be built."""
    try:
        data: dict[str, Any] = json.loads(_record_path(output, target_key).read_text(encoding="utf-8"))
        record = Record(data["key"], data["sha256"], int(data["pages"]), dict(data["anchors"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.key != key or file_sha256(pdf) != record.sha256:
        return None
    return record


def store(output: Path, target_key: str, record: Record) -> None:
    data = {"key": record.key, "sha256": record.sha256, "pages": record.pages, "anchors": record.anchors}
    atomic_write(_record_path(output, target_key), json.dumps(data, sort_keys=True).encode("utf-8"))
