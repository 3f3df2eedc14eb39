"""Preflight: the checks a print shop and a copy editor make, on a finished PDF and at build time.

``check_pdf`` reads any PDF (pikepdf only: this package never imports the engine, except
``layout``, which the typesetting process calls on WeasyPrint's boxes). Each check family is
a module that registers its checks (``document.check``): ``printing`` (fonts, glyphs, images,
colour, page boxes), ``tagging`` (PDF/UA basics, and the layout a tagged PDF shows).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursepack.print.preflight.finding import Finding, Profile, Scope, Severity

if TYPE_CHECKING:
    from coursepack.print.preflight.document import Check


def _checks() -> list[Check]:
    """The registered checks (importing the check families registers them; they need pikepdf,
    which ``check``, ``status`` and ``translate`` never load)."""
    from coursepack.print.preflight import layout, printing, tagging  # noqa: F401  (they register their checks)
    from coursepack.print.preflight.document import CHECKS

    return CHECKS


def __getattr__(name: str) -> Any:
    if name == "CHECKS":
        return _checks()
    raise AttributeError(f"module 'coursepack.print.preflight' has no attribute {name!r}")


def codes() -> set[str]:
    """Every code preflight reports: the registered PDF checks' and the engine's layout checks'."""
    from coursepack.print.preflight import layout

    return {code for c in _checks() for code in c.codes} | set(layout.CODES)


def is_finding(line: str) -> bool:
    """Whether a line a build printed is a preflight finding (it ends with ``[code]``)."""
    return line.endswith("]") and line.rpartition(" [")[2][:-1] in codes()


def check_pdf(source: Path | bytes, scope: Scope | None = None) -> list[Finding]:
    """Every finding of every registered check that applies to ``scope``, by page."""
    from coursepack.print.preflight.document import Inspection

    checks = _checks()
    scope = scope or Scope()
    doc = Inspection(source, scope)
    try:
        found: set[Finding] = set()
        for c in checks:
            if (c.layout and not scope.layout) or (c.accessibility and not scope.accessibility):
                continue
            found.update(c.run(doc))
    finally:
        doc.close()
    return sorted(found, key=lambda f: (f.page or 0, f.code, f.message))


__all__ = ["CHECKS", "Finding", "Profile", "Scope", "Severity", "check_pdf", "codes", "is_finding"]
