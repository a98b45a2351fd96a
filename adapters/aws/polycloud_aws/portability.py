"""How a function lands on AWS Lambda and what its Lambda settings mean when it leaves (migration data).

Read by ``polycloud.migration`` beside ``translate``/``to_spec``: the migration computes what differs by
round-tripping a spec through ``translate`` and ``to_spec``; this module only explains why, carries what Lambda
says another way (total concurrency), fits values to Lambda's limits on request, and names what the user must
create. Pure data and functions; imports no SDK.
"""

from __future__ import annotations

import re

from polycloud.findings import Finding
from polycloud.limits import ProviderLimits
from polycloud.migration.fitting import clamp_to_limit
from polycloud.migration.types import Adjustment, Fitter, Leaving
from polycloud.spec import FunctionSpec
from polycloud_aws.translate import MANAGED_ROLES, SECRET_SUFFIX

__all__ = ["EMULATED", "FITTERS", "LEAVING", "REGISTRY_EXAMPLE", "WHY", "carry", "invoker", "native_registry",
           "secret_reader"]

REGISTRY_EXAMPLE = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
"""An Amazon ECR registry, for to-do commands."""
_ECR = re.compile(r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")

WHY = {
    "concurrency.per_instance": "Lambda serves one request per instance (each concurrent request gets its own "
                                "execution environment)",
    "network.ingress": "Lambda cannot tell internal from none: without a function URL the function is reached "
                       "only through the Invoke API, by principals its resource policy allows",
    "network.auth": "without a function URL, who may invoke is decided by IAM (lambda:InvokeFunction)",
    "cpu": "Lambda derives CPU from memory (1,769 MiB = 1 vCPU); there is no cpu setting",
    "ephemeral_storage": "Lambda's /tmp is 512-10,240 MiB",
    "tags": "Lambda keeps tags as given",
}
"""Why a field read back from Lambda differs from what was sent, by field (or field prefix)."""

EMULATED = {
    "secrets": f"Lambda has no secret references in environment variables: the ARN is passed as NAME{SECRET_SUFFIX} "
               "and the code must resolve it (e.g. with the AWS Parameters and Secrets Lambda Extension)",
}
"""Fields Lambda carries without a native equivalent, and how."""

LEAVING = {
    "region": Leaving("the AWS Region", "give the target's region or location (--target-setting)"),
    "role": Leaving("the execution role (its policies: what the code may call in AWS)",
                    "create an identity on the target with the same permissions and name it there "
                    "(Cloud Run: providers.gcp.service_account; Azure: the app's managed identity)", todo="identity"),
    "image": Leaving("the image for Lambda", "name the image for the target (--image or --image-map)"),
    "subnet_ids": Leaving("the VPC subnets", "name the target's network (Azure: subnet_id; Cloud Run: network/"
                          "subnetwork or connector) with --target-setting", todo="network"),
    "security_group_ids": Leaving("the VPC security groups",
                                  "recreate the egress rules as the target network's firewall rules", todo="network"),
    "alias": Leaving("the alias that carries provisioned concurrency",
                     "nothing: the target serves its latest revision; callers of the alias ARN move to the new URL"),
}
"""What each ``providers.aws`` setting is, and what to do instead, when a function leaves Lambda."""


def carry(spec: FunctionSpec) -> list[Adjustment]:
    """Lambda serves one request per instance: keep the source's total concurrency (instances x per_instance)."""
    per = spec.concurrency.per_instance
    if per <= 1:
        return []
    low, high = spec.concurrency.min_instances, spec.concurrency.max_instances
    adjustments = [Adjustment("concurrency.per_instance", per, 1,
                              f"Lambda serves one request per instance; per_instance {per} is carried by the "
                              "instance counts")]
    if high is not None:
        adjustments.append(Adjustment(
            "concurrency.max_instances", high, high * per,
            f"Lambda serves one request per instance; max concurrency becomes max_instances x per_instance = "
            f"{high} x {per} = {high * per} reserved concurrency"))
    if low:
        adjustments.append(Adjustment(
            "concurrency.min_instances", low, low * per,
            f"warm capacity becomes min_instances x per_instance = {low} x {per} = {low * per} provisioned "
            "concurrency"))
    return adjustments


def _fit_range(field: str, key: str) -> Fitter:
    def fit(spec: FunctionSpec, limits: ProviderLimits, finding: Finding, image_named: bool) -> list[Adjustment]:
        return clamp_to_limit(spec, limits.profile(limits.default_profile).get(key), field, finding,
                              "AWS Lambda")
    return fit


def _fit_architecture(spec: FunctionSpec, limits: ProviderLimits, finding: Finding,
                      image_named: bool) -> list[Adjustment]:
    return []  # Lambda runs both architectures


FITTERS: dict[str, Fitter] = {
    "aws-memory": _fit_range("memory", "memory"),
    "aws-timeout": _fit_range("timeout", "timeout"),
    "aws-ephemeral-storage": _fit_range("ephemeral_storage", "ephemeral_storage"),
    "aws-max-instances": _fit_range("concurrency.max_instances", "max_instances"),
}
"""Nearest valid value, by the rule that refuses the value as it is."""


def secret_reader(spec: FunctionSpec) -> str:
    """Who must be able to read the function's secrets on Lambda."""
    role = spec.providers.aws.role if spec.providers.aws else None
    if role:
        return f"the execution role {role}"
    managed = MANAGED_ROLES["polycloud-managed-vpc" if spec.network.egress == "vpc" else "polycloud-managed"]
    return (f"the execution role (polycloud's managed role {managed} has logs only: create a role with "
            "secretsmanager:GetSecretValue and set providers.aws.role)")


def invoker(spec: FunctionSpec) -> str | None:
    """What the user must grant so the right callers may invoke the function, when auth is IAM."""
    if spec.network.auth != "iam":
        return None
    return ("grant lambda:InvokeFunction (and lambda:InvokeFunctionUrl for a function URL) to each caller: who "
            "may invoke an IAM-only function is not carried by a migration")


def native_registry(spec: FunctionSpec) -> bool:
    """True when Lambda can pull the spec's image (Amazon ECR)."""
    image = spec.image_for("aws")
    return bool(_ECR.match(image))
