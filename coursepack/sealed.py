"""Cache entries that carry a digest of their content, checked on every read.

A cache is only a shortcut: an entry that is truncated, corrupted, foreign, or a folder where
the file should be, reads as None and the caller makes it again (a damaged instanced font
once gave PDFs with invisible text, build after build). Writing is best effort: whatever is
in the way is replaced, and a cache that cannot be written is simply not kept.

Two forms: bytes behind a header (``MAGIC`` and the SHA-256 of what follows), and JSON objects
with an ``entry_sha256`` key over the rest (they stay readable JSON).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from coursepack.atomic import atomic_write

MAGIC = b"coursepack sealed 1\n"
DIGEST_KEY = "entry_sha256"
_DIGEST_BYTES = 32


def read(path: Path) -> bytes | None:
    """The content of a sealed entry, or None when it is missing or does not match its digest."""
    try:
        raw = path.read_bytes()
    except OSError:  # missing, unreadable, or a folder
        return None
    head = len(MAGIC) + _DIGEST_BYTES
    if not raw.startswith(MAGIC) or len(raw) < head:
        return None
    content = raw[head:]
    return content if hashlib.sha256(content).digest() == raw[len(MAGIC) : head] else None


def write(path: Path, content: bytes) -> bool:
    """Seal ``content`` into ``path``; False when the cache could not be written."""
    return replace(path, MAGIC + hashlib.sha256(content).digest() + content)


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON entry's object without its digest, or None when it is missing or does not match."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get(DIGEST_KEY), str):
        return None
    digest = data.pop(DIGEST_KEY)
    return data if _json_digest(data) == digest else None


def write_json(path: Path, data: dict[str, Any]) -> bool:
    """Write ``data`` with its digest (sorted keys, so the digest can be checked on reading)."""
    sealed = {**data, DIGEST_KEY: _json_digest(data)}
    return replace(path, json.dumps(sealed, sort_keys=True).encode("utf-8"))


def _json_digest(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def replace(path: Path, raw: bytes) -> bool:
    """Write ``raw`` to ``path`` atomically, replacing a folder in the way; False when it cannot."""
    for _attempt in range(2):
        try:
            atomic_write(path, raw)
            return True
        except OSError:
            if not (path.is_dir() and not path.is_symlink()):
                return False
            shutil.rmtree(path, ignore_errors=True)  # a folder where the entry should be: ours to replace
    return False
