"""Citations formatted by the course's CSL style through pandoc's citeproc (#19): note styles set
footnotes with ibid and back-references counted per note scope, author–date and numeric styles
print in the text, reading lists are the style's entries, terms and dates come from the pack's
locale; a style that cannot be used is an error at its line, a hostile one is refused."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursepack.build import load_and_check, target_html
from coursepack.content.citestyle import CATALOGUE, StyleError, load_style, vet
from coursepack.errors import ContentError
from coursepack.markdown.citations import parse_cluster
from coursepack.matrix import Variant, plan_targets
from coursepack.resolve.citeproc import MARKER, CitationError, Citations

from conftest import EPOCH, FIXTURES

PALERMO = {
    "id": "palermo",
    "type": "treaty",
    "title": "Protocol to Prevent, Suppress and Punish Trafficking in Persons",
    "title-short": "Trafficking in Persons Protocol",
    "issued": {"date-parts": [[2000, 11, 15]]},
    "genre": "2237 UNTS 319",
    "author": [{"literal": "United Nations General Assembly"}],
}
GALLAGHER = {
    "id": "gallagher",
    "type": "book",
    "title": "The International Law of Human Trafficking",
    "author": [{"family": "Gallagher", "given": "Anne T."}],
    "publisher": "Cambridge University Press",
    "issued": {"date-parts": [[2010]]},
}
MANY = {
    "id": "many",
    "type": "report",
    "title": "Technology and trafficking",
    "author": [{"family": f, "given": "A."} for f in ("Latonero", "Musto", "Boyd", "Boyle", "Bissel", "Gibson", "Kim")],
    "publisher": "USC",
    "issued": {"date-parts": [[2012]]},
}
ITEMS = {i["id"]: i for i in (PALERMO, GALLAGHER, MANY)}


def _notes(style: str, lang: str, cites: list[str], scopes: list[int] | None = None) -> list[str]:
    """Each citation of the text as the style sets it in a footnote of its own, in order."""
    c = Citations(load_style(style, Path(".")), lang, ITEMS)
    scopes = scopes or [1] * len(cites)
    numbers: dict[int, int] = {}
    html = ""
    for text, scope in zip(cites, scopes, strict=True):
        numbers[scope] = numbers.get(scope, 0) + 1
        cluster = parse_cluster(text)
        assert cluster is not None
        html += f"<p>x {c.cite(cluster, scope, numbers[scope], False)}</p>"
    out = c.resolve(html)
    assert not MARKER.search(out)
    return [
        re.sub(r"<[^>]+>", "", n) for n in re.findall(r'<span class="footnote" data-num="\d+">(.*?)</span></p>', out)
    ]


def test_oscola_sets_footnotes_with_ibid_and_back_references() -> None:
    notes = _notes(
        "oscola", "en", ["@palermo, art 3", "@gallagher, p. 42", "@gallagher, p. 42", "@gallagher, p. 50", "@palermo"]
    )
    assert (
        notes[0].startswith("United Nations General Assembly, Protocol to Prevent")
        and "(15 November 2000), 2237 UNTS 319, art 3" in notes[0]
    )
    assert (
        notes[1] == "Anne T Gallagher, The International Law of Human Trafficking (Cambridge University Press 2010) 42."
    )
    assert notes[2] == "Ibid."
    assert notes[3] == "Ibid 50."
    assert "Trafficking in Persons Protocol (n 1)" in notes[4], notes[4]


def test_each_note_scope_starts_afresh() -> None:
    """A unit numbers its notes from 1: its first citation of a work is the full one, never
    "ibid" of the unit before, and "(n 1)" is this unit's note 1."""
    notes = _notes("oscola", "en", ["@gallagher, p. 1", "@palermo", "@gallagher, p. 2", "@palermo"], [1, 1, 2, 2])
    assert notes[2].startswith("Anne T Gallagher, The International Law"), notes[2]
    assert notes[3].startswith("United Nations General Assembly, Protocol"), notes[3]


@pytest.mark.parametrize(
    ("lang", "ibid", "date"),
    [
        ("fr", "Ibid.", "15 novembre 2000"),
        ("ru", "Там же.", "2000"),
        ("zh", "同上", "2000年11月15日"),
        ("ar", "المرجع السابق", "نوفمبر"),
    ],
)
def test_terms_and_dates_come_from_the_pack_s_locale(lang: str, ibid: str, date: str) -> None:
    notes = _notes("oscola", lang, ["@palermo", "@palermo"])
    assert date in notes[0], notes[0]
    assert ibid in notes[1], notes[1]


def test_et_al_is_the_locale_s_in_an_author_date_style() -> None:
    for lang, etal in (("en", "et al."), ("ru", "и др."), ("fr", "et al.")):
        c = Citations(load_style("apa", Path(".")), lang, ITEMS)
        cluster = parse_cluster("@many")
        assert cluster is not None
        out = c.resolve(c.cite(cluster, 1, 0, False))
        assert f"Latonero {etal}" in out, (lang, out)


def test_oscola_says_and_others_only_in_english() -> None:
    """(Our one change to the bundled OSCOLA: its English "and others" is no longer every language's.)"""
    c = Citations(load_style("oscola", Path(".")), "ru", ITEMS)
    entry = c.resolve(c.entry("many"))
    assert "and others" not in entry and "и др." in entry, entry


def _course(tmp_path: Path, style: str, text: str, extra: str = "") -> Path:
    root = tmp_path / "minimal"
    shutil.copytree(FIXTURES / "minimal", root)
    (root / "course.yaml").write_text(
        (root / "course.yaml").read_text(encoding="utf-8") + f"citation_style: {style}\n", encoding="utf-8"
    )
    unit = root / "units" / "first-unit.md"
    unit.write_text(unit.read_text(encoding="utf-8").replace("Fixtures keep the test suite fast.", text + extra, 1))
    return root


def _html(root: Path, edition: str = "student") -> str:
    checked = load_and_check([root])
    targets = plan_targets(checked.localized, root.parent / "out", ["en"], [edition], variants=[Variant()])
    target = next(t for t in targets if t.edition.name == edition and t.item is None)
    return target_html(target, checked, EPOCH, {} if target.edition.needs else None)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).replace("\u2060", "")


def test_a_note_style_numbers_its_notes_with_the_author_s(tmp_path: Path) -> None:
    """Citations of the text become footnotes numbered with the author's own notes; the call
    goes after the full stop; a citation in an author's note is formatted where it is."""
    root = _course(
        tmp_path, "oscola", "Fixtures keep the test suite fast [@doe-2020, p. 12].[^1] Bodies agree [@body-2019]."
    )
    (root / "units" / "first-unit.md").write_text(
        (root / "units" / "first-unit.md").read_text().replace("[^1]: Doe (2020), p. 3.", "[^1]: [@doe-2020, p. 3]."),
        encoding="utf-8",
    )
    html = _html(root)
    notes = re.findall(r'<span class="footnote" data-num="(\d+)">(.*?)</span>', html)
    texts = {n: _text(t) for n, t in notes}
    assert texts["1"] == "Jane Doe, Testing Small Things (Example Press 2020) 12.", texts
    assert texts["2"] == "Ibid 3.", texts  # (the author's note, opening with the citation: a capital, one full stop)
    assert texts["3"].startswith("Example Body, ‘A Report on Fixtures’ (2019)"), texts
    assert re.search(r'fast\.\u2060<span class="footnote" data-num="1">', html), "the call goes after the full stop"


def test_author_date_and_its_reading_list(tmp_path: Path) -> None:
    root = _course(
        tmp_path, "apa", "Fixtures keep the test suite fast [@doe-2020, p. 12]. As @doe-2020 [p. 14] says, they do."
    )
    html = _html(root)
    text = _text(html)
    assert "fast (Doe, 2020, p. 12)." in text, text
    assert "As Doe (2020, p. 14) says" in text, text
    assert "Doe, J. (2020). Testing Small Things. Example Press." in text, text
    assert re.search(r'\(<a class="xref" href="#doe-2020">Doe, 2020, p\. 12</a>\)', html), (
        "a citation links to its entry"
    )


def test_a_numeric_style_numbers_in_citation_order(tmp_path: Path) -> None:
    root = _course(
        tmp_path, "ieee", "Fixtures keep the test suite fast [@body-2019]. See also [@doe-2020, p. 3] and [@body-2019]."
    )
    text = _text(_html(root))
    assert "fast [1]. See also [2, p. 3] and [1]." in text, text
    assert re.search(r"\[2\] J\. Doe, Testing Small Things\. Example Press, 2020\.", text), text
    assert re.search(r"\[1\] Example Body, ‘A Report on Fixtures’, 2019", text), text  # (English packs: en-GB)


def test_a_zotero_export_cited_by_its_citation_key(tmp_path: Path) -> None:
    root = _course(tmp_path, "chicago-author-date", "Online recruitment [@latonero2011, 980]; see @gallagher2010.")
    data = json.loads((FIXTURES / "readings" / "zotero.json").read_text(encoding="utf-8"))
    (root / "readings" / "zotero.json").write_text(json.dumps(data[:2]), encoding="utf-8")
    (root / "units" / "first-unit.md").write_text(
        (root / "units" / "first-unit.md")
        .read_text()
        .replace("readings: [doe-2020, body-2019]", "readings: [doe-2020, body-2019, latonero2011]")
    )
    checked = load_and_check([root])
    assert "latonero2011" in checked.courses[0].readings
    text = _text(_html(root))
    assert "Online recruitment (Latonero et al. 2011, 980)" in text or "Online recruitment (Latonero" in text, text
    assert "Human Trafficking Online: The Role of Social Networking Sites and Online Classifieds" in text, text


def test_instructor_citations_never_reach_the_student_pack(tmp_path: Path) -> None:
    root = _course(
        tmp_path,
        "oscola",
        "Public [@doe-2020, p. 1].",
        "\n\n::: instructor Teaching note\nSecret [@body-2019, p. 999].\n:::\n",
    )
    student, guide = _html(root), _html(root, "instructor")
    assert "999" not in _text(student)
    assert "999" in _text(guide)


def test_an_unknown_style_is_an_error_at_its_line(tmp_path: Path) -> None:
    root = _course(tmp_path, "oscolla", "x")
    with pytest.raises(ContentError) as err:
        load_and_check([root])
    line = (root / "course.yaml").read_text().splitlines().index("citation_style: oscolla") + 1
    assert f"course.yaml:{line}:" in str(err.value) and "did you mean 'oscola'?" in str(err.value)


HOSTILE = {
    "doctype": (
        '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="note"><citation><layout>'
        '<text value="&e;"/></layout></citation></style>',
        "entity",
    ),
    "dependent": (
        '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text"><info>'
        '<link rel="independent-parent" href="http://127.0.0.1:9/apa"/></info><citation><layout/></citation></style>',
        "dependent style",
    ),
    "html": ("<html><body>not a style</body></html>", "not a CSL style"),
    "broken": (
        '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0"\n class="note"><citation>',
        "not well-formed",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_style_that_cannot_be_used_is_refused(name: str) -> None:
    data, says = HOSTILE[name]
    with pytest.raises(StyleError, match=says):
        vet(data.encode(), "styles/x.csl")


def test_a_style_that_loops_is_stopped_and_named() -> None:
    looping = (
        '<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text">'
        '<macro name="a"><text macro="a"/></macro><citation><layout><text macro="a"/></layout></citation></style>'
    )
    c = Citations(vet(looping.encode(), "styles/loop.csl"), "en", ITEMS)
    cluster = parse_cluster("@gallagher")
    assert cluster is not None
    with pytest.raises(CitationError, match=r"styles/loop\.csl"):
        c.resolve(c.cite(cluster, 1, 0, False))


def test_the_cli_reports_a_bad_style_file_at_its_line_without_a_traceback(tmp_path: Path) -> None:
    root = _course(tmp_path, "styles/ours.csl", "x")
    (root / "styles").mkdir()
    (root / "styles" / "ours.csl").write_text(HOSTILE["doctype"][0], encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "coursepack", "check", str(root)], capture_output=True, text=True)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert re.search(r"course\.yaml:\d+:\d+: styles/ours\.csl", run.stderr + run.stdout), run.stderr + run.stdout


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_bundled_style_formats_a_citation_and_an_entry(name: str) -> None:
    c = Citations(load_style(name, Path(".")), "en", ITEMS)
    cluster = parse_cluster("@gallagher, p. 42")
    assert cluster is not None
    cite, entry = c.resolve(f"{c.cite(cluster, 1, 1, False)} | {c.entry('gallagher')}").split(" | ")
    assert re.search(r"Gallagher|\d", cite) and "International Law of Human Trafficking" in entry, (cite, entry)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="[]@;{}"), max_size=20),
    suffix=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="[]@;{}"), max_size=20),
    style=st.sampled_from(["oscola", "apa", "ieee"]),
)
def test_any_prefix_and_suffix_is_formatted_never_a_crash(prefix: str, suffix: str, style: str) -> None:
    cluster = parse_cluster(f"{prefix} @gallagher, {suffix}")
    if cluster is None:
        return
    c = Citations(load_style(style, Path(".")), "fr", ITEMS)
    out = c.resolve(f"<p>{c.cite(cluster, 1, 1, False)}</p>")
    assert not MARKER.search(out) and re.sub(r"<[^>]+>", "", out).strip(), out
