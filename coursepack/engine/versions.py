"""The engine's versions coursepack is tested with, and the check that stops a build on others.

A patch reaches into WeasyPrint's, pydyf's or fontTools' internals, which change between
releases; coursepack runs only on the releases it is tested with (the ranges here and in
pyproject.toml are the same, and a test keeps them so). Anything else stops the build with
one line naming the versions to install. ``make canary`` tries the newest releases.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import metadata


class EngineError(RuntimeError):
    """The engine installed is not one coursepack supports (one line: what to install)."""


@dataclass(frozen=True)
class Supported:
    """A distribution and the half-open range of its versions we test: ``low <= v < high``."""

    distribution: str
    low: str
    high: str

    @property
    def requirement(self) -> str:
        return f"{self.distribution}>={self.low},<{self.high}"

    def admits(self, version: str) -> bool:
        return parse(self.low) <= parse(version) < parse(self.high)


SUPPORTED = (
    Supported("weasyprint", "70.0", "71"),
    Supported("pydyf", "0.11", "0.14"),
    Supported("fonttools", "4.59.2", "5"),
)


def parse(version: str) -> tuple[int, ...]:
    """``"70.0"`` -> (70, 0); a pre-release or local part is ignored ("71.0b1" -> (71, 0))."""
    numbers = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(n) for n in numbers.group(0).split(".")) if numbers else (0,)


def installed(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check(supported: tuple[Supported, ...] = SUPPORTED) -> None:
    """Raise EngineError unless every distribution is installed at a supported version.

    ``make canary`` sets COURSEPACK_ENGINE_CANARY=1 to try newer releases: the versions are
    then not refused, and each patch's check of what it replaces decides."""
    if os.environ.get("COURSEPACK_ENGINE_CANARY") == "1":
        return
    for s in supported:
        found = installed(s.distribution)
        if found is None or not s.admits(found):
            have = f"{s.distribution} {found} is installed" if found else f"{s.distribution} is not installed"
            raise EngineError(
                f"{have}, and coursepack is tested with {s.requirement} only: "
                f"run pip install '{s.requirement}' (or make canary to try a newer engine)"
            )
