"""The sample matrix, cold: our build of every course in content/ against stock WeasyPrint
typesetting the same HTML of every target, spread over the same number of processes (#18).

- ours: ``coursepack build <every course in content/> --no-cache --json --jobs N -o <tmp>``
  in a fresh process, timed from outside (wall clock); its JSON report gives the targets,
  pages and documents typeset.
- engine alone: the HTML of every target of that build (``coursepack.build.target_html``),
  each typeset by stock WeasyPrint (no engine patch) as one document, PDF/UA-1, in a pool of
  N fresh (spawned) processes that each import WeasyPrint once and keep the stylesheets they
  parsed for the next document in the same language (WeasyPrint's documented reuse of a
  ``FontConfiguration``). The largest ready document goes first. Editions that cite the
  student pack's pages get them from the engine's own student pack, as an engine-alone
  pipeline would (it waits for that pack, like our build): the HTML is the same as ours but
  for page numbers where the two engines paginate differently. Reported: the pool's wall
  clock (start-up and imports included) and the sum of the documents' times over N.

The issue's goal: ours at most 0.8 times the engine alone spread over the cores (sum / N).

This module imports nothing from coursepack at the top: the pool's processes import it and
WeasyPrint only.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

Family = tuple[str, str, str, str]  # course id, language, edition, variant (repr)


@dataclass
class Doc:
    """A target of the engine-alone run: the family it belongs to and the one whose pages it cites."""

    key: str
    family: Family
    needs: Family | None = None  # None: it cites no other edition's pages
    item: Any = None  # what the caller needs to render its HTML (a coursepack Target)


class Plan:
    """Which documents can be typeset: those citing no pages, those whose cited edition is done,
    and those whose cited edition is not in the matrix (as the build does: no pages then)."""

    def __init__(self, docs: list[Doc]) -> None:
        self.waiting = list(docs)
        self.planned = {d.family for d in docs}
        self.pages: dict[Family, dict[str, int]] = {}

    def done(self, doc: Doc, anchors: dict[str, int]) -> None:
        self.pages[doc.family] = anchors

    def release(self) -> list[Doc]:
        """The waiting documents that can start now (removed from the waiting list)."""
        ready = [d for d in self.waiting if d.needs is None or d.needs in self.pages or d.needs not in self.planned]
        self.waiting = [d for d in self.waiting if all(d is not r for r in ready)]
        return ready

    def cited(self, doc: Doc) -> dict[str, int] | None:
        return self.pages.get(doc.needs) if doc.needs is not None else None


@dataclass
class Job:
    key: str
    html: str
    base: str  # the course folder's URI, with a final slash
    lang: str
    sheets: list[str]  # the theme's and course's stylesheets
    font_css: str  # @font-face rules for the bundled fonts and the language's font stacks
    epoch: int


@dataclass
class Typeset:
    key: str
    pages: int
    seconds: float
    cpu: float
    anchors: dict[str, int]


@dataclass
class Measure:
    """One run of the matrix, or the medians of several."""

    targets: int = 0
    pages: int = 0  # ours (after imposition)
    engine_pages: int = 0  # the engine alone's (laid out)
    same_pages: int = 0  # targets with as many pages in both
    documents: int = 0  # documents our build typeset (parts, furniture, whole packs)
    ours: float = 0.0  # wall clock of our build
    pool: float = 0.0  # wall clock of the engine alone's pool, start-up to last process ended
    engine_sum: float = 0.0  # sum of the documents' times in the engine alone
    engine_cpu: float = 0.0  # sum of the documents' processor times
    html: float = 0.0  # seconds the main process rendered cited editions' HTML while the pool ran
    ours_cpu: float = 0.0  # processor time of our build, every process
    pool_cpu: float = 0.0  # processor time of the engine alone's pool processes (start-up and imports included)
    jobs: int = 1
    ratios: list[float] = field(default_factory=list)  # ours / (engine_sum / jobs), each run

    @property
    def spread(self) -> float:
        """The engine alone's time spread over the cores: its documents' times over N."""
        return self.engine_sum / self.jobs

    @property
    def ratio(self) -> float:
        return self.ours / self.spread if self.spread else 0.0


# --- in the pool's processes: WeasyPrint only ---

_CSS: dict[tuple[str, tuple[str, ...]], tuple[Any, list[Any]]] = {}


def _init(fontconfig: str) -> None:
    os.environ["FONTCONFIG_FILE"] = fontconfig  # the bundled fonts, by family name (before WeasyPrint loads)
    import weasyprint  # noqa: F401


def _typeset(job: Job) -> Typeset:
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    os.environ["SOURCE_DATE_EPOCH"] = str(job.epoch)
    start, cpu = time.perf_counter(), time.process_time()
    key = (job.lang, tuple(job.sheets))
    if key not in _CSS:
        config = FontConfiguration()
        css = [CSS(string=job.font_css, font_config=config)]
        css += [CSS(filename=s, font_config=config) for s in job.sheets]
        _CSS[key] = (config, css)
    config, css = _CSS[key]
    doc = HTML(string=job.html, base_url=job.base).render(stylesheets=css, font_config=config)
    doc.write_pdf(pdf_variant="pdf/ua-1")
    anchors: dict[str, int] = {}
    for number, page in enumerate(doc.pages, start=1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    return Typeset(job.key, len(doc.pages), time.perf_counter() - start, time.process_time() - cpu, anchors)


# --- in the benchmark's process ---


def courses(content: Path) -> list[Path]:
    """Every course folder in ``content`` (what ``coursepack build`` takes with no folder named)."""
    return sorted(p.parent.resolve() for p in content.glob("*/course.yaml"))


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def ours(dirs: list[Path], out: Path, jobs: int) -> tuple[float, float, dict[str, Any]]:
    """Our cold build in a fresh process: its wall clock, processor time (every process) and JSON report."""
    cmd = [sys.executable, "-m", "coursepack", "build", *map(str, dirs), "--no-cache", "--json"]
    cmd += ["--jobs", str(jobs), "-o", str(out)]
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if proc.returncode:
        raise SystemExit(f"build failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(proc.stdout)
    return wall, cpu, report


def engine_alone(dirs: list[Path], jobs: int) -> tuple[float, float, float, list[Typeset]]:
    """Every target's HTML typeset by stock WeasyPrint in a pool of ``jobs`` fresh processes:
    the pool's wall clock, its processes' processor time, the seconds the main process spent
    rendering HTML meanwhile (the editions that cite the student pack's pages), and each
    document's figures."""
    # Only through coursepack.build. Beyond target_html & co, the engine alone needs what the
    # build hands WeasyPrint: the stylesheets (stylesheets) and the fonts (fonts.*).
    from coursepack import fonts
    from coursepack.build import course_epoch, load_and_check, plan_targets, stylesheets, target_html

    checked = load_and_check(dirs)
    targets = plan_targets(checked.localized, Path(tempfile.gettempdir()) / "coursepack-matrix", None, None)

    def family(t: Any, edition: str) -> Family:
        return (t.course.meta.id, t.lang, edition, repr(t.variant))

    plan = Plan(
        [
            Doc(t.key, family(t, t.edition.name), family(t, t.edition.needs) if t.edition.needs else None, t)
            for t in targets
        ]
    )
    font_css: dict[str, str] = {}

    def job(doc: Doc) -> Job:
        t = doc.item
        if t.lang not in font_css:
            font_css[t.lang] = fonts.font_css() + fonts.stylesheet(t.lang)
        epoch = course_epoch(t.course, None)
        html = target_html(t, checked, epoch, plan.cited(doc))
        sheets = [str(s) for s in stylesheets(t.course, t.lang)]
        return Job(doc.key, html, t.course.root.resolve().as_uri() + "/", t.lang, sheets, font_css[t.lang], epoch)

    docs = {d.key: d for d in plan.waiting}
    queue = [job(d) for d in plan.release()]  # (before the clock starts)
    results: list[Typeset] = []
    html = 0.0
    start, cpu = time.perf_counter(), _children_cpu()
    ctx = get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init, initargs=(str(fonts.fontconfig_file()),)) as pool:
        inflight: dict[Future[Typeset], str] = {}
        while queue or inflight:
            queue.sort(key=lambda j: len(j.html))  # the largest last, popped first
            while queue and len(inflight) < jobs:
                j = queue.pop()
                inflight[pool.submit(_typeset, j)] = j.key
            finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for future in finished:
                del inflight[future]
                result = future.result()
                results.append(result)
                plan.done(docs[result.key], result.anchors)
            tick = time.perf_counter()
            queue += [job(d) for d in plan.release()]
            html += time.perf_counter() - tick
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu  # (the pool's processes, joined)
    if plan.waiting:
        raise SystemExit(f"engine alone: never typeset {', '.join(d.key for d in plan.waiting)}")
    return wall, cpu, html, results


def measure(content: Path, work: Path, jobs: int, engine_first: bool = False) -> Measure:
    """One run: our cold build and the engine alone, one after the other (nothing else running)."""
    dirs = courses(content)
    if not dirs:
        raise SystemExit(f"no course in {content}")
    m = Measure(jobs=jobs)
    if engine_first:  # (the runs alternate which goes first: the host drifts)
        m.pool, m.pool_cpu, m.html, typeset = engine_alone(dirs, jobs)
    m.ours, m.ours_cpu, report = ours(dirs, work / "matrix-out", jobs)
    if not engine_first:
        m.pool, m.pool_cpu, m.html, typeset = engine_alone(dirs, jobs)
    built = {b["target"]: b["pages"] for b in report["built"]}
    m.targets, m.pages, m.documents = len(built), report["summary"]["pages"], report["summary"]["documents_typeset"]
    m.engine_pages = sum(t.pages for t in typeset)
    m.same_pages = sum(built.get(t.key) == t.pages for t in typeset)
    m.engine_sum, m.engine_cpu = sum(t.seconds for t in typeset), sum(t.cpu for t in typeset)
    if len(typeset) != m.targets:
        raise SystemExit(f"the engine alone typeset {len(typeset)} targets, our build {m.targets}")
    m.ratios = [m.ratio]
    return m


def median(runs: list[Measure]) -> Measure:
    """Each figure the median of the runs (the ratio is then taken between medians)."""
    first = runs[0]
    return Measure(
        first.targets,
        first.pages,
        first.engine_pages,
        min(r.same_pages for r in runs),
        first.documents,
        statistics.median(r.ours for r in runs),
        statistics.median(r.pool for r in runs),
        statistics.median(r.engine_sum for r in runs),
        statistics.median(r.engine_cpu for r in runs),
        statistics.median(r.html for r in runs),
        statistics.median(r.ours_cpu for r in runs),
        statistics.median(r.pool_cpu for r in runs),
        first.jobs,
        [x for r in runs for x in r.ratios],
    )


def report(m: Measure, repeat: int) -> str:
    runs = f"medians of {repeat} runs" if repeat > 1 else "one run"
    spread = "–".join(f"{x:.2f}" for x in (min(m.ratios), max(m.ratios))) if len(m.ratios) > 1 else ""
    lines = [
        f"sample matrix, cold · {m.jobs} job(s) · {runs} · goal: ours ≤ 0.8 × the engine alone spread over the cores",
        "",
        "| targets | pages | ours | engine alone: pool | engine alone: sum / N | ours / (sum / N) | ours / pool |",
        "|---|---|---|---|---|---|---|",
        f"| {m.targets} | {m.pages} | {m.ours:.1f} s | {m.pool:.1f} s | {m.spread:.1f} s "
        f"(sum {m.engine_sum:.1f} s) | **{m.ratio:.2f}×**{f' [{spread}]' if spread else ''} | "
        f"{m.ours / m.pool:.2f}× |",
        "",
        f"Our build typeset {m.documents} documents; the engine alone {m.targets} ({m.engine_pages} pages, "
        f"as many pages as ours in {m.same_pages} of {m.targets} targets). Processor time: ours {m.ours_cpu:.1f} s, "
        f"the engine alone's pool {m.pool_cpu:.1f} s ({m.ours_cpu / m.pool_cpu if m.pool_cpu else 0:.2f}×; "
        f"its documents {m.engine_cpu:.1f} s); the main process rendered cited editions' HTML for {m.html:.1f} s "
        "while the pool ran.",
    ]
    return "\n".join(lines)
