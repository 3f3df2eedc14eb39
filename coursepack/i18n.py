"""Interface words and locale formats: gettext catalogs (Babel) and locale-aware dates and numbers.

Templates and code write English message ids; ``coursepack/locale/<lang>/LC_MESSAGES/messages.po``
translates them. Catalogs are compiled in memory, so only the .po files are kept in the repository.
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
import io
import re
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Mark a message for extraction into the catalogs; it is translated where it is used."""
    return message


RTL_LANGUAGES = {"ar", "fa", "he", "ur"}


@cache
def translations(lang: str) -> gettext_module.NullTranslations:
    """The catalog for a language; English (the message ids) needs none."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return gettext_module.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


# Quotation marks per language: (left double, right double). Single quotes and apostrophes stay ’.
QUOTES = {
    "fr": ("«\u202f", "\u202f»"),
    "es": ("«", "»"),
    "ru": ("«", "»"),
    "ar": ("«", "»"),
}
NNBSP, NBSP = "\u202f", "\u00a0"
# full-width punctuation of Chinese (and Japanese) text: where two meet, one is set on half an em
CJK_OPENING = frozenset("（〔［｛〈《「『【")
CJK_CLOSING = frozenset("）〕］｝〉》」』】，、。．：；！？")
_FR_TIGHT = re.compile(r"(?<=[^\s(\[«])[ \u00a0\u202f]?([;!?])(?=\s|$|[»)\]”’])")
# (a colon written with a space takes it after anything, "art. 3 : x"; one without, not after a digit: 10:30)
_FR_COLON = re.compile(r"(?:(?<=\S)[ \u00a0\u202f]|(?<=[^\s\d(\[])):(?=\s|$)")
# French guillemets hold their words with a narrow no-break space: « mot », never «|mot » at a line end
_FR_OPEN = re.compile(r"([«‹])[ \u00a0\u202f]*")
_FR_CLOSE = re.compile(r"[ \u00a0\u202f]*([»›])")


def quotes(lang: str) -> tuple[str, str]:
    """The language's (left, right) double quotation marks."""
    return QUOTES.get(lang.split("-")[0], ("\u201c", "\u201d"))


def smarty_config(lang: str) -> dict[str, dict[str, str]]:
    """Python-Markdown smarty substitutions for the language's quotation marks."""
    left, right = quotes(lang)
    return {"substitutions": {"left-double-quote": left, "right-double-quote": right}}


_RU_GLUE = re.compile(r"(?<![\w])((?:ст|с|г|гг|п|ч|т)\.|[аивксоуяАИВКСОУЯ]) (?=\S)")
_RANGE = re.compile(r"(?<![\d\-/.:])(\d{1,4})-(\d{1,4})(?![\d\-/])")


def punctuation(text: str, lang: str, joined: bool = False) -> str:
    """Number ranges with an en dash (12–16); in French, a narrow no-break space inside
    guillemets and before ; ! ?, a no-break space before a colon.

    ``joined``: the text continues a word set before it (the text after ``*word*`` or a link):
    ``" : la suite"`` there takes the French space before its colon too.
    """
    if "-" in text:  # most text has no range: the expression's look-behind is tried at every character
        text = _RANGE.sub("\\1\u2013\\2", text)
    base = lang.split("-")[0]
    if base == "ru":  # no line break after an abbreviation (ст. 3) or a one-letter word (и, в, с)
        return _RU_GLUE.sub("\\1" + NBSP, text)
    if base != "fr":
        return text
    if joined and text[:2].lstrip(" \u00a0\u202f")[:1] in (";", "!", "?", ":"):
        return punctuation("x" + text, lang)[1:]  # (a stand-in for the word before)
    if "«" in text or "»" in text or "‹" in text or "›" in text:
        text = _FR_CLOSE.sub(NNBSP + r"\1", _FR_OPEN.sub(r"\1" + NNBSP, text))
    text = _FR_TIGHT.sub(NNBSP + r"\1", text)
    return _FR_COLON.sub(NBSP + ":", text)


class Terms(gettext_module.NullTranslations):
    """A catalog with a course's own overrides of some interface words.

    A key that is a whole message ("Unit %(num)s") replaces that message; a key that is one word
    ("module") is renamed wherever the interface uses it, as a whole word, keeping its capital
    ("How to use this module" → "How to use this lesson", "Module" → "Lesson").
    """

    def __init__(self, base: gettext_module.NullTranslations, terms: dict[str, str]):
        super().__init__()
        self._base = base
        self._terms = terms
        words = {k: v for k, v in terms.items() if k.strip() and " " not in k and "%" not in k}
        self._words = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b", re.I) if words else None
        self._renames = {k.lower(): v for k, v in words.items()}

    def _rename(self, text: str) -> str:
        if self._words is None:
            return text

        def one(m: re.Match[str]) -> str:
            new = self._renames[m.group(1).lower()]
            return new[:1].upper() + new[1:] if m.group(1)[:1].isupper() else new

        return self._words.sub(one, text)

    def gettext(self, message: str) -> str:
        return self._terms.get(message) or self._rename(self._base.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._rename(self._base.ngettext(singular, plural, n))


class _Names(dict[str, str]):
    """A mapping that records the placeholders a %-format asks for (``allowed``: only those)."""

    def __init__(self, allowed: set[str] | None = None) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.allowed = allowed

    def __missing__(self, key: str) -> str:
        if self.allowed is not None and key not in self.allowed:
            raise KeyError(key)
        self.seen.add(key)
        return "1"


def term_problem(key: str, value: str) -> str | None:
    """What is wrong with a ``terms`` entry, or None: the new words are formatted the way the
    interface formats the message they replace (Python's own ``%`` formatting reads both)."""
    if key.strip() and " " not in key and "%" not in key:  # a word renamed inside every message
        if "%" in value:
            return f"the new word for '{key}' contains '%': write the word alone"
        return None
    names = _Names()
    try:
        key % names
    except (ValueError, TypeError, KeyError):
        names.seen = set()
    try:
        value % _Names(names.seen)
    except KeyError as exc:
        known = ", ".join(f"%({n})s" for n in sorted(names.seen)) or "none"
        return f"'{value}' uses %({exc.args[0]})s, which '{key}' does not have (it has {known})"
    except (ValueError, TypeError):
        return f"'{value}' has a '%' that is not a placeholder: write '%%' for a percent sign"
    return None


def catalog(lang: str, terms: dict[str, str] | None = None) -> gettext_module.NullTranslations:
    """The interface words for ``lang``, with the course's overrides first."""
    base = translations(lang)
    return Terms(base, terms) if terms else base


def missing_words(lang: str) -> tuple[int, list[str]]:
    """(number of interface words, those the catalog for ``lang`` does not translate)."""
    with (LOCALE_DIR / "messages.pot").open("rb") as f:
        ids = [m.id for m in read_po(f) if m.id]
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.is_file():
        return len(ids), [str(i) for i in ids]
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    missing = []
    for i in ids:
        message = catalog.get(i)
        if message is None or not message.string:
            missing.append(str(i))
    return len(ids), missing


def locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def text_direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0] in RTL_LANGUAGES else "ltr"


def list_separator(lang: str) -> str:
    """The comma before a page reference: ', ' in most languages, '، ' in Arabic, '，' in Chinese."""
    return {"ar": "\u060c ", "fa": "\u060c ", "zh": "\uff0c"}.get(lang.split("-")[0], ", ")


def enumeration_separator(lang: str) -> str:
    """Between the items of a short list ("LO1, LO3"): the enumeration comma 、 in Chinese, ، in Arabic."""
    return {"ar": "\u060c ", "fa": "\u060c ", "zh": "\u3001"}.get(lang.split("-")[0], ", ")


def long_date(value: dt.date, lang: str) -> str:
    return format_date(value, format="long", locale=locale(lang))


def duration(minutes: int, lang: str) -> str:
    """'90 min', '3 h', '2 h 30 min' — abbreviated units as printed in teaching material."""
    _ = translations(lang).gettext
    hours, mins = divmod(minutes, 60)
    if minutes < 120:
        return _("%(n)s min") % {"n": minutes}
    text = _("%(n)s h") % {"n": hours}
    if mins:
        text += " " + _("%(n)s min") % {"n": mins}
    return text
