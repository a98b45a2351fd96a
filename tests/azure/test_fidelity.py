"""What the real Azure service does that a permissive fake would hide (issue 9, items 5, 6, 7 and 9).

Each test runs the public API against FakeArmWeb, which models the behaviour with its source (see
``polycloud.testing._azure_state``), and fails without polycloud's fix.
"""

from __future__ import annotations

from typing import Any

import pytest

from polycloud import FunctionSpec, SpecError, deploy, export, plan
from polycloud.errors import NotFoundError, ProviderError, RefusedError
from polycloud.findings import Severity
from polycloud.testing.azure import FakeArmWeb
from polycloud.testing.fakes import FakeRequest, FakeResponse, Fault
from polycloud_azure import AzureFunctionsAdapter
from polycloud_azure.images import http_image_effects
from polycloud_azure.rules import RULES

from .conftest import FULL_SPEC, IMAGE, RG, writes

HOST_SETTINGS = ("AzureFunctionsJobHost__functionTimeout",
                 "AzureFunctionsJobHost__extensions__http__maxConcurrentRequests")


def _spec(**changes: Any) -> FunctionSpec:
    azure = changes.pop("azure", {})
    return FunctionSpec.model_validate({**FULL_SPEC, **changes,
                                        "providers": {"azure": {**FULL_SPEC["providers"]["azure"], **azure}}})


def _http_spec(**changes: Any) -> FunctionSpec:
    return _spec(image_contract="http", azure={"worker_runtime": None}, **changes)


# -- item 5: an http image runs without the Functions host ----------------------------------------
def test_an_http_image_is_information_that_says_what_applies(adapter: AzureFunctionsAdapter) -> None:
    spec = _http_spec()
    found = [f for f in adapter.check(spec) if f.rule == "azure-http-image"]
    assert [(f.severity, f.path) for f in found] == [(Severity.INFO, "image_contract")]
    message = found[0].message
    assert "timeout (300 s) and concurrency.per_instance (8) are not enforced" in message
    assert "mcr.microsoft.com/azure-functions/base:4" in (found[0].hint or "")
    assert "azure-http-image" in {rule.id for rule in RULES}  # documented in docs/rules.md
    effects = http_image_effects(spec)  # the same decision, as data for a migration report
    assert any("timeout" in e and "not enforced" in e for e in effects)
    assert http_image_effects(_spec()) == []  # a Functions image: everything applies


def test_an_http_image_gets_no_host_settings_that_nothing_reads(adapter: AzureFunctionsAdapter,
                                                                fake: FakeArmWeb) -> None:
    spec = _http_spec()
    result = deploy(spec, adapter)
    assert any("azure-http-image" in n for n in result.notes)  # the finding travels with the result
    settings = fake.app_settings(RG, spec.name) or {}
    assert settings["PORT"] == settings["WEBSITES_PORT"] == "9000"
    assert not set(HOST_SETTINGS) & set(settings)
    assert "FUNCTIONS_WORKER_RUNTIME" not in settings
    assert deploy(spec, adapter).action == "unchanged"
    imported = export(spec.name, adapter)
    assert (imported.spec.timeout, imported.spec.concurrency.per_instance) == (230, 1)
    assert any("no functionTimeout" in n for n in imported.notes)


def test_worker_runtime_on_an_http_image_is_refused(adapter: AzureFunctionsAdapter, fake: FakeArmWeb) -> None:
    with pytest.raises(SpecError) as caught:
        deploy(_spec(image_contract="http"), adapter)
    assert [(f.rule, f.path) for f in caught.value.report.errors] == [
        ("azure-functions-host", "providers.azure.worker_runtime")]
    assert fake.calls == []


# -- item 6: a Functions host image needs its worker runtime and host storage ---------------------
def test_a_host_image_gets_its_worker_runtime_and_storage_and_the_host_runs(adapter: AzureFunctionsAdapter,
                                                                            fake: FakeArmWeb) -> None:
    fake.functions_host_images.add(IMAGE)
    spec = _spec(azure={"worker_runtime": "python"})
    deploy(spec, adapter)
    assert fake.host_status(RG, spec.name) == {"state": "Running", "errors": []}
    settings = fake.app_settings(RG, spec.name) or {}
    assert settings["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert settings["AzureWebJobsStorage__accountName"] == "acmestorage"
    assert set(HOST_SETTINGS) <= set(settings)
    assert export(spec.name, adapter).spec == spec  # worker_runtime reads back
    changed = deploy(_spec(azure={"worker_runtime": "node"}), adapter)
    assert [c.path for c in changed.changes] == ["app_settings.FUNCTIONS_WORKER_RUNTIME"]


@pytest.mark.parametrize(("azure", "paths"), [
    ({"worker_runtime": None}, ["providers.azure.worker_runtime"]),
    ({"storage": None}, ["providers.azure.storage"]),
    ({"storage": None, "worker_runtime": None}, ["providers.azure.worker_runtime", "providers.azure.storage"]),
])
def test_a_host_image_without_runtime_or_storage_is_refused_before_any_call(
        adapter: AzureFunctionsAdapter, fake: FakeArmWeb, azure: dict[str, Any], paths: list[str]) -> None:
    with pytest.raises(SpecError) as caught:
        deploy(_spec(azure=azure), adapter)
    assert [(f.rule, f.path) for f in caught.value.report.errors] == [("azure-functions-host", p) for p in paths]
    assert fake.calls == []


def test_worker_runtime_values_are_the_documented_ones() -> None:
    with pytest.raises(ValueError, match="worker_runtime"):
        _spec(azure={"worker_runtime": "dotnet"})  # the in-process model's support ended 2026-11-10


# -- item 7: always-ready instances and global names ----------------------------------------------
def test_min_instances_zero_deploys_what_elastic_premium_keeps(adapter: AzureFunctionsAdapter,
                                                              fake: FakeArmWeb) -> None:
    spec = _spec(concurrency={"min_instances": 0, "max_instances": 10, "per_instance": 8})
    first = deploy(spec, adapter)
    assert any("always-ready" in n for n in first.notes)
    site = fake.site(RG, spec.name) or {}
    assert site["properties"]["siteConfig"]["minimumElasticInstanceCount"] == 1
    fake.reset_calls()
    again = deploy(spec, adapter)
    assert (again.action, again.changes, fake.writes) == ("unchanged", [], [])


def test_a_name_taken_elsewhere_is_refused_at_plan_time(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                        fake: FakeArmWeb) -> None:
    fake.take_site_name(spec.name)
    for attempt in (plan, lambda s, a: deploy(s, a, dry_run=True), deploy):
        with pytest.raises(RefusedError) as caught:
            attempt(spec, adapter)
        assert caught.value.code == "AlreadyExists"
        assert "not available" in str(caught.value) and "choose another name" in str(caught.value)
        assert caught.value.changed == []
    assert writes(fake) == []
    assert fake.plan(RG, f"{spec.name}-plan") is None


def test_a_role_without_the_name_check_still_plans(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                   fake: FakeArmWeb) -> None:
    # checknameavailability is a subscription-level action; a resource-group-scoped role may get 403 for it
    fake.fail_when(lambda r: r.path.lower().endswith("/checknameavailability"), Fault(status=403), count=9)
    assert plan(spec, adapter).action == "created"
    assert deploy(spec, adapter).action == "created"


def test_without_the_name_check_a_taken_name_still_leaves_no_plan(adapter: AzureFunctionsAdapter,
                                                                  spec: FunctionSpec, fake: FakeArmWeb) -> None:
    fake.take_site_name(spec.name)
    fake.fail_when(lambda r: r.path.lower().endswith("/checknameavailability"), Fault(status=403), count=9)
    with pytest.raises(RefusedError) as caught:
        deploy(spec, adapter)  # planned without the check; the site PUT meets the taken name
    assert caught.value.changed[0] == "created App Service plan contract-fn-plan"
    assert caught.value.changed[1].startswith("deleted App Service plan contract-fn-plan again")
    assert fake.plan(RG, "contract-fn-plan") is None


class TakenDuringDeploy(FakeArmWeb):
    """Another tenant takes the site name after the deploy checked it and while it creates the plan."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def dispatch(self, request: FakeRequest) -> Any:
        if request.method == "PUT" and "/serverfarms/" in request.path:
            self.take_site_name(self.name)
        return super().dispatch(request)


def test_a_plan_created_for_a_name_taken_meanwhile_is_deleted_again(spec: FunctionSpec, settings: dict[str, Any]
                                                                   ) -> None:
    arm = TakenDuringDeploy(spec.name)
    with arm.activate():
        adapter = AzureFunctionsAdapter(**{**settings, "client": arm.client()})
        with pytest.raises(RefusedError) as caught:
            deploy(spec, adapter)
        assert caught.value.code == "AlreadyExists"
        assert caught.value.changed == [
            "created App Service plan contract-fn-plan",
            "deleted App Service plan contract-fn-plan again, which this deploy had created: the function app name "
            "contract-fn is taken"]
        assert arm.plan(RG, "contract-fn-plan") is None and arm.site(RG, spec.name) is None


class CreatesThenConflicts(FakeArmWeb):
    """The first site PUT creates the app, but its caller is told 409 (as when a retried create meets the one
    whose answer was lost)."""

    def dispatch(self, request: FakeRequest) -> Any:
        answer = super().dispatch(request)
        if request.method == "PUT" and "/sites/" in request.path and answer.status == 202 and not self.conflicted:
            self.conflicted = True
            self._settle(f"site:{request.path.rsplit('/', 1)[-1].lower()}")
            return FakeResponse(409, {"error": {"code": "Conflict", "message": "Operation in progress."}})
        return answer

    conflicted = False


def test_a_conflict_on_our_own_app_keeps_the_plan_and_converges(spec: FunctionSpec, settings: dict[str, Any]
                                                                ) -> None:
    arm = CreatesThenConflicts()
    with arm.activate():
        adapter = AzureFunctionsAdapter(**{**settings, "client": arm.client()})
        assert deploy(spec, adapter).action == "created"
        assert arm.conflicted
        assert arm.plan(RG, f"{spec.name}-plan") is not None and arm.site(RG, spec.name) is not None
        assert deploy(spec, adapter).action == "unchanged"


# -- item 9: a create that succeeded but whose final GET failed is in .changed --------------------
def test_a_create_whose_final_get_failed_is_in_changed(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                       fake: FakeArmWeb) -> None:
    site_path = f"/sites/{spec.name}"

    def final_get(request: FakeRequest) -> bool:  # the SDK's GET of the site after its create succeeded
        return request.method == "GET" and request.path.endswith(site_path) and any(
            c.method == "PUT" and c.path.endswith(site_path) for c in fake.calls)

    # ARM reads are eventually consistent: a GET right after a create can answer 404 (non-transient here)
    fake.fail_when(final_get, Fault(status=404))
    with pytest.raises(NotFoundError) as caught:
        deploy(spec, adapter)
    assert caught.value.changed == ["created App Service plan contract-fn-plan", "created function app contract-fn"]
    assert fake.site(RG, spec.name) is not None  # it does exist
    assert deploy(spec, adapter).action == "unchanged"


def test_a_failed_operation_is_not_reported_as_changed(adapter: AzureFunctionsAdapter, fake: FakeArmWeb) -> None:
    shared = {"plan_name": "shared-plan"}
    deploy(_spec(azure=shared), adapter)  # the plan exists, so the next create's one operation is the site's
    fake.fail_next_operation("InvalidParameter", "the image cannot be pulled")
    with pytest.raises(ProviderError, match="the image cannot be pulled") as caught:
        deploy(_spec(name="other-fn", azure=shared), adapter)
    assert caught.value.changed == []
    assert fake.site(RG, "other-fn") is None
