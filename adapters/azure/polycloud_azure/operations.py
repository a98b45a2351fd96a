"""Long-running ARM operations: start one, wait for it within the adapter's bound, journal what it did.

``ArmCalls`` is the narrow view of ``AzureFunctionsAdapter`` that the deploy steps (``operations``,
``names``, ``plans``) use: the management client and the one way to call it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from polycloud.adapter import Journal
from polycloud.errors import ErrorMapper, ProviderError
from polycloud_azure.errors import PROVIDER, operation_succeeded

__all__ = ["ArmCalls", "wait_for"]

T = TypeVar("T")


class ArmCalls(Protocol):
    """The ``WebSiteManagementClient``, ``call`` to send one request through polycloud's retry policy, and
    ``waiting`` to report a long wait."""

    lro_timeout: float
    """The bound, in seconds, of the wait for one long-running operation."""

    @property
    def client(self) -> Any:
        """The ``WebSiteManagementClient``."""
        ...

    def call(self, operation: str, fn: Callable[[], T], *, mapper: ErrorMapper | None = None) -> T:
        """One SDK call named by its ARM operation id: errors translated, transient ones retried."""
        ...

    def waiting(self, what: str) -> contextlib.AbstractContextManager[None]:
        """Report the progress of a long wait."""
        ...


def wait_for(arm: ArmCalls, operation: str, what: str, start: Callable[[], Any], journal: Journal,
             done: str) -> dict[str, Any]:
    """Start a long-running operation and wait, at most ``arm.lro_timeout`` s, with the client's polling.

    ``done`` goes into the journal once Azure reports the operation ``Succeeded``, even when the SDK's
    final GET of the resource then fails (azure-core's ``LROBasePolling._poll`` reads the resource after
    the operation succeeded): the resource exists, so a failed deploy's ``.changed`` must name it.
    """
    succeeded = False

    def run() -> Any:
        nonlocal succeeded
        poller = start()
        try:
            result = poller.result(timeout=arm.lro_timeout)
        except Exception as exc:
            succeeded = succeeded or operation_succeeded(poller, exc)
            raise
        if not poller.done():
            raise ProviderError(f"{what} did not finish within {arm.lro_timeout:g} s", provider=PROVIDER,
                                operation=operation, code="OperationTimedOut")
        succeeded = True
        return result

    try:
        with arm.waiting(f"waiting for {what}"):
            return dict(arm.call(operation, run))
    finally:
        if succeeded:
            journal.record(done)
