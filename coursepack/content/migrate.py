"""``coursepack migrate``: rewrite a course's old ``/// name | Title`` blocks as fenced divs.

Each Markdown file of the course (translations too) is parsed; every block the parser reads
in the old syntax has its opening line rewritten as ``::: name Title`` and its closing
``///`` as ``:::`` (as many colons as it had slashes, so nesting reads the same). Nothing else
in the file changes, code blocks included; files are replaced atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coursepack.atomic import atomic_write
from coursepack.content.yamlsource import decode_text, split_front_matter
from coursepack.errors import Diagnostics
from coursepack.jail import read_bytes
from coursepack.markdown.divs import Div
from coursepack.markdown.parser import parse


@dataclass
class Rewrite:
    path: Path
    blocks: int


def markdown_files(course: Path) -> list[Path]:
    """The Markdown files of a course folder, translations included (not templates)."""
    found = [course / "introduction.md", course / "instructor" / "guide.md"]
    for sub in ("units", "exercises"):
        found += sorted((course / sub).glob("*.md"))
    for lang in sorted((course / "translations").glob("*")):
        # (with the copies of the source a translation was made from, so they still compare equal)
        found += sorted(lang.rglob("*.md"))
    return [p for p in found if p.is_file() and not p.is_symlink()]  # (a link is not the course's to rewrite)


def rewrite(text: str) -> tuple[str, int]:
    """``text`` (a whole file) with its old blocks in the new syntax, and how many there were."""
    front, body, first = split_front_matter(text)
    offset = first - 1 if front is not None else 0
    lines = text.split("\n")
    tokens, _ = parse(body if front is not None else text, "en")
    count = 0
    for tok in tokens:
        if tok.type not in ("div_open", "div_close") or not tok.map:
            continue
        div: Div | None = tok.meta.get("div") if tok.type == "div_open" else None
        k = tok.map[0] + offset
        line = lines[k]
        indent = line[: len(line) - len(line.lstrip())]
        stripped = line.lstrip()
        if not stripped.startswith("///"):
            continue
        slashes = len(stripped) - len(stripped.lstrip("/"))
        fence = ":" * slashes
        if div is not None:
            if div.syntax != "legacy":
                continue
            title = f" {div.title}" if div.title else ""
            lines[k] = f"{indent}{fence} {div.name}{title}"
            count += 1
        elif not stripped.strip("/").strip():
            lines[k] = f"{indent}{fence}"
    return "\n".join(lines), count


def migrate(course: Path, dry_run: bool = False) -> list[Rewrite]:
    """Rewrite every file of ``course`` that has old blocks; what was (or would be) rewritten.

    Every file is read first: if one cannot be (not UTF-8, unreadable), nothing is rewritten
    and ``ContentError`` names each such file.
    """
    diags = Diagnostics()
    texts = []
    for path in markdown_files(course):
        try:
            texts.append((path, decode_text(read_bytes(path, [course]))))
        except UnicodeDecodeError:
            diags.error(path, 1, 1, "not UTF-8 text: save the file as UTF-8, then run migrate again")
        except OSError as exc:
            diags.error(path, 1, 1, f"cannot be read ({exc.strerror or exc}): nothing was rewritten")
    diags.raise_if()
    done = []
    for path, text in texts:
        new, count = rewrite(text)
        if count:
            if not dry_run:
                atomic_write(path, new.encode("utf-8"))
            done.append(Rewrite(path, count))
    return done
