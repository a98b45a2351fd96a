"""How a function lands on Azure Functions and what its Azure settings mean when it leaves (migration data).

Read by ``polycloud.migration`` beside ``translate``/``to_spec``: the differences themselves come from a round
trip through them; this module explains why, fits values to a plan on request and names what the user must
create. Pure data and functions; imports no SDK.
"""

from __future__ import annotations

import re

from polycloud.findings import Finding
from polycloud.limits import ProviderLimits
from polycloud.migration.fitting import clamp_to_limit, to_x86_64
from polycloud.migration.types import Adjustment, Fitter, Leaving
from polycloud.spec import FunctionSpec
from polycloud_azure.settings import AzureSettings
from polycloud_azure.translate import SKUS

__all__ = ["EMULATED", "FITTERS", "LEAVING", "REGISTRY_ACCESS", "REGISTRY_EXAMPLE", "WHY", "carry", "grants",
           "invoker", "native_registry", "secret_reader"]

REGISTRY_EXAMPLE = "REGISTRY.azurecr.io"
"""An Azure Container Registry, for to-do commands."""
_NATIVE = re.compile(r"(mcr\.microsoft\.com|docker\.io|ghcr\.io)/")
_ACR = re.compile(r"[a-z0-9]+\.azurecr\.io/")
REGISTRY_ACCESS = ("for an Azure Container Registry image: --target-setting registry_managed_identity=true (the app "
                   "pulls with its identity; grant it AcrPull), or registry_username and registry_password")
"""How to let Azure pull a private image, for refusals."""
_PLANS = tuple(SKUS)
"""The Elastic Premium plans polycloud creates for a container, smallest first."""

WHY = {
    "memory": "Azure Functions has no per-app memory setting: the app gets the plan's instance size",
    "timeout": "an http image has no Functions host, so no functionTimeout: an HTTP response may take at most "
               "230 s on Azure (Azure Load Balancer)",
    "concurrency.per_instance": "an http image has no Functions host, so nothing limits requests per instance",
    "concurrency.min_instances": "an Elastic Premium app keeps at least one always-ready (billed) instance",
    "ephemeral_storage": "Azure Functions has no ephemeral storage setting",
    "cpu": "the plan gives the cpu (EP1 1 core, EP2 2, EP3 4)",
    "architecture": "Azure Functions hosts linux/amd64 only",
    "network.ingress": "Azure cannot tell internal from none: public network access is disabled and the app is "
                       "reached through a private endpoint",
    "network.auth": "Azure checks no identity on invoke: with public access anyone may invoke, without it whoever "
                    "reaches the private endpoint may",
    "image_contract": "an http image runs as a plain custom container, without the Functions host",
}
EMULATED: dict[str, str] = {}

LEAVING = {
    "subscription_id": Leaving("the Azure subscription", "give the target's account or project"),
    "resource_group": Leaving("the resource group", "give the target's place (project, region)"),
    "location": Leaving("the Azure region", "give the target's region (--target-setting)"),
    "plan": Leaving("the plan tier (instance size, timeout and scale-out limits)",
                    "nothing: memory, cpu and timeout are carried as spec fields"),
    "plan_name": Leaving("the App Service plan", "retire it with the app if nothing else runs on it"),
    "image": Leaving("the image for Azure", "name the image for the target (--image or --image-map)"),
    "storage": Leaving("the host storage account (AzureWebJobsStorage)",
                       "nothing for an http image; move any data the code keeps there", todo="data"),
    "subnet_id": Leaving("the VNet integration subnet", "name the target's network with --target-setting",
                         todo="network"),
    "registry_username": Leaving("the registry credentials", "give the target access to its registry (an ECR or "
                                 "Artifact Registry repository it can pull from)", todo="image"),
    "registry_password": Leaving("the registry password", "nothing: the target pulls with its own identity"),
    "registry_managed_identity": Leaving("the registry identity (AcrPull)", "give the target's identity pull "
                                         "access to its registry", todo="image"),
    "worker_runtime": Leaving("the Functions worker runtime", "build an http image for the target"),
}


def carry(spec: FunctionSpec) -> list[Adjustment]:
    """Nothing to carry: the plan tier is chosen by fit."""
    return []


def _plan(spec: FunctionSpec) -> str:
    return (spec.providers.azure or AzureSettings()).plan


def _bigger_plan(spec: FunctionSpec, limits: ProviderLimits, finding: Finding, key: str, field: str,
                 value: int) -> list[Adjustment]:
    """The smallest Elastic Premium plan whose ``key`` limit holds ``value``, else ``field`` clamped to EP3's."""
    current = _plan(spec)
    for plan in _PLANS:
        limit = limits.profile(plan).get(key)
        if limit is not None and limit.max is not None and value <= limit.max:
            if plan == current:
                break
            return [Adjustment("providers.azure.plan", current, plan,
                               f"{field} {value} needs the {plan} plan (up to {int(limit.max)}); plan {current} "
                               f"becomes {plan}", finding.rule)]
    return clamp_to_limit(spec, limits.profile(_PLANS[-1]).get(key), field, finding, "Azure Functions")


def _fit_memory(spec: FunctionSpec, limits: ProviderLimits, finding: Finding, image_named: bool) -> list[Adjustment]:
    return _bigger_plan(spec, limits, finding, "memory", "memory", spec.memory)


def _fit_timeout(spec: FunctionSpec, limits: ProviderLimits, finding: Finding, image_named: bool) -> list[Adjustment]:
    return _bigger_plan(spec, limits, finding, "timeout", "timeout", spec.timeout)


def _fit_max_instances(spec: FunctionSpec, limits: ProviderLimits, finding: Finding,
                       image_named: bool) -> list[Adjustment]:
    return clamp_to_limit(spec, limits.profile(_plan(spec)).get("max_instances"), "concurrency.max_instances",
                          finding, "Azure Functions")


def _fit_architecture(spec: FunctionSpec, limits: ProviderLimits, finding: Finding,
                      image_named: bool) -> list[Adjustment]:
    return to_x86_64(spec, finding, image_named, "Azure Functions")


FITTERS: dict[str, Fitter] = {
    "azure-memory": _fit_memory,
    "azure-timeout": _fit_timeout,
    "azure-max-instances": _fit_max_instances,
    "azure-architecture": _fit_architecture,
}


def secret_reader(spec: FunctionSpec) -> str:
    """Who must be able to read the function's secrets on Azure."""
    return "the function app's system-assigned identity needs Key Vault Secrets User on each secret's vault"


def invoker(spec: FunctionSpec) -> str | None:
    """Azure checks no identity on invoke: say who can reach the app instead."""
    if spec.network.ingress == "public":
        return ("Azure checks no identity on invoke: protect the app with App Service Authentication or keep "
                "callers behind a gateway; who may invoke is not carried by a migration")
    return ("create a private endpoint in the callers' VNet (polycloud does not): whoever reaches it may invoke, "
            "so who may invoke is not carried by a migration")


def native_registry(spec: FunctionSpec) -> bool:
    """True when Azure pulls the spec's image with its managed identity, its registry credentials or anonymously
    (ACR, MCR, Docker Hub, ghcr.io)."""
    image = spec.image_for("azure")
    azure = spec.providers.azure or AzureSettings()
    if azure.registry_username:
        return True
    if _ACR.match(image):  # private: the app pulls with its identity (AcrPull) or credentials
        return azure.registry_managed_identity
    first, slash, _ = image.partition("/")
    on_docker_hub = not slash or not ("." in first or ":" in first or first == "localhost")
    return on_docker_hub or bool(_NATIVE.match(image))


def grants(spec: FunctionSpec) -> list[str]:
    """Role assignments the function app's identity needs besides its secrets' (polycloud makes none)."""
    azure = spec.providers.azure or AzureSettings()
    needed = []
    if azure.registry_managed_identity:
        needed.append("grant the function app's system-assigned identity AcrPull on the registry of "
                      f"{spec.image_for('azure')}")
    if azure.storage and "=" not in azure.storage and not azure.storage.startswith("@"):
        needed.append(f"grant the function app's system-assigned identity Storage Blob Data Owner on the storage "
                      f"account {azure.storage}")
    return needed
