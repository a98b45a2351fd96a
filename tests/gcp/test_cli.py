"""The CLI end to end on Cloud Run, against the in-process sandbox (``--sandbox``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from polycloud import load_spec
from polycloud.cli import main
from polycloud.testing import sandbox
from polycloud.testing.gcp import fast_polling

from .conftest import IMAGE, PROJECT, REGION

SPEC = f"""\
name: cli-svc
image: {IMAGE}
memory: 1GiB
timeout: 45s
concurrency:
  max_instances: 5
  per_instance: 20
network:
  auth: none
environment:
  STAGE: test
tags:
  owner: cli
providers:
  gcp:
    project: {PROJECT}
    region: {REGION}
"""


@pytest.fixture
def spec_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "polycloud.yaml"
    path.write_text(SPEC)
    yield path
    sandbox.reset()


def test_deploy_plan_export(spec_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "deploy", str(spec_file), "-p", "gcp", "--sandbox", "--format", "json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["action"] == "created"
    assert created["resource_id"] == f"projects/{PROJECT}/locations/{REGION}/services/cli-svc"
    assert created["url"].startswith("https://cli-svc-")
    stored = sandbox.fakes["gcp-cloud-run"].service(PROJECT, REGION, "cli-svc")
    assert stored["template"]["containers"][0]["resources"]["limits"] == {"cpu": "1", "memory": "1024Mi"}

    assert main(["-q", "deploy", str(spec_file), "-p", "gcp", "--sandbox"]) == 0
    assert "unchanged" in capsys.readouterr().out

    spec_file.write_text(SPEC.replace("45s", "90s"))
    assert main(["-q", "plan", str(spec_file), "-p", "gcp", "--sandbox"]) == 0
    assert "~ service.template.timeout: '45s' -> '90s'" in capsys.readouterr().out

    out = tmp_path / "exported.yaml"
    assert main(["-q", "export", "cli-svc", "-p", "gcp", "--sandbox", "--project", PROJECT, "--region", REGION,
                 "-o", str(out)]) == 0
    spec_file.write_text(SPEC)
    exported, written = load_spec(out), load_spec(spec_file)
    # the deploy pinned the tag: the export names the image by the digest the sandbox registry resolved
    digest = sandbox.fakes["image-registry"].digest(written.image)
    assert digest and exported.image == f"{written.image.rsplit(':', 1)[0]}@{digest}"
    assert exported.model_copy(update={"image": written.image}) == written


def test_an_api_error_exits_3_with_status_and_operation(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sandbox.sandbox_settings("gcp-cloud-run")  # start the sandbox so a fault can be queued
    sandbox.fakes["gcp-cloud-run"].inject(1, status=403)
    assert main(["-q", "deploy", str(spec_file), "-p", "gcp", "--sandbox", "--format", "json"]) == 3
    error = json.loads(capsys.readouterr().out)["error"]
    assert (error["status"], error["code"], error["operation"]) == (403, "PERMISSION_DENIED", "GetService")


def test_an_invalid_spec_exits_1_before_any_call(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec_file.write_text(SPEC.replace("memory: 1GiB", "memory: 9GiB").replace("cli-svc", "Cli-Svc"))
    assert main(["-q", "deploy", str(spec_file), "-p", "gcp", "--sandbox"]) == 1
    err = capsys.readouterr().err
    assert "gcp-memory" in err and "gcp-name" in err
    assert sandbox.fakes["gcp-cloud-run"].calls == []


def test_a_service_polycloud_did_not_create_is_adopted_with_set_adopt(spec_file: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from google.cloud import run_v2

    sandbox.sandbox_settings("gcp-cloud-run")  # start the sandbox to seed it
    fake = sandbox.fakes["gcp-cloud-run"]
    made = {"annotations": {"team.example.com/owner": "payments"},
            "template": {"containers": [{"image": IMAGE}]}}  # made outside polycloud: no mark
    fake.client().create_service(parent=f"projects/{PROJECT}/locations/{REGION}", service_id="cli-svc",
                                 service=run_v2.Service.from_json(json.dumps(made)),
                                 retry=None).result(polling=fast_polling())
    fake.reset_calls()

    assert main(["-q", "deploy", str(spec_file), "-p", "gcp", "--sandbox", "--format", "json"]) == 3
    error = json.loads(capsys.readouterr().out)["error"]
    assert "polycloud did not create it" in error["message"] and "--set adopt=true" in error["message"]
    assert fake.writes == []

    assert main(["-q", "deploy", str(spec_file), "-p", "gcp", "--sandbox", "--format", "json",
                 "--set", "adopt=true"]) == 0
    adopted = json.loads(capsys.readouterr().out)
    assert adopted["action"] == "updated"
    assert any(note.startswith("adopted service cli-svc") for note in adopted["notes"])
    stored = fake.service(PROJECT, REGION, "cli-svc")
    assert stored["annotations"] == {"team.example.com/owner": "payments", "polycloud.dev/managed-by": "polycloud"}

    assert main(["-q", "deploy", str(spec_file), "-p", "gcp", "--sandbox"]) == 0
    assert "unchanged" in capsys.readouterr().out
