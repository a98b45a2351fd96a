"""The Cloud Run adapter: google-cloud-run imported lazily, client injectable, errors translated.

Calls per deploy (counted by the tests against ``FakeCloudRun``):

- read: ``GET service`` and, when it exists, ``GET :getIamPolicy``;
- create: ``POST services`` and its operation polls; ``network.auth: none`` is the service's own
  ``invokerIamDisabled`` field, so no IAM write (it works where the domain-restricted-sharing policy
  refuses ``allUsers``);
- update: one ``PATCH service`` (the live service with the managed fields written over it) and
  its polls, only when a ``service`` field changed; IAM (``getIamPolicy`` + ``setIamPolicy``) only to
  remove an ``allUsers`` invoker binding found on the service;
- unchanged: the two reads, no write.

A service polycloud creates carries the annotation ``polycloud.dev/managed-by: polycloud``
(sent in the create request itself); a deploy refuses, before any write, an existing service
without it unless the adapter was made with ``adopt=True``.

Every SDK call gets ``retry=None``: transient failures are retried once, by polycloud's own
``RetryPolicy``. Operations are awaited with ``polling`` (default: the SDK's, 15 min bounded).
"""

from __future__ import annotations

import builtins
import json
from typing import TYPE_CHECKING, Any, ClassVar

from polycloud._plan import Plan
from polycloud.adapter import Applied, BaseAdapter, Imported, Journal, Listed
from polycloud.checks import RuleInfo
from polycloud.config import ProviderConfig
from polycloud.errors import ConfigurationError, ConflictError, MissingDependencyError, NotFoundError, ProviderError
from polycloud.findings import Finding
from polycloud.limits import ProviderLimits, load_limits
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec
from polycloud_gcp import rules
from polycloud_gcp.errors import map_sdk_error, translate_errors
from polycloud_gcp.invoker import RPC_TIMEOUT, get_policy, grants_public, set_public
from polycloud_gcp.operations import as_json, patch_service, wait_for
from polycloud_gcp.settings import GcpSettings
from polycloud_gcp.translate import (
    INVOKER_ROLE,
    OWNER,
    OWNER_ANNOTATION,
    PUBLIC_MEMBER,
    live_config,
    service_body,
    to_spec,
    translate,
)

if TYPE_CHECKING:
    from google.api_core.retry import Retry
    from google.auth.credentials import Credentials
    from google.cloud.run_v2 import ServicesClient

__all__ = ["CloudRunAdapter"]


class CloudRunAdapter(BaseAdapter):
    """Deploys a FunctionSpec as a Google Cloud Run service (Admin API v2).

    Args:
        project: Google Cloud project id (default: ``providers.gcp.project``).
        region: Cloud Run region, e.g. ``europe-west1`` (default: ``providers.gcp.region``).
        client: a ``run_v2.ServicesClient`` to use as is (tests: ``FakeCloudRun.client()``).
        credentials: google-auth credentials; default ``google.auth.default()``, resolved by the SDK.
        transport: ``"grpc"`` (the SDK's default) or ``"rest"``.
        endpoint: API endpoint, e.g. ``http://127.0.0.1:8080`` for a local sandbox.
        retry: polycloud's policy for transient errors (429, 5xx, dropped connections).
        polling: an ``api_core`` Retry that paces operation polls (tests: ``fast_polling()``).
        adopt: let a deploy take over a service polycloud did not create (one without the
            ``polycloud.dev/managed-by: polycloud`` annotation), replacing its managed fields with the spec's.
    """

    name: ClassVar[str] = "gcp-cloud-run"
    title: ClassVar[str] = "Cloud Run"
    section: ClassVar[str] = "gcp"
    settings_model: ClassVar[type[GcpSettings]] = GcpSettings
    extra: ClassVar[str] = "polycloud-sdk[gcp]"
    sdk_distributions: ClassVar[tuple[str, ...]] = ("google-cloud-run",)
    limits: ClassVar[ProviderLimits] = load_limits("gcp-cloud-run")
    sample_image: ClassVar[str] = "europe-docker.pkg.dev/acme/apps/hello:1"
    rule_infos: ClassVar[tuple[RuleInfo, ...]] = rules.RULES
    resource_noun: ClassVar[str] = "service"
    owner_mark: ClassVar[str] = f"the annotation {OWNER_ANNOTATION}: {OWNER}"

    def __init__(self, *, project: str | None = None, region: str | None = None,
                 client: ServicesClient | None = None, credentials: Credentials | None = None,
                 transport: str | None = None, endpoint: str | None = None, retry: RetryPolicy | None = None,
                 polling: Retry | None = None, adopt: bool = False) -> None:
        super().__init__(retry=retry, adopt=adopt)
        self._project = project
        self._region = region
        self._inject("run", client)
        self._credentials = credentials
        self._transport = transport
        self._endpoint = endpoint
        self.polling = polling
        """An ``api_core`` Retry that paces operation polls (None: the SDK's)."""

    # -- client and names ------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The ``run_v2.ServicesClient`` (created on first use; polycloud sends ``retry=None`` on every call).

        Raises:
            MissingDependencyError: google-cloud-run is not installed.
            AuthError: no credentials were given and ``google.auth.default()`` found none.
        """
        return self._client("run", self._make_client)

    def _make_client(self) -> Any:
        try:
            from google.cloud import run_v2
        except ImportError as exc:
            raise MissingDependencyError("google-cloud-run", self.extra) from exc
        options = {"api_endpoint": self._endpoint} if self._endpoint else None
        with translate_errors("create ServicesClient"):
            return run_v2.ServicesClient(credentials=self._credentials, transport=self._transport,
                                         client_options=options)

    def map_error(self, exc: Exception, operation: str) -> ProviderError | None:
        """google.api_core / google.auth / requests exceptions -> ProviderError (see ``errors``)."""
        return map_sdk_error(exc, operation)

    def _parent(self) -> str:
        missing = [field for field, value in (("project", self._project), ("region", self._region)) if not value]
        if missing:
            fields = " and ".join(f"providers.gcp.{field}" for field in missing)
            raise ConfigurationError(f"Cloud Run needs {fields}: set it in the spec, or pass "
                                     + ", ".join(f"{field}= (--{field})" for field in missing),
                                     provider=self.name, setting=missing[0])
        return f"projects/{self._project}/locations/{self._region}"

    def _resource(self, name: str) -> str:
        if not name or "/" in name:  # the SDK would fail building the URL, with a ValueError of its own
            raise ConfigurationError(f"{name!r} is not a Cloud Run service name: give the service id (lowercase "
                                     "letters, digits and hyphens), not a path", provider=self.name, setting="name")
        return f"{self._parent()}/services/{name}"

    # -- pure --------------------------------------------------------------------------------
    def rules(self, spec: FunctionSpec, limits: ProviderLimits) -> list[Finding]:
        """Cloud Run's limits and conventions (pure, offline)."""
        return rules.check(spec, limits)

    def translate(self, spec: FunctionSpec) -> ProviderConfig[Any]:
        """Spec -> Cloud Run config (pure)."""
        return translate(spec, self.limits, project=self._project, region=self._region)

    def to_spec(self, config: ProviderConfig[Any]) -> Imported:
        """Cloud Run config -> spec (pure), with notes on what did not map exactly."""
        return to_spec(config, self.limits, project=self._project, region=self._region)

    # -- I/O ---------------------------------------------------------------------------------
    def read(self, name: str) -> ProviderConfig[dict[str, Any]] | None:
        """The live service in the shape ``translate`` makes, or None when it does not exist."""
        resource = self._resource(name)
        raw = self._get(resource)
        if raw is None:
            return None
        return live_config(raw, all_users_invoker=grants_public(get_policy(self.call, self.client, resource)))

    def _get(self, resource: str) -> dict[str, Any] | None:
        try:
            service = self.call("GetService", lambda: self.client.get_service(
                name=resource, retry=None, timeout=RPC_TIMEOUT))
        except NotFoundError:
            return None
        return as_json(service)

    def create(self, plan: Plan, journal: Journal) -> Applied:
        """CreateService (with polycloud's annotation in the request itself), then the public binding."""
        from google.cloud import run_v2

        service = run_v2.Service.from_json(json.dumps(service_body(plan.desired)))
        op = self.call("CreateService", lambda: self.client.create_service(
            parent=self._parent(), service=service, service_id=plan.name, retry=None, timeout=RPC_TIMEOUT))
        journal.record(f"created service {plan.name}")
        raw = wait_for(self, "CreateService", op, f"create {plan.name}")
        self._sync_public(plan, journal)
        return _applied(raw)

    def recreate(self, plan: Plan, journal: Journal, conflict: ConflictError) -> Applied:
        """Deleted again since the create's conflict: a PATCH with ``allow_missing`` creates it."""
        raw = patch_service(self, plan, self._resource(plan.name), None, journal)
        self._sync_public(plan, journal)
        return _applied(raw)

    def converge_existing(self, again: Plan, first: Plan, journal: Journal) -> Applied:
        """Our own create whose answer was lost (nothing differs) is only awaited, through an update."""
        if again.touches("service"):
            return super().converge_existing(again, first, journal)
        self.check_owner(again, journal)
        assert again.live is not None
        raw = patch_service(self, again, self._resource(again.name), again.live.private, journal, verb="created")
        self._sync_public(again, journal)
        return Applied(raw.get("name"), raw.get("uri"), reported=first)

    def update(self, plan: Plan, journal: Journal) -> Applied:
        """One PATCH of the live service when a service field changed, then the public binding if it changed."""
        assert plan.live is not None
        if plan.touches("service", "ready"):
            raw = patch_service(self, plan, self._resource(plan.name), plan.live.private, journal)
        else:
            raw = dict(plan.live.private or {"name": plan.live.id, "uri": plan.live.url})
        self._sync_public(plan, journal)
        return _applied(raw)

    def _sync_public(self, plan: Plan, journal: Journal) -> None:
        """Grant or revoke the allUsers invoker binding when it differs from what was read (polycloud only
        revokes one: a public service has its invoker check disabled instead; see ``translate``)."""
        public = bool(plan.desired["allUsersInvoker"])
        if public == bool(plan.live and plan.live.get("allUsersInvoker")):
            return
        if set_public(self.call, self.client, self._resource(plan.name), public):
            journal.record(f"granted {PUBLIC_MEMBER} {INVOKER_ROLE}" if public
                           else f"revoked {INVOKER_ROLE} from {PUBLIC_MEMBER}")

    def delete(self, name: str) -> None:
        """Delete the service the caller names (its revisions and IAM policy go with it).

        Like the other adapters, ``delete`` deletes what it is told to, whether or not polycloud
        created it: the ownership mark guards deploys, which would change a service unasked.

        Raises:
            NotFoundError: there is no such service.
        """
        resource = self._resource(name)
        op = self.call("DeleteService", lambda: self.client.delete_service(
            name=resource, retry=None, timeout=RPC_TIMEOUT))
        wait_for(self, "DeleteService", op, f"delete {name}")

    def list(self) -> builtins.list[Listed]:
        """The region's services (ListServices, every page): owned when annotated
        ``polycloud.dev/managed-by: polycloud`` (see ``listing``)."""
        from polycloud_gcp.listing import listed

        parent = self._parent()
        services = self.call("ListServices", lambda: [as_json(service) for service in self.client.list_services(
            parent=parent, retry=None, timeout=RPC_TIMEOUT)])
        return sorted((listed(service) for service in services), key=lambda row: row.name)


def _applied(raw: dict[str, Any]) -> Applied:
    return Applied(raw.get("name"), raw.get("uri"))
