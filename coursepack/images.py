"""What an image of a course may be: readable by the engine, and small enough to draw.

``check`` reads every image the text shows through the jail and asks ``image_problem``; the
engine asks ``raster_too_large`` and ``svg_too_large`` again for any image it loads (one a
stylesheet or an SVG names), so a pathological file never reaches the layout. The limits:

- a raster image has at most ``MAX_IMAGE_PIXELS`` pixels, read from its header (a 480 KB PNG
  can decode to 12500 × 12500 pixels, 1.3 GB of memory), never decoded to find out;
- an SVG has at most ``MAX_SVG_ELEMENTS`` elements once every ``<use>`` is replaced by what it
  refers to (nested ``<use>`` of ``<use>`` multiply: a 1.4 KB file can stand for billions of
  shapes), counted on the tree the XML parser reads, and no ``<use>`` may contain itself.
"""

from __future__ import annotations

import functools
import io
import warnings
from collections.abc import Iterable
from pathlib import Path
from xml.parsers import expat

from coursepack import jail

MAX_IMAGE_BYTES = 20 * 1024 * 1024  # as the engine's fetcher (typeset.MAX_ASSET_BYTES)
MAX_IMAGE_PIXELS = 50_000_000  # 300 dpi across a whole A4 page is 8.7 million
MAX_SVG_ELEMENTS = 100_000  # the engine draws about 12,000 a second
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def image_problem(path: Path, root: Path) -> str | None:
    """What is wrong with the image at ``path`` (inside ``root``), as the rest of a sentence that
    starts with the image's name; None when the engine can draw it."""
    try:
        info = jail.inside(path, [root]).stat()
    except jail.Outside as exc:
        return f"cannot be used: {exc}"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc}): fix it or export it again"
    if info.st_size > MAX_IMAGE_BYTES:
        return f"is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB: make it smaller (export it again for print)"
    return _problem(path, root, info.st_mtime_ns, info.st_size)


@functools.cache
def _problem(path: Path, root: Path, mtime_ns: int, size: int) -> str | None:
    """``image_problem``, read once per version of the file (every language checks the same images)."""
    try:
        data = jail.read_bytes(path, [root], MAX_IMAGE_BYTES)
    except OSError as exc:
        return f"cannot be read ({exc}): fix it or export it again"
    if path.suffix.lower() == ".svg":
        return _svg_problem(data)
    return _raster_problem(data)


def _unreadable(reason: str) -> str:
    return f"cannot be read ({reason}): fix it or export it again"


def _raster_problem(data: bytes) -> str | None:
    """Pillow reads the header (the size) without decoding the pixels; then checks the structure."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # ours is the lower limit
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                too_large = raster_too_large(*image.size)
                if too_large:
                    return too_large
                image.verify()  # structure and checksums, without decoding every pixel (no-op builds check too)
    except Image.DecompressionBombError:
        return raster_too_large(MAX_IMAGE_PIXELS + 1, 1, exact=False)
    except UnidentifiedImageError:
        return _unreadable("not a PNG, JPEG, GIF or WebP image")
    except Exception as exc:  # Pillow reports damage as OSError, SyntaxError, ValueError...
        return _unreadable(str(exc).split("\n")[0] or type(exc).__name__)
    # Pillow's verify does not read JPEG and GIF data to the end: a cut-off file is found by its last bytes
    end = data.rstrip(b"\0")
    if kind == "JPEG" and not end.endswith(b"\xff\xd9"):
        return _unreadable("the JPEG data is cut off")
    if kind == "GIF" and not end.endswith(b";"):
        return _unreadable("the GIF data is cut off")
    return None


def raster_too_large(width: int, height: int, exact: bool = True) -> str | None:
    """The refusal of an image of ``width`` × ``height`` pixels, or None when it is within the limit."""
    if width * height <= MAX_IMAGE_PIXELS:
        return None
    size = f"{width} × {height} pixels, " if exact else ""
    return (
        f"is too large to print ({size}more than {MAX_IMAGE_PIXELS // 1_000_000} megapixels): scale it down "
        "(300 dpi across a whole A4 page is about 9 megapixels)"
    )


def _svg_problem(data: bytes) -> str | None:
    """Parse as the engine's XML parser would (expat, as under ElementTree), refusing entity
    declarations (an 'entity bomb' would make the engine expand them without end), then count
    the elements the engine would draw."""

    def no_entities(*_: object) -> None:
        raise ValueError("it declares entities (<!ENTITY>): export it again without them, e.g. as plain SVG")

    def undefined(name: str, _parameter: bool) -> None:
        raise ValueError(f"it uses an entity it does not define (&{name};): write the character itself")

    shape = SvgShape()
    parents: list[int] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        parents.append(shape.add(parents[-1] if parents else -1, name, attrs.get("id"), _href(attrs)))

    parser = expat.ParserCreate(namespace_separator="}")
    parser.EntityDeclHandler = no_entities
    parser.SkippedEntityHandler = undefined
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _name: parents.pop()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        return _unreadable(f"SVG: {expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset + 1}")
    except ValueError as exc:
        return _unreadable(f"SVG: {exc}")
    first = shape.names[0].rsplit("}", 1)[-1]
    if first != "svg":
        return _unreadable(f"its first element is <{first}>, not <svg>")
    return svg_too_large(shape)


def _href(attrs: dict[str, str]) -> str | None:
    """The id a ``<use>`` refers to ('#name' → 'name'), from either spelling of ``href``."""
    return _fragment(attrs.get("http://www.w3.org/1999/xlink}href") or attrs.get("href"))


def _fragment(href: str | None) -> str | None:
    if not href or "#" not in href:
        return None
    return href.split("#", 1)[1] or None


class SvgShape:
    """An SVG's elements in document order: each one's parent, tag, id, and the id a ``<use>``
    refers to (any ``href`` with a fragment counts, as the engine resolves its own file's URL)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.children: list[list[int]] = []
        self.ids: dict[str, int] = {}
        self.refs: dict[int, str] = {}

    def add(self, parent: int, name: str, ident: str | None, ref: str | None) -> int:
        index = len(self.names)
        self.names.append(name)
        self.children.append([])
        if parent >= 0:
            self.children[parent].append(index)
        if ident is not None:
            self.ids.setdefault(ident, index)
        if ref is not None and name.rsplit("}", 1)[-1] == "use":
            self.refs[index] = ref
        return index

    @classmethod
    def of_tree(cls, root: object) -> SvgShape:
        """The shape of an ElementTree element (what the engine parsed)."""
        shape = cls()
        stack: list[tuple[object, int]] = [(root, -1)]
        while stack:
            element, parent = stack.pop()
            attrs = element.attrib  # type: ignore[attr-defined]
            ref = _fragment(attrs.get(XLINK_HREF) or attrs.get("href"))
            index = shape.add(parent, str(element.tag), attrs.get("id"), ref)  # type: ignore[attr-defined]
            stack.extend((child, index) for child in reversed(list(element)))  # type: ignore[call-overload]
        return shape

    def expanded(self, limit: int) -> int | None:
        """How many elements the engine would draw with every ``<use>`` expanded (counted up to
        just past ``limit``); None when a ``<use>`` refers to an element that contains it."""
        size: list[int] = [0] * len(self.names)
        state = [0] * len(self.names)  # 0 not seen, 1 being counted, 2 counted
        for top in range(len(self.names)):
            if state[top]:
                continue
            stack = [top]
            while stack:
                node = stack[-1]
                if state[node] == 0:
                    state[node] = 1
                    for nxt in self._next(node):
                        if state[nxt] == 1:
                            return None  # a loop: the engine would expand it for ever
                        if state[nxt] == 0:
                            stack.append(nxt)
                    continue
                stack.pop()
                if state[node] == 2:
                    continue
                total = 1 + sum(size[n] for n in self._next(node))
                size[node] = min(total, limit + 1)
                state[node] = 2
        return size[0] if size else 0

    def _next(self, node: int) -> Iterable[int]:
        yield from self.children[node]
        ref = self.refs.get(node)
        if ref is not None and ref in self.ids:
            yield self.ids[ref]


def svg_too_large(shape: SvgShape) -> str | None:
    """The refusal of an SVG whose ``<use>`` elements loop or expand past the limit, or None."""
    count = shape.expanded(MAX_SVG_ELEMENTS)
    if count is None:
        return _unreadable("SVG: a <use> refers to an element that contains it, which never ends")
    if count > MAX_SVG_ELEMENTS:
        return (
            f"is too complex to print (more than {MAX_SVG_ELEMENTS:,} elements once its <use> elements are "
            "expanded): simplify it, or export it as a PNG"
        )
    return None
