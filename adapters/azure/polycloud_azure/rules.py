"""Azure Functions on Linux: limits and conventions as pure, offline rules over a FunctionSpec.

The limits profile is the hosting plan, ``providers.azure.plan`` (default EP1, matched
case-insensitively); ``profile_for`` picks it and the adapter reuses it.
"""

from __future__ import annotations

import dataclasses
import re

from polycloud.checks import RuleContext, RuleInfo, show_mib, show_seconds
from polycloud.findings import Finding, Severity
from polycloud.limits import Profile, ProviderLimits
from polycloud.spec import FunctionSpec
from polycloud_azure import images

__all__ = ["RULES", "check", "profile_for"]

PROVIDER = "azure-functions"
_F = "https://learn.microsoft.com/azure/azure-functions/"
_SCALE = _F + "functions-scale"
_TAGS = "https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources"
_NAMES = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftweb"
_EASY_AUTH = "https://learn.microsoft.com/azure/app-service/overview-authentication-authorization"
_KV_REFS = "https://learn.microsoft.com/azure/app-service/app-service-key-vault-references"

RULES: tuple[RuleInfo, ...] = (
    RuleInfo("azure-plan", Severity.ERROR, "providers.azure.plan must be consumption, flex-512, flex-2048, "
             "flex-4096, EP1, EP2 or EP3.", _SCALE),
    RuleInfo("azure-memory", Severity.ERROR, "Memory up to the plan's instance size (EP1 3.5 GiB, EP2 7 GiB, "
             "EP3 14 GiB, consumption 1.5 GiB, flex-* 512 MiB-4 GiB).", _F + "functions-premium-plan"),
    RuleInfo("azure-timeout", Severity.ERROR, "Timeout up to the plan's maximum (EP1 and consumption 10 min; "
             "EP2, EP3 and flex-* 60 min).", _F + "functions-host-json#functiontimeout"),
    RuleInfo("azure-http-timeout", Severity.WARNING, "HTTP-triggered functions must respond within 230 s on "
             "every plan.", _SCALE),
    RuleInfo("azure-architecture", Severity.ERROR, "Azure Functions hosts x86_64 (linux/amd64) only.",
             "https://github.com/Azure/azure-functions-core-tools/issues/3112"),
    RuleInfo("azure-cpu", Severity.WARNING, "CPU comes from the plan (EP1 1 core, EP2 2, EP3 4); cpu is "
             "ignored.", _F + "functions-premium-plan"),
    RuleInfo("azure-ephemeral-storage", Severity.WARNING, "Azure Functions has no ephemeral storage setting; "
             "ephemeral_storage is ignored.", "https://learn.microsoft.com/rest/api/appservice/web-apps/create-or-update"),
    RuleInfo("azure-name", Severity.ERROR, "Function app name: 2-60 letters, digits or hyphens, not starting "
             "or ending with a hyphen.", _NAMES),
    RuleInfo("azure-plan-name", Severity.ERROR, "providers.azure.plan_name: 1-60 ASCII letters, digits or hyphens "
             "(Azure also allows Punycode-convertible Unicode; polycloud does not).", _NAMES),
    RuleInfo("azure-app-setting-name", Severity.ERROR, "App setting (environment and secret) names: letters, "
             "digits, '.' and '_' only.", "https://learn.microsoft.com/azure/app-service/configure-common"),
    RuleInfo("azure-app-setting-reserved", Severity.ERROR, "App settings polycloud manages (WEBSITES_PORT, PORT, "
             "AzureWebJobsStorage, FUNCTIONS_*, DOCKER_REGISTRY_SERVER_*, the AzureFunctionsJobHost__ overrides "
             "of functionTimeout and maxConcurrentRequests, ...) cannot be set.", _F + "functions-app-settings"),
    RuleInfo("azure-plan-container", Severity.ERROR, "Container images run only on Premium (EP1-EP3), not on "
             "consumption or flex-*.", _SCALE),
    RuleInfo("azure-image-contract", Severity.ERROR, "A lambda-runtime-api image cannot run on Azure "
             "Functions.",
             "https://learn.microsoft.com/azure/app-service/configure-custom-container"),
    RuleInfo("azure-http-image", Severity.INFO, "An http image runs in the function app as a plain custom "
             "container, without the Functions host: timeout and per_instance are not enforced (no functionTimeout "
             "or maxConcurrentRequests), and there are no function keys or other triggers. Build a custom handler "
             "on mcr.microsoft.com/azure-functions/base:4 for the Functions host.", images.CONTAINER_CONCEPTS),
    RuleInfo("azure-functions-host", Severity.ERROR, "An azure-functions-host image needs "
             "providers.azure.worker_runtime (FUNCTIONS_WORKER_RUNTIME: dotnet-isolated, node, python, java, "
             "powershell or custom) and providers.azure.storage (AzureWebJobsStorage, required at creation); "
             "worker_runtime is only for that contract.", images.HOST_STORAGE),
    RuleInfo("azure-vpc", Severity.ERROR, "VPC egress needs providers.azure.subnet_id (a subnet resource "
             "id); no VNet integration on consumption.", _SCALE),
    RuleInfo("azure-max-instances", Severity.ERROR, "max_instances up to the plan's scale-out limit (Premium "
             "Linux 20-100 by region, consumption 100, flex-* 1,000).", _SCALE),
    RuleInfo("azure-min-instances", Severity.ERROR, "The consumption plan has no always-ready instances; "
             "min_instances must be 0.", _SCALE),
    RuleInfo("azure-per-instance", Severity.ERROR, "per_instance (HTTP maxConcurrentRequests) is at least 1.",
             _F + "functions-host-json"),
    RuleInfo("azure-tags", Severity.ERROR, "At most 49 tags (polycloud adds managed-by: polycloud, Azure allows 50); "
             "name 1-512 chars without < > % & \\ ? /, not managed-by; value <= 256 chars.", _TAGS),
    RuleInfo("azure-secret-ref", Severity.ERROR, "Every secret needs an azure: Key Vault secret URI "
             "(https://VAULT.vault.azure.net/secrets/NAME[/VERSION])."),
    RuleInfo("azure-auth", Severity.ERROR, "network.auth iam with network.ingress public cannot be enforced: "
             "Azure checks no identity on invoking a container function app. Set network.auth: none (explicitly "
             "public) or network.ingress: internal.", _EASY_AUTH),
    RuleInfo("azure-plaintext-secret", Severity.WARNING, "providers.azure.registry_password and a "
             "providers.azure.storage connection string with a key should be Key Vault references "
             "(@Microsoft.KeyVault(...)), or use registry_managed_identity / a storage account name.", _KV_REFS),
)

_KEY_VAULT_REF = re.compile(r"@Microsoft\.KeyVault\(.+\)", re.DOTALL)
_INLINE_KEY = re.compile(r"(AccountKey|SharedAccessSignature|SharedAccessKey)=", re.IGNORECASE)
_OWNER_TAG = "managed-by"
_KEY_VAULT_URI = re.compile(r"https://[a-zA-Z0-9-]+\.vault\.azure\.net/secrets/[a-zA-Z0-9-]+(?:/[a-zA-Z0-9]*)?/?")
_MANAGED = {
    "WEBSITES_PORT": "set port: instead",
    "PORT": "polycloud sets PORT to port: for an http image (App Service does not pass WEBSITES_PORT to it)",
    "AzureFunctionsJobHost__functionTimeout": "set timeout: instead",
    "AzureFunctionsJobHost__extensions__http__maxConcurrentRequests": "set concurrency.per_instance instead",
    "AzureWebJobsStorage": "set providers.azure.storage instead",
    "FUNCTIONS_WORKER_RUNTIME": "set providers.azure.worker_runtime instead",
    "DOCKER_REGISTRY_SERVER_URL": "polycloud takes the registry from the image",
    "DOCKER_REGISTRY_SERVER_USERNAME": "set providers.azure.registry_username instead",
    "DOCKER_REGISTRY_SERVER_PASSWORD": "set providers.azure.registry_password (or registry_managed_identity)",
}


def profile_for(spec: FunctionSpec, limits: ProviderLimits) -> Profile:
    """The limits profile of the plan the spec asks for (``providers.azure.plan``, default EP1).

    Raises:
        KeyError: the plan is unknown; the message lists the known plans.
    """
    plan = spec.providers.azure.plan if spec.providers.azure else limits.default_profile
    known = {name.lower(): name for name in limits.profiles}
    key = known.get(plan.strip().lower())
    if key is None:
        raise KeyError(f"{limits.title} has no plan {plan!r}; known: {', '.join(limits.profiles)}")
    return limits.profile(key)


def check(spec: FunctionSpec, limits: ProviderLimits) -> list[Finding]:
    """Every Azure Functions rule over ``spec``; pure and offline."""
    findings: list[Finding] = []
    try:
        profile = profile_for(spec, limits)
    except KeyError:
        profile = limits.profile()
        plan = spec.providers.azure.plan if spec.providers.azure else ""
        known = ", ".join(limits.profiles)
        findings.append(Finding(
            "azure-plan", Severity.ERROR, f"providers.azure.plan {plan!r} is not an {limits.title} plan "
            f"polycloud knows: it must be one of {known} (checked against {profile.name} instead; "
            f"source: {_SCALE})",
            "providers.azure.plan", PROVIDER, f"set providers.azure.plan to one of {known}"))
    ctx = RuleContext(PROVIDER, limits.title, profile)
    findings += ctx.in_range("azure-memory", "memory", spec.memory, "memory", show=show_mib, what="memory",
                             grow_hint=_grows(limits, profile, "memory"))
    findings += ctx.in_range("azure-timeout", "timeout", spec.timeout, "timeout", show=show_seconds,
                             what="timeout", grow_hint=_grows(limits, profile, "timeout"))
    findings += _http_timeout(ctx, spec)
    findings += _architecture(ctx, spec)
    findings += _cpu(ctx, spec)
    findings += _ephemeral_storage(ctx, spec)
    findings += ctx.matches("azure-name", "name", spec.name, "site_name", what="function app name")
    findings += _plan_name(ctx, spec)
    findings += _app_settings(ctx, spec)
    findings += _image(ctx, limits, spec)
    findings += _network(ctx, spec)
    findings += _auth(ctx, spec)
    findings += _plaintext_secrets(ctx, spec)
    findings += _concurrency(ctx, spec)
    findings += _tags(ctx, spec)
    return findings


def _grows(limits: ProviderLimits, profile: Profile, key: str) -> bool:
    """True when another profile allows a bigger ``key`` than ``profile`` (so the upgrade hint helps)."""
    own = profile.get(key)
    if own is None or own.max is None:
        return False
    others = (limits.profile(name).get(key) for name in limits.profiles)
    return any(other is not None and other.max is not None and other.max > own.max for other in others)


def _http_timeout(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    http = ctx.profile.get("http_timeout")
    if http is None or http.max is None or spec.timeout <= http.max:
        return []
    cap = show_seconds(http.max)
    return [ctx.finding(
        "azure-http-timeout", "timeout", f"timeout {show_seconds(spec.timeout)} is longer than the {cap} an "
        f"HTTP-triggered function has to respond on {ctx.title} ({http.note}; source: {http.source})",
        f"answer HTTP requests within {cap} and finish longer work asynchronously (return 202 and let the "
        f"client poll), or set timeout to at most {cap}", Severity.WARNING)]


def _architecture(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    limit = ctx.profile.get("architecture")
    if limit is None or limit.allowed is None or spec.architecture in limit.allowed:
        return []
    allowed = ", ".join(str(a) for a in limit.allowed)
    return [ctx.finding("azure-architecture", "architecture", f"architecture {spec.architecture} is not "
                        f"available on {ctx.title}: it must be one of {allowed} ({ctx.where(limit)})",
                        "build a linux/amd64 image and set architecture: x86_64")]


def _cpu(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    if spec.cpu is None:
        return []
    cores = ctx.profile.get("cores")
    gives = f"; the {ctx.profile.name} plan gives {cores.value:g} core(s)" if cores is not None else ""
    return [ctx.finding("azure-cpu", "cpu", f"cpu {spec.cpu:g} cannot be set on {ctx.title}: the plan sets "
                        f"the CPU{gives}", "remove cpu, or choose a plan with more cores (EP2: 2, EP3: 4)",
                        Severity.WARNING)]


def _ephemeral_storage(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    if spec.ephemeral_storage is None:
        return []
    fact = ctx.profile.get("ephemeral_storage")
    why = f": {fact.note} (source: {fact.source})" if fact is not None else ""
    return [ctx.finding("azure-ephemeral-storage", "ephemeral_storage", f"ephemeral_storage "
                        f"{show_mib(spec.ephemeral_storage)} cannot be set on {ctx.title} and is ignored{why}",
                        "remove ephemeral_storage, or keep it if another provider needs it (Azure ignores it)",
                        Severity.WARNING)]


def _plan_name(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    name = spec.providers.azure.plan_name if spec.providers.azure else None
    if name is None:
        return []
    return ctx.matches("azure-plan-name", "providers.azure.plan_name", name, "plan_name",
                       what="App Service plan name")


def _app_settings(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings: list[Finding] = []
    names = [(f"environment.{n}", n) for n in spec.environment] + [(f"secrets.{n}", n) for n in spec.secrets]
    for path, name in names:
        findings += ctx.matches("azure-app-setting-name", path, name, "app_setting_name",
                                what="app setting name")
        for key in ("app_settings_reserved", "app_settings_reserved_container", "app_settings_reserved_host"):
            hit = next((r for r in ctx.values(key) if name == r or name.startswith(f"{r}__")), None)
            if hit is not None:
                part = "" if name == hit else f", part of {hit}"
                findings.append(ctx.finding(
                    "azure-app-setting-reserved", path, f"{name} is an app setting polycloud manages on "
                    f"{ctx.title}{part} (source: {ctx.source(key)})",
                    f"remove {path}; " + _MANAGED.get(hit, "polycloud sets it")))
    for name, ref in spec.secrets.items():
        if not ref.azure:
            findings.append(ctx.finding("azure-secret-ref", f"secrets.{name}", f"secret {name} has no azure "
                                        f"reference, so {ctx.title} cannot resolve it",
                                        f"add secrets.{name}.azure: https://<vault>.vault.azure.net/secrets/<name>"))
        elif not _KEY_VAULT_URI.fullmatch(ref.azure):
            findings.append(ctx.finding("azure-secret-ref", f"secrets.{name}.azure", f"secrets.{name}.azure "
                                        f"{ref.azure!r} is not a Key Vault secret URI",
                                        "use https://<vault>.vault.azure.net/secrets/<name>[/<version>]"))
    return findings


def _image(ctx: RuleContext, limits: ProviderLimits, spec: FunctionSpec) -> list[Finding]:
    findings: list[Finding] = []
    if spec.image_contract == "lambda-runtime-api":
        findings.append(ctx.finding("azure-image-contract", "image_contract", "a lambda-runtime-api image "
                                    f"cannot be driven by {ctx.title}: it expects an HTTP server on a port "
                                    f"(WEBSITES_PORT) or the Azure Functions host",
                                    "build an HTTP image (image_contract: http), or set "
                                    "providers.azure.image to an Azure Functions image"))
    findings += _contract(ctx, spec)
    containers = ctx.profile.get("containers")
    if containers is not None and containers.value is False:
        premium = [name for name in limits.profiles
                   if (other := limits.profile(name).get("containers")) is not None and other.value is True]
        findings.append(ctx.finding(
            "azure-plan-container", "providers.azure.plan", f"the {ctx.profile.name} plan cannot run the "
            f"container image {spec.image_for('azure')!r}: {containers.note} ({ctx.where(containers)})",
            f"set providers.azure.plan: {' or '.join(premium)} (Premium runs Linux containers)"))
    return findings


def _contract(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    """An http image runs without the Functions host (information naming what does and does not apply: the
    deploy works, so it is not a warning that ``--strict`` would fail on); a Functions host image needs its
    worker runtime and host storage."""
    azure = spec.providers.azure
    runtime = azure.worker_runtime if azure else None
    if spec.image_contract == "http":
        found = [ctx.finding(
            "azure-http-image", "image_contract", f"image_contract http on {ctx.title}: the image runs without the "
            f"Functions host, as a plain App Service custom container, so timeout ({spec.timeout} s) and "
            f"concurrency.per_instance ({spec.concurrency.per_instance}) are not enforced and polycloud writes no "
            "host settings; no function keys, no triggers but HTTP; port, environment, secrets, network and "
            f"instance counts apply (source: {images.CONTAINER_CONCEPTS})",
            images.CUSTOM_HANDLER_HOWTO, Severity.INFO)]
        if runtime:
            found.append(ctx.finding(
                "azure-functions-host", "providers.azure.worker_runtime", f"providers.azure.worker_runtime "
                f"{runtime!r} is set but image_contract is http: the worker runtime is a Functions host setting, "
                "and an http image has no Functions host", "remove providers.azure.worker_runtime, or set "
                "image_contract: azure-functions-host for a Functions image"))
        return found
    if spec.image_contract != "azure-functions-host":
        return []
    found = []
    if not runtime:
        found.append(ctx.finding(
            "azure-functions-host", "providers.azure.worker_runtime", "an azure-functions-host image needs "
            "FUNCTIONS_WORKER_RUNTIME, and providers.azure.worker_runtime is not set: without it the Functions host "
            "raises AZFD0011 and may pick the wrong language stack (source: https://learn.microsoft.com/azure/"
            "azure-functions/errors-diagnostics/diagnostic-events/azfd0011)",
            f"set providers.azure.worker_runtime to the image's stack: {', '.join(images.WORKER_RUNTIMES)} "
            f"(custom for a custom handler; source: {images.WORKER_RUNTIME_DOC})"))
    if not (azure and azure.storage):
        found.append(ctx.finding(
            "azure-functions-host", "providers.azure.storage", "an azure-functions-host image needs host storage "
            "(AzureWebJobsStorage), and providers.azure.storage is not set: Microsoft lists it as required and "
            "says a function app deployed without it \"won't run, even if the settings are added later\" "
            f"(source: {images.HOST_STORAGE})",
            "set providers.azure.storage to a storage account name (identity-based; grant the app Storage Blob "
            "Data Owner) or a Key Vault reference to a connection string"))
    return found


def _network(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    azure = spec.providers.azure
    subnet = azure.subnet_id if azure else None
    vnet = ctx.profile.get("vnet")
    wants = spec.network.egress == "vpc" or bool(subnet)
    if wants and vnet is not None and vnet.value is False:
        path = "network.egress" if spec.network.egress == "vpc" else "providers.azure.subnet_id"
        return [ctx.finding("azure-vpc", path, f"the {ctx.profile.name} plan has no VNet integration on "
                            f"{ctx.title} ({ctx.where(vnet)})", "set providers.azure.plan: EP1, EP2, EP3 "
                            "or flex-*, or set network.egress: default and remove providers.azure.subnet_id")]
    if spec.network.egress == "vpc" and not subnet:
        return [ctx.finding("azure-vpc", "providers.azure.subnet_id", "network.egress is vpc but "
                            "providers.azure.subnet_id is not set", "add providers.azure.subnet_id: "
                            "/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/"
                            "virtualNetworks/<vnet>/subnets/<subnet>")]
    pattern = ctx.profile.get("subnet_id")
    if subnet and pattern is not None and not re.fullmatch(str(pattern.value), subnet):
        return [ctx.finding("azure-vpc", "providers.azure.subnet_id", f"providers.azure.subnet_id {subnet!r} "
                            f"is not a subnet resource id (source: {pattern.source})", f"use {pattern.note}")]
    return []


def _concurrency(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    conc = spec.concurrency
    found = ctx.in_range("azure-max-instances", "concurrency.max_instances", conc.max_instances,
                         "max_instances", what="concurrency.max_instances", grow_hint=False)
    cap = ctx.profile.get("max_instances")
    if cap is not None and cap.note:
        found = [dataclasses.replace(f, message=f"{f.message}: {cap.note}") for f in found]
    ready = ctx.profile.get("always_ready")
    if ready is not None and ready.value is False and conc.min_instances > 0:
        found.append(ctx.finding(
            "azure-min-instances", "concurrency.min_instances", f"concurrency.min_instances "
            f"{conc.min_instances} asks for always-ready instances, but the {ctx.profile.name} plan has "
            f"none: the maximum is 0 ({ready.note}; {ctx.where(ready)})",
            "set concurrency.min_instances: 0, or set providers.azure.plan: EP1, EP2, EP3 or flex-*"))
    found += ctx.in_range("azure-per-instance", "concurrency.per_instance", conc.per_instance, "per_instance",
                          what="concurrency.per_instance", grow_hint=False)
    return found


def _tags(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings = ctx.in_range("azure-tags", "tags", len(spec.tags) + 1, "tags_count",
                            what=f"number of tags ({len(spec.tags)} and the {_OWNER_TAG} tag polycloud adds)")
    for key, value in spec.tags.items():
        path = f"tags.{key}"
        if key.lower() == _OWNER_TAG:
            findings.append(ctx.finding(
                "azure-tags", path, f"tag {key!r} is the tag polycloud marks what it created with on {ctx.title} "
                f"({_OWNER_TAG}: polycloud; Azure tag names are case-insensitive), so it cannot be set",
                f"remove tags.{key}, or rename it"))
        findings += ctx.in_range("azure-tags", path, len(key), "tag_name_length", what="tag name length")
        findings += ctx.in_range("azure-tags", path, len(value), "tag_value_length", what="tag value length")
        findings += ctx.matches("azure-tags", path, key, "tag_name_chars", what="tag name")
    return findings


def _auth(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    if spec.network.ingress != "public" or spec.network.auth != "iam":
        return []
    fact = ctx.profile.get("invoke_auth")
    why = f"{fact.note} (source: {fact.source})" if fact is not None else f"source: {_EASY_AUTH}"
    return [ctx.finding(
        "azure-auth", "network.auth", f"network.auth iam with network.ingress public cannot be enforced on "
        f"{ctx.title}, and the app would be open to anyone on the internet: {why}",
        "set network.auth: none to make it public on purpose, or network.ingress: internal to reach it only "
        "through a private endpoint")]


def _plaintext_secrets(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    azure = spec.providers.azure
    if azure is None:
        return []
    findings: list[Finding] = []
    password = azure.registry_password
    if password and not _KEY_VAULT_REF.fullmatch(password.strip()):
        findings.append(ctx.finding(
            "azure-plaintext-secret", "providers.azure.registry_password", "providers.azure.registry_password "
            "holds the registry password in plain text: it ends up in the spec file, in version control and in "
            f"CI logs (source: {_KV_REFS})",
            "set providers.azure.registry_managed_identity: true (the app pulls with its identity; grant it "
            "AcrPull) and remove registry_password, or use a Key Vault reference: "
            "@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>)", Severity.WARNING))
    storage = azure.storage
    if storage and _INLINE_KEY.search(storage) and not _KEY_VAULT_REF.fullmatch(storage.strip()):
        findings.append(ctx.finding(
            "azure-plaintext-secret", "providers.azure.storage", "providers.azure.storage is a connection string "
            "with an account key or SAS token in plain text: it ends up in the spec file, in version control and "
            f"in CI logs (source: {_KV_REFS})",
            "set providers.azure.storage to the storage account name (identity-based; grant the app Storage Blob "
            "Data Owner), or to a Key Vault reference: "
            "@Microsoft.KeyVault(SecretUri=https://<vault>.vault.azure.net/secrets/<name>)", Severity.WARNING))
    return findings
