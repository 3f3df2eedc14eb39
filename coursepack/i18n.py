"""Interface words and locale formats: gettext catalogs (Babel) and locale-aware dates and numbers.

Templates and code write English message ids; ``coursepack/locale/<lang>/LC_MESSAGES/messages.po``
translates them. Catalogs are compiled in memory, so only the .po files are kept in the repository.
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
import io
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
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


def locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def text_direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0] in RTL_LANGUAGES else "ltr"


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
