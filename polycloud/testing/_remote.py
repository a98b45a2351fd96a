"""Adapter settings wired to a running sandbox server (``polycloud sandbox start``), by provider key.

Each provider's real SDK client is aimed at the server's loopback endpoint, with the same choices the
in-process sandbox makes: no SDK retries, polycloud's retry policy without sleeps, no poll delays.

- AWS: boto3 ``lambda`` and ``iam`` clients with ``endpoint_url`` (us-east-1, fixed sandbox keys, so no
  AWS configuration of the user's is read).
- Azure: ``WebSiteManagementClient`` over plain http. azure-core refuses bearer tokens on non-https URLs
  unless a request carries ``enforce_https=False`` (``azure.core.pipeline.policies._authentication``); the
  client's authentication policy here sets that for loopback hosts only, so a non-loopback URL still fails.
- GCP: ``CloudRunAdapter``'s own client options: ``endpoint`` ``http://127.0.0.1:PORT`` (the scheme is
  kept), the REST transport (gRPC could not reach an http fake) and anonymous credentials.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LOOPBACK", "remote_settings"]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def remote_settings(provider: str, endpoint: str) -> dict[str, Any]:
    """Adapter keyword settings for ``provider`` (a provider key) served at ``endpoint``.

    Raises:
        ImportError: the provider's SDK is not installed.
        KeyError: not one of the three shipped providers.
    """
    from polycloud.retry import RetryPolicy

    make: Callable[[str], dict[str, Any]] = _MAKERS[provider]
    return {**make(endpoint), "retry": RetryPolicy.no_wait()}


def _aws(endpoint: str) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    session = boto3.session.Session(aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                                    region_name="us-east-1")
    return {"client": session.client("lambda", endpoint_url=endpoint, config=config),
            "iam_client": session.client("iam", endpoint_url=endpoint, config=config), "waiter_delay": 0}


def _azure(endpoint: str) -> dict[str, Any]:
    from azure.mgmt.web import WebSiteManagementClient

    from polycloud.testing.azure import DEFAULT_SUBSCRIPTION, FakeCredential

    credential = FakeCredential()
    client = WebSiteManagementClient(credential, DEFAULT_SUBSCRIPTION, base_url=endpoint, polling_interval=0,
                                     retry_total=0, authentication_policy=_loopback_bearer(credential))
    return {"client": client, "subscription_id": DEFAULT_SUBSCRIPTION}


def _loopback_bearer(credential: Any) -> Any:
    """ARM's bearer-token policy, allowing plain http for loopback hosts only."""
    from azure.core.pipeline import PipelineRequest
    from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

    class LoopbackBearerPolicy(ARMChallengeAuthenticationPolicy):
        def on_request(self, request: PipelineRequest[Any]) -> None:
            if urlsplit(request.http_request.url).hostname in LOOPBACK:
                request.context.options["enforce_https"] = False
            super().on_request(request)

    return LoopbackBearerPolicy(credential, "https://management.azure.com/.default")


def _gcp(endpoint: str) -> dict[str, Any]:
    from google.auth.credentials import AnonymousCredentials

    from polycloud.testing.gcp import fast_polling

    anonymous: Any = AnonymousCredentials  # google-auth leaves its __init__ untyped
    return {"endpoint": endpoint, "transport": "rest", "credentials": anonymous(), "polling": fast_polling()}


_MAKERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "aws-lambda": _aws, "azure-functions": _azure, "gcp-cloud-run": _gcp}
