"""The alias every deploy points at its newest version, and the concurrency settings around it.

Every deploy that creates the function or changes its configuration or image publishes a version and
points the alias (``providers.aws.alias``, default ``live``) at it; the function URL and provisioned
concurrency live on that alias, so neither moves when ``min_instances`` crosses 0. The alias's
description records a hash of the published configuration (``publish_stamp``), so a deploy that
updated the function but failed before publishing is finished by the next one.
``read_alias`` finds that alias again: one with polycloud's stamp, else one with provisioned
concurrency (deploys from before the stamp), else ``live``.

Lambda never lets provisioned concurrency exceed reserved concurrency, so provisioned concurrency is
lowered (or removed) before reserved concurrency is lowered, and reserved concurrency is raised before
provisioned concurrency is raised.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from polycloud._plan import Plan
from polycloud.adapter import Journal
from polycloud.errors import ConflictError, NotFoundError
from polycloud_aws.calls import LambdaCalls
from polycloud_aws.errors import answer_field
from polycloud_aws.optional import read_optional, unsupported_note
from polycloud_aws.translate import STAMP_PREFIX, LiveFacts, publish_stamp

__all__ = ["PROVISIONED_LISTING", "publish", "read_alias", "retire_alias", "sync_concurrency"]


PROVISIONED_LISTING = "ListProvisionedConcurrencyConfigs"


def read_alias(api: LambdaCalls, name: str,
               notes: list[str]) -> tuple[dict[str, Any] | None, tuple[str, ...], int | None]:
    """The alias polycloud manages (a ListAliases item, or None), the names of every alias, and the
    provisioned concurrency on polycloud's alias. An endpoint without provisioned concurrency (stock moto)
    reads as none, with a note in ``notes``."""
    aliases = api.call("ListAliases", lambda: api.client.list_aliases(FunctionName=name, MaxItems=10000))
    listing = read_optional(api, PROVISIONED_LISTING,
                            lambda: api.client.list_provisioned_concurrency_configs(FunctionName=name))
    if listing is None:
        notes.append(unsupported_note(PROVISIONED_LISTING, "provisioned concurrency was read as none"))
    provisioned = {str(item["FunctionArn"]).rsplit(":", 1)[-1]: int(item["RequestedProvisionedConcurrentExecutions"])
                   for item in (listing or {}).get("ProvisionedConcurrencyConfigs", [])}
    every = aliases.get("Aliases") or []
    ours = _our_alias(every, provisioned)
    return ours, tuple(a["Name"] for a in every), provisioned.get(ours["Name"]) if ours else None


def _our_alias(aliases: list[dict[str, Any]], provisioned: dict[str, int]) -> dict[str, Any] | None:
    """The alias polycloud manages: one it stamped (preferring one with provisioned concurrency), else one
    with provisioned concurrency (deploys from before the stamp), else ``live``."""
    stamped = [a for a in aliases if str(a.get("Description") or "").startswith(STAMP_PREFIX)]
    if stamped:
        return next((a for a in stamped if a["Name"] in provisioned), stamped[0])
    return next((a for a in aliases if a["Name"] in provisioned), None) or next(
        (a for a in aliases if a["Name"] == "live"), None)


def publish(api: LambdaCalls, plan: Plan, journal: Journal) -> None:
    """Publish a version and point the alias at it, when the function, its image or the alias changed."""
    if plan.live is not None and not plan.touches("function", "code", "alias"):
        return
    name, alias = plan.name, plan.desired["alias"]["Name"]
    stamp = publish_stamp(plan.desired)
    published = api.call("PublishVersion", lambda: api.client.publish_version(FunctionName=name, Description=stamp))
    version = str(answer_field(published, "PublishVersion", "Version"))
    journal.record(f"published version {version}")  # said even when the alias call below fails
    fields = {"FunctionName": name, "Name": alias, "FunctionVersion": version, "Description": stamp}
    create = functools.partial(api.client.create_alias, **fields)
    update = functools.partial(api.client.update_alias, **fields)
    if alias in LiveFacts.of(plan.live).aliases:
        try:
            api.call("UpdateAlias", update)
        except NotFoundError:  # deleted meanwhile
            api.call("CreateAlias", create)
    else:
        try:
            api.call("CreateAlias", create)
        except ConflictError:  # created meanwhile, or our create's answer was lost
            api.call("UpdateAlias", update)
    journal.record(f"pointed alias {alias} at version {version}")


def sync_concurrency(api: LambdaCalls, plan: Plan, journal: Journal) -> None:
    """Reserved and provisioned concurrency, in the order Lambda accepts (provisioned <= reserved)."""
    name, want = plan.name, plan.desired["concurrency"]
    alias = plan.desired["alias"]["Name"]
    live: Mapping[str, Any] = plan.live or {}
    have = live.get("concurrency") or {"reserved": None, "provisioned": None}
    old_alias = (live.get("alias") or {}).get("Name")
    moved = bool(have["provisioned"]) and old_alias != alias
    lowered = bool(have["provisioned"]) and (moved or not want["provisioned"]
                                             or want["provisioned"] < have["provisioned"])
    if lowered:
        if moved or not want["provisioned"]:
            _remove_provisioned(api, name, str(old_alias), journal)
        else:
            _put_provisioned(api, name, alias, want["provisioned"], journal)
    if want["reserved"] != have["reserved"]:
        if want["reserved"] is None:
            api.call("DeleteFunctionConcurrency", lambda: api.client.delete_function_concurrency(FunctionName=name))
        else:
            api.call("PutFunctionConcurrency", lambda: api.client.put_function_concurrency(
                FunctionName=name, ReservedConcurrentExecutions=want["reserved"]))
        journal.record(f"set reserved concurrency to {want['reserved']}")
    raised = want["provisioned"] and (moved or not have["provisioned"] or want["provisioned"] > have["provisioned"])
    if raised:
        _put_provisioned(api, name, alias, want["provisioned"], journal)


def retire_alias(api: LambdaCalls, plan: Plan, journal: Journal) -> None:
    """Delete the alias polycloud used before ``providers.aws.alias`` was renamed (never a user's alias)."""
    old = LiveFacts.of(plan.live).alias or {}
    if not old or old.get("Name") == plan.desired["alias"]["Name"]:
        return
    if not str(old.get("Description") or "").startswith(STAMP_PREFIX):
        return
    try:
        api.call("DeleteAlias", lambda: api.client.delete_alias(FunctionName=plan.name, Name=old["Name"]))
    except NotFoundError:
        pass
    journal.record(f"deleted alias {old['Name']}")


def _put_provisioned(api: LambdaCalls, name: str, alias: str, count: int, journal: Journal) -> None:
    api.call("PutProvisionedConcurrencyConfig", lambda: api.client.put_provisioned_concurrency_config(
        FunctionName=name, Qualifier=alias, ProvisionedConcurrentExecutions=count))
    journal.record(f"set provisioned concurrency {count} on alias {alias}")


def _remove_provisioned(api: LambdaCalls, name: str, alias: str, journal: Journal) -> None:
    try:
        api.call("DeleteProvisionedConcurrencyConfig",
                 lambda: api.client.delete_provisioned_concurrency_config(FunctionName=name, Qualifier=alias))
    except NotFoundError:  # already gone (a delete whose answer was lost)
        pass
    journal.record(f"removed provisioned concurrency from alias {alias}")
