"""Planted secrets under ordinary-looking names never appear in anything polycloud prints or reprs.

Every value below is distinctive, so a plain substring search over an output proves it absent.
The runs use the offline sandbox fakes (moto for AWS, the responses-based fakes for ARM and Cloud Run).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from polycloud import FunctionSpec, ProviderError, SpecError, deploy, export, load_spec, migrate, plan
from polycloud.cli import main
from polycloud.testing import sandbox

# name -> (value as written, the part that must never be printed)
PLANTED = {
    "STRIPE_KEY": ("sk_live_Pl4nt3dStr1peK3yXYZ0001", "Pl4nt3dStr1peK3y"),
    "SIGNING_KEY": ("Pl4nt3dS1gn1ngK3y7Qw9Zx2Lm5Np8Rt", "Pl4nt3dS1gn1ngK3y"),
    "DB_PWD": ("Pl4nt3dDbPwd-8kQ", "Pl4nt3dDbPwd"),
    "GITHUB_PAT": ("ghp_Pl4nt3dGitHubT0kenAbCdEfGhIjKlMnOp12", "Pl4nt3dGitHubT0ken"),
    "AUTH_HEADER": ("Bearer Pl4nt3dB3arerT0ken9x8", "Pl4nt3dB3arerT0ken"),
    "DATABASE_URL": ("postgres://app:Pl4nt3dUrlPass@db.example.com:5432/app", "Pl4nt3dUrlPass"),
    "SENTRY_DSN": ("https://0f1e2d3c4b5a69788796a5b4c3d2e1f0@o123456.ingest.sentry.io/4505",
                   "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    "ARCHIVE_SIG": ("Pl4nt3dAwsS3cr3t/K7MDENG/bPxRfiCY0EXAMPLE", "Pl4nt3dAwsS3cr3t"),
}
# Rotated values for an update (``~ path: old -> new``).
ROTATED = {name: (value.replace("Pl4nt3d", "R0t4t3d"), part.replace("Pl4nt3d", "R0t4t3d"))
           for name, (value, part) in PLANTED.items() if "Pl4nt3d" in part}
NUMERIC_PASSWORD = "98765432123"
PASTED = "sk_live_Pl4nt3dPast3dRefXYZ0001"
NEEDLES = [part for _, part in PLANTED.values()] + [part for _, part in ROTATED.values()] + [
    NUMERIC_PASSWORD, "Pl4nt3dPast3dRef", "Pl4nt3dStr1ngRef"]

IMAGES = {"aws": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1", "azure": "acme.azurecr.io/app:1",
          "gcp": "europe-docker.pkg.dev/acme/r/app:1"}
EXPORT_ARGS = {"aws": [], "azure": ["--set", "resource_group=rg"],
               "gcp": ["--project", "acme", "--region", "europe-west1"]}


def spec_text(values: dict[str, tuple[str, str]]) -> str:
    env = "".join(f"  {name}: {json.dumps(value)}\n" for name, (value, _) in values.items())
    return (f"name: leak-me\nimage: {IMAGES['aws']}\nenvironment:\n{env}  LOG_LEVEL: debug\n"
            "network: {auth: none}\nproviders:\n"
            "  aws: {region: us-east-1}\n"
            f"  azure: {{subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg, "
            f"location: westeurope, image: {IMAGES['azure']}}}\n"
            f"  gcp: {{project: acme, region: europe-west1, image: {IMAGES['gcp']}}}\n")


def assert_no_secret(text: str, where: str) -> None:
    leaked = [needle for needle in NEEDLES if needle in text]
    assert not leaked, f"{where} printed {leaked}"


@pytest.fixture(autouse=True)
def _fresh_sandbox() -> Iterator[None]:
    sandbox.reset()
    yield
    sandbox.reset()


@pytest.fixture()
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(spec_text(PLANTED))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str, code: int = 0) -> str:
    assert main(["-q", *argv]) == code, argv
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_validate_warns_without_echoing_values(spec_file: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    out = run(capsys, "validate", str(spec_file), "--format", fmt)
    assert_no_secret(out, f"validate --format {fmt}")
    for name in PLANTED:  # every planted credential is flagged by name
        assert f"environment.{name}" in out, name
    assert "spec-plaintext-secret" in out and "LOG_LEVEL" not in out


BAD_TYPES = f"""\
name: leak-me
image: acme.azurecr.io/app:1
secrets:
  STRING_REF: "ghp_Pl4nt3dStr1ngRefAbCdEfGhIjKlMnOp12345"
providers:
  azure: {{subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg, location: westeurope,
           registry_password: {NUMERIC_PASSWORD}}}
"""

BAD_TAG = f"""\
name: leak-me
image: {IMAGES['aws']}
tags: {{billing: "{PASTED}!?"}}
providers:
  aws: {{region: us-east-1}}
"""

BAD_REFS = f"""\
name: leak-me
image: acme.azurecr.io/app:1
secrets:
  PASTED: {{aws: {PASTED}, azure: {PASTED}, gcp: {PASTED}}}
providers:
  azure: {{subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg, location: westeurope}}
  gcp: {{project: acme, region: europe-west1, image: {IMAGES['gcp']}}}
"""


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
@pytest.mark.parametrize(("case", "text", "rules"), [
    ("types", BAD_TYPES, {"spec-type"}), ("refs", BAD_REFS, {"azure-secret-ref", "gcp-secret-ref"}),
    ("tag", BAD_TAG, {"aws-tags"}),
    ("syntax", f"name: a\nimage: b\nenvironment:\n  STRIPE_KEY: {PASTED}: x\n", {"spec-syntax"}),
    ("unclosed", f'name: a\nimage: b\nenvironment:\n  STRIPE_KEY: "{PASTED}\n', {"spec-syntax"})])
def test_error_findings_never_echo_secrets(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str,
                                           case: str, text: str, rules: set[str]) -> None:
    path = tmp_path / f"{case}.yaml"
    path.write_text(text)
    out = run(capsys, "validate", str(path), "--format", fmt, code=1)
    assert_no_secret(out, f"validate {case} --format {fmt}")
    assert all(rule in out for rule in rules)
    with pytest.raises(SpecError) as caught:
        deploy(str(path), "aws" if case == "tag" else "azure", dry_run=True)
    assert_no_secret(str(caught.value), "SpecError")


@pytest.mark.parametrize("cloud", ["aws", "azure", "gcp"])
def test_plan_deploy_update_export_on_the_cli(spec_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              cloud: str) -> None:
    for fmt in ("text", "json"):
        out = run(capsys, "plan", str(spec_file), "-p", cloud, "--sandbox", "--format", fmt)
        assert_no_secret(out, f"plan {cloud} {fmt}")
        assert "<redacted>" in out and "debug" in out
    out = run(capsys, "deploy", str(spec_file), "-p", cloud, "--sandbox", "--format", "json")
    assert_no_secret(out, f"deploy {cloud}")
    assert json.loads(out[:out.rindex("}") + 1])["action"] == "created"
    rotated = tmp_path / "rotated.yaml"
    rotated.write_text(spec_text({**PLANTED, **ROTATED}))
    for fmt in ("text", "json"):
        out = run(capsys, "plan", str(rotated), "-p", cloud, "--sandbox", "--format", fmt)
        assert_no_secret(out, f"update plan {cloud} {fmt}")
    out = run(capsys, "deploy", str(rotated), "-p", cloud, "--sandbox")
    assert_no_secret(out, f"update deploy {cloud}")
    assert "updated" in out
    for fmt in ("yaml", "json"):
        out = run(capsys, "export", "leak-me", "-p", cloud, "--sandbox", "--format", fmt,
                  *EXPORT_ARGS[cloud])
        assert_no_secret(out, f"export {cloud} {fmt}")
        assert "debug" in out
        assert "export wrote it as secrets.STRIPE_KEY without its value" in out


def test_sandbox_and_migrate_on_the_cli(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("text", "json"):
        assert_no_secret(run(capsys, "sandbox", str(spec_file), "--format", fmt), f"sandbox {fmt}")
    sandbox.reset()
    run(capsys, "deploy", str(spec_file), "-p", "aws", "--sandbox")
    for fmt in ("text", "json", "markdown"):
        out = run(capsys, "migrate", "leak-me", "--from", "aws", "--to", "gcp", "--sandbox", "--format", fmt,
                  "--target-setting", "project=acme", "--target-setting", "region=europe-west1",
                  "--image", IMAGES["gcp"], "--dry-run")
        assert_no_secret(out, f"migrate {fmt}")
        assert "<redacted>" in out


def test_python_api_results_and_reprs(spec_file: Path) -> None:
    spec = load_spec(str(spec_file))
    assert isinstance(spec, FunctionSpec)
    assert spec.environment["STRIPE_KEY"] == PLANTED["STRIPE_KEY"][0]  # the object keeps the value
    shown = [repr(spec), str(spec)]
    aws = sandbox.sandbox_settings("aws-lambda")
    the_plan = plan(spec, "aws", settings=aws)
    shown += [repr(the_plan), str(the_plan), *(repr(c) for c in the_plan.changes)]
    result = deploy(spec, "aws", settings=aws)
    shown += [repr(result), str(result), json.dumps(result.to_dict())]
    rotated = FunctionSpec.model_validate({**spec.model_dump(), "environment": {
        **spec.environment, **{name: value for name, (value, _) in ROTATED.items()}}})
    update = deploy(rotated, "aws", settings=aws)
    assert update.action == "updated"
    shown += [repr(update), *(c.describe() for c in update.changes), json.dumps(update.to_dict())]
    imported = export("leak-me", "aws", settings=aws)
    assert imported.spec.environment["STRIPE_KEY"] == ROTATED["STRIPE_KEY"][0]  # migrate needs the real value
    shown += [repr(imported), str(imported)]
    migration = migrate("leak-me", "aws", "gcp", source_settings=aws,
                        target_settings=sandbox.sandbox_settings("gcp-cloud-run"),
                        providers={"project": "acme", "region": "europe-west1"}, image=IMAGES["gcp"])
    moved = migration.deployment
    assert moved.action == "created"
    assert migration.report.row("environment.STRIPE_KEY").source == ROTATED["STRIPE_KEY"][0]  # kept, not printed
    shown += [repr(migration), repr(moved), repr(migration.source), json.dumps(moved.to_dict()),
              *(migration.report.render(fmt) for fmt in ("text", "json", "markdown"))]
    for text in shown:
        assert_no_secret(text, text[:40])


def test_error_messages_hide_credentials(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    error = ProviderError(f"InvalidParameterValue: bad value {PASTED} for DATABASE_URL", provider="aws-lambda",
                          operation="update_function_configuration")
    assert_no_secret(str(error), "ProviderError")
    assert "InvalidParameterValue" in str(error)
    out = run(capsys, "migrate", "x", "--from", "aws", "--to", "gcp", "--target-setting", PASTED, code=2)
    assert_no_secret(out, "usage error")
    assert "KEY=VALUE" in out
