"""Stage 5b — stitch: the typeset parts of a pack joined into one PDF (with pikepdf/qpdf).

Pages are copied in order with their page furniture laid over them (as a pagination
artifact, so the tagged structure is untouched), links between parts become internal links
again, and the parts' structure trees, outlines and named destinations are joined into one
of each. The catalog (language, PDF/UA marks) comes from the first part, every part having the
same head but for a neutral title; the title and XMP metadata come from the page furniture,
typeset with the pack's own head.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator, Sequence

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, String

from coursepack.engine.parts import pagerefs
from coursepack.engine.parts.fontjoin import join_fonts
from coursepack.engine.parts.split import LINK_PREFIX

_FURNITURE = Name("/CPFurniture")
_WRAP_BEFORE = b"q\n"
_WRAP_AFTER = b"\nQ\n/Artifact <</Type /Pagination>> BDC q /CPFurniture Do Q EMC\n"


def _overlay(out: Pdf, page: pikepdf.Page, furniture: pikepdf.Page) -> None:
    """Draw ``furniture`` (a page of another PDF) over ``page`` as a pagination artifact."""
    form = furniture.as_form_xobject()
    if "/MediaBox" in furniture.obj:  # qpdf clips the form to the trim box: the printer's marks lie outside it
        form.BBox = furniture.obj.MediaBox
    form = out.copy_foreign(form)
    # the pages of a part share one resource dictionary: each gets its own, naming its furniture
    resources = Dictionary({k: v for k, v in page.obj.get("/Resources", Dictionary()).items()})
    xobjects = Dictionary({k: v for k, v in resources.get("/XObject", Dictionary()).items()})
    xobjects[_FURNITURE] = form
    resources[Name.XObject] = xobjects
    page.obj[Name.Resources] = resources
    page.contents_add(pikepdf.Stream(out, _WRAP_BEFORE), prepend=True)
    page.contents_add(pikepdf.Stream(out, _WRAP_AFTER), prepend=False)


def _relink(page: pikepdf.Page, offset: int) -> None:
    """Shift the page's structure keys; turn placeholder links to other parts into internal links."""
    obj = page.obj
    if "/StructParents" in obj:
        obj[Name.StructParents] = int(obj[Name.StructParents]) + offset
    for annot in obj.get("/Annots", Array()):
        if "/StructParent" in annot:
            annot[Name.StructParent] = int(annot[Name.StructParent]) + offset
        action = annot.get("/A")
        uri = str(action.get("/URI", "")) if action is not None else ""
        if uri.startswith(LINK_PREFIX):
            name = String(uri[len(LINK_PREFIX) :])
            del annot[Name.A]
            annot[Name.Dest] = name
            annot[Name.Contents] = name


def _copy(out: Pdf, obj: pikepdf.Object, source: Pdf) -> pikepdf.Object:
    """Copy an object of ``source`` into ``out`` (qpdf copies whatever it refers to, once)."""
    if isinstance(obj, (Array, Dictionary)):
        return out.copy_foreign(obj if obj.is_indirect else source.make_indirect(obj))
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return out.copy_foreign(obj)
    return obj


def _kids(node: pikepdf.Object) -> list[pikepdf.Object]:
    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _chain(first: pikepdf.Object | None) -> Iterator[pikepdf.Object]:
    while first is not None:
        yield first
        first = first.get("/Next")


def _own_streams(roots: Sequence[pikepdf.Object], seen: set[tuple[int, int]]) -> None:
    """Give every stream reachable from ``roots`` its own copy of its (still encoded) data.

    qpdf copies a foreign stream's data only when the output is written, so its source would
    have to stay open until then; with the data copied now, each part is closed as soon as it
    is joined, and the stitcher holds one part at a time instead of the whole pack.
    """
    stack = list(roots)
    while stack:
        obj = stack.pop()
        if isinstance(obj, (pikepdf.Stream, Dictionary)):
            if obj.is_indirect:
                if obj.objgen in seen:
                    continue
                seen.add(obj.objgen)
            if isinstance(obj, pikepdf.Stream):
                obj.write(
                    obj.read_raw_bytes(),
                    filter=obj.get("/Filter"),  # type: ignore[arg-type]
                    decode_parms=obj.get("/DecodeParms"),  # type: ignore[arg-type]
                )
            stack.extend(value for key, value in obj.items() if key not in ("/Parent", "/P"))
        elif isinstance(obj, Array):
            stack.extend(obj)


# A process that stitches the same pack again and again (``coursepack preview``, after each
# edit) keeps what writing the page numbers into each part gave: the parts that did not change
# (the same bytes, the same numbers) get the same content streams back without parsing them
# again. The streams written are the same bytes either way, so is the stitched PDF.
REMEMBER = 256  # parts kept
_remembered: dict[tuple[bytes, tuple[tuple[str, int], ...]], tuple[list[tuple[int, bytes]], int]] | None = None


def remember_patches() -> None:
    """Keep, in this process from now on, the page numbers written into each part (see above)."""
    global _remembered
    if _remembered is None:
        _remembered = {}


def _patch(data: bytes, source: Pdf, numbers: dict[str, int]) -> int:
    """``pagerefs.patch`` of the part ``data`` opened as ``source``, or what it gave this part before."""
    if _remembered is None:
        return pagerefs.patch(source, numbers)
    key = (hashlib.sha256(data).digest(), tuple(sorted(numbers.items())))
    found = _remembered.pop(key, None)
    if found is None:
        rewritten: list[tuple[int, bytes]] = []
        found = rewritten, pagerefs.patch(source, numbers, rewritten)
    else:
        for index, content in found[0]:
            source.pages[index].obj.Contents.write(content)
    _remembered[key] = found  # (the newest last: the oldest are forgotten first)
    while len(_remembered) > REMEMBER:
        del _remembered[next(iter(_remembered))]
    return found[1]


def stitch(
    parts: Sequence[bytes],
    furniture: Sequence[bytes],
    pads: Sequence[bool],
    numbers: Sequence[dict[str, int] | None] | None = None,
    printed: Sequence[int] | None = None,
) -> bytes:
    """Join the parts into one PDF: a blank page before a part where ``pads`` says, furniture on every page.

    ``numbers`` gives, for each part typeset with zeros for the page numbers it prints, the
    numbers to write in (see ``pagerefs``); raises ``pagerefs.Unpatchable`` naming the parts
    where that cannot be done. ``printed`` says how many numbers each part prints (counted
    on its layout): fewer found in its PDF raises ``pagerefs.Missing``.
    """
    out = Pdf.new()
    furniture_pdfs = [Pdf.open(io.BytesIO(data)) for data in furniture]
    overlays = (page for pdf in furniture_pdfs for page in pdf.pages)

    struct_kids: list[pikepdf.Object] = []
    nums: list[int | pikepdf.Object] = []
    dests: list[tuple[str, pikepdf.Object]] = []
    outline: list[pikepdf.Object] = []
    outline_count = 0
    offset = 0
    owned: set[tuple[int, int]] = set()
    unpatchable: list[int] = []
    reason = ""
    version = "1.7"
    document = Dictionary()  # the first part's Document element, without its kids
    maps: dict[str, pikepdf.Object] = {}  # and its structure tree's /RoleMap and /ClassMap
    for k, (data, pad) in enumerate(zip(parts, pads, strict=True)):
        source = Pdf.open(io.BytesIO(data))
        written = numbers[k] if numbers is not None else None
        if written:
            try:
                found = _patch(data, source, written)
            except pagerefs.Unpatchable as exc:
                unpatchable.append(k)
                reason = str(exc)
            else:
                expected = printed[k] if printed is not None else 0
                if found < expected:
                    raise pagerefs.Missing(
                        f"part {k + 1} prints {expected} page number(s) but {found} were found in its PDF "
                        "(they would print as zeros): this engine writes its PDF in a way coursepack does not "
                        "know; build with --single, and report it"
                    )
        if pad:
            box = source.pages[0].obj
            blank = Dictionary(Type=Name.Page)
            for key in ("/MediaBox", "/TrimBox", "/BleedBox", "/Tabs"):
                if key in box:
                    blank[key] = _copy(out, box[key], source)
            out.pages.append(pikepdf.Page(blank))
            out.pages[-1].contents_add(pikepdf.Stream(out, b""))
            _overlay(out, out.pages[-1], next(overlays))
        root = source.Root
        # cut the links up to the part's own roots first, so copying does not drag them along
        tree = root.get("/StructTreeRoot")
        part_doc = (tree["/K"][0] if isinstance(tree["/K"], Array) else tree["/K"]) if tree is not None else None
        kids = _kids(part_doc) if part_doc is not None else []
        for kid in kids:
            del kid[Name.P]
        items = list(_chain(root.Outlines.get("/First"))) if "/Outlines" in root else []
        for item in items:
            del item[Name.Parent]
        start = len(out.pages)
        with warnings.catch_warnings():  # named destinations are joined below
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            out.pages.extend(source.pages)
        for page in out.pages[start:]:
            _relink(page, offset)
            _overlay(out, page, next(overlays))
        if tree is not None:
            struct_kids += [_copy(out, kid, source) for kid in kids]
            part_nums = list(tree.ParentTree.Nums)
            top = -1
            for number, value in zip(part_nums[::2], part_nums[1::2], strict=True):
                nums += [int(number) + offset, _copy(out, value, source)]
                top = max(top, int(number))
            offset += top + 1
        if "/Names" in root and "/Dests" in root.Names:
            flat = list(root.Names.Dests.get("/Names", Array()))
            dests += [(str(n), _copy(out, v, source)) for n, v in zip(flat[::2], flat[1::2], strict=True)]
        if items:
            outline.append(_copy(out, items[0], source))
            outline_count += int(root.Outlines.get("/Count", len(items)))
        if k == 0:  # the catalog and document information of the pack are the first part's
            version = source.pdf_version
            for key in ("/Lang", "/MarkInfo", "/ViewerPreferences", "/PageMode", "/Metadata"):
                if key in root:
                    out.Root[key] = _copy(out, root[key], source)
            if "/Info" in source.trailer:
                out.trailer.Info = _copy(out, source.trailer.Info, source)
            if tree is not None and part_doc is not None:
                document = Dictionary(
                    {key: _copy(out, v, source) for key, v in part_doc.items() if key not in ("/K", "/P")}
                )
                maps = {key: _copy(out, tree[key], source) for key in ("/RoleMap", "/ClassMap") if key in tree}
            _own_streams([out.Root.get("/Metadata", Dictionary())], owned)
        _own_streams([page.obj for page in out.pages[start:]], owned)
        source.close()

    if furniture_pdfs:  # the pack's title and XMP metadata: the furniture has the pack's head, a part a neutral title
        head = furniture_pdfs[0]
        if "/Metadata" in head.Root:
            out.Root["/Metadata"] = _copy(out, head.Root["/Metadata"], head)
            _own_streams([out.Root["/Metadata"]], owned)
        if "/Info" in head.trailer:
            out.trailer.Info = _copy(out, head.trailer.Info, head)
    if unpatchable:
        raise pagerefs.Unpatchable(reason, unpatchable)
    if struct_kids:
        _join_structure(out, document, maps, struct_kids, nums, offset)
    if dests:
        flat_dests: list[pikepdf.Object] = []
        for name, value in sorted(dests, key=lambda d: d[0]):
            flat_dests += [String(name), value]
        out.Root.Names = Dictionary(Dests=Dictionary(Names=Array(flat_dests)))
    if outline:
        _join_outlines(out, outline, outline_count)
    join_fonts(out)
    buffer = io.BytesIO()
    out.save(
        buffer,
        min_version=version,
        deterministic_id=True,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
    )
    return buffer.getvalue()


def _join_structure(
    out: Pdf,
    template: Dictionary,
    maps: dict[str, pikepdf.Object],
    kids: list[pikepdf.Object],
    nums: list[int | pikepdf.Object],
    key: int,
) -> None:
    """One structure tree: one Document element (like the first part's) over every part's elements."""
    tree = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = Dictionary(dict(template.items()))
    document[Name.P] = tree
    document[Name.K] = Array(kids)
    document = out.make_indirect(document)
    for kid in kids:
        kid[Name.P] = document
    tree[Name.K] = Array([document])
    tree[Name.ParentTree] = out.make_indirect(Dictionary(Nums=Array(nums)))
    tree[Name.ParentTreeNextKey] = key
    for name, value in maps.items():
        tree[name] = value
    out.Root.StructTreeRoot = tree


def _join_outlines(out: Pdf, firsts: list[pikepdf.Object], count: int) -> None:
    """Chain the parts' top-level outline items under one root."""
    root = out.make_indirect(Dictionary(Type=Name.Outlines))
    chain = [item for first in firsts for item in _chain(first)]
    for prev, item in zip([None, *chain], chain, strict=False):
        item[Name.Parent] = root
        if prev is not None:
            prev[Name.Next] = item
            item[Name.Prev] = prev
    root[Name.First] = chain[0]
    root[Name.Last] = chain[-1]
    root[Name.Count] = count
    out.Root.Outlines = root
