"""Function app names are global (``<name>.azurewebsites.net``): ask whether one is free, refuse a taken one.

The name-availability API: POST .../providers/Microsoft.Web/checknameavailability with type
``Microsoft.Web/sites`` (https://learn.microsoft.com/rest/api/appservice/check-name-availability).
"""

from __future__ import annotations

from typing import Any

from polycloud.errors import AuthError, RefusedError
from polycloud_azure.errors import PROVIDER
from polycloud_azure.operations import ArmCalls

__all__ = ["SITE_TYPE", "name_availability", "refuse_taken_name"]

SITE_TYPE = "Microsoft.Web/sites"
"""The resource type the name-availability API checks a function app name as."""


def name_availability(arm: ArmCalls, name: str) -> dict[str, Any] | None:
    """The name-availability API's answer for a site name, or None when this identity may not ask.

    It is a subscription-level action (``Microsoft.Web/checknameavailability/action``) that a role scoped
    to the resource group may lack (403): then the answer is unknown, not an error.
    """
    client = arm.client
    try:
        return dict(arm.call("CheckNameAvailability", lambda: client.check_name_availability(
            {"name": name, "type": SITE_TYPE})))
    except AuthError:
        return None


def refuse_taken_name(arm: ArmCalls, name: str, rg: str, answer: dict[str, Any] | None = None) -> None:
    """Refuse, before any write, a site name that another resource group or subscription holds.

    A PUT of a name taken elsewhere fails with 409 "Website with given name ... already exists" after the
    deploy created the App Service plan, so plan time asks the name-availability API first. Only called when
    the site is not in ``rg``, so "taken" means taken by someone else. An unknown answer
    (``name_availability``) lets the plan go on.

    Raises:
        RefusedError: the name is not available (code ``AlreadyExists`` or ``Invalid``).
    """
    answer = answer or name_availability(arm, name)
    if answer is None or answer.get("nameAvailable", True):
        return
    reason = str(answer.get("reason") or "AlreadyExists")
    said = str(answer.get("message") or "").strip()
    raise RefusedError(
        f"the function app name {name} is not available ({reason}{': ' + said if said else ''}); there is "
        f"no app {name} in resource group {rg} of this subscription, and site names are global across Azure "
        f"(<name>.azurewebsites.net), so another resource group or subscription holds it: choose another "
        "name (nothing was written)", provider=PROVIDER, operation="CheckNameAvailability", code=reason)
