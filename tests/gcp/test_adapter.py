"""Cloud Run deploy specifics: calls per scenario, refusals, errors, the public IAM binding, faults."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from polycloud import FunctionSpec, deploy, export, plan
from polycloud.errors import AuthError, ConfigurationError, ProviderError, SpecError, ThrottledError
from polycloud.registry import load
from polycloud.retry import RetryPolicy
from polycloud.testing.fakes import Fault
from polycloud.testing.gcp import FakeCloudRun, fast_polling
from polycloud_gcp import CloudRunAdapter
from polycloud_gcp.translate import OWNER, OWNER_ANNOTATION

from .conftest import (
    IMAGE,
    PROJECT,
    REGION,
    SERVICES,
    ScriptedFakeCloudRun,
    call,
    full_spec,
    operation_poll,
    small_spec,
)


def _kinds(fake: FakeCloudRun) -> list[str]:
    """The calls made, as ``METHOD what``: service, operation, getIamPolicy, setIamPolicy, services."""
    kinds = []
    for request in fake.calls:
        tail = request.path.rsplit("/", 1)[-1]
        what = ("operation" if "/operations/" in request.path else tail.split(":", 1)[1] if ":" in tail
                else "services" if tail == "services" else "service")
        kinds.append(f"{request.method} {what}")
    return kinds


def _stored(fake: FakeCloudRun, name: str = "hello") -> dict[str, Any]:
    service = fake.service(PROJECT, REGION, name)
    assert service is not None
    return service


def _invokers(fake: FakeCloudRun, name: str = "hello") -> dict[str, list[str]]:
    policy = fake.iam_policy(PROJECT, REGION, name) or {}
    return {b["role"]: b["members"] for b in policy.get("bindings", [])}


# -- the adapter itself ---------------------------------------------------------------------------

def test_registered_and_described() -> None:
    assert load("gcp") is CloudRunAdapter
    assert (CloudRunAdapter.name, CloudRunAdapter.section, CloudRunAdapter.extra) == (
        "gcp-cloud-run", "gcp", "polycloud-sdk[gcp]")
    assert CloudRunAdapter.settings_from(full_spec()) == {"project": PROJECT, "region": REGION}
    assert CloudRunAdapter.settings_from(FunctionSpec(name="x", image=IMAGE)) == {}


def test_importing_and_constructing_load_no_google_library() -> None:
    code = ("import sys; from polycloud_gcp import CloudRunAdapter; from polycloud import FunctionSpec; "
            "a = CloudRunAdapter(project='p', region='r'); "
            "a.to_spec(a.translate(FunctionSpec(name='x', image='img'))); "
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('google', 'grpc', 'requests', 'proto')); "
            "assert not loaded, loaded")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_project_and_region_are_named(fake: FakeCloudRun) -> None:
    adapter = CloudRunAdapter(client=fake.client(), retry=RetryPolicy.no_wait())
    with pytest.raises(ConfigurationError, match=r"providers\.gcp\.project and providers\.gcp\.region"):
        adapter.read("hello")
    with pytest.raises(ConfigurationError, match=r"providers\.gcp\.region: .*region= \(--region\)"):
        deploy(FunctionSpec(name="hello", image=IMAGE, providers={"gcp": {"project": PROJECT}}), "gcp",
               settings={"client": fake.client()})
    assert fake.calls == []


def test_no_credentials_is_an_auth_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud application-default credentials either
    adapter = CloudRunAdapter(project=PROJECT, region=REGION, transport="rest", retry=RetryPolicy.no_wait())
    with pytest.raises(AuthError, match="no Google credentials") as caught:
        adapter.read("hello")
    assert caught.value.code == "NO_CREDENTIALS"


# -- calls per scenario -------------------------------------------------------------------------------

def test_calls_per_scenario(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    assert deploy(small_spec(), "gcp", settings=settings).action == "created"
    assert _kinds(fake) == ["GET service", "POST services", "GET operation", "GET operation"]

    fake.reset_calls()
    assert deploy(small_spec(), "gcp", settings=settings).action == "unchanged"
    assert _kinds(fake) == ["GET service", "GET getIamPolicy"]

    fake.reset_calls()
    result = deploy(small_spec(timeout="1m"), "gcp", settings=settings)
    assert [c.path for c in result.changes] == ["service.template.timeout"]
    assert _kinds(fake) == ["GET service", "GET getIamPolicy", "PATCH service", "GET operation", "GET operation"]
    assert _stored(fake)["template"]["timeout"] == "60s"


def test_every_field_is_visible_in_the_stored_service(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    deploy(full_spec(), "gcp", settings=settings)
    service = _stored(fake, "hello-api")
    template, container = service["template"], service["template"]["containers"][0]
    assert service["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    assert service["labels"] == {"team": "platform", "cost-center": "42"}
    assert (template["timeout"], template["maxInstanceRequestConcurrency"]) == ("900s", 40)
    assert template["scaling"] == {"minInstanceCount": 1, "maxInstanceCount": 20}
    assert template["executionEnvironment"] == "EXECUTION_ENVIRONMENT_GEN2"
    assert template["serviceAccount"] == "hello@acme.iam.gserviceaccount.com"
    assert template["vpcAccess"] == {"egress": "ALL_TRAFFIC",
                                     "networkInterfaces": [{"network": "default", "subnetwork": "functions"}]}
    assert container["image"] == IMAGE
    assert container["resources"] == {"limits": {"cpu": "2", "memory": "2048Mi"}, "cpuIdle": True}
    assert container["ports"] == [{"containerPort": 9000, "name": "http1"}]
    assert {e["name"] for e in container["env"]} == {"LOG_LEVEL", "GREETING", "DB_PASSWORD"}
    assert fake.service(PROJECT, REGION, "hello-api")["invokerIamDisabled"] is True
    assert fake.publicly_invokable(PROJECT, REGION, "hello-api") and _invokers(fake, "hello-api") == {}


def test_server_forms_of_the_same_values_diff_empty(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    from google.cloud import run_v2

    resources = {"limits": {"cpu": "1000m", "memory": "1Gi"}, "cpuIdle": True}
    body = {"annotations": {OWNER_ANNOTATION: OWNER},  # marked, as polycloud creates it; the server fills the rest
            "template": {"containers": [{"image": IMAGE, "resources": resources}]}}
    fake.client().create_service(parent=f"projects/{PROJECT}/locations/{REGION}",
                                 service=run_v2.Service.from_json(json.dumps(body)), service_id="hello",
                                 retry=None).result(polling=fast_polling())
    spec = small_spec(memory="1GiB", timeout="5m", concurrency={"per_instance": 80})
    assert plan(spec, "gcp", settings=settings).action == "unchanged"
    assert export("hello", "gcp", settings=settings).spec == spec


def test_unmanaged_fields_survive_an_update(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    from google.cloud import run_v2

    deploy(small_spec(), "gcp", settings=settings)
    live = fake.client().get_service(name=f"projects/{PROJECT}/locations/{REGION}/services/hello", retry=None)
    live.description = "kept"
    live.template.containers[0].args = ["--verbose"]
    fake.client().update_service(service=live, retry=None).result(polling=fast_polling())
    deploy(small_spec(memory="1GiB"), "gcp", settings=settings)
    service = _stored(fake)
    assert service["description"] == "kept"
    assert service["template"]["containers"][0]["args"] == ["--verbose"]
    assert service["template"]["containers"][0]["resources"]["limits"]["memory"] == "1024Mi"
    assert "container args" in "\n".join(export("hello", "gcp", settings=settings).notes)
    assert isinstance(live, run_v2.Service)


# -- refused before any call -------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "path"), [
    ({"memory": "9GiB", "cpu": 2}, "memory"),
    ({"memory": "9GiB"}, "memory"),
    ({"name": "Hello-Api"}, "name"),
    ({"environment": {"PORT": "8080"}}, "environment.PORT"),
    ({"architecture": "arm64"}, "architecture"),
])
def test_invalid_specs_are_refused_before_any_call(fake: FakeCloudRun, settings: dict[str, Any],
                                                   changes: dict[str, Any], path: str) -> None:
    with pytest.raises(SpecError) as caught:
        deploy(small_spec(**changes), "gcp", settings=settings)
    assert path in [f.path for f in caught.value.report.errors if f.provider == "gcp-cloud-run"]
    assert fake.calls == []


# -- API errors ------------------------------------------------------------------------------------------------

def test_permission_denied_is_an_auth_error_with_status_and_operation(fake: FakeCloudRun,
                                                                      settings: dict[str, Any]) -> None:
    fake.inject(1, status=403)
    with pytest.raises(AuthError) as caught:
        deploy(small_spec(), "gcp", settings=settings)
    error = caught.value
    assert (error.status, error.code, error.operation, error.provider) == (
        403, "PERMISSION_DENIED", "GetService", "gcp-cloud-run")
    assert "GetService failed (code PERMISSION_DENIED, status 403)" in str(error)
    assert len(fake.calls) == 1  # a 403 is not retried


def test_a_request_the_api_rejects(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    overrides = {"gcp-cloud-run": {"profiles": {"cpu-8": {"limits": {"memory": {"max": 65536}}}}}}
    with pytest.raises(ProviderError) as caught:  # past polycloud's limits, the API's own check answers
        deploy(small_spec(cpu=8, memory="40GiB"), "gcp", limit_overrides=overrides, settings=settings)
    error = caught.value
    assert (error.status, error.code, error.operation, error.changed) == (400, "INVALID_ARGUMENT", "CreateService", [])
    assert "at most 32Gi" in error.message
    assert fake.service(PROJECT, REGION, "hello") is None


def test_a_failed_operation_reports_what_changed_and_the_next_deploy_retries(fake: FakeCloudRun,
                                                                            settings: dict[str, Any]) -> None:
    fake.fail_next_operation(9, "revision hello-00001 is not ready: image not found")
    with pytest.raises(ProviderError) as caught:
        deploy(small_spec(), "gcp", settings=settings)
    error = caught.value
    assert (error.code, error.status, error.operation) == ("FAILED_PRECONDITION", 400, "CreateService")
    assert error.changed == ["created service hello"]
    assert "image not found" in str(error)
    assert [c.path for c in plan(small_spec(), "gcp", settings=settings).changes] == ["ready"]
    assert deploy(small_spec(), "gcp", settings=settings).action == "updated"
    assert deploy(small_spec(), "gcp", settings=settings).action == "unchanged"


def test_delete_retries_a_transient_failure(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    deploy(small_spec(), "gcp", settings=settings)
    adapter = CloudRunAdapter(**settings)
    fake.inject(1, status=503)
    adapter.delete("hello")
    assert fake.service(PROJECT, REGION, "hello") is None


# -- the public invoker binding --------------------------------------------------------------------------------------

def test_never_public_by_default(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    deploy(small_spec(network={"ingress": "public"}), "gcp", settings=settings)
    assert _invokers(fake) == {}
    assert not any(":setIamPolicy" in c.path for c in fake.calls)


def _grant_by_hand(fake: FakeCloudRun, *bindings: tuple[str, list[str]]) -> None:
    """Add IAM bindings to the service the way a user (or an older polycloud) would."""
    resource = f"projects/{PROJECT}/locations/{REGION}/services/hello"
    client = fake.client()
    policy = client.get_iam_policy(request={"resource": resource}, retry=None)
    for role, members in bindings:
        policy.bindings.add(role=role, members=members)
    client.set_iam_policy(request={"resource": resource, "policy": policy}, retry=None)


def test_public_is_the_invoker_check_disabled_and_an_all_users_binding_is_removed(
        fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    deploy(small_spec(), "gcp", settings=settings)
    _grant_by_hand(fake, ("roles/run.invoker", ["allUsers", "user:alice@example.com"]),
                   ("roles/run.developer", ["group:devs@example.com"]))
    assert export("hello", "gcp", settings=settings).spec.network.auth == "none"  # the binding reads as public

    fake.reset_calls()
    opened = deploy(small_spec(network={"auth": "none"}), "gcp", settings=settings)
    assert sorted(c.path for c in opened.changes) == ["allUsersInvoker", "service.invokerIamDisabled"]
    assert _kinds(fake)[:2] == ["GET service", "GET getIamPolicy"]
    assert "PATCH service" in _kinds(fake) and _kinds(fake)[-1] == "POST setIamPolicy"
    assert fake.publicly_invokable(PROJECT, REGION, "hello")
    assert _invokers(fake) == {"roles/run.invoker": ["user:alice@example.com"],  # others left as they were
                               "roles/run.developer": ["group:devs@example.com"]}
    assert export("hello", "gcp", settings=settings).spec.network.auth == "none"

    deploy(small_spec(), "gcp", settings=settings)
    assert not fake.publicly_invokable(PROJECT, REGION, "hello")


def test_a_concurrent_policy_change_is_read_again(fake: ScriptedFakeCloudRun, settings: dict[str, Any]) -> None:
    deploy(small_spec(), "gcp", settings=settings)
    _grant_by_hand(fake, ("roles/run.invoker", ["allUsers"]))
    fake.fail_when(call("POST", ":setIamPolicy"), Fault(status=409))
    deploy(small_spec(), "gcp", settings=settings)
    assert _invokers(fake) == {}
    assert sum(c.path.endswith(":setIamPolicy") for c in fake.calls) == 3  # by hand, the 409, the retry


# -- faults converge, nothing duplicated ---------------------------------------------------------------------

def _converged(fake: FakeCloudRun, settings: dict[str, Any], spec: FunctionSpec) -> None:
    listed = fake.client().list_services(parent=f"projects/{PROJECT}/locations/{REGION}", retry=None)
    assert [s.name.rsplit("/", 1)[-1] for s in listed] == [spec.name]
    assert deploy(spec, "gcp", settings=settings).action == "unchanged"


def test_throttling_before_the_deploy(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    fake.inject(3, status=429, retry_after=30)
    assert deploy(full_spec(), "gcp", settings=settings).action == "created"
    _converged(fake, settings, full_spec())


@pytest.mark.parametrize("fault", [Fault(status=503), Fault(status=429, retry_after=1), Fault(drop=True)],
                         ids=["503", "429", "drop"])
@pytest.mark.parametrize("where", ["create", "poll", "getIamPolicy", "setIamPolicy"])
def test_faults_within_a_create_converge(fake: ScriptedFakeCloudRun, settings: dict[str, Any], fault: Fault,
                                         where: str) -> None:
    match = {"create": call("POST", SERVICES), "poll": operation_poll,
             "getIamPolicy": call("GET", ":getIamPolicy"), "setIamPolicy": call("POST", ":setIamPolicy")}[where]
    fake.fail_when(match, fault, count=2)
    assert deploy(full_spec(), "gcp", settings=settings).action == "created"
    assert sum(c.method == "POST" and c.path == SERVICES for c in fake.calls) == (3 if where == "create" else 1)
    _converged(fake, settings, full_spec())


@pytest.mark.parametrize("fault", [Fault(status=500), Fault(drop=True)], ids=["500", "drop"])
def test_faults_within_an_update_converge(fake: ScriptedFakeCloudRun, settings: dict[str, Any], fault: Fault) -> None:
    deploy(full_spec(), "gcp", settings=settings)
    fake.fail_when(call("PATCH", "/hello-api"), fault)
    fake.fail_when(operation_poll, fault)
    assert deploy(full_spec(memory="4GiB"), "gcp", settings=settings).action == "updated"
    _converged(fake, settings, full_spec(memory="4GiB"))


def test_a_create_whose_answer_was_lost_is_not_repeated(fake: ScriptedFakeCloudRun, settings: dict[str, Any]) -> None:
    fake.lose_answer_when(call("POST", SERVICES))
    result = deploy(small_spec(), "gcp", settings=settings)
    assert result.action == "created"
    assert result.resource_id == f"projects/{PROJECT}/locations/{REGION}/services/hello"
    assert _kinds(fake)[:4] == ["GET service", "POST services", "POST services", "GET service"]
    assert "PATCH service" in _kinds(fake)
    _converged(fake, settings, small_spec())


def test_a_poll_that_keeps_failing_reports_the_created_service(fake: ScriptedFakeCloudRun,
                                                               settings: dict[str, Any]) -> None:
    fake.fail_when(operation_poll, Fault(status=503), count=3)
    with pytest.raises(ProviderError) as caught:
        deploy(small_spec(), "gcp", settings={**settings, "retry": RetryPolicy.no_wait(attempts=3)})
    assert caught.value.transient and caught.value.status == 503
    assert caught.value.changed == ["created service hello"]
    _converged(fake, settings, small_spec())


def test_an_operation_that_does_not_finish_in_time(settings: dict[str, Any]) -> None:
    slow = FakeCloudRun(lro_polls=10_000)
    with slow.activate():
        slow_settings = {**settings, "client": slow.client(), "polling": fast_polling(timeout=0.05)}
        with pytest.raises(ProviderError, match="deploy again later") as caught:
            deploy(small_spec(), "gcp", settings=slow_settings)
        assert caught.value.code == "DEADLINE_EXCEEDED" and not caught.value.transient
        assert caught.value.changed == ["created service hello"]
        slow.complete_operations()
        assert deploy(small_spec(), "gcp", settings=slow_settings).action == "unchanged"


def test_throttled_errors_carry_retry_after(fake: FakeCloudRun, settings: dict[str, Any]) -> None:
    fake.inject(10, status=429, retry_after=7)
    with pytest.raises(ThrottledError) as caught:
        deploy(small_spec(), "gcp", settings={**settings, "retry": RetryPolicy.no_wait(attempts=2)})
    assert (caught.value.retry_after, caught.value.status, caught.value.code) == (7.0, 429, "RESOURCE_EXHAUSTED")


# -- answers the SDK cannot parse ------------------------------------------------------------------------------------

def test_an_answer_the_sdk_cannot_parse_is_a_provider_error_with_what_changed(fake: ScriptedFakeCloudRun,
                                                                             settings: dict[str, Any]) -> None:
    deploy(small_spec(), "gcp", settings=settings)
    # A service whose field has a type this client does not know (as an old client meets a newer API):
    # protobuf's json_format raises ParseError, which is not a google.api_core error.
    fake.fail_when(call("GET", "/services/hello"), Fault(status=200, body={"name": "x", "generation": "many"}))
    with pytest.raises(ProviderError) as caught:
        deploy(small_spec(memory="1GiB"), "gcp", settings=settings)
    assert caught.value.operation == "GetService" and caught.value.code == "ParseError"
    assert "Cloud Run SDK raised ParseError" in str(caught.value)
