"""The preview's web server: this machine only, its own pages and the course's images.

Routes (every other path is refused, and nothing is ever listed):

- ``/``: the pack's HTML with the theme's stylesheets and the preview's screen layer;
- ``/_preview/events``: Server-Sent Events (``hello``, ``html``, ``errors``, ``assets``, ``pdf-start``, ``pdf``);
- ``/_preview/state``: what the page shows now, as JSON (a browser that reconnects);
- ``/_preview/page.png``: the PDF page of the last edit; ``/_preview/static/*``: the screen
  layer; ``/_preview/sheet/N.css``, ``/_preview/fonts.css``, ``/_preview/font/N``: the
  theme's stylesheets and the bundled fonts;
- ``/<path>``: an image of the course folder (its real path inside it, links resolved).

It listens on a loopback address only, and answers only requests whose ``Host`` names it (a
web page elsewhere cannot reach it through a name it controls: DNS rebinding).
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import json
import mimetypes
import queue
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from coursepack import fonts, jail
from coursepack.i18n import text_direction
from coursepack.preview.session import Session

STATIC = Path(__file__).parent / "static"
IMAGES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif"}
KEEPALIVE = 10.0  # seconds between comments on an idle event stream
LOOPBACK_NAMES = ("localhost",)
# the page loads nothing but what this server sends (a course's remote image stays out, as the
# build's fetcher keeps it out of the PDF); the theme's own <style> in the head is inline
CSP = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def is_loopback(host: str) -> bool:
    """True for a name or address of this machine only (127.0.0.0/8, ::1, localhost)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, session: Session) -> None:
        if not is_loopback(host):
            raise ValueError(f"{host} is not an address of this machine only: the preview listens on 127.0.0.1 or ::1")
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.session = session
        self.stopping = threading.Event()
        self.font_files = [face.path for fs in fonts.faces().values() for face in fs]
        super().__init__((host, port), Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{f'[{name}]' if ':' in name else name}:{port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that went away mid-request is no error worth a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def stop(self) -> None:
        self.stopping.set()
        self.session.broker.close()
        self.shutdown()
        self.server_close()


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # (quiet: the terminal shows the preview's own lines)
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_ok():
            self._send(403, b"forbidden: this preview answers to its own address only\n", "text/plain")
            return
        path = unquote(urlsplit(self.path).path)
        session = self.server.session
        if path == "/":
            self._send(200, page_html(session).encode(), "text/html; charset=utf-8", cache=False)
        elif path == "/_preview/events":
            self._events()
        elif path == "/_preview/state":
            self._send(200, json.dumps(state(session)).encode(), "application/json", cache=False)
        elif path == "/_preview/page.png":
            if session.page.png:
                self._send(200, session.page.png, "image/png", cache=False)
            else:
                self._send(404, b"no PDF page yet\n", "text/plain")
        elif path == "/_preview/fonts.css":
            self._send(200, fonts_css(self.server.font_files).encode(), "text/css; charset=utf-8")
        elif path.startswith("/_preview/font/"):
            self._listed(self.server.font_files, path.removeprefix("/_preview/font/"), "font/ttf")
        elif path.startswith("/_preview/sheet/"):  # (a course's extra.css is read through the jail)
            self._listed(session.sheets, path.removeprefix("/_preview/sheet/").removesuffix(".css"), "text/css")
        elif path.startswith("/_preview/static/"):
            name = path.removeprefix("/_preview/static/")
            files = {p.name: p for p in STATIC.iterdir()}
            if name in files:
                kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
                self._send(200, files[name].read_bytes(), kind, cache=False)
            else:
                self._send(404, b"not found\n", "text/plain")
        else:
            self._course_image(path)

    def _host_ok(self) -> bool:
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return is_loopback(name.strip("[]"))

    def _listed(self, files: list[Path], index: str, kind: str) -> None:
        """One of ``files`` by its number; a stylesheet only from the course folder or a theme."""
        if not (index.isdigit() and int(index) < len(files)):
            self._send(404, b"not found\n", "text/plain")
            return
        path = files[int(index)]
        try:
            data = jail.read_bytes(path, self.server.session.sheet_roots) if kind == "text/css" else path.read_bytes()
        except OSError:
            self._send(403, b"forbidden: outside the course folder\n", "text/plain")
            return
        self._send(200, data, kind)

    def _course_image(self, path: str) -> None:
        """An image of the course folder, its real path inside it; nothing else, never a listing."""
        rel = path.lstrip("/")
        parts = rel.split("/")
        if not rel or any(p in ("", ".", "..") or p.startswith(".") for p in parts) or "\\" in rel:
            self._send(404, b"not found\n", "text/plain")
            return
        if Path(rel).suffix.lower() not in IMAGES:
            self._send(404, b"not found: the preview serves the course's images only\n", "text/plain")
            return
        try:
            real = self.server.session.course_file(rel)
            data = jail.read_bytes(real, [self.server.session.course], 20 * 1024 * 1024)
        except jail.Outside:
            self._send(403, b"forbidden: outside the course folder\n", "text/plain")
            return
        except OSError:
            self._send(404, b"not found\n", "text/plain")
            return
        self._send(200, data, mimetypes.guess_type(rel)[0] or "application/octet-stream", cache=False)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        session = self.server.session
        with session.broker.subscribe() as q:
            try:
                self._write_event("hello", json.dumps(state(session, body=False)))
                while not self.server.stopping.is_set():
                    try:
                        item = q.get(timeout=KEEPALIVE)
                    except queue.Empty:
                        self.wfile.write(b": idle\n\n")
                        self.wfile.flush()
                        continue
                    if item is None:
                        return
                    self._write_event(*item)
            except (BrokenPipeError, ConnectionResetError, OSError):
                return

    def _write_event(self, event: str, data: str) -> None:
        self.wfile.write(f"event: {event}\ndata: {data}\n\n".encode())
        self.wfile.flush()

    def _send(self, status: int, body: bytes, kind: str, cache: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600" if cache and status == 200 else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        if self.command != "HEAD":
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)


def state(session: Session, body: bool = True) -> dict[str, Any]:
    p = session.page
    out: dict[str, Any] = {
        "version": p.version,
        "errors": p.errors,
        "pdf": {"version": p.pdf_version, "page": p.pdf_page, "pages": p.pdf_pages, "status": p.pdf_status},
    }
    if body:
        out.update(body=p.body, bodyAttrs=p.body_attrs)
    return out


def page_html(session: Session) -> str:
    """The pack's HTML as the build writes it, with the theme's stylesheets (which the build
    gives the engine apart), the bundled fonts and the preview's screen layer and panel."""
    p = session.page
    sheets = "".join(
        f'<link rel="stylesheet" href="/_preview/sheet/{k}.css">' for k in range(len(session.sheets))
    )  # fmt: skip
    lang = session.target.lang if session.target else (session.lang or "en")
    errors = "".join(f"<li>{html.escape(e)}</li>" for e in p.errors)
    title = html.escape(f"Preview: {session.course.name} · {session.edition} · {lang}")
    head = p.head or f"<title>{title}</title>"
    body = p.body or '<p class="cp-empty">No good preview yet: fix the errors above.</p>'
    direction = text_direction(lang)
    return f"""<!DOCTYPE html>
<html lang="{html.escape(lang)}" dir="{direction}">
<head>
{head}
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/_preview/fonts.css">
<style>{fonts.stylesheet(lang)}</style>
{sheets}
<link rel="stylesheet" href="/_preview/static/preview.css">
<script src="/_preview/static/preview.js" defer></script>
</head>
<body{p.body_attrs} data-cp-version="{p.version}"{f' data-cp-pdf="{p.pdf_version}"' if p.pdf_version else ""}>
{body}
<aside id="cp-preview" dir="ltr" lang="en" aria-label="Preview">
  <div id="cp-errors" role="alert" {"" if p.errors else "hidden"}><p class="cp-errors-title">The course has errors: the last good preview is shown</p><ul>{errors}</ul></div>
  <div id="cp-pdf"><p id="cp-pdf-status">{html.escape(p.pdf_status)}</p><img id="cp-pdf-page" alt="The PDF page of the last edit" {"" if p.png else "hidden"} src="/_preview/page.png?v={p.pdf_version}"></div>
</aside>
</body>
</html>
"""


def fonts_css(files: list[Path]) -> str:
    """@font-face rules for every bundled font, served by the preview (the PDF's own fonts)."""
    rules = []
    for k, face in enumerate(face for fs in fonts.faces().values() for face in fs):
        name = face.path.name
        style = "italic" if "Italic" in name else "normal"
        weight = "700" if "Bold" in name and "Variable" not in name and "[" not in name else "100 900"
        if face.path.suffix.lower() == ".ttc":
            continue  # (a collection: browsers cannot pick its face; the system's CJK font is used)
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; src: url("/_preview/font/{k}"); '
            f"font-weight: {weight}; font-style: {style}; font-display: block; }}"
        )
    return "\n".join(rules) + "\n"
