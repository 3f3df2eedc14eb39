"""What a patch to the engine declares, and the check that it still fits what it replaces."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from coursepack.engine.versions import SUPPORTED, EngineError


@dataclass(frozen=True)
class Patch:
    """One change to the engine: what it replaces, on which versions, and why.

    ``replaces`` maps each qualified name the patch wraps or replaces to the parameter names
    it was written against; ``check`` compares them with the installed engine's before any
    patch is applied, so an engine whose internals moved stops the build with one line
    instead of being patched wrongly or silently left unpatched.
    """

    name: str
    apply: Callable[[], None]
    replaces: dict[str, tuple[str, ...]]
    reason: str  # one line: what the engine does that we cannot ship
    upstream: str  # the report in docs/engine.md (and upstream's issue, where one exists)
    supports: str = field(default_factory=lambda: SUPPORTED[0].requirement)

    def check(self) -> None:
        for qualified, expected in self.replaces.items():
            found = parameters(resolve(qualified))
            if found != expected:
                raise EngineError(
                    f"coursepack's engine patch '{self.name}' was written for {qualified}{_show(expected)} "
                    f"but this engine has {qualified}{_show(found)}: install {self.supports} "
                    f"(see docs/engine.md, '{self.name}')"
                )


def install(owner: Any, name: str, replacement: Callable[..., Any], original: Callable[..., Any]) -> None:
    """Put ``replacement`` where ``owner.name`` was (a module's function, a class's method),
    marked as ours (``coursepack_fix``: a patch applies once) and pointing at ``original``
    (``__wrapped__``: the parameters ``Patch.check`` reads are the engine's, not ours)."""
    replacement.coursepack_fix = True  # type: ignore[attr-defined]
    replacement.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(owner, name, replacement)


def resolve(qualified: str) -> Any:
    """``"weasyprint.pdf.fonts.Font.subset"`` -> the object (the longest importable module, then attributes)."""
    parts = qualified.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attribute in parts[cut:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return None
        return obj
    return None


def parameters(obj: Any) -> tuple[str, ...] | None:
    """The parameter names of a function, None if ``obj`` is missing or not a function."""
    try:
        return tuple(inspect.signature(obj).parameters)
    except (TypeError, ValueError):
        return None


def _show(names: tuple[str, ...] | None) -> str:
    return "(" + ", ".join(names) + ")" if names is not None else " (missing)"
