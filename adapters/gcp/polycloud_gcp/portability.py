"""How a function lands on Cloud Run and what its Cloud Run settings mean when it leaves (migration data).

Read by ``polycloud.migration`` beside ``translate``/``to_spec``: the differences themselves come from a round
trip through them; this module explains why, fits values to Cloud Run's limits on request and names what the
user must create. Pure data and functions; imports no SDK.
"""

from __future__ import annotations

import re

from polycloud.findings import Finding
from polycloud.limits import ProviderLimits
from polycloud.migration.fitting import clamp_to_limit, to_x86_64
from polycloud.migration.types import Adjustment, Fitter, Leaving
from polycloud.spec import FunctionSpec

__all__ = ["EMULATED", "FITTERS", "LEAVING", "REGISTRY_EXAMPLE", "WHY", "carry", "invoker", "native_registry",
           "secret_reader"]

REGISTRY_EXAMPLE = "europe-docker.pkg.dev/PROJECT/REPOSITORY"
"""An Artifact Registry repository, for to-do commands."""
_NATIVE = re.compile(r"([a-z0-9-]+-docker\.pkg\.dev|([a-z]+\.)?gcr\.io|docker\.io|ghcr\.io)/")

WHY = {
    "tags": "Cloud Run labels are lowercase (tags become labels)",
    "ephemeral_storage": "Cloud Run's filesystem is in memory: there is no ephemeral storage setting; writes "
                         "count against memory",
    "cpu": "Cloud Run derives cpu from memory when none is set",
    "architecture": "Cloud Run runs linux/amd64 images only",
    "image_contract": "Cloud Run runs http images only",
}
EMULATED: dict[str, str] = {}

LEAVING = {
    "project": Leaving("the Google Cloud project", "give the target's account, subscription or resource group"),
    "region": Leaving("the Cloud Run region", "give the target's region or location (--target-setting)"),
    "image": Leaving("the image for Cloud Run", "name the image for the target (--image or --image-map)"),
    "service_account": Leaving("the service account the service runs as (what the code may call in Google Cloud)",
                               "create an identity on the target with the same permissions (Lambda: an execution "
                               "role, providers.aws.role; Azure: the app's managed identity)", todo="identity"),
    "network": Leaving("the VPC network (direct VPC egress)", "name the target's network (Lambda: subnet_ids and "
                       "security_group_ids; Azure: subnet_id) with --target-setting", todo="network"),
    "subnetwork": Leaving("the VPC subnetwork", "name the target's subnet with --target-setting", todo="network"),
    "connector": Leaving("the Serverless VPC Access connector", "name the target's network with --target-setting",
                         todo="network"),
    "vpc_all_traffic": Leaving("all egress through the VPC", "route the target's egress through its network "
                               "(Azure: vnetRouteAllEnabled is set for egress vpc; Lambda: all traffic in a VPC "
                               "goes through it)"),
    "execution_environment": Leaving("the execution environment (gen1/gen2)",
                                     "nothing: the target has one sandbox; check that the code needs no gen2-only "
                                     "feature (network file systems, full Linux compatibility)"),
}


def carry(spec: FunctionSpec) -> list[Adjustment]:
    """Nothing to carry: Cloud Run holds every neutral field."""
    return []


def _default_profile_key(spec: FunctionSpec, limits: ProviderLimits) -> str:
    if spec.cpu is None:
        return limits.default_profile
    whole = int(spec.cpu)
    return f"cpu-{whole}" if spec.cpu == whole and f"cpu-{whole}" in limits.profiles else "cpu-fractional"


def _fit_memory(spec: FunctionSpec, limits: ProviderLimits, finding: Finding, image_named: bool) -> list[Adjustment]:
    """More memory than the cpu allows: the smallest whole cpu whose range holds it, else the largest memory."""
    for name in ("cpu-1", "cpu-2", "cpu-4", "cpu-6", "cpu-8"):
        memory = limits.profile(name).get("memory")
        if memory is not None and memory.max is not None and spec.memory <= memory.max and (
                memory.min is None or spec.memory >= memory.min):
            cpu = float(name.removeprefix("cpu-"))
            if spec.cpu is not None and spec.cpu >= cpu:
                break
            return [Adjustment("cpu", spec.cpu, cpu, f"memory {spec.memory} MiB needs {cpu:g} vCPU on Cloud Run; "
                               f"cpu raised to {cpu:g}", finding.rule)]
    return clamp_to_limit(spec, limits.profile("cpu-8").get("memory"), "memory", finding, "Cloud Run")


def _fit_profile(field: str, key: str) -> Fitter:
    def fit(spec: FunctionSpec, limits: ProviderLimits, finding: Finding, image_named: bool) -> list[Adjustment]:
        return clamp_to_limit(spec, limits.profile(_default_profile_key(spec, limits)).get(key), field, finding,
                              "Cloud Run")
    return fit


def _fit_architecture(spec: FunctionSpec, limits: ProviderLimits, finding: Finding,
                      image_named: bool) -> list[Adjustment]:
    return to_x86_64(spec, finding, image_named, "Cloud Run")


FITTERS: dict[str, Fitter] = {
    "gcp-memory": _fit_memory,
    "gcp-timeout": _fit_profile("timeout", "timeout"),
    "gcp-per-instance": _fit_profile("concurrency.per_instance", "per_instance"),
    "gcp-architecture": _fit_architecture,
}


def secret_reader(spec: FunctionSpec) -> str:
    """Who must be able to read the function's secrets on Cloud Run."""
    account = spec.providers.gcp.service_account if spec.providers.gcp else None
    return (f"the service account {account}" if account else
            "the service's account (the project's default compute service account unless "
            "providers.gcp.service_account names one)") + " needs roles/secretmanager.secretAccessor on each secret"


def invoker(spec: FunctionSpec) -> str | None:
    """What the user must grant so the right callers may invoke the service, when auth is IAM."""
    if spec.network.auth != "iam":
        return None
    return ("grant roles/run.invoker on the service to each caller: who may invoke an IAM-only function is not "
            "carried by a migration")


def native_registry(spec: FunctionSpec) -> bool:
    """True when Cloud Run pulls the spec's image without a remote repository (Artifact Registry, gcr.io, Docker Hub,
    ghcr.io)."""
    image = spec.image_for("gcp")
    return bool(_NATIVE.match(image))
