"""Stage 5 for long packs: typeset as parts, then stitched (see ``parts`` and ``stitch``).

A ``Pack`` says which typesetting jobs it needs next and takes their results, until the
page plan is stable: every part was typeset with the page numbers it actually gets. The
build's scheduler runs the jobs of all packs in one worker pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coursepack.engine.parts import split as parts
from coursepack.engine.parts.split import Layout, Split
from coursepack.engine.typeset import TypesetResult

MAX_RENDERS = 3  # of one part in one build; a plan still moving after that is typeset as one document


@dataclass(frozen=True)
class Job:
    """One document to typeset: a part, the page furniture of a run of pages, or a whole pack."""

    kind: str  # "part" | "furniture" | "single"
    index: int
    html: str
    inputs: Any = None
    lead: bool = False  # the pack's largest part, typeset first: its density calibrates the other guesses
    speculative: bool = False  # typeset again on the plan as it stands, while a worker would be idle

    @property
    def size(self) -> int:
        return len(self.html)

    @property
    def order(self) -> tuple[int, int]:
        """Queue order: each pack's lead part, then short parts (the front and back matter set where
        the cited pages fall, and their length says little of the body's), then the largest first.

        With two workers, one measures the lead part while the other sets the short parts, so
        every other part starts with its digit counts guessed at the pack's own density.
        """
        if self.lead:
            return 0, -self.size
        if self.speculative:
            return 3, -self.size
        return (1 if self.kind == "part" and self.size < parts.SHORT_PART_CHARS else 2), -self.size


class Pack:
    """The parts of one target, typeset again until the page plan they were made with is the real one.

    Every part is typeset at once, with zeros for the page numbers it prints (their digit
    counts guessed from an earlier build's layouts, or from the text's length); once every
    part's length is known, a part whose numbers have other digit counts is typeset again,
    and the stitcher writes the numbers in.
    """

    def __init__(self, split: Split, recto: bool, hint: dict[str, Layout] | None = None) -> None:
        self.split = split
        self.recto = recto
        n = len(split.segments)
        hint = hint or {}
        self.layouts = [hint.get(s.name) or parts.guess(s) for s in split.segments]
        self.hinted = [s.name in hint for s in split.segments]  # layout from an earlier build
        self.known = [False] * n  # layout measured in this build
        # typeset with the numbers themselves: they cannot be written in, or the part prints lists
        # of pages (an index: each page once, ranges merged), which depend on the numbers
        self.literal = [bool(s.pagelists) for s in split.segments]
        self.results: list[tuple[Any, TypesetResult] | None] = [None] * n
        self.furniture: dict[int, tuple[Any, TypesetResult]] = {}
        self.renders = [0] * n
        self.speculated = [False] * n  # typeset again before every part's length was known
        self.inflight: set[tuple[str, int]] = set()
        self.unstable = False
        body = [k for k, s in enumerate(split.segments) if len(s.html) >= parts.SHORT_PART_CHARS and not self.hinted[k]]
        self.lead = max(body, key=lambda k: len(split.segments[k].html), default=-1)

    def plan(self) -> parts.Plan:
        return parts.plan(self.layouts, self.recto, [s.sheet for s in self.split.segments])

    def _calibrate(self) -> None:
        """Guess the parts not yet typeset (nor known from an earlier build) at this pack's measured density."""
        measured = [  # body parts only: the front and back matter are sparse (a cover, a list of exercises)
            k
            for k, known in enumerate(self.known)
            if known and len(self.split.segments[k].html) >= parts.SHORT_PART_CHARS
        ]
        lines = sum(self.split.segments[k].lines for k in measured)
        pages = sum(self.layouts[k].pages for k in measured)
        if lines and pages:
            for k, segment in enumerate(self.split.segments):
                if not self.known[k] and not self.hinted[k]:
                    self.layouts[k] = parts.guess(segment, lines / pages)

    def refresh(self, job: Job) -> Job | None:
        """A queued part's job with the digit counts of the plan as it now stands (parts measured
        since it was queued may have moved pages); None if the part as already typeset now fits."""
        if job.kind != "part":
            return job
        k = job.index
        want = parts.inputs(self.split.segments[k], k, self.plan(), self.literal[k])
        done = self.results[k]
        if done is not None and done[0] == want:
            self.inflight.discard(("part", k))
            return None
        if want == job.inputs:
            return job
        return self._part_job(k, want, lead=job.lead, speculative=job.speculative)

    def _part_job(self, k: int, want: Any, lead: bool = False, speculative: bool = False) -> Job:
        """Part ``k`` as a job, typeset with the numbers (or zeros) ``want`` says."""
        return Job("part", k, parts.part_html(self.split, k, want[0], dict(want[1])), want, lead, speculative)

    def next_jobs(self) -> list[Job]:
        """Jobs that can start now: parts not yet typeset, parts whose digit counts the plan shows
        wrong (speculatively while some lengths are still guesses), then the page furniture."""
        plan = self.plan()
        known = all(self.known)
        jobs = []
        for k, segment in enumerate(self.split.segments):
            if ("part", k) in self.inflight:
                continue
            want = parts.inputs(segment, k, plan, self.literal[k])
            done = self.results[k]
            if done is None or (known and done[0] != want):
                if self.renders[k] >= MAX_RENDERS:
                    if self.inflight:  # a part in flight may yet settle the plan
                        return []
                    self.unstable = True
                    return []
                jobs.append(self._part_job(k, want, lead=k == self.lead and not any(self.known)))
            elif done[0] != want and not self.speculated[k]:
                # the plan says this part's digit counts were wrong, but some lengths are still
                # guesses: typeset it again now if a worker is free, checked once more at the end
                jobs.append(self._part_job(k, want, speculative=True))
        if jobs or not known:
            return jobs
        # parts typeset again rarely change length: the furniture goes ahead, checked again at the end
        pending = any(kind == "part" for kind, _ in self.inflight)
        chunks = parts.furniture_chunks(parts.furniture_pages(plan, self.layouts))
        for j, want_f in enumerate(chunks):
            have = self.furniture.get(j)
            if ("furniture", j) not in self.inflight and (have is None or have[0] != want_f):
                html = parts.furniture_html(self.split, *want_f)
                jobs.append(Job("furniture", j, html, want_f, speculative=pending))
        return jobs

    def started(self, job: Job) -> None:
        self.inflight.add((job.kind, job.index))
        if job.speculative and job.kind == "part":
            self.speculated[job.index] = True

    def accept(self, job: Job, result: TypesetResult) -> None:
        self.inflight.discard((job.kind, job.index))
        if job.kind == "part":
            self.layouts[job.index] = Layout(result.pages, result.anchors, result.page_names)
            self.known[job.index] = True
            self._calibrate()
            self.results[job.index] = (job.inputs, result)
            self.renders[job.index] += 0 if job.speculative else 1
        elif job.kind == "furniture":
            self.furniture[job.index] = (job.inputs, result)

    def make_literal(self, k: int) -> None:
        """Typeset part ``k`` again with its numbers in the text: they could not be written in."""
        self.literal[k] = True
        self.results[k] = None

    @property
    def complete(self) -> bool:
        jobs = self.next_jobs()  # first: it is what finds a plan that does not settle
        return not self.inflight and not self.unstable and not jobs

    def result(self) -> TypesetResult:
        """The stitched pack (call when ``complete``); raises ``pagerefs.Unpatchable`` naming parts."""
        plan = self.plan()
        done = [r[1] for r in self.results if r is not None]
        numbers = [
            None if literal else {a: plan.pages[a] for a in s.cited if a in plan.pages}
            for s, literal in zip(self.split.segments, self.literal, strict=True)
        ]
        chunks = parts.furniture_chunks(parts.furniture_pages(plan, self.layouts))
        furniture = [self.furniture[j][1] for j in range(len(chunks))]
        from coursepack.engine.parts import stitch  # (pikepdf: only where a pack is stitched)

        pdf = stitch.stitch(
            [r.pdf for r in done], [f.pdf for f in furniture], plan.pads, numbers, [r.printed for r in done]
        )
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
