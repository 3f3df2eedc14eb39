"""Stage 6 — write: atomic file replacement and the manifest of what was built."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that a crash never leaves a truncated file behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    try:
        return sha256(path.read_bytes())
    except OSError:
        return None


def write_manifest(output: Path, entries: list[dict[str, Any]]) -> Path:
    """Merge ``entries`` into output/manifest.json, dropping entries whose file is gone."""
    path = output / "manifest.json"
    existing: dict[str, dict[str, Any]] = {}
    try:
        for item in json.loads(path.read_text(encoding="utf-8")).get("artefacts", []):
            existing[item["path"]] = item
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        existing = {}
    for entry in entries:
        existing[entry["path"]] = entry
    artefacts = [e for p, e in sorted(existing.items()) if (output / p).is_file()]
    data = json.dumps({"generator": "coursepack", "artefacts": artefacts}, indent=2, ensure_ascii=False) + "\n"
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
