"""Incremental builds: what has not changed is not typeset again.

Two levels. A *target* record is keyed by every input of the target: every file of the
course folder (translations included), the theme and the tool's own code, the fonts, the
options and variant, the page numbers it cites and the engine versions, so a no-op build
renders nothing. The record keeps the page of every anchor (which the instructor's guide
cites when the student pack is not rebuilt) and the layout of each part.

A *job* (one part of a pack, or a part's page furniture) is keyed by its own HTML plus the
theme, the course's non-text files (images, extra.css), the fonts and the engine versions:
after an edit to one unit, only that unit's part is typeset again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from coursepack import __version__, jail, sealed
from coursepack.atomic import file_sha256
from coursepack.engine.typeset import TypesetResult


def _ignored(rel: Path) -> bool:
    return any(part.startswith(".") or part == "__pycache__" for part in rel.parts)


def _file_digest(path: Path, root: Path) -> bytes:
    """The SHA-256 of a file inside ``root``, read in blocks; a link out of it counts by its name
    only (check refuses it; its bytes are never read)."""
    try:
        with open(jail.inside(path, [root]), "rb") as f:
            return hashlib.file_digest(f, "sha256").digest()
    except OSError:
        return b"unreadable"


def tree_digest(folders: list[Path]) -> str:
    """A digest of every file (path and bytes) below the folders."""
    h = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not _ignored(p.relative_to(folder))):
            h.update(str(path.relative_to(folder)).encode())
            h.update(_file_digest(path, folder))
    return h.hexdigest()


# the libraries whose versions shape the bytes: HTML, layout, font subsets, the stitched file,
# and the bundled fonts (the system's Pango is not read: loading it would cost a no-op build
# a third of a second)
ENGINES = (
    "weasyprint", "pydyf", "fonttools", "uharfbuzz", "pikepdf", "markdown-it-py", "mdit-py-plugins",
    "pygments", "jinja2", "nh3", "babel", "fontpkg-noto-serif", "fontpkg-noto-sans",
    "fontpkg-amiri", "fontpkg-noto-sans-arabic", "noto-cjk-sans-otc", "fontpkg-ibm-plex-mono",
    "ziamath", "ziafont", "latex2mathml",  # (formulas: drawn into the HTML)
)  # fmt: skip


@functools.cache
def engine_versions() -> tuple[str, ...]:
    """The versions of ``ENGINES`` (read once: each look-up scans the installed packages)."""
    return tuple(f"{name}={version(name)}" for name in ENGINES)


def cache_key(*parts: str) -> str:
    h = hashlib.sha256()
    for part in (__version__, *engine_versions(), *parts):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


TEXT_SUFFIXES = {".md", ".yaml", ".yml"}  # read into the HTML; every other course file is an asset


def asset_digest(root: Path) -> str:
    """A digest of the course files that reach the PDF other than through the HTML text."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not _ignored(p.relative_to(root))):
        if path.suffix.lower() not in TEXT_SUFFIXES:
            h.update(str(path.relative_to(root)).encode())
            h.update(_file_digest(path, root))
    return h.hexdigest()


@dataclass
class Record:
    key: str
    sha256: str
    pages: int
    anchors: dict[str, int]
    parts: list[dict[str, Any]] | None = None  # each part's layout, the next build's first guess
    cites: dict[str, int] | None = None  # the pages of the edition it cites, those it printed
    findings: list[dict[str, Any]] | None = None  # the engine's preflight findings (kept for the manifest)


def _record_path(output: Path, target_key: str) -> Path:
    return output / ".cache" / (target_key.replace("/", "__") + ".json")


def _record(output: Path, target_key: str) -> dict[str, Any]:
    """A target's record as written, or {} when there is none or it does not match its digest."""
    return sealed.read_json(_record_path(output, target_key)) or {}


def lookup(output: Path, target_key: str, key: str, pdf: Path) -> Record | None:
    """The record of an up-to-date artefact, or None when it must be built."""
    data = _record(output, target_key)
    try:
        record = Record(data["key"], data["sha256"], int(data["pages"]), dict(data["anchors"]))
        record.findings = list(data.get("findings") or [])
    except (ValueError, KeyError, TypeError):
        return None
    if record.key != key or file_sha256(pdf) != record.sha256:
        return None
    return record


def store(output: Path, target_key: str, record: Record) -> None:
    data = {"key": record.key, "sha256": record.sha256, "pages": record.pages, "anchors": record.anchors}
    if record.findings:
        data["findings"] = record.findings
    if record.parts is not None:
        data["parts"] = record.parts
    if record.cites is not None:
        data["cites"] = record.cites
    sealed.write_json(_record_path(output, target_key), data)


def previous_cites(output: Path, target_key: str) -> dict[str, int] | None:
    """The pages of another edition the last build of this target printed, if any."""
    cites = _record(output, target_key).get("cites")
    return cites if isinstance(cites, dict) else None


def anchors(output: Path, target_key: str) -> dict[str, int]:
    """The page of each anchor of the target as last written (empty when there is no record)."""
    found = _record(output, target_key).get("anchors")
    return {str(k): v for k, v in found.items() if isinstance(v, int)} if isinstance(found, dict) else {}


def previous_parts(output: Path, target_key: str) -> list[dict[str, Any]] | None:
    """The part layouts the last build of this target found, whatever its inputs were."""
    parts = _record(output, target_key).get("parts")
    return parts if isinstance(parts, list) else None


def _job_paths(output: Path, key: str) -> tuple[Path, Path]:
    folder = output / ".cache" / "jobs"
    return folder / f"{key}.pdf", folder / f"{key}.json"


def job_lookup(output: Path, key: str) -> TypesetResult | None:
    """A job typeset by an earlier build, or None."""
    pdf_path, meta_path = _job_paths(output, key)
    meta = sealed.read_json(meta_path)
    try:
        if meta is None:
            return None
        pdf = pdf_path.read_bytes()
        if hashlib.sha256(pdf).hexdigest() != meta["sha256"]:
            return None
        result = TypesetResult(pdf, int(meta["pages"]), dict(meta["anchors"]), list(meta["warnings"]))
        result.page_names = list(meta["page_names"])
        result.printed = int(meta["printed"])  # (an entry from before it was recorded: typeset again)
        os.utime(meta_path)  # recently used: kept by prune_jobs
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return result


def job_store(output: Path, key: str, result: TypesetResult) -> None:
    pdf_path, meta_path = _job_paths(output, key)
    meta = {
        "sha256": hashlib.sha256(result.pdf).hexdigest(),
        "pages": result.pages,
        "anchors": result.anchors,
        "warnings": result.warnings,
        "page_names": result.page_names,
        "printed": result.printed,
    }
    # the PDF first; its entry, which holds the PDF's digest, only once the PDF is there
    if sealed.replace(pdf_path, result.pdf):
        sealed.write_json(meta_path, meta)


def prune_jobs(output: Path, keep_seconds: float = 7 * 24 * 3600) -> None:
    """Forget jobs no build has used for a week (the cache would otherwise grow with every edit)."""
    folder = output / ".cache" / "jobs"
    if not folder.is_dir():
        return
    now = time.time()
    for meta in folder.glob("*.json"):
        try:
            if now - meta.stat().st_mtime > keep_seconds:
                meta.unlink()
                meta.with_suffix(".pdf").unlink(missing_ok=True)
        except OSError:
            continue
