"""JSON Schemas of the spec, generated from the model (2020-12, plus a draft-07 copy for editors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from polycloud.spec import FunctionSpec
from polycloud.units import DURATION_PATTERN, SIZE_PATTERN

__all__ = ["draft07_schema", "json_schema", "write_schemas"]

SCHEMA_2020 = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_07 = "http://json-schema.org/draft-07/schema#"
FILES = {"functionspec.schema.json": "2020-12", "functionspec.draft-07.schema.json": "draft-07"}


def json_schema() -> dict[str, Any]:
    """The 2020-12 schema of a spec file (what files may contain, units as strings too)."""
    schema = FunctionSpec.model_json_schema(mode="validation")
    schema = {"$schema": SCHEMA_2020, "$id": "https://polycloud.dev/schemas/functionspec.schema.json",
              "title": "polycloud FunctionSpec", **schema}
    _allow_unit_strings(schema)
    return schema


def _allow_unit_strings(schema: dict[str, Any]) -> None:
    props = schema["properties"]
    # the strings polycloud.units accepts, from its own patterns
    size = {"type": "string", "pattern": SIZE_PATTERN}
    duration = {"type": "string", "pattern": DURATION_PATTERN}
    for key, extra in (("memory", size), ("timeout", duration)):
        props[key] = {"description": props[key].get("description", ""), "default": props[key].get("default"),
                      "anyOf": [{"type": "integer", "exclusiveMinimum": 0}, extra]}
    props["ephemeral_storage"] = {"description": props["ephemeral_storage"].get("description", ""),
                                  "anyOf": [{"type": "integer", "exclusiveMinimum": 0}, size, {"type": "null"}],
                                  "default": None}


def draft07_schema() -> dict[str, Any]:
    """The same schema for draft-07 editors ($defs -> definitions)."""
    text = json.dumps(json_schema()).replace("#/$defs/", "#/definitions/")
    schema: dict[str, Any] = json.loads(text)
    schema["definitions"] = schema.pop("$defs", {})
    schema["$schema"] = SCHEMA_07
    schema["$id"] = "https://polycloud.dev/schemas/functionspec.draft-07.schema.json"
    return schema


def render(version: str) -> str:
    """The text of one schema file."""
    schema = json_schema() if version == "2020-12" else draft07_schema()
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write both schema files into ``directory``; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, version in FILES.items():
        path = directory / name
        path.write_text(render(version), encoding="utf-8")
        written.append(path)
    return written
