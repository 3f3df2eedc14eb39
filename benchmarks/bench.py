"""The benchmark: our build against WeasyPrint alone, on synthetic courses of 20, 100 and 500 pages.

    python -m benchmarks.bench [--repeat N] [--sizes 20,100,500] [--jobs N] [--keep DIR]
                               [--matrix-only | --no-matrix] [--content DIR]

For each size it generates a course (``benchgen``), writes the HTML of its student pack, and
times, each in a fresh process:

- engine alone: stock WeasyPrint turning that HTML into a PDF/UA-1 file, one document;
- single: ``coursepack build --single`` (our pipeline, the pack as one document);
- cold: ``coursepack build --no-cache`` (parts in parallel, nothing reused);
- no-op: the same build again, nothing changed;
- edit: one word of one paragraph of the middle unit changed (its page count stays);
- grow: about two pages added to that unit (every later page moves).

It prints the times, the ratios to the engine alone, peak memory per process, the cold
build's processor time (every process) against the engine alone, and our own overhead: the
processor time of everything that is not WeasyPrint parsing stylesheets, laying out and
writing PDF (starting Python, imports, loading, HTML, stitching, writing; the workers'
start-up), in every process, as a share of the build's processor time and of the engine
alone's time; and how long the main process was busy.
Then (``--no-matrix`` leaves it out, ``--matrix-only`` runs it alone) the sample matrix cold:
``coursepack build`` of every course in content/ against stock WeasyPrint typesetting the same
HTML of every target in a pool of as many processes (``benchmarks.matrix``).
Figures go into docs/performance.md; nothing here is a test.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ENGINE = r"""
import os, resource, sys, time
from pathlib import Path
from coursepack import fonts
os.environ["FONTCONFIG_FILE"] = str(fonts.fontconfig_file())
os.environ["SOURCE_DATE_EPOCH"] = "0"
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
html_path, base, lang, *sheets = sys.argv[1:]
start, cpu = time.perf_counter(), time.process_time()
config = FontConfiguration()
css = [CSS(string=fonts.font_css() + fonts.stylesheet(lang), font_config=config)]
css += [CSS(filename=s, font_config=config) for s in sheets]
doc = HTML(filename=html_path, base_url=base).render(stylesheets=css, font_config=config)
pdf = doc.write_pdf(pdf_variant="pdf/ua-1")
print(len(doc.pages), time.perf_counter() - start,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.process_time() - cpu)
"""


@dataclass
class Run:
    seconds: float
    pages: int = 0
    peak_mb: float = 0.0  # the largest process
    typeset: int = 0  # documents typeset
    overhead: float = 0.0  # processor seconds outside WeasyPrint's layout and PDF writing, every process
    cpu: float = 0.0  # processor seconds of the build, every process (of the engine alone: its render)
    busy: float = 0.0  # seconds the main process was not waiting for typesetting


@dataclass
class Row:
    pages: int
    runs: dict[str, Run] = field(default_factory=dict)
    parse: float = 0.0  # processor seconds: every Markdown file parsed (median of three)
    write: float = 0.0  # processor seconds: the student pack's HTML written from the trees (median of three)


def _engine(html: Path, base: Path, lang: str, sheets: list[Path]) -> Run:
    out = subprocess.run(
        [sys.executable, "-c", ENGINE, str(html), base.as_uri() + "/", lang, *map(str, sheets)],
        check=True,
        capture_output=True,
        text=True,
    )
    pages, seconds, peak, cpu = out.stdout.split()
    return Run(float(seconds), int(pages), float(peak), cpu=float(cpu))


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _build(course: Path, out: Path, jobs: int, *extra: str) -> Run:
    """One build, timed from outside; its own figures read from its JSON report (``--json``)."""
    cmd = [sys.executable, "-m", "coursepack", "build", str(course), "--edition", "student", "--lang", "en"]
    cmd += ["-o", str(out), "--jobs", str(jobs), "--json", *extra]
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu  # the build and its workers, start-up included
    if proc.returncode:
        raise SystemExit(f"build failed:\n{proc.stdout}\n{proc.stderr}")
    summary = json.loads(proc.stdout)["summary"]
    return Run(
        wall,
        int(summary["pages"]),
        max(summary["peak_mb"].values(), default=0.0),
        int(summary["documents_typeset"]),
        cpu - float(summary["engine_processor_seconds"]),
        cpu,
        float(summary["main_process_busy_seconds"]),
    )


def measure(size: int, work: Path, jobs: int) -> Row:
    from benchmarks import benchgen
    from coursepack.build import Variant, course_epoch, load_and_check, plan_targets, stylesheets, target_html

    course = benchgen.generate(work / f"course-{size}", size)
    checked = load_and_check([course])
    c = checked.courses[0]
    student = plan_targets(checked.localized, work / "plan", ["en"], ["student"], variants=[Variant()])[0]
    html = work / f"student-{size}.html"
    html.write_text(target_html(student, checked, course_epoch(c, None)), encoding="utf-8")
    row = Row(size)
    row.parse, row.write = html_stage(course)
    row.runs["engine alone"] = _engine(html, c.root, "en", stylesheets(c, "en"))
    out = work / f"out-{size}"
    row.runs["single"] = _build(course, work / f"single-{size}", jobs, "--single", "--no-cache")
    row.runs["cold"] = _build(course, out, jobs, "--no-cache")
    row.runs["no-op"] = _build(course, out, jobs)
    benchgen.edit_unit(course, grow=False)
    row.runs["edit"] = _build(course, out, jobs)
    benchgen.edit_unit(course, grow=True)
    row.runs["grow"] = _build(course, out, jobs)
    return row


def html_stage(course: Path) -> tuple[float, float]:
    """Processor seconds of the HTML stage of the student pack: every Markdown file parsed, then
    the pack's HTML written from the trees (medians of three, each on a course loaded afresh)."""
    from coursepack.build import Variant, course_epoch, load_and_check, plan_targets, target_html
    from coursepack.markdown.document import Parsed

    parses, writes = [], []
    for _ in range(3):
        checked = load_and_check([course])
        c = checked.courses[0]
        sources = [u.source for u in c.units] + [e.source for e in c.exercises.values() if e.inline is None]
        sources += [s for s in (c.introduction, c.guide) if s is not None]
        start = time.process_time()
        for src in sources:
            Parsed(src.path, src.body, src.first_line, "en", src.path.stem)
        parses.append(time.process_time() - start)
        student = plan_targets(checked.localized, course / "plan", ["en"], ["student"], variants=[Variant()])[0]
        start = time.process_time()
        target_html(student, checked, course_epoch(c, None))
        writes.append(time.process_time() - start)
    return sorted(parses)[1], sorted(writes)[1]


def median_row(rows: list[Row]) -> Row:
    """Each figure of each run the median of the repeated measurements (a ratio is then taken
    between medians; the machines are shared and one run moves by 10–20 %)."""
    first = rows[0]
    out = Row(
        first.pages, parse=statistics.median(r.parse for r in rows), write=statistics.median(r.write for r in rows)
    )
    for name, run in first.runs.items():
        same = [r.runs[name] for r in rows]
        out.runs[name] = Run(
            **{f.name: statistics.median(getattr(x, f.name) for x in same) for f in dataclasses.fields(Run)}
        )
        out.runs[name].pages, out.runs[name].typeset = run.pages, run.typeset
    return out


def report(rows: list[Row], jobs: int, repeat: int = 1) -> str:
    cpus = os.cpu_count()
    medians = f" · medians of {repeat} runs" if repeat > 1 else " · one run"
    lines = [
        f"coursepack benchmark · {platform.machine()} · {cpus} CPU(s) · {jobs} job(s) · "
        f"Python {platform.python_version()} · {time.strftime('%Y-%m-%d')}{medians}",
        "",
        "| size | pages | engine alone | single | cold | no-op | edit (same pages) | grow (+pages) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        e = row.runs["engine alone"].seconds

        def cell(name: str, row: Row = row, e: float = e) -> str:
            run = row.runs[name]
            return f"{run.seconds:.2f} s ({run.seconds / e:.2f}×)"

        lines.append(
            f"| {row.pages} | {row.runs['cold'].pages} | {e:.2f} s | {cell('single')} | {cell('cold')} | "
            f"{cell('no-op')} | {cell('edit')} | {cell('grow')} |"
        )
    lines += [
        "",
        "| size | peak MB: engine alone | single | cold (largest process) "
        "| cold: documents typeset | cold: processor time (× the engine alone's) "
        "| our overhead, cold: of the build's processor time | of the engine alone's | main process busy, cold |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cold, e = row.runs["cold"], row.runs["engine alone"].cpu  # processor time against processor time
        share = 100 * cold.overhead / cold.cpu if cold.cpu else 0.0
        lines.append(
            f"| {row.pages} | {row.runs['engine alone'].peak_mb:.0f} | {row.runs['single'].peak_mb:.0f} | "
            f"{cold.peak_mb:.0f} | {cold.typeset} | {cold.cpu:.2f} s ({cold.cpu / e:.2f}×) | "
            f"{cold.overhead:.2f} s ({share:.1f} %) | {100 * cold.overhead / e:.1f} % | "
            f"{cold.busy:.2f} s ({100 * cold.busy / cold.seconds:.1f} % of the wall clock) |"
        )
    lines += [
        "",
        "| size | HTML stage: Markdown parsed | student pack's HTML written | in all | of the engine alone's time |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        e = row.runs["engine alone"].cpu
        total = row.parse + row.write
        lines.append(
            f"| {row.pages} | {row.parse:.2f} s | {row.write:.2f} s | {total:.2f} s | {100 * total / e:.1f} % |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from coursepack.build import default_jobs

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="20,100,500", help="page counts to generate [20,100,500]")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="worker processes [cores]")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each size; the table shows medians [1]")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--matrix-only", action="store_true", help="only the sample matrix, not the sizes")
    which.add_argument("--no-matrix", action="store_true", help="only the sizes, not the sample matrix")
    parser.add_argument(
        "--content",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "content",
        help="the sample matrix's courses",
    )
    args = parser.parse_args(argv)
    repeat = max(args.repeat, 1)
    sizes = [] if args.matrix_only else [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="coursepack-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = []
        for size in sizes:
            runs = []
            for i in range(repeat):
                print(f"… {size} pages, run {i + 1} of {repeat}", file=sys.stderr, flush=True)
                runs.append(measure(size, work / f"run-{i + 1}", args.jobs))
            rows.append(median_row(runs))
        if rows:
            print(report(rows, args.jobs, repeat), flush=True)
        if not args.no_matrix:
            from benchmarks import matrix

            measured = []
            for i in range(repeat):
                load = " ".join(f"{x:.2f}" for x in os.getloadavg())
                print(f"… sample matrix, run {i + 1} of {repeat} (load average {load})", file=sys.stderr, flush=True)
                measured.append(
                    matrix.measure(args.content, work / f"matrix-{i + 1}", args.jobs, engine_first=i % 2 == 1)
                )
                print(f"  {matrix.report(measured[-1], 1).splitlines()[4]}", file=sys.stderr, flush=True)
            print(("\n" if rows else "") + matrix.report(matrix.median(measured), repeat))


if __name__ == "__main__":
    main()
