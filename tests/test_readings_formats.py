"""Reading lists from the files lecturers already have: BibTeX (.bib) and CSL-JSON (.json), as
JabRef, Zotero, Mendeley and Better BibTeX write them, read into the same readings as YAML."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coursepack.build import load_and_check, target_html
from coursepack.cli import main
from coursepack.content import readingfiles
from coursepack.content.load import load_course
from coursepack.content.localize import localize
from coursepack.content.model import Reading
from coursepack.content.readingfiles import parse_reading_file, reading_id
from coursepack.content.translation import start
from coursepack.errors import Diagnostics
from coursepack.matrix import Variant, plan_targets

from conftest import EPOCH, FIXTURES

READINGS = FIXTURES / "readings"


def _read(path: Path, text: str | None = None) -> tuple[dict[str, Reading], list[str], dict[str, int]]:
    """(readings by id, every diagnostic as 'line:col: [warning: ]message', the line of each id)."""
    diags = Diagnostics()
    got = parse_reading_file(path, path.read_text(encoding="utf-8") if text is None else text, diags)
    said = [str(d).split(":", 1)[1] for d in diags.errors + diags.warnings]
    return {e.reading.id: e.reading for e in got.entries}, said, {e.reading.id: e.line for e in got.entries}


def _course(tmp_path: Path, files: dict[str, str]) -> Path:
    """The minimal fixture with its reading list replaced by ``files`` (name → text)."""
    course = tmp_path / "course"
    shutil.copytree(FIXTURES / "minimal", course)
    (course / "readings" / "list.yaml").unlink()
    for name, text in files.items():
        (course / "readings" / name).write_text(text, encoding="utf-8")
    return course


MINIMAL_BIB = """\
@book{doe-2020,
  author = {Doe, Jane},
  title = {Testing Small Things},
  publisher = {Example Press},
  year = {2020},
  annotation = {A short book about small tests.},
}

@techreport{body-2019,
  author = {{Example Body}},
  title = {A Report on Fixtures},
  year = 2019,
  url = {https://example.org/report},
  keywords = {advanced},
}
"""


# ---------------------------------------------------------------------------
# What each format gives


def test_a_jabref_bibtex_file_reads_into_readings() -> None:
    readings, said, lines = _read(READINGS / "jabref.bib")
    assert said == []
    article = readings["gallagher2001"]  # (the key Gallagher2001, as an id)
    assert article.type == "article" and article.authors == ["Gallagher, Anne T."] and article.year == 2001
    assert (
        article.title
        == "Human Rights and the New UN Protocols on Trafficking and Migrant Smuggling: A Preliminary Analysis"
    )
    assert article.container == "Human Rights Quarterly"  # (an @string)
    assert (article.volume, article.issue, article.pages) == ("23", "4", "975–1004")
    assert article.url == "https://doi.org/10.1353/hrq.2001.0049"  # (the DOI, as an address)
    assert article.level == "advanced"  # (a keyword)
    assert article.csl["id"] == "Gallagher2001" and article.csl["type"] == "article-journal"
    assert article.csl["title"] == (
        'Human Rights and the New <span class="nocase">UN</span> Protocols on Trafficking and Migrant Smuggling: '
        "A Preliminary Analysis"
    )
    assert article.csl["DOI"] == "10.1353/hrq.2001.0049"
    assert "owner" not in article.csl and "timestamp" not in article.csl
    book = readings["gallagher2010"]
    assert book.publisher == "Cambridge University Press" and book.level == "core"
    assert book.annotation == "The standard account of the Palermo Protocol."
    assert book.csl["publisher-place"] == "Cambridge" and book.csl["ISBN"] == "978-0-521-19107-5"
    report = readings["unodc2020"]
    assert report.type == "report"
    assert report.authors == ["United Nations Office on Drugs and Crime"]  # one body, not two people
    assert report.csl["author"] == [{"literal": "United Nations Office on Drugs and Crime"}]
    assert report.publisher == "United Nations"  # (the institution)
    assert report.url == "https://www.unodc.org/documents/data-and-analysis/tip/2021/GLOTiP_2020_15jan_web.pdf"
    assert report.csl["issued"] == {"date-parts": [[2020, 1]]}  # (month = jan)
    chapter = readings["muller2019"]
    assert chapter.type == "chapter"
    assert chapter.authors == ["Müller, Jörg", "van der Berg, René", "Daño, María", "others"]
    assert chapter.csl["author"][1] == {"family": "Berg", "given": "René", "non-dropping-particle": "van der"}
    assert chapter.title == "Études sur la traite des êtres humains"
    assert chapter.container == "Handbook of European Criminal Law"
    assert chapter.level == "advanced"  # (a line 'level: advanced' in the note)
    assert "note" not in chapter.csl
    assert chapter.csl["editor"] == [{"family": "Smith", "given": "Alice"}, {"family": "Jones", "given": "Bob"}]
    assert lines == {"gallagher2001": 6, "gallagher2010": 20, "unodc2020": 30, "muller2019": 40}


def test_a_zotero_bibtex_export_reads_into_readings() -> None:
    readings, said, _ = _read(READINGS / "zotero.bib")
    assert said == []
    web = readings["latonero-technology-2011"]
    assert web.title == "Human Trafficking Online: The Role of Social Networking Sites and Online Classifieds"
    assert web.publisher == "USC Annenberg Center on Communication Leadership & Policy"  # (\&)
    assert web.url == "https://papers.ssrn.com/sol3/papers.cfm?abstract_id=2045851"
    assert web.csl["accessed"] == {"date-parts": [[2024, 1, 15]]} and web.csl["issued"] == {"date-parts": [[2011, 9]]}
    assert "file" not in web.csl
    article = readings["beck-doing-2017"]
    assert article.title == "Doing research on Sex Work: 50% of what?"  # (\% is a per cent sign)
    assert article.url == "https://example.org/a_b~c%20d"  # an address is not LaTeX: kept as written
    assert article.authors == ["Beck, Daniel", "O'Brien, Erin", "King, Martin Luther, Jr."]
    assert article.csl["language"] == "en" and article.csl["DOI"] == "10.1000/xyz-123"


def test_a_zotero_csl_json_export_reads_into_readings() -> None:
    text = (READINGS / "zotero.json").read_text(encoding="utf-8")
    assert "\t" in text and max(len(line) for line in text.splitlines()) > 3000  # as Zotero writes it
    readings, said, lines = _read(READINGS / "zotero.json")
    assert said == []
    book = readings["bdqrts3t"]  # (a Zotero item's URI: its key)
    assert book.csl["id"] == "http://zotero.org/users/96641/items/BDQRTS3T"
    assert book.year == 2010 and book.authors == ["Gallagher, Anne T."] and book.type == "book"
    assert book.level == "advanced" and book.annotation == "The standard account of the Palermo Protocol."
    assert book.csl["note"] == "tex.ids: gallagher2010"  # (the lines read are taken out)
    article = readings["latonero2011"]
    assert article.title == "Human trafficking online: the role of social networking sites and online classifieds"
    assert article.csl["title"].count("<i>") == 1  # (its rich text kept for citation styles)
    assert article.url == "https://doi.org/10.14197/atr.201219"
    assert (article.volume, article.issue, article.pages, article.container) == (
        "12",
        2,
        "975-1004",
        "Anti-Trafficking Review",
    )
    assert readings["k7xw2p9a"].authors == ["United Nations Office on Drugs and Crime"]
    assert readings["k7xw2p9a"].year == 2021
    chapter = readings["ivanova2019"]
    assert chapter.title == "Торговля людьми в цифровую эпоху" and chapter.authors == ["Иванова, Мария"]
    assert chapter.year == 2019 and chapter.level == "advanced"  # ({"raw": "2019-03"}; a keyword)
    case = readings["rantsev2010"]
    assert case.type == "instrument" and case.annotation == "The leading case on states' duties."
    assert case.csl["authority"] == "ECtHR" and "annote" not in case.csl
    assert lines == {"bdqrts3t": 3, "latonero2011": 30, "k7xw2p9a": 74, "ivanova2019": 96, "rantsev2010": 120}


def test_reading_ids_from_citation_keys() -> None:
    assert reading_id("Gallagher2010") == "gallagher2010"
    assert reading_id("doe:2001") == "doe-2001"
    assert reading_id("Müller_2019") == "muller-2019"
    assert reading_id("http://zotero.org/users/1/items/ABCD1234") == "abcd1234"
    assert reading_id("中文") == ""


# ---------------------------------------------------------------------------
# Problems, each at its line, each saying what to do


def test_bibtex_problems_are_reported_at_their_lines(tmp_path: Path) -> None:
    bib = tmp_path / "refs.bib"
    text = """\
@book{good-one, author = {Doe, Jane}, title = {Fine}, year = 2001}

@article{no-title,
  author = {Doe, Jane},
  year = {2002},
}

@article{no-year,
  author = {Doe, Jane},
  title = {Undated},
}

@article{broken,
  author = {Doe, Jane},
  title = {Missing its closing brace,
  year = {2003},

@misc{after-broken, author = {Roe, Richard}, title = {Still read}, year = {2004}}
@weird{odd-type, author = {Roe, Richard}, title = {Odd}, year = {2005}}
@book{bad-year,
  author = {Roe, Richard},
  title = {Forthcoming},
  year = {forthcoming},
}
@book{no-author, title = {Anonymous}, year = {2006}}
@book{macro, author = {Roe, Richard}, title = {Macro}, journal = nosuchstring, year = {2007}}
@book{bad-level, author = {Roe, Richard}, title = {Level}, year = {2008},
  level = {intermediate}}
"""
    readings, said, _ = _read(bib, text)
    assert set(readings) == {"good-one", "after-broken", "odd-type", "macro"}
    assert readings["odd-type"].type == "report" and readings["odd-type"].csl["type"] == "document"
    assert said == [
        "3:1: entry 'no-title' has no title: add title = {The title}",
        "8:1: entry 'no-year' has no year: add year = {2010}",
        "13:1: BibTeX: this entry is not closed when the next one starts (line 18): check its braces, quotes and "
        "commas (each field is name = {value}, and the entry ends with })",
        "23:1: entry 'bad-year': year 'forthcoming' is not a year: write it as four digits, year = {2010}",
        "25:1: entry 'no-author' has no author (nor an editor): add author = {Doe, Jane and Roe, Richard}, or a "
        "body in double braces, author = {{United Nations Office on Drugs and Crime}}",
        "28:1: entry 'bad-level': level 'intermediate' is neither core nor advanced: write one",
        "19:1: warning: entry 'odd-type': unknown entry type '@weird', read as a report: use @article, @book, "
        "@incollection, @techreport, @online or another BibTeX type",
        "26:1: warning: entry 'macro': 'nosuchstring' in journal is not defined by an @string: define it, or put "
        "the text in braces",
    ]


def test_csl_json_problems_are_reported_at_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "refs.json"
    items = [
        {
            "id": "fine",
            "type": "book",
            "title": "Fine",
            "author": [{"literal": "A Body"}],
            "issued": {"date-parts": [[2001]]},
        },
        "not an item",
        {"id": "no-title", "type": "book", "author": [{"family": "Doe"}], "issued": {"date-parts": [[2002]]}},
        {"id": "bad-name", "type": "book", "title": "T", "author": ["Doe, Jane"], "issued": {"date-parts": [[2003]]}},
        {"id": "bad-year", "type": "book", "title": "T", "author": [{"family": "Doe"}], "issued": {"raw": "n.d."}},
        {"type": "book", "title": "No id"},
        {
            "id": "odd",
            "type": "scroll",
            "title": "T",
            "author": [{"family": "Doe"}],
            "issued": {"date-parts": [[2004]]},
        },
    ]
    readings, said, _ = _read(path, json.dumps(items, indent=2))
    assert set(readings) == {"fine", "odd"}
    assert said == [
        '19:3: item 2 is not an object: each item is {"id": ..., "type": ..., ...}',
        '21:11: item \'no-title\' has no "title": add "title" (in Zotero or Mendeley, fill in the field and export again)',
        '41:7: item \'bad-name\': name 1 of "author" must be {"family": "Doe", "given": "Jane"} or {"literal": "United Nations"}',
        "60:15: item 'bad-year': \"issued\" does not say a year from 1000 to 2100: write the year as four digits",
        '64:3: item 6 has no "id": give it one (Better BibTeX writes the citation key)',
        "70:13: warning: item 'odd': unknown type 'scroll', read as a report: use a CSL type (\"article-journal\", "
        '"book", "chapter", "report", "webpage", ...)',
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"items": [{"id": "a"}]}', '1:1: a CSL JSON file is a list of items, [{...}, {...}] (its "items" key'),
        ('[\n  {"id": "a",\n  "type": "book"\n  "title": "x"}\n]', "4:3: not valid JSON (Expecting ',' delimiter)"),
        ("[]", "1:1: warning: the file has no items"),
        ("[" * 100_000 + "]" * 100_000, "1:1: JSON nested too deeply to read"),
    ],
)
def test_a_json_file_that_is_not_a_list_of_items_says_so(tmp_path: Path, text: str, expected: str) -> None:
    readings, said, _ = _read(tmp_path / "refs.json", text)
    assert not readings
    assert len(said) == 1 and said[0].startswith(expected), said


def test_an_id_defined_twice_names_the_other_file_and_line(tmp_path: Path) -> None:
    course = _course(
        tmp_path,
        {
            "a.bib": MINIMAL_BIB + "\n@book{Doe-2020, author = {Doe, J.}, title = {Again}, year = 2021}\n",
            "b.json": json.dumps(
                [
                    {
                        "id": "body-2019",
                        "type": "report",
                        "title": "T",
                        "author": [{"literal": "B"}],
                        "issued": {"raw": "2019"},
                    }
                ],
                indent="\t",
            ),
            "c.yaml": "- id: doe-2020\n  authors: [Someone]\n  year: 2020\n  title: Third\n",
        },
    )
    diags = Diagnostics()
    loaded = load_course(course, diags)
    assert loaded is not None
    said = sorted(str(d).replace(str(course) + "/", "") for d in diags.errors)
    assert said == [
        "readings/a.bib:17:1: duplicate id 'doe-2020' (first defined at a.bib:1): ids must be unique in a course",
        "readings/b.json:3:9: duplicate id 'body-2019' (first defined at a.bib:9): ids must be unique in a course",
        "readings/c.yaml:1:7: duplicate id 'doe-2020' (first defined at a.bib:1): ids must be unique in a course",
    ]
    assert loaded.readings["doe-2020"].title == "Testing Small Things"  # (the first one)


def test_files_of_other_reference_formats_are_named_not_read(tmp_path: Path) -> None:
    course = _course(tmp_path, {"refs.bib": MINIMAL_BIB, "more.ris": "TY  - BOOK\n", "list.yml": "[]\n"})
    diags = Diagnostics()
    load_course(course, diags)
    said = [str(d).replace(str(course) + "/", "") for d in diags.warnings]
    assert (
        "readings/more.ris:1:1: warning: readings/ is read for .yaml, .bib and .json files: this file is not read: export the references as BibTeX (.bib) or CSL JSON (.json) instead"
        in said
    )
    assert (
        "readings/list.yml:1:1: warning: readings/ is read for .yaml, .bib and .json files: this file is not read: rename it with .yaml at the end"
        in said
    )


# ---------------------------------------------------------------------------
# Hostile files: bounded, and answered with a message


HOSTILE = {
    "10,000 nested braces": "@article{deep, author = {A, B}, year = 2000, title = "
    + "{" * 10_000
    + "x"
    + "}" * 10_000
    + "}\n",
    "10,000 unclosed braces": "@article{open, title = " + "{" * 10_000 + "x\n",
    "an unterminated entry": "@article{x, author = {A, B}, year = 2000, title = {abc" + " word" * 300_000,
    "an '@' in every byte": "@a{" * 600_000,
    "a field of a megabyte": "@book{long, author = {A, B}, year = 2000, title = {" + "\\'e" * 330_000 + "}}",
    "LaTeX in every field": "".join(
        f"@book{{k{i}, author = {{A, B}}, year = 2000, title = {{{chr(92)}'e{'{' + chr(92) + chr(34) + 'u}' * 120}}}}}\n"
        for i in range(4_000)
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_bib_file_is_answered_quickly_with_a_message(tmp_path: Path, name: str) -> None:
    text = HOSTILE[name]
    assert len(text.encode()) <= 2 * 1024 * 1024  # (what the jail lets through)
    began = time.monotonic()
    _, said, _ = _read(tmp_path / "hostile.bib", text)
    assert time.monotonic() - began < 15, "the parser must be bounded"
    assert said, "a hostile file is reported"
    assert all(": " in line for line in said)


def test_the_latex_decoded_in_one_file_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readingfiles, "MAX_DECODED_CHARS", 50)
    entries = "".join(f'@book{{k{i}, author = {{M{{\\"u}}ller, J}}, title = {{T}}, year = 2000}}\n' for i in range(10))
    readings, said, _ = _read(tmp_path / "refs.bib", entries)
    assert len(readings) == 3  # (16 characters of LaTeX each)
    assert said == [
        "4:1: the file has more LaTeX to decode than coursepack reads in one file (50 characters): split it into "
        "several .bib files"
    ]


def test_broken_reading_files_give_messages_not_tracebacks(tmp_path: Path) -> None:
    course = _course(
        tmp_path,
        {
            "refs.bib": MINIMAL_BIB
            + "@book{deep, title = "
            + "{" * 1000
            + "}" * 1000
            + "}\n@book{x, title = {unclosed\n",
            "more.json": '[{"id": 1, "type": "book", "title": ["not text"], "issued": {"date-parts": "2000"}}, 7]',
            "empty.json": "",
        },
    )
    result = CliRunner().invoke(main, ["check", str(course)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    out = result.output.replace(str(course) + "/", "")
    assert "readings/refs.bib:16:1: entry 'deep': title has braces nested deeper than 20 levels" in out
    assert "readings/refs.bib:17:1: BibTeX: the file ends before this entry is closed" in out
    assert "readings/more.json:1:37: item '1': \"title\" must be text, in quotes" in out
    assert "readings/more.json:1:86: item 2 is not an object" in out
    assert "readings/empty.json:1:1: warning: the file is empty" in out
    assert "reading 'doe-2020' not found" not in out


# ---------------------------------------------------------------------------
# A course whose readings are a .bib file builds its reading list; a translation translates it


def test_a_course_with_only_a_bib_file_builds_its_reading_list(tmp_path: Path) -> None:
    course = _course(tmp_path, {"refs.bib": MINIMAL_BIB, "jabref.bib": (READINGS / "jabref.bib").read_text()})
    checked = load_and_check([course])
    targets = plan_targets(checked.localized, tmp_path / "out", ["en"], ["reading-list"], variants=[Variant()])
    target = next(t for t in targets if t.edition.name == "reading-list")
    html = target_html(target, checked, EPOCH)
    text = re.sub(r"<[^>]+>", "", html)
    assert "Doe, Jane (2020). Testing Small Things. Example Press.A short book about small tests." in text
    assert "Example Body (2019). A Report on Fixtures. https://example.org/report" in text
    assert (
        "Müller, Jörg, van der Berg, René, Daño, María et al. (2019). Études sur la traite des êtres humains. "
        "In Handbook of European Criminal Law, pp. 101–130. Hart." in text
    )
    assert "United Nations Office on Drugs and Crime (2020). Global Report on Trafficking in Persons 2020." in text
    assert "Gallagher, Anne T. (2001). Human Rights and the New UN Protocols" in text
    assert 'href="https://doi.org/10.1353/hrq.2001.0049"' in html
    advanced = html[html.index("Advanced reading") :]
    assert all(f'id="{rid}"' in advanced for rid in ("body-2019", "gallagher2001", "muller2019"))


def test_a_translation_translates_the_annotations_of_a_bib_file(tmp_path: Path) -> None:
    course = _course(tmp_path, {"refs.bib": MINIMAL_BIB})
    meta = course / "course.yaml"
    meta.write_text(meta.read_text() + "languages: [en, fr]\n")
    diags = Diagnostics()
    source = load_course(course, diags)
    assert source is not None and not diags.errors
    created = start(source, "fr")
    assert "created   readings/refs.bib.yaml" in created
    tfile = course / "translations" / "fr" / "readings" / "refs.bib.yaml"
    assert tfile.read_text() == "- id: doe-2020\n  annotation: A short book about small tests.\n- id: body-2019\n"
    tfile.write_text("- id: doe-2020\n  annotation: Un petit livre sur les petits tests.\n")
    french, fallbacks = localize(source, "fr", diags)
    assert not diags.errors
    assert french.readings["doe-2020"].annotation == "Un petit livre sur les petits tests."
    assert source.readings["doe-2020"].annotation == "A short book about small tests."
    assert not [f for f in fallbacks if f.path == "readings/refs.bib"]
    checked = load_and_check([course], langs=["fr"])
    assert not [w for w in checked.diags.warnings if "refs.bib.yaml" in str(w)]  # (it translates refs.bib)


# ---------------------------------------------------------------------------
# Any valid CSL-JSON loads


CSL_TYPE = st.sampled_from(sorted(readingfiles.CSL_TYPES))
WORD = st.text(st.characters(categories=("L",), exclude_characters="\u0130"), min_size=1, max_size=12)
NAME = st.one_of(
    st.fixed_dictionaries({"family": WORD, "given": WORD}),
    st.fixed_dictionaries({"family": WORD}),
    st.fixed_dictionaries({"literal": st.lists(WORD, min_size=1, max_size=5).map(" ".join)}),
    st.fixed_dictionaries({"family": WORD, "given": WORD, "non-dropping-particle": st.sampled_from(["van", "de"])}),
)
YEAR = st.integers(1000, 2100)
ISSUED = st.one_of(
    st.builds(lambda y, rest: {"date-parts": [[y, *rest]]}, YEAR, st.lists(st.integers(1, 12), max_size=2)),
    st.builds(lambda y: {"date-parts": [[str(y)]]}, YEAR),
    st.builds(lambda y: {"raw": f"{y}-03"}, YEAR),
)
KEY = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,10}([:_.-][A-Za-z0-9]{1,8}){0,2}", fullmatch=True)
ITEM = st.fixed_dictionaries(
    {
        "type": CSL_TYPE,
        "title": st.lists(WORD, min_size=1, max_size=8).map(" ".join),
        "author": st.lists(NAME, min_size=1, max_size=4),
        "issued": ISSUED,
    },
    optional={
        "container-title": st.lists(WORD, min_size=1, max_size=4).map(" ".join),
        "volume": st.one_of(st.integers(1, 999), st.from_regex(r"[0-9]{1,3}", fullmatch=True)),
        "page": st.from_regex(r"[0-9]{1,4}-[0-9]{1,4}", fullmatch=True),
        "DOI": st.from_regex(r"10\.[0-9]{4}/[a-z0-9.]{1,12}", fullmatch=True),
        "note": st.sampled_from(["level: advanced", "annotation: Read it.", "Some note"]),
        "abstract": st.text(max_size=300),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=st.lists(KEY, min_size=1, max_size=6, unique_by=reading_id),
    items=st.lists(ITEM, min_size=6, max_size=6),
    indent=st.sampled_from(["\t", 2, None]),
    ascii_only=st.booleans(),
)
def test_any_valid_csl_json_loads_and_keeps_its_ids(
    keys: list[str], items: list[dict[str, object]], indent: str | int | None, ascii_only: bool
) -> None:
    data = [{"id": key, **item} for key, item in zip(keys, items, strict=False)]
    text = json.dumps(data, indent=indent, ensure_ascii=ascii_only)
    diags = Diagnostics()
    got = parse_reading_file(Path("refs.json"), text, diags)
    assert not diags.errors, [str(d) for d in diags.errors]
    assert [e.reading.id for e in got.entries] == [reading_id(k) for k in keys]
    assert [e.reading.csl["id"] for e in got.entries] == keys  # the key as written, for citations
    for entry, item in zip(got.entries, data, strict=True):
        assert entry.reading.title == item["title"]
        assert len(entry.reading.authors) == len(item["author"])  # type: ignore[arg-type]


def test_only_what_a_reading_prints_must_be_in_the_fonts(tmp_path: Path) -> None:
    """An export holds much that is never printed (abstracts, file paths): a character no font has
    is an error only where it is printed, at its entry."""
    items = [
        {"id": "fine", "type": "book", "title": "Fine", "author": [{"literal": "A Body"}], "issued": {"raw": "2001"},
         "abstract": "Emoji in an abstract: \U0001f600"},
        {"id": "boxes", "type": "book", "title": "Emoji in a title \U0001f600", "author": [{"literal": "A Body"}],
         "issued": {"raw": "2002"}},
    ]  # fmt: skip
    course = _course(tmp_path, {"refs.bib": MINIMAL_BIB, "more.json": json.dumps(items, indent="\t")})
    result = CliRunner().invoke(main, ["check", str(course)])
    out = result.output.replace(str(course) + "/", "")
    assert result.exit_code == 1
    assert out.startswith("readings/more.json:17:9: reading 'boxes': characters not covered by the fonts for 'en'")
    assert "U+1F600" in out and out.count("not covered") == 1
