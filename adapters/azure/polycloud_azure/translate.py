"""Pure translation between a FunctionSpec and the ARM ``Microsoft.Web`` shapes of a Linux function app.

The provider config (what ``translate`` makes and ``live_config`` reads back) is::

    @name, @id, @url   facts, never diffed (@id is the site's resource id, when known)
    @notes             what a deploy leaves to the user (translate only)
    plan:          the App Service plan: name, kind, sku {name, tier}, reserved, maximumElasticWorkerCount
    site:          location, kind, identity, httpsOnly, reserved, publicNetworkAccess,
                   virtualNetworkSubnetId, siteConfig {linuxFxVersion, functionAppScaleLimit,
                   minimumElasticInstanceCount, vnetRouteAllEnabled, acrUseManagedIdentityCreds}
    app_settings:  {name: value}, the whole set (ARM replaces it whole)
    tags:          {name: value} on the site

Leaves use ARM's own JSON names, so a change reads like the API (``site.siteConfig.linuxFxVersion``);
the request bodies (``plan_body``, ``site_body``, ``site_patch``) are cut from the same dicts.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

from polycloud.adapter import Imported
from polycloud.limits import ProviderLimits
from polycloud.plan import ProviderConfig
from polycloud.spec import AzureSettings, Concurrency, FunctionSpec, Network, ProviderSettings, SecretRef

__all__ = [
    "KIND", "SKUS", "app_settings", "default_plan_name", "deploy_notes", "format_timespan",
    "live_config", "parse_timespan", "plan_body", "plan_config", "plan_id", "site_body", "site_id",
    "site_patch", "to_spec", "translate"
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

PORT: Final = "WEBSITES_PORT"
"""The port App Service sends requests to; it is not passed to the container."""
CONTAINER_PORT: Final = "PORT"
"""An http image's ``$PORT`` (DESIGN.md section 3): app settings are the container's environment."""
EXTENSION_VERSION: Final = "FUNCTIONS_EXTENSION_VERSION"
APP_STORAGE: Final = "WEBSITES_ENABLE_APP_SERVICE_STORAGE"
STORAGE: Final = "AzureWebJobsStorage"
STORAGE_ACCOUNT: Final = "AzureWebJobsStorage__accountName"
REGISTRY_URL: Final = "DOCKER_REGISTRY_SERVER_URL"
REGISTRY_USER: Final = "DOCKER_REGISTRY_SERVER_USERNAME"
REGISTRY_PASSWORD: Final = "DOCKER_REGISTRY_SERVER_PASSWORD"
TIMEOUT: Final = "AzureFunctionsJobHost__functionTimeout"
MAX_REQUESTS: Final = "AzureFunctionsJobHost__extensions__http__maxConcurrentRequests"

_KEY_VAULT_REF = re.compile(r"@Microsoft\.KeyVault\(SecretUri=(?P<uri>[^)]+)\)")
_SITE_ID = re.compile(r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/", re.IGNORECASE)
_HOST_DEFAULT_TIMEOUT = 30 * 60
"""The Functions host's functionTimeout when none is set (Premium and Dedicated plans)."""


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


def format_timespan(seconds: int) -> str:
    """Seconds as host.json's timespan: ``hh:mm:ss`` (``d.hh:mm:ss`` from one day up)."""
    days, rest = divmod(seconds, 86400)
    text = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}.{text}" if days else text


def parse_timespan(text: str) -> int | None:
    """``[d.]hh:mm:ss`` -> seconds; None for ``-1`` (unbounded) or anything else."""
    match = re.fullmatch(r"(?:(\d+)\.)?(\d+):(\d{2}):(\d{2})", text.strip())
    if match is None:
        return None
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _registry(image: str) -> str:
    """The registry host of an image reference (Docker Hub when the first part is not a host)."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return "index.docker.io"


def _storage_settings(storage: str | None) -> dict[str, str]:
    if not storage:
        return {}
    if "=" in storage or storage.startswith("@Microsoft.KeyVault("):
        return {STORAGE: storage}
    return {STORAGE_ACCOUNT: storage}  # identity-based: the site's system-assigned identity


def app_settings(spec: FunctionSpec) -> dict[str, str]:
    """Every app setting the function app gets: managed ones, the environment, Key Vault references."""
    azure = spec.providers.azure or AzureSettings()
    settings = {
        EXTENSION_VERSION: "~4",
        APP_STORAGE: "false",
        PORT: str(spec.port),
        **({CONTAINER_PORT: str(spec.port)} if spec.image_contract == "http" else {}),
        TIMEOUT: format_timespan(spec.timeout),
        MAX_REQUESTS: str(spec.concurrency.per_instance),
        **_storage_settings(azure.storage),
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
              location: str | None) -> ProviderConfig:
    """Spec -> the function app polycloud deploys, on an App Service plan of ``sku`` (a key of SKUS)."""
    azure = spec.providers.azure or AzureSettings()
    tier, kind = SKUS[sku]
    return {
        "@name": spec.name,
        "@id": site_id(subscription_id, resource_group, spec.name),
        "@notes": deploy_notes(spec),
        "plan": {
            "name": azure.plan_name or default_plan_name(spec.name),
            "kind": kind,
            "sku": {"name": sku, "tier": tier},
            "reserved": True,
            "maximumElasticWorkerCount": max(MIN_BURST, spec.concurrency.max_instances or 0),
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
                "minimumElasticInstanceCount": spec.concurrency.min_instances,
                "vnetRouteAllEnabled": spec.network.egress == "vpc",
                "acrUseManagedIdentityCreds": azure.registry_managed_identity,
            },
        },
        "app_settings": app_settings(spec),
        "tags": dict(spec.tags),
    }


def deploy_notes(spec: FunctionSpec) -> list[str]:
    """What a deploy of ``spec`` leaves to the user: Azure has no setting for it, or it needs a role."""
    azure = spec.providers.azure or AzureSettings()
    notes = []
    if spec.network.ingress != "public":
        notes.append(f"ingress {spec.network.ingress}: public network access is disabled; reach the app through "
                     "a private endpoint in your VNet (polycloud does not create one)")
    elif spec.network.auth == "iam":
        notes.append("network.auth iam: Azure has no IAM check on invoking a function app; protect it with "
                     "function keys (authLevel in the image) or App Service Authentication")
    if not azure.storage:
        notes.append("no providers.azure.storage: the Functions host needs AzureWebJobsStorage for its keys and "
                     "for triggers other than HTTP")
    roles = [role for role, needed in (
        ("Key Vault Secrets User on the secrets' vaults", bool(spec.secrets)),
        ("Storage Blob Data Owner on the storage account", STORAGE_ACCOUNT in _storage_settings(azure.storage)),
        ("AcrPull on the registry", azure.registry_managed_identity),
    ) if needed]
    if roles:
        notes.append("grant the app's system-assigned identity " + "; ".join(roles)
                     + " (polycloud creates no role assignments)")
    return notes


# -- live shapes -> config -------------------------------------------------------------------------
def plan_config(plan: dict[str, Any]) -> dict[str, Any]:
    """An ARM serverfarm (GET) -> the ``plan`` part of the config."""
    sku = plan.get("sku") or {}
    props = plan.get("properties") or {}
    return {
        "name": plan.get("name"),
        "kind": plan.get("kind"),
        "sku": {"name": sku.get("name"), "tier": sku.get("tier")},
        "reserved": bool(props.get("reserved")),
        "maximumElasticWorkerCount": props.get("maximumElasticWorkerCount"),
    }


def _identity(identity: dict[str, Any] | None) -> str | None:
    kind = str((identity or {}).get("type") or "None")
    return "SystemAssigned" if "systemassigned" in kind.lower() else None if kind == "None" else kind


def live_config(site: dict[str, Any], site_config: dict[str, Any], settings: dict[str, str],
                plan: dict[str, Any] | None, plan_name: str | None) -> ProviderConfig:
    """GET site, GET config/web, POST appsettings/list and GET serverfarm -> the shape ``translate`` makes."""
    props = site.get("properties") or {}
    host = props.get("defaultHostName")
    return {
        "@name": site.get("name"),
        "@id": site.get("id"),
        "@url": f"https://{host}" if host else None,
        "plan": plan_config(plan) if plan is not None else {"name": plan_name},
        "site": {
            "location": str(site.get("location") or "").replace(" ", "").lower() or None,
            "kind": site.get("kind"),
            "identity": _identity(site.get("identity")),
            "reserved": bool(props.get("reserved")),
            "httpsOnly": bool(props.get("httpsOnly")),
            "publicNetworkAccess": props.get("publicNetworkAccess") or "Enabled",
            "virtualNetworkSubnetId": props.get("virtualNetworkSubnetId") or None,
            "siteConfig": {
                "linuxFxVersion": site_config.get("linuxFxVersion"),
                "functionAppScaleLimit": site_config.get("functionAppScaleLimit") or 0,
                "minimumElasticInstanceCount": site_config.get("minimumElasticInstanceCount") or 0,
                "vnetRouteAllEnabled": bool(site_config.get("vnetRouteAllEnabled")),
                "acrUseManagedIdentityCreds": bool(site_config.get("acrUseManagedIdentityCreds")),
            },
        },
        "app_settings": dict(settings),
        "tags": dict(site.get("tags") or {}),
    }


# -- config -> request bodies ----------------------------------------------------------------------
def plan_body(config: ProviderConfig) -> dict[str, Any]:
    """The serverfarm PUT body (the plan lives in the site's region)."""
    plan = config["plan"]
    return {
        "location": config["site"]["location"],
        "kind": plan["kind"],
        "sku": dict(plan["sku"]),
        "properties": {"reserved": plan["reserved"],
                       "maximumElasticWorkerCount": plan["maximumElasticWorkerCount"]},
    }


def _site_properties(config: ProviderConfig, farm_id: str) -> dict[str, Any]:
    site = config["site"]
    props = {k: v for k, v in site.items() if k not in ("location", "kind", "identity", "siteConfig")}
    return {"serverFarmId": farm_id, **props, "siteConfig": dict(site["siteConfig"])}


def site_body(config: ProviderConfig, farm_id: str, *, identity: bool) -> dict[str, Any]:
    """The site PUT body: everything, app settings included (``identity`` only when it is to be set)."""
    site = config["site"]
    props = _site_properties(config, farm_id)
    props["siteConfig"]["appSettings"] = [{"name": k, "value": v} for k, v in config["app_settings"].items()]
    body: dict[str, Any] = {"location": site["location"], "kind": site["kind"], "tags": dict(config["tags"])}
    if identity:
        body["identity"] = {"type": site["identity"] or "None"}
    return {**body, "properties": props}


def site_patch(config: ProviderConfig, farm_id: str, *, identity: bool) -> dict[str, Any]:
    """The site PATCH body: properties and siteConfig, not tags or app settings (ARM's PATCH has neither)."""
    site = config["site"]
    body: dict[str, Any] = {"kind": site["kind"]}
    if identity:
        body["identity"] = {"type": site["identity"] or "None"}
    return {**body, "properties": _site_properties(config, farm_id)}


# -- config -> spec --------------------------------------------------------------------------------
def _scopes(resource_id: str | None) -> tuple[str | None, str | None]:
    match = _SITE_ID.match(resource_id or "")
    return (match["sub"], match["rg"]) if match else (None, None)


def _memory(limits: ProviderLimits, sku: str | None, notes: list[str]) -> int:
    profile = next((p for p in limits.profiles if sku and p.lower() == sku.lower()), None)
    memory = limits.profile(profile).get("memory") if profile else None
    if memory is None or memory.max is None:
        notes.append(f"plan sku {sku!r} is not one polycloud knows; memory left at the spec default")
        return int(FunctionSpec.model_fields["memory"].default)
    notes.append(f"memory is the {profile} plan's instance size ({int(memory.max)} MiB): Azure Functions has "
                 "no per-app memory setting")
    return int(memory.max)


def _port(settings: dict[str, str], notes: list[str]) -> tuple[Literal["http", "azure-functions-host"], int]:
    """``PORT`` (an http image's ``$PORT``) and ``WEBSITES_PORT`` -> image contract and port.

    polycloud writes both for an http image and only ``WEBSITES_PORT`` for a Functions host image.
    """
    routed_text, served_text = settings.pop(PORT, None), settings.pop(CONTAINER_PORT, None)
    routed = int(routed_text) if routed_text is not None and routed_text.isdigit() else None
    served = int(served_text) if served_text is not None and served_text.isdigit() else None
    if routed_text is not None and routed is None:
        notes.append(f"{PORT}={routed_text!r} is not a port number; left out")
    if served_text is not None and served is None:
        notes.append(f"{CONTAINER_PORT}={served_text!r} is not a port number; left out")
    if served is not None:
        if routed is None:
            notes.append(f"{CONTAINER_PORT}={served} without {PORT} (App Service then probes ports 80 and 8080): "
                         f"port read as {served}; a deploy sets {PORT} too")
            return "http", served
        if routed != served:
            notes.append(f"{CONTAINER_PORT}={served} differs from {PORT}={routed}: port read as {routed}, where "
                         f"App Service sends requests; a deploy sets both to port")
        return "http", routed
    if routed is not None:
        notes.append(f"{PORT} without {CONTAINER_PORT}: read as an Azure Functions host image "
                     f"(image_contract: azure-functions-host); polycloud gives an http image {CONTAINER_PORT} too")
        return "azure-functions-host", routed
    notes.append(f"no {PORT}: taken as an Azure Functions host image on port 80")
    return "azure-functions-host", 80


def _timeout(settings: dict[str, str], notes: list[str]) -> int:
    text = settings.pop(TIMEOUT, None)
    seconds = parse_timespan(text) if text is not None else None
    if text is None:
        notes.append(f"no {TIMEOUT}: timeout read as the host default of 30 minutes")
    elif not seconds:
        notes.append(f"{TIMEOUT}={text!r} (unbounded or unreadable) has no spec equivalent; read as 30 minutes")
    return seconds or _HOST_DEFAULT_TIMEOUT


def _per_instance(settings: dict[str, str], notes: list[str]) -> int:
    text = settings.pop(MAX_REQUESTS, None)
    if text is not None and text.isdigit() and int(text) >= 1:
        return int(text)
    if text is not None:
        notes.append(f"{MAX_REQUESTS}={text!r} has no spec equivalent; per_instance read as 1")
    return 1


def _storage(settings: dict[str, str], notes: list[str]) -> str | None:
    storage = settings.pop(STORAGE, None) or settings.pop(STORAGE_ACCOUNT, None)
    for key in [k for k in settings if k.startswith(STORAGE + "__")]:
        notes.append(f"app setting {key} (identity-based storage detail) has no spec equivalent; left out")
        del settings[key]
    return storage


def to_spec(config: ProviderConfig, limits: ProviderLimits) -> Imported:
    """A function app config -> spec, with notes on what did not map exactly."""
    notes: list[str] = []
    site, plan = config["site"], config.get("plan") or {}
    site_config = site["siteConfig"]
    settings = dict(config["app_settings"])
    for key in (EXTENSION_VERSION, APP_STORAGE, REGISTRY_URL):
        settings.pop(key, None)
    contract, port = _port(settings, notes)
    timeout = _timeout(settings, notes)
    per_instance = _per_instance(settings, notes)
    storage = _storage(settings, notes)
    username, password = settings.pop(REGISTRY_USER, None), settings.pop(REGISTRY_PASSWORD, None)
    secrets: dict[str, SecretRef] = {}
    for key, value in list(settings.items()):
        reference = _KEY_VAULT_REF.fullmatch(value)
        if reference is not None:
            secrets[key] = SecretRef(azure=reference["uri"])
            del settings[key]
    fx = str(site_config.get("linuxFxVersion") or "")
    if not fx.upper().startswith("DOCKER|"):
        notes.append(f"linuxFxVersion {fx!r} is not a container image")
    sku = (plan.get("sku") or {}).get("name")
    subscription_id, resource_group = _scopes(config.get("@id"))
    subnet = site.get("virtualNetworkSubnetId")
    public = site.get("publicNetworkAccess") != "Disabled"
    if not public:
        notes.append("publicNetworkAccess Disabled: ingress read as internal (Azure cannot tell internal from none)")
    else:
        notes.append("network.auth is no Azure setting (function keys or App Service Authentication protect an "
                     "app): read as iam")
    spec = FunctionSpec(
        name=config["@name"],
        image=fx.split("|", 1)[1] if "|" in fx else fx,
        image_contract=contract,
        port=port,
        memory=_memory(limits, sku, notes),
        timeout=timeout,
        concurrency=Concurrency(min_instances=site_config.get("minimumElasticInstanceCount") or 0,
                                max_instances=site_config.get("functionAppScaleLimit") or None,
                                per_instance=per_instance),
        network=Network(ingress="public" if public else "internal",
                        egress="vpc" if subnet and site_config.get("vnetRouteAllEnabled") else "default"),
        environment=settings,
        secrets=secrets,
        tags=dict(config["tags"]),
        providers=ProviderSettings(azure=AzureSettings(
            subscription_id=subscription_id,
            resource_group=resource_group,
            location=site.get("location"),
            plan=sku or "EP1",
            plan_name=None if plan.get("name") == default_plan_name(config["@name"]) else plan.get("name"),
            storage=storage,
            subnet_id=subnet,
            registry_username=username or None,
            registry_password=password or None,
            registry_managed_identity=bool(site_config.get("acrUseManagedIdentityCreds")),
        )),
    )
    return Imported(spec=spec, notes=notes)
