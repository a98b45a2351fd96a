"""FakeCloudRun driven by the real ``run_v2.ServicesClient(transport="rest")``."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from google.api_core import exceptions
from google.cloud import run_v2
from google.iam.v1 import policy_pb2
from google.protobuf import field_mask_pb2

from polycloud.testing.fakes import FakeRequest
from polycloud.testing.gcp import FakeCloudRun, fast_polling, fast_retry

PROJECT, REGION = "acme", "europe-west1"
PARENT = f"projects/{PROJECT}/locations/{REGION}"
NAME = f"{PARENT}/services/hello"


def make_service(*, memory="1Gi", cpu="2", env=None, timeout=None, concurrency=0, ports=None,
                 labels=None, gen=0, containers=None, **template):
    container = run_v2.Container(
        image="europe-docker.pkg.dev/acme/repo/hello:1",
        env=[run_v2.EnvVar(name=k, value=v) for k, v in (env or {"LOG_LEVEL": "info"}).items()],
        resources=run_v2.ResourceRequirements(limits={"memory": memory, "cpu": cpu}, cpu_idle=True),
        ports=[run_v2.ContainerPort(container_port=p) for p in (ports or [8080])],
    )
    tmpl = run_v2.RevisionTemplate(
        containers=[container] if containers is None else containers,
        max_instance_request_concurrency=concurrency,
        execution_environment=gen,
        **({"timeout": {"seconds": timeout}} if timeout is not None else {}),
        **template,
    )
    return run_v2.Service(
        labels=labels or {"managed-by": "polycloud"},
        ingress=run_v2.IngressTraffic.INGRESS_TRAFFIC_INTERNAL_ONLY,
        template=tmpl,
    )


@pytest.fixture
def fake():
    fake = FakeCloudRun(lro_polls=1)
    with fake.activate():
        yield fake


@pytest.fixture
def client(fake):
    return fake.client()


def deploy(client, service=None, service_id="hello"):
    op = client.create_service(parent=PARENT, service=service or make_service(), service_id=service_id)
    return op.result(timeout=5, polling=fast_polling())


def test_importing_the_module_loads_no_sdk():
    code = ("import sys, polycloud.testing.gcp; "
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('google', 'requests', 'responses')); "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_create_returns_operation_polled_to_a_ready_service():
    fake = FakeCloudRun(lro_polls=2)
    with fake.activate():
        op = fake.client().create_service(
            parent=PARENT, service=make_service(gen=run_v2.ExecutionEnvironment.EXECUTION_ENVIRONMENT_GEN2),
            service_id="hello")
        assert fake.service(PROJECT, REGION, "hello")["reconciling"] is True
        svc = op.result(timeout=5, polling=fast_polling())

    post, *polls = fake.calls
    assert (post.method, post.path, post.query["serviceId"]) == ("POST", f"/v2/{PARENT}/services", "hello")
    assert post.body["ingress"] == 2  # the SDK sends enums as integers
    assert [c.method for c in polls] == ["GET"] * 3 and polls[0].path.startswith(f"/v2/{PARENT}/operations/")
    assert svc.name == NAME and svc.generation == 1 and svc.observed_generation == 1
    assert svc.ingress == run_v2.IngressTraffic.INGRESS_TRAFFIC_INTERNAL_ONLY
    assert svc.terminal_condition.state == run_v2.Condition.State.CONDITION_SUCCEEDED
    assert svc.latest_ready_revision.startswith(f"{NAME}/revisions/hello-00001-")
    assert svc.uri.startswith("https://hello-") and svc.uri.endswith("-ew.a.run.app")
    assert not svc.reconciling

    stored = fake.service(PROJECT, REGION, "hello")
    container = stored["template"]["containers"][0]
    assert container["resources"] == {"limits": {"memory": "1Gi", "cpu": "2"}, "cpuIdle": True}
    assert container["env"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert stored["ingress"] == "INGRESS_TRAFFIC_INTERNAL_ONLY"
    assert stored["template"]["executionEnvironment"] == "EXECUTION_ENVIRONMENT_GEN2"
    assert stored["labels"] == {"managed-by": "polycloud"}
    # server defaults, as the real service fills them in
    assert stored["template"]["timeout"] == "300s"
    assert stored["template"]["maxInstanceRequestConcurrency"] == 80


def test_lro_polls_zero_completes_on_the_first_poll():
    fake = FakeCloudRun(lro_polls=0)
    with fake.activate():
        deploy(fake.client())
    assert [c.method for c in fake.calls] == ["POST", "GET"]


def test_service_reconciles_until_its_operation_is_polled(fake, client):
    client.create_service(parent=PARENT, service=make_service(), service_id="hello")
    seen = client.get_service(name=NAME)
    assert seen.reconciling and seen.terminal_condition.state == run_v2.Condition.State.CONDITION_RECONCILING
    assert not seen.latest_ready_revision
    assert fake.complete_operations() == 1
    assert client.get_service(name=NAME).latest_ready_revision == seen.latest_created_revision


def test_get_and_list(fake, client):
    created = deploy(client)
    got = client.get_service(name=NAME)
    assert got.uid == created.uid and got.etag == created.etag
    assert got.template.containers[0].resources.limits["memory"] == "1Gi"
    deploy(client, service_id="other")
    assert [s.name for s in client.list_services(parent=PARENT)] == [NAME, f"{PARENT}/services/other"]


def test_get_missing_raises_not_found(client):
    with pytest.raises(exceptions.NotFound) as err:
        client.get_service(name=f"{PARENT}/services/nope")
    assert err.value.response.json()["error"]["status"] == "NOT_FOUND"


def test_create_twice_raises_conflict(fake, client):
    deploy(client)
    with pytest.raises(exceptions.Conflict) as err:
        client.create_service(parent=PARENT, service=make_service(), service_id="hello")
    assert err.value.response.json()["error"]["status"] == "ALREADY_EXISTS"
    assert fake.service(PROJECT, REGION, "hello")["generation"] == "1"


def test_update_bumps_generation_and_keeps_identity(fake, client):
    first = deploy(client)
    svc = client.get_service(name=NAME)
    svc.template.containers[0].resources.limits["memory"] = "2Gi"
    op = client.update_service(service=svc)
    second = op.result(timeout=5, polling=fast_polling())
    assert fake.calls[-3].method == "PATCH"
    assert second.generation == 2 and second.uid == first.uid and second.create_time == first.create_time
    assert second.etag != first.etag
    assert second.latest_ready_revision.startswith(f"{NAME}/revisions/hello-00002-")
    assert fake.service(PROJECT, REGION, "hello")["template"]["containers"][0]["resources"]["limits"] == {
        "memory": "2Gi", "cpu": "2"}


def test_update_mask_touches_only_masked_fields(fake, client):
    deploy(client)
    change = make_service(memory="4Gi", labels={"team": "platform"})
    change.name = NAME
    op = client.update_service(request=run_v2.UpdateServiceRequest(
        service=change, update_mask=field_mask_pb2.FieldMask(paths=["labels"])))
    op.result(timeout=5, polling=fast_polling())
    assert fake.calls[-3].query["updateMask"] == "labels"
    stored = fake.service(PROJECT, REGION, "hello")
    assert stored["labels"] == {"team": "platform"}
    assert stored["template"]["containers"][0]["resources"]["limits"]["memory"] == "1Gi"


def test_update_missing_is_not_found_unless_allow_missing(fake, client):
    svc = make_service()
    svc.name = NAME
    with pytest.raises(exceptions.NotFound):
        client.update_service(service=svc)
    op = client.update_service(request=run_v2.UpdateServiceRequest(service=svc, allow_missing=True))
    assert op.result(timeout=5, polling=fast_polling()).generation == 1
    assert fake.service(PROJECT, REGION, "hello") is not None


def test_update_with_stale_etag_is_a_conflict(fake, client):
    deploy(client)
    svc = client.get_service(name=NAME)
    svc.etag = "stale"
    with pytest.raises(exceptions.Conflict):
        client.update_service(service=svc)
    assert fake.service(PROJECT, REGION, "hello")["generation"] == "1"


def test_delete_removes_after_the_operation(fake, client):
    deploy(client)
    op = client.delete_service(name=NAME)
    assert fake.calls[-1].method == "DELETE"
    assert fake.service(PROJECT, REGION, "hello") is not None  # still there until the op completes
    gone = op.result(timeout=5, polling=fast_polling())
    assert gone.name == NAME and gone.delete_time
    assert fake.service(PROJECT, REGION, "hello") is None
    with pytest.raises(exceptions.NotFound):
        client.get_service(name=NAME)
    with pytest.raises(exceptions.NotFound):
        client.delete_service(name=NAME)


def test_validate_only_stores_nothing(fake, client):
    op = client.create_service(request=run_v2.CreateServiceRequest(
        parent=PARENT, service=make_service(), service_id="hello", validate_only=True))
    assert op.result(timeout=5, polling=fast_polling()).name == NAME
    assert fake.service(PROJECT, REGION, "hello") is None


@pytest.mark.parametrize(("service_id", "changes", "message"), [
    ("Hello", {}, "must begin with a lowercase letter"),
    ("1hello", {}, "must begin with a lowercase letter"),
    ("hello-", {}, "cannot end with a hyphen"),
    ("hello_world", {}, "only lowercase letters, digits and hyphens"),
    ("a" * 50, {}, "fewer than 50 characters"),
    ("hello", {"memory": "9Gi", "cpu": "2"}, "memory 9Gi requires at least 4 CPU"),
    ("hello", {"memory": "64Gi", "cpu": "8"}, "at most 32Gi"),
    ("hello", {"memory": "64Mi"}, "at least 128Mi"),
    ("hello", {"memory": "256Mi", "cpu": "1", "gen": 2}, "at least 512Mi in the gen2"),
    ("hello", {"memory": "lots"}, "not a Kubernetes quantity"),
    ("hello", {"memory": "-1Gi"}, "not a positive size"),
    ("hello", {"cpu": "0.0005"}, "finer than 1m"),
    ("hello", {"memory": "1Gi", "cpu": "4"}, "4 CPU requires at least 2Gi memory"),
    ("hello", {"cpu": "3"}, "one of 1, 2, 4, 6, 8"),
    ("hello", {"cpu": "0.05", "memory": "256Mi"}, "between 0.08 and 1"),
    ("hello", {"cpu": "0.5", "memory": "512Mi", "concurrency": 80}, "maximum concurrency of 1"),
    ("hello", {"cpu": "0.5", "memory": "2Gi", "concurrency": 1}, "requires at least 1 CPU"),
    ("hello", {"env": {"PORT": "9000"}}, "'PORT' is reserved"),
    ("hello", {"env": {"K_SERVICE": "x"}}, "'K_SERVICE' is reserved"),
    ("hello", {"timeout": 3601}, "between 1s and 3600s (got 3601s)"),
    ("hello", {"concurrency": 1001}, "at most 1000"),
    ("hello", {"ports": [8080, 9090]}, "at most one container port"),
    ("hello", {"labels": {"Team": "x"}}, "label key 'Team'"),
    ("hello", {"labels": {"run.googleapis.com/x": "y"}}, "system-reserved namespace"),
    ("hello", {"containers": []}, "exactly one container"),
    ("hello", {"containers": [run_v2.Container()]}, "image is required"),
])
def test_invalid_requests_are_rejected_before_any_operation(fake, client, service_id, changes, message):
    with pytest.raises(exceptions.BadRequest) as err:
        client.create_service(parent=PARENT, service=make_service(**changes), service_id=service_id)
    assert message in str(err.value)
    assert err.value.response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert len(fake.calls) == 1 and fake.service(PROJECT, REGION, service_id) is None


@pytest.mark.parametrize("changes", [
    {"memory": "32Gi", "cpu": "8", "concurrency": 1000},
    {"memory": "512Mi", "cpu": "0.08", "concurrency": 1},
    {"memory": "1G", "cpu": "0.5", "concurrency": 1},
    {"memory": "1073741824", "cpu": "1000m", "timeout": 3600},
    {"memory": "1e9", "cpu": "1", "concurrency": 80},  # an exponent is a Kubernetes quantity too
    {"memory": "24Gi", "cpu": "6", "gen": 2},
])
def test_edge_values_are_accepted(fake, client, changes):
    assert deploy(client, make_service(**changes), service_id="a" * 49).generation == 1


def test_enums_accepted_as_ints_or_names_and_stored_as_names(fake):
    for service_id, ingress in (("by-int", 4), ("by-name", "INGRESS_TRAFFIC_NONE")):
        body = {"ingress": ingress, "template": {"containers": [{"image": "x"}], "vpcAccess": {"egress": 2}}}
        request = FakeRequest("POST", f"/v2/{PARENT}/services", {"serviceId": service_id}, body=body)
        answer = fake.handle(request)
        assert answer.status == 200
        stored = fake.service(PROJECT, REGION, service_id)
        assert stored["ingress"] == "INGRESS_TRAFFIC_NONE"
        assert stored["template"]["vpcAccess"]["egress"] == "PRIVATE_RANGES_ONLY"
    body = {"ingress": 9, "template": {"containers": [{"image": "x"}]}}
    answer = fake.handle(FakeRequest("POST", f"/v2/{PARENT}/services", {"serviceId": "bad"}, body=body))
    assert answer.status == 400 and "service.ingress" in answer.body["error"]["message"]


@pytest.mark.parametrize(("code", "exc"), [
    (3, exceptions.InvalidArgument), (9, exceptions.FailedPrecondition), (13, exceptions.InternalServerError),
])
def test_failed_operation_raises_and_leaves_a_failed_service(fake, client, code, exc):
    fake.fail_next_operation(code, "image not found: europe-docker.pkg.dev/acme/repo/hello:1")
    op = client.create_service(parent=PARENT, service=make_service(), service_id="hello")
    with pytest.raises(exc, match="image not found"):
        op.result(timeout=5, polling=fast_polling())
    stored = fake.service(PROJECT, REGION, "hello")
    assert stored["terminalCondition"]["state"] == "CONDITION_FAILED" and "latestReadyRevision" not in stored
    # the next operation is not affected
    svc = client.get_service(name=NAME)
    assert client.update_service(service=svc).result(timeout=5, polling=fast_polling()).generation == 2


def test_iam_policy_round_trip(fake, client):
    deploy(client)
    empty = client.get_iam_policy(request={"resource": NAME})
    assert list(empty.bindings) == [] and empty.etag == b"\x00 \x01"
    policy = policy_pb2.Policy(etag=empty.etag, bindings=[
        policy_pb2.Binding(role="roles/run.invoker", members=["allUsers"])])
    saved = client.set_iam_policy(request={"resource": NAME, "policy": policy})
    assert fake.calls[-1].method == "POST" and fake.calls[-1].path == f"/v2/{NAME}:setIamPolicy"
    assert saved.etag != empty.etag and [b.role for b in saved.bindings] == ["roles/run.invoker"]
    again = client.get_iam_policy(request={"resource": NAME})
    assert fake.calls[-1].method == "GET" and fake.calls[-1].path == f"/v2/{NAME}:getIamPolicy"
    assert list(again.bindings[0].members) == ["allUsers"] and again.etag == saved.etag
    assert fake.iam_policy(PROJECT, REGION, "hello")["bindings"] == [
        {"role": "roles/run.invoker", "members": ["allUsers"]}]
    with pytest.raises(exceptions.Conflict):  # read-modify-write with the old etag
        client.set_iam_policy(request={"resource": NAME, "policy": policy})
    with pytest.raises(exceptions.BadRequest, match="invalid member"):
        client.set_iam_policy(request={"resource": NAME, "policy": policy_pb2.Policy(
            bindings=[policy_pb2.Binding(role="roles/run.invoker", members=["bob@example.com"])])})


def test_iam_on_missing_service_is_not_found(fake, client):
    with pytest.raises(exceptions.NotFound):
        client.get_iam_policy(request={"resource": NAME})
    assert fake.iam_policy(PROJECT, REGION, "hello") is None


def test_injected_429_carries_retry_after_and_changes_nothing(fake, client):
    fake.inject(1, status=429, retry_after=7)
    with pytest.raises(exceptions.TooManyRequests) as err:
        client.create_service(parent=PARENT, service=make_service(), service_id="hello")
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response.json()["error"] == {
        "code": 429, "message": "injected fault (HTTP 429)", "status": "RESOURCE_EXHAUSTED"}
    assert fake.service(PROJECT, REGION, "hello") is None
    assert deploy(client).generation == 1  # the fault was used up


def test_injected_503_surfaces_without_retry_and_converges_with_one(fake, client):
    deploy(client)
    fake.inject(1, status=503)
    with pytest.raises(exceptions.ServiceUnavailable):
        client.get_service(name=NAME, retry=None)  # the SDK's default retry would sleep 1 s
    fake.inject(2, status=503)
    fake.reset_calls()
    assert client.get_service(name=NAME, retry=fast_retry()).generation == 1
    assert len(fake.calls) == 3


def test_faults_while_polling_are_retried_by_fast_retry(fake, client):
    op = client.create_service(parent=PARENT, service=make_service(), service_id="hello")
    fake.inject(2, status=500)
    svc = op.result(timeout=5, polling=fast_polling(), retry=fast_retry())
    assert svc.generation == 1 and len(fake.calls) == 1 + 2 + 2


def test_dropped_connection_raises_requests_connection_error(fake, client):
    fake.inject(1, drop=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.get_service(name=NAME)
    assert len(fake.calls) == 1
