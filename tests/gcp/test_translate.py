"""translate / to_spec, and golden tests of the exact JSON the Cloud Run API receives."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polycloud import FunctionSpec, deploy
from polycloud_gcp import CloudRunAdapter
from polycloud_gcp.translate import live_config

from .conftest import IMAGE, PROJECT, REGION, SERVICES, ScriptedFakeCloudRun, full_spec, small_spec

pure = CloudRunAdapter()  # no project/region/client: the pure calls need none

FULL_CONFIG: dict[str, Any] = {
    "service": {
        "annotations": {"polycloud.dev/managed-by": "polycloud"},  # the ownership mark
        "labels": {"team": "platform", "cost-center": "42"},
        "ingress": "INGRESS_TRAFFIC_INTERNAL_ONLY",
        "invokerIamDisabled": True,  # auth: none
        "template": {
            "timeout": "900s",
            "maxInstanceRequestConcurrency": 40,
            "scaling": {"minInstanceCount": 1, "maxInstanceCount": 20},
            "serviceAccount": "hello@acme.iam.gserviceaccount.com",
            "executionEnvironment": "EXECUTION_ENVIRONMENT_GEN2",
            "vpcAccess": {"egress": "ALL_TRAFFIC",
                          "networkInterfaces": [{"network": "default", "subnetwork": "functions"}]},
            "containers[0]": {
                "image": IMAGE,
                "resources": {"limits": {"cpu": "2", "memory": "2048Mi"}, "cpuIdle": True},
                "env": {"LOG_LEVEL": {"value": "debug"}, "GREETING": {"value": "hello"},
                        "DB_PASSWORD": {"valueSource": {"secretKeyRef": {
                            "secret": "projects/acme/secrets/db-password", "version": "3"}}}},
                "ports": [{"containerPort": 9000}],
            },
        },
    },
    "allUsersInvoker": False,
    "ready": True,
}

ENV_SENT = [
    {"name": "LOG_LEVEL", "value": "debug"},
    {"name": "GREETING", "value": "hello"},
    {"name": "DB_PASSWORD", "valueSource": {"secretKeyRef": {"secret": "projects/acme/secrets/db-password",
                                                              "version": "3"}}},
]

CREATE_BODY: dict[str, Any] = {
    "annotations": {"polycloud.dev/managed-by": "polycloud"},
    "labels": {"cost-center": "42", "team": "platform"},
    "ingress": 2,
    "invokerIamDisabled": True,
    "template": {
        "scaling": {"minInstanceCount": 1, "maxInstanceCount": 20},
        "vpcAccess": {"egress": 1, "networkInterfaces": [{"network": "default", "subnetwork": "functions"}]},
        "timeout": "900s",
        "serviceAccount": "hello@acme.iam.gserviceaccount.com",
        "containers": [{
            "image": IMAGE,
            "env": ENV_SENT,
            "resources": {"limits": {"cpu": "2", "memory": "2048Mi"}, "cpuIdle": True},
            "ports": [{"containerPort": 9000}],
        }],
        "executionEnvironment": 2,
        "maxInstanceRequestConcurrency": 40,
    },
}


def test_translate_golden() -> None:
    config = pure.translate(full_spec())
    assert config == FULL_CONFIG
    assert (config.name, config.id, config.notes) == (
        "hello-api", "projects/acme/locations/europe-west1/services/hello-api", [])


def test_create_sends_exactly_this(fake: ScriptedFakeCloudRun, settings: dict[str, Any]) -> None:
    deploy(full_spec(), "gcp", settings=settings)
    (create,) = fake.writes  # public through the service's own field: no IAM write
    assert (create.method, create.path, create.query) == (
        "POST", SERVICES, {"serviceId": "hello-api", "$alt": "json;enum-encoding=int"})
    assert create.body == CREATE_BODY


def test_update_sends_the_live_service_with_the_managed_fields_over_it(fake: ScriptedFakeCloudRun,
                                                                       settings: dict[str, Any]) -> None:
    deploy(full_spec(), "gcp", settings=settings)
    etag = fake.service("acme", "europe-west1", "hello-api")["etag"]  # type: ignore[index]
    fake.reset_calls()
    deploy(full_spec(memory="4GiB"), "gcp", settings=settings)
    (update,) = fake.writes
    assert (update.method, update.path) == ("PATCH", f"{SERVICES}/hello-api")
    expected = {**CREATE_BODY, "launchStage": 4, "traffic": [{"type": 1, "percent": 100}],  # server's, kept
                "etag": etag}  # the etag read: a service changed since is refused, not overwritten
    expected["template"] = {**CREATE_BODY["template"], "containers": [{
        **CREATE_BODY["template"]["containers"][0],
        "resources": {"limits": {"cpu": "2", "memory": "4096Mi"}, "cpuIdle": True},
        "ports": [{"name": "http1", "containerPort": 9000}],
    }]}
    assert update.body == expected


def test_defaults_are_sent_explicitly(fake: ScriptedFakeCloudRun, settings: dict[str, Any]) -> None:
    deploy(small_spec(), "gcp", settings=settings)
    assert fake.writes[0].body == {
        "annotations": {"polycloud.dev/managed-by": "polycloud"},
        "ingress": 1,
        "template": {
            "scaling": {"maxInstanceCount": 100},  # minInstanceCount 0 is proto3's unset
            "timeout": "30s",
            "containers": [{"image": IMAGE, "resources": {"limits": {"cpu": "1", "memory": "512Mi"}, "cpuIdle": True},
                            "ports": [{"containerPort": 8080}]}],
            "maxInstanceRequestConcurrency": 1,
        },
    }


@pytest.mark.parametrize(("memory", "cpu"), [(128, "1"), (512, "1"), (4096, "1"), (4097, "2"), (8192, "2")])
def test_cpu_is_derived_from_memory_when_unset(memory: int, cpu: str) -> None:
    limits = pure.translate(small_spec(memory=memory))["service"]["template"]["containers[0]"]["resources"]["limits"]
    assert limits == {"cpu": cpu, "memory": f"{memory}Mi"}
    assert pure.to_spec(pure.translate(small_spec(memory=memory))).spec.cpu is None


@pytest.mark.parametrize(("cpu", "sent"), [(0.5, "0.5"), (0.083, "0.083"), (1, "1"), (4, "4")])
def test_explicit_cpu_is_sent(cpu: float, sent: str) -> None:
    spec = small_spec(cpu=cpu, memory=512 if cpu < 1 else 4096)
    assert pure.translate(spec)["service"]["template"]["containers[0]"]["resources"]["limits"]["cpu"] == sent


@pytest.mark.parametrize(("ingress", "sent"), [("public", "INGRESS_TRAFFIC_ALL"),
                                               ("internal", "INGRESS_TRAFFIC_INTERNAL_ONLY"),
                                               ("none", "INGRESS_TRAFFIC_NONE")])
def test_ingress(ingress: str, sent: str) -> None:
    spec = small_spec(network={"ingress": ingress})
    config = pure.translate(spec)
    assert config["service"]["ingress"] == sent
    assert config["service"]["invokerIamDisabled"] is False  # auth: iam unless the spec says none
    assert config["allUsersInvoker"] is False  # never granted
    assert pure.to_spec(config).spec == spec


@pytest.mark.parametrize(("concurrency", "sent"), [({}, 100), ({"min_instances": 150}, 150),
                                                   ({"max_instances": 100}, 100), ({"max_instances": 7}, 7)])
def test_unset_max_instances_sends_the_default(concurrency: dict[str, int], sent: int) -> None:
    config = pure.translate(small_spec(concurrency=concurrency))
    assert config["service"]["template"]["scaling"]["maxInstanceCount"] == sent
    assert pure.to_spec(config).spec.concurrency.max_instances == (7 if sent == 7 else None)


def test_connector_and_private_ranges() -> None:
    connector = "projects/acme/locations/europe-west1/connectors/vpc"
    spec = small_spec(network={"egress": "vpc"},
                      providers={"gcp": {"project": PROJECT, "region": REGION, "connector": connector}})
    config = pure.translate(spec)
    assert config["service"]["template"]["vpcAccess"] == {"egress": "PRIVATE_RANGES_ONLY", "connector": connector}
    assert pure.to_spec(config).spec == spec


def test_uppercase_tags_become_lowercase_labels_with_a_note(fake: ScriptedFakeCloudRun,
                                                            settings: dict[str, Any]) -> None:
    spec = small_spec(tags={"Team": "Platform", "env": "prod"})
    result = deploy(spec, "gcp", settings=settings)
    assert fake.service(PROJECT, REGION, "hello")["labels"] == {"team": "platform", "env": "prod"}  # type: ignore[index]
    assert result.notes[-1] == ("tag Team=Platform is deployed as the Cloud Run label team=platform "
                                "(labels are lowercase)")
    assert len(result.notes) == 2 and "(gcp-labels)" in result.notes[0]  # the validate warning travels too
    assert deploy(spec, "gcp", settings=settings).action == "unchanged"


def _raw(**template: Any) -> dict[str, Any]:
    container = {"image": IMAGE, "resources": {"limits": {"cpu": "1000m", "memory": "1Gi"}, "cpuIdle": True},
                 "ports": [{"name": "http1", "containerPort": 8080}], **template.pop("container", {})}
    return {"name": f"projects/{PROJECT}/locations/{REGION}/services/hello", "uri": "https://hello.a.run.app",
            "ingress": "INGRESS_TRAFFIC_ALL",
            "template": {"timeout": "300s", "serviceAccount": "123456789012-compute@developer.gserviceaccount.com",
                         "scaling": {"maxInstanceCount": 100}, "maxInstanceRequestConcurrency": 80,
                         "containers": [container], **template},
            "terminalCondition": {"type": "Ready", "state": "CONDITION_SUCCEEDED"}}


def test_server_forms_are_normalised_and_exported_exactly() -> None:
    imported = pure.to_spec(live_config(_raw(), all_users_invoker=False))
    assert imported.notes == []
    assert imported.spec == small_spec(memory="1GiB", timeout="5m", concurrency={"per_instance": 80})
    assert imported.spec.cpu is None and imported.spec.providers.gcp is not None
    assert imported.spec.providers.gcp.service_account is None  # the default compute account


def test_what_does_not_map_is_reported() -> None:
    raw = _raw(container={"resources": {"limits": {"cpu": "1", "memory": "1G"}, "cpuIdle": False},
                          "env": [{"name": "TOKEN", "valueSource": {"secretKeyRef": {"secret": "token"}}}],
                          "livenessProbe": {"httpGet": {"path": "/"}}},
               timeout="1.5s")
    raw["ingress"] = "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"
    raw["template"]["containers"].append({"image": "sidecar"})
    imported = pure.to_spec(live_config(raw, all_users_invoker=False))
    spec = imported.spec
    assert (spec.memory, spec.timeout, spec.network.ingress) == (954, 2, "internal")
    assert spec.secrets["TOKEN"].gcp == "projects/acme/secrets/token/versions/latest"  # same-project short form
    notes = "\n".join(imported.notes)
    for expected in ("memory 1G is 1000000000 bytes = 953.67 MiB", "exported as 954 MiB (rounded up)",
                     "timeout 1.5s", "cpu_idle false", "internal-and-cloud-load-balancing",
                     "2 containers", "liveness probe"):
        assert expected in notes


def test_a_failed_revision_reads_as_not_ready() -> None:
    raw = _raw()
    raw["terminalCondition"] = {"type": "Ready", "state": "CONDITION_FAILED", "message": "image not found"}
    config = live_config(raw, all_users_invoker=False)
    assert config["ready"] is False
    assert "the latest revision is not ready: image not found" in pure.to_spec(config).notes


_whole_cpu = st.sampled_from([None, 1.0, 2.0])


@st.composite
def representable_specs(draw: st.DrawFn) -> FunctionSpec:
    """Specs within the default profile, using only what Cloud Run represents."""
    name = draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True))
    fractional = draw(st.booleans())
    cpu = draw(st.sampled_from([0.5, 0.25, 0.08])) if fractional else draw(_whole_cpu)
    generation = "gen1" if fractional else draw(st.sampled_from([None, "gen1", "gen2"]))
    memory = draw(st.integers(512 if generation == "gen2" else 128,
                              512 if fractional else 8192 if cpu in (None, 2.0) else 4096))
    if cpu is not None and cpu == (1.0 if memory <= 4096 else 2.0):
        cpu = None  # the derived value exports as unset
    low = draw(st.integers(0, 5))
    text = st.from_regex(r"[a-z0-9_-]{1,10}", fullmatch=True)
    egress = draw(st.sampled_from(["default", "vpc"]))
    return FunctionSpec.model_validate({
        "name": name, "image": IMAGE, "memory": memory, "cpu": cpu,
        "timeout": draw(st.integers(1, 3600)), "port": draw(st.integers(1, 65535)),
        "concurrency": {"min_instances": low,
                        "max_instances": draw(st.one_of(st.none(), st.integers(max(low, 1), 99))),
                        "per_instance": 1 if fractional else draw(st.integers(1, 1000))},
        "network": {"ingress": draw(st.sampled_from(["public", "internal", "none"])),
                    "auth": draw(st.sampled_from(["iam", "none"])), "egress": egress},
        "environment": draw(st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,8}", fullmatch=True), text,
                                            max_size=3).filter(lambda env: "PORT" not in env)),
        "tags": draw(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True), text, max_size=3)),
        "providers": {"gcp": {
            "project": PROJECT, "region": REGION,
            "execution_environment": generation,
            "network": "default" if egress == "vpc" else None, "subnetwork": "fn" if egress == "vpc" else None,
            "vpc_all_traffic": draw(st.booleans()) if egress == "vpc" else False,
        }},
    })


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(representable_specs())
def test_round_trip_property(spec: FunctionSpec) -> None:
    assert [f for f in pure.check(spec) if f.severity.value == "error"] == []
    assert pure.to_spec(pure.translate(spec)).spec == spec
