"""polycloud's RetryPolicy is the one retry layer on Cloud Run too: the client the adapter makes is called with
``retry=None``, so against an endpoint that is only ever unavailable one read makes exactly as many requests as the
policy's attempts (google-api-core's default Retry would otherwise retry each attempt itself)."""

from __future__ import annotations

import pytest

from polycloud.errors import ProviderError
from polycloud.retry import RetryPolicy
from polycloud.testing.gcp import FakeCloudRun
from polycloud_gcp import CloudRunAdapter


@pytest.mark.parametrize("attempts", [1, 3])
def test_the_adapters_own_client_does_not_retry_under_the_policy(attempts: int) -> None:
    from google.auth.credentials import AnonymousCredentials

    fake = FakeCloudRun()
    with fake.activate():
        fake.inject(100, status=503)  # the endpoint is only ever unavailable (the SDK's default Retry retries 503)
        adapter = CloudRunAdapter(project="acme", region="europe-west1", transport="rest",
                                  credentials=AnonymousCredentials(), retry=RetryPolicy.no_wait(attempts=attempts))
        with pytest.raises(ProviderError) as caught:
            adapter.read("hello")
        assert caught.value.status == 503 and caught.value.transient
        assert len(fake.calls) == attempts  # one request per policy attempt
