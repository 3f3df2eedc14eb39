"""The translator's workflow: start a language, record what each file was translated from, report status.

``translations/<lang>/translation.yaml`` records the SHA-256 of each source file a translation was made
from, and ``translations/<lang>/.source/`` keeps that version of the source, so ``status`` can say which
translations are outdated and show what changed in the source since.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError
from pydantic import BaseModel

from coursepack import jail
from coursepack.atomic import atomic_write
from coursepack.content.load import nested_model
from coursepack.content.localize import Fallback, translation_dir, translation_file
from coursepack.content.model import (
    IMAGE_TYPES,
    Assessment,
    Course,
    CourseMeta,
    ExerciseMeta,
    GlossaryEntry,
    Plan,
    Reading,
    UnitMeta,
    is_translatable,
)
from coursepack.content.readingfiles import parse_reading_file
from coursepack.content.validate import source_files
from coursepack.content.yamlsource import read_text, split_front_matter
from coursepack.errors import BuildError, Diagnostics, display_path
from coursepack.markdown.attributes import Attrs
from coursepack.markdown.document import Parsed

RECORD = "translation.yaml"


def digest(path: Path, root: Path) -> str:
    return hashlib.sha256(jail.read_bytes(path, [root])).hexdigest()


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# what each source file is, for the translatable part of it (the marks in model.py say which keys)
_FILE_MODELS: dict[str, tuple[type[BaseModel], bool]] = {
    "course.yaml": (CourseMeta, False),
    "units": (UnitMeta, False),
    "exercises": (ExerciseMeta, False),
    "readings": (Reading, True),
    "instructor/plans.yaml": (Plan, True),
    "instructor/assessment.yaml": (Assessment, False),
    "glossary.yaml": (GlossaryEntry, True),
}


def _text_of(data: Any, model: type[BaseModel], entry: bool) -> Any:
    """The translatable part of ``data`` (a source file's YAML, parsed): an entry's ``id`` and
    every key marked TRANSLATABLE that has text, nested entries by the same rule; the course's
    ``terms`` are the translator's own, not copied."""
    if isinstance(data, list):
        return [_text_of(item, model, entry) for item in data]
    if not isinstance(data, dict):
        return data
    keep: dict[str, Any] = {}
    if entry and "id" in data and "id" in model.model_fields:
        keep["id"] = data["id"]
    for name, info in model.model_fields.items():
        value = data.get(name)
        if not is_translatable(info) or value in (None, "", [], {}) or typing.get_origin(info.annotation) is dict:
            continue
        nested = nested_model(info.annotation)
        keep[name] = _text_of(value, nested, True) if nested is not None else value
    return keep


def text_only(root: Path, rel: str) -> str:
    """The translatable part of a source file, as a translation file starts out."""
    text = read_text(root / rel, root)
    top = rel.split("/")[0]
    if translation_file(rel) != rel:  # a reading list in BibTeX or CSL-JSON: its ids and annotations, in YAML
        got = parse_reading_file(root / rel, text, Diagnostics())
        return _dump(_text_of([e.reading.model_dump(exclude_defaults=True) for e in got.entries], Reading, True))
    model, entry = _FILE_MODELS.get(rel) or _FILE_MODELS.get(top) or (None, False)
    if model is None:  # (Markdown without front matter, or a file that is all text)
        return text
    if rel.endswith(".md"):
        front, body, _ = split_front_matter(text)
        if front is None:
            return text
        return "---\n" + _dump(_text_of(yaml.safe_load(front) or {}, model, entry)) + "---\n" + body
    return _dump(_text_of(yaml.safe_load(text), model, entry))


def _read_record(tdir: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(read_text(tdir / RECORD, tdir)) or {}
    except (OSError, ValueError, yaml.YAMLError):  # (a record that does not read is made again)
        data = {}
    if not isinstance(data, dict):
        data = {}
    data.setdefault("files", {})
    return data


def _write_record(tdir: Path, record: dict[str, Any]) -> None:
    header = "# Written by `coursepack translate`: the source each file was translated from. Do not edit.\n"
    atomic_write(tdir / RECORD, (header + _dump(record)).encode("utf-8"))


def _remember(course: Course, tdir: Path, record: dict[str, Any], rel: str) -> None:
    src = course.root / rel
    data = jail.read_bytes(src, [course.root])
    record["files"][rel] = {"source_sha256": hashlib.sha256(data).hexdigest()}
    atomic_write(tdir / ".source" / rel, data)


def _language_code(lang: str) -> bool:
    """A code Babel knows ('fr', 'pt-BR'), or a three-letter ISO 639-3 one it may not ('prs')."""
    if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", lang):
        return False
    try:
        Locale.parse(lang.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return len(lang.split("-")[0]) == 3
    return True


def start(course: Course, lang: str, update: list[str] | None = None) -> list[str]:
    """Create or complete ``translations/<lang>/``; with ``update``, mark those files as current."""
    if lang == course.meta.language:
        raise BuildError(f"'{lang}' is the source language of {course.meta.id}: nothing to translate")
    if not _language_code(lang):
        raise BuildError(f"'{lang}' is not a language code: use one such as fr, es, ar, ru, zh or pt-BR")
    tdir = translation_dir(course, lang)
    record = _read_record(tdir)
    record["source_language"] = course.meta.language
    sources = [p.relative_to(course.root).as_posix() for p in source_files(course.root) if p.is_file()]
    lines = []
    if update:
        for rel in update:
            if rel not in sources:
                raise BuildError(f"{rel} is not a source file of {course.meta.id} (use paths like units/intro.md)")
            _remember(course, tdir, record, rel)
            lines.append(f"current   {rel}")
            lines += _sections_missing(course.root / rel, tdir / translation_file(rel), course.root, rel, lang)
    else:
        for rel in sources:
            target = tdir / translation_file(rel)
            if not target.is_file():
                atomic_write(target, text_only(course.root, rel).encode("utf-8"))
                _remember(course, tdir, record, rel)
                lines.append(f"created   {translation_file(rel)}")
            elif rel not in record["files"]:
                _remember(course, tdir, record, rel)
                lines.append(f"recorded  {rel}")
    _write_record(tdir, record)
    started = any(line.startswith("created") for line in lines)
    if not lines:
        lines.append(
            f"nothing to do: every file to translate is in {display_path(tdir)}; "
            f"`coursepack status {display_path(course.root)} --lang {lang}` shows what is outdated"
        )
    images = [p for p in sorted((course.root / "figures").glob("*")) if p.suffix.lower() in IMAGE_TYPES]
    if images and started:
        lines.append(
            f"note: the {len(images)} image(s) in figures/ stay the source's; to translate one, save your "
            f"version under the same name in {display_path(tdir / 'figures')}/"
        )
    if lang not in course.languages:
        lines.append(f"note: add '{lang}' to 'languages' in course.yaml to build it")
    return lines


@dataclass
class FileStatus:
    path: str
    state: str  # translated | outdated | untranslated | missing | untracked
    words: int
    fallback: list[str] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)
    lacks: str = ""  # "4 sections in the source, 3 here ('Consent online')": text not in the packs at all
    fallback_words: int = 0  # the words of ``fallback``


@dataclass
class LangStatus:
    lang: str
    files: list[FileStatus]

    @property
    def percent(self) -> float:
        total = sum(f.words for f in self.files) or 1
        done = sum(max(0, f.words - f.fallback_words) for f in self.files if f.state in ("translated", "untracked"))
        return 100.0 * done / total


def outdated(course: Course, lang: str) -> list[str]:
    """The source files changed since their translation into ``lang`` was recorded (what the
    translation lacks of them is not in its packs: ``status`` shows the change)."""
    tdir = translation_dir(course, lang)
    record = _read_record(tdir)["files"]
    return [
        rel
        for rel in sorted(record)
        if (tdir / translation_file(rel)).is_file()
        and (course.root / rel).is_file()
        and _source_changed(record[rel], course, tdir, rel)
    ]


def _source_changed(entry: dict[str, Any], course: Course, tdir: Path, rel: str) -> bool:
    """Whether the source's text changed since its translation was recorded.

    Only what a translator translates counts (``text_only``): a language added to
    ``course.yaml``'s list, a duration or an id changed is nothing to translate again.
    """
    if entry.get("source_sha256") == digest(course.root / rel, course.root):
        return False
    recorded = tdir / ".source"
    if not (recorded / rel).is_file():
        return True  # no copy of the source as it was: any change counts
    try:
        return text_only(recorded, rel) != text_only(course.root, rel)
    except Exception:  # a copy that no longer reads (an old format): any change counts
        return True


def _headings(path: Path, root: Path) -> list[tuple[str, str]]:
    """(title, id) of each ``##`` section of a Markdown file's body."""
    _, body, first = split_front_matter(read_text(path, root))
    parsed = Parsed(path, body, first)
    return [(s.title, parsed.tokens[s.start].meta.get("attrs", Attrs()).id or "") for s in parsed.sections() if s.title]


def _lacks(source: Path, translation: Path, root: Path) -> str:
    """'the source has 4 sections, the translation 3 ('Consent online')', or '' when none is missing."""
    if source.suffix != ".md" or not translation.is_file():
        return ""
    theirs, ours = _headings(source, root), _headings(translation, root)
    if len(ours) >= len(theirs):
        return ""
    ids = {i for _, i in ours if i}
    named = [f"'{title}'" for title, i in theirs if i and i not in ids]
    which = f" ({', '.join(named)})" if named else ""
    return f"the source has {len(theirs)} sections, the translation {len(ours)}{which}"


def _sections_missing(source: Path, translation: Path, root: Path, rel: str, lang: str) -> list[str]:
    """A warning when the translation recorded as current lacks sections the source has."""
    lacks = _lacks(source, translation, root)
    return [f"warning: {rel}: {lacks}: what is not translated is not in the {lang} packs"] if lacks else []


def _text_lines(recorded: Path, root: Path, rel: str) -> tuple[list[str], list[str]]:
    """The translatable text of a file as it was translated and as it is now, for a diff
    showing what the translator has to change (a changed duration or id is left out)."""
    if not (recorded / rel).is_file():
        return [], read_text(root / rel, root).splitlines()
    try:
        return text_only(recorded, rel).splitlines(), text_only(root, rel).splitlines()
    except jail.Outside:  # a recorded copy that leads out of the course: not shown
        return [], read_text(root / rel, root).splitlines()
    except Exception:  # a copy that no longer reads (an old format): the files as they are
        return read_text(recorded / rel, recorded).splitlines(), read_text(root / rel, root).splitlines()


def status(course: Course, lang: str, fallbacks: list[Fallback]) -> LangStatus:
    """Per source file: translated, outdated (with the source's diff), missing or not yet recorded."""
    tdir = translation_dir(course, lang)
    record = _read_record(tdir)["files"]
    files = []
    for src in source_files(course.root):
        if not src.is_file():
            continue
        rel = src.relative_to(course.root).as_posix()
        words = len(read_text(src, course.root).split())
        mine = [f for f in fallbacks if f.path == rel and f.what != "whole file"]
        parts, left = [f.what for f in mine], sum(f.words for f in mine)
        if not (tdir / translation_file(rel)).is_file():
            files.append(FileStatus(rel, "missing", words))
        elif read_text(tdir / translation_file(rel), course.root) == text_only(course.root, rel):
            files.append(FileStatus(rel, "untranslated", words))
        elif rel not in record:
            files.append(FileStatus(rel, "untracked", words, parts, fallback_words=left))
        elif _source_changed(record[rel], course, tdir, rel):
            diff = list(
                difflib.unified_diff(
                    *_text_lines(tdir / ".source", course.root, rel),
                    "source when translated",
                    "source now",
                    lineterm="",
                    n=1,
                )
            )
            files.append(
                FileStatus(
                    rel, "outdated", words, parts, diff, _lacks(src, tdir / translation_file(rel), course.root), left
                )
            )
        else:
            files.append(
                FileStatus(
                    rel,
                    "translated",
                    words,
                    parts,
                    lacks=_lacks(src, tdir / translation_file(rel), course.root),
                    fallback_words=left,
                )
            )
    return LangStatus(lang, files)
