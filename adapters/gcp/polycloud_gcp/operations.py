"""Cloud Run's long-running operations: send the service PATCH (re-sent once when only our own lost answer
made its etag stale), and wait for an operation to the end.

``RunCalls`` is the narrow view of ``CloudRunAdapter`` these steps use: the ``ServicesClient``, the one way
to call it, and how to wait.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from polycloud._plan import Plan, make_plan
from polycloud.adapter import Journal
from polycloud.config import ProviderConfig
from polycloud.errors import ConcurrentChangeError, ConflictError, ErrorMapper, ProviderError
from polycloud.retry import RetryPolicy
from polycloud_gcp.errors import PROVIDER, STALE_ETAG
from polycloud_gcp.invoker import RPC_TIMEOUT
from polycloud_gcp.translate import service_body

if TYPE_CHECKING:
    from google.api_core.retry import Retry

__all__ = ["RunCalls", "as_json", "patch_service", "wait_for"]

T = TypeVar("T")


class RunCalls(Protocol):
    """The ``ServicesClient``, ``call`` to send one request through polycloud's retry policy, and what a wait
    for an operation needs."""

    retry: RetryPolicy
    polling: Retry | None
    """An ``api_core`` Retry that paces operation polls (None: the SDK's)."""

    @property
    def client(self) -> Any:
        """The ``run_v2.ServicesClient``."""
        ...

    def call(self, operation: str, fn: Callable[[], T], *, mapper: ErrorMapper | None = None) -> T:
        """One SDK call named by its RPC: errors translated, transient ones retried."""
        ...

    def translate_errors(self, operation: str) -> contextlib.AbstractContextManager[None]:
        """Errors raised in the block as ProviderErrors (no retry)."""
        ...

    def waiting(self, what: str) -> contextlib.AbstractContextManager[None]:
        """Report the progress of a long wait."""
        ...

    def read(self, name: str) -> ProviderConfig[Any] | None:
        """The live service, or None."""
        ...


def patch_service(run: RunCalls, plan: Plan, resource: str, base: dict[str, Any] | None, journal: Journal, *,
                  verb: str = "updated") -> dict[str, Any]:
    """PATCH the service ``resource`` to ``plan.desired`` over ``base`` (the live service; None: create it
    with ``allow_missing``), naming ``base``'s etag, and wait for the operation; returns the Service JSON.

    Raises:
        ConcurrentChangeError: the service changed since this deploy read it (its etag is stale), and not
            only by this deploy's own earlier attempt.
    """
    from google.cloud import run_v2

    name = plan.name
    body = service_body(plan.desired, base)
    body["name"] = resource
    if base is not None and base.get("etag"):
        body["etag"] = base["etag"]  # a service changed since this deploy read it is refused, not overwritten
    request = {"service": run_v2.Service.from_json(json.dumps(body)), "allow_missing": base is None}
    try:
        op = run.call("UpdateService", lambda: run.client.update_service(
            request=request, retry=None, timeout=RPC_TIMEOUT))
    except ConflictError as exc:
        if "etag" not in body or exc.code != STALE_ETAG:
            raise
        live = run.read(name)
        if live is not None and not make_plan(PROVIDER, name, plan.desired, live).touches("service"):
            # Our own earlier attempt, whose answer was lost, changed the etag: patch again from what is
            # live, for an operation to wait on.
            return patch_service(run, plan, resource, live.private, journal, verb=verb)
        raise ConcurrentChangeError(f"service {name} changed since this deploy read it (its etag is stale)",
                                    provider=PROVIDER, operation="UpdateService", code=exc.code,
                                    status=exc.status) from exc
    journal.record(f"{verb} service {name}" if base is not None else f"created service {name}")
    return wait_for(run, "UpdateService", op, f"update {name}")


def wait_for(run: RunCalls, operation: str, op: Any, what: str) -> dict[str, Any]:
    """Poll ``op`` to the end (transient poll failures retried), then return its Service JSON.

    Raises:
        ProviderError: the operation failed (``code`` is its status) or did not finish in time.
    """
    kwargs: dict[str, Any] = {"retry": _no_sdk_retry()}
    if run.polling is not None:
        kwargs["polling"] = run.polling

    def until_done() -> None:
        with run.translate_errors(operation):
            try:
                op.result(**kwargs)
            except concurrent.futures.TimeoutError as exc:
                raise ProviderError(f"{exc} It may still finish: deploy again later to see its state.",
                                    provider=PROVIDER, operation=operation, code="DEADLINE_EXCEEDED") from exc
            except Exception:
                if not op.operation.done:
                    raise  # a poll failed, not the operation: retried
    with run.waiting(f"waiting for Cloud Run to {what}"):
        run.retry.call(until_done)
    with run.translate_errors(operation):  # done: the result, or the operation's own error, without a call
        return as_json(op.result(**kwargs))


def as_json(service: Any) -> dict[str, Any]:
    """A run_v2.Service as proto JSON: camelCase, enum names, unset fields left out."""
    text = type(service).to_json(service, use_integers_for_enums=False, always_print_fields_with_no_presence=False,
                                 indent=None)
    data: dict[str, Any] = json.loads(text)
    return data


def _no_sdk_retry() -> Retry:
    """An api_core Retry that retries nothing (op.result otherwise retries polls with real sleeps)."""
    from google.api_core import retry as retries

    return retries.Retry(predicate=lambda _exc: False)
