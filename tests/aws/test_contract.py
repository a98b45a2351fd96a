"""The shared adapter contract, run against LambdaAdapter on moto."""

from __future__ import annotations

from typing import Any

import pytest

from polycloud import FunctionSpec
from polycloud.testing.contract import AdapterContract, CallCounter
from polycloud_aws import LambdaAdapter

from .conftest import IMAGE, REGION


class TestLambdaContract(AdapterContract):
    @pytest.fixture
    def adapter(self, adapter_settings: dict[str, Any]) -> LambdaAdapter:
        return LambdaAdapter(**adapter_settings)

    @pytest.fixture
    def spec(self, adapter: LambdaAdapter) -> FunctionSpec:
        return FunctionSpec.model_validate({
            "name": "contract-fn", "image": IMAGE, "port": 9000, "memory": "1GiB", "timeout": "2m",
            "architecture": "arm64", "ephemeral_storage": "2GiB",
            "concurrency": {"min_instances": 2, "max_instances": 10},
            "network": {"ingress": "public", "auth": "none"},
            "environment": {"LOG_LEVEL": "debug"},
            "secrets": {"DB_PASSWORD": {"aws": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"}},
            "tags": {"team": "platform", "cost-center": "42"},
            "providers": {"aws": {"region": REGION}},
        })

    @pytest.fixture
    def changed(self, spec: FunctionSpec) -> tuple[FunctionSpec, list[str]]:
        return spec.model_copy(update={"memory": 2048}), ["function.MemorySize"]

    @pytest.fixture
    def update_writes(self) -> int:
        # UpdateFunctionConfiguration, then PublishVersion and UpdateAlias: the alias
        # (which carries the URL and provisioned concurrency) follows every change.
        return 3

    @pytest.fixture
    def calls(self, aws: dict[str, Any]) -> CallCounter:
        faults = aws["faults"]
        return lambda: (len(faults.calls) - len(faults.writes), len(faults.writes))
