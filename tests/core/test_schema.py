"""The JSON Schemas: checked in without drift, and in agreement with what the loader accepts."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator

from polycloud import load_spec
from polycloud.schema import draft07_schema, json_schema, render
from polycloud.units import parse_duration, parse_memory

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in {".yaml", ".yml", ".json", ".toml"})
SCHEMA = json_schema()
VALIDATOR = Draft202012Validator(SCHEMA)
DRAFT07 = Draft7Validator(draft07_schema())
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"


def read_document(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    if path.suffix == ".toml":
        return tomllib.loads(text)
    return yaml.safe_load(text)


@pytest.mark.parametrize(("name", "version"), [("functionspec.schema.json", "2020-12"),
                                               ("functionspec.draft-07.schema.json", "draft-07")])
def test_checked_in_schema_has_not_drifted(name, version):
    checked_in = (SCHEMAS / name).read_text(encoding="utf-8")
    assert checked_in == render(version), f"regenerate with: polycloud schema --output-dir schemas ({name})"


def test_schemas_are_valid_schemas():
    Draft202012Validator.check_schema(SCHEMA)
    Draft7Validator.check_schema(draft07_schema())
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "#/$defs/" not in json.dumps(draft07_schema())


def test_there_are_yaml_examples():
    assert any(p.suffix == ".yaml" for p in EXAMPLES)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_validate_against_the_schemas(example):
    document = read_document(example)
    assert list(VALIDATOR.iter_errors(document)) == []
    assert list(DRAFT07.iter_errors(document)) == []
    load_spec(example)  # and the loader agrees


@pytest.mark.parametrize(("document", "where"), [
    ({"name": "x", "image": ECR, "memroy": 512}, "memroy"),
    ({"name": "x", "image": ECR, "concurrency": {"max_instancs": 2}}, "max_instancs"),
    ({"name": "x", "image": ECR, "providers": {"aws": {"regoin": "us-east-1"}}}, "regoin"),
    ({"name": "x", "image": ECR, "secrets": {"DB": {"gpc": "x"}}}, "gpc"),
])
def test_unknown_key_fails_the_schema(document, where):
    errors = list(VALIDATOR.iter_errors(document))
    assert errors
    assert any(where in error.message for error in errors)
    assert list(DRAFT07.iter_errors(document))


@pytest.mark.parametrize("document", [
    {"image": ECR},
    {"name": "x", "image": ECR, "memory": "1G"},
    {"name": "x", "image": ECR, "memory": 0},
    {"name": "x", "image": ECR, "timeout": "500ms"},
    {"name": "x", "image": ECR, "network": {"ingress": "everyone"}},
    {"name": "x", "image": ECR, "environment": ["A", "B"]},
])
def test_invalid_documents_fail_the_schema(document):
    assert list(VALIDATOR.iter_errors(document))


def _pattern(field: str) -> str:
    (string,) = [s for s in SCHEMA["properties"][field]["anyOf"] if s.get("type") == "string"]
    return string["pattern"]


SIZE = _pattern("memory")
DURATION = _pattern("timeout")
ASCII = st.characters(codec="ascii")


@settings(max_examples=60)
@given(st.from_regex(SIZE, alphabet=ASCII))
def test_a_size_the_schema_accepts_the_parser_accepts(text):
    try:
        parse_memory(text)
    except ValueError as exc:  # only what a pattern cannot express: a fraction of a MiB
        assert "whole number of MiB" in str(exc), (text, str(exc))


@settings(max_examples=60)
@given(st.from_regex(DURATION, alphabet=ASCII))
def test_a_duration_the_schema_accepts_the_parser_accepts(text):
    try:
        parse_duration(text)
    except ValueError as exc:  # a fraction of a second
        assert "whole number of seconds" in str(exc), (text, str(exc))


SPACE = st.sampled_from(["", " ", "  "])


@given(SPACE, st.integers(0, 10**6), st.sampled_from(["", ".5", ".25"]), SPACE,
       st.sampled_from(["Mi", "MiB", "MB", "Gi", "GiB", "GB", "mib", "gb", "GIB"]), SPACE)
def test_a_size_the_parser_accepts_the_schema_accepts(lead, number, fraction, gap, unit, trail):
    text = f"{lead}{number}{fraction}{gap}{unit}{trail}"
    try:
        parse_memory(text)
    except ValueError:
        return
    assert re.search(SIZE, text), text


@given(st.lists(st.tuples(st.integers(0, 999), SPACE, st.sampled_from(["h", "m", "min", "s", "H", "M", "S"])),
                min_size=1, max_size=3), SPACE)
def test_a_duration_the_parser_accepts_the_schema_accepts(parts, trail):
    text = "".join(f"{n}{gap}{unit}" for n, gap, unit in parts) + trail
    parse_duration(text)
    assert re.search(DURATION, text), text


def test_int_and_plain_number_strings():
    for text in ["1024", " 512 "]:
        assert re.search(SIZE, text) and parse_memory(text)
    for text in ["30", " 90 "]:
        assert re.search(DURATION, text) and parse_duration(text)
