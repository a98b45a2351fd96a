"""State, validation and JSON views behind ``polycloud.testing.azure.FakeArmWeb``.

Pure Python, no I/O and no SDK imports: records of App Service plans and sites, the checks
the real ``Microsoft.Web`` resource provider makes on them, and the JSON bodies ARM answers.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "FAULT_CODES",
    "ArmError",
    "Operation",
    "PlanRecord",
    "SiteRecord",
    "build_plan",
    "apply_config",
    "build_site",
    "check_app_settings",
    "check_resource_group",
    "check_subscription",
    "config_view",
    "has_host_storage",
    "host_status",
    "keep_always_ready",
    "merge_site",
    "name_availability",
    "norm_location",
    "not_found",
    "parse_plan_id",
    "plan_view",
    "same_location",
    "site_view",
]

#: Known App Service plan SKU names (lower case) -> the tier ARM reports for them.
SKU_TIERS: dict[str, str] = {
    "f1": "Free",
    "d1": "Shared",
    "y1": "Dynamic",
    "fc1": "FlexConsumption",
    **{f"ep{i}": "ElasticPremium" for i in (1, 2, 3)},
    **{f"b{i}": "Basic" for i in (1, 2, 3)},
    **{f"s{i}": "Standard" for i in (1, 2, 3)},
    **{f"p{i}": "Premium" for i in (1, 2, 3)},
    **{f"p{i}v2": "PremiumV2" for i in (1, 2, 3)},
    **{f"p{i}v3": "PremiumV3" for i in (0, 1, 2, 3)},
    **{f"p{i}mv3": "PremiumMV3" for i in (1, 2, 3, 4, 5)},
    **{f"i{i}v2": "IsolatedV2" for i in (1, 2, 3)},
    "ws1": "WorkflowStandard",
    "ws2": "WorkflowStandard",
    "ws3": "WorkflowStandard",
}

_SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$")
_PLAN_NAME = re.compile(r"^[A-Za-z0-9-]{1,60}$")
_RG_NAME = re.compile(r"^[-\w.()]{0,89}[-\w()]$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PLAN_ID = re.compile(
    r"^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.Web/serverfarms/([^/]+)$", re.I
)
#: The ARM error code an injected fault of each HTTP status carries.
FAULT_CODES: dict[int, str] = {
    400: "BadRequest",
    401: "AuthenticationFailed",
    403: "AuthorizationFailed",
    404: "ResourceNotFound",
    409: "Conflict",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}
_FAKE_TENANT = "00000000-0000-0000-0000-00000000fa4e"


class ArmError(Exception):
    """A request ARM rejects: HTTP ``status`` with the ``{"error": {"code", "message"}}`` body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        """ARM's error body for this error."""
        return {"error": {"code": self.code, "message": self.message}}


@dataclass
class PlanRecord:
    """One App Service plan (``Microsoft.Web/serverfarms``)."""

    sub: str
    rg: str
    name: str
    location: str
    kind: str | None
    sku: dict[str, Any]
    tags: dict[str, str] | None
    properties: dict[str, Any]

    @property
    def id(self) -> str:
        """The ARM resource id."""
        return (
            f"/subscriptions/{self.sub}/resourceGroups/{self.rg}/providers/Microsoft.Web/serverfarms/"
            + self.name
        )


@dataclass
class SiteRecord:
    """One site (function app); app settings and site config are kept apart, as ARM does."""

    sub: str
    rg: str
    name: str
    location: str
    kind: str | None
    tags: dict[str, str] | None
    identity: dict[str, Any] | None
    properties: dict[str, Any]
    site_config: dict[str, Any] = field(default_factory=dict)
    app_settings: dict[str, str] = field(default_factory=dict)
    storage_at_create: bool = False
    """Whether host storage (``AzureWebJobsStorage[__*]``) was among the app settings the site was created with:
    a Functions host app created without it "won't run, even if the settings are added later"."""

    @property
    def id(self) -> str:
        """The ARM resource id."""
        return f"/subscriptions/{self.sub}/resourceGroups/{self.rg}/providers/Microsoft.Web/sites/{self.name}"

    @property
    def image(self) -> str | None:
        """The container image of ``linuxFxVersion`` (``DOCKER|<image>``), or None."""
        fx = str(self.site_config.get("linuxFxVersion") or "")
        return fx.split("|", 1)[1] if fx.upper().startswith("DOCKER|") else None


@dataclass
class Operation:
    """A long-running operation: ``polls_left`` InProgress answers, then Succeeded (``commit``) or Failed."""

    id: str
    target: str
    polls_left: int
    commit: Callable[[], None]
    abandon: Callable[[], None]
    error: dict[str, str] | None = None
    status: str = "InProgress"


def norm_location(location: str) -> str:
    """ARM's canonical form of a region ("West Europe" -> "westeurope")."""
    return location.replace(" ", "").lower()


def check_subscription(sub: str) -> None:
    """Reject a subscription id that is not a GUID, like ARM does."""
    if not _GUID.match(sub):
        raise ArmError(400, "InvalidSubscriptionId", f"The subscription identifier '{sub}' is malformed.")


def check_resource_group(rg: str) -> None:
    """Reject an invalid resource group name (1-90 of ``[-\\w.()]``, not ending in a period)."""
    if not _RG_NAME.match(rg):
        raise ArmError(400, "InvalidResourceGroupName", f"Resource group name '{rg}' is invalid.")


def parse_plan_id(plan_id: str) -> tuple[str, str, str] | None:
    """``(subscription, resource group, name)`` of a serverfarm resource id, or None if malformed."""
    match = _PLAN_ID.match(plan_id or "")
    return (match.group(1), match.group(2), match.group(3)) if match else None


def _invalid_content(why: str) -> ArmError:
    return ArmError(400, "InvalidRequestContent", f"The request content was invalid: {why}.")


def _require_location(body: dict[str, Any], what: str) -> str:
    location = body.get("location")
    if not isinstance(location, str) or not location.strip():
        raise ArmError(400, "LocationRequired", f"The location property is required for {what}.")
    return location


def _properties(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise _invalid_content("'properties' is not an object")
    return copy.deepcopy(props)


def build_plan(sub: str, rg: str, name: str, body: Any) -> PlanRecord:
    """Validate a serverfarm PUT body and build the plan it describes."""
    if not _PLAN_NAME.match(name):
        raise ArmError(400, "InvalidResourceName", f"The App Service plan name '{name}' is invalid.")
    if not isinstance(body, dict):
        raise _invalid_content("expected a JSON object")
    location = _require_location(body, "serverfarms")
    sku = dict(body.get("sku") or {})
    sku_name = sku.get("name")
    if not isinstance(sku_name, str) or sku_name.lower() not in SKU_TIERS:
        raise ArmError(400, "InvalidSku", f"The SKU '{sku_name}' is not valid for an App Service plan.")
    sku.setdefault("tier", SKU_TIERS[sku_name.lower()])
    sku.setdefault("size", sku_name)
    sku.setdefault("family", re.sub(r"\d.*$", "", sku_name) or sku_name)
    sku.setdefault("capacity", 0 if sku_name.lower() in ("y1", "fc1") else 1)
    props = _properties(body)
    props.setdefault("reserved", False)
    return PlanRecord(sub, rg, name, location, body.get("kind"), sku, body.get("tags"), props)


def plan_view(plan: PlanRecord, number_of_sites: int) -> dict[str, Any]:
    """The JSON ARM returns for a plan."""
    props = copy.deepcopy(plan.properties)
    props.update(
        provisioningState="Succeeded", status="Ready", numberOfSites=number_of_sites, resourceGroup=plan.rg
    )
    view: dict[str, Any] = {
        "id": plan.id,
        "name": plan.name,
        "type": "Microsoft.Web/serverfarms",
        "location": plan.location,
        "kind": plan.kind,
        "sku": copy.deepcopy(plan.sku),
        "properties": props,
    }
    if plan.tags is not None:
        view["tags"] = dict(plan.tags)
    return view


def check_app_settings(settings: Any) -> dict[str, str]:
    """Validate app settings given as ``{name: value}`` or ARM's ``[{"name", "value"}]`` list."""
    if isinstance(settings, list):
        pairs = []
        for item in settings:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise ArmError(400, "BadRequest", "Each app setting needs a string 'name'.")
            pairs.append((item["name"], item.get("value")))
    elif isinstance(settings, dict):
        pairs = list(settings.items())
    else:
        raise ArmError(400, "BadRequest", "App settings must be an object of name -> value.")
    out: dict[str, str] = {}
    for key, value in pairs:
        if not key or not isinstance(value, (str, type(None))):
            raise ArmError(400, "BadRequest", f"Invalid app setting {key!r}: need a name and a string value.")
        out[key] = value or ""
    return out


def _identity(identity: Any, site_id: str) -> dict[str, Any] | None:
    if not isinstance(identity, dict):
        return None
    out = copy.deepcopy(identity)
    if "systemassigned" in str(out.get("type", "")).lower():
        out.setdefault("principalId", str(uuid.uuid5(uuid.NAMESPACE_URL, site_id.lower())))
        out.setdefault("tenantId", _FAKE_TENANT)
    return out


def _split_config(props: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    config = props.pop("siteConfig", None) or {}
    if not isinstance(config, dict):
        raise _invalid_content("'siteConfig' is not an object")
    return config, config.pop("appSettings", None)


def build_site(sub: str, rg: str, name: str, body: Any) -> SiteRecord:
    """Validate a site PUT body (name, location, serverFarmId present) and build the new site."""
    if not _SITE_NAME.match(name):
        raise ArmError(
            400,
            "InvalidSiteName",
            f"The site name '{name}' is invalid: use 2-60 letters, digits and hyphens, "
            "not starting or ending with a hyphen.",
        )
    if not isinstance(body, dict):
        raise _invalid_content("expected a JSON object")
    location = _require_location(body, "sites")
    props = _properties(body)
    if not isinstance(props.get("serverFarmId"), str):
        raise ArmError(400, "BadRequest", "The parameter properties.serverFarmId is required.")
    config, settings = _split_config(props)
    site = SiteRecord(sub, rg, name, location, body.get("kind"), body.get("tags"), None, props, config)
    site.identity = _identity(body.get("identity"), site.id)
    site.app_settings = check_app_settings(settings) if settings is not None else {}
    site.storage_at_create = has_host_storage(site.app_settings)
    return site


def merge_site(site: SiteRecord, body: Any, *, replace_tags: bool) -> None:
    """Apply a PUT (``replace_tags``) or PATCH body to an existing site: properties and siteConfig merge."""
    if not isinstance(body, dict):
        raise _invalid_content("expected a JSON object")
    props = _properties(body)
    config, settings = _split_config(props)
    new_settings = check_app_settings(settings) if settings is not None else None
    if body.get("kind") is not None:
        site.kind = body["kind"]
    if replace_tags and "tags" in body:
        site.tags = body["tags"]
    if "identity" in body:
        site.identity = _identity(body["identity"], site.id)
    site.properties.update(props)
    site.site_config.update(config)
    if new_settings is not None:
        site.app_settings = new_settings


def site_view(site: SiteRecord) -> dict[str, Any]:
    """The JSON ARM returns for a site: computed host names and state, ``siteConfig.appSettings`` null."""
    host = f"{site.name.lower()}.azurewebsites.net"
    props = copy.deepcopy(site.properties)
    props.update(
        state="Running",
        enabled=True,
        usageState="Normal",
        availabilityState="Normal",
        provisioningState="Succeeded",
        resourceGroup=site.rg,
        defaultHostName=host,
        hostNames=[host],
        enabledHostNames=[host, f"{site.name.lower()}.scm.azurewebsites.net"],
        siteConfig={**copy.deepcopy(site.site_config), "appSettings": None},
    )
    view: dict[str, Any] = {
        "id": site.id,
        "name": site.name,
        "type": "Microsoft.Web/sites",
        "kind": site.kind,
        "location": site.location,
        "properties": props,
    }
    if site.tags is not None:
        view["tags"] = dict(site.tags)
    if site.identity is not None:
        view["identity"] = copy.deepcopy(site.identity)
    return view


def config_view(site: SiteRecord) -> dict[str, Any]:
    """The JSON of ``.../sites/{name}/config/web`` (``appSettings`` null, as ARM answers)."""
    return {
        "id": f"{site.id}/config/web",
        "name": site.name,
        "type": "Microsoft.Web/sites/config",
        "location": site.location,
        "properties": {**copy.deepcopy(site.site_config), "appSettings": None},
    }


def apply_config(site: SiteRecord, body: Any, *, replace: bool) -> None:
    """PUT (``replace``) or PATCH ``.../config/web``: ``{"properties": {...siteConfig...}}``."""
    if not isinstance(body, dict):
        raise _invalid_content("expected a JSON object")
    config, settings = _split_config({"siteConfig": _properties(body)})
    new_settings = check_app_settings(settings) if settings is not None else None
    site.site_config = config if replace else {**site.site_config, **config}
    if new_settings is not None:
        site.app_settings = new_settings


HOST_STORAGE_DOC = "https://learn.microsoft.com/azure/azure-functions/functions-recover-storage-account"
WORKER_RUNTIME_DOC = "https://learn.microsoft.com/azure/azure-functions/errors-diagnostics/diagnostic-events/azfd0011"
ALWAYS_READY_DOC = "https://learn.microsoft.com/azure/azure-functions/functions-premium-plan"


def has_host_storage(settings: dict[str, str]) -> bool:
    """``AzureWebJobsStorage`` (a connection string) or an identity-based ``AzureWebJobsStorage__*`` setting."""
    return any(k == "AzureWebJobsStorage" or k.startswith("AzureWebJobsStorage__") for k in settings)


def keep_always_ready(site: SiteRecord, plan_tier: str | None) -> None:
    """On Elastic Premium, ``minimumElasticInstanceCount`` is at least 1: a site created or updated with 0 (or
    without it) reads back 1.

    Every Premium plan keeps at least one always-ready (billed) instance and the portal's minimum is 1
    (ALWAYS_READY_DOC); the service is reported to reset 0, or to refuse it with "The desired
    MinimumElasticInstanceCount (0) for the site ... must be greater than zero"
    (https://github.com/MicrosoftLearning/AZ-104-MicrosoftAzureAdministrator/issues/1056), and Terraform's azurerm
    provider never sends 0 and reads the field back as computed. The fake models the reset, so a client that
    sends 0 sees a difference on every read.
    """
    if str(plan_tier or "").lower() != "elasticpremium":
        return
    if int(site.site_config.get("minimumElasticInstanceCount") or 0) < 1:
        site.site_config["minimumElasticInstanceCount"] = 1


def host_status(site: SiteRecord) -> dict[str, Any]:
    """What the Functions host in a Functions image would report (the shape of its ``/admin/host/status``):
    ``state`` Running or Error, and the errors it raised.

    ARM accepts any app settings; the host is what fails. Without host storage at creation the app "won't run,
    even if the settings are added later" (HOST_STORAGE_DOC: the portal then says "Azure Functions Runtime is
    unreachable"); without ``FUNCTIONS_WORKER_RUNTIME`` the host raises diagnostic event AZFD0011 (a warning:
    "you might see performance degradation, exceptions, or unexpected behavior", WORKER_RUNTIME_DOC).
    """
    errors: list[str] = []
    state = "Running"
    if not site.storage_at_create or not has_host_storage(site.app_settings):
        state = "Error"
        errors.append("Azure Functions Runtime is unreachable: AzureWebJobsStorage was not set when the app was "
                      f"created ({HOST_STORAGE_DOC})")
    if not site.app_settings.get("FUNCTIONS_WORKER_RUNTIME"):
        errors.append(f"AZFD0011: The FUNCTIONS_WORKER_RUNTIME setting is required ({WORKER_RUNTIME_DOC})")
    return {"state": state, "errors": errors}


def name_availability(name: str, taken: bool) -> dict[str, Any]:
    """The answer of ``POST .../providers/Microsoft.Web/checknameavailability`` for a site name
    (https://learn.microsoft.com/rest/api/appservice/check-name-availability): ``Invalid`` for a name that
    breaks the site naming rules, ``AlreadyExists`` for one in use anywhere (site names are global)."""
    if not _SITE_NAME.match(name):
        return {"nameAvailable": False, "reason": "Invalid",
                "message": f"The name '{name}' is invalid: use 2-60 letters, digits and hyphens."}
    if taken:
        # WebSiteExtendedErrorCodes.HostNameAlreadyExists: "Hostname '{0}' already exists."
        # (https://learn.microsoft.com/previous-versions/azure/reference/dn620073(v=azure.100))
        return {"nameAvailable": False, "reason": "AlreadyExists", "message": f"Hostname '{name}' already exists."}
    return {"nameAvailable": True}


def not_found(rtype: str, name: str, rg: str) -> str:
    """ARM's ResourceNotFound message."""
    return (
        f"The Resource 'Microsoft.Web/{rtype}/{name}' under resource group '{rg}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    )


def same_location(expected: str, got: str) -> None:
    """Reject ``got`` unless it is the same region as ``expected``."""
    if norm_location(expected) != norm_location(got):
        raise ArmError(
            400, "InvalidResourceLocation", f"The location '{got}' does not match the expected '{expected}'."
        )
