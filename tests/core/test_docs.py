"""docs/rules.md matches the code and names every rule a check can emit; every limit is sourced."""

from __future__ import annotations

import ast
import datetime
import json
import re
import typing
from pathlib import Path

import pytest

from polycloud import FunctionSpec, registry, validate
from polycloud.ruledocs import all_rules, render_markdown

ROOT = Path(__file__).resolve().parents[2]
RULES_MD = ROOT / "docs" / "rules.md"
LIMIT_FILES = sorted((ROOT / "schemas" / "limits").glob("*.json"))
RULE_ID = re.compile(r"(spec|image|aws|azure|gcp)-[a-z0-9]+(-[a-z0-9]+)*")
# every module whose code builds findings
EMITTERS = [ROOT / "polycloud" / "checks.py", ROOT / "polycloud" / "source.py",
            *sorted((ROOT / "polycloud" / "image").glob("*.py")),
            *sorted((ROOT / "adapters").glob("*/polycloud_*/rules.py"))]


def documented() -> set[str]:
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", RULES_MD.read_text(encoding="utf-8"), re.MULTILINE))


def rule_like_constants(path: Path) -> set[str]:
    """String constants shaped like rule ids in a module, minus provider keys and contract names."""
    not_rules = {*registry.available(),
                 *typing.get_args(FunctionSpec.model_fields["image_contract"].annotation)}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and RULE_ID.fullmatch(node.value) and node.value not in not_rules}


def test_rules_md_is_generated_from_the_code():
    assert RULES_MD.read_text(encoding="utf-8") == render_markdown(), \
        "regenerate with: polycloud rules --markdown > docs/rules.md"


def test_rules_md_has_a_section_per_provider():
    text = RULES_MD.read_text(encoding="utf-8")
    for heading in ["## Spec (every provider)", "## Image (", *(f"## `{key}`" for key in registry.available())]:
        assert heading in text


def test_rule_ids_are_unique_and_documented():
    ids = [rule.id for rule in all_rules()]
    assert len(ids) == len(set(ids))
    assert set(ids) == documented()
    for rule in all_rules():
        assert RULE_ID.fullmatch(rule.id), rule.id
        assert rule.summary.strip()
        assert rule.source.startswith("https://") or rule.source == "polycloud", rule


@pytest.mark.parametrize("module", EMITTERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_rule_id_in_the_code_is_documented(module):
    missing = sorted(rule_like_constants(module) - documented())
    assert missing == [], f"{module.name} emits undocumented rule ids"


def test_the_scan_finds_the_rules():
    assert len(EMITTERS) > 5
    found = set().union(*(rule_like_constants(m) for m in EMITTERS))
    assert {"spec-syntax", "spec-value", "aws-memory", "aws-env-size", "image-shebang-crlf"} <= found
    assert "aws-lambda" not in found and "azure-functions-host" not in found


def test_rules_emitted_by_real_checks_are_documented(tmp_path):
    bad = {
        "name": "a.b" * 40, "image": "docker.io/library/nginx:latest", "image_contract": "azure-functions-host",
        "memory": "40GiB", "timeout": "2h", "cpu": 0.5, "architecture": "arm64", "ephemeral_storage": "20GiB",
        "concurrency": {"min_instances": 2000, "max_instances": 2000, "per_instance": 2000},
        "network": {"ingress": "none", "auth": "none", "egress": "vpc"},
        "environment": {"AWS_REGION": "x", "PORT": "1", "K_SERVICE": "y", "1BAD": "z", "TZ": "UTC",
                        "WEBSITES_PORT": "1", "BIG": "x" * 40000, "DB": "clash"},
        "secrets": {"DB": {}},
        "tags": {"aws:x": "y", **{f"Key{i}": "v" * 300 for i in range(70)}},
        "providers": {"aws": {"region": "us-west-2", "role": "nope",
                              "subnet_ids": [f"s{i}" for i in range(20)]},
                      "azure": {"plan": "consumption"}, "gcp": {}},
    }
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    report = validate(path)
    emitted = {finding.rule for finding in report}
    assert len(emitted) > 25
    assert emitted <= documented()


# -- limits data ----------------------------------------------------------------------------

def every_limit(data: dict) -> list[tuple[str, dict]]:
    limits = [(f"common.{key}", value) for key, value in data.get("common", {}).items()]
    for name, profile in data["profiles"].items():
        limits += [(f"profiles.{name}.{key}", value) for key, value in profile.get("limits", {}).items()]
    return limits


def test_there_is_a_limits_file_per_provider():
    assert [p.stem for p in LIMIT_FILES] == registry.available()


@pytest.mark.parametrize("path", LIMIT_FILES, ids=lambda p: p.name)
def test_every_limit_has_a_source_and_a_date(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["provider"] == path.stem
    assert data["default_profile"] in data["profiles"]
    limits = every_limit(data)
    assert limits
    problems = []
    for where, limit in [("as_of", {"source": "https://x", "as_of": data["as_of"]}), *limits]:
        if not re.fullmatch(r"https://\S+", limit.get("source", "")):
            problems.append(f"{where}: source is not an https URL: {limit.get('source')!r}")
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", limit.get("as_of", "")):
                raise ValueError
            datetime.date.fromisoformat(limit["as_of"])  # a real calendar date
        except ValueError:
            problems.append(f"{where}: as_of is not a YYYY-MM-DD date: {limit.get('as_of')!r}")
    assert problems == []
