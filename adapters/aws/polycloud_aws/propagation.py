"""Waiting for IAM to make a role polycloud just created or completed usable by Lambda.

Right after ``CreateRole`` (or a policy change), Lambda's CreateFunction and UpdateFunctionConfiguration
answer ``InvalidParameterValueException`` "The role defined for the function cannot be assumed by Lambda",
or, for a function in a VPC, "The provided execution role does not have permissions to call
CreateNetworkInterface on EC2", until IAM has propagated the role: often tens of seconds, sometimes
minutes. Terraform's AWS provider retries exactly these two messages for ``lambdaPropagationTimeout``,
15 minutes (``retryFunctionOp`` in internal/service/lambda/function.go and the constant in
internal/service/lambda/consts.go, https://github.com/hashicorp/terraform-provider-aws), raised over the
years from 1 to 2 minutes (pull request #14291) and beyond after failures at 5.5 minutes (issue #44517).

polycloud gives these two answers their own budget, ``PROPAGATION_RETRY`` (the same 15 minutes), and
keeps the general one (``RetryPolicy()``, a few seconds) for everything else, including throttling
and 5xx answers met while it waits. The wait is reported on the ``polycloud_aws.propagation`` logger
(``polycloud.progress.waiting``), which the CLI shows as progress lines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from polycloud.errors import ProviderError
from polycloud.progress import waiting
from polycloud.retry import RetryPolicy
from polycloud_aws.calls import LambdaCalls
from polycloud_aws.errors import is_role_propagation, map_sdk_error_waiting_for_role

__all__ = ["PROPAGATION_RETRY", "call_while_role_propagates", "send_configuration"]

T = TypeVar("T")
logger = logging.getLogger(__name__)

PROPAGATION_RETRY = RetryPolicy(attempts=120, initial=1.0, maximum=15.0, total=900.0)
"""Up to 15 minutes (terraform's ``lambdaPropagationTimeout``), polling at most every 15 seconds."""


def send_configuration(api: LambdaCalls, operation: str, fn: Callable[[], T], made_role: str | None) -> T:
    """CreateFunction or UpdateFunctionConfiguration: with the propagation budget when polycloud has just
    made or completed ``made_role``, else as any call."""
    if made_role is None:
        return api.call(operation, fn)
    return call_while_role_propagates(api, operation, fn, made_role)


def call_while_role_propagates(api: LambdaCalls, operation: str, fn: Callable[[], T], role: str) -> T:
    """``api.call(operation, fn)`` right after polycloud created or completed ``role``: the answers that say
    IAM has not propagated it yet are retried within ``api.propagation_retry``, with progress logged.

    Raises:
        ProviderError: the call failed, or the role was still not usable when the budget ran out.
    """
    def attempt() -> T:
        try:
            return api.call(operation, fn, mapper=map_sdk_error_waiting_for_role)
        except ProviderError as exc:
            if is_role_propagation(exc):
                exc.transient = True  # for the propagation budget only
            raise

    try:
        return attempt()
    except ProviderError as exc:
        if not is_role_propagation(exc):
            raise
        policy = api.propagation_retry
        budget = f"{policy.attempts} attempts" + (f" or {policy.total:.0f}s" if policy.total < float("inf") else "")
        logger.info("%s: Lambda cannot use role %s yet (%s); IAM is still propagating it, retrying for up to %s",
                    operation, role, exc.message, budget, extra={"operation": operation, "role": role})
    with waiting(f"waiting for IAM to propagate role {role} to Lambda ({operation})", log=logger):
        return policy.call(attempt)
