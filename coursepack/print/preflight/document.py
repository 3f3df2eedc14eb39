"""A PDF opened for preflight: its pages as drawn (``pdfscan``) and its structure tree, read
once and shared by every check; and the registry the checks add themselves to."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pikepdf

from coursepack.print.preflight import pdfscan
from coursepack.print.preflight.finding import Finding, Scope

MM = 72 / 25.4  # points in a millimetre


@dataclass(eq=False)
class Element:
    """A structure element, as far as the checks need it."""

    role: str  # the standard role (RoleMap applied), without the slash: "H2", "P", "Caption"
    parent: Element | None
    obj: pikepdf.Object
    kids: list[Element] = field(default_factory=list)

    def ancestors(self) -> Iterable[Element]:
        node: Element | None = self
        while node is not None:
            yield node
            node = node.parent

    def within(self, *roles: str) -> Element | None:
        return next((e for e in self.ancestors() if e.role in roles or (e.role[:1] == "H" and "H*" in roles)), None)


class Inspection:
    """One PDF being checked."""

    def __init__(self, source: Path | bytes, scope: Scope) -> None:
        self.scope = scope
        data = source if isinstance(source, bytes) else source.read_bytes()
        self.pdf = pikepdf.open(io.BytesIO(data))

    def close(self) -> None:
        self.pdf.close()

    @cached_property
    def pages(self) -> list[pdfscan.Page]:
        fonts: dict[tuple[int, int], pdfscan.Font] = {}
        return [pdfscan.scan(page, n, fonts) for n, page in enumerate(self.pdf.pages, start=1)]

    @cached_property
    def page_numbers(self) -> dict[tuple[int, int], int]:
        return {page.obj.objgen: n for n, page in enumerate(self.pdf.pages, start=1)}

    @cached_property
    def tagged(self) -> bool:
        root = self.pdf.Root
        mark = root.get("/MarkInfo")
        return "/StructTreeRoot" in root and mark is not None and bool(mark.get("/Marked", False))

    def elements_of(self, role: str) -> Iterator[pikepdf.Dictionary]:
        """The structure elements whose standard role is ``role`` (RoleMap applied), not
        descending into them."""
        root = self.pdf.Root.StructTreeRoot
        wanted = {pikepdf.Name("/" + role)}
        for custom, standard in root.get("/RoleMap", pikepdf.Dictionary()).items():
            if standard in wanted:
                wanted.add(pikepdf.Name(custom))
        stack: list[pikepdf.Object] = [root.get("/K", pikepdf.Array())]
        while stack:
            obj = stack.pop()
            if isinstance(obj, pikepdf.Array):
                stack.extend(obj)
            elif isinstance(obj, pikepdf.Dictionary) and "/S" in obj:
                if obj.S in wanted:
                    yield obj
                elif "/K" in obj:
                    stack.append(obj.K)

    @cached_property
    def marked(self) -> dict[int, dict[int, Element]]:
        """For each page, the structure element of each marked-content id (the parent tree)."""
        result: dict[int, dict[int, Element]] = {}
        if not self.tagged:
            return result
        root = self.pdf.Root.StructTreeRoot
        role_map = root.get("/RoleMap", pikepdf.Dictionary())
        built: dict[tuple[int, int], Element] = {}

        def element(obj: pikepdf.Object) -> Element | None:
            if not isinstance(obj, pikepdf.Dictionary) or "/S" not in obj:
                return None
            key = obj.objgen
            if key in built:
                return built[key]
            parent_obj = obj.get("/P")
            parent = element(parent_obj) if parent_obj is not None and parent_obj.objgen != root.objgen else None
            role = str(obj.S)[1:]
            seen = 0
            while f"/{role}" in role_map and seen < 8:
                role = str(role_map[f"/{role}"])[1:]
                seen += 1
            node = Element(role, parent, obj)
            built[key] = node
            if parent is not None:
                parent.kids.append(node)
            return node

        nums = _number_tree(root.get("/ParentTree"))
        for number, page in enumerate(self.pdf.pages, start=1):
            key = page.obj.get("/StructParents")
            if key is None or int(key) not in nums:
                continue
            entries = nums[int(key)]
            if not isinstance(entries, pikepdf.Array):
                continue
            result[number] = {}
            for mcid, obj in enumerate(entries):
                node = element(obj)
                if node is not None:
                    result[number][mcid] = node
        return result


def _number_tree(node: pikepdf.Object | None, depth: int = 0) -> dict[int, pikepdf.Object]:
    result: dict[int, pikepdf.Object] = {}
    if not isinstance(node, pikepdf.Dictionary) or depth > 16:
        return result
    nums = node.get("/Nums")
    if isinstance(nums, pikepdf.Array):
        for i in range(0, len(nums) - 1, 2):
            result[int(nums[i])] = nums[i + 1]
    for kid in node.get("/Kids", []):
        result.update(_number_tree(kid, depth + 1))
    return result


CheckFunction = Callable[[Inspection], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """A registered check: a family of codes read off a PDF."""

    name: str
    codes: tuple[str, ...]
    run: CheckFunction
    layout: bool = False  # a layout check (left to the engine in a build)
    accessibility: bool = False  # a PDF/UA check (not for imposed sheets)


CHECKS: list[Check] = []


def check(
    name: str, *codes: str, layout: bool = False, accessibility: bool = False
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a PDF check (a plug-in adds its own the same way)."""

    def register(fn: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(name, codes, fn, layout, accessibility))
        return fn

    return register
