"""A stateful fake of the ARM ``Microsoft.Web`` API, driven by the real ``WebSiteManagementClient``.

``FakeArmWeb`` answers what azure-mgmt-web sends for App Service plans, sites (function apps),
their app settings and site config, with real long-running operations: a create answers 202 with
an ``Azure-AsyncOperation`` URL that reports ``InProgress`` for ``lro_polls`` polls and then
``Succeeded`` (or ``Failed``), and only then does the resource appear. Use it like moto::

    fake = FakeArmWeb()
    with fake.activate():
        client = fake.client()   # polling_interval=0, retry_total=0: no sleeps, no SDK retries
        client.app_service_plans.begin_create_or_update(rg, "plan", plan).result()

Importing this module imports neither azure nor requests nor responses.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from polycloud.testing._azure_arm import FakeCredential, LongRunningOperations
from polycloud.testing._azure_state import (
    FAULT_CODES,
    ArmError,
    PlanRecord,
    SiteRecord,
    apply_config,
    build_plan,
    build_site,
    check_app_settings,
    check_resource_group,
    check_subscription,
    config_view,
    host_status,
    keep_always_ready,
    merge_site,
    name_availability,
    not_found,
    parse_plan_id,
    plan_view,
    same_location,
    site_view,
)
from polycloud.testing.fakes import FakeRequest, FakeResponse, FakeService, Fault

if TYPE_CHECKING:
    from azure.mgmt.web import WebSiteManagementClient

__all__ = ["DEFAULT_SUBSCRIPTION", "OTHER_SUBSCRIPTION", "FakeArmWeb", "FakeCredential", "sandbox_settings"]

DEFAULT_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
OTHER_SUBSCRIPTION = "11111111-1111-1111-1111-111111111111"
"""Another tenant's subscription, which holds the site names ``FakeArmWeb.take_site_name`` registers."""

Handler = Callable[[str, str, str, FakeRequest], FakeResponse]


class FakeArmWeb(LongRunningOperations, FakeService):
    """Stateful fake of ARM ``Microsoft.Web``: serverfarms, sites, app settings, site config, LROs.

    Resource groups are implicit. Paths, resource groups and names match case-insensitively
    (names keep the case they were created with); site names are unique across the whole fake.
    Every request needs an ``api-version`` query parameter and a bearer token, like ARM, and every
    answer (injected faults included) carries a fresh ``x-ms-request-id``, kept in ``last_request_id``.
    Deleting a site deletes its App Service plan when no other site uses it, unless the request says
    ``deleteEmptyServerFarm=false``: ARM's documented default ("By default, empty App Service plan is
    deleted"), which the SDK leaves to the service by sending nothing.
    """

    base_url = "https://management.azure.com"

    def __init__(self, *, base_url: str | None = None, lro_polls: int = 1) -> None:
        """``lro_polls``: how many polls of each operation answer ``InProgress`` before it ends."""
        FakeService.__init__(self, base_url=base_url)
        LongRunningOperations.__init__(self, lro_polls)
        self._plans: dict[tuple[str, str, str], PlanRecord] = {}
        self._sites: dict[str, SiteRecord] = {}
        self._pending_plans: dict[tuple[str, str, str], PlanRecord] = {}
        self._pending_sites: dict[str, SiteRecord] = {}
        self.last_request_id: str | None = None
        self._taken: dict[str, tuple[str, str]] = {}
        self.functions_host_images: set[str] = set()
        """Images the fake treats as built from an Azure Functions base image (they run the Functions host):
        ``host_status`` reports on sites running them."""
        self._routes: dict[tuple[str, tuple[str, ...], str], Handler] = {
            ("serverfarms", (), "GET"): self._get_plan,
            ("serverfarms", (), "PUT"): self._put_plan,
            ("serverfarms", (), "PATCH"): self._patch_plan,
            ("serverfarms", (), "DELETE"): self._delete_plan,
            ("sites", (), "GET"): self._get_site,
            ("sites", (), "PUT"): self._put_site,
            ("sites", (), "PATCH"): self._patch_site,
            ("sites", (), "DELETE"): self._delete_site,
            ("sites", ("config", "appsettings"), "PUT"): self._put_settings,
            ("sites", ("config", "appsettings", "list"), "POST"): self._list_settings,
            ("sites", ("config", "web"), "GET"): self._get_config,
            ("sites", ("config", "web"), "PUT"): self._put_config,
            ("sites", ("config", "web"), "PATCH"): self._patch_config,
            ("sites", ("restart",), "POST"): self._restart,
        }

    # -- test controls and accessors ----------------------------------------------
    def site(self, rg: str, name: str) -> dict[str, Any] | None:
        """A copy of the site as ARM's GET returns it (no app settings), or None."""
        found = self._site_in(rg, name)
        return site_view(found) if found else None

    def plan(self, rg: str, name: str) -> dict[str, Any] | None:
        """A copy of the App Service plan as ARM's GET returns it, or None."""
        for plan in self._plans.values():
            if plan.rg.lower() == rg.lower() and plan.name.lower() == name.lower():
                return self._plan_json(plan)
        return None

    def app_settings(self, rg: str, name: str) -> dict[str, str] | None:
        """A copy of the site's app settings, or None if there is no such site."""
        found = self._site_in(rg, name)
        return dict(found.app_settings) if found else None

    def take_site_name(self, name: str, *, subscription: str = OTHER_SUBSCRIPTION, resource_group: str = "rg-other"
                       ) -> None:
        """Register ``name`` as a site of another tenant (``subscription``/``resource_group``), invisible to this
        fake's GETs: site names are global (``<name>.azurewebsites.net``), so a PUT of it anywhere else fails
        409 "Website with given name ... already exists" (as reported in
        https://github.com/Azure/azure-quickstart-templates/issues/6361) and the name-availability API answers
        ``nameAvailable: false``, reason ``AlreadyExists``."""
        self._taken[name.lower()] = (subscription, resource_group)

    def host_status(self, rg: str, name: str) -> dict[str, Any] | None:
        """What the Functions host of the site's image reports (``{"state": "Running"|"Error", "errors": [...]}``),
        or None when there is no such site or its image is not in ``functions_host_images`` (no host runs).

        ARM accepts a host app without ``AzureWebJobsStorage`` or ``FUNCTIONS_WORKER_RUNTIME``; the host is what
        fails (``polycloud.testing._azure_state.host_status`` has the sources)."""
        found = self._site_in(rg, name)
        if found is None or found.image not in self.functions_host_images:
            return None
        return host_status(found)

    def client(self, subscription_id: str = DEFAULT_SUBSCRIPTION) -> WebSiteManagementClient:
        """A real ``WebSiteManagementClient`` aimed at this fake: fake token, no poll sleeps, no retries."""
        from azure.mgmt.web import WebSiteManagementClient

        return WebSiteManagementClient(
            FakeCredential(), subscription_id, base_url=self.base_url, polling_interval=0, retry_total=0
        )

    def fault_body(self, status: int) -> Any:
        """ARM's error body for an injected fault."""
        code = FAULT_CODES.get(status, f"HttpStatus{status}")
        return {"error": {"code": code, "message": f"Injected fault: HTTP {status}."}}

    def is_read(self, request: FakeRequest) -> bool:
        """GET and HEAD, and ARM's reads sent as POST: a path ending in ``/list`` (``config/appsettings/list``
        returns the app settings and changes nothing) and ``checknameavailability``, so ``writes`` leaves them
        out."""
        path = request.path.rstrip("/").lower()
        return super().is_read(request) or (request.method == "POST" and (
            path.endswith("/list") or path.endswith("/providers/microsoft.web/checknameavailability")))

    # -- routing --------------------------------------------------------------------
    def handle(self, request: FakeRequest) -> FakeResponse | Fault:
        """Answer one request, with an ``x-ms-request-id`` header like ARM (a dropped connection has none)."""
        answer = super().handle(request)
        if isinstance(answer, Fault) and answer.drop:
            return answer
        self.last_request_id = request_id = str(uuid.uuid4())
        if isinstance(answer, Fault):
            headers = {} if answer.retry_after is None else {"Retry-After": f"{answer.retry_after:g}"}
            answer = FakeResponse(answer.status, answer.body or self.fault_body(answer.status), headers)
        return FakeResponse(answer.status, answer.body, {**answer.headers, "x-ms-request-id": request_id})

    def dispatch(self, request: FakeRequest) -> FakeResponse:
        """Answer one ARM request (errors as ARM's ``{"error": {...}}`` body)."""
        try:
            return self._route(request)
        except ArmError as err:
            return FakeResponse(err.status, err.body())

    def _route(self, request: FakeRequest) -> FakeResponse:
        if not any(key.lower() == "api-version" and value for key, value in request.query.items()):
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        if not request.headers.get("authorization", "").lower().startswith("bearer "):
            raise ArmError(401, "AuthenticationFailed", "The 'Authorization' header is missing.")
        parts = [unquote(p) for p in request.path.split("/") if p]
        low = [p.lower() for p in parts]
        if len(parts) >= 2 and low[0] == "subscriptions":
            check_subscription(parts[1])
        if len(parts) == 8 and low[2:5] + low[6:7] == [
            "providers",
            "microsoft.web",
            "locations",
            "operationresults",
        ]:
            if request.method != "GET":
                raise ArmError(405, "MethodNotAllowed", f"{request.method} is not allowed on an operation.")
            return self._poll(parts[7], request)
        if len(parts) == 5 and low[0] == "subscriptions" and low[2:] == [
            "providers", "microsoft.web", "checknameavailability"
        ]:
            if request.method != "POST":
                raise ArmError(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}.")
            return self._check_name(request)
        if (
            len(parts) >= 8
            and low[0] == "subscriptions"
            and low[2] == "resourcegroups"
            and low[4:6]
            == [
                "providers",
                "microsoft.web",
            ]
        ):
            check_resource_group(parts[3])
            rtype, rest = low[6], tuple(low[8:])
            handler = self._routes.get((rtype, rest, request.method))
            if handler is not None:
                return handler(parts[1], parts[3], parts[7], request)
            if any(key[:2] == (rtype, rest) for key in self._routes):
                raise ArmError(405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}.")
        raise ArmError(400, "UnsupportedByFake", f"FakeArmWeb has no {request.method} {request.path}.")

    # -- App Service plans ---------------------------------------------------------------
    @staticmethod
    def _plan_key(sub: str, rg: str, name: str) -> tuple[str, str, str]:
        return sub.lower(), rg.lower(), name.lower()

    def _plan_sites(self, plan: PlanRecord) -> list[SiteRecord]:
        plan_id = plan.id.lower()
        return [
            s for s in self._sites.values() if str(s.properties.get("serverFarmId", "")).lower() == plan_id
        ]

    def _plan_json(self, plan: PlanRecord) -> dict[str, Any]:
        return plan_view(plan, len(self._plan_sites(plan)))

    def _find_plan(self, sub: str, rg: str, name: str) -> PlanRecord:
        plan = self._plans.get(self._plan_key(sub, rg, name))
        if plan is None:
            raise ArmError(404, "ResourceNotFound", not_found("serverfarms", name, rg))
        return plan

    def _get_plan(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, self._plan_json(self._find_plan(sub, rg, name)))

    def _put_plan(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        key = self._plan_key(sub, rg, name)
        self._settle(f"plan:{'/'.join(key)}")
        plan = build_plan(sub, rg, name, request.body)
        existing = self._plans.get(key)
        if existing is not None:
            same_location(existing.location, plan.location)
            plan.sub, plan.rg, plan.name = existing.sub, existing.rg, existing.name
            self._plans[key] = plan
            return FakeResponse(200, self._plan_json(plan))
        self._pending_plans[key] = plan

        def commit() -> None:
            self._plans[key] = self._pending_plans.pop(key)

        def abandon() -> None:
            self._pending_plans.pop(key, None)

        return self._start(f"plan:{'/'.join(key)}", sub, plan.location, request, commit, abandon)

    def _patch_plan(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        plan = self._find_plan(sub, rg, name)
        body = request.body if isinstance(request.body, dict) else {}
        merged = {
            "location": plan.location,
            "kind": body.get("kind", plan.kind),
            "tags": body.get("tags", plan.tags),
            "sku": {**plan.sku, **(body.get("sku") or {})},
            "properties": {**plan.properties, **(body.get("properties") or {})},
        }
        new = build_plan(plan.sub, plan.rg, plan.name, merged)
        self._plans[self._plan_key(sub, rg, name)] = new
        return FakeResponse(200, self._plan_json(new))

    def _delete_plan(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        plan = self._find_plan(sub, rg, name)
        sites = self._plan_sites(plan)
        if sites:
            names = ", ".join(s.name for s in sites)
            raise ArmError(
                409, "Conflict", f"Server farm '{plan.name}' cannot be deleted: it has web app(s) {names}."
            )
        del self._plans[self._plan_key(sub, rg, name)]
        return FakeResponse(200)

    # -- sites -------------------------------------------------------------------------------
    def _site_in(self, rg: str, name: str, sub: str | None = None) -> SiteRecord | None:
        site = self._sites.get(name.lower())
        if site is None or site.rg.lower() != rg.lower():
            return None
        if sub is not None and site.sub.lower() != sub.lower():
            return None
        return site

    def _find_site(self, sub: str, rg: str, name: str) -> SiteRecord:
        site = self._site_in(rg, name, sub)
        if site is None:
            raise ArmError(404, "ResourceNotFound", not_found("sites", name, rg))
        return site

    def _bind_plan(self, site: SiteRecord) -> None:
        """Check ``serverFarmId`` names an existing plan in the site's subscription and region."""
        farm_id = str(site.properties.get("serverFarmId"))
        parsed = parse_plan_id(farm_id)
        if parsed is None or parsed[0].lower() != site.sub.lower():
            raise ArmError(400, "BadRequest", f"serverFarmId '{farm_id}' is not a valid App Service plan id.")
        plan = self._plans.get(self._plan_key(*parsed))
        if plan is None:
            raise ArmError(404, "NotFound", f"Cannot find ServerFarm with name {parsed[2]}.")
        same_location(plan.location, site.location)
        site.properties["serverFarmId"] = plan.id

    def _get_site(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, site_view(self._find_site(sub, rg, name)))

    def _check_name(self, request: FakeRequest) -> FakeResponse:
        body = request.body if isinstance(request.body, dict) else {}
        name, rtype = str(body.get("name") or ""), str(body.get("type") or "")
        if not name or rtype.lower() not in ("site", "microsoft.web/sites"):
            raise ArmError(400, "BadRequest", "FakeArmWeb checks only site names (type Microsoft.Web/sites).")
        key = name.lower()
        taken = key in self._taken or key in self._sites or key in self._pending_sites
        return FakeResponse(200, name_availability(name, taken))

    def _owner_of(self, name: str) -> tuple[str, str] | None:
        """(subscription, resource group) holding the site name, or None while it is free."""
        other = self._sites.get(name.lower()) or self._pending_sites.get(name.lower())
        return (other.sub, other.rg) if other is not None else self._taken.get(name.lower())

    def _keep_always_ready(self, site: SiteRecord) -> None:
        parsed = parse_plan_id(str(site.properties.get("serverFarmId")))
        plan = self._plans.get(self._plan_key(*parsed)) if parsed else None
        keep_always_ready(site, plan.sku.get("tier") if plan else None)

    def _put_site(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        site = build_site(sub, rg, name, request.body)
        owner = self._owner_of(name)
        if owner is not None and (owner[0].lower(), owner[1].lower()) != (sub.lower(), rg.lower()):
            raise ArmError(409, "Conflict", f"Website with given name {name} already exists.")
        self._settle(f"site:{name.lower()}")
        existing = self._sites.get(name.lower())
        if existing is not None:
            same_location(existing.location, site.location)
            candidate = copy.deepcopy(existing)
            merge_site(candidate, request.body, replace_tags=True)
            self._bind_plan(candidate)
            self._keep_always_ready(candidate)
            self._sites[name.lower()] = candidate
            return FakeResponse(200, site_view(candidate))
        self._bind_plan(site)
        self._keep_always_ready(site)
        self._pending_sites[name.lower()] = site

        def commit() -> None:
            self._sites[name.lower()] = self._pending_sites.pop(name.lower())

        def abandon() -> None:
            self._pending_sites.pop(name.lower(), None)

        return self._start(f"site:{name.lower()}", sub, site.location, request, commit, abandon)

    def _patch_site(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        existing = self._find_site(sub, rg, name)
        candidate = copy.deepcopy(existing)
        merge_site(candidate, request.body, replace_tags=False)
        self._bind_plan(candidate)
        self._keep_always_ready(candidate)
        self._sites[name.lower()] = candidate
        return FakeResponse(200, site_view(candidate))

    def _delete_site(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        site = self._find_site(sub, rg, name)
        del self._sites[name.lower()]
        # ARM deletes an empty plan unless told not to; the SDK sends nothing by default.
        if request.query.get("deleteEmptyServerFarm", "true").lower() != "false":
            parsed = parse_plan_id(str(site.properties.get("serverFarmId")))
            key = self._plan_key(*parsed) if parsed else None
            if key in self._plans and not self._plan_sites(self._plans[key]):
                del self._plans[key]
        return FakeResponse(200)

    def _restart(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        self._find_site(sub, rg, name)
        return FakeResponse(200)

    # -- app settings and site config ------------------------------------------------------------
    def _settings_json(self, site: SiteRecord) -> dict[str, Any]:
        return {
            "id": f"{site.id}/config/appsettings",
            "name": "appsettings",
            "type": "Microsoft.Web/sites/config",
            "location": site.location,
            "properties": dict(site.app_settings),
        }

    def _put_settings(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        site = self._find_site(sub, rg, name)
        if not isinstance(request.body, dict):
            raise ArmError(
                400, "InvalidRequestContent", "The request content was invalid: expected a JSON object."
            )
        site.app_settings = check_app_settings(request.body.get("properties") or {})
        return FakeResponse(200, self._settings_json(site))

    def _list_settings(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, self._settings_json(self._find_site(sub, rg, name)))

    def _get_config(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, config_view(self._find_site(sub, rg, name)))

    def _put_config(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        site = self._find_site(sub, rg, name)
        apply_config(site, request.body, replace=True)
        self._keep_always_ready(site)
        return FakeResponse(200, config_view(site))

    def _patch_config(self, sub: str, rg: str, name: str, request: FakeRequest) -> FakeResponse:
        site = self._find_site(sub, rg, name)
        apply_config(site, request.body, replace=False)
        self._keep_always_ready(site)
        return FakeResponse(200, config_view(site))


def sandbox_settings(fake: FakeArmWeb) -> dict[str, Any]:
    """``AzureFunctionsAdapter`` keyword settings wired to ``fake`` (which must be active while used).

    The fake's client (fake token, no poll sleeps, no SDK retries), its subscription, and a retry
    policy that never sleeps. The resource group and location still come from the spec.
    """
    from polycloud.retry import RetryPolicy

    return {"client": fake.client(DEFAULT_SUBSCRIPTION), "subscription_id": DEFAULT_SUBSCRIPTION,
            "retry": RetryPolicy.no_wait()}
