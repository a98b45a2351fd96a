"""Translate google.api_core, google.auth and requests exceptions into polycloud's ProviderError tree.

The mapping, at the adapter's boundary (``raise ... from exc``):

========================================================  ==========================================
NotFound (404)                                            NotFoundError
Conflict, AlreadyExists, Aborted (409)                    ConflictError
PermissionDenied, Unauthenticated (401, 403)              AuthError (also missing default credentials)
TooManyRequests, ResourceExhausted (429)                  ThrottledError, ``retry_after`` from Retry-After
ServerError (5xx), a dropped connection, RetryError       ProviderError(transient=True)
anything else from the API (400, a failed operation...)   ProviderError
========================================================  ==========================================

``code`` is Google's status name (``NOT_FOUND``, ``INVALID_ARGUMENT``...) and ``status`` the
HTTP status. Nothing here imports a Google library until an exception has to be mapped.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from polycloud.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    translating,
)
from polycloud.retry import parse_retry_after

__all__ = ["PROVIDER", "map_sdk_error", "translate_errors"]

PROVIDER = "gcp-cloud-run"


def translate_errors(operation: str) -> contextlib.AbstractContextManager[None]:
    """Re-raise Google SDK and transport errors from the block as ProviderError subclasses."""
    return translating(map_sdk_error, operation)


def map_sdk_error(exc: Exception, operation: str) -> ProviderError | None:
    """The ProviderError for a Google SDK or transport exception, or None for anything else."""
    if "requests" in sys.modules:
        import requests

        if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            return ProviderError(f"connection failed: {exc}", provider=PROVIDER, operation=operation,
                                 code=type(exc).__name__, transient=True)
    if "google.auth" in sys.modules:
        from google.auth import exceptions as auth_exceptions

        if isinstance(exc, auth_exceptions.DefaultCredentialsError):
            return AuthError(f"no Google credentials: {exc}; run 'gcloud auth application-default login' or "
                             "pass credentials=", provider=PROVIDER, operation=operation, code="NO_CREDENTIALS")
        if isinstance(exc, auth_exceptions.GoogleAuthError):
            return AuthError(str(exc), provider=PROVIDER, operation=operation, code=type(exc).__name__)
    if "google.api_core" not in sys.modules:
        return None
    from google.api_core import exceptions as api

    if isinstance(exc, api.RetryError):
        cause = exc.cause if isinstance(exc.cause, Exception) else None
        inner = map_sdk_error(cause, operation) if cause is not None else None
        message = f"gave up retrying: {inner.message if inner else exc.message}"
        return ProviderError(message, provider=PROVIDER, operation=operation,
                             code=inner.code if inner else "RETRY_EXHAUSTED",
                             status=inner.status if inner else None, transient=True)
    if not isinstance(exc, api.GoogleAPICallError):
        return None
    status = exc.code if isinstance(exc.code, int) else None
    code = _status_name(exc)
    message = str(exc.message)
    if isinstance(exc, api.NotFound):
        return NotFoundError(message, provider=PROVIDER, operation=operation, code=code, status=status)
    if isinstance(exc, api.Conflict):
        return ConflictError(message, provider=PROVIDER, operation=operation, code=code, status=status)
    if isinstance(exc, (api.Forbidden, api.Unauthorized)):
        return AuthError(message, provider=PROVIDER, operation=operation, code=code, status=status)
    if isinstance(exc, api.TooManyRequests):
        return ThrottledError(message, provider=PROVIDER, operation=operation, code=code, status=status,
                              retry_after=_retry_after(exc))
    return ProviderError(message, provider=PROVIDER, operation=operation, code=code, status=status,
                         transient=isinstance(exc, api.ServerError))


def _json_error(exc: Any) -> dict[str, Any]:
    """The ``error`` object of a REST error response, or {}."""
    response = getattr(exc, "response", None)
    if response is None or not hasattr(response, "json"):
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _status_name(exc: Any) -> str:
    """Google's status name: the REST body's ``error.status``, else the gRPC code, else the class."""
    name = _json_error(exc).get("status")
    if isinstance(name, str) and name:
        return name
    grpc_code = getattr(exc, "grpc_status_code", None)
    if grpc_code is not None and getattr(grpc_code, "name", None):
        return str(grpc_code.name)
    return type(exc).__name__


def _retry_after(exc: Any) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    return parse_retry_after(headers.get("Retry-After")) if headers is not None and hasattr(headers, "get") else None
