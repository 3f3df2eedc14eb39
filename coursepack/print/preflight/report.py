"""Preflight of files and output folders, of a build's targets, and the reports: one line a
finding for people, JSON for CI (its format is in docs/print.md)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coursepack.errors import display_path
from coursepack.print.preflight import check_pdf, layout
from coursepack.print.preflight.finding import Finding, Profile, Scope, Severity

if TYPE_CHECKING:
    from coursepack.matrix import Target

JSON_VERSION = 1


@dataclass
class Checked:
    """One PDF and what preflight found in it."""

    path: Path
    scope: Scope
    findings: list[Finding] = field(default_factory=list)
    course: str | None = None
    language: str | None = None
    edition: str | None = None
    variant: str | None = None
    built: list[Finding] = field(default_factory=list)  # the build's own findings, from the manifest


def scope_for(variant: str, profile: Profile | None = None, layout_checks: bool = True) -> Scope:
    """The checks for a build variant ("plain", "duplex-print", "a5-booklet", "2up"...)."""
    words = variant.split("-")
    imposed = "booklet" in words or any(w.endswith("up") for w in words)
    chosen = profile or (Profile.PRINT_SHOP if "print" in words else Profile.OFFICE)
    # imposed sheets are for the press: their pages are not the reader's, nor tagged for reading
    return Scope(chosen, layout=layout_checks and not imposed, accessibility=not imposed)


def build_scope(variant: str) -> Scope:
    """The PDF checks a build runs on what it writes. The glyph-by-glyph reading of every page
    (15 ms a page: 7.5 s for a 500-page pack, more than the rest of our work) is left to what
    the build knows already, except for print-shop output, where image resolution needs it:
    ``check`` refuses characters no bundled font has before anything is typeset, the engine's
    layout checks see text past the text block (stricter than the trim) on its boxes,
    WeasyPrint embeds every font and tags every run of text (the test suite checks its PDFs
    with a PDF/UA validator). Nor does it walk the whole structure tree for figures without
    alternative text: ``check`` refuses an image without alt text at its line. ``coursepack
    preflight`` does both."""
    scope = scope_for(variant, layout_checks=False)
    return dataclasses.replace(scope, glyphs=scope.profile.print_shop, tree=False)


class NotAPdf(ValueError):
    """A path that is neither a PDF nor a folder with a coursepack manifest.json."""


def collect(paths: list[Path], profile: Profile | None = None) -> list[Checked]:
    """The PDFs to check: each file given, and every artefact of each output folder's manifest."""
    found: list[Checked] = []
    for path in paths:
        if path.is_dir():
            manifest = path / "manifest.json"
            if not manifest.is_file():
                raise NotAPdf(f"{path}: a folder without manifest.json: name the PDFs, or a coursepack output folder")
            try:
                entries = json.loads(manifest.read_text(encoding="utf-8"))["artefacts"]
            except (ValueError, KeyError, TypeError) as exc:
                raise NotAPdf(f"{manifest}: not a coursepack manifest ({exc})") from None
            for entry in entries:
                variant = str(entry.get("variant", "plain"))
                checked = Checked(
                    path / entry["path"],
                    scope_for(variant, profile),
                    course=entry.get("course"),
                    language=entry.get("language"),
                    edition=entry.get("edition"),
                    variant=variant,
                )
                # what only the build could see (widows, splits: on the engine's boxes), as it reported them
                with contextlib.suppress(KeyError, TypeError, ValueError):
                    checked.built = [Finding.from_json(f) for f in entry.get("findings", [])]
                found.append(checked)
        elif path.suffix.lower() == ".pdf" or path.read_bytes()[:5] == b"%PDF-":
            found.append(Checked(path, Scope(profile or Profile.OFFICE)))
        else:
            raise NotAPdf(f"{path}: not a PDF")
    return found


def run(checked: list[Checked]) -> list[Checked]:
    for item in checked:
        found = set(check_pdf(item.path, item.scope)) | set(item.built)
        item.findings = sorted(found, key=lambda f: (f.page or 0, f.code, f.message))
    return checked


def line(shown: str, finding: Finding) -> str:
    """``output/x/en/student.pdf: p. 14: warning: heading "Consent" is the last line of the page``."""
    where = f"{shown}: p. {finding.page}" if finding.page else shown
    source = f" ({finding.source})" if finding.source else ""
    return f"{where}: {finding.severity}: {finding.message}{source} [{finding.code}]"


def summary(checked: list[Checked]) -> dict[str, Any]:
    findings = [f for c in checked for f in c.findings]
    return {
        "files": len(checked),
        "errors": sum(f.severity is Severity.ERROR for f in findings),
        "warnings": sum(f.severity is Severity.WARNING for f in findings),
        "codes": dict(sorted(Counter(f.code for f in findings).items())),
    }


def as_json(checked: list[Checked], shown: dict[Path, str]) -> str:
    report = {
        "version": JSON_VERSION,
        "files": [
            {
                "path": shown[c.path],
                "course": c.course,
                "language": c.language,
                "edition": c.edition,
                "variant": c.variant,
                "profile": str(c.scope.profile),
                "findings": [f.as_json() for f in c.findings],
            }
            for c in checked
        ],
        "summary": summary(checked),
    }
    return json.dumps(report, ensure_ascii=False, indent=2)


# ---------- in a build ----------


def build_findings(
    pdf: bytes, warnings: list[str], anchors: dict[str, int], variant: str
) -> tuple[list[Finding], list[str]]:
    """Preflight of a target as the build writes it: the engine's layout findings (tagged
    ``warnings``, put on the pages of the finished PDF with ``anchors``) and the checks on the
    PDF's bytes (fonts, glyphs, images, boxes, PDF/UA); returns them, and the other warnings."""
    found: list[Finding] = []
    rest: list[str] = []
    for warning in warnings:
        finding = layout.untag(warning, anchors)
        if finding is None:
            rest.append(warning)
        else:
            found.append(finding)
    found += check_pdf(pdf, build_scope(variant))
    return sorted(set(found), key=lambda f: (f.page or 0, f.code, f.message)), rest


def for_target(
    target: Target, pdf: bytes, warnings: list[str], anchors: dict[str, int], laid_out: int = 0
) -> tuple[list[str], list[str], list[Finding]]:
    """The build's preflight lines for a target (at the source line where the engine knows it,
    else at the PDF's page), and the typesetting warnings that are not preflight's. In imposed
    output (a booklet, 2-up) a page the engine names is also placed on its sheet: the PDF's
    pages are sheets, ``laid_out`` pages were imposed on them. Also returns the findings only the
    engine can make (at a source line), which the manifest keeps for ``coursepack preflight``."""
    from coursepack.print import impose

    variant = target.variant.suffix(target.course.meta.paper).lstrip("-") or "plain"
    found, rest = build_findings(pdf, list(dict.fromkeys(warnings)), anchors, variant)
    imposed = target.variant.booklet or bool(target.variant.n_up)
    lines = []
    for f in found:
        page = f"p. {f.page}" if f.page else "the whole document"
        if f.page and imposed and f.source:  # the engine's page, before imposition
            page += f", on {impose.sheet_of(f.page, laid_out or f.page, target.variant.booklet, target.variant.n_up)}"
        elif f.page and imposed:  # a check of the imposed PDF: its pages are sheets
            page = f"sheet {f.page}"
        if f.source:
            path, _, number = f.source.rpartition(":")
            where = f"{display_path(target.course.root / path)}:{number}"
            lines.append(f"{where}: warning: {f.message} ({target.key}, {page}) [{f.code}]")
        else:
            lines.append(f"{display_path(target.output)}: {page}: warning: {f.message} [{f.code}]")
    return lines, rest, [f for f in found if f.source]
