"""Deploys on FakeArmWeb through the real SDK client: what is stored, call counts, errors, faults."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest
from azure.core.exceptions import ClientAuthenticationError

from polycloud import FunctionSpec, SpecError, deploy, export, plan
from polycloud.errors import (
    AuthError,
    ConfigurationError,
    ConflictError,
    MissingDependencyError,
    NotFoundError,
    ProviderError,
    RefusedError,
    ThrottledError,
)
from polycloud.retry import RetryPolicy
from polycloud.testing.azure import FakeArmWeb, FakeCredential, sandbox_settings
from polycloud.testing.fakes import FakeRequest, FakeResponse, Fault
from polycloud_azure import AzureFunctionsAdapter

from .conftest import FULL_SPEC, IMAGE, LOCATION, RG, SECRET_URI, SUB, SUBNET, writes

PLAN_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/serverfarms/contract-fn-plan"
CREATE_WRITES = ["PUT serverfarms/contract-fn-plan", "PUT sites/contract-fn"]


def _reads(fake: FakeArmWeb) -> int:
    return len(fake.reads)


# -- what a deploy stores --------------------------------------------------------------------------
def test_every_spec_field_is_visible_in_what_the_fake_stored(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                             fake: FakeArmWeb) -> None:
    result = deploy(spec, adapter)
    assert (result.action, result.url) == ("created", "https://contract-fn.azurewebsites.net")
    assert result.resource_id == f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/sites/contract-fn"

    farm = fake.plan(RG, "contract-fn-plan")
    assert farm is not None
    assert (farm["kind"], farm["sku"]["name"], farm["sku"]["tier"]) == ("elastic", "EP1", "ElasticPremium")
    assert farm["properties"]["reserved"] is True
    assert farm["location"] == LOCATION
    assert farm["tags"] == {"managed-by": "polycloud"}  # polycloud created it

    site = fake.site(RG, "contract-fn")
    assert site is not None
    props, config = site["properties"], site["properties"]["siteConfig"]
    assert (site["kind"], site["location"]) == ("functionapp,linux,container", LOCATION)
    assert site["identity"]["type"] == "SystemAssigned"
    assert site["tags"] == {"team": "platform", "cost-center": "42", "managed-by": "polycloud"}
    assert props["serverFarmId"] == PLAN_ID
    assert props["virtualNetworkSubnetId"] == SUBNET
    assert props["publicNetworkAccess"] == "Enabled"
    assert config["linuxFxVersion"] == f"DOCKER|{IMAGE}"
    assert (config["functionAppScaleLimit"], config["minimumElasticInstanceCount"]) == (10, 1)
    assert config["vnetRouteAllEnabled"] is True
    assert config["acrUseManagedIdentityCreds"] is True

    settings = fake.app_settings(RG, "contract-fn")
    assert settings is not None
    assert settings["WEBSITES_PORT"] == "9000" and "PORT" not in settings  # a Functions image: no $PORT
    assert settings["FUNCTIONS_EXTENSION_VERSION"] == "~4"
    assert settings["FUNCTIONS_WORKER_RUNTIME"] == "custom"
    assert settings["WEBSITES_ENABLE_APP_SERVICE_STORAGE"] == "false"
    assert settings["AzureWebJobsStorage__accountName"] == "acmestorage"
    assert settings["AzureFunctionsJobHost__functionTimeout"] == "00:05:00"
    assert settings["AzureFunctionsJobHost__extensions__http__maxConcurrentRequests"] == "8"
    assert (settings["LOG_LEVEL"], settings["FEATURE_X"]) == ("debug", "on")
    assert settings["DB_PASSWORD"] == f"@Microsoft.KeyVault(SecretUri={SECRET_URI})"
    assert any("role assignments" in n for n in result.notes)


def test_calls_per_scenario(adapter: AzureFunctionsAdapter, spec: FunctionSpec, fake: FakeArmWeb) -> None:
    deploy(spec, adapter)
    # GET site (404), POST checknameavailability, GET plan (404), PUT plan, 2 polls, GET plan, PUT site,
    # 2 polls, GET site; then the read after the writes that finds no concurrent change (site, config/web,
    # appsettings/list, plan)
    assert (_reads(fake), writes(fake)) == (9 + 4, CREATE_WRITES)

    fake.reset_calls()
    assert deploy(spec, adapter).action == "unchanged"
    # GET site, GET config/web, POST appsettings/list, GET plan
    assert (_reads(fake), writes(fake)) == (4, [])

    fake.reset_calls()
    assert deploy(spec.model_copy(update={"timeout": 400}), adapter).action == "updated"
    assert (_reads(fake), writes(fake)) == (4 + 4, ["PUT sites/contract-fn/config/appsettings"])


@pytest.mark.parametrize(("change", "expected"), [
    ({"image": "acme.azurecr.io/hello:2"}, ["PATCH sites/contract-fn"]),
    ({"concurrency": {"min_instances": 2, "max_instances": 12, "per_instance": 8}}, ["PATCH sites/contract-fn"]),
    ({"network": {"ingress": "internal", "egress": "vpc"}}, ["PATCH sites/contract-fn"]),
    ({"tags": {"team": "data"}}, ["PUT sites/contract-fn"]),
    ({"concurrency": {"min_instances": 1, "max_instances": 40, "per_instance": 8}},
     ["PUT serverfarms/contract-fn-plan", "PATCH sites/contract-fn"]),
    ({"providers": {"azure": {**FULL_SPEC["providers"]["azure"], "plan": "EP2"}}},
     ["PUT serverfarms/contract-fn-plan"]),
    ({"providers": {"azure": {**FULL_SPEC["providers"]["azure"], "plan_name": "other-plan"}}},
     ["PUT serverfarms/other-plan", "PATCH sites/contract-fn"]),
    ({"environment": {}, "tags": {}}, ["PUT sites/contract-fn"]),  # the PUT carries the app settings too
])
def test_updates_write_only_what_changed(adapter: AzureFunctionsAdapter, spec: FunctionSpec, fake: FakeArmWeb,
                                         change: dict[str, Any], expected: list[str]) -> None:
    deploy(spec, adapter)
    new = FunctionSpec.model_validate({**FULL_SPEC, **change})
    fake.reset_calls()
    assert deploy(new, adapter).action == "updated"
    assert writes(fake) == expected
    assert deploy(new, adapter).action == "unchanged"
    assert export(new.name, adapter).spec.model_dump(exclude={"memory"}) == new.model_dump(exclude={"memory"})


def test_an_existing_plan_is_reused(adapter: AzureFunctionsAdapter, spec: FunctionSpec, fake: FakeArmWeb) -> None:
    body = {"location": LOCATION, "kind": "elastic", "sku": {"name": "EP1", "tier": "ElasticPremium"},
            "properties": {"reserved": True, "maximumElasticWorkerCount": 20}}
    fake.client().app_service_plans.begin_create_or_update(RG, "contract-fn-plan", body).result()
    fake.reset_calls()
    deploy(spec, adapter)
    assert writes(fake) == ["PUT sites/contract-fn"]


def test_a_windows_plan_is_refused_before_any_write(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                   fake: FakeArmWeb) -> None:
    body = {"location": LOCATION, "kind": "elastic", "sku": {"name": "EP1"}, "properties": {"reserved": False}}
    fake.client().app_service_plans.begin_create_or_update(RG, "win-plan", body).result()
    fake.reset_calls()
    azure = {**FULL_SPEC["providers"]["azure"], "plan_name": "win-plan"}
    with pytest.raises(RefusedError, match="Windows plan") as caught:
        deploy(FunctionSpec.model_validate({**FULL_SPEC, "providers": {"azure": azure}}), adapter)
    assert caught.value.changed == []
    assert writes(fake) == []


def test_moving_to_another_location_is_refused(settings: dict[str, Any], spec: FunctionSpec,
                                               fake: FakeArmWeb) -> None:
    deploy(spec, AzureFunctionsAdapter(**settings))
    fake.reset_calls()
    with pytest.raises(RefusedError, match="cannot move"):
        deploy(spec, AzureFunctionsAdapter(**{**settings, "location": "northeurope"}))
    assert writes(fake) == []


def test_plan_reads_but_never_writes(adapter: AzureFunctionsAdapter, spec: FunctionSpec, fake: FakeArmWeb) -> None:
    deploy(spec, adapter)
    fake.reset_calls()
    planned = plan(spec.model_copy(update={"image": "acme.azurecr.io/hello:3"}), adapter)
    assert [c.path for c in planned.changes] == ["site.siteConfig.linuxFxVersion"]
    assert writes(fake) == []


def test_deploy_by_provider_name_takes_settings_from_the_spec(fake: FakeArmWeb, spec: FunctionSpec) -> None:
    result = deploy(spec, "azure", settings=sandbox_settings(fake))
    assert result.action == "created"
    assert export(spec.name, "azure", settings={**sandbox_settings(fake), "resource_group": RG}).spec == spec


# -- refused before any call -----------------------------------------------------------------------
@pytest.mark.parametrize(("change", "path"), [
    ({"memory": "4GiB"}, "memory"),
    ({"architecture": "arm64"}, "architecture"),
    ({"name": "f" * 61}, "name"),
    ({"timeout": "15m"}, "timeout"),
    ({"providers": {"azure": {**FULL_SPEC["providers"]["azure"], "plan": "consumption"}}}, "providers.azure.plan"),
])
def test_invalid_specs_are_refused_before_any_call(adapter: AzureFunctionsAdapter, fake: FakeArmWeb,
                                                   change: dict[str, Any], path: str) -> None:
    with pytest.raises(SpecError) as caught:
        deploy(FunctionSpec.model_validate({**FULL_SPEC, **change}), adapter)
    assert path in {f.path for f in caught.value.report.errors}
    assert fake.calls == []


@pytest.mark.parametrize(("missing", "flag"), [("subscription_id", "(CLI: --subscription SUB)"),
                                             ("resource_group", "(CLI: --resource-group RG)"),
                                             ("location", "(CLI: --set location=REGION)")])
def test_missing_settings_are_named(fake: FakeArmWeb, spec: FunctionSpec, missing: str, flag: str) -> None:
    settings = {"subscription_id": SUB, "resource_group": RG, "location": LOCATION,
                "credential": FakeCredential(), "retry": RetryPolicy.no_wait()}
    del settings[missing]
    bare = FunctionSpec.model_validate({**FULL_SPEC, "providers": {"azure": {"storage": "acmestorage",
                                                                             "subnet_id": SUBNET,
                                                                             "worker_runtime": "custom"}}})
    with pytest.raises(ConfigurationError, match=f"providers.azure.{missing}") as caught:
        deploy(bare, AzureFunctionsAdapter(**settings))
    assert str(caught.value).endswith(flag)  # the CLI flag that sets it
    assert writes(fake) == []


def test_missing_location_fails_at_plan_time_before_any_call(fake: FakeArmWeb) -> None:
    settings = {"subscription_id": SUB, "resource_group": RG, "credential": FakeCredential(),
                "retry": RetryPolicy.no_wait()}
    bare = FunctionSpec.model_validate({**FULL_SPEC, "providers": {"azure": {"storage": "acmestorage",
                                                                             "subnet_id": SUBNET,
                                                                             "worker_runtime": "custom"}}})
    for attempt in (plan, lambda *a: deploy(*a, dry_run=True), deploy):
        with pytest.raises(ConfigurationError, match="providers.azure.location") as caught:
            attempt(bare, AzureFunctionsAdapter(**settings))
        assert str(caught.value).endswith("(CLI: --set location=REGION)")
    assert fake.calls == []


def test_a_name_that_is_not_an_app_name_is_refused_before_any_call(adapter: AzureFunctionsAdapter,
                                                                   fake: FakeArmWeb) -> None:
    for name in ("", "a/b"):
        with pytest.raises(ConfigurationError, match="is not a function app name"):
            export(name, adapter)
        with pytest.raises(ConfigurationError, match="is not a function app name"):
            adapter.delete(name)
    assert fake.calls == []


# -- credentials -----------------------------------------------------------------------------------
class _SignedOut:
    """A TokenCredential that cannot get a token, as a credential chain with nothing to sign in with."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        raise ClientAuthenticationError("SignedOutCredential failed to retrieve a token.\nAttempted: a\n\tb: c")


_HINT = "sign in with `az login`, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, or pass credential="


def test_a_credential_that_cannot_get_a_token_is_a_short_auth_error(fake: FakeArmWeb, spec: FunctionSpec) -> None:
    adapter = AzureFunctionsAdapter(subscription_id=SUB, resource_group=RG, location=LOCATION,
                                    credential=_SignedOut(), retry=RetryPolicy.no_wait())
    for attempt in (plan, deploy):
        with pytest.raises(AuthError) as caught:
            attempt(spec, adapter)
        message = str(caught.value)
        assert message == ("azure-functions WebApps_Get failed (code ClientAuthenticationError): SignedOutCredential "
                           f"failed to retrieve a token; {_HINT}")
        assert isinstance(caught.value.__cause__, ClientAuthenticationError)
    assert fake.calls == []  # no request went out without a token


def test_default_credential_failure_is_not_logged_twice(fake: FakeArmWeb, spec: FunctionSpec,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """A real DefaultAzureCredential with only offline sources and none configured: azure-identity logs a
    multi-line WARNING before raising; the adapter keeps that logger quiet only while it calls Azure."""
    from azure.identity import DefaultAzureCredential

    for key in [k for k in os.environ if k.startswith("AZURE_")]:
        monkeypatch.delenv(key)
    offline = {f"exclude_{source}_credential": True for source in (
        "workload_identity", "managed_identity", "shared_token_cache", "visual_studio_code", "cli", "powershell",
        "developer_cli", "interactive_browser")}
    identity = logging.getLogger("azure.identity")
    assert identity.level == logging.NOTSET
    adapter = AzureFunctionsAdapter(subscription_id=SUB, resource_group=RG, location=LOCATION,
                                    credential=DefaultAzureCredential(**offline), retry=RetryPolicy.no_wait())
    with pytest.raises(AuthError) as caught:
        plan(spec, adapter)
    assert str(caught.value).endswith(f"DefaultAzureCredential failed to retrieve a token from the included "
                                      f"credentials; {_HINT}")
    assert [r for r in caplog.records if r.name.startswith("azure.identity")] == []
    assert identity.level == logging.NOTSET  # restored: global logging is left as it was

    identity.setLevel(logging.WARNING)  # configured by the user: left alone, so the warning shows
    try:
        with pytest.raises(AuthError):
            plan(spec, adapter)
        assert any(r.name.startswith("azure.identity") and r.levelno == logging.WARNING for r in caplog.records)
        assert identity.level == logging.WARNING
    finally:
        identity.setLevel(logging.NOTSET)


# -- API errors ------------------------------------------------------------------------------------
def test_failed_plan_create_names_code_and_operation(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                     fake: FakeArmWeb) -> None:
    fake.fail_next_operation("Conflict", "plan full")
    with pytest.raises(ConflictError) as caught:
        deploy(spec, adapter)
    err = caught.value
    assert (err.code, err.operation, err.status, err.changed) == ("Conflict", "AppServicePlans_CreateOrUpdate",
                                                                  None, [])
    assert "plan full" in str(err)
    assert fake.plan(RG, "contract-fn-plan") is None


def test_long_running_operations_are_bounded(settings: dict[str, Any], spec: FunctionSpec,
                                            fake: FakeArmWeb) -> None:
    fake.lro_polls = 30
    adapter = AzureFunctionsAdapter(**settings, lro_timeout=0)
    with pytest.raises(ProviderError) as caught:
        deploy(spec, adapter)
    assert (caught.value.code, caught.value.operation) == ("OperationTimedOut", "AppServicePlans_CreateOrUpdate")
    assert caught.value.changed == []
    deadline, seen = time.monotonic() + 5, -1
    while time.monotonic() < deadline and seen != len(fake.calls):  # let the poller thread finish
        seen = len(fake.calls)
        time.sleep(0.05)
    assert fake.plan(RG, "contract-fn-plan") is not None  # the operation itself went on and succeeded


class FailSiteCreate(FakeArmWeb):
    """FakeArmWeb whose first site create ends Failed."""

    failed = False

    def dispatch(self, request: FakeRequest) -> FakeResponse:
        if request.method == "PUT" and request.path.endswith("/sites/contract-fn") and not self.failed:
            self.failed = True
            self.fail_next_operation("SiteCreateFailed", "the container could not be pulled")
        return super().dispatch(request)


def test_failed_site_create_lists_what_changed_and_converges(spec: FunctionSpec) -> None:
    arm = FailSiteCreate()
    with arm.activate():
        adapter = AzureFunctionsAdapter(**sandbox_settings(arm), resource_group=RG, location=LOCATION)
        with pytest.raises(ProviderError) as caught:
            deploy(spec, adapter)
        err = caught.value
        assert (err.code, err.operation) == ("SiteCreateFailed", "WebApps_CreateOrUpdate")
        assert err.changed == ["created App Service plan contract-fn-plan"]
        assert "already changed before the failure: created App Service plan contract-fn-plan" in str(err)
        assert arm.site(RG, spec.name) is None

        arm.reset_calls()
        assert deploy(spec, adapter).action == "created"  # the plan is reused, the site made
        assert writes(arm) == ["PUT sites/contract-fn"]
        assert export(spec.name, adapter).spec == spec


def test_http_error_carries_status_code_and_request_id(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                       fake: FakeArmWeb) -> None:
    # A matching plan in another region is reused, and ARM refuses the site: it must be in the plan's region.
    body = {"location": "northeurope", "kind": "elastic", "sku": {"name": "EP1", "tier": "ElasticPremium"},
            "properties": {"reserved": True, "maximumElasticWorkerCount": 20}}
    fake.client().app_service_plans.begin_create_or_update(RG, "contract-fn-plan", body).result()
    fake.reset_calls()
    with pytest.raises(ProviderError) as caught:
        deploy(spec, adapter)
    err = caught.value
    assert type(err) is ProviderError
    assert (err.status, err.code, err.operation) == (400, "InvalidResourceLocation", "WebApps_CreateOrUpdate")
    assert err.request_id is not None and err.request_id == fake.last_request_id
    assert uuid.UUID(err.request_id)
    assert err.changed == []
    assert writes(fake) == ["PUT sites/contract-fn"]  # a 400 is not retried


@pytest.mark.parametrize(("status", "cls"), [(401, AuthError), (403, AuthError), (404, NotFoundError),
                                             (429, ThrottledError), (503, ProviderError)])
def test_status_maps_to_error_class(fake: FakeArmWeb, settings: dict[str, Any], spec: FunctionSpec, status: int,
                                    cls: type[ProviderError]) -> None:
    adapter = AzureFunctionsAdapter(**{**settings, "retry": RetryPolicy.no_wait(attempts=2)})
    fake.inject(2, status=status, retry_after=3)
    with pytest.raises(cls) as caught:
        adapter.delete(spec.name)
    assert (caught.value.status, caught.value.operation) == (status, "WebApps_Get")  # delete reads the plan id first
    assert caught.value.retry_after == 3
    assert caught.value.request_id == fake.last_request_id  # injected faults carry one too
    retried = status in (429, 503)
    assert len(fake.calls) == (2 if retried else 1)


def test_dropped_connections_exhaust_as_transient_errors(fake: FakeArmWeb, settings: dict[str, Any]) -> None:
    adapter = AzureFunctionsAdapter(**{**settings, "retry": RetryPolicy.no_wait(attempts=3)})
    fake.inject(3, drop=True)
    with pytest.raises(ProviderError) as caught:
        adapter.read("contract-fn")
    assert (caught.value.transient, caught.value.code) == (True, "ServiceRequestError")
    assert len(fake.calls) == 3


# -- faults converge -------------------------------------------------------------------------------
FAULTS = {"429": Fault(status=429, retry_after=0.01), "500": Fault(status=500), "drop": Fault(drop=True)}


class FaultAt(FakeArmWeb):
    """FakeArmWeb that fails exactly its ``at``-th call (0-based), wherever a deploy is then."""

    def __init__(self, at: int, fault: Fault) -> None:
        super().__init__(lro_polls=1)
        self.at, self.fault = at, fault

    def handle(self, request: FakeRequest) -> FakeResponse | Fault:
        if len(self.calls) == self.at:
            self.calls.append(request)
            return self.fault
        return super().handle(request)


@pytest.mark.parametrize("at", range(11))  # a create makes 11 calls (checknameavailability included)
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_anywhere_in_a_create_converges(spec: FunctionSpec, at: int, fault: str) -> None:
    arm = FaultAt(at, FAULTS[fault])
    with arm.activate():
        adapter = AzureFunctionsAdapter(**sandbox_settings(arm), resource_group=RG, location=LOCATION)
        assert deploy(spec, adapter).action == "created"
        assert deploy(spec, adapter).action == "unchanged"
        assert export(spec.name, adapter).spec == spec
    assert len(arm._plans) == 1 and len(arm._sites) == 1
    assert [w for w in writes(arm) if w.startswith("PUT sites")] != []


@pytest.mark.parametrize("fault", [{"status": 429, "retry_after": 0.01}, {"status": 500}, {"drop": True}])
def test_faults_before_each_step_converge(adapter: AzureFunctionsAdapter, spec: FunctionSpec, fake: FakeArmWeb,
                                          fault: dict[str, Any]) -> None:
    fake.inject(2, **fault)
    assert deploy(spec, adapter).action == "created"
    fake.inject(2, **fault)
    assert deploy(spec.model_copy(update={"timeout": 120, "image": "acme.azurecr.io/hello:2"}),
                  adapter).action == "updated"
    fake.inject(2, **fault)
    assert export(spec.name, adapter).spec.timeout == 120
    assert fake.plan(RG, "contract-fn-plan") is not None
    assert fake.app_settings(RG, "contract-fn")["AzureFunctionsJobHost__functionTimeout"] == "00:02:00"  # type: ignore[index]


# -- delete ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("keyword", "plan_left"), [({}, False), ({"delete_empty_server_farm": False}, True),
                                                    ({"delete_empty_server_farm": True}, False)])
def test_the_fake_deletes_an_empty_plan_unless_told_not_to(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                           fake: FakeArmWeb, keyword: dict[str, bool],
                                                           plan_left: bool) -> None:
    # ARM's default ("By default, empty App Service plan is deleted"); the SDK sends nothing unless asked.
    deploy(spec, adapter)
    fake.reset_calls()
    fake.client().web_apps.delete(RG, spec.name, **keyword)
    assert ("deleteEmptyServerFarm" in fake.calls[0].query) is bool(keyword)
    assert (fake.plan(RG, "contract-fn-plan") is not None) is plan_left


def test_every_fake_answer_carries_a_request_id(spec: FunctionSpec) -> None:
    arm = FakeArmWeb()
    ids: list[str] = []

    def record(request: FakeRequest) -> FakeResponse | Fault:
        answer = FakeArmWeb.handle(arm, request)
        assert isinstance(answer, FakeResponse)
        ids.append(answer.headers["x-ms-request-id"])
        return answer

    arm.handle = record  # type: ignore[method-assign]
    with arm.activate():
        adapter = AzureFunctionsAdapter(**sandbox_settings(arm), resource_group=RG, location=LOCATION)
        arm.inject(1, status=429, retry_after=0.01)
        deploy(spec, adapter)  # 404s, a throttled call, 202s, polls, 200s
    assert len(ids) == len(arm.calls) > 5
    assert len(set(ids)) == len(ids) and all(uuid.UUID(i) for i in ids)


# -- imports and clients ---------------------------------------------------------------------------
def test_importing_the_adapter_loads_no_azure_sdk() -> None:
    code = ("import sys, polycloud_azure, polycloud_azure.rules; "
            "loaded = sorted(m for m in sys.modules if m == 'azure' or m.startswith('azure.')); "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_sdk_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "azure.mgmt.web", None)
    with pytest.raises(MissingDependencyError, match=r"polycloud-sdk\[azure\]"):
        AzureFunctionsAdapter(subscription_id=SUB, resource_group=RG, credential=FakeCredential()).read("x")


def test_clients_are_built_lazily_from_the_injected_credential() -> None:
    from azure.mgmt.web import WebSiteManagementClient

    credential = FakeCredential()
    adapter = AzureFunctionsAdapter(subscription_id=SUB, credential=credential)
    assert isinstance(adapter.client, WebSiteManagementClient)
    assert adapter.client is adapter.client
    assert credential.scopes == []  # no token asked for, no call made


def test_default_credential_is_created_on_first_use() -> None:
    from azure.identity import DefaultAzureCredential

    assert isinstance(AzureFunctionsAdapter().credential, DefaultAzureCredential)
