"""Pure translation between a FunctionSpec and Lambda's request/response shapes.

The provider config (what ``translate`` makes and ``live_config`` reads back) is::

    function:    UpdateFunctionConfiguration fields (Role, MemorySize, Timeout, EphemeralStorage,
                 Environment, VpcConfig)
    code:        ImageUri and Architectures (UpdateFunctionCode)
    tags:        {key: value}
    concurrency: reserved (max_instances), provisioned (min_instances), alias
    url:         AuthType, Qualifier, Public (None when ingress is not public)
"""

from __future__ import annotations

import re
from typing import Any

from polycloud.adapter import Imported
from polycloud.plan import ProviderConfig
from polycloud.spec import AwsSettings, Concurrency, FunctionSpec, Network, ProviderSettings, SecretRef

__all__ = ["DEFAULT_EPHEMERAL_MIB", "LWA_PORT", "MANAGED_ROLE", "SECRET_SUFFIX", "environment_variables",
           "live_config", "to_spec", "translate"]

MANAGED_ROLE = "polycloud-managed"
"""Marker for 'the execution role polycloud creates'; resolved to its ARN at apply time."""
MANAGED_ROLE_NAME = "polycloud-lambda-logs"
LWA_PORT = "AWS_LWA_PORT"
"""The AWS Lambda Web Adapter reads the app's HTTP port from this variable."""
SECRET_SUFFIX = "_SECRET_ARN"
"""Lambda has no secret references in environment variables; the ARN is passed as NAME_SECRET_ARN."""
DEFAULT_EPHEMERAL_MIB = 512

_SECRET_ARN = re.compile(r"arn:aws[a-zA-Z-]*:(secretsmanager|ssm):.+")


def environment_variables(spec: FunctionSpec) -> dict[str, str]:
    """Every variable Lambda will hold: the spec's, secret ARNs and the Web Adapter port."""
    variables = dict(spec.environment)
    for name, ref in spec.secrets.items():
        if ref.aws:
            variables[name + SECRET_SUFFIX] = ref.aws
    if spec.image_contract == "http":
        variables[LWA_PORT] = str(spec.port)
    return variables


def translate(spec: FunctionSpec) -> ProviderConfig:
    """Spec -> the Lambda config polycloud deploys."""
    aws = spec.providers.aws or AwsSettings()
    vpc = spec.network.egress == "vpc"
    warm = spec.concurrency.min_instances
    return {
        "@name": spec.name,
        "function": {
            "Role": aws.role or MANAGED_ROLE,
            "MemorySize": spec.memory,
            "Timeout": spec.timeout,
            "EphemeralStorage": {"Size": spec.ephemeral_storage or DEFAULT_EPHEMERAL_MIB},
            "Environment": {"Variables": environment_variables(spec)},
            "VpcConfig": {"SubnetIds": list(aws.subnet_ids) if vpc else [],
                          "SecurityGroupIds": list(aws.security_group_ids) if vpc else []},
        },
        "code": {"ImageUri": spec.image_for("aws"), "Architectures": [spec.architecture]},
        "tags": dict(spec.tags),
        "concurrency": {
            "reserved": spec.concurrency.max_instances,
            "provisioned": warm or None,
            "alias": aws.alias if warm else None,
        },
        "url": None if spec.network.ingress != "public" else {
            "AuthType": "NONE" if spec.network.auth == "none" else "AWS_IAM",
            "Qualifier": aws.alias if warm else None,
            "Public": spec.network.auth == "none",
        },
    }


def live_config(function: dict[str, Any], *, tags: dict[str, str], reserved: int | None,
                provisioned: tuple[str, int] | None, url: dict[str, Any] | None,
                public: bool, managed_role_arn: str | None) -> ProviderConfig:
    """GetFunction's ``Configuration`` plus the side resources -> the shape ``translate`` makes."""
    role = function.get("Role")
    if managed_role_arn is not None and role == managed_role_arn:
        role = MANAGED_ROLE
    vpc = function.get("VpcConfig") or {}
    alias, count = provisioned if provisioned else (None, None)
    return {
        "@name": function.get("FunctionName"),
        "function": {
            "Role": role,
            "MemorySize": function.get("MemorySize"),
            "Timeout": function.get("Timeout"),
            "EphemeralStorage": {"Size": (function.get("EphemeralStorage") or {}).get("Size",
                                                                                        DEFAULT_EPHEMERAL_MIB)},
            "Environment": {"Variables": dict((function.get("Environment") or {}).get("Variables") or {})},
            "VpcConfig": {"SubnetIds": list(vpc.get("SubnetIds") or []),
                          "SecurityGroupIds": list(vpc.get("SecurityGroupIds") or [])},
        },
        "code": {"ImageUri": function.get("ImageUri"), "Architectures": list(function.get("Architectures")
                                                                            or ["x86_64"])},
        "tags": dict(tags),
        "concurrency": {"reserved": reserved, "provisioned": count, "alias": alias},
        "url": None if url is None else {
            "AuthType": url.get("AuthType"),
            "Qualifier": url.get("Qualifier"),
            "Public": public,
        },
    }


def to_spec(config: ProviderConfig, *, region: str | None = None) -> Imported:
    """A Lambda config -> spec, with notes on what did not map exactly."""
    notes: list[str] = []
    function, code = config["function"], config["code"]
    variables = dict(function["Environment"]["Variables"])
    secrets: dict[str, SecretRef] = {}
    for key in [k for k in variables if k.endswith(SECRET_SUFFIX) and _SECRET_ARN.fullmatch(variables[k])]:
        secrets[key.removesuffix(SECRET_SUFFIX)] = SecretRef(aws=variables.pop(key))
    port_text = variables.pop(LWA_PORT, None)
    if port_text is not None and port_text.isdigit():
        contract, port = "http", int(port_text)
    else:
        contract, port = "lambda-runtime-api", 8080
        notes.append(f"no {LWA_PORT} variable: the image is taken to use the Lambda Runtime API")
    vpc = function["VpcConfig"]
    concurrency = config["concurrency"]
    url = config["url"]
    role = function["Role"]
    size = function["EphemeralStorage"]["Size"]
    if (code.get("Architectures") or ["x86_64"])[0] not in ("x86_64", "arm64"):
        notes.append(f"unknown architecture {code['Architectures']}")
    spec = FunctionSpec(
        name=config["@name"],
        image=code["ImageUri"],
        image_contract=contract,
        port=port,
        memory=function["MemorySize"],
        timeout=function["Timeout"],
        architecture=code["Architectures"][0],
        ephemeral_storage=None if size == DEFAULT_EPHEMERAL_MIB else size,
        concurrency=Concurrency(min_instances=concurrency["provisioned"] or 0,
                                max_instances=concurrency["reserved"] or None),
        network=Network(ingress="public" if url else "internal",
                        auth="none" if url and url["AuthType"] == "NONE" else "iam",
                        egress="vpc" if vpc["SubnetIds"] else "default"),
        environment=variables,
        secrets=secrets,
        tags=dict(config["tags"]),
        providers=ProviderSettings(aws=AwsSettings(
            region=region,
            role=None if role == MANAGED_ROLE else role,
            subnet_ids=vpc["SubnetIds"],
            security_group_ids=vpc["SecurityGroupIds"],
            alias=concurrency["alias"] or "live",
        )),
    )
    if url is None:
        notes.append("no function URL: ingress read as internal (Lambda cannot tell internal from none)")
    if concurrency["reserved"] == 0:
        notes.append("reserved concurrency 0 (function throttled) has no spec equivalent; left unset")
    return Imported(spec=spec, notes=notes)
