"""Offline AWS for tests and the sandbox: moto, extended where it falls short, plus faults.

``extend_moto()`` teaches moto's Lambda service what polycloud's tests rely on and moto (5.x) lacks or
gets wrong: provisioned concurrency (with the rule that it never exceeds reserved concurrency, checked
from both sides), EphemeralStorage and Architectures updates, function URLs per alias with the real
"already exists" conflict, the duplicate statement id conflict of AddPermission (see
``polycloud.testing._moto_lambda``), the account's concurrency quota (GetAccountSettings and
PutFunctionConcurrency's minimum unreserved concurrency) and IAM roles that Lambda cannot use for a while
after CreateRole; ``moto_behaviour`` sets the last two. ``FaultInjector`` makes a boto3 client's next N
calls answer 429/500 or drop the connection, either before the call reaches the service or after it has
succeeded (a lost answer), or garbles an answer so the SDK cannot parse it, so adapters' retries, their
idempotency and their error translation are exercised.
"""

from __future__ import annotations

import contextlib
import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any

from polycloud.testing._moto_behaviour import BEHAVIOUR, MotoBehaviour

__all__ = ["FaultInjector", "MotoBehaviour", "MotoLambda", "extend_moto", "moto_behaviour", "moto_lambda",
           "sandbox_settings", "start_moto_lambda"]

_extended = False
_NOWHERE = "https://fault-injected.invalid/"


def extend_moto() -> None:
    """Teach moto's Lambda service the rules above (idempotent; call before mocking)."""
    global _extended
    if _extended:
        return
    from polycloud.testing import _moto_lambda

    _moto_lambda.install()
    _extended = True


@contextlib.contextmanager
def moto_behaviour(**changes: Any) -> Iterator[MotoBehaviour]:
    """Change how the extended moto models the account and IAM for the block (``MotoBehaviour`` fields:
    ``concurrency_quota``, ``unreserved_minimum``, ``role_propagation_calls``, ``role_propagation_seconds``);
    restored after it."""
    saved = replace(BEHAVIOUR)
    for key, value in changes.items():
        setattr(BEHAVIOUR, key, value)
    try:
        yield BEHAVIOUR
    finally:
        for item in fields(MotoBehaviour):
            setattr(BEHAVIOUR, item.name, getattr(saved, item.name))


@dataclass
class _Fault:
    status: int
    retry_after: float | None
    drop: bool
    operation: str | None
    lost: bool
    garbled: bool = False
    after: int = field(default=0)
    code: str | None = None


class FaultInjector:
    """Make a boto3 client's next calls fail at the HTTP layer.

    ``inject(2, status=429)`` answers the next two requests with 429 ThrottlingException (and
    ``retry_after`` as a Retry-After header) before they reach the service; ``inject(1, drop=True)``
    drops a connection. With ``lost=True`` the request reaches the service and succeeds there, and
    then its answer is lost: the client sees ``status`` (default 500) or, with ``drop``, a connection
    closed before the answer. With ``garbled=True`` the request succeeds at the service and the SDK gets
    its answer cut in half: an XML (IAM) answer then fails in botocore's parser (``ResponseParserError``).
    ``after=N`` lets the first N matching requests through before the fault. ``calls`` lists the
    operations the client made, ``writes`` those that could change state.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._faults: deque[_Fault] = deque()
        self._losing: _Fault | None = None
        self._hidden_url: str | None = None
        self._current = ""
        self.calls: list[str] = []
        client.meta.events.register_first("before-send", self._before_send)
        client.meta.events.register_last("before-send", self._restore_url)
        client.meta.events.register("before-call", self._before_call)
        client.meta.events.register("after-call", self._after_call)
        client.meta.events.register("before-parse", self._before_parse)

    def inject(self, count: int = 1, *, status: int = 500, retry_after: float | None = None,
               drop: bool = False, operation: str | None = None, lost: bool = False, garbled: bool = False,
               after: int = 0, code: str | None = None) -> None:
        """Fail the next ``count`` HTTP requests (only those of ``operation``, when given), after letting
        ``after`` of them through; ``code`` names the AWS error (default: by ``status``)."""
        self._faults.extend(_Fault(status, retry_after, drop, operation, lost or garbled, garbled,
                                   after if i == 0 else 0, code) for i in range(count))

    @property
    def writes(self) -> list[str]:
        """Operations that could change state (anything not Get/List)."""
        return [c for c in self.calls if not c.startswith(("Get", "List"))]

    def _before_call(self, model: Any, **_: Any) -> None:
        self._current = model.name
        self.calls.append(model.name)

    def _before_send(self, request: Any, **_: Any) -> Any:
        if not self._faults or self._faults[0].operation not in (None, self._current):
            return None
        from botocore.awsrequest import AWSResponse
        from botocore.exceptions import EndpointConnectionError

        if self._faults[0].after:
            self._faults[0].after -= 1
            return None
        fault = self._faults.popleft()
        if fault.lost:
            self._losing = fault  # let the request through; _after_call loses its answer
            return None
        if fault.drop:
            raise EndpointConnectionError(endpoint_url=request.url)
        # botocore runs every before-send handler and uses the first answer, so moto's in-process
        # handler would still serve (and carry out) the request: point it elsewhere until the last
        # handler, so the failure happens before the call reaches the service.
        self._hidden_url, request.url = request.url, _NOWHERE
        code = fault.code or ("TooManyRequestsException" if fault.status == 429 else "ServiceException")
        headers = {"x-amzn-errortype": code, "x-amzn-requestid": "fault-injected"}
        if fault.retry_after is not None:
            headers["Retry-After"] = f"{fault.retry_after:g}"
        body = json.dumps({"Type": "Service", "message": f"injected {fault.status}"}).encode()
        return AWSResponse(self._hidden_url, fault.status, headers, _Raw(body))

    def _restore_url(self, request: Any, **_: Any) -> None:
        if self._hidden_url is not None:
            request.url, self._hidden_url = self._hidden_url, None

    def _before_parse(self, response_dict: dict[str, Any], **_: Any) -> None:
        if self._losing is not None and self._losing.garbled:
            self._losing = None
            body = bytes(response_dict.get("body") or b"")
            response_dict["body"] = body[: len(body) // 2]

    def _after_call(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        fault, self._losing = self._losing, None
        if fault is None:
            return
        if fault.drop:
            from botocore.exceptions import ConnectionClosedError

            raise ConnectionClosedError(endpoint_url=getattr(http_response, "url", ""))
        # The service did the work; the client is told it failed.
        http_response.status_code = fault.status
        parsed["Error"] = {"Code": "TooManyRequestsException" if fault.status == 429 else "ServiceException",
                           "Message": f"injected {fault.status} after the call succeeded"}
        parsed["ResponseMetadata"] = {**parsed.get("ResponseMetadata", {}), "HTTPStatusCode": fault.status,
                                      "RequestId": "fault-injected"}


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


@dataclass(frozen=True)
class MotoLambda:
    """moto's Lambda and IAM, in-process: real boto3 clients (SDK retries off), each with a FaultInjector."""

    client: Any
    """A boto3 ``lambda`` client."""
    iam_client: Any
    """A boto3 ``iam`` client."""
    faults: FaultInjector
    """Faults and the call log of ``client``."""
    iam_faults: FaultInjector
    """Faults and the call log of ``iam_client``."""
    region: str

    def settings(self) -> dict[str, Any]:
        """``LambdaAdapter`` / ``deploy()`` keyword settings: these clients, no real waiting."""
        from polycloud.retry import RetryPolicy

        return {"client": self.client, "iam_client": self.iam_client, "region": self.region,
                "retry": RetryPolicy.no_wait(), "waiter_delay": 0}


def start_moto_lambda(stack: contextlib.ExitStack, region: str = "us-east-1") -> MotoLambda:
    """Start moto's AWS, extended (``extend_moto``), on ``stack`` (Lambda runs no Docker); it stops with it."""
    import boto3
    from botocore.config import Config
    from moto import mock_aws

    extend_moto()
    stack.enter_context(mock_aws(config={"lambda": {"use_docker": False}}))
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    client = boto3.client("lambda", region_name=region, config=config)
    iam = boto3.client("iam", region_name=region, config=config)
    return MotoLambda(client=client, iam_client=iam, faults=FaultInjector(client), iam_faults=FaultInjector(iam),
                      region=region)


@contextlib.contextmanager
def moto_lambda(region: str = "us-east-1") -> Iterator[MotoLambda]:
    """moto's AWS, extended, mocked for the block (see ``start_moto_lambda``)."""
    with contextlib.ExitStack() as stack:
        yield start_moto_lambda(stack, region)


def sandbox_settings(stack: contextlib.ExitStack, region: str = "us-east-1") -> dict[str, Any]:
    """Start moto on ``stack`` and return LambdaAdapter settings wired to it (without ``region``, which
    comes from the spec or the command line)."""
    settings = start_moto_lambda(stack, region).settings()
    del settings["region"]
    return settings
