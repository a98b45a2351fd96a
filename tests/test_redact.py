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
    ("app_settings.MY_CONN", "Server=x;Password=p", "Server=x;Password=<redacted>"),
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


STRIPE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"


@pytest.mark.parametrize(("path", "value", "shown"), [
    # Values judged by shape under names that say nothing, at any depth of provider config.
    ("function.Environment.Variables.PAYMENTS", STRIPE, "<redacted>"),
    ("app_settings.DATABASE_URL", "postgres://app:s3cr3t-pw@db:5432/app", "postgres://<redacted>@db:5432/app"),
    ("service.template.containers", [{"name": "app", "env": [{"name": "PAYMENTS", "value": STRIPE},
                                                          {"name": "LOG_LEVEL", "value": "debug"}]}],
     [{"name": "app", "env": [{"name": "PAYMENTS", "value": "<redacted>"},
                              {"name": "LOG_LEVEL", "value": "debug"}]}]),
    ("service.template.containers[0].env", [{"name": "DB_PASSWORD", "value": "hunter2"}],
     [{"name": "DB_PASSWORD", "value": "<redacted>"}]),
    ("function.Environment", {"Variables": {"X": STRIPE, "Y": "debug"}},
     {"Variables": {"X": "<redacted>", "Y": "debug"}}),
    ("code.ImageUri", "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + "9f86d081884c7d65" * 4,
     "123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:" + "9f86d081884c7d65" * 4),
    ("network.auth", "none", "none"),
])
def test_values_are_judged_by_shape_at_any_depth(path: str, value: object, shown: object) -> None:
    change = Change(path, None, value)
    assert change.to_dict()["new"] == shown
    assert repr(shown) in change.describe() and repr(shown) in repr(change)


def test_an_update_hides_old_and_new_values() -> None:
    change = Change("app_settings.PAYMENTS", STRIPE, "sk_live_9zY8xW7vU6tS5rQ4pO3nM2lK")
    assert change.describe() == "~ app_settings.PAYMENTS: '<redacted>' -> '<redacted>'"
    assert "4eC39" not in repr(change) and "9zY8x" not in repr(change)


def test_export_withholds_plain_text_credentials() -> None:
    from polycloud import FunctionSpec
    from polycloud.redact import withhold_secrets

    spec = FunctionSpec(name="f", image="i", environment={"PAYMENTS": STRIPE, "DB_PASSWORD": "hunter2",
                                                          "LOG_LEVEL": "debug", "TOKEN_REF": "arn:aws:ssm:x"})
    written, notes = withhold_secrets(spec)
    assert written.environment == {"LOG_LEVEL": "debug", "TOKEN_REF": "arn:aws:ssm:x"}
    assert sorted(written.secrets) == ["DB_PASSWORD", "PAYMENTS"]
    assert written.secrets["PAYMENTS"].aws is None
    assert len(notes) == 2 and all(STRIPE not in n and "hunter2" not in n for n in notes)
    assert spec.environment["PAYMENTS"] == STRIPE  # the original is untouched
    assert withhold_secrets(FunctionSpec(name="f", image="i", environment={"A": "b"})) == (
        FunctionSpec(name="f", image="i", environment={"A": "b"}), [])


@pytest.mark.parametrize(("name", "value", "flagged"), [
    ("PAYMENTS", STRIPE, True), ("DB_PASSWORD", "hunter2", True), ("API_TOKEN", "tok-123", True),
    ("TOKEN_TTL", "3600", False), ("SECRET_NAME", "signing", False), ("DB_PASSWORD", "true", False),
    ("DB_PASSWORD", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/s)", False),
    ("LOG_LEVEL", "debug", False), ("CACHE_KEY", "user-id", False),
])
def test_validate_judges_plain_text_credentials(name: str, value: str, flagged: bool) -> None:
    from polycloud import FunctionSpec, validate

    spec = FunctionSpec(name="f", image="europe-docker.pkg.dev/acme/r/app:1", environment={name: value})
    report = validate(spec, providers=[])
    found = [f for f in report if f.rule == "spec-plaintext-secret"]
    assert bool(found) is flagged
    for finding in found:
        assert value not in finding.describe() and f"environment.{name}" in finding.describe()
        assert "secrets." in (finding.hint or "")


def test_import_polycloud_does_not_load_the_detector() -> None:
    import subprocess
    import sys

    code = ("import sys, polycloud; from polycloud import FunctionSpec; "
            "loaded = [m for m in sys.modules if m.split('.')[0] in ('detect_secrets', 'requests')]; "
            "print(loaded)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_repr_of_composed_provider_settings_and_secret_refs_hides_secrets() -> None:
    from polycloud import FunctionSpec

    spec = FunctionSpec.model_validate({
        "name": "f", "image": "acme.azurecr.io/app:1",
        "secrets": {"PASTED": {"azure": STRIPE, "gcp": "projects/p/secrets/s/versions/1"}},
        "providers": {"azure": {"registry_password": "Hunter2Registry", "storage":
                                "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=St0rageK3yZ"}}})
    assert spec.providers.azure.registry_password == "Hunter2Registry"  # the model keeps the value
    for shown in (repr(spec), str(spec), repr(spec.providers), repr(spec.providers.azure), repr(spec.secrets)):
        assert "Hunter2Registry" not in shown and "St0rageK3yZ" not in shown and "4eC39" not in shown, shown
    assert "projects/p/secrets/s/versions/1" in repr(spec.secrets)  # a reference is not a secret
    assert "AccountName=a" in repr(spec.providers.azure)
