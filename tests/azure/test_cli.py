"""The CLI end to end on the offline sandbox (FakeArmWeb behind the real SDK client)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from polycloud import FunctionSpec, load_spec
from polycloud.cli import main
from polycloud.testing import sandbox
from polycloud.testing.azure import FakeArmWeb

from .conftest import FULL_SPEC, LOCATION, RG, SUB


@pytest.fixture
def arm() -> Iterator[FakeArmWeb]:
    """The sandbox's FakeArmWeb, fresh for each test."""
    sandbox.reset()
    sandbox.sandbox_settings("azure-functions")
    fake = sandbox.fakes["azure-functions"]
    assert isinstance(fake, FakeArmWeb)
    yield fake
    sandbox.reset()


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "polycloud.json"
    path.write_text(json.dumps(FULL_SPEC))
    return path


def test_deploy_plan_export(arm: FakeArmWeb, spec_file: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "plan", str(spec_file), "-p", "azure", "--sandbox", "--format", "json"]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert (planned["action"], planned["dry_run"]) == ("created", True)
    assert arm.site(RG, "contract-fn") is None

    assert main(["-q", "deploy", str(spec_file), "-p", "azure", "--sandbox", "--format", "json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["action"] == "created"
    assert created["url"] == "https://contract-fn.azurewebsites.net"
    assert arm.site(RG, "contract-fn") is not None

    assert main(["-q", "deploy", str(spec_file), "-p", "azure", "--sandbox"]) == 0
    assert "contract-fn: unchanged" in capsys.readouterr().out

    exported = tmp_path / "exported.yaml"
    assert main(["-q", "export", "contract-fn", "-p", "azure", "--sandbox", "--resource-group", RG,
                 "-o", str(exported)]) == 0
    assert "note: memory is the EP1 plan's instance size" in capsys.readouterr().err
    back, written = load_spec(exported), FunctionSpec.model_validate(FULL_SPEC)
    # the deploy pinned the tag: the export names the image by the digest the sandbox registry resolved
    digest = sandbox.fakes["image-registry"].digest(written.image)
    assert digest and back.image == f"{written.image.rsplit(':', 1)[0]}@{digest}"
    assert back.model_copy(update={"image": written.image}) == written


def test_api_error_exits_3_with_code_and_operation(arm: FakeArmWeb, spec_file: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    arm.fail_next_operation("Conflict", "no capacity in westeurope")
    assert main(["-q", "deploy", str(spec_file), "-p", "azure", "--sandbox", "--format", "json"]) == 3
    error = json.loads(capsys.readouterr().out)["error"]
    assert (error["code"], error["operation"]) == ("Conflict", "AppServicePlans_CreateOrUpdate")
    assert "no capacity" in error["message"]


def test_invalid_spec_exits_1_before_any_call(arm: FakeArmWeb, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps({**FULL_SPEC, "memory": "4GiB", "architecture": "arm64"}))
    assert main(["-q", "deploy", str(path), "-p", "azure", "--sandbox"]) == 1
    err = capsys.readouterr().err
    assert "azure-memory" in err and "azure-architecture" in err
    assert arm.calls == []


def test_taking_over_an_app_needs_set_adopt(arm: FakeArmWeb, spec_file: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    plan_id = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/serverfarms/contract-fn-plan"
    client = arm.client()
    client.app_service_plans.begin_create_or_update(RG, "contract-fn-plan", {
        "location": LOCATION, "kind": "elastic", "sku": {"name": "EP1"},
        "properties": {"reserved": True, "maximumElasticWorkerCount": 20}}).result()
    client.web_apps.begin_create_or_update(RG, "contract-fn", {
        "location": LOCATION, "kind": "functionapp,linux,container",
        "properties": {"serverFarmId": plan_id, "reserved": True}}).result()
    arm.reset_calls()
    assert main(["-q", "deploy", str(spec_file), "-p", "azure", "--sandbox", "--format", "json"]) == 3
    error = json.loads(capsys.readouterr().out)["error"]
    assert "polycloud did not create it" in error["message"] and "--set adopt=true" in error["message"]
    assert arm.writes == []

    assert main(["-q", "deploy", str(spec_file), "-p", "azure", "--sandbox", "--set", "adopt=true",
                 "--format", "json"]) == 0
    adopted = json.loads(capsys.readouterr().out)
    assert adopted["action"] == "updated"
    assert any("adopted function app contract-fn" in n for n in adopted["notes"])
    assert main(["-q", "deploy", str(spec_file), "-p", "azure", "--sandbox"]) == 0
    assert "contract-fn: unchanged" in capsys.readouterr().out
