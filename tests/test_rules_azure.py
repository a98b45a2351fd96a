"""Azure Functions rules at their boundaries: at the limit valid, one unit over invalid."""

from __future__ import annotations

from typing import Any

import pytest

from polycloud.findings import Finding, Severity
from polycloud.limits import ProviderLimits, load_limits
from polycloud.spec import FunctionSpec
from polycloud_azure import rules
from polycloud_azure.translate import default_plan_name

PROVIDER = "azure-functions"
SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/fn"
VAULT = "https://kv-hello.vault.azure.net/secrets/db-password"


@pytest.fixture(scope="module")
def limits() -> ProviderLimits:
    return load_limits(PROVIDER)


def make(plan: str | None = None, **fields: Any) -> FunctionSpec:
    """A valid spec (EP1 unless ``plan``), changed by ``fields``."""
    fields.setdefault("name", "hello-api")
    fields.setdefault("image", "myacr.azurecr.io/hello:1")
    fields.setdefault("network", {"auth": "none"})  # public and iam cannot be enforced on Azure (azure-auth)
    if plan is not None:
        providers = fields.setdefault("providers", {})
        providers.setdefault("azure", {})["plan"] = plan
    return FunctionSpec(**fields)


def run(spec: FunctionSpec, limits: ProviderLimits, rule: str) -> list[Finding]:
    """The findings of one rule, after checking they are all well formed."""
    found = rules.check(spec, limits)
    known = {r.id for r in rules.RULES}
    assert {f.rule for f in found} <= known
    assert all(f.provider == PROVIDER and f.message and f.path for f in found)
    return [f for f in found if f.rule == rule]


def test_a_plain_spec_is_clean_but_told_what_an_http_image_gets(limits: ProviderLimits) -> None:
    findings = rules.check(make(), limits)
    assert [(f.rule, f.severity.value) for f in findings] == [("azure-http-image", "info")]
    assert "not enforced" in findings[0].message and "custom handler" in (findings[0].hint or "")
    host = make(image_contract="azure-functions-host", providers={"azure": {
        "location": "westeurope", "worker_runtime": "python", "storage": "acmestore"}})
    assert rules.check(host, limits) == []


def test_rule_ids_are_unique_prefixed_and_sourced() -> None:
    ids = [r.id for r in rules.RULES]
    assert len(ids) == len(set(ids))
    assert all(r.id.startswith("azure-") and r.summary for r in rules.RULES)


@pytest.mark.parametrize(("plan", "memory", "limit"), [
    (None, 3584, "3584 MiB"), ("EP2", 7168, "7GiB (7168 MiB)"), ("EP3", 14336, "14GiB (14336 MiB)"),
    ("consumption", 1536, "1536 MiB"), ("flex-512", 512, "512 MiB"), ("flex-2048", 2048, "2GiB (2048 MiB)"),
    ("flex-4096", 4096, "4GiB (4096 MiB)"),
])
def test_memory_per_plan(limits: ProviderLimits, plan: str | None, memory: int, limit: str) -> None:
    assert run(make(plan, memory=memory), limits, "azure-memory") == []
    [finding] = run(make(plan, memory=memory + 1), limits, "azure-memory")
    assert finding.severity is Severity.ERROR and finding.path == "memory"
    assert f"{memory + 1} MiB" in finding.message and limit in finding.message
    assert f"profile {plan or 'EP1'}" in finding.message and "learn.microsoft.com" in finding.message


def test_memory_hint_names_a_bigger_plan(limits: ProviderLimits) -> None:
    [finding] = run(make(memory=4096), limits, "azure-memory")
    assert finding.hint is not None and "EP2" in finding.hint and "EP3" in finding.hint
    [top] = run(make("EP3", memory=14337), limits, "azure-memory")
    assert top.hint == "set memory to at most 14GiB (14336 MiB)"


@pytest.mark.parametrize(("plan", "seconds"), [
    (None, 600), ("EP1", 600), ("consumption", 600), ("EP2", 3600), ("EP3", 3600), ("flex-2048", 3600),
])
def test_timeout_per_plan(limits: ProviderLimits, plan: str | None, seconds: int) -> None:
    assert run(make(plan, timeout=seconds), limits, "azure-timeout") == []
    [finding] = run(make(plan, timeout=seconds + 1), limits, "azure-timeout")
    assert finding.severity is Severity.ERROR and f"{seconds + 1}s" in finding.message
    assert f"({seconds} s)" in finding.message


def test_ep1_timeout_hint_points_to_ep2(limits: ProviderLimits) -> None:
    [finding] = run(make(timeout=601), limits, "azure-timeout")
    assert finding.hint is not None and "EP2" in finding.hint and "60 min" in finding.hint
    [flex] = run(make("flex-512", timeout=3601), limits, "azure-timeout")
    assert flex.hint == "set timeout to at most 1h (3600 s)"


def test_http_timeout_warning(limits: ProviderLimits) -> None:
    assert run(make(timeout=230), limits, "azure-http-timeout") == []
    [finding] = run(make(timeout=231), limits, "azure-http-timeout")
    assert finding.severity is Severity.WARNING and "231s" in finding.message and "230s" in finding.message


def test_arm64_is_an_error(limits: ProviderLimits) -> None:
    [finding] = run(make(architecture="arm64"), limits, "azure-architecture")
    assert finding.severity is Severity.ERROR and "arm64" in finding.message and "x86_64" in finding.message


def test_cpu_is_a_warning_naming_the_plan_cores(limits: ProviderLimits) -> None:
    [finding] = run(make("EP2", cpu=4), limits, "azure-cpu")
    assert finding.severity is Severity.WARNING and "2 core" in finding.message


@pytest.mark.parametrize(("name", "ok"), [
    ("a" * 60, True), ("a" * 61, False), ("ab", True), ("a", False), ("Hello-API-2", True),
    ("-hello", False), ("hello-", False), ("hello_api", False),
])
def test_site_name(limits: ProviderLimits, name: str, ok: bool) -> None:
    found = run(make(name=name), limits, "azure-name")
    assert found == [] if ok else (len(found) == 1 and name in found[0].message
                                   and "2-60" in found[0].message)


@pytest.mark.parametrize(("name", "ok"), [
    ("LOG_LEVEL", True), ("Logging.Level__Default", True), ("LOG-LEVEL", False), ("A:B", False),
])
def test_app_setting_names(limits: ProviderLimits, name: str, ok: bool) -> None:
    env = run(make(environment={name: "x"}), limits, "azure-app-setting-name")
    secret = run(make(secrets={name: {"azure": VAULT}}), limits, "azure-app-setting-name")
    assert (env == [] and secret == []) if ok else ([f.path for f in env + secret]
                                                    == [f"environment.{name}", f"secrets.{name}"])


@pytest.mark.parametrize(("name", "ok"), [
    ("WEBSITES_PORT", False), ("AzureWebJobsStorage", False), ("AzureWebJobsStorage__accountName", False),
    ("FUNCTIONS_WORKER_RUNTIME", False), ("DOCKER_REGISTRY_SERVER_PASSWORD", False),
    ("WEBSITES_ENABLE_APP_SERVICE_STORAGE", False), ("WEBSITES_PORTAL", True), ("LOG_LEVEL", True),
    ("PORT", False), ("PORTAL", True), ("HTTP_PORT", True),
    ("AzureFunctionsJobHost__functionTimeout", False),
    ("AzureFunctionsJobHost__extensions__http__maxConcurrentRequests", False),
    ("AzureFunctionsJobHost__logging__logLevel__default", True), ("AzureFunctionsJobHost__functionTimeoutX", True),
])
def test_reserved_app_settings(limits: ProviderLimits, name: str, ok: bool) -> None:
    found = run(make(environment={name: "1"}), limits, "azure-app-setting-reserved")
    assert found == [] if ok else (len(found) == 1 and name in found[0].message
                                   and "https://learn.microsoft.com" in found[0].message)


@pytest.mark.parametrize("contract", ["http", "azure-functions-host"])
def test_port_is_reserved_for_every_image_contract(limits: ProviderLimits, contract: str) -> None:
    [finding] = run(make(image_contract=contract, environment={"PORT": "8080"}), limits,
                    "azure-app-setting-reserved")
    assert finding.path == "environment.PORT" and finding.hint is not None and "port" in finding.hint


@pytest.mark.parametrize(("name", "field"), [
    ("AzureFunctionsJobHost__functionTimeout", "set timeout"),
    ("AzureFunctionsJobHost__extensions__http__maxConcurrentRequests", "set concurrency.per_instance"),
])
def test_host_json_overrides_polycloud_derives_are_reserved(limits: ProviderLimits, name: str, field: str) -> None:
    for spec, path in ((make(environment={name: "1"}), f"environment.{name}"),
                       (make(secrets={name: {"azure": VAULT}}), f"secrets.{name}")):
        [finding] = run(spec, limits, "azure-app-setting-reserved")
        assert finding.severity is Severity.ERROR and finding.path == path
        assert finding.hint is not None and field in finding.hint
        assert "https://learn.microsoft.com/azure/azure-functions/functions-app-settings" in finding.message


def test_ephemeral_storage_is_a_warning(limits: ProviderLimits) -> None:
    assert run(make(), limits, "azure-ephemeral-storage") == []
    [finding] = run(make(ephemeral_storage="512MiB"), limits, "azure-ephemeral-storage")
    assert finding.severity is Severity.WARNING and finding.path == "ephemeral_storage"
    assert "512 MiB" in finding.message and "ignored" in finding.message
    assert "https://learn.microsoft.com" in finding.message


@pytest.mark.parametrize(("name", "ok"), [
    ("p" * 60, True), ("p" * 61, False), ("p", True), ("", False), ("Shared-EP2", True), ("-plan-", True),
    ("shared_plan", False), ("shared.plan", False), ("plän", False),
])
def test_plan_name(limits: ProviderLimits, name: str, ok: bool) -> None:
    found = run(make(providers={"azure": {"plan_name": name}}), limits, "azure-plan-name")
    if ok:
        assert found == []
    else:
        [finding] = found
        assert finding.severity is Severity.ERROR and finding.path == "providers.azure.plan_name"
        assert "1-60" in finding.message and "Punycode" in finding.message
        assert "resource-name-rules#microsoftweb" in finding.message


def test_the_default_plan_name_passes_the_rule(limits: ProviderLimits) -> None:
    longest = default_plan_name("a" * 60)
    assert run(make(name="a" * 60, providers={"azure": {"plan_name": longest}}), limits, "azure-plan-name") == []


def test_every_rule_has_an_https_source() -> None:
    sourced = [r for r in rules.RULES if r.id != "azure-secret-ref"]
    assert all(r.source.startswith("https://") for r in sourced)


def test_plan_is_case_insensitive_and_unknown_plans_are_errors(limits: ProviderLimits) -> None:
    assert run(make("ep2", memory=7168), limits, "azure-memory") == []
    assert rules.profile_for(make("ep2"), limits).name == "EP2"
    assert rules.profile_for(make(), limits).name == "EP1"
    [finding] = run(make("P1v3"), limits, "azure-plan")
    assert finding.path == "providers.azure.plan" and "'P1v3'" in finding.message and "EP3" in finding.message
    with pytest.raises(KeyError, match="flex-512"):
        rules.profile_for(make("P1v3"), limits)


@pytest.mark.parametrize(("plan", "ok"), [
    ("EP1", True), ("EP2", True), ("EP3", True), ("consumption", False), ("flex-512", False),
    ("flex-2048", False), ("flex-4096", False),
])
def test_containers_only_on_premium(limits: ProviderLimits, plan: str, ok: bool) -> None:
    found = run(make(plan), limits, "azure-plan-container")
    assert found == [] if ok else (len(found) == 1 and found[0].hint is not None and "EP1" in found[0].hint)


def test_lambda_runtime_api_images_cannot_run(limits: ProviderLimits) -> None:
    assert run(make(image_contract="azure-functions-host"), limits, "azure-image-contract") == []
    [finding] = run(make(image_contract="lambda-runtime-api"), limits, "azure-image-contract")
    assert finding.path == "image_contract"


@pytest.mark.parametrize(("plan", "network", "subnet", "ok"), [
    ("EP1", "vpc", SUBNET, True), ("flex-2048", "vpc", SUBNET, True), ("EP1", "vpc", None, False),
    ("consumption", "vpc", SUBNET, False), ("consumption", "default", SUBNET, False),
    ("EP1", "vpc", "subnet-1", False), ("EP1", "default", None, True),
])
def test_vnet(limits: ProviderLimits, plan: str, network: str, subnet: str | None, ok: bool) -> None:
    spec = make(network={"egress": network}, providers={"azure": {"plan": plan, "subnet_id": subnet}})
    found = run(spec, limits, "azure-vpc")
    assert found == [] if ok else len(found) == 1


@pytest.mark.parametrize(("plan", "most"), [
    ("EP1", 100), ("EP3", 100), ("consumption", 100), ("flex-512", 1000),
])
def test_max_instances_per_plan(limits: ProviderLimits, plan: str, most: int) -> None:
    assert run(make(plan, concurrency={"max_instances": most}), limits, "azure-max-instances") == []
    [finding] = run(make(plan, concurrency={"max_instances": most + 1}), limits, "azure-max-instances")
    assert f"{most + 1}" in finding.message and f"maximum of {most}" in finding.message


def test_premium_max_instances_names_the_regional_range(limits: ProviderLimits) -> None:
    [finding] = run(make(concurrency={"max_instances": 101}), limits, "azure-max-instances")
    assert "20-100" in finding.message


@pytest.mark.parametrize(("plan", "ok"), [("consumption", False), ("EP1", True), ("flex-2048", True)])
def test_min_instances_need_always_ready(limits: ProviderLimits, plan: str, ok: bool) -> None:
    assert run(make(plan, concurrency={"min_instances": 0}), limits, "azure-min-instances") == []
    found = run(make(plan, concurrency={"min_instances": 1}), limits, "azure-min-instances")
    assert found == [] if ok else (len(found) == 1 and "min_instances 1" in found[0].message)


def test_per_instance_any_positive_value(limits: ProviderLimits) -> None:
    assert run(make(concurrency={"per_instance": 1000}), limits, "azure-per-instance") == []


@pytest.mark.parametrize(("tags", "ok"), [
    ({f"t{i}": "v" for i in range(49)}, True), ({f"t{i}": "v" for i in range(50)}, False),  # + managed-by
    ({"k" * 512: "v"}, True), ({"k" * 513: "v"}, False), ({"team": "v" * 256}, True),
    ({"team": "v" * 257}, False), ({"team/x": "v"}, False), ({"a&b": "v"}, False), ({"url": "a/b?c"}, True),
])
def test_tags(limits: ProviderLimits, tags: dict[str, str], ok: bool) -> None:
    found = run(make(tags=tags), limits, "azure-tags")
    assert found == [] if ok else len(found) == 1


@pytest.mark.parametrize(("ref", "ok"), [
    ({"azure": VAULT}, True), ({"azure": VAULT + "/0123abcd"}, True), ({"aws": "arn:aws:x"}, False),
    ({"azure": "kv-hello/db-password"}, False), ({"azure": "https://kv.vault.azure.net/keys/k"}, False),
])
def test_secret_refs(limits: ProviderLimits, ref: dict[str, str], ok: bool) -> None:
    found = run(make(secrets={"DB_PASSWORD": ref}), limits, "azure-secret-ref")
    assert found == [] if ok else len(found) == 1


def test_managed_by_tag_is_reserved(limits: ProviderLimits) -> None:
    [finding] = run(make(tags={"Managed-By": "terraform"}), limits, "azure-tags")
    assert finding.path == "tags.Managed-By" and "polycloud" in finding.message


@pytest.mark.parametrize(("ingress", "auth", "ok"), [
    ("public", "iam", False), ("public", "none", True), ("internal", "iam", True), ("internal", "none", True),
    ("none", "iam", True),
])
def test_public_ingress_needs_explicit_auth_none(limits: ProviderLimits, ingress: str, auth: str, ok: bool) -> None:
    found = run(make(network={"ingress": ingress, "auth": auth}), limits, "azure-auth")
    if ok:
        assert found == []
        return
    [finding] = found
    assert (finding.severity, finding.path) == (Severity.ERROR, "network.auth")
    assert "cannot be enforced" in finding.message and "open to anyone" in finding.message
    assert "overview-authentication-authorization" in finding.message
    assert finding.hint is not None
    assert "network.auth: none" in finding.hint and "network.ingress: internal" in finding.hint


def test_the_spec_defaults_hit_azure_auth(limits: ProviderLimits) -> None:
    spec = FunctionSpec(name="hello-api", image="myacr.azurecr.io/hello:1")
    assert [f.rule for f in rules.check(spec, limits) if f.severity.value != "info"] == ["azure-auth"]


KEY_CONN = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5;EndpointSuffix=core.windows.net"
KV_REF = f"@Microsoft.KeyVault(SecretUri={VAULT})"


@pytest.mark.parametrize(("azure", "path"), [
    ({"registry_username": "puller", "registry_password": "s3cret"}, "providers.azure.registry_password"),
    ({"registry_username": "puller", "registry_password": KV_REF}, None),
    ({"registry_password": "@Microsoft.KeyVault(VaultName=kv-hello;SecretName=acr)"}, None),
    ({"storage": KEY_CONN}, "providers.azure.storage"),
    ({"storage": "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=x"},
     "providers.azure.storage"),
    ({"storage": KV_REF}, None),
    ({"storage": "acmestorage"}, None),  # an account name: identity-based
    ({"storage": "UseDevelopmentStorage=true"}, None),  # a connection string without a key
])
def test_plaintext_secrets_warn(limits: ProviderLimits, azure: dict[str, Any], path: str | None) -> None:
    found = run(make(providers={"azure": azure}), limits, "azure-plaintext-secret")
    if path is None:
        assert found == []
        return
    [finding] = found
    assert (finding.severity, finding.path) == (Severity.WARNING, path)
    assert "plain text" in finding.message and "app-service-key-vault-references" in finding.message
    assert finding.hint is not None and "@Microsoft.KeyVault(SecretUri=" in finding.hint


def test_every_example_validates(capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from polycloud.cli import main

    examples = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "examples").iterdir()
                      if p.suffix in (".yaml", ".json", ".toml"))
    assert main(["validate", *examples]) == 0, capsys.readouterr().out
    azure = [e for e in examples if e.endswith(("azure-premium.json", "hello-api.yaml"))]
    assert len(azure) == 2 and main(["validate", *azure, "-p", "azure"]) == 0, capsys.readouterr().out
