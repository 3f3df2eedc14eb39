"""Safe YAML with source positions: no aliases, no duplicate keys, bounded depth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from coursepack import jail

# What to do about PyYAML's commonest complaints (its messages say what, not why).
HINTS = (
    ("mapping values are not allowed here", ": put a value that contains ': ' in quotes, or check the indentation"),
    ("expected <block end>", ": line this up with the keys above it (spaces, not tabs)"),
    ("cannot start any token", ": indent with spaces; YAML allows no tabs"),
    ("could not find expected ':'", ": write 'key: value', or put the text in quotes"),
    ("expected ',' or ']'", ": close the list with ']', and put items that contain ':' or ',' in quotes"),
)
MAX_DEPTH = 32
MAX_BYTES = 2 * 1024 * 1024


class ContentLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases, duplicate keys and deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ComposerError(
                None, None, "YAML aliases (*name) are not allowed; write the value out", event.start_mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConstructorError(None, None, f"duplicate key {key!r}: keep only one", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


@dataclass
class YamlError(Exception):
    """A YAML problem at a 1-based line and column."""

    line: int
    col: int
    message: str


@dataclass
class YamlDoc:
    """Parsed data plus the node tree that knows where each value came from."""

    data: Any
    node: Any
    line_offset: int = 0

    def _walk(self, loc: tuple[Any, ...]) -> tuple[Any, bool]:
        """The deepest node a pydantic ``loc`` leads to, and whether it leads all the way."""
        node = self.node
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                found = next((value for key, value in node.value if key.value == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                found = node.value[part]
            else:
                found = None
            if found is None:
                return node, False
            node = found
        return node, True

    def locate(self, loc: tuple[Any, ...]) -> tuple[int, int]:
        """1-based (line, col) of the deepest node reached along a pydantic ``loc``."""
        best, _ = self._walk(loc)
        if best is None:
            return self.line_offset + 1, 1
        return best.start_mark.line + 1 + self.line_offset, best.start_mark.column + 1

    def node_at(self, loc: tuple[Any, ...]) -> Any:
        """The node a pydantic ``loc`` names, or None."""
        node, whole = self._walk(loc)
        return node if whole else None

    def key_position(self, loc: tuple[Any, ...]) -> tuple[int, int]:
        """Position of the *key* named last in ``loc`` (for unknown keys)."""
        node = self.node
        for i, part in enumerate(loc):
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if key.value == str(part):
                        if i == len(loc) - 1:
                            return key.start_mark.line + 1 + self.line_offset, key.start_mark.column + 1
                        node = value
                        break
                else:
                    break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
        return self.locate(loc)


def parse_yaml(text: str, line_offset: int = 0) -> YamlDoc:
    """Parse one YAML document; raise YamlError with a 1-based position."""
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise YamlError(1, 1, f"file larger than {MAX_BYTES // 1024 // 1024} MiB")
    try:
        loader = ContentLoader(text)  # (its reader refuses control characters at once)
    except yaml.reader.ReaderError as exc:
        raise _control_character(text, exc, line_offset) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as exc:
        raise _control_character(text, exc, line_offset) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        if exc.context and exc.context_mark and exc.problem and exc.context_mark.line != getattr(mark, "line", None):
            problem += f" ({exc.context} that starts at line {exc.context_mark.line + 1 + line_offset})"
        hint = next((h for found, h in HINTS if found in problem), "")
        raise YamlError(line, col, f"YAML: {problem}{hint}") from None
    except yaml.YAMLError as exc:
        raise YamlError(line_offset + 1, 1, f"YAML: {exc}") from None
    except (RecursionError, OverflowError, ValueError, IndexError) as exc:
        raise YamlError(line_offset + 1, 1, f"YAML could not be read: {type(exc).__name__}") from None
    finally:
        loader.dispose()
    return YamlDoc(data, node, line_offset)


def _control_character(text: str, exc: yaml.reader.ReaderError, line_offset: int) -> YamlError:
    """PyYAML's refusal of a character YAML does not allow (NUL, another control character), at
    its line and column."""
    at = exc.position if isinstance(exc.position, int) and 0 <= exc.position <= len(text) else 0
    line = text.count("\n", 0, at) + 1 + line_offset
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(text[at]) if at < len(text) else 0
    if code < 0x20 or 0x7F <= code <= 0x9F:
        name = CONTROL_NAMES.get(code)
        what = f"control character U+{code:04X}" + (f" ({name})" if name else "")
    else:
        what = f"character U+{code:04X}, which YAML does not allow,"
    return YamlError(
        line,
        col,
        f"YAML: {what} in the text: delete it (it is invisible in most editors; text pasted from a PDF or a "
        "word processor can bring it)",
    )


CONTROL_NAMES = {
    0: "NUL",
    7: "BEL",
    8: "backspace",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x1B: "escape",
    0x7F: "DEL",
}
BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes) -> str:
    """UTF-8 text as the author's editor may save it: a byte-order mark and Windows line ends are
    fine. Raises UnicodeDecodeError (its ``start`` counts from the first byte after a mark)."""
    return data.removeprefix(BOM).decode("utf-8").replace("\r\n", "\n")


def read_text(path: Path, root: Path) -> str:
    """The text of a course's file inside ``root`` (see ``decode_text`` and ``jail.read_bytes``)."""
    return decode_text(jail.read_bytes(path, [root]))


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Split ``---`` front matter from a Markdown file.

    Returns (front matter text or None, body, 1-based line number of the body's first line).
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    raise YamlError(1, 1, "front matter opened with '---' is never closed: add a '---' line after it")
