"""Secret values never reach plan/deploy output; references to secret stores stay visible."""

from __future__ import annotations

import json

import pytest

from polycloud._plan import Change
from polycloud.cli import main
from polycloud.testing import sandbox

SPEC = """\
name: redact-me
image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1
environment:
  DB_PASSWORD: hunter2
  API_TOKEN: tok-123
  LOG_LEVEL: debug
  STORAGE: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0"
secrets:
  SIGNING_KEY: {aws: "arn:aws:secretsmanager:us-east-1:123456789012:secret:signing-AbCdEf"}
providers:
  aws: {region: us-east-1}
"""


@pytest.mark.parametrize(("path", "value", "shown"), [
    ("function.Environment.Variables.DB_PASSWORD", "hunter2", "<redacted>"),
    ("app_settings.DOCKER_REGISTRY_SERVER_PASSWORD", "S3cr3t!", "<redacted>"),
    ("app_settings.AzureWebJobsStorage", "DefaultEndpointsProtocol=https;AccountKey=abc", "<redacted>"),
    ("app_settings.MY_CONN", "Server=x;Password=p", "<redacted>"),
    ("app_settings.STRIPE_KEY", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s)",
     "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s)"),
    ("function.Environment.Variables.SIGNING_KEY_SECRET_ARN", "arn:aws:secretsmanager:x", "arn:aws:secretsmanager:x"),
    ("function.Environment.Variables.LOG_LEVEL", "debug", "debug"),
    ("function.MemorySize", 1024, 1024),
])
def test_change_rendering_redacts_secrets(path: str, value: object, shown: object) -> None:
    change = Change(path, None, value)
    assert change.to_dict()["new"] == shown
    assert change.describe() == f"+ {path} = {shown!r}"
    assert change.new == value  # the Python object keeps the real value for the adapter


def test_plan_output_never_prints_secret_values(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    sandbox.reset()
    try:
        for fmt in ("text", "json"):
            assert main(["-q", "plan", str(spec), "-p", "aws", "--sandbox", "--format", fmt]) == 0
            out = capsys.readouterr().out
            for secret in ("hunter2", "tok-123", "c2VjcmV0"):
                assert secret not in out
            assert "debug" in out and "signing-AbCdEf" in out
        json_out = main(["-q", "plan", str(spec), "-p", "aws", "--sandbox", "--format", "json"])
        assert json_out == 0
        changes = json.loads(capsys.readouterr().out)["changes"]
        assert {"path": "function.Environment.Variables.DB_PASSWORD", "kind": "add", "old": None,
                "new": "<redacted>"} in changes
    finally:
        sandbox.reset()


CLOUD_SPEC = """\
name: redact-me
image: {image}
environment:
  DB_PASSWORD: hunter2
  API_TOKEN: tok-123
  LOG_LEVEL: debug
network: {{auth: none}}
providers:
  {section}: {settings}
"""


@pytest.mark.parametrize(("provider", "section", "image", "settings"), [
    ("azure", "azure", "acme.azurecr.io/app:1",
     "{subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg, location: westeurope}"),
    ("gcp", "gcp", "europe-docker.pkg.dev/acme/r/app:1", "{project: acme, region: europe-west1}"),
])
def test_plan_output_redacts_on_every_cloud(tmp_path, capsys: pytest.CaptureFixture[str], provider: str,
                                            section: str, image: str, settings: str) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(CLOUD_SPEC.format(image=image, section=section, settings=settings))
    sandbox.reset()
    try:
        for fmt in ("text", "json"):
            assert main(["-q", "plan", str(spec), "-p", provider, "--sandbox", "--format", fmt]) == 0
            out = capsys.readouterr().out
            assert "hunter2" not in out and "tok-123" not in out
            assert "debug" in out and "<redacted>" in out
    finally:
        sandbox.reset()
