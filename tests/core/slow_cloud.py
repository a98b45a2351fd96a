"""Make the in-process sandbox's operations never finish: every poll of an operation (an ARM or Cloud Run
long-running operation, the Lambda waiter's GetFunction) takes ``POLL_SECONDS`` and says "still running".

``python tests/core/slow_cloud.py READY_FILE polycloud-args...`` runs the CLI (``polycloud.cli.main``) on such
a sandbox in this process and creates READY_FILE when the first poll starts, so a test can send a signal
while the deploy waits. ``slow_operations`` does the same for a test's own in-process sandbox.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.05


def slow_operations(on_first_poll: Callable[[], None]) -> Callable[[], None]:
    """Make every operation of the in-process sandbox's three fakes run for ever (see the module docs).
    Returns ``release``: from then on operations finish (those still running too) and polls are quick."""
    from polycloud.testing.sandbox import open_sandbox

    sandbox = open_sandbox(server=False)
    polling: list[bool] = []
    released: list[bool] = []

    def poll(_request: Any = None) -> None:
        if released:
            return
        if not polling:
            polling.append(True)
            on_first_poll()
        time.sleep(POLL_SECONDS)

    fakes = [sandbox.fake(provider) for provider in ("azure", "gcp")]
    for fake in fakes:
        fake.lro_polls = 10**9
        fake.before(lambda request: request.method == "GET" and "peration" in request.path, poll, count=10**9)
    _slow_lambda_waiter(sandbox.settings("aws")["client"], poll, released)

    def release() -> None:
        released.append(True)
        for fake in fakes:
            fake.lro_polls = 1
        fakes[1].complete_operations()  # Cloud Run; ARM finishes an operation when its resource is next read

    return release


def _slow_lambda_waiter(client: Any, poll: Callable[[], None], released: list[bool]) -> None:
    """After CreateFunction or an update, GetFunction answers that the function is still Pending/InProgress
    (a botocore ``before-call`` handler's answer replaces the call's)."""
    from botocore.awsrequest import AWSResponse

    written: list[bool] = []

    def after_write(**_: Any) -> None:
        written.append(True)

    def get_function(params: dict[str, Any], **_: Any) -> Any:
        if not written or released:
            return None
        poll()
        pending = {"FunctionName": params.get("FunctionName"), "State": "Pending", "LastUpdateStatus": "InProgress"}
        return AWSResponse("https://lambda.invalid", 200, {}, None), {"Configuration": pending}

    for operation in ("CreateFunction", "UpdateFunctionConfiguration", "UpdateFunctionCode"):
        client.meta.events.register(f"after-call.lambda.{operation}", after_write)
    client.meta.events.register("before-call.lambda.GetFunction", get_function)


if __name__ == "__main__":
    ready = Path(sys.argv[1])

    def announce() -> None:
        ready.write_text("waiting\n")

    slow_operations(announce)
    from polycloud.cli import main

    sys.exit(main(sys.argv[2:]))
