"""The pytest11 plugin: any project's tests get the fakes as fixtures, and loading it imports no SDK.

The tests below use the fixtures exactly as a user's tests would: nothing in this directory's conftests
defines them, the plugin's entry point does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from polycloud import deploy, export
from polycloud.testing.azure import sandbox_settings as arm_settings
from polycloud.testing.gcp import sandbox_settings as run_settings

SPEC = str(Path(__file__).resolve().parents[2] / "examples" / "hello-api.yaml")
FIXTURES = ("polycloud_sandbox", "moto_aws", "fake_arm", "fake_cloud_run")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    (plugin,) = [ep for ep in entry_points(group="pytest11") if ep.name == "polycloud"]
    assert plugin.value == "polycloud.testing.pytest_plugin"


def test_a_project_without_conftest_sees_the_fixtures(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"  # a conftest-free project: only the entry point can bring the fixtures
    probe.write_text("import sys\n\ndef pytest_sessionfinish(session):\n    print('SDKS', sorted(m for m in "
                     "sys.modules if m.split('.')[0] in ('boto3', 'moto', 'responses', 'azure', 'google')))\n")
    listing = subprocess.run([sys.executable, "-m", "pytest", "--fixtures", "-p", "no:cacheprovider", "-p", "probe"],
                             cwd=tmp_path, capture_output=True, text=True, env={**_env(), "PYTHONPATH": str(tmp_path)})
    out = listing.stdout
    for name in FIXTURES:
        assert f"\n{name} -- " in out and "polycloud/testing/pytest_plugin.py" in out, (name, out[-2000:])
    assert "SDKS []" in out, out[-500:]


def test_loading_the_plugin_imports_no_sdk_moto_or_responses() -> None:
    probe = ("import json, sys; import polycloud.testing.pytest_plugin; "
             "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('boto3', 'botocore', 'moto', 'responses', 'azure', 'google'))))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


def test_fake_cloud_run(fake_cloud_run) -> None:
    assert deploy(SPEC, "gcp", settings=run_settings(fake_cloud_run)).action == "created"
    assert fake_cloud_run.service("acme", "europe-west1", "hello-api")["template"]["timeout"] == "30s"


def test_fake_arm(fake_arm) -> None:
    fake_arm.inject(1, status=429, retry_after=0)
    assert deploy(SPEC, "azure", settings=arm_settings(fake_arm)).action == "created"
    assert fake_arm.site("rg-hello", "hello-api") is not None


def test_moto_aws(moto_aws) -> None:
    moto_aws.faults.inject(1, status=503)
    assert deploy(SPEC, "aws", settings=moto_aws.settings()).action == "created"
    assert moto_aws.faults.calls.count("CreateFunction") == 1
    assert moto_aws.client.get_function(FunctionName="hello-api")["Configuration"]["Timeout"] == 30


def test_polycloud_sandbox(polycloud_sandbox) -> None:
    assert deploy(SPEC, "gcp", settings=polycloud_sandbox.settings("gcp")).action == "created"
    row = polycloud_sandbox.rehearse(SPEC, "azure")
    assert (row.deploy, row.redeploy, row.error) == ("created", "unchanged", None)
    adapter = polycloud_sandbox.adapter_for("gcp", project="acme", region="europe-west1")
    assert adapter.read("hello-api") is not None
    exported = export("hello-api", "gcp",
                      settings={"project": "acme", "region": "europe-west1", **polycloud_sandbox.settings("gcp")})
    assert exported.spec.timeout == 30
    polycloud_sandbox.fake("aws").inject(1, status=500)
    assert deploy(SPEC, "aws", settings=polycloud_sandbox.settings("aws")).action == "created"
    assert polycloud_sandbox.fake("aws").calls.count("CreateFunction") == 1


@pytest.mark.parametrize("run", [1, 2])
def test_polycloud_sandbox_starts_empty_for_every_test(polycloud_sandbox, run: int) -> None:
    run_fake = polycloud_sandbox.fake("gcp")
    assert run_fake.service("acme", "europe-west1", "hello-api") is None
    assert deploy(SPEC, "gcp", settings=polycloud_sandbox.settings("gcp")).action == "created"


def test_the_sandbox_leaves_no_fake_aws_keys_behind(monkeypatch) -> None:
    from polycloud.testing import sandbox

    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    sandbox.reset()
    sandbox.open_sandbox(server=False).settings("aws")
    assert os.environ.get("AWS_ACCESS_KEY_ID")  # the SDK needs some key while the sandbox runs
    sandbox.reset()
    assert "AWS_ACCESS_KEY_ID" not in os.environ and "AWS_SECRET_ACCESS_KEY" not in os.environ
