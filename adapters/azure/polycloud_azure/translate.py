"""Pure translation of a FunctionSpec into the ARM ``Microsoft.Web`` shapes of a Linux function app.

The provider config (what ``translate`` makes and ``polycloud_azure.read.live_config`` reads back) is::

    facts (never diffed): name, id (the site's resource id, when known), url, owned, notes (what a
                   deploy leaves to the user); ``private`` is the live App Service plan as ARM returned it
    plan:          the App Service plan's tier: name, kind, sku {name, tier}, reserved
    site:          location, kind, identity, httpsOnly, reserved, publicNetworkAccess,
                   virtualNetworkSubnetId, siteConfig {linuxFxVersion, functionAppScaleLimit,
                   minimumElasticInstanceCount, vnetRouteAllEnabled, acrUseManagedIdentityCreds}
    app_settings:  {name: value}, the whole set (ARM replaces it whole)
    tags:          {name: value} on the site, polycloud's ``managed-by: polycloud`` included

Leaves use ARM's own JSON names, so a change reads like the API (``site.siteConfig.linuxFxVersion``);
the request bodies (``plan_body``, ``plan_update_body``, ``site_body``, ``site_patch``) are cut from the
same dicts. The plan's burst (``maximumElasticWorkerCount``) is a minimum, not a setting: see
``burst_needed`` and ``plan_differences``.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from polycloud.config import ProviderConfig
from polycloud.spec import FunctionSpec
from polycloud.units import format_timespan
from polycloud_azure.settings import AzureSettings

__all__ = [
    "KIND", "MIN_ALWAYS_READY", "OWNER", "OWNER_TAG", "SKUS", "WORKER_RUNTIME", "always_ready", "app_settings",
    "burst_needed", "default_plan_name", "deploy_notes",
    "is_polycloud", "plan_body", "plan_differences", "plan_id",
    "plan_update_body", "site_body", "site_id", "site_patch", "storage_settings", "translate",
]

KIND: Final = "functionapp,linux,container"
SKUS: Final[dict[str, tuple[str, str]]] = {
    "EP1": ("ElasticPremium", "elastic"),
    "EP2": ("ElasticPremium", "elastic"),
    "EP3": ("ElasticPremium", "elastic"),
}
"""Plan profiles polycloud can create -> (ARM sku tier, plan kind)."""
MIN_BURST: Final = 20
"""The plan's maximum burst is at least this (the portal's default), and at least max_instances."""
MIN_ALWAYS_READY: Final = 1
"""The fewest always-ready instances an Elastic Premium app has (see ``always_ready``)."""
OWNER_TAG: Final = "managed-by"
OWNER: Final = "polycloud"
"""``managed-by: polycloud`` marks the sites and plans polycloud created (or was told to adopt)."""

PORT: Final = "WEBSITES_PORT"
"""The port App Service sends requests to; it is not passed to the container."""
CONTAINER_PORT: Final = "PORT"
"""An http image's ``$PORT``: app settings are the container's environment."""
EXTENSION_VERSION: Final = "FUNCTIONS_EXTENSION_VERSION"
WORKER_RUNTIME: Final = "FUNCTIONS_WORKER_RUNTIME"
APP_STORAGE: Final = "WEBSITES_ENABLE_APP_SERVICE_STORAGE"
STORAGE: Final = "AzureWebJobsStorage"
STORAGE_ACCOUNT: Final = "AzureWebJobsStorage__accountName"
REGISTRY_URL: Final = "DOCKER_REGISTRY_SERVER_URL"
REGISTRY_USER: Final = "DOCKER_REGISTRY_SERVER_USERNAME"
REGISTRY_PASSWORD: Final = "DOCKER_REGISTRY_SERVER_PASSWORD"
TIMEOUT: Final = "AzureFunctionsJobHost__functionTimeout"
MAX_REQUESTS: Final = "AzureFunctionsJobHost__extensions__http__maxConcurrentRequests"

_PLAN_READ_ONLY: Final = frozenset({
    "status", "subscription", "maximumNumberOfWorkers", "numberOfWorkers", "geoRegion", "numberOfSites",
    "resourceGroup", "provisioningState",
})
"""AppServicePlanProperties that ARM only returns (azure-mgmt-web 11 models: visibility read)."""


def default_plan_name(name: str) -> str:
    """``<name>-plan``, shortened so it fits the 60 characters a plan name may have."""
    return f"{name[:55]}-plan"


def plan_id(subscription_id: str, resource_group: str, plan: str) -> str:
    """The ARM resource id of an App Service plan."""
    group = f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
    return f"{group}/providers/Microsoft.Web/serverfarms/{plan}"


def site_id(subscription_id: str | None, resource_group: str | None, name: str) -> str | None:
    """The ARM resource id of a site, or None while the subscription or resource group is unknown."""
    if not subscription_id or not resource_group:
        return None
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}/providers/Microsoft.Web/sites/{name}"


def is_polycloud(tags: dict[str, Any] | None) -> bool:
    """True when ``tags`` carry ``managed-by: polycloud`` (tag names are case-insensitive in Azure)."""
    return any(k.lower() == OWNER_TAG and str(v).lower() == OWNER for k, v in (tags or {}).items())


def _registry(image: str) -> str:
    """The registry host of an image reference (Docker Hub when the first part is not a host)."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return "index.docker.io"


def storage_settings(storage: str | None) -> dict[str, str]:
    """``providers.azure.storage`` as app settings: a connection string or Key Vault reference as
    ``AzureWebJobsStorage``, a bare account name as identity-based ``AzureWebJobsStorage__accountName``."""
    if not storage:
        return {}
    if "=" in storage or storage.startswith("@Microsoft.KeyVault("):
        return {STORAGE: storage}
    return {STORAGE_ACCOUNT: storage}  # identity-based: the site's system-assigned identity


def _http_settings(spec: FunctionSpec) -> dict[str, str]:
    """An http image: ``PORT`` only. The host settings of a Functions image would do nothing without the
    Functions host (``polycloud_azure.images``), so they are not written."""
    return {CONTAINER_PORT: str(spec.port)}


def _host_settings(spec: FunctionSpec) -> dict[str, str]:
    """A Functions host image: its worker runtime and the host.json overrides of timeout and per_instance."""
    azure = spec.providers.azure or AzureSettings()
    runtime = {WORKER_RUNTIME: azure.worker_runtime} if azure.worker_runtime else {}
    return {**runtime, TIMEOUT: format_timespan(spec.timeout), MAX_REQUESTS: str(spec.concurrency.per_instance)}


def always_ready(min_instances: int) -> int:
    """``minimumElasticInstanceCount`` for ``concurrency.min_instances`` on Elastic Premium: at least 1.

    Every Premium plan keeps at least one always-ready (billed) instance, the portal's minimum is 1, and the
    service does not keep 0 (it is reset, or refused with "The desired MinimumElasticInstanceCount (0) ... must
    be greater than zero"); Terraform's azurerm provider sends the field only when it is above 0 and reads it
    back as computed. Sources: https://learn.microsoft.com/azure/azure-functions/functions-premium-plan
    (always ready instances), https://github.com/MicrosoftLearning/AZ-104-MicrosoftAzureAdministrator/issues/1056,
    hashicorp/terraform-provider-azurerm internal/services/appservice/helpers/function_app_schema.go.
    """
    return max(MIN_ALWAYS_READY, min_instances)


def app_settings(spec: FunctionSpec) -> dict[str, str]:
    """Every app setting the function app gets: managed ones, the environment, Key Vault references."""
    azure = spec.providers.azure or AzureSettings()
    settings = {
        EXTENSION_VERSION: "~4",
        APP_STORAGE: "false",
        PORT: str(spec.port),
        **(_http_settings(spec) if spec.image_contract == "http" else _host_settings(spec)),
        **storage_settings(azure.storage),
    }
    if azure.registry_username or azure.registry_password:
        settings[REGISTRY_URL] = f"https://{_registry(spec.image_for('azure'))}"
        settings[REGISTRY_USER] = azure.registry_username or ""
        settings[REGISTRY_PASSWORD] = azure.registry_password or ""
    settings.update(spec.environment)
    for name, ref in spec.secrets.items():
        if ref.azure:
            settings[name] = f"@Microsoft.KeyVault(SecretUri={ref.azure})"
    return settings


def translate(spec: FunctionSpec, *, sku: str, subscription_id: str | None, resource_group: str | None,
              location: str | None) -> ProviderConfig[Any]:
    """Spec -> the function app polycloud deploys, on an App Service plan of ``sku`` (a key of SKUS)."""
    azure = spec.providers.azure or AzureSettings()
    tier, kind = SKUS[sku]
    settings = {
        "plan": {
            "name": azure.plan_name or default_plan_name(spec.name),
            "kind": kind,
            "sku": {"name": sku, "tier": tier},
            "reserved": True,
        },
        "site": {
            "location": location.replace(" ", "").lower() if location else None,
            "kind": KIND,
            # Always on: Key Vault references, identity-based storage and ACR pulls all use it.
            "identity": "SystemAssigned",
            "reserved": True,
            "httpsOnly": True,
            "publicNetworkAccess": "Enabled" if spec.network.ingress == "public" else "Disabled",
            "virtualNetworkSubnetId": azure.subnet_id,
            "siteConfig": {
                "linuxFxVersion": f"DOCKER|{spec.image_for('azure')}",
                "functionAppScaleLimit": spec.concurrency.max_instances or 0,
                "minimumElasticInstanceCount": always_ready(spec.concurrency.min_instances),
                "vnetRouteAllEnabled": spec.network.egress == "vpc",
                "acrUseManagedIdentityCreds": azure.registry_managed_identity,
            },
        },
        "app_settings": app_settings(spec),
        "tags": {**spec.tags, OWNER_TAG: OWNER},
    }
    return ProviderConfig(settings, name=spec.name, id=site_id(subscription_id, resource_group, spec.name),
                          notes=deploy_notes(spec))


def deploy_notes(spec: FunctionSpec) -> list[str]:
    """What a deploy of ``spec`` leaves to the user: Azure has no setting for it, or it needs a role."""
    azure = spec.providers.azure or AzureSettings()
    notes = []
    if spec.network.ingress != "public":
        notes.append(f"ingress {spec.network.ingress}: public network access is disabled; reach the app through "
                     "a private endpoint in your VNet (polycloud does not create one). Azure checks no identity "
                     "on invoke: whoever reaches the private endpoint may call the app")
    if spec.concurrency.min_instances < MIN_ALWAYS_READY:
        notes.append(f"min_instances {spec.concurrency.min_instances}: an Elastic Premium app keeps at least "
                     f"{MIN_ALWAYS_READY} always-ready (billed) instance, so minimumElasticInstanceCount is set to "
                     f"{MIN_ALWAYS_READY} (source: https://learn.microsoft.com/azure/azure-functions/"
                     "functions-premium-plan)")
    roles = [role for role, needed in (
        ("Key Vault Secrets User on the secrets' vaults", bool(spec.secrets)),
        ("Storage Blob Data Owner on the storage account", STORAGE_ACCOUNT in storage_settings(azure.storage)),
        ("AcrPull on the registry", azure.registry_managed_identity),
    ) if needed]
    if roles:
        notes.append("grant the app's system-assigned identity " + "; ".join(roles)
                     + " (polycloud creates no role assignments)")
    return notes


# -- the plan's burst and tier -----------------------------------------------------------------------
def burst_needed(config: ProviderConfig[Any]) -> int:
    """The plan's ``maximumElasticWorkerCount`` this app needs: at least 20 and at least its scale limit."""
    return max(MIN_BURST, int(config["site"]["siteConfig"]["functionAppScaleLimit"] or 0))


def plan_differences(config: ProviderConfig[Any], live_plan: dict[str, Any]) -> list[str]:
    """How the live plan (ARM's GET body) falls short of the config: ``sku EP1 (the spec asks for EP2)``...

    The sku and kind must match exactly; the burst only has to be big enough. Empty: use it as it is.
    """
    want, sku = config["plan"], live_plan.get("sku") or {}
    props = live_plan.get("properties") or {}
    found = []
    for what, have, wanted in (("sku", sku.get("name"), want["sku"]["name"]),
                               ("sku tier", sku.get("tier"), want["sku"]["tier"]),
                               ("kind", live_plan.get("kind"), want["kind"])):
        if str(have or "").lower() != str(wanted).lower():
            found.append(f"{what} {have} (the spec asks for {wanted})")
    burst, need = int(props.get("maximumElasticWorkerCount") or 0), burst_needed(config)
    if burst < need:
        found.append(f"maximumElasticWorkerCount {burst} (the app needs at least {need}: 20, and at least "
                     "concurrency.max_instances)")
    return found


# -- config -> request bodies ------------------------------------------------------------------------
def plan_body(config: ProviderConfig[Any]) -> dict[str, Any]:
    """The serverfarm PUT body of a new plan (in the site's region), tagged ``managed-by: polycloud``."""
    plan = config["plan"]
    return {
        "location": config["site"]["location"],
        "kind": plan["kind"],
        "tags": {OWNER_TAG: OWNER},
        "sku": dict(plan["sku"]),
        "properties": {"reserved": plan["reserved"], "maximumElasticWorkerCount": burst_needed(config)},
    }


def plan_update_body(config: ProviderConfig[Any], live_plan: dict[str, Any]) -> dict[str, Any]:
    """The serverfarm PUT body that changes the live plan's tier: ARM's GET body, with the sku, kind and a
    big enough burst replaced, so capacity, tags, zone redundancy and every other setting stay.

    ``size`` and ``family`` are left out (ARM derives them from the sku name); read-only properties too.
    """
    want = config["plan"]
    body = {k: copy.deepcopy(v) for k, v in live_plan.items() if k not in ("id", "name", "type", "systemData")}
    sku = {k: v for k, v in (body.get("sku") or {}).items() if k not in ("size", "family")}
    body["sku"] = {**sku, **want["sku"]}
    body["kind"] = want["kind"]
    props = {k: v for k, v in (body.get("properties") or {}).items() if k not in _PLAN_READ_ONLY}
    burst = int(props.get("maximumElasticWorkerCount") or 0)
    body["properties"] = {**props, "maximumElasticWorkerCount": max(burst, burst_needed(config))}
    return body


def _site_properties(config: ProviderConfig[Any], farm_id: str) -> dict[str, Any]:
    site = config["site"]
    props = {k: v for k, v in site.items() if k not in ("location", "kind", "identity", "siteConfig")}
    return {"serverFarmId": farm_id, **props, "siteConfig": dict(site["siteConfig"])}


def site_body(config: ProviderConfig[Any], farm_id: str, *, identity: bool) -> dict[str, Any]:
    """The site PUT body: everything, app settings included (``identity`` only when it is to be set)."""
    site = config["site"]
    props = _site_properties(config, farm_id)
    props["siteConfig"]["appSettings"] = [{"name": k, "value": v} for k, v in config["app_settings"].items()]
    body: dict[str, Any] = {"location": site["location"], "kind": site["kind"], "tags": dict(config["tags"])}
    if identity:
        body["identity"] = {"type": site["identity"] or "None"}
    return {**body, "properties": props}


def site_patch(config: ProviderConfig[Any], farm_id: str, *, identity: bool) -> dict[str, Any]:
    """The site PATCH body: properties and siteConfig, not tags or app settings (ARM's PATCH has neither)."""
    site = config["site"]
    body: dict[str, Any] = {"kind": site["kind"]}
    if identity:
        body["identity"] = {"type": site["identity"] or "None"}
    return {**body, "properties": _site_properties(config, farm_id)}
