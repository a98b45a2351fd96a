"""Importing polycloud, its CLI, its adapters and its fakes loads no cloud SDK (checked in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SDK_ROOTS = ("boto3", "botocore", "s3transfer", "azure", "google", "msrest", "proto")
# the ones the brief names explicitly, a subset of the roots above
NAMED = ("boto3", "botocore", "azure.mgmt", "azure.identity", "azure.core", "google.cloud", "google.api_core")

PROBE = """
import json, sys
{body}
roots = {roots!r}
loaded = sorted(m for m in sys.modules if m.split(".")[0] in roots)
print(json.dumps(loaded))
"""


def loaded_after(body: str) -> list[str]:
    code = PROBE.format(body=body, roots=SDK_ROOTS)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("module", [
    "polycloud",
    "polycloud.cli",
    "polycloud_aws",
    "polycloud_azure",
    "polycloud_gcp",
    "polycloud.testing.azure",
    "polycloud.testing.gcp",
])
def test_import_loads_no_cloud_sdk(module):
    assert loaded_after(f"import {module}") == []


def test_offline_commands_load_no_cloud_sdk():
    body = """
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
    assert loaded_after(body) == []


def test_the_probe_would_see_an_sdk():
    # guards against a probe that can never fail
    assert "boto3" in loaded_after("import boto3")
    loaded = loaded_after("import azure.core, google.api_core")
    assert {"azure.core", "google.api_core"} <= set(loaded)
    assert all(name.split(".")[0] in SDK_ROOTS for name in NAMED)
