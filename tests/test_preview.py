"""`coursepack preview`: the server (this machine only, its own pages and the course's images),
the HTML updated on a save and scrolled to the edit, errors over the last good preview, a clean
stop with no process left, and the whole flow in a real headless Chromium.

The tests that start the command (and so typeset) or a browser are slow (tests/conftest.py)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from coursepack.cli import main
from coursepack.preview import PreviewServer, Session, Watcher, blocks, is_loopback
from coursepack.preview.watch import ignored

from conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UNIT = "units/first-unit.md"
OLD = "Fixtures keep the test suite fast."
NEW = "Fixtures keep the whole test suite quick."


# -- where an edit is ------------------------------------------------------------------------


def test_the_first_changed_block_of_the_file_saved_is_found() -> None:
    old = '<p data-src="a.md:1">one</p><p data-src="b.md:3">two</p><p data-src="b.md:5">three</p>'
    new = '<p data-src="a.md:1">one!</p><p data-src="b.md:3">two</p><p data-src="b.md:5">THREE</p>'
    assert blocks.first_change(old, new, ["b.md"])[0] == "b.md:5"  # type: ignore[index]
    assert blocks.first_change(old, new, [])[0] == "a.md:1"  # type: ignore[index]
    assert blocks.first_change(old, old, ["b.md"]) is None
    added = old.replace('<p data-src="b.md:5">', '<p data-src="b.md:4">new</p><p data-src="b.md:6">')
    assert blocks.first_change(old, added, ["b.md"])[0] == "b.md:4"  # type: ignore[index]


def test_the_words_of_a_block_and_the_section_it_is_in() -> None:
    html = '<h2 id="intro">Intro</h2><p data-src="u.md:3">Some <em>emphasised</em> words &amp; more</p>'
    at = html.index("data-src")
    assert blocks.anchor_before(html, at) == "intro"
    assert blocks.words_at(html, at) == ["Some", "emphasised", "words", "more"]


# -- options and the filter -------------------------------------------------------------------


def test_only_loopback_addresses_are_accepted() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.2") and not is_loopback("example.com")
    result = CliRunner().invoke(main, ["preview", str(FIXTURES / "minimal"), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "this machine only" in result.output


def test_output_hidden_and_editor_files_are_not_watched(tmp_path: Path) -> None:
    course, out = tmp_path / "course", tmp_path / "course" / "output"
    assert not ignored(course / "units" / "a.md", course, out)
    for name in ["output/x/student.pdf", "units/.a.md.swp", "units/a.md~", "units/#a.md#", ".git/HEAD", "units/4913"]:
        assert ignored(course / name, course, out), name


# -- the server, in this process (no typesetting: the PDF thread is not started) --------------


@contextlib.contextmanager
def serving(course: Path, lang: str | None = None, watch: bool = False) -> Iterator[tuple[PreviewServer, Session]]:
    session = Session(course, "student", lang, course.parent / "out", 1)
    session.refresh([], time.time())
    server = PreviewServer("127.0.0.1", 0, session)
    threads = [threading.Thread(target=server.serve_forever, daemon=True)]
    watcher = Watcher(session, course.parent / "out")
    if watch:
        threads.append(threading.Thread(target=watcher.run, daemon=True))
    for t in threads:
        t.start()
    try:
        yield server, session
    finally:
        watcher.stop()
        server.stop()
        for t in threads:
            t.join(5)


def get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, bytes]:
    port = server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or f"127.0.0.1:{port}")
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def events(server: PreviewServer) -> queue.Queue[tuple[str, dict[str, object]]]:
    """The server's events, read in a thread as a browser would."""
    out: queue.Queue[tuple[str, dict[str, object]]] = queue.Queue()

    def read() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
        conn.request("GET", "/_preview/events")
        response = conn.getresponse()
        event = ""
        with contextlib.suppress(OSError, ValueError):
            while line := response.readline().decode():
                if line.startswith("event: "):
                    event = line[7:].strip()
                elif line.startswith("data: "):
                    out.put((event, json.loads(line[6:])))

    threading.Thread(target=read, daemon=True).start()
    assert out.get(timeout=10)[0] == "hello"
    return out


def next_event(q: queue.Queue[tuple[str, dict[str, object]]], kind: str, seconds: float = 20) -> dict[str, object]:
    deadline = time.time() + seconds
    while True:
        event, data = q.get(timeout=max(0.01, deadline - time.time()))
        if event == kind:
            return data


def test_the_server_serves_the_chosen_edition_and_language(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy("bilingual")
    with serving(course, "fr") as (server, session):
        status, body = get(server, "/")
        page = body.decode()
        assert status == 200
        assert '<html lang="fr" dir="ltr">' in page
        assert 'class="edition-student' in page
        assert "/_preview/static/preview.css" in page and "/_preview/sheet/0.css" in page
        assert get(server, "/_preview/sheet/0.css")[1] == session.sheets[0].read_bytes()  # the theme's style.css
        assert get(server, "/_preview/static/preview.js")[0] == 200
    with serving(course, "ar") as (server, _):
        assert '<html lang="ar" dir="rtl">' in get(server, "/")[1].decode()


def test_the_course_images_are_served_and_nothing_else(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    course = course_copy("minimal")
    (tmp_path / "secret.png").write_bytes(b"secret")
    with serving(course) as (server, session):
        assert get(server, "/figures/boxes.svg") == (200, (course / "figures" / "boxes.svg").read_bytes())
        # links out of the course folder, made after the first render (check refuses them too)
        (course / "figures" / "out.png").symlink_to(tmp_path / "secret.png")
        for path in [
            "/figures/../../secret.png",
            "/figures/%2e%2e/%2e%2e/secret.png",
            "/..%2f..%2fsecret.png",
            "/course.yaml",
            "/units/first-unit.md",
            "/figures/",
            "/figures",
        ]:
            status, body = get(server, path)
            assert status in (403, 404), path
            assert b"secret" not in body
        assert get(server, "/figures/out.png")[0] == 403  # a link out of the course folder
        (course / "templates").mkdir()
        (course / "templates" / "extra.css").symlink_to(tmp_path / "secret.png")
        session.refresh([], time.time())  # (check refuses the link: an error, the last good page kept)
        assert any("extra.css leads outside the course folder" in e for e in session.page.errors)
        for k in range(4):
            assert b"secret" not in get(server, f"/_preview/sheet/{k}.css")[1]
        assert get(server, "/_preview/sheet/0.css")[0] == 200
        assert get(server, "/_preview/font/99999")[0] == 404
        assert get(server, "/", host="attacker.example:80")[0] == 403  # DNS rebinding
        assert server.server_address[0] == "127.0.0.1"


def test_a_save_sends_the_new_text_scrolled_to_the_edit(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy("minimal")
    with serving(course, watch=True) as (server, _):
        q = events(server)
        time.sleep(0.3)  # (the watcher is listening)
        unit = course / UNIT
        unit.write_text(unit.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
        data = next_event(q, "html")
        assert NEW in str(data["body"])
        assert OLD not in str(data["body"])
        src = str(data["scroll"])
        assert src.startswith(UNIT + ":")
        line = int(src.rpartition(":")[2])
        assert NEW in unit.read_text(encoding="utf-8").splitlines()[line - 1]


def test_a_changed_image_is_loaded_again(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy("minimal")
    with serving(course, watch=True) as (server, _):
        q = events(server)
        time.sleep(0.3)
        figure = course / "figures" / "boxes.svg"
        figure.write_text(figure.read_text(encoding="utf-8").replace("</svg>", "<!-- changed --></svg>"))
        assert next_event(q, "assets")["files"] == ["figures/boxes.svg"]


def test_errors_are_shown_with_file_and_line_and_the_last_good_page_kept(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy("minimal")
    unit = course / UNIT
    good = unit.read_text(encoding="utf-8")
    with serving(course) as (server, session):
        q = events(server)
        unit.write_text(good.replace("[](#tab-sizes)", "[](#tab-nowhere)"), encoding="utf-8")
        session.refresh([unit], time.time())
        errors = next_event(q, "errors")["errors"]
        assert any("first-unit.md:" in e and "tab-nowhere" in e for e in errors), errors  # type: ignore[attr-defined]
        page = get(server, "/")[1].decode()
        assert "tab-nowhere" in page  # the error, in the panel
        assert "Why fixtures are small" in page  # the last good pack, under it
        assert json.loads(get(server, "/_preview/state")[1])["errors"]
        unit.write_text(good.replace(OLD, NEW), encoding="utf-8")
        session.refresh([unit], time.time())
        assert NEW in str(next_event(q, "html")["body"])
        assert not session.page.errors


# -- the command, in a process of its own (slow: it typesets) ---------------------------------


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc)."""
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == parent and int(entry.name) not in found:
                    found.add(int(entry.name))
                    todo.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _as_in_a_terminal() -> None:
    """Ctrl-C as a terminal delivers it: a suite run in the background (``make test &``) starts
    its processes with SIGINT ignored, which Python then keeps ignoring."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@contextlib.contextmanager
def command(course: Path, *args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``coursepack preview`` started as a user would; its URL; stopped with SIGINT at the end."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coursepack",
            "preview",
            str(course),
            "--port",
            "0",
            "-o",
            str(course.parent / "out"),
            *args,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_as_in_a_terminal,
        env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"},  # (the course's date, as build() below)
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert " at http://127.0.0.1:" in line, line + proc.stdout.read()
        yield proc, line.rsplit(" at ", 1)[1].strip()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout:
            proc.stdout.close()


def wait_for_pdf(url: str, seconds: float = 240) -> dict[str, object]:
    deadline = time.time() + seconds
    while time.time() < deadline:
        host, port = url.removeprefix("http://").strip("/").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/_preview/state")
        pdf = json.loads(conn.getresponse().read())["pdf"]
        conn.close()
        if pdf["version"]:
            return pdf  # type: ignore[no-any-return]
        time.sleep(0.5)
    raise AssertionError("no PDF page")


def test_it_listens_on_localhost_and_stops_on_ctrl_c_with_no_process_left(course_copy) -> None:  # type: ignore[no-untyped-def]
    course = course_copy("minimal")
    with command(course) as (proc, url):
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        with socket.socket() as s:  # not on the machine's other addresses
            s.settimeout(2)
            other = _an_address_not_loopback()
            if other:
                assert s.connect_ex((other, port)) != 0
        pdf = wait_for_pdf(url)
        assert pdf["pages"] and pdf["page"] == 1
        children = _children(proc.pid)
        assert children, "the typesetting workers run as child processes"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
        assert "preview stopped" in (proc.stdout.read() if proc.stdout else "")
    deadline = time.time() + 10
    while any(_alive(c) for c in children) and time.time() < deadline:
        time.sleep(0.2)
    assert not [c for c in children if _alive(c)], "a process of the preview was left running"


def test_the_pdf_it_builds_after_an_edit_is_the_one_build_makes(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The preview's build reuses what it has (parses, the HTML it rendered, the page numbers
    written into unchanged parts): the PDF must still be the bytes of a build from scratch."""
    from coursepack.build import Options, build
    from coursepack.matrix import Variant

    course = course_copy("minimal")
    unit = course / UNIT
    with command(course) as (proc, url):
        first = wait_for_pdf(url)
        unit.write_text(unit.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")
        deadline = time.time() + 120
        while wait_for_pdf(url)["version"] == first["version"] and time.time() < deadline:
            time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    pdf = course.parent / "out" / "minimal" / "en" / "student.pdf"
    clean = tmp_path / "clean"
    report = build([course], Options(clean, ["en"], ["student"], 2, use_cache=False, variants=[Variant()]))
    assert not report.failures
    assert pdf.read_bytes() == (clean / "minimal" / "en" / "student.pdf").read_bytes()


def _an_address_not_loopback() -> str | None:
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # (no packet is sent: it picks the interface)
        address = s.getsockname()[0]
        return None if address.startswith("127.") else str(address)
    return None


def _browser_or_skip() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("playwright is not installed (the test dependency group has it: pip install --group test)")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM}: `make test` installs it (apt-get install chromium) when run as root")


def test_the_browser_shows_edits_errors_and_the_pdf_page(course_copy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    course = course_copy("minimal")
    unit = course / UNIT
    good = unit.read_text(encoding="utf-8")
    with command(course) as (_proc, url), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(url)
            expect(page.locator("h2", has_text="Why fixtures are small").first).to_be_visible()
            # (waits by locators: the page's Content-Security-Policy forbids evaluating strings)
            expect(page.locator("body[data-cp-pdf]")).to_be_attached(timeout=240_000)  # the first PDF page shown
            first_pdf = page.locator("body").get_attribute("data-cp-pdf")
            # an edit: the new text appears without a reload, scrolled into view
            page.evaluate("window.cpMark = 1")
            unit.write_text(good.replace(OLD, NEW), encoding="utf-8")
            edited = page.locator(f"[data-src^='{UNIT}:']", has_text="whole test suite quick")
            expect(edited).to_be_visible(timeout=20_000)
            assert page.evaluate("window.cpMark") == 1, "the page was reloaded"
            expect(edited).to_be_in_viewport()
            expect(page.locator("body")).not_to_have_attribute("data-cp-pdf", first_pdf or "", timeout=120_000)
            expect(page.locator("#cp-pdf-page")).to_be_visible()
            assert "page" in page.locator("#cp-pdf-status").inner_text()
            # a bad cross-reference: the error with its file:line, the last good page under it
            unit.write_text(good.replace(OLD, NEW).replace("[](#tab-sizes)", "[](#tab-nowhere)"), encoding="utf-8")
            errors = page.locator("#cp-errors")
            expect(errors).to_be_visible(timeout=20_000)
            expect(errors).to_contain_text("first-unit.md:")
            expect(errors).to_contain_text("tab-nowhere")
            expect(edited).to_be_visible()
            # fixed: the error goes, the page is there again
            unit.write_text(good, encoding="utf-8")
            expect(errors).to_be_hidden(timeout=20_000)
            expect(page.locator(f"[data-src^='{UNIT}:']", has_text=OLD)).to_be_visible()
            assert page.evaluate("window.cpMark") == 1
            # a page opened after the PDF was drawn shows it at once
            page.reload()
            expect(page.locator("body[data-cp-pdf]")).to_be_attached()
            expect(page.locator("#cp-pdf-page")).to_be_visible()
            page.screenshot(path=str(tmp_path / "preview.png"))
        finally:
            browser.close()


def test_the_preview_command_is_documented() -> None:
    assert (ROOT / "docs" / "preview.md").is_file()
    assert "## `coursepack preview`" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
