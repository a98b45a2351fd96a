"""The AWS Lambda adapter: boto3 imported lazily, clients injectable, errors translated.

The deploy itself is split by resource: the function here, the execution role in ``roles``, the alias
and concurrency in ``concurrency``, the function URL and its permissions in ``url``, tags in ``tags``. After
the function is created or updated, every deploy runs the same steps in the order Lambda needs: publish a version to the
alias, concurrency (provisioned on that alias), the URL on it, then retire an alias left by a rename.

The clients polycloud makes have botocore's own retries off (one attempt per call): polycloud's
``RetryPolicy`` is the one retry layer.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from polycloud._plan import Plan, make_plan
from polycloud.adapter import Applied, BaseAdapter, Imported, Journal, Listed
from polycloud.checks import RuleInfo
from polycloud.config import ProviderConfig
from polycloud.errors import ErrorMapper, MissingDependencyError, NotFoundError, ProviderError
from polycloud.findings import Finding
from polycloud.limits import ProviderLimits, load_limits
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec, SettingsModel
from polycloud_aws import rules
from polycloud_aws.concurrency import PROVISIONED_LISTING, publish, read_alias, retire_alias, sync_concurrency
from polycloud_aws.errors import answer_field, map_sdk_error, translate_errors, usage_checked
from polycloud_aws.package_type import refuse_zip
from polycloud_aws.preflight import check_before_writing
from polycloud_aws.propagation import PROPAGATION_RETRY, send_configuration
from polycloud_aws.revisions import conditional, last_configuration, revision_id, settled
from polycloud_aws.roles import ensure_role
from polycloud_aws.settings import AwsSettings
from polycloud_aws.tags import sync_tags
from polycloud_aws.translate import MANAGED_ROLES, OWNER_MARK, LiveFacts, live_config, to_spec, translate
from polycloud_aws.url import public_state, read_url, sync_url

if TYPE_CHECKING:
    import boto3

__all__ = ["LambdaAdapter"]

T = TypeVar("T")

_ONE_ATTEMPT = {"total_max_attempts": 1, "mode": "standard"}
"""botocore's retry config for one attempt per call: ``total_max_attempts`` counts the first request
(``max_attempts`` would count retries only), and an explicit value overrides AWS_MAX_ATTEMPTS and the AWS
config file (botocore ``args.ClientArgsCreator._compute_retry_max_attempts``)."""


class LambdaAdapter(BaseAdapter):
    """Deploys a FunctionSpec as an AWS Lambda function from a container image.

    Args:
        region: AWS region (default: ``providers.aws.region``, else boto3's own chain).
        client: a boto3 Lambda client to use as is (tests: moto's).
        iam_client: a boto3 IAM client to use as is (only for the managed execution roles).
        session: the boto3 session clients are made from (default: a new one, boto3's standard chain).
        retry: polycloud's policy for transient errors (throttling, 5xx, dropped connections, busy function).
        propagation_retry: the longer budget for waiting until IAM has propagated a role polycloud just
            created or completed (``propagation``; default ``PROPAGATION_RETRY``, 15 minutes, sleeping as
            ``retry`` does).
        waiter_delay: the pause between polls of the function's state, in seconds.
        adopt: let a deploy take over an image function polycloud did not create (one whose description
            is not ``managed-by: polycloud``), replacing its configuration with the spec's.
    """

    name: ClassVar[str] = "aws-lambda"
    title: ClassVar[str] = "AWS Lambda"
    section: ClassVar[str] = "aws"
    extra: ClassVar[str] = "polycloud-sdk[aws]"
    sdk_distributions: ClassVar[tuple[str, ...]] = ("boto3",)
    limits: ClassVar[ProviderLimits] = load_limits("aws-lambda")
    sample_image: ClassVar[str] = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"
    rule_infos: ClassVar[tuple[RuleInfo, ...]] = rules.RULES
    settings_model: ClassVar[type[SettingsModel]] = AwsSettings
    owner_mark: ClassVar[str] = f"polycloud's description '{OWNER_MARK}'"

    def __init__(self, *, region: str | None = None, client: Any = None, iam_client: Any = None,
                 session: boto3.session.Session | None = None, retry: RetryPolicy | None = None,
                 propagation_retry: RetryPolicy | None = None, waiter_delay: float = 1, adopt: bool = False) -> None:
        super().__init__(retry=retry, adopt=adopt)
        self.propagation_retry = propagation_retry or dataclasses.replace(PROPAGATION_RETRY, sleep=self.retry.sleep)
        self._region = region
        self._inject("lambda", client)
        self._inject("iam", iam_client)
        self._session = session
        self.waiter_delay = waiter_delay

    # -- clients and calls -------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The boto3 Lambda client (created on first use)."""
        return self._client("lambda", lambda: self._boto_client("lambda"))

    @property
    def iam(self) -> Any:
        """The boto3 IAM client (created on first use; only for the managed roles)."""
        return self._client("iam", lambda: self._boto_client("iam"))

    def _boto_client(self, service: str) -> Any:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:
            raise MissingDependencyError("boto3", self.extra) from exc
        session = self._session or boto3.session.Session()
        operation = f"create {service} client"
        config = Config(retries=dict(_ONE_ATTEMPT))
        with translate_errors(operation):
            return usage_checked(operation, lambda: session.client(service, region_name=self._region, config=config))

    def map_error(self, exc: Exception, operation: str) -> ProviderError | None:
        """botocore exceptions -> ProviderError (see ``errors``)."""
        return map_sdk_error(exc, operation)

    def call(self, operation: str, fn: Callable[[], T], *, mapper: ErrorMapper | None = None) -> T:
        """One SDK call, its errors translated and transient ones retried.

        Raises:
            ConfigurationError: botocore refused a parameter before sending anything (the caller's input).
            ProviderError: the call failed.
        """
        return super().call(operation, lambda: usage_checked(operation, fn), mapper=mapper)

    # -- pure --------------------------------------------------------------------------
    def rules(self, spec: FunctionSpec, limits: ProviderLimits) -> list[Finding]:
        """Lambda's limits and conventions (pure, offline)."""
        return rules.check(spec, limits)

    def translate(self, spec: FunctionSpec) -> ProviderConfig[LiveFacts]:
        """Spec -> Lambda config (pure)."""
        return translate(spec)

    def to_spec(self, config: ProviderConfig[Any]) -> Imported:
        """Lambda config -> spec (pure); the region is the adapter's, else the function ARN's."""
        arn = config.id or ""
        region = self._region or (arn.split(":")[3] if arn.count(":") >= 6 else None)
        imported = to_spec(config, region=region)
        imported.notes[:0] = [note for note in config.notes if note not in imported.notes]
        return imported

    # -- I/O ---------------------------------------------------------------------------
    def read(self, name: str) -> ProviderConfig[LiveFacts] | None:
        """The live function in the shape ``translate`` makes, or None when it does not exist.

        Raises:
            RefusedError: the function exists but is a Zip package, which polycloud neither
                updates nor exports (Lambda cannot change a function's package type).
        """
        try:
            raw = self.call("GetFunction", lambda: self.client.get_function(FunctionName=name))
        except NotFoundError:
            return None
        function = answer_field(raw, "GetFunction", "Configuration")
        function["ImageUri"] = (raw.get("Code") or {}).get("ImageUri")
        refuse_zip(name, function)
        notes: list[str] = []
        alias, aliases, provisioned = read_alias(self, name, notes)
        url, statements = read_url(self, name, alias["Name"] if alias else None)
        facts = LiveFacts(role_arn=function.get("Role"), alias=alias, aliases=aliases, statements=tuple(statements),
                          unsupported=(PROVISIONED_LISTING,) if notes else (), revision=function.get("RevisionId"))
        config = live_config(function, tags=raw.get("Tags") or {},
                             reserved=(raw.get("Concurrency") or {}).get("ReservedConcurrentExecutions"),
                             provisioned=provisioned, url=url, public=public_state(statements), facts=facts)
        config.notes.extend(notes)
        return config

    def preflight(self, plan: Plan) -> list[str]:
        """The account's concurrency quota and the endpoint's provisioned concurrency, read at plan time."""
        journal = Journal()
        check_before_writing(self, plan, journal, self.limits)
        return journal.notes

    def create(self, plan: Plan, journal: Journal) -> Applied:
        """CreateFunction (with polycloud's description, so it is never without the mark), then the steps."""
        desired = plan.desired
        function, made_role = self._configuration(plan, journal)
        created = send_configuration(self, "CreateFunction", lambda: self.client.create_function(
            FunctionName=plan.name, PackageType="Image", Code={"ImageUri": desired["code"]["ImageUri"]},
            Architectures=desired["code"]["Architectures"], Tags=desired["tags"], **function), made_role)
        seen = self._created(plan.name, journal)
        return self._finish(plan, str(answer_field(created, "CreateFunction", "FunctionArn")), journal,
                            settled(self, plan.name, created, seen))

    def converge_existing(self, again: Plan, first: Plan, journal: Journal) -> Applied:
        """The function was there already: updated as the base does when its function, image or tags differ;
        else it is our own create whose answer was lost, awaited and finished (reported as ``first``)."""
        if again.touches("function", "code", "tags"):
            return super().converge_existing(again, first, journal)
        assert again.live is not None
        self.check_owner(again, journal)
        seen = self._created(first.name, journal)
        applied = self._finish(again, str(again.live.id), journal, settled(self, first.name, None, seen))
        applied.reported = first
        return applied

    def update(self, plan: Plan, journal: Journal) -> Applied:
        """Configuration, image and tags, each only when it changed, then the steps."""
        assert plan.live is not None
        name, desired = plan.name, plan.desired
        for note in plan.live.notes:
            journal.note(note)
        revision = LiveFacts.of(plan.live).revision  # every write names the revision this deploy last saw
        if plan.touches("function"):
            function, made_role = self._configuration(plan, journal)
            answer = conditional(name, "UpdateFunctionConfiguration", lambda: send_configuration(
                self, "UpdateFunctionConfiguration", lambda: self.client.update_function_configuration(
                    FunctionName=name, **function, **revision_id(revision)), made_role),
                lambda: self._landed(plan, "function"))
            journal.record("updated configuration")
            revision = settled(self, name, answer, self._wait("function_updated_v2", name))
        if plan.touches("code"):
            answer = conditional(name, "UpdateFunctionCode", lambda: self.call(
                "UpdateFunctionCode", lambda: self.client.update_function_code(
                    FunctionName=name, ImageUri=desired["code"]["ImageUri"],
                    Architectures=desired["code"]["Architectures"], **revision_id(revision))),
                lambda: self._landed(plan, "code"))
            journal.record("updated image")
            revision = settled(self, name, answer, self._wait("function_updated_v2", name))
        arn = str(plan.live.id)
        if plan.touches("tags"):
            sync_tags(self, arn, desired["tags"], plan.live.get("tags") or {}, journal)
        return self._finish(plan, arn, journal, revision)

    def _landed(self, plan: Plan, part: str) -> bool:
        """Whether the live function already has ``part`` (``function``, ``code``) as ``plan.desired`` says."""
        live = self.read(plan.name)
        return live is not None and not make_plan(self.name, plan.name, plan.desired, live).touches(part)

    def _configuration(self, plan: Plan, journal: Journal) -> tuple[dict[str, Any], str | None]:
        """The function configuration to send, its managed role resolved to an ARN (the role made or
        completed first when the function does not use it yet), and the name of the role when polycloud
        has just made or completed it (IAM may not have propagated it to Lambda yet)."""
        function = dict(plan.desired["function"])
        marker = function["Role"]
        if marker not in MANAGED_ROLES:
            return function, None
        if plan.live is not None and plan.live["function"]["Role"] == marker:
            function["Role"] = LiveFacts.of(plan.live).role_arn
            return function, None
        function["Role"] = ensure_role(self, marker, journal)
        return function, MANAGED_ROLES[marker]

    def _created(self, name: str, journal: Journal) -> dict[str, Any] | None:
        journal.record(f"created function {name}")
        return self._wait("function_active_v2", name)

    def _finish(self, plan: Plan, arn: str, journal: Journal, revision: str | None) -> Applied:
        """The steps after the function itself, in the order Lambda needs (see the module docstring);
        the version is published only from ``revision``, what this deploy wrote."""
        publish(self, plan, journal, revision)
        sync_concurrency(self, plan, journal)
        url = sync_url(self, plan, journal)
        retire_alias(self, plan, journal)
        return Applied(arn, url)

    def _wait(self, waiter: str, name: str) -> dict[str, Any] | None:
        """Wait until the function has settled; returns its configuration as the last poll found it."""
        with self.waiting(f"waiting for {name} ({waiter})"), last_configuration(self.client, name) as seen:
            self.call(waiter, lambda: self.client.get_waiter(waiter).wait(
                FunctionName=name, WaiterConfig={"Delay": self.waiter_delay, "MaxAttempts": 300}))
            return dict(seen) or None

    def delete(self, name: str) -> None:
        """Delete the function (its URL, aliases and concurrency settings go with it)."""
        self.call("DeleteFunction", lambda: self.client.delete_function(FunctionName=name))

    def list(self) -> builtins.list[Listed]:
        """The region's functions (ListFunctions, every page): owned when the description is polycloud's
        mark; an image function is read in full for its image and URL (see ``listing``)."""
        from polycloud_aws.listing import list_functions

        return list_functions(self, self.read)
