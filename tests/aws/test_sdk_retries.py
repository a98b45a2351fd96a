"""The boto3 clients LambdaAdapter makes send one request per call: polycloud's RetryPolicy is the one retry layer.

Against a server on 127.0.0.1 that throttles every request, a call retried by a policy of N attempts reaches
the server exactly N times. botocore's own retries (3 attempts in its standard mode, or AWS_MAX_ATTEMPTS)
would multiply that: a plain client from the same session shows it, so the throttling answer is one botocore
does retry. The clients come from the adapter's own factory (a session and the standard endpoint setting),
never injected.
"""

from __future__ import annotations

import json
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from polycloud import ThrottledError, plan
from polycloud.retry import RetryPolicy
from polycloud_aws import LambdaAdapter

from .conftest import REGION, make_spec

# Lambda (REST-JSON) throttles with HTTP 429 TooManyRequestsException, its type in x-amzn-ErrorType
# (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_Errors);
# IAM (query protocol, POST /) with HTTP 400 and the code Throttling in an XML ErrorResponse
# (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
_LAMBDA_BODY = json.dumps({"Type": "User", "message": "Rate exceeded", "Reason": "CallerRateLimitExceeded"})
_IAM_BODY = ('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
             "<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>throttled</RequestId>"
             "</ErrorResponse>")


class _Throttling(BaseHTTPRequestHandler):
    """Answers every request with the service's throttling error and records what it was asked."""

    server: _Server

    def _throttle(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        iam = self.path == "/"
        self.server.requests.append("iam" if iam else f"lambda {self.command} {self.path}")
        body = (_IAM_BODY if iam else _LAMBDA_BODY).encode()
        self.send_response(400 if iam else 429)
        self.send_header("Content-Type", "text/xml" if iam else "application/json")
        if not iam:
            self.send_header("x-amzn-ErrorType", "TooManyRequestsException")
        self.send_header("x-amzn-RequestId", "throttled")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _throttle

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads ``server.requests``."""


class _Server(ThreadingHTTPServer):
    requests: list[str]


@pytest.fixture
def throttling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[_Server]:
    """The server, and boto3's standard chain pointed at it: AWS_ENDPOINT_URL, test credentials, no AWS config
    (so no retry setting of the machine's own), and botocore's backoff sleeps skipped for the control client."""
    server = _Server(("127.0.0.1", 0), _Throttling)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    for key in ("AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setattr("botocore.endpoint.time", types.SimpleNamespace(sleep=lambda _seconds: None))
    yield server
    server.shutdown()
    server.server_close()


def _session() -> Any:
    import boto3

    return boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)


@pytest.mark.parametrize("attempts", [1, 4])
def test_one_lambda_call_is_attempts_requests(throttling: _Server, attempts: int) -> None:
    session = _session()
    control = session.client("lambda")  # botocore's defaults: its own retries on
    with pytest.raises(control.exceptions.TooManyRequestsException):
        control.get_function(FunctionName="orders")
    assert len(throttling.requests) == 3
    throttling.requests.clear()

    adapter = LambdaAdapter(region=REGION, session=session, retry=RetryPolicy.no_wait(attempts=attempts))
    with pytest.raises(ThrottledError) as caught:
        plan(make_spec(), adapter)  # reads the function first: GetFunction
    assert (caught.value.operation, caught.value.status) == ("GetFunction", 429)
    assert throttling.requests == ["lambda GET /2015-03-31/functions/orders"] * attempts


def test_the_iam_client_is_made_with_one_attempt_too(throttling: _Server,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")  # a machine that asks botocore for more: polycloud's setting wins
    session = _session()
    control = session.client("iam")
    with pytest.raises(control.exceptions.ClientError):
        control.get_role(RoleName="polycloud-lambda-logs")
    assert len(throttling.requests) == 7
    throttling.requests.clear()

    adapter = LambdaAdapter(region=REGION, session=session, retry=RetryPolicy.no_wait(attempts=2))
    with pytest.raises(ThrottledError) as caught:
        adapter.call("GetRole", lambda: adapter.iam.get_role(RoleName="polycloud-lambda-logs"))
    assert caught.value.code == "Throttling"
    assert throttling.requests == ["iam", "iam"]
