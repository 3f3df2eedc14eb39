"""The preview's latency: from saving a file to the browser's update, on the 100-page course.

    python -m benchmarks.preview [--pages 100] [--edits 10] [--jobs N] [--keep DIR]

It generates the course (``benchgen``), starts ``coursepack preview`` on it in a process of its
own, listens to its event stream as a browser does, waits for the first PDF (the cold build),
then makes ``--edits`` edits of one paragraph (one word of the middle unit: ``edit_unit``), one
at a time, and measures from each save to

- (a) the ``html`` event that carries the new text, delivered to this client;
- (b) the ``pdf`` event that says the PDF page of the edit was drawn again (its PNG is ready).

It prints each edit's figures, their medians, and the machine's load average (a shared
machine's figures vary). Nothing here is a test; the goals are 0.3 s and 2 s (docs/preview.md).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.benchgen import edit_unit, generate


def _events(url: str, out: queue.Queue[tuple[float, str, dict[str, object]]]) -> None:
    """Read the event stream; put (arrival time, event, data) for each event."""
    with urllib.request.urlopen(url + "_preview/events", timeout=600) as stream:
        event = ""
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                out.put((time.time(), event, json.loads(line[6:])))


def _wait(events: queue.Queue[tuple[float, str, dict[str, object]]], kind: str, test, seconds: float):  # type: ignore[no-untyped-def]
    deadline = time.time() + seconds
    while True:
        left = deadline - time.time()
        if left <= 0:
            raise TimeoutError(f"no {kind} event in {seconds:g} s")
        at, event, data = events.get(timeout=left)
        if event == kind and test(data):
            return at, data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--edits", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="coursepack-preview-bench-"))
    course = generate(work / f"course-{args.pages}", args.pages)
    cmd = [sys.executable, "-m", "coursepack", "preview", str(course), "--port", "0", "-o", str(work / "output")]
    if args.jobs:
        cmd += ["--jobs", str(args.jobs)]
    server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if " at http" not in line:
            raise SystemExit(f"the preview did not start: {line}{server.stdout.read()}")
        url = line.rsplit(" at ", 1)[1].strip()
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()  # type: ignore[union-attr]
        events: queue.Queue[tuple[float, str, dict[str, object]]] = queue.Queue()
        threading.Thread(target=_events, args=(url, events), daemon=True).start()
        start = time.time()
        _, hello = _wait(events, "hello", lambda d: True, 30)
        version = int(hello["version"])  # type: ignore[call-overload]
        at, _ = _wait(events, "pdf", lambda d: d.get("ok"), 900)
        print(f"{args.pages}-page course: first PDF (cold build) {at - start:.1f} s after the preview answered")
        html_s, pdf_s = [], []
        parts: dict[str, list[float]] = {"before": [], "build": [], "draw": []}
        for k in range(args.edits):
            time.sleep(0.5)
            saved = time.time()
            edit_unit(course, grow=False)
            at_html, data = _wait(events, "html", lambda d, v=version: int(d["version"]) > v, 30)
            version = int(data["version"])  # type: ignore[call-overload]
            at_pdf, pdf = _wait(events, "pdf", lambda d, v=version: d.get("ok") and int(d["html"]) >= v, 120)
            for name, seconds in dict(pdf.get("seconds") or {}).items():  # type: ignore[call-overload]
                parts.setdefault(name, []).append(float(seconds))
            html_s.append(at_html - saved)
            pdf_s.append(at_pdf - saved)
            print(
                f"  edit {k + 1:2d}: HTML {html_s[-1]:.3f} s, PDF page {pdf_s[-1]:.2f} s  (scrolled to {data['scroll']})"
            )
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"median of {args.edits}: HTML update {statistics.median(html_s):.3f} s (goal 0.3 s), "
            f"PDF page {statistics.median(pdf_s):.2f} s (goal 2 s); load average {load} on {os.cpu_count()} core(s)"
        )
        print(
            "  the PDF's time, medians: "
            + ", ".join(f"{name} {statistics.median(values):.2f} s" for name, values in parts.items() if values)
            + " (before: the save to the build's start, the HTML first; build: check, HTML, the part typeset, "
            "stitched, written; draw: the page found and drawn)"
        )
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        if not args.keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
