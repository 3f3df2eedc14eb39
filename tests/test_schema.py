"""Published JSON Schemas: generated from the model, kept in docs/, valid for the sample."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from coursepack.cli import main
from coursepack.content import schema

from conftest import ROOT, SAMPLE


@pytest.mark.parametrize("name", sorted(schema.FILES))
def test_docs_schemas_are_up_to_date(name: str) -> None:
    committed = (ROOT / "docs" / "schema" / schema.FILES[name]).read_text()
    assert committed == schema.dumps(name), "run `make docs` and commit docs/schema"


def test_schema_command_prints_course_schema() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["title"] == "coursepack course.yaml"
    assert "units" in data["required"]


def test_sample_course_validates_against_the_schemas() -> None:
    course = yaml.safe_load((SAMPLE / "course.yaml").read_text())
    course["date"] = str(course["date"])
    jsonschema.validate(course, schema.schema("course"))
    for unit in (SAMPLE / "units").glob("*.md"):
        front = unit.read_text().split("---")[1]
        jsonschema.validate(yaml.safe_load(front), schema.schema("unit"))
    for reading_file in (SAMPLE / "readings").glob("*.yaml"):
        jsonschema.validate(yaml.safe_load(reading_file.read_text()), schema.schema("reading"))


def test_schema_rejects_unknown_keys() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "title": "T", "colour": "blue"}, schema.schema("unit"))
