"""The issue's worker migrates in all six directions on the sandbox with the migration flags; the JSON report
has a row for every field; an export from the target matches the source on every row it calls exact."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from polycloud import FunctionSpec
from polycloud.migration.paths import get_path
from tests.migration.conftest import Cli
from tests.migration.workers import SECRET, migration_flags, source_flags

DIRECTIONS = [(s, t) for s in ("aws", "gcp", "azure") for t in ("aws", "gcp", "azure") if s != t]
TARGET_FLAGS = {"aws": ["--region", "us-east-1"], "gcp": ["--project", "acme", "--region", "europe-west1"],
                "azure": ["--resource-group", "rg-orders"]}


def _export(cli: Cli, name: str, cloud: str) -> FunctionSpec:
    ran = cli("export", name, "-p", cloud, "--sandbox", "-f", "json", *TARGET_FLAGS[cloud])
    assert ran.code == 0, ran.err
    return FunctionSpec.model_validate(yaml.safe_load(ran.out))


def _expected_rows(source: FunctionSpec, section: str) -> set[str]:
    rows = {"name", "image", "image_contract", "port", "memory", "timeout", "cpu", "architecture",
            "ephemeral_storage", "concurrency.min_instances", "concurrency.max_instances", "concurrency.per_instance",
            "network.ingress", "network.auth", "network.egress"}
    rows |= {f"{field}.{key}" for field in ("environment", "tags", "secrets") for key in getattr(source, field)}
    settings = getattr(source.providers, section).model_dump(exclude_unset=True)
    rows |= {f"providers.{section}.{key}" for key, value in settings.items() if value not in (None, "", [], False)}
    return rows


@pytest.mark.parametrize(("source", "target"), DIRECTIONS)
def test_worker_migrates(cli: Cli, deployed_worker: Callable[[str], str], source: str, target: str) -> None:
    name = deployed_worker(source)
    exported_source = _export(cli, name, source)

    ran = cli("migrate", name, "--from", source, "--to", target, "--sandbox", "-f", "json",
              *source_flags(source), *migration_flags(source, target))

    assert ran.code == 0, ran.out + ran.err
    report = ran.json()
    assert set(report) == {"source", "target", "name", "fields", "todo", "deployment"}
    assert report["deployment"]["action"] == "created"
    rows = {row["field"]: row for row in report["fields"]}
    assert _expected_rows(exported_source, source) <= set(rows)
    assert all(set(row) == {"field", "status", "source", "target", "rule", "message"} for row in rows.values())

    on_target = _export(cli, name, target).model_dump(mode="json")
    for field, row in rows.items():
        if row["status"] == "exact" and not field.startswith("providers."):
            assert get_path(on_target, field) == row["source"], field
        elif row["status"] != "exact":
            assert row["message"], field
    assert on_target["secrets"]["DB_PASSWORD"][target] == SECRET[target]
    assert rows["secrets.DB_PASSWORD"]["status"] == ("emulated" if target == "aws" else "adjusted")
    kinds = {item["kind"] for item in report["todo"]}
    assert {"secret-access", "image", "callers", "retire", "invoker"} <= kinds
    copy = next(item["command"] for item in report["todo"] if item["command"] and "crane" in item["command"])
    assert copy == f"crane copy {exported_source.image} {on_target['image']}"


def test_gcp_total_concurrency_is_carried_to_lambda(cli: Cli, deployed_worker: Callable[[str], str]) -> None:
    name = deployed_worker("gcp")
    ran = cli("migrate", name, "--from", "gcp", "--to", "aws", "--sandbox", "-f", "json",
              *source_flags("gcp"), *migration_flags("gcp", "aws"))
    assert ran.code == 0, ran.err
    rows = {row["field"]: row for row in ran.json()["fields"]}
    assert (rows["concurrency.max_instances"]["status"], rows["concurrency.max_instances"]["target"]) == (
        "adjusted", 80)
    assert "10 x 8 = 80 reserved concurrency" in rows["concurrency.max_instances"]["message"]
    assert rows["concurrency.per_instance"]["status"] == "adjusted"
    on_lambda = _export(cli, name, "aws")
    assert (on_lambda.concurrency.max_instances, on_lambda.concurrency.min_instances) == (80, 16)


def test_source_export_notes_reach_the_result(cli: Cli, deployed_worker: Callable[[str], str]) -> None:
    name = deployed_worker("azure")
    ran = cli("migrate", name, "--from", "azure", "--to", "gcp", "--sandbox", "-f", "json",
              *source_flags("azure"), *migration_flags("azure", "gcp"))
    assert ran.code == 0, ran.err
    notes = ran.json()["deployment"]["notes"]
    assert any(note.startswith("source azure-functions: memory is the EP1 plan's instance size") for note in notes)
