"""A stateful fake of the Cloud Run Admin API v2 (REST), for ``ServicesClient(transport="rest")``.

``FakeCloudRun`` keeps services, IAM policies and long-running operations in memory and answers
the REST calls the real SDK makes (integer enums in, enum names out; Google's error JSON)::

    fake = FakeCloudRun(lro_polls=1)
    with fake.activate():
        client = fake.client()
        op = client.create_service(parent="projects/p/locations/r", service=svc, service_id="hello")
        service = op.result(polling=fast_polling())

Writes are applied at once and the service reports ``reconciling: true`` until its operation is
polled to completion (``lro_polls`` ``done: false`` answers first), as the real service does.
Validation errors answer the POST/PATCH with 400 INVALID_ARGUMENT, which the REST transport raises
as ``google.api_core.exceptions.BadRequest`` (``InvalidArgument`` only comes from a failed operation).
The server's validation rules live in ``_gcp_rules`` and its long-running operations in
``_gcp_operations``. Importing this module imports no Google SDK, ``requests`` or ``responses``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import re
import threading
import uuid
from typing import TYPE_CHECKING, Any

from polycloud.testing import _gcp_rules as rules
from polycloud.testing._gcp_operations import Operations, now
from polycloud.testing.fakes import FakeRequest, FakeResponse, FakeService, Fault

if TYPE_CHECKING:
    from google.api_core.retry import Retry
    from google.cloud.run_v2 import ServicesClient

__all__ = ["FakeCloudRun", "fast_polling", "fast_retry", "sandbox_settings"]

_EMPTY_POLICY_ETAG = "ACAB"
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    409: "ABORTED", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED", 500: "INTERNAL", 501: "NOT_IMPLEMENTED",
    502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED",
}
_OUTPUT_ONLY = frozenset({
    "name", "uid", "generation", "createTime", "updateTime", "deleteTime", "expireTime", "creator",
    "lastModifier", "observedGeneration", "terminalCondition", "conditions", "latestReadyRevision",
    "latestCreatedRevision", "trafficStatuses", "uri", "urls", "satisfiesPzs", "reconciling", "etag",
})
_REGION_CODES = {
    "us-central1": "uc", "us-east1": "ue", "us-east4": "uk", "us-west1": "uw", "europe-west1": "ew",
    "europe-west2": "nw", "europe-west3": "ey", "europe-west4": "ez", "asia-northeast1": "an",
}
_MEMBER_PREFIXES = (
    "user:", "serviceAccount:", "group:", "domain:", "principal:", "principalSet:", "deleted:",
)
_BASE = r"^/v2/projects/(?P<project>[^/]+)/locations/(?P<region>[^/]+)"
_ROUTES = [
    (re.compile(_BASE + r"/services$"), "collection"),
    (re.compile(_BASE + r"/services/(?P<id>[^/:]+)$"), "service"),
    (re.compile(_BASE + r"/services/(?P<id>[^/:]+):(?P<verb>getIamPolicy|setIamPolicy)$"), "iam"),
    (re.compile(_BASE + r"/operations/(?P<op>[^/:]+)$"), "operation"),
]


def fast_polling(timeout: float = 10.0) -> Retry:
    """A zero-delay LRO polling config: ``op.result(polling=fast_polling())`` never sleeps."""
    from google.api_core import retry as retries
    from google.api_core.future import polling

    return retries.Retry(initial=0.0, maximum=0.0, multiplier=1.0, timeout=timeout,
                         predicate=polling.POLLING_PREDICATE)


def fast_retry(timeout: float = 5.0) -> Retry:
    """A zero-delay retry of transient errors (429, 500, 502, 503) for calls and ``op.result(retry=...)``."""
    from google.api_core import exceptions
    from google.api_core import retry as retries

    return retries.Retry(initial=0.0, maximum=0.0, multiplier=1.0, timeout=timeout,
                         predicate=retries.if_exception_type(
                             exceptions.TooManyRequests, exceptions.InternalServerError,
                             exceptions.BadGateway, exceptions.ServiceUnavailable))


def sandbox_settings(fake: FakeCloudRun) -> dict[str, Any]:
    """``CloudRunAdapter`` keyword arguments wired to ``fake``: its client, zero-delay polling, no-wait retries.

    Calls reach the fake only while it is active (``with fake.activate():``). Project and region
    still come from the spec (``providers.gcp``) or ``project=`` / ``region=``.
    """
    from polycloud.retry import RetryPolicy

    return {"client": fake.client(), "polling": fast_polling(), "retry": RetryPolicy.no_wait()}


def _error(status: int, message: str, field: str | None = None, name: str | None = None) -> FakeResponse:
    error: dict[str, Any] = {"code": status, "message": message,
                             "status": name or _STATUS_NAMES.get(status, "UNKNOWN")}
    if field is not None:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                             "fieldViolations": [{"field": field, "description": message}]}]
    return FakeResponse(status, {"error": error})


class FakeCloudRun(FakeService):
    """In-memory Cloud Run Admin API v2: services, their IAM policies, and long-running operations.

    Args:
        lro_polls: how many polls of a new operation answer ``done: false`` before it completes.
        base_url: where the fake answers (default ``https://run.googleapis.com``).
        project_number: used in the default service account and the ``*.run.app`` URL.
        domain_restricted_sharing: the project is under the ``iam.allowedPolicyMemberDomains``
            organisation policy, so ``setIamPolicy`` refuses ``allUsers`` and ``allAuthenticatedUsers``
            with 400 FAILED_PRECONDITION
            (https://cloud.google.com/resource-manager/docs/organization-policy/restricting-domains);
            a service's own ``invokerIamDisabled`` is unaffected, which is why Google recommends it for
            public services (https://cloud.google.com/run/docs/authenticating/public#invoker_check).
    """

    base_url = "https://run.googleapis.com"

    def __init__(
        self, *, lro_polls: int = 1, base_url: str | None = None, project_number: str = "123456789012",
        domain_restricted_sharing: bool = False,
    ) -> None:
        super().__init__(base_url=base_url)
        if lro_polls < 0:
            raise ValueError("lro_polls must be >= 0")
        self.lro_polls = lro_polls
        self.project_number = project_number
        self.domain_restricted_sharing = domain_restricted_sharing
        self._services: dict[str, dict[str, Any]] = {}
        self._policies: dict[str, dict[str, Any]] = {}
        self._operations = Operations(self._services, self._policies)
        self._lock = threading.RLock()

    # -- test accessors ----------------------------------------------------------------
    def service(self, project: str, region: str, service_id: str) -> dict[str, Any] | None:
        """A copy of the stored Service JSON (enum names, server fields), or None."""
        found = self._services.get(f"projects/{project}/locations/{region}/services/{service_id}")
        return copy.deepcopy(found)

    def publicly_invokable(self, project: str, region: str, service_id: str) -> bool:
        """Whether anyone on the internet may invoke the service: its invoker IAM check is disabled, or
        ``allUsers`` holds ``roles/run.invoker`` (https://cloud.google.com/run/docs/authenticating/public)."""
        name = f"projects/{project}/locations/{region}/services/{service_id}"
        service = self._services.get(name) or {}
        if service.get("invokerIamDisabled"):
            return True
        return any(b.get("role") == "roles/run.invoker" and "allUsers" in (b.get("members") or [])
                   for b in self._policy(name).get("bindings") or [])

    def iam_policy(self, project: str, region: str, service_id: str) -> dict[str, Any] | None:
        """A copy of the service's IAM policy JSON (``bindings``, base64 ``etag``), or None if no service."""
        name = f"projects/{project}/locations/{region}/services/{service_id}"
        return copy.deepcopy(self._policy(name)) if name in self._services else None

    def fail_next_operation(self, code: int, message: str) -> None:
        """Make the next operation started finish ``done: true`` with ``error`` (``code``: google.rpc.Code).

        ``op.result()`` then raises the matching api_core exception (3 -> InvalidArgument,
        9 -> FailedPrecondition, 13 -> InternalServerError...). A failed create leaves the service
        in place with a failed Ready condition, like the real service; a failed delete keeps it.
        """
        self._operations.fail_next(code, message)

    def complete_operations(self) -> int:
        """Finish every pending operation as if polled to the end; returns how many finished."""
        with self._lock:
            return self._operations.complete_all()

    def client(self) -> ServicesClient:
        """A real ``run_v2.ServicesClient`` (REST transport, anonymous credentials) aimed at this fake."""
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import run_v2

        anonymous: Any = AnonymousCredentials  # google-auth leaves its __init__ untyped
        return run_v2.ServicesClient(transport="rest", credentials=anonymous(),
                                     client_options={"api_endpoint": self.base_url})

    # -- FakeService hooks -------------------------------------------------------------
    def fault_body(self, status: int) -> Any:
        """Google's error JSON for an injected fault."""
        return _error(status, f"injected fault (HTTP {status})").body

    def handle(self, request: FakeRequest) -> FakeResponse | Fault:
        """Serialise requests (the SDK may be driven from several threads)."""
        with self._lock:
            return super().handle(request)

    def dispatch(self, request: FakeRequest) -> FakeResponse:
        """Route one REST call to its handler."""
        for pattern, kind in _ROUTES:
            match = pattern.match(request.path)
            if match is None:
                continue
            args = match.groupdict()
            parent = f"projects/{args['project']}/locations/{args['region']}"
            try:
                if kind == "collection" and request.method == "POST":
                    return self._create(parent, request)
                if kind == "collection" and request.method == "GET":
                    return self._list(parent)
                if kind == "service":
                    name = f"{parent}/services/{args['id']}"
                    handlers = {"GET": self._get, "PATCH": self._update, "DELETE": self._delete}
                    if request.method in handlers:
                        return handlers[request.method](name, request)
                if kind == "iam":
                    name = f"{parent}/services/{args['id']}"
                    if args["verb"] == "getIamPolicy" and request.method == "GET":
                        return self._get_iam(name)
                    if args["verb"] == "setIamPolicy" and request.method == "POST":
                        return self._set_iam(name, request)
                if kind == "operation" and request.method == "GET":
                    return self._poll(f"{parent}/operations/{args['op']}")
            except rules.RuleViolation as exc:
                return _error(400, str(exc), exc.field)
            return _error(405, f"method {request.method} is not allowed on {request.path}")
        return _error(404, f"no such API path: {request.method} {request.path}")

    # -- services ------------------------------------------------------------------------
    def _create(self, parent: str, request: FakeRequest) -> FakeResponse:
        service_id = request.query.get("serviceId", "")
        rules.validate_service_id(service_id)
        name = f"{parent}/services/{service_id}"
        if name in self._services:
            return _error(409, f"Resource '{service_id}' already exists.", name="ALREADY_EXISTS")
        spec = self._checked_spec(request.body)
        if request.query.get("validateOnly") == "true":
            return self._start("validate", self._record(name, spec, None))
        self._services[name] = self._record(name, spec, None)
        return self._start("create", self._services[name])

    def _get(self, name: str, request: FakeRequest) -> FakeResponse:
        if name not in self._services:
            return self._not_found(name)
        return FakeResponse(200, copy.deepcopy(self._services[name]))

    def _list(self, parent: str) -> FakeResponse:
        found = [copy.deepcopy(s) for n, s in sorted(self._services.items()) if n.startswith(parent + "/")]
        return FakeResponse(200, {"services": found} if found else {})

    def _update(self, name: str, request: FakeRequest) -> FakeResponse:
        body = request.body if isinstance(request.body, dict) else {}
        old = self._services.get(name)
        if old is None:
            if request.query.get("allowMissing") != "true":
                return self._not_found(name)
            rules.validate_service_id(name.rsplit("/", 1)[1])
            spec = self._checked_spec(body)
            kind = "create"
        else:
            if body.get("etag") and body["etag"] != old["etag"]:
                return _error(409, f"etag {body['etag']!r} does not match the current etag of {name}")
            spec = self._merge({k: v for k, v in old.items() if k not in _OUTPUT_ONLY}, body,
                               request.query.get("updateMask"))
            spec = self._checked_spec(spec)
            kind = "update"
        record = self._record(name, spec, old)
        if request.query.get("validateOnly") == "true":
            return self._start("validate", record)
        self._services[name] = record
        return self._start(kind, record)

    def _delete(self, name: str, request: FakeRequest) -> FakeResponse:
        current = self._services.get(name)
        if current is None:
            return self._not_found(name)
        etag = request.query.get("etag")
        if etag and etag != current["etag"]:
            return _error(409, f"etag {etag!r} does not match the current etag of {name}")
        if request.query.get("validateOnly") == "true":
            return self._start("validate", current)
        current["reconciling"] = True
        return self._start("delete", current)

    def _checked_spec(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise rules.RuleViolation("service", "the request body must be a Service")
        spec = {k: copy.deepcopy(v) for k, v in body.items() if k not in _OUTPUT_ONLY}
        rules.normalise_enums(spec)
        rules.validate_service(spec)
        rules.apply_defaults(spec, self.project_number)
        return spec

    @staticmethod
    def _merge(old: dict[str, Any], body: dict[str, Any], mask: str | None) -> dict[str, Any]:
        if not mask:  # no mask: the body replaces every settable field
            return dict(body)
        merged = copy.deepcopy(old)
        for path in mask.split(","):
            keys = path.strip().split(".")
            src: Any = body
            dst = merged
            for key in keys[:-1]:
                src = src.get(key, {}) if isinstance(src, dict) else {}
                dst = dst.setdefault(key, {})
            if isinstance(src, dict) and keys[-1] in src:
                dst[keys[-1]] = copy.deepcopy(src[keys[-1]])
            else:
                dst.pop(keys[-1], None)
        return merged

    def _record(self, name: str, spec: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        """The stored Service: the spec plus server fields, reconciling until its operation ends."""
        _, project, _, region, _, service_id = name.split("/")
        when = now()
        generation = int(old["generation"]) + 1 if old else 1
        uid = old["uid"] if old else str(uuid.uuid4())
        suffix = hashlib.sha256(f"{uid}{generation}".encode()).hexdigest()
        revision = spec.get("template", {}).get("revision") or f"{service_id}-{generation:05d}-{suffix[:3]}"
        project_hash = base64.b32encode(hashlib.sha256(project.encode()).digest()).decode().lower()[:10]
        region_code = _REGION_CODES.get(region, "".join(part[0] for part in region.split("-")))
        record = {
            **spec,
            "name": name, "uid": uid, "generation": str(generation),
            "createTime": old["createTime"] if old else when, "updateTime": when,
            "creator": "anonymous@example.com", "lastModifier": "anonymous@example.com",
            "uri": f"https://{service_id}-{project_hash}-{region_code}.a.run.app",
            "urls": [f"https://{service_id}-{self.project_number}.{region}.run.app",
                     f"https://{service_id}-{project_hash}-{region_code}.a.run.app"],
            "latestCreatedRevision": f"{name}/revisions/{revision}",
            "reconciling": True,
            "terminalCondition": {"type": "Ready", "state": "CONDITION_RECONCILING",
                                  "lastTransitionTime": when},
            "conditions": [],
            "observedGeneration": old["observedGeneration"] if old else "0",
            "etag": suffix[:24],
        }
        if old and "latestReadyRevision" in old:
            record["latestReadyRevision"] = old["latestReadyRevision"]
        return record

    def _start(self, kind: str, service: dict[str, Any]) -> FakeResponse:
        return FakeResponse(200, self._operations.start(kind, service, self.lro_polls))

    def _poll(self, name: str) -> FakeResponse:
        found = self._operations.poll(name)
        return _error(404, f"Operation {name} not found.") if found is None else FakeResponse(200, found)

    # -- IAM -------------------------------------------------------------------------------
    def _policy(self, name: str) -> dict[str, Any]:
        return self._policies.get(name) or {"version": 1, "etag": _EMPTY_POLICY_ETAG}

    def _get_iam(self, name: str) -> FakeResponse:
        if name not in self._services:
            return self._not_found(name)
        return FakeResponse(200, copy.deepcopy(self._policy(name)))

    def _set_iam(self, name: str, request: FakeRequest) -> FakeResponse:
        if name not in self._services:
            return self._not_found(name)
        policy = (request.body or {}).get("policy") if isinstance(request.body, dict) else None
        if not isinstance(policy, dict):
            raise rules.RuleViolation("policy", "the request must carry a policy")
        current = self._policy(name)
        if policy.get("etag") and policy["etag"] != current["etag"]:
            return _error(409, "There were concurrent policy changes. Please retry the whole "
                          "read-modify-write with exponential backoff.")
        bindings = []
        for i, binding in enumerate(policy.get("bindings") or []):
            role, members = binding.get("role", ""), binding.get("members") or []
            if not role.startswith(("roles/", "projects/", "organizations/")):
                raise rules.RuleViolation(f"policy.bindings[{i}].role", f"invalid role {role!r}")
            for member in members:
                public = member in ("allUsers", "allAuthenticatedUsers")
                if public and self.domain_restricted_sharing:
                    return _error(400, "One or more users named in the policy do not belong to a permitted "
                                  "customer, perhaps due to an organization policy.", name="FAILED_PRECONDITION")
                if not public and not member.startswith(_MEMBER_PREFIXES):
                    raise rules.RuleViolation(f"policy.bindings[{i}].members", f"invalid member {member!r}")
            if members:  # IAM drops bindings without members
                bindings.append({"role": role, "members": sorted(set(members))})
        counter = int.from_bytes(base64.b64decode(current["etag"]), "big") + 1
        stored: dict[str, Any] = {"version": 1, "etag": base64.b64encode(counter.to_bytes(8, "big")).decode()}
        if bindings:
            stored["bindings"] = bindings
        self._policies[name] = stored
        return FakeResponse(200, copy.deepcopy(stored))

    @staticmethod
    def _not_found(name: str) -> FakeResponse:
        kind = "Resource" if "/services/" in name else "Operation"
        return _error(404, f"{kind} '{name}' was not found")
