"""A Word (``.docx``) or OpenDocument (``.odt``) file, read by pandoc into its document tree.

The file is a zip archive from outside, so it is vetted before pandoc sees it: at most
``MAX_ENTRIES`` members and ``MAX_UNPACKED`` bytes unpacked (as the archive declares them, and
no member compressed more than ``MAX_RATIO`` to 1: a zip bomb is refused before anything is
unpacked). pandoc reads it in its sandbox with a memory ceiling (``coursepack/pandoc.py``) and
gives its tree as JSON; pandoc writes no file. The images the tree names are read from the
archive by us, each by its exact member name, at most 20 MiB read, and kept only when they are
an image coursepack prints (PNG, JPEG, GIF, SVG, WebP).

Level-1 headings start units (the heading is the title); the text before the first one is the
introduction (a document without level-1 headings is one unit, titled from the document).
"""

from __future__ import annotations

import html
import json
import posixpath
import re
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

from coursepack import pandoc
from coursepack.importer.course import Course, Lines, Origin, Unit
from coursepack.importer.pandocast import Writer, _plain, inline_images
from coursepack.importer.source import MAX_BINARY_BYTES, ImportFailed, Source

MAX_DOCUMENT = 50 * 1024 * 1024  # the .docx / .odt file
MAX_ENTRIES = 5_000
MAX_UNPACKED = 300 * 1024 * 1024  # what its members add up to, unpacked
MAX_RATIO = 200  # unpacked / packed, for a member over 1 MiB unpacked
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp")


def read(source: Source, path: Path, kind: str) -> Course:
    where = source.rel(path)
    data = source.read(path, MAX_DOCUMENT)
    archive = _vetted(data, where)
    doc = _pandoc(data, kind, where)
    meta = doc.get("meta", {})
    title = (
        _plain(meta.get("title", {}).get("c", [])).strip()
        or _core_title(archive)
        or path.stem.replace("-", " ").replace("_", " ")
    )
    course = Course(title=title)
    authors = meta.get("author", {})
    if authors.get("t") == "MetaList":
        course.authors = [_plain(a.get("c", [])).strip() for a in authors["c"]]
    elif authors:
        course.authors = [_plain(authors.get("c", [])).strip()]
    course.authors = [a for a in course.authors if a]
    prefix = "word/" if kind == "docx" else ""

    def figure(target: str, origin: Origin) -> str | None:
        name = posixpath.normpath(prefix + target)
        if name.startswith(("/", "../")) or name not in archive.namelist():
            course.left_out(origin, f"image {target}: not in the document (a linked image?): left out")
            return None
        if not name.lower().endswith(IMAGE_TYPES):
            course.left_out(
                origin, f"image {target}: a {posixpath.splitext(name)[1] or 'file'} image: left out (save it as PNG)"
            )
            return None
        with archive.open(name) as f:
            blob = f.read(MAX_BINARY_BYTES + 1)
        if len(blob) > MAX_BINARY_BYTES:
            course.left_out(origin, f"image {target}: larger than 20 MiB: left out")
            return None
        return course.figure_name(posixpath.basename(name), blob)

    writer = Writer(course, figure)
    blocks = inline_images(doc.get("blocks", []))
    current: Lines | None = None
    unit: Unit | None = None
    for k, block in enumerate(blocks, 1):
        origin = (where, k)
        writer.origin = origin
        if block.get("t") == "Header" and block["c"][0] == 1:
            _close(writer, current)
            name = " ".join(_plain(block["c"][2]).split()) or f"Unit {len(course.units) + 1}"
            unit = Unit(course.new_id(name), name, Lines(), origin)
            course.units.append(unit)
            current, writer.depth = unit.body, 1
            continue
        if current is None:
            current = course.introduction = Lines()
        text = writer.block(block)
        if text:
            current.add(text + "\n", origin)
    _close(writer, current)
    if not course.units:
        intro = course.introduction or Lines()
        course.introduction = None
        course.units.append(Unit(course.new_id(title), title, intro, (where, 1)))
        course.left_out((where, 0), "no level-1 heading (Heading 1): the whole document is one unit")
    return course


def _core_title(archive: zipfile.ZipFile) -> str:
    """The title in the document's properties (docProps/core.xml, meta.xml), read as text."""
    for name in ("docProps/core.xml", "meta.xml"):
        if name in archive.namelist():
            with archive.open(name) as f:
                xml = f.read(64 * 1024).decode("utf-8", "replace")
            m = re.search(r"<dc:title>([^<]{1,300})</dc:title>", xml)
            if m:
                return " ".join(html.unescape(m.group(1)).split())
    return ""


def _close(writer: Writer, lines: Lines | None) -> None:
    notes = writer.footnotes()
    if lines is not None and notes:
        lines.add("\n" + notes + "\n", writer.origin)


def _vetted(data: bytes, where: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFailed(
            f"{where}: not a Word or OpenDocument file ({exc}): save it again from the word processor"
        ) from None
    if len(members) > MAX_ENTRIES:
        raise ImportFailed(f"{where}: an archive of {len(members)} files (a zip bomb?): not imported")
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED:
        raise ImportFailed(
            f"{where}: unpacks to {total // (1024 * 1024)} MiB, more than {MAX_UNPACKED // (1024 * 1024)} MiB "
            "(a zip bomb?): not imported"
        )
    for m in members:
        if m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise ImportFailed(
                f"{where}: member {m.filename} unpacks {m.file_size // max(m.compress_size, 1)} times larger than "
                "it is packed (a zip bomb?): not imported"
            )
    return archive


def _pandoc(data: bytes, kind: str, where: str) -> dict[str, Any]:
    path = pandoc.binary()
    if path is None:
        raise ImportFailed("importing Word and OpenDocument files needs pandoc: pip install pypandoc-binary")
    name = f"in.{kind}"
    try:
        proc = pandoc.run(path, ["-f", kind, "-t", "json", name], files={name: data})
    except subprocess.TimeoutExpired:
        raise ImportFailed(f"{where}: pandoc took over {pandoc.TIMEOUT} s to read it: split the document") from None
    except OSError as exc:
        raise ImportFailed(f"cannot run pandoc ({exc}): reinstall pypandoc-binary") from None
    if proc.returncode:
        raise ImportFailed(f"{where}: pandoc could not read it: {pandoc.last_error(proc)}")
    try:
        doc: dict[str, Any] = json.loads(proc.stdout)
    except ValueError:
        raise ImportFailed(f"{where}: pandoc gave no document: save it again from the word processor") from None
    return doc
