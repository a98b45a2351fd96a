"""polycloud's RetryPolicy is the one retry layer: the client the adapter makes sends each attempt once.

Against an ARM endpoint that only throttles, one read makes exactly as many requests as the policy's
attempts (azure-core's own RetryPolicy would otherwise retry each of them up to 10 times).
"""

from __future__ import annotations

import re

import responses

from polycloud.errors import ThrottledError
from polycloud.retry import RetryPolicy
from polycloud.testing._azure_arm import FakeCredential
from polycloud_azure import AzureFunctionsAdapter

ARM = re.compile(r"https://management\.azure\.com/.*")


def test_the_adapters_own_client_does_not_retry_under_the_policy() -> None:
    adapter = AzureFunctionsAdapter(subscription_id="00000000-0000-0000-0000-000000000000", resource_group="rg",
                                    credential=FakeCredential(), retry=RetryPolicy.no_wait(attempts=3))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.GET, ARM, status=429, headers={"Retry-After": "0"},
                 json={"error": {"code": "TooManyRequests", "message": "slow down"}})
        try:
            adapter.read("hello")
        except ThrottledError as exc:
            assert exc.code == "TooManyRequests"
        else:  # pragma: no cover - the endpoint only throttles
            raise AssertionError("a throttled read must fail")
        assert len(mock.calls) == 3  # three policy attempts, one request each
