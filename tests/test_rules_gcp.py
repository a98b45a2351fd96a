"""Cloud Run rules at their boundaries: at the limit valid, one unit over invalid."""

from __future__ import annotations

from typing import Any

import pytest

from polycloud.findings import Finding, Severity
from polycloud.limits import ProviderLimits, load_limits
from polycloud.spec import FunctionSpec
from polycloud_gcp import rules

PROVIDER = "gcp-cloud-run"
SECRET = "projects/acme/secrets/db-password/versions/latest"
CONNECTOR = "projects/acme/locations/europe-west1/connectors/c"


@pytest.fixture(scope="module")
def limits() -> ProviderLimits:
    return load_limits(PROVIDER)


def make(**fields: Any) -> FunctionSpec:
    """A valid spec (cpu unset, so profile cpu-2), changed by ``fields``."""
    fields.setdefault("name", "hello-api")
    fields.setdefault("image", "europe-docker.pkg.dev/acme/r/hello:1")
    return FunctionSpec(**fields)


def gcp(**settings: Any) -> dict[str, Any]:
    """A providers mapping with a gcp section."""
    return {"gcp": settings}


def run(spec: FunctionSpec, limits: ProviderLimits, rule: str) -> list[Finding]:
    """The findings of one rule, after checking they are all well formed."""
    found = rules.check(spec, limits)
    known = {r.id for r in rules.RULES}
    assert {f.rule for f in found} <= known
    assert all(f.provider == PROVIDER and f.message and f.path for f in found)
    return [f for f in found if f.rule == rule]


def test_a_plain_spec_is_clean(limits: ProviderLimits) -> None:
    assert rules.check(make(), limits) == []


def test_rule_ids_are_unique_and_prefixed() -> None:
    ids = [r.id for r in rules.RULES]
    assert len(ids) == len(set(ids)) and all(i.startswith("gcp-") for i in ids)


@pytest.mark.parametrize(("cpu", "profile"), [
    (None, "cpu-2"), (0.08, "cpu-fractional"), (0.5, "cpu-fractional"), (1, "cpu-1"), (2.0, "cpu-2"),
    (4, "cpu-4"), (6, "cpu-6"), (8, "cpu-8"),
])
def test_profile_follows_cpu(limits: ProviderLimits, cpu: float | None, profile: str) -> None:
    assert rules.profile_for(make(cpu=cpu), limits).name == profile


@pytest.mark.parametrize("cpu", [3, 1.5, 16])
def test_profile_for_unknown_cpu_raises(limits: ProviderLimits, cpu: float) -> None:
    with pytest.raises(KeyError, match="cpu-fractional"):
        rules.profile_for(make(cpu=cpu), limits)


@pytest.mark.parametrize(("cpu", "most", "shown"), [
    (None, 8192, "8GiB (8192 MiB)"), (2, 8192, "8GiB (8192 MiB)"), (1, 4096, "4GiB (4096 MiB)"),
    (4, 16384, "16GiB (16384 MiB)"), (6, 24576, "24GiB (24576 MiB)"), (8, 32768, "32GiB (32768 MiB)"),
    (0.5, 1024, "1GiB (1024 MiB)"),
])
def test_memory_maximum_per_cpu(limits: ProviderLimits, cpu: float | None, most: int, shown: str) -> None:
    assert run(make(cpu=cpu, memory=most), limits, "gcp-memory") == []
    [finding] = run(make(cpu=cpu, memory=most + 1), limits, "gcp-memory")
    assert finding.severity is Severity.ERROR and finding.path == "memory"
    assert f"{most + 1} MiB" in finding.message and shown in finding.message
    assert "cloud.google.com/run/docs" in finding.message


def test_memory_hint_for_the_default_profile(limits: ProviderLimits) -> None:
    [finding] = run(make(memory=9 * 1024), limits, "gcp-memory")
    assert "profile cpu-2" in finding.message
    assert finding.hint is not None and "set cpu: 4 (up to 16 GiB)" in finding.hint
    [top] = run(make(cpu=8, memory=32769), limits, "gcp-memory")
    assert top.hint == "set memory to at most 32GiB (32768 MiB)"


@pytest.mark.parametrize(("cpu", "least"), [(4, 2048), (6, 4096), (8, 4096)])
def test_memory_minimum_per_cpu(limits: ProviderLimits, cpu: float, least: int) -> None:
    assert run(make(cpu=cpu, memory=least), limits, "gcp-memory") == []
    [finding] = run(make(cpu=cpu, memory=least - 1), limits, "gcp-memory")
    assert f"{least - 1} MiB" in finding.message and f"({least} MiB)" in finding.message
    assert "minimum" in finding.message


def test_memory_below_half_a_cpu(limits: ProviderLimits) -> None:
    assert run(make(cpu=0.25, memory=512), limits, "gcp-memory") == []
    [finding] = run(make(cpu=0.25, memory=513), limits, "gcp-memory")
    assert "513 MiB" in finding.message and "512 MiB" in finding.message and "cpu 0.25" in finding.message
    assert finding.hint is not None and "cpu: 0.5" in finding.hint


def test_gen2_needs_512_mib(limits: ProviderLimits) -> None:
    assert run(make(cpu=1, memory=511), limits, "gcp-memory") == []
    gen2 = gcp(execution_environment="gen2")
    assert run(make(cpu=1, memory=512, providers=gen2), limits, "gcp-memory") == []
    [finding] = run(make(cpu=1, memory=511, providers=gen2), limits, "gcp-memory")
    assert "gen2" in finding.message and "511 MiB" in finding.message


@pytest.mark.parametrize(("cpu", "ok"), [
    (0.08, True), (0.079, False), (0.5, True), (0.123, True), (0.0805, False), (1, True), (2, True),
    (3, False), (1.5, False), (5, False), (8, True), (9, False),
])
def test_cpu_values(limits: ProviderLimits, cpu: float, ok: bool) -> None:
    found = run(make(cpu=cpu, memory=128 if cpu < 4 else 4096), limits, "gcp-cpu")
    assert found == [] if ok else (len(found) == 1 and f"cpu {cpu:g}" in found[0].message)


def test_fractional_cpu_forces_concurrency_one(limits: ProviderLimits) -> None:
    assert run(make(cpu=0.5, concurrency={"per_instance": 1}), limits, "gcp-cpu-concurrency") == []
    [finding] = run(make(cpu=0.5, concurrency={"per_instance": 2}), limits, "gcp-cpu-concurrency")
    assert "per_instance 2" in finding.message and "maximum of 1" in finding.message
    assert run(make(cpu=1, concurrency={"per_instance": 2}), limits, "gcp-cpu-concurrency") == []


@pytest.mark.parametrize(("cpu", "env", "ok"), [
    (0.5, "gen1", True), (0.5, "gen2", False), (1, "gen2", True), (0.5, None, True),
])
def test_fractional_cpu_needs_gen1(limits: ProviderLimits, cpu: float, env: str | None, ok: bool) -> None:
    spec = make(cpu=cpu, memory=512, providers=gcp(execution_environment=env))
    found = run(spec, limits, "gcp-execution-environment")
    assert found == [] if ok else (len(found) == 1 and "gen2" in found[0].message)


def test_timeout(limits: ProviderLimits) -> None:
    assert run(make(timeout=3600), limits, "gcp-timeout") == []
    [finding] = run(make(timeout=3601), limits, "gcp-timeout")
    assert "3601s" in finding.message and "1h (3600 s)" in finding.message


def test_per_instance(limits: ProviderLimits) -> None:
    assert run(make(concurrency={"per_instance": 1000}), limits, "gcp-per-instance") == []
    [finding] = run(make(concurrency={"per_instance": 1001}), limits, "gcp-per-instance")
    assert "1001" in finding.message and "maximum of 1000" in finding.message


INT32_MAX = 2**31 - 1


@pytest.mark.parametrize("key", ["min_instances", "max_instances"])
def test_instance_counts_fit_the_admin_apis_int32(limits: ProviderLimits, key: str) -> None:
    """No fixed maximum is documented (a regional quota); minInstanceCount/maxInstanceCount are int32, so a larger
    count is refused by validate instead of crashing the deploy with a protobuf ParseError."""
    assert run(make(concurrency={key: INT32_MAX}), limits, "gcp-instances") == []
    [finding] = run(make(concurrency={key: INT32_MAX + 1}), limits, "gcp-instances")
    assert finding.path == f"concurrency.{key}" and finding.severity is Severity.ERROR
    for text in (f"concurrency.{key} {INT32_MAX + 1}", f"maximum of {INT32_MAX}", "Cloud Run", "32-bit",
                 "source: https://cloud.google.com/run/docs/configuring/"):
        assert text in finding.message, (text, finding.message)
    assert finding.hint == f"set concurrency.{key} to at most {INT32_MAX} instances"


def test_arm64_is_an_error(limits: ProviderLimits) -> None:
    [finding] = run(make(architecture="arm64"), limits, "gcp-architecture")
    assert finding.severity is Severity.ERROR and "arm64" in finding.message and "x86_64" in finding.message


@pytest.mark.parametrize(("name", "ok"), [
    ("a" * 49, True), ("a" * 50, False), ("a", True), ("hello-api-2", True), ("Hello", False),
    ("1hello", False), ("hello-", False), ("hello_api", False),
])
def test_service_name(limits: ProviderLimits, name: str, ok: bool) -> None:
    found = run(make(name=name), limits, "gcp-name")
    assert found == [] if ok else (len(found) == 1 and name in found[0].message and "49" in found[0].message)


@pytest.mark.parametrize("name", ["PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION"])
def test_reserved_env(limits: ProviderLimits, name: str) -> None:
    [env] = run(make(environment={name: "1"}), limits, "gcp-env-reserved")
    [secret] = run(make(secrets={name: {"gcp": SECRET}}), limits, "gcp-env-reserved")
    assert (env.path, secret.path) == (f"environment.{name}", f"secrets.{name}") and name in env.message


@pytest.mark.parametrize(("name", "ok"), [
    ("LOG_LEVEL", True), ("log.level", True), ("X_GOOGLE_FOO", False), ("A=B", False), ("X_GOOGLEY", True),
])
def test_env_names(limits: ProviderLimits, name: str, ok: bool) -> None:
    found = run(make(environment={name: "1"}), limits, "gcp-env-name")
    assert found == [] if ok else len(found) == 1


def test_env_count_and_size(limits: ProviderLimits) -> None:
    many = {f"V{i}": "x" for i in range(1000)}
    assert run(make(environment=many), limits, "gcp-env-count") == []
    [count] = run(make(environment=many, secrets={"S": {"gcp": SECRET}}), limits, "gcp-env-count")
    assert "1001" in count.message and "1000" in count.message
    assert run(make(environment={"BIG": "x" * 32768}), limits, "gcp-env-value") == []
    [size] = run(make(environment={"BIG": "x" * 32769}), limits, "gcp-env-value")
    assert "32769" in size.message and "32768" in size.message


@pytest.mark.parametrize(("image", "ok"), [
    ("europe-docker.pkg.dev/acme/r/hello:1", True), ("gcr.io/acme/hello", True),
    ("eu.gcr.io/acme/hello", True), ("docker.io/library/nginx:1", True), ("nginx", True),
    ("library/nginx:1", True), ("ghcr.io/o/hello:1", True),
    ("123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1", False), ("quay.io/o/hello", False),
    ("myacr.azurecr.io/hello:1", False), ("localhost:5000/hello", False),
])
def test_image_registry(limits: ProviderLimits, image: str, ok: bool) -> None:
    found = run(make(image=image), limits, "gcp-image-registry")
    assert found == [] if ok else (len(found) == 1 and found[0].hint is not None
                                   and "remote repository" in found[0].hint)


def test_image_override_is_checked_at_its_path(limits: ProviderLimits) -> None:
    spec = make(image="quay.io/o/hello", providers=gcp(image="europe-docker.pkg.dev/acme/r/hello:1"))
    assert run(spec, limits, "gcp-image-registry") == []
    [finding] = run(make(providers=gcp(image="quay.io/o/hello")), limits, "gcp-image-registry")
    assert finding.path == "providers.gcp.image"


@pytest.mark.parametrize("contract", ["lambda-runtime-api", "azure-functions-host"])
def test_image_contract(limits: ProviderLimits, contract: str) -> None:
    [finding] = run(make(image_contract=contract), limits, "gcp-image-contract")
    assert contract in finding.message


def test_uppercase_tags_are_lowercased_with_a_warning(limits: ProviderLimits) -> None:
    [finding] = run(make(tags={"Team": "Platform"}), limits, "gcp-labels")
    assert finding.severity is Severity.WARNING and "team=platform" in finding.message
    assert run(make(tags={"Team": "Platform"}), limits, "gcp-labels-invalid") == []


@pytest.mark.parametrize(("tags", "ok"), [
    ({f"t{i}": "v" for i in range(64)}, True), ({f"t{i}": "v" for i in range(65)}, False),
    ({"k" * 63: "v"}, True), ({"k" * 64: "v"}, False), ({"team": "v" * 63}, True),
    ({"team": "v" * 64}, False),
    ({"team": ""}, True), ({"1team": "v"}, False), ({"team/x": "v"}, False), ({"team": "a b"}, False),
    ({"équipe": "données"}, True), ({"Team": "x", "team": "y"}, False),
])
def test_labels(limits: ProviderLimits, tags: dict[str, str], ok: bool) -> None:
    found = run(make(tags=tags), limits, "gcp-labels-invalid")
    assert found == [] if ok else (len(found) == 1 and found[0].severity is Severity.ERROR)


@pytest.mark.parametrize(("ref", "ok"), [
    ({"gcp": SECRET}, True), ({"gcp": "projects/acme/secrets/db/versions/3"}, True), ({"azure": "x"}, False),
    ({"gcp": "projects/acme/secrets/db"}, False), ({"gcp": "db-password"}, False),
])
def test_secret_refs(limits: ProviderLimits, ref: dict[str, str], ok: bool) -> None:
    found = run(make(secrets={"DB_PASSWORD": ref}), limits, "gcp-secret-ref")
    assert found == [] if ok else len(found) == 1


@pytest.mark.parametrize(("settings", "ok"), [
    ({"network": "default", "subnetwork": "fn"}, True), ({"connector": CONNECTOR}, True),
    ({}, False), ({"network": "default", "connector": CONNECTOR}, False),
])
def test_vpc_egress(limits: ProviderLimits, settings: dict[str, str], ok: bool) -> None:
    found = run(make(network={"egress": "vpc"}, providers=gcp(**settings)), limits, "gcp-vpc")
    assert found == [] if ok else len(found) == 1


def test_ephemeral_storage_is_informational(limits: ProviderLimits) -> None:
    [finding] = run(make(ephemeral_storage=1024), limits, "gcp-ephemeral-storage")
    assert finding.severity is Severity.INFO and "memory" in finding.message
