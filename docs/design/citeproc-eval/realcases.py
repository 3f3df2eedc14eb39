"""Real citations of the sample course's kind, through both processors.  -> real-cases.md"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PANDOC, find, render  # noqa: E402

warnings.simplefilter("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
STYLES = os.path.join(HERE, "styles")

REFS = [
    {"id": "palermo", "type": "treaty",
     "title": "Protocol to Prevent, Suppress and Punish Trafficking in Persons, Especially Women and Children, "
              "supplementing the United Nations Convention against Transnational Organized Crime",
     "title-short": "Palermo Protocol", "issued": {"date-parts": [[2000, 11, 15]]},
     "genre": "2237 UNTS 319", "author": [{"literal": "United Nations General Assembly"}]},
    {"id": "rantsev", "type": "legal_case", "title": "Rantsev v Cyprus and Russia", "title-short": "Rantsev",
     "authority": "ECtHR", "number": "App no 25965/04", "issued": {"date-parts": [[2010, 1, 7]]}},
    {"id": "rantsev-ehrr", "type": "legal_case", "title": "Rantsev v Cyprus and Russia", "title-short": "Rantsev",
     "container-title": "EHRR", "volume": "51", "page": "1", "issued": {"date-parts": [[2010]]}},
    {"id": "gallagher2010", "type": "book", "title": "The International Law of Human Trafficking",
     "author": [{"family": "Gallagher", "given": "Anne T."}], "publisher": "Cambridge University Press",
     "publisher-place": "Cambridge", "issued": {"date-parts": [[2010]]}},
    {"id": "gallagher2001", "type": "article-journal",
     "title": "Human Rights and the New UN Protocols on Trafficking and Migrant Smuggling: A Preliminary Analysis",
     "author": [{"family": "Gallagher", "given": "Anne T."}], "container-title": "Human Rights Quarterly",
     "volume": "23", "issue": "4", "page": "975-1004", "issued": {"date-parts": [[2001]]}},
    {"id": "latonero2012", "type": "report",
     "title": "The Rise of Mobile and the Diffusion of Technology-Facilitated Trafficking",
     "author": [{"family": f, "given": g} for f, g in [("Latonero", "Mark"), ("Musto", "Jennifer"),
                                                         ("Boyd", "Zhaleh"), ("Boyle", "Ev"), ("Bissel", "Amber"),
                                                         ("Gibson", "Kari"), ("Kim", "Joanne")]],
     "publisher": "USC Annenberg Center on Communication Leadership & Policy", "publisher-place": "Los Angeles",
     "issued": {"date-parts": [[2012]]}},
    {"id": "boister2016", "type": "chapter", "title": "The UN and Transnational Organised Crime",
     "author": [{"family": "Boister", "given": "Neil"}], "editor": [{"family": "Rodley", "given": "Nigel"}],
     "container-title": "Handbook (illustrative)", "page": "35-60", "publisher": "Publisher",
     "issued": {"date-parts": [[2016]]}},
]

# (key, label, locator) per note; each list is one footnote / one citation
NOTE_SEQ = [
    [("palermo", "article-locator", "3")],
    [("rantsev", "paragraph", "282")],
    [("gallagher2010", "page", "42")],
    [("gallagher2010", "page", "42")],   # ibid
    [("gallagher2010", "page", "50")],   # ibid with another pinpoint
    [("palermo", "article-locator", "5")],  # subsequent: short form + (n 1)
    [("gallagher2010", "page", "12")],   # subsequent: author (n 3) 12
    [("gallagher2001", "", ""), ("rantsev-ehrr", "", "")],
    [("latonero2012", "page", "7")],
]

LABEL_EN = {"page": "p.", "paragraph": "para.", "article-locator": "art.", "chapter": "ch."}


def py_run(style_file: str, locale: str | None, seq, bib=True):
    from citeproc import CitationStylesBibliography, CitationStylesStyle
    from citeproc.formatter import html as fhtml
    from citeproc.source import Citation, CitationItem, Locator
    from citeproc.source.json import CiteProcJSON

    try:
        style = CitationStylesStyle(style_file, locale=locale, validate=False)
    except Exception as e:  # noqa: BLE001
        return [f"ERROR {type(e).__name__}: {e}"], []
    b = CitationStylesBibliography(style, CiteProcJSON(json.loads(json.dumps(REFS))), fhtml)
    cits = []
    for items in seq:
        c = Citation([CitationItem(k, **({"locator": Locator(lab, loc)} if loc else {}), **(rest[0] if rest else {}))
                      for k, lab, loc, *rest in items])
        b.register(c)
        cits.append(c)
    b.sort()
    out = []
    for c in cits:
        try:
            out.append(str(b.cite(c, lambda x: None)))
        except Exception as e:  # noqa: BLE001
            out.append(f"ERROR {type(e).__name__}: {e}")
    try:
        bibl = [str(x) for x in b.bibliography()] if bib else []
    except Exception as e:  # noqa: BLE001
        bibl = [f"ERROR {type(e).__name__}: {e}"]
    return out, bibl


def pandoc_run(style_file: str, lang: str | None, seq, markdown_cites: list[str] | None = None):
    refs = os.path.join(HERE, "real-refs.json")
    with open(refs, "w", encoding="utf-8") as f:
        json.dump(REFS, f, ensure_ascii=False)
    if markdown_cites is None:
        markdown_cites = []
        for items in seq:
            parts = []
            for k, lab, loc in items:
                parts.append(f"@{k}" + (f", {LABEL_EN.get(lab, lab)} {loc}" if loc else ""))
            markdown_cites.append("[" + "; ".join(parts) + "]")
    md = "\n\n".join(f"Sentence {i + 1} {c}." for i, c in enumerate(markdown_cites))
    args = [PANDOC, "-f", "markdown", "-t", "json", "--citeproc", "--csl", style_file, "--bibliography", refs]
    if lang:
        args += ["-M", f"lang={lang}"]
    p = subprocess.run(args, input=md, capture_output=True, text=True)
    if p.returncode:
        return [f"ERROR {p.stderr[:300]}"], []
    doc = json.loads(p.stdout)
    cites = find(doc["blocks"], lambda n: n.get("t") == "Cite", [])
    refdivs = find(doc["blocks"], lambda n: n.get("t") == "Div" and n["c"][0][0].startswith("ref-"), [])
    return ([render(c["c"][1]) for c in cites],
            [" ".join(render(b) for b in d["c"][1]) for d in refdivs] + ([p.stderr.strip()] if p.stderr.strip() else []))


def main():
    out = io.StringIO()
    w = lambda s="": out.write(s + "\n")  # noqa: E731
    oscola = os.path.join(STYLES, "oscola.csl")
    w("# Real cases\n")
    w("## OSCOLA footnotes (en-GB)\n")
    py_c, py_b = py_run(oscola, None, NOTE_SEQ)
    pd_c, pd_b = pandoc_run(oscola, None, NOTE_SEQ)
    w("| n | citeproc-py | pandoc |\n|---|---|---|")
    for i, (a, b) in enumerate(zip(py_c, pd_c)):
        w(f"| {i + 1} | {a} | {b} |")
    w("\n### Bibliography (OSCOLA, en-GB)\n")
    w("citeproc-py:\n")
    for x in py_b:
        w(f"- {x}")
    w("\npandoc:\n")
    for x in pd_b:
        w(f"- {x}")

    for style in ("oscola", "chicago-notes-bibliography", "apa"):
        for lang in ("fr-FR", "ru-RU", "zh-CN", "ar"):
            sf = os.path.join(STYLES, style + ".csl")
            seq = NOTE_SEQ[:5] if style != "apa" else [[("gallagher2010", "page", "42")], [("latonero2012", "", "")],
                                                      [("gallagher2001", "", ""), ("gallagher2010", "", "")]]
            py_c, py_b = py_run(sf, lang, seq)
            pd_c, pd_b = pandoc_run(sf, lang, seq)
            w(f"\n## {style}, {lang}\n")
            w("| | citeproc-py | pandoc |\n|---|---|---|")
            for i, (a, b) in enumerate(zip(py_c, pd_c)):
                w(f"| cite {i + 1} | {a} | {b} |")
            for i in range(max(len(py_b), len(pd_b))):
                a = py_b[i] if i < len(py_b) else ""
                b = pd_b[i] if i < len(pd_b) else ""
                w(f"| bib {i + 1} | {a} | {b} |")

    # author-date syntax the issue asks for
    w("\n## Author-date syntax (APA, en-US)\n")
    md = ["[@gallagher2010]", "[-@gallagher2010]", "@gallagher2010", "@gallagher2010 [p. 42]",
          "[@gallagher2010, p. 42]", "[@gallagher2010, pp. 42-45]", "[see @gallagher2010, ch. 3; also @gallagher2001]",
          "[@latonero2012]", "[@palermo, art. 3]", "[@rantsev, para. 282]"]
    pd_c, _ = pandoc_run(os.path.join(STYLES, "apa.csl"), None, None, md)
    w("| markdown | pandoc | citeproc-py |\n|---|---|---|")
    from citeproc.source import Locator
    seqs = [[("gallagher2010", "", "")], None, None, None, [("gallagher2010", "page", "42")],
            [("gallagher2010", "page", "42-45")],
            [("gallagher2010", "chapter", "3", {"prefix": "see "}), ("gallagher2001", "", "", {"prefix": "also "})],
            [("latonero2012", "", "")],
            [("palermo", "article-locator", "3")], [("rantsev", "paragraph", "282")]]
    py_c, _ = py_run(os.path.join(STYLES, "apa.csl"), None, [s for s in seqs if s])
    it = iter(py_c)
    for m, p, s in zip(md, pd_c, seqs):
        w(f"| `{m}` | {p} | {next(it) if s else '(no API for suppress-author / author-in-text)'} |")
    import html as _h
    text = _h.unescape(out.getvalue())
    with open(os.path.join(HERE, "real-cases.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
