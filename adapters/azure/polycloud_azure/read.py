"""Pure reading of a live Linux function app: ARM's answers -> the provider config -> a FunctionSpec.

``live_config`` makes the shape ``polycloud_azure.translate.translate`` makes (see there), from the
site, its config/web, its app settings and its App Service plan; ``to_spec`` turns that shape back
into a spec, with notes for what Azure cannot say.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal, cast

from polycloud.adapter import Imported
from polycloud.config import ProviderConfig
from polycloud.limits import ProviderLimits
from polycloud.spec import Concurrency, FunctionSpec, Network, ProviderSettings, SecretRef
from polycloud.units import parse_timespan
from polycloud_azure.images import WORKER_RUNTIMES
from polycloud_azure.settings import AzureSettings, WorkerRuntime
from polycloud_azure.translate import (
    APP_STORAGE,
    CONTAINER_PORT,
    EXTENSION_VERSION,
    MAX_REQUESTS,
    OWNER,
    OWNER_TAG,
    PORT,
    REGISTRY_PASSWORD,
    REGISTRY_URL,
    REGISTRY_USER,
    STORAGE,
    STORAGE_ACCOUNT,
    TIMEOUT,
    WORKER_RUNTIME,
    default_plan_name,
    is_polycloud,
)

__all__ = ["live_config", "plan_config", "to_spec"]

_KEY_VAULT_REF: Final = re.compile(r"@Microsoft\.KeyVault\(SecretUri=(?P<uri>[^)]+)\)")
_INLINE_KEY: Final = re.compile(r"(AccountKey|SharedAccessSignature|SharedAccessKey)=", re.IGNORECASE)
_SITE_ID: Final = re.compile(r"/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/", re.IGNORECASE)
_HOST_DEFAULT_TIMEOUT: Final = 30 * 60
"""The Functions host's functionTimeout when none is set (Premium and Dedicated plans)."""
_HTTP_RESPONSE_CAP: Final = 230
"""Seconds an HTTP response may take on every plan (Azure Load Balancer idle timeout)."""


# -- live shapes -> config ---------------------------------------------------------------------------
def plan_config(plan: dict[str, Any]) -> dict[str, Any]:
    """An ARM serverfarm (GET) -> the ``plan`` part of the config (its tier; the burst is not diffed)."""
    sku = plan.get("sku") or {}
    props = plan.get("properties") or {}
    return {
        "name": plan.get("name"),
        "kind": plan.get("kind"),
        "sku": {"name": sku.get("name"), "tier": sku.get("tier")},
        "reserved": bool(props.get("reserved")),
    }


def _identity(identity: dict[str, Any] | None) -> str | None:
    kind = str((identity or {}).get("type") or "None")
    return "SystemAssigned" if "systemassigned" in kind.lower() else None if kind == "None" else kind


def live_config(site: dict[str, Any], site_config: dict[str, Any], settings: dict[str, str],
                plan: dict[str, Any] | None, plan_name: str | None) -> ProviderConfig[dict[str, Any]]:
    """GET site, GET config/web, POST appsettings/list and GET serverfarm -> the shape ``translate`` makes.

    ``private`` keeps the plan as ARM returned it (tags, numberOfSites, burst) for the adapter's checks;
    ``owned`` says whether the site carries polycloud's ``managed-by: polycloud`` tag.
    """
    props = site.get("properties") or {}
    host = props.get("defaultHostName")
    live = {
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
    return ProviderConfig(live, name=str(site.get("name")), id=site.get("id"),
                          url=f"https://{host}" if host else None, owned=is_polycloud(site.get("tags")), private=plan)


# -- config -> spec ----------------------------------------------------------------------------------
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


def _timeout(settings: dict[str, str], notes: list[str], contract: str) -> int:
    text = settings.pop(TIMEOUT, None)
    seconds = parse_timespan(text) if text is not None else None
    if text is None and contract == "http":
        notes.append(f"an http image has no Functions host, so no functionTimeout: timeout read as "
                     f"{_HTTP_RESPONSE_CAP} s, the most an HTTP response may take on Azure (Azure Load Balancer; "
                     "source: https://learn.microsoft.com/azure/azure-functions/functions-scale)")
        return _HTTP_RESPONSE_CAP
    if text is None:
        notes.append(f"no {TIMEOUT}: timeout read as the host default of 30 minutes")
    elif not seconds:
        notes.append(f"{TIMEOUT}={text!r} (unbounded or unreadable) has no spec equivalent; read as 30 minutes")
    return seconds or _HOST_DEFAULT_TIMEOUT


def _per_instance(settings: dict[str, str], notes: list[str], contract: str) -> int:
    text = settings.pop(MAX_REQUESTS, None)
    if text is not None and text.isdigit() and int(text) >= 1:
        return int(text)
    if text is None and contract == "http":
        notes.append("an http image has no Functions host, so nothing limits requests per instance: "
                     "per_instance read as 1")
    if text is not None:
        notes.append(f"{MAX_REQUESTS}={text!r} has no spec equivalent; per_instance read as 1")
    return 1


def _worker_runtime(settings: dict[str, str], notes: list[str], contract: str) -> WorkerRuntime | None:
    """``FUNCTIONS_WORKER_RUNTIME`` -> ``providers.azure.worker_runtime`` (a Functions host image's only)."""
    runtime = settings.pop(WORKER_RUNTIME, None)
    if runtime is None:
        if contract == "azure-functions-host":
            notes.append(f"no {WORKER_RUNTIME}: providers.azure.worker_runtime left unset; a deploy of this spec "
                         "needs it (azure-functions-host)")
        return None
    if contract != "azure-functions-host":
        notes.append(f"{WORKER_RUNTIME}={runtime!r} on an http image (no Functions host reads it); left out")
        return None
    if runtime not in WORKER_RUNTIMES:
        notes.append(f"{WORKER_RUNTIME}={runtime!r} is not one polycloud deploys ({', '.join(WORKER_RUNTIMES)}); "
                     "left out")
        return None
    return cast(WorkerRuntime, runtime)


def _storage(settings: dict[str, str], notes: list[str]) -> str | None:
    storage = settings.pop(STORAGE, None) or settings.pop(STORAGE_ACCOUNT, None)
    for key in [k for k in settings if k.startswith(STORAGE + "__")]:
        notes.append(f"app setting {key} (identity-based storage detail) has no spec equivalent; left out")
        del settings[key]
    if storage and _INLINE_KEY.search(storage) and not storage.startswith("@Microsoft.KeyVault("):
        notes.append(f"{STORAGE} is a connection string with an account key: the exported spec holds it in "
                     "plain text (providers.azure.storage); use the account name (identity-based) or a Key "
                     "Vault reference instead")
    return storage


def _registry_password(password: str | None, notes: list[str]) -> str | None:
    if password and not password.startswith("@Microsoft.KeyVault("):
        notes.append(f"{REGISTRY_PASSWORD} is a plain password: the exported spec holds it in plain text "
                     "(providers.azure.registry_password); use registry_managed_identity or a Key Vault reference")
    return password or None


def _network(site: dict[str, Any], notes: list[str]) -> Network:
    subnet = site.get("virtualNetworkSubnetId")
    egress: Literal["vpc", "default"] = "vpc" if subnet and site["siteConfig"].get("vnetRouteAllEnabled") \
        else "default"
    if site.get("publicNetworkAccess") == "Disabled":
        notes.append("publicNetworkAccess Disabled: ingress read as internal (Azure cannot tell internal from "
                     "none), and network.auth as iam, though Azure checks no identity on invoke")
        return Network(ingress="internal", auth="iam", egress=egress)
    notes.append("public network access is enabled and Azure checks no identity on invoke: network.auth read as "
                 "none (anyone may invoke). If App Service Authentication or function keys protect the app, "
                 "polycloud cannot see it: keep that in mind before deploying the spec elsewhere")
    return Network(ingress="public", auth="none", egress=egress)


def to_spec(config: ProviderConfig[Any], limits: ProviderLimits) -> Imported:
    """A function app config -> spec, with notes on what did not map exactly."""
    notes: list[str] = []
    site, plan = config["site"], config.get("plan") or {}
    site_config = site["siteConfig"]
    settings = dict(config["app_settings"])
    for key in (EXTENSION_VERSION, APP_STORAGE, REGISTRY_URL):
        settings.pop(key, None)
    contract, port = _port(settings, notes)
    timeout = _timeout(settings, notes, contract)
    per_instance = _per_instance(settings, notes, contract)
    worker_runtime = _worker_runtime(settings, notes, contract)
    storage = _storage(settings, notes)
    username = settings.pop(REGISTRY_USER, None)
    password = _registry_password(settings.pop(REGISTRY_PASSWORD, None), notes)
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
    subscription_id, resource_group = _scopes(config.id)
    tags = {k: v for k, v in config["tags"].items() if not (k.lower() == OWNER_TAG and v.lower() == OWNER)}
    spec = FunctionSpec(
        name=config.name,
        image=fx.split("|", 1)[1] if "|" in fx else fx,
        image_contract=contract,
        port=port,
        memory=_memory(limits, sku, notes),
        timeout=timeout,
        concurrency=Concurrency(min_instances=site_config.get("minimumElasticInstanceCount") or 0,
                                max_instances=site_config.get("functionAppScaleLimit") or None,
                                per_instance=per_instance),
        network=_network(site, notes),
        environment=settings,
        secrets=secrets,
        tags=tags,
        providers=ProviderSettings(azure=AzureSettings(
            subscription_id=subscription_id,
            resource_group=resource_group,
            location=site.get("location"),
            plan=sku or "EP1",
            plan_name=None if plan.get("name") == default_plan_name(config.name) else plan.get("name"),
            storage=storage,
            subnet_id=site.get("virtualNetworkSubnetId"),
            registry_username=username or None,
            registry_password=password,
            registry_managed_identity=bool(site_config.get("acrUseManagedIdentityCreds")),
            worker_runtime=worker_runtime,
        )),
    )
    return Imported(spec=spec, notes=notes)
