"""``AzureFunctionsAdapter.list``: the resource group's function apps, from WebApps_ListByResourceGroup.

The listing (``GET .../resourceGroups/{rg}/providers/Microsoft.Web/sites``, every ``nextLink`` page,
https://learn.microsoft.com/rest/api/appservice/web-apps/list-by-resource-group) holds every site of the
group, web apps too: only those whose ``kind`` contains ``functionapp`` are function apps. ARM's lists leave
``siteConfig`` out (null), so each app's image comes from its ``config/web``; its memory is its App Service
plan's instance size (Azure Functions has no per-app memory setting), one plan read per plan.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from polycloud.adapter import Listed
from polycloud.limits import ProviderLimits
from polycloud_azure.translate import is_polycloud

__all__ = ["FUNCTION_APP_KIND", "is_function_app", "list_function_apps"]

FUNCTION_APP_KIND = "functionapp"
"""What the ``kind`` of every function app contains (``functionapp``, ``functionapp,linux,container``...)."""

Call = Callable[[str, Callable[[], Any]], Any]


def is_function_app(site: dict[str, Any]) -> bool:
    """True for a site whose ``kind`` names a function app (not a web app, an API app or a logic app)."""
    return FUNCTION_APP_KIND in str(site.get("kind") or "").lower()


def list_function_apps(call: Call, web: Any, plans: Any, rg: str, limits: ProviderLimits) -> list[Listed]:
    """The function apps of ``rg``; ``call`` is the adapter's (errors translated, transient ones retried)."""
    sites = call("WebApps_ListByResourceGroup", lambda: [dict(site) for site in web.list_by_resource_group(rg)])
    plan_memory: dict[str, int | None] = {}
    found = []
    for site in filter(is_function_app, sites):
        name, props = str(site.get("name")), site.get("properties") or {}
        config = props.get("siteConfig") or dict(call(
            "WebApps_GetConfiguration", functools.partial(web.get_configuration, rg, name)).get("properties") or {})
        fx = str(config.get("linuxFxVersion") or "")
        farm = str(props.get("serverFarmId") or "")
        if farm not in plan_memory:
            plan_memory[farm] = _plan_memory(call, plans, farm, limits)
        host = props.get("defaultHostName")
        found.append(Listed(name=name, owned=is_polycloud(site.get("tags")),
                            image=fx.split("|", 1)[1] if fx.upper().startswith("DOCKER|") else None,
                            memory=plan_memory[farm], url=f"https://{host}" if host else None,
                            resource_id=site.get("id")))
    return sorted(found, key=lambda listed: listed.name)


def _plan_memory(call: Call, plans: Any, farm_id: str, limits: ProviderLimits) -> int | None:
    """The instance memory (MiB) of the plan ``farm_id`` names, by its sku; None when unknown or gone."""
    from polycloud.errors import NotFoundError

    parts = farm_id.split("/")
    if len(parts) != 9:
        return None
    try:
        plan = dict(call("AppServicePlans_Get", lambda: plans.get(parts[4], parts[-1])))
    except NotFoundError:
        return None
    sku = str((plan.get("sku") or {}).get("name") or "")
    profile = next((p for p in limits.profiles if p.lower() == sku.lower()), None)
    memory = limits.profile(profile).get("memory") if profile else None
    return int(memory.max) if memory is not None and memory.max is not None else None
