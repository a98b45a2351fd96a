"""FakeCloudRun-backed fixtures: the real run_v2 REST client, zero-delay polling, no-wait retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from polycloud import FunctionSpec
from polycloud.testing.fakes import FakeRequest
from polycloud.testing.gcp import FakeCloudRun, sandbox_settings
from polycloud_gcp import CloudRunAdapter

PROJECT = "acme"
REGION = "europe-west1"
IMAGE = CloudRunAdapter.sample_image
SERVICES = f"/v2/projects/{PROJECT}/locations/{REGION}/services"

Matcher = Callable[[FakeRequest], bool]


ScriptedFakeCloudRun = FakeCloudRun
"""Scripted faults (``fail_when``, ``lose_answer_when``) now live on every FakeService."""


def call(method: str, suffix: str) -> Matcher:
    """Matches calls with this HTTP method whose path ends with ``suffix`` (``""`` for any path)."""
    return lambda request: request.method == method and request.path.endswith(suffix)


def operation_poll(request: FakeRequest) -> bool:
    """Matches a long-running operation poll."""
    return request.method == "GET" and "/operations/" in request.path


@pytest.fixture
def fake(fake_cloud_run: FakeCloudRun) -> FakeCloudRun:
    """The plugin's active Cloud Run fake (one ``done: false`` answer per operation)."""
    return fake_cloud_run


@pytest.fixture
def settings(fake: FakeCloudRun) -> dict[str, Any]:
    """CloudRunAdapter / deploy() keyword settings wired to the fake."""
    return {"project": PROJECT, "region": REGION, **sandbox_settings(fake)}


@pytest.fixture
def adapter(settings: dict[str, Any]) -> CloudRunAdapter:
    """An adapter talking to the fake."""
    return CloudRunAdapter(**settings)


def full_spec(**changes: Any) -> FunctionSpec:
    """Every field Cloud Run represents, valid at the default (cpu-2) profile; ``changes`` override."""
    data: dict[str, Any] = {
        "name": "hello-api", "image": IMAGE, "port": 9000, "memory": "2GiB", "timeout": "15m", "cpu": 2,
        "concurrency": {"min_instances": 1, "max_instances": 20, "per_instance": 40},
        "network": {"ingress": "internal", "auth": "none", "egress": "vpc"},
        "environment": {"LOG_LEVEL": "debug", "GREETING": "hello"},
        "secrets": {"DB_PASSWORD": {"gcp": "projects/acme/secrets/db-password/versions/3"}},
        "tags": {"team": "platform", "cost-center": "42"},
        "providers": {"gcp": {"project": PROJECT, "region": REGION,
                              "service_account": "hello@acme.iam.gserviceaccount.com",
                              "execution_environment": "gen2", "network": "default", "subnetwork": "functions",
                              "vpc_all_traffic": True}},
    }
    data.update(changes)
    return FunctionSpec.model_validate(data)


def small_spec(**changes: Any) -> FunctionSpec:
    """The fewest fields: what the spec's defaults give on Cloud Run."""
    data: dict[str, Any] = {"name": "hello", "image": IMAGE,
                            "providers": {"gcp": {"project": PROJECT, "region": REGION}}}
    data.update(changes)
    return FunctionSpec.model_validate(data)
