"""Translate azure-core exceptions into polycloud's ProviderError tree, at the boundary.

HTTP status decides the class (401/403 auth, 404 not found, 409 conflict, 429 throttled); a
long-running operation that ends ``Failed`` has no error status of its own, so its ARM error
code decides instead. 5xx, dropped connections and ARM's retryable codes are transient.
A credential that could not get a token (no HTTP answer at all) is an AuthError with a short
message and how to sign in; ``quiet_identity_logs`` keeps azure-identity's own long warning about
it off the console while the adapter calls Azure.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any, Final
from urllib.parse import urlsplit

from polycloud.errors import AuthError, ConflictError, NotFoundError, ProviderError, ThrottledError
from polycloud.retry import parse_retry_after

__all__ = ["PROVIDER", "SIGN_IN_HINT", "map_sdk_error", "operation_succeeded", "quiet_identity_logs"]

PROVIDER: Final = "azure-functions"
SIGN_IN_HINT: Final = ("sign in with `az login`, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, "
                       "or pass credential=")
"""How to give the adapter a credential, appended to a credential failure."""

_BY_STATUS: Final[dict[int, type[ProviderError]]] = {
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    429: ThrottledError,
}
_BY_CODE: Final[dict[str, type[ProviderError]]] = {
    "AuthenticationFailed": AuthError,
    "AuthorizationFailed": AuthError,
    "InvalidAuthenticationToken": AuthError,
    "ExpiredAuthenticationToken": AuthError,
    "ResourceNotFound": NotFoundError,
    "NotFound": NotFoundError,
    "ResourceGroupNotFound": NotFoundError,
    "SubscriptionNotFound": NotFoundError,
    "Conflict": ConflictError,
    "TooManyRequests": ThrottledError,
}
_TRANSIENT_CODES: Final = frozenset({"InternalServerError", "ServiceUnavailable", "GatewayTimeout", "BadGateway",
                                     "RetryableError", "TooManyRequests"})


def map_sdk_error(exc: BaseException, operation: str) -> ProviderError | None:
    """The ProviderError for an azure-core exception (status, ARM code, request id), or None for others."""
    try:
        from azure.core.exceptions import (
            AzureError,
            ClientAuthenticationError,
            HttpResponseError,
            ServiceRequestError,
            ServiceResponseError,
        )
    except ImportError:  # an injected non-Azure client: nothing of ours to translate
        return None
    if isinstance(exc, ClientAuthenticationError) and exc.response is None:
        # The credential failed before any request: azure-identity's message lists every credential it
        # tried, over many lines. Its first line says what happened; the hint says what to do.
        lines = str(exc.message or exc).strip().splitlines()
        first = (lines[0] if lines else "").strip().rstrip(".") or "no credential could get a token"
        return AuthError(f"{first}; {SIGN_IN_HINT}", provider=PROVIDER, operation=operation,
                         code=type(exc).__name__)
    if isinstance(exc, HttpResponseError):
        status = exc.status_code
        headers = getattr(exc.response, "headers", None) or {}
        code = getattr(exc.error, "code", None) or None
        message = getattr(exc.error, "message", None) or exc.reason or str(exc)
        if status is not None and status < 400:  # a long-running operation ended Failed
            message, status = f"the operation failed: {message}", None
        cls = (_BY_STATUS.get(status or 0) or _BY_CODE.get(code or "")
               or (AuthError if isinstance(exc, ClientAuthenticationError) else ProviderError))
        return cls(message, provider=PROVIDER, operation=operation, code=code, status=status,
                   request_id=headers.get("x-ms-request-id"), retry_after=parse_retry_after(headers.get("Retry-After")),
                   transient=code in _TRANSIENT_CODES)
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):  # no answer: network, TLS, timeout
        return ProviderError(str(exc), provider=PROVIDER, operation=operation, code=type(exc).__name__,
                             transient=True)
    if isinstance(exc, AzureError):
        return ProviderError(str(exc), provider=PROVIDER, operation=operation, code=type(exc).__name__)
    return None


def operation_succeeded(poller: Any, exc: BaseException) -> bool:
    """True when ``exc`` came from the SDK's final GET of a long-running operation that Azure reported
    ``Succeeded``: the resource exists although the call failed.

    azure-core's ``LROBasePolling._poll`` polls the operation until it is terminal, raises on ``Failed``, then
    GETs the resource. A dropped final GET leaves ``poller.status()`` at ``Succeeded``; a final GET that answers
    an error status is re-raised by ``run`` after it set the status to ``Failed``, so that case is told by the
    failed request: a GET of the resource's own URL (the operation's polls go to the operation URL).
    """
    try:
        if str(poller.status()).lower() == "succeeded":
            return True
        initial = poller.polling_method()._initial_response.http_response.request  # noqa: SLF001
    except Exception:  # noqa: BLE001 - a poller of another shape: nothing to tell
        return False
    response = getattr(exc, "response", None)
    request = getattr(response, "request", None)
    if request is None or str(getattr(request, "method", "")).upper() != "GET":
        return False
    return _path(str(request.url)) == _path(str(initial.url))


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/").lower()


_IDENTITY_LOGGER: Final = "azure.identity"
_quiet_lock = threading.Lock()
_quiet_depth = 0


@contextlib.contextmanager
def quiet_identity_logs() -> Iterator[None]:
    """Hold the ``azure.identity`` logger at ERROR for the block, unless its level was set by the user.

    azure-identity logs a failed credential chain as a multi-line WARNING and then raises the same text;
    ``map_sdk_error`` turns that into a short AuthError, so the warning would only say it twice. Only this
    logger, only while the adapter calls Azure, and only when nobody has configured it (level NOTSET).
    """
    global _quiet_depth
    logger = logging.getLogger(_IDENTITY_LOGGER)
    with _quiet_lock:
        if _quiet_depth == 0 and logger.level != logging.NOTSET:
            owned = False
        else:
            owned = True
            if _quiet_depth == 0:
                logger.setLevel(logging.ERROR)
            _quiet_depth += 1
    try:
        yield
    finally:
        if owned:
            with _quiet_lock:
                _quiet_depth -= 1
                if _quiet_depth == 0:
                    logger.setLevel(logging.NOTSET)
