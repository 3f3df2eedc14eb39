"""``coursepack preview``: the pack being edited in a browser, updated on every save (docs/preview.md).

``serve`` runs it: the session (``session``: HTML and PDF kept up to date), the web server
(``server``: this machine only) and the file watcher (``watch``), until Ctrl-C or SIGTERM;
then the watcher, the server and every typesetting process are ended before it returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from coursepack.preview.server import PreviewServer, is_loopback
from coursepack.preview.session import Session
from coursepack.preview.watch import Watcher

__all__ = ["PreviewServer", "Session", "Watcher", "is_loopback", "serve"]


def serve(
    course: Path,
    edition: str,
    lang: str | None,
    output: Path,
    jobs: int,
    host: str = "127.0.0.1",
    port: int = 8000,
    say: Callable[[str], None] = print,
    stop: threading.Event | None = None,
    epoch: int | None = None,
) -> None:
    """Preview ``course`` until ``stop`` is set or the main thread is interrupted (Ctrl-C)."""
    session = Session(course, edition, lang, output, jobs, epoch)
    server = PreviewServer(host, port, session)  # (before the first render: a port in use fails at once)
    watcher = Watcher(session, output)
    threads: list[threading.Thread] = []
    try:
        session.start()
        threads = [
            threading.Thread(target=server.serve_forever, name="coursepack-preview-http", daemon=True),
            threading.Thread(target=watcher.run, name="coursepack-preview-watch", daemon=True),
        ]
        for t in threads:
            t.start()
        errors = len(session.page.errors)
        say(f"Previewing {session.course.name} ({edition}, {session.lang}) at {server.url}")
        if errors:
            say(f"  the course has {errors} error(s): the page shows them")
        say("  PDF: built in the background into " + str(output) + "; Ctrl-C stops")
        if stop is not None:
            stop.wait()
        else:
            _wait_forever()
    finally:
        watcher.stop()
        server.stop()
        session.stop()
        for t in threads:
            t.join(5)


def _wait_forever() -> None:
    """Sleep in the main thread, where Ctrl-C (KeyboardInterrupt) arrives."""
    forever = threading.Event()
    while not forever.wait(3600):
        pass
