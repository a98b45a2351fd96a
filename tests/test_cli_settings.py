"""Settings given outside the spec are checked like the spec's; migrate's target settings; safe -o."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from polycloud import load_spec
from polycloud.cli import main
from polycloud.testing import sandbox

SPEC = """\
name: regcheck
image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1
providers:
  aws: {region: us-east-1}
"""


@pytest.fixture(autouse=True)
def _fresh_sandbox() -> Iterator[None]:
    sandbox.reset()
    yield
    sandbox.reset()


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "polycloud.yaml"
    path.write_text(SPEC)
    return path


def test_region_flag_is_checked_like_the_spec_region(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "plan", str(spec_file), "-p", "aws", "--sandbox"]) == 0
    capsys.readouterr()
    assert main(["-q", "plan", str(spec_file), "-p", "aws", "--sandbox", "--region", "eu-west-1"]) == 1
    err = capsys.readouterr().err
    assert "aws-image-registry" in err and "eu-west-1" in err


def test_unknown_and_python_only_settings_are_usage_errors(spec_file: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(spec_file), "-p", "aws", "--set", "colour=blue"]) == 2
    assert "no setting 'colour'" in capsys.readouterr().err
    assert main(["plan", str(spec_file), "-p", "aws", "--set", "client=x"]) == 2
    assert "cannot be set from the command line" in capsys.readouterr().err
    assert main(["plan", str(spec_file), "-p", "aws", "--set", "adopt=maybe"]) == 2
    assert "expected bool" in capsys.readouterr().err


def test_migrate_target_set_reaches_the_target(spec_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from polycloud.testing.sandbox import sandbox_settings

    assert main(["-q", "deploy", str(spec_file), "-p", "aws", "--sandbox"]) == 0
    # a service of the same name that polycloud did not create already runs on Cloud Run
    client = sandbox_settings("gcp-cloud-run")["client"]
    from google.cloud import run_v2

    client.create_service(parent="projects/acme/locations/europe-west1", service_id="regcheck",
                          service=run_v2.Service(template=run_v2.RevisionTemplate(containers=[
                              run_v2.Container(image="europe-docker.pkg.dev/acme/r/other:1")]))).result()
    base = ["-q", "migrate", "regcheck", "--from", "aws", "--to", "gcp", "--sandbox",
            "--target-setting", "project=acme", "--target-setting", "region=europe-west1",
            "--image", "europe-docker.pkg.dev/acme/r/app:1"]
    capsys.readouterr()
    assert main(base) == 3
    assert "polycloud did not create" in capsys.readouterr().err
    assert main([*base, "--target-set", "adopt=true"]) == 0
    assert "regcheck: updated" in capsys.readouterr().out


def test_failed_export_leaves_the_output_file_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exported.yaml"
    out.write_text(SPEC)
    assert main(["export", "no-such-function", "-p", "aws", "--sandbox", "-o", str(out)]) == 3
    assert out.read_text() == SPEC
    assert [p.name for p in tmp_path.iterdir()] == ["exported.yaml"]


def test_export_writes_a_spec_that_loads(spec_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported.yaml"
    assert main(["-q", "deploy", str(spec_file), "-p", "aws", "--sandbox"]) == 0
    assert main(["export", "regcheck", "-p", "aws", "--sandbox", "-o", str(out)]) == 0
    assert load_spec(out).name == "regcheck"


def test_sandbox_keeps_good_rows_when_one_file_is_bad(spec_file: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "sandbox", str(spec_file), str(tmp_path / "missing.yaml")]) == 2
    out = capsys.readouterr().out
    assert "created  unchanged" in out
    assert "spec-file-unreadable" in out


def test_limits_file_accepts_unquoted_yaml_dates(spec_file: Path, tmp_path: Path) -> None:
    limits = tmp_path / "limits.yaml"
    limits.write_text("aws-lambda:\n  common:\n    memory:\n      max: 12288\n"
                      "      source: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html\n"
                      "      as_of: 2026-12-01\n")
    spec_file.write_text(SPEC.replace("providers:", "memory: 11GiB\nproviders:"))
    assert main(["validate", str(spec_file), "-p", "aws"]) == 1
    assert main(["validate", str(spec_file), "-p", "aws", "--limits", str(limits)]) == 0
