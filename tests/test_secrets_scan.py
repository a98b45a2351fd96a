"""The shape detector: credentials are found by their format or entropy; ordinary values are left alone."""

from __future__ import annotations

import pytest

from polycloud.secrets_scan import scrub, secret_kind

# Distinctive fake credentials, one per detected format (none is a live key).
CREDENTIALS = {
    "Stripe live secret key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "Stripe restricted key": "rk_live_51H8xYzAbCdEfGhIjKlMnOpQr",
    "Stripe test key": "sk_test_26PHem9AhJZvU623DfE1x4sd",
    "GitHub classic PAT": "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "GitHub fine-grained PAT": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV0",
    "GitLab PAT": "glpat-Zx8Yw7Vu6Ts5Rq4Po3Nm",
    "AWS access key id": "AKIAIOSFODNN7EXAMPLE",
    "AWS secret access key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "Slack bot token": "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    "Slack webhook": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "private key block": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----",
    "JWT": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2Mj"
           "M5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "URL with a password": "postgres://app:Zq9-hunter2-Xw@db.example.com:5432/app",
    "Sentry DSN": "https://9f8e7d6c5b4a39281706f5e4d3c2b1a0@o123456.ingest.sentry.io/4505",
    "bearer header": "Bearer abc123def456ghi7",
    "hex HMAC key": "3f9a1c0e5b7d2f4a6c8e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a1c3e5b7d9f0a",
    "random API key": "Xk7pQ2mN9vL4wR8tY3zB6cF1hJ5gD0sA",
    "Google API key": "AIzaSyD-1234567890abcdefghijklmnopqrstu",
    "Azure storage connection string": "DefaultEndpointsProtocol=https;AccountName=a;"
                                       "AccountKey=c2VjcmV0c2VjcmV0",
    "SendGrid key": "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",
}

# Values that must stay visible. UUIDs are ids far more often than keys: a UUID used as a key is
# caught by its setting's name only (a judgment call, documented in polycloud.secrets_scan).
ORDINARY = [
    "debug", "8080", "true", "us-east-1", "europe-west1", "westeurope", "00:00:30", "ElasticPremium",
    "https://api.example.com/v1/items?x=1", "amqp://rabbit.internal:5672/vhost", "redis://cache:6379/0",
    "ssh://git@github.com/acme/app.git", "git@github.com:acme/app.git",
    "europe-docker.pkg.dev/acme/r/app:1", "DOCKER|acme.azurecr.io/app:1",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:"
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-AbCdEf",
    "arn:aws:iam::123456789012:role/service-role/MyFunctionRole-abc123",
    "00000000-0000-0000-0000-000000000000", "c9f1e7a2-3b4d-4e5f-8a6b-7c8d9e0f1a2b",
    "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/my-rg/providers/Microsoft.Web/sites/my-func",
    "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s)",
    "https://myvault.vault.azure.net/secrets/signing/0123456789abcdef0123456789abcdef",
    "projects/acme/secrets/db/versions/latest", "projects/acme-prod-123/locations/europe-west1/connectors/vpc-conn-01",
    "my-service-account@acme-prod.iam.gserviceaccount.com",
    "Server=tcp:db.example.com,1433;Database=app;Authentication=Active Directory Default",
    "AzureFunctionsJobHost__functionTimeout", "/var/task/handler.main", "MyApplicationNameIsVeryLongButPlain2024",
    "The quick brown fox jumps over the lazy dog", "managed-by: polycloud",
]


@pytest.mark.parametrize("value", CREDENTIALS.values(), ids=CREDENTIALS.keys())
def test_credentials_are_found_and_scrubbed(value: str) -> None:
    assert secret_kind(value) is not None
    scrubbed = scrub(value)
    assert "<redacted>" in scrubbed
    # The secret part is gone: no 8-character piece of the credential survives after the visible prefix.
    secret = value.split("://")[-1].split("@")[0].split("=")[-1].removeprefix("Bearer ")
    assert secret not in scrubbed


@pytest.mark.parametrize("value", ORDINARY)
def test_ordinary_values_are_left_alone(value: str) -> None:
    assert secret_kind(value) is None
    assert scrub(value) == value


def test_scrub_keeps_the_context_around_a_credential() -> None:
    assert scrub("postgres://app:Zq9-hunter2-Xw@db.example.com/app") == "postgres://<redacted>@db.example.com/app"
    assert scrub("call with Bearer abc123def456ghi7 now") == "call with Bearer <redacted> now"
    assert scrub("key sk_live_4eC39HqLyjWDarjtT1zdp7dc and ghp_16C7e42F292c6912E7710c838347Ae178B4a") == \
        "key <redacted> and <redacted>"
