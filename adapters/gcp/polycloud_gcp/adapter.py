"""The Cloud Run adapter: google-cloud-run imported lazily, client injectable, errors translated.

Calls per deploy (counted by the tests against ``FakeCloudRun``):

- read: ``GET service`` and, when it exists, ``GET :getIamPolicy``;
- create: ``POST services`` and its operation polls, then ``getIamPolicy`` + ``setIamPolicy``
  only when ``network.auth: none``;
- update: one ``PATCH service`` (the live service with the managed fields written over it) and
  its polls, only when a ``service`` field changed; IAM only when ``public`` changed;
- unchanged: the two reads, no write.

A service polycloud creates carries the annotation ``polycloud.dev/managed-by: polycloud``
(sent in the create request itself); a deploy refuses, before any write, an existing service
without it unless the adapter was made with ``adopt=True``.

Every SDK call gets ``retry=None``: transient failures are retried once, by polycloud's own
``RetryPolicy``. Operations are awaited with ``polling`` (default: the SDK's, 15 min bounded).
"""

from __future__ import annotations

import concurrent.futures
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from polycloud.adapter import Imported
from polycloud.errors import AdapterError, ConflictError, MissingDependencyError, NotFoundError, ProviderError
from polycloud.findings import Finding
from polycloud.limits import ProviderLimits, load_limits
from polycloud.plan import Deployment, Plan, ProviderConfig, make_plan
from polycloud.progress import waiting
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec
from polycloud_gcp import rules
from polycloud_gcp.errors import PROVIDER, map_sdk_error, translate_errors
from polycloud_gcp.translate import (
    INVOKER_ROLE,
    OWNER,
    OWNER_ANNOTATION,
    PUBLIC_MEMBER,
    is_polycloud,
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

T = TypeVar("T")

_RPC_TIMEOUT: Final = 60.0
"""Seconds for one API request (not for an operation, which ``polling`` bounds)."""
_IAM_ATTEMPTS: Final = 5
"""Read-modify-write rounds of the IAM policy before a concurrent-change conflict is reported."""


class CloudRunAdapter:
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
    extra: ClassVar[str] = "polycloud[gcp]"
    sdk_distributions: ClassVar[tuple[str, ...]] = ("google-cloud-run",)
    limits: ClassVar[ProviderLimits] = load_limits("gcp-cloud-run")
    sample_image: ClassVar[str] = "europe-docker.pkg.dev/acme/apps/hello:1"

    def __init__(self, *, project: str | None = None, region: str | None = None,
                 client: ServicesClient | None = None, credentials: Credentials | None = None,
                 transport: str | None = None, endpoint: str | None = None, retry: RetryPolicy | None = None,
                 polling: Retry | None = None, adopt: bool = False) -> None:
        self._project = project
        self._region = region
        self._client = client
        self._credentials = credentials
        self._transport = transport
        self._endpoint = endpoint
        self.retry = retry or RetryPolicy()
        self._polling = polling
        self.adopt = adopt

    @classmethod
    def settings_from(cls, spec: FunctionSpec) -> dict[str, Any]:
        """``project`` and ``region`` from ``providers.gcp``."""
        gcp = spec.providers.gcp
        if gcp is None:
            return {}
        return {k: v for k, v in (("project", gcp.project), ("region", gcp.region)) if v}

    # -- client and names ------------------------------------------------------------------
    @property
    def client(self) -> Any:
        """The ``run_v2.ServicesClient`` (created on first use).

        Raises:
            MissingDependencyError: google-cloud-run is not installed.
            AuthError: no credentials were given and ``google.auth.default()`` found none.
        """
        if self._client is None:
            try:
                from google.cloud import run_v2
            except ImportError as exc:
                raise MissingDependencyError("google-cloud-run", self.extra) from exc
            options = {"api_endpoint": self._endpoint} if self._endpoint else None
            with translate_errors("create ServicesClient"):
                self._client = run_v2.ServicesClient(credentials=self._credentials, transport=self._transport,
                                                     client_options=options)
        return self._client

    def _parent(self) -> str:
        missing = [field for field, value in (("project", self._project), ("region", self._region)) if not value]
        if missing:
            fields = " and ".join(f"providers.gcp.{field}" for field in missing)
            raise AdapterError(f"Cloud Run needs {fields}: set it in the spec, or pass "
                               + ", ".join(f"{field}= (--{field})" for field in missing))
        return f"projects/{self._project}/locations/{self._region}"

    def _resource(self, name: str) -> str:
        if not name or "/" in name:  # the SDK would fail building the URL, with a ValueError of its own
            raise AdapterError(f"{name!r} is not a Cloud Run service name: give the service id (lowercase "
                               "letters, digits and hyphens), not a path")
        return f"{self._parent()}/services/{name}"

    def _call(self, operation: str, fn: Callable[[], T]) -> T:
        return self.retry.run(operation, fn, map_sdk_error)

    # -- pure --------------------------------------------------------------------------------
    def check(self, spec: FunctionSpec, limits: ProviderLimits | None = None) -> list[Finding]:
        """Cloud Run's limits and conventions (pure, offline)."""
        return rules.check(spec, limits or self.limits)

    def translate(self, spec: FunctionSpec) -> ProviderConfig:
        """Spec -> Cloud Run config (pure)."""
        return translate(spec, self.limits, project=self._project, region=self._region)

    def to_spec(self, config: ProviderConfig) -> Imported:
        """Cloud Run config -> spec (pure), with notes on what did not map exactly."""
        return to_spec(config, self.limits, project=self._project, region=self._region)

    # -- I/O ---------------------------------------------------------------------------------
    def read(self, name: str) -> ProviderConfig | None:
        """The live service in the shape ``translate`` makes, or None when it does not exist."""
        resource = self._resource(name)
        raw = self._get(resource)
        if raw is None:
            return None
        return live_config(raw, public=_grants_public(self._get_policy(resource)))

    def _get(self, resource: str) -> dict[str, Any] | None:
        try:
            service = self._call("GetService", lambda: self.client.get_service(
                name=resource, retry=None, timeout=_RPC_TIMEOUT))
        except NotFoundError:
            return None
        return _as_json(service)

    def apply(self, plan: Plan) -> Deployment:
        """Create or update the service and its public binding, writing only what the plan changes.

        Raises:
            ConflictError: the service exists but polycloud did not create it, and ``adopt`` is off
                (nothing was written).
            ProviderError: a call failed; ``.changed`` lists the steps that had completed.
        """
        done: list[str] = []
        notes = list(plan.desired.get("@notes") or [])
        try:
            raw, reported = self._apply(plan, done, notes)
        except ProviderError as exc:
            exc.changed = done
            raise
        return Deployment(provider=self.name, name=plan.name, action=reported.action, resource_id=raw.get("name"),
                          url=raw.get("uri"), changes=reported.changes, notes=notes)

    def _apply(self, plan: Plan, done: list[str], notes: list[str]) -> tuple[dict[str, Any], Plan]:
        """Returns the Service JSON and the plan to report (another one when a create met an existing service)."""
        desired, live, name = plan.desired, plan.live, plan.name
        resource = self._resource(name)
        reported = plan
        if live is None:
            raw, live, reported = self._create(plan, done, notes)
        else:
            self._check_owner(name, live, notes)
            if plan.touches("service", "ready"):
                raw = self._update(name, desired, live.get("@service"), done)
            else:
                raw = dict(live.get("@service") or {"name": live.get("@id"), "uri": live.get("@url")})
        was_public = bool(live and live.get("public"))
        if desired["public"] != was_public and self._set_public(resource, desired["public"]):
            done.append(f"granted {PUBLIC_MEMBER} {INVOKER_ROLE}" if desired["public"]
                        else f"revoked {INVOKER_ROLE} from {PUBLIC_MEMBER}")
        return raw, reported

    def _check_owner(self, name: str, live: ProviderConfig, notes: list[str]) -> None:
        """Refuse to take over a service polycloud did not create, unless told to ``adopt`` it."""
        if is_polycloud(live["service"].get("annotations")):
            return
        if not self.adopt:
            raise ConflictError(
                f"service {name} exists but polycloud did not create it (it has no {OWNER_ANNOTATION}: {OWNER} "
                "annotation): a deploy would replace its image, resources, environment, scaling, labels and "
                "public access with the spec's. Check the changes with `polycloud plan`, then deploy with "
                "adopt=True (CLI: --set adopt=true) to take it over, or choose another name.",
                provider=PROVIDER, operation="UpdateService")
        notes.append(f"adopted service {name}, which polycloud did not create: it now carries the annotation "
                     f"{OWNER_ANNOTATION}: {OWNER} and is managed from the spec")

    def _create(self, plan: Plan, done: list[str],
                notes: list[str]) -> tuple[dict[str, Any], ProviderConfig | None, Plan]:
        """CreateService; returns the Service JSON, the live config it met (None) and the plan to report."""
        from google.cloud import run_v2

        name, desired = plan.name, plan.desired
        service = run_v2.Service.from_json(json.dumps(service_body(desired)))
        try:
            op = self._call("CreateService", lambda: self.client.create_service(
                parent=self._parent(), service=service, service_id=name, retry=None, timeout=_RPC_TIMEOUT))
        except ConflictError:
            # Our own create whose answer was lost and which was retried, another deploy, or a service
            # made by hand meanwhile: read it and make it match (never a second service), if it is ours.
            return self._met_on_create(plan, done, notes)
        done.append(f"created service {name}")
        return self._wait("CreateService", op, f"create {name}"), None, plan

    def _met_on_create(self, plan: Plan, done: list[str],
                       notes: list[str]) -> tuple[dict[str, Any], ProviderConfig | None, Plan]:
        name, desired = plan.name, plan.desired
        live = self.read(name)
        if live is None:  # deleted again meanwhile: PATCH with allow_missing creates it
            return self._update(name, desired, None, done), None, plan
        again = make_plan(self.name, name, desired, live)
        self._check_owner(name, live, notes)
        if not again.touches("service"):  # our own create: update only to wait for its revision
            return self._update(name, desired, live["@service"], done, verb="created"), live, plan
        if is_polycloud(live["service"].get("annotations")):
            notes.append(f"{name} was created by another deploy while this one ran; it was updated to match "
                         "the spec")
        return self._update(name, desired, live["@service"], done), live, again

    def _update(self, name: str, desired: ProviderConfig, base: dict[str, Any] | None,
                done: list[str], *, verb: str = "updated") -> dict[str, Any]:
        from google.cloud import run_v2

        resource = self._resource(name)
        body = service_body(desired, base)
        body["name"] = resource
        request = {"service": run_v2.Service.from_json(json.dumps(body)), "allow_missing": base is None}
        op = self._call("UpdateService", lambda: self.client.update_service(
            request=request, retry=None, timeout=_RPC_TIMEOUT))
        done.append(f"{verb} service {name}" if base is not None else f"created service {name}")
        return self._wait("UpdateService", op, f"update {name}")

    def _wait(self, operation: str, op: Any, what: str) -> dict[str, Any]:
        """Poll ``op`` to the end (transient poll failures retried), then return its Service JSON.

        Raises:
            ProviderError: the operation failed (``code`` is its status) or did not finish in time.
        """
        kwargs: dict[str, Any] = {"retry": _no_sdk_retry()}
        if self._polling is not None:
            kwargs["polling"] = self._polling

        def until_done() -> None:
            with translate_errors(operation):
                try:
                    op.result(**kwargs)
                except concurrent.futures.TimeoutError as exc:
                    raise ProviderError(f"{exc} It may still finish: deploy again later to see its state.",
                                        provider=PROVIDER, operation=operation, code="DEADLINE_EXCEEDED") from exc
                except Exception:
                    if not op.operation.done:
                        raise  # a poll failed, not the operation: retried
        with waiting(f"waiting for Cloud Run to {what}"):
            self.retry.call(until_done)
        with translate_errors(operation):  # done: the result, or the operation's own error, without a call
            return _as_json(op.result(**kwargs))

    def _get_policy(self, resource: str) -> Any:
        return self._call("GetIamPolicy", lambda: self.client.get_iam_policy(
            request={"resource": resource, "options": {"requested_policy_version": 3}},
            retry=None, timeout=_RPC_TIMEOUT))

    def _put_policy(self, resource: str, policy: Any) -> None:
        self._call("SetIamPolicy", lambda: self.client.set_iam_policy(
            request={"resource": resource, "policy": policy}, retry=None, timeout=_RPC_TIMEOUT))

    def _set_public(self, resource: str, public: bool) -> bool:
        """Add or remove the allUsers invoker binding, leaving every other binding as it is.

        Returns False when the policy already said so. A concurrent policy change (stale etag)
        starts the read-modify-write again.
        """
        for attempt in range(1, _IAM_ATTEMPTS + 1):
            policy = self._get_policy(resource)
            if _grants_public(policy) == public:
                return False
            _edit_policy(policy, public)
            try:
                self._put_policy(resource, policy)
            except ConflictError:
                if attempt == _IAM_ATTEMPTS:
                    raise
                continue
            return True
        return False  # pragma: no cover - the loop returns or raises

    def delete(self, name: str) -> None:
        """Delete the service the caller names (its revisions and IAM policy go with it).

        Like the other adapters, ``delete`` deletes what it is told to, whether or not polycloud
        created it: the ownership mark guards deploys, which would change a service unasked.

        Raises:
            NotFoundError: there is no such service.
        """
        resource = self._resource(name)
        op = self._call("DeleteService", lambda: self.client.delete_service(
            name=resource, retry=None, timeout=_RPC_TIMEOUT))
        self._wait("DeleteService", op, f"delete {name}")


def _as_json(service: Any) -> dict[str, Any]:
    """A run_v2.Service as proto JSON: camelCase, enum names, unset fields left out."""
    text = type(service).to_json(service, use_integers_for_enums=False, always_print_fields_with_no_presence=False,
                                 indent=None)
    data: dict[str, Any] = json.loads(text)
    return data


def _no_sdk_retry() -> Retry:
    """An api_core Retry that retries nothing (op.result otherwise retries polls with real sleeps)."""
    from google.api_core import retry as retries

    return retries.Retry(predicate=lambda _exc: False)


def _grants_public(policy: Any) -> bool:
    return any(b.role == INVOKER_ROLE and PUBLIC_MEMBER in b.members and not b.HasField("condition")
               for b in policy.bindings)


def _edit_policy(policy: Any, public: bool) -> None:
    """Add allUsers to the unconditional invoker binding, or remove it from every invoker binding."""
    invokers = [b for b in policy.bindings if b.role == INVOKER_ROLE and not b.HasField("condition")]
    if public:
        if invokers:
            invokers[0].members.append(PUBLIC_MEMBER)
        else:
            policy.bindings.add(role=INVOKER_ROLE, members=[PUBLIC_MEMBER])
        return
    for binding in invokers:
        while PUBLIC_MEMBER in binding.members:
            binding.members.remove(PUBLIC_MEMBER)
    for index in reversed(range(len(policy.bindings))):
        if not policy.bindings[index].members:  # IAM drops empty bindings; so do we
            del policy.bindings[index]
