from __future__ import annotations

import json

import pytest


@pytest.fixture
def write_spec(tmp_path):
    """Write a spec document as YAML-compatible JSON and return its path."""

    def write(document: dict, name: str = "spec.json"):
        path = tmp_path / name
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        return path

    return write
