"""Importing polycloud, its CLI, its adapters and its fakes loads no cloud SDK (checked in fresh processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK_ROOTS = ("boto3", "botocore", "s3transfer", "azure", "google", "msrest", "proto")
# the packages the issue names, all under the roots above
NAMED = ("boto3", "botocore", "azure.mgmt", "azure.identity", "azure.core", "google.cloud", "google.api_core")

MODULES = [
    "polycloud",
    "polycloud.cli",
    "polycloud_aws",
    "polycloud_azure",
    "polycloud_gcp",
    "polycloud_aws.settings",
    "polycloud_azure.settings",
    "polycloud_gcp.settings",
    "polycloud.testing.azure",
    "polycloud.testing.gcp",
]

OFFLINE_COMMANDS = """
import contextlib, io, tempfile
from polycloud import validate
from polycloud.cli import main
report = validate("examples/hello-api.yaml")
assert report.providers == ["aws-lambda", "azure-functions", "gcp-cloud-run"], report.providers
assert report.ok, report.findings
with contextlib.redirect_stdout(io.StringIO()), tempfile.TemporaryDirectory() as tmp:
    assert main(["validate", "examples/hello-api.yaml", "--format", "sarif"]) == 0
    assert main(["providers"]) == 0
    assert main(["limits"]) == 0
    assert main(["rules", "--markdown"]) == 0
    assert main(["schema", "--output-dir", tmp]) == 0
"""

# a stand-in SDK module, so the probe itself is shown able to fail
SELF_CHECK = f"""
import sys, types
for name in {NAMED!r}:
    sys.modules[name] = types.ModuleType(name)
"""

PROBE = """
import json, sys
{body}
roots = {roots!r}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in roots)))
"""

BODIES = {**{module: f"import {module}" for module in MODULES}, "offline-commands": OFFLINE_COMMANDS,
          "self-check": SELF_CHECK}


@pytest.fixture(scope="module")
def loaded() -> dict[str, list[str]]:
    """SDK modules loaded by each probe, all run at once in fresh interpreters."""
    processes = {
        key: subprocess.Popen([sys.executable, "-c", PROBE.format(body=body, roots=SDK_ROOTS)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for key, body in BODIES.items()
    }
    results = {}
    for key, process in processes.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, f"{key}: {err}"
        results[key] = json.loads(out.splitlines()[-1])
    return results


@pytest.mark.parametrize("module", MODULES)
def test_import_loads_no_cloud_sdk(loaded, module):
    assert loaded[module] == []


def test_offline_commands_load_no_cloud_sdk(loaded):
    assert loaded["offline-commands"] == []


def test_the_probe_would_see_an_sdk(loaded):
    assert set(NAMED) <= set(loaded["self-check"])
