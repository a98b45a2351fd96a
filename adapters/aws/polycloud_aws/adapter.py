"""The AWS Lambda adapter: boto3 imported lazily, clients injectable, errors translated."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from polycloud.adapter import Imported
from polycloud.errors import MissingDependencyError, NotFoundError, ProviderError
from polycloud.findings import Finding
from polycloud.limits import ProviderLimits, load_limits
from polycloud.plan import Deployment, Plan, ProviderConfig
from polycloud.progress import waiting
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec
from polycloud_aws import rules
from polycloud_aws.errors import map_sdk_error, translate_errors
from polycloud_aws.translate import MANAGED_ROLE, MANAGED_ROLE_NAME, live_config, to_spec, translate

if TYPE_CHECKING:
    import boto3

__all__ = ["LambdaAdapter"]

T = TypeVar("T")

_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
_LOGS_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow",
                   "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                   "Resource": "arn:aws:logs:*:*:*"}],
}
_URL_STATEMENT = "polycloud-url-public"
_URL_INVOKE_STATEMENT = "polycloud-url-public-invoke"


class LambdaAdapter:
    """Deploys a FunctionSpec as an AWS Lambda function from a container image."""

    name: ClassVar[str] = "aws-lambda"
    title: ClassVar[str] = "AWS Lambda"
    section: ClassVar[str] = "aws"
    extra: ClassVar[str] = "polycloud[aws]"
    sdk_distributions: ClassVar[tuple[str, ...]] = ("boto3",)
    limits: ClassVar[ProviderLimits] = load_limits("aws-lambda")
    sample_image: ClassVar[str] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"

    def __init__(self, *, region: str | None = None, client: Any = None, iam_client: Any = None,
                 session: boto3.session.Session | None = None, retry: RetryPolicy | None = None) -> None:
        self._region = region
        self._client = client
        self._iam = iam_client
        self._session = session
        self.retry = retry or RetryPolicy()

    @classmethod
    def settings_from(cls, spec: FunctionSpec) -> dict[str, Any]:
        """``region`` from ``providers.aws``."""
        aws = spec.providers.aws
        return {"region": aws.region} if aws and aws.region else {}

    # -- clients ---------------------------------------------------------------------
    def _boto_client(self, service: str) -> Any:
        try:
            import boto3
        except ImportError as exc:
            raise MissingDependencyError("boto3", self.extra) from exc
        session = self._session or boto3.session.Session()
        with translate_errors(f"create {service} client"):
            return session.client(service, region_name=self._region)

    @property
    def client(self) -> Any:
        """The boto3 Lambda client (created on first use)."""
        if self._client is None:
            self._client = self._boto_client("lambda")
        return self._client

    @property
    def iam(self) -> Any:
        """The boto3 IAM client (created on first use; only for the managed role)."""
        if self._iam is None:
            self._iam = self._boto_client("iam")
        return self._iam

    def _call(self, operation: str, fn: Callable[[], T]) -> T:
        return self.retry.run(operation, fn, map_sdk_error)

    # -- pure --------------------------------------------------------------------------
    def check(self, spec: FunctionSpec, limits: ProviderLimits | None = None) -> list[Finding]:
        """Lambda's limits and conventions (pure, offline)."""
        return rules.check(spec, limits or self.limits)

    def translate(self, spec: FunctionSpec) -> ProviderConfig:
        """Spec -> Lambda config (pure)."""
        return translate(spec)

    def to_spec(self, config: ProviderConfig) -> Imported:
        """Lambda config -> spec (pure)."""
        arn = str(config.get("@id") or "")
        region = self._region or (arn.split(":")[3] if arn.count(":") >= 6 else None)
        return to_spec(config, region=region)

    # -- I/O ---------------------------------------------------------------------------
    def read(self, name: str) -> ProviderConfig | None:
        """The live function in the shape ``translate`` makes, or None when it does not exist."""
        try:
            raw = self._call("GetFunction", lambda: self.client.get_function(FunctionName=name))
        except NotFoundError:
            return None
        function = raw["Configuration"]
        function["ImageUri"] = (raw.get("Code") or {}).get("ImageUri")
        provisioned = self._read_provisioned(name)
        url, public = self._read_url(name, provisioned[0] if provisioned else None)
        config = live_config(
            function,
            tags=raw.get("Tags") or {},
            reserved=(raw.get("Concurrency") or {}).get("ReservedConcurrentExecutions"),
            provisioned=provisioned,
            url=url,
            public=public,
            managed_role_arn=self._managed_role_arn() if _is_managed(function.get("Role")) else None,
        )
        config["@id"] = function.get("FunctionArn")
        config["@url"] = (url or {}).get("FunctionUrl")
        return config

    def _read_provisioned(self, name: str) -> tuple[str, int] | None:
        listing = self._call("ListProvisionedConcurrencyConfigs",
                             lambda: self.client.list_provisioned_concurrency_configs(FunctionName=name))
        for item in listing.get("ProvisionedConcurrencyConfigs", []):
            alias = str(item["FunctionArn"]).rsplit(":", 1)[-1]
            return alias, int(item["RequestedProvisionedConcurrentExecutions"])
        return None

    def _read_url(self, name: str, alias: str | None) -> tuple[dict[str, Any] | None, bool]:
        for qualifier in ([alias] if alias else []) + [None]:
            kwargs = _qualified(name, qualifier)
            try:
                url = self._call("GetFunctionUrlConfig", functools.partial(self.client.get_function_url_config,
                                                                           **kwargs))
            except NotFoundError:
                continue
            url["Qualifier"] = qualifier
            return url, self._is_public(kwargs)
        return None, False

    def _is_public(self, kwargs: dict[str, Any]) -> bool:
        try:
            policy = self._call("GetPolicy", lambda: self.client.get_policy(**kwargs))
        except NotFoundError:
            return False
        statements = json.loads(policy.get("Policy") or "{}").get("Statement", [])
        return any(s.get("Sid") == _URL_STATEMENT for s in statements)

    def _managed_role_arn(self) -> str | None:
        try:
            role = self._call("GetRole", lambda: self.iam.get_role(RoleName=MANAGED_ROLE_NAME))
        except NotFoundError:
            return None
        return str(role["Role"]["Arn"])

    def _ensure_managed_role(self) -> str:
        arn = self._managed_role_arn()
        if arn is not None:
            return arn
        role = self._call("CreateRole", lambda: self.iam.create_role(
            RoleName=MANAGED_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(_TRUST_POLICY),
            Description="Execution role created by polycloud: CloudWatch Logs only"))
        self._call("PutRolePolicy", lambda: self.iam.put_role_policy(
            RoleName=MANAGED_ROLE_NAME, PolicyName="cloudwatch-logs", PolicyDocument=json.dumps(_LOGS_POLICY)))
        return str(role["Role"]["Arn"])

    def apply(self, plan: Plan) -> Deployment:
        """Create or update the function, writing only what the plan changes."""
        done: list[str] = []
        try:
            arn, url = self._apply(plan, done)
        except ProviderError as exc:
            exc.changed = done
            raise
        return Deployment(provider=self.name, name=plan.name, action=plan.action, resource_id=arn, url=url,
                          changes=plan.changes)

    def _apply(self, plan: Plan, done: list[str]) -> tuple[str | None, str | None]:
        desired, live, name = plan.desired, plan.live, plan.name
        function = dict(desired["function"])
        if function["Role"] == MANAGED_ROLE:
            function["Role"] = self._ensure_managed_role()
        code_changed = live is None or plan.touches("code")
        config_changed = live is None or plan.touches("function")
        if live is None:
            created = self._call("CreateFunction", lambda: self.client.create_function(
                FunctionName=name, PackageType="Image", Code={"ImageUri": desired["code"]["ImageUri"]},
                Architectures=desired["code"]["Architectures"], Tags=desired["tags"], **function))
            done.append(f"created function {name}")
            arn = created["FunctionArn"]
            self._wait("function_active_v2", name)
        else:
            arn = str(live.get("@id"))
            if plan.touches("function"):
                self._call("UpdateFunctionConfiguration",
                           lambda: self.client.update_function_configuration(FunctionName=name, **function))
                done.append("updated configuration")
                self._wait("function_updated_v2", name)
            if plan.touches("code"):
                self._call("UpdateFunctionCode", lambda: self.client.update_function_code(
                    FunctionName=name, ImageUri=desired["code"]["ImageUri"],
                    Architectures=desired["code"]["Architectures"]))
                done.append("updated image")
                self._wait("function_updated_v2", name)
            if plan.touches("tags"):
                self._sync_tags(arn, desired["tags"], live["tags"], done)
        self._sync_concurrency(plan, name, code_changed or config_changed, done)
        url = self._sync_url(plan, name, done)
        return arn, url

    def _wait(self, waiter: str, name: str) -> None:
        with waiting(f"waiting for {name} ({waiter})"):
            self._call(waiter, lambda: self.client.get_waiter(waiter).wait(
                FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300}))

    def _sync_tags(self, arn: str, desired: dict[str, str], live: dict[str, str], done: list[str]) -> None:
        stale = sorted(set(live) - set(desired))
        if stale:
            self._call("UntagResource", lambda: self.client.untag_resource(Resource=arn, TagKeys=stale))
        fresh = {k: v for k, v in desired.items() if live.get(k) != v}
        if fresh:
            self._call("TagResource", lambda: self.client.tag_resource(Resource=arn, Tags=fresh))
        done.append("updated tags")

    def _sync_concurrency(self, plan: Plan, name: str, published_stale: bool, done: list[str]) -> None:
        want = plan.desired["concurrency"]
        have = (plan.live or {}).get("concurrency") or {"reserved": None, "provisioned": None, "alias": None}
        if want["reserved"] != have["reserved"]:
            if want["reserved"] is None:
                self._call("DeleteFunctionConcurrency",
                           lambda: self.client.delete_function_concurrency(FunctionName=name))
            else:
                self._call("PutFunctionConcurrency", lambda: self.client.put_function_concurrency(
                    FunctionName=name, ReservedConcurrentExecutions=want["reserved"]))
            done.append(f"set reserved concurrency to {want['reserved']}")
        if have["provisioned"] and (not want["provisioned"] or want["alias"] != have["alias"]):
            self._call("DeleteProvisionedConcurrencyConfig", lambda: self.client.delete_provisioned_concurrency_config(
                FunctionName=name, Qualifier=have["alias"]))
            done.append(f"removed provisioned concurrency from alias {have['alias']}")
        if not want["provisioned"]:
            return
        alias = want["alias"]
        if published_stale or want["alias"] != have["alias"]:
            version = self._call("PublishVersion", lambda: self.client.publish_version(FunctionName=name))
            self._point_alias(name, alias, str(version["Version"]))
            done.append(f"published version {version['Version']} as alias {alias}")
        if published_stale or want != have:
            self._call("PutProvisionedConcurrencyConfig", lambda: self.client.put_provisioned_concurrency_config(
                FunctionName=name, Qualifier=alias, ProvisionedConcurrentExecutions=want["provisioned"]))
            done.append(f"set provisioned concurrency {want['provisioned']} on alias {alias}")

    def _point_alias(self, name: str, alias: str, version: str) -> None:
        try:
            self._call("UpdateAlias", lambda: self.client.update_alias(
                FunctionName=name, Name=alias, FunctionVersion=version))
        except NotFoundError:
            self._call("CreateAlias", lambda: self.client.create_alias(
                FunctionName=name, Name=alias, FunctionVersion=version))

    def _sync_url(self, plan: Plan, name: str, done: list[str]) -> str | None:
        want = plan.desired["url"]
        have = (plan.live or {}).get("url")
        address = (plan.live or {}).get("@url")
        if have and (want is None or want["Qualifier"] != have["Qualifier"]):
            kwargs = _qualified(name, have["Qualifier"])
            self._call("DeleteFunctionUrlConfig", lambda: self.client.delete_function_url_config(**kwargs))
            self._set_public(kwargs, False, bool(have["Public"]))
            done.append("removed function URL")
            have, address = None, None
        if want is None:
            return None
        kwargs = _qualified(name, want["Qualifier"])
        if have is None:
            created = self._call("CreateFunctionUrlConfig", lambda: self.client.create_function_url_config(
                AuthType=want["AuthType"], **kwargs))
            address = created["FunctionUrl"]
            done.append(f"created function URL ({want['AuthType']})")
        elif have["AuthType"] != want["AuthType"]:
            updated = self._call("UpdateFunctionUrlConfig", lambda: self.client.update_function_url_config(
                AuthType=want["AuthType"], **kwargs))
            address = updated["FunctionUrl"]
            done.append(f"set function URL auth to {want['AuthType']}")
        if want["Public"] != bool(have and have["Public"]):
            self._set_public(kwargs, want["Public"], bool(have and have["Public"]))
            done.append("opened the function URL to everyone" if want["Public"] else "closed public access")
        return address

    def _set_public(self, kwargs: dict[str, Any], public: bool, was_public: bool) -> None:
        if public:
            self._call("AddPermission", lambda: self.client.add_permission(
                StatementId=_URL_STATEMENT, Action="lambda:InvokeFunctionUrl", Principal="*",
                FunctionUrlAuthType="NONE", **kwargs))
            # Since October 2025 a public URL also needs lambda:InvokeFunction via the URL.
            self._call("AddPermission", lambda: self.client.add_permission(
                StatementId=_URL_INVOKE_STATEMENT, Action="lambda:InvokeFunction", Principal="*",
                InvokedViaFunctionUrl=True, **kwargs))
        elif was_public:
            for sid in (_URL_STATEMENT, _URL_INVOKE_STATEMENT):
                try:
                    self._call("RemovePermission", functools.partial(self.client.remove_permission,
                                                                     StatementId=sid, **kwargs))
                except NotFoundError:
                    pass

    def delete(self, name: str) -> None:
        """Delete the function (its URL, aliases and concurrency settings go with it)."""
        self._call("DeleteFunction", lambda: self.client.delete_function(FunctionName=name))


def _qualified(name: str, qualifier: str | None) -> dict[str, Any]:
    return {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}


def _is_managed(role: object) -> bool:
    return isinstance(role, str) and role.endswith(f":role/{MANAGED_ROLE_NAME}")
