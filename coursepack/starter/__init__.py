"""``coursepack new``: a small course that builds at once, written into a folder atomically.

The starter courses are folders of files, one per language (``starter/<lang>/``), whose comments
teach the format. ``course.yaml`` holds ``{{name}}`` fields filled from the options; every other
file is copied as it is. ``shape`` makes the other kind of new course: an existing course's
structure with empty bodies (``--from``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh")
PAPERS = ("a4", "letter", "a5")
FIELD = re.compile(r"\{\{(\w+)\}\}")

# what a terminal suggests before anything is typed
DEFAULT_TITLES = {
    "en": "My course",
    "fr": "Mon cours",
    "es": "Mi curso",
    "ar": "مقرري الدراسي",
    "ru": "Мой курс",
    "zh": "我的课程",
}


class NewError(Exception):
    """The new course cannot be written (one line, says what to do)."""


@dataclass(frozen=True)
class Settings:
    """What the new course's course.yaml says of it."""

    title: str
    language: str = "en"
    paper: str = "a4"
    author: str | None = None
    date: dt.date | None = None  # default: today


def course_id(folder: Path) -> str:
    """The course id from the folder's name: 'My Course 2' -> 'my-course-2' ('course' if none is left)."""
    words = re.findall(r"[a-z0-9]+", folder.resolve().name.lower())
    return "-".join(words) or "course"


def refuse_existing(dest: Path) -> None:
    """A new course goes into a folder that is not there yet, or is empty."""
    if dest.exists() and not dest.is_dir():
        raise NewError(f"{dest}: is a file: name a new folder")
    if dest.is_dir() and any(dest.iterdir()):
        raise NewError(f"{dest}: is not empty: name a new folder (nothing was written)")


def yaml_text(value: str) -> str:
    """A string as a YAML scalar: JSON's double quotes are YAML too."""
    return json.dumps(value, ensure_ascii=False)


def fields(dest: Path, s: Settings) -> dict[str, str]:
    authors = f"[{yaml_text(s.author)}]" if s.author else "[]"
    return {
        "id": course_id(dest),
        "title": yaml_text(s.title),
        "authors": authors,
        "date": (s.date or dt.date.today()).isoformat(),
        "paper": s.paper,
    }


def fill(text: str, values: dict[str, str]) -> str:
    return FIELD.sub(lambda m: values[m.group(1)], text)


def starter_files(lang: str) -> list[Path]:
    """The files of a language's starter course, relative to its folder."""
    root = HERE / lang
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def write_starter(dest: Path, s: Settings) -> list[Path]:
    """Write the starter course in ``s.language`` into ``dest`` (new or empty); the files written."""
    if s.language not in LANGUAGES:
        raise NewError(f"--language {s.language}: use one of {', '.join(LANGUAGES)}")
    values = fields(dest, s)

    def make(tmp: Path) -> None:
        for rel in starter_files(s.language):
            text = (HERE / s.language / rel).read_text(encoding="utf-8")
            if rel.name == "course.yaml":
                text = fill(text, values)
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(text, encoding="utf-8")

    return atomic_folder(dest, make)


def atomic_folder(dest: Path, make: Callable[[Path], None]) -> list[Path]:
    """Make a folder's files in a temporary folder beside ``dest``, then rename it into place: a
    failure leaves nothing half-made (an empty ``dest`` that was there is kept)."""
    refuse_existing(dest)
    parent = dest.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".new", dir=parent))
    try:
        make(tmp)
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
        os.chmod(tmp, 0o777 & ~_umask())  # (mkdtemp makes it private; a course folder is not)
        if dest.is_dir():
            dest.rmdir()  # (empty, checked above; a file put there since makes this fail)
        os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


__all__ = ["LANGUAGES", "PAPERS", "NewError", "Settings", "atomic_folder", "course_id", "write_starter"]
