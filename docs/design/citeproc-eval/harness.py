"""Run CSL test-suite fixtures through citeproc-py (in process) and pandoc --citeproc (subprocess).

Usage: venv/bin/python harness.py [glob] [--verbose]   -> writes results.json
"""
from __future__ import annotations

import glob
import html
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "processor-tests", "humans")
PANDOC = os.path.join(HERE, "pandoc")

warnings.simplefilter("ignore")


# ---------------------------------------------------------------- fixtures
SEC_RE = re.compile(r"^>>=+\s*([A-Z-]+)\s*=+>>\s*$")
END_RE = re.compile(r"^<<=+\s*([A-Z-]+)\s*=+<<\s*$")


def parse_fixture(path: str) -> dict:
    data: dict = {}
    cur = None
    buf: list[str] = []
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            line = line.rstrip("\n")
            m = SEC_RE.match(line)
            if m and cur is None:
                cur, buf = m.group(1).lower(), []
                continue
            m = END_RE.match(line)
            if m and cur is not None:
                data[cur] = "\n".join(buf)
                cur = None
                continue
            if cur is not None:
                buf.append(line)
    out = {"name": os.path.basename(path)[:-4], "mode": data["mode"].strip(), "result": data["result"],
           "csl": data["csl"], "input": json.loads(data["input"])}
    out["category"] = out["name"].split("_")[0]
    out["citation_items"] = json.loads(data["citation-items"]) if "citation-items" in data else None
    out["citations"] = json.loads(data["citations"]) if "citations" in data else None
    for i, ref in enumerate(out["input"]):
        ref.setdefault("id", f"ITEM-{i}")
        ref["id"] = str(ref["id"])
        ref.setdefault("type", "book")
    return out


def citations_of(fx: dict) -> list[dict]:
    """A list of {items: [...], note: int} in document order (jgm/citeproc's reading of the fixture)."""
    if fx["citations"]:
        cits = []
        for entry in fx["citations"]:
            c = entry[0]
            cits.append({"id": c.get("citationID"), "items": c["citationItems"],
                         "note": (c.get("properties") or {}).get("noteIndex", 0)})
        # later citations with the same id replace earlier ones
        out = []
        for i, c in enumerate(cits):
            if c["id"] and any(d["id"] == c["id"] for d in cits[i + 1:]):
                continue
            out.append(c)
        return out
    if fx["citation_items"]:
        return [{"id": None, "items": items, "note": 0} for items in fx["citation_items"]]
    if fx["mode"] == "citation":
        return [{"id": None, "items": [{"id": r["id"]} for r in fx["input"]], "note": 0}]
    return [{"id": None, "items": [{"id": r["id"]}], "note": 0} for r in fx["input"]]


def expected_lines(fx: dict) -> list[str]:
    res = fx["result"]
    if fx["mode"].startswith("bibliography"):
        return split_bib(res)
    lines = res.split("\n")
    if fx["citations"]:
        lines = [re.sub(r"^(\.\.|>>)\[\d+\]\s?", "", l) for l in lines]
    return lines


def split_bib(res: str) -> list[str]:
    res = res.strip()
    res = re.sub(r'^<div class="csl-bib-body"[^>]*>', "", res)
    res = re.sub(r"</div>\s*$", "", res)
    chunks = re.split(r'<div class="csl-entry"[^>]*>', res)[1:]
    out = []
    for ch in chunks:
        ch = re.sub(r"(\s*</div>\s*)$", "", ch.strip())
        out.append(ch)
    return out


# ---------------------------------------------------------------- normalising
CANON = {"i": "i", "em": "i", "b": "b", "strong": "b", "sup": "sup", "sub": "sub", "u": "u"}


def norm(s: str) -> tuple[str, str]:
    """(markup-level, text-level) normal forms of an HTML fragment."""
    out = []
    stack: list[str | None] = []
    pos = 0
    for m in re.finditer(r"<(/?)([a-zA-Z]+)([^>]*)>", s):
        out.append(s[pos:m.start()])
        pos = m.end()
        closing, tag, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if tag == "br":
            out.append(" ")
            continue
        if not closing:
            canon = CANON.get(tag)
            if tag == "span" or tag == "sc":
                if "small-caps" in attrs or tag == "sc":
                    canon = "sc"
                elif "underline" in attrs:
                    canon = "u"
                elif "font-style:italic" in attrs:
                    canon = "i"
                elif "font-weight:bold" in attrs:
                    canon = "b"
            if tag == "div":
                out.append(" ")
            stack.append(canon)
            if canon:
                out.append(f"<{canon}>")
        else:
            canon = stack.pop() if stack else None
            if tag == "div":
                out.append(" ")
            if canon:
                out.append(f"</{canon}>")
    out.append(s[pos:])
    t = "".join(out)
    t = html.unescape(t)
    t = re.sub(r"\s+", " ", t).strip()
    for tag in ("i", "b", "sc", "sup", "sub", "u"):
        t = t.replace(f"</{tag}><{tag}>", "").replace(f"<{tag}></{tag}>", "")
    text = re.sub(r"</?(i|b|sc|sup|sub|u)>", "", t)
    text = re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()
    return t, text


# ---------------------------------------------------------------- citeproc-py
def run_citeproc_py(fx: dict) -> list[str]:
    from citeproc import CitationStylesBibliography, CitationStylesStyle
    from citeproc.formatter import html as fhtml
    from citeproc.source import Citation, CitationItem, Locator
    from citeproc.source.json import CiteProcJSON

    style = CitationStylesStyle(io.BytesIO(fx["csl"].encode("utf-8")), validate=False)
    source = CiteProcJSON(json.loads(json.dumps(fx["input"])))
    bib = CitationStylesBibliography(style, source, fhtml)
    cits = []
    for c in citations_of(fx):
        items = []
        for it in c["items"]:
            opts = {}
            if "locator" in it:
                opts["locator"] = Locator(it.get("label", "page"), str(it["locator"]))
            for k in ("prefix", "suffix"):
                if k in it:
                    opts[k] = it[k]
            items.append(CitationItem(str(it["id"]), **opts))
        cit = Citation(items)
        cits.append(cit)
        bib.register(cit)
    if style.has_bibliography():
        bib.sort()
    if fx["mode"] == "citation":
        return [str(bib.cite(c, lambda x: None)) for c in cits]
    for c in cits:  # positions etc. as a real document would
        bib.cite(c, lambda x: None)
    return [str(e) for e in bib.bibliography()]


# ---------------------------------------------------------------- pandoc
LABEL_TERM = {  # en-US short forms, as pandoc's locator parser reads them
    "page": "p.", "book": "bk.", "chapter": "chap.", "column": "col.", "figure": "fig.", "folio": "fol.",
    "issue": "no.", "number": "no.", "line": "l.", "note": "n.", "opus": "op.", "paragraph": "para.",
    "part": "pt.", "section": "sec.", "sub-verbo": "s.v.", "sub verbo": "s.v.", "verse": "v.",
    "volume": "vol.", "act": "act", "appendix": "app.", "article": "art.", "canon": "can.",
    "elocation": "loc.", "equation": "eq.", "rule": "r.", "scene": "sc.", "table": "tbl.",
    "timestamp": "", "title": "tit.", "supplement": "supp.",
}


def _plain(text: str) -> list:
    out = []
    for part in re.split(r"( +)", text):
        if part:
            out.append({"t": "Space"} if part.startswith(" ") else {"t": "Str", "c": part})
    return out


AST_TAG = {"i": "Emph", "em": "Emph", "b": "Strong", "sc": "SmallCaps", "sup": "Superscript", "sub": "Subscript"}


def inlines(text: str) -> list:
    """Affix text (which may hold <i>, <b>, <sc>, <sup>, <sub>) as pandoc inlines."""
    root: list = []
    stack = [root]
    pos = 0
    for m in re.finditer(r"<(/?)(i|em|b|sc|sup|sub)>", text):
        stack[-1].extend(_plain(text[pos:m.start()]))
        pos = m.end()
        if m.group(1):
            if len(stack) > 1:
                stack.pop()
        else:
            node = {"t": AST_TAG[m.group(2)], "c": []}
            stack[-1].append(node)
            stack.append(node["c"])
    stack[-1].extend(_plain(text[pos:]))
    return root


LOCALES = os.path.join(HERE, "locales")
_TERM_CACHE: dict = {}


def label_terms(csl: str) -> dict:
    """label -> the short singular term pandoc's locator parser will recognise in this style's locale."""
    from lxml import etree
    root = etree.fromstring(csl.encode("utf-8"))
    ns = {"cs": "http://purl.org/net/xbiblio/csl"}
    lang = root.get("default-locale") or "en-US"
    terms = dict(LABEL_TERM)
    candidates = [lang, {"en": "en-US", "fr": "fr-FR", "de": "de-DE", "es": "es-ES"}.get(lang[:2], lang)]
    for cand in candidates:
        path = os.path.join(LOCALES, f"locales-{cand}.xml")
        if os.path.exists(path):
            if path not in _TERM_CACHE:
                _TERM_CACHE[path] = etree.parse(path).getroot()
            roots = [_TERM_CACHE[path]]
            break
    else:
        roots = []
    roots += root.findall("cs:locale", ns)  # the style's own locale overrides
    for r in roots:
        for t in r.iter("{http://purl.org/net/xbiblio/csl}term"):
            name, form = t.get("name"), t.get("form", "long")
            if name in LABEL_TERM and form == "short":
                single = t.find("cs:single", ns)
                text = single.text if single is not None else t.text
                if text:
                    terms[name] = text.strip()
    return terms


def pandoc_doc(fx: dict) -> dict:
    terms = label_terms(fx["csl"])
    blocks = []
    cits = citations_of(fx)
    note_groups: dict[int, list] = {}
    for n, c in enumerate(cits):
        pcs = []
        for it in c["items"]:
            suffix = ""
            if "locator" in it:
                term = terms.get(it.get("label", "page"), it.get("label", "page"))
                suffix = ", {" + (term + " " if term else "") + str(it["locator"]) + "}"
            elif it.get("suffix"):
                suffix = "{}"
            suffix += it.get("suffix", "")
            mode = "NormalCitation"
            if it.get("suppress-author"):
                mode = "SuppressAuthor"
            if it.get("author-only"):
                mode = "AuthorInText"
            pcs.append({"citationId": str(it["id"]), "citationPrefix": inlines(it.get("prefix", "")),
                        "citationSuffix": inlines(suffix), "citationMode": {"t": mode},
                        "citationNoteNum": 0, "citationHash": 0})
        cite = {"t": "Cite", "c": [pcs, [{"t": "Str", "c": f"CITE{n}"}]]}
        if c["note"]:
            if c["note"] in note_groups:
                note_groups[c["note"]].extend([{"t": "Space"}, cite])
                continue
            group = [cite]
            note_groups[c["note"]] = group
            blocks.append({"t": "Para", "c": [{"t": "Str", "c": "x"},
                                              {"t": "Note", "c": [{"t": "Para", "c": group}]}]})
        else:
            blocks.append({"t": "Para", "c": [cite]})
    return {"pandoc-api-version": [1, 23, 1, 1], "meta": {}, "blocks": blocks}


def render(node, marks: frozenset = frozenset()) -> str:
    """Render pandoc AST inlines/blocks to the small HTML dialect norm() understands.

    pandoc's citeproc writes CSL flip-flop (italic inside italic = roman) as nested Emph, which its
    LaTeX writer sets upright; an inner mark of a kind already open is therefore rendered as no mark.
    """
    if isinstance(node, list):
        return "".join(render(n, marks) for n in node)
    t, c = node.get("t"), node.get("c")
    esc = html.escape
    if t == "Str":
        return esc(c, quote=False)
    if t == "Space":
        return " "
    if t in ("SoftBreak", "LineBreak"):
        return "\n"
    if t == "Emph":
        return render(c, marks) if "i" in marks else f"<i>{render(c, marks | {'i'})}</i>"
    if t == "Strong":
        return render(c, marks) if "b" in marks else f"<b>{render(c, marks | {'b'})}</b>"
    if t == "Underline":
        return render(c, marks) if "u" in marks else f"<u>{render(c, marks | {'u'})}</u>"
    if t == "SmallCaps":
        return render(c, marks) if "sc" in marks else f"<sc>{render(c, marks | {'sc'})}</sc>"
    if t == "Superscript":
        return render(c, marks) if "sup" in marks else f"<sup>{render(c, marks | {'sup'})}</sup>"
    if t == "Subscript":
        return render(c, marks) if "sub" in marks else f"<sub>{render(c, marks | {'sub'})}</sub>"
    if t == "Strikeout":
        return render(c)
    if t == "Quoted":
        q = ("“", "”") if c[0]["t"] == "DoubleQuote" else ("‘", "’")
        return q[0] + render(c[1]) + q[1]
    if t == "Cite":
        return render(c[1])
    if t in ("Code", "Math", "RawInline"):
        return esc(c[1], quote=False)
    if t == "Link":
        return render(c[1])
    if t == "Image":
        return render(c[1])
    if t == "Span":
        return render(c[1])
    if t == "Note":
        return render(c)
    if t in ("Para", "Plain"):
        return render(c)
    if t == "Div":
        return " ".join(f"<div>{render(b)}</div>" for b in c[1])
    return ""


def find(node, pred, acc):
    if isinstance(node, list):
        for n in node:
            find(n, pred, acc)
    elif isinstance(node, dict):
        if pred(node):
            acc.append(node)
            return acc
        for v in node.values():
            find(v, pred, acc)
    return acc


def run_pandoc(fx: dict, tmp: str) -> list[str]:
    csl = os.path.join(tmp, "s.csl")
    refs = os.path.join(tmp, "r.json")
    with open(csl, "w", encoding="utf-8") as f:
        f.write(fx["csl"])
    with open(refs, "w", encoding="utf-8") as f:
        json.dump(fx["input"], f)
    p = subprocess.run([PANDOC, "-f", "json", "-t", "json", "--citeproc", "--csl", csl, "--bibliography", refs],
                       input=json.dumps(pandoc_doc(fx)), capture_output=True, text=True, timeout=60)
    if p.returncode:
        raise RuntimeError(p.stderr.strip()[:300])
    doc = json.loads(p.stdout)
    if fx["mode"] == "citation":
        cites = find(doc["blocks"], lambda n: n.get("t") == "Cite", [])
        return [render(c["c"][1]) for c in cites]
    refdivs = find(doc["blocks"], lambda n: n.get("t") == "Div" and n["c"][0][0].startswith("ref-"), [])
    return [" ".join(render(b) for b in d["c"][1]) for d in refdivs]


# ---------------------------------------------------------------- main
def compare(exp: list[str], got: list[str], mode: str = "bibliography") -> tuple[bool, bool]:
    if mode == "citation":  # a layout delimiter may itself be a newline: compare the joined text, lines kept
        exp = [l for l in "\n".join(exp).split("\n") if l.strip()]
        got = [l for l in "\n".join(got).split("\n") if l.strip()]
    e = [norm(x) for x in exp]
    g = [norm(x) for x in got]
    return [a[0] for a in e] == [a[0] for a in g], [a[1] for a in e] == [a[1] for a in g]


def main():
    pattern = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "*"
    verbose = "--verbose" in sys.argv
    results = []
    tmp = tempfile.mkdtemp(prefix="csl-")
    for path in sorted(glob.glob(os.path.join(FIXTURES, pattern + ".txt"))):
        fx = parse_fixture(path)
        row = {"name": fx["name"], "category": fx["category"], "mode": fx["mode"]}
        if fx["mode"] not in ("citation", "bibliography"):
            row["skip"] = fx["mode"]
            results.append(row)
            continue
        exp = expected_lines(fx)
        for eng, fn in (("py", lambda: run_citeproc_py(fx)), ("pandoc", lambda: run_pandoc(fx, tmp))):
            t0 = time.perf_counter()
            try:
                got = fn()
                m, t = compare(exp, got, fx["mode"])
                row[eng] = {"markup": m, "text": t, "got": got}
            except Exception as e:  # noqa: BLE001
                row[eng] = {"markup": False, "text": False, "error": f"{type(e).__name__}: {e}"[:300]}
            row[eng]["s"] = round(time.perf_counter() - t0, 4)
        row["expected"] = exp
        results.append(row)
        if verbose:
            print(fx["name"], {k: (row[k]["markup"], row[k]["text"]) for k in ("py", "pandoc")}, flush=True)
            for k in ("py", "pandoc"):
                if not row[k]["markup"]:
                    print("   EXP", [norm(x)[0] for x in exp])
                    print("   ", k, row[k].get("error") or [norm(x)[0] for x in row[k]["got"]])
    out = os.path.join(HERE, "results.json" if pattern == "*" else "results-partial.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
