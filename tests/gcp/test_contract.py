"""The shared adapter contract, run against CloudRunAdapter on FakeCloudRun through the real REST client."""

from __future__ import annotations

from typing import Any

import pytest

from polycloud import FunctionSpec
from polycloud.testing.contract import AdapterContract, CallCounter
from polycloud.testing.gcp import FakeCloudRun
from polycloud_gcp import CloudRunAdapter

from .conftest import full_spec


class TestCloudRunContract(AdapterContract):
    @pytest.fixture
    def adapter(self, settings: dict[str, Any]) -> CloudRunAdapter:
        return CloudRunAdapter(**settings)

    @pytest.fixture
    def spec(self, adapter: CloudRunAdapter) -> FunctionSpec:
        return full_spec()

    @pytest.fixture
    def changed(self, spec: FunctionSpec) -> tuple[FunctionSpec, list[str]]:
        return (spec.model_copy(update={"memory": spec.memory * 2}),
                ["service.template.containers[0].resources.limits.memory"])

    @pytest.fixture
    def update_writes(self) -> int:
        # one PATCH of the service
        return 1

    @pytest.fixture
    def calls(self, fake: FakeCloudRun) -> CallCounter:
        return lambda: (len(fake.calls) - len(fake.writes), len(fake.writes))
