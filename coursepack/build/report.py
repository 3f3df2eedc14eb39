"""What a build did: per target (``Built``) and in all (``Report``), for people and for CI.

The command line prints it; ``coursepack build --json`` emits ``Report.as_json`` (versioned);
the benchmark reads that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursepack.errors import display_path
from coursepack.matrix import Target


@dataclass
class Built:
    """What happened to one target."""

    target: Target
    pages: int
    size: int
    digest: str
    seconds: float
    cached: bool
    warnings: list[str] = field(default_factory=list)
    parts: int = 1  # documents typeset separately and stitched
    retypeset: int = 0  # parts typeset again because the page plan moved
    findings: list[dict[str, Any]] = field(default_factory=list)  # preflight's, made on the engine's boxes


@dataclass
class Progress:
    """Counts for a progress display."""

    targets: int = 0
    targets_done: int = 0
    parts_total: int = 0
    parts_done: int = 0
    pages_done: int = 0


@dataclass
class Timings:
    """Seconds per stage; the typesetting stages add up the worker processes' time."""

    stages: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.stages[stage] = self.stages.get(stage, 0.0) + seconds


REPORT_VERSION = 1


@dataclass
class Report:
    built: list[Built] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)
    outdated: list[str] = field(default_factory=list)  # translations whose source changed since
    stale: list[str] = field(default_factory=list)  # PDFs not built this time that cite pages which moved
    folders: dict[str, str] = field(default_factory=dict)  # course id -> its folder, as the user would type it
    manifest: Path | None = None
    seconds: float = 0.0
    timings: Timings = field(default_factory=Timings)
    overhead: float = 0.0  # seconds the main process spent on its own work, not waiting for typesetting
    engine_cpu: float = 0.0  # processor seconds inside WeasyPrint (layout, PDF) for the documents typeset
    documents: int = 0  # documents typeset (parts, furniture, whole packs)
    peak_mb: dict[str, float] = field(default_factory=dict)

    def as_json(self, processor_seconds: float | None = None) -> dict[str, Any]:
        """The report as ``coursepack build --json`` prints it (version 1; docs/cli.md): what a
        CI job or the benchmark reads instead of the lines meant for people."""
        made = [b for b in self.built if not b.cached]
        return {
            "version": REPORT_VERSION,
            "ok": not self.failures,
            "built": [
                {
                    "target": b.target.key,
                    "path": display_path(b.target.output),
                    "pages": b.pages,
                    "bytes": b.size,
                    "sha256": b.digest,
                    "seconds": round(b.seconds, 3),
                    "cached": b.cached,
                    "parts": b.parts,
                    "retypeset": b.retypeset,
                }
                for b in self.built
            ],
            "summary": {
                "pdfs_built": len(made),
                "pdfs_unchanged": len(self.built) - len(made),
                "pages": sum(b.pages for b in self.built),
                "documents_typeset": self.documents,
                "seconds": round(self.seconds, 3),
                "engine_processor_seconds": round(self.engine_cpu, 3),
                "processor_seconds": None if processor_seconds is None else round(processor_seconds, 3),
                "main_process_busy_seconds": round(self.overhead, 3),
                "peak_mb": {who: round(mb, 1) for who, mb in self.peak_mb.items()},
                "stages": {stage: round(sec, 3) for stage, sec in self.timings.stages.items()},
            },
            "failures": self.failures,
            "warnings": self.warnings,
            "fallbacks": self.fallbacks,
            "outdated": self.outdated,
            "stale": self.stale,
            "manifest": display_path(self.manifest) if self.manifest else None,
        }


def manifest_entries(report: Report, output: Path) -> list[dict[str, Any]]:
    """The manifest's line for each PDF of the build (docs/print.md)."""
    return [
        {
            "path": b.target.output.relative_to(output).as_posix(),
            "course": b.target.course.meta.id,
            "language": b.target.lang,
            "edition": b.target.edition.name,
            "paper": b.target.paper,
            "variant": b.target.variant.suffix(b.target.course.meta.paper).lstrip("-") or "plain",
            "pages": b.pages,
            "bytes": b.size,
            "sha256": b.digest,
            **({"findings": b.findings} if b.findings else {}),
        }
        for b in report.built
    ]
