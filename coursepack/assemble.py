"""Stage 5 for long packs: typeset as parts, then stitched (see ``parts`` and ``stitch``).

A ``Pack`` says which typesetting jobs it needs next and takes their results, until the
page plan is stable: every part was typeset with the page numbers it actually gets. The
build's scheduler runs the jobs of all packs in one worker pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coursepack import parts, stitch
from coursepack.parts import Layout, Split
from coursepack.typeset import TypesetResult

MAX_RENDERS = 3  # of one part in one build; a plan still moving after that is typeset as one document


@dataclass(frozen=True)
class Job:
    """One document to typeset: a part, the page furniture of a run of pages, or a whole pack."""

    kind: str  # "part" | "probe" (layout only) | "furniture" | "single"
    index: int
    html: str
    inputs: Any = None

    @property
    def size(self) -> int:
        return len(self.html)


class Pack:
    """The parts of one target, typeset again until the page plan they were made with is the real one.

    Without an earlier build's layouts to go by, a part that prints page numbers depending
    on the plan is first only laid out (a *probe*: its length and anchors, no PDF), and
    written once every part's length is known.
    """

    def __init__(self, split: Split, recto: bool, hint: dict[str, Layout] | None = None) -> None:
        self.split = split
        self.recto = recto
        n = len(split.segments)
        hint = hint or {}
        self.layouts = [hint.get(s.name) or parts.guess(s) for s in split.segments]
        self.known = [False] * n  # layout measured in this build
        self.probe = [s.name not in hint and bool(s.numbered or s.self_numbered) for s in split.segments]
        self.results: list[tuple[Any, TypesetResult] | None] = [None] * n
        self.furniture: dict[int, tuple[Any, TypesetResult]] = {}
        self.renders = [0] * n
        self.inflight: set[tuple[str, int]] = set()
        self.unstable = False

    def plan(self) -> parts.Plan:
        return parts.plan(self.layouts, self.recto)

    def next_jobs(self) -> list[Job]:
        """Jobs that can start now (none while the plan still waits for a part in flight)."""
        plan = self.plan()
        known = all(self.known)
        jobs = []
        for k, segment in enumerate(self.split.segments):
            if ("part", k) in self.inflight or ("probe", k) in self.inflight:
                continue
            want = parts.inputs(segment, k, plan)
            done = self.results[k]
            if not self.known[k] and self.probe[k]:
                jobs.append(Job("probe", k, parts.part_html(self.split, k, want[0], dict(want[1])), want))
            elif (done is None and (self.known[k] or not self.probe[k]) and (known or not self.probe[k])) or (
                done is not None and known and done[0] != want
            ):
                if self.renders[k] >= MAX_RENDERS:
                    self.unstable = True
                    return []
                jobs.append(Job("part", k, parts.part_html(self.split, k, want[0], dict(want[1])), want))
        if jobs or not known or any(kind in ("part", "probe") for kind, _ in self.inflight):
            return jobs
        if any(r is None for r in self.results):
            return jobs
        chunks = parts.furniture_chunks(parts.furniture_pages(plan, self.layouts))
        for j, want_f in enumerate(chunks):
            have = self.furniture.get(j)
            if ("furniture", j) not in self.inflight and (have is None or have[0] != want_f):
                jobs.append(Job("furniture", j, parts.furniture_html(self.split, *want_f), want_f))
        return jobs

    def started(self, job: Job) -> None:
        self.inflight.add((job.kind, job.index))

    def accept(self, job: Job, result: TypesetResult) -> None:
        self.inflight.discard((job.kind, job.index))
        if job.kind in ("part", "probe"):
            self.layouts[job.index] = Layout(result.pages, result.anchors, result.page_names)
            self.known[job.index] = True
            if job.kind == "part":
                self.results[job.index] = (job.inputs, result)
                self.renders[job.index] += 1
        elif job.kind == "furniture":
            self.furniture[job.index] = (job.inputs, result)

    @property
    def complete(self) -> bool:
        return not self.inflight and not self.unstable and not self.next_jobs()

    def result(self) -> TypesetResult:
        """The stitched pack (call when ``complete``)."""
        plan = self.plan()
        done = [r[1] for r in self.results if r is not None]
        chunks = parts.furniture_chunks(parts.furniture_pages(plan, self.layouts))
        furniture = [self.furniture[j][1] for j in range(len(chunks))]
        pdf = stitch.stitch([r.pdf for r in done], [f.pdf for f in furniture], plan.pads)
        warnings = [w for r in done + furniture for w in r.warnings]
        seconds = sum(r.seconds for r in done + furniture)
        layout = sum(r.layout_seconds for r in done + furniture)
        return TypesetResult(pdf, plan.total, dict(plan.pages), warnings, seconds, [], layout)

    def hint(self) -> list[dict[str, Any]]:
        """The parts' layouts, for the next build's first guess."""
        return [
            {"name": s.name, "pages": lay.pages, "anchors": lay.anchors, "page_names": lay.page_names}
            for s, lay in zip(self.split.segments, self.layouts, strict=True)
        ]


def hint_from(records: list[dict[str, Any]] | None) -> dict[str, Layout]:
    return {
        r["name"]: Layout(int(r["pages"]), {k: int(v) for k, v in r["anchors"].items()}, list(r["page_names"]))
        for r in records or []
        if isinstance(r, dict) and {"name", "pages", "anchors", "page_names"} <= r.keys()
    }


def layouts_from_single(split: Split, result: TypesetResult, recto: bool) -> list[dict[str, Any]] | None:
    """Each part's layout read off a single render of the whole pack (None if it cannot be)."""
    try:
        starts = [1] + [result.anchors[s.name] for s in split.segments[1:]]
    except KeyError:
        return None
    ends = [*starts[1:], result.pages + 1]
    hint = []
    for segment, start, end in zip(split.segments, starts, ends, strict=True):
        if recto and end <= result.pages and result.page_names[end - 2 : end - 1] == ["cp-blank"]:
            end -= 1  # the blank verso before the next part belongs to no part
        if end <= start:
            return None
        anchors = {a: page - start + 1 for a, page in result.anchors.items() if a in segment.ids}
        names = result.page_names[start - 1 : end - 1]
        hint.append({"name": segment.name, "pages": end - start, "anchors": anchors, "page_names": names})
    return hint
