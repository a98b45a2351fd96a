"""migrate: read a live function from one provider and deploy it to another (offline sandbox)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from polycloud import MigrationRefusedError, deploy, export, load_spec, migrate
from polycloud.cli import main
from polycloud.testing import sandbox

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "hello-api.yaml"
GCP_IMAGE = "europe-docker.pkg.dev/acme/apps/hello-api:1.0.0"


@pytest.fixture
def clouds() -> Iterator[None]:
    sandbox.reset()
    yield
    sandbox.reset()


def test_aws_to_cloud_run_carries_every_portable_field(clouds: None) -> None:
    source = load_spec(EXAMPLE)
    deploy(source, "aws", settings=sandbox.sandbox_settings("aws-lambda"))
    result = migrate("hello-api", "aws", "gcp",
                               source_settings=sandbox.sandbox_settings("aws-lambda"),
                     target_settings=sandbox.sandbox_settings("gcp-cloud-run"),
                     providers={"project": "acme", "region": "europe-west1"}, image=GCP_IMAGE)
    assert result.deployment.action == "created"
    assert result.source.spec.memory == source.memory
    on_gcp = export("hello-api", "gcp",
                    settings={**sandbox.sandbox_settings("gcp-cloud-run"), "project": "acme",
                              "region": "europe-west1"}).spec
    for field in ("name", "memory", "timeout", "port", "environment", "tags", "concurrency", "network"):
        assert getattr(on_gcp, field) == getattr(source, field), field
    assert on_gcp.image_for("gcp") == GCP_IMAGE


def test_migration_that_does_not_fit_writes_nothing(clouds: None) -> None:
    deploy(load_spec(EXAMPLE), "aws", settings=sandbox.sandbox_settings("aws-lambda"))
    run = sandbox.fakes["gcp-cloud-run"]
    with pytest.raises(MigrationRefusedError) as caught:   # an ECR image is not a registry Cloud Run can pull from
        migrate("hello-api", "aws", "gcp", source_settings=sandbox.sandbox_settings("aws-lambda"),
                target_settings=sandbox.sandbox_settings("gcp-cloud-run"),
                providers={"project": "acme", "region": "europe-west1"})
    assert [f.rule for f in caught.value.report.errors] == ["gcp-image-registry"]
    assert run.calls == []


def test_cli_migrate_in_the_sandbox(clouds: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "deploy", str(EXAMPLE), "-p", "aws", "--sandbox"]) == 0
    capsys.readouterr()
    code = main(["migrate", "hello-api", "--from", "aws", "--to", "azure", "--sandbox", "--format", "json",
                 "--target-setting", "subscription_id=00000000-0000-0000-0000-000000000000",
                 "--target-setting", "resource_group=rg-moved", "--target-setting", "location=westeurope",
                 "--target-setting", "registry_managed_identity=true", "--image", "acme.azurecr.io/hello-api:1.0.0"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["deployment"]["provider"], out["deployment"]["action"]) == ("azure-functions", "created")
    assert (out["source"], out["target"], out["name"]) == ("aws-lambda", "azure-functions", "hello-api")
    assert any("AcrPull" in item["text"] for item in out["todo"])
    site = sandbox.fakes["azure-functions"].site("rg-moved", "hello-api")
    assert site["properties"]["siteConfig"]["linuxFxVersion"] == "DOCKER|acme.azurecr.io/hello-api:1.0.0"


def test_an_acr_image_without_an_identity_is_refused(clouds: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "deploy", str(EXAMPLE), "-p", "aws", "--sandbox"]) == 0
    capsys.readouterr()
    code = main(["migrate", "hello-api", "--from", "aws", "--to", "azure", "--sandbox", "--format", "json",
                 "--target-setting", "resource_group=rg-moved", "--target-setting", "location=westeurope",
                 "--image", "acme.azurecr.io/hello-api:1.0.0"])
    assert code == 1
    image = next(row for row in json.loads(capsys.readouterr().out)["fields"] if row["field"] == "image")
    assert (image["status"], image["rule"]) == ("refused", "migrate-image-registry")
    assert "registry_managed_identity=true" in image["message"]
    assert sandbox.fakes["azure-functions"].writes == []
