"""Translate azure-core exceptions into polycloud's ProviderError tree, at the boundary.

HTTP status decides the class (401/403 auth, 404 not found, 409 conflict, 429 throttled); a
long-running operation that ends ``Failed`` has no error status of its own, so its ARM error
code decides instead. 5xx, dropped connections and ARM's retryable codes are transient.
"""

from __future__ import annotations

from typing import Final

from polycloud.errors import AuthError, ConflictError, NotFoundError, ProviderError, ThrottledError

__all__ = ["PROVIDER", "map_sdk_error"]

PROVIDER: Final = "azure-functions"

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
                   request_id=headers.get("x-ms-request-id"), retry_after=_seconds(headers.get("Retry-After")),
                   transient=code in _TRANSIENT_CODES)
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):  # no answer: network, TLS, timeout
        return ProviderError(str(exc), provider=PROVIDER, operation=operation, code=type(exc).__name__,
                             transient=True)
    if isinstance(exc, AzureError):
        return ProviderError(str(exc), provider=PROVIDER, operation=operation, code=type(exc).__name__)
    return None


def _seconds(value: object) -> float | None:
    try:
        return float(str(value)) if value is not None else None
    except ValueError:  # an HTTP date: let the retry policy's own backoff decide
        return None
