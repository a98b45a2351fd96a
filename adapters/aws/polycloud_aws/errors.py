"""Translate botocore exceptions into polycloud's ProviderError tree, at the boundary."""

from __future__ import annotations

import contextlib
from typing import Final

from polycloud.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    translating,
)

__all__ = ["map_sdk_error", "translate_errors"]

PROVIDER = "aws-lambda"

_ERROR_CODES: Final[dict[str, type[ProviderError]]] = {
    "ResourceNotFoundException": NotFoundError,
    "NoSuchEntity": NotFoundError,
    "ProvisionedConcurrencyConfigNotFoundException": NotFoundError,
    "ResourceConflictException": ConflictError,
    "ResourceInUseException": ConflictError,
    "EntityAlreadyExists": ConflictError,
    "TooManyRequestsException": ThrottledError,
    "ThrottlingException": ThrottledError,
    "Throttling": ThrottledError,
    "AccessDeniedException": AuthError,
    "AccessDenied": AuthError,
    "UnrecognizedClientException": AuthError,
    "InvalidClientTokenId": AuthError,
    "ExpiredTokenException": AuthError,
}

_PROPAGATING_ROLE = "cannot be assumed by Lambda"


def translate_errors(operation: str) -> contextlib.AbstractContextManager[None]:
    """Re-raise botocore errors from the block as ProviderError subclasses."""
    return translating(map_sdk_error, operation)


def map_sdk_error(exc: Exception, operation: str) -> ProviderError | None:
    """The ProviderError for a botocore exception, or None for anything else."""
    from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, NoCredentialsError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code", "")) or None
        status = meta.get("HTTPStatusCode")
        message = str(error.get("Message") or exc)
        headers = meta.get("HTTPHeaders") or {}
        retry_after = _seconds(headers.get("retry-after"))
        cls = _ERROR_CODES.get(code or "", ProviderError)
        # Lambda rejects a second update while one is in progress, and a new role until IAM
        # has propagated it: both succeed when tried again.
        transient = code == "ResourceConflictException" or (
            code == "InvalidParameterValueException" and _PROPAGATING_ROLE in message
        )
        return cls(message, provider=PROVIDER, operation=operation, code=code, status=status,
                   request_id=meta.get("RequestId"), retry_after=retry_after, transient=transient)
    if isinstance(exc, NoCredentialsError):
        return AuthError(str(exc), provider=PROVIDER, operation=operation, code="NoCredentials")
    if isinstance(exc, ConnectionError):
        return ProviderError(str(exc), provider=PROVIDER, operation=operation, transient=True)
    if isinstance(exc, BotoCoreError):  # no API response: region, parameters, waiter...
        return ProviderError(str(exc), provider=PROVIDER, operation=operation, code=type(exc).__name__)
    return None


def _seconds(value: object) -> float | None:
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None
