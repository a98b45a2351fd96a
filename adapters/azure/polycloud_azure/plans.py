"""The App Service plan a function app runs on: find it, create or fit it, and remove one this deploy or
app no longer needs (only a plan polycloud created, tagged ``managed-by: polycloud``, that no app uses)."""

from __future__ import annotations

from typing import Any

from polycloud._plan import Plan
from polycloud.adapter import Journal
from polycloud.config import ProviderConfig
from polycloud.errors import ConflictError, NotFoundError, RefusedError
from polycloud_azure.errors import PROVIDER
from polycloud_azure.names import name_availability, refuse_taken_name
from polycloud_azure.operations import ArmCalls, wait_for
from polycloud_azure.translate import OWNER, OWNER_TAG, is_polycloud, plan_body, plan_differences, plan_update_body

__all__ = ["delete_if_unused", "ensure_plan", "get_plan", "plan_of", "undo_plan_if_name_taken"]


def get_plan(arm: ArmCalls, rg: str, name: str) -> dict[str, Any] | None:
    """The App Service plan ``name`` of ``rg``, or None when there is none."""
    plans = arm.client.app_service_plans
    try:
        return dict(arm.call("AppServicePlans_Get", lambda: plans.get(rg, name)))
    except NotFoundError:
        return None


def plan_of(arm: ArmCalls, site: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The plan a site's ``serverFarmId`` names (None when it names none or the plan is gone), and its name."""
    parts = str((site.get("properties") or {}).get("serverFarmId") or "").split("/")
    return (get_plan(arm, parts[4], parts[-1]) if len(parts) == 9 else None), parts[-1] or None


def ensure_plan(arm: ArmCalls, rg: str, desired: ProviderConfig[Any], live: ProviderConfig[Any] | None,
                farm_id: str, journal: Journal) -> bool:
    """Create the App Service plan when it is absent (True) or use an existing one that fits as it is.

    An existing plan that does not fit (another sku or kind, a burst below what the app needs) is
    changed only when polycloud created it and no other app uses it, by a PUT of its live body with
    the tier replaced, so nothing else is lost; otherwise the deploy is refused before any write.
    """
    want = desired["plan"]["name"]
    on_plan = (live.private if live else None) or {}
    on_it = str(on_plan.get("id") or "").lower() == farm_id.lower()  # the app is on this plan now
    found = on_plan if on_it else get_plan(arm, rg, want)
    plans = arm.client.app_service_plans
    operation = "AppServicePlans_CreateOrUpdate"
    if found is None:
        body = plan_body(desired)
        wait_for(arm, operation, f"App Service plan {want}", lambda: plans.begin_create_or_update(rg, want, body),
                 journal, f"created App Service plan {want}")
        return True
    props = found.get("properties") or {}
    if not props.get("reserved"):
        raise RefusedError(f"App Service plan {want} is a Windows plan; a Linux container needs a Linux "
                           "plan: set providers.azure.plan_name to another plan", provider=PROVIDER,
                           operation=operation, code="WindowsPlan")
    problems = plan_differences(desired, found)
    if not problems:
        return False
    others = int(props.get("numberOfSites") or 0) - (1 if on_it else 0)
    if not is_polycloud(found.get("tags")) or others > 0:
        why = (f"it was not created by polycloud (no {OWNER_TAG}: {OWNER} tag)"
               if not is_polycloud(found.get("tags")) else f"{others} other app(s) use it")
        raise RefusedError(
            f"App Service plan {want} does not fit {desired.name}: {'; '.join(problems)}. polycloud changes "
            f"only a plan it created that no other app uses, and {why}: set providers.azure.plan (and "
            "concurrency.max_instances) to match the plan, set providers.azure.plan_name to another plan, "
            "or change the plan yourself", provider=PROVIDER, operation=operation, code="PlanDoesNotFit")
    body = plan_update_body(desired, found)
    wait_for(arm, operation, f"App Service plan {want}", lambda: plans.begin_create_or_update(rg, want, body),
             journal, f"updated App Service plan {want}")
    return False


def undo_plan_if_name_taken(arm: ArmCalls, rg: str, plan: Plan, journal: Journal) -> None:
    """The site PUT said 409: when no such site is ours and the name is not free (taken elsewhere, or the
    identity may not ask), delete the plan this deploy created (it would be left behind, billed; ARM refuses
    to delete a plan any site uses) and refuse with the name's reason.

    Raises:
        RefusedError: the name is taken elsewhere (after the plan was deleted).
    """
    name, want = plan.name, plan.desired["plan"]["name"]
    web = arm.client.web_apps
    try:
        arm.call("WebApps_Get", lambda: web.get(rg, name))
        return  # ours after all (a create whose answer was lost): converge on it
    except NotFoundError:
        pass
    answer = name_availability(arm, name)
    if answer is not None and answer.get("nameAvailable", True):
        return  # free: the conflict was something else, and a rerun uses the plan
    plans = arm.client.app_service_plans
    arm.call("AppServicePlans_Delete", lambda: plans.delete(rg, want))
    journal.record(f"deleted App Service plan {want} again, which this deploy had created: the function "
                   f"app name {name} is taken")
    refuse_taken_name(arm, name, rg, answer or {"nameAvailable": False, "reason": "AlreadyExists",
                                                "message": "the site PUT answered 409 Conflict"})


def delete_if_unused(arm: ArmCalls, site: dict[str, Any]) -> None:
    """After the site was deleted: delete the plan it was on when polycloud created it and no app uses it.

    A plan without the ``managed-by: polycloud`` tag is never deleted, even when it is left empty.
    """
    parts = str((site.get("properties") or {}).get("serverFarmId") or "").split("/")
    found, _ = plan_of(arm, site)
    if found is None or not is_polycloud(found.get("tags")) or (found.get("properties") or {}).get("numberOfSites"):
        return
    plans = arm.client.app_service_plans
    try:
        arm.call("AppServicePlans_Delete", lambda: plans.delete(parts[4], parts[-1]))
    except (NotFoundError, ConflictError):  # gone already, or an app moved onto it meanwhile: keep it
        pass
