"""The alias every deploy points at its newest version, and the concurrency settings around it.

Every deploy that creates the function or changes its configuration or image publishes a version and
points the alias (``providers.aws.alias``, default ``live``) at it; the function URL and provisioned
concurrency live on that alias, so neither moves when ``min_instances`` crosses 0. The alias's
description records a hash of the published configuration (``publish_stamp``), so a deploy that
updated the function but failed before publishing is finished by the next one.

Lambda never lets provisioned concurrency exceed reserved concurrency, so provisioned concurrency is
lowered (or removed) before reserved concurrency is lowered, and reserved concurrency is raised before
provisioned concurrency is raised.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from polycloud.errors import ConflictError, NotFoundError
from polycloud.plan import Plan
from polycloud_aws.translate import STAMP_PREFIX, publish_stamp

if TYPE_CHECKING:
    from polycloud_aws.adapter import LambdaAdapter

__all__ = ["publish", "retire_alias", "sync_concurrency"]


def publish(adapter: LambdaAdapter, plan: Plan, done: list[str]) -> None:
    """Publish a version and point the alias at it, when the function, its image or the alias changed."""
    live = plan.live or {}
    if plan.live is not None and not plan.touches("function", "code", "alias"):
        return
    name, alias = plan.name, plan.desired["alias"]["Name"]
    stamp = publish_stamp(plan.desired)
    version = str(adapter.call("PublishVersion", lambda: adapter.client.publish_version(
        FunctionName=name, Description=stamp))["Version"])
    fields = {"FunctionName": name, "Name": alias, "FunctionVersion": version, "Description": stamp}
    create = functools.partial(adapter.client.create_alias, **fields)
    update = functools.partial(adapter.client.update_alias, **fields)
    if alias in (live.get("@aliases") or []):
        try:
            adapter.call("UpdateAlias", update)
        except NotFoundError:  # deleted meanwhile
            adapter.call("CreateAlias", create)
    else:
        try:
            adapter.call("CreateAlias", create)
        except ConflictError:  # created meanwhile, or our create's answer was lost
            adapter.call("UpdateAlias", update)
    done.append(f"published version {version} as alias {alias}")


def sync_concurrency(adapter: LambdaAdapter, plan: Plan, done: list[str]) -> None:
    """Reserved and provisioned concurrency, in the order Lambda accepts (provisioned <= reserved)."""
    name, want = plan.name, plan.desired["concurrency"]
    alias = plan.desired["alias"]["Name"]
    live = plan.live or {}
    have = live.get("concurrency") or {"reserved": None, "provisioned": None}
    old_alias = (live.get("alias") or {}).get("Name")
    moved = bool(have["provisioned"]) and old_alias != alias
    lowered = bool(have["provisioned"]) and (moved or not want["provisioned"]
                                             or want["provisioned"] < have["provisioned"])
    if lowered:
        if moved or not want["provisioned"]:
            _remove_provisioned(adapter, name, str(old_alias), done)
        else:
            _put_provisioned(adapter, name, alias, want["provisioned"], done)
    if want["reserved"] != have["reserved"]:
        if want["reserved"] is None:
            adapter.call("DeleteFunctionConcurrency",
                         lambda: adapter.client.delete_function_concurrency(FunctionName=name))
        else:
            adapter.call("PutFunctionConcurrency", lambda: adapter.client.put_function_concurrency(
                FunctionName=name, ReservedConcurrentExecutions=want["reserved"]))
        done.append(f"set reserved concurrency to {want['reserved']}")
    raised = want["provisioned"] and (moved or not have["provisioned"] or want["provisioned"] > have["provisioned"])
    if raised:
        _put_provisioned(adapter, name, alias, want["provisioned"], done)


def retire_alias(adapter: LambdaAdapter, plan: Plan, done: list[str]) -> None:
    """Delete the alias polycloud used before ``providers.aws.alias`` was renamed (never a user's alias)."""
    live = plan.live or {}
    old: dict[str, Any] = live.get("@alias") or {}
    if not old or old.get("Name") == plan.desired["alias"]["Name"]:
        return
    if not str(old.get("Description") or "").startswith(STAMP_PREFIX):
        return
    try:
        adapter.call("DeleteAlias", lambda: adapter.client.delete_alias(FunctionName=plan.name, Name=old["Name"]))
    except NotFoundError:
        pass
    done.append(f"deleted alias {old['Name']}")


def _put_provisioned(adapter: LambdaAdapter, name: str, alias: str, count: int, done: list[str]) -> None:
    adapter.call("PutProvisionedConcurrencyConfig", lambda: adapter.client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=alias, ProvisionedConcurrentExecutions=count))
    done.append(f"set provisioned concurrency {count} on alias {alias}")


def _remove_provisioned(adapter: LambdaAdapter, name: str, alias: str, done: list[str]) -> None:
    try:
        adapter.call("DeleteProvisionedConcurrencyConfig",
                     lambda: adapter.client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=alias))
    except NotFoundError:  # already gone (a delete whose answer was lost)
        pass
    done.append(f"removed provisioned concurrency from alias {alias}")
