"""Hard migrations made possible, and safe by default: mappings, fit, refusals with fixes, --replace, --dry-run,
names checked before any write (CLI and Python API on the in-process sandbox)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from polycloud import FunctionSpec, Migration, MigrationRefusedError, deploy, export, migrate
from polycloud.testing import sandbox
from tests.migration.conftest import Cli
from tests.migration.workers import ARTIFACT_REGISTRY, ECR, SECRET, migration_flags, source_flags, worker

GCP = {"project": "acme", "region": "europe-west1"}


def _gcp_settings() -> dict[str, object]:
    return {**sandbox.sandbox_settings("gcp-cloud-run"), **GCP}


def _deploy_on_aws(name: str = "orders") -> None:
    deploy(FunctionSpec.model_validate(worker("aws", name)), "aws", settings=sandbox.sandbox_settings("aws-lambda"))


def _to_gcp(name: str = "orders", **options: object) -> Migration:
    keywords: dict[str, object] = {
        "source_settings": sandbox.sandbox_settings("aws-lambda"), "target_settings": _gcp_settings(),
        "providers": {**GCP, "network": "default"}, "secrets": {"DB_PASSWORD": SECRET["gcp"]},
        "image_map": {ECR: ARTIFACT_REGISTRY}, "fit": True, **options}
    return migrate(name, "aws", "gcp", **keywords)  # type: ignore[arg-type]


def test_python_api_returns_a_migration(clouds: None) -> None:
    _deploy_on_aws()
    result = _to_gcp(overrides={"memory": "2GiB", "environment.EXTRA": 7})
    assert isinstance(result, Migration)
    assert result.deployment.action == "created"
    assert result.spec.memory == 2048 and result.spec.environment["EXTRA"] == "7"
    memory = result.report.row("memory")
    assert (memory.status.value, memory.source, memory.target) == ("adjusted", 1024, 2048)
    assert "overrides=" in memory.message
    assert result.report.row("environment.EXTRA").status.value == "adjusted"
    assert result.source.spec.architecture == "arm64"
    assert result.todo == result.report.todo
    on_gcp = export("orders", "gcp", settings=_gcp_settings()).spec
    assert on_gcp.memory == 2048 and on_gcp.architecture == "x86_64"


def test_tuple_unpacking_still_works_with_a_warning(clouds: None) -> None:
    _deploy_on_aws()
    with pytest.warns(DeprecationWarning, match="deprecated"):
        deployment, imported = _to_gcp(dry_run=True)
    assert deployment.dry_run and imported.spec.name == "orders"


def test_without_mappings_every_blocker_is_refused_with_its_fix_and_nothing_written(clouds: None) -> None:
    _deploy_on_aws()
    run = sandbox.fakes["gcp-cloud-run"]
    with pytest.raises(MigrationRefusedError) as caught:
        migrate("orders", "aws", "gcp", source_settings=sandbox.sandbox_settings("aws-lambda"),
                target_settings=_gcp_settings(), providers={**GCP, "network": "default"})
    refused = {row.field: row for row in caught.value.portability.refused}
    assert {field: row.rule for field, row in refused.items()} == {
        "image": "gcp-image-registry", "architecture": "gcp-architecture", "secrets.DB_PASSWORD": "gcp-secret-ref"}
    assert "--secret DB_PASSWORD=REFERENCE" in refused["secrets.DB_PASSWORD"].message
    assert "--image-map" in refused["image"].message
    assert "--fit" in refused["architecture"].message
    assert [f.rule for f in caught.value.report.errors] == [row.rule for row in caught.value.portability.refused]
    assert run.writes == []


def test_arm64_is_fitted_only_when_an_image_is_named(clouds: None) -> None:
    _deploy_on_aws()
    with pytest.raises(MigrationRefusedError) as caught:
        _to_gcp(image_map={}, image=None, overrides={"image": "europe-docker.pkg.dev/acme/apps/orders:1"})
    assert caught.value.portability.row("architecture").rule == "gcp-architecture"
    fitted = _to_gcp(dry_run=True).report.row("architecture")
    assert (fitted.status.value, fitted.target, fitted.rule) == ("adjusted", "x86_64", "gcp-architecture")


def test_a_function_of_the_same_name_is_never_replaced_silently(clouds: None) -> None:
    _deploy_on_aws()
    _to_gcp()
    run = sandbox.fakes["gcp-cloud-run"]
    run.reset_calls()
    with pytest.raises(MigrationRefusedError) as caught:
        _to_gcp(overrides={"network.ingress": "public", "network.auth": "none"})
    row = caught.value.portability.row("name")
    assert (row.status.value, row.rule) == ("refused", "migrate-target-exists")
    assert "--replace" in row.message
    assert run.writes == []
    replaced = _to_gcp(overrides={"memory": "2GiB"}, replace=True)
    assert replaced.deployment.action == "updated"
    assert export("orders", "gcp", settings=_gcp_settings()).spec.memory == 2048


def test_a_rename_to_another_name_is_not_blocked(clouds: None) -> None:
    _deploy_on_aws()
    _to_gcp()
    again = _to_gcp(new_name="orders-eu")
    assert again.deployment.name == "orders-eu"
    assert again.report.row("name").status.value == "adjusted"


def test_dry_run_writes_nothing_and_shows_the_plan(clouds: None) -> None:
    _deploy_on_aws()
    run = sandbox.fakes["gcp-cloud-run"]
    result = _to_gcp(dry_run=True)
    assert result.deployment.dry_run and result.deployment.action == "created"
    assert result.report.deployment is not None and result.report.deployment["dry_run"] is True
    assert run.writes == []


def test_azure_name_rules_are_checked_before_any_write(cli: Cli, deployed_worker: Callable[[str], str]) -> None:
    name = deployed_worker("gcp")
    arm = sandbox.fakes["azure-functions"]
    ran = cli("migrate", name, "--from", "gcp", "--to", "azure", "--sandbox", "-f", "json", "--name", "orders_eu",
              *source_flags("gcp"), *migration_flags("gcp", "azure"))
    assert ran.code == 1
    rows = {row["field"]: row for row in ran.json()["fields"]}
    assert (rows["name"]["status"], rows["name"]["rule"]) == ("refused", "azure-name")
    assert arm.calls == []


def test_cli_secrets_file_and_overrides(cli: Cli, deployed_worker: Callable[[str], str], tmp_path: Path) -> None:
    name = deployed_worker("aws")
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text(f"DB_PASSWORD: {SECRET['azure']}\n", encoding="utf-8")
    flags = [f for f in migration_flags("aws", "azure") if not f.startswith("--secret=")]
    ran = cli("migrate", name, "--from", "aws", "--to", "azure", "--sandbox", "--secrets-file", str(secrets),
              "--override", "memory=6GiB", "--override", "concurrency.max_instances=20", *source_flags("aws"), *flags)
    assert ran.code == 0, ran.out + ran.err
    assert "secrets.DB_PASSWORD" in ran.out and "providers.azure.plan" in ran.out
    site = sandbox.fakes["azure-functions"].site("rg-orders", name)
    settings = site["properties"]["siteConfig"]
    assert settings["functionAppScaleLimit"] == 20
    assert "migrate azure-functions " + name + ": created" in ran.out


def test_cli_refuses_a_bad_target_setting(cli: Cli) -> None:
    ran = cli("migrate", "x", "--from", "aws", "--to", "gcp", "--target-setting", "nonsense=1")
    assert ran.code == 2 and "providers.gcp has no such setting" in ran.err


def test_cli_dry_run_shows_the_report_and_the_plan(cli: Cli, deployed_worker: Callable[[str], str]) -> None:
    name = deployed_worker("azure")
    ran = cli("migrate", name, "--from", "azure", "--to", "aws", "--sandbox", "--dry-run", *source_flags("azure"),
              *migration_flags("azure", "aws"))
    assert ran.code == 0, ran.err
    assert f"{name}: azure-functions -> aws-lambda" in ran.out
    assert f"migrate aws-lambda {name}: created (dry run)" in ran.out
    assert "to do:" in ran.out
    export_ran = cli("export", name, "-p", "aws", "--sandbox", "--region", "us-east-1")
    assert export_ran.code != 0 and "does not exist" in export_ran.err  # nothing was written on Lambda


def test_cli_list_settings_work_as_target_set_too(cli: Cli, deployed_worker: Callable[[str], str]) -> None:
    name = deployed_worker("gcp")
    flags = [f for f in migration_flags("gcp", "aws") if "subnet_ids=" not in f and "security_group_ids=" not in f]
    ran = cli("migrate", name, "--from", "gcp", "--to", "aws", "--sandbox", "-f", "json", *source_flags("gcp"),
              *flags, "--target-set", "subnet_ids=subnet-0c,subnet-0d", "--target-set", "security_group_ids=sg-02")
    assert ran.code == 0, ran.out + ran.err
    on_lambda = cli("export", name, "-p", "aws", "--sandbox", "--region", "us-east-1", "-f", "json")
    assert '"subnet-0c"' in on_lambda.out and '"subnet-0d"' in on_lambda.out and '"sg-02"' in on_lambda.out
