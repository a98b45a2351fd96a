"""moto-backed Lambda fixtures: in-process and as a ThreadedMotoServer on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from polycloud.testing.aws import MotoLambda, extend_moto

REGION = "us-east-1"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"


@pytest.fixture
def aws(moto_aws: MotoLambda) -> dict[str, Any]:
    """moto in-process (the plugin's ``moto_aws``): Lambda and IAM clients, each with a FaultInjector."""
    return {"client": moto_aws.client, "iam_client": moto_aws.iam_client, "faults": moto_aws.faults,
            "iam_faults": moto_aws.iam_faults}


@pytest.fixture
def adapter_settings(moto_aws: MotoLambda) -> dict[str, Any]:
    """Keyword settings for LambdaAdapter / deploy(): moto clients, no real waiting."""
    return moto_aws.settings()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A ThreadedMotoServer on 127.0.0.1 (random port), extended with provisioned concurrency."""
    import logging

    from moto.server import ThreadedMotoServer

    extend_moto()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def server_env(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Environment for the CLI to reach the moto server through boto3's standard chain."""
    import requests

    requests.post(f"{moto_server}/moto-api/reset", timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    yield moto_server


def make_spec(**changes: Any) -> Any:
    """The ``orders`` spec the adapter tests deploy, with ``changes`` on top."""
    from polycloud import FunctionSpec

    data: dict[str, Any] = {
        "name": "orders", "image": IMAGE, "port": 8081, "memory": "1536MiB", "timeout": "90s",
        "architecture": "arm64", "ephemeral_storage": "1GiB",
        "concurrency": {"min_instances": 0, "max_instances": 25},
        "environment": {"LOG_LEVEL": "info"},
        "tags": {"team": "payments"},
        "providers": {"aws": {"region": REGION}},
    }
    data.update(changes)
    return FunctionSpec.model_validate(data)
