"""The engine boundary: the WeasyPrint (and pydyf, fontTools) coursepack runs on, and the
patches it applies to them. Nothing else in coursepack reaches into the engine's internals.

``load()`` runs once per process before anything is typeset: it checks the installed
versions (``versions``), imports WeasyPrint, checks that every patch still fits what it
replaces (``Patch.check``), and applies them (``patches``). On an engine it does not know it
raises ``EngineError`` with one line saying what to install; it never patches partly.
What each patch does and the report upstream would need: docs/engine.md.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import sys
from collections.abc import Iterator

from coursepack.engine.versions import SUPPORTED, EngineError, Supported

__all__ = ["SUPPORTED", "EngineError", "Supported", "load"]

_loaded = False


def load() -> None:
    """Check the engine, import it and apply every patch (once per process; 0.3 s of processor time).

    The build calls this before it forks its workers, so they start with the engine loaded."""
    global _loaded
    if _loaded:
        return
    from coursepack.engine import versions

    versions.check()
    with quick_library_search():
        import weasyprint  # noqa: F401

    from coursepack.engine.patches import PATCHES

    for patch in PATCHES:  # every check before any change: never a partly patched engine
        patch.check()
    for patch in PATCHES:
        patch.apply()
    _loaded = True


@contextlib.contextmanager
def quick_library_search() -> Iterator[None]:
    """While WeasyPrint loads its C libraries, look them up in ldconfig's cache only.

    WeasyPrint tries several names for each library (the Windows, macOS and Linux ones) and
    the optional HarfBuzz-Subset and HarfBuzz-Vector; for every name that fails, ``ctypes``
    runs ``ldconfig``, then ``gcc`` and ``ld``: 0.2 s of processor time in every worker. On
    Linux, with no ``LD_LIBRARY_PATH`` (which only ``ld`` would search), ldconfig's answer is
    the whole answer. Elsewhere this changes nothing.
    """
    ldconfig = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if sys.platform != "linux" or ldconfig is None or os.environ.get("LD_LIBRARY_PATH"):
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = ldconfig
    try:
        yield
    finally:
        ctypes.util.find_library = original
