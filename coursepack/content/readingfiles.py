"""Reading lists in the files lecturers already have: BibTeX (``.bib``) and CSL-JSON (``.json``).

Both are read into the same ``Reading`` as ``readings/*.yaml``. A BibTeX entry is converted to a
CSL-JSON item first, so the two formats share one mapping (``_reading``); the item is kept on the
reading (``Reading.csl``) for citation styles (#19). Every problem is a diagnostic at the file's
line, never an exception: the files come from outside and are parsed within fixed bounds (size,
entries, field length, brace depth, LaTeX decoded), see docs/security.md.

Parsing only: the caller reads the file through the jail (``load.read_course_text``).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from coursepack.content.model import Reading
from coursepack.content.yamlsource import YamlDoc, YamlError, parse_yaml
from coursepack.errors import Diagnostics

# the files of readings/ that are read, and files of other reference formats that are named as unread
READING_SUFFIXES = (".yaml", ".bib", ".json")
OTHER_FORMATS = {
    ".yml": "rename it with .yaml at the end",
    ".ris": "export the references as BibTeX (.bib) or CSL JSON (.json) instead",
    ".nbib": "export the references as BibTeX (.bib) or CSL JSON (.json) instead",
    ".enw": "export the references as BibTeX (.bib) or CSL JSON (.json) instead",
    ".xml": "export the references as BibTeX (.bib) or CSL JSON (.json) instead",
    ".bibtex": "rename it with .bib at the end",
    ".biblatex": "rename it with .bib at the end",
    ".csljson": "rename it with .json at the end",
}

# bounds on what a .bib file may ask of the parser (a file is 2 MiB at most: jail.MAX_FILE_BYTES)
MAX_BIB_BLOCKS = 5_000  # '@' characters: each can open a block, and the splitter's time grows with them
MAX_FIELD_CHARS = 10_000  # one field's value
MAX_BRACE_DEPTH = 20  # braces nested in one value (the LaTeX decoder recurses on them)
MAX_DECODED_CHARS = 200_000  # characters of one file that go through the LaTeX decoder (about 20 µs each)


@dataclass
class Loaded:
    """A reading and where its entry is (1-based line and column)."""

    reading: Reading
    line: int
    col: int


@dataclass
class ReadingFile:
    """What one .bib or .json file gives: its readings, and the ids of entries reported as broken
    (references to them are not reported again)."""

    entries: list[Loaded] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)


def reading_files(root: Path) -> list[Path]:
    """The course's reading lists: ``readings/*.yaml``, ``*.bib`` and ``*.json``, by name."""
    folder = root / "readings"
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in READING_SUFFIXES and p.is_file())


def unread_files(root: Path) -> list[tuple[Path, str]]:
    """Files of readings/ in another reference format (not read), each with what to do."""
    folder = root / "readings"
    return [(p, OTHER_FORMATS[p.suffix.lower()]) for p in sorted(folder.glob("*")) if p.suffix.lower() in OTHER_FORMATS]


def parse_reading_file(path: Path, text: str, diags: Diagnostics) -> ReadingFile:
    """The readings of a .bib or .json file's text; every problem reported at its line."""
    if path.suffix.lower() == ".bib":
        return parse_bibtex(text, path, diags)
    return parse_csl_json(text, path, diags)


def meant_ids(text: str) -> set[str]:
    """The ids a .bib or .json file that cannot be read means to define (so that references to
    them are not reported as well)."""
    keys = re.findall(r"@\s*\w+\s*[{(]\s*([^,\s]+)\s*,", text)
    keys += re.findall(r'"(?:id|citation-key)"\s*:\s*"([^"]+)"', text)
    return {reading_id(key) for key in keys} - {""}


def reading_id(key: str) -> str:
    """Our id for a citation key: lower case, accents dropped, every other run of characters one
    hyphen ('Gallagher2010' → 'gallagher2010', 'doe:2001' → 'doe-2001', 'Müller_2019' →
    'muller-2019'); of a Zotero item URI, its last part ('.../items/BDQRTS3T' → 'bdqrts3t')."""
    if re.match(r"^https?://", key):
        key = key.rstrip("/").rsplit("/", 1)[-1]
    text = "".join(c for c in unicodedata.normalize("NFKD", key) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# ---------------------------------------------------------------------------
# CSL-JSON item → Reading (both formats end here)

# CSL item types → ours (the CSL 1.0.2 list; any other is unknown and read as a report)
CSL_TYPES: dict[str, str] = {
    **dict.fromkeys(("treaty", "legislation", "legal_case", "bill", "regulation", "hearing"), "instrument"),
    **dict.fromkeys(
        ("article", "article-journal", "article-magazine", "article-newspaper", "review", "review-book", "periodical"),
        "article",
    ),
    **dict.fromkeys(("book", "classic", "collection"), "book"),
    **dict.fromkeys(("chapter", "entry", "entry-dictionary", "entry-encyclopedia", "paper-conference"), "chapter"),
    **dict.fromkeys(("webpage", "post", "post-weblog"), "web"),
    **dict.fromkeys(
        (
            "report", "thesis", "standard", "dataset", "document", "manuscript", "pamphlet", "patent", "software",
            "personal_communication", "speech", "interview", "broadcast", "motion_picture", "map", "figure",
            "graphic", "musical_score", "song", "performance", "event",
        ),
        "report",
    ),
}  # fmt: skip
# the rich text CSL-JSON strings may hold (and BibTeX braces become): left out of our plain fields
CSL_MARKUP = re.compile(r"</?(?:i|b|sc|sup|sub|span)\b[^>]*>")
NOTE_LINE = re.compile(r"^[ \t]*(level|annotation)[ \t]*:[ \t]*(.*?)[ \t]*$", re.I | re.M)
# what each of our keys is read from, to say where a problem with it is
FROM_CSL = {
    "id": "id",
    "type": "type",
    "authors": "author",
    "year": "issued",
    "title": "title",
    "container": "container-title",
    "volume": "volume",
    "issue": "issue",
    "pages": "page",
    "publisher": "publisher",
    "url": "URL",
    "level": "level",
    "annotation": "annote",
}

At = Callable[[tuple[Any, ...]], tuple[int, int]]


@dataclass
class _Source:
    """The file being read, and how to name its fields in messages."""

    path: Path
    diags: Diagnostics
    bibtex: bool
    out: ReadingFile = field(default_factory=ReadingFile)

    def name(self, var: str) -> str:
        """A CSL variable as the file writes it: 'journal' in BibTeX, '"container-title"' in JSON."""
        if self.bibtex:
            return BIB_NAMES.get(var, var)
        return f'"{var}"'

    def add(self, key: str, text: str) -> str:
        """'add title = {...}' / 'add "title"' (what to write to give a missing field)."""
        if self.bibtex:
            return f"add {BIB_NAMES.get(key, key)} = {{{text}}}"
        return f'add "{key}" (in Zotero or Mendeley, fill in the field and export again)'


BIB_NAMES = {
    "container-title": "journal (or booktitle)",
    "issued": "year",
    "page": "pages",
    "URL": "url",
    "DOI": "doi",
    "annote": "annotation",
    "keyword": "keywords",
}


def _plain(text: str) -> str:
    """A CSL rich-text string as our plain text."""
    return " ".join(CSL_MARKUP.sub("", text).split())


def _name(name: dict[str, Any]) -> str:
    """A CSL name as our 'Surname, Given' (particles with the surname they go with), or a body."""
    if name.get("literal"):
        return _plain(str(name["literal"]))
    family = " ".join(_plain(str(name[k])) for k in ("non-dropping-particle", "family") if name.get(k))
    given = " ".join(_plain(str(name[k])) for k in ("given", "dropping-particle") if name.get(k))
    if family and given:
        suffix = f", {_plain(str(name['suffix']))}" if name.get("suffix") else ""
        return f"{family}, {given}{suffix}"
    return family or given


def _year(issued: Any) -> int | None:
    """The year of a CSL date: ``{"date-parts": [[2010, 5]]}``, ``{"raw": "2010-05"}``, or a string."""
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            first = parts[0][0]
            if isinstance(first, int) and not isinstance(first, bool):
                return first
            if isinstance(first, str) and re.fullmatch(r"\s*-?\d{1,4}\s*", first):
                return int(first)
            return None
        issued = issued.get("raw") or issued.get("literal")
    if isinstance(issued, str):
        m = re.search(r"(?<!\d)(\d{4})(?!\d)", issued)
        return int(m.group(1)) if m else None
    if isinstance(issued, int) and not isinstance(issued, bool):
        return issued
    return None


def _conventions(item: dict[str, Any]) -> tuple[Any, Any, str | None]:
    """(level, annotation, note left) by our convention: a ``level`` of our own, else a line
    ``level: advanced`` in the note, else a keyword ``advanced`` or ``core``; the annotation from
    ``annote``, else a line ``annotation: ...`` in the note (Zotero's Extra field is exported as
    the note). The lines read are taken out of the note."""
    note = item.get("note") if isinstance(item.get("note"), str) else None
    said: dict[str, str] = {}
    if note is not None:
        for m in NOTE_LINE.finditer(note):
            said.setdefault(m.group(1).lower(), m.group(2))
        note = NOTE_LINE.sub("", note).strip() or None
    level = item.get("level") or said.get("level")
    if isinstance(level, str):
        level = level.strip().lower()
    if level is None and isinstance(item.get("keyword"), str):
        tags = {t.strip().lower() for t in re.split(r"[,;]", item["keyword"])}
        level = next((t for t in ("advanced", "core") if t in tags), None)
    annotation = item.get("annote") or said.get("annotation")
    return level, annotation, note


def _reading(item: dict[str, Any], key: str, at: At, src: _Source, what: str) -> Reading | None:
    """The reading a CSL item says; None (reported) when it lacks what a reading needs."""
    rid = reading_id(key)
    line, col = at(("id",))
    if not rid:
        src.diags.error(
            src.path,
            line,
            col,
            f"{what}: its key '{key}' has no letter a-z or digit to make an id of: give it a key in Latin letters",
        )
        return None
    if len(rid) > 80:
        src.diags.error(src.path, line, col, f"{what}: its key is longer than 80 characters: give it a shorter one")
        return None
    ok = True

    def missing(var: str, example: str) -> None:
        nonlocal ok
        ok = False
        src.diags.error(src.path, line, col, f"{what} has no {src.name(var)}: {src.add(var, example)}")

    csl_type = item.get("type")
    ours = CSL_TYPES.get(csl_type) if isinstance(csl_type, str) else None
    if ours is None:
        if src.bibtex:
            problem = f"unknown entry type '@{csl_type}'"
            fix = "use @article, @book, @incollection, @techreport, @online or another BibTeX type"
        else:
            problem = f"unknown type '{csl_type}'" if csl_type else 'no "type"'
            fix = 'use a CSL type ("article-journal", "book", "chapter", "report", "webpage", ...)'
        src.diags.warning(src.path, *at(("type",)), f"{what}: {problem}, read as a report: {fix}")
        ours = "report"
    names = [n for n in (item.get("author") or item.get("editor") or []) if isinstance(n, dict)]
    authors = [n for n in (_name(n) for n in names) if n]
    if not authors:
        ok = False
        fix = (
            "add author = {Doe, Jane and Roe, Richard}, or a body in double braces, "
            "author = {{United Nations Office on Drugs and Crime}}"
            if src.bibtex
            else 'add "author": [{"family": "Doe", "given": "Jane"}] or [{"literal": "United Nations"}]'
        )
        src.diags.error(src.path, line, col, f"{what} has no author (nor an editor): {fix}")
    title = _plain(item["title"]) if isinstance(item.get("title"), str) else ""
    if not title:
        missing("title", "The title")
    year = _year(item.get("issued"))
    if "issued" not in item:
        missing("issued", "2010")
    elif year is None or not 1000 <= year <= 2100:
        ok = False
        src.diags.error(
            src.path,
            *at(("issued",)),
            f"{what}: {src.name('issued')} does not say a year from 1000 to 2100: write the year as four digits",
        )
    level, annotation, note = _conventions(item)
    if level is not None and level not in ("core", "advanced"):
        ok = False
        src.diags.error(src.path, *at(("level",)), f"{what}: level '{level}' is neither core nor advanced: write one")
    if not ok:
        return None
    url = item.get("URL") if isinstance(item.get("URL"), str) else None
    doi = item.get("DOI") if isinstance(item.get("DOI"), str) else None
    if not url and doi:
        url = "https://doi.org/" + quote(_doi(doi), safe="/:;()[]._-+")
    csl = copy.deepcopy(item)
    if csl_type not in CSL_TYPES:
        csl["type"] = "document"
    for used in ("annote", "level"):
        csl.pop(used, None)
    if note is None:
        csl.pop("note", None)
    else:
        csl["note"] = note
    data = {
        "id": rid,
        "type": ours,
        "authors": authors,
        "year": year,
        "title": title,
        "container": _plain(item["container-title"]) if isinstance(item.get("container-title"), str) else None,
        "volume": item.get("volume"),
        "issue": item.get("issue"),
        "pages": item.get("page"),
        "publisher": _plain(item["publisher"]) if isinstance(item.get("publisher"), str) else None,
        "url": url.strip() if url else None,
        "level": level or "core",
        "annotation": _plain(str(annotation)) if annotation else None,
        "csl": csl,
    }
    data = {k: v for k, v in data.items() if v not in (None, "")}
    try:
        return Reading.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            ours_key = str(err["loc"][0]) if err["loc"] else ""
            var = FROM_CSL.get(ours_key, ours_key)
            msg = err["msg"]
            if ours_key == "url":
                msg = "must be a web address starting with http:// or https://, without spaces"
            src.diags.error(src.path, *at((var,)), f"{what}: {src.name(var)}: {msg}")
        return None


def _doi(doi: str) -> str:
    """A DOI without the resolver or 'doi:' before it."""
    return re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", doi.strip(), flags=re.I)


# ---------------------------------------------------------------------------
# CSL-JSON


def _positions(text: str) -> YamlDoc | None:
    """The file's node tree, for positions: JSON is YAML, once its tabs (which JSON allows between
    tokens and YAML does not, and which Zotero indents with) are spaces. None when PyYAML reads
    the file differently; the values are json's in any case."""
    with contextlib.suppress(YamlError):
        return parse_yaml(text.replace("\t", " "))
    return None


def parse_csl_json(text: str, path: Path, diags: Diagnostics) -> ReadingFile:
    """The readings of a CSL-JSON file: a list of items, as Zotero, Mendeley and Better BibTeX export."""
    src = _Source(path, diags, bibtex=False)
    if not text.strip():
        diags.warning(path, 1, 1, "the file is empty: export the readings into it as CSL JSON, or delete it")
        return src.out
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        diags.error(
            path,
            exc.lineno,
            exc.colno,
            f"not valid JSON ({exc.msg}): export the file again as CSL JSON, or fix it here",
        )
        return src.out
    except (RecursionError, ValueError):
        diags.error(path, 1, 1, "JSON nested too deeply to read: a CSL JSON export is a list of items")
        return src.out
    if not isinstance(data, list):
        hint = (
            ' (its "items" key holds them: keep only that list)'
            if isinstance(data, dict) and isinstance(data.get("items"), list)
            else ""
        )
        diags.error(
            path,
            1,
            1,
            f"a CSL JSON file is a list of items, [{{...}}, {{...}}]{hint}: export it again as CSL JSON "
            "(Zotero: File → Export Library… → CSL JSON)",
        )
        return src.out
    if not data:
        diags.warning(path, 1, 1, "the file has no items: export the readings into it, or delete it")
        return src.out
    doc = _positions(text)
    for i, item in enumerate(data):

        def at(loc: tuple[Any, ...], i: int = i) -> tuple[int, int]:
            return doc.locate((i, *loc)) if doc is not None else (1, 1)

        if not isinstance(item, dict):
            diags.error(path, *at(()), f'item {i + 1} is not an object: each item is {{"id": ..., "type": ..., ...}}')
            continue
        key = item.get("citation-key") if isinstance(item.get("citation-key"), str) else item.get("id")
        if isinstance(key, bool) or not isinstance(key, str | int) or str(key).strip() == "":
            diags.error(path, *at(()), f'item {i + 1} has no "id": give it one (Better BibTeX writes the citation key)')
            continue
        key = str(key).strip()
        what = f"item '{key}'"
        if not _json_shapes(item, at, src, what):
            src.out.broken.add(reading_id(key))
            continue
        reading = _reading(item, key, at, src, what)
        if reading is None:
            src.out.broken.add(reading_id(key))
        else:
            src.out.entries.append(Loaded(reading, *at(("id",))))
    return src.out


NAME_PARTS = ("family", "given", "literal", "suffix", "non-dropping-particle", "dropping-particle")


def _json_shapes(item: dict[str, Any], at: At, src: _Source, what: str) -> bool:
    """Whether the variables we read have the shapes CSL-JSON gives them (each problem reported)."""
    ok = True

    def bad(loc: tuple[Any, ...], message: str) -> None:
        nonlocal ok
        ok = False
        src.diags.error(src.path, *at(loc), f"{what}: {message}")

    for var in ("title", "container-title", "publisher", "URL", "DOI", "note", "annote", "keyword", "type", "level"):
        if var in item and not isinstance(item[var], str):
            bad((var,), f'"{var}" must be text, in quotes')
    for var in ("volume", "issue", "page"):
        value = item.get(var)
        if var in item and (isinstance(value, bool) or not isinstance(value, str | int)):
            bad((var,), f'"{var}" must be text or a whole number')
    for var in ("author", "editor"):
        if var not in item:
            continue
        names = item[var]
        if not isinstance(names, list):
            bad((var,), f'"{var}" must be a list of names, [{{"family": "Doe", "given": "Jane"}}]')
            continue
        for j, name in enumerate(names):
            if not isinstance(name, dict) or not any(isinstance(name.get(k), str) for k in NAME_PARTS):
                bad(
                    (var, j),
                    f'name {j + 1} of "{var}" must be {{"family": "Doe", "given": "Jane"}} or '
                    '{"literal": "United Nations"}',
                )
            elif any(k in name and not isinstance(name[k], str | int) for k in NAME_PARTS):
                bad((var, j), f'name {j + 1} of "{var}": each part of a name must be text')
    issued = item.get("issued")
    if "issued" in item and not isinstance(issued, dict | str | int):
        bad(("issued",), '"issued" must be a date, {"date-parts": [[2010, 5, 1]]}')
    return ok


# ---------------------------------------------------------------------------
# BibTeX

# BibTeX and biblatex entry types → CSL types (as pandoc maps them)
BIB_TYPES: dict[str, str] = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "collection": "book",
    "mvcollection": "book",
    "proceedings": "book",
    "mvproceedings": "book",
    "reference": "book",
    "mvreference": "book",
    "inbook": "chapter",
    "bookinbook": "chapter",
    "suppbook": "chapter",
    "incollection": "chapter",
    "suppcollection": "chapter",
    "inreference": "entry-encyclopedia",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "booklet": "pamphlet",
    "manual": "report",
    "techreport": "report",
    "report": "report",
    "mastersthesis": "thesis",
    "phdthesis": "thesis",
    "thesis": "thesis",
    "misc": "document",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "webpage": "webpage",
    "unpublished": "manuscript",
    "patent": "patent",
    "periodical": "periodical",
    "suppperiodical": "article-journal",
    "dataset": "dataset",
    "software": "software",
    "standard": "standard",
    "legislation": "legislation",
    "legal": "legislation",
    "jurisdiction": "legal_case",
    "letter": "personal_communication",
    "movie": "motion_picture",
    "video": "motion_picture",
    "audio": "song",
    "music": "song",
    "artwork": "graphic",
    "image": "graphic",
    "review": "review",
}
# fields read as text → CSL variables (``number`` is the issue of an article, a report's number
# otherwise; institution, school and organization stand for the publisher when there is none)
BIB_TEXT: dict[str, str] = {
    "title": "title",
    "subtitle": "title",
    "shorttitle": "title-short",
    "journal": "container-title",
    "journaltitle": "container-title",
    "booktitle": "container-title",
    "shortjournal": "container-title-short",
    "series": "collection-title",
    "volume": "volume",
    "number": "number",
    "issue": "issue",
    "pages": "page",
    "edition": "edition",
    "chapter": "chapter-number",
    "publisher": "publisher",
    "institution": "publisher",
    "school": "publisher",
    "organization": "publisher",
    "address": "publisher-place",
    "location": "publisher-place",
    "eventtitle": "event-title",
    "venue": "event-place",
    "type": "genre",
    "howpublished": "medium",
    "note": "note",
    "annote": "annote",
    "annotation": "annote",
    "keywords": "keyword",
    "language": "language",
    "langid": "language",
    "level": "level",
}
BIB_VERBATIM = {"url": "URL", "doi": "DOI", "isbn": "ISBN", "issn": "ISSN", "urldate": "accessed"}
BIB_NAMES_FIELDS = {"author": "author", "editor": "editor", "translator": "translator"}
BIB_DATES = ("year", "month", "date")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
LANGUAGES = {
    "english": "en",
    "american": "en-US",
    "british": "en-GB",
    "french": "fr",
    "spanish": "es",
    "russian": "ru",
    "chinese": "zh",
    "arabic": "ar",
    "german": "de",
    "italian": "it",
    "portuguese": "pt",
}
NEEDS_LATEX = re.compile(r"[\\$%~&#_^`]|--|''")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """bibtexparser logs each broken block and warns through Python's warnings: we report them ourselves."""
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


class _Decoder:
    """bibtexparser's LaTeX decoding (braced groups kept: '{UN}' stays protected, and a body in
    double braces stays one name), within a budget of characters per file."""

    def __init__(self) -> None:
        from bibtexparser.middlewares import LatexDecodingMiddleware

        self.middleware = LatexDecodingMiddleware(keep_braced_groups=True)
        self.left = MAX_DECODED_CHARS

    def decode(self, value: str) -> tuple[str, str]:
        """(text, problem): the value with its LaTeX as Unicode, its whitespace collapsed."""
        if NEEDS_LATEX.search(value):
            if len(value) > self.left:
                return value, "over budget"
            self.left -= len(value)
            from bibtexparser.library import Library
            from bibtexparser.model import Entry, Field, MiddlewareErrorBlock

            block = self.middleware.transform_entry(Entry("misc", "x", [Field("v", value)]), Library())
            if not isinstance(block, Entry) or isinstance(block, MiddlewareErrorBlock):
                return value, "LaTeX that cannot be read"
            value = str(block.fields[0].value)
        return re.sub(r"[ \t\r\n]+", " ", value).strip(), ""


def _split_top(raw: str) -> list[str]:
    """A BibTeX value split at its '#' (concatenation) outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(raw):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return [p.strip() for p in parts]


def _resolve(raw: str, strings: dict[str, str]) -> tuple[str, list[str]]:
    """A raw BibTeX value as text: braces or quotes around it taken off, @string names (and the
    month names) replaced, parts joined at '#'. Also the names no @string defines."""
    out, unknown = [], []
    for part in _split_top(raw):
        if len(part) >= 2 and ((part[0] == "{" and part[-1] == "}") or (part[0] == '"' and part[-1] == '"')):
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        elif part.lower() in strings:
            out.append(strings[part.lower()])
        else:
            unknown.append(part)
            out.append(part)
    return "".join(out), unknown


def _depth(text: str) -> int:
    depth = deepest = 0
    for ch in text:
        if ch == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == "}":
            depth -= 1
    return deepest


def _wrapped(text: str) -> bool:
    """Whether the whole text is one braced group ('{United Nations}')."""
    if not (text.startswith("{") and text.endswith("}")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0 and i < len(text) - 1:
            return False
    return True


def _unbrace(text: str) -> str:
    return text.replace("{", "").replace("}", "")


def _csl_text(text: str) -> str:
    """Decoded BibTeX text as CSL rich text: a braced group (protected from case changes) becomes
    ``<span class="nocase">``."""
    out: list[str] = []
    group: list[str] = []
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
            continue
        if ch == "}":
            depth = max(0, depth - 1)
            if depth == 0 and group:
                out.append('<span class="nocase">' + "".join(group) + "</span>")
                group = []
            continue
        (group if depth else out).append(ch)
    out += group
    return "".join(out)


def _bib_names(value: str) -> list[dict[str, str]]:
    """A BibTeX name list (decoded, braces kept) as CSL names: 'and' outside braces separates
    people, '{United Nations Office on Drugs and Crime}' is one body, 'and others' is et al."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names

    names: list[dict[str, str]] = []
    for one in split_multiple_persons_names(value):
        one = one.strip()
        if _wrapped(one):
            names.append({"literal": _unbrace(one).strip()})
            continue
        if one.lower() == "others":
            names.append({"literal": "others"})
            continue
        parts = parse_single_name_into_parts(one, strict=False)
        name = {
            "family": _unbrace(" ".join(parts.last)),
            "given": _unbrace(" ".join(parts.first)),
            "non-dropping-particle": _unbrace(" ".join(parts.von)),
            "suffix": _unbrace(" ".join(parts.jr)),
        }
        name = {k: v.strip() for k, v in name.items() if v.strip()}
        if name:
            names.append(name)
    return names


def _month(value: str) -> int | None:
    value = value.strip().rstrip(".").lower()
    if value.isdigit():
        return int(value) if 1 <= int(value) <= 12 else None
    return MONTHS.index(value[:3]) + 1 if value[:3] in MONTHS else None


def _bib_date(value: str) -> dict[str, Any] | None:
    """A biblatex date ('2010-05-01', '2010-05', '2010/2012') as a CSL date."""
    ranges = []
    for part in value.split("/")[:2]:
        m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?\s*", part)
        if not m:
            return None
        ranges.append([int(p) for p in m.groups() if p])
    return {"date-parts": ranges}


def parse_bibtex(text: str, path: Path, diags: Diagnostics) -> ReadingFile:
    """The readings of a BibTeX file (as JabRef, Zotero, Mendeley and Better BibTeX write them)."""
    src = _Source(path, diags, bibtex=True)
    if text.count("@") > MAX_BIB_BLOCKS:
        diags.error(
            path,
            1,
            1,
            f"more than {MAX_BIB_BLOCKS:,} '@' in the file: coursepack reads at most {MAX_BIB_BLOCKS:,} entries from "
            "one file: export only this course's readings, or split the file",
        )
        return src.out
    import bibtexparser

    with _quiet():
        try:
            library = bibtexparser.parse_string(text, parse_stack=[])
        except Exception as exc:  # (the splitter raises on a state it does not expect: a file we cannot read)
            diags.error(path, 1, 1, f"BibTeX the parser cannot read ({type(exc).__name__}): check the file's braces")
            return src.out
        _read_blocks(library, text, src)
    return src.out


def _read_blocks(library: Any, text: str, src: _Source) -> None:
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock, Entry, ParsingFailedBlock, String

    path, diags = src.path, src.diags
    strings = {m: name for m, name in zip(MONTHS, MONTH_NAMES, strict=True)}
    decoder = _Decoder()
    entries = 0
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            block = block.ignore_error_block  # (the same id twice: reported where readings are defined)
        if isinstance(block, String):
            value, _ = _resolve(str(block.value), strings)
            strings[str(block.key).lower()] = value
        elif isinstance(block, DuplicateFieldKeyBlock):
            keys = ", ".join(sorted(block.duplicate_keys))
            diags.error(path, line, 1, f"BibTeX: field {keys} given twice in this entry: keep one")
            entry = block.ignore_error_block
            src.out.broken.add(reading_id(str(getattr(entry, "key", "")) or "x"))
        elif isinstance(block, ParsingFailedBlock):
            _failed(block, line, text, src)
        elif isinstance(block, Entry):
            entries += 1
            if decoder.left <= 0:  # (past the budget: reported once)
                src.out.broken.add(reading_id(str(block.key)))
                continue
            reading = _bib_entry(block, strings, decoder, src)
            if reading is None:
                src.out.broken.add(reading_id(str(block.key)))
            else:
                src.out.entries.append(Loaded(reading, line, 1))
    if entries == 0 and not library.failed_blocks:
        diags.warning(path, 1, 1, "the file has no entries (@article{key, ...}): add them, or delete the file")


def _failed(block: Any, line: int, text: str, src: _Source) -> None:
    """A block bibtexparser could not read: one error at its first line, saying where it broke."""
    raw = block.raw or ""
    reason = str(getattr(block.error, "abort_reason", "") or block.error or "").strip().rstrip(".")
    end_index = getattr(block.error, "end_index", None)
    if reason.startswith("Unexpectedly reached end of file") or end_index is None:
        problem = "the file ends before this entry is closed"
    elif reason.startswith("Unexpected block start"):  # (an '@' at the start of a line, inside the entry)
        at = text.find("@", max(0, end_index))
        problem = f"this entry is not closed when the next one starts (line {text.count(chr(10), 0, at) + 1})"
    else:
        problem = f"this entry cannot be read ({reason})"
    m = re.match(r"@\s*\w+\s*[{(]\s*([^,\s]+)", raw)
    if m:
        src.out.broken.add(reading_id(m.group(1)))
    src.diags.error(
        src.path,
        line,
        1,
        f"BibTeX: {problem}: check its braces, quotes and commas (each field is name = {{value}}, and the "
        "entry ends with })",
    )


def _bib_entry(entry: Any, strings: dict[str, str], decoder: _Decoder, src: _Source) -> Reading | None:
    """One BibTeX entry as a CSL item, then as a reading."""
    key = str(entry.key)
    kind = str(entry.entry_type).lower()
    what = f"entry '{key}'"
    entry_line = (entry.start_line or 0) + 1
    fields: dict[str, Any] = {}
    for f in entry.fields:
        fields.setdefault(str(f.key).lower(), f)
    lines: dict[str, int] = {"id": entry_line, "type": entry_line}
    item: dict[str, Any] = {"id": key, "type": BIB_TYPES.get(kind, "")}
    if kind not in BIB_TYPES:
        item["type"] = kind  # (unknown: _reading warns, and reads it as a report)
    texts: dict[str, str] = {}
    ok = True
    for name, f in fields.items():
        if name not in BIB_TEXT and name not in BIB_VERBATIM and name not in BIB_NAMES_FIELDS and name not in BIB_DATES:
            continue  # (JabRef's owner and timestamp, file, abstract...: not a reading's)
        line = (f.start_line or entry.start_line or 0) + 1
        value, unknown = _resolve(str(f.value), strings)
        for macro in unknown:
            src.diags.warning(
                src.path,
                line,
                1,
                f"{what}: '{macro}' in {name} is not defined by an @string: define it, or put the text in braces",
            )
        if len(value) > MAX_FIELD_CHARS:
            ok = False
            src.diags.error(
                src.path, line, 1, f"{what}: {name} is longer than {MAX_FIELD_CHARS:,} characters: shorten it"
            )
            continue
        if _depth(value) > MAX_BRACE_DEPTH:
            ok = False
            src.diags.error(
                src.path,
                line,
                1,
                f"{what}: {name} has braces nested deeper than {MAX_BRACE_DEPTH} levels: check its braces",
            )
            continue
        address = re.fullmatch(r"\s*(?:\\url\s*\{(.*)\}|(https?://\S*))\s*", value, re.S)
        if name == "howpublished" and address:  # (where Zotero and others put a web page's address)
            texts.setdefault("url", (address.group(1) or address.group(2)).strip())
        elif name in BIB_VERBATIM:  # (not LaTeX: '%', '_' and '~' are part of an address)
            texts[name] = (address.group(1) or address.group(2) if address else value).strip()
        else:
            decoded, problem = decoder.decode(value)
            if problem == "over budget":
                src.diags.error(
                    src.path,
                    line,
                    1,
                    f"the file has more LaTeX to decode than coursepack reads in one file ({MAX_DECODED_CHARS:,} "
                    "characters): split it into several .bib files",
                )
                decoder.left = 0
                return None
            if problem:
                ok = False
                src.diags.error(src.path, line, 1, f"{what}: {name} has {problem}: check its backslashes and braces")
                continue
            texts[name] = decoded
        lines.setdefault(_csl_var(name, kind), line)
    if not ok:
        return None
    _fill_item(item, texts, kind, lines)
    if "year" in texts and "issued" not in item:
        src.diags.error(
            src.path,
            lines.get("issued", entry_line),
            1,
            f"{what}: year '{texts['year']}' is not a year: write it as four digits, year = {{2010}}",
        )
        return None
    if "date" in texts and "issued" not in item:
        src.diags.error(
            src.path,
            lines.get("issued", entry_line),
            1,
            f"{what}: date '{texts['date']}' is not a date: write it as 2010, 2010-05 or 2010-05-01",
        )
        return None
    return _reading(item, key, lambda loc: (lines.get(str(loc[0]) if loc else "id", entry_line), 1), src, what)


def _csl_var(name: str, kind: str) -> str:
    """The CSL variable a BibTeX field gives (for the line of a problem with it)."""
    if name == "number" and kind == "article":
        return "issue"
    if name in BIB_DATES:
        return "issued"
    return BIB_TEXT.get(name) or BIB_VERBATIM.get(name) or BIB_NAMES_FIELDS.get(name) or name


def _fill_item(item: dict[str, Any], texts: dict[str, str], kind: str, lines: dict[str, int]) -> None:
    """The CSL variables of an entry's fields (decoded text, braces still marking protected words)."""
    for name, var in BIB_NAMES_FIELDS.items():
        if texts.get(name):
            names = _bib_names(texts[name])
            if names:
                item[var] = names
    for name, value in texts.items():
        if name in BIB_NAMES_FIELDS or name in BIB_DATES or not value:
            continue
        if name in BIB_VERBATIM:
            item[BIB_VERBATIM[name]] = value
            continue
        var = _csl_var(name, kind)
        if name == "subtitle" or (var in item and name in ("institution", "school", "organization")):
            continue
        if var == "language":
            code = LANGUAGES.get(_unbrace(value).lower()) or (
                _unbrace(value) if re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]+)*", _unbrace(value)) else None
            )
            if code:
                item["language"] = code
            continue
        if var in ("level", "annote", "note", "keyword", "page", "volume", "issue", "number", "edition"):
            item[var] = _unbrace(value)
        else:
            item[var] = _csl_text(value)
    if texts.get("subtitle") and "title" in item:
        item["title"] += ": " + _csl_text(texts["subtitle"])
    # publisher: the publisher, else the institution, school or organization (first written)
    for name in ("publisher", "institution", "school", "organization"):
        if texts.get(name):
            item["publisher"] = _csl_text(texts[name])
            break
    if "accessed" in item:
        accessed = _bib_date(item["accessed"])
        if accessed:
            item["accessed"] = accessed
        else:
            del item["accessed"]
    issued = None
    if texts.get("date"):
        issued = _bib_date(_unbrace(texts["date"]))
    elif texts.get("year") and re.fullmatch(r"\d{4}", _unbrace(texts["year"]).strip()):
        parts = [int(_unbrace(texts["year"]))]
        month = _month(_unbrace(texts.get("month", "")))
        if month:
            parts.append(month)
        issued = {"date-parts": [parts]}
    if issued:
        item["issued"] = issued
