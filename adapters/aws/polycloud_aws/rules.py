"""AWS Lambda's limits and conventions as pure, offline rules over a FunctionSpec."""

from __future__ import annotations

import re

from polycloud.checks import RuleContext, RuleInfo, show_mib, show_seconds
from polycloud.findings import Finding, Severity
from polycloud.limits import ProviderLimits
from polycloud.spec import FunctionSpec
from polycloud_aws.translate import environment_variables

__all__ = ["RULES", "check"]

PROVIDER = "aws-lambda"
_L = "https://docs.aws.amazon.com/lambda/latest/dg/"

RULES: tuple[RuleInfo, ...] = (
    RuleInfo("aws-name", Severity.ERROR, "Function name: 1-64 letters, digits, '-' or '_'.",
             _L + "configuration-function-common.html"),
    RuleInfo("aws-memory", Severity.ERROR, "Memory 128-10,240 MiB.", _L + "gettingstarted-limits.html"),
    RuleInfo("aws-timeout", Severity.ERROR, "Timeout 1-900 s.", _L + "configuration-timeout.html"),
    RuleInfo("aws-ephemeral-storage", Severity.ERROR, "/tmp 512-10,240 MiB.", _L + "gettingstarted-limits.html"),
    RuleInfo("aws-per-instance", Severity.WARNING, "Lambda serves one request per instance; per_instance > 1 "
             "is not representable.", _L + "lambda-concurrency.html"),
    RuleInfo("aws-max-instances", Severity.WARNING, "Reserved concurrency above 900 needs a raised account "
             "quota (1,000 by default, 100 kept unreserved).", _L + "lambda-concurrency.html"),
    RuleInfo("aws-cpu", Severity.WARNING, "Lambda derives CPU from memory; cpu is ignored.",
             _L + "configuration-memory.html"),
    RuleInfo("aws-env-name", Severity.ERROR, "Environment names start with a letter, >= 2 chars, letters/digits/_.",
             _L + "configuration-envvars.html"),
    RuleInfo("aws-env-reserved", Severity.ERROR,
             "Reserved runtime variables (AWS_REGION, _HANDLER, ...) cannot be set.",
             _L + "configuration-envvars.html"),
    RuleInfo("aws-env-tz", Severity.WARNING, "TZ is listed as reserved by the docs.",
             _L + "configuration-envvars.html"),
    RuleInfo("aws-env-size", Severity.ERROR, "All environment variables together at most 4 KB.",
             _L + "gettingstarted-limits.html"),
    RuleInfo("aws-image-registry", Severity.ERROR, "The image must be in Amazon ECR, in the function's Region.",
             _L + "images-create.html"),
    RuleInfo("aws-image-contract", Severity.ERROR, "An azure-functions-host image cannot run on Lambda.",
             _L + "images-create.html"),
    RuleInfo("aws-secret-ref", Severity.ERROR, "Every secret needs an aws: ARN (Secrets Manager or SSM).",
             _L + "configuration-envvars.html"),
    RuleInfo("aws-tags", Severity.ERROR, "At most 50 tags; key 1-128, value <= 256 chars; no aws: prefix; only "
             "Unicode letters, digits, space separators (no tab, newline or other control character) and "
             "_ . : / = + - @.", _L + "configuration-tags.html"),
    RuleInfo("aws-vpc", Severity.ERROR, "VPC egress needs 1-16 subnets (subnet-[0-9a-z]*) and 1-5 security groups "
             "(sg-[0-9a-zA-Z]*).", "https://docs.aws.amazon.com/lambda/latest/api/API_VpcConfig.html"),
    RuleInfo("aws-alias", Severity.ERROR, "providers.aws.alias: 1-128 letters, digits, '-' or '_', not all digits.",
             "https://docs.aws.amazon.com/lambda/latest/api/API_CreateAlias.html"),
    RuleInfo("aws-role", Severity.ERROR, "providers.aws.role must be an IAM role ARN.",
             "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"),
    RuleInfo("aws-ingress", Severity.INFO, "ingress internal/none deploys no function URL.",
             _L + "urls-configuration.html"),
)

_SOURCES = {rule.id: rule.source for rule in RULES}
"""Source of the rules that no limits entry backs, so their findings still cite one."""


def check(spec: FunctionSpec, limits: ProviderLimits) -> list[Finding]:
    """Every Lambda rule over ``spec``; pure and offline."""
    ctx = RuleContext(PROVIDER, limits.title, limits.profile())
    findings: list[Finding] = []
    findings += ctx.matches("aws-name", "name", spec.name, "name", what="function name")
    findings += ctx.in_range("aws-memory", "memory", spec.memory, "memory", show=show_mib, what="memory")
    findings += ctx.in_range("aws-timeout", "timeout", spec.timeout, "timeout", show=show_seconds, what="timeout")
    findings += ctx.in_range("aws-ephemeral-storage", "ephemeral_storage", spec.ephemeral_storage,
                             "ephemeral_storage", show=show_mib, what="ephemeral storage")
    findings += _concurrency(ctx, spec)
    if spec.cpu is not None:
        findings.append(ctx.finding("aws-cpu", "cpu", f"cpu {spec.cpu:g} cannot be set on {ctx.title}: CPU "
                                    "grows with memory (1,769 MiB is about one vCPU; "
                                    f"source: {_SOURCES['aws-cpu']})",
                                    "remove cpu, or raise memory for more CPU", Severity.WARNING))
    findings += _environment(ctx, spec)
    findings += _image(ctx, spec)
    findings += _tags(ctx, spec)
    findings += _network(ctx, spec)
    findings += _alias(ctx, spec)
    return findings


def _concurrency(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings = []
    per = ctx.profile.get("per_instance")
    if per is not None and per.max is not None and spec.concurrency.per_instance > per.max:
        findings.append(ctx.finding(
            "aws-per-instance", "concurrency.per_instance",
            f"concurrency.per_instance {spec.concurrency.per_instance} cannot be honoured on {ctx.title}: each "
            f"instance serves one request at a time (source: {per.source})",
            "set per_instance: 1, or expect one instance per concurrent request", Severity.WARNING))
    cap = ctx.profile.get("max_instances")
    most = spec.concurrency.max_instances
    if cap is not None and cap.max is not None and most is not None and most > cap.max:
        findings.append(ctx.finding(
            "aws-max-instances", "concurrency.max_instances",
            f"concurrency.max_instances {most} reserves more than {cap.max:g} executions, which the default "
            f"account quota of 1,000 allows (source: {cap.source})",
            "request a higher Lambda concurrency quota, or lower max_instances", Severity.WARNING))
    return findings


def _environment(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings: list[Finding] = []
    reserved = set(ctx.values("env_reserved"))
    soft = set(ctx.values("env_reserved_soft"))
    for name in list(spec.environment) + list(spec.secrets):
        section = "environment" if name in spec.environment else "secrets"
        path = f"{section}.{name}"
        findings += ctx.matches("aws-env-name", path, name, "env_name", what="environment variable name")
        if name in reserved:
            findings.append(ctx.finding("aws-env-reserved", path, f"{name} is reserved by the {ctx.title} "
                                        f"runtime and cannot be set (source: {ctx.source('env_reserved')})",
                                        f"rename {path}"))
        elif name in soft:
            findings.append(ctx.finding("aws-env-tz", path, f"{name} is listed as reserved by {ctx.title} "
                                        f"(source: {ctx.source('env_reserved_soft')}); Lambda may ignore it",
                                        "set the time zone in the image instead", Severity.WARNING))
    for name, ref in spec.secrets.items():
        if not ref.aws:
            findings.append(ctx.finding("aws-secret-ref", f"secrets.{name}", f"secret {name} has no aws "
                                        f"reference; {ctx.title} needs a Secrets Manager or SSM parameter ARN "
                                        f"(source: {_SOURCES['aws-secret-ref']})",
                                        f"add secrets.{name}.aws: an arn:aws:secretsmanager:... or "
                                        "arn:aws:ssm:... ARN"))
    total_limit = ctx.profile.get("env_total")
    if total_limit is not None and total_limit.max is not None:
        sent = environment_variables(spec)
        total = sum(len(k.encode()) + len(v.encode()) for k, v in sent.items())
        if total > total_limit.max:
            findings.append(ctx.finding(
                "aws-env-size", "environment", f"environment variables take {total} bytes, above the "
                f"{ctx.title} limit of {total_limit.max:g} bytes in aggregate (source: {total_limit.source})",
                "move large values to secrets or to a configuration file in the image"))
    return findings


def _image(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    path = "providers.aws.image" if spec.providers.aws and spec.providers.aws.image else "image"
    image = spec.image_for("aws")
    findings: list[Finding] = []
    if spec.image_contract == "azure-functions-host":
        findings.append(ctx.finding("aws-image-contract", "image_contract", "an azure-functions-host image "
                                    f"cannot be driven by {ctx.title}, which runs HTTP (Lambda Web Adapter) or "
                                    f"Lambda Runtime API images (source: {_SOURCES['aws-image-contract']})",
                                    "build an HTTP image with the AWS Lambda Web Adapter, or set "
                                    "providers.aws.image to a Lambda image"))
    registry = ctx.profile.get("image_registry")
    if registry is None:
        return findings
    match = re.fullmatch(str(registry.value), image)
    if match is None:
        findings.append(ctx.finding("aws-image-registry", path, f"image {image!r} is not in Amazon ECR; "
                                    f"{ctx.title} only runs images from ECR (source: {registry.source})",
                                    "push the image to ECR in the function's Region and set "
                                    "providers.aws.image to <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>"))
        return findings
    region = spec.providers.aws.region if spec.providers.aws else None
    if region and match["region"] != region:
        findings.append(ctx.finding("aws-image-registry", path, f"image is in ECR region {match['region']} but "
                                    f"the function is in {region}; {ctx.title} needs the same Region "
                                    f"(source: {registry.source})", f"replicate the image to {region}"))
    return findings


def _tags(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings: list[Finding] = []
    count = ctx.profile.get("tags_count")
    if count is not None and count.max is not None and len(spec.tags) > count.max:
        findings.append(ctx.finding("aws-tags", "tags", f"{len(spec.tags)} tags are more than the {ctx.title} "
                                    f"maximum of {count.max:g} (source: {count.source})", "remove some tags"))
    chars = ctx.profile.get("tag_chars")
    for key, value in spec.tags.items():
        path = f"tags.{key}"
        findings += ctx.in_range("aws-tags", path, len(key), "tag_key_length", what="tag key length")
        findings += ctx.in_range("aws-tags", path, len(value), "tag_value_length", what="tag value length")
        if key.lower().startswith("aws:"):
            findings.append(ctx.finding("aws-tags", path, f"tag key {key!r} uses the aws: prefix, which "
                                        f"{ctx.title} reserves (source: {_SOURCES['aws-tags']})",
                                        "rename the tag"))
        if chars is not None and not (re.fullmatch(str(chars.value), key) and re.fullmatch(str(chars.value), value)):
            refused = dict.fromkeys(c for c in key + value if not re.fullmatch(str(chars.value), c))
            shown = ", ".join(repr(c) for c in refused)
            findings.append(ctx.finding("aws-tags", path, f"tag {key!r}={value!r} has characters {ctx.title} "
                                        f"does not allow ({shown}): {chars.note} (source: {chars.source})",
                                        f"remove or replace {shown} in the tag"))
    return findings


def _network(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    findings: list[Finding] = []
    aws = spec.providers.aws
    if spec.network.egress == "vpc":
        subnets = aws.subnet_ids if aws else []
        groups = aws.security_group_ids if aws else []
        if not subnets or not groups:
            findings.append(ctx.finding("aws-vpc", "providers.aws", "network.egress is vpc but "
                                        "providers.aws lacks subnet_ids or security_group_ids; "
                                        f"{ctx.title} needs at least one of each "
                                        f"(source: {_SOURCES['aws-vpc']})",
                                        "add providers.aws.subnet_ids and providers.aws.security_group_ids"))
    if aws is not None:
        findings += ctx.in_range("aws-vpc", "providers.aws.subnet_ids", len(aws.subnet_ids), "subnet_ids",
                                 what="number of subnets")
        findings += ctx.in_range("aws-vpc", "providers.aws.security_group_ids", len(aws.security_group_ids),
                                 "security_group_ids", what="number of security groups")
        findings += _vpc_ids(ctx, "providers.aws.subnet_ids", aws.subnet_ids, "subnet_id",
                             ("subnet id", "subnet-0a1b2c3d"))
        findings += _vpc_ids(ctx, "providers.aws.security_group_ids", aws.security_group_ids, "security_group_id",
                             ("security group id", "sg-0123456789abcdef0"))
        if aws.role:
            findings += ctx.matches("aws-role", "providers.aws.role", aws.role, "role", what="role")
    if spec.network.ingress != "public":
        findings.append(ctx.finding("aws-ingress", "network.ingress", f"ingress {spec.network.ingress}: no "
                                    "function URL is created; the function is reachable only through the "
                                    "Lambda Invoke API with IAM (source: "
                                    f"{_SOURCES['aws-ingress']})", None, Severity.INFO))
    return findings


def _vpc_ids(ctx: RuleContext, path: str, ids: list[str], key: str, kind: tuple[str, str]) -> list[Finding]:
    """A finding for each of ``ids`` that does not match the ``key`` pattern; ``kind`` is (what, an example)."""
    limit = ctx.profile.get(key)
    if limit is None:
        return []
    what, example = kind
    return [ctx.finding("aws-vpc", f"{path}[{i}]", f"{path}[{i}] {value!r} is not a {what} {ctx.title} accepts: "
                        f"{limit.note} (source: {limit.source})",
                        f"set {path}[{i}] to the {what} (such as {example}), not its name or ARN")
            for i, value in enumerate(ids) if not re.fullmatch(str(limit.value), value)]


def _alias(ctx: RuleContext, spec: FunctionSpec) -> list[Finding]:
    alias = spec.providers.aws.alias if spec.providers.aws else None
    limit = ctx.profile.get("alias")
    if alias is None or limit is None or re.fullmatch(str(limit.value), alias):
        return []
    return [ctx.finding("aws-alias", "providers.aws.alias", f"providers.aws.alias {alias!r} is not an alias "
                        f"name {ctx.title} accepts: {limit.note} (source: {limit.source})",
                        "set providers.aws.alias to a name such as live or prod-v2 (letters, digits, '-', '_'; "
                        "a name of digits only is a version number, not an alias)")]
