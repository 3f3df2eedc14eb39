"""JSON Schemas of course.yaml, front matter and data files, for editors that validate as you type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from coursepack.content.model import SCHEMAS

FILES = {
    "course": "course.schema.json",
    "unit": "unit.schema.json",
    "exercise": "exercise.schema.json",
    "reading": "reading.schema.json",
    "plan": "plan.schema.json",
    "assessment": "assessment.schema.json",
}
TITLES = {
    "course": "coursepack course.yaml",
    "unit": "coursepack unit front matter (units/*.md)",
    "exercise": "coursepack exercise front matter (exercises/*.md)",
    "reading": "coursepack reading list (readings/*.yaml)",
    "plan": "coursepack class plans (instructor/plans.yaml)",
    "assessment": "coursepack assessment (instructor/assessment.yaml)",
}


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of file."""
    data = SCHEMAS[name].model_json_schema()
    if name in ("reading", "plan"):  # these files are lists of entries
        defs = data.pop("$defs", {})
        data = {"type": "array", "items": data, **({"$defs": defs} if defs else {})}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **data, "title": TITLES[name]}


def dumps(name: str) -> str:
    return json.dumps(schema(name), indent=2, ensure_ascii=False) + "\n"


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, filename in FILES.items():
        path = folder / filename
        path.write_text(dumps(name), encoding="utf-8")
        paths.append(path)
    return paths
