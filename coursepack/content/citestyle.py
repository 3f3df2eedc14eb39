"""The course's citation style: a name from the bundled catalogue or a ``.csl`` file of the course, vetted.

A course's style file is untrusted XML. It is parsed here with lxml (no DTD, no entities, no
network, no huge trees) and refused when it is not a CSL 1.0 independent style: a DOCTYPE,
a ``<link rel="independent-parent">`` (pandoc would fetch the parent from the network), or a
root that is not ``<style>``. What pandoc reads is our re-serialisation of the vetted tree,
never the course's bytes. See ``styles/README.md`` for the catalogue and its licence.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from coursepack.errors import BuildError
from coursepack.jail import read_bytes

STYLES = Path(__file__).parent / "styles"
CSL_NS = "http://purl.org/net/xbiblio/csl"
MAX_STYLE_BYTES = 1 << 20  # the largest bundled style (Chicago notes) is a quarter of this
CATALOGUE = {
    "oscola": "oscola.csl",
    "chicago-notes": "chicago-notes-bibliography.csl",
    "chicago-author-date": "chicago-author-date.csl",
    "apa": "apa.csl",
    "harvard": "harvard-cite-them-right.csl",
    "mla": "modern-language-association.csl",
    "ieee": "ieee.csl",
    "vancouver": "nlm-citation-sequence.csl",
}
# CSL locales for the pack's languages (pandoc carries them; these are the regional variants we ask for)
CSL_LOCALES = {"en": "en-GB", "fr": "fr-FR", "es": "es-ES", "ar": "ar", "ru": "ru-RU", "zh": "zh-CN"}


class StyleError(BuildError):
    """A citation style that cannot be used, with what to do."""


@dataclass(frozen=True)
class Style:
    """A vetted CSL style: its XML as pandoc will read it, its name, whether it sets notes."""

    name: str  # the catalogue's name, or the file as the course names it
    xml: bytes
    notes: bool  # class="note": citations are footnotes (OSCOLA, Chicago notes)
    law: bool = False  # the style's field is law: its bibliography lists cases and instruments apart

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.xml).hexdigest()


def csl_locale(lang: str) -> str:
    """The CSL locale of a pack's language ("fr" → "fr-FR"); a region given is kept."""
    return CSL_LOCALES.get(lang, lang) if "-" not in lang else lang


def load_style(name: str, root: Path) -> Style:
    """The style a course names: ``oscola`` (the catalogue) or ``styles/our.csl`` (a file of the course)."""
    if name.endswith(".csl"):
        try:
            data = read_bytes(root / name, [root], MAX_STYLE_BYTES)
        except (OSError, ValueError) as exc:
            raise StyleError(
                f"citation-style '{name}': cannot read it ({exc}): give a .csl file inside the course"
            ) from None
        return vet(data, name)
    file = CATALOGUE.get(name)
    if file is None:
        near = difflib.get_close_matches(name, CATALOGUE, n=1)
        hint = f"did you mean '{near[0]}'? " if near else ""
        raise StyleError(
            f"citation-style '{name}' is not a bundled style: {hint}use one of {', '.join(CATALOGUE)}, "
            "or the path of a .csl file in the course (styles/our-style.csl)"
        )
    return _bundled(name, file)


@cache
def _bundled(name: str, file: str) -> Style:
    return vet((STYLES / file).read_bytes(), name)


def vet(data: bytes, name: str) -> Style:
    """A style from untrusted bytes, or a ``StyleError`` saying why it is refused."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        tree = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", 0) or 0
        raise StyleError(
            f"{name}:{line}: not well-formed XML ({exc.msg}): fix the file or use a bundled style"
        ) from None
    doc = tree.getroottree().docinfo
    if doc.doctype or doc.internalDTD is not None:
        raise StyleError(f"{name}: a CSL style has no DOCTYPE: remove it")
    if tree.tag != f"{{{CSL_NS}}}style":
        raise StyleError(f"{name}: not a CSL style (its root is <{etree.QName(tree).localname}>, not <style>)")
    if tree.get("version", "").split(".")[0] != "1":
        raise StyleError(f"{name}: CSL version {tree.get('version')!r} is not 1.0: use a CSL 1.0 style")
    ns = {"cs": CSL_NS}
    if tree.find("cs:info/cs:link[@rel='independent-parent']", ns) is not None:
        raise StyleError(
            f"{name}: a dependent style (it names a parent style to download): use the parent style's .csl itself"
        )
    if tree.find("cs:citation", ns) is None:
        raise StyleError(f"{name}: the style has no <citation> element")
    for entity in tree.iter(etree.Entity):  # (not expanded, but not ours to pass on either)
        raise StyleError(f"{name}: the style uses an entity (&{entity.name};): write the text itself")
    klass = tree.get("class")
    if klass not in ("note", "in-text"):
        raise StyleError(f'{name}: class="{klass}": a CSL style is class="note" or class="in-text"')
    law = tree.find("cs:info/cs:category[@field='law']", ns) is not None
    for bibliography in tree.iterfind("cs:bibliography", ns):  # our lists print entries in their own order:
        bibliography.attrib.pop("subsequent-author-substitute", None)  # a "——" would stand for another entry's author
    xml = etree.tostring(tree, xml_declaration=True, encoding="utf-8")
    return Style(name, xml, klass == "note", law)
