"""Preflight: the checks a print shop and a copy editor make, on a finished PDF and at build time.

``check_pdf`` reads any PDF (pikepdf only: this package never imports the engine, except
``layout``, which the typesetting process calls on WeasyPrint's boxes). Each check family is
a module that registers its checks (``document.check``): ``printing`` (fonts, glyphs, images,
colour, page boxes), ``tagging`` (PDF/UA basics, and the layout a tagged PDF shows).
"""

from __future__ import annotations

from pathlib import Path

from coursepack.preflight import layout, printing, tagging  # noqa: F401  (they register their checks)
from coursepack.preflight.document import CHECKS, Inspection, Scope
from coursepack.preflight.finding import Finding, Profile, Severity


def codes() -> set[str]:
    """Every code preflight reports: the registered PDF checks' and the engine's layout checks'."""
    return {code for c in CHECKS for code in c.codes} | set(layout.CODES)


def is_finding(line: str) -> bool:
    """Whether a line a build printed is a preflight finding (it ends with ``[code]``)."""
    return line.endswith("]") and line.rpartition(" [")[2][:-1] in codes()


def check_pdf(source: Path | bytes, scope: Scope | None = None) -> list[Finding]:
    """Every finding of every registered check that applies to ``scope``, by page."""
    scope = scope or Scope()
    doc = Inspection(source, scope)
    try:
        found: set[Finding] = set()
        for c in CHECKS:
            if (c.layout and not scope.layout) or (c.accessibility and not scope.accessibility):
                continue
            found.update(c.run(doc))
    finally:
        doc.close()
    return sorted(found, key=lambda f: (f.page or 0, f.code, f.message))


__all__ = ["CHECKS", "Finding", "Profile", "Scope", "Severity", "check_pdf", "codes", "is_finding"]
