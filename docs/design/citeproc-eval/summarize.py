import json, re, sys, collections
sys.path.insert(0, ".")
from harness import norm
R = json.load(open("results.json"))

def capfold(s):
    # ignore the case of the first letter (pandoc capitalises a citation that opens a footnote)
    m = re.search(r"[^\W\d_]", s)
    return s if not m else s[:m.start()] + s[m.start()].lower() + s[m.end():]

def cap_ok(r, e):
    if r[e]["markup"]: return True
    if "error" in r[e]: return False
    ex, got = r["expected"], r[e]["got"]
    if r["mode"] == "citation":
        ex = [l for l in "\n".join(ex).split("\n") if l.strip()]; got = [l for l in "\n".join(got).split("\n") if l.strip()]
    a = [capfold(norm(x)[0]) for x in ex]; b = [capfold(norm(x)[0]) for x in got]
    return a == b

for r in R:
    if "skip" in r: continue
    for e in ("py", "pandoc"):
        r[e]["cap"] = cap_ok(r, e)

def tally(rows):
    c = collections.Counter()
    for r in rows:
        for e in ("py", "pandoc"):
            c[e+"m"] += r[e]["markup"]; c[e+"c"] += r[e]["cap"]; c[e+"t"] += r[e]["text"]; c[e+"err"] += "error" in r[e]
    return len(rows), c

def line(label, rows):
    n, c = tally(rows)
    return f"| {label} | {n} | {c['pym']} | {c['pyt']} | {c['pandocm']} | {c['pandocc']} | {c['pandoct']} |"

if __name__ == "__main__":
    run = [r for r in R if "skip" not in r]
    print("| category | fixtures | citeproc-py markup | citeproc-py text | pandoc markup | pandoc markup, note capital ignored | pandoc text |")
    print("|---|---|---|---|---|---|---|")
    bycat = collections.defaultdict(list)
    for r in run: bycat[r["category"]].append(r)
    for cat in sorted(bycat): print(line(cat, bycat[cat]))
    print(line("ALL", run))
