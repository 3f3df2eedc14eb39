"""The pandoc binary the ``pypandoc-binary`` wheel ships, and the one safe way to run it.

pandoc formats citations (``resolve/citeproc.py``) and reads Word and OpenDocument files
(``importer/word.py``). Both hand it untrusted input, so it always runs the same way: as a
subprocess with ``--sandbox`` (its readers and writers touch only the files named on the
command line), a heap ceiling (``+RTS -M512m``), a timeout, an empty environment and a
temporary folder of its own as working directory, holding only the files we write there.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from functools import cache

TIMEOUT = 60  # seconds for one call
MEMORY = "512m"  # pandoc's heap ceiling: a recursive style or a huge document stops here, not the machine
OUT_OF_MEMORY = 251  # pandoc's exit status when the heap ceiling was reached


@cache
def binary() -> str | None:
    """The path of the wheel's pandoc, or None when pypandoc-binary is not installed."""
    try:
        import pypandoc
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(pypandoc.__file__), "files", "pandoc")
    return path if os.path.isfile(path) else None


@cache
def version(path: str) -> str:
    """``pandoc --version``'s first line."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=TIMEOUT, env={})
    return out.stdout.split("\n", 1)[0].strip()


def run(
    path: str, args: list[str], stdin: bytes = b"", files: dict[str, bytes] | None = None, timeout: int = TIMEOUT
) -> subprocess.CompletedProcess[bytes]:
    """pandoc ``args`` in the sandbox, in a fresh folder holding ``files`` (name → bytes).

    Raises ``subprocess.TimeoutExpired`` or ``OSError`` as ``subprocess.run`` does; the caller
    says what they mean. A non-zero exit status is returned, not raised (``OUT_OF_MEMORY``:
    the heap ceiling was reached).
    """
    with tempfile.TemporaryDirectory(prefix="coursepack-pandoc-") as tmp:
        for name, data in (files or {}).items():
            if os.path.basename(name) != name or name.startswith("."):
                raise ValueError(f"pandoc input file name {name!r} must be a plain file name")
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        command = [path, "--sandbox", *args, "+RTS", f"-M{MEMORY}", "-RTS"]
        return subprocess.run(command, input=stdin, capture_output=True, cwd=tmp, env={}, timeout=timeout, check=False)


def last_error(proc: subprocess.CompletedProcess[bytes]) -> str:
    """The last line pandoc wrote on stderr (or its exit status)."""
    if proc.returncode == OUT_OF_MEMORY:
        return "it ran out of memory"
    why = proc.stderr.decode(errors="replace").strip().splitlines()
    return why[-1] if why else f"exit status {proc.returncode}"
