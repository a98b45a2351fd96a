"""An in-process offline sandbox of all three control planes, for ``--sandbox`` and demos.

The first call starts moto (AWS, outermost, as moto requires) and one ``responses`` mock that
serves ``FakeArmWeb`` and ``FakeCloudRun``; they live until ``reset()`` or the process ends, so
several commands in one process (tests, notebooks) share state. Nothing leaves the process.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

__all__ = ["reset", "sandbox_settings"]

_stack: contextlib.ExitStack | None = None
_settings: dict[str, dict[str, Any]] = {}
fakes: dict[str, Any] = {}
"""The running fakes by provider key; for AWS the FaultInjectors of the Lambda and IAM clients
(``aws-lambda``, ``aws-iam``)."""


def _start() -> None:
    global _stack
    try:
        import moto  # noqa: F401
        import responses
    except ImportError as exc:
        from polycloud.errors import MissingDependencyError

        raise MissingDependencyError("the offline sandbox (moto, responses)", "polycloud[sandbox]") from exc
    from polycloud.testing import aws, azure, gcp

    stack = contextlib.ExitStack()
    try:
        for key, value in (("AWS_ACCESS_KEY_ID", "sandbox"), ("AWS_SECRET_ACCESS_KEY", "sandbox")):
            os.environ.setdefault(key, value)
        _settings["aws-lambda"] = aws.sandbox_settings(stack)
        fakes["aws-lambda"] = aws.FaultInjector(_settings["aws-lambda"]["client"])
        fakes["aws-iam"] = aws.FaultInjector(_settings["aws-lambda"]["iam_client"])
        mock = stack.enter_context(responses.RequestsMock(assert_all_requests_are_fired=False))
        arm, run = azure.FakeArmWeb(), gcp.FakeCloudRun()
        arm.install(mock)
        run.install(mock)
        fakes["azure-functions"], fakes["gcp-cloud-run"] = arm, run
        _settings["azure-functions"] = azure.sandbox_settings(arm)
        _settings["gcp-cloud-run"] = gcp.sandbox_settings(run)
    except BaseException:
        stack.close()
        raise
    _stack = stack


def sandbox_settings(provider: str) -> dict[str, Any]:
    """Adapter keyword settings wired to the sandbox's fake of ``provider`` (started on first use)."""
    if _stack is None:
        _start()
    return dict(_settings[provider])


def reset() -> None:
    """Stop every fake and forget its state."""
    global _stack
    if _stack is not None:
        _stack.close()
    _stack = None
    _settings.clear()
    fakes.clear()
