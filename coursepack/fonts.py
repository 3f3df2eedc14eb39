"""Fonts: which families set each language, where their files are, and what they cover.

All fonts ship as Python packages (OFL), so a fresh machine needs nothing else: Noto Serif and
Noto Sans (Latin, Greek, Cyrillic), Amiri and Noto Sans Arabic, Noto Sans CJK SC (Chinese).
The same table drives the stylesheet's font stacks and the coverage check, so a character
the check accepts is a character the PDF can show.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from xml.sax.saxutils import escape

from coursepack import jail, machine, sealed
from coursepack.atomic import atomic_write


@dataclass(frozen=True)
class Face:
    """One font face: a family name, its file, and the face's index in a collection."""

    family: str
    path: Path
    index: int = 0


def _package_dir(name: str, sub: str = "") -> Path | None:
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / sub
    return folder if folder.is_dir() else None


CODE_FAMILY = "IBM Plex Mono"  # box drawing, arrows, Latin, Cyrillic; other scripts fall back to the language's fonts
CODE_FACES = ("Regular", "Italic", "Bold", "BoldItalic")
CJK_BOLD = "NotoSansCJKjp-Bold.otf"


@lru_cache(maxsize=1)
def faces() -> dict[str, list[Face]]:
    """Every bundled family and its faces."""
    table: dict[str, list[Face]] = {}
    for family, package in (
        ("Noto Serif", "fontpkg_noto_serif"),
        ("Noto Sans", "fontpkg_noto_sans"),
        ("Amiri", "fontpkg_amiri"),
        ("Noto Sans Arabic", "fontpkg_noto_sans_arabic"),
    ):
        folder = _package_dir(package, "files")
        if folder:
            table[family] = [Face(family, p) for p in sorted(folder.glob("*.ttf"))]
    mono = _package_dir("fontpkg_ibm_plex_mono", "files")
    if mono:  # code: the four faces the theme uses
        table[CODE_FAMILY] = [Face(CODE_FAMILY, mono / f"IBMPlexMono-{s}.ttf") for s in CODE_FACES]
    cjk = _package_dir("noto_cjk_sans_otc")
    if cjk and (cjk / "NotoSansCJK-Regular.ttc").is_file():
        table["Noto Sans CJK SC"] = [Face("Noto Sans CJK SC", cjk / "NotoSansCJK-Regular.ttc", 2)]
        # Bold: the one Noto CJK Bold face on PyPI is the Japanese one; it holds every CJK
        # region's glyphs, and text tagged zh gets the Simplified Chinese forms (its `locl`)
        bold = _package_dir("noto_cjk_sans_jp_bold")
        if bold and (bold / CJK_BOLD).is_file():
            table["Noto Sans CJK SC"].append(Face("Noto Sans CJK SC", bold / CJK_BOLD))
    return table


# Body and heading families per language (the first that has a glyph wins), then the default.
STACKS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "default": (("Noto Serif", "Noto Sans"), ("Noto Sans", "Noto Serif")),
    # Amiri for headings too: its static bold keeps shaped text extractable (copy, search, screen readers)
    "ar": (("Amiri", "Noto Serif", "Noto Sans Arabic"), ("Amiri", "Noto Sans", "Noto Sans Arabic")),
    # the CJK font first: its full-width quotes and punctuation, with its own Latin for mixed text
    "zh": (("Noto Sans CJK SC", "Noto Sans"), ("Noto Sans CJK SC", "Noto Sans")),
}


def stack(lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return STACKS.get(lang.split("-")[0], STACKS["default"])


def families(lang: str) -> list[str]:
    """The families that set text in ``lang``, the code font last: it has the arrows and box
    drawing the text fonts lack (``<kbd>↑</kbd>``, "press →"), which it sets when they do."""
    body, headings = stack(lang)
    return list(dict.fromkeys((*body, *headings, CODE_FAMILY)))


@cache
def _cmap(face: Face) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(str(face.path), fontNumber=face.index, lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


@cache
def coverage(lang: str) -> frozenset[int]:
    """Code points that the fonts of ``lang`` can show."""
    table = faces()
    covered: set[int] = set()
    for family in families(lang):
        for face in table.get(family, [])[:1] if family == CODE_FAMILY else table.get(family, []):
            covered |= _cmap(face)
    return frozenset(covered)


# default-ignorable marks that are not format characters: variation selectors (the U+FE0F
# after an emoji asks for its colour form), Mongolian ones and the grapheme joiner; a shaper
# draws nothing for them when a font lacks them
IGNORABLE = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0), range(0x180B, 0x1810), range(0x034F, 0x0350))


def uncovered(text: str, lang: str) -> list[str]:
    """Characters of ``text`` that no font of ``lang`` has (spaces, controls and invisible
    selectors are fine)."""
    covered = coverage(lang)
    missing = []
    for ch in dict.fromkeys(text):
        if ord(ch) in covered or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            continue
        if any(ord(ch) in r for r in IGNORABLE):
            continue
        missing.append(ch)
    return missing


def describe(ch: str) -> str:
    return f"'{ch}' U+{ord(ch):04X} {unicodedata.name(ch, 'UNNAMED')}"


def font_css() -> str:
    """@font-face rules for the variable Noto Serif and Noto Sans (each weight the theme uses),
    and the Chinese bold face (filed under its own family name, "Noto Sans CJK JP")."""
    rules = [
        f'@font-face {{ font-family: "Noto Sans CJK SC"; src: url("{face.path.as_uri()}"); font-weight: {weight}; }}'
        for face in faces().get("Noto Sans CJK SC", [])[1:]
        for weight in (600, 700, 800, 900)
    ]
    for family in ("Noto Serif", "Noto Sans"):
        for face in faces().get(family, []):
            style = "italic" if "Italic" in face.path.name else "normal"
            for weight in (300, 400, 500, 600, 700, 800):
                rules.append(
                    f'@font-face {{ font-family: "{family}"; src: url("{face.path.as_uri()}"); '
                    f"font-weight: {weight}; font-style: {style}; }}"
                )
    return "\n".join(rules)


def font_dirs() -> list[Path]:
    return sorted({face.path.parent for fs in faces().values() for face in fs})


@cache
def fontconfig_file() -> Path:
    """A fonts.conf that adds the bundled font folders to the system's configuration.

    It is written to a folder of the user's own (``machine.private_dir``), never to a
    predictable path in the shared temporary folder where another user could plant one, and
    what is there is used only when it is exactly what it should be (else written again).
    """
    dirs = font_dirs()
    digest = hashlib.sha256("\n".join(map(str, dirs)).encode()).hexdigest()[:12]
    folder = machine.private_dir(f"fontconfig-{digest}")
    if folder is not None:
        conf, wanted = folder / "fonts.conf", _fontconfig(dirs, folder / "cache")
        try:
            if jail.read_bytes(conf, [folder]) == wanted:
                return conf
        except OSError:
            pass
        if sealed.replace(conf, wanted):
            return conf
    conf = machine.scratch_dir() / "fonts.conf"  # (no private cache folder: one for this build)
    atomic_write(conf, _fontconfig(dirs, conf.parent / "cache"))
    return conf


def _fontconfig(dirs: list[Path], cache: Path) -> bytes:
    lines = [
        '<?xml version="1.0"?>',
        '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
        "<fontconfig>",
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>',
        *(f"  <dir>{escape(str(d))}</dir>" for d in dirs),
        f"  <cachedir>{escape(str(cache))}</cachedir>",
        "</fontconfig>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def stylesheet(lang: str) -> str:
    """Font stacks for ``lang`` (the theme refers to them as var(--font-body) and var(--font-heading))."""
    body, headings = stack(lang)

    def css_list(names: tuple[str, ...], generic: str) -> str:
        return ", ".join(f'"{n}"' for n in names) + f", {generic}"

    code = css_list((CODE_FAMILY, *body), "monospace")
    text, titles = css_list((*body, CODE_FAMILY), "serif"), css_list((*headings, CODE_FAMILY), "sans-serif")
    css = f":root {{ --font-body: {text}; --font-heading: {titles}; --font-code: {code}; }}\n"
    if "CJK" in body[0]:
        # the CJK font comes first for its full-width punctuation; text in another language (a
        # translation's fallback) puts the Latin font first, or its quotes would be full-width too
        latin = css_list(tuple(sorted(body, key=lambda name: "CJK" in name)), "sans-serif")
        base = lang.split("-")[0]
        css += f"[lang]:not(:lang({base})) {{ --font-body: {latin}; --font-heading: {latin}; font-family: {latin}; }}\n"
    return css
