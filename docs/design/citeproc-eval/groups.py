import json, re, sys, collections, os
sys.path.insert(0, ".")
from summarize import R, tally
from harness import parse_fixture, FIXTURES
run = [r for r in R if "skip" not in r]
fx = {r["name"]: parse_fixture(os.path.join(FIXTURES, r["name"] + ".txt")) for r in run}
def legal(n):
    return any(i.get("type") in ("legal_case", "legislation", "treaty", "bill", "regulation", "hearing") for i in fx[n]["input"])
def cat(*cs): return lambda n: n.split("_")[0] in cs
G = [
 ("Names (name, nameorder, nameattr)", cat("name", "nameorder", "nameattr")),
 ("Et al. (etal_*, and any fixture named *EtAl*)", lambda n: n.startswith("etal_") or re.search("etal", n, re.I) is not None),
 ("Dates (date_*)", cat("date")),
 ("Locators and labels p./pp. (locator, label, plural)", cat("locator", "label", "plural")),
 ("Page ranges (page_*)", cat("page")),
 ("Prefix / suffix (affix_*)", cat("affix")),
 ("Disambiguation (disambiguate_*)", cat("disambiguate")),
 ("Ibid / subsequent / near-note (position_*)", cat("position")),
 ("Sorting (sort_*)", cat("sort")),
 ("Cite grouping and ranges, [@a; @b] (collapse_*)", cat("collapse")),
 ("Localized terms (locale_*)", cat("locale")),
 ("Rich text in fields (flipflop, quotes, textcase)", cat("flipflop", "quotes", "textcase")),
 ("Legal types in INPUT (legal_case, legislation)", legal),
 ("Full styles and bug reports (fullstyles, bugreports)", cat("fullstyles", "bugreports")),
 ("Bibliography-mode fixtures (all groups)", lambda n: fx[n]["mode"] == "bibliography"),
 ("Citation-mode fixtures (all groups)", lambda n: fx[n]["mode"] == "citation"),
]
print("| feature group | fixtures | citeproc-py | pandoc (strict) | pandoc, note-initial capital ignored | citeproc-py, text only | pandoc, text only |")
print("|---|---:|---:|---:|---:|---:|---:|")
def row(label, rows):
    n, c = tally(rows)
    print(f"| {label} | {n} | {c['pym']} | {c['pandocm']} | {c['pandocc']} | {c['pyt']} | {c['pandoct']} |")
for label, pred in G:
    row(label, [r for r in run if pred(r["name"])])
row("**Whole suite (humans/)**", run)
if "-v" in sys.argv:
    for label, pred in G:
        rows = [r for r in run if pred(r["name"])]
        print("\n#", label)
        print("  py fails:", " ".join(r["name"] for r in rows if not r["py"]["markup"]))
        print("  pandoc fails (cap-folded):", " ".join(r["name"] for r in rows if not r["pandoc"]["cap"]))
