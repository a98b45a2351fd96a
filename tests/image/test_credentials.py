"""Registry logins from cloud credentials: ECR (moto), Artifact Registry (google-auth), ACR (token exchange)."""

from __future__ import annotations

from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from polycloud.image import (
    ImageError,
    RegistryClient,
    acr_credentials,
    chain,
    ecr_credentials,
    google_credentials,
    pin,
)
from polycloud.testing.image_catalog import correct_image
from polycloud.testing.registry import FakeRegistry

ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


@pytest.fixture
def aws_env(monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)


def test_ecr_login_comes_from_get_authorization_token(tmp_path, aws_env):
    with mock_aws():
        regions = []

        def ecr_client(region):
            regions.append(region)
            return boto3.client("ecr", region_name=region)

        provider = ecr_credentials(ecr_client)
        user, password = provider(ECR_HOST)
        assert (user, regions) == ("AWS", ["us-east-1"]) and password
        assert provider("ghcr.io") is None
        fake = FakeRegistry(ECR_HOST, auth="basic", users={"AWS": password})
        with fake.activate():
            digest = fake.push("app", "v1", correct_image("lambda-runtime-api").artifact())
            assert pin(fake.reference("app", "v1"), RegistryClient(credentials=provider, cache_dir=tmp_path)).digest \
                == digest


def test_artifact_registry_login_is_an_oauth_access_token(tmp_path):
    refreshed = []
    creds = SimpleNamespace(valid=True, token="ya29.token")
    provider = google_credentials(creds)
    assert provider("europe-docker.pkg.dev") == ("oauth2accesstoken", "ya29.token")
    assert provider("gcr.io") == ("oauth2accesstoken", "ya29.token")
    assert provider(ECR_HOST) is None

    class Expired:
        valid, token = False, "old"

        def refresh(self, request):
            refreshed.append(request)
            self.token, self.valid = "new", True

    assert google_credentials(Expired())("us-docker.pkg.dev") == ("oauth2accesstoken", "new")
    assert len(refreshed) == 1


def test_acr_login_exchanges_an_entra_token(tmp_path):
    fake = FakeRegistry("myregistry.azurecr.io", users={})
    fake.entra_tokens.add("entra-token")
    credential = SimpleNamespace(get_token=lambda scope: SimpleNamespace(token="entra-token"))
    with fake.activate():
        fake.repository("app", public=False)
        digest = fake.push("app", "v1", correct_image("azure-functions-host").artifact())
        client = RegistryClient(credentials=chain(ecr_credentials(), acr_credentials(credential)), cache_dir=tmp_path)
        assert pin(fake.reference("app", "v1"), client).digest == digest
        exchange = next(c for c in fake.calls if c.path == "/oauth2/exchange")
        assert b"grant_type=access_token" in exchange.body
        wrong = SimpleNamespace(get_token=lambda scope: SimpleNamespace(token="stolen"))
        with pytest.raises(ImageError, match="refused the Entra ID token exchange"):
            acr_credentials(wrong)(fake.host)


def test_chain_asks_each_provider_in_turn():
    provider = chain(lambda host: None, lambda host: ("u", "p") if host == "a.io" else None)
    assert provider("a.io") == ("u", "p") and provider("b.io") is None
