"""``polycloud portability SPEC --to P``: the per-field report offline, in text, JSON and Markdown; fit and
refusals for a function near one cloud's limits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from polycloud import FunctionSpec, portability
from polycloud.cli import main

NEAR_LIMITS = {"name": "batch", "image": "europe-docker.pkg.dev/acme/apps/batch:1", "memory": "8GiB",
               "timeout": "45m", "network": {"ingress": "internal"},
               "providers": {"gcp": {"project": "acme", "region": "europe-west1"}}}
AZURE_PLACE = {"subscription_id": "00000000-0000-0000-0000-000000000000", "resource_group": "rg",
               "location": "westeurope", "registry_managed_identity": True}


@pytest.fixture
def near_limits(tmp_path: Path) -> Path:
    path = tmp_path / "batch.yaml"
    path.write_text(yaml.safe_dump(NEAR_LIMITS), encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["portability", *argv])
    return code, capsys.readouterr().out


def test_json_report_has_a_row_for_every_field(near_limits: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, str(near_limits), "--to", "aws", "--image", "123456789012.dkr.ecr.us-east-1."
                     "amazonaws.com/batch:1", "--target-setting", "region=us-east-1", "-f", "json")
    report = json.loads(out)
    assert code == 1  # 45 minutes is refused without --fit
    assert (report["source"], report["target"], report["name"]) == ("gcp-cloud-run", "aws-lambda", "batch")
    fields = {row["field"]: row for row in report["fields"]}
    for field in FunctionSpec.model_fields:
        if field not in ("environment", "tags", "secrets", "providers", "concurrency", "network"):
            assert field in fields, field
    assert {"concurrency.per_instance", "network.auth", "providers.gcp.project", "providers.gcp.region"} <= set(fields)
    timeout = fields["timeout"]
    assert (timeout["status"], timeout["rule"], timeout["source"]) == ("refused", "aws-timeout", 2700)
    assert "--fit" in timeout["message"] and "--override timeout=VALUE" in timeout["message"]
    assert fields["providers.gcp.project"]["status"] == "dropped"


def test_fit_takes_the_nearest_allowed_value_and_says_so(near_limits: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, str(near_limits), "--to", "aws", "--fit", "--image", "123456789012.dkr.ecr.us-east-1."
                     "amazonaws.com/batch:1", "--target-setting", "region=us-east-1", "-f", "json")
    assert code == 0
    timeout = {row["field"]: row for row in json.loads(out)["fields"]}["timeout"]
    assert (timeout["status"], timeout["target"], timeout["rule"]) == ("adjusted", 900, "aws-timeout")
    assert "nearest allowed value" in timeout["message"]


def test_fit_chooses_the_azure_plan_that_holds_the_memory(near_limits: Path) -> None:
    refused = portability(near_limits, "azure", providers=AZURE_PLACE, image="acme.azurecr.io/batch:1")
    assert {row.field: row.rule for row in refused.refused} == {"memory": "azure-memory", "timeout": "azure-timeout"}
    fitted = portability(near_limits, "azure", providers=AZURE_PLACE, image="acme.azurecr.io/batch:1", fit=True)
    assert fitted.ok
    plan = fitted.row("providers.azure.plan")
    assert (plan.status.value, plan.source, plan.target) == ("adjusted", "EP1", "EP3")
    memory = fitted.row("memory")
    assert (memory.status.value, memory.source, memory.target) == ("adjusted", 8192, 14336)
    assert "no per-app memory setting" in memory.message


def test_cloud_run_raises_cpu_for_memory_on_fit() -> None:
    spec = FunctionSpec(name="big", image="123456789012.dkr.ecr.us-east-1.amazonaws.com/big:1", memory=10240)
    refused = portability(spec, "gcp", providers={"project": "p", "region": "europe-west1"},
                          image="europe-docker.pkg.dev/p/r/big:1")
    assert refused.row("memory").rule == "gcp-memory"
    fitted = portability(spec, "gcp", providers={"project": "p", "region": "europe-west1"},
                         image="europe-docker.pkg.dev/p/r/big:1", fit=True)
    assert fitted.ok
    cpu = fitted.row("cpu")  # Cloud Run reads 4 vCPU back as unset: it is the cpu it derives for 10 GiB
    assert (cpu.status.value, cpu.rule) == ("exact", "gcp-memory")
    assert "cpu raised to 4" in cpu.message
    assert fitted.row("memory").status.value == "exact"


def test_text_and_markdown(near_limits: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [str(near_limits), "--to", "azure", "--fit", "--image", "acme.azurecr.io/batch:1"]
    args += [f"--target-setting={k}={v}" for k, v in AZURE_PLACE.items()]
    code, text = _run(capsys, *args)
    assert code == 0
    assert text.startswith("batch: gcp-cloud-run -> azure-functions\n")
    assert "providers.azure.plan" in text and "to do:" in text and "crane copy" in text
    code, markdown = _run(capsys, *args, "-f", "markdown")
    assert markdown.startswith("## batch: gcp-cloud-run -> azure-functions")
    assert "| `memory` | adjusted | `8192` | `14336` |" in markdown
    assert "### To do" in markdown


def test_lost_values_are_never_exact() -> None:
    spec = FunctionSpec.model_validate({
        "name": "w", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/w:1", "ephemeral_storage": "2GiB",
        "tags": {"Team": "Orders"}, "network": {"ingress": "none"},
        "concurrency": {"max_instances": 10, "per_instance": 8}})  # a neutral spec, written for no provider
    to_gcp = portability(spec, "gcp", providers={"project": "p", "region": "r"}, image="gcr.io/p/w:1")
    assert to_gcp.row("ephemeral_storage").status.value == "dropped"
    tag = to_gcp.row("tags.Team")
    assert (tag.status.value, tag.target) == ("adjusted", "orders")
    assert "lowercase" in tag.message
    to_aws = portability(spec, "aws", providers={"region": "us-east-1"})
    ingress = to_aws.row("network.ingress")
    assert (ingress.status.value, ingress.source, ingress.target) == ("adjusted", "none", "internal")
    assert to_aws.row("concurrency.max_instances").target == 80


def test_an_image_azure_cannot_pull_is_refused_with_the_copy_to_make() -> None:
    spec = FunctionSpec(name="w", image="123456789012.dkr.ecr.us-east-1.amazonaws.com/w:1")
    report = portability(spec, "azure", providers=AZURE_PLACE)
    row = report.row("image")
    assert (row.status.value, row.rule) == ("refused", "migrate-image-registry")
    assert "--image-map 123456789012.dkr.ecr.us-east-1.amazonaws.com=REGISTRY.azurecr.io" in row.message
