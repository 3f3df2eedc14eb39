"""Cost per call: pandoc process vs citeproc-py in process, ~100 citations, OSCOLA + APA."""
import json, os, statistics, subprocess, sys, time, warnings
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
warnings.simplefilter("ignore")
from realcases import REFS, HERE, STYLES, PANDOC
refs = []
for i in range(6):
    for r in REFS:
        r = json.loads(json.dumps(r)); r["id"] = f"{r['id']}-{i}"; refs.append(r)
keys = [r["id"] for r in refs]
cites = [(keys[(i * 5) % len(keys)], "page" if i % 3 else None, str(10 + i)) for i in range(100)]
rf = os.path.join(HERE, "bench-refs.json"); json.dump(refs, open(rf, "w"))
md = "\n\n".join(f"Text {i}[@{k}{', p. ' + loc if lab else ''}]." for i, (k, lab, loc) in enumerate(cites))

def pandoc(style, text):
    subprocess.run([PANDOC, "-f", "markdown", "-t", "json", "--citeproc", "--csl", style, "--bibliography", rf],
                   input=text, capture_output=True, text=True, check=True)

def py(style_path):
    from citeproc import CitationStylesBibliography, CitationStylesStyle
    from citeproc.formatter import html
    from citeproc.source import Citation, CitationItem, Locator
    from citeproc.source.json import CiteProcJSON
    st = CitationStylesStyle(style_path, validate=False)
    b = CitationStylesBibliography(st, CiteProcJSON(json.loads(json.dumps(refs))), html)
    cs = []
    for k, lab, loc in cites:
        c = Citation([CitationItem(k, **({"locator": Locator(lab, loc)} if lab else {}))]); b.register(c); cs.append(c)
    b.sort()
    out = [str(b.cite(c, lambda x: None)) for c in cs]
    return out, [str(x) for x in b.bibliography()]

def t(fn, n=5):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

rows = []
for name in ("oscola", "apa", "chicago-notes-bibliography"):
    sp = os.path.join(STYLES, name + ".csl")
    rows.append((name, t(lambda: pandoc(sp, "Nothing cited.")), t(lambda: pandoc(sp, "One [@" + keys[0] + "].")),
                 t(lambda: pandoc(sp, md)), t(lambda: py(sp))))
print("| style | pandoc, no citation (start-up + style) | pandoc, 1 citation | pandoc, 100 citations + bibliography | citeproc-py, 100 citations + bibliography (style parse included) |")
print("|---|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {r[1]*1000:.0f} ms | {r[2]*1000:.0f} ms | {r[3]*1000:.0f} ms | {r[4]*1000:.0f} ms |")
t0 = time.perf_counter(); subprocess.run([PANDOC, "--version"], capture_output=True); print(f"\npandoc --version: {(time.perf_counter()-t0)*1000:.0f} ms")
