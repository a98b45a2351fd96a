"""Ownership notes and refusals say the right thing: no "needs adopt" once a deploy adopts, and a migrate
names its own flag for the target (``--target-set``), not deploy's ``--set``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polycloud import deploy, plan
from polycloud.cli import main
from polycloud.testing import sandbox

NAME = "adoptee"
SPEC = f"""\
name: {NAME}
image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1
providers:
  aws: {{region: us-east-1}}
"""
GCP = {"project": "acme", "region": "europe-west1"}
GCP_IMAGE = "europe-docker.pkg.dev/acme/r/app:1"
NEEDS_ADOPT = "exists but polycloud did not create it"


@pytest.fixture
def foreign_service(fresh_sandbox: None) -> None:
    """A Cloud Run service of the same name that polycloud did not create."""
    from google.cloud import run_v2

    client = sandbox.sandbox_settings("gcp-cloud-run")["client"]
    client.create_service(parent="projects/acme/locations/europe-west1", service_id=NAME,
                          service=run_v2.Service(template=run_v2.RevisionTemplate(containers=[
                              run_v2.Container(image="europe-docker.pkg.dev/acme/r/other:1")]))).result()


@pytest.fixture
def aws_source(tmp_path: Path, foreign_service: None) -> None:
    """The function to migrate, deployed on the sandbox's AWS."""
    path = tmp_path / "polycloud.yaml"
    path.write_text(SPEC)
    assert main(["-q", "deploy", str(path), "-p", "aws", "--sandbox"]) == 0


def gcp_spec() -> dict[str, object]:
    return {"name": NAME, "image": GCP_IMAGE, "providers": {"gcp": GCP}}


def test_the_plan_says_a_foreign_service_needs_adopt(foreign_service: None) -> None:
    from polycloud import FunctionSpec

    notes = plan(FunctionSpec.model_validate(gcp_spec()), "gcp",
                 settings=sandbox.sandbox_settings("gcp-cloud-run")).notes
    assert any(NEEDS_ADOPT in note and "adopt=True (CLI: --set adopt=true)" in note for note in notes)


def test_an_adopting_deploy_does_not_also_say_it_needs_adopt(foreign_service: None) -> None:
    from polycloud import FunctionSpec

    spec = FunctionSpec.model_validate(gcp_spec())
    settings = sandbox.sandbox_settings("gcp-cloud-run")
    for result in (deploy(spec, "gcp", dry_run=True, settings={"adopt": True, **settings}),
                   deploy(spec, "gcp", settings={"adopt": True, **settings})):
        assert not any(NEEDS_ADOPT in note for note in result.notes), result.notes
    assert any(note.startswith(f"adopted service {NAME}") for note in result.notes)


def migrate_args(*extra: str) -> list[str]:
    return ["-q", "migrate", NAME, "--from", "aws", "--to", "gcp", "--sandbox", "--target-setting", "project=acme",
            "--target-setting", "region=europe-west1", "--image", GCP_IMAGE, *extra]


def test_a_migrate_refusal_names_target_set(aws_source: None, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(migrate_args()) == 3
    err = capsys.readouterr().err
    assert "polycloud did not create it" in err
    assert "(CLI: --target-set adopt=true)" in err and "--set adopt=true" not in err.replace("--target-set", "")
    # the flag it names works
    assert main(migrate_args("--target-set", "adopt=true")) == 0
    assert f"migrate gcp-cloud-run {NAME}: updated" in capsys.readouterr().out


def test_a_migrate_dry_run_note_names_target_set(aws_source: None, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(migrate_args("--dry-run", "--format", "json")) == 0
    notes = json.loads(capsys.readouterr().out)["deployment"]["notes"]
    assert any(NEEDS_ADOPT in note and "(CLI: --target-set adopt=true)" in note for note in notes), notes
    assert not any("(CLI: --set adopt=true)" in note for note in notes)
