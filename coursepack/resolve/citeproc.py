"""Citations and reading-list entries formatted by the course's CSL style, through pandoc's citeproc.

Why pandoc: it was the more correct processor on the CSL test suite and on our legal citations
(docs/design/citations-processor.md). We never hand pandoc Markdown: our parser reads the
citations (``markdown/citations.py``); here each becomes a pandoc ``Cite`` in a JSON document
that holds only citations, and pandoc's output is read back into HTML.

Order matters to a style (ibid, "(n 3)", the numbers of a numeric style), and the order is the
printed one, which only the finished HTML knows. So the writer prints a *marker* for each
citation and each reading-list entry (``Citations.cite``, ``Citations.entry``), and
``Citations.resolve`` reads the markers of the edition's HTML in document order, asks pandoc
once per note scope (a note style: what numbers its notes from 1, as a unit) or once per
document (an in-text style), and writes the formatted text in their place. Note styles set each
citation of the main text as a footnote with the number the writer gave it, so a note's
"(n 3)" is our note 3.

pandoc runs as a subprocess with ``--sandbox``, a memory ceiling, a timeout, no environment
and a temporary folder of its own; it reads only our re-serialised style and the CSL-JSON we
write. Results are kept per input (the same unit in the student pack and the handouts asks once).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
import subprocess
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from coursepack import pandoc
from coursepack.content.citestyle import Style, csl_locale
from coursepack.content.model import ET_AL, Reading
from coursepack.errors import BuildError
from coursepack.i18n import quotes, text_direction
from coursepack.markdown.citations import Cluster

API_VERSION = [1, 23, 1, 1]
TIMEOUT = 60  # seconds for one call (a call takes about 0.05 s)
JOIN = "\u2060"  # (as htmlrules: a note's call never starts a line)
OPEN, CLOSE = "\ue000", "\ue001"  # a marker: OPEN + instance:kind:number + CLOSE (private use)
MARKER = re.compile(f"{OPEN}(\\d+):([cb]):(\\d+){CLOSE}")
FULL_STOPS = (".", "\u3002")
MOVE_BEFORE_NOTE = ".,;:"  # a note's call goes after these ("text.¹"), as pandoc and Chicago set it
# the short "page" term of each language's CSL locale (citation-style-language/locales @ 938c09c),
# so that pandoc reads our page locator in the pack's language
PAGE_TERM = {"en": "p.", "fr": "p.", "es": "p.", "ar": "ص", "ru": "с.", "zh": "页"}
CSL_TYPE = {
    "instrument": "treaty",
    "book": "book",
    "chapter": "chapter",
    "article": "article-journal",
    "report": "report",
    "web": "webpage",
}
_instances = itertools.count(1)


class CitationError(BuildError):
    """pandoc could not format the citations (a broken style, or pandoc missing)."""


def csl_item(r: Reading) -> dict[str, Any]:
    """A reading as a CSL-JSON item: our keys mapped onto CSL variables, then the variables the
    reading keeps (a .bib or .json reading's whole entry) over them."""
    item: dict[str, Any] = {"id": r.id, "type": CSL_TYPE[r.type], "title": r.title}
    names = []
    for a in r.authors:
        if a == ET_AL:
            continue  # (the style says when to print "et al.")
        family, comma, given = a.partition(",")
        names.append({"family": family.strip(), "given": given.strip()} if comma else {"literal": a})
    item["author"] = names
    item["issued"] = {"date-parts": [[r.year]]}
    for key, var in (
        ("container", "container-title"),
        ("volume", "volume"),
        ("issue", "issue"),
        ("pages", "page"),
        ("publisher", "publisher"),
        ("url", "URL"),
    ):
        value = getattr(r, key)
        if value is not None:
            item[var] = str(value)
    item.update({k: v for k, v in r.csl.items() if k not in ("id", "annote", "level")})
    item["id"] = r.id
    return item


@dataclass(frozen=True)
class Issued:
    """A citation as the writer printed it: its cluster, its note scope, the note it is set in."""

    cluster: Cluster
    scope: int  # which run of notes numbered from 1 it is in
    note: int  # the footnote it is (a note style's main-text citation) or is in; 0: in the text
    in_note: bool  # written inside one of the author's footnotes
    initial: bool = False  # the first thing in that footnote (a style may capitalise it: "Ibid")


@dataclass
class Citations:
    """The citations of one edition in one language, formatted by one style."""

    style: Style
    lang: str
    items: dict[str, dict[str, Any]]  # reading id → CSL-JSON item
    link: Callable[[str], str | None] = lambda rid: None  # the anchor of a reading's entry when printed
    issued: list[Issued] = field(default_factory=list)
    listed: dict[str, int] = field(default_factory=dict)  # reading id → its entry marker's number
    entry_lang: dict[str, str] = field(default_factory=dict)  # reading id → the language its entry is set in
    instance: int = field(default_factory=lambda: next(_instances))

    @property
    def notes(self) -> bool:
        """Whether citations of the text are set as footnotes."""
        return self.style.notes

    def cite(self, cluster: Cluster, scope: int, note: int, in_note: bool, initial: bool = False) -> str:
        """The marker the writer prints for a citation."""
        self.issued.append(Issued(cluster, scope, note, in_note, initial))
        return f"{OPEN}{self.instance}:c:{len(self.issued) - 1}{CLOSE}"

    def entry(self, rid: str, lang: str | None = None) -> str:
        """The marker the writer prints for a reading-list entry (set in ``lang``, if not the pack's:
        an English work in an Arabic pack keeps its English "and" and dates)."""
        if lang and lang != self.lang:
            self.entry_lang[rid] = lang
        return f"{OPEN}{self.instance}:b:{self.listed.setdefault(rid, len(self.listed))}{CLOSE}"

    # -- after the edition's HTML is written ----------------------------------------------------

    def resolve(self, text: str) -> str:
        """``text`` with this instance's markers replaced by the formatted citations and entries.
        A citation printed twice (a text the template shows twice) is two citations, in order."""
        found = [m for m in MARKER.finditer(text) if int(m.group(1)) == self.instance]
        if not found:
            return text
        entry_of = {v: k for k, v in self.listed.items()}
        cites: list[tuple[int, int]] = []  # (place among the markers, issued number)
        listed: set[str] = set()
        for place, m in enumerate(found):
            n = int(m.group(3))
            if m.group(2) == "c" and n < len(self.issued):
                cites.append((place, n))
            elif m.group(2) == "b" and n in entry_of:
                listed.add(entry_of[n])
        done, entries = self._format(cites, sorted(listed))
        out, last = [], 0
        rtl = text_direction(self.lang) == "rtl"
        for place, m in enumerate(found):
            out.append(text[last : m.start()])
            n = int(m.group(3))
            piece = done.get((place, n), "") if m.group(2) == "c" else entries.get(entry_of.get(n, ""), "")
            if m.group(2) == "c" and text[m.end() : m.end() + 1] in FULL_STOPS and piece.endswith("."):
                piece = piece[:-1]  # "[@key]." in a note: one full stop, the text's
            if rtl and piece:  # (a reference in Latin script inside right-to-left text reads in its own direction)
                piece = f'<span dir="auto">{piece}</span>'
            out.append(piece)
            last = m.end()
        out.append(text[last:])
        return _notes_after_punctuation("".join(out))

    def _format(
        self, cites: list[tuple[int, int]], listed: list[str]
    ) -> tuple[dict[tuple[int, int], str], dict[str, str]]:
        """The HTML of each citation (keyed as ``resolve`` reads them back) and of each entry."""
        by_lang: dict[str, list[str]] = {}
        for rid in listed:
            by_lang.setdefault(self.entry_lang.get(rid, self.lang), []).append(rid)
        if not self.notes:
            done, entries = self._call_doc(cites, by_lang.pop(self.lang, []), self.lang)
            for lang, rids in by_lang.items():  # (the same document, so a numeric style's numbers agree)
                entries.update(self._call_doc(cites, rids, lang)[1])
            return done, entries
        done = {}
        scopes: dict[int, list[tuple[int, int]]] = {}
        for place, n in cites:
            scopes.setdefault(self.issued[n].scope, []).append((place, n))
        for group in scopes.values():
            done.update(self._call_scope(group))
        entries = {}
        for lang, rids in by_lang.items():
            entries.update(self._bibliography(rids, lang))
        return done, entries

    # -- pandoc documents ------------------------------------------------------------------------

    def _cite_node(self, c: Issued, tag: str) -> dict[str, Any]:
        citations = []
        term = PAGE_TERM.get(self.lang.split("-")[0], "p.")
        for k, item in enumerate(c.cluster.items):
            suffix = f", {{{term} {item.locator}}}" if item.locator else ("{}" if item.suffix else "")
            mode = (
                "AuthorInText"
                if c.cluster.narrative
                else "SuppressAuthor"
                if item.suppress_author
                else "NormalCitation"
            )
            citations.append(
                {
                    "citationId": item.key,
                    "citationPrefix": _inlines(item.prefix),
                    "citationSuffix": _inlines(suffix + _suffix(item.suffix)),
                    "citationMode": {"t": mode},
                    "citationNoteNum": 0,
                    "citationHash": k,
                }
            )
        return {"t": "Cite", "c": [citations, [{"t": "Str", "c": tag}]]}

    def _call_scope(self, group: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """One note scope of a note style: our notes 1..n in order, each holding its citations
        (a main-text citation is left in the text: pandoc sets it as the note itself)."""
        by_note: dict[int, list[tuple[int, int]]] = {}
        for place, n in group:
            by_note.setdefault(self.issued[n].note, []).append((place, n))
        blocks: list[dict[str, Any]] = []
        order: list[tuple[int, int]] = []
        for note in range(1, max(by_note, default=0) + 1):
            here = by_note.get(note, [])
            main = [(p, n) for p, n in here if not self.issued[n].in_note]
            inside = [(p, n) for p, n in here if self.issued[n].in_note]
            if main:
                for p, n in main:
                    blocks.append({"t": "Para", "c": [self._cite_node(self.issued[n], f"CP{p}")]})
                    order.append((p, n))
                continue
            inlines: list[dict[str, Any]] = []
            for p, n in inside:
                if inlines or not self.issued[n].initial:  # (words before it: pandoc capitalises no other)
                    inlines += [{"t": "Str", "c": "x"}, {"t": "Space"}]
                inlines.append(self._cite_node(self.issued[n], f"CP{p}"))
                order.append((p, n))
            inlines = inlines or [{"t": "Str", "c": "x"}]
            blocks.append(
                {"t": "Para", "c": [{"t": "Str", "c": "x"}, {"t": "Note", "c": [{"t": "Para", "c": inlines}]}]}
            )
        out = run(self.style, self.lang, self._refs(group, []), blocks, [])
        cites = _find(out["blocks"], "Cite")
        done = {}
        for key, c in zip(order, cites, strict=True):
            html = self._html(c["c"][1], self.issued[key[1]])
            done[key] = _capitalised(html) if self.issued[key[1]].initial else html  # (as pandoc does its own notes)
        return done

    def _bibliography(self, listed: list[str], lang: str) -> dict[str, str]:
        out = run(self.style, lang, self._refs([], listed), [], listed)
        return self._entries(out)

    def _call_doc(
        self, occurrences: list[tuple[int, int]], listed: list[str], lang: str
    ) -> tuple[dict[tuple[int, int], str], dict[str, str]]:
        """The whole document of an in-text style: every citation in order, and the entries."""
        blocks = [{"t": "Para", "c": [self._cite_node(self.issued[n], f"CP{p}")]} for p, n in occurrences]
        out = run(self.style, lang, self._refs(occurrences, listed), blocks, listed)
        cites = _find(out["blocks"], "Cite")
        done = {key: self._html(c["c"][1], self.issued[key[1]]) for key, c in zip(occurrences, cites, strict=True)}
        return done, self._entries(out)

    def _refs(self, group: Iterable[tuple[int, int]], listed: list[str]) -> list[dict[str, Any]]:
        ids = {item.key for _, n in group for item in self.issued[n].cluster.items} | set(listed)
        return [self.items[i] for i in sorted(ids) if i in self.items]

    def _entries(self, out: dict[str, Any]) -> dict[str, str]:
        entries = {}
        for refs in _find(out["blocks"], "Div"):  # (the bibliography: a Div "refs" of Divs "ref-<id>")
            for div in refs["c"][1]:
                ident = div["c"][0][0] if div.get("t") == "Div" else ""
                if ident.startswith("ref-"):
                    entries[ident[4:]] = "".join(self._block(b) for b in div["c"][1])
        return entries

    # -- pandoc's output as our HTML -----------------------------------------------------------

    def _html(self, inlines: list[dict[str, Any]], c: Issued) -> str:
        return Render(self, c.note).inlines(inlines)

    def _block(self, block: dict[str, Any]) -> str:
        if block.get("t") in ("Para", "Plain"):
            return Render(self, 0).inlines(block["c"])
        return ""


@dataclass
class Render:
    """pandoc inlines as the HTML our writer prints."""

    citations: Citations
    note: int  # the number a Note node is set under

    def inlines(self, nodes: list[dict[str, Any]]) -> str:
        return "".join(self.inline(n) for n in nodes)

    def inline(self, node: dict[str, Any]) -> str:
        t: Any = node.get("t")
        c: Any = node.get("c")
        if t == "Str":
            return html.escape(str(c), quote=False)
        if t == "Space":
            return " "
        if t in ("SoftBreak", "LineBreak"):
            return " "
        if t in ("Emph", "Strong", "Superscript", "Subscript", "SmallCaps", "Underline", "Strikeout"):
            tag = {
                "Emph": ("<em>", "</em>"),
                "Strong": ("<strong>", "</strong>"),
                "Superscript": ("<sup>", "</sup>"),
                "Subscript": ("<sub>", "</sub>"),
                "SmallCaps": ('<span class="smallcaps">', "</span>"),
                "Underline": ('<span class="underline">', "</span>"),
                "Strikeout": ("<del>", "</del>"),
            }[t]
            return tag[0] + self.inlines(c) + tag[1]
        if t == "Quoted":
            double = quotes(self.citations.lang)
            open_, close = double if c[0]["t"] == "DoubleQuote" else ("\u2018", "\u2019")
            return open_ + self.inlines(c[1]) + close
        if t == "Cite":
            return self.inlines(c[1])
        if t in ("Code", "Math", "RawInline"):
            return html.escape(str(c[1]), quote=False)
        if t == "Link":
            target = str(c[2][0])
            inner = self.inlines(c[1])
            if target.startswith("#ref-"):
                anchor = self.citations.link(target[5:])
                return f'<a class="xref" href="#{html.escape(anchor)}">{inner}</a>' if anchor else inner
            if target.lower().startswith(("http://", "https://")):
                return f'<a class="url" href="{html.escape(target)}">{inner}</a>'
            return inner
        if t == "Span":
            classes = c[0][1]
            inner = self.inlines(c[1])
            keep = [k for k in classes if k in ("csl-left-margin", "csl-right-inline", "csl-block", "csl-indent")]
            return f'<span class="{" ".join(keep)}">{inner}</span>' if keep else inner
        if t == "Note":
            body = " ".join(self.inlines(b["c"]) for b in c if b.get("t") in ("Para", "Plain"))
            return f'{JOIN}<span class="footnote" data-num="{self.note}">{body}</span>'
        return ""


def _notes_after_punctuation(text: str) -> str:
    """ "text¹." → "text.¹": a note's call after the punctuation that follows it (spaces before the call dropped)."""
    return re.sub(
        rf'\s*({JOIN}<span class="footnote" data-num="\d+">(?:(?!</span>).|<span[^>]*>.*?</span>)*?</span>)([{MOVE_BEFORE_NOTE}])',
        r"\2\1",
        text,
    )


def _capitalised(html: str) -> str:
    """``html`` with the first letter of its text a capital ("ibid" opening a note: "Ibid")."""
    m = re.search(r"(?:^|>)([^<]*?)(\w)", html)
    if m is None:
        return html
    at = m.start(2)
    return html[:at] + html[at].upper() + html[at + 1 :]


def _suffix(text: str) -> str:
    """A suffix as pandoc reads it: after a comma, unless it starts with punctuation of its own."""
    if not text.strip(" ,;:\u060c\uff0c"):
        return ""
    if text and not text.startswith((",", ";", ":", ".", " ", "\u060c", "\uff0c", "\u3001")):
        return ", " + text
    return text


def _inlines(text: str) -> list[dict[str, Any]]:
    """Plain text as pandoc inlines (Str and Space)."""
    out: list[dict[str, Any]] = []
    for k, word in enumerate(text.split(" ")):
        if k:
            out.append({"t": "Space"})
        if word:
            out.append({"t": "Str", "c": word})
    return out


def _find(node: Any, kind: str) -> list[dict[str, Any]]:
    """Nodes of type ``kind`` in document order (not inside one another)."""
    found: list[dict[str, Any]] = []

    def walk(n: Any) -> None:
        if isinstance(n, list):
            for x in n:
                walk(x)
        elif isinstance(n, dict):
            if n.get("t") == kind:
                found.append(n)
                return
            for v in n.values():
                walk(v)

    walk(node)
    return found


# -- the pandoc process ------------------------------------------------------------------------

_memo: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def pandoc_path() -> str:
    """The pandoc binary the ``pypandoc-binary`` wheel ships."""
    here = pandoc.binary()
    if here is None:
        raise CitationError(
            "citation styles need pandoc, which the pypandoc-binary package ships: pip install pypandoc-binary"
        )
    return here


def pandoc_version() -> str:
    return pandoc.version(pandoc_path())


def run(
    style: Style, lang: str, refs: list[dict[str, Any]], blocks: list[dict[str, Any]], nocite: list[str]
) -> dict[str, Any]:
    """pandoc's citeproc over a document of citations: its JSON output (kept per input)."""
    meta: dict[str, Any] = {
        "lang": {"t": "MetaInlines", "c": [{"t": "Str", "c": csl_locale(lang)}]},
        "link-citations": {"t": "MetaBool", "c": True},
        "suppress-bibliography": {"t": "MetaBool", "c": not nocite},
    }
    if nocite:
        meta["nocite"] = {
            "t": "MetaInlines",
            "c": [
                {
                    "t": "Cite",
                    "c": [
                        [
                            {
                                "citationId": rid,
                                "citationPrefix": [],
                                "citationSuffix": [],
                                "citationMode": {"t": "NormalCitation"},
                                "citationNoteNum": 0,
                                "citationHash": 0,
                            }
                            for rid in nocite
                        ],
                        [],
                    ],
                }
            ],
        }
    doc = json.dumps({"pandoc-api-version": API_VERSION, "meta": meta, "blocks": blocks}, sort_keys=True)
    refs_json = json.dumps(refs, sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256(b"\0".join([style.xml, doc.encode(), refs_json.encode()])).hexdigest()
    with _lock:
        hit = _memo.get(key)
    if hit is not None:
        return hit
    args = ["-f", "json", "-t", "json", "--citeproc", "--csl=style.csl", "--bibliography=refs.json"]
    try:
        proc = pandoc.run(
            pandoc_path(), args, doc.encode(), {"style.csl": style.xml, "refs.json": refs_json.encode()}, TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise CitationError(
            f"citation style '{style.name}': pandoc took over {TIMEOUT} s: the style is broken"
        ) from None
    except OSError as exc:
        raise CitationError(f"cannot run pandoc for the citations ({exc}): reinstall pypandoc-binary") from None
    if proc.returncode:
        detail = pandoc.last_error(proc)
        if proc.returncode == pandoc.OUT_OF_MEMORY:
            detail = "it ran out of memory (a macro that calls itself?)"
        raise CitationError(f"citation style '{style.name}': pandoc could not format the citations: {detail}")
    result: dict[str, Any] = json.loads(proc.stdout)
    with _lock:
        _memo[key] = result
    return result
