"""moto (5.x) Lambda taught the account's concurrency quota, as AWS enforces it.

- GetAccountSettings (moto lacks it): ``AccountLimit.ConcurrentExecutions`` is the configured quota
  (``MotoBehaviour.concurrency_quota``), ``UnreservedConcurrentExecutions`` the quota minus every function's
  reserved concurrency (https://docs.aws.amazon.com/lambda/latest/api/API_AccountLimit.html).
- PutFunctionConcurrency refuses a reservation that would leave less than the minimum unreserved: 100, or the
  whole quota on accounts whose quota is 100 or less
  (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html: "You can reserve up to the
  Unreserved account concurrency value minus 100"), with AWS's answer, e.g. "Specified
  ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its
  minimum value of [10]." on a quota of 10 (https://github.com/aws-samples/alarm-context-tool/issues/2,
  https://github.com/milliHQ/terraform-aws-next-js/issues/251 for [50]). moto's own
  MOTO_LAMBDA_CONCURRENCY_QUOTA variable always says [100], which no low-quota account does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from polycloud.testing._moto_behaviour import BEHAVIOUR

__all__ = ["ACCOUNT_SETTINGS_PATH", "get_account_settings", "within_quota"]

Handler = Callable[..., Any]
ACCOUNT_SETTINGS_PATH = r"{0}/(?P<api_version>[^/]+)/account-settings/?$"


def _reserved_elsewhere(response: Any, name: str | None) -> int:
    return sum(int(fn.reserved_concurrency or 0) for fn in response.backend.list_functions()
               if fn.function_name != name)


def get_account_settings(self: Any) -> tuple[int, dict[str, str], str]:
    """GetAccountSettings: the configured quota and what reservations leave of it."""
    quota = BEHAVIOUR.concurrency_quota
    functions = list(self.backend.list_functions())
    body = {"AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                             "CodeSizeZipped": 52428800, "ConcurrentExecutions": quota,
                             "UnreservedConcurrentExecutions": quota - _reserved_elsewhere(self, None)},
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": len(functions)}}
    return 200, {}, json.dumps(body)


def within_quota(original: Handler) -> Handler:
    """PutFunctionConcurrency refusing to go below the account's minimum unreserved concurrency."""
    def put_function_concurrency(self: Any) -> Any:
        from polycloud.testing._moto_lambda import _error, _function

        function, problem = _function(self)
        if problem:
            return problem
        wanted = int(json.loads(self.body or "{}").get("ReservedConcurrentExecutions") or 0)
        minimum = BEHAVIOUR.minimum_unreserved()
        if BEHAVIOUR.concurrency_quota - _reserved_elsewhere(self, function.function_name) - wanted < minimum:
            return _error(400, "InvalidParameterValueException",
                          "Specified ReservedConcurrentExecutions for function decreases account's "
                          f"UnreservedConcurrentExecution below its minimum value of [{minimum}].")
        return original(self)

    return put_function_concurrency
