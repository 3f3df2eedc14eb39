"""Running heads fit their margin box, shortened after a whole word (heads.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from coursepack.matrix import PAPERS
from coursepack.render.heads import ELLIPSIS, fit, room, width_mm

RUSSIAN = "Киберпреступность, торговля людьми и незаконный ввоз мигрантов"


def test_a_title_that_fits_is_left_whole() -> None:
    assert fit("Cybercrime, trafficking and smuggling", 57, "en") == "Cybercrime, trafficking and smuggling"


def test_a_long_title_is_shortened_after_a_word_without_its_comma() -> None:
    short = fit(RUSSIAN, 50, "ru")
    assert short == "Киберпреступность, торговля…", short
    assert width_mm(short, "ru") <= 50 < width_mm(RUSSIAN, "ru")


def test_chinese_is_shortened_by_characters() -> None:
    title = "网络犯罪、贩运人口与偷运移民之间的关联以及国际合作与电子证据"
    short = fit(title, 40, "zh")
    assert short.endswith(ELLIPSIS) and title.startswith(short[:-1]) and width_mm(short, "zh") <= 40


def test_the_boxes_share_the_line_as_the_theme_does() -> None:
    a4 = room(PAPERS["a4"], two_sided=False)
    assert round(a4["title"], 1) == round((210 - 42) * 0.34, 1) and round(a4["chapter"], 1) == round(168 * 0.64, 1)
    assert room(PAPERS["a5"], two_sided=True)["title"] == 148 - 18 - 12


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzАБВГДабвгд", min_size=1, max_size=14), min_size=1, max_size=12)
)
def test_a_head_is_always_a_start_of_whole_words_that_fits(words: list[str]) -> None:
    title = " ".join(words)
    short = fit(title, 40, "ru")
    assert width_mm(short, "ru") <= 40 or len(short) <= 2
    if short != title:
        kept = short.removesuffix(ELLIPSIS)
        assert title.startswith(kept)
        assert len(words) == 1 or title[len(kept)] == " " or not kept.strip()
