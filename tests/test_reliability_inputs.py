"""A course folder is untrusted input (#16): it cannot read the machine, exhaust it, or poison
what the machine keeps between builds. Each test checks what an administrator would: the line
printed, the exit status, the text absent from the PDF, the bytes of two builds."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import struct
import time
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from coursepack import fonts, machine, sealed
from coursepack.build import cache
from coursepack.cli import main
from coursepack.engine.patches import variable_fonts
from coursepack.engine.typeset import TypesetResult, typeset

from conftest import EPOCH

SECRET = "SECRET-OUTSIDE-THE-COURSE"
LINKED = "copy the file into the course instead of linking to it"
LIMIT_HINT = "300 dpi across a whole A4 page is about 9 megapixels"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in ``tmp_path`` (paths print as the user typed them), with a machine cache of its own."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSEPACK_CACHE", str(tmp_path / "machine-cache"))
    return tmp_path


def tiny(root: Path, body: str = "Hello world.", languages: str = "") -> Path:
    """A one-unit course."""
    (root / "units").mkdir(parents=True)
    (root / "course.yaml").write_text(
        f'id: tiny\ntitle: Tiny\nversion: "1"\ndate: 2026-01-01\nunits: [one]\n{languages}', encoding="utf-8"
    )
    (root / "units" / "one.md").write_text(f"---\nid: one\ntitle: One\n---\n\n{body}\n", encoding="utf-8")
    return root


def secret_file(folder: Path, front_matter: str = "") -> Path:
    path = folder / "secret.md"
    path.write_text(f"{front_matter}\n{SECRET}\n" if front_matter else f"- id: leak\n  title: {SECRET}\n")
    return path


def run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def build_fails_and_keeps(course: Path, out: Path) -> Result:
    """``build`` exits 1 and leaves the PDF an earlier build wrote as it was."""
    earlier = out / "tiny" / "en" / "student.pdf"
    earlier.parent.mkdir(parents=True, exist_ok=True)
    earlier.write_bytes(b"%PDF-1.7 an earlier build")
    result = run("build", str(course), "-o", str(out), "--edition", "student", "-j", "1")
    assert result.exit_code == 1, result.output
    assert earlier.read_bytes() == b"%PDF-1.7 an earlier build"
    assert SECRET not in result.output
    return result


# ---------------------------------------------------------------------------
# 1. One jailed reader: a link out of the course is an error at the link, never read


@pytest.mark.parametrize(
    ("where", "front_matter"),
    [
        ("units/two.md", "---\nid: two\ntitle: Two\n---"),
        ("exercises/ex-one.md", "---\nid: ex-one\ntitle: Ex\n---"),
        ("readings/list.yaml", ""),
        ("translations/fr/units/one.md", "---\ntitle: Un\n---"),
        ("templates/extra.css", ""),
        ("templates/fonts/body.woff2", ""),
    ],
)
def test_a_link_out_of_the_course_is_an_error_at_the_link(here: Path, where: str, front_matter: str) -> None:
    course = tiny(here / "course", languages="languages: [en, fr]\n")
    if where == "units/two.md":
        (course / "course.yaml").write_text((course / "course.yaml").read_text().replace("[one]", "[one, two]"))
    link = course / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret_file(here, front_matter))
    expected = f"course/{where}:1:1: {link.name} leads outside the course folder (to {os.path.realpath(here / 'secret.md')}): {LINKED}"
    result = run("check", "course")
    assert result.exit_code == 1 and expected in result.output.splitlines(), result.output
    assert SECRET not in result.output
    result = build_fails_and_keeps(course, here / "out")
    assert expected in result.output.splitlines()


def test_a_linked_folder_and_a_link_to_etc_passwd(here: Path) -> None:
    course = tiny(here / "course")
    (here / "elsewhere").mkdir()
    (here / "elsewhere" / "style.css").write_text("body { color: red }")
    (course / "templates").symlink_to(here / "elsewhere")
    (course / "units" / "passwd.md").symlink_to("/etc/passwd")
    lines = run("check", "course").output.splitlines()
    assert (
        f"course/templates:1:1: templates leads outside the course folder (to {here / 'elsewhere'}): {LINKED}" in lines
    )
    assert f"course/units/passwd.md:1:1: passwd.md leads outside the course folder (to /etc/passwd): {LINKED}" in lines
    assert not any("root:" in line for line in lines)


def test_links_inside_the_course_are_fine(here: Path) -> None:
    course = tiny(here / "course")
    (course / "shared").mkdir()
    (course / "shared" / "words.md").write_text("---\nid: two\ntitle: Two\n---\n\nShared text.\n")
    (course / "units" / "two.md").symlink_to(course / "shared" / "words.md")
    (course / "course.yaml").write_text((course / "course.yaml").read_text().replace("[one]", "[one, two]"))
    result = run("check", "course")
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------------------
# 3. Control characters in YAML: an error at their line and column


@pytest.mark.parametrize(
    ("file", "text", "expected"),
    [
        (
            "course.yaml",
            'id: tiny\ntitle: "Ti\x00ny"\nversion: "1"\ndate: 2026-01-01\nunits: [one]\n',
            "course/course.yaml:2:11: YAML: control character U+0000 (NUL) in the text",
        ),
        (
            "units/one.md",
            "---\nid: one\ntitle: On\x07e\n---\n\nHello.\n",
            "course/units/one.md:3:10: YAML: control character U+0007 (BEL) in the text",
        ),
    ],
)
def test_control_characters_in_yaml_are_errors_at_their_place(here: Path, file: str, text: str, expected: str) -> None:
    course = tiny(here / "course")
    (course / file).write_text(text, encoding="utf-8")
    result = run("check", "course")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{expected}: delete it (it is invisible in most editors; text pasted from a PDF or a word processor can bring it)"
    )
    build_fails_and_keeps(course, here / "out")


# ---------------------------------------------------------------------------
# 2. Limits checked before rendering


@pytest.mark.parametrize("marker", ["- ", "> ", "1. ", "> - "])
def test_structures_nested_too_deep_are_errors_at_their_line(here: Path, marker: str) -> None:
    course = tiny(here / "course", "Fine.\n\n" + marker * 2000 + "deep")
    result = run("check", "course")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "course/units/one.md:8:1: lists, quotes or blocks nested more than 40 levels deep: what is inside is "
        "not printed; nest them less deeply"
    )
    build_fails_and_keeps(course, here / "out")


def png_bomb(width: int, height: int) -> bytes:
    """A small PNG (1 bit a pixel, all zeros) whose pixels fill ``width`` × ``height``."""
    row = b"\0" * (1 + (width + 7) // 8)
    squeeze = zlib.compressobj(9)
    data = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def use_bomb(levels: int = 9) -> str:
    """An SVG of nested <use> elements: 10 ** levels rectangles once expanded."""
    groups = "".join(f'<g id="a{i}">' + f'<use href="#a{i - 1}"/>' * 10 + "</g>" for i in range(1, levels + 1))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><rect id="a0" width="1" height="1"/>'
        f'{groups}</defs><use href="#a{levels}"/></svg>'
    )


def test_images_too_large_to_draw_are_refused_without_decoding_them(here: Path) -> None:
    course = tiny(
        here / "course", "![A map](figures/map.png)\n\n![Shapes](figures/shapes.svg)\n\n![Loop](figures/loop.svg)"
    )
    (course / "figures").mkdir()
    bomb = png_bomb(12500, 12500)
    assert len(bomb) < 500_000  # decodes to 156 million pixels
    (course / "figures" / "map.png").write_bytes(bomb)
    (course / "figures" / "shapes.svg").write_text(use_bomb())
    (course / "figures" / "loop.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#a"/></g></svg>'
    )
    start = time.perf_counter()
    result = run("check", "course")
    assert time.perf_counter() - start < 5
    assert result.exit_code == 1
    assert result.output.splitlines()[:3] == [
        "course/units/one.md:6:1: image 'figures/map.png' is too large to print (12500 × 12500 pixels, more than "
        f"50 megapixels): scale it down ({LIMIT_HINT})",
        "course/units/one.md:8:1: image 'figures/shapes.svg' is too complex to print (more than 100,000 elements "
        "once its <use> elements are expanded): simplify it, or export it as a PNG",
        "course/units/one.md:10:1: image 'figures/loop.svg' cannot be read (SVG: a <use> refers to an element that "
        "contains it, which never ends): fix it or export it again",
    ]
    build_fails_and_keeps(course, here / "out")


def test_a_translated_image_is_checked_against_the_limits_too(here: Path) -> None:
    course = tiny(here / "course", "![A map](figures/map.png)", languages="languages: [en, fr]\n")
    (course / "figures").mkdir()
    (course / "figures" / "map.png").write_bytes(png_bomb(10, 10))
    (course / "translations" / "fr" / "figures").mkdir(parents=True)
    (course / "translations" / "fr" / "figures" / "map.png").write_bytes(png_bomb(9000, 9000))
    lines = run("check", "course").output.splitlines()
    assert lines[0] == (
        "course/translations/fr/figures/map.png:1:1: image is too large to print (9000 × 9000 pixels, more than "
        f"50 megapixels): scale it down ({LIMIT_HINT})"
    )


def test_the_engine_refuses_what_a_stylesheet_or_an_svg_brings_in(tmp_path: Path) -> None:
    """An image check never saw (a stylesheet's, an SVG's own <image>) is refused by the engine
    before it is decoded: the document is typeset at once, without it, with a warning naming it."""
    (tmp_path / "shapes.svg").write_text(use_bomb())
    (tmp_path / "big.png").write_bytes(png_bomb(8000, 8000))  # 64 megapixels: under Pillow's own alarm
    html = """<html lang="en"><head><title>t</title><style>body { background: url(big.png) }</style></head>
    <body><p>hi</p><img src="shapes.svg" alt="x"></body></html>"""
    start = time.perf_counter()
    result = typeset(html, tmp_path, [], [tmp_path], EPOCH)
    assert time.perf_counter() - start < 20
    assert any("shapes.svg" in w and "is too complex to print" in w for w in result.warnings), result.warnings
    assert any("big.png" in w and "8000 × 8000 pixels" in w for w in result.warnings), result.warnings


# ---------------------------------------------------------------------------
# 6. The same course anywhere gives the same bytes


def test_a_course_copied_anywhere_gives_identical_pdfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    first = tiny(tmp_path / "a", "![A red box](figures/red.png)")
    (first / "figures").mkdir()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(first / "figures" / "red.png")
    second = tmp_path / "somewhere" / "else" / "b"
    shutil.copytree(first, second)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    for course, out in ((first, "out-a"), (second, "out-b")):
        result = run("build", str(course), "-o", str(tmp_path / out), "--edition", "student", "-j", "1")
        assert result.exit_code == 0, result.output
    a = (tmp_path / "out-a" / "tiny" / "en" / "student.pdf").read_bytes()
    b = (tmp_path / "out-b" / "tiny" / "en" / "student.pdf").read_bytes()
    assert b"/Subtype /Image" in a or b"/Subtype/Image" in a
    assert a == b


# ---------------------------------------------------------------------------
# 4. Caches verify what they read


def test_a_sealed_entry_that_does_not_match_is_never_used(tmp_path: Path) -> None:
    entry = tmp_path / "entry"
    assert sealed.write(entry, b"font bytes")
    assert sealed.read(entry) == b"font bytes"
    raw = entry.read_bytes()
    for damaged in (raw[:-3], raw[:-1] + b"X", b"", b"font bytes"):
        entry.write_bytes(damaged)
        assert sealed.read(entry) is None
    entry.unlink()
    entry.mkdir()  # a folder where the file should be
    (entry / "inside").write_text("x")
    assert sealed.read(entry) is None and sealed.read_json(entry) is None
    assert sealed.write_json(entry, {"pages": 3})  # replaced
    assert sealed.read_json(entry) == {"pages": 3}
    entry.write_text(entry.read_text().replace('"pages": 3', '"pages": 4'))
    assert sealed.read_json(entry) is None


def test_damaged_output_cache_entries_are_rebuilt_not_used(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pdf = out / "x.pdf"
    pdf.parent.mkdir(parents=True)
    pdf.write_bytes(b"%PDF built")
    record = cache.Record("key", hashlib.sha256(b"%PDF built").hexdigest(), 3, {"a": 1}, [{"start": 0}], {"b": 2})
    cache.store(out, "tiny/en/student", record)
    found = cache.lookup(out, "tiny/en/student", "key", pdf)
    assert found is not None and (found.pages, found.anchors) == (3, {"a": 1})
    assert cache.previous_parts(out, "tiny/en/student") == [{"start": 0}]
    path = out / ".cache" / "tiny__en__student.json"
    path.write_text(path.read_text().replace('"pages": 3', '"pages": 2'))  # a record changed by hand or by a fault
    assert cache.lookup(out, "tiny/en/student", "key", pdf) is None
    assert cache.previous_parts(out, "tiny/en/student") is None
    path.unlink()
    path.mkdir()  # a folder where the record should be
    assert cache.lookup(out, "tiny/en/student", "key", pdf) is None
    cache.store(out, "tiny/en/student", record)  # no traceback: the folder is replaced
    assert cache.lookup(out, "tiny/en/student", "key", pdf) is not None

    job = TypesetResult(b"%PDF part", 2, {"x": 1}, [], page_names=["a", "b"])
    cache.job_store(out, "k1", job)
    assert cache.job_lookup(out, "k1") is not None
    jobs = out / ".cache" / "jobs"
    (jobs / "k1.pdf").write_bytes(b"%PDF par")  # truncated
    assert cache.job_lookup(out, "k1") is None
    cache.job_store(out, "k1", job)
    meta = jobs / "k1.json"
    meta.write_text(meta.read_text().replace('"pages": 2', '"pages": 1'))
    assert cache.job_lookup(out, "k1") is None
    shutil.rmtree(jobs)
    jobs.mkdir()
    (jobs / "k1.pdf").mkdir()
    assert cache.job_lookup(out, "k1") is None
    cache.job_store(out, "k1", job)
    assert cache.job_lookup(out, "k1") is not None


def test_a_damaged_instanced_font_is_instanced_again(here: Path) -> None:
    """The machine cache keeps variable fonts instanced at each weight; a damaged entry (a full
    disk, a crash, a stray edit) once gave PDFs with invisible text, build after build."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(fonts.faces()["Noto Sans"][0].path))  # a variable font, cut to a few glyphs (fast)
    cut = subset.Subsetter()
    cut.populate(text="Hello")
    cut.subset(font)
    saved = io.BytesIO()
    font.save(saved)
    content = saved.getvalue()
    good = variable_fonts._static_instance(content, 0, {"wght": 650.0})
    variable_fonts._STATIC.clear()
    entries = list((machine.cache_dir() / "fonts").glob("*.sealed"))
    assert len(entries) == 1
    entries[0].write_bytes(entries[0].read_bytes()[:5000])  # cut off
    assert variable_fonts._static_instance(content, 0, {"wght": 650.0}) == good
    assert sealed.read(entries[0]) == good  # written again
    variable_fonts._STATIC.clear()
    entries[0].unlink()
    entries[0].mkdir()  # a folder where the entry should be
    assert variable_fonts._static_instance(content, 0, {"wght": 650.0}) == good


# ---------------------------------------------------------------------------
# 5. Machine-wide files in a folder of the user's own


def test_the_fontconfig_file_is_private_and_what_it_should_be(here: Path) -> None:
    fonts.fontconfig_file.cache_clear()
    conf = fonts.fontconfig_file()
    assert conf.is_relative_to(machine.cache_dir())
    for folder in (conf.parent, machine.cache_dir()):
        info = folder.lstat()
        assert stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022
    wanted = conf.read_bytes()
    conf.write_text('<?xml version="1.0"?><fontconfig><dir>/planted</dir></fontconfig>')  # planted
    fonts.fontconfig_file.cache_clear()
    assert fonts.fontconfig_file() == conf and conf.read_bytes() == wanted
    fonts.fontconfig_file.cache_clear()


def test_a_machine_folder_others_can_write_to_is_not_trusted(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = here / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("COURSEPACK_CACHE", str(shared))
    assert machine.private_dir("fonts") is None
    if os.geteuid() == 0:  # (only root can make a folder another user's; CI runs as root)
        theirs = here / "theirs"
        (theirs / "fonts").mkdir(parents=True)
        os.chown(theirs / "fonts", 4242, 4242)
        monkeypatch.setenv("COURSEPACK_CACHE", str(theirs))
        assert machine.private_dir("fonts") is None
    (here / "real").mkdir()
    (here / "linked").symlink_to(here / "real")
    monkeypatch.setenv("COURSEPACK_CACHE", str(here / "linked" / "cache"))
    assert machine.private_dir("fonts") is not None  # a link above the cache folder is the user's own affair
    (here / "linked" / "cache" / "templates").symlink_to(here / "real")
    assert machine.private_dir("templates") is None  # a link as the folder itself is not
    fonts.fontconfig_file.cache_clear()
    monkeypatch.setenv("COURSEPACK_CACHE", str(shared))
    conf = fonts.fontconfig_file()  # no private folder: a fresh private temporary one
    assert not conf.is_relative_to(shared) and stat.S_IMODE(conf.parent.stat().st_mode) == 0o700
    fonts.fontconfig_file.cache_clear()
