"""The function URL on the alias, and the two permissions that make it public.

A public URL (``network.auth: none``) needs both statements Lambda requires since October 2025:
``lambda:InvokeFunctionUrl`` with ``FunctionUrlAuthType: NONE`` and ``lambda:InvokeFunction`` with
``InvokedViaFunctionUrl``. Either one alone is still public state, read as such (``public_state``): a
deploy that stopped between its two AddPermission calls, or a "make private" deploy that stopped between
its two RemovePermission calls (leaving ``InvokeFunction`` for principal ``*``), reads as neither public
nor private, so the next plan shows the change and the next deploy adds the missing one or removes the
one left.
Creates whose answer was lost are checked against the live state rather than assumed: a duplicate
statement id or an existing URL config is accepted only once it has been read back.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from polycloud._plan import Plan
from polycloud.adapter import Journal
from polycloud.errors import ConflictError, NotFoundError
from polycloud_aws.calls import LambdaCalls
from polycloud_aws.errors import answer_field
from polycloud_aws.translate import LiveFacts

__all__ = ["PUBLIC_STATEMENTS", "public_state", "qualified", "read_statements", "read_url", "sync_url"]

PUBLIC_STATEMENTS: dict[str, dict[str, Any]] = {
    "polycloud-url-public": {"Action": "lambda:InvokeFunctionUrl", "Principal": "*",
                             "FunctionUrlAuthType": "NONE"},
    "polycloud-url-public-invoke": {"Action": "lambda:InvokeFunction", "Principal": "*",
                                    "InvokedViaFunctionUrl": True},
}


def public_state(statements: list[str] | tuple[str, ...]) -> bool | list[str]:
    """True when both public statements are there, False when neither is, else the list of the one that is."""
    present = [sid for sid in PUBLIC_STATEMENTS if sid in statements]
    if len(present) == len(PUBLIC_STATEMENTS):
        return True
    return present or False


def qualified(name: str, qualifier: str | None) -> dict[str, Any]:
    """FunctionName plus Qualifier when there is one."""
    return {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}


def read_url(api: LambdaCalls, name: str, alias: str | None) -> tuple[dict[str, Any] | None, list[str]]:
    """The URL config on ``alias`` (else on the unqualified function) with its ``Qualifier``, and which
    public statements it has."""
    for qualifier in ([alias] if alias else []) + [None]:
        kwargs = qualified(name, qualifier)
        try:
            url = api.call("GetFunctionUrlConfig", functools.partial(api.client.get_function_url_config, **kwargs))
        except NotFoundError:
            continue
        url["Qualifier"] = qualifier
        return url, read_statements(api, kwargs)
    return None, []


def read_statements(api: LambdaCalls, kwargs: dict[str, Any]) -> list[str]:
    """The ids of polycloud's public statements in the resource policy of ``kwargs``' function."""
    try:
        policy = api.call("GetPolicy", functools.partial(api.client.get_policy, **kwargs))
    except NotFoundError:
        return []
    sids = {s.get("Sid") for s in json.loads(policy.get("Policy") or "{}").get("Statement", [])}
    return [sid for sid in PUBLIC_STATEMENTS if sid in sids]


def sync_url(api: LambdaCalls, plan: Plan, journal: Journal) -> str | None:
    """Create, move, update or remove the function URL and its public statements; return its address."""
    name, want = plan.name, plan.desired["url"]
    have = plan.live["url"] if plan.live is not None else None
    address = plan.live.url if plan.live is not None else None
    statements = list(LiveFacts.of(plan.live).statements)
    if have and (want is None or want["Qualifier"] != have["Qualifier"]):
        kwargs = qualified(name, have["Qualifier"])
        _remove_statements(api, kwargs, statements, journal)
        try:
            api.call("DeleteFunctionUrlConfig", functools.partial(api.client.delete_function_url_config, **kwargs))
        except NotFoundError:
            pass
        journal.record(f"removed function URL {address}")
        if want is not None:
            journal.note(f"the function URL moved to alias {want['Qualifier']}, so its address changed "
                         f"(was {address})")
        have, address, statements = None, None, []
    if want is None:
        return None
    kwargs = qualified(name, want["Qualifier"])
    if have is None:
        address = _create_url(api, kwargs, want["AuthType"])
        journal.record(f"created function URL ({want['AuthType']}) on alias {want['Qualifier']}")
    elif have["AuthType"] != want["AuthType"]:
        address = _update_url(api, kwargs, want["AuthType"])
        journal.record(f"set function URL auth to {want['AuthType']}")
    if want["Public"]:
        for sid in [s for s in PUBLIC_STATEMENTS if s not in statements]:
            _add_statement(api, kwargs, sid)
            journal.record(f"allowed public access to the function URL ({sid})")
    else:
        _remove_statements(api, kwargs, statements, journal)
    return address


def _create_url(api: LambdaCalls, kwargs: dict[str, Any], auth: str) -> str:
    try:
        created = api.call("CreateFunctionUrlConfig", functools.partial(
            api.client.create_function_url_config, AuthType=auth, **kwargs))
    except ConflictError:  # "FunctionUrlConfig exists": our lost create, or another deploy; read it
        existing = api.call("GetFunctionUrlConfig", functools.partial(api.client.get_function_url_config, **kwargs))
        if existing.get("AuthType") != auth:
            return _update_url(api, kwargs, auth)
        return str(answer_field(existing, "GetFunctionUrlConfig", "FunctionUrl"))
    return str(answer_field(created, "CreateFunctionUrlConfig", "FunctionUrl"))


def _update_url(api: LambdaCalls, kwargs: dict[str, Any], auth: str) -> str:
    updated = api.call("UpdateFunctionUrlConfig", functools.partial(
        api.client.update_function_url_config, AuthType=auth, **kwargs))
    return str(answer_field(updated, "UpdateFunctionUrlConfig", "FunctionUrl"))


def _add_statement(api: LambdaCalls, kwargs: dict[str, Any], sid: str) -> None:
    try:
        api.call("AddPermission", functools.partial(api.client.add_permission, StatementId=sid,
                                                    **PUBLIC_STATEMENTS[sid], **kwargs))
    except ConflictError:  # "The statement id (...) provided already exists": accept it once read back
        if sid not in read_statements(api, kwargs):
            raise


def _remove_statements(api: LambdaCalls, kwargs: dict[str, Any], statements: list[str],
                       journal: Journal) -> None:
    for sid in statements:
        try:
            api.call("RemovePermission", functools.partial(api.client.remove_permission, StatementId=sid, **kwargs))
        except NotFoundError:
            pass
        journal.record(f"removed public access to the function URL ({sid})")
