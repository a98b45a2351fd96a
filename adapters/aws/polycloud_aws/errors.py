"""Translate botocore exceptions into polycloud's ProviderError tree, at the boundary."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, Final, TypeVar

from polycloud.errors import (
    AuthError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
    ProviderError,
    ThrottledError,
    translating,
)
from polycloud.retry import parse_retry_after

__all__ = ["PROVIDER", "UnsupportedOperationError", "answer_field", "is_in_progress", "is_role_propagation",
           "map_sdk_error", "map_sdk_error_waiting_for_role", "translate_errors", "usage_checked", "usage_error"]

T = TypeVar("T")

PROVIDER = "aws-lambda"

_ERROR_CODES: Final[dict[str, type[ProviderError]]] = {
    "ResourceNotFoundException": NotFoundError,
    "NoSuchEntity": NotFoundError,
    "ProvisionedConcurrencyConfigNotFoundException": NotFoundError,
    "ResourceConflictException": ConflictError,
    "ConflictException": ConflictError,
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

# Lambda's ResourceConflictException covers both "busy, try again" and "already exists". Only the
# first is transient. Its real shapes:
#   "The operation cannot be performed at this time. An update is in progress for resource: arn:..."
#   "The operation cannot be performed at this time. The function is currently in the following
#    state: Pending" (a function still being created)
# whereas "Function already exist: NAME", "The statement id (X) provided already exists..." and
# "... FunctionUrlConfig exists for this Lambda function" will not change by waiting.
_BUSY = ("in progress", "cannot be performed at this time", "currently in the following state")

# A role IAM has not yet propagated to Lambda. "cannot be assumed" is retried always with the general
# budget (a role created just before by the user's own tooling); right after polycloud itself created or
# completed a managed role, both messages get the longer propagation budget (``propagation``). The ENI
# permission message is not retried otherwise: for a user's role it is a lasting mistake.
# Terraform's AWS provider retries the same two messages on CreateFunction/UpdateFunctionConfiguration
# (``retryFunctionOp`` in internal/service/lambda/function.go,
# https://github.com/hashicorp/terraform-provider-aws/blob/main/internal/service/lambda/function.go).
_PROPAGATING_ROLE = "cannot be assumed by Lambda"
_PROPAGATING_VPC_POLICY = "does not have permissions to call CreateNetworkInterface"

# An AWS-compatible endpoint that does not implement an operation: stock moto answers 404 "Not yet
# implemented" without an error code (moto/core/botocore_stubber.py) or a bare 404 page (moto server);
# LocalStack answers 501 InternalFailure "The API action ... has not yet been emulated by LocalStack"
# (https://github.com/localstack/localstack/pull/12547, https://github.com/localstack/localstack/issues/8998).
# AWS itself never answers either for the
# operations polycloud calls, and its own 404s always carry a modelled code (ResourceNotFoundException).
_UNMODELLED_404_CODES = frozenset({"404", "NotFound", "Not Found"})


class UnsupportedOperationError(ProviderError):
    """The endpoint (moto, LocalStack, a proxy) does not implement this Lambda operation."""

_TRANSIENT_WAITER_CODES = frozenset({"TooManyRequestsException", "ThrottlingException", "Throttling",
                                     "ServiceException", "ServiceUnavailableException", "InternalFailure"})


def answer_field(answer: Any, operation: str, *path: str) -> Any:
    """``answer[path[0]][path[1]]...``, or a ProviderError when the answer lacks it.

    botocore reads a JSON body it cannot decode as ``{"message": body}`` instead of raising (a proxy's
    page, an answer cut short), so a missing field is how such an answer shows.

    Raises:
        ProviderError: the field is missing (code ``MalformedResponse``; the request may have taken effect).
    """
    value = answer
    for key in path:
        if not isinstance(value, dict) or value.get(key) is None:
            raise ProviderError(f"the answer to {operation} has no {'.'.join(path)}: it could not be read (an answer "
                                "cut short, or not from AWS Lambda). The request may have taken effect; a deploy "
                                "run again reads what is there", provider=PROVIDER, operation=operation,
                                code="MalformedResponse")
        value = value[key]
    return value


def translate_errors(operation: str) -> contextlib.AbstractContextManager[None]:
    """Re-raise botocore errors from the block as ProviderError subclasses."""
    return translating(map_sdk_error, operation)


def is_in_progress(message: str) -> bool:
    """True for Lambda's 'an update is in progress' / 'function is Pending' conflict messages."""
    text = message.lower()
    return any(marker in text for marker in _BUSY)


def map_sdk_error(exc: Exception, operation: str) -> ProviderError | None:
    """The ProviderError for a botocore exception, or None for anything else."""
    return _map(exc, operation, waiting_for_role=False)


def map_sdk_error_waiting_for_role(exc: Exception, operation: str) -> ProviderError | None:
    """``map_sdk_error`` for calls made right after polycloud created or completed the execution role: both
    propagation messages are left to the propagation budget (not transient here, so the general budget
    does not spend itself on them; ``is_role_propagation`` finds them)."""
    return _map(exc, operation, waiting_for_role=True)


def is_role_propagation(exc: BaseException) -> bool:
    """True for Lambda's answers that the execution role has not yet propagated from IAM."""
    if not isinstance(exc, ProviderError) or exc.code != "InvalidParameterValueException":
        return False
    return _PROPAGATING_ROLE in exc.message or _PROPAGATING_VPC_POLICY in exc.message


def _unimplemented(code: str | None, status: object) -> bool:
    return status == 501 or (status == 404 and (code is None or code in _UNMODELLED_404_CODES))


def _unsupported(operation: str, message: str, code: str | None, status: object) -> UnsupportedOperationError:
    said = message.strip().splitlines()[0][:120] if message.strip() and not message.lstrip().startswith("<") \
        else "an HTML error page"
    return UnsupportedOperationError(
        f"the endpoint does not implement {operation} (it answered {status}: {said}). AWS Lambda does; an "
        "AWS-compatible endpoint (moto, LocalStack) may not. With moto, call polycloud.testing.aws.extend_moto() "
        "before mocking (or use polycloud's moto_aws fixture / sandbox), which implements it",
        provider=PROVIDER, operation=operation, code=code)  # no status: a 501 is not worth retrying


def _map(exc: Exception, operation: str, *, waiting_for_role: bool) -> ProviderError | None:
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionError,
        HTTPClientError,
        NoCredentialsError,
        WaiterError,
    )

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code", "")) or None
        status = meta.get("HTTPStatusCode")
        message = str(error.get("Message") or exc)
        headers = meta.get("HTTPHeaders") or {}
        retry_after = parse_retry_after(headers.get("retry-after"))
        if _unimplemented(code, status):
            return _unsupported(operation, message, code, status)
        cls = _ERROR_CODES.get(code or "", ProviderError)
        transient = (cls is ConflictError and is_in_progress(message)) or (
            code == "InvalidParameterValueException" and _PROPAGATING_ROLE in message and not waiting_for_role)
        return cls(message, provider=PROVIDER, operation=operation, code=code, status=status,
                   request_id=meta.get("RequestId"), retry_after=retry_after, transient=transient)
    if isinstance(exc, NoCredentialsError):
        return AuthError(str(exc), provider=PROVIDER, operation=operation, code="NoCredentials")
    if isinstance(exc, ConnectionError | HTTPClientError):
        # No answer, or an answer cut off (read timeout, connection closed): the call may or may not
        # have happened, so it is retried and the adapter makes every write safe to repeat.
        return ProviderError(str(exc), provider=PROVIDER, operation=operation, transient=True)
    if isinstance(exc, WaiterError):
        return _waiter_error(exc, operation)
    if type(exc).__name__ == "ResponseParserError":  # botocore.parsers: an Exception, not a BotoCoreError
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        return ProviderError(f"botocore could not parse the answer to {operation} ({detail}). The request may "
                             "have taken effect; a deploy run again reads what is there. If it keeps happening, "
                             "the installed botocore may predate this answer: upgrade boto3",
                             provider=PROVIDER, operation=operation, code="ResponseParserError")
    if isinstance(exc, BotoCoreError):  # no API response: region, parameters...
        return ProviderError(str(exc), provider=PROVIDER, operation=operation, code=type(exc).__name__)
    return None


def usage_error(exc: Exception, operation: str) -> ConfigurationError | None:
    """A ConfigurationError (the CLI's exit 2) for a botocore error that is the caller's input, not the
    cloud's answer, or None for anything else. Nothing was sent to AWS.

    - NoRegionError: no region from the adapter, the spec, the environment or the AWS config;
    - ParamValidationError: botocore refused a parameter before sending it (``export ""``).
    """
    try:
        from botocore.exceptions import NoRegionError, ParamValidationError
    except ImportError:  # an injected client that is not botocore's: nothing of ours to translate
        return None
    if isinstance(exc, NoRegionError):
        return ConfigurationError("AWS region is not set: add providers.aws.region to the spec, pass region=... "
                                  "(CLI: --region REGION), or set AWS_DEFAULT_REGION (or a region in the AWS "
                                  "config)", provider=PROVIDER, setting="region")
    if isinstance(exc, ParamValidationError):
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        detail = "; ".join(lines[1:] or lines)
        return ConfigurationError(f"{operation} was not sent to AWS: {detail}. Check the function name and "
                                  "settings given (a Lambda function name is 1 to 64 letters, digits, hyphens or "
                                  "underscores)", provider=PROVIDER)
    return None


def usage_checked(operation: str, fn: Callable[[], T]) -> T:
    """Run ``fn``; a botocore error that is the caller's input (``usage_error``) is raised as that
    ConfigurationError, which is not retried."""
    try:
        return fn()
    except Exception as exc:
        usage = usage_error(exc, operation)
        if usage is None:
            raise
        raise usage from exc


def _waiter_error(exc: Any, operation: str) -> ProviderError:
    """A waiter stopped: on a throttled or failed poll it is worth waiting again; on Failed it is not."""
    last = exc.last_response if isinstance(exc.last_response, dict) else {}
    code = str((last.get("Error") or {}).get("Code") or "") or None
    status = (last.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    transient = code in _TRANSIENT_WAITER_CODES or (isinstance(status, int) and status >= 500)
    configuration = last.get("Configuration") or {}
    reason = configuration.get("LastUpdateStatusReason") or configuration.get("StateReason")
    message = f"{exc}" + (f": {reason}" if reason else "")
    return ProviderError(message, provider=PROVIDER, operation=operation, code=code or "WaiterError",
                         status=status, transient=transient)
