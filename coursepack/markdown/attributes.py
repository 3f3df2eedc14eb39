"""Pandoc attributes: ``{#id .class key=value key="quoted value"}``.

The syntax Pandoc, Quarto, Carpentries and MyST share for headings, fenced divs, fenced code,
images and spans. Parsed by a small scanner (mdit-py-plugins' djot scanner refuses Pandoc's
bare ``width=60%``). What an attribute *means* is decided by the stage that reads it; here it
is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_NAME_STOP = frozenset(" \t\n}{#.=\"'")


@dataclass(frozen=True)
class Attrs:
    """What a ``{...}`` says: one id, classes in order, and key-value pairs."""

    id: str | None = None
    classes: tuple[str, ...] = ()
    pairs: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.id or self.classes or self.pairs)

    def merged(self, other: Attrs) -> Attrs:
        """These attributes with ``other``'s added (its id and values win)."""
        return Attrs(other.id or self.id, self.classes + other.classes, {**self.pairs, **other.pairs})


class AttrsError(ValueError):
    """Text that starts like attributes but is not: what is wrong and where (0-based offset)."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def parse_attrs(text: str, start: int = 0) -> tuple[Attrs, int]:
    """Read ``{...}`` at ``text[start]``; return the attributes and the offset after ``}``.

    Raises AttrsError when ``text[start]`` is not ``{`` or the braces do not hold attributes.
    """
    if start >= len(text) or text[start] != "{":
        raise AttrsError("expected '{'", start)
    pos, end = start + 1, len(text)
    if pos < end and text[pos] == ":":  # ``{: .class}``: Python-Markdown's and kramdown's spelling
        pos += 1
    ident: str | None = None
    classes: list[str] = []
    pairs: dict[str, str] = {}
    while True:
        while pos < end and text[pos] in " \t\n":
            pos += 1
        if pos >= end:
            raise AttrsError("'{' is never closed with '}'", start)
        ch = text[pos]
        if ch == "}":
            return Attrs(ident, tuple(classes), pairs), pos + 1
        if ch in "#.":
            name_end = _name_end(text, pos + 1)
            if name_end == pos + 1:
                raise AttrsError(f"'{ch}' without a name", pos)
            if ch == "#":
                ident = text[pos + 1 : name_end]
            else:
                classes.append(text[pos + 1 : name_end])
            pos = name_end
            continue
        key_end = _name_end(text, pos)
        if key_end == pos:
            raise AttrsError(f"unexpected '{ch}'", pos)
        key = text[pos:key_end]
        if key_end >= end or text[key_end] != "=":
            # a bare word is a class: MyST's ``{note}``, Quarto's ``{python}``
            classes.append(key)
            pos = key_end
            continue
        pos = key_end + 1
        if pos < end and text[pos] in "\"'":
            quote, pos = text[pos], pos + 1
            chars: list[str] = []
            while pos < end and text[pos] != quote:
                if text[pos] == "\\" and pos + 1 < end and text[pos + 1] in (quote, "\\"):
                    pos += 1
                chars.append(text[pos])
                pos += 1
            if pos >= end:
                raise AttrsError(f"the value of '{key}' has no closing {quote}", key_end + 1)
            value, pos = "".join(chars), pos + 1
        else:
            value_end = pos
            while value_end < end and text[value_end] not in " \t\n}":
                value_end += 1
            value, pos = text[pos:value_end], value_end
        if key == "class":
            classes.extend(value.split())
        elif key == "id":
            ident = value
        else:
            pairs[key] = value


def _name_end(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] not in _NAME_STOP:
        pos += 1
    return pos


def trailing_attrs(text: str) -> tuple[str, Attrs | None]:
    """Split ``Heading text {#id .class}`` into the text and its attributes (None when it has none).

    The braces must end the text; a ``{`` that does not open valid attributes is text.
    """
    stripped = text.rstrip()
    if not stripped.endswith("}"):
        return text, None
    start = stripped.rfind("{")
    while start >= 0:
        try:
            attrs, after = parse_attrs(stripped, start)
        except AttrsError:
            start = stripped.rfind("{", 0, start)
            continue
        if after == len(stripped):
            return stripped[:start].rstrip(), attrs
        return text, None
    return text, None
