"""A pack typeset as parts and stitched reads exactly like the same pack typeset as one document."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from pdfua import Confidence, Severity, validate

from benchmarks import benchgen
from coursepack.build import Options, build
from coursepack.cli import main
from coursepack.engine.parts import split as parts
from coursepack.matrix import Variant

from conftest import EPOCH, FIXTURES
from pdfutil import bookmarks, metadata, page_texts

STUDENT = "bench-40p-s1/en/student"


def _words(path: Path) -> list[list[str]]:
    """Each page's words, in any order (the page number is drawn last in a stitched page)."""
    return [sorted(text.split()) for text in page_texts(path)]


def _links(path: Path) -> tuple[int, set[str], set[str]]:
    """Internal links, their targets, and the named destinations."""
    with pikepdf.Pdf.open(path) as pdf:
        names = {str(n) for n in list(pdf.Root.Names.Dests.Names)[::2]} if "/Names" in pdf.Root else set()
        targets = [str(a.Dest) for page in pdf.pages for a in page.obj.get("/Annots", []) if "/Dest" in a]
    return len(targets), set(targets), names


def _build(course: Path, out: Path, **kw: object) -> object:
    report = build([course], Options(out, editions=["student"], jobs=2, strict=True, epoch=EPOCH, **kw))  # type: ignore[arg-type]
    assert not report.failures, report.failures
    return report


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return benchgen.generate(tmp_path_factory.mktemp("bench") / "course", 40)


@pytest.fixture(scope="module")
def pair(course: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The 40-page synthetic course (cross-references everywhere) built both ways."""
    out = tmp_path_factory.mktemp("parts")
    stitched = _build(course, out / "parts")
    parts_count = max(b.parts for b in stitched.built)  # type: ignore[attr-defined]
    assert parts_count >= 4
    # each part laid out once (no layout pass before the real one), one furniture document, and
    # at most one part typeset again because its guessed digit counts were wrong
    assert stitched.documents <= parts_count + 2  # type: ignore[attr-defined]
    _build(course, out / "single", single=True)
    return out / "parts" / f"{STUDENT}.pdf", out / "single" / f"{STUDENT}.pdf"


def _same_reading(stitched: Path, single: Path) -> None:
    """Page for page the same words: every page number, every "p. N", every line, every note.

    (WeasyPrint 70 once dropped, in the single render, a footnote carried over to the last
    page of a chapter when that page alone was laid out again; the engine patch ``footnote-repagination`` keeps it.)
    """
    ours, theirs = _words(stitched), _words(single)
    assert len(ours) == len(theirs)
    for number, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        missing, extra = Counter(b) - Counter(a), Counter(a) - Counter(b)
        assert a == b, f"page {number}: only in the single render {sorted(missing)}, only stitched {sorted(extra)}"


def test_same_pages_text_and_numbers(pair: tuple[Path, Path]) -> None:
    _same_reading(*pair)


def test_same_outline_and_metadata(pair: tuple[Path, Path]) -> None:
    stitched, single = pair
    assert bookmarks(stitched) == bookmarks(single)
    assert metadata(stitched) == metadata(single)


def test_links_resolve_like_the_single_document(pair: tuple[Path, Path]) -> None:
    stitched, single = pair
    count, targets, names = _links(stitched)
    assert (count, targets) == _links(single)[:2]
    assert count > 50 and targets <= names


def test_stitched_pack_keeps_pdf_ua(pair: tuple[Path, Path]) -> None:
    report = validate(str(pair[0]))
    certain = [f for f in report.findings if f.confidence == Confidence.CERTAIN and f.severity >= Severity.WARNING]
    assert not certain, [(f.rule_id, f.message) for f in certain]
    with pikepdf.Pdf.open(pair[0]) as pdf:
        tree = pdf.Root.StructTreeRoot
        assert len(tree.K) == 1 and tree.K[0].S == "/Document"
        keys = [int(k) for k in list(tree.ParentTree.Nums)[::2]]
        assert keys == sorted(set(keys)) and int(tree.ParentTreeNextKey) == keys[-1] + 1
        assert {int(p.obj.StructParents) for p in pdf.pages if "/StructParents" in p.obj} <= set(keys)


def test_numbers_that_gain_a_digit_are_typeset_again_and_read_right(tmp_path: Path) -> None:
    """A pack that ends just past page 9: its cited pages' digit counts are guessed wrong, the
    parts are typeset again (some while the others are still in flight), and the stitched
    pack still reads exactly like the single render, contents and "p. N" included."""
    course = benchgen.generate(tmp_path / "course", 10)
    stitched = _build(course, tmp_path / "parts")
    built = stitched.built[0]  # type: ignore[attr-defined]
    assert built.pages >= 10 and built.retypeset >= 1, (built.pages, built.retypeset)
    _build(course, tmp_path / "single", single=True)
    name = "bench-10p-s1/en/student.pdf"
    _same_reading(tmp_path / "parts" / name, tmp_path / "single" / name)
    assert page_texts(tmp_path / "parts" / name) == page_texts(tmp_path / "single" / name)


def test_a_plan_that_does_not_settle_is_never_stitched_from_stale_parts() -> None:
    """A part whose numbers still have the wrong digit counts after its last allowed render:
    the pack is not complete (it goes to the single-document path), whatever else is done."""
    from coursepack.engine.parts.plan import MAX_RENDERS, Pack
    from coursepack.engine.typeset import TypesetResult

    body = "<p>" + "word " * 4400 + "</p>"  # about 22,000 characters: a part of its own
    html = (
        "<!DOCTYPE html><html><head></head><body>"
        '<p id="front"><a class="pageref" href="#c">see</a></p>'
        f'{parts.MARK}<section id="b">{body}</section>{parts.MARK}<section id="c">{body}</section>'
        "</body></html>"
    )
    split = parts.split(html)
    assert split is not None and len(split.segments) == 3
    pack = Pack(split, recto=False)
    jobs = pack.next_jobs()
    for job in jobs:
        pack.started(job)
    lengths = {0: 1, 1: 120, 2: 5}  # the front matter was typeset citing a 2-digit page; c is on 122
    for job in jobs:
        anchor = split.segments[job.index].name
        pack.accept(job, TypesetResult(b"", lengths[job.index], {anchor: 1}, page_names=["x"] * lengths[job.index]))
    assert pack.next_jobs(), "the front matter must be typeset again with three digits"
    pack.renders[0] = MAX_RENDERS
    assert not pack.complete and pack.unstable


def test_edits_retypeset_only_what_they_change(course: Path, tmp_path: Path) -> None:
    work = tmp_path / "course"
    shutil.copytree(course, work)
    out = tmp_path / "out"
    _build(work, out)
    again = _build(work, out)
    assert again.documents == 0 and all(b.cached for b in again.built)  # type: ignore[attr-defined]

    edited = benchgen.edit_unit(work, grow=False)
    one_word = _build(work, out)
    assert one_word.documents == 1, "one part, same pages: nothing else is typeset"  # type: ignore[attr-defined]

    benchgen.edit_unit(work, grow=True)
    grown = _build(work, out)
    built = grown.built[0]  # type: ignore[attr-defined]
    assert built.pages > one_word.built[0].pages  # type: ignore[attr-defined]
    # the grown part and the page furniture from there on: the other parts' page numbers are written in
    assert grown.documents <= 3 < built.parts  # type: ignore[attr-defined]
    _build(work, tmp_path / "single", single=True)
    _same_reading(out / f"{STUDENT}.pdf", tmp_path / "single" / f"{STUDENT}.pdf")
    assert edited.is_file()


def _pixels(path: Path) -> list[bytes]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [bytes(page.render(scale=0.5).to_pil().convert("L").tobytes()) for page in pdf]
    finally:
        pdf.close()


def test_print_shop_two_sided_parts_look_the_same(course: Path, tmp_path: Path) -> None:
    """Blank versos before parts, bleed, crop marks and mirrored page numbers, as in a single render."""
    variant = [Variant(duplex=True, print_shop=True)]
    _build(course, tmp_path / "parts", variants=variant)
    _build(course, tmp_path / "single", variants=variant, single=True)
    name = f"{STUDENT}-duplex-print.pdf"
    ours, theirs = tmp_path / "parts" / name, tmp_path / "single" / name
    _same_reading(ours, theirs)
    assert bookmarks(ours) == bookmarks(theirs)
    words = _words(ours)
    assert any(not page for page in words), "two-sided packs have blank versos"
    same = [a == b for a, b in zip(words, _words(theirs), strict=True)]
    for number, (a, b) in enumerate(zip(_pixels(ours), _pixels(theirs), strict=True), start=1):
        if same[number - 1]:
            differing = sum(x != y for x, y in zip(a, b, strict=True))
            assert differing <= len(a) // 1000, f"page {number}: {differing} pixels differ"


def test_plan_pads_parts_to_a_right_hand_page() -> None:
    layouts = [parts.Layout(3, {"a": 1}), parts.Layout(4, {"b": 2}), parts.Layout(1, {"c": 1})]
    one_sided = parts.plan(layouts, recto=False)
    assert one_sided.starts == [1, 4, 8] and one_sided.pages == {"a": 1, "b": 5, "c": 8}
    two_sided = parts.plan(layouts, recto=True)
    assert two_sided.pads == [False, True, False] and two_sided.starts == [1, 5, 9] and two_sided.total == 9


def test_length_estimate_counts_lines_not_characters() -> None:
    """A first guess of a part's pages: short blocks fill whole lines, figures take room, CJK is wide."""
    prose = "<p>" + "word " * 44 + "</p>"  # 220 characters: two lines
    items = "<ul>" + "<li>item</li>" * 10 + "</ul>"  # 40 characters, ten lines
    assert parts.lines(prose) == pytest.approx(2 + parts.BLOCK_LINES)
    assert parts.lines(items) > 4 * parts.lines(prose)
    figure = '<figure><img src="a.svg" alt="A"><figcaption>Figure 1</figcaption></figure>'
    assert parts.lines(figure) >= parts.IMAGE_LINES + 1
    assert parts.lines("<p>" + "中" * 60 + "</p>") == parts.lines("<p>" + "a" * 120 + "</p>")
    assert parts.lines("<h2>Title</h2>") == pytest.approx(1 + parts.BLOCK_LINES + parts.HEADING_LINES)


def test_shards_split_the_matrix_and_manifests_merge(tmp_path: Path) -> None:
    runner = CliRunner()
    course = str(FIXTURES / "bilingual")
    for k in (1, 2):
        args = ["build", course, "--edition", "student", "--shard", f"{k}/2", "-o", str(tmp_path / f"s{k}")]
        result = runner.invoke(main, args, env={"SOURCE_DATE_EPOCH": str(EPOCH)})
        assert result.exit_code == 0, result.output
    shares = [json.loads((tmp_path / f"s{k}" / "manifest.json").read_text())["artefacts"] for k in (1, 2)]
    paths = [{a["path"] for a in share} for share in shares]
    assert paths[0] and paths[1] and not paths[0] & paths[1]

    merged = tmp_path / "manifest.json"
    result = runner.invoke(
        main,
        [
            "manifest",
            "merge",
            str(tmp_path / "s1/manifest.json"),
            str(tmp_path / "s2/manifest.json"),
            "-o",
            str(merged),
        ],
    )
    assert result.exit_code == 0, result.output
    assert {a["path"] for a in json.loads(merged.read_text())["artefacts"]} == paths[0] | paths[1]

    clash = json.loads((tmp_path / "s2/manifest.json").read_text())
    clash["artefacts"][0]["path"] = shares[0][0]["path"]
    (tmp_path / "clash.json").write_text(json.dumps(clash))
    result = runner.invoke(
        main, ["manifest", "merge", str(tmp_path / "s1/manifest.json"), str(tmp_path / "clash.json")]
    )
    assert result.exit_code == 1
    assert "clash.json" in result.output and "differs from the same file" in result.output

    result = runner.invoke(main, ["build", course, "--shard", "3/2"])
    assert result.exit_code == 2 and "--shard" in result.output


def test_an_empty_shard_writes_an_empty_manifest(tmp_path: Path) -> None:
    """More shards than families of targets: the empty shard still writes a manifest, so the
    CI job that merges every shard's manifest works."""
    runner = CliRunner()
    course = str(FIXTURES / "minimal")
    out = tmp_path / "s3"
    result = runner.invoke(main, ["build", course, "--edition", "reading-list", "--shard", "3/3", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["artefacts"] == []


def test_a_single_render_leaves_the_parts_layout_for_the_next_build(pair: tuple[Path, Path]) -> None:
    """So a pack first built whole is next built by parts with the right digit counts at once."""
    stitched, single = pair

    def record(pdf: Path) -> object:
        out = pdf.parents[2]
        return json.loads((out / ".cache" / (STUDENT.replace("/", "__") + ".json")).read_text())["parts"]

    assert record(single) == record(stitched)


def test_numbers_in_proportional_figures_are_typeset_in_place(course: Path, tmp_path: Path) -> None:
    """Digits of unequal widths cannot be written into a typeset part: those parts are typeset with them."""
    work = tmp_path / "course"
    shutil.copytree(course, work)
    (work / "templates").mkdir(exist_ok=True)
    (work / "templates" / "extra.css").write_text(
        "a.pageref::after, nav.toc a::after { font-variant-numeric: proportional-nums oldstyle-nums; }\n"
    )
    _build(work, tmp_path / "parts")
    _build(work, tmp_path / "single", single=True)
    _same_reading(tmp_path / "parts" / f"{STUDENT}.pdf", tmp_path / "single" / f"{STUDENT}.pdf")


def test_a_stitching_failure_keeps_the_previous_pdf(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    _build(course, out)
    before = (out / f"{STUDENT}.pdf").read_bytes()

    def broken(*args: object, **kw: object) -> bytes:
        raise pikepdf.PdfError("damaged part")

    monkeypatch.setattr("coursepack.engine.parts.stitch.stitch", broken)
    report = build([course], Options(out, editions=["student"], jobs=2, epoch=EPOCH, use_cache=False))
    assert len(report.failures) == 1 and not report.built
    assert "stitching the parts failed (PdfError: damaged part); the previous PDF was kept" in report.failures[0]
    assert (out / f"{STUDENT}.pdf").read_bytes() == before


def test_page_numbers_the_stitcher_cannot_find_are_an_error_never_zeros(
    course: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if a new engine wrote its marked content in a way the tokenizer pass does not know:
    the part's layout says how many numbers it prints, none is found, the build fails in one
    line naming the part and keeps the previous PDF (it never ships "p. 00")."""
    out = tmp_path / "out"
    _build(course, out)
    before = (out / f"{STUDENT}.pdf").read_bytes()
    monkeypatch.setattr("coursepack.engine.parts.pagerefs._shown", lambda instructions, fonts: {})
    report = build([course], Options(out, editions=["student"], jobs=2, epoch=EPOCH, use_cache=False))
    assert len(report.failures) == 1 and not report.built
    failure = report.failures[0]
    assert "page number(s) but 0 were found in its PDF (they would print as zeros)" in failure, failure
    assert "\n" not in failure and "the previous PDF was kept" in failure
    assert (out / f"{STUDENT}.pdf").read_bytes() == before


def test_the_handouts_and_the_exercise_booklet_typeset_each_sheet_once(tmp_path: Path) -> None:
    """Each exercise is one document, typeset once for its handout and the booklet (a cold
    build), and each reads the same as a single render of that edition; the booklet keeps its
    own title, outline and page numbers."""
    course, editions = FIXTURES / "bilingual", ["handouts", "exercise-booklet"]
    shared = build(
        [course], Options(tmp_path / "shared", langs=["fr"], editions=editions, jobs=2, use_cache=False, epoch=EPOCH)
    )
    single = build(
        [course],
        Options(
            tmp_path / "single", langs=["fr"], editions=editions, jobs=2, use_cache=False, epoch=EPOCH, single=True
        ),
    )
    assert not shared.failures and not single.failures
    handouts = sorted((tmp_path / "shared/bilingual/fr/handouts").glob("*.pdf"))
    sheets = len(handouts)
    assert sheets >= 2
    booklet = next(b for b in shared.built if b.target.edition.name == "exercise-booklet")
    assert booklet.parts == sheets
    # typeset: the student pack's documents (its parts, any typeset again, its furniture), each
    # sheet once, one furniture for the handouts of each length and one for the booklet
    student = [b for b in shared.built if b.target.edition.name == "student"]
    student_docs = sum(b.parts + b.retypeset + 1 for b in student)
    lengths = {b.pages for b in shared.built if b.target.edition.name == "handouts"}
    assert shared.documents == student_docs + sheets + len(lengths) + 1
    for name in ("exercise-booklet.pdf", *(f"handouts/{h.name}" for h in handouts)):
        assert _words(tmp_path / "shared/bilingual/fr" / name) == _words(tmp_path / "single/bilingual/fr" / name), name
    assert metadata(tmp_path / "shared/bilingual/fr/exercise-booklet.pdf")["Title"].endswith("Cahier d’exercices")
    assert [b.title for b in bookmarks(tmp_path / "shared/bilingual/fr/exercise-booklet.pdf")] == [
        b.title for b in bookmarks(tmp_path / "single/bilingual/fr/exercise-booklet.pdf")
    ]
    first = page_texts(tmp_path / "shared/bilingual/fr/exercise-booklet.pdf")
    assert _words(handouts[0])[0] == sorted(first[0].split())
