"""The shared adapter contract, run against AzureFunctionsAdapter on FakeArmWeb."""

from __future__ import annotations

from typing import Any

import pytest

from polycloud import FunctionSpec
from polycloud.testing.azure import FakeArmWeb
from polycloud.testing.contract import AdapterContract, CallCounter
from polycloud_azure import AzureFunctionsAdapter

from .conftest import FULL_SPEC


class TestAzureFunctionsContract(AdapterContract):
    @pytest.fixture
    def adapter(self, settings: dict[str, Any]) -> AzureFunctionsAdapter:
        return AzureFunctionsAdapter(**settings)

    @pytest.fixture
    def spec(self, adapter: AzureFunctionsAdapter) -> FunctionSpec:
        return FunctionSpec.model_validate(FULL_SPEC)

    @pytest.fixture
    def changed(self, spec: FunctionSpec) -> tuple[FunctionSpec, list[str]]:
        # Memory is the plan's instance size on Azure; the timeout is one app setting.
        return spec.model_copy(update={"timeout": 400}), ["app_settings.AzureFunctionsJobHost__functionTimeout"]

    @pytest.fixture
    def update_writes(self) -> int:
        # one PUT of the app settings
        return 1

    @pytest.fixture
    def calls(self, fake: FakeArmWeb) -> CallCounter:
        return lambda: (len(fake.reads), len(fake.writes))
