"""Pure translation between a FunctionSpec and Lambda's request/response shapes.

The provider config (what ``translate`` makes and ``live_config`` reads back) is::

    function:    UpdateFunctionConfiguration fields (Description: polycloud's ownership mark, Role,
                 MemorySize, Timeout, EphemeralStorage, Environment, VpcConfig)
    code:        ImageUri and Architectures (UpdateFunctionCode)
    tags:        {key: value}
    alias:       Name (providers.aws.alias) and Current (it points at a version published from the
                 function and code above)
    concurrency: reserved (max_instances), provisioned (min_instances, on the alias)
    url:         AuthType, Qualifier (the alias), Public; None when ingress is not public. Live, Public is
                 True when both public statements are there, False when neither is, and the list of the
                 one that is when a deploy stopped between its two permission calls (``url``)

Besides these settings a live config (``live_config``) carries the function's ARN as ``id``, its URL,
``owned`` (True when the Description is polycloud's mark) and, as ``private``, the ``LiveFacts`` the
deploy steps need (the role's ARN, polycloud's alias, every alias name, the public statements found).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from polycloud.adapter import Imported
from polycloud.config import ProviderConfig
from polycloud.spec import Concurrency, FunctionSpec, Network, ProviderSettings, SecretRef
from polycloud_aws.settings import AwsSettings

__all__ = ["DEFAULT_EPHEMERAL_MIB", "LWA_PORT", "MANAGED_ROLE", "MANAGED_ROLES", "MANAGED_VPC_ROLE", "OWNER_MARK",
           "SECRET_SUFFIX", "STAMP_PREFIX", "LiveFacts", "deploy_notes", "environment_variables", "live_config",
           "managed_marker", "publish_stamp", "to_spec", "translate"]

OWNER_MARK = "managed-by: polycloud"
"""The function description polycloud sets (in CreateFunction itself, so no function of polycloud's is
ever without it): a function without it was not created by polycloud and is adopted only when asked.
A description rather than a tag, so tags stay the user's (all 50) and the spec has no field for it."""
MANAGED_ROLE = "polycloud-managed"
"""Marker for 'the logs-only execution role polycloud creates'; resolved to its ARN at apply time."""
MANAGED_VPC_ROLE = "polycloud-managed-vpc"
"""Marker for the execution role polycloud creates for functions in a VPC (logs + network interfaces)."""
MANAGED_ROLES = {MANAGED_ROLE: "polycloud-lambda-logs", MANAGED_VPC_ROLE: "polycloud-lambda-vpc"}
"""Marker -> IAM role name."""
LWA_PORT = "AWS_LWA_PORT"
"""The AWS Lambda Web Adapter reads the app's HTTP port from this variable."""
SECRET_SUFFIX = "_SECRET_ARN"
"""Lambda has no secret references in environment variables; the ARN is passed as NAME_SECRET_ARN."""
DEFAULT_EPHEMERAL_MIB = 512
STAMP_PREFIX = "polycloud "
"""Alias descriptions polycloud writes start with this, followed by the hash of what was published."""

_SECRET_ARN = re.compile(r"arn:aws[a-zA-Z-]*:(secretsmanager|ssm):.+")


@dataclass(frozen=True)
class LiveFacts:
    """What a read found that the deploy steps need but a plan never diffs (``ProviderConfig.private``)."""

    role_arn: str | None = None
    """The execution role's ARN (the settings name a managed role by its marker)."""
    alias: dict[str, Any] | None = None
    """The alias polycloud manages, as a ListAliases item (Name, Description)."""
    aliases: tuple[str, ...] = ()
    """The names of every alias of the function."""
    statements: tuple[str, ...] = ()
    """Which of polycloud's public statements the function URL's resource policy has."""
    unsupported: tuple[str, ...] = ()
    """Optional reads the endpoint does not implement (stock moto: ListProvisionedConcurrencyConfigs)."""

    @classmethod
    def of(cls, config: ProviderConfig[Any] | None) -> LiveFacts:
        """The facts of a live config; none for a function that does not exist yet."""
        facts = config.private if config is not None else None
        return facts if isinstance(facts, LiveFacts) else cls()


def environment_variables(spec: FunctionSpec) -> dict[str, str]:
    """Every variable Lambda will hold: the spec's, secret ARNs and the Web Adapter port."""
    variables = dict(spec.environment)
    for name, ref in spec.secrets.items():
        if ref.aws:
            variables[name + SECRET_SUFFIX] = ref.aws
    if spec.image_contract == "http":
        variables[LWA_PORT] = str(spec.port)
    return variables


def publish_stamp(config: Mapping[str, Any]) -> str:
    """The alias description that says which function configuration and code its version holds."""
    body = json.dumps({"function": config["function"], "code": config["code"]}, sort_keys=True,
                      separators=(",", ":"))
    return STAMP_PREFIX + hashlib.sha256(body.encode()).hexdigest()[:16]


def managed_marker(role: object) -> str | None:
    """The marker of a role ARN that is one of polycloud's managed roles, else None."""
    if not isinstance(role, str):
        return None
    return next((marker for marker, name in MANAGED_ROLES.items() if role.endswith(f":role/{name}")), None)


def translate(spec: FunctionSpec) -> ProviderConfig[LiveFacts]:
    """Spec -> the Lambda config polycloud deploys."""
    aws = spec.providers.aws or AwsSettings()
    vpc = spec.network.egress == "vpc"
    settings = {
        "function": {
            "Description": OWNER_MARK,
            "Role": aws.role or (MANAGED_VPC_ROLE if vpc else MANAGED_ROLE),
            "MemorySize": spec.memory,
            "Timeout": spec.timeout,
            "EphemeralStorage": {"Size": spec.ephemeral_storage or DEFAULT_EPHEMERAL_MIB},
            "Environment": {"Variables": environment_variables(spec)},
            "VpcConfig": {"SubnetIds": list(aws.subnet_ids) if vpc else [],
                          "SecurityGroupIds": list(aws.security_group_ids) if vpc else []},
        },
        "code": {"ImageUri": spec.image_for("aws"), "Architectures": [spec.architecture]},
        "tags": dict(spec.tags),
        "alias": {"Name": aws.alias, "Current": True},
        "concurrency": {
            "reserved": spec.concurrency.max_instances,
            "provisioned": spec.concurrency.min_instances or None,
        },
        "url": None if spec.network.ingress != "public" else {
            "AuthType": "NONE" if spec.network.auth == "none" else "AWS_IAM",
            "Qualifier": aws.alias,
            "Public": spec.network.auth == "none",
        },
    }
    return ProviderConfig(settings, name=spec.name, notes=deploy_notes(spec))


def deploy_notes(spec: FunctionSpec) -> list[str]:
    """What a deploy of ``spec`` leaves to the user that no rule finding says already.

    What Lambda cannot express (ingress internal/none, ``per_instance`` > 1, ``cpu``) is said by the
    rules (``aws-ingress``, ``aws-per-instance``, ``aws-cpu``), whose findings the core puts in every
    plan's and deployment's notes; repeating them here would print each twice.
    """
    notes = []
    if spec.secrets:
        names = ", ".join(name + SECRET_SUFFIX for name in sorted(spec.secrets))
        notes.append(f"secrets are passed as ARNs ({names}); the function resolves them itself, e.g. with the "
                     "AWS Parameters and Secrets Lambda Extension")
    return notes


def live_config(function: dict[str, Any], *, tags: dict[str, str], reserved: int | None, provisioned: int | None,
                url: dict[str, Any] | None, public: bool | list[str], facts: LiveFacts) -> ProviderConfig[LiveFacts]:
    """GetFunction's ``Configuration`` plus the side resources -> the shape ``translate`` makes.

    ``provisioned`` is the count on ``facts.alias``, ``url`` a GetFunctionUrlConfig answer plus the
    ``Qualifier`` it was read with.
    """
    role = function.get("Role")
    vpc = function.get("VpcConfig") or {}
    settings: dict[str, Any] = {
        "function": {
            "Description": function.get("Description") or None,
            "Role": managed_marker(role) or role,
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
        "concurrency": {"reserved": reserved, "provisioned": provisioned},
        "url": None if url is None else {
            "AuthType": url.get("AuthType"),
            "Qualifier": url.get("Qualifier"),
            "Public": public,
        },
    }
    alias = facts.alias
    settings["alias"] = None if alias is None else {
        "Name": alias["Name"],
        "Current": alias.get("Description") == publish_stamp(settings),
    }
    return ProviderConfig(settings, name=str(function.get("FunctionName")), id=function.get("FunctionArn"),
                          url=(url or {}).get("FunctionUrl"), owned=function.get("Description") == OWNER_MARK,
                          private=facts)


def to_spec(config: ProviderConfig[Any], *, region: str | None = None) -> Imported:
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
    alias = config.get("alias")
    url = config["url"]
    role = function["Role"]
    size = function["EphemeralStorage"]["Size"]
    if (code.get("Architectures") or ["x86_64"])[0] not in ("x86_64", "arm64"):
        notes.append(f"unknown architecture {code['Architectures']}")
    spec = FunctionSpec(
        name=config.name,
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
            role=None if role in MANAGED_ROLES else role,
            subnet_ids=vpc["SubnetIds"],
            security_group_ids=vpc["SecurityGroupIds"],
            alias=alias["Name"] if alias else "live",
        )),
    )
    if url is None:
        notes.append("no function URL: ingress read as internal (Lambda cannot tell internal from none)")
    elif not url["Qualifier"]:
        notes.append("the function URL is on the unqualified function; a deploy moves it to the alias, which "
                     "changes its address")
    if alias is None:
        notes.append("no alias: providers.aws.alias read as live; a deploy publishes a version and creates it")
    if concurrency["reserved"] == 0:
        notes.append("reserved concurrency 0 (function throttled) has no spec equivalent; left unset")
    return Imported(spec=spec, notes=notes)
