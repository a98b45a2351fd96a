"""Offline AWS for tests and the sandbox: moto, extended where it falls short, plus faults.

moto (5.x) does not implement Lambda's provisioned concurrency; ``extend_moto()`` adds the four
calls (Put/Get/Delete/List ProvisionedConcurrencyConfig) to moto's Lambda service, in-process and
in ``ThreadedMotoServer``, with the real service's rules (an alias or version qualifier, never
$LATEST; at most the reserved concurrency). ``FaultInjector`` makes a boto3 client's next N calls
answer 429/500 or drop the connection, at the HTTP layer, so adapters' retries are exercised.
"""

from __future__ import annotations

import json
import re
from collections import deque
from typing import Any
from urllib.parse import unquote

__all__ = ["FaultInjector", "extend_moto"]

_PATH = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"
_extended = False


def extend_moto() -> None:
    """Teach moto's Lambda service provisioned concurrency (idempotent; call before mocking)."""
    global _extended
    if _extended:
        return
    from moto.awslambda import urls
    from moto.awslambda.responses import LambdaResponse

    urls.url_paths[_PATH] = LambdaResponse.dispatch
    LambdaResponse.put_provisioned_concurrency_config = _put  # type: ignore[attr-defined]
    LambdaResponse.get_provisioned_concurrency_config = _get  # type: ignore[attr-defined]
    LambdaResponse.delete_provisioned_concurrency_config = _delete  # type: ignore[attr-defined]
    LambdaResponse.list_provisioned_concurrency_configs = _list  # type: ignore[attr-defined]
    _extended = True


def _store(response: Any) -> dict[tuple[str, str], int]:
    backend = response.backend
    if not hasattr(backend, "polycloud_provisioned"):
        backend.polycloud_provisioned = {}
    store: dict[tuple[str, str], int] = backend.polycloud_provisioned
    return store


def _error(status: int, code: str, message: str) -> tuple[int, dict[str, str], str]:
    return status, {"x-amzn-errortype": code, "status": str(status)}, json.dumps({"Type": "User",
                                                                                   "message": message})


def _function(response: Any) -> tuple[Any, str] | tuple[None, tuple[int, dict[str, str], str]]:
    name = unquote(response.path.split("/")[-2])
    name = name.rsplit(":function:", 1)[-1].split(":")[0]
    try:
        return response.backend.get_function(name), name
    except Exception:
        return None, _error(404, "ResourceNotFoundException", f"Function not found: {name}")


def _qualifier_error(response: Any, function: Any, qualifier: str | None) -> tuple[int, dict[str, str], str] | None:
    if not qualifier or qualifier == "$LATEST":
        return _error(400, "InvalidParameterValueException",
                      "Provisioned concurrency requires a published version or alias; $LATEST is not allowed")
    name = function.function_name
    aliases = {alias.name for alias in response.backend.list_aliases(name)}
    versions = {str(v.version) for v in response.backend.list_versions_by_function(name)}
    if qualifier not in aliases and qualifier not in versions:
        return _error(404, "ResourceNotFoundException", f"Qualifier {qualifier} not found for function {name}")
    return None


def _arn(function: Any, qualifier: str) -> str:
    unqualified = re.sub(r":\$LATEST$|:\d+$", "", function.function_arn)
    return f"{unqualified}:{qualifier}"


def _body(function: Any, qualifier: str, count: int) -> dict[str, Any]:
    return {"FunctionArn": _arn(function, qualifier), "RequestedProvisionedConcurrentExecutions": count,
            "AvailableProvisionedConcurrentExecutions": count, "AllocatedProvisionedConcurrentExecutions": count,
            "Status": "READY", "LastModified": "2026-01-01T00:00:00.000+0000"}


def _put(self: Any) -> tuple[int, dict[str, str], str]:
    function, name = _function(self)
    if function is None:
        return name  # type: ignore[return-value]
    qualifier = self.querystring.get("Qualifier", [None])[0]
    problem = _qualifier_error(self, function, qualifier)
    if problem:
        return problem
    count = int(json.loads(self.body or "{}").get("ProvisionedConcurrentExecutions", 0))
    reserved = function.reserved_concurrency
    if count < 1:
        return _error(400, "InvalidParameterValueException", "ProvisionedConcurrentExecutions must be >= 1")
    if reserved is not None and count > int(reserved):
        return _error(400, "InvalidParameterValueException",
                      f"Provisioned concurrency {count} exceeds the reserved concurrency {reserved}")
    _store(self)[(str(name), str(qualifier))] = count
    body = _body(function, str(qualifier), count)
    return 202, {}, json.dumps({k: v for k, v in body.items() if k != "FunctionArn"} | {"Status": "IN_PROGRESS"})


def _get(self: Any) -> tuple[int, dict[str, str], str]:
    function, name = _function(self)
    if function is None:
        return name  # type: ignore[return-value]
    qualifier = self.querystring.get("Qualifier", [None])[0]
    count = _store(self).get((str(name), str(qualifier)))
    if count is None:
        return _error(404, "ProvisionedConcurrencyConfigNotFoundException",
                      f"No Provisioned Concurrency Config found for this function ({qualifier})")
    body = _body(function, str(qualifier), count)
    return 200, {}, json.dumps({k: v for k, v in body.items() if k != "FunctionArn"})


def _delete(self: Any) -> tuple[int, dict[str, str], str]:
    function, name = _function(self)
    if function is None:
        return name  # type: ignore[return-value]
    qualifier = self.querystring.get("Qualifier", [None])[0]
    if _store(self).pop((str(name), str(qualifier)), None) is None:
        return _error(404, "ProvisionedConcurrencyConfigNotFoundException",
                      f"No Provisioned Concurrency Config found for this function ({qualifier})")
    return 204, {}, ""


def _list(self: Any) -> tuple[int, dict[str, str], str]:
    function, name = _function(self)
    if function is None:
        return name  # type: ignore[return-value]
    items = [_body(function, q, c) for (n, q), c in sorted(_store(self).items()) if n == name]
    return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": items})


class FaultInjector:
    """Make a boto3 client's next calls fail at the HTTP layer (before anything reaches moto).

    ``inject(2, status=429)`` answers the next two requests with 429 ThrottlingException (and
    ``retry_after`` as a Retry-After header); ``inject(1, drop=True)`` drops a connection.
    ``writes``/``calls`` count the operations that reached the service.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._faults: deque[tuple[int, float | None, bool, str | None]] = deque()
        self._current = ""
        self.calls: list[str] = []
        client.meta.events.register_first("before-send", self._before_send)
        client.meta.events.register("before-call", self._before_call)

    def inject(self, count: int = 1, *, status: int = 500, retry_after: float | None = None,
               drop: bool = False, operation: str | None = None) -> None:
        """Fail the next ``count`` HTTP requests (only those of ``operation``, when given)."""
        self._faults.extend((status, retry_after, drop, operation) for _ in range(count))

    @property
    def writes(self) -> list[str]:
        """Operations that could change state (anything not Get/List)."""
        return [c for c in self.calls if not c.startswith(("Get", "List"))]

    def _before_call(self, model: Any, **_: Any) -> None:
        self._current = model.name
        self.calls.append(model.name)

    def _before_send(self, request: Any, **_: Any) -> Any:
        if not self._faults or self._faults[0][3] not in (None, self._current):
            return None
        from botocore.awsrequest import AWSResponse
        from botocore.exceptions import EndpointConnectionError

        status, retry_after, drop, _operation = self._faults.popleft()
        if drop:
            raise EndpointConnectionError(endpoint_url=request.url)
        code = "TooManyRequestsException" if status == 429 else "ServiceException"
        headers = {"x-amzn-errortype": code, "x-amzn-requestid": "fault-injected"}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        body = json.dumps({"Type": "Service", "message": f"injected {status}"}).encode()
        return AWSResponse(request.url, status, headers, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body

    def read(self, *_: Any) -> bytes:
        return self._body


def sandbox_settings(stack: Any, region: str = "us-east-1") -> dict[str, Any]:
    """Start moto on ``stack`` (an ExitStack) and return LambdaAdapter settings wired to it."""
    import boto3
    from botocore.config import Config
    from moto import mock_aws

    from polycloud.retry import RetryPolicy

    extend_moto()
    stack.enter_context(mock_aws(config={"lambda": {"use_docker": False}}))
    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    client = boto3.client("lambda", region_name=region, config=config)
    return {"client": client, "iam_client": boto3.client("iam", region_name=region), "region": region,
            "retry": RetryPolicy.no_wait()}
