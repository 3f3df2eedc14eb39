"""What preflight reports: a finding (code, severity, page, message, source line) and the
profiles that say which checks apply to a PDF."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """An error stops a print run (exit 1); a warning is a defect a reader sees (exit 1 under --strict)."""

    ERROR = "error"
    WARNING = "warning"


class Profile(StrEnum):
    """What the PDF is for: which checks and thresholds apply."""

    OFFICE = "office"  # printed on a laser printer or read on screen
    PRINT_SHOP = "print-shop"  # sent to a print shop: trim and bleed boxes, 300 dpi images
    PRINT_SHOP_CMYK = "print-shop-cmyk"  # as print-shop, and the shop asks for CMYK only (no RGB)

    @property
    def print_shop(self) -> bool:
        return self is not Profile.OFFICE


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: its code (e.g. ``heading-last``), where it is and what to do."""

    page: int | None  # 1-based page of the PDF; None for the whole document
    code: str
    severity: Severity
    message: str
    source: str | None = None  # "units/intro.md:42" where the build knows it

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "page": self.page,
            "message": self.message,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Finding:
        page = data.get("page")
        source = data.get("source")
        return cls(
            int(page) if isinstance(page, int) else None,
            str(data["code"]),
            Severity(str(data["severity"])),
            str(data["message"]),
            str(source) if source else None,
        )


@dataclass(frozen=True)
class Scope:
    """What to check in a PDF."""

    profile: Profile = Profile.OFFICE
    layout: bool = True  # the layout checks a tagged PDF allows (the build does them on the boxes instead)
    accessibility: bool = True  # PDF/UA (not for imposed sheets, which are for the press, not for reading)
    # read every glyph of every page (fonts used, missing glyphs, text past the trim, image
    # resolution, colour): about 15 ms a page in Python. A build leaves it to the sources it
    # has already (see report.scope_for), except for the press
    glyphs: bool = True
    # walk every structure element (a figure's alternative text): 0.2 ms a page; a build leaves
    # it to ``check``, which refuses an image without alt text at its line
    tree: bool = True
