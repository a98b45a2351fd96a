"""What polycloud may change on Azure: who may invoke, plans it did or did not create, sites it takes over."""

from __future__ import annotations

from typing import Any

import pytest

from polycloud import FunctionSpec, SpecError, deploy, export, plan, validate
from polycloud.errors import NotFoundError, OwnershipError, RefusedError
from polycloud.testing.azure import FakeArmWeb
from polycloud_azure import AzureFunctionsAdapter

from .conftest import FULL_SPEC, IMAGE, LOCATION, RG, SUB, writes

PLAN_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/serverfarms/shared-ep"


def _spec(**changes: Any) -> FunctionSpec:
    azure = changes.pop("azure", None)
    data = {**FULL_SPEC, **changes}
    if azure is not None:
        data["providers"] = {"azure": {**FULL_SPEC["providers"]["azure"], **azure}}
    return FunctionSpec.model_validate(data)


def _make_plan(fake: FakeArmWeb, name: str = "shared-ep", *, sku: str = "EP1", burst: int = 20,
               tags: dict[str, str] | None = None) -> None:
    """A Linux Elastic Premium plan made outside polycloud (untagged unless ``tags``), with 3 instances."""
    body = {"location": LOCATION, "kind": "elastic", "tags": tags or {"owner": "platform-team"},
            "sku": {"name": sku, "tier": "ElasticPremium", "capacity": 3},
            "properties": {"reserved": True, "maximumElasticWorkerCount": burst, "zoneRedundant": True}}
    fake.client().app_service_plans.begin_create_or_update(RG, name, body).result()


def _make_site(fake: FakeArmWeb, name: str, plan: str = "shared-ep") -> None:
    """A function app made outside polycloud (no managed-by tag), with an app setting of its own."""
    body = {"location": LOCATION, "kind": "functionapp,linux,container", "tags": {"owner": "someone"},
            "properties": {"serverFarmId": PLAN_ID.replace("shared-ep", plan), "reserved": True,
                           "siteConfig": {"linuxFxVersion": f"DOCKER|{IMAGE}",
                                          "appSettings": [{"name": "THEIRS", "value": "1"}]}}}
    fake.client().web_apps.begin_create_or_update(RG, name, body).result()


# -- F1: network.auth ------------------------------------------------------------------------------
def test_public_iam_is_refused_by_validate_and_before_any_call(adapter: AzureFunctionsAdapter,
                                                               fake: FakeArmWeb) -> None:
    # ingress public and auth iam: the spec's defaults
    default = FunctionSpec.model_validate({**FULL_SPEC, "network": {"egress": "vpc"}})
    report = validate(default, ["azure"])
    [finding] = report.errors
    assert (finding.rule, finding.path, finding.provider) == ("azure-auth", "network.auth", "azure-functions")
    assert finding.hint is not None
    assert "network.auth: none" in finding.hint and "network.ingress: internal" in finding.hint
    with pytest.raises(SpecError) as caught:
        deploy(default, adapter)
    assert [f.rule for f in caught.value.report.errors] == ["azure-auth"]
    assert fake.calls == []


def test_auth_none_deploys_a_public_endpoint_and_reads_back_as_none(adapter: AzureFunctionsAdapter,
                                                                    spec: FunctionSpec, fake: FakeArmWeb) -> None:
    assert (spec.network.ingress, spec.network.auth) == ("public", "none")
    assert validate(spec, ["azure"]).ok
    deploy(spec, adapter)
    assert fake.site(RG, spec.name)["properties"]["publicNetworkAccess"] == "Enabled"  # type: ignore[index]
    imported = export(spec.name, adapter)
    assert imported.spec.network == spec.network
    assert any("network.auth read as none" in n for n in imported.notes)


def test_internal_ingress_keeps_iam_and_disables_public_access(adapter: AzureFunctionsAdapter,
                                                               fake: FakeArmWeb) -> None:
    spec = _spec(network={"ingress": "internal", "auth": "iam", "egress": "vpc"})
    assert validate(spec, ["azure"]).ok
    result = deploy(spec, adapter)
    assert fake.site(RG, spec.name)["properties"]["publicNetworkAccess"] == "Disabled"  # type: ignore[index]
    assert any("private endpoint" in n and "checks no identity" in n for n in result.notes)
    assert export(spec.name, adapter).spec == spec


# -- F2: App Service plans -------------------------------------------------------------------------
def test_a_fitting_plan_made_elsewhere_is_used_as_is(adapter: AzureFunctionsAdapter, fake: FakeArmWeb) -> None:
    _make_plan(fake, burst=40)  # a bigger burst than the app needs is fine
    before = fake.plan(RG, "shared-ep")
    fake.reset_calls()
    spec = _spec(azure={"plan_name": "shared-ep"})
    assert deploy(spec, adapter).action == "created"
    assert writes(fake) == ["PUT sites/contract-fn"]
    assert {**(fake.plan(RG, "shared-ep") or {}), "properties": None} == {**(before or {}), "properties": None}
    fake.reset_calls()
    assert deploy(spec, adapter).action == "unchanged"
    assert writes(fake) == []


@pytest.mark.parametrize(("change", "differs"), [
    ({"azure": {"plan_name": "shared-ep", "plan": "EP2"}}, "sku EP1 (the spec asks for EP2)"),
    ({"azure": {"plan_name": "shared-ep"}, "concurrency": {"min_instances": 1, "max_instances": 30, "per_instance": 8}},
     "maximumElasticWorkerCount 20 (the app needs at least 30"),
])
def test_a_plan_polycloud_did_not_create_is_never_changed(adapter: AzureFunctionsAdapter, fake: FakeArmWeb,
                                                          change: dict[str, Any], differs: str) -> None:
    _make_plan(fake)
    before = fake.plan(RG, "shared-ep")
    fake.reset_calls()
    spec = _spec(**change)
    if spec.providers.azure and spec.providers.azure.plan == "EP2":
        spec = spec.model_copy(update={"memory": 7168})
    with pytest.raises(RefusedError) as caught:
        deploy(spec, adapter)
    message = str(caught.value)
    assert "App Service plan shared-ep" in message and differs in message
    assert "not created by polycloud" in message and "providers.azure.plan_name" in message
    assert (caught.value.operation, caught.value.changed) == ("AppServicePlans_CreateOrUpdate", [])
    assert writes(fake) == []
    assert fake.plan(RG, "shared-ep") == before


def test_a_polycloud_plan_other_apps_use_is_not_changed(adapter: AzureFunctionsAdapter, fake: FakeArmWeb) -> None:
    deploy(_spec(), adapter)
    deploy(_spec(name="contract-fn-2", azure={"plan_name": "contract-fn-plan"}), adapter)
    fake.reset_calls()
    with pytest.raises(RefusedError, match=r"sku EP1 \(the spec asks for EP2\).*1 other app\(s\) use it"):
        deploy(_spec(memory="7GiB", azure={"plan": "EP2"}), adapter)
    assert writes(fake) == []
    assert (fake.plan(RG, "contract-fn-plan") or {})["sku"]["name"] == "EP1"


def test_changing_a_polycloud_plan_keeps_everything_else(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                         fake: FakeArmWeb) -> None:
    deploy(spec, adapter)
    # Someone scales the plan out, makes it zone redundant and tags it, keeping polycloud's tag.
    _make_plan(fake, "contract-fn-plan", tags={"managed-by": "polycloud", "owner": "platform-team"})
    fake.reset_calls()
    result = deploy(_spec(memory="7GiB", azure={"plan": "EP2"}), adapter)
    assert [c.path for c in result.changes] == ["plan.sku.name"]
    assert writes(fake) == ["PUT serverfarms/contract-fn-plan"]
    farm = fake.plan(RG, "contract-fn-plan") or {}
    assert (farm["sku"]["name"], farm["sku"]["capacity"]) == ("EP2", 3)
    assert farm["properties"]["zoneRedundant"] is True and farm["properties"]["maximumElasticWorkerCount"] == 20
    assert farm["tags"] == {"managed-by": "polycloud", "owner": "platform-team"}
    sent = next(c.body for c in fake.calls if c.method == "PUT")
    assert "numberOfSites" not in sent["properties"] and "size" not in sent["sku"]  # no read-only fields


def test_a_polycloud_plan_burst_is_raised_never_lowered(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                        fake: FakeArmWeb) -> None:
    deploy(spec, adapter)
    bigger = spec.model_copy(update={"concurrency": spec.concurrency.model_copy(update={"max_instances": 40})})
    fake.reset_calls()
    deploy(bigger, adapter)
    assert writes(fake) == ["PUT serverfarms/contract-fn-plan", "PATCH sites/contract-fn"]
    assert (fake.plan(RG, "contract-fn-plan") or {})["properties"]["maximumElasticWorkerCount"] == 40
    fake.reset_calls()
    deploy(spec, adapter)  # back to 10: the plan keeps its burst of 40
    assert writes(fake) == ["PATCH sites/contract-fn"]
    assert (fake.plan(RG, "contract-fn-plan") or {})["properties"]["maximumElasticWorkerCount"] == 40
    assert deploy(spec, adapter).action == "unchanged"


def test_delete_removes_the_app_and_its_empty_plan(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                   fake: FakeArmWeb) -> None:
    deploy(spec, adapter)
    adapter.delete(spec.name)
    assert fake.site(RG, spec.name) is None
    assert fake.plan(RG, "contract-fn-plan") is None
    with pytest.raises(NotFoundError) as caught:
        adapter.delete(spec.name)
    assert (caught.value.status, caught.value.code) == (404, "ResourceNotFound")


def test_delete_keeps_a_plan_polycloud_did_not_create(adapter: AzureFunctionsAdapter, fake: FakeArmWeb) -> None:
    _make_plan(fake)
    deploy(_spec(azure={"plan_name": "shared-ep"}), adapter)
    fake.reset_calls()
    adapter.delete("contract-fn")
    assert fake.site(RG, "contract-fn") is None
    assert fake.plan(RG, "shared-ep") is not None  # empty now, but not polycloud's to remove
    [delete] = [c for c in fake.calls if c.method == "DELETE"]
    assert delete.query["deleteEmptyServerFarm"] == "false"


def test_delete_removes_a_polycloud_plan_only_once_it_is_empty(adapter: AzureFunctionsAdapter,
                                                               fake: FakeArmWeb) -> None:
    deploy(_spec(), adapter)
    deploy(_spec(name="contract-fn-2", azure={"plan_name": "contract-fn-plan"}), adapter)
    adapter.delete("contract-fn")
    assert fake.plan(RG, "contract-fn-plan") is not None
    fake.reset_calls()
    adapter.delete("contract-fn-2")
    assert fake.plan(RG, "contract-fn-plan") is None
    assert writes(fake) == ["DELETE sites/contract-fn-2", "DELETE serverfarms/contract-fn-plan"]


# -- site takeover ---------------------------------------------------------------------------------
def test_an_app_polycloud_did_not_create_is_not_taken_over(settings: dict[str, Any], fake: FakeArmWeb) -> None:
    _make_plan(fake)
    _make_site(fake, "contract-fn")
    spec = _spec(azure={"plan_name": "shared-ep"})
    fake.reset_calls()
    planned = plan(spec, AzureFunctionsAdapter(**settings))  # plan still shows what a takeover would do
    assert any(c.path == "tags.managed-by" for c in planned.changes)
    with pytest.raises(OwnershipError) as caught:
        deploy(spec, AzureFunctionsAdapter(**settings))
    assert "polycloud did not create it" in str(caught.value) and "--set adopt=true" in str(caught.value)
    assert writes(fake) == []
    assert fake.app_settings(RG, "contract-fn") == {"THEIRS": "1"}


def test_read_says_whether_polycloud_created_the_app(settings: dict[str, Any], fake: FakeArmWeb) -> None:
    adapter = AzureFunctionsAdapter(**settings)
    _make_plan(fake)
    _make_site(fake, "contract-fn")
    live = adapter.read("contract-fn")
    assert live is not None and live.owned is False
    planned = plan(_spec(azure={"plan_name": "shared-ep"}), adapter)
    assert not any(c.path == "owned" for c in planned.changes)  # a fact, never a change
    assert any("polycloud did not create it" in note for note in planned.notes)
    deploy(_spec(name="fresh-fn"), adapter)
    created = adapter.read("fresh-fn")
    assert created is not None and created.owned is True
    assert not any("did not create" in note for note in plan(_spec(name="fresh-fn"), adapter).notes)


def test_adopt_takes_an_app_over_and_tags_it(settings: dict[str, Any], fake: FakeArmWeb) -> None:
    _make_plan(fake)
    _make_site(fake, "contract-fn")
    spec = _spec(azure={"plan_name": "shared-ep"})
    result = deploy(spec, AzureFunctionsAdapter(**settings, adopt=True))
    assert result.action == "updated"
    assert any("adopted function app contract-fn" in n for n in result.notes)
    assert (fake.site(RG, "contract-fn") or {})["tags"]["managed-by"] == "polycloud"
    assert "THEIRS" not in (fake.app_settings(RG, "contract-fn") or {})
    assert deploy(spec, AzureFunctionsAdapter(**settings)).action == "unchanged"  # polycloud's now
    assert export("contract-fn", AzureFunctionsAdapter(**settings)).spec == spec
