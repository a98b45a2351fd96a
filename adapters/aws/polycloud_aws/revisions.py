"""Lambda's optimistic concurrency: each write to the function names the ``RevisionId`` this deploy last saw.

``UpdateFunctionConfiguration``, ``UpdateFunctionCode`` and ``PublishVersion`` take a ``RevisionId`` and are
refused with 412 ``PreconditionFailedException`` when the function has changed since
(https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html: "Update the function only
if the revision ID matches the ID that's specified. Use this option to avoid modifying a function that has
changed since you last read it"). A deploy starts from the RevisionId its read found and, after each update
has settled, takes the function's current one, checking that ``LastModified`` is still its own update's (so
nothing else wrote while it waited). The version it publishes is therefore exactly what it wrote; a deploy
that lost a race ends in ``ConcurrentChangeError`` instead of publishing a mix of two specs.

A refused write is not always another deploy's: when our own earlier attempt's answer was lost and the retry
named the old RevisionId, the function already holds what we sent, and the deploy carries on.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from polycloud.errors import ConcurrentChangeError, ProviderError
from polycloud_aws.calls import LambdaCalls
from polycloud_aws.errors import PROVIDER

__all__ = ["STALE", "conditional", "last_configuration", "revision_id", "settled"]

STALE = "PreconditionFailedException"
"""Lambda's error code for a write whose RevisionId is not the function's current one (412)."""


def revision_id(revision: str | None) -> dict[str, str]:
    """The ``RevisionId`` keyword for a write, or none when the revision is not known."""
    return {"RevisionId": revision} if revision else {}


def conditional(name: str, operation: str, send: Callable[[], dict[str, Any]],
                landed: Callable[[], bool]) -> dict[str, Any] | None:
    """Send one write that names a RevisionId. Returns its answer, or None when Lambda refused the RevisionId
    but ``landed()`` finds the function already as this write makes it (our own earlier attempt).

    Raises:
        ConcurrentChangeError: the function changed since this deploy read it, to something else.
    """
    try:
        return send()
    except ProviderError as exc:
        if exc.code != STALE:
            raise
        if landed():
            return None
        raise ConcurrentChangeError(f"function {name} changed since this deploy read it (Lambda refused "
                                    f"{operation}: the RevisionId it named is no longer the function's)",
                                    provider=PROVIDER, operation=operation, code=STALE, status=exc.status) from exc


def settled(api: LambdaCalls, name: str, answer: dict[str, Any] | None,
            seen: dict[str, Any] | None) -> str | None:
    """After an update of the function has settled: its RevisionId, for the next write.

    ``seen`` is the function's configuration as the waiter's last poll found it (read again when there is
    none); ``answer`` is our update's answer, None when it is not known.

    Raises:
        ConcurrentChangeError: ``LastModified`` is no longer the one of our update: another update landed
            while this deploy waited.
    """
    current = seen if seen is not None else api.call(
        "GetFunctionConfiguration", lambda: api.client.get_function_configuration(FunctionName=name))
    mine = (answer or {}).get("LastModified")
    if mine and current.get("LastModified") and current["LastModified"] != mine:
        raise ConcurrentChangeError(f"function {name} was updated by someone else while this deploy waited for "
                                    "its own update", provider=PROVIDER, operation="GetFunction",
                                    code="ConcurrentChange")
    revision = current.get("RevisionId")
    return str(revision) if revision else None


@contextlib.contextmanager
def last_configuration(client: Any, name: str) -> Iterator[dict[str, Any]]:
    """Within the block, the dict holds the ``Configuration`` of function ``name`` from the client's last
    GetFunction answer in this thread (what a waiter's polls found), so the state a wait ended on needs no read
    of its own. A client shared between threads (``deploy_all``) serves other functions' answers meanwhile."""
    seen: dict[str, Any] = {}
    thread = threading.get_ident()

    def keep(parsed: dict[str, Any] | None = None, **_: Any) -> None:
        configuration = (parsed or {}).get("Configuration")
        if threading.get_ident() != thread or not isinstance(configuration, dict):
            return
        if configuration.get("FunctionName") in (None, name):
            seen.clear()
            seen.update(configuration)

    key = f"polycloud-revision-{id(seen)}"
    client.meta.events.register("after-call.lambda.GetFunction", keep, unique_id=key)
    try:
        yield seen
    finally:
        client.meta.events.unregister("after-call.lambda.GetFunction", unique_id=key)
