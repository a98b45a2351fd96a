"""The AWS Lambda adapter: boto3 imported lazily, clients injectable, errors translated.

The deploy itself is split by resource: the function here, the execution role in ``roles``, the alias
and concurrency in ``concurrency``, the function URL and its permissions in ``url``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from polycloud.adapter import Imported
from polycloud.errors import ConflictError, MissingDependencyError, NotFoundError, ProviderError
from polycloud.findings import Finding
from polycloud.limits import ProviderLimits, load_limits
from polycloud.plan import Deployment, Plan, ProviderConfig, make_plan
from polycloud.progress import waiting
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec
from polycloud_aws import rules
from polycloud_aws.concurrency import publish, retire_alias, sync_concurrency
from polycloud_aws.errors import (
    PROVIDER,
    map_sdk_error,
    map_sdk_error_role_propagating,
    translate_errors,
    usage_error,
)
from polycloud_aws.roles import ensure_role
from polycloud_aws.translate import MANAGED_ROLES, OWNER_MARK, STAMP_PREFIX, live_config, to_spec, translate
from polycloud_aws.url import PUBLIC_STATEMENTS, read_url, sync_url

if TYPE_CHECKING:
    import boto3

__all__ = ["LambdaAdapter"]

T = TypeVar("T")


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
                 session: boto3.session.Session | None = None, retry: RetryPolicy | None = None,
                 waiter_delay: float = 1, adopt: bool = False) -> None:
        """Keep the settings; nothing is imported or called until the first API call.

        ``adopt`` lets a deploy take over an image function polycloud did not create (one whose
        description is not ``managed-by: polycloud``), replacing its configuration with the spec's.
        ``waiter_delay`` is the pause between polls of the function's state, in seconds.
        """
        self._region = region
        self._client = client
        self._iam = iam_client
        self._session = session
        self.retry = retry or RetryPolicy()
        self.waiter_delay = waiter_delay
        self.adopt = adopt

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
        operation = f"create {service} client"
        with translate_errors(operation):
            return _checked(operation, lambda: session.client(service, region_name=self._region))

    @property
    def client(self) -> Any:
        """The boto3 Lambda client (created on first use)."""
        if self._client is None:
            self._client = self._boto_client("lambda")
        return self._client

    @property
    def iam(self) -> Any:
        """The boto3 IAM client (created on first use; only for the managed roles)."""
        if self._iam is None:
            self._iam = self._boto_client("iam")
        return self._iam

    def call(self, operation: str, fn: Callable[[], T], *, role_propagating: bool = False) -> T:
        """One SDK call, its errors translated and transient ones retried.

        ``role_propagating``: polycloud has just created or changed the execution role, so Lambda's
        complaint that it lacks the VPC permissions is IAM propagation, worth waiting out.

        Raises:
            AdapterError: botocore refused a parameter before sending anything (the caller's input).
            ProviderError: the call failed.
        """
        mapper = map_sdk_error_role_propagating if role_propagating else map_sdk_error
        return self.retry.run(operation, lambda: _checked(operation, fn), mapper)

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
        """The live function in the shape ``translate`` makes, or None when it does not exist.

        ``@owned`` says whether polycloud's mark is its description (else a deploy needs ``adopt``).

        Raises:
            ConflictError: the function exists but is a Zip package, which polycloud neither
                updates nor exports (Lambda cannot change a function's package type).
        """
        try:
            raw = self.call("GetFunction", lambda: self.client.get_function(FunctionName=name))
        except NotFoundError:
            return None
        function = raw["Configuration"]
        function["ImageUri"] = (raw.get("Code") or {}).get("ImageUri")
        _refuse_zip(name, function, raw)
        aliases = self.call("ListAliases", lambda: self.client.list_aliases(FunctionName=name, MaxItems=10000))
        provisioned = self._read_provisioned(name)
        alias = _our_alias(aliases.get("Aliases") or [], provisioned)
        url, statements = read_url(self, name, alias["Name"] if alias else None)
        config = live_config(
            function,
            tags=raw.get("Tags") or {},
            reserved=(raw.get("Concurrency") or {}).get("ReservedConcurrentExecutions"),
            alias=alias,
            provisioned=provisioned.get(alias["Name"]) if alias else None,
            url=url,
            public=set(statements) == set(PUBLIC_STATEMENTS),
        )
        config["@id"] = function.get("FunctionArn")
        config["@owned"] = function.get("Description") == OWNER_MARK
        config["@url"] = (url or {}).get("FunctionUrl")
        config["@role"] = function.get("Role")
        config["@alias"] = alias
        config["@aliases"] = [a["Name"] for a in aliases.get("Aliases") or []]
        config["@statements"] = statements
        return config

    def _read_provisioned(self, name: str) -> dict[str, int]:
        listing = self.call("ListProvisionedConcurrencyConfigs",
                            lambda: self.client.list_provisioned_concurrency_configs(FunctionName=name))
        return {str(item["FunctionArn"]).rsplit(":", 1)[-1]: int(item["RequestedProvisionedConcurrentExecutions"])
                for item in listing.get("ProvisionedConcurrencyConfigs", [])}

    def apply(self, plan: Plan) -> Deployment:
        """Create or update the function, writing only what the plan changes."""
        done: list[str] = []
        notes = list(plan.desired.get("@notes") or [])
        try:
            arn, url, reported = self._apply(plan, done, notes)
        except ProviderError as exc:
            exc.changed = done
            raise
        return Deployment(provider=self.name, name=plan.name, action=reported.action, resource_id=arn, url=url,
                          changes=reported.changes, notes=notes)

    def _apply(self, plan: Plan, done: list[str], notes: list[str]) -> tuple[str | None, str | None, Plan]:
        """Returns the function ARN, the URL and the plan to report (another one when a create met an
        existing function)."""
        reported = plan
        if plan.live is None:
            arn, plan, reported = self._create(plan, done, notes)
        else:
            self._check_owner(plan, notes)
            arn = str(plan.live.get("@id"))
            self._update(plan, arn, done)
        publish(self, plan, done)
        sync_concurrency(self, plan, done)
        url = sync_url(self, plan, done, notes)
        retire_alias(self, plan, done)
        return arn, url, reported

    def _check_owner(self, plan: Plan, notes: list[str]) -> None:
        """Refuse to take over a function polycloud did not create, unless told to ``adopt`` it."""
        live = plan.live or {}
        if live["function"].get("Description") == OWNER_MARK:
            return
        if not self.adopt:
            raise ConflictError(
                f"function {plan.name} exists but polycloud did not create it (its description is not "
                f"'{OWNER_MARK}'): a deploy would replace its configuration, image, tags, concurrency and URL "
                "with the spec's. Check the changes with `polycloud plan`, then deploy with adopt=True (CLI: "
                "--set adopt=true) to take it over, or choose another name.",
                provider=PROVIDER, operation="UpdateFunctionConfiguration")
        notes.append(f"adopted function {plan.name}, which polycloud did not create: its description is now "
                     f"'{OWNER_MARK}' and it is managed from the spec")

    def _role(self, plan: Plan, done: list[str]) -> tuple[str, bool]:
        """The execution role ARN to send, and whether polycloud has just created or changed it."""
        role = str(plan.desired["function"]["Role"])
        if role not in MANAGED_ROLES:
            return role, False
        live = plan.live or {}
        if live and live["function"]["Role"] == role:
            return str(live["@role"]), False
        return ensure_role(self, role, done), True

    def _create(self, plan: Plan, done: list[str], notes: list[str]) -> tuple[str, Plan, Plan]:
        """CreateFunction; returns the ARN, the plan to go on with and the plan to report."""
        name, desired = plan.name, plan.desired
        function = dict(desired["function"])
        function["Role"], fresh = self._role(plan, done)
        try:
            created = self.call("CreateFunction", lambda: self.client.create_function(
                FunctionName=name, PackageType="Image", Code={"ImageUri": desired["code"]["ImageUri"]},
                Architectures=desired["code"]["Architectures"], Tags=desired["tags"], **function),
                role_propagating=fresh)
        except ConflictError:
            # "Function already exist": our own create whose answer was lost and which was retried,
            # or another deploy. Read it (a Zip function is refused here) and make it match.
            live = self.read(name)
            if live is None:
                raise
            again = make_plan(self.name, name, desired, live)
            if again.touches("function", "code", "tags"):
                if live["function"].get("Description") == OWNER_MARK:
                    notes.append(f"{name} was created by another deploy while this one ran; it was updated to "
                                 "match the spec")
                self._check_owner(again, notes)
                self._update(again, str(live["@id"]), done)
                return str(live["@id"]), again, again
            done.append(f"created function {name}")
            self._wait("function_active_v2", name)
            return str(live["@id"]), again, plan
        done.append(f"created function {name}")
        self._wait("function_active_v2", name)
        return str(created["FunctionArn"]), plan, plan

    def _update(self, plan: Plan, arn: str, done: list[str]) -> None:
        name, desired = plan.name, plan.desired
        live = plan.live or {}
        if plan.touches("function"):
            function = dict(desired["function"])
            function["Role"], fresh = self._role(plan, done)
            self.call("UpdateFunctionConfiguration",
                      lambda: self.client.update_function_configuration(FunctionName=name, **function),
                      role_propagating=fresh)
            done.append("updated configuration")
            self._wait("function_updated_v2", name)
        if plan.touches("code"):
            self.call("UpdateFunctionCode", lambda: self.client.update_function_code(
                FunctionName=name, ImageUri=desired["code"]["ImageUri"],
                Architectures=desired["code"]["Architectures"]))
            done.append("updated image")
            self._wait("function_updated_v2", name)
        if plan.touches("tags"):
            self._sync_tags(arn, desired["tags"], live.get("tags") or {}, done)

    def _wait(self, waiter: str, name: str) -> None:
        with waiting(f"waiting for {name} ({waiter})"):
            self.call(waiter, lambda: self.client.get_waiter(waiter).wait(
                FunctionName=name, WaiterConfig={"Delay": self.waiter_delay, "MaxAttempts": 300}))

    def _sync_tags(self, arn: str, desired: dict[str, str], live: dict[str, str], done: list[str]) -> None:
        stale = sorted(set(live) - set(desired))
        if stale:
            self.call("UntagResource", lambda: self.client.untag_resource(Resource=arn, TagKeys=stale))
        fresh = {k: v for k, v in desired.items() if live.get(k) != v}
        if fresh:
            self.call("TagResource", lambda: self.client.tag_resource(Resource=arn, Tags=fresh))
        done.append("updated tags")

    def delete(self, name: str) -> None:
        """Delete the function (its URL, aliases and concurrency settings go with it)."""
        self.call("DeleteFunction", lambda: self.client.delete_function(FunctionName=name))


def _checked(operation: str, fn: Callable[[], T]) -> T:
    """Run ``fn``; a botocore error that is the caller's input (no region, a parameter botocore refuses
    before sending) becomes an AdapterError, which is not retried."""
    try:
        return fn()
    except Exception as exc:
        usage = usage_error(exc, operation)
        if usage is None:
            raise
        raise usage from exc


def _refuse_zip(name: str, function: dict[str, Any], raw: dict[str, Any]) -> None:
    package = function.get("PackageType") or ("Image" if function.get("ImageUri") else "Zip")
    if package == "Image":
        return
    runtime = f" (runtime {function['Runtime']})" if function.get("Runtime") else ""
    raise ConflictError(
        f"{name} is a {package} package Lambda function{runtime}, not a container image. polycloud deploys "
        "container images only and Lambda cannot convert a function's package type, so polycloud neither "
        f"updates it nor exports it ({package} package: not exportable as a container spec). Delete it, or give "
        "the spec another name.",
        provider=PROVIDER, operation="GetFunction", code="PackageTypeMismatch",
        request_id=(raw.get("ResponseMetadata") or {}).get("RequestId"))


def _our_alias(aliases: list[dict[str, Any]], provisioned: dict[str, int]) -> dict[str, Any] | None:
    """The alias polycloud manages: one it stamped (preferring one with provisioned concurrency), else one
    with provisioned concurrency (deploys from before the stamp), else ``live``."""
    stamped = [a for a in aliases if str(a.get("Description") or "").startswith(STAMP_PREFIX)]
    if stamped:
        return next((a for a in stamped if a["Name"] in provisioned), stamped[0])
    return next((a for a in aliases if a["Name"] in provisioned), None) or next(
        (a for a in aliases if a["Name"] == "live"), None)
