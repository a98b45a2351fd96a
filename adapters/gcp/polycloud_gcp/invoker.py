"""The ``allUsers`` invoker binding in a Cloud Run service's IAM policy: read it, and add or remove it.

polycloud makes a service public through the service's own ``invokerIamDisabled`` field (see
``translate``); this module only reads a binding made earlier or by hand, and removes it when the spec
says ``auth: iam``, leaving every other binding as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final

from polycloud.errors import ConflictError
from polycloud_gcp.translate import INVOKER_ROLE, PUBLIC_MEMBER

__all__ = ["IAM_ATTEMPTS", "RPC_TIMEOUT", "get_policy", "grants_public", "set_public"]

Caller = Callable[[str, Callable[[], Any]], Any]
"""The adapter's ``call``: one SDK call named by its operation, errors translated, retried."""

RPC_TIMEOUT: Final = 60.0
"""Seconds for one API request (not for an operation, which the adapter's ``polling`` bounds)."""
IAM_ATTEMPTS: Final = 5
"""Read-modify-write rounds of the IAM policy before a concurrent-change conflict is reported."""


def get_policy(call: Caller, client: Any, resource: str) -> Any:
    """The service's IAM policy (version 3, so conditional bindings are returned as such)."""
    return call("GetIamPolicy", lambda: client.get_iam_policy(
        request={"resource": resource, "options": {"requested_policy_version": 3}},
        retry=None, timeout=RPC_TIMEOUT))


def grants_public(policy: Any) -> bool:
    """True when ``allUsers`` holds the invoker role without a condition."""
    return any(b.role == INVOKER_ROLE and PUBLIC_MEMBER in b.members and not b.HasField("condition")
               for b in policy.bindings)


def set_public(call: Caller, client: Any, resource: str, public: bool) -> bool:
    """Add or remove the allUsers invoker binding, leaving every other binding as it is.

    Returns False when the policy already said so. A concurrent policy change (stale etag) starts the
    read-modify-write again, at most ``IAM_ATTEMPTS`` times.
    """
    for attempt in range(1, IAM_ATTEMPTS + 1):
        policy = get_policy(call, client, resource)
        if grants_public(policy) == public:
            return False
        _edit(policy, public)
        put = functools.partial(client.set_iam_policy, request={"resource": resource, "policy": policy}, retry=None,
                                timeout=RPC_TIMEOUT)
        try:
            call("SetIamPolicy", put)
        except ConflictError:
            if attempt == IAM_ATTEMPTS:
                raise
            continue
        return True
    return False  # pragma: no cover - the loop returns or raises


def _edit(policy: Any, public: bool) -> None:
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
