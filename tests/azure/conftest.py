"""FakeArmWeb-backed fixtures: the real WebSiteManagementClient against an in-process ARM fake."""

from __future__ import annotations

from typing import Any

import pytest

from polycloud import FunctionSpec
from polycloud.testing.azure import DEFAULT_SUBSCRIPTION, FakeArmWeb, sandbox_settings
from polycloud_azure import AzureFunctionsAdapter

SUB = DEFAULT_SUBSCRIPTION
RG = "rg-fn"
LOCATION = "westeurope"
IMAGE = "acme.azurecr.io/hello:1"
SUBNET = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/fn"
SECRET_URI = "https://kv-acme.vault.azure.net/secrets/db-password"

FULL_SPEC: dict[str, Any] = {
    "name": "contract-fn",
    "image": IMAGE,
    # A Functions image (a custom handler on the Functions base image): the contract whose timeout and
    # per_instance Azure enforces, so every field round-trips. An http image runs without the host (test_images).
    "image_contract": "azure-functions-host",
    "port": 9000,
    "memory": "3584MiB",  # on Azure memory is the plan's instance size: all of EP1
    "timeout": "5m",
    "concurrency": {"min_instances": 1, "max_instances": 10, "per_instance": 8},
    "network": {"ingress": "public", "auth": "none", "egress": "vpc"},  # Azure cannot enforce iam (azure-auth)
    "environment": {"LOG_LEVEL": "debug", "FEATURE_X": "on"},
    "secrets": {"DB_PASSWORD": {"azure": SECRET_URI}},
    "tags": {"team": "platform", "cost-center": "42"},
    "providers": {"azure": {"subscription_id": SUB, "resource_group": RG, "location": LOCATION, "plan": "EP1",
                            "storage": "acmestorage", "subnet_id": SUBNET, "registry_managed_identity": True,
                            "worker_runtime": "custom"}},
}


def writes(fake: FakeArmWeb) -> list[str]:
    """``METHOD resource-path`` of every write, e.g. ``PUT sites/contract-fn/config/appsettings``."""
    return [f"{c.method} {c.path.split('/Microsoft.Web/')[-1]}" for c in fake.writes]


@pytest.fixture
def fake(fake_arm: FakeArmWeb) -> FakeArmWeb:
    """The plugin's active FakeArmWeb: each create takes one InProgress poll before it succeeds."""
    return fake_arm


@pytest.fixture
def settings(fake: FakeArmWeb) -> dict[str, Any]:
    """AzureFunctionsAdapter / deploy() settings wired to the fake."""
    return {**sandbox_settings(fake), "resource_group": RG, "location": LOCATION}


@pytest.fixture
def adapter(settings: dict[str, Any]) -> AzureFunctionsAdapter:
    """The adapter on the fake, never sleeping between retries."""
    return AzureFunctionsAdapter(**settings)


@pytest.fixture
def spec() -> FunctionSpec:
    """A valid spec using every field Azure Functions represents."""
    return FunctionSpec.model_validate(FULL_SPEC)
