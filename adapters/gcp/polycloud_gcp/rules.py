"""Google Cloud Run (services, Admin API v2): limits and conventions as pure, offline rules.

The limits profile follows ``spec.cpu``: unset -> ``cpu-2`` (polycloud's default, 8 GiB),
below 1 -> ``cpu-fractional``, 1/2/4/6/8 -> ``cpu-N``; ``profile_for`` picks it and the
adapter reuses it. Tags become labels.
"""

from __future__ import annotations

import dataclasses
import re

from polycloud.checks import RuleContext, RuleInfo, show_mib, show_seconds
from polycloud.findings import Finding, Severity
from polycloud.limits import Profile, ProviderLimits
from polycloud.spec import FunctionSpec

__all__ = ["RULES", "check", "profile_for"]

PROVIDER = "gcp-cloud-run"
FRACTIONAL = "cpu-fractional"
_R = "https://cloud.google.com/run/docs/"
_CPU = _R + "configuring/services/cpu"
_ENV = _R + "configuring/services/environment-variables"
_LABELS = "https://cloud.google.com/resource-manager/docs/labels-overview#requirements"

RULES: tuple[RuleInfo, ...] = (
    RuleInfo("gcp-cpu", Severity.ERROR, "cpu 0.08-1 in steps of 0.001, or 1, 2, 4, 6 or 8.", _CPU),
    RuleInfo("gcp-memory", Severity.ERROR, "Memory within the range of the cpu (unset: up to 8 GiB; 4: 2-16 "
             "GiB; 6: 4-24 GiB; 8: 4-32 GiB; below 0.5: 512 MiB); gen2 needs >= 512 MiB.", _CPU),
    RuleInfo("gcp-cpu-concurrency", Severity.ERROR, "Below 1 vCPU, per_instance must be 1.", _CPU),
    RuleInfo("gcp-execution-environment", Severity.ERROR, "Below 1 vCPU the gen1 execution environment is "
             "required.", _CPU),
    RuleInfo("gcp-timeout", Severity.ERROR, "Request timeout 1-3,600 s.", _R + "configuring/request-timeout"),
    RuleInfo("gcp-per-instance", Severity.ERROR, "per_instance (max concurrent requests) 1-1,000.",
             _R + "about-concurrency"),
    RuleInfo("gcp-instances", Severity.ERROR, "min_instances and max_instances fit minInstanceCount and "
             "maxInstanceCount, 32-bit integers (at most 2,147,483,647): Cloud Run documents no fixed maximum, "
             "only regional CPU and memory quotas.", _R + "configuring/max-instances-limits"),
    RuleInfo("gcp-architecture", Severity.ERROR, "Cloud Run runs linux/amd64 (x86_64) images only.",
             _R + "container-contract"),
    RuleInfo("gcp-name", Severity.ERROR, "Service name: lowercase letter first, lowercase letters, digits "
             "and hyphens, not ending with a hyphen, <= 49 chars.", _R + "deploying"),
    RuleInfo("gcp-env-reserved", Severity.ERROR, "PORT, K_SERVICE, K_REVISION and K_CONFIGURATION are set by "
             "Cloud Run.", _R + "container-contract"),
    RuleInfo("gcp-env-name", Severity.ERROR, "Environment names are not empty, have no '=' and do not start "
             "with X_GOOGLE_.", _ENV),
    RuleInfo("gcp-env-count", Severity.ERROR, "At most 1,000 environment variables (secrets included).",
             _ENV),
    RuleInfo("gcp-env-value", Severity.ERROR, "Environment values at most 32,768 bytes.", _ENV),
    RuleInfo("gcp-image-registry", Severity.ERROR, "Images from Artifact Registry, gcr.io, Docker Hub or "
             "ghcr.io; others through an Artifact Registry remote repository.", _R + "deploying"),
    RuleInfo("gcp-image-contract", Severity.ERROR, "lambda-runtime-api and azure-functions-host images "
             "cannot run on Cloud Run.", _R + "container-contract"),
    RuleInfo("gcp-labels", Severity.WARNING, "Tags become labels; uppercase letters are lowercased.",
             _LABELS),
    RuleInfo("gcp-labels-invalid", Severity.ERROR, "At most 64 labels; key 1-63 chars starting with a "
             "lowercase letter, value <= 63; lowercase letters, digits, '_' and '-'.", _LABELS),
    RuleInfo("gcp-secret-ref", Severity.ERROR, "Every secret needs a gcp: projects/P/secrets/S/versions/V "
             "reference."),
    RuleInfo("gcp-vpc", Severity.ERROR, "VPC egress needs providers.gcp network/subnetwork or a connector, "
             "not both."),
    RuleInfo("gcp-ephemeral-storage", Severity.INFO, "Cloud Run's filesystem is in memory; ephemeral_storage "
             "counts against memory.", _R + "container-contract"),
)

_SECRET_REF = re.compile(r"projects/[^/]+/secrets/[^/]+/versions/[^/]+")
_SECRET_FORM = "projects/<project>/secrets/<secret>/versions/<version or latest>"


def profile_for(spec: FunctionSpec, limits: ProviderLimits) -> Profile:
    """The limits profile of the spec's cpu (unset: the default, cpu-2; below 1: cpu-fractional).

    Raises:
        KeyError: cpu is 1 or more but has no profile (e.g. 3 or 1.5); the message lists the known ones.
    """
    cpu = spec.cpu
    if cpu is None:
        return limits.profile()
    if cpu < 1:
        return limits.profile(FRACTIONAL)
    name = f"cpu-{int(cpu)}"
    if not float(cpu).is_integer() or name not in limits.profiles:
        known = ", ".join(limits.profiles)
        raise KeyError(f"{limits.title} has no limits profile for cpu {cpu:g}; known: {known}")
    return limits.profile(name)


def _nearest(cpu: float, limits: ProviderLimits) -> Profile:
    """For a cpu without a profile (3, 1.5, 9): the largest whole-cpu profile below it."""
    wholes = sorted(int(n[4:]) for n in limits.profiles if re.fullmatch(r"cpu-\d+", n))
    below = [n for n in wholes if n <= cpu] or wholes[:1]
    return limits.profile(f"cpu-{below[-1]}")


def check(spec: FunctionSpec, limits: ProviderLimits) -> list[Finding]:
    """Every Cloud Run rule over ``spec``; pure and offline."""
    try:
        profile = profile_for(spec, limits)
    except KeyError:
        profile = _nearest(spec.cpu or 0, limits)
    ctx = RuleContext(PROVIDER, limits.title, profile)
    findings = _cpu(ctx, spec)
    findings += _memory(ctx, limits, spec)
    findings += ctx.in_range("gcp-timeout", "timeout", spec.timeout, "timeout", show=show_seconds, what="timeout",
                             grow_hint=False)
    findings += _concurrency(ctx, spec)
    findings += _architecture(ctx, spec)
    findings += ctx.matches("gcp-name", "name", spec.name, "name", what="service name")
    findings += _environment(ctx, spec)
    findings += _image(ctx, spec)
    findings += _labels(ctx, spec)
    findings += _network(ctx, spec)
    return findings


def _cpu(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    cpu = spec.cpu
    if cpu is None:
        return []
    found = ctx.in_range("gcp-cpu", "cpu", cpu, "cpu", what="cpu", grow_hint=False)
    if found:
        return found
    step = ctx.profile.get("cpu_step")
    if cpu < 1 and step is not None and step.value:
        units = cpu / float(step.value)
        if abs(units - round(units)) > 1e-6:
            return [ctx.finding("gcp-cpu", "cpu", f"cpu {cpu:g} is not allowed on {ctx.title}: fractional "
                                f"cpu goes in steps of {step.value:g} vCPU ({ctx.where(step)})",
                                f"set cpu to {round(round(units) * float(step.value), 3):g}")]
        return []
    return ctx.in_range("gcp-cpu", "cpu", cpu, "cpu_whole", what="cpu")


def _memory(ctx: RuleContext, limits: ProviderLimits, spec: FunctionSpec) -> list[Finding]:
    own = ctx.profile.get("memory")
    grows = own is not None and own.max is not None and any(
        (other := limits.profile(name).get("memory")) is not None and other.max is not None
        and other.max > own.max for name in limits.profiles)
    found = ctx.in_range("gcp-memory", "memory", spec.memory, "memory", show=show_mib, what="memory",
                         grow_hint=grows)
    gcp = spec.providers.gcp
    if gcp is not None and gcp.execution_environment == "gen2":
        found += ctx.in_range("gcp-memory", "memory", spec.memory, "memory_gen2", show=show_mib,
                              what="memory with the gen2 execution environment")
    half = ctx.profile.get("memory_below_half_cpu")
    if (half is not None and half.max is not None and spec.cpu is not None and spec.cpu < 0.5
            and spec.memory > half.max and not found):
        found.append(ctx.finding(
            "gcp-memory", "memory", f"memory {show_mib(spec.memory)} is above the {ctx.title} maximum of "
            f"{show_mib(half.max)} for cpu {spec.cpu:g}: {half.note} ({ctx.where(half)})",
            f"set memory to at most {show_mib(half.max)}, or set cpu: 0.5 (up to 1 GiB) or more"))
    return found


def _concurrency(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    per = spec.concurrency.per_instance
    found = ctx.in_range("gcp-per-instance", "concurrency.per_instance", per, "per_instance",
                         what="concurrency.per_instance", grow_hint=False)
    found += _instances(ctx, spec)
    low = ctx.profile.get("per_instance_low_cpu")
    if low is not None and low.max is not None and per > low.max:
        found.append(ctx.finding(
            "gcp-cpu-concurrency", "concurrency.per_instance", f"concurrency.per_instance {per} is above the "
            f"{ctx.title} maximum of {low.max:g} for cpu {spec.cpu:g}: {low.note} ({ctx.where(low)})",
            f"set concurrency.per_instance: {low.max:g}, or set cpu: 1 or more"))
    envs = ctx.profile.get("execution_environment")
    chosen = spec.providers.gcp.execution_environment if spec.providers.gcp else None
    if envs is not None and envs.allowed is not None and chosen is not None and chosen not in envs.allowed:
        found.append(ctx.finding(
            "gcp-execution-environment", "providers.gcp.execution_environment", f"execution_environment "
            f"{chosen} is not allowed on {ctx.title} with cpu {spec.cpu:g}: {envs.note} "
            f"({ctx.where(envs)})",
            "set providers.gcp.execution_environment: gen1, or set cpu: 1 or more"))
    return found


def _instances(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    """min_instances and max_instances within what the Admin API's 32-bit fields hold (a larger number cannot even
    be sent: the client library refuses to encode it)."""
    found = []
    for key in ("min_instances", "max_instances"):
        value = getattr(spec.concurrency, key)
        limit = ctx.profile.get(key)
        for finding in ctx.in_range("gcp-instances", f"concurrency.{key}", value, key, what=f"concurrency.{key}",
                                    grow_hint=False):
            note = f": {limit.note}" if limit is not None and limit.note else ""
            found.append(dataclasses.replace(finding, message=finding.message + note))
    return found


def _architecture(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    limit = ctx.profile.get("architecture")
    if limit is None or limit.allowed is None or spec.architecture in limit.allowed:
        return []
    allowed = ", ".join(str(a) for a in limit.allowed)
    return [ctx.finding("gcp-architecture", "architecture", f"architecture {spec.architecture} is not "
                        f"available on {ctx.title}: it must be one of {allowed}; {limit.note} "
                        f"({ctx.where(limit)})",
                        "build a linux/amd64 image (or a multi-arch image that includes it) and set "
                        "architecture: x86_64")]


def _environment(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings: list[Finding] = []
    reserved = set(ctx.values("env_reserved"))
    names = [(f"environment.{n}", n) for n in spec.environment] + [(f"secrets.{n}", n) for n in spec.secrets]
    for path, name in names:
        findings += ctx.matches("gcp-env-name", path, name, "env_name", what="environment variable name")
        if name in reserved:
            findings.append(ctx.finding("gcp-env-reserved", path, f"{name} is reserved by the {ctx.title} "
                                        "container contract and cannot be set "
                                        f"(source: {ctx.source('env_reserved')})",
                                        "set port: for PORT, or rename " + path))
    findings += ctx.in_range("gcp-env-count", "environment", len(names), "env_count",
                             what="number of environment variables and secrets")
    for name, value in spec.environment.items():
        findings += ctx.in_range("gcp-env-value", f"environment.{name}", len(value.encode()),
                                 "env_value_bytes", what=f"environment.{name} size")
    for name, ref in spec.secrets.items():
        if not ref.gcp:
            findings.append(ctx.finding("gcp-secret-ref", f"secrets.{name}", f"secret {name} has no gcp "
                                        f"reference, so {ctx.title} cannot resolve it",
                                        f"add secrets.{name}.gcp: {_SECRET_FORM}"))
        elif not _SECRET_REF.fullmatch(ref.gcp):
            findings.append(ctx.finding("gcp-secret-ref", f"secrets.{name}.gcp", f"secrets.{name}.gcp "
                                        "is not a Secret Manager version name (its value is not shown: it may be "
                                        "a secret)",
                                        f"use {_SECRET_FORM}"))
    return findings


def _registry_host(image: str) -> str | None:
    """The registry host of an image reference; None for Docker Hub's short form (``nginx``, ``org/app``)."""
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return None


def _image(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings: list[Finding] = []
    if spec.image_contract != "http":
        findings.append(ctx.finding("gcp-image-contract", "image_contract", f"a {spec.image_contract} image "
                                    f"cannot be driven by {ctx.title}: it runs containers that serve HTTP "
                                    "on $PORT", "build an HTTP image (image_contract: http), or set "
                                    "providers.gcp.image to one"))
    registry = ctx.profile.get("image_registry")
    image = spec.image_for("gcp")
    host = _registry_host(image)
    if registry is None or host is None or any(re.fullmatch(str(p), host) for p in registry.value or []):
        return findings
    path = "providers.gcp.image" if spec.providers.gcp and spec.providers.gcp.image else "image"
    findings.append(ctx.finding(
        "gcp-image-registry", path, f"image {image!r} is in registry {host}, which {ctx.title} cannot pull "
        f"from directly: {registry.note} (source: {registry.source})",
        f"push the image to Artifact Registry, or create an Artifact Registry remote repository for {host} "
        "and set providers.gcp.image to <location>-docker.pkg.dev/<project>/<repository>/<image>"))
    return findings


def _lower_letter(char: str) -> bool:
    """A lowercase or caseless (international) letter, as label rules allow."""
    return char.isalpha() and not char.isupper()


def _label_problems(ctx: RuleContext, key: str, value: str) -> list[str]:
    problems = []
    for part, text, limit_key in (("key", key, "label_key_length"), ("value", value, "label_value_length")):
        limit = ctx.profile.get(limit_key)
        if limit is not None and limit.max is not None and len(text) > limit.max:
            problems.append(f"the {part} has {len(text)} characters, more than {limit.max:g}")
        if limit is not None and limit.min is not None and len(text) < limit.min:
            problems.append(f"the {part} has {len(text)} characters, fewer than {limit.min:g}")
    if key and not _lower_letter(key[0]):
        problems.append("the key must start with a lowercase letter")
    bad = sorted({c for c in key + value if not (c.isdigit() or c in "_-" or _lower_letter(c))})
    if bad:
        problems.append("characters " + " ".join(repr(c) for c in bad) + " are not allowed")
    return problems


def _labels(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings = ctx.in_range("gcp-labels-invalid", "tags", len(spec.tags), "labels_count",
                            what="number of labels")
    rules = ctx.profile.get("label_chars")
    where = f"{rules.note}; source: {rules.source}" if rules is not None else "source: " + _LABELS
    seen: dict[str, str] = {}
    for key, value in spec.tags.items():
        path = f"tags.{key}"
        label = f"{key.lower()}={value.lower()}"
        if key.lower() in seen:
            findings.append(ctx.finding("gcp-labels-invalid", path, f"tags {seen[key.lower()]!r} and {key!r} "
                                        f"become the same {ctx.title} label key {key.lower()!r} ({where})",
                                        f"remove or rename tags.{key}"))
        seen[key.lower()] = key
        if not _label_problems(ctx, key, value):
            continue
        problems = _label_problems(ctx, key.lower(), value.lower())
        if not problems:
            findings.append(ctx.finding("gcp-labels", path, f"tag {key}={value!r} has uppercase letters; it "
                                        f"becomes the {ctx.title} label {label} ({where})",
                                        f"write the tag in lowercase ({label}) to keep it as is",
                                        Severity.WARNING))
            continue
        lowered = " (even lowercased)" if label != f"{key}={value}" else ""
        findings.append(ctx.finding("gcp-labels-invalid", path, f"tag {key}={value!r} is not a valid "
                                    f"{ctx.title} label{lowered}: {'; '.join(problems)} ({where})",
                                    "use keys of 1-63 and values of at most 63 lowercase letters, digits, "
                                    "'_' or '-', keys starting with a letter"))
    return findings


def _network(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings: list[Finding] = []
    gcp = spec.providers.gcp
    vpc = ctx.profile.get("vpc")
    source = f" (source: {vpc.source})" if vpc is not None else ""
    direct = bool(gcp and (gcp.network or gcp.subnetwork))
    connector = bool(gcp and gcp.connector)
    if spec.network.egress == "vpc" and not (direct or connector):
        findings.append(ctx.finding("gcp-vpc", "providers.gcp", "network.egress is vpc but providers.gcp "
                                    f"names no network, subnetwork or connector{source}",
                                    "add providers.gcp.network and providers.gcp.subnetwork (Direct VPC "
                                    "egress) or providers.gcp.connector"))
    if direct and connector:
        findings.append(ctx.finding("gcp-vpc", "providers.gcp.connector", "providers.gcp sets both a "
                                    f"connector and a network/subnetwork; {ctx.title} takes one or the "
                                    f"other{source}",
                                    "remove providers.gcp.connector or providers.gcp.network/subnetwork"))
    if spec.ephemeral_storage is not None:
        files = ctx.profile.get("filesystem")
        note = f": {files.note} (source: {files.source})" if files is not None else ""
        findings.append(ctx.finding("gcp-ephemeral-storage", "ephemeral_storage", f"ephemeral_storage "
                                    f"{show_mib(spec.ephemeral_storage)} has no separate setting on "
                                    f"{ctx.title}{note}",
                                    "leave room for written files in memory", Severity.INFO))
    return findings
