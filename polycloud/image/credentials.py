"""Registry credentials from the user's existing cloud login, as ``CredentialProvider`` callables.

Each provider answers for its own registry hosts and returns None for others; ``chain`` asks several
in turn. The cloud SDK objects are passed in (or made on first use), so importing this module imports
no SDK.

- ECR (``<account>.dkr.ecr.<region>.amazonaws.com``): ``GetAuthorizationToken`` gives
  base64 ``AWS:<password>``. Source: https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry_auth.html
- Artifact Registry / Container Registry (``<region>-docker.pkg.dev``, ``gcr.io``): user
  ``oauth2accesstoken`` with an OAuth access token. Source:
  https://cloud.google.com/artifact-registry/docs/docker/authentication#token
- ACR (``<name>.azurecr.io``): an Entra ID token exchanged at ``POST /oauth2/exchange`` for an ACR refresh
  token, used with the user ``00000000-0000-0000-0000-000000000000``. Source:
  https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from polycloud.image.manifest import ImageError
from polycloud.image.registry import CredentialProvider

__all__ = ["ACR_USER", "acr_credentials", "chain", "ecr_credentials", "google_credentials"]

ACR_USER = "00000000-0000-0000-0000-000000000000"
_ECR = re.compile(r"(?P<account>\d{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?")
_GOOGLE = re.compile(r"([a-z0-9-]+-docker\.pkg\.dev|([a-z]+\.)?gcr\.io)")
_ACR = re.compile(r"[a-z0-9]+\.azurecr\.(io|cn|us)")


def ecr_credentials(client_for_region: Callable[[str], Any] | None = None) -> CredentialProvider:
    """ECR logins: ``client_for_region(region)`` gives a boto3 ECR client (default: ``boto3.client``)."""

    def provide(host: str) -> tuple[str, str] | None:
        match = _ECR.fullmatch(host)
        if match is None:
            return None
        if client_for_region is None:
            import boto3

            client = boto3.client("ecr", region_name=match["region"])
        else:
            client = client_for_region(match["region"])
        data = client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
        user, _, password = base64.b64decode(data).decode().partition(":")
        return user, password

    return provide


def google_credentials(credentials: Any = None) -> CredentialProvider:
    """Artifact Registry / gcr.io logins from google-auth credentials (default: ``google.auth.default()``)."""
    state: dict[str, Any] = {"credentials": credentials}

    def provide(host: str) -> tuple[str, str] | None:
        if _GOOGLE.fullmatch(host) is None:
            return None
        creds = state["credentials"]
        if creds is None:
            import google.auth

            creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
            state["credentials"] = creds
        if not creds.valid:
            from google.auth.transport.requests import Request

            creds.refresh(Request())
        return "oauth2accesstoken", str(creds.token)

    return provide


def acr_credentials(credential: Any, *, session: Any = None) -> CredentialProvider:
    """ACR logins from an azure-identity ``TokenCredential`` (exchanged for an ACR refresh token)."""

    def provide(host: str) -> tuple[str, str] | None:
        if _ACR.fullmatch(host) is None:
            return None
        import requests

        aad = credential.get_token("https://management.azure.com/.default").token
        http = session or requests
        response = http.post(f"https://{host}/oauth2/exchange", data={
            "grant_type": "access_token", "service": host, "access_token": aad}, timeout=30)
        if response.status_code != 200:
            raise ImageError(f"{host} refused the Entra ID token exchange (HTTP {response.status_code})")
        refresh = response.json().get("refresh_token")
        if not isinstance(refresh, str):
            raise ImageError(f"{host} answered the token exchange without a refresh_token")
        return ACR_USER, refresh

    return provide


def chain(*providers: CredentialProvider) -> CredentialProvider:
    """The first answer of ``providers`` for a host (None when none knows it)."""

    def provide(host: str) -> tuple[str, str] | None:
        for provider in providers:
            found = provider(host)
            if found is not None:
                return found
        return None

    return provide
