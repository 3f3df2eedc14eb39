"""Formulas typeset as vector drawings: TeX → MathML (latex2mathml) → SVG paths (ziamath, with
its bundled STIX Two Math font). No TeX installation, no fonts of the machine, no files.

A course folder is untrusted input, so a formula is checked before it is drawn: its length, its
braces, the commands it uses (no macro definitions, links, files or commands latex2mathml does
not know: those would print as their names) and an estimate of the drawing's work (ziamath lays
out each group twice, so the work doubles with every level of nesting: a formula nested too
deeply would take hours). What cannot be drawn is a ``FormulaError``, which the checks report at
the formula's line and the HTML rules never meet (the build checks first).

A formula is drawn once per process for its source and mode (``typeset`` is cached), at
``SIZE`` units per em: its SVG's size and baseline are given in em, so it takes the size of the
text around it.
"""

from __future__ import annotations

import difflib
import logging
import re
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from markdown_it.common.utils import escapeHtml

MAX_CHARS = 2000  # characters of TeX in one formula (a long aligned derivation is a few hundred)
MAX_DEPTH = 24  # levels of braces
MAX_WORK = 10_000  # the estimated layouts of one formula (``_work``): at most about a second of ziamath
SIZE = 20.0  # the units of the drawing per em of the text
SCALE = 1.06  # STIX Two's x-height is a little smaller than the body fonts': maths set 6% larger matches them

REFUSED = {
    "def": "macro definitions",
    "gdef": "macro definitions",
    "edef": "macro definitions",
    "let": "macro definitions",
    "newcommand": "macro definitions",
    "renewcommand": "macro definitions",
    "providecommand": "macro definitions",
    "newenvironment": "macro definitions",
    "renewenvironment": "macro definitions",
    "DeclareMathOperator": "macro definitions",
    "href": "links",
    "url": "links",
    "input": "files",
    "include": "files",
    "includegraphics": "files",
    "require": "extensions",
    "style": "styles",
    "class": "styles",
    "cssId": "styles",
    "verb": "verbatim text",
}
COLOUR_COMMANDS = ("color", "textcolor", "colorbox", "fcolorbox")
COLOUR_RE = re.compile(r"^(#[0-9A-Fa-f]{3}|#[0-9A-Fa-f]{6}|[A-Za-z]{1,20})$")
COMMAND_RE = re.compile(r"\\([A-Za-z]+)")
# what latex2mathml's error classes say, in words
REASONS = {
    "MissingSuperScriptOrSubscriptError": "'^' or '_' has nothing after it",
    "DoubleSuperscriptsError": "two superscripts in a row: group them with braces (x^{a^b})",
    "DoubleSubscriptsError": "two subscripts in a row: group them with braces (x_{a_b})",
    "NoAvailableTokensError": "a command is missing its argument",
    "ExtraLeftOrMissingRightError": "'\\left' without its '\\right'",
    "MissingEndError": "'\\begin{...}' without its '\\end{...}'",
    "DenominatorNotFoundError": "a fraction without its denominator",
    "NumeratorNotFoundError": "a fraction without its numerator",
    "InvalidStyleForGenfracError": "'\\genfrac' with a style it does not have",
    "InvalidAlignmentError": "an alignment it does not have",
    "InvalidWidthError": "a width it cannot read",
    "LimitsMustFollowMathOperatorError": "'\\limits' must follow an operator such as '\\sum'",
    "ParseError": "'&' or '\\\\' outside an environment that aligns ('aligned', 'matrix', 'cases')",
}


class FormulaError(ValueError):
    """A formula that cannot be drawn, and why (``offset``: where in its source, when known)."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Formula:
    """A formula drawn: its SVG element, sized in em, its baseline where the text's is."""

    svg: str
    width: float  # em
    height: float  # em
    depth: float  # em below the baseline


def problem(tex: str, display: bool = False) -> FormulaError | None:
    """Why ``tex`` cannot be drawn (``None`` if it can); the drawing is kept for the HTML rules."""
    drawn = _typeset(tex, display)
    return drawn if isinstance(drawn, FormulaError) else None


def typeset(tex: str, display: bool = False) -> Formula:
    """``tex`` drawn (inline: in text style; ``display``: in display style); raises ``FormulaError``."""
    drawn = _typeset(tex, display)
    if isinstance(drawn, FormulaError):
        raise drawn
    return drawn


@lru_cache(maxsize=4096)
def _typeset(tex: str, display: bool) -> Formula | FormulaError:
    try:
        return _draw(tex, display)
    except FormulaError as exc:
        return exc


def _draw(tex: str, display: bool) -> Formula:
    source = tex.strip()
    if not source:
        raise FormulaError("empty formula: write the maths between the delimiters")
    if len(source) > MAX_CHARS:
        raise FormulaError(f"formula of {len(source)} characters: at most {MAX_CHARS}; split it into several")
    _check_source(source)
    mathml = _mathml(source, display)
    _check_mathml(mathml)
    return _render(source, mathml, display)


def _check_source(tex: str) -> None:
    """Braces, and the commands refused whatever latex2mathml makes of them."""
    depth = 0
    opened: list[int] = []
    k = 0
    while k < len(tex):
        ch = tex[k]
        if ch == "\\":
            k += 2  # (an escaped character, or the first letter of a command)
            continue
        if ch == "{":
            opened.append(k)
            depth = max(depth, len(opened))
            if depth > MAX_DEPTH:
                raise FormulaError(f"braces nested more than {MAX_DEPTH} levels deep", k)
        elif ch == "}":
            if not opened:
                raise FormulaError("'}' closes no '{'", k)
            opened.pop()
        k += 1
    if opened:
        raise FormulaError("'{' is never closed: add its '}'", opened[-1])
    for m in COMMAND_RE.finditer(tex):
        name = m.group(1)
        if name in REFUSED:
            raise FormulaError(
                f"'\\{name}' is not read in formulas (no {REFUSED[name]}): write the formula out", m.start()
            )
        if name in COLOUR_COMMANDS:
            args = re.match(r"\s*\{([^{}]*)\}", tex[m.end() :])
            if args is None or not COLOUR_RE.match(args.group(1).strip()):
                raise FormulaError(f"'\\{name}' takes a colour name or '#rrggbb'", m.start())


@cache
def _ziamath() -> Any:
    """ziamath, imported once (it reads its font then, and warns of a deprecated call of Python's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath
        import ziamath.tex

    ziamath.config.svg2 = False  # each glyph a path: no <symbol>/<use> ids to collide in one page
    return ziamath


def _mathml(tex: str, display: bool) -> ET.Element:
    tex2mml = _ziamath().tex.tex2mml
    try:
        mathml = ET.fromstring(tex2mml(tex, inline=not display))
    except RecursionError:
        raise FormulaError("nested too deeply to typeset") from None
    except Exception as exc:  # (latex2mathml's errors, and ElementTree's on what it writes)
        name = type(exc).__name__
        reason = REASONS.get(name) or re.sub(r"(?<!^)([A-Z])", r" \1", name.removesuffix("Error")).lower()
        raise FormulaError(f"cannot be typeset: {reason}") from None
    for el in mathml.iter():
        el.tag = el.tag.rsplit("}", 1)[-1]  # (MathML's namespace: ziamath reads bare names)
    return mathml


def _check_mathml(mathml: ET.Element) -> None:
    """Commands latex2mathml does not know come back as their names: an error, with the nearest
    known command. Elements ziamath cannot draw, and formulas that would take too long."""
    nodes = _node_types()
    for el in mathml.iter():
        for text in (el.text, el.get("href")):
            if text and (m := COMMAND_RE.search(text)):
                name = m.group(1)
                meant = difflib.get_close_matches(name, _known_commands(), n=1, cutoff=0.75)
                hint = (
                    f": did you mean '\\{meant[0]}'?"
                    if meant
                    else ": coursepack's maths reads LaTeX's and AMS's commands"
                )
                if name == "ce":
                    hint = ": chemistry (mhchem) is not read; write the formula with \\mathrm{H_2O}"
                raise FormulaError(f"unknown command '\\{name}'{hint}")
        if nodes and el.tag not in nodes and el.tag not in ("math", "mtd", "mtr", "none", "ms"):
            raise FormulaError(f"cannot be typeset: its MathML element <{el.tag}> is not drawn")
    if _work(mathml) > MAX_WORK:
        raise FormulaError("too deeply nested to typeset in reasonable time: nest fewer groups or split it")


GROUPS = frozenset({"math", "mrow", "mtd", "mtr", "none", "mstyle", "mpadded", "mphantom", "menclose"})


def _work(el: ET.Element) -> int:
    """The layouts ziamath makes of ``el``: a row lays each of its children out twice (once to
    measure the height its stretchy operators reach), so the work doubles with each level."""
    inner = sum(_work(child) for child in el)
    return 1 + (2 * inner if el.tag in GROUPS else inner)


@cache
def _known_commands() -> tuple[str, ...]:
    from latex2mathml import commands, symbols_parser

    names = {k[1:] for k in symbols_parser.SYMBOLS if k.startswith("\\")}
    names |= {v[1:] for v in vars(commands).values() if isinstance(v, str) and v.startswith("\\")}
    return tuple(sorted(n for n in names if n.isalpha()))


@cache
def _node_types() -> frozenset[str]:
    try:
        from ziamath.nodes import mnode

        return frozenset(mnode._node_classes)
    except (ImportError, AttributeError):  # (another release: ziamath's own fallback draws them as rows)
        return frozenset()


SVG_TAGS = frozenset({"svg", "title", "path", "rect", "line", "polyline", "polygon", "circle", "ellipse", "g"})
SVG_ATTRS = frozenset(
    {"d", "x", "y", "x1", "y1", "x2", "y2", "width", "height", "rx", "ry", "cx", "cy", "r", "points", "transform",
     "fill", "stroke", "stroke-width", "fill-opacity", "stroke-opacity", "opacity"}
)  # fmt: skip
NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")


def _render(tex: str, mathml: ET.Element, display: bool) -> Formula:
    ziamath = _ziamath()
    muted = logging.getLogger()
    level = muted.level
    try:
        muted.setLevel(logging.ERROR)  # (ziamath logs what it leaves out; the checks above refuse it first)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            math = ziamath.Math(mathml, size=SIZE, margin=0)
            svg = math.svgxml()
    except FormulaError:
        raise
    except RecursionError:
        raise FormulaError("nested too deeply to typeset") from None
    except Exception as exc:
        raise FormulaError(f"cannot be typeset ({type(exc).__name__})") from None
    finally:
        muted.setLevel(level)
    box = [float(v) for v in svg.get("viewBox", "").split()]
    if len(box) != 4 or not all(abs(v) < 1e5 for v in box) or box[2] <= 0 or box[3] <= 0:
        raise FormulaError("the formula draws nothing")
    x, y, w, h = box
    pad = 0.05 * SIZE  # (above and below: room for the strokes at the edges; none at the sides, next to punctuation)
    y, h = y - pad, h + 2 * pad
    em = SIZE / SCALE
    width, height, depth = w / em, h / em, (y + h) / em
    inner = "".join(_element(child) for child in svg if child.tag.rsplit("}", 1)[-1] != "title")
    style = f"width: {width:.3f}em; height: {height:.3f}em; vertical-align: {-depth:.3f}em"
    markup = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x:.3f} {y:.3f} {w:.3f} {h:.3f}" style="{style}">'
        f"<title>{escapeHtml(' '.join(tex.split()))}</title>{inner}</svg>"
    )
    return Formula(markup, width, height, depth)


def _element(el: ET.Element) -> str:
    """One element of ziamath's drawing, written again with only what a drawing has."""
    tag = el.tag.rsplit("}", 1)[-1]
    if tag not in SVG_TAGS or tag in ("svg", "title"):
        return ""
    attrs = "".join(
        f' {name}="{escapeHtml(str(value))}"'
        for name, value in el.attrib.items()
        if name in SVG_ATTRS and _safe_value(name, str(value))
    )
    inner = "".join(_element(child) for child in el)
    return f"<{tag}{attrs}>{inner}</{tag}>" if inner else f"<{tag}{attrs}/>"


def _safe_value(name: str, value: str) -> bool:
    if name in ("fill", "stroke"):
        return bool(COLOUR_RE.match(value)) or value == "none"  # (never a url(...))
    return "(" not in value or name == "transform"


def excerpt(tex: str, limit: int = 40) -> str:
    """A formula's source for a message: on one line, cut at ``limit`` characters."""
    text = " ".join(tex.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
