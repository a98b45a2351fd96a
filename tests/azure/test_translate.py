"""Golden request bodies (as FakeArmWeb received them) and the pure translate / to_spec mapping."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polycloud import FunctionSpec, SpecError, deploy
from polycloud.testing.azure import FakeArmWeb
from polycloud_azure import AzureFunctionsAdapter
from polycloud_azure.translate import burst_needed

from .conftest import FULL_SPEC, IMAGE, LOCATION, RG, SECRET_URI, SUB, SUBNET

PLAN_ID = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/serverfarms/contract-fn-plan"
KV_REF = f"@Microsoft.KeyVault(SecretUri={SECRET_URI})"

GOLDEN_SETTINGS = {
    "FUNCTIONS_EXTENSION_VERSION": "~4",
    "WEBSITES_ENABLE_APP_SERVICE_STORAGE": "false",
    "WEBSITES_PORT": "9000",
    "FUNCTIONS_WORKER_RUNTIME": "custom",
    "AzureFunctionsJobHost__functionTimeout": "00:05:00",
    "AzureFunctionsJobHost__extensions__http__maxConcurrentRequests": "8",
    "AzureWebJobsStorage__accountName": "acmestorage",
    "LOG_LEVEL": "debug",
    "FEATURE_X": "on",
    "DB_PASSWORD": KV_REF,
}
GOLDEN_SITE_CONFIG = {
    "linuxFxVersion": f"DOCKER|{IMAGE}",
    "functionAppScaleLimit": 10,
    "minimumElasticInstanceCount": 1,
    "vnetRouteAllEnabled": True,
    "acrUseManagedIdentityCreds": True,
}
GOLDEN_TAGS = {"team": "platform", "cost-center": "42", "managed-by": "polycloud"}
GOLDEN_PLAN_PUT = {
    "location": LOCATION,
    "kind": "elastic",
    "tags": {"managed-by": "polycloud"},
    "sku": {"name": "EP1", "tier": "ElasticPremium"},
    "properties": {"reserved": True, "maximumElasticWorkerCount": 20},
}
GOLDEN_SITE_PUT = {
    "location": LOCATION,
    "kind": "functionapp,linux,container",
    "tags": GOLDEN_TAGS,
    "identity": {"type": "SystemAssigned"},
    "properties": {
        "serverFarmId": PLAN_ID,
        "reserved": True,
        "httpsOnly": True,
        "publicNetworkAccess": "Enabled",
        "virtualNetworkSubnetId": SUBNET,
        "siteConfig": {**GOLDEN_SITE_CONFIG,
                       "appSettings": [{"name": k, "value": v} for k, v in GOLDEN_SETTINGS.items()]},
    },
}


def _spec(**changes: Any) -> FunctionSpec:
    azure = changes.pop("azure", None)
    data = {**FULL_SPEC, **changes}
    if azure is not None:
        data["providers"] = {"azure": {**FULL_SPEC["providers"]["azure"], **azure}}
    return FunctionSpec.model_validate(data)


def _bodies(fake: FakeArmWeb) -> list[tuple[str, str, Any]]:
    return [(c.method, c.path.split("/Microsoft.Web/")[-1], c.body) for c in fake.writes]


# -- golden request bodies -------------------------------------------------------------------------
def test_create_sends_exactly_these_bodies(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                           fake: FakeArmWeb) -> None:
    deploy(spec, adapter)
    assert _bodies(fake) == [
        ("PUT", "serverfarms/contract-fn-plan", GOLDEN_PLAN_PUT),
        ("PUT", "sites/contract-fn", GOLDEN_SITE_PUT),
    ]


def test_app_settings_update_sends_the_whole_set(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                                 fake: FakeArmWeb) -> None:
    deploy(spec, adapter)
    fake.reset_calls()
    deploy(spec.model_copy(update={"environment": {"LOG_LEVEL": "info"}}), adapter)
    expected = {k: v for k, v in GOLDEN_SETTINGS.items() if k != "FEATURE_X"} | {"LOG_LEVEL": "info"}
    assert _bodies(fake) == [("PUT", "sites/contract-fn/config/appsettings", {"properties": expected})]


def test_image_update_sends_one_site_patch(adapter: AzureFunctionsAdapter, spec: FunctionSpec,
                                           fake: FakeArmWeb) -> None:
    deploy(spec, adapter)
    fake.reset_calls()
    deploy(spec.model_copy(update={"image": "acme.azurecr.io/hello:2"}), adapter)
    patch = {
        "kind": "functionapp,linux,container",
        "properties": {**{k: v for k, v in GOLDEN_SITE_PUT["properties"].items() if k != "siteConfig"},
                       "siteConfig": {**GOLDEN_SITE_CONFIG, "linuxFxVersion": "DOCKER|acme.azurecr.io/hello:2"}},
    }
    assert _bodies(fake) == [("PATCH", "sites/contract-fn", patch)]


def test_translate_golden_config(adapter: AzureFunctionsAdapter, spec: FunctionSpec) -> None:
    config = adapter.translate(spec)
    assert (config.name, config.id) == (
        "contract-fn", f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Web/sites/contract-fn")
    assert config == {
        "plan": {"name": "contract-fn-plan", "kind": "elastic", "sku": {"name": "EP1", "tier": "ElasticPremium"},
                 "reserved": True},
        "site": {"location": LOCATION, "kind": "functionapp,linux,container", "identity": "SystemAssigned",
                 "reserved": True, "httpsOnly": True, "publicNetworkAccess": "Enabled",
                 "virtualNetworkSubnetId": SUBNET, "siteConfig": GOLDEN_SITE_CONFIG},
        "app_settings": GOLDEN_SETTINGS,
        "tags": GOLDEN_TAGS,
    }


# -- single mappings -------------------------------------------------------------------------------
def test_storage_connection_string_is_kept_as_is(adapter: AzureFunctionsAdapter) -> None:
    conn = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=a2V5;EndpointSuffix=core.windows.net"
    config = adapter.translate(_spec(azure={"storage": conn}))
    assert config["app_settings"]["AzureWebJobsStorage"] == conn
    assert "AzureWebJobsStorage__accountName" not in config["app_settings"]
    imported = adapter.to_spec(config)
    assert imported.spec.providers.azure.storage == conn  # type: ignore[union-attr]
    assert any("connection string with an account key" in n for n in imported.notes)


def test_no_storage_writes_no_storage_setting(adapter: AzureFunctionsAdapter) -> None:
    config = adapter.translate(_spec(image_contract="http", azure={"storage": None, "worker_runtime": None}))
    assert not any(k.startswith("AzureWebJobsStorage") for k in config["app_settings"])


@pytest.mark.parametrize(("image", "server"), [(IMAGE, "https://acme.azurecr.io"),
                                               ("ghcr.io/acme/hello:1", "https://ghcr.io"),
                                               ("acme/hello:1", "https://index.docker.io")])
def test_registry_credentials(adapter: AzureFunctionsAdapter, image: str, server: str) -> None:
    spec = _spec(image=image, azure={"registry_username": "puller", "registry_password": "s3cret",
                                     "registry_managed_identity": False})
    config = adapter.translate(spec)
    assert {k: v for k, v in config["app_settings"].items() if k.startswith("DOCKER_")} == {
        "DOCKER_REGISTRY_SERVER_URL": server, "DOCKER_REGISTRY_SERVER_USERNAME": "puller",
        "DOCKER_REGISTRY_SERVER_PASSWORD": "s3cret"}
    assert config["site"]["siteConfig"]["acrUseManagedIdentityCreds"] is False
    imported = adapter.to_spec(config)
    assert imported.spec == spec
    assert any("DOCKER_REGISTRY_SERVER_PASSWORD is a plain password" in n for n in imported.notes)


def test_internal_ingress_disables_public_access(adapter: AzureFunctionsAdapter) -> None:
    spec = _spec(network={"ingress": "internal", "egress": "vpc"})
    config = adapter.translate(spec)
    assert config["site"]["publicNetworkAccess"] == "Disabled"
    assert any("private endpoint" in n for n in config.notes)
    imported = adapter.to_spec(config)
    assert imported.spec == spec
    assert any("internal" in n for n in imported.notes)


def test_subnet_without_vpc_egress_routes_only_private_traffic(adapter: AzureFunctionsAdapter) -> None:
    spec = _spec(network={"auth": "none", "egress": "default"})
    site = adapter.translate(spec)["site"]
    assert site["virtualNetworkSubnetId"] == SUBNET
    assert site["siteConfig"]["vnetRouteAllEnabled"] is False
    assert adapter.to_spec(adapter.translate(spec)).spec == spec


def test_unset_max_instances_is_unlimited_and_burst_follows_max(adapter: AzureFunctionsAdapter) -> None:
    unset = adapter.translate(_spec(concurrency={"min_instances": 0}))
    assert unset["site"]["siteConfig"]["functionAppScaleLimit"] == 0
    assert adapter.to_spec(unset).spec.concurrency.max_instances is None
    assert burst_needed(unset) == 20  # the plan's burst is at least 20 ...
    big = adapter.translate(_spec(concurrency={"max_instances": 40}))
    assert burst_needed(big) == 40  # ... and at least max_instances


def test_plan_names(adapter: AzureFunctionsAdapter) -> None:
    named = adapter.translate(_spec(azure={"plan_name": "shared-ep2", "plan": "EP2"}))
    assert named["plan"]["name"] == "shared-ep2"
    assert named["plan"]["sku"] == {"name": "EP2", "tier": "ElasticPremium"}
    longest = adapter.translate(_spec(name="f" * 60))["plan"]["name"]
    assert len(longest) <= 60 and longest.endswith("-plan")


def test_consumption_plan_cannot_be_translated(adapter: AzureFunctionsAdapter) -> None:
    with pytest.raises(SpecError) as caught:
        adapter.translate(_spec(memory="1GiB", concurrency={}, network={}, azure={"plan": "consumption",
                                                                                     "subnet_id": None}))
    assert {f.path for f in caught.value.report.errors} == {"providers.azure.plan"}


def test_settings_come_from_the_spec_when_the_adapter_has_none(spec: FunctionSpec) -> None:
    config = AzureFunctionsAdapter().translate(spec)
    assert config.id.startswith(f"/subscriptions/{SUB}/resourceGroups/{RG}/")
    assert config["site"]["location"] == LOCATION
    assert AzureFunctionsAdapter.settings_from(spec) == {"subscription_id": SUB, "resource_group": RG,
                                                         "location": LOCATION}


def test_to_spec_of_an_app_polycloud_did_not_make(adapter: AzureFunctionsAdapter) -> None:
    config = adapter.translate(_spec())
    for key in ("WEBSITES_PORT", "FUNCTIONS_WORKER_RUNTIME", "AzureFunctionsJobHost__functionTimeout"):
        del config["app_settings"][key]
    config["app_settings"]["AzureWebJobsStorage__credential"] = "managedidentity"
    config["plan"]["sku"] = {"name": "P1v3", "tier": "PremiumV3"}
    imported = adapter.to_spec(config)
    assert (imported.spec.image_contract, imported.spec.port) == ("azure-functions-host", 80)
    assert imported.spec.timeout == 1800
    assert "AzureWebJobsStorage__credential" not in imported.spec.environment
    assert imported.spec.providers.azure.plan == "P1v3"  # type: ignore[union-attr]
    joined = " | ".join(imported.notes)
    assert imported.spec.providers.azure.worker_runtime is None  # type: ignore[union-attr]
    for words in ("WEBSITES_PORT", "30 minutes", "AzureWebJobsStorage__credential", "P1v3",
                  "no FUNCTIONS_WORKER_RUNTIME"):
        assert words in joined


def test_an_http_image_gets_port_and_websites_port(adapter: AzureFunctionsAdapter) -> None:
    config = adapter.translate(_spec(port=3000, image_contract="http", azure={"worker_runtime": None}))
    assert (config["app_settings"]["WEBSITES_PORT"], config["app_settings"]["PORT"]) == ("3000", "3000")
    imported = adapter.to_spec(config)
    assert (imported.spec.image_contract, imported.spec.port) == ("http", 3000)
    assert not any("PORT" in n for n in imported.notes)


def test_a_functions_host_image_gets_only_websites_port(adapter: AzureFunctionsAdapter) -> None:
    spec = _spec(image_contract="azure-functions-host", port=80)
    config = adapter.translate(spec)
    assert config["app_settings"]["WEBSITES_PORT"] == "80" and "PORT" not in config["app_settings"]
    imported = adapter.to_spec(config)
    assert imported.spec == spec
    assert any("azure-functions-host" in n for n in imported.notes)


@pytest.mark.parametrize(("live", "contract", "port", "words"), [
    ({"WEBSITES_PORT": "9000", "PORT": "8080"}, "http", 9000, "PORT=8080 differs from WEBSITES_PORT=9000"),
    ({"PORT": "8080"}, "http", 8080, "PORT=8080 without WEBSITES_PORT"),
    ({"WEBSITES_PORT": "9000", "PORT": "eighty"}, "azure-functions-host", 9000, "PORT='eighty' is not a port"),
    ({"WEBSITES_PORT": "x", "PORT": "8080"}, "http", 8080, "WEBSITES_PORT='x' is not a port"),
])
def test_live_port_settings_that_polycloud_would_not_write(adapter: AzureFunctionsAdapter, live: dict[str, str],
                                                           contract: str, port: int, words: str) -> None:
    config = adapter.translate(_spec(image_contract="http", azure={"worker_runtime": None}))
    for key in ("WEBSITES_PORT", "PORT"):
        del config["app_settings"][key]
    config["app_settings"].update(live)
    imported = adapter.to_spec(config)
    assert (imported.spec.image_contract, imported.spec.port) == (contract, port)
    assert "PORT" not in imported.spec.environment and "WEBSITES_PORT" not in imported.spec.environment
    assert any(words in n for n in imported.notes), imported.notes


# -- round trip over the representable space -------------------------------------------------------
_names = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not n.startswith(("WEBSITES_", "FUNCTIONS_", "DOCKER_", "AZURE")))
_text = st.text(st.characters(codec="ascii", categories=("L", "N")), max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    timeout=st.integers(1, 600), port=st.integers(1, 65535), per_instance=st.integers(1, 1000),
    bounds=st.tuples(st.integers(0, 20), st.one_of(st.none(), st.integers(20, 100))),
    ingress=st.sampled_from(["public", "internal"]), egress=st.sampled_from(["default", "vpc"]),
    environment=st.dictionaries(_names, _text, max_size=4), tags=st.dictionaries(_text.filter(bool), _text,
                                                                                 max_size=4),
    storage=st.sampled_from([None, "acmestorage", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k"]),
    plan=st.sampled_from(["EP1", "EP2", "EP3"]), plan_name=st.sampled_from([None, "shared-plan"]),
    contract=st.sampled_from(["http", "azure-functions-host"]),
)
def test_round_trip(timeout: int, port: int, contract: str, per_instance: int, bounds: tuple[int, int | None],
                    ingress: str, egress: str, environment: dict[str, str], tags: dict[str, str], storage: str | None,
                    plan: str, plan_name: str | None) -> None:
    adapter = AzureFunctionsAdapter(subscription_id=SUB, resource_group=RG, location=LOCATION)
    memory = adapter.limits.profile(plan)["memory"].max
    host = contract == "azure-functions-host"
    spec = _spec(timeout=timeout, port=port, image_contract=contract, memory=int(memory or 0),
                 environment=environment, tags=tags,
                 concurrency={"min_instances": bounds[0], "max_instances": bounds[1], "per_instance": per_instance},
                 network={"ingress": ingress, "auth": "none" if ingress == "public" else "iam", "egress": egress},
                 azure={"storage": storage, "plan": plan, "plan_name": plan_name,
                        "worker_runtime": "python" if host else None})
    # What Azure keeps: at least one always-ready instance on Elastic Premium; an http image has no host, so
    # no functionTimeout (read as the 230 s HTTP cap) and no maxConcurrentRequests (read as 1).
    kept = {"min_instances": max(1, bounds[0]), "max_instances": bounds[1],
            "per_instance": per_instance if host else 1}
    expected = spec.model_copy(update={"timeout": timeout if host else 230,
                                       "concurrency": spec.concurrency.model_copy(update=kept)})
    assert adapter.to_spec(adapter.translate(spec)).spec == expected
