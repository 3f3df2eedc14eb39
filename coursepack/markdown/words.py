"""The words around references, in one language: "Table 3", "p. 14", "Student pack, p. 14"."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from coursepack.i18n import N_, NNBSP, list_separator, punctuation
from coursepack.resolve.targets import Target

LABELS = {
    "unit": N_("Unit %(num)s"),
    "exercise": N_("Exercise %(num)s"),
    "figure": N_("Figure %(num)s"),
    "table": N_("Table %(num)s"),
    "listing": N_("Listing %(num)s"),
    "equation": N_("Equation %(num)s"),
}
NUMBER_SLOT = "{n}"
PAGE, PAGES = N_("p. %(page)s"), N_("pp. %(pages)s")
PLURAL_LOCATOR = re.compile(r"[-\u2013\u2014,&]|\band\b")


def nbsp(label: str) -> str:
    """'Table 3' with a no-break space: a label never breaks across lines."""
    return label.replace(" ", "\u00a0")


@dataclass
class Words:
    """The words of one language around references: labels, "p. 14", "Student pack, p. 14"."""

    gettext: Callable[[str], str]
    lang: str

    def label(self, target: Target, reading_label: Callable[[str, str], str] | None = None) -> str:
        if target.kind in LABELS and target.number is not None:
            return nbsp(self.gettext(LABELS[target.kind]) % {"num": target.number})
        if target.kind == "reading" and reading_label is not None:
            return reading_label(target.anchor, self.gettext("and"))
        if target.kind == "introduction":
            return self.gettext("Introduction")
        return target.title

    def page(self, nested: bool = False) -> tuple[str, str, str]:
        """(separator, before the number, after it): ", p.\u00a0" and "" in English. In Chinese
        the page is in full-width parentheses, 图1（第12页）, unless the reference is already in
        parentheses (``nested``): （见图1，第12页）, not （见图1（第12页））."""
        sep = list_separator(self.lang)
        before, _page, after = self.gettext("p. %(page)s").partition("%(page)s")
        if self.lang.startswith(("zh", "ja")):
            return ("\uff0c", before, after) if nested else ("\uff08", before, after + "\uff09")
        return sep, before.replace(" ", "\u00a0"), after

    def reading_list_page(self) -> str:
        return self.gettext("reading list, p.") + ("" if self.lang.startswith(("zh", "ja")) else "\u00a0")

    def student_page(self, page: int, nested: bool = False) -> str:
        """The page in the student pack: " (Student pack, p. 14)", or ", Student pack, p. 14"
        inside parentheses."""
        before, _slot, after = self.gettext("Student pack, p. %(page)s").partition("%(page)s")
        if before.endswith(" "):  # the number never starts a line: "p.\u00a014"
            before = before.rstrip(" ") + "\u00a0"
        text = f"{before}{page}{after}"
        if self.lang.startswith(("zh", "ja")):
            return f"\uff0c{text}" if nested else f"\uff08{text}\uff09"
        return f"{list_separator(self.lang)}{text}" if nested else f" ({text})"

    # -- citations (author–date, until the course's CSL style formats them) --------------------

    def locator(self, value: str) -> str:
        """A cited page: "p.\u00a012", "pp.\u00a03–5", "с.\u00a012", "第12页"."""
        value = punctuation(value, self.lang)
        if PLURAL_LOCATOR.search(value):
            text = self.gettext(PAGES) % {"pages": value}
        else:
            text = self.gettext(PAGE) % {"page": value}
        return text.replace(" ", "\u00a0")

    def cite_brackets(self) -> tuple[str, str]:
        """Around a citation: ( ) or the full-width （ ）."""
        return ("\uff08", "\uff09") if self.lang.startswith(("zh", "ja")) else ("(", ")")

    def cite_separator(self) -> str:
        """Between the works of one citation: "; ", "؛ " in Arabic, "；" in Chinese, " ; " in French."""
        base = self.lang.split("-")[0]
        return {"ar": "\u061b ", "fa": "\u061b ", "zh": "\uff1b", "ja": "\uff1b", "fr": NNBSP + "; "}.get(base, "; ")

    def comma(self) -> str:
        return list_separator(self.lang)
